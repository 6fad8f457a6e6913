"""The MCP layer stands on the SDK's public API only: an SDK-internal module it imported could change under it
in any minor release (the old endpoint subclassed mcpserver's FuncMetadata)."""

from __future__ import annotations

import ast
from pathlib import Path

import plandesk.mcp

MCP_PACKAGE = Path(plandesk.mcp.__file__).parent


def _sdk_imports() -> list[tuple[str, str]]:
    found = []
    for path in sorted(MCP_PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.split(".")[0] in ("mcp", "mcp_types")
            ):
                found += [(path.name, f"{node.module}.{alias.name}") for alias in node.names]
            elif isinstance(node, ast.Import):
                found += [
                    (path.name, alias.name) for alias in node.names if alias.name.split(".")[0] == "mcp"
                ]
    return found


def test_the_mcp_layer_imports_no_sdk_internal_module_or_private_name():
    internal = [
        (where, name)
        for where, name in _sdk_imports()
        if any(part.startswith("_") or part in ("utilities", "mcpserver") for part in name.split("."))
    ]
    assert internal == []
