"""The connector's tools on a real tree and repository: search honours .gitignore and caps, file edits answer
with diffs, git never runs hooks or takes options from user values, recipes keep their logs."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from connector_fixtures import git_repository

from plandesk.connector import files, git, recipes, search
from plandesk.connector.paths import CodeRoot
from plandesk.core.errors import PlanDeskError


@pytest.fixture
def repo(tmp_path: Path) -> CodeRoot:
    return CodeRoot(str(git_repository(tmp_path / "repo")))


def test_search_skips_what_gitignore_ignores_unless_asked(repo: CodeRoot):
    root = Path(repo.path)
    (root / "build").mkdir()
    (root / "build" / "gen.py").write_text("needle = 1\n")
    (root / "run.log").write_text("needle in a log\n")
    (root / "src" / "keep.py").write_text("needle = 2\n")
    (root / "src" / ".gitignore").write_text("*.py\n!keep.py\n")
    (root / "src" / "other.py").write_text("needle = 3\n")
    found = search.grep(repo, "needle")
    assert [m["path"] for m in found["matches"]] == ["src/keep.py"]
    everything = search.grep(repo, "needle", include_ignored=True)
    assert {m["path"] for m in everything["matches"]} == {
        "build/gen.py",
        "run.log",
        "src/keep.py",
        "src/other.py",
    }


def test_grep_gives_line_numbers_and_context(repo: CodeRoot):
    found = search.grep(repo, "return", context_lines=1)
    assert found["matches"] == [
        {
            "path": "src/app.py",
            "line": 2,
            "text": "    return f'hello {name}'",
            "before": ["def greet(name):"],
            "after": [],
        }
    ]


def test_results_are_capped_and_say_so(repo: CodeRoot):
    root = Path(repo.path)
    for i in range(30):
        (root / f"f{i:02}.txt").write_text("hit\n")
    found = search.grep(repo, "hit", max_results=10, literal=True)
    assert found["count"] == 10
    assert found["truncated"] is True
    files_found = search.find_files(repo, "*.txt", max_results=5)
    assert files_found["files"] == ["f00.txt", "f01.txt", "f02.txt", "f03.txt", "f04.txt"]
    assert files_found["truncated"] is True


def test_globs_match_names_or_paths(repo: CodeRoot):
    assert search.find_files(repo, "*.py")["files"] == ["src/app.py"]
    assert search.find_files(repo, "src/**")["files"] == ["src/app.py"]
    assert search.find_files(repo, "**/README.md")["files"] == ["README.md"]


def test_a_bad_regular_expression_is_an_invalid_argument(repo: CodeRoot):
    with pytest.raises(PlanDeskError) as caught:
        search.grep(repo, "(unclosed")
    assert caught.value.code == "invalid_argument"
    assert caught.value.field == "query"


def test_search_does_not_follow_links_or_enter_git(repo: CodeRoot, tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("needle outside\n")
    os.symlink(outside, Path(repo.path) / "out")
    assert search.grep(repo, "needle", include_ignored=True)["matches"] == []
    assert search.grep(repo, "repositoryformatversion", include_ignored=True)["matches"] == []


def test_read_a_line_range_and_learn_where_to_continue(repo: CodeRoot):
    Path(repo.path, "long.txt").write_text("".join(f"line {i}\n" for i in range(1, 11)))
    part = files.read_file(repo, "long.txt", start_line=3, end_line=4)
    assert part["content"] == "line 3\nline 4\n"
    assert part["total_lines"] == 10
    assert part["end_line"] == 4


def test_binary_files_are_not_shown_as_text(repo: CodeRoot):
    Path(repo.path, "blob.bin").write_bytes(b"\x00\x01\x02binary")
    answer = files.read_file(repo, "blob.bin")
    assert answer["binary"] is True
    assert answer["content"] is None


def test_str_replace_needs_exactly_one_match(repo: CodeRoot):
    Path(repo.path, "twice.txt").write_text("same\nsame\n")
    with pytest.raises(PlanDeskError) as caught:
        files.str_replace(repo, "twice.txt", "same", "other")
    assert "appears 2 times" in caught.value.message
    with pytest.raises(PlanDeskError) as caught:
        files.str_replace(repo, "twice.txt", "absent", "other")
    assert "not found" in caught.value.message
    assert Path(repo.path, "twice.txt").read_text() == "same\nsame\n"


def test_create_refuses_an_existing_file_and_write_answers_with_a_diff(repo: CodeRoot):
    with pytest.raises(PlanDeskError) as caught:
        files.write_file(repo, "README.md", "x", create_only=True)
    assert caught.value.code == "conflict"
    answer = files.write_file(repo, "README.md", "# Demo\n\nChanged.\n")
    assert "-Hello from the demo project." in answer["diff"]
    assert "+Changed." in answer["diff"]
    created = files.write_file(repo, "docs/new/page.md", "hi\n")
    assert created["created"] is True
    assert created["diff"].startswith("--- /dev/null")
    assert stat.S_IMODE(Path(repo.path, "docs/new/page.md").stat().st_mode) == 0o644


def test_an_oversized_write_is_refused(repo: CodeRoot):
    with pytest.raises(PlanDeskError) as caught:
        files.write_file(repo, "big.txt", "x" * (files.MAX_WRITE_BYTES + 1))
    assert caught.value.field == "content"
    assert not Path(repo.path, "big.txt").exists()


@pytest.mark.parametrize(
    "value",
    [
        "--output=/tmp/pd-git-canary",
        "-p",
        "--upload-pack=touch /tmp/pd-git-canary",
        "-c core.sshCommand=touch",
        "HEAD:../x",
        "main;touch x",
        "$(touch x)",
    ],
)
def test_git_refuses_options_where_a_revision_belongs(repo: CodeRoot, value: str):
    with pytest.raises(PlanDeskError) as caught:
        git.diff(repo, rev=value)
    assert caught.value.code == "invalid_argument"
    assert not os.path.exists("/tmp/pd-git-canary")


def test_git_never_runs_the_repositorys_hooks(repo: CodeRoot, tmp_path: Path):
    canary = tmp_path / "hook-ran"
    hook = Path(repo.path, ".git", "hooks", "pre-commit")
    hook.write_text(f"#!/bin/sh\ntouch '{canary}'\n")
    hook.chmod(0o755)
    Path(repo.path, "a.txt").write_text("a\n")
    result = git.commit(
        repo, message="Add a", paths=["a.txt"], author_name="Agent", author_email="a@example.com"
    )
    assert result["clean"] is True
    assert not canary.exists()


def test_the_filter_chain_cannot_be_built_through_the_tools(repo: CodeRoot, tmp_path: Path):
    """The documented RCE: a clean filter in .git/config, .gitattributes applying it, then git add."""
    canary = tmp_path / "filter-ran"
    with pytest.raises(PlanDeskError):
        files.write_file(repo, ".git/config", f'[filter "x"]\n\tclean = touch {canary}\n')
    files.write_file(repo, ".gitattributes", "* filter=x\n")
    Path(repo.path, "b.txt").write_text("b\n")
    git.commit(
        repo, message="Add b", paths=["b.txt", ".gitattributes"], author_name="A", author_email="a@e.x"
    )
    assert not canary.exists()


def test_git_paths_stay_inside_the_root(repo: CodeRoot):
    for bad in ("../outside", "/etc/passwd", ".git/config"):
        with pytest.raises(PlanDeskError):
            git.commit(repo, message="m", paths=[bad], author_name="A", author_email="a@e.x")


def test_push_goes_only_to_a_configured_remote(repo: CodeRoot, tmp_path: Path):
    evil = tmp_path / "evil.git"
    subprocess.run(["git", "init", "-q", "--bare", str(evil)], check=True)
    for remote in (str(evil), "file://" + str(evil), "--receive-pack=touch x", "nope"):
        with pytest.raises(PlanDeskError) as caught:
            git.push(repo, remote=remote)
        assert caught.value.field == "remote"
    pushed = git.push(repo)
    assert pushed["remote"] == "origin"
    assert pushed["branch"] == "main"


def test_a_recipe_keeps_its_full_log_and_answers_with_the_tail(repo: CodeRoot, tmp_path: Path):
    recipe = {
        "name": "noisy",
        "kind": "build",
        "argv": ["python3", "-c", "print('x' * 40000); print('the end')"],
        "timeout_s": 60,
    }
    result = recipes.run_recipe(repo, recipe, data_dir=tmp_path / "data", project_id="p1")
    assert result["ok"]
    assert result["output_tail"].endswith("the end\n")
    assert len(result["output_tail"]) <= recipes.TAIL_BYTES
    assert result["output_bytes"] > 40000
    log = recipes.log_path(tmp_path / "data", "p1", result["log_id"])
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert "the end" in log.read_text()


def test_a_recipe_past_its_timeout_is_killed(repo: CodeRoot, tmp_path: Path):
    recipe = {"name": "slow", "kind": "test", "argv": ["sleep", "30"], "timeout_s": 1}
    result = recipes.run_recipe(repo, recipe, data_dir=tmp_path / "data", project_id="p1")
    assert result["timed_out"] is True
    assert result["ok"] is False
    assert result["duration_ms"] < 10_000
