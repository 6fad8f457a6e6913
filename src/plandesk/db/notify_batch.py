"""PostgreSQL NOTIFY for many writers at once: each commit's events are sent after it, grouped with those of
every writer that committed meanwhile, in one transaction on a connection of their own.

Why not inside each write transaction: PostgreSQL serialises the commits of transactions that NOTIFY (a
global lock held until the commit record is flushed), so 32 agents claiming committed one at a time, one
disk flush each: 236 commits/s against 3,850 without NOTIFY, measured with 32 connections on the 2-core
machine. Grouped after the commit, one flush carries many writers' events, as group commit does for data.

write() still returns only once its events are sent (the first waiting writer sends everyone's, the others
wait for it), so a CLI command that exits right after its write has been heard. What changes is the order
of the two: an event now follows its commit, as it always has on SQLite, instead of being part of it; a
process killed between its commit and the send loses that one live update (pages resync on reconnect).
"""

from __future__ import annotations

import json
import logging
import threading

CHANNEL = "plandesk_events"
PAYLOAD_LIMIT = 7900  # NOTIFY refuses payloads of 8000 bytes and more; notify.decode reads a cut one
PER_STATEMENT = 100  # pg_notify calls per SELECT

log = logging.getLogger("plandesk.events")


def payload(event: dict) -> str:
    return json.dumps(event, default=str)[:PAYLOAD_LIMIT]


class GroupedNotify:
    def __init__(self, connect):
        self._connect = connect  # () -> an autocommit psycopg connection
        self._conn = None
        self._cond = threading.Condition()
        self._pending: list[str] = []
        self._queued = 0  # payloads handed in so far
        self._done = 0  # payloads sent (or given up on) so far
        self._sending = False

    def send(self, events: list[dict]) -> None:
        """Send `events` (one commit's, in order), returning once they and all handed in before are sent."""
        with self._cond:
            self._pending.extend(payload(ev) for ev in events)
            self._queued += len(events)
            mine = self._queued
            while self._done < mine:
                if self._sending:
                    self._cond.wait()
                    continue
                self._sending, batch, upto = True, self._pending, self._queued
                self._pending = []
                self._cond.release()
                try:
                    self._send_batch(batch)
                finally:
                    self._cond.acquire()
                    self._sending, self._done = False, upto
                    self._cond.notify_all()

    def _send_batch(self, batch: list[str]) -> None:
        for attempt in (1, 2):  # a dropped connection gets one fresh try
            try:
                if self._conn is None:
                    self._conn = self._connect()
                with self._conn.transaction():
                    for start in range(0, len(batch), PER_STATEMENT):
                        part = batch[start : start + PER_STATEMENT]
                        calls = ", ".join(f"pg_notify('{CHANNEL}', %s)" for _ in part)
                        self._conn.execute(f"SELECT {calls}", part)
                return
            except Exception as exc:  # noqa: BLE001 - the write is committed: a lost live update must not fail it
                self.close()
                if attempt == 2:
                    log.warning("could not send %d live update(s): %s", len(batch), exc.__class__.__name__)

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001, S110 - a broken connection may fail to close; it is gone either way
                pass
