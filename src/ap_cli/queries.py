"""The questions users ask of the plan, as pure functions of a `Plan` and a cut-off day.

Overdue, precisely (DESIGN §4): a due day D is overdue at cut-off C iff D ≤ C and the
activity's state at C is neither `completed` (dated ≤ C) nor `cancelled`. An activity is
overdue if any of its due days is; lateness is reported from its earliest missed due day.
Ongoing work is never overdue, but may be `stale`: no progress entry in the last closed
quarter before C.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from . import language
from .domain import Milestone
from .institutions import fold
from .periods import Month, Quarter, months_between
from .plan import ActivityRecord, Deadline, Plan
from .record import Record

ROLES = ("lead", "responsible", "support", "funder", "any", "all")


# ----------------------------------------------------------------------------- state

_Day = date  # `State.date` shadows the name inside the class


class State(Record):
    """An activity's state at a cut-off: the latest progress entry dated ≤ C."""

    status: str
    date: str | None = None  # an ISO day, as the log writes it
    evidence: str | None = None
    completion: str | None = None
    reported: bool = False  # False: no entry at all ("no evidence"), never guessed
    by: str | None = None  # the reporting body of that entry

    def done_by(self, cutoff: _Day) -> bool:
        return self.status == "cancelled" or (self.status == "completed" and self.date is not None
                                              and self.date <= cutoff.isoformat())


NOT_REPORTED = State("not_started")


def state_at(plan: Plan, rec: ActivityRecord, cutoff: date) -> State:
    latest = None
    for entry in plan.progress_by_ref.get(rec.ref, ()):
        if entry.date <= cutoff.isoformat():
            latest = entry
    if latest is None:
        return NOT_REPORTED
    return State(latest.status, latest.date, latest.evidence, latest.completion, True, latest.by)


# ----------------------------------------------------------------------------- overdue


class Overdue(Record):
    rec: ActivityRecord
    deadline: Deadline
    due: date
    months_late: int
    state: State
    missed: int  # how many of its due days are past (recurring deadlines, milestones)

    @property
    def approx(self) -> bool:
        return bool(self.deadline.reading and self.deadline.reading.approx)

    def as_json(self) -> dict[str, Any]:
        return {
            "ref": self.rec.ref,
            "title": self.rec.title,
            "lead": self.rec.lead,
            "responsible": list(self.rec.responsible_ids),
            "deadline": self.deadline.phrase,
            "due": self.due.isoformat(),
            "months_late": self.months_late,
            "approx": self.approx,
            "state": self.state.status,
            "evidence": self.state.evidence,
            "title_en": self.rec.activity.title_en,
            "deadline_en": language.deadline_en(self.deadline),
        }


def missed_due_days(rec: ActivityRecord, cutoff: date) -> list[tuple[date, Deadline]]:
    return sorted(
        ((day, d) for d in rec.deadlines if d.reading for day in d.reading.due_days if day <= cutoff),
        key=lambda pair: pair[0])


def overdue_item(plan: Plan, rec: ActivityRecord, cutoff: date) -> Overdue | None:
    missed = missed_due_days(rec, cutoff)
    if not missed:
        return None
    state = state_at(plan, rec, cutoff)
    if state.done_by(cutoff):
        return None
    due, deadline = missed[0]
    return Overdue(rec, deadline, due, months_between(due, cutoff), state, len(missed))


def overdue(plan: Plan, cutoff: date, activities: list[ActivityRecord] | None = None) -> list[Overdue]:
    """Overdue activities, most late first, then by plan order."""
    order = {rec.ref: i for i, rec in enumerate(plan.activities)}
    items = [item for rec in (activities if activities is not None else plan.activities)
             if (item := overdue_item(plan, rec, cutoff))]
    return sorted(items, key=lambda o: (-(cutoff - o.due).days, order[o.rec.ref]))


# ----------------------------------------------------------------------------- upcoming


class Upcoming(Record):
    rec: ActivityRecord
    deadline: Deadline
    due: date
    state: State

    def as_json(self) -> dict[str, Any]:
        return {
            "ref": self.rec.ref, "title": self.rec.title, "lead": self.rec.lead,
            "responsible": list(self.rec.responsible_ids), "deadline": self.deadline.phrase,
            "due": self.due.isoformat(),
            "approx": bool(self.deadline.reading and self.deadline.reading.approx),
            "state": self.state.status,
            "title_en": self.rec.activity.title_en,
            "deadline_en": language.deadline_en(self.deadline),
        }


def horizon_end(cutoff: date, months: int) -> date:
    return Month.of(cutoff).plus(months).last_day()


def upcoming(plan: Plan, cutoff: date, months: int = 3,
             activities: list[ActivityRecord] | None = None) -> list[Upcoming]:
    """Due days after C and up to the end of the month `months` after C's month, soonest first."""
    until = horizon_end(cutoff, months)
    order = {rec.ref: i for i, rec in enumerate(plan.activities)}
    out = []
    for rec in activities if activities is not None else plan.activities:
        state = state_at(plan, rec, cutoff)
        if state.done_by(cutoff):
            continue
        days = sorted(((day, d) for d in rec.deadlines if d.reading
                       for day in d.reading.due_days if cutoff < day <= until), key=lambda pair: pair[0])
        if days:
            out.append(Upcoming(rec, days[0][1], days[0][0], state))
    return sorted(out, key=lambda u: (u.due, order[u.rec.ref]))


MAX_WITHIN = 1200  # months: a horizon of at most 100 years


def parse_within(text: str) -> int:
    """`1q`, `2q`, `3m`, `6m`, `1y` → months (1 to MAX_WITHIN)."""
    import re

    from .diagnostics import excerpt

    m = re.fullmatch(r"([0-9]+) *([mqyMQY])", text.strip())
    digits = m.group(1).lstrip("0") if m else ""
    if m is None or not digits:
        raise ValueError(f"cannot read horizon {excerpt(text)}: use e.g. 1q, 3m, 6m or 1y")
    count = int(digits) if len(digits) <= 9 else MAX_WITHIN + 1  # no need to read more digits
    months = count * {"m": 1, "q": 3, "y": 12}[m.group(2).lower()]
    if months > MAX_WITHIN:
        raise ValueError(f"horizon {excerpt(text)} is too far: at most {MAX_WITHIN // 12} years "
                         f"({MAX_WITHIN}m, {MAX_WITHIN // 3}q, {MAX_WITHIN // 12}y)")
    return months


# ----------------------------------------------------------------------------- timeliness


def last_closed_quarter(cutoff: date) -> tuple[date, date]:
    """The latest calendar quarter that has ended on or before C."""
    q = Quarter.of(cutoff).last_closed_by(cutoff)
    return q.first, q.last


def is_stale(plan: Plan, rec: ActivityRecord, cutoff: date) -> bool:
    if not rec.ongoing:
        return False
    q_start, q_end = last_closed_quarter(cutoff)
    started = min((d.reading.start for d in rec.deadlines if d.reading and d.reading.start), default=None)
    if started is None or started.first_day() > q_end or q_end < plan.start.first_day():
        return False
    if state_at(plan, rec, cutoff).done_by(cutoff):
        return False
    return not any(q_start.isoformat() <= e.date <= q_end.isoformat()
                   for e in plan.progress_by_ref.get(rec.ref, ()))


def months_late_at_completion(rec: ActivityRecord, state: State) -> int | None:
    """How late completed work was: months from its earliest due day that had passed when it
    was completed (counted as `overdue` counts them), 0 when completed by every due day that
    had passed, None when not completed."""
    if state.status != "completed" or state.date is None:
        return None
    done = date.fromisoformat(state.date)
    missed = [day for day in rec.due_days if day < done]
    return months_between(missed[0], done) if missed else 0


def completed_late(rec: ActivityRecord, state: State) -> bool:
    """Completed after a due day had passed: the day after it, `overdue` listed it."""
    return bool(state.status == "completed" and state.date is not None
                and any(day.isoformat() < state.date for day in rec.due_days))


def timeliness(plan: Plan, rec: ActivityRecord, cutoff: date, soon_months: int = 3) -> str:
    """overdue | due_soon | on_track | completed_on_time | completed_late | cancelled |
    ongoing | stale | no_deadline."""
    state = state_at(plan, rec, cutoff)
    if state.status == "cancelled":
        return "cancelled"
    due_days = rec.due_days
    if state.done_by(cutoff):
        return "completed_late" if completed_late(rec, state) else "completed_on_time"
    if overdue_item(plan, rec, cutoff):
        return "overdue"
    if rec.ongoing:
        return "stale" if is_stale(plan, rec, cutoff) else "ongoing"
    if not due_days:
        return "no_deadline"
    if any(cutoff < d <= horizon_end(cutoff, soon_months) for d in due_days):
        return "due_soon"
    return "on_track"


# ----------------------------------------------------------------------------- filters


def role_of(rec: ActivityRecord, inst_id: str) -> list[str]:
    """The roles a body plays in an activity, most specific first."""
    roles = []
    if rec.lead == inst_id:
        roles.append("lead")
    elif inst_id in rec.responsible_ids:
        roles.append("responsible")
    if inst_id in rec.support_ids:
        roles.append("support")
    if inst_id in rec.resource_ids:
        roles.append("funder")
    return roles


def searchable(rec: ActivityRecord) -> list[str]:
    """The texts `--search` looks in: titles and indicators, in Albanian and in English."""
    a = rec.activity
    milestones: Sequence[Milestone] = a.milestones or ()
    return [t for t in (a.title, a.title_en, *rec.indicators, *(x for x in language.indicators_en(rec) if x),
                        *(m.title for m in milestones), *(m.title_en for m in milestones)) if t]


def search_key(text: str) -> str:
    """What `--search` looks for: `text` folded (case, diacritics), and a final `ë`/`e` of its last
    word made optional, since Albanian drops it when a word takes an ending (`strehë` → `strehat`,
    `strehave`; `qendër` is not affected)."""
    key = fold(text)
    if len(key) >= 4 and key.endswith("e") and key[-2].isalpha() and " " not in key[-4:]:
        key = key[:-1]
    return key
class Reach(Record):
    """How an activity concerns a body: named directly (`via` None), through a closed collective
    it belongs to (`via` the collective the row names), or addressed to all bodies by an
    open-ended group (`counted` False: shown apart, never counted as the body's own work).
    `roles` are the roles of the body, or of `via`, in the row; `also_via` the other collectives
    of the body that the row names."""

    roles: tuple[str, ...]
    via: str | None = None
    counted: bool = True
    also_via: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        """direct | via | for_all"""
        return "direct" if self.via is None else "via" if self.counted else "for_all"


def reach(plan: Plan, rec: ActivityRecord, inst_id: str, role: str = "any", direct: bool = False) -> Reach | None:
    """Whether and how `rec` concerns `inst_id` in `role` (see ROLES). Direct before via: a row
    naming the body is its own, whatever collective the row also names; otherwise the collective
    giving the strongest role counts (lead > responsible > support > funder; the row's order
    breaks a tie). `direct`: only rows naming the body itself. `roles` are all the roles the body
    (or the collective) plays in the row, as `role_of` gives them."""
    wanted = COUNTED_ROLES[role]

    def hit(body: str) -> tuple[str, ...]:
        roles = role_of(rec, body)
        return tuple(roles) if any(r in wanted for r in roles) else ()

    registry = plan.registry
    own = hit(inst_id)
    groups = [(g, roles) for g in registry.groups_of(inst_id) if (roles := hit(g))]
    if own:
        return Reach(own, None, True, tuple(g for g, _ in groups))
    if direct:
        return None
    named = rec.responsible_ids + rec.support_ids + rec.resource_ids

    def strongest_first(pairs: list[tuple[str, tuple[str, ...]]]) -> list[tuple[str, tuple[str, ...]]]:
        return sorted(pairs, key=lambda pair: (ROLE_ORDER.index(strongest_role(r for r in pair[1] if r in wanted)),
                                               named.index(pair[0])))

    if groups:
        groups = strongest_first(groups)
        return Reach(groups[0][1], groups[0][0], True, tuple(g for g, _ in groups[1:]))
    everyone = strongest_first([(g, roles) for g in registry.addressed_to(inst_id) if (roles := hit(g))])
    if everyone:
        return Reach(everyone[0][1], everyone[0][0], False, tuple(g for g, _ in everyone[1:]))
    return None


def involved(plan: Plan, rec: ActivityRecord, inst_id: str, role: str = "any", direct: bool = False) -> bool:
    """The activity is the body's own work in `role`: it names the body, or (unless `direct`) a
    collective the body belongs to. Rows addressed to all bodies are not its own work."""
    r = reach(plan, rec, inst_id, role, direct)
    return r is not None and r.counted


def select(plan: Plan, pillar: str | None = None, institution: str | None = None, role: str = "any",
           status: str | None = None, search: str | None = None, cutoff: date | None = None) -> list[ActivityRecord]:
    """Activities matching every filter given, in plan order. `search` matches the Albanian or the
    English, ignoring case and diacritics (`shelter`, `strehë`, `strehe`). A body's activities are
    its own work: those naming it and those naming a collective it belongs to (see `reach`).
    A `status` is a state at a day: it needs the `cutoff` (ValueError without one)."""
    if status and cutoff is None:
        raise ValueError("a status filter needs a cut-off day")
    needle = search_key(search) if search else None
    out = []
    for rec in plan.activities:
        if pillar and rec.pillar != pillar:
            continue
        if institution and not involved(plan, rec, institution, role):
            continue
        if needle and not any(needle in fold(t) for t in searchable(rec)):
            continue
        if status and cutoff and not _status_matches(plan, rec, status, cutoff):
            continue
        out.append(rec)
    return out


STATUS_FILTERS = ("not_started", "in_progress", "completed", "cancelled", "suspended", "overdue",
                  "no_evidence", "ongoing", "stale", "no_deadline", "due_soon", "on_track")


def _status_matches(plan: Plan, rec: ActivityRecord, status: str, cutoff: date) -> bool:
    state = state_at(plan, rec, cutoff)
    if status == "no_evidence":
        return not state.reported
    if status in ("not_started", "in_progress", "completed", "cancelled", "suspended"):
        return state.status == status
    t = timeliness(plan, rec, cutoff)
    return t == status or (status == "ongoing" and t == "stale")


# ----------------------------------------------------------------------------- summaries

STAT_KEYS = ("activities", "completed", "in_progress", "overdue", "no_evidence", "ongoing", "stale",
             "no_deadline")


def stats_row(plan: Plan, activities: Iterable[ActivityRecord], cutoff: date) -> dict[str, int]:
    row = dict.fromkeys(STAT_KEYS, 0)
    for rec in activities:
        state = state_at(plan, rec, cutoff)
        t = timeliness(plan, rec, cutoff)
        row["activities"] += 1
        row["completed"] += state.done_by(cutoff) and state.status == "completed"
        row["in_progress"] += state.status == "in_progress"
        row["overdue"] += t == "overdue"
        row["no_evidence"] += not state.reported
        row["ongoing"] += rec.ongoing
        row["stale"] += t == "stale"
        row["no_deadline"] += not rec.deadlines or (not rec.due_days and not rec.ongoing)
    return row


def stats(plan: Plan, cutoff: date) -> list[dict[str, Any]]:
    """One row per pillar, then the total."""
    rows = []
    for pillar in plan.pillars:
        acts = [a for a in plan.activities if a.pillar == pillar.numeral]
        rows.append({"pillar": pillar.numeral, "title": pillar.title, **stats_row(plan, acts, cutoff),
                     "title_en": pillar.title_en})
    rows.append({"pillar": "all", "title": plan.meta.title, **stats_row(plan, plan.activities, cutoff),
                 "title_en": plan.meta.title_en})
    return rows


class Involvement(Record):
    rec: ActivityRecord
    roles: list[str]
    due: date | None
    state: State
    timeliness: str
    via: str | None = None  # the collective the row names, when the body is reached through it
    counted: bool = True  # False: addressed to all bodies, shown apart
    also_via: tuple[str, ...] = ()

    @property
    def reach(self) -> str:
        return "direct" if self.via is None else "via" if self.counted else "for_all"

    def as_json(self) -> dict[str, Any]:
        return {"ref": self.rec.ref, "title": self.rec.title, "roles": self.roles,
                "reach": self.reach, "via": self.via, "also_via": list(self.also_via),
                "deadlines": self.rec.phrases, "due": self.due.isoformat() if self.due else None,
                "state": self.state.status, "timeliness": self.timeliness,
                "title_en": self.rec.activity.title_en, "deadlines_en": language.deadlines(self.rec, "en")}


def _due_to_show(plan: Plan, rec: ActivityRecord, cutoff: date) -> date | None:
    """The missed due day when overdue, else the next one, else the last one."""
    item = overdue_item(plan, rec, cutoff)
    if item:
        return item.due
    days = rec.due_days
    return next((d for d in days if d > cutoff), days[-1] if days else None)


ROLE_ORDER = ("lead", "responsible", "support", "funder")
COUNTED_ROLES = {"lead": ("lead",), "responsible": ("lead", "responsible"), "support": ("support",),
                 "funder": ("funder",), "any": ("lead", "responsible", "support"), "all": ROLE_ORDER}


def strongest_role(roles: Iterable[str]) -> str:
    """lead > responsible > support > funder: the role an activity is counted under."""
    return min(roles, key=ROLE_ORDER.index)


def by_institution(plan: Plan, inst_id: str, cutoff: date, role: str = "any",
                   direct: bool = False) -> tuple[list[Involvement], dict[str, Any]]:
    """Every activity that concerns the body in `role`, with a summary of its standing at C.

    Rows, in plan order: first the body's own work — rows naming it (`direct`) and rows naming
    a collective it belongs to (`via`, transitively) — then, apart, rows an open-ended group
    addresses to all bodies (`counted` False). `direct=True` keeps only rows naming the body.

    The summary counts each of its own activities once, in its strongest role among those
    `role` selects, direct before via, so that direct + via = activities and the role counts
    add up; rows for all bodies are counted apart and never in `activities`."""
    counted = COUNTED_ROLES[role]
    own: list[Involvement] = []
    apart: list[Involvement] = []
    for rec in plan.activities:
        r = reach(plan, rec, inst_id, role, direct)
        if r is None:
            continue
        row = Involvement(rec, list(r.roles), _due_to_show(plan, rec, cutoff), state_at(plan, rec, cutoff),
                          timeliness(plan, rec, cutoff), r.via, r.counted, r.also_via)
        (own if r.counted else apart).append(row)

    def part(rows: list[Involvement]) -> dict[str, Any]:
        strongest = [strongest_role(r for r in row.roles if r in counted) for row in rows]
        return {"activities": len(rows), "by_role": {r: strongest.count(r) for r in counted}}

    direct_rows = [row for row in own if row.via is None]
    via_rows = [row for row in own if row.via is not None]
    total = part(own)
    registry = plan.registry
    summary = {
        "institution": inst_id,
        "roles_counted": list(counted),
        "direct_only": direct,
        "activities": total["activities"],
        "by_role": total["by_role"],
        "direct": part(direct_rows),
        "via": {**part(via_rows), "by_collective": _count_by(via_rows, registry.groups_of(inst_id))},
        "for_all": {"activities": len(apart), "by_collective": _count_by(apart, registry.addressed_to(inst_id))},
        "members": registry.all_members(inst_id),
        "member_of": registry.groups_of(inst_id),
        "overdue": sum(r.timeliness == "overdue" for r in own),
        "completed": sum(r.timeliness in ("completed_on_time", "completed_late") for r in own),
        "completed_late": sum(r.timeliness == "completed_late" for r in own),
    }
    return own + apart, summary


def _count_by(rows: list[Involvement], order: list[str]) -> dict[str, int]:
    """Rows per collective they are counted under, in registry order; only collectives with rows."""
    counts = {g: sum(row.via == g for row in rows) for g in order}
    return {g: n for g, n in counts.items() if n}


def institution_counts(plan: Plan) -> dict[str, dict[str, int]]:
    """Per registry id, in any role including funder: `lead` (activities it leads, as named),
    `any` (activities naming it), `via` (activities naming only a collective it belongs to) and
    `for_all` (activities addressed to all bodies, not naming it nor a collective of its)."""
    registry = plan.registry
    out = {i.id: {"lead": 0, "any": 0, "via": 0, "for_all": 0} for i in registry.institutions}
    for rec in plan.activities:
        named = {*rec.responsible_ids, *rec.support_ids, *rec.resource_ids}
        for body in named - set(out):
            out[body] = {"lead": 0, "any": 0, "via": 0, "for_all": 0}
        for body, counts in out.items():
            if body in named:
                counts["any"] += 1
                counts["lead"] += rec.lead == body
            elif any(g in named for g in registry.groups_of(body)):
                counts["via"] += 1
            elif any(g in named for g in registry.addressed_to(body)):
                counts["for_all"] += 1
    return out


def deadline_uses(plan: Plan) -> list[dict[str, Any]]:
    """Every distinct deadline phrase (with its `due:` override) and its reading, with the
    activities that use it; unreadable phrases first, then by due day."""
    uses: dict[str, tuple[Deadline, list[str]]] = {}
    for rec in plan.activities:
        for d in rec.deadlines:
            if d.phrase is None and d.due_override is None:
                continue
            key = f"{d.phrase} [due: {d.due_override}]" if d.due_override else d.phrase or ""
            refs = uses.setdefault(key, (d, []))[1]
            if rec.ref not in refs:
                refs.append(rec.ref)
    rows = []
    for key, (d, refs) in uses.items():
        r = d.reading
        rows.append({"phrase": key, "kind": r.kind if r else "UNREADABLE",
                     "start": str(r.start) if r and r.start else None, "end": str(r.end) if r and r.end else None,
                     "due": ", ".join(x.isoformat() for x in r.due_days) if r else None,
                     "approx": bool(r and r.approx), "activities": len(refs), "refs": refs})
    return sorted(rows, key=lambda row: (row["kind"] != "UNREADABLE", row["due"] or "9999", row["phrase"]))


EN_STATUS = "unofficial translation"


def export_rows(plan: Plan) -> list[dict[str, Any]]:
    """One row per activity, in plan order, for JSON/CSV export: every text in Albanian (the
    official text) and in English (`*_en`, null where missing), and `en_status` saying on every
    row that the English is an unofficial translation. The English keys come after the original
    ones, so CSV columns keep their positions."""
    return [{
        "ref": rec.ref,
        "pillar": rec.pillar,
        "id": rec.id,
        "title": rec.title,
        "lead": rec.lead,
        "responsible": list(rec.responsible_ids),
        "support": list(rec.support_ids),
        "resources": list(rec.resource_ids),
        "deadlines": rec.phrases,
        "due": [d.isoformat() for d in rec.due_days],
        "indicators": rec.indicators,
        "title_en": rec.activity.title_en,
        "deadlines_en": language.deadlines(rec, "en"),
        "indicators_en": language.indicators_en(rec),
        "milestones": [_milestone(m, d) for m, d in zip(rec.activity.milestones, rec.deadlines, strict=True)]
        if rec.activity.milestones else None,
        "en_status": EN_STATUS,
    } for rec in plan.activities]


def _milestone(m: Milestone, d: Deadline) -> dict[str, Any]:
    return {"title": m.title, "title_en": m.title_en, "deadline": m.deadline,
            "deadline_en": language.deadline_en(d),
            "due": [x.isoformat() for x in d.reading.due_days] if d.reading else [],
            "indicators": list(m.indicators), "indicators_en": language.en_items(m.indicators, m.indicators_en)}
