"""What the writing commands do, as functions: append progress entries, write reports and a
quarterly form. Every file is prepared (and checked) before the first is written; a failure is an
`ApcliError` saying what was written before it. Printing is the caller's (the command line's).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
