"""The `apcli` command line: the thinnest layer. Each command parses its options, calls the
library (app.py, queries.py, views.py, writes.py, …), prints the answer and sets the exit code
(0 ok, 1 findings, 2 usage). Only this package imports typer; heavy modules are imported inside
the commands that need them, and nothing in the library imports this package.

Modules, one per command group:

- `app.py`: the typer `app` (and `progress_app`) every group registers on, root options;
- `errors.py`: the one place library errors become messages and exit codes (`guarded`);
- `options.py`: shared options (`PlanOpt`, `AsOfOpt`, `RoleOpt`, …) and value checks;
- `checks.py` (check, schema), `queries.py` (institutions … export), `reports.py` (diff,
  report, reporting), `site.py` (trend, site), `progress.py` (progress add/template/import),
  `files.py` (fmt, init).

A binary format (`--format xlsx|ics|sqlite`) goes to the file its command's `--out` names
(`options.OutOpt`); `options.output_file` (app.output_file) checks it before any work, and the
command passes it on explicitly (`options.emit`, `output.emit_table(..., out=, sheet=)`).

A new command group is a module here that does `from .app import app` and defines its commands
with `@app.command()` (or makes its own `typer.Typer()` and `app.add_typer(...)`s it); add its
name to `GROUPS` and its commands to `COMMANDS` below. Importing it registers the commands; `load`
then wraps every command, nested groups included, in the error mapping and the text-argument
check (`_finish`). A run (`main`) imports only the group that defines the command it names;
`from ap_cli.cli import app` gives the whole app.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperCommand

from . import app as _app_module
from .errors import guarded
from .options import TextCommand

if TYPE_CHECKING:
    from .app import app, progress_app

# The submodule `app` is bound on this package by its import; take it off, so that `app` here
# means the whole typer app, with every group loaded (`__getattr__` below).
globals().pop("app", None)

# Command groups, in the order `apcli --help` lists their commands.
GROUPS = ("checks", "queries", "reports", "site", "progress", "files")

# The group that defines each top-level command, so that a run loads only that one
# (tests/test_cli.py checks that this covers every command).
COMMANDS = {
    "check": "checks", "schema": "checks",
    "institutions": "queries", "deadline": "queries", "deadlines": "queries", "show": "queries",
    "list": "queries", "overdue": "queries", "upcoming": "queries", "by-institution": "queries",
    "stats": "queries", "export": "queries",
    "diff": "reports", "report": "reports", "reporting": "reports",
    "trend": "site", "site": "site",
    "progress": "progress",
    "fmt": "files", "init": "files",
}


def _finish(typer_app: typer.Typer) -> None:
    """Every command maps library errors (errors.guarded) and checks its text arguments
    (options.TextCommand); set here, once, for all of them."""
    for info in typer_app.registered_commands:
        if info.callback is not None and not getattr(info.callback, "guarded", False):
            info.callback = guarded(info.callback)
        if info.cls in (None, TyperCommand):
            info.cls = TextCommand
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _finish(group.typer_instance)


def load(groups: Iterable[str] = GROUPS) -> typer.Typer:
    """The typer app with `groups`' commands registered (and every command loaded before)."""
    for group in groups:
        importlib.import_module(f"{__name__}.{group}")
    # in GROUPS order, whichever group was loaded first
    _app_module.app.registered_commands.sort(key=_group_order)
    _finish(_app_module.app)
    return _app_module.app


def _group_order(info: typer.models.CommandInfo) -> int:
    group = getattr(info.callback, "__module__", "").rpartition(".")[2]
    return GROUPS.index(group) if group in GROUPS else len(GROUPS)


def groups_for(args: Sequence[str], environ: Mapping[str, str]) -> tuple[str, ...]:
    """The groups a run with these arguments needs: the one defining the command it names; all
    of them for no command, a root option but --no-pager (--help, --version, completion), a name
    not in COMMANDS, or a shell-completion request."""
    if "_TYPER_COMPLETE_ARGS" in environ or any(k.startswith("_") and k.endswith("_COMPLETE") for k in environ):
        return GROUPS
    for arg in args:
        if arg == "--no-pager":
            continue
        group = COMMANDS.get(arg)
        return GROUPS if group is None else (group,)
    return GROUPS


def __getattr__(name: str) -> Any:
    if name == "app":
        return load()
    if name == "progress_app":
        load()
        return _app_module.progress_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    load(groups_for(sys.argv[1:], os.environ))()


__all__ = ["app", "main", "progress_app"]
