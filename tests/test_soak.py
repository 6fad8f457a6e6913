"""A short soak for CI: 10 MCP clients for 5 s of mixed reads and writes on a live server (loopback): zero
errors, zero lost writes. The full one (50 clients, 60 s) is `python -m bench.soak`; both run bench/soak.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # bench/ sits beside src/; `pytest` run bare does not put the root on the path
    sys.path.insert(0, str(REPO))

from bench.soak import soak

CLIENTS = 10
SECONDS = 5.0


def test_ten_mcp_clients_for_five_seconds_lose_nothing_and_see_no_error(server, api):
    project = api.post("/api/v1/projects", json={"name": "Soak"}).json()
    shared = [
        api.post(
            f"/api/v1/projects/{project['id']}/tasks",
            json={"label": f"shared task {i}", "description": "a shared task the soak reads"},
        ).json()["id"]
        for i in range(20)
    ]
    tokens = []
    for i in range(CLIENTS):  # one token per client, as each agent has its own
        r = api.post("/api/v1/tokens", json={"name": f"soak-{i}"})
        assert r.status_code == 201, r.text
        tokens.append(r.json()["token"])

    result = soak(server.url, tokens, project["id"], shared, seconds=SECONDS, server_pid=server.proc.pid)

    lat = result.overall()
    print(
        f"\nsoak: {CLIENTS} clients, {result.calls} calls in {result.seconds:.1f} s, p50 {lat.p50:.1f} ms, "
        f"p99 {lat.p99:.1f} ms, {result.acknowledged_writes} acknowledged writes, RSS "
        f"{result.rss_before_mib:.0f} → {result.rss_after_mib:.0f} MiB"
    )
    assert result.errors == 0, result.error_samples[:5]
    assert result.lost_writes == 0
    assert result.acknowledged_writes >= CLIENTS, "the clients barely wrote anything: the soak proved nothing"
    assert set(result.latencies) >= {"get_task", "update_task", "search"}, sorted(result.latencies)
    assert "Traceback" not in server.log_text()
