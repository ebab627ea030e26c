"""CI integration: `check --format github` annotations (escaped), the pre-commit hook, and the
example workflow (it parses, and every `apcli` command and option it runs exists)."""

import shlex

import pytest
from ruamel.yaml import YAML

from ap_cli.diagnostics import Diagnostic, format_github
from conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "plan.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"


# ----------------------------------------------------------------------------- annotations


def test_annotation_escapes_data_and_properties():
    d = Diagnostic("plan/a,b:c%.yaml", 3, 7, "error", "bad:code,x", "100% sure\nsecond line\r")
    first = format_github([d]).splitlines()[0]
    assert first == ("::error file=plan/a%2Cb%3Ac%25.yaml,line=3,col=7,title=bad%3Acode%2Cx"
                     "::100%25 sure%0Asecond line%0D")


def test_annotation_without_a_position_names_only_the_file():
    d = Diagnostic("plan/plan.yaml", 0, 0, "warning", "no-plan", "no plan.yaml")
    assert format_github([d]).splitlines()[0] == "::warning file=plan/plan.yaml,title=no-plan::no plan.yaml"


def test_annotations_then_the_full_plain_list():
    ds = [Diagnostic("p.yaml", 1, 1, "error", "x", "one"), Diagnostic("p.yaml", 2, 1, "warning", "y", "two")]
    assert format_github(ds).splitlines() == [
        "::error file=p.yaml,line=1,col=1,title=x::one",
        "::warning file=p.yaml,line=2,col=1,title=y::two",
        "p.yaml:1:1: [error] one (x)",
        "p.yaml:2:1: [warning] two (y)",
    ]


def test_check_on_actions_escapes_what_the_plan_says(run, mini_plan, tmp_path, monkeypatch):
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


def test_pre_commit_hook_checks_the_whole_plan():
    hooks = YAML(typ="safe").load(HOOKS.read_text(encoding="utf-8"))
    [hook] = hooks
    assert hook["id"] == "apcli-check"
    assert hook["entry"] == "apcli check"
    assert hook["pass_filenames"] is False
    assert hook["language"] == "python"
    assert_runs_existing_commands([shlex.split(hook["entry"])])


# ----------------------------------------------------------------------------- the workflow


def workflow():
    return YAML(typ="safe").load(WORKFLOW.read_text(encoding="utf-8"))


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


def assert_runs_existing_commands(invocations):
    import typer.main

    from ap_cli.cli import app

    commands = typer.main.get_command(app).commands
    for args in invocations:
        assert args[0] == "apcli" and len(args) > 1, args
        assert args[1] in commands, f"`apcli {args[1]}` is not a command of apcli (have: {sorted(commands)})"
        known = {opt for param in commands[args[1]].params for opt in (*param.opts, *param.secondary_opts)}
        for arg in args[2:]:
            if arg.startswith("-"):
                assert arg.split("=")[0] in known, f"`apcli {args[1]}` has no option {arg}"


def test_workflow_parses_and_has_the_events():
    flow = workflow()
    assert flow["name"] == "plan"
    events = flow.get("on", flow.get(True))  # YAML 1.1 readers take `on` for true
    assert set(events) == {"pull_request", "push", "workflow_dispatch"}
    assert events["push"]["branches"] == ["main"]
    assert flow["permissions"] == {"contents": "read"}


def test_workflow_runs_only_existing_apcli_commands():
    invocations = [args for job in workflow()["jobs"].values() for step in job["steps"]
                   for args in apcli_invocations(step.get("run", ""))]
    assert {args[1] for args in invocations} == {"check", "diff", "report"}
    assert_runs_existing_commands(invocations)


def test_workflow_review_job():
    review = workflow()["jobs"]["review"]
    assert review["if"] == "github.event_name == 'pull_request'"
    checkout = review["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@") and checkout["with"]["fetch-depth"] == 0
    runs = "\n".join(step.get("run", "") for step in review["steps"])
    assert "apcli check --format github" in runs
    assert 'apcli diff "$BASE_SHA" --format md >> "$GITHUB_STEP_SUMMARY"' in runs
    assert "${{" not in runs  # expressions reach scripts through env, never spliced into shell


def test_workflow_reports_job_renders_md_and_html():
    reports = workflow()["jobs"]["reports"]
    script = "\n".join(step.get("run", "") for step in reports["steps"])
    formats = {args[args.index("--format") + 1] for args in apcli_invocations(script) if args[1] == "report"}
    assert formats == {"md", "html"}
    assert "${{" not in script
    upload = [s for s in reports["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert upload and upload[0]["with"]["path"] == "reports/"


@pytest.mark.parametrize("script, expected", [
    ('apcli diff "$X" --format md >> "$F"', [["apcli", "diff", "$X", "--format", "md"]]),
    ("a && apcli check --format=github | tee x", [["apcli", "check", "--format=github"]]),
    ("apcli report \\\n  --out r.md", [["apcli", "report", "--out", "r.md"]]),
])
def test_apcli_invocations_reader(script, expected):
    assert apcli_invocations(script) == expected


# ----------------------------------------------------------------------------- the workflow, run


def run_job(job: str, cwd, expressions: dict[str, str], tmp_path) -> dict[str, str]:
    """Run a job's `run:` steps in bash as the runner would (apcli installed, expressions from
    `expressions`), skipping `uses:` steps and the install step; returns the step outputs."""
    import os
    import re
    import subprocess
    import sys

    summary, outputs = tmp_path / "summary.md", {}
    for step in workflow()["jobs"][job]["steps"]:
        if "run" not in step or step["run"].startswith("pip install"):
            continue
        env = {**os.environ, "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTIONS": "true",
               "PYTHONPATH": str(ROOT / "src")}
        for name, value in step.get("env", {}).items():
            expr = re.fullmatch(r"\$\{\{ (.+) \}\}", value)
            env[name] = (outputs.get(expr.group(1)) or expressions[expr.group(1)]) if expr else value
        output_file = tmp_path / f"output-{step.get('id', 'x')}"
        output_file.write_text("")
        env["GITHUB_OUTPUT"] = str(output_file)
        script = f'set -eo pipefail\napcli() {{ "{sys.executable}" -m ap_cli "$@"; }}\n{step["run"]}'
        done = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True)
        assert done.returncode == 0, (step.get("name"), done.stdout, done.stderr)
        for line in output_file.read_text().splitlines():
            key, _, value = line.partition("=")
            outputs[f"steps.{step['id']}.outputs.{key}"] = value
    outputs["summary"] = summary.read_text(encoding="utf-8") if summary.exists() else ""
    return outputs


@pytest.fixture
def plan_repo(tmp_path, monkeypatch):
    """A repository keeping the mini plan in ./plan, with a pull request's edit checked out."""
    import shutil
    import subprocess

    from conftest import MINI_PLAN

    if shutil.which("git") is None or shutil.which("bash") is None:
        pytest.skip("needs git and bash")
    monkeypatch.delenv("APCLI_PLAN", raising=False)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.name=T", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    shutil.copytree(MINI_PLAN, repo / "plan")
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "plan"], cwd=repo, check=True)
    base = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True, text=True)
    provat = repo / "plan" / "1-provat.yaml"
    provat.write_text(provat.read_text(encoding="utf-8").replace('"korrik 2009"', '"Fundi i 2009-ës"'),
                      encoding="utf-8")
    subprocess.run([*git, "commit", "-qam", "extend a deadline"], cwd=repo, check=True)
    return repo, base.stdout.strip()


def test_workflow_review_job_runs(plan_repo, tmp_path):
    repo, base = plan_repo
    out = run_job("review", repo, {"github.event.pull_request.base.sha": base}, tmp_path)
    assert out["summary"].startswith(f"### Plan changes: {base[:7]} → working tree")
    assert "| I-1.(a).2 | korrik 2009 | Fundi i 2009-ës | 5 months later |" in out["summary"]
    assert (repo / "plan-diff.json").read_text(encoding="utf-8").count('"kind": "deadline_changed"') == 1


@pytest.mark.parametrize("as_of", ["2009Q2", ""])
def test_workflow_reports_job_runs(plan_repo, tmp_path, as_of):
    from datetime import date

    repo, _ = plan_repo
    out = run_job("reports", repo, {"inputs.as_of": as_of}, tmp_path)
    today = date.today()
    quarter = as_of or f"{today.year}Q{(today.month + 2) // 3}"
    assert out["steps.period.outputs.as_of"] == quarter
    assert (repo / "reports" / f"plan-{quarter}.md").stat().st_size > 0
    assert (repo / "reports" / f"plan-{quarter}.html").read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
