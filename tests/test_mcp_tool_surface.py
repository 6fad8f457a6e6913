"""The tool surface agents load: budgets on the tools/list an agent receives, a snapshot of every definition,
and the generated reference in docs/mcp.md. PLANDESK_UPDATE_SNAPSHOTS=1 rewrites the snapshot."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from mcp_support import DEFAULT_TOOLS
from starlette.testclient import TestClient

from plandesk.app import create_app
from plandesk.cli.common import cli_actor
from plandesk.core import models, tokens
from plandesk.core.vocab import PLANNING_TOOLSETS
from plandesk.core.workspace import initialise
from plandesk.mcp import catalog, shapes

SNAPSHOT = Path(__file__).parent / "snapshots" / "mcp_tools.json"
DEFAULT_BUDGET = 12_000
PLANNING_BUDGET = 40_000
ALL_BUDGET = 48_000


@pytest.fixture(scope="module")
def wire(tmp_path_factory):
    """tools/list over HTTP against the real app, in-process: fn(token toolsets, ?toolsets=) -> definitions."""
    data_dir = tmp_path_factory.mktemp("surface")
    os.environ["PLANDESK_DATA_DIR"] = str(data_dir)
    from plandesk.settings import load_settings

    settings = load_settings()
    db = initialise(settings)
    minted: dict = {}

    def token(toolsets: tuple[str, ...] | None) -> str:
        if toolsets not in minted:
            minted[toolsets] = tokens.create_token(
                db, cli_actor(db), name=f"surface {toolsets}", toolsets=list(toolsets) if toolsets else None
            )["token"]
        return minted[toolsets]

    with TestClient(create_app(settings, db=db), base_url="http://127.0.0.1:8000") as client:

        def tools_list(toolsets: tuple[str, ...] | None = None, url: str | None = None) -> list[dict]:
            r = client.post(
                "/mcp/" + (f"?toolsets={url}" if url else ""),
                json={"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
                headers={
                    "Authorization": f"Bearer {token(toolsets)}",
                    "accept": "application/json, text/event-stream",
                    "mcp-protocol-version": "2025-11-25",
                },
            )
            assert r.status_code == 200, r.text
            return r.json()["result"]["tools"]

        yield tools_list
    del os.environ["PLANDESK_DATA_DIR"]


def test_a_default_token_lists_the_work_loop_within_its_budget(wire):
    tools = wire()
    assert {t["name"] for t in tools} == DEFAULT_TOOLS
    assert catalog.compact_size(tools) <= DEFAULT_BUDGET


def test_every_planning_toolset_together_stays_within_its_budget(wire):
    tools = wire(None, ",".join(PLANNING_TOOLSETS))
    assert {t["name"] for t in tools} == {s.name for s in catalog.registry().in_toolsets(PLANNING_TOOLSETS)}
    assert catalog.compact_size(tools) <= PLANNING_BUDGET


def test_every_tool_including_code_stays_within_its_budget(wire):
    tools = wire(("all",))
    assert {t["name"] for t in tools} == set(catalog.registry().specs)
    assert catalog.compact_size(tools) <= ALL_BUDGET


def test_the_wire_carries_exactly_the_catalog_definitions(wire):
    by_name = {spec.name: catalog.definition(spec) for spec in catalog.registry().specs.values()}
    assert {t["name"]: t for t in wire(("all",))} == by_name


def test_every_tool_definition_matches_the_checked_in_snapshot():
    current = catalog.snapshot(catalog.registry())
    if os.environ.get("PLANDESK_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(current, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    stored = json.loads(SNAPSHOT.read_text())
    changed = sorted(n for n in set(stored) | set(current) if stored.get(n) != current.get(n))
    assert not changed, (
        f"tool definitions changed: {changed}; if intended, rerun with "
        "PLANDESK_UPDATE_SNAPSHOTS=1 and commit tests/snapshots/mcp_tools.json"
    )


@pytest.mark.parametrize("kind", ["inputSchema", "outputSchema"])
def test_every_tool_schema_is_valid_json_schema(kind):
    # The server does not check its own schemas at startup (a tenth of the start's CPU): this does, for all.
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    bad = {}
    for spec in catalog.registry().specs.values():
        schema = catalog.definition(spec).get(kind)
        if schema is None:
            continue
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            bad[spec.name] = exc.message
    assert bad == {}


def test_docs_mcp_md_carries_the_generated_tool_reference():
    text = catalog.DOCS.read_text()
    assert catalog.docs_with_reference(text, catalog.registry()) == text, (
        "docs/mcp.md's tool reference is stale: run `python -m plandesk.mcp.catalog --write`"
    )


def test_every_update_tool_of_a_versioned_record_requires_the_version_it_read():
    # Folders carry no version: a rename or move cannot overwrite anyone's text.
    updates = [
        s
        for s in catalog.registry().specs.values()
        if s.name.startswith("update_") and s.name != "update_folder"
    ]
    assert len(updates) == 5
    for spec in updates:
        assert "version" in spec.input_schema["required"], spec.name


def test_only_claims_and_the_next_task_declare_an_output_schema():
    declared = {s.name for s in catalog.registry().specs.values() if s.output_schema is not None}
    assert declared == {"claim_next_task", "claim_task", "get_next_task"}


WRITE_TOOL_MODELS = {
    "create_task": models.TaskIn,
    "update_task": models.TaskPatch,
    "create_project": models.ProjectIn,
    "update_project": models.ProjectPatch,
    "create_note": models.NoteIn,
    "update_note": models.NotePatch,
    "create_document": models.DocumentIn,
    "update_document": models.DocumentPatch,
    "create_goal": models.GoalIn,
    "update_goal": models.GoalPatch,
    "create_edge": models.EdgeIn,
    "create_folder": models.FolderIn,
    "update_folder": models.FolderPatch,
    "claim_task": models.ClaimIn,
    "claim_next_task": models.ClaimIn,
    "renew_claim": models.ClaimIn,
    "release_task": models.ReleaseIn,
}


@pytest.mark.parametrize("tool", sorted(WRITE_TOOL_MODELS))
def test_a_write_tool_takes_its_fields_from_the_core_request_model(tool):
    """A field's type, limits and words are written once, in core/models.py, for REST bodies and MCP alike."""
    model = WRITE_TOOL_MODELS[tool]
    generated = shapes.arguments(model)
    arguments = catalog.registry().get(tool).input_schema["properties"]
    from_model = {name: schema for name, schema in arguments.items() if name in model.model_fields}
    assert from_model == {name: generated[name] for name in from_model}
    # Besides the model's fields: where the record is (its id, or its project's), and which work to claim.
    record_id = tool.split("_", 1)[1] + "_id"
    assert set(arguments) - set(from_model) <= {record_id, "project_id", "task_id", "goal_id", "tags"}
