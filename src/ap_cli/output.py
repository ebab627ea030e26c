"""Tabular output in every format: a rich table on a terminal, aligned plain text when piped,
Markdown, CSV and JSON. User text is never interpreted: rich gets `Text` objects, Markdown cells
are escaped, CSV cells that a spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field

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
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~&])")


def md_escape(value) -> str:
    """One Markdown table cell: no syntax survives, no pipe or newline breaks the row."""
    text = _MD_SPECIAL.sub(r"\\\1", cell_text(value))
    return re.sub(r"\s*\r?\n\s*", "<br>", text)


def csv_safe(value) -> str:
    """Neutralise spreadsheet formula injection (=, +, -, @, tab, CR at the start)."""
    text = cell_text(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


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
        [" ".join(cell_text(row.get(k)).split()) for k, _ in table.columns] for row in table.rows]
    widths = [max(display_width(r[i]) for r in cells) for i in range(len(table.columns) - 1)]  # the last runs free
    out = []
    if table.title:
        out.append(table.title)
    for r in cells:
        parts = [c + " " * (widths[i] - display_width(c)) for i, c in enumerate(r[:-1])] + [r[-1]]
        out.append("  ".join(parts).rstrip())
    if table.footer:
        out.append(table.footer)
    return "\n".join(out) + "\n"


def render_rich(table: Table, console) -> None:
    from rich.table import Table as RichTable
    from rich.text import Text

    rt = RichTable(title=Text(table.title) if table.title else None, show_lines=False, expand=False)
    for key, header in table.columns:
        # Short columns (refs, dates, states) stay on one line; long text wraps.
        longest = max((len(cell_text(row.get(key))) for row in table.rows), default=0)
        rt.add_column(Text(header), overflow="fold", no_wrap=longest <= 24)
    for row in table.rows:
        rt.add_row(*[Text(cell_text(row.get(k))) for k, _ in table.columns])
    console.print(rt)
    if table.footer:
        console.print(Text(table.footer))


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


def cutoff_note(cutoff, start, end, defaulted: bool) -> str:
    """A note for a cut-off outside the plan period (`start`, `end` are its first and last month)."""
    why = " (no --as-of given: yesterday)" if defaulted else ""
    if cutoff < start.first_day():
        return (f"note: cut-off {cutoff.isoformat()}{why} is before the plan period ({start} – {end}); "
                "nothing can be due yet\n")
    if cutoff > end.plus(12).last_day():
        return (f"note: cut-off {cutoff.isoformat()}{why} is long after the plan period ({start} – {end}); "
                "every due day has passed\n")
    return ""
