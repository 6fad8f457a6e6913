"""Per-project code connector settings: the switch, the code root, recipes, databases, the exec allowlist."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import select

from plandesk.core import audit, fields, settings_store
from plandesk.core.actors import Actor
from plandesk.core.clock import iso, now
from plandesk.core.errors import InvalidArgument
from plandesk.core.vocab import DB_ENGINES, RECIPE_KINDS
from plandesk.db.schema import connector_configs

MASK = "****"
# Query parameters that carry a secret or point at one: password, sslpassword, passfile, sslkey, token, ...
SECRET_PARAM = re.compile(r"pass|pwd|secret|token|key|auth|cred", re.IGNORECASE)
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
PROGRAM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}")
MAX_RECIPES = 50
MAX_DATABASES = 20
MAX_ALLOWLIST = 100
MAX_ARGV = 100
MAX_ARG = 4096
DEFAULT_TIMEOUT_S = 600
MAX_TIMEOUT_S = 3600
SCHEMES = {
    "sqlite": ("sqlite",),
    "postgresql": ("postgresql", "postgres", "postgresql+psycopg"),
    "mysql": ("mysql", "mariadb", "mysql+pymysql"),
}
FIELDS = ("enabled", "code_root", "recipes", "databases", "exec_allowlist", "exec_network")


def default_config() -> dict:
    return {
        "enabled": False,
        "code_root": None,
        "recipes": [],
        "databases": [],
        "exec_allowlist": [],
        "exec_network": False,
    }


def load_config(conn, project_id: str) -> dict:
    """The stored config with its secrets, for the connector itself; never hand this to a client."""
    row = conn.execute(
        select(connector_configs.c.config).where(connector_configs.c.project_id == project_id)
    ).first()
    config = default_config()
    if row is not None and isinstance(row.config, dict):
        config.update({k: v for k, v in row.config.items() if k in FIELDS})
    return config


def _mask_param(pair: str) -> str:
    key, eq, _value = pair.partition("=")
    # Drivers decode percent escapes in names (libpq: pass%77ord is password), so judge the decoded name.
    return f"{key}={MASK}" if eq and SECRET_PARAM.search(unquote(key)) else pair


def mask_url(url: str | None) -> str | None:
    """A database URL as anyone may see it: the password and every secret-named query parameter masked.

    Everything else keeps its spelling, so the masked form a client sends back can be matched to the stored URL.
    """
    if not url:
        return url
    parts = urlsplit(url)
    netloc = parts.netloc
    userinfo, at, hostport = netloc.rpartition("@")
    if at and ":" in userinfo:
        netloc = f"{userinfo.split(':', 1)[0]}:{MASK}@{hostport}"
    query = "&".join(_mask_param(p) for p in parts.query.split("&")) if parts.query else ""
    fragment = MASK if parts.fragment else ""
    if (netloc, query, fragment) == (parts.netloc, parts.query, parts.fragment):
        return url
    # Rebuilt by hand: urlunsplit would drop the empty host of sqlite:////abs/path.
    return (
        f"{parts.scheme}://{netloc}{parts.path}"
        + (f"?{query}" if query else "")
        + (f"#{fragment}" if fragment else "")
    )


def public_view(config: dict) -> dict:
    """What clients see: database passwords replaced by a mask that PUT understands as 'keep it'."""
    out = {k: v for k, v in config.items()}
    out["databases"] = [
        {**d, "read_url": mask_url(d.get("read_url")), "write_url": mask_url(d.get("write_url"))}
        for d in config.get("databases", [])
    ]
    return out


def _text_list(field: str, value, *, max_items: int, max_len: int) -> list[str]:
    if not isinstance(value, list) or not value:
        raise InvalidArgument(f"{field} must be a non-empty list of strings", field=field)
    if len(value) > max_items:
        raise InvalidArgument(f"{field} has {len(value)} items; the limit is {max_items}", field=field)
    return [fields.required_text(field, v, max_len=max_len) for v in value]


def _code_root(value, protected: tuple[str, ...]) -> str | None:
    if value is None or value == "":
        return None
    value = fields.required_text("code_root", value, max_len=1024, strip=True)
    if not os.path.isabs(value):
        raise InvalidArgument("code_root must be an absolute path", field="code_root")
    real = os.path.realpath(value)
    if not os.path.isdir(real):
        raise InvalidArgument(f"code_root {value!r} is not an existing directory", field="code_root")
    if real == "/":
        raise InvalidArgument("code_root cannot be the filesystem root", field="code_root")
    for place in protected:
        if _inside(place, real):
            # An agent that can read the workspace database can read every token hash and private plan.
            raise InvalidArgument(
                "code_root must not contain Plan Desk's own data directory", field="code_root"
            )
    return real


def _inside(path: str, place: str) -> bool:
    real, base = os.path.realpath(path), os.path.realpath(place)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def _entries(value, what: str, most: int, keys: tuple[str, ...]) -> Iterator[tuple[str, dict]]:
    """(where, entry) for each object of a list setting; refuses a non-list, more than `most` entries, an
    entry that is not an object, and keys outside `keys`."""
    if not isinstance(value, list):
        raise InvalidArgument(f"{what} must be a list", field=what)
    if len(value) > most:
        raise InvalidArgument(f"at most {most} {what}", field=what)
    for i, entry in enumerate(value):
        where = f"{what}[{i}]"
        if not isinstance(entry, dict):
            raise InvalidArgument(f"{where} must be an object {{{', '.join(keys)}}}", field=where)
        fields.reject_unknown(entry, keys)
        yield where, entry


def _recipes(value) -> list[dict]:
    out, seen = [], set()
    for where, r in _entries(
        value, "recipes", MAX_RECIPES, ("name", "kind", "argv", "timeout_s", "env", "network")
    ):
        name = fields.required_text(f"{where}.name", r.get("name"), max_len=64, strip=True)
        if not NAME.fullmatch(name):
            raise InvalidArgument(
                f"{where}.name may hold letters, digits, '.', '_' and '-'", field=f"{where}.name"
            )
        if name in seen:
            raise InvalidArgument(f"two recipes are named {name!r}", field=f"{where}.name")
        seen.add(name)
        kind = fields.choice(f"{where}.kind", r.get("kind"), RECIPE_KINDS, required=True)
        argv = _text_list(f"{where}.argv", r.get("argv"), max_items=MAX_ARGV, max_len=MAX_ARG)
        timeout = fields.number(
            f"{where}.timeout_s", r.get("timeout_s"), minimum=1, maximum=MAX_TIMEOUT_S, integer=True
        )
        recipe: dict[str, Any] = {
            "name": name,
            "kind": kind,
            "argv": argv,
            "timeout_s": timeout or DEFAULT_TIMEOUT_S,
        }
        env = _recipe_env(f"{where}.env", r.get("env"))
        if env:
            recipe["env"] = env  # the sandbox starts from an empty environment: this is all the recipe gets
        network = r.get("network")
        if network is not None:
            if not isinstance(network, bool):
                raise InvalidArgument(f"{where}.network must be true or false", field=f"{where}.network")
            recipe["network"] = (
                network  # deploy recipes reach the network by default; others only if declared
            )
        out.append(recipe)
    return out


ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
MAX_RECIPE_ENV = 32


def _recipe_env(field: str, value) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > MAX_RECIPE_ENV:
        raise InvalidArgument(
            f"{field} must be an object of at most {MAX_RECIPE_ENV} NAME: value pairs", field=field
        )
    out = {}
    for name, raw in value.items():
        if not isinstance(name, str) or not ENV_NAME.fullmatch(name):
            raise InvalidArgument(
                f"{field}: {str(name)[:40]!r} is not a variable name (letters, digits, _)", field=field
            )
        if name in ("LD_PRELOAD", "LD_LIBRARY_PATH", "PATH"):
            raise InvalidArgument(
                f"{field}: {name} is set by the sandbox and cannot be declared", field=field
            )
        out[name] = fields.required_text(f"{field}.{name}", raw, max_len=4000)
    return out


def _db_url(field: str, engine: str, value, *, required: bool) -> str | None:
    check = fields.required_text if required else fields.text
    url = check(field, value, max_len=2000, strip=True)
    if not url:
        return None
    if engine == "sqlite" and url.startswith("/"):
        url = "sqlite:///" + url.lstrip("/")
    scheme = urlsplit(url).scheme.lower()
    if scheme not in SCHEMES[engine]:
        raise InvalidArgument(f"{field} must be a {engine} URL ({SCHEMES[engine][0]}://...)", field=field)
    if engine == "sqlite" and not url.startswith("sqlite:////"):
        raise InvalidArgument(f"{field} must name an absolute file: sqlite:////abs/path.db", field=field)
    return url


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _databases(
    value, previous: list[dict], protected: tuple[str, ...] = (), own_files: tuple[str, ...] = ()
) -> list[dict]:
    before = {d["name"]: d for d in previous}
    out, seen = [], set()
    for where, d in _entries(value, "databases", MAX_DATABASES, ("name", "engine", "read_url", "write_url")):
        name = fields.required_text(f"{where}.name", d.get("name"), max_len=64, strip=True)
        if not NAME.fullmatch(name) or name in seen:
            raise InvalidArgument(
                f"{where}.name must be unique and hold letters, digits, '.', '_' or '-'",
                field=f"{where}.name",
            )
        seen.add(name)
        engine = fields.choice(f"{where}.engine", d.get("engine"), DB_ENGINES, required=True)
        entry: dict[str, Any] = {"name": name, "engine": engine}
        for key, required in (("read_url", True), ("write_url", False)):
            url = _db_url(f"{where}.{key}", engine, d.get(key), required=required)
            old = before.get(name)
            # The client sent back the masked form it was shown: keep the stored secret.
            if (
                url
                and MASK in url
                and old
                and old["engine"] == engine
                and old.get(key)
                and mask_url(old[key]) == url
            ):
                url = old[key]
            if url and engine == "sqlite":
                path = url[len("sqlite:///") :].split("?", 1)[0]
                # The same file under another name (a symlink, a hard link, /./ or //) is still our own.
                if any(_inside(path, p) for p in protected) or any(_same_file(path, f) for f in own_files):
                    raise InvalidArgument(
                        f"{where}.{key} must not be Plan Desk's own database", field=f"{where}.{key}"
                    )
            if url and MASK in url:
                raise InvalidArgument(
                    f"{where}.{key} still holds the password mask; type the password", field=f"{where}.{key}"
                )
            entry[key] = url
        out.append(entry)
    return out


def _allowlist(value) -> list[str]:
    return fields.unique_list(
        "exec_allowlist",
        value,
        max_items=MAX_ALLOWLIST,
        item=_program,
        not_a_list="exec_allowlist must be a list of program names",
        too_many="at most {limit} programs",
    )


def _program(v) -> str:
    if not isinstance(v, str) or not PROGRAM.fullmatch(v):
        raise InvalidArgument(
            "exec_allowlist holds bare program names (like pytest or ls), not paths or "
            f"commands: {str(v)[:60]!r}",
            field="exec_allowlist",
        )
    return v


def clean(data, previous: dict, *, protected: tuple[str, ...] = (), own_files: tuple[str, ...] = ()) -> dict:
    if not isinstance(data, dict):
        raise InvalidArgument("the connector config must be an object", field="enabled")
    fields.reject_unknown(data, FIELDS)
    config = {**previous}
    if "enabled" in data:
        config["enabled"] = bool(fields.flag("enabled", data["enabled"]))
    if "exec_network" in data:
        config["exec_network"] = bool(fields.flag("exec_network", data["exec_network"]))
    if "code_root" in data:
        config["code_root"] = _code_root(data["code_root"], protected)
    if "recipes" in data:
        config["recipes"] = _recipes(data["recipes"])
    if "databases" in data:
        config["databases"] = _databases(
            data["databases"], previous.get("databases", []), protected, own_files
        )
    if "exec_allowlist" in data:
        config["exec_allowlist"] = _allowlist(data["exec_allowlist"])
    return config


def _refuse_own_postgresql(db, config: dict, checked: set[str]) -> set[str]:
    """Refuse a PostgreSQL URL that reaches Plan Desk's own database, compared by identity (the same server and
    database however the URL spells host, port, user or options). Every URL of the list is probed, at once
    (a stored one too: it may predate this check); those in `checked` are not probed again. A URL that cannot
    be reached now is let through: every connection the connector makes checks again. Answers the URLs probed."""
    from concurrent.futures import ThreadPoolExecutor

    from plandesk.core import own_database

    todo = {
        (i, key): d[key]
        for i, d in enumerate(config.get("databases", []))
        if d["engine"] == "postgresql"
        for key in ("read_url", "write_url")
        if d.get(key) and d[key] not in checked
    }
    if not todo:
        return checked
    own = own_database.workspace_identity(db)
    with ThreadPoolExecutor(max_workers=min(8, len(todo))) as pool:
        found = dict(
            zip(
                todo,
                pool.map(lambda url: own_database.is_own_database("postgresql", url, own), todo.values()),
            )
        )
    for (i, key), is_own in found.items():
        if is_own:
            raise InvalidArgument(
                f"databases[{i}].{key} must not be Plan Desk's own database (it reaches the same "
                "PostgreSQL server and database)",
                field=f"databases[{i}].{key}",
                reason="own_database",
            )
    return checked | set(todo.values())


def get_config(db, actor: Actor, project_id: str) -> dict:
    from plandesk.core import projects

    with db.read() as conn:
        row = projects.load(conn, actor, project_id)
        config = load_config(conn, row.id)
        stored = conn.execute(
            select(connector_configs.c.updated_at).where(connector_configs.c.project_id == row.id)
        ).first()
    return {
        "project_id": row.id,
        **public_view(config),
        "updated_at": iso(stored.updated_at) if stored else None,
    }


def put_config(db, actor: Actor, project_id: str, data, *, data_dir: str | None = None) -> dict:
    """Owner or admin, as a person: recipes and the allowlist decide what code runs on this machine."""
    settings_store.require_settings_person(
        actor,
        what="changing the code connector settings",
        token_refusal="connector settings are changed by a person in the UI; a token cannot change them",
        permission="connector.configure",
    )
    from plandesk.core import projects

    protected = tuple(
        p for p in (data_dir, os.path.dirname(db.engine.url.database or "") if db.is_sqlite else None) if p
    )
    own_files = (db.engine.url.database,) if db.is_sqlite and db.engine.url.database else ()
    checked: set[str] = set()
    if "databases" in data and db.dialect == "postgresql":
        # A PostgreSQL workspace is recognised by identity (cluster and database oid), which takes a connection
        # to each URL: made before the write transaction, not while it is open.
        with db.read() as conn:
            previous = load_config(conn, projects.load(conn, actor, project_id).id)
        draft = clean(data, previous, protected=protected, own_files=own_files)
        checked = _refuse_own_postgresql(db, draft, set())
    with db.write() as tx:
        row = projects.load(tx.conn, actor, project_id)
        previous = load_config(tx.conn, row.id)
        config = clean(data, previous, protected=protected, own_files=own_files)
        if db.dialect == "postgresql":
            _refuse_own_postgresql(db, config, checked)  # only what changed in between
        ts = now()
        if tx.conn.execute(
            select(connector_configs.c.project_id).where(connector_configs.c.project_id == row.id)
        ).first():
            tx.conn.execute(
                connector_configs.update()
                .where(connector_configs.c.project_id == row.id)
                .values(config=config, updated_at=ts)
            )
        else:
            tx.conn.execute(
                connector_configs.insert().values(project_id=row.id, config=config, updated_at=ts)
            )
        changed = sorted(k for k in FIELDS if config.get(k) != previous.get(k))
        audit.record(
            tx,
            actor,
            "connector.configure",
            project_id=row.id,
            target_type="project",
            target_id=row.id,
            changed_fields=changed,
        )
        tx.publish(row.id, "connector.updated", id=row.id)
    return {"project_id": row.id, **public_view(config), "updated_at": iso(ts)}
