"""Crash safety: SIGKILL the server in the middle of a stream of writes (REST and MCP); every acknowledged write
is there afterwards, nothing is half-written, `plandesk doctor` passes and the server starts again.

Writers create tasks with tags, edit them with the version they read, and link each new task to the previous
one; each write is recorded only once its response arrived. The invariants checked after the kill are the
ones a half-written transaction would break: a task without its search entry or creation audit row, a
version without its revision and audit row, a tag link to no tag, an edge to no task.
"""

from __future__ import annotations

import contextlib
import signal
from dataclasses import dataclass, field

import anyio
import httpx2
import pytest
from cli_support import run_cli
from conftest import Workspace, start_server
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from sqlalchemy import func, select

from plandesk.db.engine import Database
from plandesk.db.schema import audit_log, edges, revisions, search_entries, tags, task_tags, tasks

WRITERS = 4
ACKS_BEFORE_KILL = 24  # acknowledged writes across all writers before the kill lands
CYCLES = (
    1  # write, kill, check, restart on the crashed data and write again (one more cycle adds nothing new)
)
CALL_TIMEOUT = 60


@dataclass
class Acked:
    """What the server acknowledged: created tasks (id -> tags), last edits (id -> (version, label)), edges."""

    created: dict[str, list[str]] = field(default_factory=dict)
    edited: dict[str, tuple[int, str]] = field(default_factory=dict)
    edges: set[str] = field(default_factory=set)
    count: int = 0
    target: int = ACKS_BEFORE_KILL
    enough: anyio.Event = field(default_factory=anyio.Event)
    killed: bool = False
    early_failures: list[str] = field(default_factory=list)  # failures while the server was still alive

    def ack(self) -> None:
        self.count += 1
        if self.count >= self.target:
            self.enough.set()

    def next_cycle(self) -> None:
        self.target = self.count + ACKS_BEFORE_KILL
        self.enough = anyio.Event()
        self.killed = False


class RestWriter:
    def __init__(self, base_url: str, project_id: str):
        self.base_url, self.project_id = base_url, project_id

    async def __aenter__(self):
        self.http = httpx2.AsyncClient(base_url=self.base_url, timeout=CALL_TIMEOUT)
        return self

    async def __aexit__(self, *exc):
        await self.http.aclose()

    async def create(self, label: str, tag_names: list[str]) -> dict:
        r = await self.http.post(
            f"/api/v1/projects/{self.project_id}/tasks", json={"label": label, "tags": tag_names}
        )
        assert r.status_code == 201, r.text
        return r.json()

    async def edit(self, task_id: str, label: str, version: int) -> dict:
        r = await self.http.patch(f"/api/v1/tasks/{task_id}", json={"label": label, "version": version})
        assert r.status_code == 200, r.text
        return r.json()

    async def link(self, a: str, b: str) -> dict:
        r = await self.http.post(
            f"/api/v1/projects/{self.project_id}/edges", json={"from_id": a, "to_id": b, "label": "blocks"}
        )
        assert r.status_code == 201, r.text
        return r.json()


class McpWriter:
    def __init__(self, mcp_url: str, token: str, project_id: str):
        self.mcp_url, self.token, self.project_id = mcp_url, token, project_id

    async def __aenter__(self):
        self.http = httpx2.AsyncClient(
            headers={"Authorization": f"Bearer {self.token}"}, timeout=CALL_TIMEOUT
        )
        self.client = Client(streamable_http_client(self.mcp_url, http_client=self.http), mode="legacy")
        await self.client.__aenter__()
        return self

    async def __aexit__(self, *exc):
        with contextlib.suppress(Exception):  # the server is gone: closing the session cannot succeed
            await self.client.__aexit__(None, None, None)
        await self.http.aclose()

    async def _ok(self, tool: str, args: dict) -> dict:
        with anyio.fail_after(CALL_TIMEOUT):
            result = await self.client.call_tool(tool, args)
        assert not result.is_error, result.content[0].text
        return result.structured_content

    async def create(self, label: str, tag_names: list[str]) -> dict:
        return await self._ok(
            "create_task", {"project_id": self.project_id, "label": label, "tags": tag_names}
        )

    async def edit(self, task_id: str, label: str, version: int) -> dict:
        return await self._ok("update_task", {"task_id": task_id, "label": label, "version": version})

    async def link(self, a: str, b: str) -> dict:
        return await self._ok(
            "create_edge",
            {"project_id": self.project_id, "from_task_id": a, "to_task_id": b, "label": "blocks"},
        )


async def _write_until_killed(writer, name: str, acked: Acked) -> None:
    """Create, edit, link, over and over; stop at the first failure (the server died under us)."""
    previous = None
    turn = 0
    try:
        async with writer:
            while True:
                turn += 1
                tag_names = ["crash", name]
                made = await writer.create(f"{name} task {turn}", tag_names)
                acked.created[made["id"]] = tag_names
                acked.ack()
                label = f"{name} task {turn}, edited"
                edited = await writer.edit(made["id"], label, made["version"])
                acked.edited[made["id"]] = (edited["version"], label)
                acked.ack()
                if previous is not None:
                    acked.edges.add((await writer.link(previous, made["id"]))["id"])
                    acked.ack()
                previous = made["id"]
    except Exception as exc:
        if not acked.killed:
            acked.early_failures.append(f"{name}: {exc!r}"[:500])


async def _stream_then_kill(server, make_writer, acked: Acked) -> None:
    async with anyio.create_task_group() as group:
        for i in range(WRITERS):
            group.start_soon(_write_until_killed, make_writer(), f"w{i}", acked)
        with anyio.fail_after(180):
            await acked.enough.wait()
        acked.killed = True
        server.proc.send_signal(signal.SIGKILL)  # mid-stream: every writer has a request in flight or queued
        server.proc.wait(timeout=30)


def _assert_everything_acknowledged_is_there_and_whole(ws: Workspace, project_id: str, acked: Acked) -> None:
    db = Database(ws.settings().resolved_database_url)
    try:
        with db.read() as conn:
            stored = {r.id: r for r in conn.execute(select(tasks).where(tasks.c.project_id == project_id))}
            lost = [t for t in acked.created if t not in stored]
            assert not lost, f"{len(lost)} acknowledged tasks are missing after the kill"
            for task_id, (version, label) in acked.edited.items():
                row = stored[task_id]
                assert row.version >= version, (
                    f"task {task_id} went back from version {version} to {row.version}"
                )
                if row.version == version:
                    assert row.label == label, f"task {task_id} lost its acknowledged edit"
            have_edges = {
                r.id for r in conn.execute(select(edges.c.id).where(edges.c.project_id == project_id))
            }
            assert acked.edges <= have_edges, (
                f"{len(acked.edges - have_edges)} acknowledged edges are missing"
            )

            indexed = dict(
                conn.execute(
                    select(search_entries.c.item_id, func.count())
                    .where(search_entries.c.kind == "task")
                    .group_by(search_entries.c.item_id)
                ).all()
            )
            created_audit = {
                r[0]
                for r in conn.execute(
                    select(audit_log.c.target_id).where(
                        audit_log.c.action == "task.create", audit_log.c.project_id == project_id
                    )
                )
            }
            updates = dict(
                conn.execute(
                    select(audit_log.c.target_id, func.count())
                    .where(audit_log.c.action == "task.update", audit_log.c.project_id == project_id)
                    .group_by(audit_log.c.target_id)
                ).all()
            )
            snapshots = dict(
                conn.execute(
                    select(revisions.c.target_id, func.count())
                    .where(revisions.c.project_id == project_id)
                    .group_by(revisions.c.target_id)
                ).all()
            )
            for task_id, row in stored.items():
                assert indexed.get(task_id) == 1, (
                    f"task {task_id} has {indexed.get(task_id, 0)} search entries"
                )
                assert task_id in created_audit, f"task {task_id} exists without its creation audit row"
                assert updates.get(task_id, 0) == row.version - 1 == snapshots.get(task_id, 0), (
                    f"task {task_id} at version {row.version} has {updates.get(task_id, 0)} update audit rows "
                    f"and {snapshots.get(task_id, 0)} revisions"
                )
            orphans = conn.execute(
                select(func.count())
                .select_from(search_entries)
                .where(
                    search_entries.c.kind == "task",
                    search_entries.c.project_id == project_id,
                    search_entries.c.item_id.not_in(select(tasks.c.id)),
                )
            ).scalar_one()
            assert orphans == 0, f"{orphans} search entries point at tasks that do not exist"
            dangling_tags = conn.execute(
                select(func.count())
                .select_from(task_tags)
                .where(task_tags.c.tag_id.not_in(select(tags.c.id)))
            ).scalar_one()
            assert dangling_tags == 0
            tag_rows = {
                (t, name)
                for t, name in conn.execute(
                    select(task_tags.c.task_id, tags.c.name)
                    .join(tags, tags.c.id == task_tags.c.tag_id)
                    .where(tags.c.project_id == project_id)
                )
            }
            for task_id, tag_names in acked.created.items():
                assert {(task_id, n) for n in tag_names} <= tag_rows, f"task {task_id} lost its tags"
            edge_audit = {
                r[0]
                for r in conn.execute(
                    select(audit_log.c.target_id).where(
                        audit_log.c.action == "edge.create", audit_log.c.project_id == project_id
                    )
                )
            }
            for e in conn.execute(select(edges).where(edges.c.project_id == project_id)):
                assert e.from_id in stored, f"edge {e.id} points at a missing task"
                assert e.to_id in stored, f"edge {e.id} points at a missing task"
                assert e.id in edge_audit, f"edge {e.id} exists without its audit row"
    finally:
        db.dispose()


@pytest.mark.parametrize("transport", ["rest", "mcp"])
def test_sigkill_mid_stream_loses_no_acknowledged_write_and_leaves_nothing_half_written(workspace, transport):
    server = start_server(workspace)
    try:
        project = server.client().post("/api/v1/projects", json={"name": f"Crash {transport}"}).json()
        token = None
        if transport == "mcp":
            r = server.client().post("/api/v1/tokens", json={"name": "crash writer"})
            assert r.status_code == 201, r.text
            token = r.json()["token"]
        acked = Acked()
        for _cycle in range(CYCLES):
            acked.next_cycle()

            def make_writer(server=server):
                if transport == "rest":
                    return RestWriter(server.url, project["id"])
                return McpWriter(server.mcp_url, token, project["id"])

            anyio.run(_stream_then_kill, server, make_writer, acked)
            assert server.proc.returncode == -signal.SIGKILL
            assert not acked.early_failures, acked.early_failures
            _assert_everything_acknowledged_is_there_and_whole(workspace, project["id"], acked)
            doctor = run_cli(workspace, "doctor", check=False)
            assert doctor.returncode == 0, f"doctor after the kill: {doctor.stdout}\n{doctor.stderr}"
            server = start_server(
                workspace
            )  # the next cycle writes to a server that started on the crashed data
            some = next(iter(acked.created))
            assert server.client().get(f"/api/v1/tasks/{some}").status_code == 200
            after = server.client().post(f"/api/v1/projects/{project['id']}/tasks", json={"label": "After"})
            assert after.status_code == 201, after.text
    finally:
        server.stop()
