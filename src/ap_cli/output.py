"""Tabular output in every format: a rich table on a terminal, aligned plain text when piped,
Markdown, CSV and JSON. User text is never interpreted: rich gets `Text` objects, Markdown cells
are escaped, CSV cells that a spreadsheet would run as a formula are neutralised.

Each format escapes in one function: `term_cell` (terminal and plain cells: one line),
`md_escape`, `csv_safe` and `to_json`; all build on diagnostics' `escape_line`/`escape_text`,
so control, bidi and invisible characters never reach a terminal, a page or a sheet raw.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import unicodedata
from dataclasses import dataclass, field

from .diagnostics import dump_json, escape_line, escape_text

FORMATS = ("table", "json", "csv", "md")


@dataclass
class Table:
    columns: list[tuple[str, str]]  # (key, header)
    rows: list[dict] = field(default_factory=list)
    title: str | None = None
    footer: str | None = None


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(cell_text(v) for v in value)
    return str(value)


def to_json(data) -> str:
    """Indented UTF-8 JSON; control, bidi and invisible characters as `\\u` escapes (exact text)."""
    return dump_json(data)


def term_cell(value) -> str:
    """A table cell on a terminal or in plain text: one line (whitespace folded), escaped."""
    return escape_line(" ".join(cell_text(value).split()))


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~&])")


def md_escape(value) -> str:
    """One Markdown table cell: no syntax survives, no pipe or line break of any kind breaks the
    row (breaks become `<br>`), unsafe characters show as escapes."""
    text = _MD_SPECIAL.sub(r"\\\1", escape_text(cell_text(value)))
    return re.sub(r"\s*\n\s*", "<br>", text)


_FORMULA = ("=", "+", "-", "@")


def csv_safe(value) -> str:
    """A CSV cell: multi-line text kept, unsafe characters escaped, and a leading apostrophe on
    any cell a spreadsheet could run as a formula: one starting with = + - @ after leading
    whitespace of any kind (NBSP, ideographic space…), with a full-width or small form of them
    (`＝`, `﹢`: NFKC), or with a tab or a line break."""
    text = escape_text(cell_text(value))
    first = text.lstrip()[:1]
    if text[:1] in ("\t", "\n") or unicodedata.normalize("NFKC", first)[:1] in _FORMULA:
        return "'" + text
    return text


def render_csv(table: Table) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([key for key, _ in table.columns])
    for row in table.rows:
        writer.writerow([csv_safe(row.get(key)) for key, _ in table.columns])
    return buf.getvalue()


def render_md(table: Table) -> str:
    lines = []
    if table.title:
        lines += [f"### {md_escape(table.title)}", ""]
    lines.append("| " + " | ".join(md_escape(h) for _, h in table.columns) + " |")
    lines.append("|" + "|".join("---" for _ in table.columns) + "|")
    for row in table.rows:
        lines.append("| " + " | ".join(md_escape(row.get(k)) for k, _ in table.columns) + " |")
    if table.footer:
        lines += ["", md_escape(table.footer)]
    return "\n".join(lines) + "\n"


def display_width(text: str) -> int:
    if text.isascii():  # no wide or combining characters
        return len(text)
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)


def render_plain(table: Table) -> str:
    """Aligned columns without ANSI codes; the last column runs free, newlines folded."""
    cells = [[h for _, h in table.columns]] + [
        [term_cell(row.get(k)) for k, _ in table.columns] for row in table.rows]
    widths = [max(display_width(r[i]) for r in cells) for i in range(len(table.columns) - 1)]  # the last runs free
    out = []
    if table.title:
        out.append(escape_line(table.title))
    for r in cells:
        parts = [c + " " * (widths[i] - display_width(c)) for i, c in enumerate(r[:-1])] + [r[-1]]
        out.append("  ".join(parts).rstrip())
    if table.footer:
        out.append(escape_line(table.footer))
    return "\n".join(out) + "\n"


def render_rich(table: Table, console) -> None:
    from rich.table import Table as RichTable
    from rich.text import Text

    rt = RichTable(title=Text(escape_line(table.title)) if table.title else None, show_lines=False, expand=False)
    for key, header in table.columns:
        # Short columns (refs, dates, states) stay on one line; long text wraps.
        longest = max((len(cell_text(row.get(key))) for row in table.rows), default=0)
        rt.add_column(Text(header), overflow="fold", no_wrap=longest <= 24)
    for row in table.rows:
        rt.add_row(*[Text(term_cell(row.get(k))) for k, _ in table.columns])
    console.print(rt)
    if table.footer:
        console.print(Text(escape_line(table.footer)))


def is_terminal() -> bool:
    return sys.stdout.isatty()


def emit_table(table: Table, fmt: str, json_data=None) -> None:
    """Print `table` in `fmt`; `json_data` replaces the rows for --format json."""
    if fmt == "json":
        sys.stdout.write(to_json(json_data if json_data is not None else table.rows))
    elif fmt == "csv":
        sys.stdout.write(render_csv(table))
    elif fmt == "md":
        sys.stdout.write(render_md(table))
    elif is_terminal():
        from rich.console import Console

        render_rich(table, Console(highlight=False))
    else:
        sys.stdout.write(render_plain(table))
