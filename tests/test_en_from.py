"""Keeping the English honest: the fingerprint of the Albanian (`bilingual.fingerprint`), the
walk over every translatable node, and `apcli fmt --stamp`, which writes `en_from` as a minimal
edit (only `en_from` lines added or changed, every other byte kept)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest

from ap_cli.bilingual import fingerprint, has_english
from ap_cli.loader import load_plan
from ap_cli.model import Activity, Goal, Milestone, Policy
from ap_cli.source import parse_text
from ap_cli.stamp import StampError, stamp_text
from ap_cli.translation import walk
from conftest import MINI_PLAN, REAL_PLAN, Run


def sha8(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


# ----------------------------------------------------------------------------- the fingerprint


def test_fingerprint_is_sha256_of_the_albanian_as_compact_json() -> None:
    a = Activity(id="1.(a).1", title="Krijimi i grupit", indicators=["Grupi", "Mbledhje"])
    assert fingerprint(a) == sha8('[["title","Krijimi i grupit"],["indicators",["Grupi","Mbledhje"]]]')
    g = Goal(id="1", title="Synimi", target="100 raste", indicators=[])
    assert fingerprint(g) == sha8('[["title","Synimi"],["target","100 raste"]]')
    p = Policy(id="3", text="Sigurimi i funksionimit të plotë")
    assert fingerprint(p) == sha8('[["text","Sigurimi i funksionimit të plotë"]]')


def test_fingerprint_reads_only_the_albanian() -> None:
    a = Activity(id="1.(a).1", title="Krijimi", indicators=["a"])
    same = Activity(id="1.(a).2", title="Krijimi", indicators=["a"], title_en="Setting up", indicators_en=["x"],
                    en_from="00000000", notes=["note"], responsible=["ZKKA"], deadline="2009")
    assert fingerprint(same) == fingerprint(a)


@pytest.mark.parametrize("other", [
    Activity(id="1", title="Krijimi ", indicators=["a"]),  # a space
    Activity(id="1", title="Krijimi", indicators=["a", "b"]),  # an indicator added
    Activity(id="1", title="Krijimi", indicators=[]),  # removed
    Activity(id="1", title="Krijimi a"),  # text moved from an indicator into the title
    Activity(id="1", title="Krijimi", indicators=["A"]),
])
def test_any_edit_to_the_albanian_changes_it(other: Activity) -> None:
    assert fingerprint(other) != fingerprint(Activity(id="1", title="Krijimi", indicators=["a"]))


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

TEXT = st.text(min_size=1, max_size=40)


@given(title=TEXT, target=st.none() | TEXT, indicators=st.lists(TEXT, max_size=4))
def test_the_fingerprint_is_exactly_the_documented_recipe(title: str, target: str | None,
                                                          indicators: list[str]) -> None:
    import json

    node = Goal(id="1", title=title, target=target, indicators=indicators)
    texts = [["title", title]] + ([["target", target]] if target is not None else []) + (
        [["indicators", indicators]] if indicators else [])
    assert fingerprint(node) == hashlib.sha256(json.dumps(texts, ensure_ascii=False, separators=(",", ":"))
                                               .encode("utf-8", "surrogatepass")).hexdigest()[:8]


def test_a_mapping_fingerprints_like_its_model() -> None:
    raw: dict[str, Any] = {"title": "Etapa", "deadline": "2009", "indicators": ["x"], "indicators_en": ["x"]}
    assert fingerprint(raw) == fingerprint(Milestone(**raw))
    assert has_english(raw) and not has_english({"title": "Etapa", "deadline": "2009"})


def test_the_walk_visits_every_node_of_the_real_plan() -> None:
    plan, _ = load_plan(REAL_PLAN, REAL_PLAN / "no-progress")
    assert plan is not None
    nodes = list(walk(plan))
    kinds = {k: sum(n.kind == k for n in nodes) for k in
             ("plan", "principle", "policy", "goal", "objective", "activity", "milestone")}
    assert kinds == {"plan": 1, "principle": 5, "policy": 7, "goal": 13, "objective": 42, "activity": 226,
                     "milestone": 63}  # IV-1.(c).1.1 has two milestones (reading convention R10)
    assert all(has_english(n.model) and getattr(n.model, "en_from", None) == fingerprint(n.model) for n in nodes)
    # each node's raw mapping is the one it was read from
    assert all(n.raw is not None and getattr(n.raw, "start", None) == n.start for n in nodes)
    labels = [n.label for n in nodes]
    assert labels[:2] == ["plan.yaml", "principle 1"] and "policy 7" in labels
    assert "goal II-1" in labels and "objective II-1.(a)" in labels and "II-1.(b).1 milestone 2" in labels


# ----------------------------------------------------------------------------- stamping text

PILLAR = """\
# yaml-language-server: $schema=../schema/apcli.schema.json
pillar: I
title: PROVAT
title_en: Tests
goals:
  - id: "1"
    title: "Synimi"   # a comment
    title_en: "The goal"   # kept where it is
    indicators: ["Numri"]
    indicators_en:
      - "The number"

    objectives:
      - {id: "1.(a)", title: "Objektivi", title_en: "Objective", activities: []}
      - id: "1.(b)"
        title: |-
          Objektivi
          i dytë
        title_en: |-
          The second
          objective
        activities:
          - id: "1.(b).1"
            title: Veprimi
            title_en: Action
            en_from: "ffffffff"
            responsible: [ZKKA]
            milestones:
              - deadline: "2009"
                indicators: ["Etapa"]
                indicators_en: ["Stage"]
              - deadline: "2010"
                indicators: ["Pa anglisht"]
"""


def stamps(text: str) -> str:
    new, _count, problems = stamp_text(text, "1-p.yaml")
    assert problems == []
    return new


def test_stamp_adds_en_from_after_the_last_english_field_and_nothing_else() -> None:
    new = stamps(PILLAR)
    goal = fingerprint({"title": "Synimi", "indicators": ["Numri"]})
    objective = fingerprint({"title": "Objektivi"})
    second = fingerprint({"title": "Objektivi\ni dytë"})
    activity = fingerprint({"title": "Veprimi"})
    milestone = fingerprint({"indicators": ["Etapa"]})
    assert new == PILLAR.replace(
        '      - "The number"\n', f'      - "The number"\n    en_from: "{goal}"\n').replace(
        'title_en: "Objective", activities: []}',
        f'title_en: "Objective", en_from: "{objective}", activities: []}}').replace(
        "          objective\n", f'          objective\n        en_from: "{second}"\n').replace(
        'en_from: "ffffffff"', f'en_from: "{activity}"').replace(
        '                indicators_en: ["Stage"]\n',
        f'                indicators_en: ["Stage"]\n                en_from: "{milestone}"\n')
    assert stamp_text(new, "1-p.yaml") == (new, 0, [])  # idempotent


def test_stamp_keeps_crlf_and_stamps_a_plan_yaml() -> None:
    text = ('id: t\r\ntitle: "Plani"\r\ntitle_en: "The plan"  # heading\r\n'
            'period: {start: "2008-01", end: "2010-12"}\r\n'
            'adopted: {date: "2008-05-30", by: ZKKA}\r\nprinciples:\r\n'
            '  - text: "Parimi,"\r\n    text_en: "Principle,"\r\n'
            '  - text: "Pa anglisht"\r\npillars: [1-p.yaml]')
    new, count, _ = stamp_text(text, "plan.yaml")
    assert count == 2
    assert new == text.replace(
        '# heading\r\n', f'# heading\r\nen_from: "{fingerprint({"title": "Plani"})}"\r\n').replace(
        'text_en: "Principle,"\r\n', f'text_en: "Principle,"\r\n    en_from: "{fingerprint({"text": "Parimi,"})}"\r\n')


def test_stamp_keeps_the_text_of_a_block_scalar_that_keeps_its_line_breaks() -> None:
    text = ('pillar: I\ntitle: P\ntitle_en: P\ngoals:\n  - id: "1"\n    title: T\n'
            '    title_en: |+\n      kept\n\n    objectives: []\n')
    new, count, _ = stamp_text(text)
    assert count == 1
    assert new == text.replace("      kept\n\n", f'      kept\n\n    en_from: "{fingerprint({"title": "T"})}"\n')
    assert parse_text(new)["goals"][0]["title_en"] == "kept\n\n"


META = ('id: t\ntitle: P\nperiod: {start: "2008-01", end: "2010-12"}\n'
        'adopted: {date: "2008-05-30", by: Z}\npillars: [a]\n')
FP = fingerprint({"title": "P"})


@pytest.mark.parametrize("text,stamped", [
    (META + "title_en: E", META + f'title_en: E\nen_from: "{FP}"'),  # no final line break
    (META + "title_en: E\nen_from:\n", META + f'title_en: E\nen_from: "{FP}"\n'),
    (META + "title_en: E\nen_from:   # to do\n", META + f'title_en: E\nen_from: "{FP}"   # to do\n'),
    (META + "title_en: E\nen_from: null\n", META + f'title_en: E\nen_from: "{FP}"\n'),
    (META + "en_from: 'abcdef01'\ntitle_en: E\n", META + f'en_from: "{FP}"\ntitle_en: E\n'),
    ("{" + META.strip().replace("\n", ", ") + ", title_en: E}\n",
     "{" + META.strip().replace("\n", ", ") + f', title_en: E, en_from: "{FP}"}}\n'),
    (META + "title_en: |+\n  E\n\n", META + f'title_en: |+\n  E\n\nen_from: "{FP}"\n'),
])
def test_stamp_edge_cases(text: str, stamped: str) -> None:
    assert stamp_text(text, "plan.yaml")[:2] == (stamped, 1)


def test_stamp_refuses_an_invalid_file_and_changes_nothing() -> None:
    text = PILLAR.replace("title: Veprimi", "titel: Veprimi")
    new, count, problems = stamp_text(text, "1-p.yaml")
    assert (new, count) == (text, 0)
    assert [p.text() for p in problems] == [
        "1-p.yaml:23:13: [error] I-1.(b).1: missing field 'title' (missing-field)",
        "1-p.yaml:24:13: [error] I-1.(b).1: unknown field 'titel' (did you mean 'title'?) (unknown-field)"]


def test_stamp_refuses_an_edit_that_would_not_read_back(monkeypatch: pytest.MonkeyPatch) -> None:
    import ap_cli.stamp as stamp

    monkeypatch.setattr(stamp, "_expected", lambda value, stamps: None)
    with pytest.raises(StampError, match="would not read back as the same data; nothing written"):
        stamp_text(PILLAR, "1-p.yaml")


def test_files_without_nodes_are_left_alone() -> None:
    assert stamp_text("- id: ZKKA\n  name: Zyra\n  name_en: Office\n  kind: coordination\n") [1:] == (0, [])
    assert stamp_text("- {ref: I-1.(a).1, date: '2009-01-01', status: in_progress}\n")[1:] == (0, [])


# ----------------------------------------------------------------------------- the command


@pytest.fixture
def real_copy(tmp_path: Path) -> Path:
    target = tmp_path / "plan"
    shutil.copytree(REAL_PLAN, target)
    return target


def unstamped(text: str) -> str:
    return "".join(line for line in text.splitlines(True) if not line.lstrip().startswith("en_from:"))


def test_fmt_stamp_restores_the_bundled_plan_byte_for_byte(run: Run, real_copy: Path) -> None:
    files = sorted(real_copy.glob("*.yaml"))
    for f in files:
        f.write_text(unstamped(f.read_text(encoding="utf-8")), encoding="utf-8")
    result = run("fmt", "--stamp", "--check", "--plan", real_copy)
    assert result.exit_code == 1 and f"would stamp {real_copy / 'plan.yaml'}: 13 fingerprints" in result.stdout
    assert "357 fingerprint(s) missing or stale in 5 file(s)" in result.stderr
    result = run("fmt", "--stamp", "--plan", real_copy)
    assert result.exit_code == 0, result.stderr
    assert f"stamped {real_copy / '1-ndjekja.yaml'}: 82 fingerprints" in result.stdout
    for f in files:
        assert f.read_bytes() == (REAL_PLAN / f.name).read_bytes(), f.name
    again = run("fmt", "--stamp", "--plan", real_copy)
    assert again.exit_code == 0 and again.stdout == "" and "0 fingerprint(s) written to 0 file(s)" in again.stderr


def test_fmt_stamp_updates_a_stale_fingerprint_in_place(run: Run, real_copy: Path) -> None:
    path = real_copy / "2-mbrojtja.yaml"
    text = path.read_text(encoding="utf-8")
    edited = text.replace('title: "Krijimi i një ad-hoc Grupi Ekspertësh"', 'title: "Krijimi i një Grupi Ekspertësh"')
    path.write_text(edited, encoding="utf-8")
    assert run("fmt", "--stamp", "--plan", real_copy).stdout == f"stamped {path}: 1 fingerprint\n"
    new = path.read_text(encoding="utf-8")
    changed = [(a, b) for a, b in zip(edited.splitlines(), new.splitlines(), strict=False) if a != b]
    assert len(new.splitlines()) == len(edited.splitlines()) and len(changed) == 1
    albanian = {"title": "Krijimi i një Grupi Ekspertësh",
                "indicators": ["Krijimi i Grupit të Ekspertëve.", "Organizimi i seminareve.",
                               "Mbledhje të organizuara sipas nevojës"]}
    assert changed[0][1].strip() == f'en_from: "{fingerprint(albanian)}"'


def test_fmt_stamp_leaves_a_broken_file_alone(run: Run, tmp_path: Path) -> None:
    plan = tmp_path / "plan"
    shutil.copytree(MINI_PLAN, plan)
    bad = plan / "1-provat.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace('title: "Pa afat"', 'title: 7'), encoding="utf-8")
    before = bad.read_bytes()
    result = run("fmt", "--stamp", "--plan", plan)
    assert result.exit_code == 1 and "(wrong-type)" in result.stderr
    assert bad.read_bytes() == before


# ----------------------------------------------------------------------------- check


def findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pillar: str, meta: str = "") -> list[str]:
    """`missing-translation` and `stale-translation` of a plan made of plan.yaml (its title's
    English stamped, `meta` lines added) and the one pillar file `1-p.yaml`."""
    from datetime import date

    from ap_cli.checks import run_checks

    root = tmp_path / "plan"
    root.mkdir(exist_ok=True)
    (root / "plan.yaml").write_text(
        f'id: t\ntitle: P\ntitle_en: The plan\nen_from: "{fingerprint({"title": "P"})}"\n{meta}'
        'period: {start: "2008-01", end: "2010-12"}\nadopted: {date: "2008-05-30", by: ZKKA}\npillars: [1-p.yaml]\n',
        encoding="utf-8")
    (root / "institutions.yaml").write_text("- {id: ZKKA, name: Zyra, name_en: Office, kind: coordination}\n",
                                            encoding="utf-8")
    (root / "1-p.yaml").write_text(pillar, encoding="utf-8")
    monkeypatch.chdir(root)
    plan, diags = load_plan(".")
    assert plan is not None and not diags, diags
    return [d.text() for d in run_checks(plan, date(2009, 1, 1))
            if d.code in ("missing-translation", "stale-translation")]


PARTLY_TRANSLATED = """\
pillar: I
title: P
title_en: P
goals:
  - id: "1"
    title: "Synimi"
    target_en: "A hundred cases"
    indicators: ["Numri"]
    objectives:
      - id: "1.(a)"
        title: "Objektivi"
        title_en: "Objective"
        target: "100 raste"
        indicators: ["a", "b"]
        indicators_en: ["a"]
        activities:
          - id: "1.(a).1"
            title: "Veprimi"
            title_en: "Action"
            responsible: [ZKKA]
            milestones:
              - title_en: "Stage one"
                deadline: "2009"
                indicators: ["Etapa"]
                indicators_en: ["Stage"]
              - deadline: "2010"
                indicators: ["Etapa 2"]
"""


def test_missing_translation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = findings(tmp_path, monkeypatch, PARTLY_TRANSLATED, 'principles:\n  - text: "Parimi,"\n')
    assert [f for f in found if "missing-translation" in f] == [
        "1-p.yaml:6:12: [error] goal I-1: title without its English (title_en) (missing-translation)",
        "1-p.yaml:7:16: [error] goal I-1: target_en without a target to translate (target is empty) (missing-translation)",  # noqa: E501
        "1-p.yaml:8:17: [error] goal I-1: indicators without their English (indicators_en) (missing-translation)",
        "1-p.yaml:13:17: [error] objective I-1.(a): target without its English (target_en) (missing-translation)",
        "1-p.yaml:15:24: [error] objective I-1.(a): 2 indicator(s) but 1 in indicators_en; give one English item "
        "per Albanian item, in the same order (missing-translation)",
        "1-p.yaml:22:27: [error] I-1.(a).1 milestone 1: title_en without a title to translate (title is empty) "
        "(missing-translation)",
        "1-p.yaml:27:29: [error] I-1.(a).1 milestone 2: indicators without their English (indicators_en) "
        "(missing-translation)",
        "plan.yaml:6:11: [error] principle 1: text without its English (text_en) (missing-translation)",
    ]


def test_languages_sq_needs_no_english_but_what_english_there_is_must_fit(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    found = findings(tmp_path, monkeypatch, PARTLY_TRANSLATED, 'languages: [sq]\nprinciples:\n  - text: "Parimi,"\n')
    assert [f.split(": [")[0] for f in found if "missing-translation" in f] == [
        "1-p.yaml:7:16",  # target_en without a target
        "1-p.yaml:15:24",  # 2 indicators, 1 in English
        "1-p.yaml:22:27",  # a milestone's title_en without its title
    ]


def test_a_fully_translated_and_stamped_pillar_is_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pillar = PARTLY_TRANSLATED.replace('    target_en: "A hundred cases"\n', '    title_en: "The goal"\n'
                                       '    indicators_en: ["The number"]\n')
    pillar = pillar.replace('indicators_en: ["a"]', 'indicators_en: ["a", "b"]\n        target_en: "100 cases"')
    pillar = pillar.replace("              - title_en:",
                            "              - title: Etapa e parë\n                title_en:")
    pillar = pillar.replace('indicators: ["Etapa 2"]',
                            'indicators: ["Etapa 2"]\n                indicators_en: ["Stage 2"]')
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "1-p.yaml").write_text(stamp_text(pillar)[0], encoding="utf-8")
    assert findings(tmp_path, monkeypatch, (tmp_path / "plan" / "1-p.yaml").read_text(encoding="utf-8")) == []


STALE = f"""\
pillar: I
title: P
title_en: P
goals:
  - id: "1"
    title: "Synimi"
    title_en: "The goal"
    objectives:
      - id: "1.(a)"
        title: "Objektivi"
        title_en: "Objective"
        en_from: "{fingerprint({"title": "Objektivi"})}"
        activities:
          - id: "1.(a).1"
            title: "Veprimi i ndryshuar"
            title_en: "Action"
            indicators: ["Tregues"]
            indicators_en: ["Indicator"]
            en_from: "{fingerprint({"title": "Veprimi", "indicators": ["Tregues"]})}"
            responsible: [ZKKA]
            deadline: "2009"
"""


def test_stale_translation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    now = fingerprint({"title": "Veprimi i ndryshuar", "indicators": ["Tregues"]})
    assert findings(tmp_path, monkeypatch, STALE) == [
        "1-p.yaml:5:5: [warning] goal I-1: English without en_from, the fingerprint of the Albanian it was made "
        "from; once the English is checked against the Albanian, run `apcli fmt --stamp` (stale-translation)",
        f"1-p.yaml:19:22: [warning] I-1.(a).1: the Albanian changed after its English was made (en_from "
        f"{fingerprint({'title': 'Veprimi', 'indicators': ['Tregues']})}, Albanian now {now}); update title_en, "
        "indicators_en, then run `apcli fmt --stamp` (stale-translation)",
    ]


def test_stamp_then_edit_the_albanian_then_the_english(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       run: Run) -> None:
    findings(tmp_path, monkeypatch, STALE)
    assert run("fmt", "--stamp", "--plan", ".").exit_code == 0
    path = tmp_path / "plan" / "1-p.yaml"
    assert findings(tmp_path, monkeypatch, path.read_text(encoding="utf-8")) == []
    edited = path.read_text(encoding="utf-8").replace('["Tregues"]', '["Tregues i ri"]')
    # the goal got its en_from line
    assert [f.split(": [")[0] for f in findings(tmp_path, monkeypatch, edited)] == ["1-p.yaml:20:22"]
    english_only = edited.replace('["Tregues i ri"]', '["Tregues"]').replace('"Action"', '"The action"')
    assert findings(tmp_path, monkeypatch, english_only) == []  # the English may change freely
    assert run("check", "--strict", "--plan", ".").exit_code == 0
    path.write_text(edited, encoding="utf-8")
    assert run("check", "--plan", ".").exit_code == 0  # stale is a warning
    assert run("check", "--strict", "--plan", ".").exit_code == 1


def test_the_recipe_in_translating_md_gives_the_fingerprint_in_the_plan() -> None:
    from conftest import ROOT

    doc = (ROOT / "docs" / "TRANSLATING.md").read_text(encoding="utf-8")
    recipe = doc.split("```python\n", 1)[1].split("```", 1)[0]
    *body, last = [line for line in recipe.splitlines() if line and not line.startswith("#")]
    scope: dict[str, Any] = {}
    exec("\n".join(body), scope)
    expected = recipe.split("# '", 1)[1].split("'", 1)[0]
    assert eval(last, scope) == expected
    plan, _ = load_plan(REAL_PLAN, REAL_PLAN / "no-progress")
    assert plan is not None
    activity = plan.by_ref["II-1.(a).1"].activity
    assert activity.en_from == expected == fingerprint(activity)

