"""Hypothesis-generated arguments for every MCP tool, built from the tool's own input schema, sent through the SDK
client to the in-process app (the full HTTP stack, no socket): no protocol error, no internal error text, every refusal a clear isError message.

Half the cases follow the schema (with ids that exist mixed in, so calls reach the core's own rules); half
break it (unknown keys, a required key dropped, a value of the wrong type or size, arbitrary JSON). Cases per
tool: FUZZ_EXAMPLES (default 10). The count is printed and written to test-artifacts/fuzz-mcp-cases.json.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from pathlib import Path

import anyio
import pytest
from conftest import ARTIFACTS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client
from mcp_support import mcp_client, mint

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
SHARDS = 3
CALL_TIMEOUT = 60
# Text that means something inside leaked out, or that the server hit an exception it did not expect.
INTERNALS = (
    "Traceback",
    'File "',
    "sqlalchemy",
    "psycopg",
    "sqlite3",
    "jsonschema",
    "pydantic",
    "Error executing tool",
    "validation error",
    "failed on the server",
    "Internal Server Error",
)
COUNTS: dict[str, dict[str, int]] = {}
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


# Which seeded ids an argument name most likely wants; anything else draws from all of them.
ID_KINDS = {
    "project_id": "project",
    "task_id": "task",
    "from_task_id": "task",
    "to_task_id": "task",
    "from_id": "task",
    "to_id": "task",
    "goal_id": "goal",
    "current_goal_id": "goal",
    "run_id": "run",
    "document_id": "document",
    "parent_id": "document",
    "folder_id": "folder",
    "note_id": "note",
    "edge_id": "edge",
    "comment_id": "comment",
    "target_id": "task",
}


def value_of(schema: dict, ids: dict[str, list[str]], name: str = "") -> st.SearchStrategy:
    """Values that satisfy `schema`, for the JSON Schema subset our tools use (mcp/schemas.py)."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([value_of(s, ids, name) for s in schema[key]])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([value_of({**schema, "type": k}, ids, name) for k in kind])
    if kind == "null":
        return st.none()
    if kind == "string":
        if schema.get("format") == "uuid":
            known = ids.get(ID_KINDS.get(name, ""), []) or [i for group in ids.values() for i in group]
            return st.sampled_from(known) | st.sampled_from(known) | st.uuids().map(str)
        return st.text(min_size=schema.get("minLength", 0), max_size=min(schema.get("maxLength", 80), 80))
    if kind == "integer":
        return st.integers(min_value=schema.get("minimum"), max_value=schema.get("maximum"))
    if kind == "number":
        return st.floats(
            min_value=schema.get("minimum"),
            max_value=schema.get("maximum"),
            allow_nan=False,
            allow_infinity=False,
        )
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(
            value_of(schema.get("items", {}), ids, name),
            min_size=schema.get("minItems", 0),
            max_size=min(schema.get("maxItems", 4), 4),
        )
    if kind == "object" and "properties" in schema:
        props = schema["properties"]
        required = set(schema.get("required", ()))
        return st.fixed_dictionaries(
            {k: value_of(v, ids, k) for k, v in props.items() if k in required},
            optional={k: value_of(v, ids, k) for k, v in props.items() if k not in required},
        )
    return st.dictionaries(st.text(max_size=10), JSON, max_size=3) if kind == "object" else JSON


def broken(schema: dict, ids: dict[str, list[str]]) -> st.SearchStrategy:
    """Arguments that break the schema in one way an agent plausibly would."""
    valid = value_of(schema, ids)
    props = sorted(schema.get("properties", {}))
    required = sorted(schema.get("required", ()))
    wrong = st.one_of(
        st.integers(),
        st.text(max_size=12),
        st.booleans(),
        st.none(),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
        st.text(min_size=1, max_size=4).map(lambda s: s * 1200),
        st.integers(-(10**12), -1),
    )
    ways = [
        st.tuples(valid, st.text(min_size=1, max_size=12).filter(lambda k: k not in props), JSON).map(
            lambda t: {**t[0], t[1]: t[2]}
        ),
        st.dictionaries(st.text(max_size=12), JSON, max_size=4),
    ]
    if required:
        ways.append(
            st.tuples(valid, st.sampled_from(required)).map(
                lambda t: {k: v for k, v in t[0].items() if k != t[1]}
            )
        )
    if props:
        ways.append(st.tuples(valid, st.sampled_from(props), wrong).map(lambda t: {**t[0], t[1]: t[2]}))
    return st.one_of(ways)


async def _call(client: Client, tool: str, arguments: dict):
    with anyio.fail_after(CALL_TIMEOUT):
        return await client.call_tool(tool, arguments)


class _Unexpected(logging.Handler):
    """Collects every log record that carries an exception: the in-process server's "Traceback in the log"."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(record)


@pytest.fixture(scope="module")
def unexpected():
    handler = _Unexpected()
    logging.getLogger().addHandler(handler)
    yield handler.records
    logging.getLogger().removeHandler(handler)


@pytest.fixture(scope="module")
def token(app_server) -> str:
    return mint(app_server, "fuzzer", toolsets=["all"])


@pytest.fixture(scope="module")
def mcp(app_server, token):
    """One SDK session for the module on the app's own loop, driven from the sync Hypothesis tests."""
    portal = app_server.portal
    with portal.wrap_async_context_manager(mcp_client(app_server, token)) as client:
        yield portal, client


def call(mcp, tool: str, arguments: dict):
    portal, client = mcp
    return portal.call(_call, client, tool, arguments)


@pytest.fixture(scope="module")
def seeded_ids(mcp) -> dict[str, list[str]]:
    """Things that exist, by kind, so generated ids often find them and calls reach the core's own rules."""

    def ok(tool, args):
        result = call(mcp, tool, args)
        assert not result.is_error, f"{tool}: {result.content[0].text}"
        out = result.structured_content
        return out.get("id") or next(v["id"] for v in out.values() if isinstance(v, dict) and "id" in v)

    pid = ok("create_project", {"name": "Fuzzed"})
    goal = ok(
        "create_goal",
        {
            "project_id": pid,
            "name": "Ship it",
            "objective": "Fuzzing reaches deep",
            "verification_surface": {"kind": "human_sign_off"},
        },
    )
    a = ok("create_task", {"project_id": pid, "label": "First", "tags": ["fuzz"]})
    b = ok("create_task", {"project_id": pid, "label": "Second", "goal_id": goal})
    folder = ok("create_folder", {"project_id": pid, "name": "Specs"})
    document = ok(
        "create_document", {"project_id": pid, "title": "Spec", "body": "# Spec", "folder_id": folder}
    )
    note = ok("create_note", {"project_id": pid, "title": "Note", "body": "remember"})
    comment = ok("add_comment", {"target_type": "task", "target_id": a, "body": "a remark"})
    run = ok("start_agent_run", {"project_id": pid, "label": "fuzz run", "task_ids": [a]})
    edge = ok("create_edge", {"project_id": pid, "from_task_id": a, "to_task_id": b, "label": "blocks"})
    return {
        "project": [pid],
        "task": [a, b],
        "goal": [goal],
        "folder": [folder],
        "document": [document],
        "note": [note],
        "comment": [comment],
        "run": [run],
        "edge": [edge],
    }


@pytest.fixture(scope="module", autouse=True)
def case_count(unexpected):
    yield
    total = sum(c["cases"] for c in COUNTS.values())
    refused = sum(c["refused"] for c in COUNTS.values())
    print(
        f"\nfuzzed MCP: {total} calls over {len(COUNTS)} tools ({refused} refused with a clear error, "
        f"{total - refused} accepted; {EXAMPLES} max per tool)"
    )
    out = Path(os.environ.get("PLANDESK_TEST_ARTIFACTS", ARTIFACTS))
    out.mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    (out / f"fuzz-mcp-cases-{worker}.json").write_text(
        json.dumps({"total": total, "refused": refused, "per_tool": COUNTS}, indent=2)
    )
    assert not unexpected, "the server logged an unexpected exception while being fuzzed: " + "; ".join(
        f"{r.name}: {r.getMessage()}" for r in unexpected
    )


def _fuzz(mcp, tool, ids: dict[str, list[str]], secret: str) -> str | None:
    counts = COUNTS.setdefault(tool.name, {"cases": 0, "refused": 0})

    @given(arguments=value_of(tool.input_schema, ids) | broken(tool.input_schema, ids))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(arguments):
        counts["cases"] += 1
        result = call(mcp, tool.name, arguments)
        if result.is_error:
            counts["refused"] += 1
            text = result.content[0].text if result.content else ""
            assert text.strip(), f"{tool.name} refused {arguments!r} with no message"
            assert not any(leak in text for leak in INTERNALS), f"{tool.name}({arguments!r}) -> {text}"
            assert secret not in text
        else:
            assert isinstance(result.structured_content, dict), (
                f"{tool.name} answered without structured content"
            )

    try:
        check()
    except (Exception, BaseExceptionGroup) as exc:
        return f"{tool.name}: {exc}"
    return None


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_tool_answers_generated_arguments_without_internals(mcp, seeded_ids, token, shard):
    tools = sorted(call_list(mcp), key=lambda t: t.name)
    assert len(tools) >= 40, f"only {len(tools)} tools listed to a token with every toolset"
    failures = [f for f in (_fuzz(mcp, t, seeded_ids, token) for t in tools[shard::SHARDS]) if f]
    assert not failures, f"{len(failures)} tool(s) failed:\n\n" + "\n\n".join(failures)


def call_list(mcp):
    portal, client = mcp

    async def listed():
        with anyio.fail_after(CALL_TIMEOUT):
            return (await client.list_tools()).tools

    return portal.call(listed)


def test_an_unknown_tool_is_a_clear_error(mcp):
    result = call(mcp, f"no_such_tool_{uuid.uuid4().hex[:6]}", {})
    assert result.is_error
    assert "no_such_tool" in result.content[0].text
