"""What the Python client raises: a tool's refusal (with the server's code and field) or a failed connection."""

from __future__ import annotations

from typing import Any


class PlanDeskClientError(Exception):
    """Base of everything the client raises."""


class ToolError(PlanDeskClientError):
    """A tool answered isError: `code` is the stable error code (not_found, conflict, invalid_argument, …)."""

    def __init__(
        self,
        tool: str,
        message: str,
        code: str = "error",
        field: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{tool}: {message}")
        self.tool = tool
        self.message = message
        self.code = code
        self.field = field
        self.detail = detail or {}


class AuthError(PlanDeskClientError):
    """The server refused the token (HTTP 401); `reason` is missing_token, invalid_token, revoked_token or
    expired_token."""

    def __init__(self, message: str, reason: str = "invalid_token") -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


class ConnectError(PlanDeskClientError):
    """The server could not be reached or did not speak MCP at the URL."""
