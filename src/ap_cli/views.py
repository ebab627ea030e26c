"""What each answer looks like: the table (columns, rows in the chosen language, footer) and the
JSON of every query command, and the text of `show` and `deadline`. Pure functions of a plan and
an answer from queries.py; output.py prints what they build, the command line only chooses.

Table rows are made from each answer's `as_json()` (one definition of a row's values), with the
plan text in the language asked for under `title` / `title_en` (a CSV header never calls English
text by the Albanian field's name).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from . import language, output
from .diagnostics import escape_line, escape_text
from .record import Record

if TYPE_CHECKING:
    from .compliance import BodyReport
    from .domain import Institution
    from .periods import Quarter, Reading
    from .plan import ActivityRecord, Plan
    from .queries import Involvement, Overdue, Upcoming
    from .workbook import Sheet

Col, TEXT, FIXED, NUMBER = output.Column, output.TEXT, output.FIXED, output.NUMBER
APPROX = Col("approx", "≈", FIXED, "dim")
Row = dict[str, Any]


class View(Record):
    """An answer ready to print: `table` for table, CSV and Markdown; `data` for JSON."""

    table: output.Table
    data: Any


def approx_mark(flag: bool) -> str:
    return "≈" if flag else ""


def en_note(lang: str) -> str | None:
    """The footer line that labels English plan text unofficial."""
    return language.NOTE if lang == "en" else None


def text_key(key: str, lang: str) -> str:
    """The row key of a plan-text column: `title`, or `title_en` when it holds the English."""
    return f"{key}_en" if lang == "en" else key


# ----------------------------------------------------------------------------- reference data


def institutions(plan: Plan, counts: dict[str, dict[str, int]], lang: str) -> View:
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
    return View(table, rows)


def deadline_text(phrase: str, reading: Reading) -> str:
    """How `apcli deadline` shows a phrase's reading."""
    data = reading.as_json()
    lines = [f"phrase: {escape_line(phrase)}", f"kind: {data['kind']}", f"start: {data['start'] or '-'}",
             f"end: {data['end'] or '-'}", f"due: {data['due'] or 'never (ongoing)'}",
             f"approximate: {'yes' if data['approx'] else 'no'}"]
    if reading.kind == "recurring":
        lines.append("occurrences: " + ", ".join(day.isoformat() for day in reading.due_days))
    lines.append(f"in English: {data['text_en']}")
    return "\n".join(lines) + "\n"


def deadlines(uses: list[Row]) -> View:
    rows = [{**row, "approx": approx_mark(row["approx"])} for row in uses]
    table = output.Table([Col("kind", "kind", FIXED, output.status_style), Col("start", "start", FIXED),
                          Col("end", "end", FIXED), Col("due", "due", FIXED), APPROX,
                          Col("activities", "uses", NUMBER), Col("phrase", "phrase", TEXT)], rows,
                         footer=f"{len(rows)} distinct phrases")
    return View(table, rows)


def export_csv(rows: list[Row]) -> str:
    """Every activity as one CSV row: lists joined with `; `, the nested milestones left out."""
    keys = [k for k in rows[0] if k != "milestones"] if rows else ["ref"]
    flat = [{k: "; ".join(x or "" for x in row[k]) if isinstance(row[k], list) else row[k] for k in keys}
            for row in rows]
    return output.render_csv(output.Table([(k, k) for k in keys], flat))


# ----------------------------------------------------------------------------- activities


def show_data(plan: Plan, rec: ActivityRecord, cutoff: date) -> Row:
    """One activity in full: its fields, deadlines read, state and progress at the cut-off."""
    from .queries import state_at, timeliness

    data = rec.activity.model_dump(exclude_defaults=True)
    return {"ref": rec.ref, "pillar": rec.pillar, "goal": rec.goal.id, "objective": rec.objective.id, **data,
            "deadlines_read": [d.reading.as_json() for d in rec.deadlines if d.reading],
            "as_of": cutoff.isoformat(), "state": state_at(plan, rec, cutoff).status,
            "timeliness": timeliness(plan, rec, cutoff),
            "progress": [e.model_dump(exclude_defaults=True) for e in plan.progress_by_ref.get(rec.ref, [])]}


def show_text(plan: Plan, rec: ActivityRecord, data: Row, lang: str = "sq") -> str:
    """`show_data` as text, plan text in `lang`."""
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


def activity_list(plan: Plan, recs: Sequence[ActivityRecord], cutoff: date, lang: str) -> View:
    from .queries import state_at

    data = [{"ref": r.ref, "lead": r.lead, "deadline": "; ".join(r.phrases) or None,
             "state": state_at(plan, r, cutoff).status, "title": r.title, "title_en": r.activity.title_en,
             "deadline_en": "; ".join(language.deadlines(r, "en")) or None} for r in recs]
    dl, title = text_key("deadline", lang), text_key("title", lang)
    rows = [{**row, dl: "; ".join(language.deadlines(r, lang)) or None, title: language.title(r, lang)}
            for row, r in zip(data, recs, strict=True)]
    table = output.Table([Col("ref", "ref", FIXED), Col("lead", "lead", FIXED), Col(dl, "deadline", TEXT),
                          Col("state", "state", FIXED, output.status_style), Col(title, "title", TEXT)], rows,
                         footer=f"{len(rows)} of {len(plan.activities)} activities", note=en_note(lang))
    return View(table, data)


# ----------------------------------------------------------------------------- questions over time


def _dated_row(item: Overdue | Upcoming, lang: str, keys: Sequence[str]) -> Row:
    """A row of `keys` from the item's JSON, deadline and title in `lang`, approx as ≈."""
    data = item.as_json()
    row = {k: data[k] for k in keys}
    row["approx"] = approx_mark(data["approx"])
    row[text_key("deadline", lang)] = language.deadline(item.deadline, lang)
    row[text_key("title", lang)] = language.title(item.rec, lang)
    return row


def overdue(plan: Plan, items: Sequence[Overdue], cutoff: date, stale: int, lang: str) -> View:
    """The overdue table; `stale`: how many ongoing activities of the selection are stale."""
    rows = [_dated_row(o, lang, ("ref", "lead", "due", "months_late", "state")) for o in items]
    approx = sum(o.approx for o in items)
    footer = (f"{len(items)} overdue as of {cutoff.isoformat()}"
              + (f" ({approx} with approximate deadlines ≈)" if approx else "")
              + f"; {sum(not o.state.reported for o in items)} with no progress reported"
              + (f"; {stale} ongoing activities stale (no entry in the last closed quarter): "
                 "apcli list --status stale" if stale else ""))
    dl, title = text_key("deadline", lang), text_key("title", lang)
    table = output.Table([Col("ref", "ref", FIXED), Col("lead", "lead", FIXED), Col("due", "due", FIXED), APPROX,
                          Col("months_late", "late (months)", NUMBER, "red"),
                          Col("state", "state", FIXED, output.status_style), Col(dl, "deadline", TEXT),
                          Col(title, "title", TEXT)], rows, footer=footer, note=en_note(lang))
    return View(table, [o.as_json() for o in items])


def upcoming(plan: Plan, items: Sequence[Upcoming], cutoff: date, until: date, lang: str) -> View:
    rows = [_dated_row(u, lang, ("ref", "lead", "due", "state")) for u in items]
    dl, title = text_key("deadline", lang), text_key("title", lang)
    table = output.Table([Col("ref", "ref", FIXED), Col("lead", "lead", FIXED), Col("due", "due", FIXED), APPROX,
                          Col("state", "state", FIXED, output.status_style), Col(dl, "deadline", TEXT),
                          Col(title, "title", TEXT)], rows,
                         footer=f"{len(items)} due after {cutoff.isoformat()} up to {until.isoformat()}",
                         note=en_note(lang))
    return View(table, [u.as_json() for u in items])


def by_institution(plan: Plan, inst: str, rows: Sequence[Involvement], summary: Row, cutoff: date,
                   lang: str, csv: bool = False) -> View:
    """A body's involvement; `csv`: the machine columns (roles, reach, via) instead of one label."""
    body = plan.registry.by_id[inst]
    title = text_key("title", lang)
    table_rows = [{"ref": r.rec.ref, "role": involvement_label(plan, r, lang), "roles": r.roles, "reach": r.reach,
                   "via": r.via, "due": r.due.isoformat() if r.due else None, "state": r.state.status,
                   "timeliness": r.timeliness.replace("_", " "), title: language.title(r.rec, lang)}
                  for r in rows]
    if csv:
        columns = [Col(k, k) for k in ("ref", "roles", "reach", "via", "due", "state", "timeliness", title)]
    else:
        columns = [Col("ref", "ref", FIXED), Col("role", "role", TEXT), Col("due", "due", FIXED),
                   Col("state", "state", FIXED, output.status_style),
                   Col("timeliness", "standing", FIXED, output.status_style), Col(title, "title", TEXT)]
    from .compliance import at_cutoff, quarter_at, summary_line  # the quarterly reporting (`apcli reporting`)

    filed, quarter = at_cutoff(plan, inst, cutoff), quarter_at(plan, cutoff)
    footer = involvement_footer(plan, body, cutoff, summary, lang)
    if filed is not None and quarter is not None:
        summary["reporting"] = {"quarter": str(quarter), **filed.as_json()}
        footer += f"; {summary_line(filed, quarter)}"
    table = output.Table(columns, table_rows, footer=footer, note=en_note(lang))
    own = [r.as_json() for r in rows if r.counted]
    apart = [r.as_json() for r in rows if not r.counted]
    return View(table, {"summary": summary, "activities": own, "for_all": apart})


def involvement_label(plan: Plan, row: Involvement, lang: str = "sq") -> str:
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


def involvement_footer(plan: Plan, body: Institution, cutoff: date, summary: Row, lang: str = "sq") -> str:
    def counts(d: dict[str, int]) -> str:
        return ", ".join(f"{k} {n}" for k, n in d.items())

    via = summary["via"]
    text = (f"{body.id} ({language.body_name(body, lang)}) as of {cutoff.isoformat()}: "
            f"{summary['activities']} activities")
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


def stats(rows: list[Row], cutoff: date, lang: str) -> View:
    from .queries import STAT_KEYS

    alarm = {"overdue": output.if_positive("red"), "stale": output.if_positive("yellow")}
    table = output.Table([Col("pillar", "pillar", FIXED),
                          *[Col(k, k.replace("_", " "), NUMBER, alarm.get(k)) for k in STAT_KEYS],
                          Col(text_key("title", lang), "title", TEXT)], rows, footer=f"as of {cutoff.isoformat()}",
                         note=en_note(lang))
    return View(table, rows)


# ----------------------------------------------------------------------------- reporting

SHOWN_REFS = 6  # missing refs a terminal or Markdown table lists per body
REPORTING_COLUMNS = [Col("body", "body", FIXED), Col("asked", "asked", NUMBER), Col("reported", "reported", NUMBER),
                     Col("missing", "missing", NUMBER, output.if_positive("red")),
                     Col("last_entry", "last entry", FIXED), Col("missing_refs", "missing refs", TEXT)]


def reporting(reports: Sequence[BodyReport], quarter: Quarter, lang: str, every_ref: bool = True) -> View:
    """`apcli reporting`: a row per body (asked, reported, missing); `every_ref=False` (a table
    or Markdown, a readable chase list) shortens each body's list of missing refs."""
    from .compliance import rows as report_rows

    rows = report_rows(list(reports), lang)
    if not every_ref:
        for row, r in zip(rows, reports, strict=True):
            refs = [m.ref for m in r.missing]
            if len(refs) > SHOWN_REFS:
                row["missing_refs"] = ", ".join(refs[:SHOWN_REFS]) + f" … and {len(refs) - SHOWN_REFS} more"
    asked = sum(r.asked for r in reports)
    done = sum(r.reported for r in reports)
    # One body: its activities. Several: rows of their forms, where a shared activity counts once per body.
    asked_text = (f"1 body asked about {asked} activities" if len(reports) == 1 else
                  f"{len(reports)} bodies asked about {asked} form rows (one per body and activity)")
    footer = (f"{quarter} ({quarter.first.isoformat()} – {quarter.last.isoformat()}): {asked_text}; "
              f"{done} reported, {asked - done} missing; "
              f"{sum(r.complete for r in reports)} bodies complete")
    data = {"quarter": str(quarter), "first": quarter.first.isoformat(), "last": quarter.last.isoformat(),
            "bodies": [r.as_json() for r in reports]}
    return View(output.Table(list(REPORTING_COLUMNS), rows, footer=footer), data)


def reporting_sheets(view: View, reports: Sequence[BodyReport], lang: str) -> list[Sheet]:
    """`apcli reporting --format xlsx`: the bodies (with their names), then every missing report."""
    from .compliance import missing_rows
    from .workbook import Sheet

    notes = [view.table.footer] if view.table.footer else []
    return [Sheet("bodies", [Col("body", "body", FIXED), Col("name", "name", TEXT), *REPORTING_COLUMNS[1:]],
                  view.table.rows, notes),
            Sheet("missing", [Col("body", "body", FIXED), Col("ref", "ref", FIXED), Col("section", "section", FIXED),
                              Col("due", "due", FIXED), Col("via", "via", FIXED), Col("title", "title", TEXT)],
                  missing_rows(list(reports), lang))]
