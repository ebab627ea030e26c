"""The quarterly reporting form of one body (`apcli progress template`).

The form is a progress file whose entries are commented out: each activity the body leads or
supports that is overdue, due, ongoing or under way in the quarter, with its deadline,
indicators and state as comments, followed by an entry ready to uncomment and fill in. Once
filled in it is an ordinary progress file: `apcli check` reads it, and it can be saved into
the log as it is or merged with `apcli progress import`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from . import edit
from .diagnostics import escape_line
from .periods import Quarter
from .plan import ActivityRecord, Plan
from .queries import has_role, role_of, state_at, timeliness

SECTIONS = (  # key, short name, heading
    ("overdue", "overdue", "Overdue: due before the quarter and not done when it began"),
    ("due", "due this quarter", "Due this quarter"),
    ("ongoing", "ongoing", "Ongoing work (report every quarter, or it shows as stale)"),
    ("later", "due later", "Under way, due after this quarter"),
    ("undated", "without deadline", "No readable deadline"),
)
RULE = "# " + "=" * 78


@dataclass(frozen=True)
class Item:
    rec: ActivityRecord
    section: str
    since: date | None  # overdue: the first missed due day; due/later: the next due day


def work_start(plan: Plan, rec: ActivityRecord) -> date:
    """When work can be expected: the start of a range or ongoing period ("2009-2010",
    "Duke filluar nga 2009"); a plain deadline ("korrik 2009") is a due date, so work on it
    counts from the start of the plan."""
    readings = [d.reading for d in rec.deadlines if d.reading]
    if readings and all(r.kind in ("range", "ongoing") and r.start for r in readings):
        return min(r.start for r in readings).first_day()
    return plan.start.first_day()


def select(plan: Plan, inst_id: str, quarter: Quarter) -> list[Item]:
    """The body's activities (lead, responsible or support) open during the quarter."""
    before = quarter.first - timedelta(days=1)
    items = []
    for rec in plan.activities:
        if not has_role(rec, inst_id, "any"):
            continue
        if state_at(plan, rec, before).done_by(before) or work_start(plan, rec) > quarter.last:
            continue
        days = rec.due_days
        missed = [d for d in days if d < quarter.first]
        due = [d for d in days if quarter.first <= d <= quarter.last]
        later = [d for d in days if d > quarter.last]
        if missed:
            items.append(Item(rec, "overdue", missed[0]))
        elif due:
            items.append(Item(rec, "due", due[0]))
        elif rec.ongoing:
            items.append(Item(rec, "ongoing", None))
        elif later:
            items.append(Item(rec, "later", later[0]))
        else:
            items.append(Item(rec, "undated", None))
    order = [key for key, _, _ in SECTIONS]
    return sorted(items, key=lambda item: order.index(item.section))  # stable: plan order within


def render(plan: Plan, inst_id: str, quarter: Quarter, items: list[Item], schema: str | None,
           destination: str) -> str:
    body = plan.registry.by_id[inst_id]
    counts = [(short, sum(i.section == key for i in items)) for key, short, _ in SECTIONS]
    summary = ", ".join(f"{n} {short}" for short, n in counts if n)
    out = [edit.modeline(schema).rstrip("\n")] if schema else []
    out += [
        f"# Quarterly progress report {quarter} ({quarter.first.isoformat()} – {quarter.last.isoformat()})",
        f"# Raporti tremujor i progresit, {quarter}",
        f"# Institution: {_line(body.id)} — {_line(body.name)}",
        f"# Made by `apcli progress template --quarter {quarter} --institution {_line(body.id)}`;"
        f" states are as of {quarter.last.isoformat()}.",
        "#",
        "# How to fill it in:",
        "#  1. For each activity you report on, uncomment its entry (remove the leading \"# \" from",
        "#     each line of it) and fill it in. Leave the others commented out, or delete them.",
        "#  2. status: not_started | in_progress | completed | cancelled | suspended",
        "#     completion (in_progress only): limited | substantial",
        "#     evidence (required for completed): the decision, report or document, e.g. \"VKM nr. …, datë …\"",
        "#     date: the day the status held; not in the future, not before the activity's last entry.",
        "#  3. Save it as",
        f"#       {escape_line(destination)}",
        "#     and run `apcli check`. If that file exists already, merge the form into it",
        "#     instead: `apcli progress import THIS-FORM.yaml`.",
        "#",
        f"# {len(items)} activities" + (f": {summary}." if summary else "."),
    ]
    for key, _, heading in SECTIONS:
        section = [i for i in items if i.section == key]
        if not section:
            continue
        out += ["", RULE, f"# {heading} ({len(section)})", RULE]
        for item in section:
            out += ["", *_activity(plan, inst_id, quarter, item)]
    return "\n".join(out) + "\n"


def _activity(plan: Plan, inst_id: str, quarter: Quarter, item: Item) -> list[str]:
    rec, cutoff = item.rec, quarter.last
    roles = role_of(rec, inst_id)
    role = "lead" if "lead" in roles else "responsible" if "responsible" in roles else "support"
    bodies = f"#   role: {role} · responsible: {', '.join(rec.responsible_ids)}"
    lines = [*_comment(f"{rec.ref} — ", rec.title, "  "),
             escape_line(bodies + (f" · support: {', '.join(rec.support_ids)}" if rec.support_ids else ""))]
    for d in rec.deadlines:
        lines.append(f"#   deadline: {_line(d.phrase or d.due_override or '—')} → {_reading(d)}")
    if not rec.deadlines:
        lines.append("#   deadline: none printed")
    if rec.indicators:
        lines.append("#   indicators:")
        for text in rec.indicators:
            lines += _comment("    - ", text, "      ")
    state = state_at(plan, rec, cutoff)
    if state.reported:
        told = f"{state.status}" + (f" ({state.completion})" if state.completion else "") + f", reported {state.date}"
        if state.evidence:
            told += f"; evidence: {_line(state.evidence)}"
    else:
        told = "no progress reported (not_started, no evidence)"
    lines.append(f"#   state at {cutoff.isoformat()}: {told}")
    lines.append(f"#   standing: {timeliness(plan, rec, cutoff).replace('_', ' ')}")
    entry = {"ref": rec.ref, "date": cutoff.isoformat(), "status": state.status,
             "completion": state.completion if state.status == "in_progress" else None,
             "evidence": state.evidence if state.status == "completed" else None, "by": inst_id, "note": None}
    hints = {"status": "not_started | in_progress | completed | cancelled | suspended",
             "completion": "in_progress only: limited | substantial",
             "evidence": "required for completed"}
    for i, key in enumerate(edit.ENTRY_KEYS):
        value = edit.scalar(entry[key], plain=key in ("ref", "status", "completion", "by"))
        text = f"{'- ' if i == 0 else '  '}{key}: {value}"
        lines.append(f"# {text}" + (f"  # {hints[key]}" if key in hints else ""))
    return lines


def _reading(d) -> str:
    r = d.reading
    if r is None:
        return f"unreadable ({d.problem})" if d.problem else "no deadline"
    if r.kind == "ongoing":
        return f"ongoing from {r.start}" if r.start else "ongoing"
    days = ", ".join(day.isoformat() for day in r.due_days)
    return f"due {days}" + (" (approximate)" if r.approx else "")


def _comment(lead: str, text: str, indent: str) -> list[str]:
    """User text as comment lines: its own line breaks kept, each continuation indented; bidi,
    invisible and control characters escaped (entries escape them as YAML does: edit.scalar)."""
    parts = [escape_line(part.rstrip()) for part in str(text).splitlines()] or [""]
    return [f"# {lead}{parts[0]}".rstrip(), *(f"# {indent}{part}".rstrip() for part in parts[1:])]


def _line(text: str) -> str:
    """User text inside a one-line comment: line breaks folded, unsafe characters escaped."""
    return escape_line(" / ".join(part.strip() for part in str(text).splitlines() if part.strip()))
