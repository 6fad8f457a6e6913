"""Core correctness pinned in-process: date parsing, the audit filter's wildcards, capped totals, settings errors."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from plandesk.core import audit, fields
from plandesk.core.actors import Actor
from plandesk.core.errors import InvalidArgument
from plandesk.core.paging import capped_count
from plandesk.settings import SettingsError, load_settings


@pytest.fixture
def db(workspace):
    from plandesk.core.workspace import initialise

    database = initialise(workspace.settings())
    yield database
    database.dispose()


@pytest.mark.parametrize("value", ["2026-12-31Tgarbage", "2026-12-31 junk", "2026-13-01", "31/12/2026", ""])
def test_iso_date_refuses_anything_that_is_not_a_date_or_timestamp(value):
    with pytest.raises(InvalidArgument) as refused:
        fields.iso_date("due_date", value)
    assert refused.value.field == "due_date"


@pytest.mark.parametrize("value", ["2026-12-31", "2026-12-31T23:00:00Z", "2026-12-31T10:00:00.5+02:00"])
def test_iso_date_keeps_the_date_of_a_date_or_timestamp(value):
    assert fields.iso_date("due_date", value) == "2026-12-31"


def _record(db, action: str) -> None:
    actor = Actor(user_id="u1", name="tester")
    with db.write() as tx:
        audit.record(tx, actor, action, project_id=None)


def test_audit_action_filter_matches_percent_and_underscore_literally(db):
    _record(db, "task.update")
    _record(db, "task_update")
    _record(db, "task%update")
    with db.read() as conn:
        underscore = audit.list_entries(
            conn, project_id=None, filters=audit.AuditFilter(action="task_update")
        )
        percent = audit.list_entries(conn, project_id=None, filters=audit.AuditFilter(action="task%update"))
        star = audit.list_entries(conn, project_id=None, filters=audit.AuditFilter(action="task*"))
    assert [e["action"] for e in underscore["items"]] == ["task_update"]
    assert [e["action"] for e in percent["items"]] == ["task%update"]
    assert star["total"] == 3


def test_list_totals_stop_counting_at_the_cap(db):
    from plandesk.db.schema import audit_log

    for n in range(5):
        _record(db, f"probe.{n}")
    with db.read() as conn:
        query = select(audit_log.c.id).where(audit_log.c.action.like("probe.%"))
        assert capped_count(conn, query) == 5
        assert capped_count(conn, query, cap=3) == 3


def test_a_config_file_that_is_not_json_raises_a_settings_error(tmp_path):
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(SettingsError) as refused:
        load_settings(data_dir=tmp_path)
    assert "config.json is not valid JSON" in str(refused.value)


def test_an_unknown_setting_in_the_config_file_is_named(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"colour": "blue"}))
    with pytest.raises(SettingsError) as refused:
        load_settings(data_dir=tmp_path)
    assert "unknown setting 'colour'" in str(refused.value)


def test_a_port_that_is_not_a_number_is_a_settings_error(tmp_path):
    with pytest.raises(SettingsError) as refused:
        load_settings(data_dir=tmp_path, port="eighty")
    assert "port must be a whole number" in str(refused.value)


def test_the_cli_prints_a_bad_config_file_as_one_error_line(workspace):
    (workspace.data_dir / "config.json").write_text("{not json")
    out = workspace.cli("status", check=False)
    assert out.returncode == 2
    assert out.stderr.startswith("error: ")
    assert "Traceback" not in out.stderr


def test_graph_depth_of_a_chain_deeper_than_the_recursion_limit():
    from plandesk.core.graph import prerequisite_depths

    n = 15_000
    pre = {f"t{i}": {f"t{i - 1}"} for i in range(1, n)}
    depths = prerequisite_depths(pre, {f"t{i}" for i in range(n)})
    assert depths["t0"] == 0
    assert depths[f"t{n - 1}"] == n - 1


def test_graph_depth_takes_the_longest_chain_and_survives_a_cycle():
    from plandesk.core.graph import prerequisite_depths

    pre = {"c": {"a", "b"}, "b": {"a"}, "x": {"y"}, "y": {"x"}}
    depths = prerequisite_depths(pre, {"a", "b", "c", "x", "y"})
    assert depths["c"] == 2
    assert depths["b"] == 1
    assert {depths["x"], depths["y"]} == {1, 2}


@pytest.mark.parametrize("value", [10**400, -(10**30), float("nan"), float("inf")])
def test_numbers_out_of_any_range_are_refused_as_invalid(value):
    with pytest.raises(InvalidArgument) as refused:
        fields.number("limit", value, integer=True)
    assert refused.value.field == "limit"


def test_the_shipped_migrations_read_from_file_names_are_what_alembic_reads_from_the_scripts():
    # Opening a workspace learns the head and the known revisions from the file names, without Alembic.
    from alembic.script import ScriptDirectory

    from plandesk.db import migrate

    script = ScriptDirectory(str(migrate.MIGRATIONS))
    assert migrate.head_revision() == script.get_current_head()
    assert migrate._migrations()[1] == {s.revision for s in script.walk_revisions()}


def test_a_fresh_database_has_no_revision_and_an_initialised_one_is_at_head(unmigrated_db):
    from plandesk.db import migrate

    assert migrate.current_revision(unmigrated_db) is None
    migrate.upgrade(unmigrated_db)
    assert migrate.current_revision(unmigrated_db) == migrate.head_revision()
