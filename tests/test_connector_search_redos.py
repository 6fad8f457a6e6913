"""Search patterns and ignore files that backtrack catastrophically in a backtracking engine: a viewer's
code_search with any of them returns (a result, or a clear refusal), and the server answers health meanwhile.
Timing is measured in bench (area "redos"), not asserted here."""

from __future__ import annotations

import threading

import httpx2
import pytest
from connector_fixtures import make_team
from mcp_support import call, mcp_client

# The in-process app (MCP SDK clients through its ASGI interface), one for the module.
pytestmark = [pytest.mark.anyio, pytest.mark.server("app")]

# Each would hold Python's re for minutes to years on the line below.
REGEXES = [
    r"(a+)+$",
    r"(a|a)*b",
    r"(a|aa)+$",
    r"(\w+\s?)*$",
    r"(.*a){25}x",
    r"^(([a-z])+.)+[A-Z]([a-z])+$",
    r"(x+x+)+y",
    r"(a*)*b",
    r"([a-zA-Z]+)*[0-9]$",
    r"(\w|\d)+z$",
]
# Each, as a .gitignore line, would hold a backtracking glob translation on the long file name below.
IGNORE_LINES = [
    "*a*a*a*a*a*a*a*a*a*a*a*a*b",
    "**/*a*a*a*a*a*a*a*a*a*a*c",
    "a*a*a*a*a*a*a*a*a*a*a*a*a*d",
    "*[a]*[a]*[a]*[a]*[a]*[a]*[a]*[a]*[a]*e",
    "?*?*?*?*?*?*?*?*?*?*?*f",
    "**/**/**/**/**/**/**/*a*g",
    "*a?*a?*a?*a?*a?*a?*a?*a?*a?*h",
    "!*a*a*a*a*a*a*a*a*a*a*a*i",
    "/*a*a*a*a*a*a*a*a*a*a*a*j",
    "*a*a*a*a*a*a*a*a*a*a*a*a*/",
]
LONG_LINE = "a" * 60 + "!"
LONG_NAME = "a" * 120


@pytest.fixture(scope="module")
def team(app_server, tmp_path_factory):
    team = make_team(app_server, tmp_path_factory.mktemp("redos"))
    (team.code_root / "victim.txt").write_text(f"{LONG_LINE}\n{'x' * 60}\nAbcdefghijklmnopqrstuvwxyz0\n")
    return team


class HealthWatch:
    """Polls health on another thread while a search runs: every poll must get an answer."""

    def __init__(self, server):
        self.server, self.answers, self.failures = server, 0, []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with self.server.client() as c:
            while True:  # at least one poll, even when the search answers before the first one
                try:
                    status = c.get("/api/v1/health").status_code
                    if status == 200:
                        self.answers += 1
                    else:
                        self.failures.append(status)
                except httpx2.HTTPError as exc:
                    self.failures.append(repr(exc))
                if self.stop.is_set():
                    break

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=60)


def _returned(result) -> bool:
    if result.is_error:  # a refusal must say why, in words
        return "query" in result.content[0].text or "glob" in result.content[0].text
    return isinstance(result.structured_content, dict)


@pytest.mark.parametrize("pattern", REGEXES)
async def test_a_backtracking_regex_returns_and_the_server_keeps_answering(
    server, team, viewer_token, pattern
):
    async with mcp_client(server, viewer_token) as c:
        with HealthWatch(server) as watch:
            result = await call(c, "code_search", {"project_id": team.project_id, "query": pattern})
        assert _returned(result)
    assert watch.failures == []
    assert watch.answers >= 1
    assert server.client().get("/api/v1/health").status_code == 200


@pytest.mark.parametrize("line", IGNORE_LINES)
async def test_a_backtracking_ignore_file_returns_and_the_server_keeps_answering(
    server, team, viewer_token, line
):
    sub = team.code_root / f"ign{IGNORE_LINES.index(line)}"
    sub.mkdir(exist_ok=True)
    (sub / ".gitignore").write_text(line + "\n")
    (sub / LONG_NAME).write_text(LONG_LINE + "\n")
    nested = sub / LONG_NAME[:60] / LONG_NAME[:70]
    nested.mkdir(parents=True, exist_ok=True)
    (nested / (LONG_NAME + "z")).write_text("x\n")
    async with mcp_client(server, viewer_token) as c:
        with HealthWatch(server) as watch:
            grep = await call(
                c, "code_search", {"project_id": team.project_id, "query": "a!", "path": sub.name}
            )
            files = await call(
                c, "code_search", {"project_id": team.project_id, "glob": line.lstrip("!"), "path": sub.name}
            )
        assert _returned(grep)
        assert _returned(files)
    assert watch.failures == []
    assert watch.answers >= 1
