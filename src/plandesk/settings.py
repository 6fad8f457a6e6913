"""One Settings object; precedence: CLI flag > environment (PLANDESK_*) > config file > default."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

DEFAULT_PORT = 3847
DEFAULT_HOST = "127.0.0.1"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=lambda: Path.home() / ".plandesk")
    database_url: str | None = None
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    allow_remote: bool = False
    allowed_hosts: tuple[str, ...] = ()
    base_url: str | None = None
    workers: int = 1
    rate_limit_per_minute: int = 120_000  # 2,000/s: above one agent's full speed (core/rate_limit)
    max_body_bytes: int = 4 * 1024 * 1024
    log_level: str = "warning"
    sources: dict = field(default_factory=dict, compare=False)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{self.data_dir / 'workspace.db'}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def is_loopback_bind(self) -> bool:
        return self.host in LOOPBACK_HOSTS

    def redacted(self) -> dict:
        out = {}
        for f in fields(self):
            if f.name == "sources":
                continue
            value = getattr(self, f.name)
            if f.name == "database_url" and value:
                value = redact_url(value)
            out[f.name] = {
                "value": str(value) if isinstance(value, Path) else value,
                "source": self.sources.get(f.name, "default"),
            }
        return out


def normalise_database_url(url: str) -> str:
    """Accept the URLs people type and hand SQLAlchemy the driver we ship."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def redact_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown without its middle
        return url.split("@")[-1]


_ENV = {
    "data_dir": "PLANDESK_DATA_DIR",
    "database_url": "PLANDESK_DATABASE_URL",
    "host": "PLANDESK_HOST",
    "port": "PLANDESK_PORT",
    "allowed_hosts": "PLANDESK_ALLOWED_HOSTS",
    "base_url": "PLANDESK_BASE_URL",
    "rate_limit_per_minute": "PLANDESK_RATE_LIMIT_PER_MINUTE",
    "log_level": "PLANDESK_LOG_LEVEL",
}


class SettingsError(ValueError):
    """A setting that cannot be used; the message names where it came from. Commands print it and exit."""


def _coerce(name: str, raw):
    if name == "data_dir":
        return Path(raw).expanduser()
    if name in {"port", "workers", "rate_limit_per_minute", "max_body_bytes"}:
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise SettingsError(f"{name} must be a whole number (got {str(raw)[:40]!r})") from None
    if name == "allowed_hosts":
        if isinstance(raw, str):
            return tuple(h.strip() for h in raw.split(",") if h.strip())
        return tuple(raw)
    if name == "allow_remote":
        return raw if isinstance(raw, bool) else str(raw).lower() in {"1", "true", "yes"}
    return raw


def load_settings(**flags) -> Settings:
    """Build Settings from flags (None = not given), the environment and the data dir's config file."""
    values: dict = {}
    sources: dict = {}
    data_dir_raw = flags.get("data_dir") or os.environ.get("PLANDESK_DATA_DIR")
    data_dir = Path(data_dir_raw).expanduser() if data_dir_raw else Path.home() / ".plandesk"
    config_file = data_dir / "config.json"
    if config_file.is_file():
        try:
            file_values = json.loads(config_file.read_text())
        except json.JSONDecodeError as exc:
            raise SettingsError(f"{config_file} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
        known = {f.name for f in fields(Settings)}
        for key, raw in file_values.items():
            if key not in known or key == "sources":
                raise SettingsError(f"{config_file}: unknown setting {key!r}")
            values[key] = _coerce(key, raw)
            sources[key] = "file"
    for name, env in _ENV.items():
        if os.environ.get(env):
            values[name] = _coerce(name, os.environ[env])
            sources[name] = "env"
    for name, raw in flags.items():
        if raw is not None:
            values[name] = _coerce(name, raw)
            sources[name] = "flag"
    values.setdefault("data_dir", data_dir)
    return replace(Settings(), **values, sources=sources)
