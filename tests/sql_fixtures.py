"""Scratch databases with least-privilege accounts on the real PostgreSQL and MariaDB, unique per test run.

Each scratch database has an admin URL (to arrange and inspect), a reader (SELECT only) and a writer (data
changes only); everything is dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import pytest

PG_ADMIN = os.environ.get("PLANDESK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
MY_HOST = os.environ.get("PLANDESK_TEST_MARIADB_HOST", "127.0.0.1")


@dataclass
class Scratch:
    engine: str
    name: str
    admin_url: str
    reader_url: str
    writer_url: str
    roles: tuple[str, ...] = ()


def pg_admin():
    psycopg = pytest.importorskip("psycopg")
    try:
        return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL is not reachable: {exc}")


def pg_url(role: str, database: str, host: str = "127.0.0.1", extra: str = "") -> str:
    return f"postgresql://{role}@{host}:5432/{database}{extra}"


def make_pg_scratch() -> Scratch:
    name = f"pd_sql_{uuid.uuid4().hex[:12]}"
    reader, writer = f"{name}_r", f"{name}_w"
    with pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        admin.execute(f'CREATE ROLE "{reader}" LOGIN')
        admin.execute(f'CREATE ROLE "{writer}" LOGIN')
    import psycopg

    with psycopg.connect(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", autocommit=True) as conn:
        # Tables the admin creates later are readable by the reader and writable by the writer, nothing more.
        conn.execute(f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO "{reader}"')
        conn.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES "
            f'TO "{writer}"'
        )
        conn.execute(f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON SEQUENCES TO "{reader}"')
        conn.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES "
            f'TO "{writer}"'
        )
    return Scratch(
        "postgresql",
        name,
        PG_ADMIN.rsplit("/", 1)[0] + f"/{name}",
        pg_url(reader, name),
        pg_url(writer, name),
        (reader, writer),
    )


def drop_pg_scratch(s: Scratch) -> None:
    with pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{s.name}" WITH (FORCE)')
        for role in s.roles:
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')


def my_admin(database: str | None = None):
    pymysql = pytest.importorskip("pymysql")
    try:
        return pymysql.connect(
            host=MY_HOST, user="root", password="", database=database, autocommit=True, connect_timeout=5
        )
    except pymysql.Error as exc:
        pytest.skip(f"MariaDB is not reachable: {exc}")


def my_user(conn, user: str, password: str, grants: str, database: str) -> None:
    with conn.cursor() as cur:
        cur.execute(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'")
        if grants:
            cur.execute(f"GRANT {grants} ON `{database}`.* TO '{user}'@'%'")


def make_my_scratch() -> Scratch:
    name = f"pd_sql_{uuid.uuid4().hex[:12]}"
    reader, writer = f"{name}_r", f"{name}_w"
    conn = my_admin()
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}`")
        my_user(conn, reader, f"pw-{reader}", "SELECT", name)
        my_user(conn, writer, f"pw-{writer}", "SELECT, INSERT, UPDATE, DELETE", name)
    finally:
        conn.close()
    url = f"mysql://{{}}@{MY_HOST}:3306/{name}"
    return Scratch(
        "mysql",
        name,
        url.format("root"),
        url.format(f"{reader}:pw-{reader}"),
        url.format(f"{writer}:pw-{writer}"),
        (reader, writer),
    )


def drop_my_scratch(s: Scratch) -> None:
    conn = my_admin()
    try:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{s.name}`")
            for user in s.roles:
                cur.execute(f"DROP USER IF EXISTS '{user}'@'%'")
    finally:
        conn.close()
