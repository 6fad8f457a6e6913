"""`plandesk doctor --repo`: is a connected repository's binding, server, token and git hygiene sound?"""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys
from pathlib import Path

from plandesk.settings import Settings


def _add(
    report: dict, name: str, ok: bool, detail: str, status_if_bad: int = 1, fault: str | None = None
) -> None:
    check = {"name": name, "ok": ok, "detail": detail}
    if not ok and fault:
        check["fault"] = fault
    report["checks"].append(check)
    if not ok:
        report["status"] = max(report["status"], status_if_bad)


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=30, check=False
    )


def _check_git(report: dict, root: Path, token_rel: str) -> None:
    try:
        inside = _git(root, "rev-parse", "--is-inside-work-tree")
    except (OSError, subprocess.TimeoutExpired):
        _add(report, "repo git", True, "git is not installed; nothing to check")
        return
    if inside.returncode != 0:
        _add(report, "repo git", True, "not a git repository; nothing to check")
        return
    tracked = _git(root, "ls-files", "--error-unmatch", "--", token_rel).returncode == 0
    if tracked:
        _add(
            report,
            "repo git",
            False,
            f"token file tracked by git: {token_rel} is committed or staged; run "
            f"`git rm --cached {token_rel}`, then rotate the token (plandesk token rotate)",
            fault="token_tracked",
        )
        return
    ignored = _git(root, "check-ignore", "-q", "--", token_rel).returncode == 0
    _add(
        report,
        "repo git",
        ignored,
        f"{token_rel} is ignored and not tracked"
        if ignored
        else f"{token_rel} is not ignored by git; add it to .gitignore (plandesk connect does)",
        fault="token_not_ignored",
    )


def _check_command(report: dict) -> None:
    """The files `connect` writes run `plandesk` through PATH (AGENTS.md: `plandesk context --json`, the hooks,
    .mcp.json's headersHelper `plandesk token-header`): a venv that is not active leaves all of them broken."""
    found = shutil.which("plandesk")
    if found:
        _add(report, "repo plandesk command", True, f"plandesk on PATH is {found}")
        return
    bin_dir = Path(sys.executable).parent
    if (bin_dir / "plandesk").is_file():
        fix = (
            f"activate its venv (source {bin_dir / 'activate'}), add {bin_dir} to PATH in your shell's "
            f"profile, or link the command: ln -s {bin_dir / 'plandesk'} ~/.local/bin/plandesk"
        )
    else:
        fix = "install Plan Desk as a command (pipx install plandesk, or uv tool install plandesk)"
    _add(
        report,
        "repo plandesk command",
        False,
        "plandesk is not on PATH: the agent files connect wrote run `plandesk context --json` and "
        f"`plandesk token-header`, which fail in the agent's shell; {fix}",
        fault="plandesk_not_on_path",
    )


def _server_answers(url: str) -> tuple[bool, str]:
    import httpx2

    try:
        r = httpx2.get(url.rstrip("/") + "/api/v1/health", timeout=5)
    except httpx2.HTTPError as exc:
        return (
            False,
            f"server down: nothing answers at {url} ({type(exc).__name__}); start it with plandesk serve",
        )
    if r.status_code != 200:
        return False, f"server at {url} answered {r.status_code} on /api/v1/health"
    return True, f"reachable at {url}"


def check_repo(report: dict, settings: Settings, repo_dir: str | Path) -> None:
    """Append the repository checks to a doctor report and raise its status (0 ok, 1 unhealthy, 2 corrupt)."""
    from plandesk.agents import bound_repo

    start = Path(repo_dir).expanduser()
    try:
        bound = bound_repo.load(start)
    except bound_repo.BindingError as exc:
        _add(
            report,
            "repo binding",
            False,
            exc.message,
            2 if exc.corrupt else 1,
            fault="binding_corrupt" if exc.corrupt else "not_connected",
        )
        return
    _add(report, "repo binding", True, f"{bound.root} → project {bound.project_id} at {bound.server_url}")
    _check_command(report)
    try:
        token, source = bound_repo.token_for(bound.root)
    except bound_repo.BindingError as exc:
        _add(report, "repo token", False, exc.message, fault="no_token")
        token, source = None, None
    token_path = bound.root / bound_repo.TOKEN_FILE
    if token_path.is_file():
        mode = stat.S_IMODE(token_path.stat().st_mode)
        _add(
            report,
            "repo token file",
            mode & 0o077 == 0,
            f"{bound_repo.TOKEN_FILE} mode {mode:o}"
            + ("" if mode & 0o077 == 0 else f"; others can read it: chmod 600 {token_path}"),
            fault="token_readable",
        )
    report["repo"] = {
        "root": str(bound.root),
        "serverUrl": {"value": bound.server_url, "source": bound_repo.CONFIG_FILE},
        "projectId": {"value": bound.project_id, "source": bound_repo.CONFIG_FILE},
        "token": {"value": bound_repo.redact(token) if token else None, "source": source},
    }
    _add(
        report,
        "repo settings",
        True,
        f"serverUrl={bound.server_url} (from {bound_repo.CONFIG_FILE}), "
        f"token={bound_repo.redact(token) if token else 'none'} (from {source or 'nowhere'})",
    )
    up, detail = _server_answers(bound.server_url)
    _add(report, "repo server", up, detail, fault="server_down")
    if up and token:
        # The SDK client is imported here, not at module level: the core itself never speaks MCP.
        from plandesk.client.probe import probe

        result = probe(bound.server_url, token, bound.project_id)
        if result.ok:
            _add(
                report,
                "repo mcp",
                True,
                f"{result.detail} (protocol {result.protocol_version}): {', '.join(result.tools)}",
            )
            report["repo"]["tool_count"] = result.tool_count
            report["repo"]["tools"] = result.tools
            ok = result.project_error is None
            _add(
                report,
                "repo project",
                ok,
                f"project {result.project_name!r} is visible to the token"
                if ok
                else f"the token cannot read project {bound.project_id}: {result.project_error}; run plandesk connect "
                "--project …",
                fault="project_missing",
            )
        else:
            words = {
                "token_revoked": "token revoked",
                "token_expired": "token expired",
                "token_invalid": "token invalid (unknown or rotated)",
                "no_token": "no token sent",
                "server_down": "server down",
            }.get(result.fault or "", "MCP failed")
            _add(
                report,
                "repo mcp",
                False,
                f"{words}: {result.detail}; run plandesk connect again to mint a new token"
                if result.fault and result.fault.startswith("token")
                else f"{words}: {result.detail}",
                fault=result.fault,
            )
    _check_git(report, bound.root, bound_repo.TOKEN_FILE)
