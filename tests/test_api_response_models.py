"""Real answers of the main REST routes against the models their routes declare (core/models.py): each one
validates, and carries no field its model does not name (models are open, so only this test notices a field
the core added without the model, the OpenAPI document and the client types)."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter

from plandesk.app import fastapi_of
from plandesk.core import models

pytestmark = pytest.mark.server("app")

PREFIX = "/api/v1"


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def _api_routes(routes, prefix: str = ""):
    """Every APIRoute with its full path, through the routers the app includes."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):  # an included router (FastAPI keeps them nested)
            yield from _api_routes(route.original_router.routes, prefix + route.include_context.prefix)


def _declared(app, method: str, template: str, status: int):
    """The model a route declares for `status`: its response_model, or a model in `responses`."""
    for path, route in _api_routes(fastapi_of(app).routes):
        if _shape(path) == _shape(PREFIX + template) and method in route.methods:
            documented = route.responses.get(status, {}).get("model")
            if documented is not None:
                return documented
            if status == (route.status_code or 200):
                return route.response_model
            return None
    raise AssertionError(f"no route {method} {template}")


def _undeclared(value, where: str) -> list[str]:
    if isinstance(value, BaseModel):
        out = [f"{where}.{k}" for k in value.model_extra or {}]
        for name in type(value).model_fields:
            out += _undeclared(value.__dict__.get(name), f"{where}.{name}")
        return out
    if isinstance(value, list):
        return [x for i, item in enumerate(value) for x in _undeclared(item, f"{where}[{i}]")]
    return []


class Walk:
    """Calls routes by their template and checks each answer against the route's declared model."""

    def __init__(self, server, api):
        self.app = server.app
        self.api = api
        self.checked: list[str] = []
        self.problems: list[str] = []

    def __call__(self, method: str, template: str, *, expect: int = 200, json=None, params=None, **ids):
        r = self.api.request(method, PREFIX + template.format(**ids), json=json, params=params)
        assert r.status_code == expect, f"{method} {template}: {r.status_code} {r.text}"
        model = _declared(self.app, method, template, expect)
        assert model is not None, f"{method} {template} declares no model for {expect}"
        body = r.json()
        try:
            value = TypeAdapter(model).validate_python(body)
        except Exception as exc:
            self.problems.append(f"{method} {template}: {exc}")
            return body
        self.problems += [f"{method} {template}: undeclared {x}" for x in _undeclared(value, "body")]
        self.checked.append(f"{method} {template}")
        return body


@pytest.fixture
def walk(server, api):
    return Walk(server, api)


def test_the_main_routes_answer_what_their_models_declare(walk):
    p = walk("POST", "/projects", expect=201, json={"name": "Shapes", "description": "d"})
    pid = p["id"]
    walk("GET", "/projects/{pid}", pid=pid)
    walk("PATCH", "/projects/{pid}", pid=pid, json={"description": "e"})
    walk("GET", "/projects")
    g = walk(
        "POST",
        "/projects/{pid}/goals",
        expect=201,
        pid=pid,
        json={
            "name": "G",
            "objective": "o",
            "verification_surface": {"kind": "gate_command", "command": "true"},
        },
    )
    walk("GET", "/goals/{gid}", gid=g["id"])
    walk("POST", "/goals/{gid}/set-current", gid=g["id"])
    walk("GET", "/projects/{pid}/goals", pid=pid)
    a = walk("POST", "/projects/{pid}/tasks", expect=201, pid=pid, json={"label": "A", "tags": ["x"]})
    b = walk(
        "POST", "/projects/{pid}/tasks", expect=201, pid=pid, json={"label": "B", "description": "x" * 600}
    )
    walk("POST", "/goals/{gid}/invoke", gid=g["id"])
    walk(
        "POST",
        "/projects/{pid}/edges",
        expect=201,
        pid=pid,
        json={"from_id": a["id"], "to_id": b["id"], "label": "blocks"},
    )
    walk("GET", "/projects/{pid}/edges", pid=pid)
    walk("GET", "/projects/{pid}/tags", pid=pid)
    walk("GET", "/projects/{pid}/tasks", pid=pid)
    walk("GET", "/projects/{pid}/next-task", pid=pid)
    walk("GET", "/projects/{pid}/graph", pid=pid)
    walk("PATCH", "/tasks/{tid}", tid=a["id"], json={"priority": "high", "version": a["version"]})
    walk("GET", "/tasks/{tid}", tid=a["id"])
    walk("POST", "/tasks/{tid}/claim", expect=409, tid=b["id"], json={"agent_ref": "agent"})
    walk("POST", "/projects/{pid}/claim-next", pid=pid, json={"agent_ref": "agent"})
    walk("POST", "/tasks/{tid}/renew", tid=a["id"], json={"agent_ref": "agent"})
    walk("POST", "/tasks/{tid}/release", tid=a["id"], json={"agent_ref": "agent"})
    walk("POST", "/tasks/{tid}/claim", tid=a["id"], json={"agent_ref": "agent"})
    walk("POST", "/projects/{pid}/claim-next", pid=pid, json={"agent_ref": "other"})
    d = walk("POST", "/projects/{pid}/documents", expect=201, pid=pid, json={"title": "D", "body": "b"})
    walk("GET", "/documents/{did}", did=d["id"])
    walk("PATCH", "/documents/{did}", did=d["id"], json={"body": "c", "version": d["version"]})
    walk("GET", "/projects/{pid}/documents", pid=pid)
    f = walk("POST", "/projects/{pid}/folders", expect=201, pid=pid, json={"name": "F"})
    walk("GET", "/projects/{pid}/folders", pid=pid)
    walk("PATCH", "/folders/{fid}", fid=f["id"], json={"name": "F2"})
    walk(
        "POST",
        "/projects/{pid}/documents/move",
        pid=pid,
        json={"document_ids": [d["id"]], "folder_id": f["id"]},
    )
    n = walk("POST", "/projects/{pid}/notes", expect=201, pid=pid, json={"title": "N", "body": "b"})
    walk("GET", "/notes/{nid}", nid=n["id"])
    walk("PATCH", "/notes/{nid}", nid=n["id"], json={"body": "c", "version": n["version"]})
    walk("GET", "/projects/{pid}/notes", pid=pid)
    c = walk("POST", "/tasks/{target_id}/comments", expect=201, target_id=a["id"], json={"body": "hi"})
    walk("GET", "/tasks/{target_id}/comments", target_id=a["id"])
    walk("GET", "/projects/{pid}/comments", pid=pid)
    walk("PATCH", "/comments/{cid}", cid=c["id"], json={"resolved": True})
    run = walk(
        "POST", "/agent-runs", expect=201, json={"project_id": pid, "label": "R", "task_ids": [a["id"]]}
    )
    walk("POST", "/agent-runs/{rid}/events", expect=201, rid=run["id"], json={"message": "m"})
    walk("POST", "/agent-runs/{rid}/tasks", rid=run["id"], json={"task_ids": [b["id"]]})
    walk("GET", "/agent-runs/{rid}", rid=run["id"])
    walk("POST", "/agent-runs/{rid}/complete", rid=run["id"], json={"summary": "s"})
    walk("GET", "/projects/{pid}/agent-runs", pid=pid)
    revs = walk(
        "GET", "/projects/{pid}/revisions", pid=pid, params={"target_type": "task", "target_id": a["id"]}
    )
    walk("GET", "/revisions/{rid}", rid=revs["items"][-1]["id"])
    walk("POST", "/revisions/{rid}/restore", rid=revs["items"][-1]["id"])
    walk("GET", "/projects/{pid}/audit", pid=pid)
    walk("GET", "/search", params={"q": "A"})
    walk("GET", "/health")
    t = walk("POST", "/tokens", expect=201, json={"name": "shapes"})
    walk("GET", "/tokens")
    walk("POST", "/tokens/{tid}/rotate", tid=t["id"])
    walk("POST", "/tokens/{tid}/revoke", tid=t["id"])
    walk("POST", "/tasks/{task_id}/share", expect=201, task_id=a["id"], json={})
    walk("GET", "/tasks/{task_id}/shares", task_id=a["id"])
    walk("GET", "/auth/me")
    walk("GET", "/members")
    walk("GET", "/invitations")
    walk("GET", "/approvals")
    walk("GET", "/settings/permissions")
    walk("GET", "/settings/sandbox")
    walk("GET", "/settings/mcp")
    walk("GET", "/settings/oauth")
    walk("GET", "/settings/tasks")
    walk("GET", "/projects/{pid}/connector", pid=pid)
    walk("POST", "/goals/{gid}/pause", gid=g["id"])
    walk("POST", "/goals/{gid}/resume", gid=g["id"])
    trash_id = walk.api.delete(f"{PREFIX}/tasks/{b['id']}").headers["X-Trash-Item"]
    goal_trash = walk.api.delete(f"{PREFIX}/goals/{g['id']}").headers["X-Trash-Item"]
    walk("GET", "/projects/{pid}/trash", pid=pid)
    walk("POST", "/trash/{trash_id}/restore", trash_id=trash_id)
    walk("POST", "/trash/{trash_id}/restore", trash_id=goal_trash)
    walk("POST", "/projects/{pid}/trash/purge", pid=pid)
    assert walk.problems == []
    assert len(walk.checked) > 70


def test_a_preview_leaves_out_what_only_previews_carry(walk, project):
    """exclude_unset: a field with a default appears only in the answers that carry it."""
    short = walk("POST", "/projects/{pid}/tasks", expect=201, pid=project["id"], json={"label": "S"})
    assert "description_truncated" not in short
    walk(
        "POST",
        "/projects/{pid}/notes",
        expect=201,
        pid=project["id"],
        json={"title": "N", "body": "x" * 5000},
    )
    listed = walk("GET", "/projects/{pid}/notes", pid=project["id"])
    assert listed["items"][0]["body_truncated"] is True
    full = walk("GET", "/projects/{pid}", pid=project["id"])
    assert "summary" in full
    listed_projects = walk("GET", "/projects")
    assert all("summary" not in p for p in listed_projects["items"])
    assert walk.problems == []


def test_the_claim_models_are_the_ones_mcp_output_schemas_come_from():
    from plandesk.mcp import shapes

    assert set(shapes.CLAIM["properties"]) <= set(models.Claim.model_fields)
    assert set(shapes.NEXT_TASK["properties"]) <= set(models.NextTask.model_fields)
    assert shapes.TASK["properties"]["status"]["enum"] == list(
        models.Task.model_fields["status"].annotation.__args__
    )
