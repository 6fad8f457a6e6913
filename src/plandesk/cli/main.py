"""The plandesk command: workspace, server, tokens, import/export, agents."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from plandesk import __version__
from plandesk.cli import agents, operations, portability, tokens, users, workspace

app = typer.Typer(
    name="plandesk",
    help="Plan Desk: a local-first planning workspace for people and AI agents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Each module registers its commands on `app`, in the order `--help` lists them.
for _module in (workspace, tokens, portability, agents, users, operations):
    _module.register(app)

# What a value option's placeholder says in help, where its own name would not (--in FILE, not --in IN).
_PLACEHOLDERS = {
    "data_dir": "DIR",
    "database_url": "URL",
    "url": "URL",
    "in_file": "FILE",
    "out": "FILE",
    "repo": "DIR",
    "config": "FILE",
    "source": "FILE",
    "host": "ADDRESS",
    "ref": "TOKEN",
}


HELP_NAMES = ["-h", "--help"]


def _print_version(ctx, _param, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        typer.echo(f"plandesk {__version__}")
        raise typer.Exit()


def _version_param():
    """One eager --version flag, built by Typer itself so that its help renders like every other option."""
    probe = typer.Typer()

    @probe.command()
    def _probe(
        _version: Annotated[
            bool,
            typer.Option(
                "--version",
                is_eager=True,
                expose_value=False,
                callback=_print_version,
                help="Print the Plan Desk version and exit.",
            ),
        ] = False,
    ) -> None:
        pass

    return typer.main.get_command(probe).params[0]


def _tidy(command, version_param, helping: bool) -> None:
    """Help a person can read: no `<bool>`/`<str>` type tags (a flag takes no value), a word for what a value
    option wants, and -h and --version on every command."""
    if not any("--version" in getattr(p, "opts", ()) for p in command.params):
        command.params.append(version_param)
    params = list(command.params)
    if helping:  # the help option is made on demand; making it here (with -h) costs a parse per command
        ctx = command.make_context("plandesk", [], resilient_parsing=True, help_option_names=HELP_NAMES)
        params = command.get_params(ctx)
    for param in params:
        if getattr(param, "is_flag", False) or getattr(param, "count", False):
            param.metavar = ""
        elif getattr(param, "param_type_name", "") == "argument":
            # Typer prints an argument's Python type beside its name whatever its metavar; the name is enough.
            param.metavar = param.metavar or _PLACEHOLDERS.get(param.name, param.name.upper())
            param.display_type_rich = lambda ctx=None: ""
        elif param.metavar is None and param.name:
            param.metavar = _PLACEHOLDERS.get(param.name, param.name.replace("_", "-").upper())
    for sub in getattr(command, "commands", {}).values():
        _tidy(sub, version_param, helping)


def command(argv: list[str] | None = None):
    """The click command behind `plandesk`. Given the arguments, help is readied only when it may be shown
    (a help flag, or a bare command or group): `plandesk token-header` runs on every MCP connection."""
    built = typer.main.get_command(app)
    helping = argv is None or len(argv) <= 1 or any(a in HELP_NAMES for a in argv)
    _tidy(built, _version_param(), helping)
    return built


def main() -> None:
    command(sys.argv[1:])(prog_name="plandesk")
