"""The options and arguments commands share, and the checks of their values before any work:
paths, formats, roles, pillars, languages, the cut-off. A value that cannot be used is a usage
error (exit 2) naming it."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from typer.core import TyperCommand

from .. import language, output
from ..diagnostics import escape_line
from .errors import fail

if TYPE_CHECKING:
    from ..plan import Plan

T = TypeVar("T")


class TextCommand(TyperCommand):
    """A command whose text arguments are text: one that is not UTF-8 (a shell passes `$'\\xff'`
    on as a surrogate escape) or holds a NUL is a usage error naming it, before any work.
    Paths may hold any byte but NUL (file names need not be UTF-8)."""

    # ctx: typer's Context (click's before typer 0.28, typer's own copy of click after)
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        rest = super().parse_args(ctx, args)
        param: Any
        for param in self.get_params(ctx):
            values = ctx.params.get(param.name or "")
            for value in values if isinstance(values, (list, tuple)) else [values]:
                problem = _not_text(value)
                if problem:
                    raise typer.BadParameter(problem, ctx=ctx, param=param)
        return rest


def _not_text(value: object) -> str | None:
    if isinstance(value, Path):
        return "a path cannot hold a NUL character" if "\x00" in str(value) else None
    if not isinstance(value, str):
        return None
    if "\x00" in value:
        return "text cannot hold a NUL character"
    bad = next((c for c in value if "\ud800" <= c <= "\udfff"), None)
    if bad:
        return (f"not valid UTF-8 text (byte {escape_line(bad)} at character {value.index(bad) + 1}); "
                "check the terminal's encoding")
    return None


# Longest path and file name the command line accepts (Linux's PATH_MAX and NAME_MAX, in bytes).
MAX_PATH_BYTES = 4096
MAX_NAME_BYTES = 255


def path_arg(value: object) -> Path:
    """A path from the command line: empty or blank text, a NUL byte or a name too long for
    any file system is a usage error, before anything is opened (typer would read "" as ".")."""
    if isinstance(value, Path):  # a default
        return value
    text = str(value)
    problem = _bad_path(text)
    if problem:
        raise typer.BadParameter(problem)
    return Path(text)


def out_arg(value: object) -> str:
    """An --out value: a path checked like `path_arg`, kept as text (a trailing / means a folder)."""
    text = str(value)
    problem = _bad_path(text)
    if problem:
        raise typer.BadParameter(problem)
    return text


def revision_arg(value: object) -> str | None:
    """A git revision or a plan directory: the same rules as a path."""
    if value is None:
        return None
    problem = _bad_path(str(value), "revision or directory")
    if problem:
        raise typer.BadParameter(problem)
    return str(value)


def _bad_path(text: str, what: str = "path") -> str | None:
    if not text.strip():
        return f"empty {what}" if not text else f"blank {what} ({len(text)} space(s))"
    if "\0" in text:
        return f"the {what} holds a NUL character"
    raw = os.fsencode(text) if os.name != "nt" else text.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_PATH_BYTES:
        return f"the {what} is {len(raw):,} bytes long; the limit is {MAX_PATH_BYTES:,}"
    longest = max(raw.replace(b"\\", b"/").split(b"/"), key=len)
    if len(longest) > MAX_NAME_BYTES:
        return f"a name in the {what} is {len(longest):,} bytes long; the limit is {MAX_NAME_BYTES}"
    return None


PlanOpt = typer.Option(None, "--plan", parser=path_arg, help="Plan directory (default: $APCLI_PLAN, ./plan, then the "
                                                             "bundled plan).")
ProgressOpt = typer.Option(None, "--progress", parser=path_arg, help="Progress log directory to use instead of "
                                                                     "PLAN/progress (e.g. examples/progress-demo).")
AsOfOpt = typer.Option(None, "--as-of", help="Cut-off: 2009, 2009-06, 2009-06-15, 2009Q2, 2009H1, 30.06.2009, qershor "
                                             "2009 or June 2009 (its last day). Default: yesterday.")
FormatOpt = typer.Option("table", "--format", "-f",
                         help="table, json, csv, md or xlsx (an Excel workbook: needs --out).")
NoPagerOpt = typer.Option(False, "--no-pager", help="Print straight to the terminal, never through a pager.")
LangOpt = typer.Option(None, "--lang", help=language.OPTION_HELP)
PillarOpt = typer.Option(None, "--pillar", help="I, II, III, IV, 1-4 or a pillar name.")
ROLES_HELP = "lead, responsible, support, funder, any (responsible or support), all."
RoleOpt = typer.Option("any", "--role", help="With --institution: " + ROLES_HELP)
DryRunOpt = typer.Option(False, "--dry-run", help="Validate and show what would be written; write nothing.")
OutOpt = typer.Option(None, "--out", "-o", parser=out_arg,
                      help="With --format xlsx: the workbook to write (required; never stdout).")


# ----------------------------------------------------------------------------- values


def load(plan_dir: Path | None, progress: Path | None = None, checked: bool = True) -> Plan:
    """The plan (app.open_plan: clean, or only valid files when not `checked`)."""
    from ..app import open_plan

    return open_plan(plan_dir, progress=progress, require="clean" if checked else "valid")


def cutoff(as_of: str | None, plan: Plan | None = None) -> date:
    """The cut-off day (app.cutoff); a note on stderr when it lies outside the plan period, where
    the answer is still given but rarely what was meant (e.g. the default, yesterday, years after 2010)."""
    from ..app import cutoff as read_cutoff

    c = read_cutoff(as_of)
    if plan is not None:
        note = output.cutoff_note(c, plan.start, plan.end, defaulted=as_of is None)
        if note:
            sys.stderr.write(note)
    return c


def parsed(read: Callable[[str], T], text: str) -> T:
    """An option's value read by a library parser; its ValueError is a usage error."""
    try:
        return read(text)
    except ValueError as exc:
        raise fail(str(exc)) from None


def lang_of(option: str | None) -> str:
    """`--lang`, else $APCLI_LANG, else sq; an unknown language is a usage error."""
    return language.resolve(option)


def check_format(fmt: str, allowed: Sequence[str] = output.FORMATS) -> str:
    if fmt not in allowed:
        raise fail(f"unknown format {fmt!r}; use one of: {', '.join(allowed)}")
    return fmt


def institution_id(plan: Plan, name: str) -> str:
    return plan.registry.resolve(name)


def pillar_of(plan: Plan, text: str | None) -> str | None:
    from ..refs import pillar_numeral

    if text is None:
        return None
    numeral = pillar_numeral(text)
    if numeral not in {p.numeral for p in plan.pillars}:
        raise fail(f"unknown pillar {text!r}; the plan has {', '.join(p.numeral for p in plan.pillars)}")
    return numeral


def check_role(role: str) -> str:
    from ..queries import ROLES

    if role not in ROLES:
        raise fail(f"unknown role {role!r}; use one of: {', '.join(ROLES)}")
    return role


def output_file(out: str | None, fmt: str) -> Path | None:
    """The file `--out` names for a binary `fmt` (app.output_file), checked before any work;
    None for a format that prints."""
    from ..app import output_file as checked

    return checked(out, fmt, terminal=sys.stdout.isatty())


def table_output(fmt: str, out: str | None) -> Path | None:
    """A table command's `--format` (one of output.FORMATS) and the file its `--out` names
    (`output_file`), both checked before any work."""
    check_format(fmt)
    return output_file(out, fmt)


def emit(view: Any, fmt: str, no_pager: bool, out: Path | None = None, sheet: str = "apcli") -> None:
    """Print a views.View in `fmt` (xlsx: write it to `out`, from `output_file`, as sheet `sheet`)."""
    output.emit_table(view.table, fmt, view.data, page=not no_pager, out=out, sheet=sheet)
