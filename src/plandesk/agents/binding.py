"""The files `plandesk connect` writes into a repository and `plandesk disconnect` takes out again."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from plandesk.agents import client_entries, sentinel_blocks, skill
from plandesk.agents.bound_repo import CONFIG_FILE, SKILL_FILE, STATE_DIR, TOKEN_FILE
from plandesk.agents.sentinel_blocks import GITIGNORE, MARKDOWN

WORKTREES_DIR = f"{STATE_DIR}/worktrees"
RUNNER_DIR = f"{STATE_DIR}/runner"
CLAUDE_INCLUDE = f"@{SKILL_FILE}"
# What is this machine's, never the team's: the token, and the binding to a project id of this machine's
# workspace (a teammate's connect writes their own). The skill, .mcp.json, CLAUDE.md and AGENTS.md are shared.
GITIGNORE_BODY = "\n".join([TOKEN_FILE, CONFIG_FILE, f"{WORKTREES_DIR}/", f"{RUNNER_DIR}/"])


class BindingRefused(Exception):
    """A directory connect must not write into, or a file whose content it cannot safely edit."""


@dataclass
class FileChange:
    rel: str
    before: str | None
    after: str | None  # None: the file goes
    mode: int | None = None
    secret: bool = False

    @property
    def action(self) -> str:
        if self.after is None:
            return "unchanged" if self.before is None else "delete"
        if self.before is None:
            return "create"
        return "unchanged" if self.before == self.after else "update"


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as exc:
        raise BindingRefused(f"{path} is not UTF-8 text; connect will not edit it") from exc


def refuse_unsafe(repo: Path, data_dir: Path | None = None) -> None:
    """Connect writes agent config; in a home, root or workspace folder it would reach every project below."""
    repo = repo.resolve()
    if not repo.is_dir():
        raise BindingRefused(f"{repo} is not a directory")
    home = Path.home().resolve()
    if repo == home or repo in home.parents or repo == Path(repo.anchor):
        raise BindingRefused(
            f"{repo} is your home directory (or above it); connect a repository folder instead"
        )
    if data_dir is not None and repo == data_dir.resolve():
        raise BindingRefused(f"{repo} is the Plan Desk workspace folder; connect a repository folder instead")


def shadowing_configs(repo: Path) -> list[Path]:
    """Ancestor .mcp.json files that also define `plandesk`: a client started there would use theirs."""
    found = []
    for parent in repo.resolve().parents:
        candidate = parent / ".mcp.json"
        if candidate.is_file():
            try:
                text = candidate.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if client_entries.server_entry(text, str(candidate)) is not None:
                found.append(candidate)
    return found


def _markdown_file(repo: Path, rel: str, body: str, adopt_line: str | None = None) -> FileChange:
    before = _read(repo / rel)
    text = before or ""
    try:
        if (
            adopt_line
            and not sentinel_blocks.contains(text, MARKDOWN, where=rel)
            and any(line.strip() == adopt_line for line in text.splitlines())
        ):
            return FileChange(rel, before, before)  # a hand-written include already does the job
        return FileChange(rel, before, sentinel_blocks.upsert(text, MARKDOWN, body, where=rel))
    except sentinel_blocks.SentinelError as exc:
        raise BindingRefused(str(exc)) from exc


def _json_file(repo: Path, rel: str, key: str, entry: dict, inputs: list | None = None) -> FileChange:
    before = _read(repo / rel)
    try:
        return FileChange(rel, before, client_entries.with_server(before, rel, key, entry, inputs))
    except ValueError as exc:
        raise BindingRefused(str(exc)) from exc


def connect_changes(
    repo: Path, *, server_url: str, project_id: str, token: str, agents: set[str]
) -> list[FileChange]:
    """Every file connect would write, with its content before and after (nothing is touched here)."""
    from plandesk.agents.bound_repo import mcp_url_of

    mcp_url = mcp_url_of(server_url)
    config = json.dumps({"serverUrl": server_url.rstrip("/"), "projectId": project_id}, indent=2) + "\n"
    gitignore = _read(repo / ".gitignore") or ""
    try:
        gitignore_after = sentinel_blocks.upsert(gitignore, GITIGNORE, GITIGNORE_BODY, where=".gitignore")
    except sentinel_blocks.SentinelError as exc:
        raise BindingRefused(str(exc)) from exc
    changes = [
        FileChange(TOKEN_FILE, _read(repo / TOKEN_FILE), token + "\n", mode=0o600, secret=True),
        FileChange(CONFIG_FILE, _read(repo / CONFIG_FILE), config),
        FileChange(SKILL_FILE, _read(repo / SKILL_FILE), skill.skill_markdown()),
        FileChange(".gitignore", gitignore or None, gitignore_after),
        _json_file(repo, ".mcp.json", "mcpServers", client_entries.claude_entry(mcp_url)),
        _markdown_file(
            repo,
            "CLAUDE.md",
            f"Plan Desk conventions for this repository (written by plandesk connect):\n{CLAUDE_INCLUDE}",
            adopt_line=CLAUDE_INCLUDE,
        ),
        # Codex does not follow @imports, so AGENTS.md carries the skill itself.
        _markdown_file(repo, "AGENTS.md", skill.skill_body()),
    ]
    if "cursor" in agents:
        changes.append(
            _json_file(repo, ".cursor/mcp.json", "mcpServers", client_entries.cursor_entry(mcp_url))
        )
    if "vscode" in agents:
        changes.append(
            _json_file(
                repo,
                ".vscode/mcp.json",
                "servers",
                client_entries.vscode_entry(mcp_url),
                [client_entries.VSCODE_INPUT],
            )
        )
    return changes


def _strip_markdown(repo: Path, rel: str) -> FileChange:
    before = _read(repo / rel)
    if before is None:
        return FileChange(rel, None, None)
    try:
        after = sentinel_blocks.remove(before, MARKDOWN, where=rel)
    except sentinel_blocks.SentinelError as exc:
        raise BindingRefused(str(exc)) from exc
    return FileChange(rel, before, after or None)


def _strip_json(repo: Path, rel: str, key: str, input_id: str | None = None) -> FileChange:
    before = _read(repo / rel)
    if before is None:
        return FileChange(rel, None, None)
    try:
        return FileChange(rel, before, client_entries.without_server(before, rel, key, input_id))
    except ValueError as exc:
        raise BindingRefused(str(exc)) from exc


def disconnect_changes(repo: Path) -> list[FileChange]:
    gitignore = _read(repo / ".gitignore")
    try:
        gitignore_after = (
            sentinel_blocks.remove(gitignore, GITIGNORE, where=".gitignore") if gitignore else None
        )
    except sentinel_blocks.SentinelError as exc:
        raise BindingRefused(str(exc)) from exc
    changes = [
        FileChange(rel, _read(repo / rel), None, secret=rel == TOKEN_FILE)
        for rel in (TOKEN_FILE, CONFIG_FILE, SKILL_FILE)
    ]
    changes += [
        FileChange(".gitignore", gitignore, gitignore_after or None),
        _strip_json(repo, ".mcp.json", "mcpServers"),
        _strip_markdown(repo, "CLAUDE.md"),
        _strip_markdown(repo, "AGENTS.md"),
        _strip_json(repo, ".cursor/mcp.json", "mcpServers"),
        _strip_json(repo, ".vscode/mcp.json", "servers", client_entries.VSCODE_INPUT_ID),
    ]
    return [c for c in changes if c.action != "unchanged"]


def _write(path: Path, text: str, mode: int | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename over it: a crash leaves the old file or the new one, never half.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        if mode is not None:
            os.chmod(tmp, mode)
        elif path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def apply(repo: Path, changes: list[FileChange]) -> list[FileChange]:
    """Write what differs; leave identical files alone (same bytes, same mtime). Returns what changed."""
    done = []
    for change in changes:
        path = repo / change.rel
        if change.action == "unchanged":
            if change.mode is not None and path.exists() and path.stat().st_mode & 0o777 != change.mode:
                os.chmod(path, change.mode)
            continue
        if change.after is None:
            path.unlink(missing_ok=True)
        else:
            _write(path, change.after, change.mode)
        done.append(change)
    emptied = {c.rel.split("/")[0] for c in done if c.after is None and "/" in c.rel}
    for rel in emptied:
        folder = repo / rel
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()  # only folders this run emptied; anything someone else put there keeps them
    return done


def describe(change: FileChange) -> str:
    """A --print rendering of one change; a secret's value is never shown."""
    head = f"--- {change.rel} ({change.action}{', mode 600' if change.mode == 0o600 else ''})"
    if change.action in ("unchanged", "delete"):
        return head
    if change.secret:
        return head + "\n<the token, written with mode 600 and ignored by git>"
    return head + "\n" + (change.after or "").rstrip("\n")
