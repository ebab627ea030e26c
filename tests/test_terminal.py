"""Terminal output under a real pseudo-terminal: at 40 to 200 columns no number, ref, date, id or
status is ever cut (the table wraps its text, or falls back to stacked blocks), colour follows
NO_COLOR / FORCE_COLOR, control characters never reach the terminal raw, and long output goes
through a pager only on a terminal.

The sweeps run the CLI in-process with stdout on a pty (fast: no interpreter start-up per run);
one test runs the real `apcli` process on a pty sized only by TIOCSWINSZ.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shlex
import shutil
import struct
import subprocess
import sys
import termios
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from ap_cli import output
from ap_cli.diagnostics import escape_line
from ap_cli.output import FIXED, NUMBER, TEXT, Column, Table
from conftest import MINI_PLAN, REAL_PLAN, Run

SGR = re.compile(r"\x1b\[[0-9;]*m")
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
WIDTHS = (40, 60, 80, 120, 200)


# ----------------------------------------------------------------------------- a pty


def set_window(fd: int, columns: int, lines: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))


class Drain(threading.Thread):
    """Reads the master side while the program writes (a pty buffers only a few KB)."""

    def __init__(self, fd: int) -> None:
        super().__init__(daemon=True)
        self.fd, self.data = fd, bytearray()
        self.start()

    def run(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:  # EIO: every slave descriptor is closed
                return
            if not chunk:
                return
            self.data += chunk

    def text(self) -> str:
        self.join(10)
        return self.data.decode("utf-8").replace("\r\n", "\n")


@pytest.fixture
def on_pty() -> Callable[..., str]:
    """Run apcli in-process with stdout on a pty of the given size; returns what the screen got."""
    from ap_cli.cli import app

    def invoke(*args: object, columns: int, lines: int = 50, env: dict[str, str | None] | None = None,
               set_columns: bool = True) -> str:
        with pytest.MonkeyPatch.context() as mp:
            for name in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "APCLI_PAGER", "PAGER"):
                mp.delenv(name, raising=False)
            mp.setenv("TERM", "xterm-256color")
            if set_columns:
                mp.setenv("COLUMNS", str(columns))
                mp.setenv("LINES", str(lines))
            mp.setenv("APCLI_PAGER", "")  # never a real less in a test, unless `env` says so
            for name, value in (env or {}).items():
                if value is None:
                    mp.delenv(name, raising=False)
                else:
                    mp.setenv(name, value)
            master, slave = os.openpty()
            set_window(slave, columns, lines)
            drain = Drain(master)
            with open(slave, "w", encoding="utf-8") as stream:
                mp.setattr(sys, "stdout", stream)
                code = app([str(a) for a in args], standalone_mode=False, prog_name="apcli")
                stream.flush()
        text = drain.text()
        os.close(master)
        assert code in (None, 0), text
        return text

    return invoke


def json_of(run: Run, *args: object) -> Any:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.stdout
    return json.loads(result.stdout)


# ----------------------------------------------------------------------------- reading the screen


def row_segments(screen: str, first_header: str) -> list[str]:
    """The screen cut into one piece per row: a boxed table row starts where its first cell is
    not empty; a stacked block starts with `first-header: `."""
    lines = screen.splitlines()
    boxed = any(line.startswith("┏") for line in lines)
    if boxed:
        body = lines[next(i for i, line in enumerate(lines) if line.startswith("┡")) + 1:]
        starts = [i for i, line in enumerate(body) if line.startswith("│") and line[2] != " "]
    else:
        body = lines
        starts = [i for i, line in enumerate(body) if line.startswith(f"{first_header}: ")]
    ends = [*starts[1:], len(body)]
    return ["\n".join(body[s:e]) for s, e in zip(starts, ends, strict=True)]


def whole(value: str, text: str) -> bool:
    """`value` appears in `text` on one line with a cell border, space or line end on both sides."""
    return re.search(rf"(?<![^\s│┃]){re.escape(value)}(?![^\s│┃,])", text) is not None


def assert_fits(screen: str, columns: int) -> None:
    for line in SGR.sub("", screen).splitlines():
        assert cell_len(line) <= columns, f"{cell_len(line)} > {columns}: {line!r}"


def check_rows(screen: str, first_header: str, rows: list[list[Any]]) -> None:
    """One segment per row, in order; every value of the row whole inside its own segment."""
    segments = row_segments(screen, first_header)
    assert len(segments) == len(rows), screen
    for segment, values in zip(segments, rows, strict=True):
        for value in values:
            value = output.cell_text(value)
            if value:
                assert whole(value, segment), f"{value!r} cut or missing in:\n{segment}"


# The commands of the issue, and for each the values that must show whole: from the JSON answer.
SWEEP: dict[str, tuple[list[str], str, Callable[[Any], list[list[Any]]]]] = {
    "stats": (["stats", "--as-of", "2009-06"], "pillar",
              lambda d: [[r["pillar"], *[r[k] for k in r if k not in ("pillar", "title", "title_en")]] for r in d]),
    "overdue": (["overdue", "--as-of", "2009-06"], "ref",
                lambda d: [[r["ref"], r["lead"], r["due"], r["months_late"], r["state"]] for r in d]),
    "upcoming": (["upcoming", "--as-of", "2009-03"], "ref",
                 lambda d: [[r["ref"], r["lead"], r["due"], r["state"]] for r in d]),
    "list": (["list", "--as-of", "2009-06"], "ref",
             lambda d: [[r["ref"], r["lead"], r["state"]] for r in d]),
    "by-institution": (["by-institution", "ZKKA", "--as-of", "2009-06"], "ref",
                       lambda d: [[r["ref"], r["roles"], r["due"], r["state"], r["timeliness"].replace("_", " ")]
                                  for r in d["activities"] + d["for_all"]]),
    "institutions": (["institutions"], "id",
                     lambda d: [[r["id"], r["kind"], r["lead_count"], r["any_count"]] for r in d]),
    "deadlines": (["deadlines"], "kind",
                  # several due days (recurring) may break between days, never inside one
                  lambda d: [[r["kind"], r["start"], r["end"], *(r["due"] or "").split(", "), r["activities"]]
                             for r in d]),
}


@pytest.fixture
def plan_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sweeps run a command six times on the same plan: read it once (the reading is not under test)."""
    import functools

    from ap_cli import cli

    monkeypatch.setattr(cli, "load", functools.lru_cache(maxsize=None)(cli.load))


@pytest.mark.parametrize("command", SWEEP)
def test_no_value_is_cut_at_any_width(on_pty: Callable[..., str], run: Run, plan_read_once: None, command: str) -> None:
    args, first_header, expected = SWEEP[command]
    rows = expected(json_of(run, *args, "--plan", REAL_PLAN))
    assert rows, "the sweep needs rows to check"
    for columns in WIDTHS:
        screen = on_pty(*args, "--plan", REAL_PLAN, "--no-pager", columns=columns, env={"NO_COLOR": "1"})
        assert_fits(screen, columns)
        check_rows(screen, first_header, rows)


def test_stats_totals_print_whole_at_60_columns(on_pty: Callable[..., str]) -> None:
    """The issue's screen: pillars `I, I, I, I, a` and an overdue total of `11` instead of 112."""
    screen = on_pty("stats", "--as-of", "2009-06", "--plan", REAL_PLAN, "--no-pager", columns=60)
    plain = SGR.sub("", screen)
    pillars = re.findall(r"^pillar: (\S+)$", plain, re.M)
    assert pillars == ["I", "II", "III", "IV", "all"]
    total = plain[plain.index("pillar: all"):]
    assert re.search(r"^  overdue: +112$", total, re.M), total
    assert re.search(r"^  activities: +226$", total, re.M), total


def test_overdue_refs_and_dates_whole_at_60_columns(on_pty: Callable[..., str]) -> None:
    screen = on_pty("overdue", "--as-of", "2009-06", "--plan", REAL_PLAN, "--no-pager", columns=60,
                    env={"NO_COLOR": "1"})
    assert "ref: II-2.(c).2\n" in screen
    assert "  due:           2008-06-30\n" in screen
    assert re.search(r"^  late \(months\): 12$", screen, re.M)


def test_wide_terminal_keeps_the_boxed_table(on_pty: Callable[..., str]) -> None:
    screen = on_pty("stats", "--as-of", "2009-06", "--plan", REAL_PLAN, "--no-pager", columns=200,
                    env={"NO_COLOR": "1"})
    row = next(line for line in screen.splitlines() if line.startswith("│ all "))
    cells = [c.strip() for c in row.strip("│").split("│")]
    assert cells[:10] == ["all", "226", "0", "0", "112", "226", "40", "40", "10",
                          "Strategjia dhe Plani i Veprimit kundër Trafikimit të Qenieve Njerëzore"]
    assert "│        226 │" in row  # numbers right-aligned


def test_the_window_size_alone_sets_the_width(on_pty: Callable[..., str]) -> None:
    screen = on_pty("stats", "--as-of", "2009-06", "--plan", REAL_PLAN, "--no-pager", columns=60, lines=100,
                    set_columns=False, env={"NO_COLOR": "1"})
    assert "pillar: all\n" in screen  # 60 columns: stacked, as the window says
    wide = on_pty("stats", "--as-of", "2009-06", "--plan", REAL_PLAN, "--no-pager", columns=200, lines=100,
                  set_columns=False, env={"NO_COLOR": "1"})
    assert wide.startswith("┏")


# ----------------------------------------------------------------------------- colour


def test_terminal_output_is_coloured(on_pty: Callable[..., str]) -> None:
    screen = on_pty("overdue", "--as-of", "2009-06", "--plan", MINI_PLAN, columns=200)
    assert "\x1b[31m" in screen  # lateness in red
    assert "\x1b[2m≈" in screen  # ≈ dimmed
    assert "\x1b[1m" in screen  # headers bold


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"NO_COLOR": "1", "FORCE_COLOR": "1"}])
@pytest.mark.parametrize("columns", [60, 200])
def test_no_color_means_no_escape_sequence_at_all(on_pty: Callable[..., str], env: dict[str, str],
                                                  columns: int) -> None:
    for args in (["overdue", "--as-of", "2009-06"], ["stats", "--as-of", "2009-06"], ["deadlines"]):
        screen = on_pty(*args, "--plan", MINI_PLAN, columns=columns, env=env)
        assert "\x1b" not in screen, screen


def test_an_empty_no_color_does_not_count(on_pty: Callable[..., str]) -> None:
    assert "\x1b[" in on_pty("stats", "--as-of", "2009-06", "--plan", MINI_PLAN, columns=200, env={"NO_COLOR": ""})


def test_pipes_get_plain_text_and_force_color_only_adds_colour(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    plain = run("overdue", "--as-of", "2009-06", "--plan", MINI_PLAN).stdout
    assert "\x1b" not in plain
    monkeypatch.setenv("FORCE_COLOR", "1")
    coloured = run("overdue", "--as-of", "2009-06", "--plan", MINI_PLAN).stdout
    assert "\x1b[31m" in coloured and "\x1b[1mref\x1b[0m" in coloured
    assert SGR.sub("", coloured) == plain  # same layout, same text


# ----------------------------------------------------------------------------- pager


def recording_pager(tmp_path: Path) -> tuple[str, Path]:
    record = tmp_path / "paged.txt"
    script = "import pathlib, sys; pathlib.Path(sys.argv[1]).write_bytes(sys.stdin.buffer.read())"
    return shlex.join([sys.executable, "-c", script, str(record)]), record


def test_long_output_on_a_terminal_goes_through_the_pager(on_pty: Callable[..., str], tmp_path: Path) -> None:
    pager, record = recording_pager(tmp_path)
    screen = on_pty("list", "--plan", MINI_PLAN, columns=80, lines=10, env={"APCLI_PAGER": pager})
    assert screen == ""  # the pager had it all
    assert "ref: II-1.(a).1" in SGR.sub("", record.read_text(encoding="utf-8"))


def test_pager_comes_from_pager_when_apcli_pager_is_unset(on_pty: Callable[..., str], tmp_path: Path) -> None:
    pager, record = recording_pager(tmp_path)
    on_pty("list", "--plan", MINI_PLAN, columns=80, lines=10, env={"APCLI_PAGER": None, "PAGER": pager})
    assert record.exists()


@pytest.mark.parametrize("how", ["short", "global", "option", "empty", "cat"])
def test_no_pager(on_pty: Callable[..., str], tmp_path: Path, how: str) -> None:
    pager, record = recording_pager(tmp_path)
    env = {"APCLI_PAGER": {"empty": "", "cat": "cat"}.get(how, pager), "PAGER": pager}
    args = {"global": ["--no-pager", "list"], "option": ["list", "--no-pager"]}.get(how, ["list"])
    screen = on_pty(*args, "--plan", MINI_PLAN, columns=80, lines=200 if how == "short" else 10, env=env)
    assert not record.exists()
    assert "II-1.(a).1" in screen


def test_a_missing_pager_prints_directly(on_pty: Callable[..., str], tmp_path: Path) -> None:
    screen = on_pty("list", "--plan", MINI_PLAN, columns=80, lines=10,
                    env={"APCLI_PAGER": str(tmp_path / "no-such-pager")})
    assert "II-1.(a).1" in screen


def test_no_pager_when_not_a_terminal(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pager, record = recording_pager(tmp_path)
    monkeypatch.setenv("APCLI_PAGER", pager)
    monkeypatch.setenv("LINES", "5")
    result = run("list", "--plan", REAL_PLAN)
    assert result.exit_code == 0 and not record.exists()
    assert len(result.stdout.splitlines()) > 200


def test_default_pager_is_less_like_git(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APCLI_PAGER", raising=False)
    monkeypatch.delenv("PAGER", raising=False)
    assert output.pager_command() == ["less", "-FRX"]
    monkeypatch.setenv("PAGER", "most -s")
    assert output.pager_command() == ["most", "-s"]
    monkeypatch.setenv("APCLI_PAGER", "less -S")
    assert output.pager_command() == ["less", "-S"]


def test_the_real_process_on_a_pty_sized_by_its_window(tmp_path: Path) -> None:
    """`apcli stats --as-of 2009-06` as a user runs it: 60 columns known only from the window
    size, 20 lines, so the 57 lines of stacked blocks go to the pager."""
    pager, record = recording_pager(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "PAGER")}
    env.update(APCLI_PAGER=pager, TERM="xterm", PYTHONPATH=str(Path(output.__file__).parents[1]))
    master, slave = os.openpty()
    set_window(slave, 60, 20)
    drain = Drain(master)
    done = subprocess.run([sys.executable, "-m", "ap_cli", "stats", "--as-of", "2009-06", "--plan", str(REAL_PLAN)],
                          stdin=slave, stdout=slave, stderr=slave, env=env, timeout=60)
    os.close(slave)
    screen = drain.text()
    os.close(master)
    assert done.returncode == 0, screen
    paged = SGR.sub("", record.read_text(encoding="utf-8"))
    assert re.search(r"^  overdue: +112$", paged, re.M), paged
    assert re.findall(r"^pillar: (\S+)$", paged, re.M) == ["I", "II", "III", "IV", "all"]
    assert "\x1b[31m112" in record.read_text(encoding="utf-8")  # coloured: the pager is less -R


# ----------------------------------------------------------------------------- control characters


HOSTILE = "Ligji [nr. 9669] [bold]jo[/bold]\u202e\u2066 tab\there\nnewline"


def test_control_characters_in_plan_text_never_reach_the_terminal(on_pty: Callable[..., str], tmp_path: Path) -> None:
    plan = tmp_path / "plan"
    shutil.copytree(MINI_PLAN, plan)
    path = plan / "2-mbrojtja.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'title: "Trajnimi i stafit"', f"title: {json.dumps(HOSTILE, ensure_ascii=True)}"), encoding="utf-8")
    for columns in (40, 200):
        screen = on_pty("list", "--plan", plan, "--no-pager", columns=columns)
        assert not RAW_CONTROL.search(SGR.sub("", screen)), screen
        assert "\\u202e\\u2066" in screen.replace("\n", "").replace(" ", "").replace("│", "")
        assert "[bold]jo[/bold]" in screen  # markup printed, not obeyed
        assert "\t" not in screen


def test_show_keeps_its_lines_and_escapes_the_rest(run: Run, tmp_path: Path) -> None:
    plan = tmp_path / "plan"
    shutil.copytree(MINI_PLAN, plan)
    path = plan / "2-mbrojtja.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'title: "Trajnimi i stafit"', f"title: {json.dumps(HOSTILE, ensure_ascii=True)}"), encoding="utf-8")
    out = run("show", "II-1.(a).1.1", "--plan", plan).stdout
    assert "Ligji [nr. 9669] [bold]jo[/bold]\\u202e\\u2066 tab\there\nnewline" in out  # a tab is harmless
    assert not RAW_CONTROL.search(out.replace("\t", " "))


# ----------------------------------------------------------------------------- the renderer itself


def small_table() -> Table:
    return Table([Column("ref", "ref", FIXED), Column("lead", "lead", FIXED), Column("late", "late (months)", NUMBER),
                  Column("state", "state", FIXED, output.status_style), Column("title", "title", TEXT)],
                 [{"ref": "II-2.(c).1", "lead": "ZKKA", "late": 12, "state": "overdue",
                   "title": "Ligji [nr. 9669] për masat\nndaj dhunës në marrëdhëniet familjare"},
                  {"ref": "I-1.(a).10", "lead": "AKADEMIA-POLICISE", "late": 7, "state": "not_started", "title": ""}],
                 footer="2 overdue")


def test_stacked_blocks_exact() -> None:
    assert output.render_terminal(small_table(), 40, styled=False) == (
        "ref: II-2.(c).1\n"
        "  lead:          ZKKA\n"
        "  late (months): 12\n"
        "  state:         overdue\n"
        "  title:         Ligji [nr. 9669] për\n"
        "                 masat ndaj dhunës në\n"
        "                 marrëdhëniet familjare\n"
        "\n"
        "ref: I-1.(a).10\n"
        "  lead:          AKADEMIA-POLICISE\n"
        "  late (months):  7\n"
        "  state:         not_started\n"
        "\n"
        "2 overdue\n")


def test_stacked_text_starts_below_its_label_when_too_narrow() -> None:
    table = Table([Column("ref", "ref", FIXED), Column("title", "a long header for the title", TEXT)],
                  [{"ref": "I-1.(a).1", "title": "Zbatimi i një sistemi menaxhimi"}])
    assert output.render_terminal(table, 30, styled=False) == (
        "ref: I-1.(a).1\n"
        "  a long header for the title:\n"
        "    Zbatimi i një sistemi\n"
        "    menaxhimi\n")


def test_boxed_table_exact() -> None:
    assert output.render_terminal(small_table(), 90, styled=False) == (
        "┏━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓\n"
        "┃            ┃                   ┃     late ┃             ┃                              ┃\n"
        "┃ ref        ┃ lead              ┃ (months) ┃ state       ┃ title                        ┃\n"
        "┡━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩\n"
        "│ II-2.(c).1 │ ZKKA              │       12 │ overdue     │ Ligji [nr. 9669] për masat   │\n"
        "│            │                   │          │             │ ndaj dhunës në marrëdhëniet  │\n"
        "│            │                   │          │             │ familjare                    │\n"
        "│ I-1.(a).10 │ AKADEMIA-POLICISE │        7 │ not_started │                              │\n"
        "└────────────┴───────────────────┴──────────┴─────────────┴──────────────────────────────┘\n"
        "2 overdue\n")


def test_columns_still_unpack_as_key_and_header() -> None:
    table = Table([("ref", "ref"), Column("n", "count", NUMBER)], [{"ref": "I-1.(a).1", "n": 3}])
    assert [key for key, _ in table.columns] == ["ref", "n"]
    assert output.render_csv(table) == "ref,n\nI-1.(a).1,3\n"
    assert output.column_kind(table.columns[0], table.rows) == FIXED  # short: inferred fixed
    assert output.column_kind(Column("n", "n"), table.rows) == NUMBER


def test_escape_controls() -> None:
    assert escape_line("a\x1b[31mb\x07\u202ec\n\td\x9b") == "a\\x1b[31mb\\x07\\u202ec\\n\\td\\x9b"
    assert output.one_line("a\n  b\tc\u2028d") == "a b c d"


ALPHABET = st.sampled_from([*"abcXYZ019 -.()[]/:;,'\"", "ë", "Ç", "≈", "–", "漢", "[bold]", "[/bold]",
                                                               "[link=x]", "\x1b", "\x1b[2J", "\x07", "\x00",
                                                               "\x9b", "\x7f", "\n", "\t", "\r", "\u202e",
                                                               "\u2066", "\u200f", "\u2028", "Ligji [nr. 9669]"])
VALUES = st.one_of(st.lists(ALPHABET, max_size=30).map("".join), st.integers(0, 10**6), st.none())


@st.composite
def tables(draw: st.DrawFn) -> Table:
    kinds = draw(st.lists(st.sampled_from([TEXT, FIXED, NUMBER]), min_size=1, max_size=7))
    columns = [Column(f"c{i}", draw(st.lists(ALPHABET, min_size=1, max_size=12).map("".join)), kind,
                      draw(st.sampled_from([None, "red", "dim", output.status_style])))
               for i, kind in enumerate(kinds)]
    rows = [{f"c{i}": draw(VALUES) for i in range(len(kinds))} for _ in range(draw(st.integers(0, 5)))]
    footer = draw(st.one_of(st.none(), st.lists(ALPHABET, max_size=20).map("".join)))
    return Table(columns, rows, footer=footer)


@settings(max_examples=100, deadline=None)
@given(table=tables(), width=st.integers(20, 250), styled=st.booleans())
def test_renderer_never_cuts_fixed_cells_nor_emits_control_characters(table: Table, width: int,
                                                                      styled: bool) -> None:
    screen = output.render_terminal(table, width, styled=styled)
    text = SGR.sub("", screen)
    assert not RAW_CONTROL.search(text), repr(text)
    if not styled:
        assert "\x1b" not in screen
    lines = text.splitlines()
    fixed = [output.one_line(row.get(c.key)) for c in table.columns if output.column_kind(c, table.rows) != TEXT
             for row in table.rows]
    # A fixed value is whole on one line; a list of them ("2009-02-28, 2010-02-28") may break
    # between its items in a stacked block, never inside one.
    items = [item for value in fixed for item in value.split(", ")]
    for value in items:
        assert any(value in line for line in lines), (value, text)
    boxed = text.startswith("┏")
    headers = [output.one_line(c.header) for c in table.columns]
    for line in lines:
        if cell_len(line) > width:  # only a stacked fixed value or a label wider than the terminal may run past it
            assert not boxed, (width, line)
            assert (any(v and line.endswith((v, v + ",")) for v in fixed + items)
                    or any(line.strip() == f"{h}:" for h in headers)), (width, line)


@settings(max_examples=50, deadline=None)
@given(table=tables())
def test_plain_renderer_never_cuts_nor_emits_control_characters(table: Table) -> None:
    text = output.render_plain(table)
    assert not RAW_CONTROL.search(text), repr(text)
    body = text.splitlines()[1:1 + len(table.rows)]
    for row, line in zip(table.rows, body, strict=True):
        for c in table.columns:
            assert output.one_line(row.get(c.key)) in line
