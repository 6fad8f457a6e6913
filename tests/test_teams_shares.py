"""Share links: agent-ready Markdown and a clean page, no sign-in, 404 unknown, 410 revoked or expired; over MCP."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from mcp_support import mcp_client, run_async
from sqlalchemy import create_engine, select, update

from plandesk.db.schema import shares

PASSWORD = "correct horse battery staple"

# One test turns sign-in on and one counts every stored share: each test gets a workspace of its own.
pytestmark = pytest.mark.server("app", fresh=True)


@pytest.fixture
def task(api, project) -> dict:
    r = api.post(
        f"/api/v1/projects/{project['id']}/tasks",
        json={
            "label": "Rate-limit the login form",
            "description": "Use a **token bucket** per address.",
            "priority": "high",
            "tags": ["security"],
            "assignee": "secret-agent-7",
        },
    )
    assert r.status_code == 201
    return r.json()


def share(api, kind: str, item_id: str, **body) -> dict:
    r = api.post(f"/api/v1/{kind}s/{item_id}/share", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def path_of(url: str) -> str:
    return url[url.index("/share/") :]


def test_a_task_share_serves_agent_ready_markdown(server, api, task):
    link = share(api, "task", task["id"], expires="7d")
    assert link["markdown_url"] == link["url"] + ".md"
    assert link["reachable_from"] == "this_machine"
    r = server.client().get(path_of(link["markdown_url"]))
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/markdown; charset=utf-8"
    text = r.text
    assert text.startswith("# Rate-limit the login form\n")
    assert "Use a **token bucket** per address." in text
    assert "**Priority:** high" in text
    assert "security" in text
    assert "Test project" in text
    assert "secret-agent-7" not in text  # assignees are not part of what a share shows


def test_the_share_page_is_clean_and_safe(server, api, project):
    r = api.post(
        f"/api/v1/projects/{project['id']}/tasks",
        json={
            "label": "XSS bait",
            "description": "hi <script>alert(1)</script> <img src=x onerror=alert(2)>",
        },
    )
    link = share(api, "task", r.json()["id"])
    page = server.client().get(path_of(link["url"]))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-robots-tag"] == "noindex, nofollow"
    assert page.headers["cache-control"] == "no-store"
    assert "<script" not in page.text.lower()
    assert "onerror" not in page.text
    assert "XSS bait" in page.text
    assert 'class="sidebar"' not in page.text  # no app chrome on a shared page


def test_a_share_opens_without_sign_in_when_the_workspace_requires_it(server, api, task):
    link = share(api, "task", task["id"])
    api.post("/api/v1/members", json={"email": "a@example.com", "role": "admin", "password": PASSWORD})
    anonymous = server.client()
    assert anonymous.get(f"/api/v1/tasks/{task['id']}").status_code == 401
    assert anonymous.get(path_of(link["markdown_url"])).status_code == 200


def test_a_document_share_carries_its_status_line_and_body(server, api, project):
    doc = api.post(
        f"/api/v1/projects/{project['id']}/documents",
        json={
            "title": "Design: sessions",
            "body": "## Cookies\nHttpOnly and SameSite=Lax.",
            "status_line": "Status: Ready to implement",
        },
    ).json()
    link = share(api, "document", doc["id"], expires="never")
    assert link["expires_at"] is None
    text = server.client().get(path_of(link["markdown_url"])).text
    assert text.startswith("# Design: sessions\n")
    assert "Status: Ready to implement" in text
    assert "## Cookies" in text
    assert "until revoked" in text


def test_an_unknown_share_is_404(server):
    c = server.client()
    assert c.get("/share/plandesk_share_doesnotexist.md").status_code == 404
    assert c.get("/share/plandesk_share_doesnotexist").status_code == 404
    assert c.get("/share/whatever").status_code == 404


def test_a_revoked_share_is_410_from_the_next_request(server, api, task):
    link = share(api, "task", task["id"])
    assert server.client().get(path_of(link["markdown_url"])).status_code == 200
    assert api.delete(f"/api/v1/shares/{link['id']}").status_code == 204
    r = server.client().get(path_of(link["markdown_url"]))
    assert r.status_code == 410
    assert "revoked" in r.text
    assert server.client().get(path_of(link["url"])).status_code == 410
    listed = api.get(f"/api/v1/tasks/{task['id']}/shares").json()
    assert [s["state"] for s in listed] == ["revoked"]


def test_an_expired_share_is_410(server, api, task, workspace):
    link = share(api, "task", task["id"], expires="24h")
    expires = datetime.fromisoformat(link["expires_at"])
    assert timedelta(hours=23, minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=24)
    engine = create_engine(workspace.settings().resolved_database_url)
    with engine.begin() as conn:
        conn.execute(
            update(shares)
            .where(shares.c.id == link["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    engine.dispose()
    r = server.client().get(path_of(link["markdown_url"]))
    assert r.status_code == 410
    assert "expired" in r.text


def test_a_share_of_a_deleted_task_is_410(server, api, task):
    link = share(api, "task", task["id"])
    assert api.delete(f"/api/v1/tasks/{task['id']}").status_code == 204
    assert server.client().get(path_of(link["markdown_url"])).status_code == 410


def test_an_unknown_expiry_is_refused_with_the_field_named(api, task):
    r = api.post(f"/api/v1/tasks/{task['id']}/share", json={"expires": "1y"})
    assert r.status_code == 400
    assert r.json()["field"] == "expires"


@pytest.mark.server("process", fresh=True)  # it reads the server's request log
def test_share_tokens_are_stored_hashed_and_kept_out_of_the_log(server, api, task, workspace):
    link = share(api, "task", task["id"])
    raw = path_of(link["url"]).removeprefix("/share/")
    server.client().get(path_of(link["markdown_url"]))
    engine = create_engine(workspace.settings().resolved_database_url)
    with engine.connect() as conn:
        stored = conn.execute(select(shares.c.token_hash)).scalars().all()
    engine.dispose()
    assert stored == [hashlib.sha256(raw.encode()).hexdigest()]
    log = server.wait_for_log("GET /share/plandesk_share_")
    assert "GET /share/plandesk_share_" in log
    assert raw not in log


async def call_tool(server, token: str, name: str, arguments: dict):
    async with mcp_client(server, token) as client:
        return await client.call_tool(name, arguments)


def agent_token(api) -> str:
    r = api.post("/api/v1/tokens", json={"name": "sharing agent"})
    assert r.status_code == 201, r.text
    return r.json()["token"]


@pytest.mark.server("port", fresh=True)  # the link must carry the port the server really listens on
def test_create_share_link_over_mcp_gives_a_working_markdown_url(server, api, task):
    token = agent_token(api)
    result = run_async(
        server, call_tool, server, token, "create_share_link", {"task_id": task["id"], "expires": "7d"}
    )
    assert not result.is_error, result.content
    link = result.structured_content
    assert link["markdown_url"].startswith(server.url + "/share/plandesk_share_")
    r = server.client().get(path_of(link["markdown_url"]))
    assert r.status_code == 200
    assert "Rate-limit the login form" in r.text


def test_create_share_link_wants_exactly_one_target(server, api, task):
    token = agent_token(api)
    for arguments in ({}, {"task_id": task["id"], "document_id": task["id"]}):
        result = run_async(server, call_tool, server, token, "create_share_link", arguments)
        assert result.is_error
        assert "exactly one of task_id or document_id" in result.content[0].text
