"""Backups and restores of a SQLite workspace (online backup API), and the commands to use on PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import shlex
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from plandesk.core.errors import Conflict, InvalidArgument
from plandesk.settings import Settings

SQLITE_MAGIC = b"SQLite format 3\x00"
LOCK_NAME = "server.lock"

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, restore then relies on the person stopping the server
    fcntl = None  # type: ignore[assignment]


class WorkspaceBusy(Conflict):
    pass


def sqlite_path(settings: Settings) -> Path:
    return settings.data_dir / "workspace.db"


def _lock_file(settings: Settings) -> Path:
    return settings.data_dir / LOCK_NAME


@contextlib.contextmanager
def serving_lock(settings: Settings) -> Iterator[None]:
    """Held (shared) by every server process on a SQLite workspace, so that restore can see one is running."""
    if not settings.is_sqlite or fcntl is None:
        yield
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(_lock_file(settings), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WorkspaceBusy("a restore is replacing this workspace right now; start the server after it")
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextlib.asynccontextmanager
async def serving_lock_async(settings: Settings):
    with serving_lock(settings):
        yield


@contextlib.contextmanager
def _exclusive(settings: Settings) -> Iterator[None]:
    if fcntl is None:
        yield
        return
    fd = os.open(_lock_file(settings), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WorkspaceBusy(
                "a Plan Desk server is running on this workspace; stop it, then restore "
                "(a restore under a live server would lose its writes)"
            ) from None
        yield
    finally:
        os.close(fd)


def server_running(settings: Settings) -> bool:
    try:
        with _exclusive(settings):
            return False
    except WorkspaceBusy:
        return True


def _check(conn: sqlite3.Connection, where: str) -> dict:
    integrity = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
    if integrity != ["ok"]:
        raise InvalidArgument(
            f"{where} fails SQLite's integrity check: {'; '.join(integrity[:3])}", field="file"
        )
    if conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
        raise InvalidArgument(f"{where} has rows whose references are broken", field="file")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not {"alembic_version", "users", "projects", "tasks"} <= tables:
        raise InvalidArgument(f"{where} is a SQLite database but not a Plan Desk workspace", field="file")
    revision = (conn.execute("SELECT version_num FROM alembic_version").fetchone() or [None])[0]
    from alembic.script import ScriptDirectory

    from plandesk.db.migrate import MIGRATIONS

    known = {s.revision for s in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
    if revision not in known:
        raise InvalidArgument(
            f"{where} is at migration {revision}, which this Plan Desk does not know "
            "(written by a newer version?)",
            field="file",
        )
    counts = {
        t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in ("projects", "tasks", "users")
    }
    return {"integrity": "ok", "revision": revision, "counts": counts}


def verify_sqlite_file(path: Path) -> dict:
    """Open read-only and prove the file is a whole, current-or-older Plan Desk workspace."""
    path = Path(path)
    if not path.is_file():
        raise InvalidArgument(f"{path} is not a file", field="file")
    with open(path, "rb") as fh:
        if fh.read(16) != SQLITE_MAGIC:
            raise InvalidArgument(f"{path} is not a SQLite database", field="file")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return _check(conn, str(path))
    except sqlite3.DatabaseError as exc:
        raise InvalidArgument(f"{path} cannot be read as a database: {exc}", field="file") from None
    finally:
        conn.close()


def _private_file(path: Path) -> None:
    # The copy holds password and token hashes: readable by the owner only, created exclusively.
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def backup_sqlite(settings: Settings, out: Path, *, overwrite: bool = False) -> dict:
    """A consistent copy while the server keeps writing: SQLite's online backup API, then a check of the copy."""
    live = sqlite_path(settings)
    if not live.is_file():
        raise InvalidArgument(f"no workspace at {live}; run plandesk init", field="data_dir")
    out = Path(out).expanduser().resolve()
    if out == live.resolve():
        raise InvalidArgument("the backup must not overwrite the workspace itself", field="out")
    if out.exists() and not overwrite:
        raise Conflict(f"{out} exists; choose another name or pass --force", field="out")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.partial")
    started = time.perf_counter()
    _private_file(tmp)
    try:
        src = sqlite3.connect(live, timeout=30)
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)  # all pages in one step: one read snapshot, however busy the writers are
            dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file, no -wal beside it
        finally:
            dst.close()
            src.close()
        info = verify_sqlite_file(tmp)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return {
        "path": str(out),
        "bytes": out.stat().st_size,
        "seconds": round(time.perf_counter() - started, 3),
        **info,
    }


def _free_name(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.{n}")
    return candidate


def restore_sqlite(settings: Settings, source: Path) -> dict:
    """Replace the workspace with a verified backup; the current database is kept beside it as .bak."""
    source = Path(source).expanduser().resolve()
    info = verify_sqlite_file(source)
    live = sqlite_path(settings)
    if source == live.resolve():
        raise InvalidArgument("that file is the workspace itself", field="file")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive(settings):
        kept = None
        if live.exists():
            kept = _free_name(live.with_name(live.name + ".bak"))
            _private_file(kept)
            old, bak = sqlite3.connect(live, timeout=30), sqlite3.connect(kept)
            try:
                old.backup(bak)
                bak.execute("PRAGMA journal_mode=DELETE")
            finally:
                bak.close()
                old.close()
        src = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
        dst = sqlite3.connect(live, timeout=30)
        try:
            # Leave WAL first: the backup API refuses a WAL destination whose page size differs.
            dst.execute("PRAGMA journal_mode=DELETE")
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
            restored = _check(dst, str(live))
        finally:
            dst.close()
            src.close()
    from plandesk.core.workspace import initialise

    db = initialise(settings)  # an older backup is migrated up to this version in place
    try:
        from plandesk.db import migrate

        revision = migrate.current_revision(db)
    finally:
        db.dispose()
    return {
        "restored_from": str(source),
        "previous_kept_as": str(kept) if kept else None,
        "backup_revision": info["revision"],
        "revision": revision,
        "counts": restored["counts"],
    }


def postgres_commands(settings: Settings, file: str) -> dict:
    """The PostgreSQL tools do this job better than we could; we print the exact commands."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.resolved_database_url).set(drivername="postgresql")
    # The password never goes on a command line (ps shows it to everyone): libpq reads PGPASSWORD or ~/.pgpass.
    shown = url._replace(password=None).render_as_string(hide_password=False)  # set() ignores None
    password_note = "the password comes from PGPASSWORD or ~/.pgpass" if url.password else ""
    quoted_url, quoted_file = shlex.quote(shown), shlex.quote(file)
    return {
        "backup": f"pg_dump --format=custom --no-owner --file={quoted_file} {quoted_url}",
        "restore": f"pg_restore --clean --if-exists --no-owner --dbname={quoted_url} {quoted_file}",
        "note": password_note,
    }
