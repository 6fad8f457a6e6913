"""Scratch workspaces for a benchmark run: a temporary SQLite folder, or a PostgreSQL database made and dropped."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from plandesk.db.engine import Database
from plandesk.settings import Settings, load_settings

PG_ADMIN_URL = os.environ.get("PLANDESK_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgresql")


@dataclass
class Scratch:
    """One throw-away workspace: where its data lives and how to reach it from this process or a server."""

    backend: str
    data_dir: Path
    database_url: str | None = None

    def settings(self) -> Settings:
        return load_settings(data_dir=self.data_dir, database_url=self.database_url)

    def open(self) -> Database:
        """Create (or migrate) the workspace and hand back its Database, as `plandesk init` does."""
        from plandesk.core.workspace import initialise

        return initialise(self.settings())

    def env(self) -> dict[str, str]:
        """The environment for a server on this workspace: ours minus any PLANDESK_* that would aim it elsewhere."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLANDESK_")}
        env["PLANDESK_DATA_DIR"] = str(self.data_dir)
        if self.database_url:
            env["PLANDESK_DATABASE_URL"] = self.database_url
        return env


def _pg_admin():
    import psycopg

    return psycopg.connect(PG_ADMIN_URL, autocommit=True)


@contextmanager
def scratch_workspace(backend: str = "sqlite", *, label: str = "bench") -> Iterator[Scratch]:
    """A fresh workspace for the block; its folder (and PostgreSQL database) are removed afterwards."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}")
    data_dir = Path(tempfile.mkdtemp(prefix=f"plandesk-{label}-"))
    database_url = None
    name = None
    if backend == "postgresql":
        name = f"pd_bench_{uuid.uuid4().hex[:12]}"
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        database_url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    try:
        yield Scratch(backend, data_dir, database_url)
    finally:
        if name is not None:
            with _pg_admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(data_dir, ignore_errors=True)
