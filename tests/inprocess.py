"""The in-process tier of the test servers: the real app, its lifespan run, reached without a socket.

`AppServer` answers to the same calls as conftest's `LiveServer` (url, mcp_url, workspace, client(), stop()),
so a test moves between the tiers by the fixture it asks for. `FakeClock` moves the time the core reads.
"""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta

from starlette.testclient import TestClient

# One TLS context for every HTTP client the tests make: httpx2 builds (and loads the CA store into) a new one
# per client otherwise, 30 ms of CPU each, a twentieth of the suite's in-process time. The servers are on
# plain http://127.0.0.1; the context only has to be a valid one.
TLS = ssl.create_default_context()

LOOPBACK = "http://127.0.0.1"  # the Host the guard accepts; the client address is loopback too


class AppClient(TestClient):
    """A TestClient that behaves like the httpx2.Client of the process tier: no redirects followed, and
    the `timeout` argument accepted and ignored (there is no network to wait for)."""

    __test__ = False

    def request(self, method, url, *, timeout=None, **kw):
        return super().request(method, url, **kw)

    # `with server.client() as c:` must not run the app's lifespan a second time: the server ran it once.
    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class AppServer:
    """`create_app(settings)` on a workspace, lifespan entered once; every client shares its event loop."""

    url = LOOPBACK

    def __init__(self, workspace):
        from plandesk.app import create_app

        self.workspace = workspace
        self.settings = workspace.settings()
        self.app = create_app(self.settings)
        self._root = self._new_client()
        TestClient.__enter__(self._root)  # the lifespan: serving lock, PostgreSQL listener, MCP sessions
        self._clients: list[TestClient] = []

    @property
    def mcp_url(self) -> str:
        return f"{self.url}/mcp/"

    @property
    def portal(self):
        """The blocking portal into the lifespan's event loop, where async clients of this app must run."""
        return self._root.portal

    def _new_client(self, *, headers=None, cookies=None, follow_redirects=False) -> AppClient:
        # raise_server_exceptions=False: an unhandled error reaches the test as the 500 a person would get.
        return AppClient(
            self.app,
            base_url=self.url,
            client=("127.0.0.1", 50000),
            headers=headers,
            cookies=cookies,
            follow_redirects=follow_redirects,
            raise_server_exceptions=False,
        )

    def client(self, *, headers=None, cookies=None, follow_redirects=False, timeout=None) -> AppClient:
        c = self._new_client(headers=headers, cookies=cookies, follow_redirects=follow_redirects)
        c.portal = self._root.portal  # run on the lifespan's loop, where the app's background tasks live
        self._clients.append(c)
        return c

    def stop(self) -> None:
        """Close the clients and end the lifespan; a second call (a test stopped it, then teardown) is a no-op."""
        if self._root is None:
            return
        for c in self._clients:
            c.close()
        root, self._root = self._root, None
        TestClient.__exit__(root, None, None, None)


class FakeClock:
    """Real time plus an offset that only grows: ordering of writes is kept, and `advance` jumps ahead."""

    def __init__(self) -> None:
        self.offset = timedelta()
        self._frozen: float | None = None

    def freeze(self) -> None:
        """Stop the monotonic clock (rate limits) until `advance`: a slow machine then cannot refill a
        bucket while a test spends it."""
        import time

        self._frozen = time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def monotonic(self) -> float:
        import time

        base = time.monotonic() if self._frozen is None else self._frozen
        return base + self.offset.total_seconds()

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


class OnSocket:
    """What the servers on a real socket (the port and process tiers) share: their URLs and HTTP clients, each
    closed when the server stops (`self._clients`)."""

    host: str
    port: int
    _clients: list

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def mcp_url(self) -> str:
        return f"{self.url}/mcp/"

    def client(self, **kw):
        import httpx2

        # A connection per request: a test's client may idle past the server's keep-alive (5 s) while a busy
        # machine runs other tests, and a POST on a connection the server is just closing fails with
        # "Server disconnected without sending a response" (an HTTP race, not a Plan Desk answer).
        kw.setdefault("limits", httpx2.Limits(max_keepalive_connections=0))
        c = httpx2.Client(base_url=self.url, timeout=30, verify=TLS, **kw)
        self._clients.append(c)
        return c


class PortServer(OnSocket):
    """The real app served by uvicorn on a free loopback port, in a thread of this process: a real socket for
    what needs one (Chromium, the CLI, another process's MCP client) without the second or two of CPU that a
    `plandesk serve` process spends importing and starting. uvicorn is configured as `plandesk serve` runs
    it. What needs a process of its own (signals, a restart, its log, several workers) uses the process tier."""

    host = "127.0.0.1"

    def __init__(self, workspace, port: int):
        import dataclasses
        import threading
        import time

        import uvicorn

        from plandesk.app import create_app

        self.workspace = workspace
        self.port = port
        self._clients: list = []
        # As `plandesk serve --port N` sets it: the app names its own URL (connection tests, share links).
        settings = dataclasses.replace(workspace.settings(), port=port)
        config = uvicorn.Config(
            create_app(settings),
            host=self.host,
            port=port,
            access_log=False,
            log_level="warning",
            proxy_headers=False,
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name=f"plandesk-{port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 60
        while not self._server.started:  # polling the flag with a deadline, not sleeping for an outcome
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise AssertionError(f"the server on port {port} did not start")
            time.sleep(0.01)

    def log_text(self) -> str:
        raise AssertionError("a server in the port tier has no log of its own: use the process tier")

    wait_for_log = log_text

    def stop(self) -> None:
        """Shut uvicorn down (open streams get its grace period) and close the clients; a second call is a
        no-op."""
        if self._thread.is_alive():
            self._server.should_exit = True
            self._thread.join(timeout=15)
        for c in self._clients:
            c.close()
