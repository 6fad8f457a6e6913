"""Schemathesis over /api/v1/openapi.json of a live server: no 5xx, and every response conforms to the schema.

Every check Schemathesis has runs but one: positive_data_acceptance assumes the schema is the whole validation,
while the core also refuses schema-valid input on its own rules (a blank label, an id of the wrong shape, a
cycle) with a documented 400 or 409. Each operation gets a bounded number of generated requests (FUZZ_EXAMPLES, default 8) so the suite stays fast;
half the generated ids are swapped for ids that exist, so cases reach past the not-found answer. The number
of cases tried is printed and written to test-artifacts/fuzz-api-cases.json.
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

import pytest
import schemathesis
from conftest import ARTIFACTS, drop_pg_database, new_workspace, serve_on
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
CASES: dict[str, int] = {}
REAL_IDS: dict[str, list[str]] = {}


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory):
    ws = new_workspace(tmp_path_factory.mktemp("fuzz-api"))
    srv = serve_on(ws, "port")  # Schemathesis calls a URL
    api = srv.client()
    for n in range(2):  # two of everything, so a fuzzed DELETE of one leaves the other to reach
        project = api.post("/api/v1/projects", json={"name": f"Fuzz {n}"}).json()
        a = api.post(
            f"/api/v1/projects/{project['id']}/tasks", json={"label": "First", "tags": ["fuzz"]}
        ).json()
        b = api.post(f"/api/v1/projects/{project['id']}/tasks", json={"label": "Second"}).json()
        edge = api.post(
            f"/api/v1/projects/{project['id']}/edges",
            json={"from_id": a["id"], "to_id": b["id"], "label": "blocks"},
        ).json()
        REAL_IDS.setdefault("project_id", []).append(project["id"])
        REAL_IDS.setdefault("task_id", []).extend([a["id"], b["id"]])
        REAL_IDS.setdefault("edge_id", []).append(edge["id"])
    yield srv
    srv.stop()
    if ws.database_url:
        drop_pg_database(ws.database_url)


@pytest.fixture(scope="module")
def api_schema(fuzzed_server):
    return schemathesis.openapi.from_url(f"{fuzzed_server.url}/api/v1/openapi.json")


@schemathesis.hook
def map_path_parameters(_context, path_parameters):
    """Every other generated id (decided by its own hash, so shrinking is stable) becomes one that exists."""
    if not path_parameters:
        return path_parameters
    out = dict(path_parameters)
    for name, value in path_parameters.items():
        known = REAL_IDS.get(name)
        if known and zlib.crc32(repr(value).encode()) % 2 == 0:
            out[name] = known[zlib.crc32(repr(value).encode()) // 2 % len(known)]
    return out


@pytest.fixture(scope="module", autouse=True)
def case_count():
    yield
    total = sum(CASES.values())
    print(f"\nfuzzed REST: {total} cases over {len(CASES)} operations ({EXAMPLES} max per operation)")
    out = Path(os.environ.get("PLANDESK_TEST_ARTIFACTS", ARTIFACTS))
    out.mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    (out / f"fuzz-api-cases-{worker}.json").write_text(
        json.dumps({"total": total, "per_operation": CASES}, indent=2)
    )


SHARDS = 3  # operations split three ways, so pytest-xdist can spread them over workers


def _fuzz(operation) -> str | None:
    """Run one operation's generated cases; the shrunk failure as text, or None when every case passed."""
    key = f"{operation.method.upper()} {operation.path}"

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        CASES[key] = CASES.get(key, 0) + 1
        response = case.call_and_validate(excluded_checks=[checks.positive_data_acceptance])
        assert response.status_code < 500, response.text

    try:
        check()
    except (Exception, BaseExceptionGroup) as exc:
        return f"{key}: {exc}\n" + "\n".join(f"  - {sub}" for sub in getattr(exc, "exceptions", ()))
    return None


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_generated_request_gets_a_documented_answer_and_never_a_5xx(api_schema, shard):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20, "the OpenAPI document lists too few operations to be ours"
    failures = [f for f in (_fuzz(op) for op in operations[shard::SHARDS]) if f]
    assert not failures, f"{len(failures)} operation(s) failed:\n\n" + "\n\n".join(failures)
