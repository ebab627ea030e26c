"""A walk over every node of a plan that can carry the unofficial English (which texts a node
holds in each language, and the fingerprint of its Albanian, are `bilingual.py`'s).

A *node* is one mapping that holds Albanian texts and may hold their English and an `en_from`
fingerprint: plan.yaml itself, each principle and policy, and in each pillar file every goal,
objective, activity and milestone. (A pillar's own `title_en` is a heading, required by the
model, and carries no fingerprint.) Pure functions; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .bilingual import field_value
from .record import Record

if TYPE_CHECKING:
    from . import domain, model
    from .plan import Plan

# ----------------------------------------------------------------------------- the walk

_LISTS = {"principle": "principles", "policy": "policies"}  # where plan.yaml lists them


class Node(Record, frozen=False):
    """One translatable node, where it is, and how to name it."""

    kind: str  # plan, principle, policy, goal, objective, activity, milestone
    ref: str  # "plan", a goal or objective ref ("I-1", "I-1.(a)"), an activity ref
    file: str
    model: object
    raw: object = None  # the mapping it was read from (source.YMap), for positions
    milestone: int | None = None  # 1-based, for milestones
    index: int | None = None  # 0-based position of a principle or policy

    @property
    def key(self) -> tuple[str, str, int | None, int | None]:
        """Identity across two versions of a plan (diff)."""
        return (self.kind, self.ref, self.milestone, self.index)

    @property
    def prefix(self) -> str:
        """The path of its fields from the top of plan.yaml: `principles[2].` (diff field names)."""
        return f"{_LISTS[self.kind]}[{self.index}]." if self.kind in _LISTS else ""

    @property
    def label(self) -> str:
        """How messages name it: the activity's ref, `goal I-1`, `I-1.(a).9 milestone 2`, `policy 3`."""
        if self.kind == "activity":
            return self.ref
        if self.kind == "milestone":
            return f"{self.ref} milestone {self.milestone}"
        if self.kind == "plan":
            return "plan.yaml"
        if self.kind == "policy":
            return f"policy {field_value(self.model, 'id')}"
        if self.kind == "principle":
            return f"principle {(self.index or 0) + 1}"
        return f"{self.kind} {self.ref}"

    @property
    def start(self) -> tuple[int, int]:
        start: tuple[int, int] = getattr(self.raw, "start", (1, 1))
        return start


def _item(raw: Any, *loc: str | int) -> Any:
    """The mapping at `loc` inside `raw`, or None where the raw data is missing or differs."""
    for part in loc:
        try:
            raw = raw[part]
        except (KeyError, IndexError, TypeError):
            return None
    return raw


def _node(kind: str, ref: str, file: str, item: Any, raw: object, **at: int) -> Node:
    """A node whose `raw` is its mapping in the parsed file, or without one (None) the positions
    a domain node carries (its `where`)."""
    return Node(kind, ref, file, item, getattr(item, "where", None) if raw is None else raw, **at)


def walk_meta(meta: model.PlanMeta | domain.PlanMeta, raw: object, file: str) -> Iterator[Node]:
    """plan.yaml, then its principles and policies."""
    yield _node("plan", "plan", file, meta, raw)
    for kind, items in (("principle", meta.principles), ("policy", meta.policies)):
        for i, item in enumerate(items):
            yield _node(kind, "plan", file, item, _item(raw, _LISTS[kind], i), index=i)


def walk_pillar(numeral: str, goals: Sequence[Any], raw: object, file: str) -> Iterator[Node]:
    """Each goal (a `model.Goal` or a `domain.Goal`), then each of its objectives, each followed by its
    activities and their milestones."""
    from .refs import canonical

    for gi, goal in enumerate(goals):
        g_raw = _item(raw, "goals", gi)
        yield _node("goal", f"{numeral}-{goal.id}", file, goal, g_raw)
        for oi, objective in enumerate(goal.objectives):
            o_raw = _item(g_raw, "objectives", oi)
            yield _node("objective", f"{numeral}-{objective.id}", file, objective, o_raw)
            for ai, activity in enumerate(objective.activities):
                a_raw = _item(o_raw, "activities", ai)
                ref = canonical(numeral, activity.id)
                yield _node("activity", ref, file, activity, a_raw)
                for mi, milestone in enumerate(activity.milestones or []):
                    yield _node("milestone", ref, file, milestone, _item(a_raw, "milestones", mi), milestone=mi + 1)


def walk(plan: Plan) -> Iterator[Node]:
    """Every translatable node of a loaded plan, in file order (built with the plan: `Plan.nodes`,
    each with its positions, a `domain.Where`, as `raw`)."""
    yield from plan.nodes
