"""Who has reported: per body, the activities its quarterly form asks about and how many of them
have an entry dated in the quarter — the coordinator's chase list (`apcli reporting`).

A missing progress report counts in its own right, as monitoring platforms for national action
plans treat it. The activities asked about are exactly the form's (`forms.select`: open in the
quarter, the body's own work, collective rows included, rows for all bodies left out). An
activity counts as reported by a body when an entry for it dated in the quarter names that
body in `by` (an entry without `by` is the lead's, as `progress add` files it); a row reached
through a collective is reported once for all its members, by any member's entry (DESIGN §13).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from . import language
from .forms import Item, in_plan, select
from .institutions import UnknownInstitution
from .periods import Quarter
from .plan import Plan


@dataclass(frozen=True)
class Missing:
    ref: str
    title: str
    title_en: str | None
    section: str  # the form's section: overdue, due, ongoing, later, undated
    due: date | None
    via: str | None = None


@dataclass(frozen=True)
class BodyReport:
    body: str
    name: str
    name_en: str | None
    asked: int
    reported: int
    missing: list[Missing] = field(default_factory=list)
    last_entry: str | None = None  # the latest entry the body filed, up to the quarter's end

    @property
    def complete(self) -> bool:
        return not self.missing

    def as_json(self) -> dict[str, object]:
        return {"body": self.body, "name": self.name, "name_en": self.name_en, "asked": self.asked,
                "reported": self.reported, "missing": len(self.missing),
                "missing_refs": [m.ref for m in self.missing], "last_entry": self.last_entry}


def _reporter(plan: Plan, by: str | None, lead: str | None) -> str | None:
    if not by:
        return lead
    try:
        return plan.registry.resolve(by)
    except UnknownInstitution:
        return None


def reporting_bodies(plan: Plan) -> list[str]:
    """The bodies that get a form: named bodies, not collectives or open-ended groups."""
    reg = plan.registry
    return [i.id for i in reg.institutions if not reg.members(i.id) and not i.open]


def form_items(plan: Plan, inst_id: str, quarter: Quarter) -> list[Item]:
    """What the body's quarterly form asks about: `forms.select` without the rows for all bodies."""
    return select(plan, inst_id, quarter, for_all=False)


def body_report(plan: Plan, inst_id: str, quarter: Quarter) -> BodyReport:
    reg = plan.registry
    first, last = quarter.first.isoformat(), quarter.last.isoformat()
    items = form_items(plan, inst_id, quarter)
    missing, reported = [], 0
    for item in items:
        rec = item.rec
        via = item.reach.via
        allowed = {inst_id} | ({via, *reg.all_members(via)} if via else set())
        if any(first <= e.date <= last and _reporter(plan, e.by, rec.lead) in allowed
               for e in plan.progress_by_ref.get(rec.ref, ())):
            reported += 1
        else:
            missing.append(Missing(rec.ref, rec.title, rec.activity.title_en, item.section, item.since, via))
    filed = [r.entry.date for r in plan.progress
             if r.entry.date <= last and _reporter(plan, r.entry.by, _lead(plan, r.entry.ref)) == inst_id]
    body = reg.by_id[inst_id]
    return BodyReport(inst_id, body.name, body.name_en, len(items), reported, missing, max(filed, default=None))


def _lead(plan: Plan, ref: str) -> str | None:
    try:
        return plan.resolve_ref(ref).lead
    except Exception:  # an unknown ref: `check` reports it; here it has no lead
        return None


def reporting(plan: Plan, quarter: Quarter) -> list[BodyReport]:
    """Every body asked about at least one activity, those missing the most first (then registry order)."""
    rows = [body_report(plan, b, quarter) for b in reporting_bodies(plan)]
    rows = [r for r in rows if r.asked]
    return sorted(rows, key=lambda r: -len(r.missing))


def rows(reports: list[BodyReport], lang: str = "sq") -> list[dict[str, object]]:
    """One row per body for a table (missing refs as one cell)."""
    return [{"body": r.body, "name": r.name_en if lang == "en" and r.name_en else r.name, "asked": r.asked,
             "reported": r.reported, "missing": len(r.missing), "last_entry": r.last_entry,
             "missing_refs": ", ".join(m.ref for m in r.missing)} for r in reports]


def missing_rows(reports: list[BodyReport], lang: str = "sq") -> list[dict[str, object]]:
    """One row per missing report: the chase list in detail."""
    return [{"body": r.body, "ref": m.ref, "section": m.section, "due": m.due.isoformat() if m.due else None,
             "via": m.via, "title": language.pick(m.title, m.title_en, lang) or m.title}
            for r in reports for m in r.missing]


def summary_line(report: BodyReport, quarter: Quarter) -> str:
    """`reporting 2009Q2: 3 of 5 activities reported, last entry 2009-05-02` (one line, English)."""
    last = f"last entry {report.last_entry}" if report.last_entry else "no entry filed yet"
    return f"reporting {quarter}: {report.reported} of {report.asked} activities reported, {last}"


def quarter_at(plan: Plan, cutoff: date) -> Quarter | None:
    """The quarter whose forms are due by `cutoff`: the last one closed by then, if it lies in
    the plan period."""
    q = Quarter.of(cutoff).last_closed_by(cutoff)
    return q if in_plan(plan, q) else None


def at_cutoff(plan: Plan, inst_id: str, cutoff: date) -> BodyReport | None:
    """The body's reporting for the last quarter closed by `cutoff` (None: no form for it)."""
    q = quarter_at(plan, cutoff)
    if q is None or inst_id not in reporting_bodies(plan):
        return None
    report = body_report(plan, inst_id, q)
    return report if report.asked else None
