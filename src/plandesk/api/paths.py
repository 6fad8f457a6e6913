"""Where the REST API lives. Each API router carries the prefix itself, so that its routes are built once, with
their final paths, when the module is imported (see routes.add_routes)."""

API_PREFIX = "/api/v1"
