"""The unofficial English beside the Albanian: every text of the bundled plan has its English,
item for item, and the glossary of docs/TRANSLATING.md is used wherever its Albanian term occurs."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest

from ap_cli.loader import load_plan
from ap_cli.model import Policy, Principle
from ap_cli.plan import Plan
from conftest import REAL_PLAN, ROOT


def _plan() -> Plan:
    plan = load_plan(REAL_PLAN, REAL_PLAN / "nonexistent-progress")[0]
    assert plan is not None
    return plan


PLAN = _plan()


def pairs() -> Iterator[tuple[str, str, str | None]]:
    """(where, Albanian, English) for every text of the plan."""
    meta = PLAN.meta
    yield "plan.yaml vision", meta.vision or "", meta.vision_en
    items: list[Principle | Policy] = [*meta.principles, *meta.policies]
    for i, item in enumerate(items):
        yield f"plan.yaml text {i}", item.text, item.text_en
    for pillar in PLAN.pillars:
        for goal in pillar.goals:
            yield from node(f"{pillar.numeral}-{goal.id}", goal)
            for objective in goal.objectives:
                yield from node(f"{pillar.numeral}-{objective.id}", objective)
                for activity in objective.activities:
                    where = f"{pillar.numeral}-{activity.id}"
                    yield from node(where, activity)
                    for k, m in enumerate(activity.milestones or []):
                        yield from node(f"{where} milestone {k + 1}", m)


def node(where: str, n: Any) -> Iterator[tuple[str, str, str | None]]:
    if n.title:
        yield f"{where} title", n.title, n.title_en
    if getattr(n, "target", None):
        yield f"{where} target", n.target, n.target_en
    english = n.indicators_en or []
    if n.indicators:
        assert len(english) == len(n.indicators), f"{where}: {len(n.indicators)} indicators, {len(english)} in English"
    for k, text in enumerate(n.indicators):
        yield f"{where} indicator {k + 1}", text, english[k] if k < len(english) else None


ALL = list(pairs())


def test_every_text_has_its_english() -> None:
    missing = [where for where, _, en in ALL if not (en or "").strip()]
    assert missing == []
    assert len(ALL) == 805  # every title, target and indicator of 226 activities, their headings, plan.yaml


def fold(text: str) -> str:
    s = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in s if not unicodedata.combining(c))


def glossary() -> list[tuple[str, str]]:
    text = (ROOT / "docs" / "TRANSLATING.md").read_text(encoding="utf-8")
    section = text.split("## Glossary", 1)[1].split("Other recurring words", 1)[0]
    rows = []
    for line in section.splitlines():
        if line.startswith("| `"):
            cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            rows.append((cells[0].strip("`"), cells[1].strip("`")))
    return rows


GLOSSARY = glossary()


def test_glossary_is_read() -> None:
    assert len(GLOSSARY) >= 25
    assert ("mekanizm\\w* kombëtar\\w* (të|i) referimit", "National Referral Mechanism") in GLOSSARY


@pytest.mark.parametrize("albanian,english", GLOSSARY, ids=[a for a, _ in GLOSSARY])
def test_glossary_renderings_are_used(albanian: str, english: str) -> None:
    sq, en = re.compile(fold(albanian)), re.compile(english, re.I)
    wrong = [(where, text, translated) for where, text, translated in ALL
             if sq.search(fold(text)) and not en.search(translated or "")]
    assert wrong == []


def test_the_glossary_check_can_fail() -> None:
    sq, en = re.compile(fold("autoritet\\w* përgjegjës")), re.compile("Responsible Authorit(y|ies)", re.I)
    assert sq.search(fold("Autoriteti Përgjegjës")) and not en.search("the Competent Authority")
