"""`apcli diff`: one fixture pair per kind of change (the mini plan, copied and edited in place),
a reformatted-and-reordered pair that reports nothing, the renderers, and git revisions."""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ap_cli.diff import Change, diff_plans, failing, list_diff, parse_fail_on, wdiff, word_diff
from ap_cli.diffrender import render
from ap_cli.loader import load_plan
from ap_cli.plan import Plan
from conftest import DATA, MINI_PLAN, Run, require_tool

DIFF = DATA / "diff"


def load(path: Path) -> Plan:
    plan, diags = load_plan(path)
    assert plan is not None and not [d for d in diags if d.severity == "error"], diags
    return plan


def edit(root: Path, file: str, old: str, new: str) -> None:
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur once in {file}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    """(base, head): two copies of the mini plan; edit head, then call `changes()`."""
    base, head = tmp_path / "base", tmp_path / "head"
    shutil.copytree(MINI_PLAN, base)
    shutil.copytree(MINI_PLAN, head)
    return base, head


def changes(pair: tuple[Path, Path]) -> list[dict[str, Any]]:
    return [c.as_json() for c in diff_plans(load(pair[0]), load(pair[1]))]


def kinds(pair: tuple[Path, Path]) -> list[tuple[str, str]]:
    return [(c["kind"], c["ref"]) for c in changes(pair)]


# ----------------------------------------------------------------------------- nothing changed


def test_identical_plans_report_nothing(pair: tuple[Path, Path]) -> None:
    assert changes(pair) == []


def test_reformatted_reordered_and_renamed_files_report_nothing() -> None:
    """Every file restyled (flow/block, quoting, folded text, key order, comments), activities,
    institutions and progress entries reordered, pillar and progress files renamed and split."""
    assert diff_plans(load(DIFF / "base"), load(DIFF / "reformatted")) == []
    assert diff_plans(load(DIFF / "reformatted"), load(DIFF / "base")) == []


def test_fixture_base_is_the_mini_plan() -> None:
    assert diff_plans(load(MINI_PLAN), load(DIFF / "base")) == []


# ----------------------------------------------------------------------------- activities


def test_activity_added_and_removed(pair: tuple[Path, Path]) -> None:
    _base, head = pair
    edit(head, "1-provat.yaml", '''          - id: "1.(a).11"
            title: "Pa afat"
            responsible: [MB]
            deadline: null''', '''          - id: "1.(a).12"
            title: "E re"
            responsible: [ZKKA]
            deadline: "2010"''')
    assert changes(pair) == [
        {"ref": "I-1.(a).11", "kind": "activity_removed", "before": {"title": "Pa afat", "lead": "MB", "deadline": None,
                                                                     "title_en": None, "deadline_en": None},
         "after": None},
        {"ref": "I-1.(a).12", "kind": "activity_added", "before": None,
         "after": {"title": "E re", "lead": "ZKKA", "deadline": "2010", "title_en": None, "deadline_en": "2010"}},
    ]


def test_deadline_moved_later(pair: tuple[Path, Path]) -> None:
    edit(pair[1], "1-provat.yaml", 'deadline: "qershor 2009"', 'deadline: "Fundi i 2009-ës"')
    assert changes(pair) == [{"ref": "I-1.(a).1", "kind": "deadline_changed", "before": "qershor 2009",
                              "after": "Fundi i 2009-ës", "months": 6, "direction": "later"}]


def test_deadline_moved_earlier(pair: tuple[Path, Path]) -> None:
    edit(pair[1], "1-provat.yaml", 'deadline: "korrik 2009"', 'deadline: "Tremujori i parë i 2009"')
    [c] = changes(pair)
    assert (c["months"], c["direction"]) == (-4, "earlier")


def test_deadline_respelled_same_due_day(pair: tuple[Path, Path]) -> None:
    edit(pair[1], "1-provat.yaml", 'deadline: "Fundi i 2008-ës"', 'deadline: "Fund 2008"')
    [c] = changes(pair)
    assert (c["kind"], c["months"], c["direction"]) == ("deadline_changed", 0, "same")


def test_deadline_becoming_ongoing_loses_its_due_day(pair: tuple[Path, Path]) -> None:
    edit(pair[1], "1-provat.yaml", 'deadline: "korrik 2009"', 'deadline: "Në vazhdim"')
    [c] = changes(pair)
    assert c == {"ref": "I-1.(a).2", "kind": "deadline_changed", "before": "korrik 2009", "after": "Në vazhdim",
                 "direction": "undated"}
    assert "slip" in diff_plans(load(pair[0]), load(pair[1]))[0].categories()


def test_deadline_of_one_milestone(pair: tuple[Path, Path]) -> None:
    edit(pair[1], "1-provat.yaml", 'deadline: "2010"', 'deadline: "Mesi i 2010-ës"')
    [c] = changes(pair)
    assert c == {"ref": "I-1.(a).9", "kind": "deadline_changed", "before": "2010", "after": "Mesi i 2010-ës",
                 "milestone": 2, "months": -6, "direction": "earlier"}


def test_deadline_due_override_changed(pair: tuple[Path, Path]) -> None:
    edit(pair[1], "1-provat.yaml", 'due: "2009-02"', 'due: "2009-03"')
    [c] = changes(pair)
    assert (c["before"], c["after"], c["months"]) == ("Dimër 2009 [due: 2009-02]", "Dimër 2009 [due: 2009-03]", 1)


def test_lead_changed_by_reordering_responsible(pair: tuple[Path, Path]) -> None:
    edit(pair[1], "1-provat.yaml", "responsible: [PSH, ZKKA]", "responsible: [ZKKA, PSH]")
    assert changes(pair) == [{"ref": "I-1.(a).1", "kind": "lead_changed", "before": "PSH", "after": "ZKKA"}]


def test_bodies_added_and_removed(pair: tuple[Path, Path]) -> None:
    edit(pair[1], "1-provat.yaml", """            responsible: [PSH, ZKKA]
            support: [MB]""", """            responsible: [PSH, ZKKA, MPÇSSHB]
            support: [DONATORET]""")
    assert changes(pair) == [
        {"ref": "I-1.(a).1", "kind": "body_added", "before": None, "after": "MPÇSSHB", "role": "responsible"},
        {"ref": "I-1.(a).1", "kind": "body_added", "before": None, "after": "DONATORET", "role": "support"},
        {"ref": "I-1.(a).1", "kind": "body_removed", "before": "MB", "after": None, "role": "support"},
    ]


def test_unit_of_a_body_changed(pair: tuple[Path, Path]) -> None:
    edit(pair[1], "1-provat.yaml", '"PSH/Drejtoria kundër Krimit Ekonomik"', '"PSH/Drejtoria e Policisë Kufitare"')
    assert kinds(pair) == [("body_added", "I-1.(a).9"), ("body_removed", "I-1.(a).9")]


def test_title_edited_with_a_word_diff(pair: tuple[Path, Path]) -> None:
    edit(pair[1], "2-mbrojtja.yaml", 'title: "Hapja e strehëzave <b>të reja</b>"',
         'title: "Hapja e dy strehëzave <b>të reja</b> në Tiranë"')
    [c] = changes(pair)
    assert c["kind"] == "title_edited"
    assert c["diff"] == "Hapja e {+dy+} strehëzave <b>të reja</b> {+në Tiranë+}"


def test_indicators_edited(pair: tuple[Path, Path]) -> None:
    edit(pair[1], "1-provat.yaml", 'indicators: ["Tregues 1"]', 'indicators: ["Tregues i parë", "Tregues 2"]')
    [c] = changes(pair)
    assert (c["kind"], c["before"], c["after"]) == ("indicators_edited", ["Tregues 1"], ["Tregues i parë", "Tregues 2"])
    assert c["diff"] == "Tregues [-1-] {+i parë+} · {+Tregues 2+}"


def test_indicators_reordered_report_nothing(pair: tuple[Path, Path]) -> None:
    edit(pair[1], "1-provat.yaml", 'indicators: ["Etapa e parë"]', 'indicators: ["Etapa e parë", "X"]')
    edit(pair[0], "1-provat.yaml", 'indicators: ["Etapa e parë"]', 'indicators: ["X", "Etapa e parë"]')
    assert changes(pair) == []


def test_resources_edited(pair: tuple[Path, Path]) -> None:
    edit(pair[1], "2-mbrojtja.yaml", "resources: [MPÇSSHB, DONATORET]", "resources: [DONATORET, MB]")
    [c] = changes(pair)
    assert (c["kind"], c["diff"]) == ("resources_edited", "[-MPÇSSHB-] {+MB+}")


def test_other_activity_fields(pair: tuple[Path, Path]) -> None:
    edit(pair[1], "2-mbrojtja.yaml", 'see: ["I-1.(a).1"]', 'see: ["I-1.(a).1", "I-1.(a).2"]\n'
         '            notes: ["Printed \'strehzave\'."]')
    assert [(c["kind"], c["field"]) for c in changes(pair)] == [("details_edited", "see"), ("details_edited", "notes")]


# ----------------------------------------------------------------------------- goals, objectives, institutions


def test_goal_and_objective_edited(pair: tuple[Path, Path]) -> None:
    edit(pair[1], "1-provat.yaml", 'title: "Synimi i parë [nr. 9669]"', 'title: "Synimi i parë i rishikuar"')
    edit(pair[1], "1-provat.yaml", 'target: null', 'target: "100 raste"')
    assert [(c["kind"], c["ref"], c.get("field"), c.get("diff")) for c in changes(pair)] == [
        ("goal_edited", "I-1", "title", "Synimi i parë [-[nr. 9669]-] {+i rishikuar+}"),
        ("objective_edited", "I-1.(a)", "target", None),
    ]


def test_objective_added(pair: tuple[Path, Path]) -> None:
    edit(pair[1], "2-mbrojtja.yaml", '''          - id: "1.(a).1.1"''', '''          - id: "1.(a).1.1"
            title: "Trajnimi i stafit"
            responsible: [MPÇSSHB]
            deadline: "Deri në fund të 2009"
      - id: "1.(b)"
        title: "Riintegrimi"
        activities:
          - id: "1.(b).1"''')
    assert kinds(pair) == [("activity_added", "II-1.(b).1"), ("objective_added", "II-1.(b)")]


def test_institutions_added_removed_renamed(pair: tuple[Path, Path]) -> None:
    inst = "institutions.yaml"
    edit(pair[1], inst, "name: Policia e Shtetit", "name: Policia e Shtetit Shqiptare")
    edit(pair[1], inst, "  name_en: State Committee\n", "  name_en: The State Committee\n")
    edit(pair[1], inst, """- id: DONATORET
  name: Donatorët
  name_en: Donors
  kind: donor""", """- id: OSBE
  name: Organizata për Siguri dhe Bashkëpunim në Evropë
  name_en: OSCE
  kind: international""")
    provat = pair[1] / "1-provat.yaml"
    provat.write_text(provat.read_text(encoding="utf-8").replace("[DONATORET]", "[OSBE]"), encoding="utf-8")
    edit(pair[1], "2-mbrojtja.yaml", "resources: [MPÇSSHB, DONATORET]", "resources: [MPÇSSHB, OSBE]")
    found = [(c["kind"], c["ref"], c.get("field")) for c in changes(pair)]
    assert ("institution_removed", "DONATORET", None) in found
    assert ("institution_added", "OSBE", None) in found
    assert ("institution_renamed", "PSH", "name") in found
    assert ("institution_edited", "KSHLKT", "name_en") in found
    assert [k for k, _, _ in found].count("resources_edited") == 3


def test_institution_id_renamed_does_not_flood_activities(pair: tuple[Path, Path]) -> None:
    """A new id with the old name (or the old id kept as an alias) is a rename, and activities
    that now name the new id report nothing."""
    for file in ("institutions.yaml", "1-provat.yaml", "2-mbrojtja.yaml"):
        path = pair[1] / file
        path.write_text(path.read_text(encoding="utf-8").replace("DONATORET", "DONATORE"), encoding="utf-8")
    assert changes(pair) == [{"ref": "DONATORE", "kind": "institution_renamed", "before": "DONATORET",
                              "after": "DONATORE", "field": "id"}]


# ----------------------------------------------------------------------------- progress and status

PROGRESS = "progress/2009Q2/demo.yaml"


def test_progress_added(pair: tuple[Path, Path]) -> None:
    (pair[1] / "progress" / "2009Q3").mkdir()
    (pair[1] / "progress" / "2009Q3" / "psh.yaml").write_text(
        '- {ref: i-1a7, date: "2009-08-01", status: in_progress, completion: substantial, by: PSH}\n',
        encoding="utf-8")
    assert changes(pair) == [{"ref": "I-1.(a).7", "kind": "progress_added", "before": None,
                              "after": {"ref": "I-1.(a).7", "date": "2009-08-01", "status": "in_progress",
                                        "completion": "substantial", "by": "PSH"}}]


def test_marking_a_note_internal_is_a_change(pair: tuple[Path, Path]) -> None:
    """`internal: true` decides whether the note is published, so it alone is a reviewable change."""
    entry = '- {ref: I-1.(a).6, date: "2009-06-01", status: in_progress, by: MB, note: "Rasti X"}\n'
    with (pair[0] / PROGRESS).open("a", encoding="utf-8") as f:
        f.write(entry)
    with (pair[1] / PROGRESS).open("a", encoding="utf-8") as f:
        f.write(entry.replace("}", ", internal: true}"))
    before = {"ref": "I-1.(a).6", "date": "2009-06-01", "status": "in_progress", "by": "MB", "note": "Rasti X"}
    assert [c for c in changes(pair) if c["kind"].startswith("progress")] == [
        {"ref": "I-1.(a).6", "kind": "progress_added", "before": None, "after": {**before, "internal": True}},
        {"ref": "I-1.(a).6", "kind": "progress_removed", "before": before, "after": None}]


def test_progress_removed_and_status_regressed(pair: tuple[Path, Path]) -> None:
    edit(pair[1], PROGRESS, '''- ref: I-1.(a).4
  date: "2009-04-15"
  status: completed
  evidence: "VKM nr. 1"
  by: ZKKA
''', "")
    assert kinds(pair) == [("status_regressed", "I-1.(a).4"), ("progress_removed", "I-1.(a).4")]
    assert changes(pair)[0]["after"] == "not_started (no entry)"


def test_status_regression_completed_to_in_progress(pair: tuple[Path, Path]) -> None:
    with (pair[1] / PROGRESS).open("a", encoding="utf-8") as f:
        f.write('- {ref: I-1.(a).3, date: "2009-03-01", status: in_progress, by: ZKKA, note: "U rihap"}\n')
    assert changes(pair)[0] == {"ref": "I-1.(a).3", "kind": "status_regressed", "before": "completed",
                                "after": "in_progress", "since": "2009-03-01"}


def test_substantial_to_limited_is_a_regression_but_progress_is_not(pair: tuple[Path, Path]) -> None:
    with (pair[1] / PROGRESS).open("a", encoding="utf-8") as f:
        f.write('- {ref: I-1.(a).7, date: "2009-06-01", status: completed, evidence: "Raport", by: PSH}\n'
                '- {ref: I-1.(a).6, date: "2009-06-01", status: in_progress, by: MB}\n')
    assert [k for k, _ in kinds(pair)] == ["progress_added", "progress_added"]
    base = pair[0] / PROGRESS
    with base.open("a", encoding="utf-8") as f:
        f.write('- {ref: I-1.(a).1, date: "2009-06-01", status: in_progress, completion: substantial}\n')
    with (pair[1] / PROGRESS).open("a", encoding="utf-8") as f:
        f.write('- {ref: I-1.(a).1, date: "2009-06-01", status: in_progress, completion: limited}\n')
    assert ("status_regressed", "I-1.(a).1") in kinds(pair)


def test_an_older_entry_does_not_change_the_latest_status(pair: tuple[Path, Path]) -> None:
    with (pair[1] / PROGRESS).open("a", encoding="utf-8") as f:
        f.write('- {ref: I-1.(a).4, date: "2009-01-10", status: in_progress, by: ZKKA}\n')
    assert kinds(pair) == [("progress_added", "I-1.(a).4")]


def test_plan_and_pillar_headings(pair: tuple[Path, Path]) -> None:
    edit(pair[1], "plan.yaml", "title_en: A small test plan", "title_en: A very small test plan")
    edit(pair[1], "2-mbrojtja.yaml", "title_en: Protection", "title_en: Protection of victims")
    assert [(c["ref"], c["field"], c["diff"]) for c in changes(pair)] == [
        ("plan", "title_en", "A {+very+} small test plan"),
        ("pillar II", "title_en", "Protection {+of victims+}"),
    ]


# ----------------------------------------------------------------------------- the English


def translate(pair: tuple[Path, Path], title_en: str = "Deadline in the cut-off month",
              sq_title: str = "Afati në muajin e cut-off") -> str:
    """Give I-1.(a).1 its English, stamped, on both sides."""
    from ap_cli.bilingual import fingerprint

    stamp = fingerprint({"title": sq_title, "indicators": ["Tregues 1"]})
    for side in pair:
        edit(side, "1-provat.yaml", 'indicators: ["Tregues 1"]', f'indicators: ["Tregues 1"]\n'
             f'            title_en: "{title_en}"\n            indicators_en: ["Indicator 1"]\n'
             f'            en_from: "{stamp}"')
    return stamp


def test_english_edited_is_a_translation_change_not_a_title_edit(pair: tuple[Path, Path]) -> None:
    translate(pair)
    edit(pair[1], "1-provat.yaml", 'title_en: "Deadline in the cut-off month"', 'title_en: "Due in the cut-off month"')
    edit(pair[1], "1-provat.yaml", 'indicators_en: ["Indicator 1"]', 'indicators_en: ["First indicator"]')
    assert changes(pair) == [
        {"ref": "I-1.(a).1", "kind": "translation_edited", "before": "Deadline in the cut-off month",
         "after": "Due in the cut-off month", "field": "title_en",
         "diff": "[-Deadline-] {+Due+} in the cut-off month"},
        {"ref": "I-1.(a).1", "kind": "translation_edited", "before": ["Indicator 1"], "after": ["First indicator"],
         "field": "indicators_en", "diff": "[-Indicator 1-] {+First indicator+}"},
    ]


def test_an_albanian_edit_that_leaves_the_english_stale_says_so(pair: tuple[Path, Path]) -> None:
    from ap_cli.bilingual import fingerprint

    stamp = translate(pair)
    edit(pair[1], "1-provat.yaml", 'title: "Afati në muajin e cut-off"', 'title: "Afati në muajin e prerjes"')
    now = fingerprint({"title": "Afati në muajin e prerjes", "indicators": ["Tregues 1"]})
    assert changes(pair) == [
        {"ref": "I-1.(a).1", "kind": "title_edited", "before": "Afati në muajin e cut-off",
         "after": "Afati në muajin e prerjes", "diff": "Afati në muajin e [-cut-off-] {+prerjes+}"},
        {"ref": "I-1.(a).1", "kind": "translation_stale", "before": stamp, "after": now, "field": "title"},
    ]
    md = render(diff_plans(load(pair[0]), load(pair[1])), "md")
    assert "**2 changes:** 1 title edited, 1 translation left stale" in md
    assert ("#### English left stale by an Albanian edit (1)\n\n"
            "| ref | Albanian edited | English to update | en_from |\n"
            f"|---|---|---|---|\n| I-1.(a).1 | title | title\\_en | {stamp}, Albanian now {now} |") in md
    text = render(diff_plans(load(pair[0]), load(pair[1])), "text")
    assert f"  I-1.(a).1  title  title_en  {stamp}, Albanian now {now}" in text.splitlines()


def test_an_albanian_edit_with_its_english_updated_and_stamped(pair: tuple[Path, Path]) -> None:
    translate(pair)
    edit(pair[1], "1-provat.yaml", 'title: "Afati në muajin e cut-off"', 'title: "Afati në muajin e prerjes"')
    for side in pair[1:]:
        side.joinpath("1-provat.yaml").write_text(
            side.joinpath("1-provat.yaml").read_text(encoding="utf-8").replace(
                "Deadline in the cut-off month", "Deadline in the closing month"), encoding="utf-8")
    from ap_cli.stamp import stamp_file

    new, count, _ = stamp_file(pair[1] / "1-provat.yaml")
    assert new is not None
    (pair[1] / "1-provat.yaml").write_bytes(new)
    assert count == 1
    assert kinds(pair) == [("title_edited", "I-1.(a).1"), ("translation_edited", "I-1.(a).1")]


def test_a_milestone_and_plan_yaml(pair: tuple[Path, Path]) -> None:
    from ap_cli.bilingual import fingerprint

    for side in pair:
        edit(side, "1-provat.yaml", 'indicators: ["Etapa e dytë"]', 'indicators: ["Etapa e dytë"]\n'
             '                indicators_en: ["Second stage"]\n'
             f'                en_from: "{fingerprint({"indicators": ["Etapa e dytë"]})}"')
        edit(side, "plan.yaml", "languages: [sq]", 'languages: [sq]\nvision: "Vizioni"\nvision_en: "The vision"')
    edit(pair[1], "1-provat.yaml", '["Etapa e dytë"]\n', '["Etapa e dytë", "Etapa e tretë"]\n')
    edit(pair[1], "1-provat.yaml", '["Second stage"]', '["Second stage", "Third stage"]')
    edit(pair[1], "plan.yaml", '"The vision"', '"The vision of the plan"')
    found = [(c["kind"], c["ref"], c.get("milestone"), c.get("field")) for c in changes(pair)]
    assert found == [
        ("indicators_edited", "I-1.(a).9", None, None),
        ("translation_stale", "I-1.(a).9", 2, "indicators"),
        ("translation_edited", "plan", None, "vision_en"),
        ("translation_edited", "I-1.(a).9", 2, "indicators_en"),
    ]


def test_plan_yaml_headings_and_their_english(pair: tuple[Path, Path]) -> None:
    from ap_cli.bilingual import fingerprint

    edit(pair[1], "plan.yaml", "title: Plani i vogël provë", "title: Plani i vogël")
    edit(pair[1], "plan.yaml", "title_en: A small test plan", "title_en: A very small test plan")
    edit(pair[1], "2-mbrojtja.yaml", "title_en: Protection", "title_en: Protection of victims")
    assert [(c["kind"], c["ref"], c.get("field"), c["after"]) for c in changes(pair)] == [
        ("plan_edited", "plan", "title", "Plani i vogël"),
        ("translation_stale", "plan", "title", fingerprint({"title": "Plani i vogël"})),
        ("translation_edited", "plan", "title_en", "A very small test plan"),
        ("translation_edited", "pillar II", "title_en", "Protection of victims"),
    ]


def test_en_from_alone_reports_nothing(pair: tuple[Path, Path]) -> None:
    edit(pair[1], "plan.yaml", 'en_from: "fa6ceb7a"', 'en_from: "00000000"')
    assert changes(pair) == []


# ----------------------------------------------------------------------------- word diffs


def test_word_diff_keeps_a_little_context() -> None:
    before = "një dy tre katër pesë gjashtë shtatë tetë nëntë dhjetë njëmbëdhjetë"
    after = "një dy tre katër pesë gjashtë SHTATË tetë nëntë dhjetë njëmbëdhjetë"
    assert (wdiff(word_diff(before, after))
            == "… tre katër pesë gjashtë [-shtatë-] {+SHTATË+} tetë nëntë dhjetë njëmbëdhjetë")
    assert wdiff(word_diff("a  b\nc", "a b c")) == "(only spacing or line breaks changed)"


def test_list_diff() -> None:
    assert wdiff(list_diff(["a", "b c", "d"], ["a", "b x", "e", "f"])) == "b [-c-] {+x+} · [-d-] {+e+} · {+f+}"


# ----------------------------------------------------------------------------- rendering


def proposal() -> list[Change]:
    return diff_plans(load(DIFF / "base"), load(DIFF / "proposal"))


def test_markdown_summary_sections_and_escaping(pair: tuple[Path, Path]) -> None:
    edit(pair[1], "2-mbrojtja.yaml", 'title: "Hapja e strehëzave <b>të reja</b>"',
         'title: "Hapja e strehëzave <b>të reja</b> | *[x](javascript:alert(1))*"')
    md = render(diff_plans(load(pair[0]), load(pair[1])), "md", "main", "a|b")
    assert md.splitlines()[:3] == ["### Plan changes: main → a\\|b", "", "**1 change:** 1 title edited"]
    assert "#### Titles edited (1)" in md
    row = next(line for line in md.splitlines() if line.startswith("| II-1.(a).1 "))
    assert row == ("| II-1.(a).1 | Hapja e strehëzave \\<b\\>të reja\\</b\\> "
                   "**\\| \\*\\[x\\](javascript:alert(1))\\*** |")
    assert "<b>" not in md


def test_markdown_of_a_proposal() -> None:
    md = render(proposal(), "md", "main", "proposal")
    assert "**Needs attention:** 1 deadline slip" in md
    assert "| I-1.(a).2 | korrik 2009 | Fundi i 2009-ës | 5 months later |" in md
    assert "<details>" not in md


def test_markdown_folds_long_sections(pair: tuple[Path, Path]) -> None:
    lines = "".join(f'- {{ref: I-1.(a).1, date: "2009-01-{day:02d}", status: in_progress}}\n' for day in range(1, 13))
    with (pair[1] / PROGRESS).open("a", encoding="utf-8") as f:
        f.write(lines)
    md = render(diff_plans(load(pair[0]), load(pair[1])), "md")
    assert "#### Progress entries added (12)\n\n<details>\n<summary>Show all 12</summary>\n\n| ref |" in md
    assert md.rstrip().endswith("</details>")


def test_markdown_when_nothing_changed() -> None:
    assert (render([], "md", "main", "working tree")
            == "### Plan changes: main → working tree\n\nNo changes to the plan.\n")


def test_json_is_a_stable_utf8_list() -> None:
    out = render(proposal(), "json")
    data = json.loads(out)
    assert "\\u" not in out and "MPÇSSHB" in out
    for item in data:
        assert list(item)[:4] == ["ref", "kind", "before", "after"]
    slip = next(i for i in data if i["kind"] == "deadline_changed")
    assert slip == {"ref": "I-1.(a).2", "kind": "deadline_changed", "before": "korrik 2009",
                    "after": "Fundi i 2009-ës", "months": 5, "direction": "later"}
    assert render(proposal(), "json") == out


def test_text() -> None:
    text = render(proposal(), "text", "main", "proposal")
    assert text.splitlines()[:3] == [
        "Plan changes: main → proposal",
        "8 changes: 1 activity added, 1 deadline changed (1 later, up to 5 months), 1 body added, 1 title edited, "
        "1 indicators edited, 1 other field edited, 2 progress entries added",
        "Needs attention: 1 deadline slip",
    ]
    assert "  I-1.(a).2  korrik 2009  → Fundi i 2009-ës  5 months later" in text.splitlines()


def test_fail_on() -> None:
    found = [Change("deadline_changed", "I-1", months=2, direction="later"),
             Change("deadline_changed", "I-2", months=-2, direction="earlier"),
             Change("activity_removed", "I-3"), Change("title_edited", "I-4")]
    assert [c.ref for c in failing(found, parse_fail_on("slip"))] == ["I-1"]
    assert [c.ref for c in failing(found, parse_fail_on("removal, regression"))] == ["I-3"]
    assert [c.ref for c in failing(found, parse_fail_on("title_edited"))] == ["I-4"]
    assert len(failing(found, parse_fail_on("any"))) == 4
    assert failing(found, parse_fail_on(None)) == []
    with pytest.raises(ValueError, match="unknown --fail-on slips"):
        parse_fail_on("slips")


# ----------------------------------------------------------------------------- the command


def test_cli_directories_and_fail_on(run: Run) -> None:
    args = ("diff", DIFF / "base", DIFF / "proposal")
    result = run(*args)
    assert result.exit_code == 0 and result.stdout.startswith("### Plan changes:")
    result = run(*args, "--format", "json", "--fail-on", "slip,regression")
    assert result.exit_code == 1
    assert json.loads(result.stdout)[1]["kind"] == "deadline_changed"
    assert "1 change(s) match --fail-on slip,regression: 1 deadline changed" in result.stderr
    assert run(*args, "--fail-on", "regression,removal").exit_code == 0


def test_cli_usage_errors(run: Run) -> None:
    result = run("diff", DIFF / "base", DIFF / "proposal", "--fail-on", "slips")
    assert result.exit_code == 2 and "unknown --fail-on slips" in result.stderr
    result = run("diff", DIFF / "base", DIFF / "proposal", "--format", "html")
    assert result.exit_code == 2 and "unknown format 'html'" in result.stderr


def test_cli_side_with_errors_exits_1(run: Run, pair: tuple[Path, Path]) -> None:
    edit(pair[1], "1-provat.yaml", 'title: "Pa afat"', 'titel: "Pa afat"')
    result = run("diff", pair[0], pair[1])
    assert result.exit_code == 1
    assert "unknown field 'titel'" in result.stderr and "has errors" in result.stderr


# ----------------------------------------------------------------------------- git revisions


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.org",
                           "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
                          cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository whose plan lives in ./plan, with two commits: the mini plan, then an edit."""
    require_tool("git", "apt-get install git")
    monkeypatch.delenv("APCLI_PLAN", raising=False)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    shutil.copytree(MINI_PLAN, root / "plan")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "plan")
    edit(root / "plan", "1-provat.yaml", 'deadline: "qershor 2009"', 'deadline: "dhjetor 2009"')
    git(root, "commit", "-q", "-am", "move a deadline")
    monkeypatch.chdir(root)
    return root


def test_git_two_commits(run: Run, repo: Path) -> None:
    result = run("diff", "HEAD~1", "HEAD", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [{"ref": "I-1.(a).1", "kind": "deadline_changed", "before": "qershor 2009",
                                          "after": "dhjetor 2009", "months": 6, "direction": "later"}]
    sha = git(repo, "rev-parse", "--short=7", "HEAD~1").strip()
    assert run("diff", "HEAD~1", "HEAD").stdout.startswith(f"### Plan changes: HEAD\\~1 ({sha}) → HEAD (")


def test_git_revision_against_the_working_tree(run: Run, repo: Path) -> None:
    edit(repo / "plan", "1-provat.yaml", 'title: "Pa afat"', 'title: "Pa afat ende"')
    result = run("diff", "HEAD", "--format", "text")
    assert result.exit_code == 0, result.stderr
    assert "→ working tree" in result.stdout.splitlines()[0]
    assert "  I-1.(a).11  Pa afat {+ende+}" in result.stdout
    assert "deadline" not in result.stdout  # committed already
    assert (repo / "plan" / "1-provat.yaml").read_text(encoding="utf-8").count("Pa afat ende") == 1


def test_git_plan_elsewhere_from_a_subdirectory(run: Run, repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    git(repo, "mv", "plan", "data")
    git(repo, "commit", "-q", "-m", "move the plan")
    (repo / "docs").mkdir()
    monkeypatch.chdir(repo / "docs")
    result = run("diff", "HEAD~2", "--plan", "../data", "--format", "json")
    assert result.exit_code == 2 and "no plan at data/plan.yaml in revision HEAD~2" in result.stderr
    result = run("diff", "HEAD~1", "--plan", "../data", "--format", "json")
    assert result.exit_code == 2  # HEAD~1 still kept it in plan/
    monkeypatch.setenv("APCLI_PLAN", str(repo / "data"))
    assert json.loads(run("diff", "HEAD", "--format", "json").stdout) == []


def test_git_unknown_revision_is_a_usage_error(run: Run, repo: Path) -> None:
    result = run("diff", "no-such-branch")
    assert result.exit_code == 2
    assert "unknown revision 'no-such-branch'" in result.stderr
    assert run("diff", "--", "--output=x").exit_code == 2
    assert not (repo / "x").exists()


def test_git_revision_with_a_broken_plan(run: Run, repo: Path) -> None:
    edit(repo / "plan", "1-provat.yaml", 'title: "Pa afat"', 'titel: "Pa afat"')
    git(repo, "commit", "-q", "-am", "typo")
    result = run("diff", "HEAD~1", "HEAD")
    assert result.exit_code == 1
    assert "HEAD:plan/1-provat.yaml:" in result.stderr and "unknown field 'titel'" in result.stderr


def test_plan_metadata_edits_name_the_nested_field(pair: tuple[Path, Path]) -> None:
    edit(pair[1], "plan.yaml", 'period: {start: "2008-01", end: "2010-12"}',
         'period: {start: "2008-01", end: "2011-06"}')
    edit(pair[1], "plan.yaml", 'adopted: {date: "2008-05-30", by: KSHLKT}',
         'adopted: {date: "2008-05-30", by: KSHLKT}\nprinciples: [{text: "Mbrojtja e viktimave"}]')
    assert [(c["field"], c["before"], c["after"]) for c in changes(pair) if c["kind"] == "plan_edited"] == [
        ("period.end", "2010-12", "2011-06"), ("principles[0].text", None, "Mbrojtja e viktimave"),
    ]
