"""Board page render time for a large project, beside a trivial page rendered by the same app in the same run.

`measure(n_tasks=2000)` builds a throw-away SQLite workspace, seeds one project (tasks in every status, tags,
assignees, dependency edges so that many cards are blocked), then requests the board page and the workspace
home (one project card: the trivial page) through the real ASGI app in-process, and returns the figures.
Nothing runs at import.
"""

from __future__ import annotations

import math
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

STATUSES = ("scope", "todo", "in_progress", "done", "backlog")
TAGS = ("frontend", "backend", "qa", "design", "infra", "docs")
PEOPLE = ("ana", "mo", "claude", "codex", None)


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1] if ordered else math.nan


def _summary(samples: list[float]) -> dict:
    return {
        "n": len(samples),
        "p50": round(_percentile(samples, 50), 2),
        "p95": round(_percentile(samples, 95), 2),
        "min": round(min(samples), 2),
        "mean": round(statistics.fmean(samples), 2),
    }


def _seed(db, n_tasks: int, n_edges: int, rng: random.Random) -> str:
    """One project with n_tasks and n_edges dependency links, written in one transaction through the core."""
    from plandesk.core import edges, projects, tasks
    from plandesk.core.users import local_owner_actor

    actor = local_owner_actor(db)
    with db.write() as tx:
        project = projects.insert(tx, actor, {"name": "Board benchmark"})
        ids = []
        for i in range(n_tasks):
            data = {
                "label": f"Task {i}: {rng.choice(('Build', 'Fix', 'Write', 'Check'))} the {rng.choice(TAGS)} part",
                "status": STATUSES[i % len(STATUSES)],
                "tags": rng.sample(TAGS, rng.randint(0, 2)),
            }
            if (who := rng.choice(PEOPLE)) is not None:
                data["assignee"] = who
            ids.append(tasks.insert(tx, actor, project["id"], data)["id"])
        # Edges only point from an earlier task to a later one, so none can close a cycle.
        made = 0
        while made < n_edges:
            a, b = sorted(rng.sample(range(n_tasks), 2))
            edges.insert(tx, actor, project["id"], {"from_id": ids[a], "to_id": ids[b], "label": "blocks"})
            made += 1
    return project["id"]


def _timed_get(client, path: str) -> tuple[float, float | None, int]:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}: {response.text[:300]}")
    timing = response.headers.get("server-timing", "")
    server_ms = float(timing.split("dur=", 1)[1]) if "dur=" in timing else None
    return elapsed, server_ms, len(response.content)


def measure(
    n_tasks: int = 2000, *, n_edges: int | None = None, rounds: int = 15, warmup: int = 3, seed: int = 7
) -> dict:
    """Render figures in milliseconds: the board of `n_tasks` tasks against the home page, same app, same run.

    `board_server` / `trivial_server` are the handler's own time (Server-Timing: data reads plus template),
    `board_request` / `trivial_request` add the in-process ASGI round trip.
    """
    from starlette.testclient import TestClient

    from plandesk.app import create_app
    from plandesk.core.workspace import initialise
    from plandesk.settings import load_settings

    n_edges = n_tasks // 4 if n_edges is None else n_edges
    work = Path(tempfile.mkdtemp(prefix="plandesk-bench-board-"))
    try:
        settings = load_settings(data_dir=work)
        db = initialise(settings)
        started = time.perf_counter()
        project_id = _seed(db, n_tasks, n_edges, random.Random(seed))
        seed_seconds = time.perf_counter() - started
        app = create_app(settings, db=db)
        # The local owner is whoever calls from loopback: present the test client as 127.0.0.1.
        with TestClient(app, base_url="http://127.0.0.1:3847", client=("127.0.0.1", 50000)) as client:
            board_path, trivial_path = f"/projects/{project_id}/board", "/"
            for _ in range(warmup):
                _timed_get(client, board_path)
                _timed_get(client, trivial_path)
            board, board_server, trivial, trivial_server = [], [], [], []
            size = 0
            for _ in range(rounds):
                ms, server_ms, size = _timed_get(client, board_path)
                board.append(ms)
                board_server.append(server_ms or ms)
                ms, server_ms, _ = _timed_get(client, trivial_path)
                trivial.append(ms)
                trivial_server.append(server_ms or ms)
        db.dispose()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = {
        "n_tasks": n_tasks,
        "n_edges": n_edges,
        "seed_seconds": round(seed_seconds, 2),
        "board_bytes": size,
        "board_server": _summary(board_server),
        "trivial_server": _summary(trivial_server),
        "board_request": _summary(board),
        "trivial_request": _summary(trivial),
    }
    out["ratio_p50"] = round(out["board_server"]["p50"] / out["trivial_server"]["p50"], 1)
    out["goal_ms"] = 300
    out["meets_goal"] = out["board_server"]["p95"] < 300
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), indent=2))
