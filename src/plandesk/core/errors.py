"""Stable error codes shared by REST (problem+json), MCP (isError results) and the CLI."""

from __future__ import annotations

HTTP_STATUS = {
    "invalid_argument": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "gone": 410,
    "payload_too_large": 413,
    "rate_limited": 429,
    "pending_approval": 202,
    "unavailable": 503,
}


class PlanDeskError(Exception):
    """The base of every error with a stable code; a subclass names its code in its class line:
    `class Gone(PlanDeskError, code="gone")`, and a subclass of that keeps it unless it names another."""

    code = "invalid_argument"

    def __init_subclass__(cls, *, code: str | None = None, **kwargs):
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code

    def __init__(self, message: str, *, field: str | None = None, **extra):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra

    @property
    def status(self) -> int:
        return HTTP_STATUS.get(self.code, 400)

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body


class InvalidArgument(PlanDeskError, code="invalid_argument"): ...


class NotFound(PlanDeskError, code="not_found"):
    def __init__(self, resource: str, id_: str | None = None, **extra):
        message = f"{resource} {id_} not found" if id_ else f"{resource} not found"
        super().__init__(message, resource=resource, id=id_, **extra)


class Forbidden(PlanDeskError, code="forbidden"): ...


class Unauthorized(PlanDeskError, code="unauthorized"): ...


class Conflict(PlanDeskError, code="conflict"): ...


class Gone(PlanDeskError, code="gone"): ...


class RateLimited(PlanDeskError, code="rate_limited"): ...


class PendingApproval(PlanDeskError, code="pending_approval"): ...


class Unavailable(PlanDeskError, code="unavailable"):
    """Something this server needs is not there or not usable (a database written by a newer Plan Desk)."""
