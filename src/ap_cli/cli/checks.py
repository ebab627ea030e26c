"""`apcli check` and `apcli schema`: the plan's validity and the JSON Schema of its files."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from .. import output
from .app import app
from .options import PlanOpt, ProgressOpt, check_format, path_arg


@app.command()
def check(
    paths: list[Path] = typer.Argument(None, parser=path_arg, help="Plan directories or files (default: the plan)."),
    fmt: str = typer.Option(None, "--format", "-f", help="text, github or json (github when GITHUB_ACTIONS=true)."),
    strict: bool = typer.Option(False, "--strict", help="Warnings fail too."),
    plan_dir: Path | None = PlanOpt,
    progress: Path | None = ProgressOpt,
) -> None:
    """Validate the plan: schema, registry, refs, deadlines, progress log.

    Example: apcli check --format github
    """
    from .. import diagnostics as dg
    from ..app import check_paths

    fmt = fmt or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    check_format(fmt, ("text", "github", "json"))
    found = check_paths(paths or [], plan_dir, progress=progress)
    diags = found.diagnostics
    render = {"text": dg.format_text, "github": dg.format_github, "json": dg.format_json}[fmt]
    sys.stdout.write(render(diags))
    if fmt != "json":
        sys.stderr.write(dg.summary(diags, len(found.files)) + "\n")
    raise typer.Exit(1 if dg.has_errors(diags, strict) else 0)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the plan files (plan/schema reference it for editors).

    Example: apcli schema > schema/apcli.schema.json
    """
    from ..model import json_schema

    sys.stdout.write(output.to_json(json_schema()))
