"""The plain domain (`domain.py`, `plan.py`): the same data as the pydantic models, immutable,
positions where the checks need them."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from ap_cli import domain
from ap_cli.loader import load_plan
from ap_cli.model import Institution, Pillar, PlanMeta, ProgressEntry
from ap_cli.source import read_file
from conftest import MINI_PLAN, REAL_PLAN

BUILDERS: dict[type[BaseModel], Callable[[Any], domain.Plain]] = {
    PlanMeta: domain.build_plan_meta, Pillar: domain.build_pillar, Institution: domain.build_institution,
    ProgressEntry: domain.build_progress_entry}


def _data(path: Path) -> Any:
    """The parsed tree of a plan file that must read cleanly."""
    source, diags = read_file(path)
    assert source is not None, (path, diags)
    return source.data


def trees(root: Path) -> Iterator[tuple[type[BaseModel], Any]]:
    """(model, tree) for every file of the plan at `root` (each entry of a list file)."""
    yield PlanMeta, _data(root / "plan.yaml")
    for item in _data(root / "institutions.yaml"):
        yield Institution, item
    for name in _data(root / "plan.yaml")["pillars"]:
        yield Pillar, _data(root / name)
    for path in sorted((root / "progress").rglob("*.yaml")):
        for item in _data(path):
            yield ProgressEntry, item


def dumped(model: type[BaseModel], tree: Any, exclude_defaults: bool = False,
           exclude_none: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """What pydantic and the domain dump for the same validated tree."""
    want = model.model_validate(tree).model_dump(exclude_defaults=exclude_defaults, exclude_none=exclude_none)
    got = BUILDERS[model](tree).model_dump(exclude_defaults=exclude_defaults, exclude_none=exclude_none)
    return got, want


@pytest.mark.parametrize("root", [REAL_PLAN, MINI_PLAN], ids=["real", "mini"])
@pytest.mark.parametrize("how", [{}, {"exclude_defaults": True}, {"exclude_none": True}], ids=str)
def test_the_domain_holds_what_the_models_hold(root: Path, how: dict[str, bool]) -> None:
    count = 0
    for model, tree in trees(root):
        got, want = dumped(model, tree, **how)
        assert got == want, (model.__name__, tree.get("id") or tree.get("ref") or tree.get("pillar"))
        count += 1
    assert count > 10


def test_field_names_and_order_are_the_models() -> None:
    pairs: list[tuple[type[domain.Plain], type[BaseModel]]] = [
        (domain.PlanMeta, PlanMeta), (domain.Pillar, Pillar), (domain.Institution, Institution)]
    from ap_cli import model

    pairs += [(getattr(domain, n), getattr(model, n)) for n in ("Goal", "Objective", "Activity", "Milestone",
                                                                 "Principle", "Policy", "PlanPeriod", "Adoption",
                                                                 "ProgressEntry")]
    for plain, pydantic_model in pairs:
        assert list(plain.model_fields) == list(pydantic_model.model_fields), plain.__name__


@pytest.mark.parametrize("how", [{}, {"exclude_defaults": True}, {"exclude_none": True}], ids=str)
def test_written_nulls_and_empty_lists_build_as_the_model_reads_them(how: dict[str, bool]) -> None:
    activity: dict[str, Any] = {"id": "1", "title": "t", "milestones": None, "indicators_en": None, "see": []}
    objective = {"id": "1.1", "title": "o", "activities": [activity, {**activity, "id": "2", "milestones": []}]}
    tree = {"pillar": "I", "title": "p", "title_en": "p", "notes": [], "goals": [{"id": "1", "title": "g",
                                                                                 "objectives": [objective]}]}
    got, want = dumped(Pillar, tree, **how)
    assert got == want


def test_internal_defaults_to_false_and_reads_true() -> None:
    entry = {"ref": "I-1.(a).1", "date": "2009-01-01", "status": "in_progress"}
    assert domain.build_progress_entry(entry).internal is False
    assert domain.build_progress_entry({**entry, "internal": True}).internal is True
    assert domain.ProgressEntry(ref="x", date="2009-01-01", status="completed").model_dump(
        exclude_defaults=True) == {"ref": "x", "date": "2009-01-01", "status": "completed"}


def test_a_loaded_plan_is_immutable_all_the_way_down() -> None:
    plan, _ = load_plan(MINI_PLAN)
    assert plan is not None
    rec = plan.activities[0]
    for obj, name in [(plan, "activities"), (rec, "ref"), (rec.activity, "title"), (plan.meta, "id"),
                      (plan.pillars[0], "goals"), (plan.progress[0], "entry"), (plan.progress[0].entry, "status"),
                      (plan.registry, "file"), (plan.registry.institutions[0], "id"), (rec.deadlines[0], "phrase")]:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, name, None)
        assert not hasattr(obj, "__dict__"), type(obj).__name__  # slots
    for seq in (plan.activities, plan.pillars, plan.progress, plan.files, rec.activity.responsible,
                rec.responsible_ids, rec.due_days, plan.meta.pillars, plan.registry.institutions):
        assert isinstance(seq, tuple)


def test_derived_values_follow_a_replaced_field() -> None:
    plan, _ = load_plan(MINI_PLAN)
    assert plan is not None
    bare = dataclasses.replace(plan, progress=())
    assert bare.progress_by_ref == {} and plan.progress_by_ref
    assert bare.by_ref.keys() == plan.by_ref.keys()


def test_positions_are_where_the_values_were_written() -> None:
    plan, _ = load_plan(MINI_PLAN)
    assert plan is not None
    for rec in plan.activities:
        text = Path(rec.file).read_text(encoding="utf-8").splitlines()
        line, col = rec.activity.where.at("id")
        assert rec.id in text[line - 1][col - 1:], rec.ref
        assert rec.pos == rec.activity.where.start
        for i, entry in enumerate(rec.activity.responsible):
            line, col = rec.activity.where.at("responsible", i)
            assert entry in text[line - 1], (rec.ref, entry)
    where = domain.Where((3, 1), {"a": (4, 3)}, {"a": [(5, 5)]})
    assert where.at() == (3, 1) and where.at("b") == (3, 1) and where.at("a") == (4, 3)
    assert where.at("a", 0) == (5, 5) and where.at("a", 1) == (4, 3) and where.at("a", "x") == (4, 3)


def test_the_domain_imports_neither_pydantic_nor_the_yaml_parser() -> None:
    import subprocess
    import sys

    code = ("import sys; import ap_cli.domain, ap_cli.plan, ap_cli.queries; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'ruamel', '_ruamel_yaml')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_queries_take_the_cutoff_they_use() -> None:
    from datetime import date

    from ap_cli import queries

    plan, _ = load_plan(MINI_PLAN)
    assert plan is not None
    with pytest.raises(ValueError, match="cut-off"):
        queries.select(plan, status="overdue")
    assert queries.select(plan, status="overdue", cutoff=date(2009, 6, 30)) == \
        [r for r in plan.activities if queries.timeliness(plan, r, date(2009, 6, 30)) == "overdue"]
