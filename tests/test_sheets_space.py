"""The formats of issue #18 over their input space: golden files where the bytes are the contract
(the calendar) or the parsed content is (the workbooks, whose zip bytes depend on the openpyxl
and zlib versions); any text in any cell; any status typed into a form; every quarter of the
plan for `apcli reporting`."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import MINI_PLAN, ROOT
from test_sheets import fill, make_form

openpyxl = pytest.importorskip("openpyxl")
GOLDEN = ROOT / "tests" / "golden"
DEMO = ROOT / "examples" / "progress-demo"


def golden(name: str, data: bytes, update: bool) -> None:
    path = GOLDEN / name
    if update:
        path.write_bytes(data)
    assert path.is_file(), f"{path} missing: run pytest --update-golden"
    assert data == path.read_bytes(), f"{name} differs from the golden file; if intended, run pytest --update-golden"


def dump_workbook(path: Path) -> str:
    """What a workbook holds, as text: each sheet's state, protection, cells (value, type, number
    format, locked, note), validations, frozen panes and filter."""
    wb = openpyxl.load_workbook(path)
    out: dict[str, Any] = {}
    for ws in wb.worksheets:
        cells = {c.coordinate: [str(c.value), c.data_type, c.number_format, bool(c.protection.locked),
                                *([c.comment.text] if c.comment else [])]
                 for row in ws.iter_rows() for c in row if c.value is not None or not c.protection.locked}
        out[ws.title] = {"state": ws.sheet_state, "protected": bool(ws.protection.sheet),
                         "freeze": ws.freeze_panes, "filter": ws.auto_filter.ref,
                         "validations": sorted([str(dv.sqref), dv.type, dv.formula1, dv.formula2, dv.error]
                                               for dv in ws.data_validations.dataValidation),
                         "cells": cells}
    return json.dumps(out, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


@pytest.mark.parametrize("lang", ["sq", "en"])
def test_golden_form(run: Any, mini_plan: Path, tmp_path: Path, update_golden: bool, lang: str) -> None:
    out = tmp_path / "forma.xlsx"
    make_form(run, mini_plan, out, "--lang", lang)
    golden(f"mini-2009Q2-mpcsshb.form.{lang}.json", dump_workbook(out).encode(), update_golden)


def test_golden_overdue_workbook(run: Any, tmp_path: Path, update_golden: bool) -> None:
    out = tmp_path / "overdue.xlsx"
    assert run("overdue", "--as-of", "2009-06", "--format", "xlsx", "--out", out, "--plan", MINI_PLAN).exit_code == 0
    golden("mini-2009-06.overdue.xlsx.json", dump_workbook(out).encode(), update_golden)


def test_golden_calendar(run: Any, tmp_path: Path, update_golden: bool) -> None:
    out = tmp_path / "d.ics"
    assert run("export", "--format", "ics", "--as-of", "2009-06", "--out", out, "--plan", MINI_PLAN).exit_code == 0
    golden("mini-2009-06.ics", out.read_bytes(), update_golden)


# ----------------------------------------------------------------------------- any text, any status


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(max_size=40), min_size=1, max_size=8))
@example(["a\uffffb\ufffe", "=1+1", "\x00\x1b[31m", "\ud800"])
def test_any_text_is_stored_as_text_and_reads_back(tmp_path: Path, texts: list[str]) -> None:
    from ap_cli.output import Column, Table
    from ap_cli.workbook import sheets_of, tables_workbook, xml_safe

    table = Table([Column("t", "t", "text"), Column("f", "f", "fixed")], [{"t": t, "f": t} for t in texts])
    path = tmp_path / "t.xlsx"
    path.write_bytes(tables_workbook(sheets_of(table)))
    ws = openpyxl.load_workbook(path).active
    for i, text in enumerate(texts, 2):
        for j in (1, 2):
            cell = ws.cell(i, j)
            expected = xml_safe(text)
            if j == 2 and len(text) == 10 and text[4:5] == "-" and text[7:8] == "-" and text.replace("-", "").isdigit():
                continue  # an ISO day in a fixed column is stored as a date: tested in test_sheets
            assert (cell.value or "") == expected
            assert cell.value is None or cell.data_type == "s"


CELL_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=20)  # what a cell can hold


@pytest.fixture(scope="module")
def blank_form(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    from typer.testing import CliRunner

    from ap_cli.cli import app

    out = tmp_path_factory.mktemp("form") / "forma.xlsx"
    result = CliRunner().invoke(app, ["progress", "template", "--quarter", "2009Q2", "--institution", "MPÇSSHB",
                                      "--format", "xlsx", "--out", str(out), "--plan", str(MINI_PLAN)])
    assert result.exit_code == 0, result.stderr
    return out.read_bytes()


# What the typed values mean, written out here so the test does not ask the reader it tests.
STATUS_READS = {"Përfunduar": "completed", "perfunduar": "completed", "COMPLETED": "completed",
                "in progress": "in_progress", "Në proces": "in_progress", "Pezulluar": "suspended",
                "cancelled": "cancelled", "done": None, "": None, " ": None, "=1+1": None, "Pa filluar": "not_started"}
DAY_READS = {"20.06.2009": "2009-06-20", "2009-06-20": "2009-06-20", "31.06.2009": None, "June": None, "": None}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(status=st.one_of(st.sampled_from(list(STATUS_READS)), CELL_TEXT),
       day=st.one_of(st.datetimes(min_value=datetime(2008, 1, 1), max_value=datetime(2010, 12, 31)),
                     st.sampled_from(list(DAY_READS)), CELL_TEXT))
@example(status="Përfunduar", day="20.06.2009")
@example(status="Në proces", day="31.06.2009")
def test_any_status_and_date_typed_into_a_form(run: Any, tmp_path_factory: pytest.TempPathFactory,
                                              blank_form: bytes, status: str, day: Any) -> None:
    """Accepted as the status and day it names, or refused naming the cell; never a traceback,
    never a partial write."""
    import shutil

    from ap_cli.progress import parse_day, status_of

    where = tmp_path_factory.mktemp("space")
    plan = where / "plan"
    shutil.copytree(MINI_PLAN, plan)
    out = where / "forma.xlsx"
    out.write_bytes(blank_form)
    fill(out, {"I-1.(a).2": {"Statusi": status, "Data": day, "Dëshmia": "VKM nr. 1"}})
    before = sorted(p.read_bytes() for p in (plan / "progress").rglob("*.yaml"))
    result = run("progress", "import", out, "--plan", plan)
    after = sorted(p.read_bytes() for p in (plan / "progress").rglob("*.yaml"))
    assert "Traceback" not in result.stderr
    # random text (almost never a status or a day) is read as the CSV and YAML imports read it
    word = STATUS_READS[status] if status in STATUS_READS else status_of(status.strip() or None)
    iso: str | None
    if isinstance(day, datetime):
        iso = day.date().isoformat()
    else:
        iso = DAY_READS[day] if day in DAY_READS else parse_day(str(day).strip() or None)
    good = word is not None and iso is not None and "2009-04-01" <= iso <= "2009-06-30"
    assert (result.exit_code == 0) == good, result.stderr
    if good:
        assert after != before
        assert f"added I-1.(a).2 {word} {iso} → " in result.stdout
    else:
        assert after == before
        if not status.strip():  # the evidence cell is filled: a forgotten status
            assert f"{out}:Forma!E8: [error] status is empty, but " in result.stderr
        else:
            assert f"{out}:Forma!" in result.stderr


# ----------------------------------------------------------------------------- every quarter


@pytest.mark.parametrize("quarter", [f"{y}Q{q}" for y in (2008, 2009, 2010) for q in (1, 2, 3, 4)])
def test_reporting_adds_up_at_every_quarter(run: Any, quarter: str) -> None:
    data = json.loads(run("reporting", "--quarter", quarter, "--progress", DEMO, "--format", "json").stdout)
    bodies = data["bodies"]
    assert all(b["asked"] == b["reported"] + b["missing"] == b["reported"] + len(b["missing_refs"]) for b in bodies)
    assert [b["missing"] for b in bodies] == sorted((b["missing"] for b in bodies), reverse=True)
    for body in ("ZKKA", "PSH"):  # the forms ask exactly what `reporting` counts
        form = run("progress", "template", "--quarter", quarter, "--institution", body, "--progress", DEMO).stdout
        asked = next((b["asked"] for b in bodies if b["body"] == body), 0)
        assert form.count("\n# - ref: ") == asked
