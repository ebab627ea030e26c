"""The real plan: it checks clean, has every row of the source, and answers questions whose answers
were verified by hand against the source text (`../shared/seed/…`, line numbers below)."""

import json

import pytest

from ap_cli import queries
from ap_cli.checks import run_checks
from ap_cli.loader import load_plan
from ap_cli.periods import parse_as_of
from ap_cli.plan import Plan
from conftest import REAL_PLAN, Run


@pytest.fixture(scope="module")
def plan() -> Plan:
    plan, _diags = load_plan(REAL_PLAN)
    assert plan is not None
    return plan


def test_check_exits_0(run: Run) -> None:
    result = run("check", "--plan", REAL_PLAN)
    assert result.exit_code == 0, result.stdout


def test_no_errors_only_the_expected_warnings(plan: Plan) -> None:
    from datetime import date

    diags = run_checks(plan, date.today())
    assert not [d for d in diags if d.severity == "error"]
    assert {d.code for d in diags} <= {"missing-parent", "no-deadline"}


@pytest.mark.parametrize("numeral,goals,objectives,rows", [
    ("I", 1, 9, 55), ("II", 4, 13, 59), ("III", 4, 11, 59), ("IV", 4, 9, 53)])
def test_every_row_of_the_source(plan: Plan, numeral: str, goals: int, objectives: int, rows: int) -> None:
    pillar = next(p for p in plan.pillars if p.numeral == numeral)
    assert len(pillar.goals) == goals
    assert sum(len(g.objectives) for g in pillar.goals) == objectives
    assert len([a for a in plan.activities if a.pillar == numeral]) == rows


def test_export_counts_per_pillar(run: Run) -> None:
    data = json.loads(run("export", "--plan", REAL_PLAN).stdout)
    counts = {p: sum(r["pillar"] == p for r in data) for p in ("I", "II", "III", "IV")}
    assert counts == {"I": 55, "II": 59, "III": 59, "IV": 53}


def overdue_at(plan: Plan, as_of: str) -> dict[str, queries.Overdue]:
    return {o.rec.ref: o for o in queries.overdue(plan, parse_as_of(as_of))}


def test_vjeshte_2008_milestone_is_seven_months_late_by_june_2009(plan: Plan) -> None:
    # Source lines 1212-1235: 1.(a).3.1, Ministria e Financave, "Vjeshtë 2008" / "Fund i vitit 2008".
    item = overdue_at(plan, "2009-06")["I-1.(a).3.1"]
    assert (item.rec.lead, item.deadline.phrase, item.due.isoformat(), item.months_late, item.approx) == \
        ("MF", "Vjeshtë 2008", "2008-11-30", 7, True)


def test_due_in_june_2009_is_overdue_as_of_june_not_may(plan: Plan) -> None:
    # Source lines 3353-3370: 1.(i).3.1, "MB, Policia e Shtetit, ZKKA", Afati "qershor 2009".
    item = overdue_at(plan, "2009-06")["I-1.(i).3.1"]
    assert (item.rec.responsible_ids, item.due.isoformat(), item.months_late, item.approx) == \
        (["MB", "PSH", "ZKKA"], "2009-06-30", 0, False)
    assert "I-1.(i).3.1" not in overdue_at(plan, "2009-05")


def test_mid_2010_is_not_yet_due_mid_2009_is(plan: Plan) -> None:
    # Source lines 858-890: 1.(a).1 "Mesi i 2010-ës", 1.(a).1.1 "Mesi i 2009-ës", both Policia e Shtetit.
    items = overdue_at(plan, "2009-06")
    assert "I-1.(a).1" not in items
    assert (items["I-1.(a).1.1"].due.isoformat(), items["I-1.(a).1.1"].approx) == ("2009-06-30", True)


def test_ongoing_work_is_never_overdue(plan: Plan) -> None:
    items = overdue_at(plan, "2010-12")
    ongoing = [a.ref for a in plan.activities if a.ongoing]
    assert ongoing and not set(ongoing) & set(items)


SOURCE = REAL_PLAN.parent.parent / "shared" / "seed" / "000_9c1b9a464e4fd42c.txt"


@pytest.mark.skipif(not SOURCE.is_file(), reason="the source text (../shared/seed) is not beside this checkout")
def test_every_glossary_acronym_is_in_the_registry(plan: Plan) -> None:
    lines = SOURCE.read_text(encoding="utf-8").splitlines()[779:826]  # "Fjalorth i Shkurtimeve"
    acronyms = [line.split()[0] for line in lines if (line.strip() and line.split()[0].isupper())
                or line.strip()[:3] in ("NjM", "TdH")]
    acronyms = [a for a in acronyms if a not in ("Fjalorth", "Trafikimit")]
    assert len(acronyms) == 46
    resolved = [plan.registry.resolve(a) for a in acronyms]  # raises on an unknown acronym
    assert len(set(resolved)) == 46  # 46 distinct bodies: no two acronyms folded into one


def test_every_plan_file_points_editors_to_the_schema(plan: Plan) -> None:
    for name in ["plan.yaml", "institutions.yaml", *plan.meta.pillars]:
        first = (REAL_PLAN / name).read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schema/apcli.schema.json", name
