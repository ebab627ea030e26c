"""The one place where errors become messages and exit codes: 0 ok, 1 findings or work that
could not be done, 2 usage. Library code raises `ApcliError`s (errors.py) and knows no exit
code; `guarded` wraps every command (see `__init__.py`)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from ..diagnostics import escape_line

MAX_PLAN_ERRORS = 10  # a plan's errors shown before a refusal; the rest are counted
F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `apcli: message` on stderr; the exit to raise (usage errors: 2)."""
    sys.stderr.write(f"apcli: {escape_line(message)}\n")
    return typer.Exit(code)


def exit_for(exc: BaseException) -> typer.Exit | None:
    """Print what `exc` means to the reader and return the exit to raise; None: not ours (a bug,
    which keeps its traceback)."""
    from ..diagnostics import format_text
    from ..errors import ApcliError, InvalidArgument, PlanInvalid

    if isinstance(exc, PlanInvalid):
        shown = exc.diagnostics[:MAX_PLAN_ERRORS]
        sys.stderr.write(format_text(shown))
        if len(exc.diagnostics) > len(shown):
            sys.stderr.write(f"… and {len(exc.diagnostics) - len(shown)} more\n")
        return fail(str(exc), 1)
    if isinstance(exc, ApcliError):
        sys.stderr.write(format_text(exc.diagnostics))
        return fail(str(exc), 2 if isinstance(exc, InvalidArgument) else 1)
    message = os_failure(exc)
    return None if message is None else fail(message, 1)


def os_failure(exc: BaseException) -> str | None:
    """One line for an error of the file system that no command foresaw (a file vanishing
    mid-run, a name too long, permission denied, a symbolic link loop), else None."""
    if isinstance(exc, RuntimeError) and str(exc).startswith("Symlink loop"):  # Path.resolve, Python < 3.13
        where = str(exc).partition(" from ")[2].strip("'\"")
        return f"{_clip(where)}: symbolic link loop" if where else "symbolic link loop"
    if isinstance(exc, OSError) and not isinstance(exc, TimeoutError):
        reason = exc.strerror or str(exc) or type(exc).__name__
        return f"{_clip(str(exc.filename))}: {reason}" if exc.filename else reason
    return None


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + f"… ({len(text):,} characters)"


def guarded(callback: F) -> F:
    """`callback` with every library error mapped by `exit_for`."""

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except Exception as exc:
            done = exit_for(exc)
            if done is None:
                raise
            raise done from None

    run.guarded = True  # type: ignore[attr-defined]  # wrapped once, whoever else wraps it
    return run  # type: ignore[return-value]
