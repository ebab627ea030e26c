"""The `apcli` command line: each command parses its options, calls one library function,
prints the answer and sets the exit code (0 ok, 1 findings, 2 usage). Only this module
imports typer; heavy modules are imported inside the commands that need them.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Optional

import typer

from . import output

app = typer.Typer(
    name="apcli",
    help="Albania's Action Plan against Trafficking in Human Beings 2008–2010 as data: "
    "what is overdue, who is responsible, how far each pillar has come.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

PlanOpt = typer.Option(None, "--plan", help="Plan directory (default: $APCLI_PLAN, ./plan, then the bundled plan).")
ProgressOpt = typer.Option(None, "--progress", help="Progress log directory to use instead of PLAN/progress (e.g. examples/progress-demo).")
AsOfOpt = typer.Option(None, "--as-of", help="Cut-off: 2009, 2009-06, 2009-06-15, 2009Q2 or 2009H1 (its last day). Default: yesterday.")
FormatOpt = typer.Option("table", "--format", "-f", help="table, json, csv or md.")


# ----------------------------------------------------------------------------- helpers


def fail(message: str, code: int = 2) -> typer.Exit:
    sys.stderr.write(f"apcli: {message}\n")
    return typer.Exit(code)


def load(plan_dir: Optional[Path], progress: Optional[Path] = None, checked: bool = True):
    """The plan, or exit 1 with its diagnostics when it has errors."""
    from .checks import run_checks
    from .diagnostics import format_text
    from .loader import find_plan_dir, load_plan

    plan, diags = load_plan(find_plan_dir(plan_dir), progress)
    if plan is not None and checked and not any(d.severity == "error" for d in diags):
        diags = sorted(diags + run_checks(plan, date.today()))
    errors = [d for d in diags if d.severity == "error"]
    if plan is None or errors:
        sys.stderr.write(format_text(errors or diags))
        raise fail("the plan has errors (run `apcli check`); no answer given", 1)
    return plan


def cutoff(as_of: Optional[str]) -> date:
    from .periods import parse_as_of

    if as_of is None:
        return date.today() - timedelta(days=1)
    try:
        return parse_as_of(as_of)
    except ValueError as exc:
        raise fail(str(exc))


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
    paths: list[Path] = typer.Argument(None, help="Plan directories or files (default: the plan)."),
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
    from .loader import find_plan_dir, load_plan

    fmt = fmt or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    check_format(fmt, ("text", "github", "json"))
    roots = [_plan_root(p) for p in paths] if paths else [find_plan_dir(plan_dir)]
    diags, files = [], 0
    for root in dict.fromkeys(roots):
        plan, found = load_plan(root, progress)
        if plan is not None:
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
    for parent in path.resolve().parents:
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
def institutions(fmt: str = FormatOpt, plan_dir: Optional[Path] = PlanOpt):
    """List every body in the registry, with how many activities it leads and appears in.

    Example: apcli institutions --format json
    """
    from .queries import institution_counts

    check_format(fmt)
    plan = load(plan_dir)
    counts = institution_counts(plan)
    rows = [{"id": i.id, "name": i.name, "name_en": i.name_en, "kind": i.kind, "aliases": list(i.aliases),
             "lead_count": counts[i.id][0], "any_count": counts[i.id][1]} for i in plan.registry.institutions]
    table = output.Table([("id", "id"), ("kind", "kind"), ("lead_count", "leads"), ("any_count", "in"),
                          ("name", "name")], rows, footer=f"{len(rows)} bodies")
    output.emit_table(table, fmt, rows)


@app.command()
def deadline(
    phrase: str = typer.Argument(..., help="A deadline phrase, e.g. 'Fundi i 2008-ës'."),
    fmt: str = typer.Option("text", "--format", "-f", help="text or json."),
    plan_dir: Optional[Path] = PlanOpt,
):
    """Show how a deadline phrase is read (period, due day, approximate or not).

    Example: apcli deadline "Tremujori i parë i 2009"
    """
    from .periods import DeadlineError, read_deadline

    check_format(fmt, ("text", "json"))
    try:
        reading = read_deadline(phrase)
    except DeadlineError as exc:
        sys.stderr.write(f"apcli: {exc}\n")
        raise typer.Exit(1)
    data = reading.as_json()
    if fmt == "json":
        sys.stdout.write(output.to_json(data))
        return
    lines = [f"phrase: {phrase}", f"kind: {data['kind']}", f"start: {data['start'] or '-'}",
             f"end: {data['end'] or '-'}", f"due: {data['due'] or 'never (ongoing)'}",
             f"approximate: {'yes' if data['approx'] else 'no'}"]
    if reading.kind == "recurring":
        lines.append("occurrences: " + ", ".join(data["occurrences"]))
    sys.stdout.write("\n".join(lines) + "\n")


@app.command()
def deadlines(fmt: str = FormatOpt, plan_dir: Optional[Path] = PlanOpt):
    """List every deadline phrase in the plan with its reading and how many activities use it.

    Example: apcli deadlines --format csv
    """
    check_format(fmt)
    plan = load(plan_dir, checked=False)
    uses: dict[str, list] = {}
    for rec in plan.activities:
        for d in rec.deadlines:
            if d.phrase is None and d.due_override is None:
                continue
            key = d.phrase if not d.due_override else f"{d.phrase} [due: {d.due_override}]"
            entry = uses.setdefault(key, [d, []])
            if rec.ref not in entry[1]:
                entry[1].append(rec.ref)
    rows = []
    for key, (d, refs) in uses.items():
        r = d.reading
        rows.append({"phrase": key, "kind": r.kind if r else "UNREADABLE", "start": str(r.start) if r and r.start else None,
                     "end": str(r.end) if r and r.end else None,
                     "due": ", ".join(x.isoformat() for x in r.due_days) if r else None,
                     "approx": approx_mark(bool(r and r.approx)), "activities": len(refs), "refs": refs})
    rows.sort(key=lambda row: (row["kind"] != "UNREADABLE", row["due"] or "9999", row["phrase"]))
    table = output.Table([("kind", "kind"), ("start", "start"), ("end", "end"), ("due", "due"),
                          ("approx", "≈"), ("activities", "uses"), ("phrase", "phrase")], rows,
                         footer=f"{len(rows)} distinct phrases")
    output.emit_table(table, fmt, rows)
    if any(row["kind"] == "UNREADABLE" for row in rows):
        raise typer.Exit(1)


# ----------------------------------------------------------------------------- activities


@app.command()
def show(ref: str = typer.Argument(..., help="An activity, e.g. II-1.(a).1 (lenient: ii-1a1, mbrojtja 1.(a).1)."),
         fmt: str = typer.Option("text", "--format", "-f", help="text or json."),
         as_of: Optional[str] = AsOfOpt,
         plan_dir: Optional[Path] = PlanOpt, progress: Optional[Path] = ProgressOpt):
    """Print one activity in full, with its deadlines read and its state at the cut-off.

    Example: apcli show mbrojtja 1.(a).1
    """
    from .queries import state_at, timeliness
    from .refs import RefError

    check_format(fmt, ("text", "json"))
    plan = load(plan_dir, progress)
    try:
        rec = plan.resolve_ref(ref)
    except RefError as exc:
        raise fail(str(exc))
    c = cutoff(as_of)
    state = state_at(plan, rec, c)
    data = rec.activity.model_dump(exclude_defaults=True)
    data = {"ref": rec.ref, "pillar": rec.pillar, "goal": rec.goal.id, "objective": rec.objective.id, **data,
            "deadlines_read": [d.reading.as_json() for d in rec.deadlines if d.reading],
            "as_of": c.isoformat(), "state": state.status, "timeliness": timeliness(plan, rec, c),
            "progress": [e.model_dump(exclude_none=True) for e in plan.progress_by_ref.get(rec.ref, [])]}
    if fmt == "json":
        sys.stdout.write(output.to_json(data))
        return
    sys.stdout.write(_show_text(plan, rec, data))


def _show_text(plan, rec, data) -> str:
    a = rec.activity
    out = [f"{rec.ref}  {a.title}", "",
           f"pillar {rec.pillar} · goal {rec.goal.id} · objective {rec.objective.id}: {rec.objective.title}"]
    if a.printed_id:
        out.append(f"printed as: {a.printed_id}")
    for label, values in (("responsible", a.responsible), ("support", a.support), ("resources", a.resources),
                          ("see", a.see)):
        if values:
            out.append(f"{label}: {', '.join(values)}")
    for d in rec.deadlines:
        reading = d.reading
        where = f" (milestone {d.milestone + 1})" if d.milestone is not None else ""
        read = (f"due {reading.due.isoformat()}{' ≈' if reading.approx else ''}" if reading and reading.due
                else "ongoing, never due" if reading else "UNREADABLE")
        out.append(f"deadline{where}: {d.phrase}" + (f" [due: {d.due_override}]" if d.due_override else "")
                   + f" → {read}")
    for i, m in enumerate(a.milestones or []):
        if m.title:
            out.append(f"milestone {i + 1}: {m.title}")
        for ind in m.indicators:
            out.append(f"  indicator (milestone {i + 1}): {ind}")
    for ind in a.indicators:
        out.append(f"indicator: {ind}")
    for note in a.notes:
        out.append(f"note: {note}")
    out.append(f"state at {data['as_of']}: {data['state']} ({data['timeliness'].replace('_', ' ')})")
    for e in data["progress"]:
        out.append(f"  {e['date']} {e['status']}" + (f" — {e['evidence']}" if e.get("evidence") else ""))
    return "\n".join(out) + "\n"


@app.command("list")
def list_(pillar: Optional[str] = typer.Option(None, "--pillar", help="I, II, III, IV, 1-4 or a pillar name."),
          status: Optional[str] = typer.Option(None, "--status", help="not_started, in_progress, completed, cancelled, suspended, overdue, no_evidence, ongoing, stale, no_deadline, due_soon, on_track."),
          institution: Optional[str] = typer.Option(None, "--institution", help="A body (any spelling or full name)."),
          role: str = typer.Option("any", "--role", help="With --institution: lead, responsible, support, funder, any, all."),
          search: Optional[str] = typer.Option(None, "--search", help="Text in titles or indicators (case and diacritics ignored)."),
          as_of: Optional[str] = AsOfOpt, fmt: str = FormatOpt,
          plan_dir: Optional[Path] = PlanOpt, progress: Optional[Path] = ProgressOpt):
    """List activities, filtered by pillar, status, institution or text.

    Example: apcli list --pillar II --search "strehëz"
    """
    from .queries import STATUS_FILTERS, select, state_at

    check_format(fmt)
    check_role(role)
    if status and status not in STATUS_FILTERS:
        raise fail(f"unknown status {status!r}; use one of: {', '.join(STATUS_FILTERS)}")
    plan = load(plan_dir, progress)
    c = cutoff(as_of)
    inst = institution_id(plan, institution) if institution else None
    recs = select(plan, pillar_of(plan, pillar), inst, role, status, search, c)
    rows = [{"ref": r.ref, "lead": r.lead, "deadline": "; ".join(r.phrases) or None,
             "state": state_at(plan, r, c).status, "title": r.title} for r in recs]
    table = output.Table([("ref", "ref"), ("lead", "lead"), ("deadline", "deadline"), ("state", "state"),
                          ("title", "title")], rows, footer=f"{len(rows)} of {len(plan.activities)} activities")
    output.emit_table(table, fmt, rows)


# ----------------------------------------------------------------------------- questions over time


@app.command()
def overdue(as_of: Optional[str] = AsOfOpt,
            institution: Optional[str] = typer.Option(None, "--institution", help="Only this body's activities."),
            role: str = typer.Option("any", "--role", help="With --institution: lead, responsible, support, funder, any, all."),
            pillar: Optional[str] = typer.Option(None, "--pillar", help="I, II, III, IV, 1-4 or a pillar name."),
            fmt: str = FormatOpt,
            fail_if_any: bool = typer.Option(False, "--fail-if-any", help="Exit 1 when anything is overdue."),
            plan_dir: Optional[Path] = PlanOpt, progress: Optional[Path] = ProgressOpt):
    """What was due by the cut-off and not done: most late first.

    Example: apcli overdue --as-of 2009-06 --institution MPÇSSHB
    """
    from .queries import overdue as find_overdue, select

    check_format(fmt)
    check_role(role)
    plan = load(plan_dir, progress)
    c = cutoff(as_of)
    inst = institution_id(plan, institution) if institution else None
    items = find_overdue(plan, c, select(plan, pillar_of(plan, pillar), inst, role))
    rows = [{"ref": o.rec.ref, "lead": o.rec.lead, "deadline": o.deadline.phrase, "due": o.due.isoformat(),
             "approx": approx_mark(o.approx), "months_late": o.months_late, "state": o.state.status,
             "title": o.rec.title} for o in items]
    approx = sum(o.approx for o in items)
    footer = (f"{len(items)} overdue as of {c.isoformat()}" + (f" ({approx} with approximate deadlines ≈)" if approx else "")
              + f"; {sum(not o.state.reported for o in items)} with no progress reported")
    table = output.Table([("ref", "ref"), ("lead", "lead"), ("due", "due"), ("approx", "≈"),
                          ("months_late", "late (months)"), ("state", "state"), ("deadline", "deadline"),
                          ("title", "title")], rows, footer=footer)
    output.emit_table(table, fmt, [o.as_json() for o in items])
    if fail_if_any and items:
        raise typer.Exit(1)


@app.command()
def upcoming(as_of: Optional[str] = AsOfOpt,
             within: str = typer.Option("1q", "--within", help="Horizon after the cut-off's month: 1q, 3m, 6m, 1y."),
             institution: Optional[str] = typer.Option(None, "--institution", help="Only this body's activities."),
             role: str = typer.Option("any", "--role", help="With --institution: lead, responsible, support, funder, any, all."),
             pillar: Optional[str] = typer.Option(None, "--pillar", help="I, II, III, IV, 1-4 or a pillar name."),
             fmt: str = FormatOpt,
             plan_dir: Optional[Path] = PlanOpt, progress: Optional[Path] = ProgressOpt):
    """What falls due after the cut-off and within the horizon: soonest first.

    Example: apcli upcoming --as-of 2009-06 --within 1q
    """
    from .queries import horizon_end, parse_within, select, upcoming as find_upcoming

    check_format(fmt)
    check_role(role)
    try:
        months = parse_within(within)
    except ValueError as exc:
        raise fail(str(exc))
    plan = load(plan_dir, progress)
    c = cutoff(as_of)
    inst = institution_id(plan, institution) if institution else None
    items = find_upcoming(plan, c, months, select(plan, pillar_of(plan, pillar), inst, role))
    rows = [{"ref": u.rec.ref, "lead": u.rec.lead, "due": u.due.isoformat(),
             "approx": approx_mark(bool(u.deadline.reading and u.deadline.reading.approx)),
             "state": u.state.status, "deadline": u.deadline.phrase, "title": u.rec.title} for u in items]
    table = output.Table([("ref", "ref"), ("lead", "lead"), ("due", "due"), ("approx", "≈"), ("state", "state"),
                          ("deadline", "deadline"), ("title", "title")], rows,
                         footer=f"{len(items)} due after {c.isoformat()} up to {horizon_end(c, months).isoformat()}")
    output.emit_table(table, fmt, [u.as_json() for u in items])


@app.command("by-institution")
def by_institution(name: str = typer.Argument(..., help="A body: acronym, alias or full name, any case or diacritics."),
                   role: str = typer.Option("any", "--role", help="lead, responsible, support, funder, any (responsible or support), all."),
                   as_of: Optional[str] = AsOfOpt, fmt: str = FormatOpt,
                   plan_dir: Optional[Path] = PlanOpt, progress: Optional[Path] = ProgressOpt):
    """Every activity a body takes part in, with its role, due day and state at the cut-off.

    Example: apcli by-institution MPCSSHB --as-of 2009-06
    """
    from .queries import by_institution as involvement

    check_format(fmt)
    check_role(role)
    plan = load(plan_dir, progress)
    inst = institution_id(plan, name)
    c = cutoff(as_of)
    rows, summary = involvement(plan, inst, c, role)
    body = plan.registry.by_id[inst]
    table_rows = [{"ref": r.rec.ref, "roles": r.roles, "due": r.due.isoformat() if r.due else None,
                   "state": r.state.status, "timeliness": r.timeliness.replace("_", " "), "title": r.rec.title}
                  for r in rows]
    footer = (f"{body.id} ({body.name}) as of {c.isoformat()}: {summary['activities']} activities — "
              f"lead {summary['as_lead']}, partner {summary['as_partner']}, funder {summary['as_funder']}, "
              f"overdue {summary['overdue']}, completed {summary['completed']}")
    table = output.Table([("ref", "ref"), ("roles", "role"), ("due", "due"), ("state", "state"),
                          ("timeliness", "standing"), ("title", "title")], table_rows, footer=footer)
    output.emit_table(table, fmt, {"summary": summary, "activities": [r.as_json() for r in rows]})


@app.command()
def stats(as_of: Optional[str] = AsOfOpt, fmt: str = FormatOpt,
          plan_dir: Optional[Path] = PlanOpt, progress: Optional[Path] = ProgressOpt):
    """Per pillar and overall: activities, completed, in progress, overdue, no evidence, ongoing, stale, no deadline.

    Example: apcli stats --as-of 2009-12
    """
    from .queries import STAT_KEYS, stats as pillar_stats

    check_format(fmt)
    plan = load(plan_dir, progress)
    c = cutoff(as_of)
    rows = pillar_stats(plan, c)
    table = output.Table([("pillar", "pillar"), *[(k, k.replace("_", " ")) for k in STAT_KEYS], ("title", "title")],
                         rows, footer=f"as of {c.isoformat()}")
    output.emit_table(table, fmt, rows)


@app.command()
def export(fmt: str = typer.Option("json", "--format", "-f", help="json or csv."),
           plan_dir: Optional[Path] = PlanOpt):
    """Every activity as one row, for spreadsheets and scripts.

    Example: apcli export --format csv > plan.csv
    """
    from .queries import export_rows

    check_format(fmt, ("json", "csv"))
    plan = load(plan_dir)
    rows = export_rows(plan)
    if fmt == "json":
        sys.stdout.write(output.to_json(rows))
        return
    columns = [(k, k) for k in rows[0]] if rows else [("ref", "ref")]
    flat = [{k: "; ".join(v) if isinstance(v, list) else v for k, v in row.items()} for row in rows]
    sys.stdout.write(output.render_csv(output.Table(columns, flat)))


def main() -> None:
    app()
