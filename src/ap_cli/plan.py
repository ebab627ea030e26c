"""The loaded plan: its files, activities flattened in source order, deadlines read, lookup by ref.

Built by `loader.load_plan`; everything here is derived from validated models and kept
immutable, so queries can be pure functions of a `Plan` and a cut-off day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from . import refs
from .institutions import Registry, split_unit
from .model import Activity, Goal, Objective, PlanMeta, ProgressEntry
from .periods import DeadlineError, Month, Reading, read_deadline, read_override

Pos = tuple[int, int]


@dataclass(frozen=True)
class Deadline:
    """One due date of an activity: its own deadline, or one milestone's."""

    phrase: str | None
    due_override: str | None
    milestone: int | None  # index into activity.milestones
    reading: Reading | None
    problem: str | None  # why the phrase could not be read
    pos: Pos
    code: str = "unparsed-deadline"  # the diagnostic code of `problem`


@dataclass
class ActivityRecord:
    ref: str
    pillar: str
    goal: Goal
    objective: Objective
    activity: Activity
    file: str
    pos: Pos
    deadlines: list[Deadline]
    raw: object = None  # the YMap it was read from, for positions

    @property
    def id(self) -> str:
        return self.activity.id

    @property
    def title(self) -> str:
        return self.activity.title

    @cached_property
    def responsible_ids(self) -> list[str]:
        """Registry ids of responsible bodies (activity and milestones), in order, unique."""
        return _unique_bodies(self.activity.responsible, *(m.responsible or [] for m in self._milestones))

    @cached_property
    def support_ids(self) -> list[str]:
        return _unique_bodies(self.activity.support, *(m.support or [] for m in self._milestones))

    @cached_property
    def resource_ids(self) -> list[str]:
        return _unique_bodies(self.activity.resources, *(m.resources or [] for m in self._milestones))

    @property
    def lead(self) -> str | None:
        ids = self.responsible_ids
        return ids[0] if ids else None

    @property
    def _milestones(self):
        return self.activity.milestones or []

    @property
    def phrases(self) -> list[str]:
        return [d.phrase for d in self.deadlines if d.phrase]

    @property
    def due_days(self):
        return sorted({day for d in self.deadlines if d.reading for day in d.reading.due_days})

    @property
    def ongoing(self) -> bool:
        return bool(self.deadlines) and all(d.reading and d.reading.kind == "ongoing" for d in self.deadlines)

    @property
    def indicators(self) -> list[str]:
        return [*self.activity.indicators, *(i for m in self._milestones for i in m.indicators)]


def _unique_bodies(*lists) -> list[str]:
    out: list[str] = []
    for entries in lists:
        for entry in entries or []:
            body = split_unit(entry)[0]
            if body not in out:
                out.append(body)
    return out


@dataclass(frozen=True)
class ProgressRecord:
    entry: ProgressEntry
    file: str
    pos: Pos
    raw: object = None


@dataclass
class PillarRecord:
    numeral: str
    title: str
    title_en: str
    file: str
    goals: list[Goal]
    raw: object = None


@dataclass
class Plan:
    root: str
    meta: PlanMeta
    registry: Registry
    pillars: list[PillarRecord]
    activities: list[ActivityRecord]
    progress: list[ProgressRecord] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    meta_raw: object = None  # plan.yaml as read (source.YMap), for positions

    @cached_property
    def by_ref(self) -> dict[str, ActivityRecord]:
        return {a.ref: a for a in self.activities}

    @cached_property
    def _ref_index(self) -> dict[str, str]:
        return refs.index(list(self.by_ref))

    def resolve_ref(self, text: str) -> ActivityRecord:
        """Lenient lookup (`ii-1a1`, `mbrojtja 1.(a).1`); raises refs.RefError."""
        return self.by_ref[refs.resolve(text, self._ref_index)]

    @cached_property
    def nodes(self) -> list:
        """Every node that can carry English (`translation.walk`), in file order."""
        from .translation import walk

        return list(walk(self))

    @cached_property
    def start(self) -> Month:
        return Month.parse(self.meta.period.start)

    @cached_property
    def end(self) -> Month:
        return Month.parse(self.meta.period.end)

    @cached_property
    def progress_by_ref(self) -> dict[str, list[ProgressEntry]]:
        """Entries per canonical ref, sorted by date (stable for equal dates)."""
        out: dict[str, list[ProgressEntry]] = {}
        for rec in self.progress:
            try:
                ref = refs.resolve(rec.entry.ref, self._ref_index)
            except refs.RefError:
                continue
            out.setdefault(ref, []).append(rec.entry)
        for entries in out.values():
            entries.sort(key=lambda e: e.date)
        return out


def read_deadlines(activity: Activity, raw, plan_start: Month, plan_end: Month) -> list[Deadline]:
    """Every deadline of an activity: its own, or one per milestone."""
    from .source import position

    if activity.milestones:
        return [
            _deadline(m.deadline, m.due, i, position(raw, ("milestones", i, "deadline")), plan_start, plan_end)
            for i, m in enumerate(activity.milestones)
        ]
    if activity.deadline is None and activity.due is None:
        return []
    return [_deadline(activity.deadline, activity.due, None, position(raw, ("deadline",)), plan_start, plan_end)]


def _deadline(phrase, due, milestone, pos, plan_start, plan_end) -> Deadline:
    if due:
        return Deadline(phrase, due, milestone, read_override(due, phrase), None, pos)
    if phrase is None:
        return Deadline(None, None, milestone, None, None, pos)
    try:
        return Deadline(phrase, None, milestone, read_deadline(phrase, plan_start, plan_end), None, pos)
    except DeadlineError as exc:
        return Deadline(phrase, None, milestone, None, str(exc), pos, exc.code)
