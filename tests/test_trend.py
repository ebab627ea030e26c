"""`apcli trend`: every row is what the point queries (`overdue`, `stats`, `by-institution`) answer
at that period's last day, for every quarter and month of the plan period; the periods, the
formats, bad input, and the chart's data."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import MINI_PLAN, REAL_PLAN, ROOT

if TYPE_CHECKING:
    from ap_cli.plan import Plan

DEMO = ROOT / "examples" / "progress-demo"
QUARTERS = [f"{y}Q{q}" for y in (2008, 2009, 2010) for q in (1, 2, 3, 4)]
MONTHS = [f"{y}-{m:02d}" for y in (2008, 2009, 2010) for m in range(1, 13)]


def as_json(run: Any, *args: object) -> Any:
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def real() -> Plan:
    from ap_cli.loader import load_plan

    plan, _ = load_plan(REAL_PLAN, DEMO)
    assert plan is not None
    return plan


@pytest.mark.parametrize("every,labels", [("quarter", QUARTERS), ("month", MONTHS)])
@pytest.mark.parametrize("plan_args", [("--plan", REAL_PLAN, "--progress", DEMO), ("--plan", MINI_PLAN)])
def test_every_row_equals_the_point_queries(run: Any, every: str, labels: list[str],
                                            plan_args: tuple[object, ...]) -> None:
    """The whole plan period, 2008Q1–2010Q4: each row against `overdue` and `stats` run with
    --as-of that period (through the CLI, as a user would ask)."""
    rows = as_json(run, "trend", "--from", "2008Q1", "--to", "2010Q4", "--every", every, "--format", "json",
                   *plan_args)
    assert [r["period"] for r in rows] == labels
    for row in rows:
        assert list(row) == ["period", "as_of", "overdue", "due_so_far", "completed", "completed_late",
                             "in_progress", "not_started", "stale"]
        late = as_json(run, "overdue", "--as-of", row["period"], "--format", "json", *plan_args)
        total = as_json(run, "stats", "--as-of", row["period"], "--format", "json", *plan_args)[-1]
        assert total["pillar"] == "all"
        assert row["overdue"] == len(late) == total["overdue"]
        assert (row["completed"], row["in_progress"], row["stale"]) == (
            total["completed"], total["in_progress"], total["stale"])
        assert row["as_of"] == _last_day(row["period"])


def _last_day(period: str) -> str:
    from ap_cli.periods import parse_as_of

    return parse_as_of(period).isoformat()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(period=st.sampled_from(QUARTERS + MONTHS), pillar=st.sampled_from([None, "I", "II", "III", "IV"]),
       body=st.sampled_from([None, "ZKKA", "MPÇSSHB", "MB", "PSH", "MASH", "BASHKITE", "OJF"]))
def test_filtered_rows_equal_the_point_queries(real: Plan, period: str, pillar: str | None, body: str | None) -> None:
    """With --pillar and --institution: the row against the library's point queries over the
    same selection, and `by_institution`'s summary for a body's own work."""
    from ap_cli.periods import parse_as_of
    from ap_cli.queries import by_institution, overdue, select, state_at, stats_row, timeliness
    from ap_cli.trend import periods, trend

    if body is not None and body not in real.registry.by_id:
        return
    acts = select(real, pillar, body)
    [row] = trend(real, acts, periods(period, period, "month" if "-" in period else "quarter"))
    cutoff = parse_as_of(period)
    counts = stats_row(real, acts, cutoff)
    assert row["overdue"] == len(overdue(real, cutoff, acts)) == counts["overdue"]
    assert (row["completed"], row["in_progress"], row["stale"]) == (
        counts["completed"], counts["in_progress"], counts["stale"])
    states = [state_at(real, a, cutoff) for a in acts]
    assert row["not_started"] == sum(s.status == "not_started" for s in states)
    assert row["completed_late"] == sum(timeliness(real, a, cutoff) == "completed_late" for a in acts)
    due = [a for a in acts if any(d <= cutoff for d in a.due_days)]
    assert row["due_so_far"] == len(due)
    # what was due is overdue or done (completed or cancelled) by then
    assert row["due_so_far"] == row["overdue"] + sum(state_at(real, a, cutoff).done_by(cutoff) for a in due)
    assert row["completed_late"] <= row["completed"]
    if body is not None and pillar is None:
        _, summary = by_institution(real, body, cutoff)
        assert (row["overdue"], row["completed"], row["completed_late"]) == (
            summary["overdue"], summary["completed"], summary["completed_late"])


def test_table_csv_md(run: Any) -> None:
    args = ("trend", "--plan", REAL_PLAN, "--progress", DEMO, "--from", "2009Q1", "--to", "2009Q2")
    table = run(*args)
    assert table.exit_code == 0, table.stderr
    assert table.stdout.splitlines() == [
        "period  as of       overdue  due so far  completed  completed late  in progress  not started  stale",
        "2009Q1  2009-03-31  69       71          2          2               3            220          39",
        "2009Q2  2009-06-30  109      112         2          2               3            219          40",
        "226 activities; each row as `apcli overdue`/`stats --as-of` that period's last day",
    ]
    rows = list(csv.DictReader(io.StringIO(run(*args, "--format", "csv").stdout)))
    assert rows[1] == {"period": "2009Q2", "as_of": "2009-06-30", "overdue": "109", "due_so_far": "112",
                       "completed": "2", "completed_late": "2", "in_progress": "3", "not_started": "219",
                       "stale": "40"}
    md = run(*args, "--format", "md").stdout.splitlines()
    assert md[0] == ("| period | as of | overdue | due so far | completed | completed late | in progress | "
                     "not started | stale |")
    assert md[3].startswith("| 2009Q2 | 2009-06-30 | 109 | 112 |")


def test_defaults_are_the_plan_period_by_quarter(run: Any) -> None:
    rows = as_json(run, "trend", "--plan", MINI_PLAN, "--format", "json")
    assert [r["period"] for r in rows] == QUARTERS


@pytest.mark.parametrize("start,end,every,labels", [
    ("2009", "2009", "quarter", ["2009Q1", "2009Q2", "2009Q3", "2009Q4"]),
    ("2009-02", "2009-05", "quarter", ["2009Q1", "2009Q2"]),
    ("2009H2", "2010H1", "quarter", ["2009Q3", "2009Q4", "2010Q1", "2010Q2"]),
    ("2009Q4", "2010Q1", "month", ["2009-10", "2009-11", "2009-12", "2010-01", "2010-02", "2010-03"]),
    ("2010-12", "2010-12", "month", ["2010-12"]),
])
def test_periods(start: str, end: str, every: str, labels: list[str]) -> None:
    from ap_cli.trend import periods

    spans = periods(start, end, every)
    assert [p.label for p in spans] == labels
    assert all(p.first <= p.last and (p.last.month % 3 == 0 or every == "month") for p in spans)


@pytest.mark.parametrize("args,message", [
    (("--from", "2010Q1", "--to", "2009Q1"), "apcli: --to 2009Q1 is before --from 2010Q1\n"),
    (("--from", "2009Q5"), "apcli: --from: not a period: '2009Q5' (use 2009, 2009-06, 2009Q2 or 2009H1)\n"),
    (("--every", "week"), "apcli: unknown period 'week'; use one of: quarter, month\n"),
    (("--format", "xml"), "apcli: unknown format 'xml'; use one of: table, json, csv, md, xlsx\n"),
    (("--format", "xlsx"), "apcli: --format xlsx writes an Excel workbook (binary), not text for standard output: "
                           "give --out FILE.xlsx\n"),
    (("--format", "csv", "--out", "t.xlsx"), "apcli: --out is for --format xlsx; other formats print to standard "
                                             "output\n"),
    (("--format", "xlsx", "--out", "t.csv"), "apcli: t.csv: a workbook's name ends in .xlsx (Excel opens it by its "
                                             "name)\n"),
    (("--from", "1900", "--to", "2099", "--every", "month"), "apcli: 2,400 months from 1900 to 2099; at most 1,200\n"),
    (("--pillar", "IX"), "apcli: unknown pillar 'IX'; the plan has I, II\n"),
])
def test_bad_input_is_a_usage_error(run: Any, args: tuple[str, ...], message: str) -> None:
    result = run("trend", "--plan", MINI_PLAN, *args)
    assert result.exit_code == 2
    assert result.stderr == message


@pytest.mark.parametrize("every", ["quarter", "month"])
def test_xlsx_is_the_same_rows_on_a_sheet_called_trend(run: Any, tmp_path: Path, every: str) -> None:
    from datetime import datetime

    from ap_cli.trend import COLUMNS

    openpyxl = pytest.importorskip("openpyxl")
    args = ("trend", "--plan", REAL_PLAN, "--progress", DEMO, "--from", "2008Q3", "--to", "2010Q2", "--every", every)
    out = tmp_path / "trend.xlsx"
    result = run(*args, "--format", "xlsx", "--out", out)
    assert result.exit_code == 0, result.stderr
    rows = as_json(run, *args, "--format", "json")
    assert result.stdout == f"wrote {out}: {len(rows)} rows\n"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["trend"]
    ws = wb["trend"]
    assert [c.value for c in ws[1]] == [header for _, header in COLUMNS]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:I{len(rows) + 1}"
    expected = [[datetime.fromisoformat(row[k]) if k == "as_of" else row[k] for k, _ in COLUMNS] for row in rows]
    assert [[c.value for c in r] for r in ws.iter_rows(min_row=2, max_row=len(rows) + 1)] == expected
    assert ws.cell(len(rows) + 2, 1).value is None
    assert ws.cell(len(rows) + 3, 1).value == run(*args).stdout.splitlines()[-1]  # the footer
    again = tmp_path / "again.xlsx"
    assert run(*args, "--format", "xlsx", "--out", again).exit_code == 0
    assert again.read_bytes() == out.read_bytes()


def test_chart_data(real: Plan) -> None:
    from ap_cli.trend import report_chart

    chart = report_chart(real, date(2009, 6, 30), "en")
    assert chart is not None
    assert [p["label"] for p in chart["periods"]] == QUARTERS[:6]
    assert chart["title"] == "Trend by quarter"
    assert [s["key"] for s in chart["series"]] == ["due_so_far", "completed", "overdue", "in_progress"]
    top = chart["ticks"][-1]["value"]
    assert top >= max(r["due_so_far"] for r in chart["rows"]) and chart["ticks"][0]["value"] == 0
    for s in chart["series"]:
        for dot in s["dots"]:
            assert chart["top"] <= dot["y"] <= chart["bottom"] and chart["left"] <= dot["x"] <= chart["right"]
    assert report_chart(real, date(2007, 12, 31), "sq") is None  # before the plan: no chart
