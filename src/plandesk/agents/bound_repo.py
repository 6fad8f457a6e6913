"""A repository bound by `plandesk connect`: where its .plandesk/ is, its project, server URL and token."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

# The client reads these; the binding writes them (kept importable from here for the agent tooling).
from plandesk.client.endpoint import TOKEN_ENV, URL_ENV, mcp_url_of  # noqa: F401

STATE_DIR = ".plandesk"
CONFIG_FILE = f"{STATE_DIR}/config.json"
TOKEN_FILE = f"{STATE_DIR}/token"
SKILL_FILE = f"{STATE_DIR}/skill.md"


class BindingError(Exception):
    """The repository is not bound (`corrupt` False) or its binding cannot be read (`corrupt` True)."""

    def __init__(self, message: str, *, corrupt: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.corrupt = corrupt


@dataclass(frozen=True)
class BoundRepo:
    root: Path
    server_url: str
    project_id: str

    @property
    def mcp_url(self) -> str:
        return mcp_url_of(self.server_url)

    @property
    def token_path(self) -> Path:
        return self.root / TOKEN_FILE


def origin_of(url: str) -> str:
    base = url.split("?", 1)[0].rstrip("/")
    return base.removesuffix("/mcp")


def find_root(start: Path, marker: str = CONFIG_FILE) -> Path | None:
    """The nearest directory at or above `start` holding `marker` (git worktrees inside the repo find it too)."""
    here = start.resolve()
    for candidate in (here, *here.parents):
        if (candidate / marker).is_file():
            return candidate
    return None


def load(start: Path, *, search_up: bool = True) -> BoundRepo:
    root = find_root(start) if search_up else (start.resolve() if (start / CONFIG_FILE).is_file() else None)
    if root is None:
        raise BindingError(f"{start} is not connected to Plan Desk (no {CONFIG_FILE}); run plandesk connect")
    path = root / CONFIG_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BindingError(f"{path} cannot be read: {exc}", corrupt=True) from exc
    if not isinstance(data, dict):
        raise BindingError(f"{path} must hold a JSON object", corrupt=True)
    url, pid = data.get("serverUrl"), data.get("projectId")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise BindingError(f"{path}: serverUrl must be an http(s) URL", corrupt=True)
    if not isinstance(pid, str) or not pid.strip():
        raise BindingError(f"{path}: projectId is missing", corrupt=True)
    return BoundRepo(root=root, server_url=url.rstrip("/"), project_id=pid.strip())


def read_token_file(root: Path) -> str | None:
    try:
        raw = (root / TOKEN_FILE).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return raw or None


def token_for(start: Path) -> tuple[str, str]:
    """(raw token, where it came from): $PLANDESK_MCP_TOKEN wins over the nearest .plandesk/token."""
    env = os.environ.get(TOKEN_ENV, "").strip()
    if env:
        return env, f"env {TOKEN_ENV}"
    root = find_root(start, TOKEN_FILE)
    raw = read_token_file(root) if root else None
    if root is None or raw is None:
        raise BindingError(f"no token: set {TOKEN_ENV} or run plandesk connect (it writes {TOKEN_FILE})")
    return raw, str(root / TOKEN_FILE)


def redact(raw: str) -> str:
    """What may be shown of a token: its public prefix, as `plandesk token list` shows it."""
    from plandesk.core.tokens import PREFIX

    return raw[: len(PREFIX) + 6] + "…" if raw.startswith(PREFIX) else "…"


def agent_ref_for(root: Path, raw_token: str) -> str:
    """A stable agent_ref for claims made with this repo's token, so `plandesk context` can find them again."""
    from plandesk.core.tokens import PREFIX

    tail = raw_token[len(PREFIX) : len(PREFIX) + 6] if raw_token.startswith(PREFIX) else "local"
    return f"{root.name[:80] or 'repo'}@{tail}"


def authorization_header(start: Path) -> dict[str, str]:
    """The JSON a headersHelper prints: {"Authorization": "Bearer …"}."""
    raw, _ = token_for(start)
    return {"Authorization": f"Bearer {raw}"}
