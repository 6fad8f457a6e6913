"""Build, test and deploy recipes: an admin's argv list run in the code root, its full log kept under the data dir."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from plandesk.connector import process, sandbox
from plandesk.connector.paths import CodeRoot
from plandesk.core.errors import InvalidArgument, NotFound

TAIL_BYTES = 16 * 1024
LOG_CAP = 50 * 1024 * 1024
# Recipes are written by an admin, but the files they run can be written by any member: they run in the
# sandbox like code_exec, with an environment built from nothing plus what the recipe declares. Deploy
# recipes reach the network (that is their job); build and test recipes do not unless they declare it.
NETWORK_KINDS = ("deploy",)


def log_dir(data_dir: Path, project_id: str) -> Path:
    return Path(data_dir) / "connector-logs" / project_id


def log_path(data_dir: Path, project_id: str, log_id: str) -> Path:
    try:
        clean = str(uuid.UUID(log_id))
    except (ValueError, TypeError, AttributeError):
        raise NotFound("log", str(log_id)[:60]) from None
    return log_dir(data_dir, project_id) / f"{clean}.log"


def _names_hint(names: list[str], what: str) -> str:
    return (
        f"valid names: {', '.join(names)}"
        if names
        else f"this project has no {what} (Project → Settings → Code)"
    )


def find_recipe(config: dict, name, kinds: tuple[str, ...]) -> dict:
    # Every refusal names the valid recipes, so an agent can correct itself without a second look-up.
    names = [r["name"] for r in config.get("recipes", []) if r["kind"] in kinds]
    hint = _names_hint(names, f"{' or '.join(kinds)} recipes")
    if not isinstance(name, str) or not name:
        raise InvalidArgument(
            f"recipe must name one of the project's recipes; {hint}", field="recipe", available=names
        )
    for r in config.get("recipes", []):
        if r["name"] == name:
            if r["kind"] not in kinds:
                raise InvalidArgument(
                    f"recipe {name!r} is a {r['kind']} recipe, not {' or '.join(kinds)}; {hint}",
                    field="recipe",
                    available=names,
                )
            return r
    err = NotFound("recipe", name, field="recipe", available=names)
    err.message = f"{err.message}; {hint}"
    raise err


def catalog(config: dict) -> dict:
    """What an agent may name in code_build, code_deploy and code_db: names and kinds only, never a URL,
    an argv or an environment value (those can hold secrets)."""
    return {
        "recipes": [{"name": r["name"], "kind": r["kind"]} for r in config.get("recipes", [])],
        "databases": [
            {"name": d["name"], "engine": d["engine"], "writable": bool(d.get("write_url"))}
            for d in config.get("databases", [])
        ],
    }


def _declared_env(recipe: dict) -> dict[str, str]:
    declared = recipe.get("env") or {}
    return {str(k): str(v) for k, v in declared.items()} if isinstance(declared, dict) else {}


def policy_for(root: CodeRoot, recipe: dict) -> sandbox.Policy:
    network = recipe["kind"] in NETWORK_KINDS if recipe.get("network") is None else bool(recipe["network"])
    return sandbox.Policy(
        root=root.path,
        cwd=root.path,
        write_root=True,
        write_git=False,
        network=network,
        env={"PWD": root.path, **_declared_env(recipe)},
        limits=sandbox.Limits.from_environment(cpu_s=recipe.get("timeout_s") or 600),
    )


def run_recipe(
    root: CodeRoot,
    recipe: dict,
    *,
    data_dir: Path,
    project_id: str,
    link_base: str = "",
    unsandboxed_ok: bool = False,
) -> dict:
    """Run one recipe to the end (or its timeout); answer with exit code, duration, output tail and log link."""
    sandboxed = sandbox.require(unsandboxed_ok=unsandboxed_ok, what=f"the {recipe['kind']} recipe")
    log_id = str(uuid.uuid4())
    path = log_path(data_dir, project_id, log_id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "wb") as sink:
        header = (
            f"$ {' '.join(recipe['argv'])}\n# recipe {recipe['name']} ({recipe['kind']}) in {root.path}\n"
        )
        sink.write(header.encode())
        sink.flush()
        cwd_fd, _rel = root.open_dir(".")
        try:
            program = _program(recipe)
            with sandbox.command(
                [program, *recipe["argv"][1:]], policy_for(root, recipe), sandboxed=sandboxed
            ) as (argv, env):
                result = process.run(
                    argv,
                    cwd=f"/proc/self/fd/{cwd_fd}",
                    pass_fds=(cwd_fd,),
                    env=env,
                    timeout_s=recipe.get("timeout_s") or 600,
                    cap=TAIL_BYTES,
                    sink=sink,
                    sink_cap=LOG_CAP,
                    merge_stderr=True,
                )
        except FileNotFoundError:
            raise InvalidArgument(
                f"recipe {recipe['name']!r}: program {recipe['argv'][0]!r} was not found", field="recipe"
            ) from None
        finally:
            os.close(cwd_fd)
        footer = (
            f"\n# exit code {result.exit_code}"
            if not result.timed_out
            else f"\n# killed after {recipe.get('timeout_s')} s"
        ) + f" · {result.duration_ms} ms\n"
        sink.write(footer.encode())
    return {
        "recipe": recipe["name"],
        "kind": recipe["kind"],
        "exit_code": result.exit_code,
        "ok": result.exit_code == 0 and not result.timed_out,
        "timed_out": result.timed_out,
        "duration_ms": result.duration_ms,
        "output_tail": result.stdout.text(),
        "output_bytes": result.stdout.total,
        "log_id": log_id,
        "log_url": f"{link_base}/api/v1/projects/{project_id}/connector/logs/{log_id}",
    }


def _program(recipe: dict) -> str:
    """The recipe's program as an absolute path on the fixed PATH (the sandbox has no other), or a clear error."""
    name = recipe["argv"][0]
    if "/" in name:
        return name
    for d in process.SAFE_PATH.split(":"):
        candidate = os.path.join(d, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise FileNotFoundError(name)


def read_log(data_dir: Path, project_id: str, log_id: str, *, max_bytes: int = LOG_CAP) -> str:
    path = log_path(data_dir, project_id, log_id)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        raise NotFound("log", log_id) from None
    with os.fdopen(fd, "rb") as f:
        return f.read(max_bytes).decode("utf-8", "replace")
