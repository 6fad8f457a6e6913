"""REST: a project's code connector settings, and the full logs of its build and deploy recipes."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from plandesk.api.bodies import returns
from plandesk.api.deps import ActorDep, db_of
from plandesk.api.paths import API_PREFIX
from plandesk.core import connector_config, vocab
from plandesk.core import models as m

router = APIRouter(prefix=API_PREFIX, tags=["connector"])


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RecipeIn(Strict):
    name: str = Field(min_length=1, max_length=64)
    kind: Literal[vocab.RECIPE_KINDS]  # type: ignore[valid-type]
    argv: list[str] = Field(min_length=1, max_length=100)
    timeout_s: int | None = Field(default=None, ge=1, le=3600)
    env: dict[str, str] | None = Field(
        default=None, description="All the environment the sandboxed recipe gets."
    )
    network: StrictBool | None = Field(
        default=None, description="Deploy recipes reach the network unless false; others only when true."
    )


class DatabaseIn(Strict):
    name: str = Field(min_length=1, max_length=64)
    engine: Literal[vocab.DB_ENGINES]  # type: ignore[valid-type]
    read_url: str = Field(min_length=1, max_length=2000)
    write_url: str | None = Field(default=None, max_length=2000)


class ConnectorIn(Strict):
    enabled: bool | None = None
    code_root: str | None = Field(default=None, max_length=1024)
    recipes: list[RecipeIn] | None = Field(default=None, max_length=50)
    databases: list[DatabaseIn] | None = Field(default=None, max_length=20)
    exec_allowlist: list[str] | None = Field(default=None, max_length=100)
    exec_network: bool | None = None


@router.get("/projects/{project_id}/connector", **returns(m.ConnectorConfig))
def get_connector(project_id: str, actor: ActorDep, db=Depends(db_of)):
    return connector_config.get_config(db, actor, project_id)


@router.put("/projects/{project_id}/connector", **returns(m.ConnectorConfig))
def put_connector(project_id: str, body: ConnectorIn, request: Request, actor: ActorDep, db=Depends(db_of)):
    return connector_config.put_config(
        db,
        actor,
        project_id,
        body.model_dump(exclude_unset=True),
        data_dir=str(request.app.state.settings.data_dir),
    )


@router.get("/projects/{project_id}/connector/logs/{log_id}", response_class=PlainTextResponse)
def recipe_log(project_id: str, log_id: str, request: Request, actor: ActorDep, db=Depends(db_of)):
    from plandesk.connector.calls import read_recipe_log

    text = read_recipe_log(db, actor, project_id, log_id, request.app.state.settings.data_dir)
    return PlainTextResponse(
        text, headers={"Content-Security-Policy": "default-src 'none'", "X-Content-Type-Options": "nosniff"}
    )


class ConnectionTestIn(Strict):
    token: str = Field(min_length=1, max_length=300)
    project_id: str | None = Field(default=None, max_length=36)


@router.post("/connector/test-connection", **returns(m.ConnectionTest))
async def test_connection(body: ConnectionTestIn, request: Request, actor: ActorDep, db=Depends(db_of)):
    """Run a real MCP initialize and tools/list with a token and say what fails. For a person in the UI."""
    from plandesk.connector.connection_test import run_connection_test
    from plandesk.core.errors import Forbidden

    if actor.token_id is not None:
        raise Forbidden("the connection test is for a person in the UI", permission="settings")
    actor.require_write("testing a connection")
    return await run_connection_test(db, request.app.state.settings, body.token, body.project_id)
