"""Excel workbooks: the quarterly form and its import (cell-located, all or nothing), and
`--format xlsx` on the table commands (typed cells, no formulas, deterministic bytes)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import REAL_PLAN, ROOT, require_tool

openpyxl = pytest.importorskip("openpyxl")

DEMO = ROOT / "examples" / "progress-demo"


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def make_form(run: Any, plan: Path, out: Path, *extra: str, institution: str = "MPÇSSHB") -> Any:
    result = run("progress", "template", "--quarter", "2009Q2", "--institution", institution, "--format", "xlsx",
                 "--out", out, "--plan", plan, *extra)
    assert result.exit_code == 0, result.stderr
    return result


def fill(path: Path, values: dict[str, dict[str, Any]], sheet: str = "Forma") -> None:
    """Fill cells of the form by ref, as a clerk in Excel would (through openpyxl)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    headers = {ws.cell(5, j).value: j for j in range(1, 10)}
    for row in range(6, ws.max_row + 1):
        ref = ws.cell(row, 1).value
        for header, value in values.get(ref, {}).items():
            cell = ws.cell(row, headers[header])
            cell.value = value
            if cell.number_format == "@":  # a text cell: Excel keeps "=1+1" typed there as text
                cell.data_type = "s"
    wb.save(path)


# ----------------------------------------------------------------------------- the form


def test_the_form_has_locked_columns_dropdowns_and_instructions(run: Any, mini_plan: Path, tmp_path: Path) -> None:
    out = tmp_path / "forma.xlsx"
    result = make_form(run, mini_plan, out)
    assert result.stderr == f"wrote {out}: 4 activities of MPÇSSHB for 2009Q2\n"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Forma", "Udhëzime", "apcli"]
    assert wb["apcli"].sheet_state == "hidden"
    ws = wb["Forma"]
    assert [c.value for c in ws[5]] == ["Ref", "Titulli", "Afati", "Dita e afatit", "Statusi", "Data", "Realizimi",
                                        "Dëshmia", "Shënim"]
    assert [ws.cell(r, 1).value for r in range(6, 10)] == ["II-1.(a).1", "I-1.(a).9", "I-1.(a).2", "II-1.(a).1.1"]
    assert ws.cell(10, 1).value is None
    assert ws["C6"].value == "Fundi i 2008 – fillimi i 2009" and ws["D6"].value == datetime(2009, 3, 31)
    assert ws["D6"].number_format == "dd.mm.yyyy"
    assert ws["B6"].comment.text.splitlines()[-1] == (
        "Gjendja më 2009-06-30: nuk është raportuar progres (not_started, pa dëshmi)")  # as the YAML form says
    assert ws.protection.sheet
    assert all(ws.cell(6, j).protection.locked for j in range(1, 5))
    assert not any(ws.cell(r, j).protection.locked for r in range(6, 10) for j in range(5, 10))
    rules = {str(dv.sqref): (dv.type, dv.formula1, dv.formula2) for dv in ws.data_validations.dataValidation}
    assert rules == {"E6:E9": ("list", '"Pa filluar,Në proces,Përfunduar,Anuluar,Pezulluar"', None),
                     "F6:F9": ("date", "DATE(2009,4,1)", "DATE(2009,6,30)"),
                     "G6:G9": ("list", '"I kufizuar,I konsiderueshëm"', None)}
    how = [c.value for c in wb["Udhëzime"]["A"] if c.value]
    assert how[0] == "Si plotësohet formulari"
    assert "  Statusi: zgjidhni nga lista: Pa filluar, Në proces, Përfunduar, Anuluar, Pezulluar." in how
    assert "  apcli progress import forma.xlsx" in how


def test_the_english_form(run: Any, mini_plan: Path, tmp_path: Path) -> None:
    out = tmp_path / "form.xlsx"
    make_form(run, mini_plan, out, "--lang", "en")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Form", "Instructions", "apcli"]
    ws = wb["Form"]
    assert [c.value for c in ws[5]] == ["Ref", "Title", "Deadline", "Due", "Status", "Date", "Completion",
                                        "Evidence", "Note"]
    rules = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert rules["E6:E9"] == '"Not started,In progress,Completed,Cancelled,Suspended"'
    assert rules["G6:G9"] == '"Limited,Substantial"'
    assert ws["C6"].value == "End of 2008 – beginning of 2009"


def test_the_form_is_byte_identical_across_runs(run: Any, mini_plan: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "forma.xlsx", tmp_path / "b" / "forma.xlsx"
    a.parent.mkdir()
    b.parent.mkdir()
    make_form(run, mini_plan, a)
    make_form(run, mini_plan, b)
    assert a.read_bytes() == b.read_bytes()
    props = openpyxl.load_workbook(a).properties
    assert props.created == props.modified == datetime(2009, 6, 30, 23, 59, 59)


@pytest.mark.parametrize("args, message", [
    ([], "--format xlsx writes an Excel workbook (binary), not text for standard output: give --out FILE.xlsx"),
    (["--out", "-"], "give --out FILE.xlsx"),
])
def test_a_workbook_form_needs_a_file(run: Any, mini_plan: Path, args: list[str], message: str) -> None:
    result = run("progress", "template", "--quarter", "2009Q2", "--institution", "ZKKA", "--format", "xlsx",
                 *args, "--plan", mini_plan)
    assert result.exit_code == 2 and message in result.stderr


def test_round_trip_template_fill_import_show(run: Any, mini_plan: Path, tmp_path: Path) -> None:
    out = tmp_path / "forma.xlsx"
    make_form(run, mini_plan, out)
    fill(out, {
        "II-1.(a).1": {"Statusi": "Përfunduar", "Data": datetime(2009, 6, 20), "Dëshmia": "VKM nr. 77"},
        "I-1.(a).9": {"Statusi": "in progress", "Data": "15.05.2009", "Realizimi": "I kufizuar",
                      "Shënim": "=1+1 mbetet tekst"},
        "I-1.(a).2": {"Statusi": "Suspended", "Data": "2009-06-01"},  # English status in the Albanian form
    })
    result = run("progress", "import", out, "--plan", mini_plan)
    assert result.exit_code == 0, result.stderr
    log = mini_plan / "progress" / "2009Q2" / "mpcsshb.yaml"
    assert result.stdout == (f"added II-1.(a).1 completed 2009-06-20 → {log}\n"
                             f"added I-1.(a).9 in_progress 2009-05-15 → {log}\n"
                             f"added I-1.(a).2 suspended 2009-06-01 → {log}\n")
    assert run("check", "--plan", mini_plan).exit_code == 0
    show = json.loads(run("show", "II-1.(a).1", "--plan", mini_plan, "--as-of", "2009Q2", "--format", "json").stdout)
    assert show["state"] == "completed" and show["progress"][-1] == {
        "ref": "II-1.(a).1", "date": "2009-06-20", "status": "completed", "evidence": "VKM nr. 77", "by": "MPÇSSHB"}
    show = json.loads(run("show", "I-1.(a).9", "--plan", mini_plan, "--as-of", "2009Q2", "--format", "json").stdout)
    assert show["progress"][-1]["completion"] == "limited" and show["progress"][-1]["note"] == "=1+1 mbetet tekst"
    again = run("progress", "import", out, "--plan", mini_plan)  # the same form twice: already recorded
    assert again.exit_code == 1 and "duplicate-entry" in again.stderr


def test_a_bad_cell_is_named_and_nothing_is_written(run: Any, mini_plan: Path, tmp_path: Path) -> None:
    out = tmp_path / "forma.xlsx"
    make_form(run, mini_plan, out)
    fill(out, {
        "II-1.(a).1": {"Statusi": "done?", "Data": datetime(2009, 6, 20)},
        "I-1.(a).9": {"Statusi": "Përfunduar", "Data": datetime(2009, 6, 2)},  # no evidence
        "I-1.(a).2": {"Statusi": "Në proces", "Data": datetime(2009, 7, 2)},  # after the quarter
        "II-1.(a).1.1": {"Data": datetime(2009, 6, 2), "Shënim": "pa status"},
    })
    before = tree(mini_plan)
    result = run("progress", "import", out, "--plan", mini_plan)
    assert result.exit_code == 1
    name = str(out)
    assert result.stderr.splitlines() == [
        f"{name}:Forma!E6: [error] status 'done?' is not one of Pa filluar, Në proces, Përfunduar, Anuluar, "
        "Pezulluar (or not_started, in_progress, completed, cancelled, suspended) (unknown-status)",
        f"{name}:Forma!H7: [error] I-1.(a).9: a completed entry needs evidence (a decision, report or document) "
        "(missing-evidence)",
        f"{name}:Forma!F8: [error] date 2009-07-02 is outside the form's quarter 2009Q2 (2009-04-01 – 2009-06-30) "
        "(date-outside-quarter)",
        f"{name}:Forma!E9: [error] status is empty, but date, note are filled in; choose a status, or clear the row "
        "(missing-field)",
        f"apcli: 4 bad row(s) in {name}; nothing written",
    ]
    assert tree(mini_plan) == before


def test_an_untouched_form_has_no_entries(run: Any, mini_plan: Path, tmp_path: Path) -> None:
    out = tmp_path / "forma.xlsx"
    make_form(run, mini_plan, out)
    result = run("progress", "import", out, "--plan", mini_plan)
    assert result.exit_code == 1 and result.stderr == f"apcli: {out}: no entries to import (no row has a status)\n"


def test_a_formula_is_read_as_its_value_never_as_a_formula(run: Any, mini_plan: Path, tmp_path: Path) -> None:
    out = tmp_path / "forma.xlsx"
    make_form(run, mini_plan, out)
    fill(out, {"II-1.(a).1": {"Statusi": '=IF(1,"Përfunduar","")', "Data": datetime(2009, 6, 20),
                              "Dëshmia": "VKM"}})
    result = run("progress", "import", out, "--plan", mini_plan)  # openpyxl saves no value for the formula
    assert result.exit_code == 1
    assert f"{out}:Forma!E6: [error] the cell holds a formula with no saved value; type the value instead" \
        in result.stderr


@pytest.mark.parametrize("content, message", [
    (b"ref,status,date\n", "not an Excel workbook (.xlsx): File is not a zip file"),
    (b"PK\x03\x04broken", "not an Excel workbook (.xlsx)"),
    (b"", "not an Excel workbook (.xlsx)"),
])
def test_a_file_that_is_not_a_workbook(run: Any, mini_plan: Path, tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "forma.xlsx"
    path.write_bytes(content)
    before = tree(mini_plan)
    result = run("progress", "import", path, "--plan", mini_plan)
    assert result.exit_code == 1 and message in result.stderr and "Traceback" not in result.stderr
    assert tree(mini_plan) == before


def test_a_zip_that_unpacks_too_far_is_refused(run: Any, mini_plan: Path, tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", b"<a/>")
        z.writestr("xl/worksheets/sheet1.xml", b" " * (65 * 1024 * 1024))
    result = run("progress", "import", path, "--plan", mini_plan)
    assert result.exit_code == 1 and "unpacks to more than 67,108,864 bytes" in result.stderr


def test_a_plain_workbook_with_named_columns_is_read_too(run: Any, mini_plan: Path, tmp_path: Path) -> None:
    """A sheet someone made by hand, with the CSV import's column names, and no apcli sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["ref", "status", "date", "evidence", "by"])
    ws.append(["II-1.(a).1", "completed", date(2009, 6, 20), "VKM nr. 9", "ZKKA"])
    ws.append([None, None, None, None, None])
    ws.append(["I-1.(a).9", "Në proces", "20/06/2009", None, None])
    path = tmp_path / "raport"  # no suffix: recognised by its bytes
    wb.save(path)
    result = run("progress", "import", path, "--plan", mini_plan)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("added II-1.(a).1 completed 2009-06-20 → ")
    assert "zkka.yaml" in result.stdout.splitlines()[0]


def test_too_many_rows(run: Any, mini_plan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ap_cli import xlsxform

    monkeypatch.setattr(xlsxform, "MAX_ROWS", 2)
    out = tmp_path / "forma.xlsx"
    make_form(run, mini_plan, out)
    fill(out, {ref: {"Statusi": "Në proces", "Data": datetime(2009, 6, 1)}
               for ref in ("II-1.(a).1", "I-1.(a).9", "I-1.(a).2")})
    result = run("progress", "import", out, "--plan", mini_plan)
    assert result.exit_code == 1 and f"{out}:Forma!A8: [error] more than 2 rows" in result.stderr


# ----------------------------------------------------------------------------- tables as workbooks


def test_overdue_as_a_workbook(run: Any, tmp_path: Path) -> None:
    out = tmp_path / "overdue.xlsx"
    result = run("overdue", "--as-of", "2009Q2", "--format", "xlsx", "--out", out, "--progress", DEMO)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out}: ") and result.stdout.endswith(" rows\n")
    ws = openpyxl.load_workbook(out).active
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:H")
    assert [c.value for c in ws[1]] == ["ref", "lead", "due", "≈", "late (months)", "state", "deadline", "title"]
    assert all(c.font.b for c in ws[1])
    first = ws[2]
    assert first[0].data_type == "s" and isinstance(first[2].value, datetime) and first[4].data_type == "n"
    assert ws.column_dimensions["H"].width == 60 and first[7].alignment.wrap_text
    assert ws.title == "overdue"
    rows = json.loads(run("overdue", "--as-of", "2009Q2", "--format", "json", "--progress", DEMO).stdout)
    assert ws.cell(len(rows) + 1, 1).value == rows[-1]["ref"] and ws.cell(len(rows) + 2, 1).value is None
    assert ws.cell(len(rows) + 3, 1).value.startswith(f"{len(rows)} overdue as of 2009-06-30")  # the footer


@pytest.mark.parametrize("command", [
    ["overdue", "--as-of", "2009Q2"], ["upcoming", "--as-of", "2009Q2"], ["list"], ["by-institution", "MPÇSSHB"],
    ["stats", "--as-of", "2009Q2"], ["institutions"], ["deadlines"],
])
def test_every_table_command_writes_a_workbook_and_needs_out(run: Any, tmp_path: Path, command: list[str]) -> None:
    out = tmp_path / "t.xlsx"
    result = run(*command, "--format", "xlsx", "--out", out)
    assert result.exit_code in (0, 1), result.stderr  # deadlines exits 1 on an unreadable phrase
    assert out.read_bytes()[:2] == b"PK"
    assert openpyxl.load_workbook(out).active.freeze_panes == "A2"
    refused = run(*command, "--format", "xlsx")
    assert refused.exit_code == 2 and "give --out FILE.xlsx" in refused.stderr
    stray = run(*command, "--format", "csv", "--out", out)
    assert stray.exit_code == 2 and "--out is for --format xlsx" in stray.stderr


def test_by_institution_puts_rows_for_all_bodies_on_their_own_sheet(run: Any, tmp_path: Path) -> None:
    out = tmp_path / "b.xlsx"
    assert run("by-institution", "MPÇSSHB", "--as-of", "2009Q2", "--format", "xlsx", "--out", out).exit_code == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["activities", "for all bodies"]


def test_no_cell_holds_a_formula_built_from_plan_text(tmp_path: Path) -> None:
    from ap_cli.output import Column, Table
    from ap_cli.workbook import sheets_of, tables_workbook

    hostile = ['=HYPERLINK("http://x","y")', "=1+1", "+1", "-1", "@SUM(A1)", "=cmd|' /C calc'!A0",
               "line\nbreak", "\x1b[31mred\u202e", "2009-13-45"]
    table = Table([Column("t", "t", "text"), Column("r", "ref", "fixed")],
                  [{"t": h, "r": h} for h in hostile])
    data = tables_workbook(sheets_of(table))
    path = tmp_path / "h.xlsx"
    path.write_bytes(data)
    ws = openpyxl.load_workbook(path).active
    cells = [c for row in ws.iter_rows(min_row=2, max_row=len(hostile) + 1) for c in row]
    assert all(c.data_type == "s" for c in cells)
    assert [ws.cell(r, 1).value for r in range(2, len(hostile) + 2)] == [
        '=HYPERLINK("http://x","y")', "=1+1", "+1", "-1", "@SUM(A1)", "=cmd|' /C calc'!A0", "line\nbreak",
        "\\x1b[31mred\\u202e", "2009-13-45"]
    import zipfile

    sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet and b"<f " not in sheet


def test_table_workbooks_are_deterministic(run: Any, tmp_path: Path) -> None:
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    run("stats", "--as-of", "2009Q2", "--format", "xlsx", "--out", a)
    run("stats", "--as-of", "2009Q2", "--format", "xlsx", "--out", b)
    assert a.read_bytes() == b.read_bytes()


def test_table_commands_do_not_load_openpyxl() -> None:
    code = ("import sys; from ap_cli.cli import main; sys.argv=['apcli','overdue','--as-of','2009Q2'];\n"
            "try:\n main()\nexcept SystemExit: pass\n"
            "bad=[m for m in ('openpyxl','icalendar','sqlite3','sqlite_utils') if m in sys.modules]\n"
            "sys.stderr.write(repr(bad))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert result.stderr.endswith("[]"), result.stderr


# ----------------------------------------------------------------------------- a real spreadsheet application


def test_libreoffice_reads_the_workbooks(run: Any, mini_plan: Path, tmp_path: Path) -> None:
    soffice = require_tool("soffice", "apt-get install libreoffice-calc-nogui")
    form = tmp_path / "forma.xlsx"
    make_form(run, mini_plan, form)
    table = tmp_path / "overdue.xlsx"
    assert run("overdue", "--as-of", "2009Q2", "--format", "xlsx", "--out", table, "--plan", REAL_PLAN).exit_code == 0
    profile = tmp_path / "lo-profile"
    for path in (form, table):
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                        "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(tmp_path / "csv"), str(path)],
                       check=True, capture_output=True, timeout=180)
    form_csv = (tmp_path / "csv" / "forma.csv").read_text(encoding="utf-8").splitlines()
    assert form_csv[0].startswith("Raporti tremujor i progresit 2009Q2")
    assert form_csv[4] == "Ref,Titulli,Afati,Dita e afatit,Statusi,Data,Realizimi,Dëshmia,Shënim"
    assert form_csv[5].startswith("II-1.(a).1,")
    assert ",31.03.2009," in form_csv[5]
    table_csv = (tmp_path / "csv" / "overdue.csv").read_text(encoding="utf-8").splitlines()
    assert table_csv[0] == "ref,lead,due,≈,late (months),state,deadline,title"
    assert table_csv[1].startswith("II-2.(c).2,PSH,2008-06-30,≈,12,not_started,")


def test_out_is_checked_before_any_work(run: Any, mini_plan: Path, tmp_path: Path) -> None:
    plan_file = mini_plan / "plan.yaml"
    before = plan_file.read_bytes()
    clobber = run("overdue", "--format", "xlsx", "--out", plan_file, "--plan", mini_plan)
    assert clobber.exit_code == 2 and "a workbook's name ends in .xlsx" in clobber.stderr
    assert plan_file.read_bytes() == before
    link = tmp_path / "link.xlsx"
    target = tmp_path / "elsewhere.xlsx"
    target.write_bytes(b"keep")
    link.symlink_to(target)
    refused = run("overdue", "--format", "xlsx", "--out", link, "--plan", mini_plan)
    assert refused.exit_code == 1 and target.read_bytes() == b"keep" and "link" in refused.stderr
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    assert run("stats", "--format", "xlsx", "--out", folder, "--plan", mini_plan).exit_code == 1
    db = run("export", "--format", "sqlite", "--out", plan_file, "--plan", mini_plan)
    assert db.exit_code == 1 and "is a file of the plan" in db.stderr and plan_file.read_bytes() == before
    help_text = run("progress", "import", "--help").stdout
    assert "an Excel workbook (.xlsx" in " ".join(help_text.split())
