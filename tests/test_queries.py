"""The overdue rule (DESIGN §4) and the other questions over time, on small hand-written plans.

Each test writes the activities and progress it needs next to its assertions.
"""

import textwrap
from datetime import date
from pathlib import Path

import pytest

from ap_cli import queries
from ap_cli.loader import load_plan
from ap_cli.periods import parse_as_of
from ap_cli.plan import Plan

PLAN = """\
id: t
title: Provë
title_en: Test
period: {start: "2008-01", end: "2010-12"}
adopted: {date: "2008-05-30", by: ZKKA}
pillars: [1-p.yaml]
"""
INSTITUTIONS = """\
- {id: ZKKA, name: Zyra e Koordinatorit, name_en: Coordinator, kind: coordination}
- {id: MB, name: Ministria e Brendshme, name_en: Interior, kind: ministry, aliases: [M.B]}
- {id: PSH, name: Policia e Shtetit, name_en: Police, kind: police}
"""


def make_plan(tmp_path: Path, activities: str, progress: str = "") -> Plan:
    """A one-pillar plan whose activities are given as YAML list items (indented by 0)."""
    (tmp_path / "plan.yaml").write_text(PLAN)
    (tmp_path / "institutions.yaml").write_text(INSTITUTIONS)
    pillar = ("pillar: I\ntitle: P\ntitle_en: P\ngoals:\n  - id: '1'\n    title: G\n    objectives:\n"
              "      - id: 1.(a)\n        title: O\n        activities:\n"
              + textwrap.indent(textwrap.dedent(activities), " " * 10))
    (tmp_path / "1-p.yaml").write_text(pillar)
    if progress:
        (tmp_path / "progress").mkdir()
        (tmp_path / "progress" / "log.yaml").write_text(textwrap.dedent(progress))
    plan, diags = load_plan(tmp_path)
    assert plan is not None and not [d for d in diags if d.severity == "error"], diags
    return plan


def overdue_refs(plan: Plan, as_of: str) -> list[tuple[str, str, int]]:
    return [(o.rec.ref, o.due.isoformat(), o.months_late) for o in queries.overdue(plan, parse_as_of(as_of))]


def test_due_in_the_as_of_month_is_overdue_the_month_after_is_not(tmp_path: Path) -> None:
    plan = make_plan(tmp_path, """\
        - {id: 1.(a).1, title: A, responsible: [ZKKA], deadline: qershor 2009}
        - {id: 1.(a).2, title: B, responsible: [ZKKA], deadline: korrik 2009}
        """)
    assert overdue_refs(plan, "2009-06") == [("I-1.(a).1", "2009-06-30", 0)]
    assert overdue_refs(plan, "2009-05") == []
    assert overdue_refs(plan, "2009-06-29") == []
    assert overdue_refs(plan, "2009-07") == [("I-1.(a).1", "2009-06-30", 1), ("I-1.(a).2", "2009-07-31", 0)]


def test_completed_on_the_due_day_and_completed_late(tmp_path: Path) -> None:
    plan = make_plan(tmp_path, """\
        - {id: 1.(a).1, title: A, responsible: [ZKKA], deadline: Fundi i 2008-ës}
        - {id: 1.(a).2, title: B, responsible: [ZKKA], deadline: Fundi i 2008-ës}
        """, """\
        - {ref: I-1.(a).1, date: "2008-12-31", status: completed, evidence: "Raport"}
        - {ref: I-1.(a).2, date: "2009-03-10", status: completed, evidence: "VKM nr. 1"}
        """)
    assert overdue_refs(plan, "2008-12") == [("I-1.(a).2", "2008-12-31", 0)]
    assert overdue_refs(plan, "2009-02") == [("I-1.(a).2", "2008-12-31", 2)]
    assert overdue_refs(plan, "2009-03") == []
    cutoff = parse_as_of("2009-06")
    assert [queries.timeliness(plan, r, cutoff) for r in plan.activities] == ["completed_on_time", "completed_late"]


def test_cancelled_is_never_overdue_suspended_still_is(tmp_path: Path) -> None:
    plan = make_plan(tmp_path, """\
        - {id: 1.(a).1, title: A, responsible: [MB], deadline: Mars 2009}
        - {id: 1.(a).2, title: B, responsible: [MB], deadline: Mars 2009}
        """, """\
        - {ref: I-1.(a).1, date: "2009-01-05", status: cancelled}
        - {ref: I-1.(a).2, date: "2009-01-05", status: suspended}
        """)
    items = queries.overdue(plan, parse_as_of("2009-06"))
    assert [(o.rec.ref, o.state.status, o.state.reported) for o in items] == [("I-1.(a).2", "suspended", True)]


def test_state_is_the_latest_entry_on_or_before_the_cutoff(tmp_path: Path) -> None:
    plan = make_plan(tmp_path, """\
        - {id: 1.(a).1, title: A, responsible: [MB], deadline: Mars 2009}
        """, """\
        - {ref: I-1.(a).1, date: "2009-01-05", status: in_progress, completion: limited}
        - {ref: I-1.(a).1, date: "2009-05-20", status: completed, evidence: "Urdhër nr. 5"}
        """)
    rec = plan.activities[0]
    assert queries.state_at(plan, rec, date(2008, 12, 31)) == queries.NOT_REPORTED
    assert queries.state_at(plan, rec, date(2009, 4, 30)).status == "in_progress"
    assert overdue_refs(plan, "2009-04") == [("I-1.(a).1", "2009-03-31", 1)]
    assert overdue_refs(plan, "2009-05") == []


def test_ongoing_is_never_overdue_but_goes_stale(tmp_path: Path) -> None:
    plan = make_plan(tmp_path, """\
        - {id: 1.(a).1, title: A, responsible: [PSH], deadline: Në vazhdimësi}
        - {id: 1.(a).2, title: B, responsible: [PSH], deadline: Mesi i 2008 dhe në vazhdim}
        """, """\
        - {ref: I-1.(a).1, date: "2009-05-02", status: in_progress}
        """)
    assert overdue_refs(plan, "2010-12") == []
    cutoff = parse_as_of("2009-06")
    assert [queries.timeliness(plan, r, cutoff) for r in plan.activities] == ["ongoing", "stale"]
    # A quarter later, the entry of Q2 no longer counts for Q3.
    assert queries.timeliness(plan, plan.activities[0], parse_as_of("2009-09")) == "stale"
    assert queries.last_closed_quarter(date(2009, 6, 15)) == (date(2009, 1, 1), date(2009, 3, 31))


def test_recurring_deadline_with_one_missed_occurrence(tmp_path: Path) -> None:
    plan = make_plan(tmp_path, """\
        - {id: 1.(a).1, title: A, responsible: [ZKKA], deadline: Deri në mars të çdo viti pasardhës}
        """)
    assert overdue_refs(plan, "2009-02") == []
    assert overdue_refs(plan, "2009-06") == [("I-1.(a).1", "2009-03-31", 3)]
    item = queries.overdue(plan, parse_as_of("2010-06"))[0]
    assert (item.due.isoformat(), item.missed) == ("2009-03-31", 2)


def test_two_milestones_one_past(tmp_path: Path) -> None:
    plan = make_plan(tmp_path, """\
        - id: 1.(a).1
          title: A
          responsible: [ZKKA]
          milestones:
            - {deadline: Mesi i 2009-ës, indicators: [Etapa 1]}
            - {deadline: "2010", indicators: [Etapa 2]}
        """)
    [item] = queries.overdue(plan, parse_as_of("2009-06"))
    assert (item.deadline.phrase, item.due.isoformat(), item.approx, item.missed) == \
        ("Mesi i 2009-ës", "2009-06-30", True, 1)
    assert [u.deadline.phrase for u in queries.upcoming(plan, parse_as_of("2010-09"), 3)] == ["2010"]


def test_due_override_replaces_the_reading(tmp_path: Path) -> None:
    plan = make_plan(tmp_path, """\
        - {id: 1.(a).1, title: A, responsible: [MB], deadline: Dimër 2009, due: "2009-02"}
        - {id: 1.(a).2, title: B, responsible: [MB], deadline: "2010", due: 2009Q1}
        """)
    assert overdue_refs(plan, "2009-03") == [("I-1.(a).1", "2009-02-28", 1), ("I-1.(a).2", "2009-03-31", 0)]
    assert [o.deadline.phrase for o in queries.overdue(plan, parse_as_of("2009-03"))] == ["Dimër 2009", "2010"]


@pytest.mark.parametrize("phrase,first_overdue", [
    ("qershor 2009", "2009-06"), ("Tremujori i dytë i 2009", "2009-06"), ("Gjysma e parë e 2009-ës", "2009-06"),
    ("Fillimi i 2009-ës", "2009-03"), ("Mesi i 2009-ës", "2009-06"), ("Fundi i 2009-ës", "2009-12"),
    ("Pranverë 2009", "2009-05"), ("2009", "2009-12"), ("Deri në fund të 2008", "2008-12"),
    ("Fundi i 2008 – fillimi i 2009", "2009-03"), ("Duke filluar nga 2009", None),
    ("Deri në shkurt të çdo viti", "2008-02"),
])
def test_every_deadline_kind_falls_due_at_the_end_of_its_period(tmp_path: Path, phrase: str,
                                                                first_overdue: str | None) -> None:
    plan = make_plan(tmp_path, f"- {{id: 1.(a).1, title: A, responsible: [MB], deadline: '{phrase}'}}\n")
    months = [f"{y}-{m:02d}" for y in (2008, 2009, 2010) for m in range(1, 13)]
    found = next((m for m in months if overdue_refs(plan, m)), None)
    assert found == first_overdue


def test_upcoming_horizon_and_order(tmp_path: Path) -> None:
    plan = make_plan(tmp_path, """\
        - {id: 1.(a).1, title: A, responsible: [MB], deadline: qershor 2009}
        - {id: 1.(a).2, title: B, responsible: [MB], deadline: Tremujori i tretë i 2009}
        - {id: 1.(a).3, title: C, responsible: [MB], deadline: korrik 2009}
        - {id: 1.(a).4, title: D, responsible: [MB], deadline: tetor 2009}
        """)
    cutoff = parse_as_of("2009-06")
    assert [(u.rec.ref, u.due.isoformat()) for u in queries.upcoming(plan, cutoff, 3)] == \
        [("I-1.(a).3", "2009-07-31"), ("I-1.(a).2", "2009-09-30")]
    assert len(queries.upcoming(plan, cutoff, 6)) == 3
    assert queries.parse_within("1q") == 3 and queries.parse_within("6m") == 6 and queries.parse_within("1y") == 12


def test_by_institution_roles_and_summary(tmp_path: Path) -> None:
    plan = make_plan(tmp_path, """\
        - {id: 1.(a).1, title: A, responsible: [MB, PSH], deadline: Mars 2009, resources: [ZKKA]}
        - {id: 1.(a).2, title: B, responsible: [PSH], support: [MB], deadline: Mars 2010}
        - {id: 1.(a).3, title: C, responsible: [ZKKA], deadline: Mars 2010, resources: [MB]}
        """)
    rows, summary = queries.by_institution(plan, "MB", parse_as_of("2009-06"))
    assert [(r.rec.ref, r.roles) for r in rows] == [("I-1.(a).1", ["lead"]),
                                                     ("I-1.(a).2", ["support"])]
    none = {"lead": 0, "responsible": 0, "support": 0}
    assert summary == {"institution": "MB", "roles_counted": ["lead", "responsible", "support"],
                       "direct_only": False,
                       "activities": 2, "by_role": {"lead": 1, "responsible": 0, "support": 1},
                       "direct": {"activities": 2, "by_role": {"lead": 1, "responsible": 0, "support": 1}},
                       "via": {"activities": 0, "by_role": none, "by_collective": {}},
                       "for_all": {"activities": 0, "by_collective": {}},
                       "members": [], "member_of": [],
                       "overdue": 1, "completed": 0, "completed_late": 0}
    _, summary = queries.by_institution(plan, "MB", parse_as_of("2009-06"), "all")
    assert summary["by_role"] == {"lead": 1, "responsible": 0, "support": 1, "funder": 1}
    rows, _ = queries.by_institution(plan, "MB", parse_as_of("2009-06"), role="funder")
    assert [r.rec.ref for r in rows] == ["I-1.(a).3"]
    assert [r.rec.ref for r in queries.by_institution(plan, "MB", parse_as_of("2009-06"), "all")[0]] == \
        ["I-1.(a).1", "I-1.(a).2", "I-1.(a).3"]


def test_select_search_ignores_case_and_diacritics(tmp_path: Path) -> None:
    plan = make_plan(tmp_path, """\
        - {id: 1.(a).1, title: Hapja e strehëzave, responsible: [MB], deadline: "2009"}
        - {id: 1.(a).2, title: B, responsible: [MB], deadline: "2009", indicators: [Numri i STREHËZAVE]}
        - {id: 1.(a).3, title: C, responsible: [MB], deadline: "2009"}
        """)
    assert [r.ref for r in queries.select(plan, search="strehezave")] == ["I-1.(a).1", "I-1.(a).2"]


def test_stats_counts(tmp_path: Path) -> None:
    plan = make_plan(tmp_path, """\
        - {id: 1.(a).1, title: A, responsible: [MB], deadline: Mars 2009}
        - {id: 1.(a).2, title: B, responsible: [MB], deadline: Në vazhdim}
        - {id: 1.(a).3, title: C, responsible: [MB], deadline: null}
        - {id: 1.(a).4, title: D, responsible: [MB], deadline: Mars 2009}
        """, """\
        - {ref: I-1.(a).4, date: "2009-03-01", status: completed, evidence: "Raport"}
        """)
    total = queries.stats(plan, parse_as_of("2009-06"))[-1]
    assert {k: total[k] for k in queries.STAT_KEYS} == {
        "activities": 4, "completed": 1, "in_progress": 0, "overdue": 1, "no_evidence": 3, "ongoing": 1,
        "stale": 1, "no_deadline": 1}
