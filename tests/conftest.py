"""Fixtures: temporary workspaces on SQLite or PostgreSQL, servers in three tiers, clients, a fake clock.

One factory, `serve_on(ws, tier)` (the `serve` fixture for servers of a test's own), starts every server,
in one of three tiers:

- "app": the real app from `create_app(settings)` in this process, its lifespan run, reached through an
  ASGI client (tests/inprocess.py). The default for behaviour tests: no process, no port, no start-up wait.
- "port": the real app served by uvicorn (configured as `plandesk serve` runs it) on a free loopback port,
  from a thread of this process: for what needs a real socket but not a process of its own (the browser,
  the CLI, the node MCP client, MCP SDK clients over HTTP).
- "process": `plandesk serve` in a child process on a free loopback port (`start_server`), for what needs
  one: crash safety, signals and restarts, several processes or workers, soak, the server's own log.

A module picks its tier with `pytestmark = pytest.mark.server("app")` (or "port", "process"): `server`,
`workspace`, `api` and `project` then come from one server shared by the module; `mark.server("app",
fresh=True)` gives each test a server and workspace of its own instead. Unmarked, `server` is a fresh
process per test, as before; `api`/`project` asked for without `server` or `workspace` (in a module with no
`server` fixture of its own) run in-process. The `clock` fixture moves the time the core reads.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import pytest
from argon2 import PasswordHasher
from inprocess import TLS, OnSocket

from plandesk.core import users

BACKEND = os.environ.get("PLANDESK_TEST_BACKEND", "sqlite")
PG_ADMIN_URL = os.environ.get("PLANDESK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


# Passwords: argon2id at its lowest cost for everything this process runs (the in-process servers and the core
# called directly). Hashing and checking stay real; the recommended cost (0.2 s of CPU each, deliberately) is
# what a process server started by a test uses, and it was a tenth of the in-process tests' CPU.
users.password_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_admin():
    import psycopg

    return psycopg.connect(PG_ADMIN_URL, autocommit=True)


def _pg_url(name: str) -> str:
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"


def _migrate(url: str) -> None:
    from plandesk.db import migrate
    from plandesk.db.engine import Database

    db = Database(url)
    try:
        migrate.upgrade(db)
    finally:
        db.dispose()


@functools.cache
def _migrated_template() -> str:
    """A PostgreSQL database migrated to head by this process, once: a new workspace's database is a copy
    of it (CREATE DATABASE ... TEMPLATE), as a workspace initialised by this code is, instead of every test
    running the migrations again (0.3-0.5 s of CPU each, and as much of the server's). It takes no
    connections once made (a copy needs its template unused, and so autovacuum leaves it alone); the
    migrations themselves are tested from an empty database (`unmigrated_db`, test_core_correctness)."""
    name = f"pd_template_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    _migrate(_pg_url(name))
    with _pg_admin() as conn:
        conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
    atexit.register(drop_pg_database, _pg_url(name))
    return name


def make_pg_database(*, migrated: bool = False) -> str:
    """A new PostgreSQL database of the test's own: empty, or (migrated=True) a copy of the migrated template.
    (PostgreSQL's default copy, through the WAL: STRATEGY FILE_COPY was faster alone but its checkpoints cost
    the suite more of PostgreSQL's CPU than they saved.)"""
    name = f"pd_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    template = f' TEMPLATE "{_migrated_template()}"' if migrated else ""
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"{template}')
    return _pg_url(name)


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    try:
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception:
        pass


@dataclass
class Workspace:
    data_dir: Path
    database_url: str | None = None

    @property
    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLANDESK_")}
        env["PLANDESK_DATA_DIR"] = str(self.data_dir)
        if self.database_url:
            env["PLANDESK_DATABASE_URL"] = self.database_url
        return env

    def settings(self):
        from plandesk.settings import load_settings

        return load_settings(data_dir=self.data_dir, database_url=self.database_url)

    def cli(
        self, *args: str, input: str | None = None, check: bool = True, cwd=None, extra_env=None
    ) -> subprocess.CompletedProcess:
        env = {**self.env, **(extra_env or {})}
        proc = subprocess.run(
            [sys.executable, "-m", "plandesk", *args],
            capture_output=True,
            text=True,
            env=env,
            input=input,
            timeout=120,
            cwd=cwd,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"plandesk {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
            )
        return proc

    def configure(self, **values) -> None:
        """Write settings to the workspace's config.json (merged): how an in-process server gets what a process
        would take from PLANDESK_* variables (base_url, allowed_hosts, rate_limit_per_minute, ...)."""
        path = self.data_dir / "config.json"
        current = json.loads(path.read_text()) if path.is_file() else {}
        path.write_text(json.dumps({**current, **values}))

    def create_token(self, name: str = "test", *extra: str) -> str:
        """`plandesk token create` (in this process: see cli_support) and the raw token it prints."""
        from cli_support import create_token

        return create_token(self, name, *extra)


@functools.cache
def _migrated_sqlite_file() -> Path:
    """A workspace.db migrated to head by this process, once: the SQLite twin of _migrated_template."""
    folder = Path(tempfile.mkdtemp(prefix="plandesk-template-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / "workspace.db"
    _migrate(f"sqlite:///{path}")
    return path


def new_workspace(tmp_path: Path, backend: str = BACKEND, *, migrated: bool = True) -> Workspace:
    """A workspace folder of the test's own, its database already migrated to head (a copy of this process's
    migrated template: the migrations ran once, not once a test) unless migrated=False, in which case the
    first open makes and migrates it. On PostgreSQL the database is one of the test's own."""
    data_dir = tmp_path / f"ws-{uuid.uuid4().hex[:6]}"
    data_dir.mkdir()
    if backend == "postgresql":
        return Workspace(data_dir, make_pg_database(migrated=migrated))
    if migrated:
        shutil.copyfile(_migrated_sqlite_file(), data_dir / "workspace.db")
    return Workspace(data_dir)


def _tier(request) -> tuple[str | None, bool]:
    """The tier a test asked for with pytest.mark.server(tier, fresh=False), and whether it wants a server
    (and workspace) of its own rather than the module's shared one."""
    marker = request.node.get_closest_marker("server")
    if marker is None:
        return None, True
    tier = marker.args[0] if marker.args else "app"
    if tier not in TIERS:
        raise pytest.UsageError(f"pytest.mark.server takes one of {tuple(TIERS)}, not {tier!r}")
    return tier, bool(marker.kwargs.get("fresh", False))


@pytest.fixture
def workspace(request, tmp_path):
    tier, fresh = _tier(request)
    if not fresh:  # the module's shared server works on its own workspace
        yield request.getfixturevalue(TIERS[tier]).workspace
        return
    ws = new_workspace(tmp_path)
    yield ws
    if ws.database_url:
        drop_pg_database(ws.database_url)


@pytest.fixture
def core(tmp_path):
    """The core services on a fresh, initialised workspace with one project, for tests that call them
    directly: (db, owner actor, project id, workspace)."""
    from plandesk.core import projects
    from plandesk.core.users import local_owner_actor
    from plandesk.core.workspace import initialise

    ws = new_workspace(tmp_path)
    db = initialise(ws.settings())
    actor = local_owner_actor(db)
    pid = projects.create_project(db, actor, {"name": "Core"})["id"]
    yield db, actor, pid, ws
    db.dispose()
    if ws.database_url:
        drop_pg_database(ws.database_url)


@pytest.fixture
def core_app(core):
    """`core`, and the real app in process on the same engine, for tests that arrange a plan through the core
    and then see what REST, MCP and the pages answer: (db, owner actor, project id, a loopback client of the
    app at http://127.0.0.1:8000, a raw agent token of every toolset)."""
    from starlette.testclient import TestClient

    from plandesk.app import create_app
    from plandesk.core import tokens

    db, owner, pid, ws = core
    token = tokens.create_token(db, owner, name="agent", toolsets=["all"])["token"]
    app = create_app(ws.settings(), db=db)
    with TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000)) as client:
        yield db, owner, pid, client, token


@pytest.fixture
def unmigrated_db(tmp_path):
    """The database of a new workspace of the test's own (whatever the module's server), opened but not
    migrated: no tables, no revision. For the migration tests."""
    from plandesk.db.engine import Database

    ws = new_workspace(tmp_path, migrated=False)
    db = Database(ws.settings().resolved_database_url)
    yield db
    db.dispose()
    if ws.database_url:
        drop_pg_database(ws.database_url)


@dataclass
class LiveServer(OnSocket):
    workspace: Workspace
    port: int
    proc: subprocess.Popen
    log_path: Path
    extra_args: tuple = ()
    host: str = "127.0.0.1"
    _clients: list = field(default_factory=list)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, needle: str, timeout: float = 10.0) -> str:
        """The request line is written after the response is sent: poll for it with a deadline."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.log_text()
            if needle in text or time.monotonic() > deadline:
                return text
            time.sleep(0.02)

    def stop(self, sig=signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        for c in self._clients:
            c.close()


def start_server(
    ws: Workspace,
    *extra: str,
    port: int | None = None,
    extra_env: dict | None = None,
    host: str = "127.0.0.1",
) -> LiveServer:
    """`plandesk serve` on `host` (127.0.0.1 unless a test binds elsewhere) and a free port, once it answers."""
    port = port or free_port()
    bind = ("--host", host) if host != "127.0.0.1" else ()
    log_path = ws.data_dir / f"server-{port}.log"
    log = open(log_path, "ab")
    env = {**ws.env, **(extra_env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "plandesk", "serve", *bind, "--port", str(port), *extra],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    server = LiveServer(ws, port, proc, log_path, extra, host)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited {proc.returncode}:\n{server.log_text()}")
        try:
            if httpx2.get(f"{server.url}/api/v1/health", timeout=2, verify=TLS).status_code == 200:
                return server
        except httpx2.HTTPError:
            pass
        time.sleep(0.05)  # polling the port with a deadline, not sleeping for an outcome
    server.stop(signal.SIGKILL)
    raise AssertionError(f"server did not answer within 60 s:\n{server.log_text()}")


def serve_on(ws: Workspace, tier: str = "app", *extra: str, **kw):
    """One server on `ws` in the given tier; AppServer and LiveServer answer to the same calls."""
    if tier == "process":
        return start_server(ws, *extra, **kw)
    if tier == "port":
        from inprocess import PortServer

        if extra or set(kw) - {"port"}:
            raise TypeError(f"the port tier takes only port= ({extra} {kw}): use tier='process'")
        return PortServer(ws, kw.get("port") or free_port())
    if extra or kw:
        raise TypeError(f"the in-process tier takes no serve arguments ({extra} {kw}): use tier='process'")
    from inprocess import AppServer

    return AppServer(ws)


def _module_server(tmp_path_factory, tier: str, prepare=None):
    """A server on a fresh workspace, stopped (and its database dropped) at the end; `prepare(ws)` runs on
    the workspace before the server starts."""
    ws = new_workspace(tmp_path_factory.mktemp(tier))
    if prepare is not None:
        prepare(ws)
    srv = serve_on(ws, tier)
    try:
        yield srv
    finally:
        srv.stop()
        if ws.database_url:
            drop_pg_database(ws.database_url)


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    """The module's in-process server, on a fresh workspace (each test makes its own project)."""
    yield from _module_server(tmp_path_factory, "app")


@pytest.fixture(scope="module")
def port_server(tmp_path_factory):
    """The module's server on a real loopback port, served from a thread of this process, on a fresh workspace."""
    yield from _module_server(tmp_path_factory, "port")


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The module's `plandesk serve` process, on a fresh workspace."""
    yield from _module_server(tmp_path_factory, "process")


TIERS = {"app": "app_server", "port": "port_server", "process": "live_server"}


@pytest.fixture
def serve(tmp_path):
    """Factory for servers of the test's own: serve(tier="app"|"process", ws=None, *serve_args, port=..).
    Without `ws` each gets a fresh workspace; all are stopped (and their databases dropped) afterwards."""
    started: list = []
    made: list[Workspace] = []

    def start(tier: str = "app", ws: Workspace | None = None, *extra: str, **kw):
        if ws is None:
            ws = new_workspace(tmp_path)
            made.append(ws)
        srv = serve_on(ws, tier, *extra, **kw)
        started.append(srv)
        return srv

    yield start
    for srv in reversed(started):
        srv.stop()
    for ws in made:
        if ws.database_url:
            drop_pg_database(ws.database_url)


@pytest.fixture
def server(request):
    tier, fresh = _tier(request)
    if not fresh:
        yield request.getfixturevalue(TIERS[tier])
        return
    if tier is not None:  # fresh=True: a server of the test's own, on the test's own workspace
        yield request.getfixturevalue("serve")(tier, request.getfixturevalue("workspace"))
        return
    s = start_server(request.getfixturevalue("workspace"))  # unmarked: a fresh process per test
    yield s
    s.stop()


@pytest.fixture
def api(request) -> httpx2.Client:
    """An HTTP client acting as the local owner. It talks to `server` when the test (or any fixture it
    uses) works with the server or its workspace; otherwise to an in-process server of the test's own."""
    own_server = hasattr(request.module, "server")  # a module that defines its own `server` keeps it
    if _tier(request)[0] is not None or own_server or {"server", "workspace"} & set(request.fixturenames):
        return request.getfixturevalue("server").client()
    return request.getfixturevalue("serve")("app").client()


@pytest.fixture(scope="module")
def anyio_backend():
    """Async tests run on asyncio (the server's loop), not on every backend anyio knows."""
    return "asyncio"


@pytest.fixture
def clock():
    """A fake clock for this process: `clock.advance(seconds)` moves leases, expiry and rate limits on.
    Only in-process servers see it (a child process keeps the real time)."""
    from inprocess import FakeClock

    from plandesk.core import clock as core_clock
    from plandesk.core import rate_limit

    fake = FakeClock()
    fake.freeze()  # rate limits refill only when a test advances the clock, however slow the machine is
    real_limiter = rate_limit.limiter
    rate_limit.limiter = rate_limit.RateLimiter(clock=fake.monotonic)
    try:
        with core_clock.reading_from(fake.now):
            yield fake
    finally:
        rate_limit.limiter = real_limiter


def _module_tier_server(request):
    """The module's shared server (its `pytest.mark.server` tier; in-process when unmarked), for fixtures of
    module scope, which cannot ask for the function-scoped `server`."""
    marker = request.node.get_closest_marker("server")
    if marker is not None and marker.kwargs.get("fresh"):
        raise pytest.UsageError("a module of fresh servers has no shared server to mint a module token on")
    tier = marker.args[0] if marker is not None and marker.args else "app"
    return request.getfixturevalue(TIERS[tier])


@pytest.fixture(scope="module")
def owner_token(request) -> str:
    """A raw all-tools token of the local owner on the module's shared server."""
    from mcp_support import mint

    return mint(_module_tier_server(request), "owner agent")


# The connector tests' team people (connector_fixtures.make_team; each module arranges its own `team` fixture):
# a planning-and-code token of the member and of the viewer, minted once per module in their own sessions.
@pytest.fixture(scope="module")
def member_token(team) -> str:
    return team.token("member@example.com", "member agent")


@pytest.fixture(scope="module")
def viewer_token(team) -> str:
    return team.token("viewer@example.com", "viewer agent")


@pytest.fixture
async def mcp(server, owner_token):
    """An MCP SDK session with `server` as the owner's agent (in-process or over the network, by tier)."""
    from mcp_support import mcp_client

    async with mcp_client(server, owner_token) as c:
        yield c


@pytest.fixture
def project(api) -> dict:
    r = api.post("/api/v1/projects", json={"name": "Test project"})
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture(scope="module")
def pg_scratch():
    """A scratch PostgreSQL database (with its owner role) for a module's project-database tests."""
    from sql_fixtures import drop_pg_scratch, make_pg_scratch

    s = make_pg_scratch()
    yield s
    drop_pg_scratch(s)


@pytest.fixture(scope="module")
def my_scratch():
    """A scratch MariaDB database for a module's project-database tests."""
    from sql_fixtures import drop_my_scratch, make_my_scratch

    s = make_my_scratch()
    yield s
    drop_my_scratch(s)


# The browser fixtures (one Chromium per process, a context per page) live with the web tests' helpers.
from web_support import _playwright_loop, browser, page  # noqa: F401


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "server(tier, fresh=False): the module's shared server ('app' runs the "
        "app in-process, 'process' runs `plandesk serve`); fresh=True: one per test",
    )


def pytest_collection_modifyitems(config, items):
    for item in items:
        if (
            "browser" in item.keywords
            and not Path(os.environ.get("PLANDESK_CHROMIUM", "/usr/bin/chromium")).exists()
        ):
            item.add_marker(
                pytest.mark.skip(reason="Chromium is not installed (the test command installs it)")
            )
