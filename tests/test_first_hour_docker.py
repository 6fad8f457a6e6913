"""The Dockerfile without Docker (only its client is installed here, no daemon, so no image is built): its entry
command parses against the CLI, what it copies is in the build context, the installed package carries every
file the server reads, and its HEALTHCHECK gets 200 from a server configured as in the container."""

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
    assert ctx.params["host"] == "0.0.0.0"
    assert ctx.params["allow_remote"] is True
    assert str(ctx.params["port"]) in _instruction("EXPOSE").split()


def test_every_environment_name_the_dockerfile_sets_is_a_setting():
    names = set(re.findall(r"\b(PLANDESK_[A-Z_]+)=", DOCKERFILE))
    assert names
    assert names <= set(_ENV.values())


def test_the_workspace_is_a_volume_the_image_s_data_dir_points_at():
    assert "PLANDESK_DATA_DIR=/data" in DOCKERFILE
    assert json.loads(_instruction("VOLUME")) == ["/data"]


@pytest.mark.parametrize("needle", ["docker run", "-v plandesk-data:/data", "PLANDESK_BASE_URL"])
def test_operations_doc_shows_how_to_run_the_image(needle):
    assert needle in (ROOT / "docs" / "operations.md").read_text()


# What `docker build` would need, checked without Docker (only its client is installed here, no daemon).


def _ignored(rel: str) -> bool:
    """Whether .dockerignore keeps `rel` out of the build context (the patterns this repository uses)."""
    import fnmatch

    patterns = [
        p.strip().rstrip("/")
        for p in (ROOT / ".dockerignore").read_text().splitlines()
        if p.strip() and not p.startswith("#")
    ]
    parts = Path(rel).parts
    for pattern in patterns:
        bare = pattern.removeprefix("**/")
        for i in range(len(parts)):
            if fnmatch.fnmatch("/".join(parts[: i + 1]), pattern) or fnmatch.fnmatch(parts[i], bare):
                return True
    return False


def test_every_path_the_dockerfile_copies_is_in_the_build_context():
    copies = re.findall(r"^COPY\s+(?!--from)(.+)$", DOCKERFILE, re.MULTILINE)
    sources = [s for line in copies for s in line.split()[:-1]]
    assert "pyproject.toml" in sources
    assert "src" in sources
    for source in sources:
        assert (ROOT / source).exists(), f"the Dockerfile copies {source}, which does not exist"
        assert not _ignored(source), f"the Dockerfile copies {source}, which .dockerignore leaves out"


def test_pyproject_s_readme_is_copied_before_pip_install():
    # setuptools reads the readme named in pyproject.toml while building; a missing one fails `pip install .`
    readme = re.search(r'^readme\s*=\s*"([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.MULTILINE)
    first_copy = _instruction_first("COPY")
    assert readme
    assert readme.group(1) in first_copy.split()


def _instruction_first(name: str) -> str:
    return re.findall(rf"^{name}\s+(.*)$", DOCKERFILE, re.MULTILINE)[0]


def test_the_installed_package_carries_every_file_the_server_reads():
    """`pip install .` in the image installs only .py files and the package-data patterns: a template,
    static file or migration outside them would be missing in the container although every test here passes."""
    import fnmatch
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["plandesk"]
    package = ROOT / "src" / "plandesk"
    dev_only = {"db/migrations/script.py.mako"}  # the template of `alembic revision`, never read at run time
    missing = [
        rel
        for path in package.rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
        for rel in [path.relative_to(package).as_posix()]
        if rel not in dev_only and not any(fnmatch.fnmatch(rel, p) for p in patterns)
    ]
    assert missing == []


def test_the_entry_point_the_image_runs_exists():
    import importlib
    import tomllib

    target = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]["plandesk"]
    module, _, attr = target.partition(":")
    assert callable(getattr(importlib.import_module(module), attr))
    assert json.loads(_instruction("CMD"))[0] == "plandesk"


def test_the_healthcheck_gets_200_from_a_server_configured_as_in_the_container(tmp_path):
    """The HEALTHCHECK asks 127.0.0.1 inside the container while the server listens on 0.0.0.0 with a
    published origin: Host validation and sign-in must let that request through."""
    from urllib.parse import urlsplit

    from starlette.testclient import TestClient

    from plandesk.app import create_app
    from plandesk.settings import load_settings

    url = re.search(r"urlopen\('([^']+)'", _instruction("HEALTHCHECK")).group(1)
    parts = urlsplit(url)
    settings = load_settings(
        data_dir=str(tmp_path),
        host="0.0.0.0",
        port=parts.port,
        allow_remote=True,
        base_url="https://plans.example.com",
    )
    with TestClient(
        create_app(settings), base_url=f"{parts.scheme}://{parts.netloc}", client=("127.0.0.1", 41000)
    ) as client:
        r = client.get(parts.path)
    assert r.status_code == 200, r.text
    assert r.json()["ok"] is True
