"""Semantic diff of two loaded plans, matched by ref: what a change means, not which lines moved.

`diff_plans(base, head)` compares values only, so reformatting, reordering and comments
report nothing; it returns `Change` records in a fixed order, and `parse_fail_on`/`failing`
pick the ones a CI gate fails on. Rendering them (Markdown, JSON, text) is `diffrender.py`'s
business. No I/O here.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from . import language
from .domain import Goal, Objective, ProgressEntry
from .edit import FILE_KEYS
from .institutions import fold, split_unit
from .periods import months_between
from .plan import ActivityRecord, Deadline, Plan

# kind: (section heading, one, many). The order is the order of sections in every format.
KINDS: dict[str, tuple[str, str, str]] = {
    "activity_removed": ("Activities removed", "activity removed", "activities removed"),
    "activity_added": ("Activities added", "activity added", "activities added"),
    "deadline_changed": ("Deadlines changed", "deadline changed", "deadlines changed"),
    "lead_changed": ("Lead body changed", "lead changed", "leads changed"),
    "body_added": ("Bodies added", "body added", "bodies added"),
    "body_removed": ("Bodies removed", "body removed", "bodies removed"),
    "title_edited": ("Titles edited", "title edited", "titles edited"),
    "indicators_edited": ("Indicators edited", "indicators edited", "indicators edited"),
    "resources_edited": ("Resources edited", "resources edited", "resources edited"),
    "details_edited": ("Other activity fields edited", "other field edited", "other fields edited"),
    "goal_removed": ("Goals removed", "goal removed", "goals removed"),
    "goal_added": ("Goals added", "goal added", "goals added"),
    "goal_edited": ("Goals edited", "goal edited", "goals edited"),
    "objective_removed": ("Objectives removed", "objective removed", "objectives removed"),
    "objective_added": ("Objectives added", "objective added", "objectives added"),
    "objective_edited": ("Objectives edited", "objective edited", "objectives edited"),
    "institution_removed": ("Institutions removed", "institution removed", "institutions removed"),
    "institution_added": ("Institutions added", "institution added", "institutions added"),
    "institution_renamed": ("Institutions renamed", "institution renamed", "institutions renamed"),
    "institution_edited": ("Institutions edited", "institution edited", "institutions edited"),
    "status_regressed": ("Status regressions", "status regression", "status regressions"),
    "progress_added": ("Progress entries added", "progress entry added", "progress entries added"),
    "progress_removed": ("Progress entries removed", "progress entry removed", "progress entries removed"),
    "plan_edited": ("Plan and pillar headings edited", "heading edited", "headings edited"),
    # The unofficial English comes last: the Albanian above is the official text.
    "translation_stale": ("English left stale by an Albanian edit", "translation left stale",
                          "translations left stale"),
    "translation_edited": ("English edited (unofficial translation)", "translation edited", "translations edited"),
}

# --fail-on names: a category, a kind, or "any".
CATEGORIES = ("slip", "removal", "regression")
_REMOVALS = {"activity_removed", "goal_removed", "objective_removed", "progress_removed"}

# A status regression is a step down this ladder (completion counts inside in_progress).
_RANK = {"not_started": 0, "suspended": 0, "cancelled": 0, "in_progress": 1, "completed": 3}

MAX_OPS = 24  # a word diff stays short; before/after carry the full text
Op = tuple[str, str]  # ("=", kept) ("-", removed) ("+", added) ("…", "") ("·", "")


@dataclass
class Change:
    """One semantic change. `before`/`after` are JSON-ready values; the rest only where relevant."""

    kind: str
    ref: str
    before: object = None
    after: object = None
    field: str | None = None  # which field, for the *_edited kinds that cover several
    role: str | None = None  # responsible or support, for bodies
    milestone: int | None = None  # 1-based, when a deadline belongs to a milestone
    months: int | None = None  # due day moved by this many months (+ later, − earlier)
    direction: str | None = None  # later, earlier, same, undated (no due day any more), dated
    since: str | None = None  # date of the entry that set the new status
    words: tuple[Op, ...] | None = None  # short word-level diff
    english: str | None = None  # the unofficial English of an added/removed heading's title or body's name

    @property
    def diff(self) -> str | None:
        return wdiff(self.words) if self.words is not None else None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ref": self.ref, "kind": self.kind, "before": self.before, "after": self.after}
        for key in ("field", "role", "milestone", "months", "direction", "since", "diff", "english"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    def categories(self) -> set[str]:
        out = set()
        if self.kind == "deadline_changed" and self.direction in ("later", "undated"):
            out.add("slip")
        if self.kind in _REMOVALS:
            out.add("removal")
        if self.kind == "status_regressed":
            out.add("regression")
        return out


# ----------------------------------------------------------------------------- word diffs


def word_diff(before: str, after: str, context: int = 4, limit: int = 160) -> tuple[Op, ...]:
    """Changed words with a few words of context; long unchanged runs become `…`."""
    a, b = before.split(), after.split()
    if a == b:
        return (("=", "(only spacing or line breaks changed)"),)
    codes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    ops: list[Op] = []
    for n, (tag, i1, i2, j1, j2) in enumerate(codes):
        if tag != "equal":
            if i2 > i1:
                ops.append(("-", _clip(" ".join(a[i1:i2]), limit)))
            if j2 > j1:
                ops.append(("+", _clip(" ".join(b[j1:j2]), limit)))
            continue
        words = a[i1:i2]
        head = [] if n == 0 else words[:context]
        tail = [] if n == len(codes) - 1 else words[-context:]
        if len(words) <= len(head) + len(tail) + 1:
            ops.append(("=", " ".join(words)))
            continue
        if head:
            ops.append(("=", " ".join(head)))
        ops.append(("…", ""))
        if tail:
            ops.append(("=", " ".join(tail)))
    return tuple(ops[:MAX_OPS]) + ((("…", ""),) if len(ops) > MAX_OPS else ())


def list_diff(before: list[str], after: list[str]) -> tuple[Op, ...]:
    """Items removed and added; an item replaced by a similar one gets a word diff."""
    ops: list[Op] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        olds, news = before[i1:i2], after[j1:j2]
        pairs = min(len(olds), len(news)) if tag == "replace" else 0
        for old, new in zip(olds[:pairs], news[:pairs], strict=True):
            _sep(ops)
            ops.extend(word_diff(old, new))
        for old in olds[pairs:]:
            _sep(ops)
            ops.append(("-", _clip(old, 160)))
        for new in news[pairs:]:
            _sep(ops)
            ops.append(("+", _clip(new, 160)))
    return tuple(ops)


def _sep(ops: list[Op]) -> None:
    if ops:
        ops.append(("·", ""))


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def wdiff(ops: Iterable[Op]) -> str:
    """`kept [-removed-] {+added+} …`, as wdiff prints it."""
    parts = {"=": "{}", "-": "[-{}-]", "+": "{{+{}+}}", "…": "…", "·": "·"}
    return " ".join(parts[op].format(text) for op, text in ops)


def _text_edit(kind: str, ref: str, before: object, after: object, field: str | None = None) -> Change:
    # the plan holds tuples; a change reports lists, as JSON and the renderers show them
    before = list(before) if isinstance(before, tuple) else before
    after = list(after) if isinstance(after, tuple) else after
    if isinstance(before, str) and isinstance(after, str):
        words = word_diff(before, after)
    elif isinstance(before, list) and isinstance(after, list) and all(isinstance(x, str) for x in before + after):
        words = list_diff(before, after)
    else:
        words = None
    return Change(kind, ref, before, after, field=field, words=words)


# ----------------------------------------------------------------------------- comparing


def diff_plans(base: Plan, head: Plan) -> list[Change]:
    """Every change from `base` to `head`, sections in `KINDS` order, plan order within each."""
    changes, renames = _institutions(base, head)
    changes += _activities(base, head, renames)
    changes += _goals_and_objectives(base, head)
    changes += _progress(base, head)
    changes += _status(base, head)
    changes += _headings(base, head)
    changes += _translations(base, head)
    order = list(KINDS)
    return sorted(changes, key=lambda c: order.index(c.kind))


def _activities(base: Plan, head: Plan, renames: dict[str, str]) -> list[Change]:
    out = []
    for rec in base.activities:
        if rec.ref not in head.by_ref and base.by_ref[rec.ref] is rec:
            out.append(Change("activity_removed", rec.ref, before=_summary(rec)))
    for rec in head.activities:
        if head.by_ref[rec.ref] is not rec:
            continue  # a duplicate id: `check` reports it; compare the one lookups use
        old = base.by_ref.get(rec.ref)
        if old is None:
            out.append(Change("activity_added", rec.ref, after=_summary(rec)))
        else:
            out += _activity(old, rec, renames)
    return out


def _summary(rec: ActivityRecord) -> dict[str, Any]:
    return {"title": rec.title, "lead": rec.lead, "deadline": "; ".join(_phrase(d) for d in rec.deadlines) or None,
            "title_en": rec.activity.title_en, "deadline_en": "; ".join(language.deadlines(rec, "en")) or None}


def _activity(old: ActivityRecord, new: ActivityRecord, renames: dict[str, str]) -> list[Change]:
    ref = new.ref
    out = _deadlines(old, new)
    old_lead = renames.get(old.lead, old.lead) if old.lead else None
    if old_lead != new.lead:
        out.append(Change("lead_changed", ref, old_lead, new.lead))
    for role in ("responsible", "support"):
        before = [_renamed(e, renames) for e in _entries(old, role)]
        after = _entries(new, role)
        out += [Change("body_removed", ref, before=e, role=role) for e in before if e not in after]
        out += [Change("body_added", ref, after=e, role=role) for e in after if e not in before]
    if old.title != new.title:
        out.append(_text_edit("title_edited", ref, old.title, new.title))
    if Counter(old.indicators) != Counter(new.indicators):
        out.append(_text_edit("indicators_edited", ref, old.indicators, new.indicators))
    old_res = [_renamed(e, renames) for e in _entries(old, "resources")]
    new_res = _entries(new, "resources")
    if set(old_res) != set(new_res):
        ops = [("-", e) for e in old_res if e not in new_res] + [("+", e) for e in new_res if e not in old_res]
        out.append(Change("resources_edited", ref, old_res, new_res, words=tuple(ops)))
    for field, was, now in _details(old, new):
        out.append(_text_edit("details_edited", ref, was, now, field))
    return out


def _entries(rec: ActivityRecord, role: str) -> list[str]:
    """The entries as written (a unit after `/` included), activity then milestones, unique."""
    out: list[str] = []
    for entries in (getattr(rec.activity, role), *(getattr(m, role) for m in rec.activity.milestones or [])):
        for entry in entries or []:
            if entry not in out:
                out.append(entry)
    return out


def _renamed(entry: str, renames: dict[str, str]) -> str:
    body, unit = split_unit(entry)
    if body not in renames:
        return entry
    return renames[body] + (f"/{unit}" if unit else "")


def _details(old: ActivityRecord, new: ActivityRecord) -> Iterator[tuple[str, object, object]]:
    a, b = old.activity, new.activity
    fields: dict[str, tuple[object, object]] = {
        "see": (sorted(a.see), sorted(b.see)),
        "printed_id": (a.printed_id, b.printed_id),
        "notes": (list(a.notes), list(b.notes)),
        "milestone titles": ([m.title or "" for m in a.milestones or []], [m.title or "" for m in b.milestones or []]),
        "milestone notes": ([n for m in a.milestones or [] for n in m.notes],
                            [n for m in b.milestones or [] for n in m.notes]),
    }
    for field, (before, after) in fields.items():
        if before != after:
            yield field, before, after


def _phrase(d: Deadline) -> str:
    phrase = d.phrase if d.phrase is not None else "—"
    return f"{phrase} [due: {d.due_override}]" if d.due_override else phrase


def _deadlines(old: ActivityRecord, new: ActivityRecord) -> list[Change]:
    a, b = old.deadlines, new.deadlines
    if [(_phrase(d), d.milestone) for d in a] == [(_phrase(d), d.milestone) for d in b]:
        return []
    paired = len(a) == len(b) and all(x.milestone == y.milestone for x, y in zip(a, b, strict=True))
    pairs: list[tuple[Sequence[Deadline], Sequence[Deadline], int | None]]
    if paired:
        pairs = [([x], [y], None if x.milestone is None else x.milestone + 1) for x, y in zip(a, b, strict=True)
                 if _phrase(x) != _phrase(y)]
    else:
        pairs = [(a, b, None)]
    return [_deadline_change(new.ref, xs, ys, milestone) for xs, ys, milestone in pairs]


def _deadline_change(ref: str, before: Sequence[Deadline], after: Sequence[Deadline],
                     milestone: int | None) -> Change:
    old_due, new_due = _last_due(before), _last_due(after)
    months: int | None
    direction: str | None
    if old_due and new_due:
        moved = months_between(old_due, new_due)
        months, direction = moved, "later" if moved > 0 else "earlier" if moved < 0 else "same"
    else:
        months = None
        direction = "undated" if old_due else "dated" if new_due else None
    return Change("deadline_changed", ref, "; ".join(_phrase(d) for d in before) or None,
                  "; ".join(_phrase(d) for d in after) or None,
                  milestone=milestone, months=months, direction=direction)


def _last_due(deadlines: Sequence[Deadline]) -> date | None:
    days = [d.reading.due for d in deadlines if d.reading and d.reading.due]
    return max(days) if days else None


def _goals_and_objectives(base: Plan, head: Plan) -> list[Change]:
    out = []
    for level, index in (("goal", _goals), ("objective", _objectives)):
        old, new = index(base), index(head)
        out += [Change(f"{level}_removed", ref, before=item.title, english=item.title_en)
                for ref, item in old.items() if ref not in new]
        for ref, item in new.items():
            if ref not in old:
                out.append(Change(f"{level}_added", ref, after=item.title, english=item.title_en))
                continue
            for field in ("title", "label", "target", "indicators", "notes"):
                before, after = getattr(old[ref], field), getattr(item, field)
                if before != after:
                    out.append(_text_edit(f"{level}_edited", ref, before, after, field))
    return out


def _goals(plan: Plan) -> dict[str, Goal]:
    return {f"{p.numeral}-{g.id}": g for p in plan.pillars for g in p.goals}


def _objectives(plan: Plan) -> dict[str, Objective]:
    return {f"{p.numeral}-{o.id}": o for p in plan.pillars for g in p.goals for o in g.objectives}


def _institutions(base: Plan, head: Plan) -> tuple[list[Change], dict[str, str]]:
    """Registry changes, and old id → new id for bodies whose id changed (same name or alias)."""
    old = {i.id: i for i in base.registry.institutions}
    new = {i.id: i for i in head.registry.institutions}
    gone = [i for i in old if i not in new]
    came = [i for i in new if i not in old]
    renames: dict[str, str] = {}
    for old_id in gone:
        matches = [n for n in came if n not in renames.values() and (
            fold(new[n].name) == fold(old[old_id].name) or fold(old_id) in {fold(a) for a in new[n].aliases})]
        if len(matches) == 1:
            renames[old_id] = matches[0]
    out = [Change("institution_removed", i, before=old[i].name, english=old[i].name_en)
           for i in gone if i not in renames]
    out += [Change("institution_added", i, after=new[i].name, english=new[i].name_en)
            for i in came if i not in renames.values()]
    pairs = [(i, i) for i in new if i in old] + list(renames.items())
    for old_id, new_id in pairs:
        a, b = old[old_id], new[new_id]
        if old_id != new_id:
            out.append(Change("institution_renamed", new_id, old_id, new_id, field="id"))
        if a.name != b.name:
            out.append(_text_edit("institution_renamed", new_id, a.name, b.name, "name"))
        for field in ("name_en", "kind", "aliases", "members", "open", "notes"):
            before, after = getattr(a, field), getattr(b, field)
            if field == "aliases":
                before, after = sorted(before), sorted(after)
            if field == "members":  # who a collective's rows reach: a change reviewers must see
                before, after = before or [], after or []
            if before != after:
                out.append(_text_edit("institution_edited", new_id, before, after, field))
    return out, renames


def _progress(base: Plan, head: Plan) -> list[Change]:
    """Entries compared as whole values, so an edited entry shows as removed and added."""
    old = Counter(_entry(r.entry, ref) for r, ref in zip(base.progress, base.progress_refs, strict=True))
    new = Counter(_entry(r.entry, ref) for r, ref in zip(head.progress, head.progress_refs, strict=True))
    out = []
    for kind, counts in (("progress_removed", old - new), ("progress_added", new - old)):
        for key in sorted(counts.elements(), key=lambda k: (k[1], k[0])):
            entry = {k: v for k, v in zip(FILE_KEYS, key, strict=True) if v is not None and v is not False}
            if kind == "progress_added":
                out.append(Change(kind, str(key[0]), after=entry))
            else:
                out.append(Change(kind, str(key[0]), before=entry))
    return out


def _entry(entry: ProgressEntry, ref: str | None) -> tuple[str | bool | None, ...]:
    """The entry's fields in a file's order (`FILE_KEYS`, `internal` included: it decides what is
    published), under its canonical ref if it has one."""
    return (ref or entry.ref, *(getattr(entry, f) for f in FILE_KEYS[1:]))


def _status(base: Plan, head: Plan) -> list[Change]:
    """Latest status per ref (whatever its date) stepping down: completed → in_progress, …"""
    out = []
    old, new = base.progress_by_ref, head.progress_by_ref
    for ref in [r.ref for r in head.activities if r.ref in old]:
        before = old[ref][-1]
        after = new[ref][-1] if new.get(ref) else None
        if after is not None and (after.status, after.completion) == (before.status, before.completion):
            continue
        if _rank(after) < _rank(before):
            out.append(Change("status_regressed", ref, _status_text(before),
                              _status_text(after) if after else "not_started (no entry)",
                              since=after.date if after else None))
    return out


def _rank(entry: ProgressEntry | None) -> int:
    if entry is None:
        return 0
    return _RANK[entry.status] + (entry.status == "in_progress" and entry.completion == "substantial")


def _status_text(entry: ProgressEntry) -> str:
    return entry.status + (f" ({entry.completion})" if entry.completion else "")


def _headings(base: Plan, head: Plan) -> list[Change]:
    """plan.yaml and pillar headings; their English is a translation change, and `en_from`
    bookkeeping (its staleness is `_translations`' business)."""
    out = []
    a, b = _flatten(base.meta.model_dump()), _flatten(head.meta.model_dump())
    for field in dict.fromkeys([*a, *b]):
        before, after = a.get(field), b.get(field)
        if isinstance(before, list) or isinstance(after, list):
            before, after = before or [], after or []
        name = field.rsplit(".", 1)[-1]
        # renaming a pillar file changes nothing
        if field.startswith("pillars") or name == "en_from" or before == after:
            continue
        out.append(_text_edit("translation_edited" if name.endswith("_en") else "plan_edited", "plan",
                              before, after, field))
    old = {p.numeral: p for p in base.pillars}
    for p in head.pillars:
        if p.numeral in old:
            for field, kind in (("title", "plan_edited"), ("title_en", "translation_edited")):
                before, after = getattr(old[p.numeral], field), getattr(p, field)
                if before != after:
                    out.append(_text_edit(kind, f"pillar {p.numeral}", before, after, field))
    return out


def _translations(base: Plan, head: Plan) -> list[Change]:
    """The English of goals, objectives, activities and milestones edited (plan.yaml's is in
    `_headings`); and any node whose Albanian was edited while its English still carries the
    fingerprint of the old Albanian, or none (what `check` warns about as stale-translation)."""
    from .bilingual import fingerprint, has_english, pairs

    old = {node.key: node for node in base.nodes}
    out = []
    for node in head.nodes:
        was = old.get(node.key)
        if was is None:
            continue  # added: reported as an activity, goal or objective added
        a, b = was.model, node.model
        if node.ref != "plan":
            for _, en in pairs(b):
                if getattr(a, en) != getattr(b, en):
                    change = _text_edit("translation_edited", node.ref, getattr(a, en), getattr(b, en), en)
                    change.milestone = node.milestone
                    out.append(change)
        now = fingerprint(b)
        made_from = getattr(b, "en_from", None)
        if now != fingerprint(a) and has_english(b) and made_from != now:
            edited = [node.prefix + sq for sq, _ in pairs(b) if getattr(a, sq) != getattr(b, sq)]
            out.append(Change("translation_stale", node.ref, made_from, now, field=", ".join(edited),
                              milestone=node.milestone))
    return out


def _flatten(value: object, path: str = "") -> dict[str, object]:
    """`{"period": {"start": …}, "principles": [{"text": …}]}` → `{"period.start": …, "principles[0].text": …}`;
    lists of text stay whole, so they get a list diff."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{path}.{key}" if path else key))
        return out
    if isinstance(value, list) and (not value or any(isinstance(item, (dict, list)) for item in value)):
        out = {}
        for i, item in enumerate(value):
            out.update(_flatten(item, f"{path}[{i}]"))
        return out
    return {path: value}


# ----------------------------------------------------------------------------- --fail-on


def parse_fail_on(text: str | None) -> set[str]:
    """`slip,removal` → {"slip", "removal"}; also any kind name, or `any`."""
    names = {n.strip() for n in (text or "").split(",") if n.strip()}
    unknown = names - set(CATEGORIES) - set(KINDS) - {"any"}
    if unknown:
        raise ValueError(f"unknown --fail-on {', '.join(sorted(unknown))}; use any of: "
                         f"{', '.join(CATEGORIES)}, any, or a kind ({', '.join(KINDS)})")
    return names


def failing(changes: list[Change], names: set[str]) -> list[Change]:
    if "any" in names:
        return list(changes)
    return [c for c in changes if c.kind in names or c.categories() & names]
