"""The `apcli` command line: the thinnest layer. Each command parses its options, calls the
library (app.py, queries.py, views.py, writes.py, …), prints the answer and sets the exit code
(0 ok, 1 findings, 2 usage). Only this package imports typer; heavy modules are imported inside
the commands that need them, and nothing in the library imports this package.

Modules, one per command group:

- `app.py`: the typer `app` (and `progress_app`) every group registers on, root options;
- `errors.py`: the one place library errors become messages and exit codes (`guarded`);
- `options.py`: shared options (`PlanOpt`, `AsOfOpt`, `RoleOpt`, …) and value checks;
- `checks.py` (check, schema), `queries.py` (institutions … export), `reports.py` (diff,
  report), `site.py` (trend, site), `progress.py` (progress add/template/import), `files.py`
  (fmt, init).

A new command group is a module here that does `from .app import app` and defines its commands
with `@app.command()` (or makes its own `typer.Typer()` and `app.add_typer(...)`s it); add its
name to `GROUPS` below. Importing it registers the commands; `_finish` then wraps every command,
nested groups included, in the error mapping and the text-argument check.

Command modules written against the old single-module cli.py (`ap_cli.cli_sheets`) still
work until they are moved here: each module of `LEGACY` that exists
is imported and its `register(...)` called, and the helpers they import from `ap_cli.cli`
(`load`, `fail`, `cutoff`, the options, `_editable`, `_append`, …) are re-exported from
`legacy.py` (only then: they would cost every start-up).
"""

from __future__ import annotations

import importlib
from pathlib import Path

import typer
from typer.core import TyperCommand

from .app import app, progress_app
from .errors import guarded
from .options import TextCommand

# Command groups, in the order `apcli --help` lists their commands.
GROUPS = ("checks", "queries", "reports", "site", "progress", "files")

for _group in GROUPS:
    importlib.import_module(f"{__name__}.{_group}")


# Modules outside this package that add commands with `register(...)`, and what they are given.
LEGACY: dict[str, tuple[typer.Typer, ...]] = {"cli_sheets": (app, progress_app)}
_present = [name for name in LEGACY if (Path(__file__).parent.parent / f"{name}.py").is_file()]
if _present:  # only then the old helpers, under their old names (they cost start-up time)
    from .legacy import *  # noqa: F403
for _name in _present:
    importlib.import_module(f"ap_cli.{_name}").register(*LEGACY[_name])


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
