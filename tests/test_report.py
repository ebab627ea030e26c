"""`apcli report`: golden files, Markdown structure, escaping of plan text, per-institution
output, and a real browser opening the HTML report of the real plan."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from conftest import DATA, MINI_PLAN, REAL_PLAN, ROOT, Run, check_golden

if TYPE_CHECKING:
    from typer.testing import Result

GOLDEN = ROOT / "tests" / "golden"
EN_PLAN = DATA / "mini-plan-en"  # the mini plan with English beside every text
DEMO = ROOT / "examples" / "progress-demo"
AS_OF = "2009-06"
PAYLOAD = ('<script>alert("x")</script><img src=x onerror=alert(1)> **bold** _em_ '
           '[link](javascript:alert(1)) | pipe `code` # hash: colon; semi ~~del~~ &amp; \\ end')


def md_parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def golden(name: str, text: str, update: bool) -> None:
    check_golden(GOLDEN / name, text, update)


def report(run: Run, tmp_path: Path, *args: object) -> str:
    """Run `apcli report … --out FILE` and return the file's text (exact bytes)."""
    out = tmp_path / f"out-{len(list(tmp_path.iterdir()))}"
    result = run("report", "--as-of", AS_OF, "--out", out, *args)
    assert result.exit_code == 0, result.stderr
    return out.read_bytes().decode("utf-8")


# ----------------------------------------------------------------------------- golden files


@pytest.mark.parametrize("plan,fmt,lang", [("mini", "md", "sq"), ("mini", "html", "sq"), ("mini", "md", "en"),
                                           ("mini-en", "md", "en"), ("mini-en", "html", "en")])
def test_golden(run: Run, tmp_path: Path, update_golden: bool, plan: str, fmt: str, lang: str) -> None:
    """`mini` has no English (its English report shows every text in Albanian, marked `[sq] `);
    `mini-en` is the same plan with the English beside every text."""
    text = report(run, tmp_path, "--plan", DATA / plan.replace("mini", "mini-plan"), "--format", fmt, "--lang", lang)
    golden(f"{plan}-{AS_OF}.{lang}.{fmt}", text, update_golden)


def test_same_input_same_bytes(run: Run, tmp_path: Path) -> None:
    first = report(run, tmp_path, "--plan", MINI_PLAN, "--format", "html")
    second = report(run, tmp_path, "--plan", MINI_PLAN, "--format", "html")
    assert first == second
    stdout = run("report", "--as-of", AS_OF, "--plan", MINI_PLAN, "--format", "html").stdout
    assert stdout == first


def test_report_content(run: Run, tmp_path: Path) -> None:
    text = report(run, tmp_path, "--plan", EN_PLAN, "--lang", "en")
    assert "# Implementation status report — Status as of 30 June 2009" in text
    # I-1.(a).6 is suspended, due early 2009 (≈), so overdue and approximate, led by MB
    mb = text.split("### MB — Ministry of Interior (2)", 1)[1].split("###", 1)[0]
    assert "| I-1.(a).6 | Beginning of 2009 | 2009-03-31 ≈ | 3 | Suspended | Suspended |" in mb
    assert "| I-1.(a).2 | MPÇSSHB | July 2009 | 2009-07-31 | Not started | Due one month after the cut-off |" in text
    assert "| ZKKA | 3 | 1 | 1 | 1 | 1 |" in text  # scorecard: on time I-1.(a).3, late I-1.(a).4
    assert "I-1.(a).1 Due in the month of the cut-off :crit, t0, 2009-06-01, 2009-07-01" in text
    assert ":done, t2, 2008-10-01, 2009-01-01" in text
    assert text.count("```mermaid") == 2 and text.count("\n```\n") == 2


def test_no_wall_clock_in_output(run: Run, tmp_path: Path) -> None:
    """No wall-clock time leaks in: the only dates are the plan's and the cut-off's."""
    text = report(run, tmp_path, "--plan", MINI_PLAN, "--format", "html")
    assert date.today().isoformat() not in text


# ----------------------------------------------------------------------------- at a glance

QUARTERS = [f"{y}Q{q}" for y in (2008, 2009, 2010) for q in (1, 2, 3, 4)] + ["2011Q1"]
SENTENCE_EN = re.compile(
    r"^(?:(?P<late>\d+) of (?P<n>\d+) activit(?:y|ies) \((?P<share>\\?[<>]?\d+%)\) (?:is|are) overdue"
    r"|None of the (?P<n0>\d+) activit(?:y|ies) is overdue) as of (?P<day>\d+ \w+ \d{4})"
    r"(?:; (?P<approx>\d+) of them rests? on (?:an )?approximate deadlines? \(≈\))?"
    r"; (?:(?P<none>no progress has been recorded yet)"
    r"|(?P<done>\d+) (?:is|are) completed and (?P<busy>\d+) in progress; "
    r"(?P<silent>\d+) (?:has|have) no progress recorded)\.$",
    re.M)
SENTENCE_SQ = re.compile(
    r"^(?:(?P<late>\d+) nga (?P<n>\d+) aktivitete \(\\?[<>]?\d+%\) (?:janë|është) me vonesë"
    r"|Asnjë nga (?P<n0>\d+) aktivitetet nuk është me vonesë) më \d+ \w+ \d{4}"
    r"(?:; (?P<approx>\d+) prej tyre (?:kanë|ka) afat të përafërt \(≈\))?; ", re.M)


def cli_json(run: Run, *args: object) -> Any:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("progress", [None, DEMO], ids=["real-log", "demo-log"])
@pytest.mark.parametrize("quarter", QUARTERS)
def test_summary_sentence_counts_are_those_of_stats_and_overdue(run: Run, tmp_path: Path, quarter: str,
                                                                progress: Path | None) -> None:
    """The opening sentence says what `apcli stats` and `apcli overdue` say, at every quarter."""
    extra = ["--plan", REAL_PLAN] + (["--progress", progress] if progress else [])
    total = cli_json(run, "stats", "--as-of", quarter, *extra)[-1]
    late = cli_json(run, "overdue", "--as-of", quarter, *extra)
    assert total["overdue"] == len(late)
    en = run("report", "--as-of", quarter, "--lang", "en", *extra).stdout
    m = SENTENCE_EN.search(en)
    assert m, en[:600]
    assert int(m["n"] or m["n0"]) == total["activities"] == 226
    assert int(m["late"] or 0) == len(late)
    assert int(m["approx"] or 0) == sum(o["approx"] for o in late)
    if m["none"]:
        assert total["completed"] == total["in_progress"] == 0 and total["no_evidence"] == 226
    else:
        assert (int(m["done"]), int(m["busy"]), int(m["silent"])) == \
            (total["completed"], total["in_progress"], total["no_evidence"])
    sq = run("report", "--as-of", quarter, *extra).stdout
    m = SENTENCE_SQ.search(sq)
    assert m, sq[:600]
    assert (int(m["late"] or 0), int(m["approx"] or 0)) == (len(late), sum(o["approx"] for o in late))


def test_summary_sentence_wording() -> None:
    from ap_cli.report import summary_sentence

    figures = {"activities": 226, "overdue": 112, "overdue_approx": 84, "completed": 0, "in_progress": 0,
               "no_evidence": 226, "progress_entries": 0}
    assert summary_sentence("en", figures, "30 June 2009") == (
        "112 of 226 activities (50%) are overdue as of 30 June 2009; 84 of them rest on approximate "
        "deadlines (≈); no progress has been recorded yet.")
    assert summary_sentence("sq", figures, "30 qershor 2009") == (
        "112 nga 226 aktivitete (50%) janë me vonesë më 30 qershor 2009; 84 prej tyre kanë afat të "
        "përafërt (≈); ende nuk është regjistruar asnjë progres.")
    one = {**figures, "overdue": 1, "overdue_approx": 1, "completed": 1, "in_progress": 2, "no_evidence": 1,
           "progress_entries": 3}
    assert summary_sentence("en", one, "1 May 2009") == (
        "1 of 226 activities (<1%) is overdue as of 1 May 2009; 1 of them rests on an approximate deadline (≈); "
        "1 is completed and 2 in progress; 1 has no progress recorded.")
    none = {**figures, "overdue": 0, "overdue_approx": 0}
    assert summary_sentence("en", none, "31 March 2008").startswith("None of the 226 activities is overdue as of")
    assert summary_sentence("sq", none, "31 mars 2008").startswith("Asnjë nga 226 aktivitetet nuk është me vonesë më")


def test_percent() -> None:
    from ap_cli.report import percent

    assert [percent(n, 226) for n in (0, 1, 112, 113, 225, 226)] == ["0%", "<1%", "50%", "50%", ">99%", "100%"]
    assert percent(1, 8) == "13%" and percent(0, 0) == "–"


@pytest.mark.parametrize("as_of", [date(2008, 3, 31), date(2009, 6, 30), date(2009, 12, 31), date(2011, 3, 31)])
def test_stacked_bar_segments_add_up(as_of: date) -> None:
    """Each activity is in exactly one segment; completed and overdue are the counts of `stats`."""
    from ap_cli.loader import load_plan
    from ap_cli.queries import stats
    from ap_cli.report import build_context

    plan, _ = load_plan(REAL_PLAN, DEMO)
    assert plan is not None
    ctx = build_context(plan, as_of, "en")
    rows = {r["pillar"]: r for r in stats(plan, as_of)}
    for p in [*ctx["pillars"], {"numeral": "all", "segments": ctx["segments"]}]:
        seg = {g["key"]: g["count"] for g in p["segments"]}
        assert sum(seg.values()) == rows[p["numeral"]]["activities"]
        assert seg["completed"] == rows[p["numeral"]]["completed"]
        assert seg["overdue"] == rows[p["numeral"]]["overdue"]
        assert seg["in_progress"] <= rows[p["numeral"]]["in_progress"]
        assert abs(sum(g["width"] for g in p["segments"]) - 100) < 0.05
        assert [g["key"] for g in p["segments"]][:4] == ["completed", "in_progress", "overdue", "not_yet_due"]


class Stacks(HTMLParser):
    """The stacked bars of an HTML report: aria-label, and (width, title, text) of each segment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.bars: list[dict[str, Any]] = []
        self._seg: list[Any] | None = None  # width, title, text

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "stack" in (a.get("class") or "").split():
            self.bars.append({"role": a.get("role"), "label": a.get("aria-label"), "segs": []})
        elif "seg" in (a.get("class") or "").split():
            found = re.search(r"width:([\d.]+)%", a["style"] or "")
            assert found, a
            width = float(found.group(1))
            self._seg = [width, a["title"], ""]
            self.bars[-1]["segs"].append(self._seg)

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._seg is not None and not self._seg[2].endswith("%"):
            self._seg = None

    def handle_data(self, data: str) -> None:
        if self._seg is not None:
            self._seg[2] += data


def test_stacked_bars_in_html_are_labelled_and_add_up(tmp_path: Path) -> None:
    from ap_cli.loader import load_plan
    from ap_cli.render import render_report

    plan, _ = load_plan(REAL_PLAN, DEMO)
    assert plan is not None
    html = render_report(plan, date(2009, 6, 30), "html", "en")
    bars = Stacks()
    bars.feed(html)
    assert len(bars.bars) == len(plan.pillars) + 1  # one per pillar and the whole plan
    totals = [55, 59, 59, 53, 226]
    for bar, total in zip(bars.bars, totals, strict=True):
        assert bar["role"] == "img"
        counts = [int(n) for n in re.findall(r" (\d+) \(", bar["label"])]
        assert sum(counts) == total, bar["label"]
        assert abs(sum(w for w, _, _ in bar["segs"]) - 100) < 0.05
        for _width, title, text in bar["segs"]:  # a segment's visible text is its own count
            count = re.search(r": (\d+) ", title)
            assert count, title
            assert text == "" or text.split()[0] == count.group(1)
    whole = bars.bars[-1]["label"]
    assert whole.startswith("Whole plan: Completed 2 (1%); In progress, not overdue 1 (<1%); Overdue 109 (48%); ")
    # the legend names every segment, so the bar is read by its labels as well as its colours
    for label in ("Completed", "In progress, not overdue", "Overdue", "Not yet due"):
        assert f'">{label}</li>' in html


def external_references(html: str) -> list[str]:
    """Everything in a page that could make a browser fetch: URLs, src/href/action/srcset,
    CSS url() and @import, <link>; same-page fragments and the SVG namespace are not fetches."""
    found = [u for u in re.findall(r"(?:https?:|ftp:|data:|file:)?//[^\s\"'<>)]+", html)
             if u != "http://www.w3.org/2000/svg"]
    for attr, value in re.findall(r"\s(src|href|action|srcset|xlink:href|poster)\s*=\s*\"([^\"]*)\"", html):
        if not value.startswith("#"):
            found.append(f"{attr}={value}")
    found += [u for u in re.findall(r"url\(\s*['\"]?([^)'\"]*)", html) if not u.startswith("#")]
    found += re.findall(r"@import|<link\b|<iframe\b|<object\b|<embed\b", html)
    return found


def test_html_reports_fetch_nothing(run: Run, tmp_path: Path) -> None:
    from ap_cli.loader import load_plan
    from ap_cli.render import render_report

    plan, _ = load_plan(REAL_PLAN, DEMO)
    assert plan is not None
    for lang in ("sq", "en"):
        html = render_report(plan, date(2009, 6, 30), "html", lang)
        assert external_references(html) == []
        assert "url(#hatch-I-w)" in html  # fragments are allowed, and used
    assert external_references('<img src="https://x.example/a.png"><a href="//cdn">') == \
        ["https://x.example/a.png", "//cdn", "src=https://x.example/a.png", "href=//cdn"]
    out = tmp_path / "per"
    assert run("report", "--as-of", AS_OF, "--plan", MINI_PLAN, "--per-institution", "--format", "html",
               "--out", f"{out}/").exit_code == 0
    for page in out.iterdir():
        text = page.read_text(encoding="utf-8")
        links = [v for v in external_references(text) if not re.fullmatch(r"href=[a-z0-9-]+\.html", v)]
        assert links == [], page.name


def test_timeline_bars_carry_a_short_title(run: Run, tmp_path: Path) -> None:
    html = report(run, tmp_path, "--plan", MINI_PLAN, "--format", "html")
    labels = re.findall(r'<text x="4" y="\d+"[^>]*><tspan class="ref">([^<]+)</tspan> ([^<]*)</text>', html)
    assert ("I-1.(a).1", "Afati në muajin e cut-off") in labels
    assert len(labels) == 2 * len(set(labels))  # each bar in the wide and the phone chart
    md = report(run, tmp_path, "--plan", MINI_PLAN)
    assert "    I-1.(a).1 Afati në muajin e cut-off :crit, t0, 2009-06-01, 2009-07-01" in md


def test_short_label() -> None:
    from ap_cli.render import short_label

    title = ("Hartimi i termave të referencës për monitorimin, si pjese e “Planit për monitorim, "
             "vlerësim dhe rishikim”")
    assert short_label(title, 46) == "Hartimi i termave të referencës për…"
    assert short_label("a\nb  c", 46) == "a b c"
    assert short_label("x" * 100, 20) == "x" * 19 + "…"
    for width in (10, 30, 46):
        assert len(short_label(title, width)) <= width


def test_counts_say_which_roles_they_count(run: Run, tmp_path: Path) -> None:
    """The index counts a body's activities in any role (as `by-institution`), the scorecard as lead."""
    out = tmp_path / "per"
    assert run("report", "--as-of", AS_OF, "--per-institution", "--lang", "en", "--out", f"{out}/").exit_code == 0
    index = (out / "index.md").read_text(encoding="utf-8")
    assert ("| Institution | Name | Activities (any role) | Through collectives | As lead | Overdue (any role) | "
            "Due by 2009-09-30 (any role) | Report |") in index
    summary = cli_json(run, "by-institution", "ZKKA", "--as-of", AS_OF)["summary"]
    row = next(line for line in index.splitlines() if line.startswith("| ZKKA |"))
    assert split_row(row)[2:6] == [f" {summary['activities']} ", f" {summary['via']['activities']} ",
                                   f" {summary['direct']['by_role']['lead']} ", f" {summary['overdue']} "]
    assert (summary["activities"], summary["via"]["activities"], summary["overdue"]) == (136, 4, 79)
    main = run("report", "--as-of", AS_OF, "--lang", "en").stdout
    assert "| Institution | Activities led | Overdue (as lead) | Completed on time |" in main
    led = [o for o in cli_json(run, "overdue", "--as-of", AS_OF) if o["lead"] == "ZKKA"]
    assert f"| ZKKA | 45 | {len(led)} | 0 | 0 | 45 |" in main and len(led) == 25
    zkka = (out / "zkka.md").read_text(encoding="utf-8")
    assert ("136 activities of the institution, in any role (lead, responsible or support): 132 naming it and 4 "
            "naming a collective it belongs to (National Referral Mechanism 4)") in zkka


# ----------------------------------------------------------------------------- Markdown structure


def split_row(line: str) -> list[str]:
    """Cells of a GFM table row: split on pipes that no backslash escapes."""
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    cells, cur, i = [], "", 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            cur += body[i:i + 2]
            i += 2
            continue
        if body[i] == "|":
            cells.append(cur)
            cur = ""
        else:
            cur += body[i]
        i += 1
    if cur.strip():
        cells.append(cur)
    return cells


def check_tables(text: str) -> int:
    """Every table parses as one, and every row, as written, has as many cells as its header
    (GFM would silently drop or pad the difference); returns the number of rows."""
    lines = text.split("\n")
    tokens = md_parser().parse(text)
    delimiters = [ln for ln in lines if re.fullmatch(r"\|(?:\s*:?-+:?\s*\|)+", ln)]
    assert sum(t.type == "table_open" for t in tokens) == len(delimiters), "a table did not parse as a table"
    rows, width, cells, source = 0, None, 0, ""
    for tok in tokens:
        if tok.type == "table_open":
            width = None
        elif tok.type == "tr_open":
            assert tok.map is not None
            cells, source = 0, lines[tok.map[0]]
        elif tok.type in ("th_open", "td_open"):
            cells += 1
        elif tok.type == "tr_close":
            written = len(split_row(source))
            width = written if width is None else width
            assert written == width == cells, f"row has a different cell count than its header: {source}"
            rows += 1
    return rows


def test_markdown_tables_keep_their_cells(run: Run, tmp_path: Path) -> None:
    for lang in ("sq", "en"):
        text = report(run, tmp_path, "--plan", MINI_PLAN, "--lang", lang)
        assert check_tables(text) > 15


def test_markdown_report_of_the_real_plan_parses() -> None:
    from ap_cli.loader import bundled_plan_dir, load_plan
    from ap_cli.render import render_report

    plan, _ = load_plan(bundled_plan_dir())
    assert plan is not None
    text = render_report(plan, date(2009, 6, 30), "md")
    assert check_tables(text) >= len(plan.pillars)


_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"))
                | st.sampled_from(list("\\`*_[]<>|#~&!:;-+=.()")), max_size=40)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_any_cell_text_survives_markdown(value: str) -> None:
    """The cell shows the text itself; bidi and invisible characters as visible escapes."""
    from ap_cli.diagnostics import escape_line
    from ap_cli.render import md_cell

    row = f"| a | b |\n|---|---|\n| x | {md_cell(value)} |\n"
    assert len(split_row(row.split("\n")[2])) == 2
    cells = Cells()
    cells.feed(md_parser().render(row))
    assert cells.cells[-1] == (escape_line(value).strip(), [])


# ----------------------------------------------------------------------------- plan text is text


class Cells(HTMLParser):
    """Table cells of an HTML page as (text, child tags), plus every start tag seen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[tuple[str, list[str]]] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self._cell: list[Any] | None = None  # [text, child tags]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in ("td", "th"):
            self._cell = ["", []]
        elif self._cell is not None:
            self._cell[1].append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append((self._cell[0], self._cell[1]))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell[0] += data


@pytest.fixture
def injected(mini_plan: Path) -> Path:
    """The fixture plan with the payload as an activity title and as a pillar title."""
    path = mini_plan / "1-provat.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('title: "Afati në muajin e cut-off"', f"title: {json.dumps(PAYLOAD)}")
    text = text.replace("title: PROVAT", f"title: {json.dumps(PAYLOAD)}")
    path.write_text(text, encoding="utf-8")
    return mini_plan


def test_payload_is_text_in_html(run: Run, tmp_path: Path, injected: Path) -> None:
    html = report(run, tmp_path, "--plan", injected, "--format", "html")
    page = Cells()
    page.feed(html)
    assert page.tags.count("script") == 1  # ours only
    assert "img" not in page.tags
    assert (PAYLOAD, []) in page.cells, "the title must be one cell of plain text"
    assert sum(PAYLOAD in t for t in page.text) >= 3  # table cell, SVG tooltip, pillar name
    short = [t for t in page.text if t.startswith(' <script>alert("x")</script><img') and t.endswith("…")]
    assert len(short) == 2  # the timeline labels (wide and phone chart), cut short, as text
    assert "<script>alert" not in html and "<img" not in html


def test_payload_is_text_in_markdown(run: Run, tmp_path: Path, injected: Path) -> None:
    text = report(run, tmp_path, "--plan", injected)
    check_tables(text)
    page = Cells()
    page.feed(md_parser().render(re.sub(r"```mermaid\n.*?\n```", "", text, flags=re.S)))
    assert (PAYLOAD, []) in page.cells
    assert not {"script", "img", "a", "em", "code", "del"} & set(page.tags)
    # the Mermaid block: one line per task, nothing that Mermaid or the fence would read
    mermaid = re.search(r"```mermaid\n(.*?)\n```", text, re.S)
    assert mermaid, text
    block = mermaid.group(1)
    task = next(ln for ln in block.split("\n") if ln.strip().startswith("I-1.(a).1 "))
    label = task.rsplit(" :", 1)[0]
    assert not set(":#;`<>") & set(label)
    assert "alert" in label
    title = next(ln for ln in block.split("\n") if ln.strip().startswith("title "))
    assert not set(":#;`<>") & set(title)
    assert text.count("```") % 2 == 0


def test_user_template_is_autoescaped_and_strict(run: Run, tmp_path: Path, injected: Path) -> None:
    tpl = tmp_path / "mine.html.j2"
    tpl.write_text("<p>{{ timeline[0].title }}</p>\n", encoding="utf-8")
    out = run("report", "--as-of", AS_OF, "--plan", injected, "--template", tpl)
    assert out.exit_code == 0, out.stderr
    assert out.stdout == "<p>" + PAYLOAD.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
        .replace('"', "&#34;").replace("'", "&#39;") + "</p>\n"
    bad = tmp_path / "bad.md.j2"
    bad.write_text("{{ no_such_thing }}\n", encoding="utf-8")
    out = run("report", "--as-of", AS_OF, "--plan", injected, "--template", bad)
    assert out.exit_code == 2
    assert "no_such_thing" in out.stderr


def test_user_template_can_extend_the_shipped_one(run: Run, tmp_path: Path) -> None:
    tpl = tmp_path / "mine.md.j2"
    tpl.write_text('{% extends "report.md.j2" %}\n', encoding="utf-8")
    mine = report(run, tmp_path, "--plan", MINI_PLAN, "--template", tpl)
    assert mine == report(run, tmp_path, "--plan", MINI_PLAN)


# ----------------------------------------------------------------------------- per institution


def test_per_institution(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    result = run("report", "--as-of", AS_OF, "--plan", MINI_PLAN, "--per-institution", "--out", out)
    assert result.exit_code == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == ["index.md", "mb.md", "mpcsshb.md", "psh.md", "zkka.md"]
    index = (out / "index.md").read_text(encoding="utf-8")
    for name in names[1:]:
        assert f"]({name})" in index
    check_tables(index)
    mine = (out / "mpcsshb.md").read_text(encoding="utf-8")
    assert mine.startswith("# Raport për MPÇSSHB — Gjendja më 30 qershor 2009\n")
    assert "| II-1.(a).1 | drejtues, financues |" in mine
    assert "| I-1.(a).1 |" not in mine  # PSH's and ZKKA's activity, not MPÇSSHB's
    check_tables(mine)


def test_per_institution_html_and_usage(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "html"
    assert run("report", "--as-of", AS_OF, "--plan", MINI_PLAN, "--per-institution", "--out", out,
               "--format", "html").exit_code == 0
    assert (out / "index.html").is_file() and (out / "mpcsshb.html").is_file()
    result = run("report", "--plan", MINI_PLAN, "--per-institution")
    assert result.exit_code == 2 and "--out DIR" in result.stderr
    assert run("report", "--plan", MINI_PLAN, "--lang", "de").exit_code == 2
    assert run("report", "--plan", MINI_PLAN, "--format", "pdf").exit_code == 2


# ----------------------------------------------------------------------------- where --out writes


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) + ("/" if p.is_dir() else "") for p in root.rglob("*"))


def write_report(run: Run, *args: object) -> Result:
    return run("report", "--as-of", AS_OF, "--plan", MINI_PLAN, *args)


@pytest.mark.parametrize("name, kind", [("r.html", "html"), ("r.HTM", "html"), ("r.md", "md"),
                                        ("r.markdown", "md"), ("r", "md"), ("r.txt", "md")])
def test_out_file_name_gives_the_format(run: Run, tmp_path: Path, name: str, kind: str) -> None:
    result = write_report(run, "--out", tmp_path / name)
    assert result.exit_code == 0, result.stderr
    text = (tmp_path / name).read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") if kind == "html" else text.startswith("# Raport mbi zbatimin")
    assert tree(tmp_path) == [name]


def test_out_agreeing_with_format_and_template(run: Run, tmp_path: Path) -> None:
    assert write_report(run, "--format", "html", "--out", tmp_path / "a.html").exit_code == 0
    tpl = tmp_path / "mine.html.j2"
    tpl.write_text('{% extends "report.html.j2" %}\n', encoding="utf-8")
    assert write_report(run, "--template", tpl, "--out", tmp_path / "b.html").exit_code == 0
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()
    assert write_report(run, "--template", tpl, "--out", tmp_path / "c").exit_code == 0  # the template says html
    assert (tmp_path / "c").read_bytes() == (tmp_path / "a.html").read_bytes()


@pytest.mark.parametrize("args, message", [
    (["--format", "md", "--out", "{d}/r.html"], "--format md conflicts with --out {d}/r.html (an HTML file name)"),
    (["--format", "html", "--out", "{d}/r.md"], "--format html conflicts with --out {d}/r.md (a Markdown file name)"),
    (["--out", "{d}/r.md", "--template", "{d}/t.html.j2"],
     "--out {d}/r.md (a Markdown file name) conflicts with --template {d}/t.html.j2 (an HTML template)"),
])
def test_out_conflicting_with_format_is_a_usage_error(run: Run, tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "t.html.j2").write_text("x\n", encoding="utf-8")
    result = write_report(run, *[a.format(d=tmp_path) for a in args])
    assert result.exit_code == 2
    assert result.stderr == f"apcli: {message.format(d=tmp_path)}; make them agree or drop one\n"
    assert tree(tmp_path) == ["t.html.j2"]


def test_out_directory(run: Run, tmp_path: Path) -> None:
    # an existing directory, with or without the slash, gets report.<format>
    assert write_report(run, "--out", tmp_path).exit_code == 0
    assert write_report(run, "--format", "html", "--out", f"{tmp_path}/").exit_code == 0
    assert tree(tmp_path) == ["report.html", "report.md"]
    assert (tmp_path / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    # a new directory (the trailing slash says so) is made when its parent exists
    result = write_report(run, "--out", f"{tmp_path}/new/")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "new" / "report.md").is_file()
    # a directory name that looks like a file name is still a directory when it ends in /
    assert write_report(run, "--out", f"{tmp_path}/x.html/").exit_code == 0
    assert (tmp_path / "x.html" / "report.md").is_file()


@pytest.mark.parametrize("out, message", [
    ("{d}/newdir/sub/", "--out {d}/newdir/sub/: directory {d}/newdir does not exist"),
    ("{d}/newdir/r.md", "--out {d}/newdir/r.md: directory {d}/newdir does not exist"),
    ("{d}/file.md/r.md", "--out {d}/file.md/r.md: {d}/file.md is a file, not a directory"),
    ("{d}/file.md/", "--out {d}/file.md/: {d}/file.md is a file, not a directory"),
])
def test_out_with_a_missing_or_wrong_directory(run: Run, tmp_path: Path, out: str, message: str) -> None:
    (tmp_path / "file.md").write_text("mine\n", encoding="utf-8")
    result = write_report(run, "--out", out.format(d=tmp_path))
    assert result.exit_code == 2
    assert result.stderr == f"apcli: {message.format(d=tmp_path)}\n"
    assert tree(tmp_path) == ["file.md"] and (tmp_path / "file.md").read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize("out, message", [
    (None, "--per-institution writes several files: give --out DIR"),
    ("{d}/x.html", "--per-institution writes several files into a directory, and --out {d}/x.html looks like a "
                   "file name; give a directory (end it with /)"),
    ("{d}/file", "--per-institution writes several files into a directory, and --out {d}/file is a file; "
                 "give a directory (end it with /)"),
    ("{d}/missing/reports/", "--out {d}/missing/reports/: directory {d}/missing does not exist"),
])
def test_per_institution_out_errors(run: Run, tmp_path: Path, out: str | None, message: str) -> None:
    (tmp_path / "file").write_text("mine\n", encoding="utf-8")
    result = write_report(run, "--per-institution", *(["--out", out.format(d=tmp_path)] if out else []))
    assert result.exit_code == 2
    assert result.stderr == f"apcli: {message.format(d=tmp_path)}\n"
    assert tree(tmp_path) == ["file"]


@pytest.mark.parametrize("out", ["{d}/reports/", "{d}/reports"])
def test_per_institution_makes_its_directory(run: Run, tmp_path: Path, out: str) -> None:
    result = write_report(run, "--per-institution", "--format", "html", "--out", out.format(d=tmp_path))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"apcli: wrote 4 reports and index.html to {tmp_path}/reports\n"
    assert tree(tmp_path) == ["reports/", "reports/index.html", "reports/mb.html", "reports/mpcsshb.html",
                              "reports/psh.html", "reports/zkka.html"]


def test_out_is_checked_before_the_plan_is_read(run: Run, tmp_path: Path) -> None:
    result = run("report", "--plan", tmp_path / "no-plan", "--format", "md", "--out", tmp_path / "r.html")
    assert result.exit_code == 2 and "conflicts" in result.stderr


def test_slugs_are_filesystem_safe() -> None:
    from ap_cli.institutions import slug
    from ap_cli.report import slugs

    assert slug("MPÇSSHB") == "mpcsshb"
    assert slug("PSH/Drejtoria kundër Krimit") == "psh-drejtoria-kunder-krimit"
    assert slug("../../etc/passwd") == "etc-passwd"
    assert slug("CON") == "con-" and slug("ÇÇÇ") == "ccc" and slug("…") == "body"
    assert slugs(["M.B", "MB", "M-B", "index"]) == {"M.B": "m-b", "MB": "mb", "M-B": "m-b-2", "index": "index-2"}


def test_filters() -> None:
    from ap_cli.render import md_cell, mermaid_label

    assert mermaid_label("a: b # c; d `e` <f>\n g") == "a b c d e f g"
    assert mermaid_label("x" * 100).endswith("…") and len(mermaid_label("x" * 100)) == 60
    assert md_cell("a | b\nc &amp;") == "a \\| b<br>c \\&amp;"


def test_cli_does_not_import_jinja2() -> None:
    code = "import sys, ap_cli.cli; print('jinja2' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert done.stdout.strip() == "False", done.stderr


def test_templates_are_shipped() -> None:
    from ap_cli.render import templates_dir

    names = {p.name for p in templates_dir().iterdir()}
    assert {"report.md.j2", "report.html.j2", "index.md.j2", "index.html.j2"} <= names
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"templates" = "ap_cli/templates"' in pyproject


# ----------------------------------------------------------------------------- a real browser

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Runs before the report's own CSP and script: records uncaught errors, rejected promises,
# CSP violations (anything the page tried to fetch) and console errors/warnings, then, after
# load, which elements of each pillar are laid out visibly and whether the filter box came up.
PROBE = """<script>(function () {
  var errs = [];
  addEventListener("error", function (e) { errs.push("error: " + (e.message || (e.target && e.target.outerHTML) || "?")); }, true);
  addEventListener("unhandledrejection", function (e) { errs.push("unhandled rejection: " + e.reason); });
  addEventListener("securitypolicyviolation", function (e) { errs.push("CSP: " + e.violatedDirective + " " + e.blockedURI); });
  ["error", "warn"].forEach(function (k) {
    var f = console[k];
    console[k] = function () { errs.push("console." + k + ": " + [].join.call(arguments, " ")); return f.apply(console, arguments); };
  });
  addEventListener("load", function () { setTimeout(function () {
    var seen = {};
    [].forEach.call(document.querySelectorAll("[data-pillar]"), function (el) {
      var r = el.getBoundingClientRect(), s = getComputedStyle(el);
      var n = el.getAttribute("data-pillar"), tag = el.tagName.toLowerCase();
      if (r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none") {
        seen[n] = (seen[n] || []).concat(seen[n] && seen[n].indexOf(tag) >= 0 ? [] : [tag]).sort();
      }
    });
    var f = document.getElementById("filter"), q = document.getElementById("q"), shown = null;
    var query = __QUERY__;
    if (query && q) {
      q.value = query;
      q.dispatchEvent(new Event("input"));
      var rows = document.querySelectorAll("table.filterable tbody tr");
      shown = {rows: [].filter.call(rows, function (r) { return r.offsetHeight > 0; }).length, of: rows.length,
               groups: [].filter.call(document.querySelectorAll(".group"), function (g) { return !g.hidden; })
                 .map(function (g) { return g.getAttribute("data-lead"); })};
    }
    var out = document.createElement("pre");
    out.id = "__probe";
    out.textContent = JSON.stringify({errors: errs, pillars: seen, filter: !!(f && !f.hidden), filtered: shown});
    document.body.appendChild(out);
  }, 0); });
})();</script>"""  # noqa: E501


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed, and CI=true requires the browser test (Debian package `chromium`)")
    pytest.skip("chromium is not installed (Debian package `chromium`); with CI=true this test fails instead")


def browse(page: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
                          capture_output=True, text=True, timeout=180)


def probe(html: str, tmp_path: Path, name: str, query: str | None = None) -> dict[str, Any]:
    """Open `html` with the probe inserted (typing `query` into the table filter, if given); the
    probe's findings, plus the console lines Chromium logged."""
    page = tmp_path / name
    script = PROBE.replace("__QUERY__", json.dumps(query))
    page.write_text(html.replace('<meta charset="utf-8">', '<meta charset="utf-8">' + script, 1), encoding="utf-8")
    done = browse(page, tmp_path, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--dump-dom")
    found = re.search(r'<pre id="__probe">(.*?)</pre>', done.stdout, re.S)
    assert found, f"the page never finished loading: {done.stderr[-2000:]}"
    import html as html_lib

    result: dict[str, Any] = json.loads(html_lib.unescape(found.group(1)))
    result["console"] = [ln for ln in done.stderr.splitlines() if ":CONSOLE" in ln]
    return result


def png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA PNG (what Chromium writes) into rows of pixel bytes."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and colour in (2, 6)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, bpp, rows


def not_blank(path: Path) -> tuple[float, int]:
    """(share of pixels that differ from the most common colour, number of distinct colours)."""
    _width, bpp, rows = png_pixels(path)
    counts: dict[bytes, int] = {}
    for row in rows:
        for x in range(0, len(row), bpp):
            px = row[x:x + 3]
            counts[px] = counts.get(px, 0) + 1
    total = sum(counts.values())
    return 1 - max(counts.values()) / total, len(counts)


def test_browser_detects_errors(tmp_path: Path) -> None:
    """The harness itself: a broken page must be reported, or a clean run proves nothing."""
    broken = ('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><section data-pillar="I">I</section>'
              '<section data-pillar="II" style="display:none">II</section>'
              '<script>console.error("boom"); undefinedFunction();</script></body></html>')
    result = probe(broken, tmp_path, "broken.html")
    assert any("undefinedFunction" in e for e in result["errors"])
    assert any("boom" in e for e in result["errors"])
    assert any("undefinedFunction" in ln for ln in result["console"])
    assert result["pillars"] == {"I": ["section"]}


def test_real_plan_in_a_browser(tmp_path: Path) -> None:
    from ap_cli.loader import bundled_plan_dir, load_plan
    from ap_cli.render import render_report

    chromium()
    plan, _ = load_plan(bundled_plan_dir())
    assert plan is not None and len(plan.pillars) == len(plan.meta.pillars), "a pillar file of plan.yaml did not load"
    html = render_report(plan, date(2009, 6, 30), "html")
    result = probe(html, tmp_path, "report.html")
    assert result["errors"] == [] and result["console"] == [], result
    # each pillar: its row in the pillar table and its timeline figure are laid out and shown
    assert result["pillars"] == {p.numeral: ["figure", "tr"] for p in plan.pillars}
    assert result["filter"], "the table filter should appear when JavaScript runs"
    assert 'id="filter" hidden' in html, "without JavaScript the filter stays hidden: plain tables"
    page = tmp_path / "plain.html"
    page.write_text(html, encoding="utf-8")
    shot = tmp_path / "shot.png"
    browse(page, tmp_path, "--hide-scrollbars", "--window-size=900,1100", f"--screenshot={shot}")
    assert shot.is_file(), "no screenshot written"
    inked, colours = not_blank(shot)
    assert inked > 0.03 and colours > 50, f"the screenshot looks blank ({inked:.1%} inked, {colours} colours)"


def test_table_filter_in_a_browser(tmp_path: Path) -> None:
    """Typing a body's id keeps its overdue group (matched on the heading) and hides the others."""
    from ap_cli.loader import load_plan
    from ap_cli.render import render_report

    chromium()
    plan, _ = load_plan(MINI_PLAN)
    assert plan is not None
    result = probe(render_report(plan, date(2009, 6, 30), "html"), tmp_path, "mini.html", query="mpcsshb")
    assert result["errors"] == [] and result["console"] == [], result
    shown = result["filtered"]
    assert shown["groups"] == ["MPÇSSHB"]
    assert 0 < shown["rows"] < shown["of"]


LAYOUT = """<script>addEventListener("load", function () { setTimeout(function () {
  var w = innerWidth, wide = [];
  [].forEach.call(document.querySelectorAll("body *"), function (el) {
    var r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > w + 1 && wide.length < 5) wide.push(el.tagName.toLowerCase() + "." + el.getAttribute("class"));
  });
  var charts = [].filter.call(document.querySelectorAll("svg.tl"), function (s) { return s.getBoundingClientRect().width > 0; })
    .map(function (s) { return s.getAttribute("class"); });
  var shown = function (sel) { var e = document.querySelector(sel), r = e && e.getBoundingClientRect(); return !!e && r.height > 1 && r.width > 1; };
  parent.postMessage(JSON.stringify({width: w, scroll: document.documentElement.scrollWidth, overflowing: wide,
    charts: charts.filter(function (c, i) { return charts.indexOf(c) === i; }),
    thead: shown("#overdue table thead"), summary: shown("p.summary"), stacks: document.querySelectorAll(".stack").length}), "*");
}, 0); });</script>"""  # noqa: E501
# headless Chromium lays a window out at 500 px at least, so a phone's 390 px is an iframe
HOST = """<!DOCTYPE html><html><body style="margin:0"><iframe src="page.html" style="border:0;width:__W__px;height:1600px"></iframe>
<script>addEventListener("message", function (e) {
  var out = document.createElement("pre"); out.id = "__layout"; out.textContent = e.data; document.body.appendChild(out);
});</script></body></html>"""  # noqa: E501


@pytest.mark.parametrize("width", [390, 1200])
def test_html_report_fits_a_phone_and_a_desktop(tmp_path: Path, width: int) -> None:
    """At phone width nothing sticks out sideways (table rows are cards, the timeline is the
    narrow chart); at desktop width the tables and the wide chart are shown."""
    from ap_cli.loader import load_plan
    from ap_cli.render import render_report

    chromium()
    plan, _ = load_plan(REAL_PLAN, DEMO)
    assert plan is not None
    page = tmp_path / "page.html"
    html = render_report(plan, date(2009, 6, 30), "html", "en")
    page.write_text(html.replace('<meta charset="utf-8">', '<meta charset="utf-8">' + LAYOUT, 1), encoding="utf-8")
    host = tmp_path / "host.html"
    host.write_text(HOST.replace("__W__", str(width)), encoding="utf-8")
    done = browse(host, tmp_path, "--window-size=1300,1700", "--virtual-time-budget=5000", "--dump-dom")
    found = re.search(r'<pre id="__layout">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stderr[-2000:]
    import html as html_lib

    seen = json.loads(html_lib.unescape(found.group(1)))
    assert seen["width"] == width and seen["summary"] and seen["stacks"] == len(plan.pillars) + 1
    if width < 640:
        assert seen["scroll"] <= width and seen["overflowing"] == [], seen
        assert seen["charts"] == ["tl narrow"] and not seen["thead"]
    else:
        assert seen["charts"] == ["tl wide"] and seen["thead"]

