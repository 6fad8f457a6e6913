"""REST: the MCP endpoint's workspace settings (GET/PUT /api/v1/settings/mcp)."""

from __future__ import annotations

from fastapi import APIRouter

from plandesk.api.models import Strict
from plandesk.api.paths import API_PREFIX
from plandesk.api.setting_routes import setting_routes
from plandesk.core import mcp_settings
from plandesk.core import models as m

router = APIRouter(prefix=API_PREFIX, tags=["settings"])


class McpSettingsIn(Strict):
    allow_url_token: bool | None = None


setting_routes(
    router,
    "/settings/mcp",
    m.McpSettings,
    mcp_settings.get_mcp_settings,
    mcp_settings.set_mcp_settings,
    McpSettingsIn,
)
