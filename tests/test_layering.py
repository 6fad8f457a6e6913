"""The arrows go one way: adapters → core → db. The core and db import no adapter and no web/MCP stack."""

from __future__ import annotations

import ast
import sys
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
    return _imports_of(ast.parse(path.read_text(), filename=str(path)))


def _imports_of(node: ast.AST):
    """The absolute module names imported anywhere below `node` (inside functions and `try:` too)."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Import):
            yield from (alias.name for alias in sub.names)
        elif isinstance(sub, ast.ImportFrom) and sub.module and sub.level == 0:
            yield sub.module


@pytest.mark.parametrize("package", ["core", "db"])
def test_the_core_and_db_import_no_adapter(package):
    offenders = []
    for path in sorted((SRC / package).rglob("*.py")):
        for name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN):
                offenders.append(f"{path.relative_to(SRC)} imports {name}")
    assert not offenders, offenders


ADAPTERS = ("api", "mcp", "web", "cli", "connector", "agents", "client")


def _offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((SRC / package).rglob("*.py")):
        for name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(SRC)} imports {name}")
    return found


@pytest.mark.parametrize("package", ADAPTERS)
def test_adapters_reach_the_tables_only_through_core_services(package):
    """An adapter that queries the tables holds a rule the other adapters then lack: it asks the core."""
    offenders = _offenders(package, ("plandesk.db.schema",))
    assert not offenders, offenders


def test_db_imports_nothing_from_the_core():
    """db is below the core: it knows tables, engines and migrations, not error codes or rules."""
    offenders = _offenders("db", ("plandesk.core",))
    assert not offenders, offenders


def test_the_client_imports_nothing_from_the_server_side():
    """The client ships to scripts that talk to a server over MCP: none of the server's layers come along."""
    server_side = tuple(
        f"plandesk.{p}" for p in ("core", "db", "agents", "api", "mcp", "web", "cli", "connector")
    )
    offenders = _offenders("client", server_side)
    assert not offenders, offenders


def test_the_layering_check_sees_imports_inside_functions(tmp_path, monkeypatch):
    """A late `from plandesk.db.schema import x` inside a function counts as much as one at the top."""
    package = tmp_path / "probe"
    package.mkdir()
    (package / "late.py").write_text("def f():\n    from plandesk.db.schema import users\n    return users\n")
    monkeypatch.setattr(sys.modules[__name__], "SRC", tmp_path)
    assert _offenders("probe", ("plandesk.db.schema",)) == ["probe/late.py imports plandesk.db.schema"]


# A guard that swallows an ImportError ships a server without whatever failed to import. The one kept: a
# module of the standard library that one platform lacks (fcntl on Windows), whose absence the code handles.
IMPORT_GUARDS_ALLOWED = {"core/backup.py": {"fcntl"}}


def _guarded_imports(path: Path) -> set[str]:
    """The modules imported inside a `try:` whose handler catches ImportError (or ModuleNotFoundError)."""
    guarded: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(node, ast.Try):
            continue
        caught = {
            name.id
            for handler in node.handlers
            if handler.type is not None
            for name in ast.walk(handler.type)
            if isinstance(name, ast.Name)
        }
        if caught & {"ImportError", "ModuleNotFoundError"}:
            for stmt in node.body:
                guarded.update(_imports_of(stmt))
    return guarded


def test_no_import_is_guarded_but_a_platform_module():
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = str(path.relative_to(SRC))
        extra = _guarded_imports(path) - IMPORT_GUARDS_ALLOWED.get(rel, set())
        if extra:
            found[rel] = sorted(extra)
    assert found == {}


def test_the_import_guard_check_sees_a_guard(tmp_path):
    probe = tmp_path / "guarded.py"
    probe.write_text(
        "try:\n    from plandesk.mcp import endpoint\nexcept ImportError:\n    endpoint = None\n"
    )
    assert _guarded_imports(probe) == {"plandesk.mcp"}
