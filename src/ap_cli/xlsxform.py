"""The quarterly reporting form as an Excel workbook, and reading it back once filled in.

The workbook holds the same activities as the YAML form (`forms.select`: the body's own work
open in the quarter, collective rows included; rows addressed to all bodies are left out, as
they have no ready entry there either). One row per activity: ref, title, deadline and due
day, locked; then the cells a clerk fills in: status (a dropdown of the statuses in the form's
language), date (Excel checks it lies in the quarter), completion (a dropdown), evidence and
note. The sheet is protected except those cells. An instructions sheet explains it in the
form's language; a hidden sheet `apcli` records the body, quarter and language, so the import
knows who reports and for when.

Reading it back (`read_xlsx`) takes cell values, never formulas; dates as Excel dates or as
text in the accepted forms; statuses and completions in either language. Rows without a
status are not entries (a row with other cells filled but no status is a problem). Every
problem names its cell: `forma.xlsx:Forma!E7: …`. A workbook without the `apcli` sheet is read
too when its header row names the columns (Ref, Status, Date, … in English or Albanian, or
the CSV import's ref,status,date,…).
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from . import language
from .diagnostics import Diagnostic, error, escape_line, excerpt
from .domain import STATUSES
from .forms import Item
from .institutions import fold
from .periods import Quarter
from .plan import Plan
from .progress import MAX_ROWS, Draft, _read_capped, parse_day, status_hint, status_of
from .report import STATES

META_SHEET = "apcli"
FORM_VERSION = "1"
FIRST_ROW = 6  # the header is row 5: a title, the body and a line of help above it
MAX_UNZIPPED = 64 * 1024 * 1024  # bytes a workbook may expand to (a zip bomb stops here)
MAX_ENTRIES = 1000  # files in the zip
DATE_FORMAT = "dd.mm.yyyy"  # how dates are written in Albania
FIELDS = ("ref", "title", "deadline", "due", "status", "date", "completion", "evidence", "note")
FILL = ("status", "date", "completion", "evidence", "note")
COMPLETIONS = {"sq": {"limited": "I kufizuar", "substantial": "I konsiderueshëm"},
               "en": {"limited": "Limited", "substantial": "Substantial"}}

TEXT: dict[str, dict[str, Any]] = {
    "sq": {
        "sheet": "Forma", "instructions": "Udhëzime",
        "headers": ("Ref", "Titulli", "Afati", "Dita e afatit", "Statusi", "Data", "Realizimi", "Dëshmia", "Shënim"),
        "title": "Raporti tremujor i progresit {q} ({first} – {last})",
        "institution": "Institucioni: {id} — {name}",
        "help": "Plotësoni vetëm kolonat Statusi, Data, Realizimi, Dëshmia dhe Shënim. Shihni fletën Udhëzime.",
        "status_error": "Zgjidhni statusin nga lista.",
        "date_error": "Data duhet të jetë brenda tremujorit {q}: nga {first} deri më {last}.",
        "completion_error": "Zgjidhni nga lista (vetëm për statusin Në proces).",
        "error_title": "Vlerë e pavlefshme",
        "how": [
            "Si plotësohet formulari",
            "",
            "Fleta «Forma» ka një rresht për çdo aktivitet të institucionit tuaj që është i hapur në tremujorin {q}.",
            "Kolonat Ref, Titulli, Afati dhe Dita e afatit janë të mbyllura: mos i ndryshoni.",
            "Për çdo aktivitet për të cilin raportoni, plotësoni:",
            "  Statusi: zgjidhni nga lista: {statuses}.",
            "  Data: dita kur vlente ky status, brenda tremujorit ({first} – {last}), jo në të ardhmen. "
            "Shkruajeni si 20.06.2009.",
            "  Realizimi: vetëm për statusin «{in_progress}»: {completions}.",
            "  Dëshmia: e detyrueshme për statusin «{completed}»: vendimi, raporti ose dokumenti, "
            "p.sh. «VKM nr. …, datë …».",
            "  Shënim: çdo sqarim tjetër (i lirë).",
            "Rreshtat pa status nuk regjistrohen: lërini bosh aktivitetet për të cilat nuk raportoni.",
            "Mos shtoni, mos fshini dhe mos zhvendosni rreshta ose kolona.",
            "Ruajeni skedarin si Excel (.xlsx) dhe dërgojeni te koordinatori, i cili e regjistron me:",
            "  apcli progress import {file}",
            "Nëse ka gabime, apcli tregon qelizën (p.sh. Forma!E7) dhe nuk regjistron asgjë derisa të ndreqen.",
        ],
    },
    "en": {
        "sheet": "Form", "instructions": "Instructions",
        "headers": ("Ref", "Title", "Deadline", "Due", "Status", "Date", "Completion", "Evidence", "Note"),
        "title": "Quarterly progress report {q} ({first} – {last})",
        "institution": "Institution: {id} — {name}",
        "help": "Fill in only the columns Status, Date, Completion, Evidence and Note. See the Instructions sheet.",
        "status_error": "Choose a status from the list.",
        "date_error": "The date must lie in the quarter {q}: from {first} to {last}.",
        "completion_error": "Choose from the list (for the status In progress only).",
        "error_title": "Invalid value",
        "how": [
            "How to fill in the form",
            "",
            "The sheet \"Form\" has one row for each activity of your body that is open in the quarter {q}.",
            "The columns Ref, Title, Deadline and Due are locked: do not change them.",
            "The titles and deadlines are an unofficial English translation; the Albanian text is the official one.",
            "For each activity you report on, fill in:",
            "  Status: choose from the list: {statuses}.",
            "  Date: the day the status held, inside the quarter ({first} – {last}), not in the future. "
            "Write it as 20.06.2009 or 2009-06-20.",
            "  Completion: only for the status \"{in_progress}\": {completions}.",
            "  Evidence: required for the status \"{completed}\": the decision, report or document, "
            "e.g. \"VKM nr. …, datë …\".",
            "  Note: anything else (free text).",
            "Rows without a status are not recorded: leave the activities you do not report on empty.",
            "Do not add, delete or move rows or columns.",
            "Save the file as Excel (.xlsx) and send it to the coordinator, who records it with:",
            "  apcli progress import {file}",
            "If anything is wrong, apcli names the cell (e.g. Form!E7) and records nothing until it is fixed.",
        ],
    },
}
# Header names the import understands, folded: both languages' headers and the CSV columns.
_HEADER_FIELDS = {fold(h): f for lang in TEXT.values() for h, f in zip(lang["headers"], FIELDS, strict=False)}
_HEADER_FIELDS.update({f: f for f in ("ref", "status", "date", "completion", "evidence", "note", "by")})
_COMPLETION_WORDS = {fold(label): key for labels in COMPLETIONS.values() for key, label in labels.items()}


class CellDiagnostic(Diagnostic, order=True):
    """A problem in a workbook cell: `file:Sheet!E7: [error] message (code)`; line is the row, col the column."""

    sheet: str = ""

    def text(self) -> str:
        from openpyxl.utils import get_column_letter

        if not self.line or not self.col:
            return super().text()
        return escape_line(f"{self.file}:{self.sheet}!{get_column_letter(self.col)}{self.line}: "
                           f"[{self.severity}] {self.message} ({self.code})")


def cell_error(name: str, sheet: str, row: int, col: int, code: str, message: str) -> CellDiagnostic:
    d = error(name, row, col, code, message)
    return CellDiagnostic(d.file, d.line, d.col, d.severity, d.code, d.message, sheet)


def in_cells(diagnostics: list[Diagnostic], name: str, sheet: str) -> list[Diagnostic]:
    """The diagnostics `progress.check_drafts` gives for drafts of this workbook, as cell names."""
    return [CellDiagnostic(d.file, d.line, d.col, d.severity, d.code, d.message, sheet)
            if d.file == name and d.line and not isinstance(d, CellDiagnostic) else d for d in diagnostics]


# ----------------------------------------------------------------------------- writing the form


def _excel_list(values: list[str]) -> str:
    return '"' + ",".join(v.replace('"', "'") for v in values) + '"'


def build_form(plan: Plan, inst_id: str, quarter: Quarter, items: list[Item], lang: str = "sq",
               file_hint: str = "forma.xlsx") -> bytes:
    """The workbook bytes of a body's quarterly form (deterministic: dated the quarter's last day)."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from .workbook import new_workbook, set_text, stamp_time, workbook_bytes, xml_safe

    tx = TEXT[lang]
    body = plan.registry.by_id[inst_id]
    own = [i for i in items if i.section != "for_all"]
    dates = {"q": str(quarter), "first": quarter.first.strftime("%d.%m.%Y"), "last": quarter.last.strftime("%d.%m.%Y")}
    wb = new_workbook()
    ws = wb.create_sheet(tx["sheet"])
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    set_text(ws.cell(1, 1), tx["title"].format(**dates))
    ws.cell(1, 1).font = Font(bold=True, size=14)
    set_text(ws.cell(2, 1), tx["institution"].format(id=body.id, name=language.body_name(body, lang)))
    set_text(ws.cell(3, 1), tx["help"])
    header = FIRST_ROW - 1
    for j, text in enumerate(tx["headers"], 1):
        cell = ws.cell(header, j)
        set_text(cell, text)
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="DDDDDD")
    fill = PatternFill("solid", fgColor="FFF2CC")  # the cells to fill in, pale yellow
    unlocked = Protection(locked=False)
    for i, item in enumerate(own, FIRST_ROW):
        rec = item.rec
        set_text(ws.cell(i, 1), rec.ref)
        set_text(ws.cell(i, 2), language.title(rec, lang))
        set_text(ws.cell(i, 3), "; ".join(language.deadlines(rec, lang)))
        if item.since is not None:
            ws.cell(i, 4).value = item.since
            ws.cell(i, 4).number_format = DATE_FORMAT
        note = _context(plan, item, quarter, lang)
        if note:
            ws.cell(i, 2).comment = Comment(xml_safe(note), "apcli", width=420, height=220)
        for j in range(1, 10):
            ws.cell(i, j).alignment = wrap
        for j in range(5, 10):
            cell = ws.cell(i, j)
            cell.protection = unlocked
            cell.fill = fill
            if j == 6:
                cell.number_format = DATE_FORMAT
            elif j in (8, 9):
                cell.number_format = "@"  # text: "1/2" stays 1/2, not a date
    last = max(FIRST_ROW, FIRST_ROW + len(own) - 1)
    statuses = [STATES[lang][s] for s in STATUSES]
    checks = [
        (DataValidation(type="list", formula1=_excel_list(statuses), allow_blank=True), "E", tx["status_error"]),
        (DataValidation(type="date", operator="between", allow_blank=True,
                        formula1=f"DATE({quarter.first.year},{quarter.first.month},{quarter.first.day})",
                        formula2=f"DATE({quarter.last.year},{quarter.last.month},{quarter.last.day})"),
         "F", tx["date_error"].format(**dates)),
        (DataValidation(type="list", formula1=_excel_list(list(COMPLETIONS[lang].values())), allow_blank=True),
         "G", tx["completion_error"]),
    ]
    for dv, column, message in checks:
        dv.showErrorMessage = True
        dv.errorTitle, dv.error = tx["error_title"], message
        dv.showInputMessage = True
        dv.prompt = message
        ws.add_data_validation(dv)
        dv.add(f"{column}{FIRST_ROW}:{column}{last}")
    for j, width in enumerate((16, 60, 30, 13, 16, 13, 18, 40, 40), 1):
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.freeze_panes = f"C{FIRST_ROW}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # widths and heights may change; nothing else
    ws.protection.formatRows = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False

    how = wb.create_sheet(tx["instructions"])
    values = {**dates, "statuses": ", ".join(statuses), "in_progress": STATES[lang]["in_progress"],
              "completed": STATES[lang]["completed"], "completions": ", ".join(COMPLETIONS[lang].values()),
              "file": file_hint}
    for i, line in enumerate(tx["how"], 1):
        set_text(how.cell(i, 1), line.format(**values))
    how.cell(1, 1).font = Font(bold=True, size=14)
    how.column_dimensions["A"].width = 120
    how.protection.sheet = True

    meta = wb.create_sheet(META_SHEET)
    for i, (key, value) in enumerate((("form", FORM_VERSION), ("institution", inst_id), ("quarter", str(quarter)),
                                      ("lang", lang), ("sheet", tx["sheet"])), 1):
        set_text(meta.cell(i, 1), key)
        set_text(meta.cell(i, 2), value)
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    wb.active = 0
    return workbook_bytes(wb, stamp_time(quarter.last))


def _context(plan: Plan, item: Item, quarter: Quarter, lang: str) -> str:
    """A note on the title cell: the indicators and the state at the quarter's end, as the YAML
    form gives them in comments."""
    from .forms import TEXT as FORM_TEXT
    from .queries import state_at

    tx = FORM_TEXT[lang]
    lines = []
    indicators = language.indicators(item.rec, lang)
    if indicators:
        lines += [tx["indicators"].capitalize() + ":", *(f"- {text}" for text in indicators)]
    state = state_at(plan, item.rec, quarter.last)
    if state.reported:
        told = f"{STATES[lang][state.status]}, " + tx["reported"].format(day=state.date)
        if state.by:
            told += f" ({state.by})"
        if state.evidence:
            told += f"; {tx['evidence']}: {state.evidence}"
    else:
        told = tx["not_reported"]
    lines.append(tx["state_at"].format(day=quarter.last.isoformat()).capitalize() + ": " + told)
    return "\n".join(lines)


# ----------------------------------------------------------------------------- reading it back


@dataclass(frozen=True)
class FormInfo:
    sheet: str
    institution: str | None = None  # from the apcli sheet: who reports
    quarter: Quarter | None = None


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    return text or None


def _day(value: Any) -> tuple[str | None, str | None]:
    """(ISO day, None) or (None, the text as typed): an Excel date, a serial number, or text."""
    from openpyxl.utils.datetime import from_excel

    if isinstance(value, datetime):
        return value.date().isoformat(), None
    if isinstance(value, date):
        return value.isoformat(), None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # a date typed into a cell formatted as a number
            day = from_excel(value)
            return (day.date() if isinstance(day, datetime) else day).isoformat(), None
        return None, str(value)
    text = _cell_text(value)
    return (parse_day(text) if text else None), text


def _not_workbook(name: str, why: str) -> list[Diagnostic]:
    return [error(name, 0, 0, "not-a-workbook",
                  f"not an Excel workbook (.xlsx): {why}; save it from Excel or LibreOffice as .xlsx")]


def _open(raw: bytes, name: str) -> tuple[Any, list[Diagnostic], bool]:
    """The workbook (values only), problems, and whether any sheet holds a formula."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        return None, _not_workbook(name, f"{exc}".rstrip(".")), False
    if len(infos) > MAX_ENTRIES or sum(i.file_size for i in infos) > MAX_UNZIPPED:
        return None, [error(name, 0, 0, "file-too-large",
                            f"the workbook unpacks to more than {MAX_UNZIPPED:,} bytes or {MAX_ENTRIES} parts")], False
    if "xl/workbook.xml" not in archive.namelist():
        return None, _not_workbook(name, "a zip file without a workbook in it"), False
    try:
        formulas = any(b"<f>" in xml or b"<f " in xml
                       for xml in (archive.read(i) for i in archive.namelist()
                                   if i.startswith("xl/worksheets/") and i.endswith(".xml")))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, RuntimeError) as exc:
        return None, _not_workbook(name, str(exc)), False
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a malformed file; all mean the same here
        return None, _not_workbook(name, f"{type(exc).__name__}: {excerpt(str(exc))}"), False
    return wb, [], formulas


def _meta(wb: Any) -> dict[str, str]:
    if META_SHEET not in wb.sheetnames:
        return {}
    rows = wb[META_SHEET].iter_rows(min_row=1, max_row=20, max_col=2, values_only=True)
    return {str(k): str(v) for k, v in rows if k is not None and v is not None}


def _header(ws: Any) -> tuple[int, dict[str, int]] | None:
    """The header row (within the first 20) and the column of each field it names."""
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=20, values_only=True), 1):
        columns = {}
        for j, value in enumerate(row, 1):
            found = _HEADER_FIELDS.get(fold(str(value))) if isinstance(value, str) else None
            if found and found not in columns:
                columns[found] = j
        if "ref" in columns and "status" in columns:
            return r, columns
    return None


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx")


def is_workbook(path: Path) -> bool:
    """By its name (.xlsx), or by a regular file's first bytes (a zip), so a workbook saved
    under another name is not read as CSV."""
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return True
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        with open(path, "rb") as f:
            return f.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def read_xlsx(path: Path, name: str | None = None, plan: Plan | None = None
              ) -> tuple[list[Draft], list[Diagnostic], FormInfo | None]:
    """Drafts from a filled-in form (or any workbook whose header names the columns), each
    value's cell kept; or the problems. Nothing here looks at the log: `check_drafts` does."""
    name = name or str(path)
    raw, problems = _read_capped(path, name)
    if raw is None:
        return [], problems, None
    wb, problems, has_formulas = _open(raw, name)
    if wb is None:
        return [], problems, None
    try:
        return _read(wb, name, plan, has_formulas, raw)
    finally:
        wb.close()


def _read(wb: Any, name: str, plan: Plan | None, has_formulas: bool, raw: bytes
          ) -> tuple[list[Draft], list[Diagnostic], FormInfo | None]:
    meta = _meta(wb)
    candidates = [meta["sheet"]] if meta.get("sheet") in wb.sheetnames else [
        s for s in wb.sheetnames if s != META_SHEET]
    found = None
    for sheet in candidates:
        header = _header(wb[sheet])
        if header:
            found = sheet, header
            break
    if found is None:
        return [], [error(name, 0, 0, "not-a-form",
                          "no sheet with a header row naming Ref and Status (or ref,status,date); make the form "
                          "with `apcli progress template --format xlsx`")], None
    sheet, (header_row, columns) = found
    quarter = None
    if meta.get("quarter"):
        try:
            quarter = Quarter.parse(meta["quarter"])
        except ValueError:
            quarter = None
    info = FormInfo(sheet, meta.get("institution"), quarter)
    formula_cells = _formula_cells(raw, sheet, header_row, columns) if has_formulas else {}
    diags: list[Diagnostic] = []
    drafts: list[Draft] = []
    lang = meta["lang"] if meta.get("lang") in TEXT else "en"
    shown = ", ".join(STATES[lang][s] for s in STATUSES)
    width = max(columns.values())
    for r, row in enumerate(wb[sheet].iter_rows(min_row=header_row + 1, max_col=width, values_only=True),
                            header_row + 1):
        values = {f: (row[j - 1] if j - 1 < len(row) else None) for f, j in columns.items()}
        at = {f: (r, j) for f, j in columns.items()}
        for f in FILL:
            if (r, columns.get(f)) in formula_cells and values.get(f) is None:
                diags.append(cell_error(name, sheet, r, columns[f], "formula-without-value",
                                        "the cell holds a formula with no saved value; type the value instead"))
        texts = {f: _cell_text(v) for f, v in values.items()}
        filled = [f for f in FILL if f in columns and texts.get(f)]
        if not texts.get("ref") and not filled:
            continue  # a blank row
        if not texts.get("status"):
            if filled:
                verb = "is" if len(filled) == 1 else "are"
                diags.append(cell_error(name, sheet, *at["status"], "missing-field",
                                        f"status is empty, but {', '.join(filled)} {verb} filled in; "
                                        "choose a status, or clear the row"))
            continue  # unchanged: not an entry
        if len(drafts) >= MAX_ROWS:
            diags.append(cell_error(name, sheet, r, 1, "too-many-rows",
                                    f"more than {MAX_ROWS:,} rows or entries in one import; split the file"))
            break
        status = status_of(texts["status"])  # the key, or its label in either language
        if status is None:
            typed = texts["status"] or ""
            diags.append(cell_error(name, sheet, *at["status"], "unknown-status",
                                    f"status {excerpt(typed)} is not one of {shown} "
                                    f"(or {', '.join(STATUSES)}){status_hint(typed)}"))
            continue
        day, typed_day = _day(values.get("date")) if "date" in columns else (None, None)
        if day and info.quarter and not info.quarter.first <= date.fromisoformat(day) <= info.quarter.last:
            diags.append(cell_error(name, sheet, *at["date"], "date-outside-quarter",
                                    f"date {day} is outside the form's quarter {info.quarter} "
                                    f"({info.quarter.first.isoformat()} – {info.quarter.last.isoformat()})"))
            continue
        completion = texts.get("completion")
        if completion:
            completion = _COMPLETION_WORDS.get(fold(completion), completion)
        by = info.institution or texts.get("by")
        drafts.append(Draft(texts.get("ref"), status, day or typed_day, texts.get("evidence"), completion, by,
                            texts.get("note"), file=name, line=r,
                            cols={**at, "by": (r, 1)}))
    return drafts, diags, info


def _formula_cells(raw: bytes, sheet: str, header_row: int, columns: dict[str, int]) -> set[tuple[int, int]]:
    """Cells of the form's columns that hold a formula (read once more, formulas kept)."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    try:
        wanted = set(columns.values())
        cells = set()
        for row in wb[sheet].iter_rows(min_row=header_row + 1, max_col=max(wanted)):
            for cell in row:
                if getattr(cell, "data_type", None) == "f" and getattr(cell, "column", None) in wanted:
                    cells.add((cell.row, cell.column))
        return cells
    finally:
        wb.close()

