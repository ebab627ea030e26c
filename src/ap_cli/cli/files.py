"""`apcli fmt` (house style and `--stamp` fingerprints for plan files) and `apcli init` (a new
plan repository)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from ..diagnostics import Diagnostic, escape_line
from ..errors import ApcliError
from .app import app
from .errors import fail
from .options import PlanOpt, path_arg
from .progress import writing


@app.command("fmt")
def fmt_files(
    paths: list[Path] = typer.Argument(None, parser=path_arg, help="Files or directories (default: every file of the "
                                                                   "plan)."),
    check_only: bool = typer.Option(False, "--check", help="Change nothing; list files not in house style, exit 1 if "
                                                           "any."),
    stamp: bool = typer.Option(False, "--stamp", help="Instead of formatting, write en_from (the fingerprint of the "
                                                      "Albanian) on every node that has English; run it once the "
                                                      "English is updated."),
    plan_dir: Path | None = PlanOpt,
) -> None:
    """Rewrite plan files in the house style; values and comments never change.

    2-space indent, lists under their key, no trailing spaces; quoting and comments kept.
    With --stamp, only `en_from:` lines are added or updated, every other byte is kept.

    Example: apcli fmt --check
    """
    from ..app import plan_to_change
    from ..diagnostics import format_text
    from ..edit import WriteError, lock_root, sweep_temp_files, write_file
    from ..formatting import format_file, plan_files
    from ..init import READ_ONLY, read_only
    from ..loader import display_path

    targets = paths or [plan_to_change(plan_dir, check_only)]
    files = [f for p in targets for f in (plan_files(p) if p.is_dir() else [p])]
    if not check_only and any(read_only(f.parent, named=True) for f in files):  # files named on the command line
        raise fail(READ_ONLY)
    if stamp:
        _stamp_files(list(dict.fromkeys(files)), check_only)
        return
    changed: list[Path] = []
    problems: list[Diagnostic] = []
    refused = 0
    with writing([lock_root(p) for p in targets], check_only):  # from reading each file to its write
        if not check_only:
            for directory in {f.parent for f in files}:
                sweep_temp_files(directory)  # left by an interrupted run; we hold the lock
        for path in dict.fromkeys(files):
            name = os.path.join(display_path(path.parent), path.name)  # a link by its own name
            new, diags = format_file(path, name)
            problems += diags
            refused += bool(diags)
            if new is None:
                continue
            if not check_only:
                try:
                    write_file(path, new)
                except WriteError as exc:  # the problems found so far are shown with it
                    raise ApcliError(f"{exc}; {len(changed)} file(s) reformatted before it, the rest left as "
                                     "they are", sorted(problems)) from None
            changed.append(path)
            sys.stdout.write(f"{'would reformat' if check_only else 'reformatted'} {escape_line(name)}\n")
    sys.stderr.write(format_text(sorted(problems)))
    verb = "would be reformatted" if check_only else "reformatted"
    sys.stderr.write(f"{len(changed)} file(s) {verb}, {len(set(files)) - len(changed) - refused} already formatted"
                     + (f", {refused} left as they are (see above)" if refused else "") + "\n")
    if problems or (check_only and changed):
        raise typer.Exit(1)


def _stamp_files(files: list[Path], check_only: bool) -> None:
    from ..diagnostics import format_text
    from ..edit import write_atomic
    from ..loader import display_path
    from ..stamp import stamp_file

    problems: list[Diagnostic] = []
    stamped, total = 0, 0
    for path in files:
        new, count, diags = stamp_file(path, display_path(path))
        problems += diags
        if new is None:
            continue
        stamped, total = stamped + 1, total + count
        if not check_only:
            write_atomic(path, new)
        sys.stdout.write(f"{'would stamp' if check_only else 'stamped'} {display_path(path)}: "
                         f"{count} fingerprint{'s' if count != 1 else ''}\n")
    sys.stderr.write(format_text(sorted(problems)))
    verb = "missing or stale in" if check_only else "written to"
    sys.stderr.write(f"{total} fingerprint(s) {verb} {stamped} file(s)\n")
    if problems or (check_only and stamped):
        raise typer.Exit(1)


@app.command("init")
def init(directory: Path = typer.Argument(..., help="The folder for the new plan repository (created if missing).")
         ) -> None:
    """Start a plan repository: a working copy of the plan (plan files, an empty progress log, the
    JSON Schema), a pre-commit configuration and the CI workflow. Nothing existing is overwritten.

    Example: apcli init zkka-plan
    """
    from ..init import init_repository

    if not str(directory).strip():
        raise fail("init: the folder name is empty")
    for path in init_repository(directory):
        sys.stdout.write(f"wrote {path}\n")
    sys.stdout.write(f"next: cd {directory} && git init && apcli check\n")
