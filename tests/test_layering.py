"""The arrows go one way: adapters → core → db. The core and db import no adapter and no web/MCP stack."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "plandesk"
FORBIDDEN = (
    "plandesk.api",
    "plandesk.mcp",
    "plandesk.web",
    "plandesk.cli",
    "plandesk.connector",
    "plandesk.agents",
    "plandesk.client",
    "fastapi",
    "starlette",
    "mcp",
    "typer",
    "jinja2",
    "uvicorn",
)


def _imports(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


@pytest.mark.parametrize("package", ["core", "db"])
def test_the_core_and_db_import_no_adapter(package):
    offenders = []
    for path in sorted((SRC / package).rglob("*.py")):
        for name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN):
                offenders.append(f"{path.relative_to(SRC)} imports {name}")
    assert not offenders, offenders
