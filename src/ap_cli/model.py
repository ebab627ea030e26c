"""The plan's data model: strict pydantic v2 models for every file, and no I/O.

Keys are English snake_case; text values are the source's Albanian, kept as printed.
Models forbid unknown keys and coerce nothing, so a typo in a key or a number where text
belongs is reported, not guessed.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from .domain import LANGUAGES, Completion, Kind, Language, OpenScope, Status
from .domain import STATE_KINDS as STATE_KINDS  # re-exported: the vocabularies live in domain.py
from .periods import check_year

Text = Annotated[str, StringConstraints(min_length=1)]


def _year(text: str) -> str:
    check_year(int(text[:4]))  # ValueError outside MIN_YEAR–MAX_YEAR (periods.py)
    return text


def _real_day(text: str) -> str:
    date.fromisoformat(text)  # raises ValueError for 2009-02-30
    return _year(text)


# Digits are ASCII: pydantic's `\d` would also take ٢٠٠٩ or ２００９.
MonthText = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$"), AfterValidator(_year)]
DayText = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"),
                    AfterValidator(_real_day)]
DueText = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}(-(0[1-9]|1[0-2])|Q[1-4]|H[12])?$"),
                    AfterValidator(_year)]
ActivityId = Annotated[str, StringConstraints(pattern=r"^[0-9]+(\.\([a-z]\)(\.[0-9]+[a-z]?)*)?$")]
PillarNumeral = Annotated[str, StringConstraints(pattern=r"^[IVXLCDM]+$")]
Notes = list[Text]
# First 8 hex digits of the SHA-256 of the Albanian texts an English rendering was made from
# (bilingual.fingerprint); `check` compares it with the Albanian as it is now.
Fingerprint = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{8}$")]

EN_FROM = ("Fingerprint of the Albanian this node's English was made from: the first 8 hex digits of the "
           "SHA-256 of its Albanian texts (title, target, text, vision, indicators) as compact JSON. Written by "
           "`apcli fmt --stamp`; `apcli check` warns (stale-translation) when the Albanian has changed since.")


def english(of: str, required: bool = False, items: bool = False) -> Any:
    """The field for the unofficial English of field `of`, described in the JSON Schema."""
    text = f"Unofficial English translation of `{of}`"
    if items:
        text += ": one English item per Albanian item, in the same order"
    text += " (docs/TRANSLATING.md)."
    return Field(description=text) if required else Field(None, description=text)


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


# ----------------------------------------------------------------------------- plan.yaml


class PlanPeriod(Strict):
    start: MonthText
    end: MonthText


class Adoption(Strict):
    date: DayText
    by: Text


class Principle(Strict):
    title: Text | None = None
    title_en: Text | None = english("title")
    text: Text
    text_en: Text | None = english("text")
    en_from: Fingerprint | None = Field(None, description=EN_FROM)


class Policy(Strict):
    id: Text
    title: Text | None = None
    title_en: Text | None = english("title")
    text: Text
    text_en: Text | None = english("text")
    en_from: Fingerprint | None = Field(None, description=EN_FROM)


class PlanMeta(Strict):
    id: Text
    title: Text
    title_en: Text = english("title", required=True)
    languages: list[Language] = Field(
        default_factory=lambda: list(LANGUAGES), min_length=1,
        description="Languages the plan is kept in: `sq`, the official Albanian, and `en`, the unofficial English. "
                    "With `en` (the default) every Albanian text needs its English (`apcli check`: "
                    "missing-translation); `[sq]` needs none.")
    period: PlanPeriod
    adopted: Adoption
    source: Text | None = None
    vision: Text | None = None
    vision_en: Text | None = english("vision")
    en_from: Fingerprint | None = Field(None, description=EN_FROM)
    principles: list[Principle] = Field(default_factory=list)
    policies: list[Policy] = Field(default_factory=list)
    pillars: list[Text] = Field(min_length=1)
    notes: Notes = Field(default_factory=list)


# ----------------------------------------------------------------------------- institutions.yaml


# OPEN_SCOPES: an open-ended group names no members (domain.py says whom its rows address).


class Institution(Strict):
    id: Text
    name: Text
    name_en: Text
    kind: Kind
    aliases: list[Text] = Field(default_factory=list)
    # A closed collective body ("Bashkitë/komunat"): the registry ids of its members. A row naming
    # it is work of each member, reached `via` it (transitively: a member may be a collective too).
    members: list[Text] | None = None
    open: OpenScope | None = None
    notes: Notes = Field(default_factory=list)


# ----------------------------------------------------------------------------- pillar files


class Milestone(Strict):
    title: Text | None = None
    title_en: Text | None = english("title")
    deadline: Text | None
    due: DueText | None = None
    indicators: list[Text] = Field(default_factory=list)
    indicators_en: list[Text] | None = english("indicators", items=True)
    en_from: Fingerprint | None = Field(None, description=EN_FROM)
    responsible: list[Text] | None = None
    support: list[Text] | None = None
    resources: list[Text] | None = None
    notes: Notes = Field(default_factory=list)


class Activity(Strict):
    id: ActivityId
    printed_id: Text | None = None
    title: Text
    title_en: Text | None = english("title")
    see: list[Text] = Field(default_factory=list)
    responsible: list[Text] = Field(default_factory=list)
    support: list[Text] = Field(default_factory=list)
    deadline: Text | None = None
    due: DueText | None = None
    indicators: list[Text] = Field(default_factory=list)
    indicators_en: list[Text] | None = english("indicators", items=True)
    en_from: Fingerprint | None = Field(None, description=EN_FROM)
    milestones: list[Milestone] | None = None
    resources: list[Text] = Field(default_factory=list)
    notes: Notes = Field(default_factory=list)


class Heading(Strict):
    """What a strategic goal and a specific objective both print: id, title, target, indicators."""

    id: Text
    label: Text | None = None
    title: Text
    title_en: Text | None = english("title")
    target: Text | None = None
    target_en: Text | None = english("target")
    indicators: list[Text] = Field(default_factory=list)
    indicators_en: list[Text] | None = english("indicators", items=True)
    en_from: Fingerprint | None = Field(None, description=EN_FROM)
    notes: Notes = Field(default_factory=list)


class Objective(Heading):
    activities: list[Activity] = Field(default_factory=list)


class Goal(Heading):
    objectives: list[Objective] = Field(default_factory=list)


class Pillar(Strict):
    pillar: PillarNumeral
    title: Text
    title_en: Text = english("title", required=True)
    notes: Notes = Field(default_factory=list)
    goals: list[Goal] = Field(default_factory=list)


# ----------------------------------------------------------------------------- progress log


class ProgressEntry(Strict):
    ref: Text
    date: DayText
    status: Status
    completion: Completion | None = None
    evidence: Text | None = None
    by: Text | None = None
    note: Text | None = None
    internal: bool = Field(False, description="`true`: the note is not for publication (it may concern a case or a "
                           "person). Public outputs (site, calendar, published exports) show the entry's status, date "
                           "and evidence, never this note.")


SCHEMA_ID = "https://apcli.invalid/schema/apcli.schema.json"


def json_schema() -> dict[str, Any]:
    """One schema document whose `oneOf` accepts any of the plan's file kinds."""
    from pydantic.json_schema import models_json_schema

    models: list[tuple[type[BaseModel], Literal["validation"]]] = [
        (PlanMeta, "validation"), (Pillar, "validation"), (Institution, "validation"), (ProgressEntry, "validation")]
    _, top = models_json_schema(models, ref_template="#/$defs/{model}")
    defs = top["$defs"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "apcli plan files",
        "description": "plan.yaml, institutions.yaml, a pillar file or a progress file of the apcli plan.",
        "oneOf": [
            {"$ref": "#/$defs/PlanMeta"},
            {"$ref": "#/$defs/Pillar"},
            {"type": "array", "items": {"$ref": "#/$defs/Institution"}},
            {"type": "array", "items": {"$ref": "#/$defs/ProgressEntry"}},
        ],
        "$defs": defs,
    }


# The model of each file kind the loader validates (a list file's model is its entries').
MODELS: dict[str, type[Strict]] = {"plan": PlanMeta, "pillar": Pillar, "institution": Institution,
                                   "progress": ProgressEntry}
