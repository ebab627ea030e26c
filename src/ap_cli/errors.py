"""The one family of errors apcli raises: every library exception is an `ApcliError`.

Two kinds matter to a caller, and the command line maps them to its exit codes in one place
(`ap_cli.cli.errors`; nothing below the command line knows an exit code):

- `InvalidArgument`: what the caller asked for cannot be read or does not exist (an unknown
  ref, body, language or report format; a deadline phrase the grammar cannot read; `--out`
  and `--format` that disagree). The command line's usage error (exit 2).
- any other `ApcliError`: the work could not be done (a plan with errors, a file that cannot
  be written, an edit that would not read back). Exit 1.

A problem with a place in a file is a `Diagnostic` (diagnostics.py): `PlanInvalid` carries the
plan's, and an error raised about one place carries it as `diagnostic`.
"""

from __future__ import annotations

from collections.abc import Sequence

from .diagnostics import Diagnostic


class ApcliError(Exception):
    """The base of every error apcli raises; `str()` is the message, one line.

    `diagnostics`: the located problems behind it (empty when it has no place in a file)."""

    def __init__(self, message: str = "", diagnostics: Sequence[Diagnostic] = ()):
        super().__init__(message)
        self.diagnostics: list[Diagnostic] = list(diagnostics)

    @property
    def diagnostic(self) -> Diagnostic | None:
        """The first located problem, if any."""
        return self.diagnostics[0] if self.diagnostics else None


class InvalidArgument(ApcliError):
    """What the caller asked for cannot be read or does not exist (a usage error)."""


class PlanInvalid(ApcliError):
    """The plan may not be used as asked: `diagnostics` holds its errors (or, when it could not
    be read at all, every problem found), sorted by place."""

    def __init__(self, diagnostics: Sequence[Diagnostic],
                 message: str = "the plan has errors (run `apcli check`); no answer given"):
        super().__init__(message, diagnostics)
