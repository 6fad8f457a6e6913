"""Several server processes on one PostgreSQL database: live events, revocations, roles and claims cross them.

Each test creates its own PostgreSQL database whatever the test backend (skipped if PostgreSQL cannot be
reached); scripts/test runs them in its PostgreSQL pass only.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx2
import pytest
from cli_support import run_cli
from conftest import Workspace, drop_pg_database, make_pg_database, start_server
from connector_fixtures import PASSWORD, sign_in

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_workspace(tmp_path):
    try:
        url = make_pg_database()
    except Exception as exc:  # no server on this machine
        pytest.skip(f"PostgreSQL is not reachable: {exc}")
    data_dir = tmp_path / "pg-ws"
    data_dir.mkdir()
    yield Workspace(data_dir, url)
    drop_pg_database(url)


@pytest.fixture
def two_servers(pg_workspace):
    a = start_server(pg_workspace)
    b = start_server(pg_workspace)
    yield a, b
    a.stop()
    b.stop()


class Subscription:
    """An SSE reader on a thread; events land in a queue, each with the time it arrived."""

    def __init__(self, url: str, path: str):
        self.events: queue.Queue = queue.Queue()
        self.ready = threading.Event()
        self.client = httpx2.Client(base_url=url, timeout=httpx2.Timeout(30, read=None))
        self.thread = threading.Thread(target=self._read, args=(path,), daemon=True)
        self.thread.start()
        assert self.ready.wait(15), "the event stream did not open"

    def _read(self, path: str) -> None:
        try:
            with self.client.stream("GET", path) as r:
                assert r.status_code == 200, r.read()
                for line in r.iter_lines():
                    if line.startswith("data: "):
                        event = json.loads(line[6:])
                        if event.get("kind") == "hello":
                            self.ready.set()
                        else:
                            self.events.put((time.monotonic(), event))
        except httpx2.HTTPError:
            pass  # closed by the test

    def wait_for(self, match, timeout: float) -> tuple[float, dict]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no matching event within {timeout} s")
            try:
                at, event = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if match(event):
                return at, event

    def close(self) -> None:
        self.client.close()


def test_the_listener_hears_a_commit_made_on_another_connection(pg_workspace):
    from plandesk.db.engine import Database
    from plandesk.db.notify import EventListener

    run_cli(pg_workspace, "init")
    url = pg_workspace.settings().resolved_database_url
    hearing, writing = Database(url), Database(url)
    heard: queue.Queue = queue.Queue()
    hearing.listeners.append(heard.put)
    local: queue.Queue = queue.Queue()
    writing.listeners.append(local.put)
    listener = EventListener(hearing)
    listener.start()
    try:
        with writing.write() as tx:
            tx.publish("p-1", "task.updated", task={"id": "t-1"})
            tx.publish("p-1", "document.updated", body="x" * 20_000)  # over NOTIFY's 8000-byte payload limit
        assert heard.get(timeout=1.0) == {"project_id": "p-1", "kind": "task.updated", "task": {"id": "t-1"}}
        assert heard.get(timeout=1.0) == {"project_id": "p-1", "kind": "document.updated", "truncated": True}
        assert local.empty()  # on PostgreSQL even the writing process hears a change only through LISTEN
    finally:
        listener.stop()
        hearing.dispose()
        writing.dispose()


def test_32_writers_committing_at_once_are_each_heard_once_in_their_own_order(pg_workspace):
    """Events are sent after the commit, grouped across writers: none is lost or doubled, and one writer's
    events keep their order."""
    from concurrent.futures import ThreadPoolExecutor

    from plandesk.db.engine import Database
    from plandesk.db.notify import EventListener

    run_cli(pg_workspace, "init")
    url = pg_workspace.settings().resolved_database_url
    hearing, writing = Database(url), Database(url)
    heard: queue.Queue = queue.Queue()
    hearing.listeners.append(heard.put)
    listener = EventListener(hearing)
    listener.start()

    def writer(w: int) -> None:
        for i in range(10):
            with writing.write() as tx:
                tx.publish("p", "a", w=w, i=i)
                tx.publish("p", "b", w=w, i=i)

    try:
        with ThreadPoolExecutor(32) as pool:
            list(pool.map(writer, range(32)))
        got = [heard.get(timeout=5.0) for _ in range(32 * 10 * 2)]
        assert heard.empty()
        for w in range(32):
            mine = [(e["i"], e["kind"]) for e in got if e.get("w") == w]
            assert mine == [(i, k) for i in range(10) for k in ("a", "b")]
    finally:
        listener.stop()
        hearing.dispose()
        writing.dispose()


def test_a_change_through_a_reaches_an_sse_subscriber_on_b_within_one_second(two_servers):
    a, b = two_servers
    api_a = a.client()
    project = api_a.post("/api/v1/projects", json={"name": "Shared"}).json()
    task = api_a.post(f"/api/v1/projects/{project['id']}/tasks", json={"label": "watch me"}).json()
    sub = Subscription(b.url, f"/projects/{project['id']}/events")
    try:
        sent = time.monotonic()
        r = api_a.patch(f"/api/v1/tasks/{task['id']}", json={"status": "in_progress"})
        assert r.status_code == 200
        arrived, event = sub.wait_for(
            lambda e: e.get("kind") == "task.updated" and (e.get("task") or {}).get("id") == task["id"],
            timeout=5,
        )
        assert event["task"]["status"] == "in_progress"
        assert arrived - sent < 1.0
    finally:
        sub.close()


def test_every_worker_of_one_server_delivers_every_change(pg_workspace):
    server = start_server(pg_workspace, "--workers", "2")
    try:
        api = server.client()
        project = api.post("/api/v1/projects", json={"name": "Workers"}).json()
        sub = Subscription(server.url, f"/projects/{project['id']}/events")
        labels = [f"task {i}" for i in range(10)]
        for label in labels:  # `api` opens a connection a request: uvicorn spreads them over the workers
            r = api.post(f"/api/v1/projects/{project['id']}/tasks", json={"label": label})
            assert r.status_code == 201
        seen = set()
        while seen != set(labels):
            _, event = sub.wait_for(lambda e: e.get("kind") == "task.created", timeout=5)
            seen.add(event["task"]["label"])
        sub.close()
    finally:
        server.stop()


def test_a_token_revoked_on_a_gets_401_on_b_at_its_next_call(two_servers):
    a, b = two_servers
    created = a.client().post("/api/v1/tokens", json={"name": "agent"}).json()
    agent_on_b = b.client(headers={"Authorization": f"Bearer {created['token']}"})
    assert agent_on_b.get("/api/v1/projects").status_code == 200
    assert a.client().post(f"/api/v1/tokens/{created['id']}/revoke").status_code == 200
    r = agent_on_b.get("/api/v1/projects")
    assert r.status_code == 401
    assert "revoked" in r.json()["message"]


def test_a_role_changed_on_a_applies_on_b_at_the_next_request(two_servers):
    a, b = two_servers
    project = a.client().post("/api/v1/projects", json={"name": "Roles"}).json()
    a.client().post(
        "/api/v1/members", json={"email": "admin@example.com", "role": "admin", "password": PASSWORD}
    )
    admin = sign_in(a, "admin@example.com")
    person = admin.post(
        "/api/v1/members", json={"email": "v@example.com", "role": "viewer", "password": PASSWORD}
    ).json()
    viewer = sign_in(b, "v@example.com")
    path = f"/api/v1/projects/{project['id']}/tasks"
    assert viewer.post(path, json={"label": "not yet"}).status_code == 403
    assert admin.patch(f"/api/v1/members/{person['id']}", json={"role": "member"}).status_code == 200
    assert viewer.post(path, json={"label": "now"}).status_code == 201
    assert admin.delete(f"/api/v1/members/{person['id']}").status_code == 200
    assert viewer.get(path).status_code == 401  # removal ends the session on B as well


def test_32_agents_on_two_processes_claim_200_tasks_each_exactly_once(two_servers, pg_workspace):
    a, b = two_servers
    api = a.client()
    project = api.post("/api/v1/projects", json={"name": "Swarm"}).json()
    for i in range(200):
        assert (
            api.post(f"/api/v1/projects/{project['id']}/tasks", json={"label": f"job {i}"}).status_code == 201
        )
    tokens = [api.post("/api/v1/tokens", json={"name": f"agent {i}"}).json()["token"] for i in range(32)]

    def agent(i: int) -> list[str]:
        server = a if i % 2 == 0 else b
        mine = []
        with httpx2.Client(
            base_url=server.url, timeout=60, headers={"Authorization": f"Bearer {tokens[i]}"}
        ) as c:
            while True:
                r = c.post(
                    f"/api/v1/projects/{project['id']}/claim-next",
                    json={"agent_ref": f"agent-{i}", "lease_seconds": 3600},
                )
                assert r.status_code == 200, r.text
                body = r.json()
                if body["claimed"]:
                    mine.append(body["task"]["id"])
                elif body["reason"] != "contention":
                    return mine

    started = time.monotonic()
    with ThreadPoolExecutor(32) as pool:
        claims = [t for got in pool.map(agent, range(32)) for t in got]
    elapsed = time.monotonic() - started
    assert len(claims) == 200, f"{len(claims)} claims"
    assert len(set(claims)) == 200  # no task claimed twice
    from sqlalchemy import create_engine, func, select

    from plandesk.db.schema import audit_log, tasks

    engine = create_engine(pg_workspace.settings().resolved_database_url)
    with engine.connect() as conn:
        in_progress = conn.execute(
            select(func.count())
            .select_from(tasks)
            .where(tasks.c.project_id == project["id"], tasks.c.status == "in_progress")
        ).scalar_one()
        claim_rows = conn.execute(
            select(func.count())
            .select_from(audit_log)
            .where(audit_log.c.project_id == project["id"], audit_log.c.action == "task.claim")
        ).scalar_one()
    engine.dispose()
    assert in_progress == 200
    assert claim_rows == 200
    print(f"\n32 agents over 2 processes: 200 claims in {elapsed:.2f} s ({200 / elapsed:.0f} claims/s)")
