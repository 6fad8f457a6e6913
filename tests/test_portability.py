"""Import and export: the v1 example, lossless round trips of every table, refusals that write nothing."""

from __future__ import annotations

import copy
import json
import os
import pty
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from conftest import Workspace, drop_pg_database, new_workspace
from sqlalchemy import func, select

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "checkout-revamp.json"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TABLES = (
    "goals",
    "tasks",
    "tags",
    "task_tags",
    "folders",
    "documents",
    "edges",
    "notes",
    "comments",
    "revisions",
    "agent_runs",
    "agent_run_tasks",
    "agent_run_events",
    "connector_configs",
    "audit_log",
)


# ------------------------------------------------------------------ helpers


def import_file(ws: Workspace, path: Path, *extra: str) -> str:
    out = ws.cli("import", "--in", str(path), *extra)
    project_id = out.stdout.strip().splitlines()[-1]
    assert UUID_RE.match(project_id), out.stdout
    return project_id


def export_file(ws: Workspace, project_id: str, path: Path) -> dict:
    out = ws.cli("export", "--project", project_id, "--out", str(path))
    assert (
        out.stdout.strip() == f"Exported project {json.loads(path.read_text())['project']['name']} to {path}"
    )
    return json.loads(path.read_text())


def open_db(ws: Workspace):
    from plandesk.core.workspace import initialise

    return initialise(ws.settings())


def row_counts(ws: Workspace) -> dict[str, int]:
    from plandesk.db.schema import metadata

    db = open_db(ws)
    try:
        with db.read() as conn:
            return {
                name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for name, t in metadata.tables.items()
            }
    finally:
        db.dispose()


def same_but_for_ids(first, second, *, where: str = "$", renaming: dict | None = None) -> dict:
    """Assert two exports are equal once ids are renamed one-to-one; returns the renaming (second -> first)."""
    renaming = {} if renaming is None else renaming
    if isinstance(first, dict):
        assert isinstance(second, dict), f"{where}: keys differ"
        assert sorted(first) == sorted(second), f"{where}: keys differ"
        for key in first:
            if where == "$" and key == "exported_at":
                continue
            same_but_for_ids(first[key], second[key], where=f"{where}.{key}", renaming=renaming)
    elif isinstance(first, list):
        assert isinstance(second, list), f"{where}: lengths differ"
        assert len(first) == len(second), f"{where}: lengths differ"
        for i, (a, b) in enumerate(zip(first, second)):
            same_but_for_ids(a, b, where=f"{where}[{i}]", renaming=renaming)
    elif isinstance(first, str) and UUID_RE.match(first):
        assert isinstance(second, str), f"{where}: {first} vs {second!r}"
        assert UUID_RE.match(second), f"{where}: {first} vs {second!r}"
        assert renaming.setdefault(second, first) == first, f"{where}: id {second} stands for two ids"
    else:
        assert first == second, f"{where}: {first!r} != {second!r}"
    return renaming


def refused(ws: Workspace, tmp_path: Path, content: str | dict, needle: str) -> None:
    """The import exits 1 naming the problem, and not one row appears anywhere in the database."""
    path = tmp_path / "bad.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    before = row_counts(ws)
    out = ws.cli("import", "--in", str(path), check=False)
    message = " ".join(out.stderr.split())
    assert out.returncode == 1, out.stdout + out.stderr
    assert message.startswith("error:"), message
    assert needle in message, message
    assert out.stdout.strip() == ""
    assert row_counts(ws) == before


def v1_example() -> dict:
    return json.loads(EXAMPLE.read_text())


@pytest.fixture(scope="module")
def exported_example(tmp_path_factory) -> dict:
    """The example as format 2, made once: the refusal tests each break a copy of it."""
    folder = tmp_path_factory.mktemp("example")
    ws = new_workspace(folder)
    try:
        return export_file(ws, import_file(ws, EXAMPLE), folder / "v2.json")
    finally:
        if ws.database_url:
            drop_pg_database(ws.database_url)


@pytest.fixture
def v2(exported_example) -> dict:
    return copy.deepcopy(exported_example)


# ------------------------------------------------------------------ the example


@pytest.mark.server("app")  # the CLI writes the workspace; the REST reads need no process
def test_the_example_imports_as_a_checkout_plan_with_every_status(workspace, api):
    pid = import_file(workspace, EXAMPLE)
    project = api.get(f"/api/v1/projects/{pid}").json()
    assert project["name"] == "Checkout revamp"
    assert project["canvas_layout"] == {"zoom": 1, "x": 0, "y": 0}
    assert project["summary"] == {
        "scope": 1,
        "todo": 3,
        "in_progress": 1,
        "done": 2,
        "backlog": 1,
        "total": 8,
    }
    edges = api.get(f"/api/v1/projects/{pid}/edges").json()["items"]
    assert sorted(e["label"] for e in edges) == [
        "blocks",
        "blocks",
        "clarifies",
        "depends_on",
        "depends_on",
        "documents",
        "enables",
        "feeds",
    ]
    doc_edges = [e for e in edges if e["from_type"] == "document"]
    linked = api.get(f"/api/v1/tasks/{doc_edges[0]['to_id']}").json()
    assert linked["label"] == "Design the one-page checkout layout"
    hits = api.get("/api/v1/search", params={"q": "vault"}).json()["results"]
    assert {h["kind"] for h in hits} == {"task", "document"}


def test_the_example_keeps_its_documents_runs_and_dates(v2):
    doc = v2
    assert [d["title"] for d in doc["documents"]] == [
        "Spec: One-page checkout",
        "Notes: Payment provider vault",
        "Decision log: Guest checkout",
    ]
    assert doc["documents"][1]["parent_id"] == doc["documents"][0]["id"]
    assert doc["documents"][0]["body"].startswith("**Status:** Agreed\n\n## Goal\n")
    assert "[mock-ups](https://example.com/checkout-mockups)" in doc["documents"][0]["body"]
    assert "1. Address and delivery\n2. Payment (saved card first)" in doc["documents"][0]["body"]
    assert "```http\nPOST /v1/vault/cards\nAuthorization: Bearer <key>\n```" in doc["documents"][1]["body"]
    [run] = doc["agent_runs"]
    assert run["status"] == "completed"
    assert run["completed_at"] == "2026-10-30T09:42:00Z"
    assert [e["message"][:7] for e in doc["agent_run_events"]] == ["Pulled ", "Largest", "Wrote t"]
    due = {t["label"]: t["due_date"] for t in doc["tasks"]}
    assert due["Design the one-page checkout layout"] == "2026-11-09"  # epoch ms in the file
    assert due["Audit drop-off in the current checkout funnel"] == "2026-11-02"


def test_import_json_reports_the_project_and_counts(workspace):
    out = workspace.cli("import", "--in", str(EXAMPLE), "--json")
    result = json.loads(out.stdout)
    assert UUID_RE.match(result["project_id"])
    assert result["name"] == "Checkout revamp"
    assert result["counts"]["tasks"] == 8
    assert result["counts"]["documents"] == 3
    assert result["counts"]["edges"] == 8
    assert result["counts"]["agent_run_events"] == 3


def test_importing_twice_gives_two_projects_sharing_no_id(workspace, tmp_path):
    first = export_file(workspace, import_file(workspace, EXAMPLE), tmp_path / "a.json")
    second = export_file(workspace, import_file(workspace, EXAMPLE), tmp_path / "b.json")

    def ids(doc: dict) -> set[str]:
        return {r["id"] for k in ("tasks", "edges", "documents", "agent_runs") for r in doc[k]}

    assert first["project"]["id"] != second["project"]["id"]
    assert ids(first).isdisjoint(ids(second))
    assert len(ids(first)) == 8 + 8 + 3 + 1


def test_a_progress_bar_shows_on_a_terminal_and_never_in_a_pipe(workspace):
    piped = workspace.cli("import", "--in", str(EXAMPLE))
    assert "Importing" not in piped.stderr
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "plandesk", "import", "--in", str(EXAMPLE)],
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
            timeout=120,
            env={**workspace.env, "TERM": "xterm-256color", "COLUMNS": "100"},
        )
        os.close(follower)
        follower = -1
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed once the command exited and its output was read
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    assert proc.returncode == 0
    assert UUID_RE.match(proc.stdout.strip().splitlines()[-1])
    assert b"Importing" in shown


# ------------------------------------------------------------------ round trips


def test_v1_then_export_import_export_is_equal_but_for_ids(workspace, tmp_path):
    first = export_file(workspace, import_file(workspace, EXAMPLE), tmp_path / "1.json")
    second = export_file(workspace, import_file(workspace, tmp_path / "1.json"), tmp_path / "2.json")
    renaming = same_but_for_ids(first, second)
    assert renaming
    assert all(new != old for new, old in renaming.items())
    assert first["format"] == "plandesk-export"
    assert first["version"] == 2


def seed_every_table(server, api) -> str:
    """A project with rows in every table, made the ways people and agents make them."""
    from plandesk.core import comments, documents, folders, goals, notes, runs
    from plandesk.core.clock import now
    from plandesk.core.users import local_owner_actor
    from plandesk.db.schema import connector_configs

    project = api.post(
        "/api/v1/projects",
        json={
            "name": "Everything",
            "description": "All the tables",
            "repo_url": "https://example.com/repo.git",
        },
    ).json()
    pid = project["id"]
    assert (
        api.patch(
            f"/api/v1/projects/{pid}", json={"canvas_layout": {"zoom": 0.8, "x": 10, "y": -4}}
        ).status_code
        == 200
    )

    def task(label, **kw):
        r = api.post(f"/api/v1/projects/{pid}/tasks", json={"label": label, **kw})
        assert r.status_code == 201, r.text
        return r.json()

    a = task(
        "Write the schema",
        tags=["db", "core"],
        priority="high",
        due_date="2026-12-01",
        commit_refs=["abc1234"],
        assignee="Ana",
        x=12.5,
        y=-3,
    )
    b = task("Serve the API", tags=["api"], kind="decision", description="Use **FastAPI**.")
    c = task("Ship it", status="backlog")
    gone = task("Scrapped idea")
    for x, y, label in ((a, b, "blocks"), (c, b, "depends_on"), (a, c, "relates")):
        assert (
            api.post(
                f"/api/v1/projects/{pid}/edges",
                json={"from_id": x["id"], "to_id": y["id"], "label": label, "style": "dashed"},
            ).status_code
            == 201
        )
    assert (
        api.patch(f"/api/v1/tasks/{b['id']}", json={"label": "Serve the REST API", "version": 1}).status_code
        == 200
    )
    assert api.post(f"/api/v1/tasks/{a['id']}/claim", json={"agent_ref": "agent-7"}).status_code == 200
    assert api.delete(f"/api/v1/tasks/{gone['id']}").status_code == 204  # leaves a revision of a deleted task

    db = open_db(server.workspace)
    try:
        owner = local_owner_actor(db)
        goal = goals.create_goal(
            db,
            owner,
            pid,
            {
                "name": "v1",
                "objective": "Ship the first version",
                "verification_surface": {
                    "kind": "acceptance_checklist",
                    "items": ["API answers", "Docs exist"],
                },
                "constraints": "No new services",
            },
        )
        goals.set_current_goal(db, owner, goal["id"])
        assert api.patch(f"/api/v1/tasks/{c['id']}", json={"goal_id": goal["id"]}).status_code == 200
        top = folders.create_folder(db, owner, pid, {"name": "Specs"})
        sub = folders.create_folder(db, owner, pid, {"name": "API", "parent_id": top["id"]})
        spec = documents.create_document(
            db,
            owner,
            pid,
            {
                "title": "API spec",
                "body": "# API\n\nGET /x",
                "folder_id": sub["id"],
                "status_line": "Draft",
                "link_to": [b["id"]],
            },
        )
        child = documents.create_document(
            db, owner, pid, {"title": "Errors", "body": "problem+json", "parent_id": spec["id"]}
        )
        documents.update_document(db, owner, child["id"], {"body": "problem+json with code, field, message"})
        note = notes.create_note(db, owner, pid, {"title": "Idea", "body": "Try tsvector"})
        comments.add_comment(db, owner, "task", a["id"], "Looks right", passage="schema")
        comments.add_comment(db, owner, "document", spec["id"], "Add paging")
        comments.add_comment(db, owner, "note", note["id"], "Yes")
        run = runs.start_agent_run(db, owner, pid, "Build run", task_ids=[a["id"], b["id"]])
        runs.record_agent_progress(db, owner, run["id"], "Schema written", data={"task": a["id"], "files": 3})
        runs.complete_agent_run(db, owner, run["id"], summary="Done")
        with db.write() as tx:  # no core for connector settings yet: the row as that part will write it
            tx.conn.execute(
                connector_configs.insert().values(
                    project_id=pid,
                    updated_at=now(),
                    config={
                        "enabled": False,
                        "code_root": "/srv/everything",
                        "exec_allowlist": ["make"],
                        "recipes": [{"name": "build", "kind": "build", "argv": ["make"], "timeout_s": 60}],
                        "databases": [
                            {
                                "name": "main",
                                "engine": "postgresql",
                                "read_url": "postgresql://reader:hunter2@db.internal/app",
                                "write_url": "postgresql://writer@db.internal/app?sslmode=require"
                                "&password=hunter3&Pass%77ord=hunter4",
                            }
                        ],
                    },
                )
            )
    finally:
        db.dispose()
    return pid


@pytest.mark.server("app")  # the CLI writes the workspace; the REST reads need no process
def test_our_format_round_trips_every_table_losslessly(server, api, tmp_path):
    ws = server.workspace
    pid = seed_every_table(server, api)
    first = export_file(ws, pid, tmp_path / "1.json")
    assert all(first[t] for t in TABLES), [t for t in TABLES if not first[t]]
    assert first["project"]["current_goal_id"] == first["goals"][0]["id"]
    assert any(t["claimed_by"] == "agent-7" and t["lease_expires_at"] for t in first["tasks"])
    known = {r["id"] for key in TABLES for r in first[key] if "id" in r}
    assert any(r["target_id"] not in known for r in first["revisions"])  # the deleted task's revision

    second_id = import_file(ws, tmp_path / "1.json")
    second = export_file(ws, second_id, tmp_path / "2.json")
    renaming = same_but_for_ids(first, second)
    people = {first["agent_runs"][0]["user_id"]}  # users and tokens live outside the project: kept
    assert all(new != old for new, old in renaming.items() if old not in people)
    assert renaming[second_id] == pid
    # The copy is a working project, not just rows: its tasks list and its text is searchable.
    assert api.get(f"/api/v1/projects/{second_id}/tasks").json()["total"] == 3
    hits = api.get("/api/v1/search", params={"q": "tsvector", "project_id": second_id}).json()["results"]
    assert [h["kind"] for h in hits] == ["note"]


@pytest.mark.server("app")  # the CLI writes the workspace; the REST reads need no process
def test_export_leaves_database_passwords_out(server, api, tmp_path):
    pid = seed_every_table(server, api)
    doc = export_file(server.workspace, pid, tmp_path / "x.json")
    assert "hunter" not in (tmp_path / "x.json").read_text()
    assert (
        doc["connector_configs"][0]["config"]["databases"][0]["read_url"]
        == "postgresql://reader@db.internal/app"
    )
    # A password in the query string goes the way of the user info's, however its name is spelled.
    assert (
        doc["connector_configs"][0]["config"]["databases"][0]["write_url"]
        == "postgresql://writer@db.internal/app?sslmode=require"
    )


def test_an_imported_connector_is_switched_off_until_an_owner_turns_it_on(workspace, tmp_path, v2):
    doc = v2
    doc["connector_configs"] = [
        {
            "config": {"enabled": True, "code_root": "/", "exec_allowlist": ["sh"]},
            "updated_at": "2026-11-01T00:00:00Z",
        }
    ]
    (tmp_path / "on.json").write_text(json.dumps(doc))
    again = export_file(workspace, import_file(workspace, tmp_path / "on.json"), tmp_path / "again.json")
    assert again["connector_configs"][0]["config"] == {
        "enabled": False,
        "code_root": "/",
        "exec_allowlist": ["sh"],
    }


# ------------------------------------------------------------------ refusals


def test_a_file_that_is_not_json_is_refused(workspace, tmp_path):
    refused(workspace, tmp_path, "{ not json", "not valid JSON (line 1, column 3")


def test_a_missing_file_is_refused(workspace, tmp_path):
    out = workspace.cli("import", "--in", str(tmp_path / "nope.json"), check=False)
    assert out.returncode == 1
    assert "cannot read" in out.stderr


def test_an_unknown_format_is_refused(workspace, tmp_path):
    refused(workspace, tmp_path, {"name": "x", "tasks": []}, "not a Plan Desk export")


def test_a_newer_version_is_refused(workspace, tmp_path, v2):
    refused(workspace, tmp_path, dict(v2, version=3), "version: unsupported version 3")
    refused(workspace, tmp_path, dict(v1_example(), version="plandesk-export-v9"), "not a Plan Desk export")


def test_a_bad_status_in_v1_is_refused_naming_the_task(workspace, tmp_path):
    doc = v1_example()
    doc["tasks"][3]["status"] = "doing"
    refused(
        workspace, tmp_path, doc, "tasks[3].status: must be one of scope, todo, in_progress, done, backlog"
    )


def test_a_bad_enum_in_our_format_is_refused_naming_the_row(workspace, tmp_path, v2):
    bad = copy.deepcopy(v2)
    bad["tasks"][5]["priority"] = "whenever"
    refused(workspace, tmp_path, bad, "tasks[5].priority: must be one of urgent, high, medium, low")
    v2["agent_runs"][0]["status"] = "paused"
    refused(workspace, tmp_path, v2, "agent_runs[0].status: must be one of running")


def test_a_dangling_edge_is_refused(workspace, tmp_path, v2):
    doc = v1_example()
    doc["edges"][2]["to_task_id"] = "no-such-task"
    refused(workspace, tmp_path, doc, "edges[2].to_task_id: no task with id 'no-such-task'")
    missing = str(uuid.uuid4())
    v2["edges"][4]["from_id"] = missing
    refused(workspace, tmp_path, v2, f"edges[4].from_id: no task with id {missing}")


def test_duplicate_ids_are_refused(workspace, tmp_path, v2):
    doc = v1_example()
    doc["tasks"][6]["id"] = doc["tasks"][1]["id"]
    refused(workspace, tmp_path, doc, "tasks[6].id: duplicate id")
    v2["documents"][2]["id"] = v2["tasks"][0]["id"]
    refused(workspace, tmp_path, v2, "documents[2].id: duplicate id")


def test_a_dependency_cycle_in_the_file_is_refused(workspace, tmp_path):
    doc = v1_example()
    doc["edges"].append(
        {
            "id": "loop",
            "from_task_id": doc["tasks"][6]["id"],
            "to_task_id": doc["tasks"][0]["id"],
            "label": "blocks",
        }
    )
    refused(workspace, tmp_path, doc, "edges: dependency edges form a cycle")


def test_a_broken_row_late_in_the_file_leaves_no_earlier_rows(workspace, tmp_path, v2):
    bad = copy.deepcopy(v2)
    bad["agent_run_events"][-1]["created_at"] = "yesterday"
    refused(workspace, tmp_path, bad, "agent_run_events[2].created_at: must be an ISO-8601 time")
    v2["tasks"][0]["surprise"] = 1
    refused(workspace, tmp_path, v2, "tasks[0].surprise: unknown field")


def test_exporting_a_missing_project_exits_1(workspace, tmp_path):
    workspace.cli("init")
    missing = str(uuid.uuid4())
    out = workspace.cli("export", "--project", missing, "--out", str(tmp_path / "x.json"), check=False)
    assert out.returncode == 1
    assert f"project '{missing}' not found" in " ".join(out.stderr.split())
    assert not (tmp_path / "x.json").exists()


def test_export_json_names_the_file_and_counts(workspace, tmp_path):
    pid = import_file(workspace, EXAMPLE)
    out = workspace.cli("export", "--project", pid, "--out", str(tmp_path / "e.json"), "--json")
    result = json.loads(out.stdout)
    assert result == {
        "project_id": pid,
        "name": "Checkout revamp",
        "file": str(tmp_path / "e.json"),
        "counts": result["counts"],
    }
    assert result["counts"]["tasks"] == 8


# ------------------------------------------------------------------ v1 details


def test_v1_html_with_script_becomes_markdown_without_it(workspace, tmp_path):
    doc = v1_example()
    doc["documents"] = [
        {
            "id": "d1",
            "title": "Hostile",
            "parent_id": None,
            "linked_task_id": None,
            "status_line": None,
            "body": "<h3>Plan</h3><p>Keep <em>calm</em>.</p><script>alert('x')</script>"
            '<style>p{color:red}</style><img src=x onerror="alert(1)">'
            '<a href="javascript:alert(2)">click</a>',
        }
    ]
    (tmp_path / "hostile.json").write_text(json.dumps(doc))
    out = export_file(workspace, import_file(workspace, tmp_path / "hostile.json"), tmp_path / "o.json")
    body = out["documents"][0]["body"]
    assert body.startswith("### Plan\n\nKeep *calm*.")
    for gone in ("script", "alert", "onerror", "javascript:", "color:red"):
        assert gone not in body, body


def test_v1_labels_outside_our_vocabulary_become_depends_on(workspace, tmp_path):
    doc = v1_example()
    doc["edges"][0]["label"] = "unblocks"
    (tmp_path / "l.json").write_text(json.dumps(doc))
    out = export_file(workspace, import_file(workspace, tmp_path / "l.json"), tmp_path / "o.json")
    assert out["edges"][0]["label"] == "depends_on"


def test_v1_run_without_completed_at_stays_running(workspace, tmp_path):
    doc = v1_example()
    doc["agent_runs"][0]["completed_at"] = None
    doc["agent_runs"][0]["started_at"] = 1793354400000
    (tmp_path / "r.json").write_text(json.dumps(doc))
    out = export_file(workspace, import_file(workspace, tmp_path / "r.json"), tmp_path / "o.json")
    assert out["agent_runs"][0]["status"] == "running"
    assert out["agent_runs"][0]["started_at"] == "2026-10-30T10:00:00Z"


# ------------------------------------------------------------------ the core's own refusals


def test_a_read_only_actor_cannot_import(workspace):
    from dataclasses import replace

    from plandesk.core.errors import Forbidden
    from plandesk.core.portability import import_project
    from plandesk.core.users import local_owner_actor

    db = open_db(workspace)
    try:
        actor = replace(local_owner_actor(db), read_only=True)
        with pytest.raises(Forbidden, match="read-only"):
            import_project(db, actor, copy.deepcopy(v1_example()))
    finally:
        db.dispose()
