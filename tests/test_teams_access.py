"""Who may do what: a viewer writes nothing on any route; sign-in beyond loopback; cross-site posts refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from cli_support import run_cli
from connector_fixtures import PASSWORD, add_member, sign_in
from mcp_support import mcp_client, run_async

# Every test arranges people and a plan of its own (local mode is what several take apart): a fresh app each.
pytestmark = pytest.mark.server("app", fresh=True)
WRITE_METHODS = ("post", "put", "patch", "delete")
# Routes a viewer may use: signing in and out, accepting an invitation, and their own tokens
# (a viewer's token carries the viewer role, so it can only read).
SELF_SERVICE = ("/api/v1/auth/", "/api/v1/invitations/{token}/accept", "/api/v1/tokens")


def example(schema: dict, components: dict):
    """The smallest value that passes the request model, so the refusal we see is the permission one."""
    if "$ref" in schema:
        return example(components[schema["$ref"].rsplit("/", 1)[1]], components)
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return example(options[0], components) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object":
        return {name: example(schema["properties"][name], components) for name in schema.get("required", [])}
    if kind == "array":
        return [example(schema["items"], components) for _ in range(schema.get("minItems", 0))]
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return False
    return "x" * max(schema.get("minLength", 1), 1)


@pytest.fixture
def plan(api, project, workspace) -> dict:
    """One of everything, made by the owner, so every route has a real id to act on."""
    pid = project["id"]
    ids = {"project_id": pid}

    def made(r):
        assert r.status_code in (200, 201), r.text
        return r.json()

    ids["task_id"] = made(api.post(f"/api/v1/projects/{pid}/tasks", json={"label": "first"}))["id"]
    second = made(api.post(f"/api/v1/projects/{pid}/tasks", json={"label": "second"}))["id"]
    ids["edge_id"] = made(
        api.post(
            f"/api/v1/projects/{pid}/edges",
            json={"from_task_id": ids["task_id"], "to_task_id": second, "label": "blocks"},
        )
    )["id"]
    ids["document_id"] = made(api.post(f"/api/v1/projects/{pid}/documents", json={"title": "Spec"}))["id"]
    ids["folder_id"] = made(api.post(f"/api/v1/projects/{pid}/folders", json={"name": "Specs"}))["id"]
    ids["note_id"] = made(api.post(f"/api/v1/projects/{pid}/notes", json={"title": "Note"}))["id"]
    ids["comment_id"] = made(api.post(f"/api/v1/tasks/{ids['task_id']}/comments", json={"body": "hi"}))["id"]
    ids["goal_id"] = made(api.post(f"/api/v1/projects/{pid}/goals", json={"objective": "ship it"}))["id"]
    ids["run_id"] = made(api.post("/api/v1/agent-runs", json={"project_id": pid}))["id"]
    made(api.patch(f"/api/v1/tasks/{ids['task_id']}", json={"label": "first, renamed"}))
    ids["revision_id"] = made(
        api.get(
            f"/api/v1/projects/{pid}/revisions", params={"target_type": "task", "target_id": ids["task_id"]}
        )
    )["items"][0]["id"]
    ids["share_id"] = made(api.post(f"/api/v1/tasks/{ids['task_id']}/share", json={}))["id"]
    owner_agent = made(api.post("/api/v1/tokens", json={"name": "owner agent"}))
    ids["token_id"] = owner_agent["id"]
    ids["owner_token"] = owner_agent["token"]  # minted while local mode lasts: the owner's agent from then on
    ids["invitation_id"] = made(api.post("/api/v1/invitations", json={"role": "member"}))["id"]
    ids["approval_id"] = pending_approval(workspace, pid)
    ids["user_id"] = made(
        api.post(
            "/api/v1/members", json={"email": "viewer@example.com", "role": "viewer", "password": PASSWORD}
        )
    )["id"]
    return ids


def pending_approval(workspace, project_id: str) -> str:
    """A gated connector call waiting for a person (arranged in the database: no agent needed)."""
    from sqlalchemy import create_engine

    from plandesk.db.schema import approvals

    approval_id = str(uuid.uuid4())
    engine = create_engine(workspace.settings().resolved_database_url)
    with engine.begin() as conn:
        conn.execute(
            approvals.insert().values(
                id=approval_id,
                project_id=project_id,
                operation="deploy",
                tool="deploy",
                args_digest="0" * 64,
                summary="deploy production",
                status="pending",
                created_at=datetime.now(UTC),
            )
        )
    engine.dispose()
    return approval_id


def write_routes(spec: dict) -> list[tuple[str, str, dict]]:
    out = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method in WRITE_METHODS and not path.startswith(SELF_SERVICE):
                out.append((method, path, op))
    return out


def fill(path: str, ids: dict) -> str:
    target = (
        "task_id"
        if path.startswith("/api/v1/tasks/")
        else ("document_id" if path.startswith("/api/v1/documents/") else "note_id")
    )
    values = {**ids, "target_id": ids[target]}
    for name in [p.strip("{}") for p in path.split("/") if p.startswith("{")]:
        path = path.replace("{" + name + "}", values.get(name, str(uuid.uuid4())))
    return path


def walk(client, spec: dict, ids: dict) -> dict[str, int]:
    components = spec["components"]["schemas"]
    answers = {}
    for method, path, op in write_routes(spec):
        body = None
        content = (op.get("requestBody") or {}).get("content", {}).get("application/json")
        if content:
            body = example(content["schema"], components)
        r = client.request(method.upper(), fill(path, ids), json=body)
        answers[f"{method.upper()} {path}"] = r.status_code
        assert r.status_code < 500, (path, r.text)
    return answers


def viewer_token(server) -> str:
    """The viewer's own agent token, minted in their session (it carries the viewer role)."""
    r = sign_in(server, "viewer@example.com").post("/api/v1/tokens", json={"name": "viewer-agent"})
    assert r.status_code == 201, r.text
    return r.json()["token"]


def test_a_viewer_token_gets_403_on_every_write_route(server, plan):
    spec = server.client().get("/api/v1/openapi.json").json()
    token = viewer_token(server)
    viewer = server.client(headers={"Authorization": f"Bearer {token}"})
    answers = walk(viewer, spec, plan)
    assert len(answers) >= 40  # the walk reached the whole API, not a corner of it
    assert {k: v for k, v in answers.items() if v != 403} == {}


def test_a_viewer_session_gets_403_on_every_write_route(server, plan):
    spec = server.client().get("/api/v1/openapi.json").json()
    viewer = server.client()
    r = viewer.post("/api/v1/auth/sign-in", json={"email": "viewer@example.com", "password": PASSWORD})
    assert r.status_code == 200
    viewer.headers["X-CSRF-Token"] = r.json()["csrf_token"]  # what the page does: send its session's token
    answers = walk(viewer, spec, plan)
    assert {k: v for k, v in answers.items() if v != 403} == {}
    assert viewer.get(f"/api/v1/tasks/{plan['task_id']}").status_code == 200  # reading is fine


def test_the_viewer_walk_left_the_plan_unchanged(server, plan):
    token = viewer_token(server)
    owner = server.client(headers={"Authorization": f"Bearer {plan['owner_token']}"})
    before = owner.get(f"/api/v1/projects/{plan['project_id']}/audit").json()["total"]
    walk(
        server.client(headers={"Authorization": f"Bearer {token}"}),
        server.client().get("/api/v1/openapi.json").json(),
        plan,
    )
    assert owner.get(f"/api/v1/projects/{plan['project_id']}/audit").json()["total"] == before


def test_a_bind_beyond_127_0_0_1_requires_sign_in_even_with_one_user(workspace, serve):
    """A real `plandesk serve --host 127.0.0.2`: a loopback address, but not the bind that means local mode."""
    run_cli(workspace, "init")  # the local owner only: on 127.0.0.1 this would need no sign-in
    with serve("process", workspace, host="127.0.0.2").client() as c:
        r = c.get("/api/v1/projects")
        assert r.status_code == 401
        assert r.json()["code"] == "unauthorized"
        assert c.get("/api/v1/health").status_code == 200  # health stays public for load balancers


def test_a_signed_in_person_works_on_a_non_loopback_bind(workspace, serve):
    local = serve("app", workspace)  # arrange: the local owner adds a person while the bind is loopback
    add_member(local.client(), "lead@example.com", "admin")
    local.stop()
    workspace.configure(host="127.0.0.2")  # what `plandesk serve --host 127.0.0.2` sets
    with serve("app", workspace).client() as c:
        assert c.get("/api/v1/projects").status_code == 401  # this bind is not local mode
        r = c.post("/api/v1/auth/sign-in", json={"email": "lead@example.com", "password": PASSWORD})
        assert r.status_code == 200
        c.headers["X-CSRF-Token"] = r.json()["csrf_token"]  # what the page does: send its session's token
        assert c.post("/api/v1/projects", json={"name": "Team plan"}).status_code == 201


@pytest.mark.parametrize(
    "published",
    [{"allowed_hosts": ["plans.example.com"]}, {"base_url": "https://plans.example.com"}],
)
def test_a_loopback_server_behind_a_reverse_proxy_requires_sign_in(workspace, serve, published):
    """The proxy connects from 127.0.0.1 for everyone on the internet: local mode must not apply."""
    workspace.configure(**published)
    s = serve("app", workspace)
    r = s.client().get("/api/v1/projects")
    assert r.status_code == 401
    assert s.client().get("/api/v1/auth/me").status_code == 401


def test_an_anonymous_claim_next_gets_401_before_its_body_is_checked(workspace, serve):
    """Agents' hot route: who is calling is settled first, whatever the body (a bad one too)."""
    workspace.configure(allowed_hosts=["plans.example.com"])  # published: no local mode
    c = serve("app", workspace).client()
    for body in ({"agent_ref": "a"}, {"agent_ref": 5, "unknown": True}):
        r = c.post("/api/v1/projects/p-1/claim-next", json=body)
        assert (r.status_code, r.json()["code"]) == (401, "unauthorized")


def test_a_cross_site_post_is_refused(server, api):
    api.post("/api/v1/members", json={"email": "a@example.com", "role": "admin", "password": PASSWORD})
    c = server.client()
    r = c.post(
        "/api/v1/auth/sign-in",
        json={"email": "a@example.com", "password": PASSWORD},
        headers={"Origin": "http://evil.example"},
    )
    assert r.status_code == 403
    assert "set-cookie" not in r.headers
    r = c.post(
        "/api/v1/auth/sign-in",
        json={"email": "a@example.com", "password": PASSWORD},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert r.status_code == 403


async def tools_and_refusal(server, token: str, task_id: str):
    async with mcp_client(server, token) as client:
        listed = (await client.list_tools()).tools
        refused = await client.call_tool("update_task", {"task_id": task_id, "status": "done"})
        return listed, refused


def test_a_viewer_is_offered_no_write_tool_over_mcp_and_cannot_call_one(server, plan):
    token = viewer_token(server)
    listed, refused = run_async(server, tools_and_refusal, server, token, plan["task_id"])
    names = {t.name for t in listed}
    assert {"get_task", "list_tasks"} <= names  # reading works
    writers = [t.name for t in listed if not (t.annotations and t.annotations.read_only_hint)]
    assert writers == []
    assert "create_share_link" not in names
    assert "update_task" not in names
    assert refused.is_error
    owner = server.client(headers={"Authorization": f"Bearer {plan['owner_token']}"})
    assert owner.get(f"/api/v1/tasks/{plan['task_id']}").json()["status"] == "todo"
