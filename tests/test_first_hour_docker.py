"""The Dockerfile's entry command is one the CLI accepts (no image is built here: Docker is not available)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from plandesk.cli.main import command
from plandesk.settings import _ENV

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _instruction(name: str) -> str:
    found = re.findall(rf"^{name}\s+(.*)$", DOCKERFILE, re.MULTILINE)
    assert found, f"no {name} in the Dockerfile"
    return found[-1]


def test_the_image_builds_on_the_official_python_slim_base():
    assert _instruction("FROM").strip() == "python:3.11-slim"


def test_the_entry_command_parses_against_the_cli():
    argv = json.loads(_instruction("CMD"))
    assert argv[0] == "plandesk"
    root = command()
    serve = root.commands[argv[1]]
    ctx = serve.make_context("serve", argv[2:])  # raises on an option the command does not know
    assert ctx.params["host"] == "0.0.0.0" and ctx.params["allow_remote"] is True
    assert str(ctx.params["port"]) in _instruction("EXPOSE").split()


def test_every_environment_name_the_dockerfile_sets_is_a_setting():
    names = set(re.findall(r"\b(PLANDESK_[A-Z_]+)=", DOCKERFILE))
    assert names and names <= set(_ENV.values())


def test_the_workspace_is_a_volume_the_image_s_data_dir_points_at():
    assert "PLANDESK_DATA_DIR=/data" in DOCKERFILE and json.loads(_instruction("VOLUME")) == ["/data"]


@pytest.mark.parametrize("needle", ["docker run", "-v plandesk-data:/data", "PLANDESK_BASE_URL"])
def test_operations_doc_shows_how_to_run_the_image(needle):
    assert needle in (ROOT / "docs" / "operations.md").read_text()
