"""What is generated from the core models stays in step with them: the client's TypedDicts, and the OpenAPI
document, which must describe the body of every JSON answer. (docs/mcp.md's tool reference has its own
freshness test in test_mcp_tool_surface.py.)"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from plandesk.app import create_app, fastapi_of
from plandesk.core import typegen
from plandesk.settings import load_settings

CLIENT = Path(__file__).resolve().parent.parent / "src" / "plandesk" / "client"

# Success answers that carry no JSON body: 204s, and the recipe log, which is plain text.
NOT_JSON = {("GET", "/api/v1/projects/{project_id}/connector/logs/{log_id}")}


def test_client_types_are_generated_from_the_core_models():
    assert typegen.TARGET == CLIENT / "types.py"
    assert typegen.TARGET.read_text() == typegen.render(), (
        "client/types.py is stale: run `python -m plandesk.core.typegen --write` and commit it"
    )


def test_client_types_say_they_are_generated():
    assert "do not edit" in typegen.TARGET.read_text().split('"""')[1]


def test_each_client_type_names_its_models_fields_and_extends_the_type_its_model_extends():
    """DocumentDetail extends Document as the models do, so it names only what it adds, yet has every field."""
    from plandesk.client import types
    from plandesk.core import models

    for model in models.CLIENT_TYPES:
        typed = getattr(types, model.__name__)
        assert typed.__required_keys__ | typed.__optional_keys__ == set(model.model_fields), model.__name__
    classes = {c.name: c for c in ast.parse(typegen.TARGET.read_text()).body if isinstance(c, ast.ClassDef)}
    own = [ast.unparse(a.target) for a in classes["DocumentDetail"].body if isinstance(a, ast.AnnAssign)]
    assert [ast.unparse(b) for b in classes["DocumentDetail"].bases] == ["Document"]
    assert own == ["links", "backlinks", "children"]
    assert [ast.unparse(b) for b in classes["ClaimRefusal"].bases] == ["Problem"]


def test_each_argument_type_is_its_input_models_fields_all_optional_and_the_clients_methods_take_it():
    import inspect

    from plandesk.client import AsyncPlanDeskClient, PlanDeskClient, types
    from plandesk.core import models

    for name, model, positional in models.CLIENT_ARGUMENTS:
        typed = getattr(types, name)
        assert typed.__required_keys__ == frozenset(), name
        assert typed.__optional_keys__ == set(model.model_fields) - set(positional), name
    unpacked = {f"Unpack[{name}]" for name, _, _ in models.CLIENT_ARGUMENTS}
    for client in (AsyncPlanDeskClient, PlanDeskClient):
        taken = {
            method_name: str(param.annotation)
            for method_name, method in inspect.getmembers(client, inspect.isfunction)
            for param in inspect.signature(method).parameters.values()
            if param.kind is param.VAR_KEYWORD and str(param.annotation) in unpacked
        }
        assert taken == {
            "create_task": "Unpack[NewTaskFields]",
            "update_task": "Unpack[TaskChanges]",
            "create_edge": "Unpack[NewEdgeFields]",
            "create_document": "Unpack[NewDocumentFields]",
        }, client.__name__


def test_the_generated_types_import_nothing_of_plan_desk():
    """client/types.py is a standalone copy: the client package may not import the core (layering rule)."""
    tree = ast.parse(typegen.TARGET.read_text())
    modules = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert [m for m in modules if m and m.startswith("plandesk")] == []


@pytest.fixture(scope="module")
def openapi(tmp_path_factory) -> dict:
    app = create_app(load_settings(data_dir=tmp_path_factory.mktemp("openapi")))
    return fastapi_of(app).openapi()


def test_the_openapi_document_says_search_needs_q(openapi):
    params = {p["name"]: p for p in openapi["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert params["q"]["required"] is True


def _described(schema: dict, spec: dict) -> bool:
    """A schema that says something: a named model, an object with properties, or an array of those."""
    if "$ref" in schema:
        return True
    if schema.get("properties"):
        return True
    if "items" in schema:
        return _described(schema["items"], spec)
    return any(_described(s, spec) for s in schema.get("anyOf", []))


def test_the_openapi_document_describes_every_json_answer(openapi):
    operations = [
        (method.upper(), path, op) for path, item in openapi["paths"].items() for method, op in item.items()
    ]
    assert len(operations) > 90
    undescribed = []
    for method, path, op in operations:
        for status, response in op["responses"].items():
            if not status.startswith("2") or status == "204" or (method, path) in NOT_JSON:
                continue
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            if not _described(schema, openapi):
                undescribed.append(f"{method} {path} {status}")
    assert undescribed == []


def test_the_allow_list_names_only_routes_that_exist(openapi):
    for method, path in NOT_JSON:
        assert method.lower() in openapi["paths"][path]


def test_list_answers_share_the_one_list_shape(openapi):
    schemas = openapi["components"]["schemas"]
    pages = [name for name in schemas if name.startswith("Page_")]
    assert "Page_Task_" in pages
    for name in pages:
        assert set(schemas[name]["required"]) == {"items", "total", "next_cursor"}


def test_a_token_answer_never_describes_the_secret_hash(openapi):
    schemas = openapi["components"]["schemas"]
    for name in ("Token", "NewToken"):
        assert not [p for p in schemas[name]["properties"] if "hash" in p]


def test_every_problem_answer_is_described_by_the_core_problem_model(openapi):
    from plandesk.core.models import Problem

    assert openapi["components"]["schemas"]["Problem"] == Problem.model_json_schema()
    claim = openapi["paths"]["/api/v1/tasks/{task_id}/claim"]["post"]["responses"]["409"]["content"]
    assert claim["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/ClaimRefusal"}
