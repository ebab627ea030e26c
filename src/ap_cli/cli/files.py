"""`apcli fmt` (house style and `--stamp` fingerprints for plan files) and `apcli init` (a new
plan repository)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ..diagnostics import escape_line
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
    from ..edit import lock_root
    from ..formatting import plan_files
    from ..init import READ_ONLY, read_only
    from ..writes import format_files, stamp_files

    targets = paths or [plan_to_change(plan_dir, check_only)]
    files = [f for p in targets for f in (plan_files(p) if p.is_dir() else [p])]
    if not check_only and any(read_only(f.parent, named=True) for f in files):  # files named on the command line
        raise fail(READ_ONLY)
    lock = writing([lock_root(p) for p in targets], check_only)  # from reading each file to its write
    if stamp:
        def stamped(name: str, count: int) -> None:
            sys.stdout.write(f"{'would stamp' if check_only else 'stamped'} {escape_line(name)}: "
                             f"{count} fingerprint{'s' if count != 1 else ''}\n")

        with lock:
            s = stamp_files(files, check_only, stamped)
        sys.stderr.write(format_text(s.problems))
        sys.stderr.write(f"{s.fingerprints} fingerprint(s) {'missing or stale in' if check_only else 'written to'} "
                         f"{s.files} file(s)\n")
        if s.problems or (check_only and s.files):
            raise typer.Exit(1)
        return

    def formatted(name: str) -> None:
        sys.stdout.write(f"{'would reformat' if check_only else 'reformatted'} {escape_line(name)}\n")

    with lock:
        f = format_files(files, check_only, formatted)
    sys.stderr.write(format_text(f.problems))
    verb = "would be reformatted" if check_only else "reformatted"
    sys.stderr.write(f"{len(f.changed)} file(s) {verb}, {f.total - len(f.changed) - f.refused} already formatted"
                     + (f", {f.refused} left as they are (see above)" if f.refused else "") + "\n")
    if f.problems or (check_only and f.changed):
        raise typer.Exit(1)


@app.command("init")
def init(directory: Path = typer.Argument(..., parser=path_arg,
                                          help="The folder for the new plan repository (created if missing)."),
         pages: bool = typer.Option(False, "--pages", help="Also a workflow publishing the plan's website "
                                    "(apcli site) with GitHub Pages.")) -> None:
    """Start a plan repository: a working copy of the plan (plan files, an empty progress log, the
    JSON Schema), a pre-commit configuration and the CI workflow. Nothing existing is overwritten.

    Example: apcli init zkka-plan
    """
    import shlex

    from ..init import init_repository

    for path in init_repository(directory, pages):
        sys.stdout.write(f"wrote {escape_line(str(path))}\n")
    # a line to paste into a shell: the folder quoted when it needs it
    sys.stdout.write(f"next: cd {escape_line(shlex.quote(str(directory)))} && git init && apcli check\n")
