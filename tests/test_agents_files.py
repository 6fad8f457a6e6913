"""The pieces connect and the runner stand on, without a server: sentinel blocks, gate parsing, runner config."""

from __future__ import annotations

import textwrap

import pytest

from plandesk.agents import gate, runner_config, sentinel_blocks
from plandesk.agents.sentinel_blocks import GITIGNORE, MARKDOWN, SentinelError


def test_a_block_is_appended_then_replaced_in_place():
    text = sentinel_blocks.upsert("# Notes\n", MARKDOWN, "one", where="CLAUDE.md")
    assert text == "# Notes\n\n<!-- plandesk:start -->\none\n<!-- plandesk:end -->\n"
    again = sentinel_blocks.upsert(text + "after\n", MARKDOWN, "two", where="CLAUDE.md")
    assert again == "# Notes\n\n<!-- plandesk:start -->\ntwo\n<!-- plandesk:end -->\nafter\n"


def test_removing_the_block_restores_the_hand_written_text():
    original = "node_modules/\n*.log\n"
    added = sentinel_blocks.upsert(original, GITIGNORE, ".plandesk/token", where=".gitignore")
    assert sentinel_blocks.remove(added, GITIGNORE, where=".gitignore") == original
    assert (
        sentinel_blocks.remove(sentinel_blocks.upsert("", MARKDOWN, "x", where="f"), MARKDOWN, where="f")
        == ""
    )


def test_unbalanced_sentinels_are_refused_not_guessed():
    broken = "<!-- plandesk:start -->\nhalf a block\n"
    with pytest.raises(SentinelError, match="unbalanced"):
        sentinel_blocks.upsert(broken, MARKDOWN, "x", where="CLAUDE.md")


def test_gate_lines_and_fenced_gate_blocks_are_found_in_order():
    description = textwrap.dedent("""\
        Build the thing.
        gate: pytest -q tests/test_cart.py
        - gate: `ruff check src`
        ```python
        gate: not_a_gate()
        ```
        ```gate
        # comments are skipped
        python -m mypy 'src/my pkg'

        ```
        """)
    assert gate.commands_in(description) == [
        ["pytest", "-q", "tests/test_cart.py"],
        ["ruff", "check", "src"],
        ["python", "-m", "mypy", "src/my pkg"],
    ]
    assert gate.commands_in("No gate here.") == []
    assert gate.commands_in(None) == []


def test_a_gate_that_cannot_be_split_is_an_error():
    with pytest.raises(gate.GateSyntaxError, match="cannot be split"):
        gate.commands_in("gate: echo 'unclosed")


def test_runner_config_file_is_overridden_by_flags(tmp_path, monkeypatch):
    monkeypatch.delenv("PLANDESK_RUNNER_CONFIG", raising=False)
    (tmp_path / ".plandesk").mkdir()
    (tmp_path / ".plandesk/runner.toml").write_text('worker = "claude -p"\nconcurrency = 2\nbase = "main"\n')
    options = runner_config.load(None, tmp_path, {"concurrency": 3, "worker": None})
    assert options.worker == ["claude", "-p"]
    assert options.concurrency == 3
    assert options.base_ref == "main"


def test_runner_config_rejects_unknown_settings(tmp_path):
    path = tmp_path / "runner.toml"
    path.write_text('worker = ["w"]\nconcurency = 2\n')
    with pytest.raises(runner_config.RunnerConfigError, match="unknown setting 'concurency'"):
        runner_config.load(path, tmp_path, {})
