"""CI integration: `check --format github` annotations (escaped), the pre-commit hook, and the
reader that finds the `apcli` commands a workflow or action runs (tests/test_action.py uses it)."""

import shlex
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from typer.core import TyperGroup

from ap_cli.diagnostics import Diagnostic, format_github
from conftest import ROOT, Run

HOOKS = ROOT / ".pre-commit-hooks.yaml"


# ----------------------------------------------------------------------------- annotations


def test_annotation_escapes_data_and_properties() -> None:
    d = Diagnostic("plan/a,b:c%.yaml", 3, 7, "error", "bad:code,x", "100% sure\nsecond line\r")
    first = format_github([d]).splitlines()[0]
    assert first == ("::error file=plan/a%2Cb%3Ac%25.yaml,line=3,col=7,title=bad%3Acode%2Cx"
                     "::100%25 sure%0Asecond line%0D")


def test_annotation_without_a_position_names_only_the_file() -> None:
    d = Diagnostic("plan/plan.yaml", 0, 0, "warning", "no-plan", "no plan.yaml")
    assert format_github([d]).splitlines()[0] == "::warning file=plan/plan.yaml,title=no-plan::no plan.yaml"


def test_annotations_then_the_full_plain_list() -> None:
    ds = [Diagnostic("p.yaml", 1, 1, "error", "x", "one"), Diagnostic("p.yaml", 2, 1, "warning", "y", "two")]
    assert format_github(ds).splitlines() == [
        "::error file=p.yaml,line=1,col=1,title=x::one",
        "::warning file=p.yaml,line=2,col=1,title=y::two",
        "p.yaml:1:1: [error] one (x)",
        "p.yaml:2:1: [warning] two (y)",
    ]


def test_check_on_actions_escapes_what_the_plan_says(run: Run, mini_plan: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A plan directory and a body name full of the characters annotations must escape."""
    odd = tmp_path / "plan,v1:50%"
    mini_plan.rename(odd)
    provat = odd / "1-provat.yaml"
    provat.write_text(provat.read_text(encoding="utf-8").replace("[PSH, ZKKA]", '["PSH,X: 50%", ZKKA]'),
                      encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = run("check", "--plan", odd.name)
    assert result.exit_code == 1
    error = next(line for line in result.stdout.splitlines() if line.startswith("::error "))
    assert error.startswith("::error file=plan%2Cv1%3A50%25/1-provat.yaml,line=17,col=27,title=unknown-institution::")
    assert "names 'PSH,X: 50%25'" in error  # in the message only % is escaped
    assert "plan,v1:50%/1-provat.yaml:17:27: [error]" in result.stdout


# ----------------------------------------------------------------------------- pre-commit


def test_pre_commit_hook_checks_the_whole_plan() -> None:
    hooks = YAML(typ="safe").load(HOOKS.read_text(encoding="utf-8"))
    [hook] = hooks
    assert hook["id"] == "apcli-check"
    assert hook["entry"] == "apcli check"
    assert hook["pass_filenames"] is False
    assert hook["language"] == "python"
    assert_runs_existing_commands([shlex.split(hook["entry"])])


# ----------------------------------------------------------------------------- apcli in scripts


def apcli_invocations(script: str) -> list[list[str]]:
    """Each `apcli …` in a shell script, as tokens up to the next shell operator."""
    script = script.replace("\\\n", " ")
    found = []
    for line in script.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        tokens = list(lexer)
        for i, token in enumerate(tokens):
            if token == "apcli":
                args = []
                for t in tokens[i:]:
                    if t and set(t) <= set("|&;<>()"):
                        break
                    args.append(t)
                found.append(args)
    return found


def assert_runs_existing_commands(invocations: list[list[str]]) -> None:
    import typer.main

    from ap_cli.cli import app

    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    commands = group.commands
    for args in invocations:
        assert args[0] == "apcli" and len(args) > 1, args
        assert args[1] in commands, f"`apcli {args[1]}` is not a command of apcli (have: {sorted(commands)})"
        known = {opt for param in commands[args[1]].params for opt in (*param.opts, *param.secondary_opts)}
        for arg in args[2:]:
            if arg.startswith("-"):
                assert arg.split("=")[0] in known, f"`apcli {args[1]}` has no option {arg}"


@pytest.mark.parametrize("script, expected", [
    ('apcli diff "$X" --format md >> "$F"', [["apcli", "diff", "$X", "--format", "md"]]),
    ("a && apcli check --format=github | tee x", [["apcli", "check", "--format=github"]]),
    ("apcli report \\\n  --out r.md", [["apcli", "report", "--out", "r.md"]]),
])
def test_apcli_invocations_reader(script: str, expected: list[list[str]]) -> None:
    assert apcli_invocations(script) == expected
