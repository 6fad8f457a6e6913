"""Shared arrangements for team and connector tests: people added and signed in, a team with a git repository as
code root, tokens."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

PASSWORD = "correct horse battery staple"


def add_member(client, email: str, role: str, password: str = PASSWORD, **extra) -> dict:
    """A person added through the members API by `client` (the local owner or a signed-in admin)."""
    r = client.post("/api/v1/members", json={"email": email, "role": role, "password": password, **extra})
    assert r.status_code == 201, r.text
    return r.json()


def sign_in(server, email: str, password: str = PASSWORD) -> httpx2.Client:
    """A client that behaves like a page: it sends its session's CSRF token in X-CSRF-Token on writes."""
    c = server.client()
    r = c.post("/api/v1/auth/sign-in", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return c


def git_repository(path: Path) -> Path:
    """A small repository with a bare remote named origin, as a project's code root."""
    path.mkdir(parents=True)
    env_args = ["-c", "user.name=Setup", "-c", "user.email=setup@example.com"]
    remote = path.parent / f"{path.name}-remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    (path / "README.md").write_text("# Demo\n\nHello from the demo project.\n")
    (path / "src").mkdir()
    (path / "src" / "app.py").write_text("def greet(name):\n    return f'hello {name}'\n")
    (path / ".gitignore").write_text("build/\n*.log\n")
    (path / "deploy.sh").write_text("echo deploying\necho deployed > deployed.txt\n")
    (path / "build.sh").write_text("echo building\nmkdir -p build && echo ok > build/out.txt\n")
    subprocess.run(["git", *env_args, "-C", str(path), "add", "-A"], check=True)
    subprocess.run(["git", *env_args, "-C", str(path), "commit", "-qm", "initial"], check=True)
    subprocess.run(["git", "-C", str(path), "remote", "add", "origin", str(remote)], check=True)
    return path


def connector_config(code_root: Path) -> dict:
    return {
        "enabled": True,
        "code_root": str(code_root),
        "recipes": [
            {"name": "app", "kind": "build", "argv": ["sh", "build.sh"], "timeout_s": 60},
            {"name": "unit", "kind": "test", "argv": ["sh", "-c", "exit 3"], "timeout_s": 60},
            {"name": "production", "kind": "deploy", "argv": ["sh", "deploy.sh"], "timeout_s": 60},
        ],
        "exec_allowlist": ["ls", "echo", "cat"],
    }


@dataclass
class Team:
    """An admin (signed in), a member and a viewer, one project with the connector on, and their code tokens."""

    server: object
    admin: httpx2.Client
    project_id: str
    code_root: Path
    tokens: dict = field(default_factory=dict)

    def token(self, email: str, name: str, **scopes) -> str:
        """A token for `email`, minted in that person's own signed-in session."""
        person = self.admin if email.startswith("admin") else sign_in(self.server, email)
        r = person.post("/api/v1/tokens", json={"name": name, "toolsets": ["planning", "code"], **scopes})
        assert r.status_code == 201, r.text
        return r.json()["token"]


def make_team(server, tmp: Path) -> Team:
    owner = server.client()  # the loopback owner, while the workspace still has one user
    add_member(owner, "admin@example.com", "admin", name="Admin")
    admin = sign_in(server, "admin@example.com")  # two users now: no more local mode, people sign in
    for email, role in (("member@example.com", "member"), ("viewer@example.com", "viewer")):
        add_member(admin, email, role, name=role.title())
    project = admin.post("/api/v1/projects", json={"name": "Connected"})
    assert project.status_code == 201, project.text
    root = git_repository(tmp / "code")
    r = admin.put(f"/api/v1/projects/{project.json()['id']}/connector", json=connector_config(root))
    assert r.status_code == 200, r.text
    return Team(server, admin, project.json()["id"], root)
