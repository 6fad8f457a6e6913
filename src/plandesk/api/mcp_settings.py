"""REST: the MCP endpoint's workspace settings (GET/PUT /api/v1/settings/mcp)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from plandesk.api.bodies import returns
from plandesk.api.deps import current_actor, db_of
from plandesk.core import mcp_settings
from plandesk.core import models as m
from plandesk.core.actors import Actor

router = APIRouter(tags=["settings"])
ActorDep = Annotated[Actor, Depends(current_actor)]


class McpSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    allow_url_token: bool | None = None


@router.get("/settings/mcp", **returns(m.McpSettings))
def get_mcp_settings(actor: ActorDep, db=Depends(db_of)) -> dict:
    return mcp_settings.get_mcp_settings(db, actor)


@router.put("/settings/mcp", **returns(m.McpSettings))
def put_mcp_settings(body: McpSettingsIn, actor: ActorDep, db=Depends(db_of)) -> dict:
    return mcp_settings.set_mcp_settings(db, actor, body.model_dump(exclude_unset=True))
