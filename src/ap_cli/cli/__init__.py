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
name to `GROUPS` below. Importing it registers the commands; `_finish` then wraps every command,
nested groups included, in the error mapping and the text-argument check.
"""

from __future__ import annotations

import importlib

import typer
from typer.core import TyperCommand

from .app import app, progress_app
from .errors import guarded
from .options import TextCommand

# Command groups, in the order `apcli --help` lists their commands.
GROUPS = ("checks", "queries", "reports", "site", "progress", "files")

for _group in GROUPS:
    importlib.import_module(f"{__name__}.{_group}")


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


_finish(app)


def main() -> None:
    app()


__all__ = ["app", "main", "progress_app"]
