"""Invariants over random valid progress logs on the real plan (hypothesis): the overdue list
equals its definition, totals agree, on-time + late = completed, role counts add up, and work
that was overdue is never called on time once completed.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ap_cli import queries
from ap_cli.domain import STATUSES, ProgressEntry, Status
from ap_cli.loader import load_plan
from ap_cli.periods import months_between
from ap_cli.plan import Plan, ProgressRecord
from conftest import REAL_PLAN


def _real() -> Plan:
    plan = load_plan(REAL_PLAN, REAL_PLAN / "nonexistent-progress")[0]
    assert plan is not None
    return plan


REAL = _real()
REFS = [rec.ref for rec in REAL.activities]
FIRST, LAST = date(2007, 12, 1), date(2011, 3, 31)
BODIES = ("ZKKA", "MPÇSSHB", "PSH", "MB", "BASHKITE", "KRAT", "DONATORET", "PP", "KOMUNAT", "BASHKITE-KOMUNAT",
          "PUSHTETI-VENDOR", "TE-GJITHE-AKTORET", "OJF", "MINISTRITE-E-LINJES")

days = st.integers(0, (LAST - FIRST).days).map(lambda n: FIRST + timedelta(days=n))


_STATUSES: tuple[Status, ...] = ("not_started", "in_progress", "completed", "cancelled", "suspended")
assert _STATUSES == STATUSES


@st.composite
def entries(draw: st.DrawFn) -> ProgressEntry:
    status = draw(st.sampled_from(_STATUSES))
    return ProgressEntry(ref=draw(st.sampled_from(REFS)), date=draw(days).isoformat(), status=status,
                         completion="limited" if status == "in_progress" else None,
                         evidence="Raport" if status == "completed" else None, by="ZKKA")


def plan_with(log: list[ProgressEntry]) -> Plan:
    records = [ProgressRecord(e, "progress/x.yaml", (i + 1, 1)) for i, e in enumerate(log)]
    return dataclasses.replace(REAL, progress=tuple(records))


def state_by_definition(log: list[ProgressEntry], ref: str, cutoff: date) -> ProgressEntry | None:
    """The latest entry dated ≤ C (the later one in the log on a tie), or None."""
    dated = [(e.date, i, e) for i, e in enumerate(log) if e.ref == ref and e.date <= cutoff.isoformat()]
    return max(dated, key=lambda t: (t[0], t[1]))[2] if dated else None


def overdue_by_definition(log: list[ProgressEntry], cutoff: date) -> set[str]:
    out = set()
    for rec in REAL.activities:
        if not any(day <= cutoff for day in rec.due_days):
            continue
        entry = state_by_definition(log, rec.ref, cutoff)
        done = entry is not None and (entry.status == "cancelled" or entry.status == "completed")
        if not done:
            out.add(rec.ref)
    return out


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(log=st.lists(entries(), max_size=60), cutoff=days)
def test_overdue_equals_its_definition_and_totals_agree(log: list[ProgressEntry], cutoff: date) -> None:
    plan = plan_with(log)
    items = queries.overdue(plan, cutoff)
    assert {o.rec.ref for o in items} == overdue_by_definition(log, cutoff)
    rows = queries.stats(plan, cutoff)
    assert rows[-1]["overdue"] == len(items) == sum(r["overdue"] for r in rows[:-1])
    standings = [queries.timeliness(plan, rec, cutoff) for rec in plan.activities]
    assert standings.count("overdue") == len(items)
    assert rows[-1]["completed"] == standings.count("completed_on_time") + standings.count("completed_late")
    for o in items:
        assert o.months_late == months_between(o.due, cutoff) >= 0


@SETTINGS
@given(log=st.lists(entries(), max_size=60), cutoff=days)
def test_overdue_work_is_never_completed_on_time(log: list[ProgressEntry], cutoff: date) -> None:
    plan = plan_with(log)
    for rec in plan.activities:
        state = queries.state_at(plan, rec, cutoff)
        if not (state.status == "completed" and state.done_by(cutoff)):
            continue
        assert state.date is not None
        done = date.fromisoformat(state.date)
        day_before = done - timedelta(days=1)
        was_overdue = any(day <= day_before for day in rec.due_days)
        standing = queries.timeliness(plan, rec, cutoff)
        assert standing == ("completed_late" if was_overdue else "completed_on_time"), rec.ref
        late = queries.months_late_at_completion(rec, state)
        if was_overdue:
            assert late == months_between(min(rec.due_days), done)


@SETTINGS
@given(log=st.lists(entries(), max_size=30), cutoff=days, body=st.sampled_from(BODIES),
       role=st.sampled_from(queries.ROLES))
def test_role_counts_add_up(log: list[ProgressEntry], cutoff: date, body: str, role: str) -> None:
    plan = plan_with(log)
    rows, summary = queries.by_institution(plan, body, cutoff, role)
    own = [r for r in rows if r.counted]
    assert sum(summary["by_role"].values()) == summary["activities"] == len(own)
    assert summary["direct"]["activities"] + summary["via"]["activities"] == summary["activities"]
    for part in ("direct", "via"):
        assert sum(summary[part]["by_role"].values()) == summary[part]["activities"]
        assert all(summary[part]["by_role"][r] + summary["via" if part == "direct" else "direct"]["by_role"][r]
                   == summary["by_role"][r] for r in summary["by_role"])
    assert sum(summary["via"]["by_collective"].values()) == summary["via"]["activities"]
    assert summary["for_all"]["activities"] == len(rows) - len(own)
    assert summary["completed"] >= summary["completed_late"]
    if role == "all":
        any_rows, _ = queries.by_institution(plan, body, cutoff, "any")
        funder_rows, _ = queries.by_institution(plan, body, cutoff, "funder")
        assert {r.rec.ref for r in rows} == {r.rec.ref for r in any_rows} | {r.rec.ref for r in funder_rows}


@pytest.mark.parametrize("ref,completed,expected", [
    ("III-2.(c).2", "2009-06-10", ("completed_late", 6)),   # first milestone due 2008-12-31
    ("II-3.(a).3", "2009-06-10", ("completed_late", None)),
])
def test_completed_after_a_missed_due_day_is_late(ref: str, completed: str,
                                                  expected: tuple[str, int | None]) -> None:
    plan = plan_with([ProgressEntry(ref=ref, date=completed, status="completed", evidence="Raport", by="ZKKA")])
    rec = plan.by_ref[ref]
    state = queries.state_at(plan, rec, date(2009, 6, 30))
    assert queries.timeliness(plan, rec, date(2009, 6, 30)) == expected[0]
    if expected[1] is not None:
        assert queries.months_late_at_completion(rec, state) == expected[1]
    # and `overdue` listed it the day before
    assert queries.overdue_item(plan, rec, date(2009, 6, 9)) is not None


@pytest.mark.parametrize("within", ["6m", "1y", "2q"])
@pytest.mark.parametrize("month", [f"{y}-{m:02d}" for y in (2008, 2009) for m in range(1, 13)])
def test_upcoming_with_milestones_sharing_a_due_day(within: str, month: str) -> None:
    from ap_cli.periods import parse_as_of

    cutoff = parse_as_of(month)
    items = queries.upcoming(REAL, cutoff, queries.parse_within(within))
    assert [u.due for u in items] == sorted(u.due for u in items)
