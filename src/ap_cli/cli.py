"""The `apcli` command line: each command parses its options, calls one library function,
prints the answer and sets the exit code (0 ok, 1 findings, 2 usage). Only this module
imports typer; heavy modules are imported inside the commands that need them.
"""

from __future__ import annotations

import functools
import os
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Optional

import typer
from typer.core import TyperCommand

from . import language, output
from .diagnostics import escape_line, escape_text, excerpt


class TextCommand(TyperCommand):
    """A command whose text arguments are text: one that is not UTF-8 (a shell passes `$'\\xff'`
    on as a surrogate escape) or holds a NUL is a usage error naming it, before any work.
    Paths may hold any byte but NUL (file names need not be UTF-8)."""

    def parse_args(self, ctx, args):
        rest = super().parse_args(ctx, args)
        for param in self.get_params(ctx):
            values = ctx.params.get(param.name)
            for value in values if isinstance(values, (list, tuple)) else [values]:
                problem = _not_text(value)
                if problem:
                    raise typer.BadParameter(problem, ctx=ctx, param=param)
        return rest


def _not_text(value) -> str | None:
    if isinstance(value, Path):
        value = str(value)
        return "a path cannot hold a NUL character" if "\x00" in value else None
    if not isinstance(value, str):
        return None
    if "\x00" in value:
        return "text cannot hold a NUL character"
    bad = next((c for c in value if "\ud800" <= c <= "\udfff"), None)
    if bad:
        return (f"not valid UTF-8 text (byte {escape_line(bad)} at character {value.index(bad) + 1}); "
                "check the terminal's encoding")
    return None


app = typer.Typer(
    name="apcli",
    help="Albania's Action Plan against Trafficking in Human Beings 2008–2010 as data: "
    "what is overdue, who is responsible, how far each pillar has come.",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)



def _print_version(value: bool) -> None:
    if value:
        from . import __version__

        sys.stdout.write(f"apcli {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                       help="Print apcli's version and exit."),
          no_pager: bool = typer.Option(False, "--no-pager",
                                        help="Never page long terminal output (also an option of each table command).")
          ) -> None:
    """Albania's Action Plan against Trafficking in Human Beings 2008–2010 as data: what is
    overdue, who is responsible, how far each pillar has come.

    Refs such as II-1.(a).1 hold parentheses: quote them in a shell ('II-1.(a).1'), or write
    them without punctuation (ii-1a1), which needs no quotes.
    """
    output.paging = not no_pager


# Longest path and file name the command line accepts (Linux's PATH_MAX and NAME_MAX, in bytes).
MAX_PATH_BYTES = 4096
MAX_NAME_BYTES = 255


def path_arg(value) -> Path:
    """A path from the command line: empty or blank text, a NUL byte or a name too long for
    any file system is a usage error, before anything is opened (typer would read "" as ".")."""
    if isinstance(value, Path):  # a default
        return value
    text = str(value)
    problem = _bad_path(text)
    if problem:
        raise typer.BadParameter(problem)
    return Path(text)


def out_arg(value) -> str:
    """An --out value: a path checked like `path_arg`, kept as text (a trailing / means a folder)."""
    text = str(value)
    problem = _bad_path(text)
    if problem:
        raise typer.BadParameter(problem)
    return text


def revision_arg(value) -> Optional[str]:
    """A git revision or a plan directory: the same rules as a path."""
    if value is None:
        return None
    problem = _bad_path(str(value), "revision or directory")
    if problem:
        raise typer.BadParameter(problem)
    return str(value)


def _bad_path(text: str, what: str = "path") -> Optional[str]:
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


PlanOpt = typer.Option(None, "--plan", parser=path_arg, help="Plan directory (default: $APCLI_PLAN, ./plan, then the bundled plan).")
ProgressOpt = typer.Option(None, "--progress", parser=path_arg, help="Progress log directory to use instead of PLAN/progress (e.g. examples/progress-demo).")
AsOfOpt = typer.Option(None, "--as-of", help="Cut-off: 2009, 2009-06, 2009-06-15, 2009Q2, 2009H1, 30.06.2009, qershor 2009 or June 2009 (its last day). Default: yesterday.")
FormatOpt = typer.Option("table", "--format", "-f", help="table, json, csv, md or xlsx (an Excel workbook: needs --out).")
NoPagerOpt = typer.Option(False, "--no-pager", help="Print straight to the terminal, never through a pager.")
LangOpt = typer.Option(None, "--lang", help=language.OPTION_HELP)

# Column kinds for terminal tables: text may wrap; refs, ids, dates and states never break.
Col, TEXT, FIXED, NUMBER = output.Column, output.TEXT, output.FIXED, output.NUMBER
APPROX = Col("approx", "≈", FIXED, "dim")


# ----------------------------------------------------------------------------- helpers


def fail(message: str, code: int = 2) -> typer.Exit:
    sys.stderr.write(f"apcli: {escape_line(message)}\n")
    return typer.Exit(code)


def load(plan_dir: Optional[Path], progress: Optional[Path] = None, checked: bool = True):
    """The plan, or exit 1 with its diagnostics when it has errors."""
    from .checks import run_checks
    from .diagnostics import format_text
    from .loader import find_plan_dir, gc_paused, load_plan

    plan, diags = load_plan(find_plan_dir(plan_dir), progress)
    if plan is not None and checked and not any(d.severity == "error" for d in diags):
        with gc_paused():
            diags = sorted(diags + run_checks(plan, date.today()))
    errors = [d for d in diags if d.severity == "error"]
    if plan is None or errors:
        shown = (errors or diags)[:10]
        sys.stderr.write(format_text(shown))
        if len(errors) > len(shown):
            sys.stderr.write(f"… and {len(errors) - len(shown)} more\n")
        raise fail("the plan has errors (run `apcli check`); no answer given", 1)
    return plan


def cutoff(as_of: Optional[str], plan=None) -> date:
    """The cut-off day; a note on stderr when it lies outside the plan period, where the answer
    is still given but rarely what was meant (e.g. the default, yesterday, years after 2010)."""
    from .dates import parse_cutoff

    if as_of is None:
        c = date.today() - timedelta(days=1)
    else:
        try:
            c = parse_cutoff(as_of)
        except ValueError as exc:
            raise fail(str(exc))
    if plan is not None:
        note = output.cutoff_note(c, plan.start, plan.end, defaulted=as_of is None)
        if note:
            sys.stderr.write(note)
    return c


def lang_of(option: Optional[str]) -> str:
    """`--lang`, else $APCLI_LANG, else sq; an unknown language is a usage error."""
    try:
        return language.resolve(option)
    except language.LanguageError as exc:
        raise fail(str(exc))


def en_note(lang: str) -> Optional[str]:
    """The footer line that labels English plan text unofficial."""
    return language.NOTE if lang == "en" else None


def text_key(key: str, lang: str) -> str:
    """The row key of a plan-text column: `title`, or `title_en` when it holds the English, so a CSV
    header never calls English text by the Albanian field's name."""
    return f"{key}_en" if lang == "en" else key


def check_format(fmt: str, allowed=output.FORMATS) -> str:
    if fmt not in allowed:
        raise fail(f"unknown format {fmt!r}; use one of: {', '.join(allowed)}")
    return fmt


def institution_id(plan, name: str) -> str:
    from .institutions import UnknownInstitution

    try:
        return plan.registry.resolve(name)
    except UnknownInstitution as exc:
        raise fail(str(exc))


def pillar_of(plan, text: Optional[str]) -> Optional[str]:
    from .refs import pillar_numeral

    if text is None:
        return None
    numeral = pillar_numeral(text)
    if numeral not in {p.numeral for p in plan.pillars}:
        raise fail(f"unknown pillar {text!r}; the plan has {', '.join(p.numeral for p in plan.pillars)}")
    return numeral


def check_role(role: str) -> str:
    from .queries import ROLES

    if role not in ROLES:
        raise fail(f"unknown role {role!r}; use one of: {', '.join(ROLES)}")
    return role


def approx_mark(flag: bool) -> str:
    return "≈" if flag else ""


# ----------------------------------------------------------------------------- check / schema


@app.command()
def check(
    paths: list[Path] = typer.Argument(None, parser=path_arg, help="Plan directories or files (default: the plan)."),
    fmt: str = typer.Option(None, "--format", "-f", help="text, github or json (github when GITHUB_ACTIONS=true)."),
    strict: bool = typer.Option(False, "--strict", help="Warnings fail too."),
    plan_dir: Optional[Path] = PlanOpt,
    progress: Optional[Path] = ProgressOpt,
):
    """Validate the plan: schema, registry, refs, deadlines, progress log.

    Example: apcli check --format github
    """
    import os

    from . import diagnostics as dg
    from .checks import run_checks
    from .loader import find_plan_dir, gc_paused, load_plan

    fmt = fmt or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    check_format(fmt, ("text", "github", "json"))
    roots = [_plan_root(p) for p in paths] if paths else [find_plan_dir(plan_dir)]
    diags, files = [], 0
    for root in dict.fromkeys(roots):
        plan, found = load_plan(root, progress)
        if plan is not None:
            with gc_paused():
                found += run_checks(plan, date.today())
            files += len(plan.files)
        diags += found
    diags = sorted(set(diags))
    render = {"text": dg.format_text, "github": dg.format_github, "json": dg.format_json}[fmt]
    sys.stdout.write(render(diags))
    if fmt != "json":
        sys.stderr.write(dg.summary(diags, files) + "\n")
    raise typer.Exit(1 if dg.has_errors(diags, strict) else 0)


def _plan_root(path: Path) -> Path:
    """A plan directory, or the plan directory a file belongs to."""
    if path.is_dir():
        return path
    try:
        parents = path.resolve().parents
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symbolic link loop (Python < 3.13)
        from .edit import os_reason

        raise fail(f"{path}: {os_reason(exc)}", 1)
    for parent in parents:
        if (parent / "plan.yaml").is_file():
            return parent
    raise fail(f"{path}: not a plan directory nor a file inside one")


@app.command()
def schema():
    """Print the JSON Schema of the plan files (plan/schema reference it for editors).

    Example: apcli schema > schema/apcli.schema.json
    """
    from .model import json_schema

    sys.stdout.write(output.to_json(json_schema()))


# ----------------------------------------------------------------------------- reference data


@app.command()
def institutions(fmt: str = FormatOpt, lang: Optional[str] = LangOpt, plan_dir: Optional[Path] = PlanOpt,
                 no_pager: bool = NoPagerOpt):
    """List every body in the registry: how many activities it leads and appears in, how many
    reach it through a collective it belongs to, the members of each collective, and its name in
    Albanian and in (unofficial) English; --lang en puts the English first.

    Example: apcli institutions --format json
    """
    from .queries import institution_counts

    check_format(fmt)
    lang = lang_of(lang)
    plan = load(plan_dir)
    counts = institution_counts(plan)
    reg = plan.registry
    rows = [{"id": i.id, "name": i.name, "name_en": i.name_en, "kind": i.kind, "aliases": list(i.aliases),
             "lead_count": counts[i.id]["lead"], "any_count": counts[i.id]["any"],
             "via_count": counts[i.id]["via"], "for_all_count": counts[i.id]["for_all"],
             "members": reg.members(i.id), "member_of": reg.groups_of(i.id), "open": i.open,
             "group": reg.group_label(i.id) or ""} for i in reg.institutions]
    names = [Col("name", "name", TEXT), Col("name_en", "name in English", TEXT)]
    if lang == "en":
        names = [Col("name_en", "name", TEXT), Col("name", "name in Albanian", TEXT)]
    table = output.Table([Col("id", "id", FIXED), Col("kind", "kind", FIXED), Col("lead_count", "leads", NUMBER),
                          Col("any_count", "in", NUMBER), Col("via_count", "via", NUMBER),
                          *names, Col("group", "group", TEXT)], rows,
                         footer=f"{len(rows)} bodies; leads and in: activities naming the body (any role, funder "
                                f"included); via: activities naming only a collective it belongs to; group: a "
                                f"collective's members, or whom an open-ended group addresses",
                         note=language.NOTE)
    output.emit_table(table, fmt, rows, page=not no_pager)


@app.command()
def deadline(
    phrase: str = typer.Argument(..., help="A deadline phrase, e.g. 'Fundi i 2008-ës'."),
    fmt: str = typer.Option("text", "--format", "-f", help="text or json."),
    plan_dir: Optional[Path] = PlanOpt,
):
    """Show how a deadline phrase is read (period, due day, approximate or not).

    The forms apcli reads: month ('qershor 2009'), quarter ('Tremujori i parë i 2009'), half
    ('Gjysma e parë e 2009-ës'), beginning/middle/end of year ('Fillimi i 2009-ës', 'Mesi i
    2009-ës', 'Fundi i 2008-ës'), season ('Pranverë 2009'), year ('2009', 'Gjatë 2009-ës'), by
    ('Deri në fund të 2008'), range ('Fundi i 2008 – fillimi i 2009', '2009-2010'), ongoing
    ('Në vazhdim', '2008 -'), recurring ('Deri në mars të çdo viti'). 'Dimër' (winter) needs
    a `due:` override.

    Example: apcli deadline "Tremujori i parë i 2009"
    """
    from .periods import ACCEPTED_FORMS, DeadlineError, read_deadline

    check_format(fmt, ("text", "json"))
    try:
        reading = read_deadline(phrase)
    except DeadlineError as exc:
        sys.stderr.write(f"apcli: {escape_line(exc)}; accepted forms: {ACCEPTED_FORMS}\n")
        raise typer.Exit(1)
    data = reading.as_json()
    if fmt == "json":
        sys.stdout.write(output.to_json(data))
        return
    lines = [f"phrase: {escape_line(phrase)}", f"kind: {data['kind']}", f"start: {data['start'] or '-'}",
             f"end: {data['end'] or '-'}", f"due: {data['due'] or 'never (ongoing)'}",
             f"approximate: {'yes' if data['approx'] else 'no'}"]
    if reading.kind == "recurring":
        lines.append("occurrences: " + ", ".join(data["occurrences"]))
    lines.append(f"in English: {data['text_en']}")
    sys.stdout.write("\n".join(lines) + "\n")


@app.command()
def deadlines(fmt: str = FormatOpt, plan_dir: Optional[Path] = PlanOpt, no_pager: bool = NoPagerOpt):
    """List every deadline phrase in the plan with its reading and how many activities use it.

    Example: apcli deadlines --format csv
    """
    check_format(fmt)
    from .queries import deadline_uses

    plan = load(plan_dir, checked=False)
    rows = [{**row, "approx": approx_mark(row["approx"])} for row in deadline_uses(plan)]
    table = output.Table([Col("kind", "kind", FIXED, output.status_style), Col("start", "start", FIXED),
                          Col("end", "end", FIXED), Col("due", "due", FIXED), APPROX,
                          Col("activities", "uses", NUMBER), Col("phrase", "phrase", TEXT)], rows,
                         footer=f"{len(rows)} distinct phrases")
    output.emit_table(table, fmt, rows, page=not no_pager)
    if any(row["kind"] == "UNREADABLE" for row in rows):
        raise typer.Exit(1)


# ----------------------------------------------------------------------------- activities


@app.command()
def show(ref: str = typer.Argument(..., help="An activity, e.g. II-1.(a).1 (lenient: ii-1a1, mbrojtja 1.(a).1)."),
         fmt: str = typer.Option("text", "--format", "-f", help="text or json."),
         as_of: Optional[str] = AsOfOpt, lang: Optional[str] = LangOpt,
         plan_dir: Optional[Path] = PlanOpt, progress: Optional[Path] = ProgressOpt):
    """Print one activity in full, with its deadlines read and its state at the cut-off.

    JSON holds the Albanian and the English (`title_en`, `indicators_en`) whatever --lang says.

    Example: apcli show mbrojtja 1.(a).1
    """
    from .queries import state_at, timeliness
    from .refs import RefError

    check_format(fmt, ("text", "json"))
    lang = lang_of(lang)
    plan = load(plan_dir, progress)
    try:
        rec = plan.resolve_ref(ref)
    except RefError as exc:
        raise fail(str(exc))
    c = cutoff(as_of, plan)
    state = state_at(plan, rec, c)
    data = rec.activity.model_dump(exclude_defaults=True)
    data = {"ref": rec.ref, "pillar": rec.pillar, "goal": rec.goal.id, "objective": rec.objective.id, **data,
            "deadlines_read": [d.reading.as_json() for d in rec.deadlines if d.reading],
            "as_of": c.isoformat(), "state": state.status, "timeliness": timeliness(plan, rec, c),
            "progress": [e.model_dump(exclude_defaults=True) for e in plan.progress_by_ref.get(rec.ref, [])]}
    if fmt == "json":
        sys.stdout.write(output.to_json(data))
        return
    sys.stdout.write(_show_text(plan, rec, data, lang))


def _show_text(plan, rec, data, lang: str = "sq") -> str:
    a = rec.activity
    out = [f"{rec.ref}  {language.title(rec, lang)}", "",
           f"pillar {rec.pillar} · goal {rec.goal.id} · objective {rec.objective.id}: "
           f"{language.heading(rec.objective, lang)}"]
    if a.printed_id:
        out.append(f"printed as: {a.printed_id}")
    for label, values in (("responsible", a.responsible), ("support", a.support), ("resources", a.resources),
                          ("see", a.see)):
        if values:
            out.append(f"{label}: {', '.join(values)}")
    for d in rec.deadlines:
        reading = d.reading
        where = f" (milestone {d.milestone + 1})" if d.milestone is not None else ""
        days = ", ".join(day.isoformat() for day in reading.due_days) if reading else ""  # every one, recurring too
        read = (f"due {days}{' ≈' if reading.approx else ''}" if reading and reading.due
                else "ongoing, never due" if reading else "UNREADABLE")
        shown = language.deadline(d, lang)
        override = f" [due: {d.due_override}]" if d.due_override and lang != "en" else ""
        out.append(f"deadline{where}: {shown}{override} → {read}")
    for i, m in enumerate(a.milestones or []):
        if m.title:
            out.append(f"milestone {i + 1}: {language.pick(m.title, m.title_en, lang)}")
        for ind in language.pick_list(m.indicators, m.indicators_en, lang):
            out.append(f"  indicator (milestone {i + 1}): {ind}")
    for ind in language.pick_list(a.indicators, a.indicators_en, lang):
        out.append(f"indicator: {ind}")
    for note in a.notes:
        out.append(f"note: {note}")
    out.append(f"state at {data['as_of']}: {data['state']} ({data['timeliness'].replace('_', ' ')})")
    for e in data["progress"]:
        out.append(f"  {e['date']} {e['status']}" + (f" — {e['evidence']}" if e.get("evidence") else ""))
    if lang == "en":
        out.append(language.NOTE)
    return escape_text("\n".join(out)) + "\n"  # multi-line plan text stays multi-line


@app.command("list")
def list_(pillar: Optional[str] = typer.Option(None, "--pillar", help="I, II, III, IV, 1-4 or a pillar name."),
          status: Optional[str] = typer.Option(None, "--status", help="not_started, in_progress, completed, cancelled, suspended, overdue, no_evidence, ongoing, stale, no_deadline, due_soon, on_track."),
          institution: Optional[str] = typer.Option(None, "--institution", help="A body (any spelling or full name)."),
          role: str = typer.Option("any", "--role", help="With --institution: lead, responsible, support, funder, any, all."),
          search: Optional[str] = typer.Option(None, "--search", help="Text in titles or indicators, Albanian or English (case and diacritics ignored)."),
          as_of: Optional[str] = AsOfOpt, fmt: str = FormatOpt, lang: Optional[str] = LangOpt,
          plan_dir: Optional[Path] = PlanOpt, progress: Optional[Path] = ProgressOpt, no_pager: bool = NoPagerOpt):
    """List activities, filtered by pillar, status, institution or text.

    Example: apcli list --pillar II --search "strehëz"
    """
    from .queries import STATUS_FILTERS, select, state_at

    check_format(fmt)
    check_role(role)
    lang = lang_of(lang)
    if status:
        from .progress import status_hint, status_of

        typed, status = status, status_of(status, STATUS_FILTERS)
        if status is None:
            raise fail(f"unknown status {excerpt(typed)}; use one of: {', '.join(STATUS_FILTERS)}"
                       + status_hint(typed, STATUS_FILTERS))
    plan = load(plan_dir, progress)
    c = cutoff(as_of, plan)
    inst = institution_id(plan, institution) if institution else None
    recs = select(plan, pillar_of(plan, pillar), inst, role, status, search, c)
    data = [{"ref": r.ref, "lead": r.lead, "deadline": "; ".join(r.phrases) or None,
             "state": state_at(plan, r, c).status, "title": r.title, "title_en": r.activity.title_en,
             "deadline_en": "; ".join(language.deadlines(r, "en")) or None} for r in recs]
    dl, title = text_key("deadline", lang), text_key("title", lang)
    rows = [{**row, dl: "; ".join(language.deadlines(r, lang)) or None, title: language.title(r, lang)}
            for row, r in zip(data, recs)]
    table = output.Table([Col("ref", "ref", FIXED), Col("lead", "lead", FIXED), Col(dl, "deadline", TEXT),
                          Col("state", "state", FIXED, output.status_style), Col(title, "title", TEXT)], rows,
                         footer=f"{len(rows)} of {len(plan.activities)} activities", note=en_note(lang))
    output.emit_table(table, fmt, data, page=not no_pager)


# ----------------------------------------------------------------------------- questions over time


@app.command()
def overdue(as_of: Optional[str] = AsOfOpt,
            institution: Optional[str] = typer.Option(None, "--institution", help="Only this body's activities."),
            role: str = typer.Option("any", "--role", help="With --institution: lead, responsible, support, funder, any, all."),
            pillar: Optional[str] = typer.Option(None, "--pillar", help="I, II, III, IV, 1-4 or a pillar name."),
            fmt: str = FormatOpt,
            fail_if_any: bool = typer.Option(False, "--fail-if-any", help="Exit 1 when anything is overdue."),
            lang: Optional[str] = LangOpt,
            plan_dir: Optional[Path] = PlanOpt, progress: Optional[Path] = ProgressOpt, no_pager: bool = NoPagerOpt):
    """What was due by the cut-off and not done: most late first.

    Example: apcli overdue --as-of 2009-06 --institution MPÇSSHB
    """
    from .queries import is_stale, overdue as find_overdue, select

    check_format(fmt)
    check_role(role)
    lang = lang_of(lang)
    plan = load(plan_dir, progress)
    c = cutoff(as_of, plan)
    inst = institution_id(plan, institution) if institution else None
    selected = select(plan, pillar_of(plan, pillar), inst, role)
    items = find_overdue(plan, c, selected)
    dl, title = text_key("deadline", lang), text_key("title", lang)
    rows = [{"ref": o.rec.ref, "lead": o.rec.lead, dl: language.deadline(o.deadline, lang), "due": o.due.isoformat(),
             "approx": approx_mark(o.approx), "months_late": o.months_late, "state": o.state.status,
             title: language.title(o.rec, lang)} for o in items]
    approx = sum(o.approx for o in items)
    stale = sum(is_stale(plan, rec, c) for rec in selected)
    footer = (f"{len(items)} overdue as of {c.isoformat()}" + (f" ({approx} with approximate deadlines ≈)" if approx else "")
              + f"; {sum(not o.state.reported for o in items)} with no progress reported"
              + (f"; {stale} ongoing activities stale (no entry in the last closed quarter): "
                 "apcli list --status stale" if stale else ""))
    table = output.Table([Col("ref", "ref", FIXED), Col("lead", "lead", FIXED), Col("due", "due", FIXED), APPROX,
                          Col("months_late", "late (months)", NUMBER, "red"),
                          Col("state", "state", FIXED, output.status_style), Col(dl, "deadline", TEXT),
                          Col(title, "title", TEXT)], rows, footer=footer, note=en_note(lang))
    output.emit_table(table, fmt, [o.as_json() for o in items], page=not no_pager)
    if fail_if_any and items:
        raise typer.Exit(1)


@app.command()
def upcoming(as_of: Optional[str] = AsOfOpt,
             within: str = typer.Option("1q", "--within", help="Horizon after the cut-off's month: 1q, 3m, 6m, 1y."),
             institution: Optional[str] = typer.Option(None, "--institution", help="Only this body's activities."),
             role: str = typer.Option("any", "--role", help="With --institution: lead, responsible, support, funder, any, all."),
             pillar: Optional[str] = typer.Option(None, "--pillar", help="I, II, III, IV, 1-4 or a pillar name."),
             fmt: str = FormatOpt, lang: Optional[str] = LangOpt,
             plan_dir: Optional[Path] = PlanOpt, progress: Optional[Path] = ProgressOpt, no_pager: bool = NoPagerOpt):
    """What falls due after the cut-off and within the horizon: soonest first.

    Example: apcli upcoming --as-of 2009-06 --within 1q
    """
    from .queries import horizon_end, parse_within, select, upcoming as find_upcoming

    check_format(fmt)
    check_role(role)
    lang = lang_of(lang)
    try:
        months = parse_within(within)
    except ValueError as exc:
        raise fail(str(exc))
    plan = load(plan_dir, progress)
    c = cutoff(as_of, plan)
    inst = institution_id(plan, institution) if institution else None
    items = find_upcoming(plan, c, months, select(plan, pillar_of(plan, pillar), inst, role))
    dl, title = text_key("deadline", lang), text_key("title", lang)
    rows = [{"ref": u.rec.ref, "lead": u.rec.lead, "due": u.due.isoformat(),
             "approx": approx_mark(bool(u.deadline.reading and u.deadline.reading.approx)),
             "state": u.state.status, dl: language.deadline(u.deadline, lang), title: language.title(u.rec, lang)}
            for u in items]
    table = output.Table([Col("ref", "ref", FIXED), Col("lead", "lead", FIXED), Col("due", "due", FIXED), APPROX,
                          Col("state", "state", FIXED, output.status_style), Col(dl, "deadline", TEXT),
                          Col(title, "title", TEXT)], rows,
                         footer=f"{len(items)} due after {c.isoformat()} up to {horizon_end(c, months).isoformat()}",
                         note=en_note(lang))
    output.emit_table(table, fmt, [u.as_json() for u in items], page=not no_pager)


@app.command("by-institution")
def by_institution(name: str = typer.Argument(..., help="A body: acronym, alias or full name, any case or diacritics."),
                   role: str = typer.Option("any", "--role", help="lead, responsible, support, funder, any (responsible or support), all."),
                   direct: bool = typer.Option(False, "--direct", help="Only rows naming the body itself: none through a collective it belongs to, none addressed to all bodies."),
                   as_of: Optional[str] = AsOfOpt, fmt: str = FormatOpt, lang: Optional[str] = LangOpt,
                   plan_dir: Optional[Path] = PlanOpt, progress: Optional[Path] = ProgressOpt,
                   no_pager: bool = NoPagerOpt):
    """Every activity a body takes part in, with its role, due day and state at the cut-off.

    Rows naming the body, and rows naming a collective it belongs to (e.g. Bashkitë/komunat for
    BASHKITE), labelled "via"; then, apart and not counted, rows addressed to all bodies.

    Example: apcli by-institution MPCSSHB --as-of 2009-06
    """
    from .queries import by_institution as involvement

    check_format(fmt)
    check_role(role)
    lang = lang_of(lang)
    plan = load(plan_dir, progress)
    inst = institution_id(plan, name)
    c = cutoff(as_of, plan)
    rows, summary = involvement(plan, inst, c, role, direct)
    body = plan.registry.by_id[inst]
    title = text_key("title", lang)
    table_rows = [{"ref": r.rec.ref, "role": involvement_label(plan, r, lang), "roles": r.roles, "reach": r.reach,
                   "via": r.via, "due": r.due.isoformat() if r.due else None, "state": r.state.status,
                   "timeliness": r.timeliness.replace("_", " "), title: language.title(r.rec, lang)}
                  for r in rows]
    if fmt == "csv":
        columns = [Col(k, k) for k in ("ref", "roles", "reach", "via", "due", "state", "timeliness", title)]
    else:
        columns = [Col("ref", "ref", FIXED), Col("role", "role", TEXT), Col("due", "due", FIXED),
                   Col("state", "state", FIXED, output.status_style),
                   Col("timeliness", "standing", FIXED, output.status_style), Col(title, "title", TEXT)]
    from .compliance import at_cutoff, quarter_at, summary_line  # the quarterly reporting (cli_sheets' `reporting`)

    filed = at_cutoff(plan, inst, c)
    if filed is not None:
        summary["reporting"] = {"quarter": str(quarter_at(plan, c)), **filed.as_json()}
    footer = involvement_footer(plan, body, c, summary, lang) + (
        f"; {summary_line(filed, quarter_at(plan, c))}" if filed is not None else "")
    table = output.Table(columns, table_rows, footer=footer,
                         note=en_note(lang))
    own = [r.as_json() for r in rows if r.counted]
    apart = [r.as_json() for r in rows if not r.counted]
    output.emit_table(table, fmt, {"summary": summary, "activities": own, "for_all": apart}, page=not no_pager)


def involvement_label(plan, row, lang: str = "sq") -> str:
    """`lead`, `support, via Pushteti vendor`, `responsible, for all bodies: Të gjithë aktorët …`."""
    roles = ", ".join(row.roles)
    if row.via is None:
        return roles
    group = plan.registry.by_id.get(row.via)
    name = language.body_name(group, lang) if group else row.via
    if row.counted:
        return f"{roles}, via {name}"
    scope = "for all state bodies" if group is not None and group.open == "state" else "for all bodies"
    return f"{roles}, {scope}: {name}"


def involvement_footer(plan, body, c, summary: dict, lang: str = "sq") -> str:
    def counts(d: dict) -> str:
        return ", ".join(f"{k} {n}" for k, n in d.items())

    via = summary["via"]
    text = f"{body.id} ({language.body_name(body, lang)}) as of {c.isoformat()}: {summary['activities']} activities"
    if summary["direct_only"]:
        text += " naming it (--direct: none through a collective, none for all bodies)"
    elif not summary["member_of"]:
        text += " naming it (it belongs to no collective)"
    else:
        text += (f" = {summary['direct']['activities']} naming it + {via['activities']} through collectives"
                 + (f" ({counts(via['by_collective'])})" if via["by_collective"] else ""))
    text += (f", each counted once in its strongest role, direct before via ({counts(summary['by_role'])}); "
             f"overdue {summary['overdue']}, completed {summary['completed']}"
             + (f" ({summary['completed_late']} late)" if summary["completed_late"] else ""))
    apart = summary["for_all"]
    if apart["activities"]:
        text += (f"; listed apart, not counted: {apart['activities']} addressed to all bodies "
                 f"({counts(apart['by_collective'])})")
    members = plan.registry.members(body.id)
    if members:
        expanded = [m + (f" ({', '.join(plan.registry.all_members(m))})" if plan.registry.members(m) else "")
                    for m in members]
        text += f"; members: {', '.join(expanded)}"
    elif body.open:
        text += {"all": "; an open-ended group: its rows are listed apart for every body",
                 "state": "; an open-ended group: its rows are listed apart for every state body",
                 "partners": "; an open-ended group of partners: its rows are no named body's work"}[body.open]
    return text


@app.command()
def stats(as_of: Optional[str] = AsOfOpt, fmt: str = FormatOpt, lang: Optional[str] = LangOpt,
          plan_dir: Optional[Path] = PlanOpt, progress: Optional[Path] = ProgressOpt, no_pager: bool = NoPagerOpt):
    """Per pillar and overall: activities, completed, in progress, overdue, no evidence, ongoing, stale, no deadline.

    Example: apcli stats --as-of 2009-12
    """
    from .queries import STAT_KEYS, stats as pillar_stats

    check_format(fmt)
    lang = lang_of(lang)
    plan = load(plan_dir, progress)
    c = cutoff(as_of, plan)
    rows = pillar_stats(plan, c)
    alarm = {"overdue": output.if_positive("red"), "stale": output.if_positive("yellow")}
    table = output.Table([Col("pillar", "pillar", FIXED),
                          *[Col(k, k.replace("_", " "), NUMBER, alarm.get(k)) for k in STAT_KEYS],
                          Col(text_key("title", lang), "title", TEXT)], rows, footer=f"as of {c.isoformat()}",
                         note=en_note(lang))
    output.emit_table(table, fmt, rows, page=not no_pager)


@app.command()
def export(fmt: str = typer.Option("json", "--format", "-f", help="json or csv."),
           plan_dir: Optional[Path] = PlanOpt):
    """Every activity as one row, for spreadsheets and scripts, in Albanian and in English.

    Each row carries both languages (title and title_en, indicators and indicators_en, …) and
    en_status: "unofficial translation". CSV leaves out the nested milestones column (their
    deadlines and indicators are in deadlines, indicators and their _en columns).

    Example: apcli export --format csv > plan.csv
    """
    from .queries import export_rows

    check_format(fmt, ("json", "csv"))
    plan = load(plan_dir)
    rows = export_rows(plan)
    if fmt == "json":
        sys.stdout.write(output.to_json(rows))
        return
    keys = [k for k in rows[0] if k != "milestones"] if rows else ["ref"]
    flat = [{k: "; ".join(x or "" for x in row[k]) if isinstance(row[k], list) else row[k] for k in keys}
            for row in rows]
    sys.stdout.write(output.render_csv(output.Table([(k, k) for k in keys], flat)))


# --- diff


@app.command()
def diff(
    base: str = typer.Argument(..., parser=revision_arg, help="Git revision (main, origin/main, HEAD~1, a commit) or plan directory to compare from."),
    head: Optional[str] = typer.Argument(None, parser=revision_arg, help="Revision or directory to compare to (default: the plan in the working tree)."),
    fmt: str = typer.Option("md", "--format", "-f", help="md (PR comment, job summary), json or text."),
    fail_on: Optional[str] = typer.Option(None, "--fail-on", help="Exit 1 when any of these occur (comma-separated): slip, removal, regression, any, or a change kind."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Added and removed activities, headings and bodies in sq (Albanian, the official text) or en (unofficial English translation); default: $APCLI_LANG, else sq. JSON carries both."),
    plan_dir: Optional[Path] = PlanOpt,
):
    """What changed in the plan between two versions, matched by ref: activities, deadlines
    (moved by how many months), bodies, texts, institutions, progress and status regressions.
    Reformatting and reordering report nothing. A revision is read at the plan's path
    (--plan, $APCLI_PLAN or ./plan) inside the git repository.

    Example: apcli diff origin/main --format md >> "$GITHUB_STEP_SUMMARY"
    """
    from contextlib import ExitStack

    from . import diff as plandiff, diffrender
    from .diagnostics import format_text
    from .gitsource import SideError, open_plan
    from .loader import find_plan_dir

    check_format(fmt, diffrender.FORMATS)
    lang = lang_of(lang)
    try:
        fail_names = plandiff.parse_fail_on(fail_on)
    except ValueError as exc:
        raise fail(str(exc))
    where = find_plan_dir(plan_dir)
    try:
        with ExitStack() as stack:
            old, old_label = stack.enter_context(open_plan(base, where))
            new, new_label = stack.enter_context(open_plan(head, where))
            changes = plandiff.diff_plans(old, new)
    except SideError as exc:
        sys.stderr.write(format_text(exc.diagnostics))
        raise fail(str(exc), exc.code)
    sys.stdout.write(diffrender.render(changes, fmt, old_label, new_label, lang))
    hits = plandiff.failing(changes, fail_names)
    if hits:
        raise fail(f"{len(hits)} change(s) match --fail-on {fail_on}: {diffrender.summary(hits)}", 1)


# --- report


@app.command()
def report(as_of: Optional[str] = AsOfOpt,
           fmt: Optional[str] = typer.Option(None, "--format", "-f", help="md or html (default: from --out's or --template's file name, else md)."),
           lang: Optional[str] = typer.Option(None, "--lang", help="Labels and plan text in sq (Albanian, the official text) or en (plan text in the unofficial English translation); default: $APCLI_LANG, else sq."),
           out: Optional[str] = typer.Option(None, "--out", "-o", parser=out_arg, help="FILE, or DIR/ (an existing directory or a path ending in /: writes DIR/report.<format>); - or default: stdout."),
           template: Optional[Path] = typer.Option(None, "--template", parser=path_arg, help="Your own jinja2 template (it may extend report.md.j2 / report.html.j2)."),
           per_institution: bool = typer.Option(False, "--per-institution", help="With --out DIR/: one report per body, plus index.<format>."),
           plan_dir: Optional[Path] = PlanOpt, progress: Optional[Path] = ProgressOpt):
    """Status report in Markdown or HTML: headline figures, pillars, overdue by lead, next quarter,
    scorecard, timeline. Same plan and --as-of, same bytes.

    Example: apcli report --as-of 2009-06 --out report.html
    """
    from .edit import WriteError, check_target
    from .render import FORMATS, OutProblem, TemplateProblem, render_report, report_files, resolve_target, write_text

    if fmt is not None:
        check_format(fmt, FORMATS)
    lang = lang_of(lang)
    out = None if out == "-" else out
    try:
        target = resolve_target(out, fmt, template, per_institution)
    except OutProblem as exc:
        raise fail(str(exc))
    fmt = target.fmt
    if target.file is not None:
        try:
            check_target(target.file)  # a device, FIFO, socket or link is refused before the work
        except WriteError as exc:
            raise fail(f"{exc}{_STDOUT_HINT}", 1)
    plan = load(plan_dir, progress)
    if target.file is not None:
        _not_plan_data(plan, target.file)
    c = cutoff(as_of, plan)
    try:
        if per_institution:
            files = report_files(plan, c, fmt, lang, template)
        else:
            text = render_report(plan, c, fmt, lang, template)
    except TemplateProblem as exc:
        raise fail(str(exc))
    written = 0
    try:
        if target.create is not None:
            target.create.mkdir(exist_ok=True)  # one level only: its parent was checked
        if per_institution:
            for name in files:
                check_target(target.directory / name)  # every file, before the first is written
            for name, text in files.items():
                write_text(target.directory / name, text)
                written += 1
            sys.stderr.write(f"apcli: wrote {len(files) - 1} reports and index.{fmt} to {escape_line(target.directory)}\n")
        elif target.file is None:
            sys.stdout.write(text)
        else:
            write_text(target.file, text)
    except WriteError as exc:
        done = f" ({written} of {len(files)} files written before it)" if per_institution else ""
        raise fail(f"{exc}{done}", 1)


def _not_plan_data(plan, target: Path) -> None:
    """--out never names a file the plan is read from (`report --out plan/plan.yaml`, or a
    form saved with --force over a progress file, would replace plan data)."""
    own = {_resolved(Path(name)) for name in plan.files}
    if _resolved(target) in own:
        raise fail(f"{target}: is a file of the plan; --out never replaces plan data", 1)


_STDOUT_HINT = " (--out - writes to standard output)"
MAX_SHOWN = 100  # problems printed by an import; the rest are counted


# --- progress

progress_app = typer.Typer(
    help="Record progress: add one entry, make a body's quarterly form, import a spreadsheet or a filled-in form.",
    no_args_is_help=True, rich_markup_mode=None)
app.add_typer(progress_app, name="progress")
DryRunOpt = typer.Option(False, "--dry-run", help="Validate and show what would be written; write nothing.")


def writable_plan_dir(plan_dir: Optional[Path]) -> Path:
    """The plan a writing command may change: never the bundled copy found by default, never
    the copy inside the installed package."""
    from .init import READ_ONLY, read_only
    from .loader import find_plan_dir

    where = find_plan_dir(plan_dir)
    named = plan_dir is not None or bool(os.environ.get("APCLI_PLAN")) or (Path("plan") / "plan.yaml").is_file()
    if read_only(where, named):
        raise fail(READ_ONLY)
    return where


def _editable(plan_dir: Optional[Path], progress: Optional[Path], writing: bool = True):
    """The plan and the files that have errors: an edit needs a readable plan, and only the
    file it writes to must be free of errors (a typo in another pillar does not block a report)."""
    from .diagnostics import format_text
    from .loader import find_plan_dir, load_plan

    plan, diags = load_plan(writable_plan_dir(plan_dir) if writing else find_plan_dir(plan_dir), progress)
    if plan is None:
        sys.stderr.write(format_text(diags))
        raise fail("cannot read the plan (run `apcli check`)", 1)
    errors = [d for d in diags if d.severity == "error"]
    broken = {_resolved(Path(d.file)) for d in errors if d.code != "empty-file"}  # appending fixes that one
    return plan, broken, len(errors)


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symbolic link loop: never a file we write to
        return path.absolute()


def _progress_dir(plan, progress: Optional[Path]) -> Path:
    return Path(progress) if progress else Path(plan.root) / "progress"


def _writing(roots: list[Path], dry_run: bool = False):
    """The plan's lock (see edit.plan_lock) around a read-modify-write; none for a dry run."""
    from contextlib import nullcontext

    from .edit import plan_lock

    if dry_run:
        return nullcontext()

    def waiting(lock_file: Path) -> None:
        sys.stderr.write(f"apcli: waiting for {lock_file}: another apcli command is writing to this plan\n")

    return plan_lock(roots, on_wait=waiting)


def _lock_roots(plan_dir: Optional[Path], progress: Optional[Path]) -> list[Path]:
    """A progress edit locks its plan, and its progress directory when that lies elsewhere."""
    from .loader import find_plan_dir

    return [find_plan_dir(plan_dir), *([progress] if progress else [])]


def _plan_to_change(plan_dir: Optional[Path], dry_run: bool) -> Path:
    """The plan a writing command changes (see `writable_plan_dir`); a dry run may read any."""
    from .loader import find_plan_dir

    return find_plan_dir(plan_dir) if dry_run else writable_plan_dir(plan_dir)


def _append(plan, progress: Optional[Path], entries: list[dict], broken: set, dry_run: bool) -> None:
    """Append `entries` to their files: all files are prepared (and checked) before any is written."""
    from .edit import EditError, WriteError, read_existing, sweep_temp_files, write_file
    from .loader import display_path
    from .progress import destination, plan_writes

    directory = _progress_dir(plan, progress)
    root = Path(progress) if progress else Path(plan.root)  # no link may lead out of it
    try:
        writes = plan_writes(plan, directory, entries, broken, root)
    except (EditError, WriteError) as exc:
        raise fail(f"{exc}; nothing written", 1)
    if dry_run:
        for path, data in writes:
            old = read_existing(path) or b""
            sys.stdout.write(f"would {'append to' if old else 'create'} {escape_line(display_path(path))}:\n")
            sys.stdout.write(escape_text(data[len(old):].decode("utf-8")))
        n = len(entries)
        sys.stdout.write(f"(dry run: {n} entr{'y' if n == 1 else 'ies'} checked, nothing written)\n")
        return
    for path in {p.parent for p, _ in writes}:
        sweep_temp_files(path)  # left by an interrupted run; we hold the lock
    for i, (path, data) in enumerate(writes):
        try:
            write_file(path, data, root)
        except WriteError as exc:
            done = ", ".join(display_path(p) for p, _ in writes[:i]) or "none"
            raise fail(f"{exc}; {display_path(path)} is unchanged (files already written: {done})", 1)
    for e in entries:
        sys.stdout.write(f"added {e['ref']} {e['status']} {e['date']} → "
                         f"{escape_line(display_path(destination(directory, e)))}\n")


@progress_app.command("add")
def progress_add(
    ref: str = typer.Argument(..., help="The activity, e.g. II-1.(a).1 (lenient: ii-1a1)."),
    status: str = typer.Option(..., "--status", help="not_started, in_progress, completed, cancelled or suspended."),
    day: str = typer.Option(..., "--date", help="When the status held: 2009-06-20 (or 20.06.2009); not in the future."),
    evidence: Optional[str] = typer.Option(None, "--evidence", help="Decision, report or document; required for completed."),
    completion: Optional[str] = typer.Option(None, "--completion", help="For in_progress: limited or substantial."),
    by: Optional[str] = typer.Option(None, "--by", help="The reporting body (default: the activity's lead)."),
    note: Optional[str] = typer.Option(None, "--note", help="Free text."),
    dry_run: bool = DryRunOpt,
    plan_dir: Optional[Path] = PlanOpt, progress: Optional[Path] = ProgressOpt,
):
    """Append one progress entry, validated first, to its quarter's file.

    The file is PLAN/progress/<quarter of --date>/<--by or the lead>.yaml.

    Example: apcli progress add II-1.(a).1 --status completed --date 2009-06-20 --evidence "VKM nr. 123"
    """
    from .progress import Draft, check_drafts

    plan_dir = _plan_to_change(plan_dir, dry_run)
    with _writing(_lock_roots(plan_dir, progress), dry_run):  # from reading the log to the write
        plan, broken, _ = _editable(plan_dir, progress)
        entries, diags = check_drafts(plan, [Draft(ref, status, day, evidence, completion, by, note)], date.today())
        if diags:
            for d in diags:
                sys.stderr.write(f"apcli: {escape_line(d.message)} ({d.code})\n")
            raise fail("nothing written")
        _append(plan, progress, entries, broken, dry_run)


@progress_app.command("template")
def progress_template(
    quarter: str = typer.Option(..., "--quarter", help="The reporting quarter, e.g. 2009Q2."),
    institution: str = typer.Option(..., "--institution", help="The reporting body (any spelling or full name)."),
    out: Optional[Path] = typer.Option(None, "--out", parser=path_arg, help="Write the form here instead of stdout (-: stdout)."),
    force: bool = typer.Option(False, "--force", help="With --out: replace an existing file."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Instructions, labels and activity texts in sq (Albanian, the official text) or en (unofficial English translation); default: $APCLI_LANG, else sq."),
    plan_dir: Optional[Path] = PlanOpt, progress: Optional[Path] = ProgressOpt,
):
    """A body's quarterly reporting form, ready to fill in.

    Every activity it leads or supports that is open in the quarter, each followed by a
    commented-out entry; the filled-in form is an ordinary progress file. Activities of a
    collective it belongs to (e.g. Bashkitë/komunat) are included, labelled, and reported once
    by any member; those addressed to all bodies close the form, for information only. Its
    instructions are in Albanian, or in English with --lang en (the activities' texts too, in
    the unofficial English translation).

    Example: apcli progress template --quarter 2009Q2 --institution MPÇSSHB --out mpcsshb.yaml
    """
    from .dates import parse_quarter
    from .edit import WriteError, check_target, schema_ref, write_file
    from .forms import render, select
    from .loader import display_path
    from .institutions import slug

    lang = lang_of(lang)
    out = None if out is not None and str(out) == "-" else out
    if out is not None:
        try:
            check_target(out)  # a directory, device, FIFO, socket or link is refused before the work
        except WriteError as exc:
            raise fail(f"{exc}{_STDOUT_HINT}", 1)
    plan, _, errors = _editable(plan_dir, progress, writing=False)
    inst = institution_id(plan, institution)
    try:
        q = parse_quarter(quarter)
    except ValueError as exc:
        raise fail(str(exc))
    if q.last < plan.start.first_day() or q.first > plan.end.last_day():
        raise fail(f"{q} is outside the plan period ({plan.start} – {plan.end})")
    if out is not None:
        _not_plan_data(plan, out)
    if out is not None and out.exists() and not force:
        raise fail(f"{out} exists; pass --force to replace it")
    if errors:
        sys.stderr.write(f"apcli: warning: the plan has {errors} error(s) (run `apcli check`); the form may be incomplete\n")
    target = _progress_dir(plan, progress) / str(q) / f"{slug(inst)}.yaml"
    items = select(plan, inst, q)
    text = render(plan, inst, q, items, schema_ref(Path(plan.root), target.parent), display_path(target), lang)
    if out is None:
        sys.stdout.write(text)
        return
    try:
        write_file(out, text.encode("utf-8"))
    except WriteError as exc:
        raise fail(str(exc), 1)
    own = sum(i.section != "for_all" for i in items)
    sys.stderr.write(f"wrote {escape_line(out)}: {own} activities of {escape_line(inst)} for {q}"
                     + (f", and {len(items) - own} for all bodies listed apart" if own < len(items) else "") + "\n")


@progress_app.command("import")
def progress_import(
    file: Path = typer.Argument(..., parser=path_arg,
                                help="A CSV (columns ref,status,date,evidence,completion,by,note; `,` or `;`) "
                                     "or a filled-in form (.yaml)."),
    dry_run: bool = DryRunOpt,
    plan_dir: Optional[Path] = PlanOpt, progress: Optional[Path] = ProgressOpt,
):
    """Append entries from a CSV or a filled-in form: all of them, or none.

    Every row is validated first; if any is bad, each problem is reported and nothing is written.

    Example: apcli progress import raporti-2009Q2.csv
    """
    from .diagnostics import format_text
    from .loader import display_path
    from .progress import check_drafts, read_csv, read_form

    name = display_path(file)
    if not os.path.lexists(file):
        raise fail(f"{name}: no such file")
    reader = read_form if file.suffix.lower() in (".yaml", ".yml") else read_csv
    drafts, diags = reader(file, name)  # regular files only, within the size and row caps
    plan_dir = _plan_to_change(plan_dir, dry_run)
    with _writing(_lock_roots(plan_dir, progress), dry_run or bool(diags)):  # from reading the log to the write
        plan, broken, _ = _editable(plan_dir, progress)
        entries = []
        if not diags:
            entries, diags = check_drafts(plan, drafts, date.today())
        if diags:
            sys.stderr.write(format_text(diags[:MAX_SHOWN]))
            if len(diags) > MAX_SHOWN:
                sys.stderr.write(f"… and {len(diags) - MAX_SHOWN:,} more\n")
            bad = len({d.line for d in diags})
            raise fail(f"{bad} bad row(s) or entries in {name}; nothing written", 1)
        if not entries:
            raise fail(f"{name}: no entries to import", 1)
        _append(plan, progress, entries, broken, dry_run)


@app.command("fmt")
def fmt_files(
    paths: list[Path] = typer.Argument(None, parser=path_arg, help="Files or directories (default: every file of the plan)."),
    check_only: bool = typer.Option(False, "--check", help="Change nothing; list files not in house style, exit 1 if any."),
    stamp: bool = typer.Option(False, "--stamp", help="Instead of formatting, write en_from (the fingerprint of the Albanian) "
                                                      "on every node that has English; run it once the English is updated."),
    plan_dir: Optional[Path] = PlanOpt,
):
    """Rewrite plan files in the house style; values and comments never change.

    2-space indent, lists under their key, no trailing spaces; quoting and comments kept.
    With --stamp, only `en_from:` lines are added or updated, every other byte is kept.

    Example: apcli fmt --check
    """
    from .diagnostics import format_text
    from .edit import WriteError, lock_root, sweep_temp_files, write_file
    from .formatting import format_file, plan_files
    from .init import READ_ONLY, read_only
    from .loader import display_path

    targets = paths or [_plan_to_change(plan_dir, check_only)]
    files = [f for p in targets for f in (plan_files(p) if p.is_dir() else [p])]
    if not check_only and any(read_only(f.parent, named=True) for f in files):  # files named on the command line
        raise fail(READ_ONLY)
    if stamp:
        _stamp_files(list(dict.fromkeys(files)), check_only)
        return
    changed, problems, refused = [], [], 0
    with _writing([lock_root(p) for p in targets], check_only):  # from reading each file to its write
        if not check_only:
            for directory in {f.parent for f in files}:
                sweep_temp_files(directory)  # left by an interrupted run; we hold the lock
        for path in dict.fromkeys(files):
            name = os.path.join(display_path(path.parent), path.name)  # a link by its own name
            new, diags = format_file(path, name)
            problems += diags
            refused += bool(diags)
            if new is None:
                continue
            if not check_only:
                try:
                    write_file(path, new)
                except WriteError as exc:
                    sys.stderr.write(format_text(sorted(problems)))
                    raise fail(f"{exc}; {len(changed)} file(s) reformatted before it, the rest left as they are", 1)
            changed.append(path)
            sys.stdout.write(f"{'would reformat' if check_only else 'reformatted'} {escape_line(name)}\n")
    sys.stderr.write(format_text(sorted(problems)))
    verb = "would be reformatted" if check_only else "reformatted"
    sys.stderr.write(f"{len(changed)} file(s) {verb}, {len(set(files)) - len(changed) - refused} already formatted"
                     + (f", {refused} left as they are (see above)" if refused else "") + "\n")
    if problems or (check_only and changed):
        raise typer.Exit(1)


def _stamp_files(files: list[Path], check_only: bool) -> None:
    from .diagnostics import format_text
    from .edit import write_atomic
    from .loader import display_path
    from .stamp import stamp_file

    problems, stamped, total = [], 0, 0
    for path in files:
        new, count, diags = stamp_file(path, display_path(path))
        problems += diags
        if new is None:
            continue
        stamped, total = stamped + 1, total + count
        if not check_only:
            write_atomic(path, new)
        sys.stdout.write(f"{'would stamp' if check_only else 'stamped'} {display_path(path)}: "
                         f"{count} fingerprint{'s' if count != 1 else ''}\n")
    sys.stderr.write(format_text(sorted(problems)))
    verb = "missing or stale in" if check_only else "written to"
    sys.stderr.write(f"{total} fingerprint(s) {verb} {stamped} file(s)\n")
    if problems or (check_only and stamped):
        raise typer.Exit(1)


@app.command("init")
def init(directory: Path = typer.Argument(..., help="The folder for the new plan repository (created if missing).")):
    """Start a plan repository: a working copy of the plan (plan files, an empty progress log, the
    JSON Schema), a pre-commit configuration and the CI workflow. Nothing existing is overwritten.

    Example: apcli init zkka-plan
    """
    from .edit import EditError
    from .init import init_repository

    if not str(directory).strip():
        raise fail("init: the folder name is empty")
    try:
        written = init_repository(directory)
    except EditError as exc:
        raise fail(str(exc), 1)
    for path in written:
        sys.stdout.write(f"wrote {path}\n")
    sys.stdout.write(f"next: cd {directory} && git init && apcli check\n")


# ----------------------------------------------------------------------------- the last safety net


def _os_failure(exc: BaseException) -> Optional[str]:
    """One line for an error of the file system that no command foresaw (a file vanishing
    mid-run, a name too long, permission denied, a symbolic link loop), else None."""
    edit = sys.modules.get("ap_cli.edit")
    if edit is not None and isinstance(exc, edit.WriteError):
        return str(exc)
    if isinstance(exc, RuntimeError) and str(exc).startswith("Symlink loop"):  # Path.resolve, Python < 3.13
        where = str(exc).partition(" from ")[2].strip("'\"")
        return f"{_clip(where)}: symbolic link loop" if where else "symbolic link loop"
    if isinstance(exc, OSError) and not isinstance(exc, TimeoutError):
        reason = exc.strerror or str(exc) or type(exc).__name__
        return f"{_clip(str(exc.filename))}: {reason}" if exc.filename else reason
    return None


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + f"… ({len(text):,} characters)"


def _guarded(callback):
    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except Exception as exc:
            message = _os_failure(exc)
            if message is None:
                raise
            raise fail(message, 1) from None
    return run


from . import cli_sheets  # noqa: E402  (xlsx, ics, sqlite and `reporting`: their own module)

cli_sheets.register(app, progress_app)

for _info in (*app.registered_commands, *progress_app.registered_commands):
    _info.callback = _guarded(_info.callback)
# Every command checks its text arguments (TextCommand); set here, once, for all of them.
for _typer in (app, progress_app):
    for _info in _typer.registered_commands:
        if _info.cls in (None, TyperCommand):
            _info.cls = TextCommand


def main() -> None:
    app()
