"""Tabular output in every format: a table on a terminal, aligned plain text when piped,
Markdown, CSV and JSON. User text is never interpreted: rich gets `Text` objects, Markdown cells
are escaped, CSV cells that a spreadsheet would run as a formula are neutralised, and control
characters (ESC, BEL, bidi overrides, …) reach neither a terminal nor a pipe raw.

On a terminal each column says what it holds (`Column.kind`): `text` may wrap; `fixed` (refs,
ids, dates, states) and `number` (right-aligned) are never broken. When the fixed columns and a
readable width for the text columns do not fit the terminal, every row prints as a stacked
block instead. Styles only on a terminal or with FORCE_COLOR, none at all with NO_COLOR; output
longer than the screen goes through a pager, as git does it.

Each format escapes in one function: `one_line` (terminal and plain cells), `md_escape`, `csv_safe`
and `to_json`; all build on diagnostics' `escape_line`/`escape_text`, so control, bidi and
invisible characters never reach a terminal, a page or a sheet raw.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
import unicodedata
from collections.abc import Callable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from .diagnostics import dump_json, escape_line, escape_text
from .record import Record, field

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console
    from rich.table import Table as RichTable
    from rich.text import Text

    from .periods import Month

FORMATS = ("table", "json", "csv", "md", "xlsx")  # xlsx: a workbook written to --out (workbook.py)

TEXT, FIXED, NUMBER = "text", "fixed", "number"
KINDS = (TEXT, FIXED, NUMBER)
StyleRule = str | Callable[[object], str | None] | None

MIN_TEXT_WIDTH = 20  # a text column narrower than this is hard to read: stack the rows instead
paging = True  # `apcli --no-pager` turns it off for the whole invocation


class Column(Record):
    """One column. `kind`: TEXT may wrap; FIXED (ref, id, date, status) and NUMBER (right-aligned)
    are never broken on a terminal; None infers it from the values. `style`: a rich style name, or
    value → style name, used only where styles are on. Unpacks as `(key, header)`."""

    key: str
    header: str
    kind: str | None = None
    style: StyleRule = None

    def __post_init__(self) -> None:
        if self.kind not in (None, *KINDS):
            raise ValueError(f"unknown column kind {self.kind!r}")

    def __iter__(self) -> Iterator[str]:
        return iter((self.key, self.header))


class Table(Record, frozen=False):
    columns: list[Any]  # Column, or (key, header) pairs whose kind is inferred; Column after __post_init__
    rows: list[dict[str, Any]] = field(default_factory=list)
    title: str | None = None
    footer: str | None = None
    note: str | None = None  # one more short line below the footer (e.g. that the English is unofficial)

    def __post_init__(self) -> None:
        self.columns = [c if isinstance(c, Column) else Column(*c) for c in self.columns]


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(cell_text(v) for v in value)
    return str(value)


def to_json(data: object) -> str:
    """Indented UTF-8 JSON; control, bidi and invisible characters as `\\u` escapes (exact text)."""
    return dump_json(data)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~&])")


def md_escape(value: object) -> str:
    """One Markdown table cell: no syntax survives, no pipe or line break of any kind breaks the
    row (breaks become `<br>`), unsafe characters show as escapes."""
    text = _MD_SPECIAL.sub(r"\\\1", escape_text(cell_text(value)))
    return re.sub(r"\s*\n\s*", "<br>", text)


_FORMULA = ("=", "+", "-", "@")


def csv_safe(value: object) -> str:
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
    if table.note:
        lines += ["", md_escape(table.note)]
    return "\n".join(lines) + "\n"


def display_width(text: str) -> int:
    if text.isascii():  # no wide or combining characters
        return len(text)
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)


# ----------------------------------------------------------------------------- control characters

# C0 and C1 controls, DEL, bidi controls, zero-width and tag characters, line and paragraph
# separators: a terminal obeys some (colours, title, bell, cursor moves, right-to-left text) and
# hides others, so all are shown as escapes (diagnostics.escape_line decides which).


def one_line(value: object) -> str:
    """A cell as one line: runs of white space (newlines too) folded to one space, controls escaped."""
    return escape_line(" ".join(cell_text(value).split()))


# ----------------------------------------------------------------------------- columns and styles


def column_kind(column: Column, rows: list[dict[str, Any]]) -> str:
    """The declared kind, else: whole numbers → NUMBER, short values → FIXED, long ones → TEXT."""
    if column.kind:
        return column.kind
    values = [row.get(column.key) for row in rows if row.get(column.key) not in (None, "")]
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return NUMBER
    return FIXED if max((len(cell_text(v)) for v in values), default=0) <= 24 else TEXT


STATUS_STYLES = {"overdue": "red", "completed late": "red", "completed_late": "red", "UNREADABLE": "bold red",
                 "stale": "yellow", "due soon": "yellow", "due_soon": "yellow", "suspended": "yellow",
                 "completed": "green", "completed on time": "green", "completed_on_time": "green"}


def status_style(value: object) -> str | None:
    """Overdue and late in red, stale and due soon in yellow, done in green."""
    return STATUS_STYLES.get(cell_text(value))


def if_positive(style: str) -> Callable[[object], str | None]:
    """`style` for a count above zero (an overdue count of 0 is no news)."""
    return lambda value: style if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def cell_style(column: Column, value: object) -> str | None:
    rule = column.style
    return rule(value) if callable(rule) else rule


def styles_wanted(terminal: bool) -> bool:
    """no-color.org: a non-empty NO_COLOR turns every style off (bold too); force-color.org: a
    non-empty FORCE_COLOR turns them on, piped or not; otherwise on a terminal unless TERM=dumb."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return terminal and os.environ.get("TERM") != "dumb"


def _sgr(text: str, style: str | None) -> str:
    if not style or not text:
        return text
    from rich.color import ColorSystem
    from rich.style import Style

    return Style.parse(style).render(text, color_system=ColorSystem.STANDARD)


# ----------------------------------------------------------------------------- plain text (piped)


def render_plain(table: Table, styled: bool = False) -> str:
    """Aligned columns; the last column runs free, newlines folded, nothing cut. `styled` (FORCE_COLOR
    when piped) adds colour codes around the cells and changes nothing else."""
    cols = table.columns
    cells = [[one_line(c.header) for c in cols]] + [[one_line(row.get(c.key)) for c in cols] for row in table.rows]
    styles: list[list[str | None]] = [[None] * len(cols) for _ in cells]
    if styled:
        bold: list[str | None] = ["bold"] * len(cols)
        styles = [bold] + [[cell_style(c, row.get(c.key)) for c in cols] for row in table.rows]
    widths = [max(display_width(r[i]) for r in cells) for i in range(len(cols) - 1)]  # the last runs free
    out = []
    if table.title:
        out.append(_sgr(one_line(table.title), "bold") if styled else one_line(table.title))
    for r, row_styles in zip(cells, styles, strict=True):
        pads = [" " * (widths[i] - display_width(c)) for i, c in enumerate(r[:-1])] + [""]
        out.append("  ".join(_sgr(c, s) + pad for c, s, pad in zip(r, row_styles, pads, strict=True)).rstrip())
    if table.footer:
        out.append(escape_line(table.footer))
    if table.note:
        out.append(escape_line(table.note))
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- terminal


def _words_width(text: str) -> int:
    from rich.cells import cell_len

    return max((cell_len(w) for w in text.split()), default=0)


def _wrap_words(text: str, width: int) -> str:
    """Break `text` at spaces into lines of at most `width` cells (a longer word stays whole)."""
    from rich.cells import cell_len

    lines: list[str] = []
    for word in text.split():
        if lines and cell_len(lines[-1]) + 1 + cell_len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def table_widths(kinds: list[str], headers: list[str], cells: list[list[str]], width: int) -> list[int] | None:
    """Content widths for a boxed table `width` cells wide; None when the fixed and number columns
    and MIN_TEXT_WIDTH for each text column do not fit. A fixed column is as wide as its longest
    value or header; headers wrap at spaces (the widest first) when the table would not fit or its
    text would wrap otherwise. What is left goes to the text columns, the narrowest satisfied first."""
    from rich.cells import cell_len

    spare = width - (3 * len(kinds) + 1)  # a border between and around the cells, a space either side
    widths, natural, text_columns, shrink = [], [], [], []
    for i, kind in enumerate(kinds):
        longest = max((cell_len(c) for c in cells[i]), default=0)
        if kind == TEXT:
            natural.append(max(longest, cell_len(headers[i]), 1))
            widths.append(min(natural[i], max(MIN_TEXT_WIDTH, _words_width(headers[i]))))
            text_columns.append(i)
        else:
            widths.append(max(longest, cell_len(headers[i]), 1))
            natural.append(widths[i])
            narrowest = max(longest, _words_width(headers[i]), 1)
            if narrowest < widths[i]:
                shrink.append((widths[i] - narrowest, i, narrowest))
    spare -= sum(widths)
    wanted = sum(natural[i] - widths[i] for i in text_columns)  # what the text columns could still use
    for saving, i, narrowest in sorted(shrink, reverse=True):
        if spare >= wanted:
            break
        widths[i] = narrowest
        spare += saving
    if spare < 0:
        return None
    # Share the rest: first up to what nine cells in ten of a column need (one long phrase should
    # not take the room of every title), then up to the longest cell.
    typical = {i: max(widths[i], _percentile([cell_len(c) for c in cells[i]], 0.9)) for i in text_columns}
    for limit in (typical, dict(enumerate(natural))):
        while spare > 0:
            hungry = [i for i in text_columns if widths[i] < limit[i]]
            if not hungry:
                break
            share = max(1, spare // len(hungry))
            for i in hungry:
                grow = min(share, limit[i] - widths[i], spare)
                widths[i] += grow
                spare -= grow
    return widths


def _percentile(values: list[int], q: float) -> int:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))] if values else 0


def _console(width: int, height: int, styled: bool) -> Console:
    from rich.console import Console

    return Console(file=io.StringIO(), width=width, height=height, force_terminal=True, force_jupyter=False,
                   force_interactive=False, color_system="standard" if styled else None, no_color=not styled,
                   highlight=False, markup=False, emoji=False, legacy_windows=False)


def render_terminal(table: Table, width: int, styled: bool, height: int = 25) -> str:
    """The table for a terminal `width` cells wide: boxed, text columns wrapped, when the fixed
    columns fit; else one stacked block per row. No value of a fixed column is ever broken."""
    from rich.text import Text

    console = _console(width, height, styled)
    cols = table.columns
    kinds = [column_kind(c, table.rows) for c in cols]
    headers = [one_line(c.header) for c in cols]
    cells = [[one_line(row.get(c.key)) for row in table.rows] for c in cols]
    styles = [[cell_style(c, row.get(c.key)) for row in table.rows] for c in cols]
    if table.title:
        console.print(Text(one_line(table.title), style="bold"))
    widths = table_widths(kinds, headers, cells, width)
    if widths is not None:
        console.print(_boxed(kinds, headers, cells, styles, widths))
    elif table.rows:
        console.print(_stacked(console, kinds, headers, cells, styles, width), soft_wrap=True)
        if table.footer or table.note:
            console.print()
    if table.footer:
        console.print(Text(escape_line(table.footer)))
    if table.note:
        console.print(Text(escape_line(table.note), style="dim"))
    return str(console.file.getvalue())  # type: ignore[attr-defined]  # the StringIO _console made


def _boxed(kinds: list[str], headers: list[str], cells: list[list[str]], styles: list[list[str | None]],
           widths: list[int]) -> RichTable:
    from rich.table import Table as RichTable
    from rich.text import Text

    rt = RichTable(show_lines=False, expand=False, header_style="bold")
    for kind, header, w in zip(kinds, headers, widths, strict=True):
        fixed = kind != TEXT
        rt.add_column(Text(_wrap_words(header, w) if fixed else header), width=w, no_wrap=fixed,
                      overflow="fold", justify="right" if kind == NUMBER else "left")
    for r in range(len(cells[0]) if cells else 0):
        rt.add_row(*[Text(cells[i][r], style=styles[i][r] or "") for i in range(len(cells))])
    return rt


def _stacked(console: Console, kinds: list[str], headers: list[str], cells: list[list[str]],
             styles: list[list[str | None]], width: int) -> Text:
    """Each row as `first-header: value` and below it, indented, `header: value` for every
    non-empty cell; labels padded so values line up, numbers right-aligned, text wrapped to the
    width. A fixed value is never broken, even when it is wider than the terminal."""
    from rich.cells import cell_len
    from rich.text import Text

    label_width = max((cell_len(h) for h in headers[1:]), default=0) + 1
    number_width = max((cell_len(c) for kind, column in zip(kinds, cells, strict=True) if kind == NUMBER
                        for c in column), default=0)  # cells: one list per column
    lines: list[Text] = []

    def field(label: str, value: str, kind: str, style: str) -> None:
        if kind == NUMBER:
            label += " " * (number_width - cell_len(value))
        if kind == FIXED and ", " in value and cell_len(label) + cell_len(value) > width:
            # a list of fixed values (several due days): break between items, never inside one
            indent, line = cell_len(label), ""
            for item in value.split(", "):
                candidate = f"{line}, {item}" if line else item
                if line and indent + cell_len(candidate) + 1 > width:
                    lines.append(Text(label) + Text(line + ",", style=style))
                    label, line = " " * indent, item
                else:
                    line = candidate
            lines.append(Text(label) + Text(line, style=style))
            return
        if kind != TEXT or not value:
            lines.append(Text(label.rstrip() if not value else label) + Text(value, style=style))
            return
        indent = cell_len(label)
        if width - indent < MIN_TEXT_WIDTH:  # too narrow beside the label: start below it
            lines.append(Text(label.rstrip()))
            label = " " * (len(label) - len(label.lstrip()) + 2)
            indent = len(label)
        if cell_len(value) <= width - indent:  # fits: no need to wrap (most deadline phrases, names)
            lines.append(Text(label) + Text(value, style=style))
            return
        for j, part in enumerate(Text(value, style=style).wrap(console, max(width - indent, 1), overflow="fold")):
            part.rstrip()
            lines.append(Text(label if j == 0 else " " * indent) + part)

    for r in range(len(cells[0])):
        if r:
            lines.append(Text(""))
        first = len(lines)
        field(f"{headers[0]}: ", cells[0][r], kinds[0], styles[0][r] or "bold")
        lines[first].stylize("bold", 0, len(headers[0]) + 1)
        for i in range(1, len(cells)):
            if cells[i][r]:
                label = "  " + f"{headers[i]}:" + " " * (label_width - cell_len(headers[i]) - 1) + " "
                field(label, cells[i][r], kinds[i], styles[i][r] or "")
    return Text("\n").join(lines)


def is_terminal() -> bool:
    return sys.stdout.isatty()


def terminal_size() -> tuple[int, int]:
    """COLUMNS and LINES when set, else the window of stdout, else 80×25."""
    try:
        columns, lines = os.get_terminal_size(sys.stdout.fileno())
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        columns, lines = 0, 0

    def env(name: str, default: int) -> int:
        value = os.environ.get(name, "")
        return int(value) if value.isdigit() and int(value) > 0 else default

    return env("COLUMNS", columns or 80), env("LINES", lines or 25)


# ----------------------------------------------------------------------------- pager


def pager_command() -> list[str] | None:
    """$APCLI_PAGER, else $PAGER, else `less -FRX`; a variable set to nothing or to `cat` means no
    pager (as in git)."""
    import shlex

    for name in ("APCLI_PAGER", "PAGER"):
        value = os.environ.get(name)
        if value is not None:
            try:
                argv = shlex.split(value)
            except ValueError:
                argv = value.split()
            return None if not argv or argv == ["cat"] else argv
    return ["less", "-FRX"]


def _run_pager(argv: list[str], text: str) -> bool:
    """Show `text` through the pager; False when it cannot be started."""
    import signal
    import subprocess

    env = dict(os.environ)
    env.setdefault("LESS", "FRX")  # colours and quit-if-one-screen for a bare PAGER=less, as git does
    env.setdefault("LV", "-c")
    try:
        out = sys.stdout.fileno()
    except (AttributeError, ValueError, io.UnsupportedOperation):
        return False
    sys.stdout.flush()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=out, env=env)
    except OSError:
        return False
    # Ctrl-C is the pager's to handle (less stays open); apcli waits for it, as git does.
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        previous = None
    try:
        assert proc.stdin is not None  # a pipe
        with proc.stdin:
            proc.stdin.write(text.encode(sys.stdout.encoding or "utf-8", "replace"))
    except OSError:  # the reader quit before the end (q in less)
        pass
    finally:
        proc.wait()
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    return True


def write_terminal(text: str, page: bool, height: int) -> None:
    """Write to the terminal, through the pager when `text` is longer than the screen."""
    argv = pager_command() if page and paging and text.count("\n") >= height else None
    if argv is None or not _run_pager(argv, text):
        sys.stdout.write(text)


def emit_table(table: Table, fmt: str, json_data: object = None, page: bool = True, *,
               out: Path | None = None, sheet: str = "apcli") -> None:
    """Print `table` in `fmt`; `json_data` replaces the rows for --format json. `page=False`: no pager.
    xlsx is not printed: the workbook goes to `out` (checked by app.output_file), its sheet named `sheet`."""
    if fmt == "json":
        sys.stdout.write(to_json(json_data if json_data is not None else table.rows))
    elif fmt == "csv":
        sys.stdout.write(render_csv(table))
    elif fmt == "md":
        sys.stdout.write(render_md(table))
    elif fmt == "xlsx":
        from .errors import InvalidArgument
        from .workbook import write_table

        if out is None:
            raise InvalidArgument("--format xlsx needs --out FILE.xlsx")
        write_table(table, out, sheet)
    elif is_terminal():
        width, height = terminal_size()
        write_terminal(render_terminal(table, width, styles_wanted(True), height), page, height)
    else:
        sys.stdout.write(render_plain(table, styled=styles_wanted(False)))


def cutoff_note(cutoff: date, start: Month, end: Month, defaulted: bool) -> str:
    """A note for a cut-off outside the plan period (`start`, `end` are its first and last month)."""
    why = " (no --as-of given: yesterday)" if defaulted else ""
    if cutoff < start.first_day():
        return (f"note: cut-off {cutoff.isoformat()}{why} is before the plan period ({start} – {end}); "
                "nothing can be due yet\n")
    if cutoff > end.plus(12).last_day():
        return (f"note: cut-off {cutoff.isoformat()}{why} is long after the plan period ({start} – {end}); "
                "every due day has passed\n")
    return ""
