"""The loaded plan: its files, activities flattened in source order, deadlines read, lookup by ref.

Built by `loader.load_plan` from the plain, frozen classes of `domain.py`; every derived value
(lookups, deadlines, the responsible bodies) is computed when a record is built, so a `Plan` is
immutable and queries are pure functions of a `Plan` and a cut-off day.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from . import refs
from .domain import NOWHERE, Activity, Goal, Objective, PlanMeta, Pos, ProgressEntry, Where
from .institutions import Registry, split_unit
from .periods import DeadlineError, Month, Reading, read_deadline, read_override
from .record import Record, field
from .translation import Node, walk_meta, walk_pillar

__all__ = ["ActivityRecord", "Deadline", "PillarRecord", "Plan", "Pos", "ProgressRecord", "read_deadlines"]


class Deadline(Record):
    """One due date of an activity: its own deadline, or one milestone's."""

    phrase: str | None
    due_override: str | None
    milestone: int | None  # index into activity.milestones
    reading: Reading | None
    problem: str | None  # why the phrase could not be read
    pos: Pos
    code: str = "unparsed-deadline"  # the diagnostic code of `problem`


class ActivityRecord(Record):
    ref: str
    pillar: str
    goal: Goal
    objective: Objective
    activity: Activity
    file: str
    pos: Pos
    deadlines: tuple[Deadline, ...]
    # derived when built:
    responsible_ids: tuple[str, ...] = field(init=False)
    """Registry ids of responsible bodies (activity and milestones), in order, unique."""
    support_ids: tuple[str, ...] = field(init=False)
    resource_ids: tuple[str, ...] = field(init=False)
    due_days: tuple[date, ...] = field(init=False)
    """Every due day of every deadline, sorted, unique."""

    def __post_init__(self) -> None:
        a, milestones = self.activity, self.activity.milestones or ()
        set_ = object.__setattr__  # a frozen record sets its derived fields this way, once
        set_(self, "responsible_ids", _unique_bodies(a.responsible, *(m.responsible or () for m in milestones)))
        set_(self, "support_ids", _unique_bodies(a.support, *(m.support or () for m in milestones)))
        set_(self, "resource_ids", _unique_bodies(a.resources, *(m.resources or () for m in milestones)))
        set_(self, "due_days", tuple(sorted({day for d in self.deadlines if d.reading for day in d.reading.due_days})))

    @property
    def id(self) -> str:
        return self.activity.id

    @property
    def title(self) -> str:
        return self.activity.title

    @property
    def lead(self) -> str | None:
        ids = self.responsible_ids
        return ids[0] if ids else None

    @property
    def phrases(self) -> list[str]:
        return [d.phrase for d in self.deadlines if d.phrase]

    @property
    def ongoing(self) -> bool:
        return bool(self.deadlines) and all(d.reading is not None and d.reading.kind == "ongoing"
                                            for d in self.deadlines)

    @property
    def indicators(self) -> list[str]:
        return [*self.activity.indicators, *(i for m in self.activity.milestones or () for i in m.indicators)]


def _unique_bodies(*lists: tuple[str, ...]) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for entries in lists:
        for entry in entries:
            out.setdefault(split_unit(entry)[0], None)
    return tuple(out)


class ProgressRecord(Record):
    entry: ProgressEntry
    file: str
    pos: Pos


class PillarRecord(Record):
    numeral: str
    title: str
    title_en: str
    file: str
    goals: tuple[Goal, ...]
    where: Where = NOWHERE  # the pillar file's top mapping


class Plan(Record):
    root: str
    meta: PlanMeta
    registry: Registry
    pillars: tuple[PillarRecord, ...]
    activities: tuple[ActivityRecord, ...]
    progress: tuple[ProgressRecord, ...] = ()
    files: tuple[str, ...] = ()
    # derived when built:
    by_ref: dict[str, ActivityRecord] = field(init=False, repr=False, compare=False)
    _ref_index: dict[str, str] = field(init=False, repr=False, compare=False)
    start: Month = field(init=False, repr=False, compare=False)
    end: Month = field(init=False, repr=False, compare=False)
    progress_by_ref: dict[str, tuple[ProgressEntry, ...]] = field(init=False, repr=False, compare=False)
    """Entries per canonical ref, sorted by date (stable for equal dates)."""
    progress_refs: tuple[str | None, ...] = field(init=False, repr=False, compare=False)
    """Each progress record's canonical ref, None where it names no activity (parallel to `progress`)."""
    nodes: tuple[Node, ...] = field(init=False, repr=False, compare=False)
    """Every node that can carry English (`translation.Node`), in file order."""

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # a frozen record sets its derived fields this way, once
        by_ref = {a.ref: a for a in self.activities}
        index = refs.index(list(by_ref))
        set_(self, "by_ref", by_ref)
        set_(self, "_ref_index", index)
        set_(self, "start", Month.parse(self.meta.period.start))
        set_(self, "end", Month.parse(self.meta.period.end))
        grouped: dict[str, list[ProgressEntry]] = {}
        resolved: list[str | None] = []
        for rec in self.progress:
            try:
                ref = refs.resolve(rec.entry.ref, index)
            except refs.RefError:
                resolved.append(None)
                continue
            resolved.append(ref)
            grouped.setdefault(ref, []).append(rec.entry)
        set_(self, "progress_refs", tuple(resolved))
        set_(self, "progress_by_ref", {ref: tuple(sorted(entries, key=lambda e: e.date))
                                       for ref, entries in grouped.items()})
        set_(self, "nodes", tuple(_nodes(self)))

    def resolve_ref(self, text: str) -> ActivityRecord:
        """Lenient lookup (`ii-1a1`, `mbrojtja 1.(a).1`); raises refs.RefError."""
        return self.by_ref[refs.resolve(text, self._ref_index)]


def _nodes(plan: Plan) -> list[Node]:
    """plan.yaml, its principles and policies; then per pillar each goal, objective, activity and
    milestone (`translation.walk`'s order), each with its positions (`where`) as `raw`."""
    out = list(walk_meta(plan.meta, None, plan.files[0] if plan.files else "plan.yaml"))
    for pillar in plan.pillars:
        out += walk_pillar(pillar.numeral, pillar.goals, None, pillar.file)
    return out


def read_deadlines(activity: Activity, plan_start: Month, plan_end: Month) -> tuple[Deadline, ...]:
    """Every deadline of an activity: its own, or one per milestone."""
    if activity.milestones:
        return tuple(_deadline(m.deadline, m.due, i, m.where.at("deadline"), plan_start, plan_end)
                     for i, m in enumerate(activity.milestones))
    if activity.deadline is None and activity.due is None:
        return ()
    return (_deadline(activity.deadline, activity.due, None, activity.where.at("deadline"), plan_start, plan_end),)


def _deadline(phrase: str | None, due: str | None, milestone: int | None, pos: Pos,
              plan_start: Month, plan_end: Month) -> Deadline:
    if due:
        return Deadline(phrase, due, milestone, read_override(due, phrase), None, pos)
    if phrase is None:
        return Deadline(None, None, milestone, None, None, pos)
    try:
        return Deadline(phrase, None, milestone, _reading(phrase, plan_start, plan_end), None, pos)
    except DeadlineError as exc:
        return Deadline(phrase, None, milestone, None, str(exc), pos, exc.code)


@lru_cache(maxsize=4096)
def _reading(phrase: str, plan_start: Month, plan_end: Month) -> Reading:
    """`read_deadline`, once per phrase: a plan repeats a few dozen phrases (a `Reading` is frozen,
    so activities may share one). A phrase that cannot be read raises again each time."""
    return read_deadline(phrase, plan_start, plan_end)
