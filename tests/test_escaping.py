"""User text is never interpreted: rich markup, HTML, Markdown and Mermaid syntax in the plan
print literally in every format of every command (table, plain, json, csv, md; show and check;
the report), CSV cells a spreadsheet would run as a formula are neutralised, and report file
names derived from data are safe on any file system.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
from collections.abc import Callable, Iterator

import pytest

from ap_cli import output
from conftest import MINI_PLAN, Run

RICH = "Ligji [nr. 9669] dhe [/i] [bold red]jo e kuqe[/bold red] [link=https://example.invalid]lidhje[/link] :warning:"
HTML = "Strehëza <b>të reja</b> <script>alert(1)</script> <img src=x onerror=alert(1)> &amp; &lt;"
MARKDOWN = ("**jo** _jo_ `kod` # jo | ndarje | [lidhje](https://example.invalid) "
            "![img](https://example.invalid/x.png) <https://example.invalid> ~~jo~~ \\* <!-- koment -->")
MERMAID = ("Detyrë : done, crit, 2009-01-01, 2d ; section X %%{init: {'theme':'dark'}}%% "
           "click t1 href \"javascript:alert(1)\" ``` fund")
FORMULAS = ["=HYPERLINK(\"https://example.invalid\",\"kliko\")", "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1"]
MULTILINE = "Rreshti i parë\nRreshti i dytë | me pipe\n=1+1 në fillim të rreshtit"
TITLES = [RICH, HTML, MARKDOWN, MERMAID, *FORMULAS, MULTILINE]

BODY_ID = "-BODY"  # a registry id that a spreadsheet would read as a formula
BODY_NAME = "Trupi <b>[bold]x[/bold]</b> **y** =1+1"
PILLAR_TITLE = "MBROJTJA [/i] <b>x</b> **y** | z"
PHRASE = "[red]Dimër[/red] <i>2009</i> **x**"  # read through its `due:` override

FORBIDDEN_TAGS = {"script", "b", "strong", "em", "i", "code", "a", "img", "del", "s", "h1", "h2", "ol", "ul", "li",
                  "pre", "blockquote", "hr"}


def q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def pillar_file() -> str:
    lines = ["pillar: II", f"title: {q(PILLAR_TITLE)}", "title_en: Protection", "goals:",
             '  - id: "1"', f"    title: {q(RICH)}", "    objectives:", '      - id: "1.(a)"',
             f"        title: {q(HTML)}", "        activities:"]
    for i, title in enumerate(TITLES, 1):
        lines += [f'          - id: "1.(a).{i}"', f"            title: {q(title)}",
                  f"            responsible: [{q(BODY_ID)}, ZKKA]",
                  f"            indicators: [{q(MARKDOWN)}]"]
        lines += ([f"            deadline: {q(PHRASE)}", '            due: "2009-06"'] if i == 1
                  else ['            deadline: "qershor 2009"'])
    return "\n".join(lines) + "\n"


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    target = tmp_path / "plan"
    shutil.copytree(MINI_PLAN, target)
    (target / "2-mbrojtja.yaml").write_text(pillar_file(), encoding="utf-8")
    with open(target / "institutions.yaml", "a", encoding="utf-8") as f:
        f.write(f"- id: {q(BODY_ID)}\n  name: {q(BODY_NAME)}\n  name_en: {q(BODY_NAME)}\n  kind: other\n")
    return target


@pytest.fixture
def cli(run: Run, plan: Path) -> Callable[..., str]:
    def invoke(command: str, *args: object, fmt: str | None = None) -> str:
        result = run(command, "--plan", plan, *(["--format", fmt] if fmt else []), *args)
        assert result.exit_code == 0, result.stdout + result.stderr
        return result.stdout
    return invoke


# Every command that prints plan text, with the arguments that make each payload show up.
TABULAR = {
    "overdue": ["overdue", "--as-of", "2009-06"],
    "upcoming": ["upcoming", "--as-of", "2009-05", "--within", "3m"],
    "list": ["list"],
    "by-institution": ["by-institution", "--as-of", "2009-06", "--", BODY_ID],  # "--": it starts with "-"
}


def folded(text: str) -> str:
    return " ".join(text.split())


# ----------------------------------------------------------------------------- the plan is clean


def test_the_hostile_plan_is_valid(run: Run, plan: Path) -> None:
    result = run("check", "--plan", plan)
    assert result.exit_code == 0, result.stdout


# ----------------------------------------------------------------------------- plain and rich tables


@pytest.mark.parametrize("command", TABULAR)
def test_plain_table_prints_text_literally_one_row_per_line(cli: Callable[..., str], command: str) -> None:
    out = cli(*TABULAR[command])
    for title in TITLES:
        assert folded(title) in out, title
    rows = [line for line in out.splitlines() if line.startswith("II-1.(a).")]
    assert len(rows) == len(TITLES), out


@pytest.mark.parametrize("command", TABULAR)
def test_rich_table_prints_markup_literally(cli: Callable[..., str], command: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output, "is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "2000")
    out = cli(*TABULAR[command])
    for title in (RICH, HTML, MARKDOWN, MERMAID):
        assert title in out, title
    assert "\x1b]8;" not in out  # no hyperlink escape from [link=…]
    assert "⚠" not in out  # no :warning: emoji either


def test_other_tables_print_names_and_titles_literally(cli: Callable[..., str]) -> None:
    assert folded(BODY_NAME) in cli("institutions")
    assert folded(PILLAR_TITLE) in cli("stats", "--as-of", "2009-06")
    assert folded(PHRASE) in cli("deadlines")
    assert folded(PHRASE) in cli("overdue", "--as-of", "2009-06")


# ----------------------------------------------------------------------------- JSON


def strings(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)
    elif isinstance(node, str):
        yield node


@pytest.mark.parametrize("args", [*TABULAR.values(), ["export"], ["show", "II-1.(a).1"], ["show", "II-1.(a).10"]],
                         ids=[*TABULAR, "export", "show-1", "show-10"])
def test_json_keeps_text_exactly(cli: Callable[..., str], args: list[str]) -> None:
    found = set(strings(json.loads(cli(*args, fmt="json"))))
    expected = TITLES if args[0] != "show" else [TITLES[int(args[1].rsplit(".", 1)[1]) - 1]]
    for title in expected:
        assert title in found, title


def test_json_of_names_titles_and_phrases(cli: Callable[..., str]) -> None:
    assert BODY_NAME in set(strings(json.loads(cli("institutions", fmt="json"))))
    assert PILLAR_TITLE in set(strings(json.loads(cli("stats", "--as-of", "2009-06", fmt="json"))))
    assert any(PHRASE in s for s in strings(json.loads(cli("deadlines", fmt="json"))))


# ----------------------------------------------------------------------------- CSV


def csv_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("args", [*TABULAR.values(), ["export"], ["institutions"], ["deadlines"]],
                         ids=[*TABULAR, "export", "institutions", "deadlines"])
def test_csv_neutralises_formulas_and_keeps_rows(cli: Callable[..., str], args: list[str]) -> None:
    rows = csv_cells(cli(*args, fmt="csv"))
    width = len(rows[0])
    assert all(len(row) == width for row in rows)
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], "a formula cell got through"
    if args[0] in TABULAR or args[0] == "export":
        for title in TITLES:
            expected = "'" + title if title[:1] in ("=", "+", "-", "@", "\t") else title
            assert expected in cells, title
        if args[0] != "by-institution":  # its rows name the role, not the lead
            assert "'" + BODY_ID in cells


@pytest.mark.parametrize("value, cell", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"),
    ("\r=1", "'\n=1"), ("a=1", "a=1"), ("", ""), (None, ""), ("'=1", "'=1"),
])
def test_csv_safe(value: str | None, cell: str) -> None:
    assert output.csv_safe(value) == cell


# ----------------------------------------------------------------------------- Markdown


def markdown_html(text: str) -> str:
    from markdown_it import MarkdownIt

    return str(MarkdownIt("commonmark", {"html": True}).enable("table").render(text))


def cell_texts(rendered: str) -> list[str]:
    cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", rendered, re.S)
    return [html.unescape(re.sub(r"<br\s*/?>", "\n", c)) for c in cells]


@pytest.mark.parametrize("command", [*TABULAR, "institutions", "stats", "deadlines"])
def test_markdown_renders_text_not_syntax(cli: Callable[..., str], command: str) -> None:
    args = TABULAR.get(command) or ([command, "--as-of", "2009-06"] if command == "stats" else [command])
    rendered = markdown_html(cli(*args, fmt="md"))
    tags = set(re.findall(r"<([a-z0-9]+)", rendered))
    assert not tags & FORBIDDEN_TAGS, tags & FORBIDDEN_TAGS
    rows = re.findall(r"<tr>(.*?)</tr>", rendered, re.S)
    widths = {len(re.findall(r"<t[dh]", row)) for row in rows}
    assert len(widths) == 1, "a pipe or newline broke a table row"
    cells = cell_texts(rendered)
    if command in TABULAR:
        for title in TITLES:
            assert title.strip() in cells, title
    elif command == "institutions":
        assert BODY_NAME in cells
    elif command == "stats":
        assert PILLAR_TITLE in cells
    else:
        assert any(PHRASE in c for c in cells)


def test_md_escape_leaves_no_syntax() -> None:
    rendered = markdown_html("| a |\n|---|\n| " + output.md_escape(MARKDOWN + " " + HTML) + " |\n")
    assert not set(re.findall(r"<([a-z0-9]+)", rendered)) & FORBIDDEN_TAGS
    assert cell_texts(rendered)[1] == MARKDOWN + " " + HTML


# ----------------------------------------------------------------------------- show and check


def test_show_text_prints_literally(cli: Callable[..., str]) -> None:
    out = cli("show", "II-1.(a).1")
    assert RICH in out and MARKDOWN in out and HTML in out and PHRASE in out


def test_check_formats_cannot_be_injected(run: Run, plan: Path) -> None:
    text = (plan / "2-mbrojtja.yaml").read_text(encoding="utf-8")
    sneaky = "X [bold]y[] <b>z\n::error file=README.md,line=1::pwned"  # no slash: that starts a unit
    text = text.replace(f"responsible: [{q(BODY_ID)}, ZKKA]", f"responsible: [{q(BODY_ID)}, {q(sneaky)}]", 1)
    (plan / "2-mbrojtja.yaml").write_text(text, encoding="utf-8")
    github = run("check", "--format", "github", "--plan", plan)
    assert github.exit_code == 1
    found = json.loads(run("check", "--format", "json", "--plan", plan).stdout)
    assert [d["code"] for d in found] == ["no-deadline", "unknown-institution"]
    assert "X [bold]y[] <b>z" in found[1]["message"] and "pwned" in found[1]["message"]
    annotations = [line for line in github.stdout.splitlines() if line.startswith("::")]
    assert len(annotations) == len(found), github.stdout
    assert "X [bold]y[] <b>z" in annotations[1] and "pwned" in annotations[1]
    plain = run("check", "--plan", plan)
    assert "X [bold]y[] <b>z" in plain.stdout
    assert not [line for line in plain.stdout.splitlines() if line.startswith("::")]


# ----------------------------------------------------------------------------- the report


def report(run: Run, plan: Path, fmt: str) -> str:
    result = run("report", "--as-of", "2009-06", "--format", fmt, "--plan", plan)
    assert result.exit_code == 0, result.stdout + result.stderr
    return str(result.stdout)


TASK = re.compile(r"\s+[^:#;`<>\n]+ :(crit, |done, |active, |milestone, )?[a-z0-9]+, \d{4}-\d{2}-\d{2}, "
                  r"(\d{4}-\d{2}-\d{2}|\d+d)")
KEYWORD = re.compile(r"(gantt|\s+(title|dateFormat|axisFormat|todayMarker|section) [^:#;`<>\n]*)")


def test_report_mermaid_labels_cannot_break_the_chart(run: Run, plan: Path) -> None:
    text = report(run, plan, "md")
    blocks = re.findall(r"^```mermaid\n(.*?)^```$", text, re.S | re.M)
    assert blocks
    for block in blocks:
        for line in block.splitlines():
            assert not line.strip() or TASK.fullmatch(line) or KEYWORD.fullmatch(line), line
        assert "javascript:" not in block
    assert text.count("```") % 2 == 0


def test_report_mermaid_labels_have_no_comment_or_directive(run: Run, plan: Path) -> None:
    for block in re.findall(r"^```mermaid\n(.*?)^```$", report(run, plan, "md"), re.S | re.M):
        assert "%%" not in block


def test_report_markdown_renders_text_not_syntax(run: Run, plan: Path) -> None:
    rendered = markdown_html(report(run, plan, "md"))
    assert not set(re.findall(r"<([a-z0-9]+)", rendered)) & (FORBIDDEN_TAGS - {"h1", "h2", "ul", "li", "code",
                                                                               "pre", "strong", "em", "hr"})
    assert "<script" not in rendered and "<img" not in rendered and "<b>" not in rendered


def test_report_html_escapes_text(run: Run, plan: Path) -> None:
    page = report(run, plan, "html")
    assert "<script>alert(1)" not in page and "<img src=x" not in page and "<b>të reja</b>" not in page
    assert html.escape(HTML, quote=False) in page or html.escape(HTML) in page


# ----------------------------------------------------------------------------- report file names


def slug() -> tuple[Callable[[str], str], Callable[[list[str]], dict[str, str]]]:
    from ap_cli.institutions import slug
    from ap_cli.report import slugs

    return slug, slugs


@pytest.mark.parametrize("name", ["../../etc/passwd", "..", ".", "", "a/b\\c", "C:\\x", "CON", "nul", "com1", "LPT9",
                                  "MPÇSSHB", "PSH/Drejtoria", "ZKKA-së", " spaces ", "index", "\u202etxt.exe",
                                  "x" * 300, "ë" * 300])
def test_report_slugs_are_safe_file_names(name: str) -> None:
    to_slug, _ = slug()
    stem = to_slug(name)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*-?", stem), stem
    assert stem.rstrip("-") not in {"con", "prn", "aux", "nul"} or stem.endswith("-")
    assert not re.fullmatch(r"(com|lpt)\d", stem)


def test_report_slugs_are_short_enough() -> None:
    to_slug, _ = slug()
    assert len(to_slug("x" * 300)) <= 200


def test_report_slugs_are_distinct_even_where_file_systems_fold_case() -> None:
    _, to_slugs = slug()
    ids = ["MB", "mb", "M.B", "MPÇSSHB", "MPCSSHB", "index", "INDEX", "con", "CON"]
    stems = list(to_slugs(ids).values())
    assert len({s.lower() for s in stems}) == len(ids)
    assert "index" not in stems


def test_per_institution_reports_stay_in_the_output_directory(run: Run, plan: Path, tmp_path: Path) -> None:
    with open(plan / "institutions.yaml", "a", encoding="utf-8") as f:
        for body in ("..", ".hidden", "CON", "com1", "x" * 80):  # a slash would start a unit
            f.write(f"- id: {q(body)}\n  name: {q(body)}\n  name_en: x\n  kind: other\n")
    text = (plan / "2-mbrojtja.yaml").read_text(encoding="utf-8")
    text = text.replace("ZKKA]", f'ZKKA, "..", ".hidden", CON, com1, {"x" * 80}]')
    (plan / "2-mbrojtja.yaml").write_text(text, encoding="utf-8")
    out = tmp_path / "reports"
    result = run("report", "--as-of", "2009-06", "--per-institution", "--out", out, "--plan", plan)
    assert result.exit_code == 0, result.stdout + result.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file() and plan not in p.parents]
    assert written and all(p.parent == out for p in written), written
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*-?\.md", p.name) for p in written), [p.name for p in written]


# ----------------------------------------------------------------------------- control, bidi, invisible (issue 14)
#
# Text that YAML takes but no output may carry raw: tabs and line breaks of every kind, bidi
# controls, zero-width and tag characters (plan values and keys); and in file names, anything:
# ESC sequences, BEL, the one-character CSI U+009B, a newline followed by a workflow command.

from pathlib import Path  # noqa: E402

from ap_cli.diagnostics import UNSAFE, escape_line  # noqa: E402

SNEAKY = "Strehëza\t<b>x</b> \u202eevil\u202c z\u200bw\u2060j \u00adhy\u2028line\u2029para\nend \U000e0041\n::add-mask::secret"  # noqa: E501
SNEAKY_KEY = "zz\n::add-mask::secret"
SNEAKY_BODY = "B\u202eODY"
SNEAKY_FILES = ["a\n::error title=X::pwned\n.yaml", "b\x1b]0;T\x07\x1b[2J\x1b[31m.yaml", "c\x9b31m\x85\u2028.yaml"]


@pytest.fixture
def sneaky(tmp_path: Path) -> Path:
    target = tmp_path / "plan"
    shutil.copytree(MINI_PLAN, target)
    text = (target / "2-mbrojtja.yaml").read_text(encoding="utf-8")
    text = text.replace('title: "Trajnimi i stafit"', f"title: {q(SNEAKY)}\n            indicators: [{q(SNEAKY)}]")
    text = text.replace("responsible: [MPÇSSHB]\n            deadline: \"Deri",
                        f"responsible: [{q(SNEAKY_BODY)}]\n            deadline: \"Deri", 1)
    (target / "2-mbrojtja.yaml").write_text(text, encoding="utf-8")
    with open(target / "institutions.yaml", "a", encoding="utf-8") as f:
        f.write(f"- id: {q(SNEAKY_BODY)}\n  name: {q(SNEAKY)}\n  name_en: x\n  kind: other\n")
    log = target / "progress" / "2009Q2"
    (log / "demo.yaml").write_text((log / "demo.yaml").read_text(encoding="utf-8")
                                   + f"- ref: II-1.(a).1.1\n  date: \"2009-06-01\"\n  status: in_progress\n"
                                     f"  note: {q(SNEAKY)}\n", encoding="utf-8")
    return target


def broken(plan: Path) -> Path:
    """The sneaky plan with an unknown key and progress files with sneaky names, each an error."""
    with open(plan / "2-mbrojtja.yaml", "a", encoding="utf-8") as f:
        f.write(f"{q(SNEAKY_KEY)}: 1\n")
    for name in SNEAKY_FILES:
        (plan / "progress" / "2009Q2" / name).write_text("x: 1\n", encoding="utf-8")
    return plan


def raw(text: str, allowed: str = "\n") -> set[str]:
    """The unsafe characters `text` carries raw, but `allowed`."""
    return set(UNSAFE.findall(text)) - set(allowed)


def test_the_sneaky_plan_only_warns(run: Run, sneaky: Path) -> None:
    result = run("check", "--plan", sneaky)
    assert result.exit_code == 0, result.stdout
    codes = {line.rsplit("(", 1)[1] for line in result.stdout.splitlines()}
    assert codes == {"bidi-control)", "invisible-character)", "no-deadline)"}


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_check_lines_cannot_be_injected_by_keys_or_file_names(run: Run, sneaky: Path, fmt: str) -> None:
    """An unknown key "zz\\n::add-mask::secret", a progress file named "a\\n::error title=X::pwned\\n.yaml"
    or holding ESC ] 0; … BEL ESC [2J: every line of `check` is one diagnostic, nothing raw."""
    plan = broken(sneaky)
    result = run("check", "--format", fmt, "--plan", plan)
    assert result.exit_code == 1
    assert not raw(result.stdout) and not raw(result.stderr)
    lines = result.stdout.splitlines()
    ours = ("::error file=", "::warning file=") if fmt == "github" else ()
    assert all(line.startswith((str(plan), *ours)) for line in lines), \
        [ln for ln in lines if not ln.startswith(str(plan))]
    assert sum("pwned" in line for line in lines) == (2 if fmt == "github" else 1)
    assert f"{plan}/progress/2009Q2/b\\x1b]0;T\\x07\\x1b[2J\\x1b[31m.yaml:1:1: [error]" in result.stdout
    assert f"{plan}/progress/2009Q2/c\\x9b31m\\x85\\u2028.yaml:1:1: [error]" in result.stdout
    assert "unknown field 'zz\\n::add-mask::secret' (unknown-field)" in result.stdout


def test_check_json_keeps_names_exact_and_escaped(run: Run, sneaky: Path) -> None:
    plan = broken(sneaky)
    result = run("check", "--format", "json", "--plan", plan)
    assert not raw(result.stdout)
    files = {Path(d["file"]).name for d in json.loads(result.stdout)}
    assert set(SNEAKY_FILES) <= files


def test_annotation_escapes_every_control_character() -> None:
    from ap_cli.diagnostics import Diagnostic, format_github

    d = Diagnostic("p\x1b[2J\n::x.yaml", 1, 1, "error", "c", "a\x9b31m\u2028b\u202e\x07\n::add-mask::s")
    first, plain = format_github([d]).splitlines()[:2]
    assert first == ("::error file=p\\x1b[2J\\n%3A%3Ax.yaml,line=1,col=1,title=c::"
                     "a\\x9b31m\\u2028b\\u202e\\x07%0A::add-mask::s")
    assert plain == "p\\x1b[2J\\n::x.yaml:1:1: [error] a\\x9b31m\\u2028b\\u202e\\x07\\n::add-mask::s (c)"


SNEAKY_COMMANDS = {
    "list": ["list"],
    "overdue": ["overdue", "--as-of", "2010-06"],
    "upcoming": ["upcoming", "--as-of", "2009-06", "--within", "1y"],
    "by-institution": ["by-institution", "--as-of", "2009-06", SNEAKY_BODY],
    "institutions": ["institutions"],
    "deadlines": ["deadlines"],
    "export": ["export"],
}


def sneaky_out(run: Run, plan: Path, args: list[str], fmt: str | None = None) -> str:
    result = run(*args, "--plan", plan, *(["--format", fmt] if fmt else []))
    assert result.exit_code == 0, result.stdout + result.stderr
    return str(result.stdout)


@pytest.mark.parametrize("command", [c for c in SNEAKY_COMMANDS if c != "export"])
def test_tables_show_unsafe_characters_escaped(run: Run, sneaky: Path, command: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain and rich tables: each cell one line, every unsafe character an escape."""
    plain = sneaky_out(run, sneaky, SNEAKY_COMMANDS[command])
    assert not raw(plain)
    if command in ("list", "overdue", "upcoming", "by-institution"):
        assert escape_line(" ".join(SNEAKY.split())) in plain
        assert len([line for line in plain.splitlines() if line.startswith("II-1.(a).1.1")]) == 1
    monkeypatch.setattr(output, "is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "3000")
    monkeypatch.setenv("NO_COLOR", "1")  # styles are escape sequences apcli writes itself; data must add none
    monkeypatch.setenv("APCLI_PAGER", "")
    assert not raw(sneaky_out(run, sneaky, SNEAKY_COMMANDS[command]))


@pytest.mark.parametrize("command", SNEAKY_COMMANDS)
def test_json_stays_valid_exact_and_escaped(run: Run, sneaky: Path, command: str) -> None:
    """JSON escapes what a terminal would obey as \\u escapes, so a tool reads the text exactly."""
    out = sneaky_out(run, sneaky, SNEAKY_COMMANDS[command], "json")
    assert not raw(out)
    found = set(strings(json.loads(out)))
    if command in ("list", "overdue", "upcoming", "by-institution", "export"):
        assert SNEAKY in found
    if command == "institutions":
        assert SNEAKY_BODY in found and SNEAKY in found


@pytest.mark.parametrize("command", SNEAKY_COMMANDS)
def test_markdown_and_csv_show_unsafe_characters_escaped(run: Run, sneaky: Path, command: str) -> None:
    if command != "export":
        rendered = markdown_html(sneaky_out(run, sneaky, SNEAKY_COMMANDS[command], "md"))
        assert not raw(rendered, "\n\t")
        rows = re.findall(r"<tr>(.*?)</tr>", rendered, re.S)
        assert len({len(re.findall(r"<t[dh]", row)) for row in rows}) == 1, "a line separator broke a row"
    cells = [c for row in csv_cells(sneaky_out(run, sneaky, SNEAKY_COMMANDS[command], "csv")) for c in row]
    assert not raw("".join(cells), "\n\t")


def test_show_keeps_lines_and_escapes_the_rest(run: Run, sneaky: Path) -> None:
    out = sneaky_out(run, sneaky, ["show", "II-1.(a).1.1"])
    assert not raw(out, "\n\t")
    assert "\\u202eevil\\u202c z\\u200bw" in out
    assert "Strehëza\t<b>x</b>" in out and "\nend \\U000e0041\n::add-mask::secret" in out  # multi-line stays


def test_quarterly_form_comments_show_unsafe_characters_escaped(run: Run, sneaky: Path, tmp_path: Path) -> None:
    """The form is YAML a clerk edits: its comments escape what an editor would not show (bidi,
    zero-width, tags); its entries are YAML escapes already; filled in as it is, it reads back."""
    for inst in (SNEAKY_BODY, "ZKKA"):
        out = sneaky_out(run, sneaky, ["progress", "template", "--quarter", "2009Q2", "--institution", inst])
        assert not raw(out), raw(out)
    assert "Trajnimi" not in out and "\\u202eevil\\u202c" in sneaky_out(
        run, sneaky, ["progress", "template", "--quarter", "2009Q2", "--institution", SNEAKY_BODY])


def test_deadline_command_escapes_the_phrase(run: Run) -> None:
    result = run("deadline", "qershor 2009\x1b[2J\u202e")
    assert result.exit_code == 1 and not raw(result.stderr)
    assert "\\x1b[2J\\u202e" in result.stderr


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_report_shows_unsafe_characters_escaped(run: Run, sneaky: Path, fmt: str) -> None:
    """Reports keep multi-line text multi-line; everything else unsafe is an escape."""
    text = sneaky_out(run, sneaky, ["report", "--as-of", "2009-06"], fmt)
    assert not raw(text, "\n\t"), raw(text, "\n\t")
    assert ("\\\\u202eevil\\\\u202c" if fmt == "md" else "\\u202eevil\\u202c") in text  # md escapes the backslash
    if fmt == "md":
        for block in re.findall(r"^```mermaid\n(.*?)^```$", text, re.S | re.M):
            assert "\\u" not in block and all(TASK.fullmatch(line) or KEYWORD.fullmatch(line)
                                              for line in block.splitlines() if line.strip())


def test_diff_shows_unsafe_characters_escaped(run: Run, sneaky: Path) -> None:
    for fmt in ("text", "md", "json"):
        result = run("diff", MINI_PLAN, sneaky, "--format", fmt, "--plan", sneaky)
        assert result.exit_code == 0, result.stderr
        assert not raw(result.stdout, "\n\t" if fmt == "md" else "\n"), (fmt, raw(result.stdout))


@pytest.mark.parametrize("text", [
    "\x1b[2J", "\x9b31m", "a\u2028b", "\u202e", "\udcff", "\ud800", "\U000e0041", "\x00", "ok",
    "\u2029\n\r\t", "\x7f", "\ufeff", "\U0001f600",
])
def test_json_of_any_text_is_valid_exact_and_plain(text: str) -> None:
    from ap_cli.diagnostics import dump_json

    out = dump_json({"k": text, text: [text]})
    out.encode("utf-8")  # no lone surrogate left to fail writing it
    assert json.loads(out) == {"k": text, text: [text]}
    assert not raw(out)


# ----------------------------------------------------------------------------- CSV formulas (issue 14)

@pytest.mark.parametrize("value", [
    " =1+1", "\u00a0=HYPERLINK(\"x\")", "\u3000+1", "\u2003-1", " \t@SUM(A1)", "＝1+1", "＋1", "－1", "＠SUM(A1)",
    "﹦1", "﹢1", "﹣1", "﹫x", "\n=1", "\r\n=1", "\t1", "\u2028=1",
])
def test_csv_neutralises_disguised_formulas(value: str) -> None:
    """Spreadsheets skip leading spaces (NBSP too) and read full-width and small forms of = + - @."""
    cell = output.csv_safe(value)
    assert cell.startswith("'"), cell
    assert not raw(cell, "\n\t")


def test_csv_leaves_ordinary_text_alone() -> None:
    for value in ("a=1", "Ligji nr. 9669", "VKM − 12", "2009-06-20", "'=1"):
        assert output.csv_safe(value) == value


# ----------------------------------------------------------------------------- HTML and Markdown reports

HTML_ATTACK = ("</script><script>alert(1)</script> </style><style>*{display:none}</style> "
               "javascript:alert(1) <a href=\"javascript:alert(1)\">x</a> ]]> <!-- -->")


def test_html_report_cannot_close_its_script_or_add_links(run: Run, plan: Path) -> None:
    text = (plan / "2-mbrojtja.yaml").read_text(encoding="utf-8")
    (plan / "2-mbrojtja.yaml").write_text(text.replace(q(RICH), q(HTML_ATTACK), 1), encoding="utf-8")
    log = plan / "progress" / "2009Q2" / "demo.yaml"
    log.write_text(log.read_text(encoding="utf-8") + f"- ref: II-1.(a).2\n  date: \"2009-06-01\"\n"
                   f"  status: completed\n  evidence: {q(HTML_ATTACK)}\n  note: {q(HTML_ATTACK)}\n", encoding="utf-8")
    page = report(run, plan, "html")
    assert page.count("<script") == 1 and page.count("</script>") == 1
    assert page.count("<style") == 1 and "javascript:" not in re.sub(r"&[a-z]+;|&#\d+;", "", page).split("<body")[0]
    assert not re.search(r"<a [^>]*href=\"(?!#)", page), "a link that is not an anchor in the page"
    assert "&lt;/script&gt;" in page


def test_markdown_report_mermaid_cannot_be_broken_by_line_separators(run: Run, plan: Path) -> None:
    text = (plan / "2-mbrojtja.yaml").read_text(encoding="utf-8")
    evil = "\u202ex\u2028click t1 href \"javascript:alert(1)\"\u2029%%{init: {'theme':'dark'}}%%\u0085```"
    (plan / "2-mbrojtja.yaml").write_text(text.replace(q(MERMAID), q(evil), 1), encoding="utf-8")
    out = report(run, plan, "md")
    blocks = re.findall(r"^```mermaid\n(.*?)^```$", out, re.S | re.M)
    assert blocks and out.count("```") % 2 == 0
    for block in blocks:
        assert not raw(block) and "%%" not in block
        for line in block.splitlines():
            assert not line.strip() or TASK.fullmatch(line) or KEYWORD.fullmatch(line), line


# ----------------------------------------------------------------------------- user templates (issue 14)

def template(tmp_path: Path, name: str, body: str) -> Path:
    folder = tmp_path / "templates-from-a-pr"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(body, encoding="utf-8")
    return folder / name


@pytest.mark.parametrize("body, line", [
    ('# x\n\n{{ cycler.__init__.__globals__.os.popen("touch MARKER").read() }}\n', 3),
    ('{{ joiner.__init__.__globals__.os.system("touch MARKER") }}\n', 1),
    ('{{ lipsum.__globals__["os"].popen("touch MARKER").read() }}\n', 1),
    ('{{ plan.__class__.__mro__[1].__subclasses__() }}\n', 1),
    ('{{ "{0.__class__}".format(plan) }}\n', 1),
    ('a\n{% set x = [1] %}\n{{ x.append(2) }}\n', 3),
    ('a\n{{ pillars.clear() }}\n', 2),
    ('{% for p in pillars %}\n{{ p.update({"numeral": "X"}) }}\n{% endfor %}\n', 2),
], ids=["cycler-popen", "joiner-system", "lipsum-globals", "subclasses", "format-dunder", "list-append",
        "clear-data", "update-data"])
def test_user_template_runs_in_the_sandbox(run: Run, plan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           body: str, line: int) -> None:
    """`--template` may come from a pull request: jinja2's immutable sandbox refuses any way out,
    and the refusal names the template's file and line; nothing runs."""
    monkeypatch.chdir(tmp_path)
    evil = template(tmp_path, "evil.md.j2", body)
    result = run("report", "--as-of", "2009-06", "--template", evil, "--plan", plan)
    assert result.exit_code == 2, result.stdout
    assert result.stderr.startswith(f"apcli: {evil}:{line}: "), result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "MARKER").exists()


@pytest.mark.parametrize("name", [".git/config", "../secret.j2", "token.txt", ".hidden.j2", "sub/.env.j2"])
def test_user_template_loads_only_templates(run: Run, plan: Path, tmp_path: Path, name: str) -> None:
    """`{% include ".git/config" %}` would put the checkout's token in a report artifact."""
    folder = tmp_path / "templates-from-a-pr"
    for secret in (".git/config", "token.txt", ".hidden.j2", "sub/.env.j2"):
        (folder / secret).parent.mkdir(parents=True, exist_ok=True)
        (folder / secret).write_text("SECRET-TOKEN\n", encoding="utf-8")
    (tmp_path / "secret.j2").write_text("SECRET-TOKEN\n", encoding="utf-8")
    evil = template(tmp_path, "evil.md.j2", f'{{% include "{name}" %}}\n')
    result = run("report", "--as-of", "2009-06", "--template", evil, "--plan", plan)
    assert result.exit_code == 2 and "SECRET" not in result.stdout + result.stderr, result.stdout
    assert "template not found" in result.stderr


def test_user_templates_still_work_escape_and_fail_loudly(run: Run, plan: Path, tmp_path: Path) -> None:
    page = template(tmp_path, "mine.html.j2", '{% extends "report.html.j2" %}\n')
    result = run("report", "--as-of", "2009-06", "--template", page, "--plan", plan)
    assert result.exit_code == 0 and "<b>të reja</b>" not in result.stdout and "&lt;b&gt;të reja" in result.stdout
    own = template(tmp_path, "own.html.j2", "<h1>{{ plan.title }}</h1>\n{% for p in pillars %}<p>{{ p.title }}"
                   "</p>{% endfor %}\n")
    result = run("report", "--as-of", "2009-06", "--template", own, "--plan", plan)
    assert result.exit_code == 0 and "<p>MBROJTJA [/i] &lt;b&gt;x&lt;/b&gt;" in result.stdout, result.stdout
    missing = template(tmp_path, "typo.md.j2", "ok\n\n{{ plan.titel }}\n")
    result = run("report", "--as-of", "2009-06", "--template", missing, "--plan", plan)
    assert result.exit_code == 2 and result.stderr.startswith(f"apcli: {missing}:3: ") and "titel" in result.stderr
