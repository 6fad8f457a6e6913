"""One error shape for REST: application/problem+json with a stable code, the field and a message."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from plandesk.core import argument_errors as say
from plandesk.core.errors import PlanDeskError
from plandesk.core.models import Problem

log = logging.getLogger("plandesk.api")

_HTTP_CODES = {
    400: "invalid_argument",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_argument",
    429: "rate_limited",
}


_RESERVED = {"type", "title", "status", "code", "message", "field"}


def problem(
    status: int, code: str, message: str, field: str | None = None, headers: dict | None = None, **extra
) -> JSONResponse:
    # Extras never overwrite the problem's own members; a clashing name is kept under a prefix.
    safe = {(f"detail_{k}" if k in _RESERVED else k): v for k, v in extra.items()}
    body = {
        "type": "about:blank",
        "title": code.replace("_", " "),
        "status": status,
        "code": code,
        "message": message,
        "field": field,
        **safe,
    }
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


def error_response(exc: PlanDeskError) -> JSONResponse:
    body = exc.as_dict()
    code, message, field = body.pop("code"), body.pop("message"), body.pop("field", None)
    status = exc.status
    headers = None
    if code == "unauthorized":
        headers = {"WWW-Authenticate": 'Bearer realm="plandesk"'}
    if code == "rate_limited":
        headers = {"Retry-After": str(exc.extra.get("retry_after", 1))}
    return problem(status, code, message, field, headers=headers, **body)


_SOURCES = ("body", "query", "path", "header", "cookie")
# pydantic's error types that break a bound, by JSON Schema keyword and the context key holding the bound.
_BOUNDS = {
    "string_too_long": ("maxLength", "max_length"),
    "string_too_short": ("minLength", "min_length"),
    "too_long": ("maxItems", "max_length"),
    "too_short": ("minItems", "min_length"),
    "greater_than_equal": ("minimum", "ge"),
    "less_than_equal": ("maximum", "le"),
}
_TYPES = {
    "string_type": "string",
    "int_type": "integer",
    "int_parsing": "integer",
    "float_type": "number",
    "float_parsing": "number",
    "bool_type": "boolean",
    "bool_parsing": "boolean",
    "list_type": "array",
    "dict_type": "object",
    "model_type": "object",
    "model_attributes_type": "object",
}


def _field_parts(loc) -> list:
    """The field a pydantic location names: without its source (body, query, ...; a field may itself be
    "body") and without the tags of union members ("constrained-str", "ChecklistItem", "list[str]")."""
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    return [p for p in parts if isinstance(p, int) or _is_field(p)]


def _is_field(part: str) -> bool:
    """Our fields are snake_case; pydantic's union tags are not (`constrained-str`, `ChecklistItem`)."""
    return part[:1].islower() and part.isidentifier()


def _validation_message(errors: list[dict]) -> tuple[str, str | None]:
    """The first error, in the words the MCP layer uses for the same mistake (core/argument_errors.py); of a
    union's alternatives, the one that got furthest into the value says the most."""
    if not errors:
        return "invalid request", None
    loc = tuple(errors[0].get("loc", ()))
    branch = next((i for i, p in enumerate(loc) if isinstance(p, str) and not _is_field(p)), len(loc))
    alternatives = [e for e in errors if tuple(e.get("loc", ()))[:branch] == loc[:branch]]
    first = max(alternatives, key=lambda e: len(_field_parts(e.get("loc", ()))))
    parts = _field_parts(first.get("loc", ()))
    field = say.path(parts) or None
    where = field or "the request"
    kind, value, ctx = first.get("type"), first.get("input"), first.get("ctx") or {}
    if kind == "extra_forbidden":
        return f"unknown field {field!r}", field
    if kind == "missing":
        return say.required(where), field
    if kind in _BOUNDS and _BOUNDS[kind][1] in ctx:
        keyword, key = _BOUNDS[kind]
        return say.out_of_bounds(keyword, where, ctx[key], value), field
    if kind in _TYPES:
        return say.wrong_type(where, [_TYPES[kind]], value), field
    if kind == "literal_error" and "expected" in ctx:
        options = [o.strip().strip("'") for o in str(ctx["expected"]).replace(" or ", ", ").split(",")]
        return say.not_one_of(where, options, value), field
    if kind == "uuid_parsing":
        return say.bad_format(where, "UUID", value), field
    return (
        f"{field}: {first.get('msg', 'invalid value')}" if field else first.get("msg", "invalid request")
    ), field


# Paths whose answers are always problem+json, whatever the client accepts: the API, MCP, files.
_MACHINE_PATHS = ("/api/", "/mcp", "/static/", "/events")


def wants_html(request: Request) -> bool:
    """A person's browser opening a page address: a GET that accepts HTML, outside the API's paths."""
    if request.method not in ("GET", "HEAD") or request.url.path.startswith(_MACHINE_PATHS):
        return False
    return "text/html" in request.headers.get("accept", "")


def _page_or_problem(request: Request, status: int, code: str, message: str, problem_answer):
    # The web part registers the page renderer (app.state.html_error_page); the API does not import pages.
    render_page = getattr(request.app.state, "html_error_page", None)
    if render_page is not None and wants_html(request):
        return render_page(request, status, message, code)
    return problem_answer()


def install(app: FastAPI) -> None:
    @app.exception_handler(PlanDeskError)
    async def _domain(request: Request, exc: PlanDeskError):
        return _page_or_problem(request, exc.status, exc.code, exc.message, lambda: error_response(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError):
        msg, field = _validation_message(list(exc.errors()))
        return problem(400, "invalid_argument", msg, field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code
        if exc.status_code == 404:
            message = "no such route"
            if wants_html(request):
                message = f"There is no page at {request.url.path}."
        return _page_or_problem(
            request,
            exc.status_code,
            code,
            message,
            lambda: problem(exc.status_code, code, message, headers=getattr(exc, "headers", None)),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unexpected error")
        return _page_or_problem(
            request,
            500,
            "internal",
            "The server hit an unexpected error; it is logged.",
            lambda: problem(500, "internal", "the server hit an unexpected error; it is logged"),
        )

    document_problems(app)


# The answers any route may give besides its own success, as the handlers above shape them.
COMMON_PROBLEMS = {
    "400": "Invalid argument: `field` names what to fix",
    "401": "Sign in or send a bearer token",
    "403": "Forbidden: `message` names the missing permission",
    "404": "Not found (or not visible)",
    "409": "Conflict: a stale version, a cycle, a claim someone else holds",
    "413": "Body too large",
    "429": "Rate limited: retry after Retry-After seconds",
}
PROBLEM_SCHEMA = Problem.model_json_schema()  # core/models.py: the one description of the body


def document_problems(app: FastAPI) -> None:
    """Say in the OpenAPI document what the handlers really send: problem+json 4xx answers, never a 422."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        spec = generate()
        spec.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        problem_body = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for item in spec.get("paths", {}).values():
            for operation in item.values():
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)  # validation errors are answered 400 by _validation above
                for status, response in responses.items():
                    content = response.get("content", {})
                    if (
                        status.startswith("4") and "application/json" in content
                    ):  # a route's own problem model
                        content["application/problem+json"] = content.pop("application/json")
                for status, description in COMMON_PROBLEMS.items():
                    responses.setdefault(status, {"description": description, "content": problem_body})
        for unused in ("HTTPValidationError", "ValidationError"):
            spec["components"]["schemas"].pop(unused, None)
        app.openapi_schema = spec
        return spec

    # FastAPI's documented way to change the schema ("Extending OpenAPI") is to replace app.openapi, which it
    # declares as a method.
    app.openapi = openapi  # type: ignore[method-assign]
