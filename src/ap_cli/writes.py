"""What the writing commands do, as functions: append progress entries, write reports, put
plan files in the house style and stamp their fingerprints. Files are prepared (and checked)
before the first is written; a failure is an `ApcliError` saying what was written before it.
Printing is the caller's (the command line's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostic, error
from .errors import ApcliError

if TYPE_CHECKING:
    from .plan import Plan

STDOUT_HINT = " (--out - writes to standard output)"


def check_out(path: Path) -> None:
    """An output file may be written (a directory, device, FIFO, socket or link is refused)
    before any work is done."""
    from .edit import WriteError, check_target

    try:
        check_target(path)
    except WriteError as exc:
        raise ApcliError(f"{exc}{STDOUT_HINT}") from None


# ----------------------------------------------------------------------------- progress


@dataclass(frozen=True)
class Append:
    """Entries to append: for each file, its new bytes and the bytes it has now (b"": new)."""

    writes: list[tuple[Path, bytes]]
    old: list[bytes]
    directory: Path
    root: Path


def prepare_append(plan: Plan, progress: Path | None, entries: list[dict[str, Any]],
                   broken: set[Path]) -> Append:
    """The files `entries` go to, prepared and checked; nothing is written."""
    from .app import progress_dir
    from .edit import EditError, WriteError, read_existing
    from .progress import plan_writes

    directory = progress_dir(plan, progress)
    root = Path(progress) if progress else Path(plan.root)  # no link may lead out of it
    try:
        writes = plan_writes(plan, directory, entries, broken, root)
    except (EditError, WriteError) as exc:
        raise ApcliError(f"{exc}; nothing written") from None
    return Append(writes, [read_existing(path) or b"" for path, _ in writes], directory, root)


def write_append(append: Append) -> None:
    """Write prepared entries (hold the plan's lock: temporary files of an interrupted run are
    swept first)."""
    from .edit import WriteError, sweep_temp_files, write_file
    from .loader import display_path

    for path in {p.parent for p, _ in append.writes}:
        sweep_temp_files(path)
    for i, (path, data) in enumerate(append.writes):
        try:
            write_file(path, data, append.root)
        except WriteError as exc:
            done = ", ".join(display_path(p) for p, _ in append.writes[:i]) or "none"
            raise ApcliError(f"{exc}; {display_path(path)} is unchanged (files already written: {done})") from None


# ----------------------------------------------------------------------------- reports


def write_reports(directory: Path, files: dict[str, str]) -> None:
    """Write `--per-institution` reports: every file checked before the first is written."""
    from .edit import WriteError, check_target
    from .render import write_text

    written = 0
    try:
        for name in files:
            check_target(directory / name)
        for name, text in files.items():
            write_text(directory / name, text)
            written += 1
    except WriteError as exc:
        raise ApcliError(f"{exc} ({written} of {len(files)} files written before it)") from None


# ----------------------------------------------------------------------------- fmt


@dataclass(frozen=True)
class Formatted:
    """What `format_files` did: files changed (or that would be), problems found, files refused."""

    changed: list[Path]
    problems: list[Diagnostic]
    refused: int
    total: int


def format_files(files: list[Path], check_only: bool, done: Callable[[str], None]) -> Formatted:
    """Put each file in the house style (`check_only`: change nothing); `done(name)` is called
    for each file changed, as it is. A file that cannot be formatted is left as it is and
    reported; see `_rewrite` for the rest."""
    from .formatting import format_file

    changed, problems, refused = _rewrite(files, check_only, format_file, done, "reformatted")
    return Formatted(changed, problems, refused, len(set(files)))


@dataclass(frozen=True)
class Stamped:
    """What `stamp_files` did: files stamped (or that would be), fingerprints, problems."""

    files: int
    fingerprints: int
    problems: list[Diagnostic]


def stamp_files(files: list[Path], check_only: bool, done: Callable[[str, int], None]) -> Stamped:
    """Write `en_from` fingerprints into each file (`check_only`: change nothing); `done(name,
    count)` is called for each file stamped, as it is; see `_rewrite` for the rest."""
    from .stamp import stamp_file

    counts: dict[str, int] = {}

    def stamp(path: Path, name: str) -> tuple[bytes | None, list[Diagnostic]]:
        new, count, problems = stamp_file(path, name)
        if new is not None:
            counts[name] = count
        return new, problems

    changed, problems, _ = _rewrite(files, check_only, stamp, lambda name: done(name, counts[name]), "stamped")
    return Stamped(len(changed), sum(counts.values()), problems)


def _rewrite(files: list[Path], check_only: bool, rewrite: Callable[[Path, str], tuple[bytes | None, list[Diagnostic]]],
             done: Callable[[str], None], what: str) -> tuple[list[Path], list[Diagnostic], int]:
    """Each file (once) through `rewrite(path, name)`: its new bytes, or None to leave it, and its
    problems; what changed is written unless `check_only`. A link is refused, never followed:
    writing would replace it, and its target may lie outside the plan. The caller holds the plan's lock;
    temporary files of an interrupted run are swept first, and a file that cannot be written
    stops the run (an `ApcliError` carrying the problems found so far). Returns the files
    changed, the problems, and how many files had any."""
    import os

    from .edit import WriteError, sweep_temp_files, write_file
    from .loader import display_path

    if not check_only:
        for directory in {f.parent for f in files}:
            sweep_temp_files(directory)
    changed: list[Path] = []
    problems: list[Diagnostic] = []
    troubled = 0
    for path in dict.fromkeys(files):
        name = os.path.join(display_path(path.parent), path.name)  # a link by its own name
        if os.path.islink(path):
            new, found = None, [error(name, 0, 0, "symlink", "a symbolic link; fmt never replaces a link "
                                      "(format the file it points to)")]
        else:
            new, found = rewrite(path, name)
        problems += found
        troubled += bool(found)
        if new is None:
            continue
        if not check_only:
            try:
                write_file(path, new)
            except WriteError as exc:
                raise ApcliError(f"{exc}; {len(changed)} file(s) {what} before it, the rest left as they are",
                                 sorted(problems)) from None
        changed.append(path)
        done(name)
    return changed, sorted(problems), troubled

