"""`apcli progress add|template|import`: record progress. Writing commands take the plan's lock
from reading the log to the last write (edit.plan_lock); writes.py does the writing."""

from __future__ import annotations

import os
import sys
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from ..diagnostics import escape_line, escape_text
from .app import progress_app
from .errors import fail
from .options import (
    DryRunOpt,
    PlanOpt,
    ProgressOpt,
    check_format,
    institution_id,
    lang_of,
    output_file,
    parsed,
    path_arg,
)

if TYPE_CHECKING:
    from ..app import Editable
    from ..periods import Quarter

MAX_SHOWN = 100  # problems printed by an import; the rest are counted


def writing(roots: list[Path], dry_run: bool = False) -> AbstractContextManager[None]:
    """The plan's lock (see edit.plan_lock) around a read-modify-write; none for a dry run."""
    from ..edit import plan_lock

    if dry_run:
        return nullcontext()

    def waiting(lock_file: Path) -> None:
        sys.stderr.write(f"apcli: waiting for {lock_file}: another apcli command is writing to this plan\n")

    return plan_lock(roots, on_wait=waiting)


def _append(plan: Any, progress: Path | None, entries: list[dict[str, Any]], broken: set[Path],
            dry_run: bool) -> None:
    """Append `entries` to their files: all files are prepared (and checked) before any is written."""
    from ..loader import display_path
    from ..progress import destination
    from ..writes import prepare_append, write_append

    append = prepare_append(plan, progress, entries, broken)
    if dry_run:
        for (path, data), old in zip(append.writes, append.old, strict=True):
            sys.stdout.write(f"would {'append to' if old else 'create'} {escape_line(display_path(path))}:\n")
            sys.stdout.write(escape_text(data[len(old):].decode("utf-8")))
        n = len(entries)
        sys.stdout.write(f"(dry run: {n} entr{'y' if n == 1 else 'ies'} checked, nothing written)\n")
        return
    write_append(append)
    for e in entries:
        sys.stdout.write(f"added {e['ref']} {e['status']} {e['date']} → "
                         f"{escape_line(display_path(destination(append.directory, e)))}\n")


@progress_app.command("add")
def progress_add(
    ref: str = typer.Argument(..., help="The activity, e.g. II-1.(a).1 (lenient: ii-1a1)."),
    status: str = typer.Option(..., "--status", help="not_started, in_progress, completed, cancelled or suspended."),
    day: str = typer.Option(..., "--date", help="When the status held: 2009-06-20 (or 20.06.2009); not in the future."),
    evidence: str | None = typer.Option(None, "--evidence",
                                        help="Decision, report or document; required for completed."),
    completion: str | None = typer.Option(None, "--completion", help="For in_progress: limited or substantial."),
    by: str | None = typer.Option(None, "--by", help="The reporting body (default: the activity's lead)."),
    note: str | None = typer.Option(None, "--note", help="Free text."),
    dry_run: bool = DryRunOpt,
    plan_dir: Path | None = PlanOpt, progress: Path | None = ProgressOpt,
) -> None:
    """Append one progress entry, validated first, to its quarter's file.

    The file is PLAN/progress/<quarter of --date>/<--by or the lead>.yaml.

    Example: apcli progress add II-1.(a).1 --status completed --date 2009-06-20 --evidence "VKM nr. 123"
    """
    from ..app import editable, lock_roots, plan_to_change
    from ..progress import Draft, check_drafts

    where = plan_to_change(plan_dir, dry_run)
    with writing(lock_roots(where, progress), dry_run):  # from reading the log to the write
        found = editable(where, progress)
        entries, diags = check_drafts(found.plan, [Draft(ref, status, day, evidence, completion, by, note)],
                                      date.today())
        if diags:
            for d in diags:
                sys.stderr.write(f"apcli: {escape_line(d.message)} ({d.code})\n")
            raise fail("nothing written")
        _append(found.plan, progress, entries, found.broken, dry_run)


@progress_app.command("template")
def progress_template(
    quarter: str = typer.Option(..., "--quarter", help="The reporting quarter, e.g. 2009Q2."),
    institution: str = typer.Option(..., "--institution", help="The reporting body (any spelling or full name)."),
    form_format: str = typer.Option("yaml", "--format", "-f", help="yaml (a progress file to fill in) or xlsx (an "
                                                                   "Excel workbook with dropdowns; needs --out)."),
    out: Path | None = typer.Option(None, "--out", "-o", parser=path_arg,
                                    help="Write the form here instead of stdout (-: stdout)."),
    force: bool = typer.Option(False, "--force", help="With --out: replace an existing file."),
    lang: str | None = typer.Option(None, "--lang", help="Instructions, labels and activity texts in sq (Albanian, the "
                                                         "official text) or en (unofficial English translation); "
                                                         "default: $APCLI_LANG, else sq."),
    plan_dir: Path | None = PlanOpt, progress: Path | None = ProgressOpt,
) -> None:
    """A body's quarterly reporting form, ready to fill in.

    Every activity it leads or supports that is open in the quarter, each followed by a
    commented-out entry; the filled-in form is an ordinary progress file. Activities of a
    collective it belongs to (e.g. Bashkitë/komunat) are included, labelled, and reported once
    by any member; those addressed to all bodies close the form, for information only. Its
    instructions are in Albanian, or in English with --lang en (the activities' texts too, in
    the unofficial English translation). With --format xlsx the form is an Excel workbook
    (dropdowns, dates checked, only the cells to fill in unlocked), written to --out FILE.xlsx.

    Example: apcli progress template --quarter 2009Q2 --institution MPÇSSHB --out mpcsshb.yaml
    """
    from ..app import progress_dir
    from ..edit import write_file
    from ..forms import quarterly_form
    from ..writes import check_out

    check_format(form_format, ("yaml", "xlsx"))
    lang = lang_of(lang)
    if form_format == "xlsx":
        _workbook_form(quarter, institution, None if out is None else str(out), force, lang, plan_dir, progress)
        return
    out = None if out is not None and str(out) == "-" else out
    if out is not None:
        check_out(out)  # a directory, device, FIFO, socket or link is refused before the work
    found, inst, q = _form_plan(quarter, institution, plan_dir, progress)
    form = quarterly_form(found.plan, inst, q, progress_dir(found.plan, progress), lang)
    _may_write_form(found, out, force)
    if out is None:
        sys.stdout.write(form.text)
        return
    write_file(out, form.text.encode("utf-8"))
    apart = len(form.items) - form.own
    sys.stderr.write(f"wrote {escape_line(out)}: {form.own} activities of {escape_line(inst)} for {q}"
                     + (f", and {apart} for all bodies listed apart" if apart else "") + "\n")


def _workbook_form(quarter: str, institution: str, out: str | None, force: bool, lang: str,
                   plan_dir: Path | None, progress: Path | None) -> None:
    """`progress template --format xlsx`: the form as an Excel workbook (xlsxform.build_form)."""
    from ..app import write_output
    from ..forms import check_quarter, select
    from ..xlsxform import build_form

    target = output_file(out, "xlsx")
    assert target is not None  # xlsx always has its file
    found, inst, q = _form_plan(quarter, institution, plan_dir, progress)
    check_quarter(found.plan, q)
    _may_write_form(found, target, force)
    items = select(found.plan, inst, q, for_all=False)  # a workbook asks only what the body reports
    write_output(found.plan, target, build_form(found.plan, inst, q, items, lang, target.name))
    sys.stderr.write(f"wrote {escape_line(str(target))}: {len(items)} activities of {escape_line(inst)} for {q}\n")


def _form_plan(quarter: str, institution: str, plan_dir: Path | None,
               progress: Path | None) -> tuple[Editable, str, Quarter]:
    """A form's plan (one with errors too: the form may then be incomplete), body and quarter."""
    from ..app import editable, find_plan
    from ..dates import parse_quarter

    found = editable(find_plan(plan_dir), progress)
    return found, institution_id(found.plan, institution), parsed(parse_quarter, quarter)


def _may_write_form(found: Editable, out: Path | None, force: bool) -> None:
    """The form may go to `out` (None: stdout): never over a plan file, over another file only
    with --force; a warning when the plan has errors."""
    from ..app import not_plan_data

    if out is not None:
        not_plan_data(found.plan, out)
        if out.exists() and not force:
            raise fail(f"{out} exists; pass --force to replace it")
    if found.errors:
        sys.stderr.write(f"apcli: warning: the plan has {found.errors} error(s) (run `apcli check`); "
                         "the form may be incomplete\n")


@progress_app.command("import")
def progress_import(
    file: Path = typer.Argument(..., parser=path_arg,
                                help="A CSV (columns ref,status,date,evidence,completion,by,note; `,` or `;`), a "
                                     "filled-in form (.yaml), or an Excel workbook (.xlsx: the form from `progress "
                                     "template --format xlsx`, or a sheet whose header names those columns)."),
    dry_run: bool = DryRunOpt,
    plan_dir: Path | None = PlanOpt, progress: Path | None = ProgressOpt,
) -> None:
    """Append entries from a CSV, a filled-in form or an Excel workbook: all of them, or none.

    Every row is validated first; if any is bad, each problem is reported and nothing is written.

    Example: apcli progress import raporti-2009Q2.csv
    """
    from ..app import editable, lock_roots, plan_to_change
    from ..diagnostics import format_text
    from ..loader import display_path
    from ..progress import check_drafts, read_csv, read_form
    from ..xlsxform import FormInfo, in_cells, is_workbook, read_xlsx

    name = display_path(file)
    if not os.path.lexists(file):
        raise fail(f"{name}: no such file")
    workbook = file.suffix.lower() not in (".yaml", ".yml") and is_workbook(file)
    info: FormInfo | None = None
    if workbook:  # each problem names its cell (forma.xlsx:Forma!E7)
        drafts, diags, info = read_xlsx(file, name)
    else:
        reader = read_form if file.suffix.lower() in (".yaml", ".yml") else read_csv
        drafts, diags = reader(file, name)  # regular files only, within the size and row caps
    where = plan_to_change(plan_dir, dry_run)
    with writing(lock_roots(where, progress), dry_run or bool(diags)):  # from reading the log to the write
        found = editable(where, progress)
        entries: list[dict[str, Any]] = []
        if info is not None:  # a workbook read: its cells' problems and the entries' together
            entries, more = check_drafts(found.plan, drafts, date.today())
            diags = sorted(diags + in_cells(more, name, info.sheet))
        elif not workbook and not diags:
            entries, diags = check_drafts(found.plan, drafts, date.today())
        if diags:
            sys.stderr.write(format_text(diags[:MAX_SHOWN]))
            if len(diags) > MAX_SHOWN:
                sys.stderr.write(f"… and {len(diags) - MAX_SHOWN:,} more\n")
            bad = len({d.line for d in diags})
            raise fail(f"{bad} bad row(s){'' if workbook else ' or entries'} in {name}; nothing written", 1)
        if not entries:
            raise fail(f"{name}: no entries to import" + (" (no row has a status)" if workbook else ""), 1)
        _append(found.plan, progress, entries, found.broken, dry_run)
