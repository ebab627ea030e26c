"""The application layer: the one way to get a plan fit for a purpose, for the command line,
`apcli diff`'s sides (gitsource.py) and scripts alike.

`open_plan` finds the plan (`--plan` / the path given, then `$APCLI_PLAN`, then `./plan`, then
the bundled copy), loads it, runs the checks, and raises `PlanInvalid` when the plan may not be
used as asked. `require` says how sound the plan must be:

- ``"clean"`` (the default; every question): loaded and checked, no error at all. Warnings are
  allowed.
- ``"valid"``: every file valid against its schema; the cross-file checks are not run (a diff of
  two versions, the list of deadline phrases: questions a cross-file finding does not spoil).
- ``"readable"``: there is a plan object at all; errors are allowed (an edit needs a readable plan
  and judges the file it writes to itself; see `editable`).

`check_plan` never refuses: it returns the plan (or None) with every diagnostic, for `apcli check`,
which reports rather than refuses. Heavy modules (pydantic, the loader) are imported inside
the functions, so importing this module costs nothing.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

from .diagnostics import Diagnostic, escape_line
from .errors import ApcliError, InvalidArgument, PlanInvalid
from .record import Record

if TYPE_CHECKING:
    from .periods import Reading
    from .plan import Plan

Require = Literal["clean", "valid", "readable"]
REQUIRE: tuple[str, ...] = get_args(Require)
PathLike = str | os.PathLike[str]


def find_plan(path: PathLike | None = None) -> Path:
    """The plan directory: `path`, then `$APCLI_PLAN`, then `./plan`, then the bundled copy."""
    from .loader import find_plan_dir

    return find_plan_dir(path)


def plan_root(path: Path) -> Path:
    """A plan directory, or the plan directory a file belongs to."""
    if path.is_dir():
        return path
    try:
        parents = path.resolve().parents
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symbolic link loop (Python < 3.13)
        from .edit import os_reason

        raise ApcliError(f"{path}: {os_reason(exc)}") from None
    for parent in parents:
        if (parent / "plan.yaml").is_file():
            return parent
    raise InvalidArgument(f"{path}: not a plan directory nor a file inside one")


class PlanCheck(Record):
    """A plan as found: the plan (None when it could not be read at all), every diagnostic
    (in the loader's order; sorted by place when the checks ran) and the files read."""

    plan: Plan | None
    diagnostics: list[Diagnostic]
    files: list[str]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


def check_plan(path: PathLike | None = None, *, progress: PathLike | None = None, checks: bool = True,
               today: date | None = None) -> PlanCheck:
    """Load the plan at `path` (found as `find_plan` does) and, when `checks` and it loaded
    without errors, run the cross-file checks as of `today`. Never raises on bad plan data."""
    from .loader import gc_paused, load_plan

    plan, diags = load_plan(find_plan(path), progress)
    if plan is not None and checks and not any(d.severity == "error" for d in diags):
        from .checks import run_checks

        with gc_paused():  # the checks build acyclic data too (see loader.gc_paused)
            diags = sorted(diags + run_checks(plan, today or date.today()))
    return PlanCheck(plan, diags, list(plan.files) if plan is not None else [])


def check_paths(paths: list[Path], plan: PathLike | None = None, *,
                progress: PathLike | None = None) -> PlanCheck:
    """`apcli check`: every plan named by `paths` (a plan directory, or a file inside one; none:
    the plan `find_plan(plan)` finds), each checked once; the diagnostics of all, sorted and
    without repeats, and every file read (`plan` is None)."""
    roots = [plan_root(p) for p in paths] if paths else [find_plan(plan)]
    diags: list[Diagnostic] = []
    files: list[str] = []
    for root in dict.fromkeys(roots):
        found = check_plan(root, progress=progress)
        diags += found.diagnostics
        files += found.files
    return PlanCheck(None, sorted(set(diags)), files)


def open_plan(path: PathLike | None = None, *, progress: PathLike | None = None,
              require: Require = "clean") -> Plan:
    """The plan at `path` (default: `$APCLI_PLAN`, `./plan`, then the bundled plan), with the
    progress log from `progress` (default: PLAN/progress). Raises `PlanInvalid` (its
    `diagnostics`: the errors) when the plan is not as sound as `require` asks (see above)."""
    if require not in REQUIRE:
        raise InvalidArgument(f"unknown require {require!r}; use one of: {', '.join(REQUIRE)}")
    if progress is not None and not Path(progress).is_dir():
        # the progress folder was named and is not there: a mistake in the command, not in the plan
        raise InvalidArgument(f"progress directory {escape_line(str(progress))} does not exist")
    found = check_plan(path, progress=progress, checks=require == "clean")
    errors = found.errors
    if found.plan is None:
        raise PlanInvalid(errors or found.diagnostics)
    if errors and require != "readable":
        raise PlanInvalid(errors)
    return found.plan


def cutoff(text: str | None) -> date:
    """The cut-off day named by `text` (2009, 2009-06, 2009Q2, 30.06.2009, qershor 2009, …),
    or, with none, the default: yesterday (dates.default_cutoff)."""
    from .dates import default_cutoff, parse_cutoff

    if text is None:
        return default_cutoff()
    try:
        return parse_cutoff(text)
    except ValueError as exc:
        raise InvalidArgument(str(exc)) from None


def writable_plan_dir(path: PathLike | None) -> Path:
    """The plan a writing command may change: never the bundled copy found by default, never
    the copy inside the installed package."""
    from .init import READ_ONLY, read_only

    where = find_plan(path)
    named = path is not None or bool(os.environ.get("APCLI_PLAN")) or (Path("plan") / "plan.yaml").is_file()
    if read_only(where, named):
        raise InvalidArgument(READ_ONLY)
    return where


def plan_to_change(path: PathLike | None, dry_run: bool) -> Path:
    """The plan a writing command changes (see `writable_plan_dir`); a dry run may read any."""
    return find_plan(path) if dry_run else writable_plan_dir(path)


def progress_dir(plan: Plan, progress: PathLike | None = None) -> Path:
    """The progress log's directory: `progress` when given, else PLAN/progress."""
    from .loader import PROGRESS_DIR

    return Path(progress) if progress else Path(plan.root) / PROGRESS_DIR


def lock_roots(path: PathLike | None, progress: PathLike | None) -> list[Path]:
    """A progress edit locks its plan, and its progress directory when that lies elsewhere."""
    return [find_plan(path), *([Path(progress)] if progress else [])]


def resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symbolic link loop: never a file we write to
        return path.absolute()


class Editable(Record):
    """A plan to edit: `broken`, the files with errors (an edit may not write to one), and how
    many errors the plan has."""

    plan: Plan
    broken: set[Path]
    errors: int


def editable(path: PathLike, progress: PathLike | None = None) -> Editable:
    """The plan and the files that have errors: an edit needs a readable plan, and only the
    file it writes to must be free of errors (a typo in another pillar does not block a report)."""
    found = check_plan(path, progress=progress, checks=False)
    if found.plan is None:
        raise PlanInvalid(found.diagnostics, "cannot read the plan (run `apcli check`)")
    errors = found.errors
    broken = {resolved(Path(d.file)) for d in errors if d.code != "empty-file"}  # appending fixes that one
    return Editable(found.plan, broken, len(errors))


def not_plan_data(plan: Plan, target: Path) -> None:
    """An output never replaces a file the plan is read from (`report --out plan/plan.yaml`, or a
    form saved with --force over a progress file, would replace plan data)."""
    if resolved(target) in {resolved(Path(name)) for name in plan.files}:
        raise ApcliError(f"{target}: is a file of the plan; --out never replaces plan data")


def read_phrase(phrase: str) -> Reading:
    """How a deadline phrase is read. One the grammar cannot read is an `ApcliError` listing the
    forms it reads (a finding about the phrase, as `deadlines` reports one, not a usage error)."""
    from .periods import ACCEPTED_FORMS, DeadlineError, read_deadline

    try:
        return read_deadline(phrase)
    except DeadlineError as exc:
        raise ApcliError(f"{exc}; accepted forms: {ACCEPTED_FORMS}") from None


# ----------------------------------------------------------------------------- binary outputs

BINARY = {"xlsx": ".xlsx", "ics": ".ics", "sqlite": ".db"}  # formats written to a file, never printed
_BINARY_WHAT = {"xlsx": "an Excel workbook", "ics": "a calendar", "sqlite": "an SQLite database"}


def output_file(out: str | None, fmt: str, *, terminal: bool = False) -> Path | None:
    """Where `--format fmt` goes, checked before any work: None for a text format (printed; an
    `--out` with one is a usage error), else the file `--out` names. A binary format needs
    `--out` (never standard output, a `terminal` or not); a workbook's name ends in .xlsx (so a
    plan's .yaml is never replaced by one); a directory, device, FIFO, socket or link is refused
    (edit.check_target)."""
    if fmt not in BINARY:
        if out is not None:
            raise InvalidArgument("--out is for --format xlsx; other formats print to standard output")
        return None
    if out is None or out == "-":
        where = "a terminal" if terminal else "standard output"
        raise InvalidArgument(f"--format {fmt} writes {_BINARY_WHAT[fmt]} (binary), not text for {where}: "
                              f"give --out FILE{BINARY[fmt]}")
    target = Path(out)
    if fmt == "xlsx" and target.suffix.lower() != ".xlsx":
        raise InvalidArgument(f"{out}: a workbook's name ends in .xlsx (Excel opens it by its name)")
    from .edit import check_target  # only here: a printed answer never loads the writing modules

    check_target(target)
    return target


def write_output(plan: Plan, target: Path, data: bytes) -> None:
    """Write an output file (`output_file`'s target) atomically; never over a file of the plan."""
    from .edit import write_file

    not_plan_data(plan, target)
    write_file(target, data)
