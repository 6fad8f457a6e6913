"""What each agent client needs to reach Plan Desk: .mcp.json, Cursor, VS Code and Codex entries."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from plandesk.agents.bound_repo import TOKEN_ENV, TOKEN_FILE

SERVER_NAME = "plandesk"
AGENTS = ("claude", "codex", "cursor", "vscode")
VSCODE_INPUT_ID = "plandesk-token"


HEADERS_HELPER = "plandesk token-header"


def headers_helper_command() -> str:
    """The headersHelper line, found through PATH: .mcp.json is committed, so it must name nothing of this
    machine (no interpreter or venv path) and work for every teammate who installed Plan Desk.

    The client runs it from the repository (or a folder below it); it reads the nearest .plandesk/token,
    or $PLANDESK_MCP_TOKEN when that is set.
    """
    return HEADERS_HELPER


def claude_entry(mcp_url: str) -> dict[str, Any]:
    return {"type": "http", "url": mcp_url, "headersHelper": headers_helper_command()}


def cursor_entry(mcp_url: str) -> dict[str, Any]:
    # Cursor has no headers helper; it expands ${env:…}, which keeps the secret out of a committed file.
    return {"url": mcp_url, "headers": {"Authorization": f"Bearer ${{env:{TOKEN_ENV}}}"}}


def vscode_entry(mcp_url: str) -> dict[str, Any]:
    # VS Code prompts once for an input marked password and keeps it in its secret storage.
    return {
        "type": "http",
        "url": mcp_url,
        "headers": {"Authorization": f"Bearer ${{input:{VSCODE_INPUT_ID}}}"},
    }


VSCODE_INPUT = {
    "id": VSCODE_INPUT_ID,
    "type": "promptString",
    "password": True,
    "description": f"Plan Desk token (the contents of {TOKEN_FILE})",
}


def codex_instructions(mcp_url: str, repo: Path) -> str:
    """Codex keeps MCP servers in ~/.codex/config.toml (outside the repo), so connect prints, never writes."""
    token_path = shlex.quote(str(repo / TOKEN_FILE))
    return "\n".join(
        [
            "Codex: add the server once (it reads the token from the environment):",
            f"  codex mcp add {SERVER_NAME} --url {mcp_url} --bearer-token-env-var {TOKEN_ENV}",
            "or put this in ~/.codex/config.toml:",
            f"  [mcp_servers.{SERVER_NAME}]",
            f"  url = {json.dumps(mcp_url)}",
            f"  bearer_token_env_var = {json.dumps(TOKEN_ENV)}",
            "and start Codex with the token in its environment:",
            f"  {TOKEN_ENV}=$(cat {token_path}) codex",
        ]
    )


class ConfigFileError(ValueError):
    """An agent config file we would have to rewrite blindly: not JSON, or not the shape clients expect."""


def _load_json(text: str | None, where: str) -> dict[str, Any]:
    if not text or not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigFileError(
            f"{where} is not valid JSON ({exc.msg} at line {exc.lineno}); fix it by hand, "
            "then run the command again"
        ) from exc
    if not isinstance(data, dict):
        raise ConfigFileError(f"{where} must hold a JSON object")
    return data


def dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2) + "\n"


def with_server(
    text: str | None, where: str, key: str, entry: dict[str, Any], inputs: list[dict[str, Any]] | None = None
) -> str:
    """The file's JSON with our server entry set under `key`; every other server and setting is kept."""
    data = _load_json(text, where)
    servers = data.get(key)
    if servers is None:
        servers = data[key] = {}
    if not isinstance(servers, dict):
        raise ConfigFileError(f"{where}: {key!r} must be a JSON object")
    servers[SERVER_NAME] = entry
    for item in inputs or []:
        existing = data.setdefault("inputs", [])
        if not isinstance(existing, list):
            raise ConfigFileError(f"{where}: 'inputs' must be a JSON list")
        data["inputs"] = [i for i in existing if not (isinstance(i, dict) and i.get("id") == item["id"])] + [
            item
        ]
    return dump(data)


def without_server(text: str | None, where: str, key: str, input_id: str | None = None) -> str | None:
    """The file's JSON without our entry; None when nothing else is left (the file can go)."""
    data = _load_json(text, where)
    servers = data.get(key)
    if isinstance(servers, dict):
        servers.pop(SERVER_NAME, None)
        if not servers:
            del data[key]
    if input_id and isinstance(data.get("inputs"), list):
        data["inputs"] = [i for i in data["inputs"] if not (isinstance(i, dict) and i.get("id") == input_id)]
        if not data["inputs"]:
            del data["inputs"]
    return dump(data) if data else None


def server_entry(text: str | None, where: str, key: str = "mcpServers") -> dict[str, Any] | None:
    try:
        data = _load_json(text, where)
    except ValueError:
        return None
    servers = data.get(key)
    entry = servers.get(SERVER_NAME) if isinstance(servers, dict) else None
    return entry if isinstance(entry, dict) else None
