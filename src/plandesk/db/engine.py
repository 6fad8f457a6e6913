"""The Database object: one connection policy (pragmas, one writer, transactions, events after commit)."""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.engine import Engine, make_url

from plandesk.settings import normalise_database_url


@dataclass
class Tx:
    """A write transaction: the connection plus the events to publish once it commits."""

    conn: Connection
    events: list[dict] = field(default_factory=list)

    def publish(self, project_id: str | None, kind: str, **payload) -> None:
        self.events.append({"project_id": project_id, "kind": kind, **payload})


class WriterQueue:
    """One writer at a time, served in arrival order: the lock is handed from each writer straight to the
    longest waiting one, so a burst of writers (32 agents claiming) queues instead of all waking to fight
    over a plain lock, and no writer waits behind later arrivals (steady p99)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._busy = False
        self._waiters: deque[threading.Event] = deque()

    def acquire(self) -> None:
        with self._mutex:
            if not self._busy:
                self._busy = True
                return
            turn = threading.Event()
            self._waiters.append(turn)
        turn.wait()  # set by release(): the lock is ours, still marked busy

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().set()
            else:
                self._busy = False


class GroupWriter:
    """Group commit: jobs of one kind submitted from any thread are run many to a write transaction by one
    thread of their own. 32 agents claiming at once cost one BEGIN/COMMIT, one turn of the writer queue and
    one round of the project's state for a whole batch instead of each, and no caller spends a worker
    thread waiting on the write lock.

    `run(tx, items)` returns one outcome per item, in order: a value, or an exception for that item alone
    (it must then have written nothing). If `run` itself raises or the commit fails, every item of the
    batch is retried in a transaction of its own, so one bad item never fails the others."""

    MAX_BATCH = 64

    def __init__(self, db: Database, run: Callable[[Tx, list], list]) -> None:
        self._db = db
        self._run = run
        self._items: deque[tuple[object, Future]] = deque()
        self._wake = threading.Condition(threading.Lock())
        self._closed = False
        self._conn: Connection | None = None
        self._thread = threading.Thread(target=self._serve, name="plandesk-group-writer", daemon=True)
        self._thread.start()

    def submit(self, item: object) -> Future:
        fut: Future = Future()
        with self._wake:
            if self._closed:
                raise RuntimeError("the database is closed")
            self._items.append((item, fut))
            self._wake.notify()
        return fut

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._thread.join(timeout=30)
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _connection(self) -> Connection | None:
        """PostgreSQL: this writer's own connection, kept between batches (a pool checkout pinged the server
        first: a round trip per batch); one that a failure left unusable is replaced. SQLite writes on the
        database's one writer connection (None: the default)."""
        if self._db.is_sqlite:
            return None
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            if self._conn is not None:
                self._conn.close()
            self._conn = self._db.engine.connect()
        return self._conn

    def _serve(self) -> None:
        while True:
            with self._wake:
                while not self._items and not self._closed:
                    self._wake.wait()
                if not self._items:
                    return  # closed, nothing left
                taken = [self._items.popleft() for _ in range(min(len(self._items), self.MAX_BATCH))]
            # A caller that went away before its turn (a REST client that disconnected cancels its future)
            # is dropped; once running, a future can no longer be cancelled, so every answer below lands.
            batch = [(item, fut) for item, fut in taken if fut.set_running_or_notify_cancel()]
            try:
                self._serve_batch(batch)
            except BaseException as exc:  # no caller is ever left waiting, whatever went wrong
                for _item, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise

    def _serve_batch(self, batch: list[tuple[object, Future]]) -> None:
        if not batch:
            return
        try:
            outcomes = self._attempt([item for item, _ in batch])
        except Exception:  # noqa: BLE001  the batch failed as a whole (nothing of it committed): each on its own
            for item, fut in batch:
                try:
                    self._settle([(item, fut)], self._attempt([item]))
                except Exception as exc:  # noqa: BLE001  the item's own failure is its answer
                    fut.set_exception(exc)
        else:
            self._settle(batch, outcomes)

    def _attempt(self, items: list) -> list:
        with self._db.write(on=self._connection()) as tx:
            outcomes = self._run(tx, items)
        if len(outcomes) != len(items):
            raise RuntimeError("a group writer answered for a different number of items")
        return outcomes

    @staticmethod
    def _settle(batch: list[tuple[object, Future]], outcomes: list) -> None:
        for (_item, fut), outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                fut.set_exception(outcome)
            else:
                fut.set_result(outcome)


class Database:
    def __init__(self, url: str, *, pool_size: int = 10):
        self.url = normalise_database_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        self.listeners: list = []  # callables(event dict), run after commit
        self._write_lock = WriterQueue() if self.dialect == "sqlite" else None
        self._counter_lock = threading.Lock()
        self._counter_conn = None
        self._writer: Connection | None = None  # SQLite: the one writer's connection, kept between writes
        self._groups: dict[Callable, GroupWriter] = {}
        self._groups_lock = threading.Lock()
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(
                self.url,
                pool_size=pool_size,
                max_overflow=20,
                connect_args={"check_same_thread": False, "timeout": 30},
            )
            _install_sqlite_policy(self.engine)
        else:
            self.engine = create_engine(self.url, pool_size=pool_size, max_overflow=20, pool_pre_ping=True)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self, *, on: Connection | None = None) -> Iterator[Tx]:
        """One write transaction. SQLite gets BEGIN IMMEDIATE (one writer, no upgrade deadlocks). `on`: a
        connection the caller keeps for its writes (a group writer's, on PostgreSQL), instead of the pool's."""
        lock = self._write_lock
        if lock is not None:
            lock.acquire()
        try:
            with nullcontext(on) if on is not None else self._write_connection() as conn:
                if self.is_sqlite:
                    conn.info["pd_immediate"] = True
                tx = Tx(conn)
                with conn.begin():
                    yield tx
                    if tx.events and self.dialect == "postgresql":
                        # NOTIFY is delivered on commit only, to every process listening; one round trip
                        # for all of this transaction's events (a claim has two).
                        calls = ", ".join(
                            f"pg_notify('plandesk_events', %(p{i})s)" for i in range(len(tx.events))
                        )
                        conn.exec_driver_sql(
                            f"SELECT {calls}",
                            {f"p{i}": json.dumps(ev, default=str)[:7900] for i, ev in enumerate(tx.events)},
                        )
        finally:
            if lock is not None:
                lock.release()
        if tx.events and self.dialect != "postgresql":
            for ev in tx.events:
                self.emit(ev)

    def group_writer(self, run: Callable[[Tx, list], list]) -> GroupWriter:
        """The group writer of this database for jobs run by `run` (made on first use, closed by dispose)."""
        writer = self._groups.get(run)
        if writer is None:
            with self._groups_lock:
                writer = self._groups.get(run)
                if writer is None:
                    writer = self._groups[run] = GroupWriter(self, run)
        return writer

    def _write_connection(self) -> AbstractContextManager[Connection]:
        """SQLite has one writer at a time (the WriterQueue), so it keeps one connection for writing instead
        of a pool checkout, reset and check-in per write (5 % of a claim's CPU in a profile); a connection
        a failure left unusable is replaced. PostgreSQL writers run side by side, each on a pooled one."""
        if not self.is_sqlite:
            return self.engine.connect()
        if self._writer is None or self._writer.closed or self._writer.invalidated:
            self._writer = self.engine.connect()
        return nullcontext(self._writer)

    def emit(self, ev: dict) -> None:
        for listener in list(self.listeners):
            try:
                listener(ev)
            except Exception:  # noqa: BLE001, S110 - a broken subscriber must never fail a committed write
                pass

    def auth_changes(self) -> int | None:
        """The auth change counter (schema.auth_changes), read on a connection of its own in autocommit, so a
        request pays one indexed read and no pool checkout or transaction; None when it cannot be read (the
        caller then resolves the token in full)."""
        row = self.counter_read("SELECT n FROM auth_changes WHERE id = 1")
        return int(row[0]) if row else None

    def counter_read(self, sql: str) -> tuple | None:
        """The first row of one small read (`sql`, no parameters) on the counter's connection: autocommit,
        no pool checkout, no transaction. None when there is no row or it cannot be read (old schema, lost
        connection: the caller then takes the ordinary path)."""
        with self._counter_lock:
            try:
                conn = self._counter_conn
                if conn is None:
                    conn = self._counter_conn = self._open_counter_connection()
                cur = conn.cursor()
                try:
                    cur.execute(sql)
                    row = cur.fetchone()
                    return tuple(row) if row is not None else None
                finally:
                    cur.close()
            except Exception:  # noqa: BLE001  a lost connection or an old schema: no cache this once, reconnect
                self._close_counter_connection()
                return None

    def _open_counter_connection(self):
        parsed = make_url(self.url)
        if self.is_sqlite:
            import sqlite3

            conn = sqlite3.connect(
                parsed.database or ":memory:", check_same_thread=False, isolation_level=None, timeout=30
            )
            conn.execute("PRAGMA busy_timeout=30000")
            return conn
        import psycopg

        dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        return psycopg.connect(dsn, autocommit=True)

    def _close_counter_connection(self) -> None:
        conn, self._counter_conn = self._counter_conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001, S110  closing a broken connection may fail too; it is gone either way
                pass

    def dispose(self) -> None:
        with self._groups_lock:
            groups, self._groups = list(self._groups.values()), {}
        for group in groups:
            group.close()
        with self._counter_lock:
            self._close_counter_connection()
        if self._write_lock is not None:
            self._write_lock.acquire()  # not under a write still finishing in another thread
            try:
                if self._writer is not None:
                    self._writer.close()
                    self._writer = None
            finally:
                self._write_lock.release()
        self.engine.dispose()


def _install_sqlite_policy(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        # Reads of a large plan touch pages all over the task and edge indexes: map the file (shared by every
        # connection, no copy per pool slot) instead of a read() call per page missing from the 2 MB cache.
        cur.execute("PRAGMA mmap_size=268435456")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Straight to the driver: every transaction begins here, and SQLAlchemy's statement path (events,
        # result set-up) costs more than the BEGIN itself.
        sql = "BEGIN IMMEDIATE" if conn.info.pop("pd_immediate", False) else "BEGIN"
        conn.connection.dbapi_connection.execute(sql)
