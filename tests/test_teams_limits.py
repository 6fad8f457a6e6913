"""Limits: per-token request rate (429 + Retry-After), request body size (declared and chunked), page size."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import drop_pg_database, new_workspace, serve_on
from mcp_support import mint

LIMIT = 30
# Body limits are checked on the real HTTP server (declared and chunked bodies as uvicorn hands them over):
# one shared `plandesk serve` for the module. Rates are the core's rule, checked in-process, where the `clock`
# fixture gives each test a rate limiter of its own.
pytestmark = pytest.mark.server("port")


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    """An in-process server with a low rate (from the workspace's config file)."""
    ws = new_workspace(tmp_path_factory.mktemp("limited"))
    (ws.data_dir / "config.json").write_text(json.dumps({"rate_limit_per_minute": LIMIT}))
    s = serve_on(ws, "app")
    yield s
    s.stop()
    if ws.database_url:
        drop_pg_database(ws.database_url)


def spend(client, path: str, n: int) -> list[int]:
    return [client.get(path).status_code for _ in range(n)]


def test_a_token_over_its_rate_gets_429_with_retry_after(limited, clock):
    token = mint(limited, "burst")
    agent = limited.client(headers={"Authorization": f"Bearer {token}"})
    codes = spend(agent, "/api/v1/projects", LIMIT)
    assert codes == [200] * LIMIT  # a full minute's allowance may be spent at once
    r = agent.get("/api/v1/projects")
    assert r.status_code == 429
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "rate_limited"
    assert 1 <= int(r.headers["retry-after"]) <= 60 // LIMIT + 1


def test_one_token_over_its_rate_does_not_slow_another(limited, clock):
    noisy = limited.client(headers={"Authorization": f"Bearer {mint(limited, 'noisy')}"})
    calm = limited.client(headers={"Authorization": f"Bearer {mint(limited, 'calm')}"})
    spend(noisy, "/api/v1/projects", LIMIT + 1)
    assert noisy.get("/api/v1/projects").status_code == 429
    assert calm.get("/api/v1/projects").status_code == 200


def test_the_limit_covers_mcp_and_tokens_in_the_url(limited, clock):
    token = mint(limited, "url-agent")
    plain = limited.client()
    codes = [plain.get(f"/api/v1/projects?token={token}").status_code for _ in range(LIMIT + 1)]
    assert codes[-1] == 429
    r = plain.post(
        "/mcp/",
        headers={"Authorization": f"Bearer {token}"},
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
    )
    assert r.status_code == 429
    assert "retry-after" in r.headers


def test_repeated_sign_in_guessing_is_slowed_per_address(serve, clock):
    server = serve("app")  # adds a person (sign-in on); the clock fixture gives the address a fresh allowance
    api = server.client()
    api.post(
        "/api/v1/members",
        json={"email": "a@example.com", "role": "admin", "password": "correct horse battery staple"},
    )

    def guess(i: int) -> int:
        with server.client() as c:
            return c.post(
                "/api/v1/auth/sign-in", json={"email": "a@example.com", "password": f"guess-{i:04d}-x"}
            ).status_code

    # All at once; the bound allows for what the bucket refills (one every 3 s) while a busy machine serves them.
    started = time.monotonic()
    with ThreadPoolExecutor(30) as pool:
        codes = list(pool.map(guess, range(30)))
    elapsed = time.monotonic() - started
    assert set(codes) == {401, 429}
    assert codes.count(401) <= 20 + int(elapsed / 3) + 1


def test_a_body_larger_than_the_limit_is_refused_before_it_is_read(server, project):
    big = "x" * (4 * 1024 * 1024 + 10)
    r = server.client().post(
        f"/api/v1/projects/{project['id']}/tasks", content=big, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413
    assert r.json()["code"] == "payload_too_large"


def test_a_chunked_body_larger_than_the_limit_is_refused(server, project):
    def chunks():
        for _ in range(5):
            yield b"x" * (1024 * 1024)

    r = server.client().post(
        f"/api/v1/projects/{project['id']}/tasks",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert r.json()["code"] == "payload_too_large"


def test_a_small_chunked_body_still_works(server, project):
    def chunks():
        yield b'{"label": '
        yield b'"sent in pieces"}'

    r = server.client().post(
        f"/api/v1/projects/{project['id']}/tasks",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["label"] == "sent in pieces"


def test_a_page_larger_than_the_cap_is_refused_with_the_field_named(api, project):
    r = api.get(f"/api/v1/projects/{project['id']}/tasks", params={"limit": 501})
    assert r.status_code == 400
    assert r.json()["field"] == "limit"
    assert api.get(f"/api/v1/projects/{project['id']}/tasks", params={"limit": 500}).status_code == 200
