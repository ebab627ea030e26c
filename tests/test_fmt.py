"""`apcli fmt`: one house style, idempotent, comments kept, values never changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ap_cli.formatting import format_text
from ap_cli.source import parse_text
from conftest import MINI_PLAN, REAL_PLAN, ROOT, Run

MESSY = """\
# top comment
# yaml-language-server: $schema=../schema/apcli.schema.json

pillar:   I     # trailing comment
title: 'single ''quoted'''
title_en: "Double"   
notes: [a,   b]
goals:
    -   id: "1"   # id comment
        title: >-
            folded text
            more
        target:
        other: ~
        indicators:
        - one
        # between items
        - "two: yes"


        - |
            literal
              indented
            # not a comment
    # dedented comment
    - id: "2"
      title: x
      long: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq rrrr ssss tttt uuuu vvvv
# final comment


"""  # noqa: E501

HOUSE = """\
# top comment
# yaml-language-server: $schema=../schema/apcli.schema.json

pillar: I       # trailing comment
title: 'single ''quoted'''
title_en: "Double"
notes: [a, b]
goals:
  - id: "1"       # id comment
    title: >-
      folded text
      more
    target: null
    other: null
    indicators:
      - one
      # between items
      - "two: yes"


      - |
        literal
          indented
        # not a comment
  # dedented comment
  - id: "2"
    title: x
    long: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq rrrr ssss tttt uuuu vvvv
# final comment
"""


def shape(value: object) -> object:
    if isinstance(value, dict):
        return [(k, shape(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [shape(v) for v in value]
    return (type(value).__name__, value)


def test_house_style() -> None:
    assert format_text(MESSY) == HOUSE
    assert shape(parse_text(HOUSE)) == shape(parse_text(MESSY))


@pytest.mark.parametrize("text", [
    MESSY,
    HOUSE,
    "- id: ZKKA\n  aliases: [ZKK]   # short\n# c\n-   id: MB\n    name: 'M'\n",
    "\ufeff- ref: I-1.(a).1\r\n  date: 2009-06-20\r\n  status: in_progress  \r\n",
    "  - a\n  - b:\n      - c\n",
    "# only a comment   \n\n\n",
    "a: {x: 1, y: [1, 2]}\nb: !!str 12\n",
])
def test_fmt_is_idempotent_and_keeps_values(text: str) -> None:
    once = format_text(text)
    assert format_text(once) == once
    assert shape(parse_text(once)) == shape(parse_text(text.lstrip("\ufeff")))
    assert "\r" not in once and once.endswith("\n") and not once.endswith("\n\n")


def test_a_top_level_list_sits_at_column_0_and_keeps_comment_columns() -> None:
    # Inline comments keep their column, so aligned comments stay aligned.
    assert format_text("  - a: null  # c\n    b: 1\n") == "- a: null    # c\n  b: 1\n"
    assert format_text("- a: null  # c\n  b: 1\n") == "- a: null  # c\n  b: 1\n"


def test_fmt_refuses_rather_than_drop_a_comment() -> None:
    from ap_cli.formatting import FormatError

    with pytest.raises(FormatError, match="comment"):
        format_text("a: [x, # inside a flow list\n  y]\n")


def copy_plan(src: Path, tmp_path: Path) -> Path:
    target = tmp_path / "plan"
    shutil.copytree(src, target)
    return target


@pytest.mark.parametrize("src", [REAL_PLAN, MINI_PLAN, ROOT / "examples" / "progress-demo"])
def test_fmt_never_changes_the_loaded_data_of_the_real_files(run: Run, tmp_path: Path, src: Path) -> None:
    from ap_cli.formatting import plan_files

    plan = copy_plan(src, tmp_path)
    files = plan_files(plan)
    before = {f: shape(parse_text(f.read_text(encoding="utf-8"))) for f in files}
    # Make every file untidy, so that fmt has work to do on each.
    for f in files:
        text = f.read_text(encoding="utf-8")
        shifted = "".join("  " + line if line.strip() else line for line in text.splitlines(True))
        f.write_text(shifted.replace("\n", "\r\n") + "\r\n\r\n", encoding="utf-8")
    assert run("fmt", "--check", "--plan", plan).exit_code == 1
    result = run("fmt", "--plan", plan)
    assert result.exit_code == 0, result.stderr
    assert {f: shape(parse_text(f.read_text(encoding="utf-8"))) for f in files} == before
    for f in files:
        assert f.read_bytes() == (src / f.relative_to(plan)).read_bytes(), f"{f} is not back in house style"
    again = run("fmt", "--check", "--plan", plan)
    assert again.exit_code == 0 and again.stdout == ""


def test_fmt_keeps_the_plan_loading_the_same(run: Run, tmp_path: Path) -> None:
    from ap_cli.loader import load_plan

    plan = copy_plan(MINI_PLAN, tmp_path)
    (plan / "1-provat.yaml").write_text(
        (plan / "1-provat.yaml").read_text(encoding="utf-8").replace("\n", "  \n").replace("  ", "    "),
        encoding="utf-8")
    loaded, _ = load_plan(plan)
    assert loaded is not None
    run("fmt", "--plan", plan)
    reloaded, _ = load_plan(plan)
    assert reloaded is not None
    assert [a.activity for a in reloaded.activities] == [a.activity for a in loaded.activities]
    assert [p.entry for p in reloaded.progress] == [p.entry for p in loaded.progress]


def test_fmt_check_lists_files_and_changes_nothing(run: Run, tmp_path: Path) -> None:
    plan = copy_plan(MINI_PLAN, tmp_path)
    untidy = plan / "institutions.yaml"
    text = untidy.read_text(encoding="utf-8") + "\n\n\n"
    untidy.write_text(text, encoding="utf-8")
    result = run("fmt", "--check", "--plan", plan)
    assert result.exit_code == 1
    assert result.stdout == f"would reformat {untidy}\n"
    assert untidy.read_text(encoding="utf-8") == text
    fixed = run("fmt", untidy)
    assert fixed.exit_code == 0 and fixed.stdout == f"reformatted {untidy}\n"
    assert run("fmt", "--check", untidy).exit_code == 0


def test_fmt_leaves_invalid_files_alone_and_says_why(run: Run, tmp_path: Path) -> None:
    plan = copy_plan(MINI_PLAN, tmp_path)
    bad = plan / "progress" / "2009Q2" / "broken.yaml"
    bad.write_text("- ref: &a I-1.(a).1\n-   ref: *a\n", encoding="utf-8")
    result = run("fmt", "--plan", plan)
    assert result.exit_code == 1
    assert f"{bad}:1:8: [error]" in result.stderr and "(yaml-anchor)" in result.stderr
    assert bad.read_text(encoding="utf-8") == "- ref: &a I-1.(a).1\n-   ref: *a\n"
