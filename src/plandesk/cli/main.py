"""The plandesk command: workspace, server, tokens, import/export, agents."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(name="plandesk", help="Plan Desk: a local-first planning workspace for people and AI agents.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

# Each module registers its commands on `app`; modules not written yet are skipped.
for _name in ("workspace", "tokens", "portability", "agents", "users", "operations"):
    try:
        importlib.import_module(f"plandesk.cli.{_name}").register(app)
    except ModuleNotFoundError as _exc:
        if _exc.name != f"plandesk.cli.{_name}":
            raise
