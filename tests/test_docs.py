"""Docs as tests: every command, option and setting a user can reach is documented."""

from __future__ import annotations

import re
from pathlib import Path

import click
import typer.main

from plandesk.cli.main import app
from plandesk.settings import _ENV

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _all_docs() -> str:
    return "\n".join(p.read_text() for p in DOCS.glob("*.md"))


def _commands():
    root = typer.main.get_command(app)
    for name, cmd in root.commands.items():
        if isinstance(cmd, click.Group):
            for sub_name, sub in cmd.commands.items():
                yield f"{name} {sub_name}", sub
        else:
            yield name, cmd


def test_every_cli_command_is_in_docs_cli_md():
    text = (DOCS / "cli.md").read_text()
    missing = [name for name, _ in _commands() if f"plandesk {name}" not in text]
    assert not missing, f"commands missing from docs/cli.md: {missing}"


def test_every_cli_option_is_documented():
    text = _all_docs()
    missing = []
    for name, cmd in _commands():
        for param in cmd.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt != "--help" and not re.search(re.escape(opt) + r"\b", text):
                    missing.append(f"{name} {opt}")
    assert not missing, f"options missing from docs/: {missing}"


def test_every_environment_setting_is_documented():
    text = _all_docs()
    missing = [env for env in _ENV.values() if env not in text]
    assert not missing, f"settings missing from docs/: {missing}"


def test_the_readme_opens_with_the_install_command_and_the_test_command():
    readme = (DOCS.parent / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)\n```", readme, re.DOTALL)
    assert "plandesk serve" in blocks[0]
    assert "plandesk init" in blocks[0]
    assert blocks[1].strip() == "./scripts/test"
    assert "./scripts/test" in (DOCS.parent / ".ci" / "run").read_text()
