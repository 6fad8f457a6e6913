"""REST API at /api/v1: FastAPI routers per thing, one problem+json error handler."""
