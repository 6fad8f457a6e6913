"""/api/docs: Swagger UI from the files the fastapi-offline package ships, so it works without internet."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from plandesk import __version__
from plandesk.web.rendering import CSP

ASSETS = "/api/docs/assets"

# Our own start-up script, served from our origin: the strict CSP allows no inline script, so the page loads
# this file instead of the inline block FastAPI's stock page carries.
_START = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({url: "/api/v1/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
                               presets: [SwaggerUIBundle.presets.apis], layout: "BaseLayout"});
});
"""

_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Plan Desk REST API</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css?v={__version__}">
<link rel="icon" href="{ASSETS}/favicon.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js?v={__version__}"></script>
<script src="/api/docs/start.js?v={__version__}"></script>
</body>
</html>
"""


def assets_dir() -> Path:
    """Where the installed fastapi-offline keeps Swagger UI's bundle and stylesheet."""
    return Path(str(resources.files("fastapi_offline") / "static"))


def _headers() -> dict[str, str]:
    # The pages' own policy, unchanged: Swagger UI needs nothing beyond 'self' (and data: images, already in).
    return {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY", "Cache-Control": "no-cache"}


def install(app: FastAPI) -> None:
    app.mount(ASSETS, StaticFiles(directory=str(assets_dir())), name="api-docs-assets")

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return HTMLResponse(_PAGE, headers=_headers())

    @app.get("/api/docs/start.js", include_in_schema=False)
    def api_docs_start() -> Response:
        return Response(_START, media_type="text/javascript", headers=_headers())
