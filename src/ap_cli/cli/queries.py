"""The questions: reference data (institutions, deadline, deadlines), activities (show, list),
questions over time (overdue, upcoming, by-institution, stats) and export. Each parses its
options, asks queries.py, and prints what views.py makes of the answer."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from .. import language, output
from ..diagnostics import escape_line
from .app import app
from .errors import fail
from .options import (
    ROLES_HELP,
    AsOfOpt,
    FormatOpt,
    LangOpt,
    NoPagerOpt,
    OutOpt,
    PillarOpt,
    PlanOpt,
    ProgressOpt,
    RoleOpt,
    check_format,
    check_role,
    cutoff,
    emit,
    institution_id,
    lang_of,
    load,
    out_arg,
    output_file,
    parsed,
    pillar_of,
    table_output,
)

if TYPE_CHECKING:
    from ..plan import Plan


@app.command()
def institutions(fmt: str = FormatOpt, out: str | None = OutOpt, lang: str | None = LangOpt,
                 plan_dir: Path | None = PlanOpt, no_pager: bool = NoPagerOpt) -> None:
    """List every body in the registry: how many activities it leads and appears in, how many
    reach it through a collective it belongs to, the members of each collective, and its name in
    Albanian and in (unofficial) English; --lang en puts the English first.

    Example: apcli institutions --format json
    """
    from .. import views
    from ..queries import institution_counts

    target = table_output(fmt, out)
    lang = lang_of(lang)
    plan = load(plan_dir)
    emit(views.institutions(plan, institution_counts(plan), lang), fmt, no_pager, target, "institutions")


@app.command()
def deadline(
    phrase: str = typer.Argument(..., help="A deadline phrase, e.g. 'Fundi i 2008-ës'."),
    fmt: str = typer.Option("text", "--format", "-f", help="text or json."),
    plan_dir: Path | None = PlanOpt,
) -> None:
    """Show how a deadline phrase is read (period, due day, approximate or not).

    The forms apcli reads: month ('qershor 2009'), quarter ('Tremujori i parë i 2009'), half
    ('Gjysma e parë e 2009-ës'), beginning/middle/end of year ('Fillimi i 2009-ës', 'Mesi i
    2009-ës', 'Fundi i 2008-ës'), season ('Pranverë 2009'), year ('2009', 'Gjatë 2009-ës'), by
    ('Deri në fund të 2008'), range ('Fundi i 2008 – fillimi i 2009', '2009-2010'), ongoing
    ('Në vazhdim', '2008 -'), recurring ('Deri në mars të çdo viti'). 'Dimër' (winter) needs
    a `due:` override.

    Example: apcli deadline "Tremujori i parë i 2009"
    """
    from .. import views
    from ..app import read_phrase

    check_format(fmt, ("text", "json"))
    reading = read_phrase(phrase)
    if fmt == "json":
        sys.stdout.write(output.to_json(reading.as_json()))
        return
    sys.stdout.write(views.deadline_text(phrase, reading))


@app.command()
def deadlines(fmt: str = FormatOpt, out: str | None = OutOpt, plan_dir: Path | None = PlanOpt,
              no_pager: bool = NoPagerOpt) -> None:
    """List every deadline phrase in the plan with its reading and how many activities use it.

    Example: apcli deadlines --format csv
    """
    from .. import views
    from ..queries import deadline_uses

    target = table_output(fmt, out)
    view = views.deadlines(deadline_uses(load(plan_dir, checked=False)))
    emit(view, fmt, no_pager, target, "deadlines")
    if any(row["kind"] == "UNREADABLE" for row in view.data):
        raise typer.Exit(1)


# ----------------------------------------------------------------------------- activities


@app.command()
def show(ref: str = typer.Argument(..., help="An activity, e.g. II-1.(a).1 (lenient: ii-1a1, mbrojtja 1.(a).1)."),
         fmt: str = typer.Option("text", "--format", "-f", help="text or json."),
         as_of: str | None = AsOfOpt, lang: str | None = LangOpt,
         plan_dir: Path | None = PlanOpt, progress: Path | None = ProgressOpt) -> None:
    """Print one activity in full, with its deadlines read and its state at the cut-off.

    JSON holds the Albanian and the English (`title_en`, `indicators_en`) whatever --lang says.

    Example: apcli show mbrojtja 1.(a).1
    """
    from .. import views

    check_format(fmt, ("text", "json"))
    lang = lang_of(lang)
    plan = load(plan_dir, progress)
    rec = plan.resolve_ref(ref)
    data = views.show_data(plan, rec, cutoff(as_of, plan))
    sys.stdout.write(output.to_json(data) if fmt == "json" else views.show_text(plan, rec, data, lang))


@app.command("list")
def list_(pillar: str | None = PillarOpt,
          status: str | None = typer.Option(None, "--status", help="not_started, in_progress, completed, cancelled, "
                                                                   "suspended, overdue, no_evidence, ongoing, stale, "
                                                                   "no_deadline, due_soon, on_track."),
          institution: str | None = typer.Option(None, "--institution", help="A body (any spelling or full name)."),
          role: str = RoleOpt,
          search: str | None = typer.Option(None, "--search", help="Text in titles or indicators, Albanian or English "
                                                                   "(case and diacritics ignored)."),
          as_of: str | None = AsOfOpt, fmt: str = FormatOpt, out: str | None = OutOpt,
          lang: str | None = LangOpt, plan_dir: Path | None = PlanOpt, progress: Path | None = ProgressOpt,
          no_pager: bool = NoPagerOpt) -> None:
    """List activities, filtered by pillar, status, institution or text.

    Example: apcli list --pillar II --search "strehëz"
    """
    from .. import views
    from ..diagnostics import excerpt
    from ..queries import STATUS_FILTERS, select

    target = table_output(fmt, out)
    check_role(role)
    lang = lang_of(lang)
    if status:
        from ..progress import status_hint, status_of

        typed, status = status, status_of(status, STATUS_FILTERS)
        if status is None:
            raise fail(f"unknown status {excerpt(typed)}; use one of: {', '.join(STATUS_FILTERS)}"
                       + status_hint(typed, STATUS_FILTERS))
    plan = load(plan_dir, progress)
    c = cutoff(as_of, plan)
    inst = institution_id(plan, institution) if institution else None
    recs = select(plan, pillar_of(plan, pillar), inst, role, status, search, c)
    emit(views.activity_list(plan, recs, c, lang), fmt, no_pager, target, "list")


# ----------------------------------------------------------------------------- questions over time


@app.command()
def overdue(as_of: str | None = AsOfOpt,
            institution: str | None = typer.Option(None, "--institution", help="Only this body's activities."),
            role: str = RoleOpt, pillar: str | None = PillarOpt, fmt: str = FormatOpt,
            out: str | None = OutOpt,
            fail_if_any: bool = typer.Option(False, "--fail-if-any", help="Exit 1 when anything is overdue."),
            lang: str | None = LangOpt,
            plan_dir: Path | None = PlanOpt, progress: Path | None = ProgressOpt,
            no_pager: bool = NoPagerOpt) -> None:
    """What was due by the cut-off and not done: most late first.

    Example: apcli overdue --as-of 2009-06 --institution MPÇSSHB
    """
    from .. import views
    from ..queries import is_stale, select
    from ..queries import overdue as find_overdue

    target = table_output(fmt, out)
    check_role(role)
    lang = lang_of(lang)
    plan = load(plan_dir, progress)
    c = cutoff(as_of, plan)
    inst = institution_id(plan, institution) if institution else None
    selected = select(plan, pillar_of(plan, pillar), inst, role)
    items = find_overdue(plan, c, selected)
    stale = sum(is_stale(plan, rec, c) for rec in selected)
    emit(views.overdue(plan, items, c, stale, lang), fmt, no_pager, target, "overdue")
    if fail_if_any and items:
        raise typer.Exit(1)


@app.command()
def upcoming(as_of: str | None = AsOfOpt,
             within: str = typer.Option("1q", "--within", help="Horizon after the cut-off's month: 1q, 3m, 6m, 1y."),
             institution: str | None = typer.Option(None, "--institution", help="Only this body's activities."),
             role: str = RoleOpt, pillar: str | None = PillarOpt,
             fmt: str = FormatOpt, out: str | None = OutOpt, lang: str | None = LangOpt,
             plan_dir: Path | None = PlanOpt, progress: Path | None = ProgressOpt,
             no_pager: bool = NoPagerOpt) -> None:
    """What falls due after the cut-off and within the horizon: soonest first.

    Example: apcli upcoming --as-of 2009-06 --within 1q
    """
    from .. import views
    from ..queries import horizon_end, parse_within, select
    from ..queries import upcoming as find_upcoming

    target = table_output(fmt, out)
    check_role(role)
    lang = lang_of(lang)
    months = parsed(parse_within, within)
    plan = load(plan_dir, progress)
    c = cutoff(as_of, plan)
    inst = institution_id(plan, institution) if institution else None
    items = find_upcoming(plan, c, months, select(plan, pillar_of(plan, pillar), inst, role))
    emit(views.upcoming(plan, items, c, horizon_end(c, months), lang), fmt, no_pager, target, "upcoming")


@app.command("by-institution")
def by_institution(name: str = typer.Argument(..., help="A body: acronym, alias or full name, any case or diacritics."),
                   role: str = typer.Option("any", "--role", help=ROLES_HELP),
                   direct: bool = typer.Option(False, "--direct", help="Only rows naming the body itself: none through "
                                                                       "a collective it belongs to, none addressed to "
                                                                       "all bodies."),
                   as_of: str | None = AsOfOpt, fmt: str = FormatOpt, out: str | None = OutOpt,
                   lang: str | None = LangOpt, plan_dir: Path | None = PlanOpt, progress: Path | None = ProgressOpt,
                   no_pager: bool = NoPagerOpt) -> None:
    """Every activity a body takes part in, with its role, due day and state at the cut-off.

    Rows naming the body, and rows naming a collective it belongs to (e.g. Bashkitë/komunat for
    BASHKITE), labelled "via"; then, apart and not counted, rows addressed to all bodies.

    Example: apcli by-institution MPCSSHB --as-of 2009-06
    """
    from .. import views
    from ..queries import by_institution as involvement

    target = table_output(fmt, out)
    check_role(role)
    lang = lang_of(lang)
    plan = load(plan_dir, progress)
    inst = institution_id(plan, name)
    c = cutoff(as_of, plan)
    rows, summary = involvement(plan, inst, c, role, direct)
    emit(views.by_institution(plan, inst, rows, summary, c, lang, csv=fmt == "csv"), fmt, no_pager, target,
         "by-institution")


@app.command()
def stats(as_of: str | None = AsOfOpt, fmt: str = FormatOpt, out: str | None = OutOpt, lang: str | None = LangOpt,
          plan_dir: Path | None = PlanOpt, progress: Path | None = ProgressOpt,
          no_pager: bool = NoPagerOpt) -> None:
    """Per pillar and overall: activities, completed, in progress, overdue, no evidence, ongoing, stale, no deadline.

    Example: apcli stats --as-of 2009-12
    """
    from .. import views
    from ..queries import stats as pillar_stats

    target = table_output(fmt, out)
    lang = lang_of(lang)
    plan = load(plan_dir, progress)
    c = cutoff(as_of, plan)
    emit(views.stats(pillar_stats(plan, c), c, lang), fmt, no_pager, target, "stats")


EXPORT_OUT_HELP = "For --format xlsx, ics or sqlite: the file to write (required; never stdout)."


@app.command()
def export(fmt: str = typer.Option("json", "--format", "-f",
                                   help="json, csv, or xlsx, ics, sqlite (these three need --out)."),
           out: str | None = typer.Option(None, "--out", "-o", parser=out_arg, help=EXPORT_OUT_HELP),
           institution: str | None = typer.Option(None, "--institution", help="With --format ics: only this body's "
                                                                              "activities (any role)."),
           pillar: str | None = typer.Option(None, "--pillar", help="With --format ics: only this pillar."),
           as_of: str | None = typer.Option(None, "--as-of", help="With --format ics: the cut-off of the states "
                                                                  "shown (default: yesterday)."),
           lang: str | None = typer.Option(None, "--lang", help="With --format ics: " + language.OPTION_HELP),
           plan_dir: Path | None = PlanOpt, progress: Path | None = ProgressOpt) -> None:
    """Every activity as one row, for spreadsheets and scripts, in Albanian and in English.

    Each row carries both languages (title and title_en, indicators and indicators_en, …) and
    en_status: "unofficial translation". CSV leaves out the nested milestones column (their
    deadlines and indicators are in deadlines, indicators and their _en columns).

    --format xlsx (the activities and a sheet of milestones), ics (a calendar of the due days;
    --institution, --pillar, --as-of, --lang choose which and how) and sqlite (a database of
    the plan) write the file --out names, never standard output.

    Example: apcli export --format csv > plan.csv
    """
    from ..app import BINARY

    check_format(fmt, ("json", "csv", *BINARY))
    if fmt not in BINARY:
        if out is not None or institution or pillar or as_of or lang or progress:
            raise fail("--out, --institution, --pillar, --as-of, --lang and --progress are for --format xlsx, "
                       "ics or sqlite")
        from .. import views
        from ..queries import export_rows

        rows = export_rows(load(plan_dir))
        sys.stdout.write(output.to_json(rows) if fmt == "json" else views.export_csv(rows))
        return
    if fmt != "ics" and (institution or pillar or as_of or lang):
        raise fail("--institution, --pillar, --as-of and --lang are for --format ics")
    target = output_file(out, fmt)
    assert target is not None  # a binary format always has its file
    plan = load(plan_dir, progress)
    if fmt == "ics":
        _export_calendar(plan, target, institution, pillar, as_of, lang)
    elif fmt == "xlsx":
        from ..app import write_output
        from ..workbook import export_sheets, tables_workbook

        sheets = export_sheets(plan)
        write_output(plan, target, tables_workbook(sheets))
        sys.stdout.write(f"wrote {escape_line(str(target))}: {len(sheets[0].rows)} activities\n")
    else:
        from ..app import not_plan_data
        from ..database import write_database

        not_plan_data(plan, target)
        counts = write_database(plan, target)
        sys.stdout.write(f"wrote {escape_line(str(target))}: "
                         + ", ".join(f"{n} {table}" for table, n in counts.items()) + "\n")


def _export_calendar(plan: Plan, target: Path, institution: str | None, pillar: str | None, as_of: str | None,
                     lang: str | None) -> None:
    """`export --format ics`: an event per due day of the activities chosen, with its state at the cut-off."""
    from ..app import write_output
    from ..ics import calendar_bytes, events
    from ..queries import select

    lang = lang_of(lang)
    c = cutoff(as_of, plan)
    inst = institution_id(plan, institution) if institution else None
    numeral = pillar_of(plan, pillar)
    evs = events(plan, select(plan, numeral, inst, "any"), c, lang)
    name = "Plani kundër trafikimit 2008–2010" + (f" — {inst}" if inst else "") + (
        f" — shtylla {numeral}" if pillar else "")
    write_output(plan, target, calendar_bytes(plan, evs, c, name))
    sys.stdout.write(f"wrote {escape_line(str(target))}: {len(evs)} events, states as of {c.isoformat()}\n")
