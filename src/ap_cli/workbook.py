"""Excel workbooks (.xlsx) from the tables every command prints, and the bytes of any workbook.

One writer for every `--format xlsx`: each `output.Table` becomes one sheet with a bold, frozen
header row, an autofilter, column widths from the content, long text wrapped, ISO dates stored
as dates, counts as numbers and everything else (refs, ids, plan text) as text. No cell ever
holds a formula: openpyxl reads any string starting with "=" as one, so every text cell is
typed as a string after it is set, and plan text like "=HYPERLINK(…)" stays text. Unsafe
characters (controls, bidi overrides) are shown as escapes, as in every other format.

The bytes are deterministic: the document's created/modified dates and every zip entry's
timestamp come from `stamp` (the cut-off, or $SOURCE_DATE_EPOCH, else 1980-01-01), not the
clock, so the same plan and cut-off give the same file.

openpyxl is imported only here, inside the functions, so other commands do not load it.
"""

from __future__ import annotations

import io
import os
import re
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .diagnostics import escape_line, escape_text
from .output import FIXED, NUMBER, TEXT, Column, Table, cell_text, column_kind

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_FORMAT = "yyyy-mm-dd"
MAX_WIDTH = 60  # characters: a wider column wraps its text instead
MIN_WIDTH = 6
MAX_SHEET_NAME = 31  # Excel's limit
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")  # characters Excel refuses in a sheet name
EPOCH = datetime(1980, 1, 1)  # the earliest time a zip entry can carry


@dataclass
class Sheet:
    """One worksheet: a table, and lines shown under it (footer, notes) outside the filtered range."""

    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)


def sheets_of(table: Table, title: str = "apcli") -> list[Sheet]:
    """The sheet(s) a printed table becomes: one, its footer and note below the rows."""
    notes = [line for line in (table.footer, table.note) if line]
    return [Sheet(table.title or title, list(table.columns), table.rows, notes)]


def stamp_time(day: date | None = None) -> datetime:
    """The time written into a workbook: the end of `day` (a cut-off), else $SOURCE_DATE_EPOCH, else 1980."""
    if day is not None:
        return datetime(day.year, day.month, day.day, 23, 59, 59)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return max(EPOCH, datetime.fromtimestamp(int(epoch), tz=UTC).replace(tzinfo=None))
    return EPOCH


def sheet_name(text: str, taken: set[str]) -> str:
    """A valid, unique sheet name: Excel refuses []:*?/\\ and more than 31 characters."""
    base = _SHEET_UNSAFE.sub("-", " ".join(str(text).split()))[:MAX_SHEET_NAME].strip("'") or "Sheet"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        suffix = f" ({n})"
        name = base[: MAX_SHEET_NAME - len(suffix)] + suffix
    taken.add(name.lower())
    return name


_NOT_XML = re.compile("[\ufffe\uffff]")  # XML 1.0 has no place for these: the sheet would not open


def xml_safe(text: str) -> str:
    """Text as every output escapes it, and the two noncharacters XML refuses as `\\ufffe`, `\\uffff`."""
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", escape_text(text))


def set_text(cell: Any, value: Any) -> None:
    """Text in a cell, always as text: escaped like every output, never read as a formula."""
    cell.value = xml_safe(cell_text(value))
    cell.data_type = "s"  # openpyxl would store "=…" as a formula


def set_value(cell: Any, value: Any, kind: str) -> None:
    """A value by kind: ISO days as dates, whole numbers as numbers, the rest as text."""
    if value is None or value == "":
        return
    if isinstance(value, bool):
        set_text(cell, "yes" if value else "no")
    elif isinstance(value, (int, float)) and kind == NUMBER:
        cell.value = value
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif isinstance(value, str) and kind == FIXED and ISO_DAY.fullmatch(value):
        try:
            cell.value = date.fromisoformat(value)
            cell.number_format = DATE_FORMAT
        except ValueError:
            set_text(cell, value)
    else:
        set_text(cell, value)


def _width(values: list[str], header: str, kind: str) -> int:
    longest = max((len(line) for v in values for line in v.splitlines() or [""]), default=0)
    width = max(longest, len(header), MIN_WIDTH) + 2
    return min(width, MAX_WIDTH) if kind == TEXT else min(width, MAX_WIDTH + 20)


def fill_sheet(ws: Worksheet, sheet: Sheet) -> None:
    """The table in `ws`: header, rows, widths, frozen header, autofilter, notes below."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    kinds = [column_kind(c, sheet.rows) for c in sheet.columns]
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    for j, col in enumerate(sheet.columns, 1):
        cell = ws.cell(row=1, column=j)
        set_text(cell, col.header)
        cell.font = bold
    for i, row in enumerate(sheet.rows, 2):
        for j, (col, kind) in enumerate(zip(sheet.columns, kinds, strict=False), 1):
            cell = ws.cell(row=i, column=j)
            set_value(cell, row.get(col.key), kind)
            cell.alignment = wrap if kind == TEXT else top
    for j, (col, kind) in enumerate(zip(sheet.columns, kinds, strict=False), 1):
        values = [cell_text(row.get(col.key)) for row in sheet.rows]
        ws.column_dimensions[get_column_letter(j)].width = _width(values, col.header, kind)
    ws.freeze_panes = "A2"
    if sheet.columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{len(sheet.rows) + 1}"
    for k, line in enumerate(sheet.notes):
        set_text(ws.cell(row=len(sheet.rows) + 3 + k, column=1), line)


def new_workbook() -> Any:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    return wb


def tables_workbook(sheets: list[Sheet], stamp: datetime | None = None) -> bytes:
    """A workbook of one sheet per table."""
    wb = new_workbook()
    taken: set[str] = set()
    for sheet in sheets or [Sheet("apcli", [], [])]:
        fill_sheet(wb.create_sheet(sheet_name(sheet.title, taken)), sheet)
    return workbook_bytes(wb, stamp)


def workbook_bytes(wb: Any, stamp: datetime | None = None) -> bytes:
    """The .xlsx bytes of `wb`, the same for the same content: fixed document dates and zip times."""
    from openpyxl.writer.excel import ExcelWriter

    when = stamp or stamp_time()
    wb.properties.created = wb.properties.modified = when
    wb.properties.creator = wb.properties.lastModifiedBy = "apcli"
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    out = io.BytesIO()
    stamp_tuple = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp_tuple)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


# ----------------------------------------------------------------------------- the table commands

def write_table(table: Table, target: Path, title: str = "apcli") -> None:
    """Write `table` as a workbook to `target` (output.emit_table's xlsx branch); its sheet is
    called `title` (the command's name)."""
    from .edit import write_file

    write_file(target, tables_workbook(split_sheets(table, title)))
    sys.stdout.write(f"wrote {escape_line(str(target))}: {len(table.rows)} rows\n")


def split_sheets(table: Table, title: str = "apcli") -> list[Sheet]:
    """The logical tables of a printed table: `by-institution` lists the body's own work, then
    apart the rows addressed to all bodies; each gets its sheet."""
    sheets = sheets_of(table, title)
    rows = table.rows
    if rows and "reach" in rows[0] and any(r.get("reach") == "for_all" for r in rows):
        own = [r for r in rows if r.get("reach") != "for_all"]
        apart = [r for r in rows if r.get("reach") == "for_all"]
        sheets = [Sheet("activities", list(table.columns), own, sheets[0].notes),
                  Sheet("for all bodies", list(table.columns), apart)]
    return sheets


def export_sheets(plan: Any) -> list[Sheet]:
    """`apcli export --format xlsx`: every activity (lists one item a line), then the milestones."""
    from .queries import export_rows

    rows = export_rows(plan)
    keys = [k for k in rows[0] if k != "milestones"] if rows else ["ref"]
    flat = [{k: _lines(row[k]) for k in keys} for row in rows]
    kinds = {"ref": FIXED, "pillar": FIXED, "id": FIXED, "lead": FIXED, "due": FIXED, "en_status": FIXED}
    activities = Sheet("activities", [Column(k, k, kinds.get(k, TEXT)) for k in keys], flat)
    mkeys = ["ref", "milestone", "title", "deadline", "due", "indicators", "title_en", "deadline_en", "indicators_en"]
    mrows = [{"ref": row["ref"], "milestone": i, **{k: _lines(m[k]) for k in mkeys[2:]}}
             for row in rows for i, m in enumerate(row["milestones"] or [], 1)]
    milestones = Sheet("milestones", [Column(k, k, {"ref": FIXED, "milestone": NUMBER, "due": FIXED}.get(k, TEXT))
                                      for k in mkeys], mrows)
    return [activities, milestones]


def _lines(value: Any) -> Any:
    """A list (indicators, deadlines) as one cell, an item a line; any other value as it is."""
    return "\n".join(x or "" for x in value) if isinstance(value, list) else value
