"""Where a client finds the server and its token: the environment variables and the MCP URL's one form.

The agent tooling writes the same names into a bound repository (agents/bound_repo), so they live here,
on the client's side of the arrow: agents may import the client, the client imports nothing from agents.
"""

from __future__ import annotations

TOKEN_ENV = "PLANDESK_MCP_TOKEN"
URL_ENV = "PLANDESK_URL"
DEFAULT_URL = "http://127.0.0.1:3847"


def mcp_url_of(url: str) -> str:
    """Accept a server origin or an MCP URL; always answer the /mcp/ form (no redirect to follow)."""
    url = url.strip()
    base = url.split("?", 1)[0].rstrip("/")
    if base.endswith("/mcp"):
        return base + "/"
    return base + "/mcp/"
