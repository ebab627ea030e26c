"""The plan's data as the queries see it: plain frozen records (`record.py`), built from validated trees.

`model.py` (pydantic) validates each file at the boundary and publishes the JSON Schema; once a
file's tree has validated, the `build_*` functions here turn it into these classes, which hold
the same fields under the same names (lists become tuples), plus `where`: the line:col of each
value, for diagnostics. Nothing here imports pydantic or the YAML parser, so a query that is
served from the parse cache imports neither. No I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal, TypeVar, get_args

from .bilingual import fingerprint
from .record import MISSING, Field, Record, field, fields

Pos = tuple[int, int]

# The closed vocabularies, written once as the Literal types model.py (and so the JSON Schema)
# uses; each tuple of words is derived from its type.
Kind = Literal["ministry", "agency", "police", "prosecution", "judiciary", "coordination", "local",
               "ngo", "international", "donor", "budget", "other"]
Status = Literal["not_started", "in_progress", "completed", "cancelled", "suspended"]
Completion = Literal["limited", "substantial"]
Language = Literal["sq", "en"]
# An open-ended group names no members: `all` rows are addressed to every body, `state` rows to
# every state body (STATE_KINDS), `partners` rows to unnamed partners, so to no registered body.
OpenScope = Literal["all", "state", "partners"]
KINDS: tuple[Kind, ...] = get_args(Kind)
STATUSES: tuple[Status, ...] = get_args(Status)
COMPLETIONS: tuple[Completion, ...] = get_args(Completion)
LANGUAGES: tuple[Language, ...] = get_args(Language)
OPEN_SCOPES: tuple[OpenScope, ...] = get_args(OpenScope)
STATE_KINDS: tuple[Kind, ...] = ("ministry", "agency", "police", "prosecution", "judiciary", "coordination", "local")


class Where(Record):
    """Where a mapping was written: its start, each key's value, and each item of a list value."""

    start: Pos = (1, 1)
    fields: Mapping[str, Pos] = field(default_factory=dict)
    items: Mapping[str, Sequence[Pos]] = field(default_factory=dict)

    def at(self, *loc: str | int) -> Pos:
        """The position of `field` or `field, index`; the nearest written ancestor otherwise."""
        if not loc or not isinstance(loc[0], str) or loc[0] not in self.fields:
            return self.start
        if len(loc) > 1 and isinstance(loc[1], int):
            items = self.items.get(loc[0], ())
            if 0 <= loc[1] < len(items):
                return items[loc[1]]
        return self.fields[loc[0]]


NOWHERE = Where()


class Plain(Record, kw_only=True):
    """What the plan's classes share with the pydantic models they mirror: `model_fields` (the
    field names, in the models' order) and `model_dump`, so code written against the models,
    and JSON made from them, stay as they were; and `where`, where the node was written (left
    out of both, and of comparisons)."""

    model_fields: ClassVar[dict[str, None]] = {}
    where: Where = field(default=NOWHERE, compare=False, repr=False)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.model_fields = {f.name: None for f in fields(cls) if f.name != "where" and f.init}

    def model_dump(self, *, exclude_defaults: bool = False, exclude_none: bool = False) -> dict[str, Any]:
        """The node as plain data (tuples as lists, nested nodes as dicts), as pydantic dumps it."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name == "where" or not f.init:  # positions and derived values are not the file's
                continue
            value = getattr(self, f.name)
            if exclude_none and value is None:
                continue
            if exclude_defaults and value == _default(f):
                continue
            out[f.name] = _dump(value, exclude_defaults, exclude_none)
        return out


def _default(f: Field) -> object:
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    return MISSING


def _dump(value: object, exclude_defaults: bool, exclude_none: bool) -> object:
    if isinstance(value, Plain):
        return value.model_dump(exclude_defaults=exclude_defaults, exclude_none=exclude_none)
    if isinstance(value, tuple):
        return [_dump(v, exclude_defaults, exclude_none) for v in value]
    return value


class Translatable(Plain):
    """A node that can carry English (`translation.py`): it knows the fingerprint of its Albanian
    as built (`sq_fingerprint`), which `check` compares with `en_from`; built once with the node,
    it is kept with it in the cache (~0.25 s of a warm `check` of a 100× plan)."""

    sq_fingerprint: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sq_fingerprint", fingerprint(self))


# ----------------------------------------------------------------------------- plan.yaml


class PlanPeriod(Plain, kw_only=True):
    start: str
    end: str


class Adoption(Plain, kw_only=True):
    date: str
    by: str


class Principle(Translatable, kw_only=True):
    title: str | None = None
    title_en: str | None = None
    text: str
    text_en: str | None = None
    en_from: str | None = None


class Policy(Translatable, kw_only=True):
    id: str
    title: str | None = None
    title_en: str | None = None
    text: str
    text_en: str | None = None
    en_from: str | None = None


class PlanMeta(Translatable, kw_only=True):
    id: str
    title: str
    title_en: str
    languages: tuple[str, ...] = ("sq", "en")
    period: PlanPeriod
    adopted: Adoption
    source: str | None = None
    vision: str | None = None
    vision_en: str | None = None
    en_from: str | None = None
    principles: tuple[Principle, ...] = ()
    policies: tuple[Policy, ...] = ()
    pillars: tuple[str, ...]
    notes: tuple[str, ...] = ()


# ----------------------------------------------------------------------------- institutions.yaml


class Institution(Plain, kw_only=True):
    id: str
    name: str
    name_en: str
    kind: str
    aliases: tuple[str, ...] = ()
    members: tuple[str, ...] | None = None
    open: str | None = None
    notes: tuple[str, ...] = ()


# ----------------------------------------------------------------------------- pillar files


class Milestone(Translatable, kw_only=True):
    title: str | None = None
    title_en: str | None = None
    deadline: str | None
    due: str | None = None
    indicators: tuple[str, ...] = ()
    indicators_en: tuple[str, ...] | None = None
    en_from: str | None = None
    responsible: tuple[str, ...] | None = None
    support: tuple[str, ...] | None = None
    resources: tuple[str, ...] | None = None
    notes: tuple[str, ...] = ()


class Activity(Translatable, kw_only=True):
    id: str
    printed_id: str | None = None
    title: str
    title_en: str | None = None
    see: tuple[str, ...] = ()
    responsible: tuple[str, ...] = ()
    support: tuple[str, ...] = ()
    deadline: str | None = None
    due: str | None = None
    indicators: tuple[str, ...] = ()
    indicators_en: tuple[str, ...] | None = None
    en_from: str | None = None
    milestones: tuple[Milestone, ...] | None = None
    resources: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


class Heading(Translatable, kw_only=True):
    """What a strategic goal and a specific objective both print: id, title, target, indicators."""

    id: str
    label: str | None = None
    title: str
    title_en: str | None = None
    target: str | None = None
    target_en: str | None = None
    indicators: tuple[str, ...] = ()
    indicators_en: tuple[str, ...] | None = None
    en_from: str | None = None
    notes: tuple[str, ...] = ()


class Objective(Heading, kw_only=True):
    activities: tuple[Activity, ...] = ()


class Goal(Heading, kw_only=True):
    objectives: tuple[Objective, ...] = ()


class Pillar(Plain, kw_only=True):
    pillar: str
    title: str
    title_en: str
    notes: tuple[str, ...] = ()
    goals: tuple[Goal, ...] = ()


# ----------------------------------------------------------------------------- progress log


class ProgressEntry(Plain, kw_only=True):
    ref: str
    date: str
    status: Status
    completion: Completion | None = None
    evidence: str | None = None
    by: str | None = None
    note: str | None = None
    internal: bool = False  # a note for the bodies only: public outputs leave it out


# ----------------------------------------------------------------------------- building
#
# Each builder takes a tree that has validated against its pydantic model (`source.YMap`s and
# `YList`s, or the same shapes decoded from the parse cache): strict models coerce nothing and
# forbid unknown keys, so the tree's keys are the class's fields and its values the model's
# values; lists become tuples, nested mappings their class (`_NESTED`), and absent keys take the
# class's default.

Tree = Mapping[str, Any]


def where_of(tree: Tree) -> Where:
    """The positions a parsed mapping carries (`pos`, `start`, and each list value's `pos`)."""
    pos = getattr(tree, "pos", None)
    if pos is None:
        return NOWHERE
    items = {k: v.pos for k, v in tree.items() if isinstance(v, list) and hasattr(v, "pos")}
    return Where(getattr(tree, "start", (1, 1)), pos, items)


# The fields whose values (or whose list's items) are nodes of another class.
_NESTED: dict[type[Plain], dict[str, type[Plain]]] = {
    PlanMeta: {"period": PlanPeriod, "adopted": Adoption, "principles": Principle, "policies": Policy},
    Pillar: {"goals": Goal}, Goal: {"objectives": Objective}, Objective: {"activities": Activity},
    Activity: {"milestones": Milestone}}

P = TypeVar("P", bound=Plain)


def build(cls: type[P], tree: Tree) -> P:
    """The node of class `cls` that a validated tree holds."""
    nested = _NESTED.get(cls, {})
    values: dict[str, Any] = {}
    for key, value in tree.items():
        child = nested.get(key)
        if isinstance(value, list):
            value = tuple(build(child, item) for item in value) if child else tuple(value)
        elif child is not None and value is not None:
            value = build(child, value)
        values[key] = value
    return cls(**values, where=where_of(tree))


def build_plan_meta(tree: Tree) -> PlanMeta:
    return build(PlanMeta, tree)


def build_institution(tree: Tree) -> Institution:
    return build(Institution, tree)


def build_progress_entry(tree: Tree) -> ProgressEntry:
    return build(ProgressEntry, tree)


def build_pillar(tree: Tree) -> Pillar:
    return build(Pillar, tree)
