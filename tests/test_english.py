"""The unofficial English wherever plan text is shown: `--lang sq|en` and `$APCLI_LANG` on every
command that prints plan text, missing English shown in Albanian and marked, the English
labelled unofficial, search in either language, both languages in JSON and in the export, and
deadlines in English generated from their reading.

Exact outputs use tests/data/mini-plan-en (the mini plan with English beside every text) and
the real plan; the mini plan itself has no English, so it shows what a missing text looks like.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import Result

from ap_cli import language
from ap_cli.periods import deadline_en, read_deadline, read_override
from ap_cli.plan import Plan
from conftest import DATA, MINI_PLAN, REAL_PLAN, Run

EN_PLAN = DATA / "mini-plan-en"
P = ("--plan", EN_PLAN)
NOTE = "English: unofficial translation; the Albanian is official."


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.stderr
    return result.stdout


# ----------------------------------------------------------------------------- deadlines


@pytest.mark.parametrize("phrase, english", [
    ("qershor 2009", "June 2009"),
    ("Tremujori i parë i 2009", "Q1 2009"),
    ("Gjysma e dytë e 2010", "Second half of 2010"),
    ("Fillimi i 2009-ës", "Beginning of 2009"),
    ("Mesi i 2009-ës", "Mid-2009"),
    ("Fundi i 2008-ës", "End of 2008"),
    ("Vjeshtë 2008", "Autumn 2008"),
    ("Pranverë 2009", "Spring 2009"),
    ("Gjatë 2009-ës", "2009"),
    ("Deri në fund të 2008", "By the end of 2008"),
    ("Deri në mes të 2010", "By mid-2010"),
    ("Deri në vitin 2010", "By 2010"),
    ("Fundi i 2008 – fillimi i 2009", "End of 2008 – beginning of 2009"),
    ("2009-2010", "2009 – 2010"),
    ("Në vazhdim", "Ongoing"),
    ("Mesi i 2008 dhe në vazhdim", "From mid-2008 onwards"),
    ("Duke filluar nga fundi i 2008", "From the end of 2008 onwards"),
    ("2008 -", "From 2008 onwards"),
    ("Deri në mars të çdo viti pasardhës", "By March of each year"),
    ("Qershor 2008 dhe deri në mars të çdo viti pasardhës", "June 2008, then by March of each year"),
])
def test_deadline_english_is_generated_from_the_reading(phrase: str, english: str) -> None:
    assert deadline_en(read_deadline(phrase)) == english


@pytest.mark.parametrize("due, english", [("2008-06", "June 2008"), ("2009Q2", "Q2 2009"),
                                          ("2009H1", "First half of 2009"), ("2009", "2009")])
def test_an_override_reads_as_its_period(due: str, english: str) -> None:
    assert deadline_en(read_override(due, "Gjysma e 2008-ës")) == english


def test_every_deadline_of_the_real_plan_has_english_without_albanian_words() -> None:
    from ap_cli.loader import load_plan

    plan = load_plan(REAL_PLAN, REAL_PLAN / "no-progress")[0]
    assert plan is not None
    words = {deadline_en(d.reading) for a in plan.activities for d in a.deadlines if d.reading}
    assert len(words) > 30
    assert not [w for w in words if albanian_words(w)], words


def test_deadline_command_prints_the_english(run: Run) -> None:
    out = ok(run("deadline", "Fundi i 2008-ës"))
    assert out.splitlines()[-1] == "in English: End of 2008"
    assert json.loads(ok(run("deadline", "Fundi i 2008-ës", "--format", "json")))["text_en"] == "End of 2008"


# ----------------------------------------------------------------------------- --lang and $APCLI_LANG

COMMANDS = {
    "show": ["show", "I-1.(a).1", "--as-of", "2009-06"],
    "list": ["list", "--as-of", "2009-06"],
    "overdue": ["overdue", "--as-of", "2009-06"],
    "upcoming": ["upcoming", "--as-of", "2009-06"],
    "by-institution": ["by-institution", "ZKKA", "--as-of", "2009-06"],
    "stats": ["stats", "--as-of", "2009-06"],
    "institutions": ["institutions"],
    "report": ["report", "--as-of", "2009-06"],
    "progress template": ["progress", "template", "--quarter", "2009Q2", "--institution", "ZKKA"],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_unknown_language_is_a_usage_error(run: Run, command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = run(*COMMANDS[command], "--plan", EN_PLAN, "--lang", "de")
    assert bad.exit_code == 2
    assert bad.stderr == "apcli: unknown language 'de' (--lang); use one of: sq, en\n"
    monkeypatch.setenv("APCLI_LANG", "fr")
    bad = run(*COMMANDS[command], "--plan", EN_PLAN)
    assert bad.exit_code == 2
    assert bad.stderr == "apcli: unknown language 'fr' ($APCLI_LANG); use one of: sq, en\n"


@pytest.mark.parametrize("command", COMMANDS)
def test_apcli_lang_sets_the_default_and_lang_overrides_it(run: Run, command: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    args = [*COMMANDS[command], "--plan", EN_PLAN]
    sq, en = ok(run(*args)), ok(run(*args, "--lang", "en"))
    assert sq != en
    assert ok(run(*args, "--lang", "sq")) == sq
    monkeypatch.setenv("APCLI_LANG", "en")
    assert ok(run(*args)) == en
    assert ok(run(*args, "--lang", "sq")) == sq
    monkeypatch.setenv("APCLI_LANG", "EN ")
    assert ok(run(*args)) == en
    monkeypatch.setenv("APCLI_LANG", "")
    assert ok(run(*args)) == sq


def test_resolve() -> None:
    assert language.resolve(None, {}) == "sq"
    assert language.resolve(None, {"APCLI_LANG": "en"}) == "en"
    assert language.resolve("sq", {"APCLI_LANG": "en"}) == "sq"
    with pytest.raises(language.LanguageError):
        language.resolve("english", {})


# ----------------------------------------------------------------------------- exact outputs


def test_overdue_in_english(run: Run) -> None:
    assert ok(run("overdue", "--as-of", "2009-06", "--lang", "en", *P)) == f"""\
ref         lead     due         ≈  late (months)  state        deadline                         title
I-1.(a).10  MB       2009-02-28  ≈  4              not_started  February 2009                    Winter with an exact due date
I-1.(a).6   MB       2009-03-31  ≈  3              suspended    Beginning of 2009                Suspended
I-1.(a).8   ZKKA     2009-03-31     3              not_started  By March of each year            Annual report
II-1.(a).1  MPÇSSHB  2009-03-31  ≈  3              not_started  End of 2008 – beginning of 2009  Opening of <b>new</b> shelters
I-1.(a).1   PSH      2009-06-30     0              not_started  June 2009                        Due in the month of the cut-off
I-1.(a).9   MPÇSSHB  2009-06-30  ≈  0              not_started  Mid-2009                         Two stages
6 overdue as of 2009-06-30 (4 with approximate deadlines ≈); 5 with no progress reported
{NOTE}
"""  # noqa: E501


def test_upcoming_list_and_stats_in_english(run: Run) -> None:
    assert ok(run("upcoming", "--as-of", "2009-06", "--lang", "en", *P)) == f"""\
ref        lead     due         ≈  state        deadline   title
I-1.(a).2  MPÇSSHB  2009-07-31     not_started  July 2009  Due one month after the cut-off
1 due after 2009-06-30 up to 2009-09-30
{NOTE}
"""
    assert ok(run("list", "--pillar", "II", "--as-of", "2009-06", "--lang", "en", *P)) == f"""\
ref           lead     deadline                         state        title
II-1.(a).1    MPÇSSHB  End of 2008 – beginning of 2009  not_started  Opening of <b>new</b> shelters
II-1.(a).1.1  MPÇSSHB  By the end of 2009               not_started  Training of the staff
2 of 13 activities
{NOTE}
"""
    assert ok(run("stats", "--as-of", "2009-06", "--lang", "en", *P)) == f"""\
pillar  activities  completed  in progress  overdue  no evidence  ongoing  stale  no deadline  title
I       11          2          1            5        6            1        0      1            Tests
II      2           0          0            1        2            0        0      0            Protection
all     13          2          1            6        8            1        0      1            A small test plan
as of 2009-06-30
{NOTE}
"""


def test_by_institution_in_english_names_the_body_in_english(run: Run) -> None:
    assert ok(run("by-institution", "zkka", "--as-of", "2009-06", "--lang", "en", *P)) == f"""\
ref         role         due         state        standing           title
I-1.(a).1   responsible  2009-06-30  not_started  overdue            Due in the month of the cut-off
I-1.(a).3   lead         2008-12-31  completed    completed on time  Completed on the due day
I-1.(a).4   lead         2009-03-31  completed    completed late     Completed late
I-1.(a).8   lead         2009-03-31  not_started  overdue            Annual report
II-1.(a).1  support      2009-03-31  not_started  overdue            Opening of <b>new</b> shelters
ZKKA (Office of the National Anti-Trafficking Coordinator) as of 2009-06-30: 5 activities naming it (it belongs to no collective), each counted once in its strongest role, direct before via (lead 3, responsible 1, support 1); overdue 3, completed 2 (1 late); reporting 2009Q2: 1 of 4 activities reported, last entry 2009-04-15
{NOTE}
"""  # noqa: E501
    sq = ok(run("by-institution", "zkka", "--as-of", "2009-06", *P))
    assert "ZKKA (Zyra e Koordinatorit Kombëtar për Anti-trafikimin) as of" in sq and NOTE not in sq


def test_show_in_english(run: Run) -> None:
    assert ok(run("show", "I-1.(a).9", "--as-of", "2009-06", "--lang", "en", *P)) == f"""\
I-1.(a).9  Two stages

pillar I · goal 1 · objective 1.(a): The first objective
responsible: MPÇSSHB, PSH/Drejtoria kundër Krimit Ekonomik
resources: DONATORET
deadline (milestone 1): Mid-2009 → due 2009-06-30 ≈
deadline (milestone 2): 2010 → due 2010-12-31
  indicator (milestone 1): The first stage
milestone 2: The closing stage
  indicator (milestone 2): The second stage
state at 2009-06-30: not_started (overdue)
{NOTE}
"""
    out = ok(run("show", "I-1.(a).10", "--as-of", "2009-06", "--lang", "en", *P))
    assert "deadline: February 2009 → due 2009-02-28 ≈\n" in out  # Dimër 2009 with due: 2009-02


def test_institutions_show_both_names(run: Run) -> None:
    en = ok(run("institutions", "--lang", "en", *P)).splitlines()
    assert en[0].split() == ["id", "kind", "leads", "in", "via", "name", "name", "in", "Albanian", "group"]
    assert en[2].rstrip() == ("ZKKA       coordination  3      5   0    Office of the National Anti-Trafficking "
                              "Coordinator         Zyra e Koordinatorit Kombëtar për Anti-trafikimin")
    assert en[-2].startswith("6 bodies; ") and en[-1] == NOTE
    sq = ok(run("institutions", *P)).splitlines()
    assert sq[0].split() == ["id", "kind", "leads", "in", "via", "name", "name", "in", "English", "group"]
    assert sq[2].startswith("ZKKA       coordination  3      5   0    "
                            "Zyra e Koordinatorit Kombëtar për Anti-trafikimin")
    assert sq[2].rstrip().endswith("Office of the National Anti-Trafficking Coordinator")
    assert sq[-1] == NOTE  # English names are shown in both


def test_csv_names_english_columns_by_their_english_keys(run: Run) -> None:
    rows = list(csv.DictReader(io.StringIO(ok(run("overdue", "--as-of", "2009-06", "--lang", "en", "--format", "csv",
                                                  *P)))))
    assert list(rows[0]) == ["ref", "lead", "due", "approx", "months_late", "state", "deadline_en", "title_en"]
    assert rows[0]["title_en"] == "Winter with an exact due date"
    md = ok(run("overdue", "--as-of", "2009-06", "--lang", "en", "--format", "md", *P))
    assert md.endswith(f"\n\n{NOTE}\n")


def test_json_carries_both_languages_whatever_lang_says(run: Run) -> None:
    for command in ("list", "overdue", "upcoming", "by-institution", "stats", "institutions", "show"):
        args = [*COMMANDS[command], "--format", "json", *P]
        if command == "show":
            args[1] = "I-1.(a).2"
        sq, en = ok(run(*args)), ok(run(*args, "--lang", "en"))
        assert sq == en, command
    rows = json.loads(ok(run("list", "--as-of", "2009-06", "--format", "json", *P)))
    assert rows[0] == {"ref": "I-1.(a).1", "lead": "PSH", "deadline": "qershor 2009", "state": "not_started",
                       "title": "Afati në muajin e cut-off", "title_en": "Due in the month of the cut-off",
                       "deadline_en": "June 2009"}
    late = json.loads(ok(run("overdue", "--as-of", "2009-06", "--format", "json", *P)))
    assert (late[3]["title"], late[3]["title_en"], late[3]["deadline"], late[3]["deadline_en"]) == (
        "Hapja e strehëzave <b>të reja</b>", "Opening of <b>new</b> shelters", "Fundi i 2008 – fillimi i 2009",
        "End of 2008 – beginning of 2009")
    stats = json.loads(ok(run("stats", "--as-of", "2009-06", "--format", "json", *P)))
    assert [(r["title"], r["title_en"]) for r in stats] == [
        ("PROVAT", "Tests"), ("MBROJTJA", "Protection"), ("Plani i vogël provë", "A small test plan")]
    shown = json.loads(ok(run("show", "I-1.(a).1", "--format", "json", "--as-of", "2009-06", *P)))
    assert shown["title_en"] == "Due in the month of the cut-off" and shown["indicators_en"] == ["Indicator 1"]
    assert shown["deadlines_read"][0]["text_en"] == "June 2009"


# ----------------------------------------------------------------------------- missing English


def test_missing_english_shows_the_albanian_marked(run: Run) -> None:
    """The mini plan has no English: every text shows in Albanian behind `[sq] `, never silently."""
    out = ok(run("overdue", "--as-of", "2009-06", "--lang", "en", "--plan", MINI_PLAN))
    assert "[sq] Hapja e strehëzave <b>të reja</b>" in out
    rows = out.splitlines()[1:-2]
    assert len(rows) == 6 and all("  [sq] " in line for line in rows)
    shown = ok(run("show", "I-1.(a).1", "--as-of", "2009-06", "--lang", "en", "--plan", MINI_PLAN))
    assert shown.splitlines()[:3] == ["I-1.(a).1  [sq] Afati në muajin e cut-off", "",
                                      "pillar I · goal 1 · objective 1.(a): [sq] Objektivi i parë"]
    assert "indicator: [sq] Tregues 1\n" in shown


def test_one_missing_indicator_is_marked_and_the_others_are_english(tmp_path: Path, run: Run) -> None:
    import shutil

    plan = tmp_path / "plan"
    shutil.copytree(EN_PLAN, plan)
    pillar = plan / "1-provat.yaml"
    text = pillar.read_text(encoding="utf-8")
    text = text.replace('                indicators_en: ["The first stage"]\n', "")
    text = text.replace('            title_en: "Two stages"\n', "")
    pillar.write_text(text, encoding="utf-8")
    # a plan whose English is not complete says so (languages: [sq]); check requires it otherwise
    meta = plan / "plan.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("\nperiod:", "\nlanguages: [sq]\nperiod:", 1),
                    encoding="utf-8")
    out = ok(run("show", "I-1.(a).9", "--as-of", "2009-06", "--lang", "en", "--plan", plan))
    assert out.startswith("I-1.(a).9  [sq] Dy etapa\n")
    assert "  indicator (milestone 1): [sq] Etapa e parë\n" in out
    assert "  indicator (milestone 2): The second stage\n" in out
    data = json.loads(ok(run("export", "--plan", plan)))[8]
    assert data["title_en"] is None and data["indicators_en"] == [None, "The second stage"]


# ----------------------------------------------------------------------------- search


def refs(run: Run, *args: object) -> list[str]:
    return [row["ref"] for row in json.loads(ok(run("list", "--format", "json", *args)))]


def test_search_in_either_language_ignores_case_and_diacritics(run: Run) -> None:
    for needle in ("shelter", "SHELTERS", "strehëz", "strehez", "Strehëza"):
        assert refs(run, "--search", needle, *P) == ["II-1.(a).1"], needle
    assert refs(run, "--search", "closing stage", *P) == ["I-1.(a).9"]  # a milestone's English title
    assert refs(run, "--search", "etapa e dytë", *P) == ["I-1.(a).9"]  # a milestone's indicator
    assert refs(run, "--search", "the second stage", *P) == ["I-1.(a).9"]


def test_search_finds_the_shelter_activities_of_the_real_plan_in_both_languages(run: Run) -> None:
    english = refs(run, "--search", "shelter", "--plan", REAL_PLAN)
    albanian = refs(run, "--search", "strehë", "--plan", REAL_PLAN)
    assert refs(run, "--search", "strehe", "--plan", REAL_PLAN) == albanian
    shelters = ["II-3.(a).4", "II-3.(a).6", "III-1.(a).2"]  # strehat, strehëzave, strehëzat
    assert set(shelters) <= set(english) and set(shelters) <= set(albanian)
    assert set(english) <= set(albanian)  # every English "shelter" has its Albanian streh…


def test_search_key_makes_a_final_e_optional() -> None:
    from ap_cli.queries import search_key

    assert search_key("Strehë") == "streh"
    assert search_key("strehe") == "streh"
    assert search_key("shelter") == "shelter"
    assert search_key("MB") == "mb"
    assert search_key("të") == "te"  # short words stay whole


# ----------------------------------------------------------------------------- export


def test_export_carries_both_languages_in_every_row(run: Run) -> None:
    rows = json.loads(ok(run("export", *P)))
    assert isinstance(rows, list) and len(rows) == 13  # still a list: existing consumers keep working
    first = rows[0]
    assert list(first)[:11] == ["ref", "pillar", "id", "title", "lead", "responsible", "support", "resources",
                                "deadlines", "due", "indicators"]
    assert {k: first[k] for k in ("title", "title_en", "indicators", "indicators_en", "deadlines", "deadlines_en",
                                  "milestones", "en_status")} == {
        "title": "Afati në muajin e cut-off", "title_en": "Due in the month of the cut-off",
        "indicators": ["Tregues 1"], "indicators_en": ["Indicator 1"],
        "deadlines": ["qershor 2009"], "deadlines_en": ["June 2009"], "milestones": None,
        "en_status": "unofficial translation"}
    assert rows[8]["milestones"][1] == {"title": "Etapa përmbyllëse", "title_en": "The closing stage",
                                        "deadline": "2010", "deadline_en": "2010", "due": ["2010-12-31"],
                                        "indicators": ["Etapa e dytë"], "indicators_en": ["The second stage"]}
    assert all(r["en_status"] == "unofficial translation" for r in rows)


def test_export_csv_keeps_its_columns_and_adds_the_english_after_them(run: Run) -> None:
    text = ok(run("export", "--format", "csv", *P))
    header = text.splitlines()[0]
    assert header == ("ref,pillar,id,title,lead,responsible,support,resources,deadlines,due,indicators,"
                      "title_en,deadlines_en,indicators_en,en_status")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 13 and not text.startswith("#")  # no comment line for a spreadsheet to choke on
    assert rows[8]["indicators"] == "Etapa e parë; Etapa e dytë"
    assert rows[8]["indicators_en"] == "The first stage; The second stage"
    assert rows[8]["deadlines_en"] == "Mid-2009; 2010"
    assert {r["en_status"] for r in rows} == {"unofficial translation"}


def test_export_of_the_real_plan_has_every_english(run: Run) -> None:
    rows = json.loads(ok(run("export", "--plan", REAL_PLAN)))
    assert len(rows) == 226
    assert all(r["title_en"] for r in rows)
    assert all(len(r["indicators_en"]) == len(r["indicators"]) and all(r["indicators_en"]) for r in rows)


# ----------------------------------------------------------------------------- helpers


ALBANIAN = (" të ", " dhe ", " për ", " në ", " i ", " e ", " së ", " nga ", " me ", " një ")


def albanian_words(text: str) -> list[str]:
    """Albanian function words and letters, a heuristic: English text has none of them."""
    padded = f" {text.lower()} "
    return [w.strip() for w in ALBANIAN if w in padded] + (["ë"] if "ë" in text.lower() else [])


# ----------------------------------------------------------------------------- the English report

# Proper names and acronyms the English keeps in Albanian, as the translation guide asks.
PROPER_NAMES = ("Këshilli i Qarkut", "Vlorë", "Gjirokastër", "Durrës")


def albanian_outside_names(text: str) -> list[str]:
    """Words with ë or ç (të, në, për, një, së…) and Albanian function words without them (dhe, nga,
    i, e…, lowercase as inside a sentence), outside proper names and acronyms (MPÇSSHB, ËV)."""
    for name in PROPER_NAMES:
        text = text.replace(name, " ")
    words = re.findall(r"[^\W\d_][\w’'-]*", text)
    def acronym(w: str) -> bool:  # MPÇSSHB, MPÇSShB, ËV
        return sum(c.isupper() for c in w) > sum(c.islower() for c in w)

    found = [w for w in words if re.search(r"[ëçËÇ]", w) and not acronym(w)]
    padded = f" {' '.join(text.split())} "
    found += [w.strip() for w in (" dhe ", " nga ", " ose ", " si ", " i ", " e ") if w in padded]  # të, në… above
    return found


class Cells(HTMLParser):
    """Rows of the report's tables as {class: text}, the timeline tooltips, and the visible text
    outside elements marked lang="sq" (the official Albanian title of the plan)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[dict[str, tuple[str, str | None]]] = []
        self.tooltips: list[str] = []
        self.visible: list[str] = []
        self.row: dict[str, tuple[str, str | None]] | None = None
        self.cell: list[str | None] | None = None  # class, text, lang
        self.stack: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, pairs: list[tuple[str, str | None]]) -> None:
        attrs = dict(pairs)
        self.stack.append(tag)
        if self.skip or attrs.get("lang") == "sq" or tag in ("script", "style", "title"):
            self.skip += 1
        if tag == "tr":
            self.row = {}
        elif tag == "td" and self.row is not None:
            self.cell = [attrs.get("class") or "", "", attrs.get("lang")]

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            top = self.stack.pop()
            if self.skip:
                self.skip -= 1
            if top == tag:
                break
        if tag == "td" and self.cell is not None and self.row is not None:
            cls, text, lang = self.cell
            assert cls is not None and text is not None
            self.row[cls] = (" ".join(text.split()), lang)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell[1] = (self.cell[1] or "") + data
        if self.stack and self.stack[-1] == "title" and "svg" in self.stack:
            self.tooltips.append(data)
        if not self.skip:
            self.visible.append(data)


@pytest.fixture(scope="module")
def english_reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Plan, dict[str, str]]:
    """The English HTML report of the real plan as of 2009-06 and one per institution."""
    from ap_cli.loader import load_plan
    from ap_cli.render import render_report, report_files

    plan = load_plan(REAL_PLAN, REAL_PLAN / "no-progress")[0]
    assert plan is not None
    pages = {"report.html": render_report(plan, date(2009, 6, 30), "html", "en"),
             **report_files(plan, date(2009, 6, 30), "html", "en")}
    return plan, pages


def test_english_report_cells_are_the_english_of_their_activity(english_reports: tuple[Plan, dict[str, str]]) -> None:
    """Every title cell of the English report is the activity's `title_en`, every deadline cell the
    English of its deadlines; between them the reports show every activity of the plan."""
    plan, pages = english_reports
    seen = set()
    for name, page in pages.items():
        cells = Cells()
        cells.feed(page)
        for row in cells.rows:
            if "ref" not in row:
                continue
            ref = row["ref"][0]
            rec = plan.by_ref[ref]
            english = [deadline_en(d.reading) for d in rec.deadlines if d.reading]
            title, title_lang = row["t"]
            assert rec.activity.title_en is not None, ref
            assert title == " ".join(rec.activity.title_en.split()) and title_lang is None, (name, ref)
            dl = row["dl"][0]
            assert dl in english or dl == "; ".join(english), (name, ref, dl)
            seen.add(ref)
        for tip in cells.tooltips:
            ref, rest = tip.split(" — ", 1)
            if ref in plan.by_ref:
                assert rest.startswith(f"{plan.by_ref[ref].activity.title_en} — Deadline: "), tip
                seen.add(ref)
    assert seen == set(plan.by_ref)


def test_english_report_has_no_albanian_left_but_names(english_reports: tuple[Plan, dict[str, str]]) -> None:
    _plan, pages = english_reports
    for name, page in pages.items():
        cells = Cells()
        cells.feed(page)
        text = " ".join(cells.visible)
        assert "[sq] " not in text, name  # every text has its English
        assert albanian_outside_names(text) == [], name
    # the detector finds what it is meant to find
    assert albanian_outside_names("Hapja e strehëzave të reja") == ["strehëzave", "të", "e"]
    assert albanian_outside_names("Trajnimi i stafit dhe policisë") == ["policisë", "dhe", "i"]
    assert albanian_outside_names("MPÇSSHB and MPÇSShB lead; Durrës and Vlorë; Pillar I") == []


def test_english_markdown_report_has_no_albanian_left_but_names(run: Run) -> None:
    text = ok(run("report", "--as-of", "2009-06", "--lang", "en", "--plan", REAL_PLAN))
    header, body = text.split("\n\n", 2)[1], text.split("\n\n", 2)[2]
    assert header.startswith("- **Plan:** Strategy and Action Plan against Trafficking in Human Beings (Strategjia")
    assert "> Unofficial translation: the plan's texts in this report" in body
    assert albanian_outside_names(body.replace("\\", "")) == []


def test_reports_say_the_english_is_unofficial(run: Run, tmp_path: Path) -> None:
    for fmt in ("md", "html"):
        en = ok(run("report", "--as-of", "2009-06", "--lang", "en", "--format", fmt, *P))
        assert "Unofficial translation: the plan&#39;s texts" in en if fmt == "html" else \
            "> Unofficial translation: the plan's texts" in en
        found = re.search(r"<footer>.*</footer>", en)
        footer = (found[0] if found else "") if fmt == "html" else en.splitlines()[-1]
        assert "English: unofficial translation" in footer
        sq = ok(run("report", "--as-of", "2009-06", "--format", fmt, *P))
        assert "nofficial translation" not in sq
    out = tmp_path / "per"
    ok(run("report", "--as-of", "2009-06", "--lang", "en", "--per-institution", "--format", "html",
           "--out", f"{out}/", *P))
    for page in out.iterdir():
        assert 'class="unofficial" role="note"' in page.read_text(encoding="utf-8"), page.name
    ok(run("report", "--as-of", "2009-06", "--lang", "en", "--per-institution", "--out", f"{out}/", *P))
    for page in out.glob("*.md"):
        assert "> Unofficial translation" in page.read_text(encoding="utf-8"), page.name


def test_html_filter_matches_either_language(run: Run) -> None:
    """Rows carry the other language's title in data-alt, which the filter folds in."""
    en = ok(run("report", "--as-of", "2009-06", "--lang", "en", "--format", "html", *P))
    assert '<tr data-alt="Hapja e strehëzave &lt;b&gt;të reja&lt;/b&gt;"><td class="ref">II-1.(a).1</td>' in en
    assert 'r.getAttribute("data-alt")' in en
    sq = ok(run("report", "--as-of", "2009-06", "--format", "html", *P))
    assert '<tr data-alt="Opening of &lt;b&gt;new&lt;/b&gt; shelters"><td class="ref">II-1.(a).1</td>' in sq
    untranslated = ok(run("report", "--as-of", "2009-06", "--lang", "en", "--format", "html", "--plan", MINI_PLAN))
    assert '<td class="t" lang="sq">[sq] Hapja e strehëzave &lt;b&gt;të reja&lt;/b&gt;</td>' in untranslated


# ----------------------------------------------------------------------------- the quarterly form


def test_english_form_shows_the_english_of_each_activity(run: Run) -> None:
    """The English form of the real plan: each activity's title and indicators are its English, its
    deadlines the English of their readings, and no Albanian is left in them but names."""
    from ap_cli.loader import load_plan

    plan = load_plan(REAL_PLAN, REAL_PLAN / "no-progress")[0]
    assert plan is not None
    form = ok(run("progress", "template", "--quarter", "2009Q2", "--institution", "MPÇSSHB", "--lang", "en",
                  "--plan", REAL_PLAN))
    assert "# The activities' titles and indicators below are an unofficial English translation and\n" in form
    blocks = form.split("\n\n# ")[1:]
    checked = 0
    for block in blocks:
        head = block.split("\n", 1)[0]
        ref = head.split(" — ", 1)[0]
        if ref not in plan.by_ref:
            continue
        rec = plan.by_ref[ref]
        texts = block.split("\n#   state at ")[0]
        assert rec.activity.title_en is not None, ref
        assert head == f"{ref} — {rec.activity.title_en.splitlines()[0]}".rstrip(), head
        for english in language.indicators_en(rec):
            assert english is not None, ref
            assert f"#     - {english.splitlines()[0]}".rstrip() in texts, (ref, english)
        for d in rec.deadlines:
            assert d.reading is not None, ref
            assert f"#   deadline: {deadline_en(d.reading)} → " in texts, ref
        unquoted = re.sub(r"“[^”]*”", " ", texts)  # a quoted Albanian term kept in the translation (sic)
        assert albanian_outside_names(unquoted) == [], (ref, albanian_outside_names(unquoted))
        checked += 1
    # 52 naming the ministry and 26 through collectives it belongs to, each with a ready entry;
    # 12 addressed to all bodies close the form without one
    assert (checked, form.count("\n# - ref: ")) == (90, 78)
    sq = ok(run("progress", "template", "--quarter", "2009Q2", "--institution", "MPÇSSHB", "--plan", REAL_PLAN))
    assert "nofficial" not in sq and "# II-3.(a).4 — Mbajtja e strehave ekzistuese" in sq


# ----------------------------------------------------------------------------- diff


@pytest.fixture
def grown_plan(tmp_path: Path) -> Path:
    """The English mini plan with a goal, an objective, an activity and a body added."""
    import shutil

    head = tmp_path / "head"
    shutil.copytree(EN_PLAN, head)
    with open(head / "2-mbrojtja.yaml", "a", encoding="utf-8") as f:
        f.write('  - id: "2"\n    title: "Riintegrimi"\n    title_en: "Reintegration"\n    objectives:\n'
                '      - id: "2.(a)"\n        title: "Punësimi"\n        activities:\n'
                '          - id: "2.(a).1"\n            title: "Trajnime profesionale"\n'
                '            responsible: [KRAT]\n            deadline: "Mesi i 2010-ës"\n')
    with open(head / "institutions.yaml", "a", encoding="utf-8") as f:
        f.write("- id: KRAT\n  name: Komitetet Rajonale për Anti-trafikim\n"
                "  name_en: Regional Anti-Trafficking Committees\n  kind: local\n")
    return head


def test_diff_shows_what_was_added_in_english(run: Run, grown_plan: Path) -> None:
    en = ok(run("diff", EN_PLAN, grown_plan, "--lang", "en", "--format", "text"))
    assert en.endswith(f"""
Activities added (1)
  II-2.(a).1  KRAT  Mid-2010  [sq] Trajnime profesionale

Goals added (1)
  II-2  Reintegration

Objectives added (1)
  II-2.(a)  [sq] Punësimi

Institutions added (1)
  KRAT  Regional Anti-Trafficking Committees

{NOTE}
""")
    sq = ok(run("diff", EN_PLAN, grown_plan, "--format", "text"))
    assert "  II-2.(a).1  KRAT  Mesi i 2010-ës  Trajnime profesionale\n" in sq and NOTE not in sq
    md = ok(run("diff", grown_plan, EN_PLAN, "--lang", "en"))
    assert "| II-2 | Reintegration |" in md and md.endswith(f"\n\n{NOTE}\n")
    assert ok(run("diff", EN_PLAN, grown_plan, "--lang", "en", "--format", "json")) == \
        ok(run("diff", EN_PLAN, grown_plan, "--format", "json"))
    changes = json.loads(ok(run("diff", EN_PLAN, grown_plan, "--format", "json")))
    assert changes[0]["after"] == {"title": "Trajnime profesionale", "lead": "KRAT", "deadline": "Mesi i 2010-ës",
                                   "title_en": None, "deadline_en": "Mid-2010"}
    assert (changes[1]["after"], changes[1]["english"]) == ("Riintegrimi", "Reintegration")
    assert "english" not in changes[2]
    assert (changes[3]["after"], changes[3]["english"]) == ("Komitetet Rajonale për Anti-trafikim",
                                                            "Regional Anti-Trafficking Committees")


def test_diff_lang_is_checked_and_read_from_the_environment(run: Run, grown_plan: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    bad = run("diff", EN_PLAN, grown_plan, "--lang", "xx")
    assert bad.exit_code == 2 and "unknown language 'xx' (--lang)" in bad.stderr
    monkeypatch.setenv("APCLI_LANG", "en")
    assert "| II-2 | Reintegration |" in ok(run("diff", EN_PLAN, grown_plan))
    assert "| II-2 | Riintegrimi |" in ok(run("diff", EN_PLAN, grown_plan, "--lang", "sq"))


def test_english_report_in_a_browser_filters_in_either_language(tmp_path: Path) -> None:
    """The English HTML report of the real plan opens without errors, and its filter finds the
    same rows for `shelter` and for the Albanian `strehëz`."""
    from ap_cli.loader import load_plan
    from ap_cli.render import render_report
    from test_report import chromium, probe

    chromium()
    plan = load_plan(REAL_PLAN, REAL_PLAN / "no-progress")[0]
    assert plan is not None
    html = render_report(plan, date(2009, 6, 30), "html", "en")
    english = probe(html, tmp_path, "en.html", query="shelter")
    assert english["errors"] == [] and english["console"] == [], english
    albanian = probe(html, tmp_path, "sq.html", query="strehëz")
    assert 0 < english["filtered"]["rows"] == albanian["filtered"]["rows"] < english["filtered"]["of"]
    assert english["filtered"]["groups"] == albanian["filtered"]["groups"]
