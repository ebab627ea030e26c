"""The plan as a normalised SQLite database (`apcli export --format sqlite`), for Datasette or
any SQL client.

Tables (foreign keys in brackets):
  pillars(numeral) · institutions(id) · members(collective [institutions], member [institutions])
  activities(ref; pillar [pillars], lead [institutions], goal, objective, title, title_en, …)
  roles(activity [activities], institution [institutions], role: lead|responsible|support|funder)
  milestones(activity [activities], position, title, title_en)
  deadlines(id; activity [activities], milestone, phrase, phrase_en, kind, start, end, due, approx)
  due_days(deadline [deadlines], activity [activities], day)
  indicators(activity [activities], milestone, position, text, text_en)
  progress(activity [activities], date, status, completion, evidence, by [institutions], note)
with indexes on every foreign key and on due_days.day, and full-text search (FTS5) over the
activities' titles in Albanian and English (`activities_fts`). A progress note marked
`internal: true` is left out (DESIGN §13, "Sensitive text").

sqlite-utils makes the tables, keys, indexes and the search index from Python data; it is
imported only here, by this command.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from . import language
from .plan import Plan
from .progress import public_note

ROLE_ORDER = ("lead", "responsible", "support", "funder")


def tables(plan: Plan) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows, in plan order."""
    reg = plan.registry
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in (
        "pillars", "institutions", "members", "activities", "roles", "milestones", "deadlines", "due_days",
        "indicators", "progress")}
    out["pillars"] = [{"numeral": p.numeral, "title": p.title, "title_en": p.title_en} for p in plan.pillars]
    out["institutions"] = [{"id": i.id, "name": i.name, "name_en": i.name_en, "kind": i.kind, "open": i.open}
                           for i in reg.institutions]
    out["members"] = [{"collective": i.id, "member": m} for i in reg.institutions for m in reg.members(i.id)]
    known = set(reg.by_id)
    deadline_id = 0
    for rec in plan.activities:
        a = rec.activity
        out["activities"].append({
            "ref": rec.ref, "pillar": rec.pillar, "goal": rec.goal.id, "objective": rec.objective.id,
            "objective_title": language.heading(rec.objective, "sq"), "printed_id": a.printed_id,
            "title": rec.title, "title_en": a.title_en, "lead": rec.lead if rec.lead in known else None,
            "ongoing": rec.ongoing})
        seen: set[tuple[str, str]] = set()
        for role, ids in (("lead", [rec.lead] if rec.lead else []), ("responsible", rec.responsible_ids[1:]),
                          ("support", rec.support_ids), ("funder", rec.resource_ids)):
            for body in ids:
                if body in known and (body, role) not in seen:
                    seen.add((body, role))
                    out["roles"].append({"activity": rec.ref, "institution": body, "role": role})
        for i, m in enumerate(a.milestones or [], 1):
            out["milestones"].append({"activity": rec.ref, "position": i, "title": m.title, "title_en": m.title_en})
            out["indicators"] += [{"activity": rec.ref, "milestone": i, "position": j, "text": sq, "text_en": en}
                                  for j, (sq, en) in enumerate(zip(m.indicators, language.en_items(
                                      m.indicators, m.indicators_en), strict=True), 1)]
        out["indicators"] += [{"activity": rec.ref, "milestone": None, "position": j, "text": sq, "text_en": en}
                              for j, (sq, en) in enumerate(zip(a.indicators, language.en_items(
                                  a.indicators, a.indicators_en), strict=True), 1)]
        for d in rec.deadlines:
            deadline_id += 1
            r = d.reading
            out["deadlines"].append({
                "id": deadline_id, "activity": rec.ref, "milestone": None if d.milestone is None else d.milestone + 1,
                "phrase": d.phrase, "phrase_en": language.deadline_en(d), "due_override": d.due_override,
                "kind": r.kind if r else None, "start": str(r.start) if r and r.start else None,
                "end": str(r.end) if r and r.end else None, "due": r.due.isoformat() if r and r.due else None,
                "approx": bool(r.approx) if r else None, "problem": d.problem})
            for day in r.due_days if r else []:
                out["due_days"].append({"deadline": deadline_id, "activity": rec.ref, "day": day.isoformat()})
    for p in plan.progress:
        e = p.entry
        try:
            ref = plan.resolve_ref(e.ref).ref
        except Exception:  # an unknown ref: `check` reports it; it has no activity to point to
            continue
        by = e.by
        if by:
            try:
                by = reg.resolve(by)
            except LookupError:
                by = None
        out["progress"].append({"activity": ref, "date": e.date, "status": e.status, "completion": e.completion,
                                "evidence": e.evidence, "by": by or plan.by_ref[ref].lead,
                                "note": public_note(e)})
    return out


FOREIGN_KEYS: dict[str, list[tuple[str, str, str]]] = {
    "members": [("collective", "institutions", "id"), ("member", "institutions", "id")],
    "activities": [("pillar", "pillars", "numeral"), ("lead", "institutions", "id")],
    "roles": [("activity", "activities", "ref"), ("institution", "institutions", "id")],
    "milestones": [("activity", "activities", "ref")],
    "deadlines": [("activity", "activities", "ref")],
    "due_days": [("deadline", "deadlines", "id"), ("activity", "activities", "ref")],
    "indicators": [("activity", "activities", "ref")],
    "progress": [("activity", "activities", "ref"), ("by", "institutions", "id")],
}
PRIMARY_KEYS = {"pillars": "numeral", "institutions": "id", "activities": "ref", "deadlines": "id"}
COLUMNS: dict[str, dict[str, type]] = {  # declared types, so an empty table still has its columns
    "pillars": {"numeral": str, "title": str, "title_en": str},
    "institutions": {"id": str, "name": str, "name_en": str, "kind": str, "open": str},
    "members": {"collective": str, "member": str},
    "activities": {"ref": str, "pillar": str, "goal": str, "objective": str, "objective_title": str,
                   "printed_id": str, "title": str, "title_en": str, "lead": str, "ongoing": int},
    "roles": {"activity": str, "institution": str, "role": str},
    "milestones": {"activity": str, "position": int, "title": str, "title_en": str},
    "deadlines": {"id": int, "activity": str, "milestone": int, "phrase": str, "phrase_en": str,
                  "due_override": str, "kind": str, "start": str, "end": str, "due": str, "approx": int,
                  "problem": str},
    "due_days": {"deadline": int, "activity": str, "day": str},
    "indicators": {"activity": str, "milestone": int, "position": int, "text": str, "text_en": str},
    "progress": {"activity": str, "date": str, "status": str, "completion": str, "evidence": str, "by": str,
                 "note": str},
}
INDEXES = [("due_days", ["day"]), ("progress", ["date"]), ("roles", ["role"])]


def build(plan: Plan, path: Path) -> dict[str, int]:
    """Write the database at `path` (a new file); the number of rows of each table."""
    import sqlite_utils

    data = tables(plan)
    db = sqlite_utils.Database(str(path))
    for name, declared in COLUMNS.items():
        table = db.table(name)
        table.create(declared, pk=PRIMARY_KEYS.get(name), foreign_keys=FOREIGN_KEYS.get(name, []))
        table.insert_all(data[name])
        for column, _, _ in FOREIGN_KEYS.get(name, []):
            table.create_index([column])
    for name, indexed in INDEXES:
        db.table(name).create_index(indexed)
    db.table("activities").enable_fts(["title", "title_en"], fts_version="FTS5", create_triggers=True)
    db.execute("PRAGMA user_version = 1")
    db.conn.commit()
    db.close()
    return {name: len(rows) for name, rows in data.items()}


def write_database(plan: Plan, target: Path) -> dict[str, int]:
    """Build the database in a private temporary folder, then write it to `target` atomically
    (as every apcli write: a link or special file there is refused)."""
    from .edit import write_file

    with tempfile.TemporaryDirectory(prefix="apcli-db-") as folder:
        path = Path(folder) / "plan.db"
        counts = build(plan, path)
        data = path.read_bytes()
    write_file(target, data)
    return counts
