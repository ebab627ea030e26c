"""The unofficial English beside the Albanian: which texts a node holds in each language, the
fingerprint of its Albanian, and a walk over every node of a plan that can carry English.

A *node* is one mapping that holds Albanian texts and may hold their English and an `en_from`
fingerprint: plan.yaml itself, each principle and policy, and in each pillar file every goal,
objective, activity and milestone. (A pillar's own `title_en` is a heading, required by the
model, and carries no fingerprint.) Pure functions; no I/O.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .record import Record

if TYPE_CHECKING:
    from . import domain, model
    from .plan import Plan

# The Albanian fields a node can have, in the order they enter the fingerprint; each one's
# English is the same name with `_en`.
ALBANIAN = ("title", "target", "text", "vision", "indicators")
ENGLISH = tuple(f"{name}_en" for name in ALBANIAN)


def _get(node: object, name: str) -> Any:
    """A field of a model, or a key of a mapping (synthetic plans fingerprint raw data)."""
    return node.get(name) if isinstance(node, dict) else getattr(node, name, None)


_MODEL_PAIRS: dict[type, tuple[tuple[str, str], ...]] = {}  # by model class (functools.cache: mypy won't hash a type)


def _model_pairs(model: type) -> tuple[tuple[str, str], ...]:
    if model in _MODEL_PAIRS:
        return _MODEL_PAIRS[model]
    fields = getattr(model, "model_fields", {})
    found = tuple((sq, en) for sq, en in zip(ALBANIAN, ENGLISH, strict=True) if sq in fields and en in fields)
    _MODEL_PAIRS[model] = found
    return found


def pairs(node: object) -> tuple[tuple[str, str], ...]:
    """`(Albanian field, English field)` pairs that the node's kind has (a model's fields, or a
    mapping's keys)."""
    if isinstance(node, dict):
        return tuple((sq, en) for sq, en in zip(ALBANIAN, ENGLISH, strict=True) if sq in node or en in node)
    return _model_pairs(type(node))


def albanian(node: object) -> list[tuple[str, object]]:
    """The node's Albanian texts as `[(field, value)]`, in `ALBANIAN` order; absent, null and
    empty fields are left out, so a field the node's kind does not have changes nothing."""
    out: list[tuple[str, object]] = []
    for name, _ in pairs(node):
        value = _get(node, name)
        if value is None or value == [] or value == ():
            continue
        out.append((name, value if isinstance(value, str) else list(value)))
    return out


def fingerprint(node: object) -> str:
    """First 8 hex digits of the SHA-256 of the node's Albanian texts.

    The texts are joined unambiguously as compact JSON of `[[field, value], …]` (UTF-8, no
    ASCII escapes), e.g. `[["title","Krijimi i …"],["indicators",["a","b"]]]`: any edit to a
    title, target, text, vision or indicator, adding or removing one, or moving text from one
    field to another gives another fingerprint. Values are taken exactly as they load (no
    whitespace folding), so reformatting the file changes nothing but retyping a space does.
    """
    payload = _JSON.encode(albanian(node))
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()[:8]


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # one, not one per call as json.dumps


def has_english(node: object) -> bool:
    return any(_get(node, en) is not None for _, en in pairs(node))


def english_fields(node: object) -> list[str]:
    return [en for _, en in pairs(node) if _get(node, en) is not None]


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
            return f"policy {_get(self.model, 'id')}"
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
