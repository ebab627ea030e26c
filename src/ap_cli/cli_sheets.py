"""Command-line wiring for the spreadsheet, calendar and database formats, kept apart from cli.py.

`register(app, progress_app)` adds to the commands cli.py defines, without changing them:
`--out` on every table command (for `--format xlsx`), `--format xlsx|yaml` on `progress
template`, workbooks on `progress import`, the binary formats of `export` (xlsx, ics, sqlite)
and the `reporting` command. Each addition wraps the command's callback with a few more
options and either handles the new case or hands the call on unchanged. The work itself is in
library modules (workbook, xlsxform, compliance, calendar, database); heavy libraries are
imported there, only when used.
"""

from __future__ import annotations

import functools
import inspect
import os
import stat
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import typer

from . import output
from .diagnostics import escape_line

TABLE_COMMANDS = ("overdue", "upcoming", "list", "by-institution", "stats", "institutions", "deadlines")
BINARY = {"xlsx": ".xlsx", "ics": ".ics", "sqlite": ".db"}
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx")
SHOWN_REFS = 6  # missing refs a terminal or Markdown table lists per body


def _cli() -> Any:
    from . import cli

    return cli


def _param(name: str, default: Any, annotation: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


def _out_param(help_text: str) -> inspect.Parameter:
    return _param("out", typer.Option(None, "--out", "-o", parser=_cli().out_arg, help=help_text), str | None)


def _extend(typer_app: typer.Typer, name: str, extra: list[inspect.Parameter],
            handler: Callable[..., Any]) -> None:
    """Give command `name` the options `extra`; `handler(original, **options)` runs it."""
    for info in typer_app.registered_commands:
        command = info.name or (info.callback.__name__.replace("_", "-") if info.callback else "")
        if command != name or info.callback is None:
            continue
        original = info.callback
        sig = inspect.signature(original, eval_str=True)
        known = {p.name for p in sig.parameters.values()}
        params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in sig.parameters.values()]
        params += [p for p in extra if p.name not in known]

        def run(*args: Any, __original: Callable[..., Any] = original, **kwargs: Any) -> Any:
            return handler(__original, **kwargs)

        run.__doc__ = original.__doc__
        run.__name__ = original.__name__
        run.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in params}
        info.callback = run
        return
    raise LookupError(f"no command {name!r} to extend")


def _binary_target(out: str | None, fmt: str) -> Path:
    """The file a binary format goes to: --out is required, and is never standard output."""
    cli = _cli()
    what = {"xlsx": "an Excel workbook", "ics": "a calendar", "sqlite": "an SQLite database"}[fmt]
    if out is None or out == "-":
        where = "a terminal" if sys.stdout.isatty() else "standard output"
        raise cli.fail(f"--format {fmt} writes {what} (binary), not text for {where}: "
                       f"give --out FILE{BINARY[fmt]}")
    target = Path(out)
    if fmt == "xlsx" and target.suffix.lower() != ".xlsx":  # also: a plan's .yaml is never replaced by a workbook
        raise cli.fail(f"{out}: a workbook's name ends in .xlsx (Excel opens it by its name)")
    from .edit import WriteError, check_target

    try:
        check_target(target)  # a directory, device, FIFO, socket or link is refused before the work
    except WriteError as exc:
        raise cli.fail(str(exc), 1) from None
    return target


def _write(target: Path, data: bytes, plan: Any = None) -> None:
    from .edit import WriteError, write_file

    cli = _cli()
    if plan is not None:
        cli._not_plan_data(plan, target)
    try:
        write_file(target, data)
    except WriteError as exc:
        raise cli.fail(str(exc), 1) from None


# ----------------------------------------------------------------------------- tables as workbooks


def _table_command(command: str, original: Callable[..., Any], *, out: str | None = None, **kwargs: Any) -> Any:
    from . import workbook

    fmt = kwargs.get("fmt")
    if fmt != "xlsx":
        if out is not None:
            raise _cli().fail("--out is for --format xlsx; other formats print to standard output")
        return original(**kwargs)
    target = _binary_target(out, "xlsx")
    workbook.destination, workbook.sheet_title = target, command
    try:
        return original(**kwargs)
    finally:
        workbook.destination, workbook.sheet_title = None, "apcli"


# ----------------------------------------------------------------------------- the quarterly form


def _template(original: Callable[..., Any], *, form_format: str = "yaml", **kwargs: Any) -> Any:
    if form_format == "yaml":
        return original(**kwargs)
    cli = _cli()
    if form_format != "xlsx":
        raise cli.fail(f"unknown format {form_format!r}; use one of: yaml, xlsx")
    from .dates import parse_quarter
    from .forms import select
    from .xlsxform import build_form

    lang = cli.lang_of(kwargs["lang"])
    out = kwargs["out"]
    target = _binary_target(None if out is None else str(out), "xlsx")
    plan, _, errors = cli._editable(kwargs["plan_dir"], kwargs["progress"], writing=False)
    inst = cli.institution_id(plan, kwargs["institution"])
    try:
        q = parse_quarter(kwargs["quarter"])
    except ValueError as exc:
        raise cli.fail(str(exc)) from None
    if q.last < plan.start.first_day() or q.first > plan.end.last_day():
        raise cli.fail(f"{q} is outside the plan period ({plan.start} – {plan.end})")
    cli._not_plan_data(plan, target)
    if target.exists() and not kwargs["force"]:
        raise cli.fail(f"{target} exists; pass --force to replace it")
    if errors:
        sys.stderr.write(f"apcli: warning: the plan has {errors} error(s) (run `apcli check`); "
                         "the form may be incomplete\n")
    items = [i for i in select(plan, inst, q) if i.section != "for_all"]
    _write(target, build_form(plan, inst, q, items, lang, target.name))
    sys.stderr.write(f"wrote {escape_line(str(target))}: {len(items)} activities of {inst} for {q}\n")


def _is_workbook(file: Path) -> bool:
    """By its name (.xlsx), or by a regular file's first bytes (a zip), so a workbook saved
    under another name is not read as CSV."""
    if file.suffix.lower() in WORKBOOK_SUFFIXES:
        return True
    try:
        if not stat.S_ISREG(os.stat(file).st_mode):
            return False
        with open(file, "rb") as f:
            return f.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _import(original: Callable[..., Any], **kwargs: Any) -> Any:
    file: Path = kwargs["file"]
    if file.suffix.lower() in (".yaml", ".yml") or not os.path.lexists(file) or not _is_workbook(file):
        return original(**kwargs)
    cli = _cli()
    from .diagnostics import format_text
    from .loader import display_path
    from .progress import check_drafts
    from .xlsxform import in_cells, read_xlsx

    name = display_path(file)
    dry_run, plan_dir, progress = kwargs["dry_run"], kwargs["plan_dir"], kwargs["progress"]
    drafts, diags, info = read_xlsx(file, name)
    plan_dir = cli._plan_to_change(plan_dir, dry_run)
    with cli._writing(cli._lock_roots(plan_dir, progress), dry_run or bool(diags)):  # read the log .. write
        plan, broken, _ = cli._editable(plan_dir, progress)
        entries: list[dict[str, Any]] = []
        if info is not None:
            entries, more = check_drafts(plan, drafts, date.today())
            diags = sorted(diags + in_cells(more, name, info.sheet))
        if diags:
            sys.stderr.write(format_text(diags[:cli.MAX_SHOWN]))
            if len(diags) > cli.MAX_SHOWN:
                sys.stderr.write(f"… and {len(diags) - cli.MAX_SHOWN:,} more\n")
            bad = len({d.line for d in diags})
            raise cli.fail(f"{bad} bad row(s) in {name}; nothing written", 1)
        if not entries:
            raise cli.fail(f"{name}: no entries to import (no row has a status)", 1)
        cli._append(plan, progress, entries, broken, dry_run)


# ----------------------------------------------------------------------------- registration


def register(app: typer.Typer, progress_app: typer.Typer) -> None:
    for name in TABLE_COMMANDS:
        _extend(app, name, [_out_param("With --format xlsx: the workbook to write (required; never stdout).")],
                functools.partial(_table_command, name))
    _extend(progress_app, "template",
            [_param("form_format", typer.Option("yaml", "--format", "-f",
                                                help="yaml (a progress file to fill in) or xlsx (an Excel "
                                                     "workbook with dropdowns; needs --out)."), str)],
            _template)
    _extend(progress_app, "import", [], _import)
    _reporting_command(app)
    cli = _cli()
    _extend(app, "export", [
        _out_param("For --format xlsx, ics or sqlite: the file to write (required; never stdout)."),
        _param("institution", typer.Option(None, "--institution", help="With --format ics: only this body's "
                                                                        "activities (any role)."), str | None),
        _param("pillar", typer.Option(None, "--pillar", help="With --format ics: only this pillar."), str | None),
        _param("as_of", typer.Option(None, "--as-of", help="With --format ics: the cut-off of the states shown "
                                                            "(default: yesterday)."), str | None),
        _param("lang", typer.Option(None, "--lang", help="With --format ics: " + cli.language.OPTION_HELP),
               str | None),
        _param("progress", cli.ProgressOpt, Path | None),
    ], _export)
    for info in progress_app.registered_commands:  # import's FILE help names workbooks
        if info.callback is not None and (info.name or info.callback.__name__) == "import":
            arg = inspect.signature(info.callback, eval_str=True).parameters["file"].default
            arg.help = ("A CSV (columns ref,status,date,evidence,completion,by,note; `,` or `;`), a filled-in form "
                        "(.yaml), or an Excel workbook (.xlsx: the form from `progress template --format xlsx`, "
                        "or a sheet whose header names those columns).")
    for info in app.registered_commands:  # export's --format help names the new formats
        if info.callback is not None and (info.name or info.callback.__name__) == "export":
            fmt = inspect.signature(info.callback, eval_str=True).parameters["fmt"].default
            fmt.help = "json, csv, or xlsx, ics, sqlite (these three need --out)."


# ----------------------------------------------------------------------------- reporting


def _reporting_command(app: typer.Typer) -> None:
    cli = _cli()

    @app.command("reporting")
    def reporting(
        quarter: str = typer.Option(..., "--quarter", help="The reporting quarter, e.g. 2009Q2."),
        institution: str | None = typer.Option(None, "--institution", help="Only this body."),
        fmt: str = typer.Option("table", "--format", "-f", help="table, json, csv, md or xlsx (needs --out)."),
        out: str | None = typer.Option(None, "--out", "-o", parser=cli.out_arg,
                                       help="With --format xlsx: the workbook to write."),
        fail_if_missing: bool = typer.Option(False, "--fail-if-missing",
                                             help="Exit 1 when any body has not reported an activity."),
        lang: str | None = cli.LangOpt,
        plan_dir: Path | None = cli.PlanOpt, progress: Path | None = cli.ProgressOpt,
        no_pager: bool = cli.NoPagerOpt,
    ) -> None:
        """Who has reported: for each body, the activities its quarterly form asks about, how many
        have an entry dated in the quarter, which are missing, and its last entry filed.

        An activity counts as reported by a body when an entry dated in the quarter names it in
        `by` (without `by`: the lead); a row of a collective is reported by any member's entry.

        Example: apcli reporting --quarter 2009Q2 --progress examples/progress-demo
        """
        from . import compliance, workbook
        from .dates import parse_quarter

        cli.check_format(fmt, ("table", "json", "csv", "md", "xlsx"))
        target = _binary_target(out, "xlsx") if fmt == "xlsx" else None
        if out is not None and fmt != "xlsx":
            raise cli.fail("--out is for --format xlsx; other formats print to standard output")
        lang = cli.lang_of(lang)
        plan = cli.load(plan_dir, progress)
        try:
            q = parse_quarter(quarter)
        except ValueError as exc:
            raise cli.fail(str(exc)) from None
        if q.last < plan.start.first_day() or q.first > plan.end.last_day():
            raise cli.fail(f"{q} is outside the plan period ({plan.start} – {plan.end})")
        if institution:
            reports = [compliance.body_report(plan, cli.institution_id(plan, institution), q)]
        else:
            reports = compliance.reporting(plan, q)
        rows = compliance.rows(reports, lang)
        if fmt in ("table", "md"):  # a readable chase list; csv, json and xlsx list every ref
            for row, r in zip(rows, reports, strict=True):
                refs = [m.ref for m in r.missing]
                if len(refs) > SHOWN_REFS:
                    row["missing_refs"] = ", ".join(refs[:SHOWN_REFS]) + f" … and {len(refs) - SHOWN_REFS} more"
        asked = sum(r.asked for r in reports)
        done = sum(r.reported for r in reports)
        bodies = "1 body" if len(reports) == 1 else f"{len(reports)} bodies"
        footer = (f"{q} ({q.first.isoformat()} – {q.last.isoformat()}): {bodies} asked about {asked} "
                  f"activities; {done} reported, {asked - done} missing; "
                  f"{sum(r.complete for r in reports)} bodies complete")
        Col, TEXT, FIXED, NUMBER = output.Column, output.TEXT, output.FIXED, output.NUMBER
        columns = [Col("body", "body", FIXED), Col("asked", "asked", NUMBER), Col("reported", "reported", NUMBER),
                   Col("missing", "missing", NUMBER, output.if_positive("red")),
                   Col("last_entry", "last entry", FIXED), Col("missing_refs", "missing refs", TEXT)]
        table = output.Table(columns, rows, footer=footer)
        if fmt == "xlsx" and target is not None:
            detail = compliance.missing_rows(reports, lang)
            sheets = [workbook.Sheet("bodies", [Col("body", "body", FIXED), Col("name", "name", TEXT),
                                                *columns[1:]], rows, [footer]),
                      workbook.Sheet("missing", [Col("body", "body", FIXED), Col("ref", "ref", FIXED),
                                                 Col("section", "section", FIXED), Col("due", "due", FIXED),
                                                 Col("via", "via", FIXED), Col("title", "title", TEXT)], detail)]
            _write(target, workbook.tables_workbook(sheets, workbook.stamp_time(q.last)), plan)
            sys.stdout.write(f"wrote {escape_line(str(target))}: {len(reports)} bodies, "
                             f"{asked - done} missing reports\n")
        else:
            data = {"quarter": str(q), "first": q.first.isoformat(), "last": q.last.isoformat(),
                    "bodies": [r.as_json() for r in reports]}
            output.emit_table(table, fmt, data, page=not no_pager)
        if fail_if_missing and done < asked:
            raise typer.Exit(1)


# ----------------------------------------------------------------------------- export


def _export(original: Callable[..., Any], *, out: str | None = None, institution: str | None = None,
            pillar: str | None = None, as_of: str | None = None, lang: str | None = None,
            progress: Path | None = None, **kwargs: Any) -> Any:
    cli = _cli()
    fmt = kwargs["fmt"]
    if fmt not in BINARY:
        if out is not None or institution or pillar or as_of or lang or progress:
            raise cli.fail("--out, --institution, --pillar, --as-of, --lang and --progress are for --format xlsx, "
                           "ics or sqlite")
        return original(**kwargs)
    if fmt != "ics" and (institution or pillar or as_of or lang):
        raise cli.fail("--institution, --pillar, --as-of and --lang are for --format ics")
    target = _binary_target(out, fmt)
    plan = cli.load(kwargs["plan_dir"], progress)
    if fmt == "ics":
        from .ics import calendar_bytes, events
        from .queries import select

        lang = cli.lang_of(lang)
        c = cli.cutoff(as_of, plan)
        inst = cli.institution_id(plan, institution) if institution else None
        evs = events(plan, select(plan, cli.pillar_of(plan, pillar), inst, "any"), c, lang)
        name = "Plani kundër trafikimit 2008–2010" + (f" — {inst}" if inst else "") + (
            f" — shtylla {cli.pillar_of(plan, pillar)}" if pillar else "")
        _write(target, calendar_bytes(plan, evs, c, name), plan)
        sys.stdout.write(f"wrote {escape_line(str(target))}: {len(evs)} events, states as of {c.isoformat()}\n")
    elif fmt == "xlsx":
        from .workbook import export_sheets, tables_workbook

        sheets = export_sheets(plan)
        _write(target, tables_workbook(sheets), plan)
        sys.stdout.write(f"wrote {escape_line(str(target))}: {len(sheets[0].rows)} activities\n")
    else:
        from .database import write_database
        from .edit import WriteError

        cli._not_plan_data(plan, target)
        try:
            counts = write_database(plan, target)
        except WriteError as exc:
            raise cli.fail(str(exc), 1) from None
        sys.stdout.write(f"wrote {escape_line(str(target))}: "
                         + ", ".join(f"{n} {table}" for table, n in counts.items()) + "\n")
