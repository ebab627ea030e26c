"""The plan's due days as an iCalendar file (RFC 5545) for Outlook, Google Calendar and the rest.

One all-day event per activity and due day: an activity's deadline, each milestone's, every
occurrence of a recurring deadline. Summary `ref — short title`; the description holds the
deadline as printed, the responsible and supporting bodies, ≈ where the reading is
approximate, and the activity's state at the cut-off with its latest entry: status, evidence,
and its note unless the entry is marked `internal: true` (notes may concern trafficking cases,
and a calendar is shared: DESIGN §13, "Sensitive text").

The same plan and cut-off give the same bytes: events are sorted, each UID is made from the
activity's ref and the due day (stable across runs and commits), and DTSTAMP is the cut-off,
not the clock. The icalendar library writes the file (escaping, line folding, CRLF).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from . import language
from .diagnostics import escape_line, escape_text
from .plan import ActivityRecord, Plan
from .progress import public_note
from .queries import state_at, timeliness

PRODID = "-//apcli//Albania anti-trafficking action plan 2008-2010//EN"
UID_DOMAIN = "apcli.invalid"
SHORT_TITLE = 60  # characters of the title in an event's summary

LABELS = {
    "sq": {"deadline": "Afati", "milestone": "etapa {n}", "approx": "≈ afat i përafërt",
           "responsible": "Përgjegjës", "support": "Mbështetës", "state": "Gjendja më {day}",
           "last": "Regjistrimi i fundit", "evidence": "dëshmia", "note": "shënim",
           "none": "nuk është raportuar progres"},
    "en": {"deadline": "Deadline", "milestone": "milestone {n}", "approx": "≈ approximate deadline",
           "responsible": "Responsible", "support": "Support", "state": "State at {day}",
           "last": "Latest entry", "evidence": "evidence", "note": "note", "none": "no progress reported"},
}


@dataclass(frozen=True)
class Event:
    ref: str
    day: date
    summary: str
    description: str
    pillar: str

    @property
    def uid(self) -> str:
        return f"{self.ref}/{self.day.isoformat()}@{UID_DOMAIN}"


def short(text: str, limit: int = SHORT_TITLE) -> str:
    """The title on one line, cut at a word before `limit` characters, with … when cut."""
    line = " ".join(str(text).split())
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0] or line[:limit]
    return cut.rstrip(" ,;:.") + "…"


def events(plan: Plan, activities: list[ActivityRecord], cutoff: date, lang: str = "sq") -> list[Event]:
    """Every due day of `activities`, one event per activity and day, sorted by day then plan order."""
    tx = LABELS[lang]
    order = {rec.ref: i for i, rec in enumerate(plan.activities)}
    out = []
    for rec in activities:
        days: dict[date, list[str]] = {}
        for d in rec.deadlines:
            if d.reading is None:
                continue
            phrase = language.deadline(d, lang) or d.due_override or ""
            where = f" ({tx['milestone'].format(n=d.milestone + 1)})" if d.milestone is not None else ""
            for day in d.reading.due_days:
                line = f"{tx['deadline']}{where}: {phrase}" + (f" — {tx['approx']}" if d.reading.approx else "")
                days.setdefault(day, []).append(line)
        if not days:
            continue
        state = state_at(plan, rec, cutoff)
        standing = timeliness(plan, rec, cutoff).replace("_", " ")
        bodies = [f"{tx['responsible']}: {', '.join(rec.responsible_ids)}"]
        if rec.support_ids:
            bodies.append(f"{tx['support']}: {', '.join(rec.support_ids)}")
        status = f"{tx['state'].format(day=cutoff.isoformat())}: {state.status} ({standing})"
        last = _latest_public(plan, rec, cutoff, tx) or tx["none"]
        title = language.title(rec, lang)
        for day, lines in days.items():
            description = "\n".join([*lines, *bodies, status, last, "", title])
            out.append(Event(rec.ref, day, f"{rec.ref} — {short(title)}", description, rec.pillar))
    return sorted(out, key=lambda e: (e.day, order.get(e.ref, 0)))


def _latest_public(plan: Plan, rec: ActivityRecord, cutoff: date, tx: dict[str, str]) -> str | None:
    """The latest entry dated ≤ cut-off: its status, date, evidence, and its note unless the
    entry is marked internal."""
    entries = [e for e in plan.progress_by_ref.get(rec.ref, ()) if e.date <= cutoff.isoformat()]
    if not entries:
        return None
    e = entries[-1]
    text = f"{tx['last']}: {e.date} {e.status}"
    if e.by:
        text += f" ({e.by})"
    if e.evidence:
        text += f"; {tx['evidence']}: {e.evidence}"
    note = public_note(e)
    if note:
        text += f"; {tx['note']}: {note}"
    return text


def calendar_bytes(plan: Plan, evs: list[Event], cutoff: date, name: str) -> bytes:
    """The .ics bytes: CRLF lines, folded at 75 octets, text escaped, all by icalendar."""
    from icalendar import Calendar
    from icalendar import Event as IcsEvent

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    stamp = datetime(cutoff.year, cutoff.month, cutoff.day, tzinfo=UTC)
    for ev in evs:
        item = IcsEvent()
        item.add("uid", ev.uid)
        item.add("dtstamp", stamp)
        item.add("dtstart", ev.day)
        item.add("dtend", ev.day + timedelta(days=1))
        item.add("summary", escape_line(ev.summary))
        item.add("description", escape_text(ev.description))
        item.add("categories", [f"pillar {ev.pillar}"])
        item.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy
        cal.add_component(item)
    return bytes(cal.to_ical())
