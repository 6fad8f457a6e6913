"""The plandesk command: workspace, server, tokens, import/export, agents."""

from __future__ import annotations

import typer

from plandesk.cli import agents, operations, portability, tokens, users, workspace

app = typer.Typer(name="plandesk", help="Plan Desk: a local-first planning workspace for people and AI agents.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

# Each module registers its commands on `app`, in the order `--help` lists them.
for _module in (workspace, tokens, portability, agents, users, operations):
    _module.register(app)
