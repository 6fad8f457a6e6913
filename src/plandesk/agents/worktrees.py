"""One git worktree and branch per task the runner works, so workers never share a working tree."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path

from plandesk.agents.binding import WORKTREES_DIR


class GitError(RuntimeError):
    pass


@dataclass(frozen=True)
class Worktree:
    path: Path
    branch: str
    base_sha: str


async def git(repo: Path, *args: str, check: bool = True) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        "git",
        "-C",
        str(repo),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        stdin=asyncio.subprocess.DEVNULL,
    )
    out, _ = await proc.communicate()
    text = out.decode("utf-8", errors="replace").strip()
    if check and proc.returncode != 0:
        raise GitError(f"git {' '.join(args)} failed ({proc.returncode}): {text[-500:]}")
    return proc.returncode or 0, text


async def is_repository(path: Path) -> bool:
    try:
        code, _ = await git(path, "rev-parse", "--git-dir", check=False)
    except OSError:
        return False
    return code == 0


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:40] or "task"


class Worktrees:
    """Serialises `git worktree` calls: git takes repository-wide locks that concurrent adds trip over."""

    def __init__(self, repo: Path, base_ref: str = "HEAD") -> None:
        self.repo = repo
        self.base_ref = base_ref
        self._lock = asyncio.Lock()

    async def create(self, task_id: str, label: str) -> Worktree:
        async with self._lock:
            _, base_sha = await git(self.repo, "rev-parse", "--verify", f"{self.base_ref}^{{commit}}")
            stem = f"{task_id[:8]}-{_slug(label)}"
            for attempt in range(1, 100):
                name = stem if attempt == 1 else f"{stem}-{attempt}"
                path = self.repo / WORKTREES_DIR / name
                branch = f"plandesk/{name}"
                code, _ = await git(
                    self.repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", check=False
                )
                # An earlier attempt's branch and tree are kept for a person to look at; take the next name.
                if code != 0 and not path.exists():
                    await git(self.repo, "worktree", "add", "-b", branch, str(path), base_sha)
                    return Worktree(path, branch, base_sha)
            raise GitError(f"no free worktree name for task {task_id}")

    async def head(self, tree: Worktree) -> str:
        _, sha = await git(tree.path, "rev-parse", "HEAD")
        return sha

    async def remove_if_clean(self, tree: Worktree) -> bool:
        """Remove the working tree when nothing is uncommitted; the branch (and its commits) stays."""
        async with self._lock:
            code, status = await git(tree.path, "status", "--porcelain", check=False)
            if code != 0 or status:
                return False
            code, _ = await git(self.repo, "worktree", "remove", str(tree.path), check=False)
            return code == 0
