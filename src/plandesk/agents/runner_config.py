"""Runner settings: flag > runner config file (--config, $PLANDESK_RUNNER_CONFIG, .plandesk/runner.toml) > default."""

from __future__ import annotations

import os
import shlex
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

from plandesk.agents.runner import RunnerOptions

CONFIG_ENV = "PLANDESK_RUNNER_CONFIG"
REPO_CONFIG = ".plandesk/runner.toml"
_KEYS = {f.name for f in fields(RunnerOptions)}


class RunnerConfigError(ValueError):
    pass


def config_path(explicit: Path | None, repo: Path) -> Path | None:
    if explicit is not None:
        return explicit
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV]).expanduser()
    candidate = repo / REPO_CONFIG
    return candidate if candidate.is_file() else None


def _worker_argv(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        try:
            argv = shlex.split(value)
        except ValueError as exc:
            raise RunnerConfigError(f"{where}: worker cannot be split into arguments: {exc}") from exc
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        argv = list(value)
    else:
        raise RunnerConfigError(f"{where}: worker must be a command line or a list of arguments")
    if not argv:
        raise RunnerConfigError(f"{where}: worker is empty")
    return argv


def load(explicit: Path | None, repo: Path, flags: dict[str, Any]) -> RunnerOptions:
    """Options from the file, overridden by every flag that was given (None = not given)."""
    values: dict[str, Any] = {}
    path = config_path(explicit, repo)
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise RunnerConfigError(f"runner config {path} cannot be read: {exc}") from exc
        for key, value in data.items():
            key = key.replace("-", "_")
            if key == "base":
                key = "base_ref"
            if key not in _KEYS:
                raise RunnerConfigError(
                    f"runner config {path}: unknown setting {key!r} (known: {', '.join(sorted(_KEYS))})"
                )
            values[key] = value
    values.update({k: v for k, v in flags.items() if v is not None})
    if "worker" not in values:
        raise RunnerConfigError(
            'no worker command: pass --worker "<command>" or set worker in a runner config '
            f"({REPO_CONFIG} or ${CONFIG_ENV})"
        )
    values["worker"] = _worker_argv(values["worker"], str(path or "--worker"))
    for key, low in (("concurrency", 1), ("lease_seconds", 10), ("max_tasks", 1)):
        if values.get(key) is not None and (not isinstance(values[key], int) or values[key] < low):
            raise RunnerConfigError(f"{key} must be a whole number of at least {low}")
    for key in ("poll_seconds", "worker_timeout", "gate_timeout"):
        if key in values and (not isinstance(values[key], (int, float)) or values[key] <= 0):
            raise RunnerConfigError(f"{key} must be a positive number of seconds")
    return RunnerOptions(**values)
