"""Workspace health: reachable, migrations current, tables present, integrity (0 ok, 1 unhealthy, 2 corrupt)."""

from __future__ import annotations

from sqlalchemy import inspect, text

from plandesk.db import migrate
from plandesk.db.engine import Database
from plandesk.db.schema import metadata
from plandesk.settings import Settings


def database_state(db: Database) -> str:
    """'ok' when the running server's database answers a trivial query, else 'unreachable' (for /health)."""
    try:
        with db.read() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception:  # noqa: BLE001 - health answers whatever the driver raised; the state says enough
        return "unreachable"
    return "ok"


def check_workspace(settings: Settings) -> dict:
    checks: list[dict] = []
    status = 0
    from plandesk.core.workspace import describe_location

    where = describe_location(settings)
    if settings.is_sqlite and not (settings.data_dir / "workspace.db").exists():
        checks.append(
            {"name": "database", "ok": False, "detail": f"no workspace at {where}; run plandesk init"}
        )
        return {"status": 1, "checks": checks, "settings": settings.redacted()}
    db = Database(settings.resolved_database_url)
    try:
        try:
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            checks.append({"name": "database", "ok": True, "detail": f"reachable at {where}"})
        except Exception as exc:  # noqa: BLE001 - doctor reports any failure as a check, never a traceback
            msg = str(exc).lower()
            corrupt = "malformed" in msg or "not a database" in msg
            checks.append(
                {"name": "database", "ok": False, "detail": f"{exc.__class__.__name__}: {str(exc)[:200]}"}
            )
            return {"status": 2 if corrupt else 1, "checks": checks, "settings": settings.redacted()}
        try:
            current, head = migrate.current_revision(db), migrate.head_revision()
            ok = current == head
            checks.append(
                {
                    "name": "migrations",
                    "ok": ok,
                    "detail": f"at {current}" + ("" if ok else f", expected {head}; run plandesk init"),
                }
            )
            status = max(status, 0 if ok else 1)
            present = set(inspect(db.engine).get_table_names())
            missing = sorted(set(metadata.tables) - present)
            checks.append(
                {
                    "name": "tables",
                    "ok": not missing,
                    "detail": f"{len(metadata.tables)} present" if not missing else f"missing: {missing}",
                }
            )
            status = max(status, 1 if missing else 0)
            from plandesk.core import frontier_counts

            with db.read() as conn:
                wrong, sample = frontier_counts.mismatches(conn, limit=3)
            checks.append(
                {
                    "name": "frontier counts",
                    "ok": not wrong,
                    "detail": "every task's count of unfinished prerequisites matches its edges"
                    if not wrong
                    else f"{wrong} task(s) store a wrong count, e.g. {sample}; the ready list may be wrong",
                }
            )
            status = max(status, 1 if wrong else 0)
            if db.is_sqlite:
                with db.engine.connect() as conn:
                    result = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").fetchall()]
                    fk = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                ok = result == ["ok"] and not fk
                checks.append(
                    {
                        "name": "integrity",
                        "ok": ok,
                        "detail": "ok" if ok else f"{result[:3]} {len(fk)} foreign key problems",
                    }
                )
                status = max(status, 0 if ok else 2)
            else:
                checks.append({"name": "integrity", "ok": True, "detail": "PostgreSQL checks its own pages"})
        except Exception as exc:  # noqa: BLE001 - doctor reports any failure as a check, never a traceback
            msg = str(exc).lower()
            corrupt = "malformed" in msg or "not a database" in msg or "corrupt" in msg
            checks.append(
                {"name": "integrity", "ok": False, "detail": f"{exc.__class__.__name__}: {str(exc)[:200]}"}
            )
            status = 2 if corrupt else max(status, 1)
    finally:
        db.dispose()
    return {"status": status, "checks": checks, "settings": settings.redacted()}
