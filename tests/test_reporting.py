"""`apcli reporting`: per body, what its quarterly form asks about and what it has reported."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT
from test_sheets import fill, make_form

DEMO = ROOT / "examples" / "progress-demo"


def test_reporting_after_an_imported_form(run: Any, mini_plan: Path, tmp_path: Path) -> None:
    before = run("reporting", "--quarter", "2009Q2", "--institution", "MPÇSSHB", "--plan", mini_plan)
    assert before.exit_code == 0, before.stderr
    assert before.stdout.splitlines() == [
        "body     asked  reported  missing  last entry  missing refs",
        "MPÇSSHB  4      0         4                    II-1.(a).1, I-1.(a).9, I-1.(a).2, II-1.(a).1.1",
        "2009Q2 (2009-04-01 – 2009-06-30): 1 body asked about 4 activities; 0 reported, 4 missing; 0 bodies complete",
    ]
    out = tmp_path / "forma.xlsx"
    make_form(run, mini_plan, out)
    fill(out, {"II-1.(a).1": {"Statusi": "Përfunduar", "Data": datetime(2009, 6, 20), "Dëshmia": "VKM nr. 77"},
               "I-1.(a).9": {"Statusi": "Në proces", "Data": datetime(2009, 5, 15)},
               "I-1.(a).2": {"Statusi": "Pezulluar", "Data": datetime(2009, 6, 1)}})
    assert run("progress", "import", out, "--plan", mini_plan).exit_code == 0
    after = run("reporting", "--quarter", "2009Q2", "--institution", "MPÇSSHB", "--plan", mini_plan,
                "--format", "json", "--fail-if-missing")
    assert after.exit_code == 1  # one activity still missing
    assert json.loads(after.stdout)["bodies"] == [{
        "body": "MPÇSSHB", "name": "Ministria e Punës, Çështjeve Sociale dhe Shanseve të Barabarta",
        "name_en": "Ministry of Labour, Social Affairs and Equal Opportunities", "asked": 4, "reported": 3,
        "missing": 1, "missing_refs": ["II-1.(a).1.1"], "last_entry": "2009-06-20"}]
    fill(out, {"II-1.(a).1": {"Statusi": None, "Data": None, "Dëshmia": None},
               "I-1.(a).9": {"Statusi": None, "Data": None},
               "I-1.(a).2": {"Statusi": None, "Data": None},
               "II-1.(a).1.1": {"Statusi": "Në proces", "Data": datetime(2009, 6, 21), "Realizimi": "I kufizuar"}})
    assert run("progress", "import", out, "--plan", mini_plan).exit_code == 0
    done = run("reporting", "--quarter", "2009Q2", "--institution", "MPÇSSHB", "--plan", mini_plan,
               "--fail-if-missing", "--format", "csv")
    assert done.exit_code == 0
    assert done.stdout == "body,asked,reported,missing,last_entry,missing_refs\nMPÇSSHB,4,4,0,2009-06-21,\n"


def test_reporting_with_the_demo_log_is_consistent(run: Any) -> None:
    result = run("reporting", "--quarter", "2009Q2", "--progress", DEMO, "--format", "json")
    assert result.exit_code == 0, result.stderr
    bodies = json.loads(result.stdout)["bodies"]
    assert all(b["asked"] == b["reported"] + b["missing"] == b["reported"] + len(b["missing_refs"])
               for b in bodies)
    by_id = {b["body"]: b for b in bodies}
    assert (by_id["PSH"]["reported"], by_id["PSH"]["last_entry"]) == (1, "2009-05-28")
    assert (by_id["MB"]["reported"], by_id["MB"]["last_entry"]) == (1, "2009-04-10")
    assert "BASHKITE-KOMUNAT" not in by_id and "TE-GJITHE-AKTORET" not in by_id  # groups get no form
    # the missing counts are the forms' sizes: each body's form asks about exactly `asked` activities
    form = run("progress", "template", "--quarter", "2009Q2", "--institution", "MB", "--progress", DEMO,
               "--lang", "en").stdout
    assert form.count("\n# - ref: ") == by_id["MB"]["asked"]


@pytest.mark.parametrize("args, message", [
    (["--quarter", "2009Q5"], "not a quarter"),
    (["--quarter", "2012Q1"], "outside the plan period"),
    (["--quarter", "2009Q2", "--format", "xlsx"], "give --out FILE.xlsx"),
    (["--quarter", "2009Q2", "--out", "x.xlsx"], "--out is for --format xlsx"),
])
def test_reporting_usage_errors(run: Any, args: list[str], message: str) -> None:
    result = run("reporting", *args)
    assert result.exit_code == 2 and message in result.stderr


def test_reporting_as_a_workbook(run: Any, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "r.xlsx"
    result = run("reporting", "--quarter", "2009Q2", "--progress", DEMO, "--format", "xlsx", "--out", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out}: ") and result.stdout.endswith(" missing reports\n")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["bodies", "missing"]
    assert [c.value for c in wb["missing"][1]] == ["body", "ref", "section", "due", "via", "title"]


@pytest.mark.parametrize("quarter", ["2008Q3", "2009Q2", "2010Q4"])
def test_the_forms_items_are_select_without_the_rows_for_all(quarter: str) -> None:
    """`forms.select(for_all=False)` asks only about the activities naming the body (for speed): the same items."""
    from ap_cli import compliance, forms
    from ap_cli.loader import load_plan
    from ap_cli.periods import Quarter

    plan, _ = load_plan(ROOT / "plan", DEMO)
    assert plan is not None
    q = Quarter.parse(quarter)
    for body in compliance.reporting_bodies(plan):
        full = [(i.rec.ref, i.section, i.since) for i in forms.select(plan, body, q) if i.section != "for_all"]
        assert [(i.rec.ref, i.section, i.since) for i in compliance.form_items(plan, body, q)] == full, body
