"""Help a person can read: no Python type tags, -h and --version on every command, one clear version line."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from contextlib import redirect_stdout

import pytest

from plandesk import __version__
from plandesk.cli.main import command

ROOT = command()


def _commands():
    yield (), ROOT
    for name, cmd in ROOT.commands.items():
        yield (name,), cmd
        for sub_name, sub in getattr(cmd, "commands", {}).items():
            yield (name, sub_name), sub


ALL = list(_commands())
IDS = [" ".join(path) or "plandesk" for path, _ in ALL]


def _run(args: list[str]) -> str:
    out = io.StringIO()
    with redirect_stdout(out), pytest.raises(SystemExit) as done:
        command().main(args, prog_name="plandesk")
    assert done.value.code in (0, None), out.getvalue()
    return out.getvalue()


@pytest.mark.parametrize("path", [p for p, _ in ALL], ids=IDS)
def test_help_shows_no_python_type_tags(path):
    text = _run([*path, "-h"])
    assert "Usage:" in text
    tags = re.findall(r"<(?:bool|str|int|float|path|list\[[a-z]+\])>", text)
    assert not tags, f"plandesk {' '.join(path)} -h shows {tags}"


@pytest.mark.parametrize("path", [p for p, _ in ALL], ids=IDS)
def test_every_command_answers_version(path):
    assert _run([*path, "--version"]).strip() == f"plandesk {__version__}"


def test_a_flag_reads_as_a_flag_and_a_value_option_names_its_value():
    text = _run(["token", "create", "--help"])
    read_only = next(line for line in text.splitlines() if "--read-only" in line)
    project = next(line for line in text.splitlines() if "--project" in line)
    assert "--read-only" in read_only
    assert "PROJECT" not in read_only
    assert "<" not in read_only
    assert "PROJECT" in project


def test_the_installed_command_takes_dash_h_and_version():
    out = subprocess.run(
        [sys.executable, "-m", "plandesk", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.strip() == f"plandesk {__version__}"
    short = subprocess.run(
        [sys.executable, "-m", "plandesk", "export", "-h"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "--project" in short.stdout
