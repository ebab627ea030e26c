"""The apcli GitHub Action (action.yml) and the workflow `apcli init` writes: the logic in
tools/action.py, and the action's steps run in bash as a runner runs them (its `uses:` steps
stood in for), with apcli installed the way the action installs it, on throwaway plan
repositories. GitHub itself is not reached: the runner's part is this file's harness."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from ruamel.yaml import YAML

from conftest import MINI_PLAN, REAL_PLAN, ROOT, require_tool
from test_github import apcli_invocations, assert_runs_existing_commands

ACTION = ROOT / "action.yml"
CI = ROOT / ".github" / "workflows" / "ci.yml"


def load_tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"apcli_tools_{name}", ROOT / "tools" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = load_tool("action")


def action() -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load(ACTION.read_text(encoding="utf-8"))
    return data


# ----------------------------------------------------------------------------- tools/action.py


def test_install_spec() -> None:
    assert tool.install_spec("") == str(ROOT)  # the action's own checkout
    assert tool.install_spec("  ") == str(ROOT)
    name = tool.distribution_name()
    assert tool.install_spec("0.2.0") == f"{name}==0.2.0"
    assert tool.install_spec("v1.0.0rc1") == f"{name}==1.0.0rc1"
    url = "git+https://github.com/OWNER/apcli@main"
    assert tool.install_spec(url) == url
    with pytest.raises(tool.InputError, match="pip options are not accepted"):
        tool.install_spec("--index-url=https://example.org/simple")


def test_distribution_name_is_pyprojects() -> None:
    import tomllib

    assert tool.distribution_name() == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"]


@pytest.mark.parametrize("today, expected, clamped", [
    ("2009-05-02", "2009Q2", False),
    ("2008-01-01", "2008Q1", False),
    ("2010-10-01", "2010Q4", False),
    ("2010-12-31", "2010Q4", False),
    ("2011-01-01", "2010Q4", True),
    ("2026-12-04", "2010Q4", True),
])
def test_default_cutoff_is_the_current_quarter_clamped_to_the_plan(today: str, expected: str, clamped: bool) -> None:
    as_of, note = tool.cutoff("", date.fromisoformat(today), REAL_PLAN)
    assert as_of == expected
    assert (note is not None) == clamped
    if clamped:
        year, q = tool.quarter(date.fromisoformat(today))
        assert "as of 2010Q4, the last quarter of the plan period (it ends 2010-12)" in note
        assert f"instead of the current quarter {year}Q{q}" in note


@pytest.mark.parametrize("yaml_text", [
    'id: x\nperiod: {start: "2008-01", end: "2009-05"}\n',
    "id: x\nperiod:\n  start: '2008-01'\n  end: '2009-05'\nadopted: {date: '2008-05-30'}\n",
])
@pytest.mark.parametrize("with_ruamel", [True, False])
def test_plan_end_is_read_from_plan_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, yaml_text: str,
                                         with_ruamel: bool) -> None:
    if not with_ruamel:  # the fallback when the Python running it has no ruamel.yaml
        monkeypatch.setitem(sys.modules, "ruamel.yaml", None)
    (tmp_path / "plan.yaml").write_text(yaml_text, encoding="utf-8")
    assert tool.plan_end(tmp_path) == (2009, 5)
    assert tool.cutoff("", date(2012, 3, 1), tmp_path)[0] == "2009Q2"


def test_without_a_readable_plan_the_current_quarter_stands(tmp_path: Path) -> None:
    assert tool.cutoff("", date(2026, 12, 4), tmp_path) == ("2026Q4", None)
    (tmp_path / "plan.yaml").write_text("period: [\n", encoding="utf-8")
    assert tool.cutoff("", date(2026, 12, 4), tmp_path) == ("2026Q4", None)


@pytest.mark.parametrize("given, expected", [
    ("2009q2", "2009Q2"), ("2009H1", "2009H1"), ("2009", "2009"), ("2009-06", "2009-06"),
    (" 2009-06-30 ", "2009-06-30"), ("2030Q1", "2030Q1"),
])
def test_an_explicit_cutoff_is_kept(given: str, expected: str) -> None:
    assert tool.cutoff(given, date(2026, 12, 4), REAL_PLAN) == (expected, None)


@pytest.mark.parametrize("given", ["2009-13", "2009Q5", "June 2009", "x;y", "$(id)", "2009Q2\n::error::x", "../2009"])
def test_a_cutoff_that_is_not_a_period_is_refused(given: str) -> None:
    with pytest.raises(tool.InputError, match="is not a period: use 2009Q2"):
        tool.cutoff(given, date(2026, 12, 4), REAL_PLAN)


def test_formats_and_artifact_name() -> None:
    assert tool.formats("md html") == ["md", "html"]
    assert tool.formats(" HTML, md,html ") == ["html", "md"]
    assert tool.formats("") == []
    with pytest.raises(tool.InputError, match="'pdf' is not a report format"):
        tool.formats("md pdf")
    assert tool.artifact_name("", "2009Q2") == "plan-reports-2009Q2"
    assert tool.artifact_name("mine", "2009Q2") == "mine"
    with pytest.raises(tool.InputError, match="cannot hold '/'"):
        tool.artifact_name("a/b", "2009Q2")


def run_tool(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "tools" / "action.py"), *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})})


def test_prepare_writes_step_outputs_and_the_note(tmp_path: Path) -> None:
    output, summary = tmp_path / "output", tmp_path / "summary.md"
    done = run_tool("prepare", "--plan", str(REAL_PLAN), "--today", "2026-12-04", "--formats", "html",
                    env={"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)})
    assert done.returncode == 0, done.stderr
    assert output.read_text() == "as-of=2010Q4\nformats=html\nartifact=plan-reports-2010Q4\n"
    assert done.stdout.startswith("::notice title=apcli cut-off::No cut-off given: the reports are as of 2010Q4")
    assert summary.read_text().startswith("> [!NOTE]\n> No cut-off given")


def test_bad_input_is_an_error_annotation(tmp_path: Path) -> None:
    done = run_tool("prepare", "--as-of", "2009Q2\n::warning::injected 100%",
                    env={"GITHUB_OUTPUT": str(tmp_path / "o")})
    assert done.returncode == 2
    assert done.stdout.splitlines() == [
        "::error title=apcli action input as-of::'2009Q2\\n::warning::injected 100%25' is not a period: "
        "use 2009Q2, 2009-06, 2009-06-30, 2009H1 or 2009"]
    assert not (tmp_path / "o").exists()


# ----------------------------------------------------------------------------- action.yml, read


def test_action_is_composite_and_its_inputs() -> None:
    a = action()
    assert a["runs"]["using"] == "composite"
    assert set(a["inputs"]) == {"plan", "as-of", "formats", "lang", "base", "apcli-version", "python-version", "out",
                                "artifact-name"}
    assert a["inputs"]["base"]["default"] == "${{ github.event.pull_request.base.sha }}"
    assert a["inputs"]["as-of"]["default"] == "" and a["inputs"]["apcli-version"]["default"] == ""


def test_action_scripts_take_inputs_only_through_env() -> None:
    a = action()
    text = ACTION.read_text(encoding="utf-8")
    for step in a["runs"]["steps"]:
        if "run" in step:
            assert step["shell"] == "bash", step["name"]
            assert "${{" not in step["run"], f"{step['name']}: an expression spliced into the script"
    used = set(re.findall(r"\binputs\.([\w-]+)", text))
    assert used == set(a["inputs"]), "every input is used, and only declared inputs are"


def test_action_installs_itself_from_its_checkout() -> None:
    [install] = [s for s in action()["runs"]["steps"] if s.get("id") == "install"]
    assert '"$GITHUB_ACTION_PATH/tools/action.py" install-spec' in install["run"]
    assert 'pip install --quiet --disable-pip-version-check "$spec"' in install["run"]


def test_action_runs_only_existing_apcli_commands() -> None:
    invocations = [args for step in action()["runs"]["steps"]
                   for args in apcli_invocations(step.get("run", "").replace('"$APCLI"', "apcli"))]
    assert {args[1] for args in invocations} == {"check", "diff", "report"}
    assert_runs_existing_commands(invocations)


# ----------------------------------------------------------------------------- action.yml, run


def evaluate(condition: str, ctx: dict[str, str], failed: bool) -> bool:
    """A step's `if:` as the runner reads it, for the forms action.yml uses: `&&` of status
    functions and `context.path ==/!= 'literal'` (anything else fails the test)."""
    m = re.fullmatch(r"\s*\$\{\{\s*(.*?)\s*\}\}\s*", condition, re.S)
    terms = [t.strip() for t in (m.group(1) if m else condition).split("&&")]
    status = {"!cancelled()": True, "always()": True, "success()": not failed, "failure()": failed}
    result = True if any(t in status for t in terms) else not failed  # no status function: success()
    for term in terms:
        if term in status:
            result = result and status[term]
            continue
        cmp = re.fullmatch(r"([\w.-]+)\s*(==|!=)\s*'([^']*)'", term)
        assert cmp, f"the test harness cannot evaluate {term!r}: extend evaluate()"
        result = result and ((ctx.get(cmp.group(1), "") == cmp.group(3)) == (cmp.group(2) == "=="))
    return result


def resolve(value: object, ctx: dict[str, str]) -> str:
    if isinstance(value, bool):  # YAML true/false reach an action as the strings 'true'/'false'
        return str(value).lower()
    return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", lambda m: ctx.get(m.group(1), ""), str(value))


def run_action(workspace: Path, tmp_path: Path, inputs: dict[str, str], github: dict[str, str],
               installed: dict[str, str] | None = None, only: set[str] | None = None) -> dict[str, Any]:
    """Run action.yml's steps in `workspace`; returns the context (step outputs and outcomes),
    the summary, each step's result and the artifact uploads."""
    a = action()
    ctx = {f"github.{k}": v for k, v in github.items()}
    for name, spec in a["inputs"].items():
        ctx[f"inputs.{name}"] = resolve(spec.get("default", ""), ctx)
    ctx.update({f"inputs.{k}": v for k, v in inputs.items()})
    run_dir = tmp_path / f"run-{len(list(tmp_path.glob('run-*')))}"
    run_dir.mkdir()
    summary = run_dir / "summary.md"
    summary.write_text("")
    failed, steps, uploads = False, {}, []
    for step in a["runs"]["steps"]:
        sid, name = step.get("id", ""), step["name"]
        if only is not None and sid not in only:
            continue
        if not evaluate(step.get("if", "success()"), ctx, failed):
            steps[name] = ("skipped", "")
            continue
        outputs: dict[str, str] = {}
        if "uses" in step:
            params = {k: resolve(v, ctx) for k, v in step.get("with", {}).items()}
            if step["uses"].startswith("actions/setup-python@"):
                assert params["update-environment"] == "false"
                outputs = {"python-path": sys.executable}
            elif step["uses"].startswith("actions/upload-artifact@"):
                uploads.append(params)
            else:
                raise AssertionError(f"no stand-in for {step['uses']}")
            code, log = 0, ""
        elif sid == "install" and installed is not None:
            outputs, code, log = dict(installed), 0, ""
        else:
            output_file = run_dir / f"output-{sid or len(steps)}"
            output_file.write_text("")
            env = {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_ACTION_PATH": str(ROOT),
                   "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output_file),
                   "RUNNER_TEMP": str(tmp_path / "runner-temp")}
            env.pop("APCLI_PLAN", None)
            (tmp_path / "runner-temp").mkdir(exist_ok=True)
            env.update({k: resolve(v, ctx) for k, v in step.get("env", {}).items()})
            done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                                  cwd=workspace, env=env, capture_output=True, text=True)
            code, log = done.returncode, done.stdout + done.stderr
            for line in output_file.read_text().splitlines():
                key, _, value = line.partition("=")
                outputs[key] = value
        ctx.update({f"steps.{sid}.outputs.{k}": v for k, v in outputs.items()})
        ctx[f"steps.{sid}.outcome"] = "success" if code == 0 else "failure"
        steps[name] = ("success" if code == 0 else "failure", log)
        failed = failed or code != 0
    return {"ctx": ctx, "steps": steps, "summary": summary.read_text(encoding="utf-8"), "uploads": uploads,
            "failed": failed}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """apcli installed once the way the action does (a virtualenv, pip install of this
    checkout); the other runs reuse its outputs."""
    if shutil.which("bash") is None:
        pytest.skip("needs bash")
    tmp = tmp_path_factory.mktemp("install")
    run = run_action(tmp, tmp, {}, {}, only={"python", "install"})
    state, log = run["steps"]["Install apcli"]
    assert state == "success", log
    assert re.search(r"^apcli \d+\.\d+\.\d+", log, re.M), log  # apcli --version
    return {k.split(".")[-1]: v for k, v in run["ctx"].items() if k.startswith("steps.install.outputs.")}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false",
                           *args], cwd=repo, check=True, capture_output=True, text=True)
    return done.stdout.strip()


@pytest.fixture
def plan_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """A repository keeping the mini plan in ./plan, with a pull request's edit checked out."""
    require_tool("git", "apt-get install git")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    repo = tmp_path / "repo"
    shutil.copytree(MINI_PLAN, repo / "plan")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "plan")
    base = git(repo, "rev-parse", "HEAD")
    provat = repo / "plan" / "1-provat.yaml"
    provat.write_text(provat.read_text(encoding="utf-8").replace('"korrik 2009"', '"Fundi i 2009-ës"'),
                      encoding="utf-8")
    git(repo, "commit", "-qam", "extend a deadline")
    return repo, base


def states(run: dict[str, Any]) -> dict[str, str]:
    return {name: state for name, (state, _) in run["steps"].items()}


def test_action_on_a_pull_request(installed: dict[str, str], plan_repo: tuple[Path, str], tmp_path: Path) -> None:
    repo, base = plan_repo
    run = run_action(repo, tmp_path, {"as-of": "2009Q2"}, {"event.pull_request.base.sha": base}, installed)
    assert states(run) == {
        "Python for apcli": "success", "Install apcli": "success", "Read the inputs": "success",
        "Check the plan": "success", "Describe the change": "success", "Render the reports": "success",
        "Upload the reports": "success", "Fail when the plan has errors": "skipped"}
    assert not run["failed"]
    assert run["summary"].startswith(f"### Plan changes: {base[:7]} → working tree")
    assert "| I-1.(a).2 | korrik 2009 | Fundi i 2009-ës | 5 months later |" in run["summary"]
    out = repo / "reports"
    assert (out / "plan-diff.json").read_text(encoding="utf-8").count('"kind": "deadline_changed"') == 1
    assert (out / "plan-2009Q2.md").read_text(encoding="utf-8").startswith("# ")
    assert (out / "plan-2009Q2.html").read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    assert run["uploads"] == [{"name": "plan-reports-2009Q2", "path": "reports", "if-no-files-found": "ignore"}]
    assert run["ctx"]["steps.check.outputs.status"] == "0"


def test_action_on_a_push_defaults_the_cutoff(installed: dict[str, str], plan_repo: tuple[Path, str],
                                              tmp_path: Path) -> None:
    repo, _ = plan_repo
    run = run_action(repo, tmp_path, {"formats": "html", "lang": "en"}, {}, installed)
    assert states(run)["Describe the change"] == "skipped"  # no pull request, no base
    assert not run["failed"]
    expected, note = tool.cutoff("", date.today(), repo / "plan")
    assert run["ctx"]["steps.prepare.outputs.as-of"] == expected
    assert sorted(p.name for p in (repo / "reports").iterdir()) == [f"plan-{expected}.html"]
    prepare_log = run["steps"]["Read the inputs"][1]
    if note:  # today is past the plan period: the note says the cut-off was clamped
        assert f"::notice title=apcli cut-off::{note}" in prepare_log
        assert note in run["summary"]


def test_action_fails_on_a_broken_plan_and_says_so(installed: dict[str, str], plan_repo: tuple[Path, str],
                                                   tmp_path: Path) -> None:
    repo, base = plan_repo
    provat = repo / "plan" / "1-provat.yaml"
    provat.write_text(provat.read_text(encoding="utf-8").replace("[PSH, ZKKA]", "[PSHX, ZKKA]"), encoding="utf-8")
    run = run_action(repo, tmp_path, {"as-of": "2009Q2"}, {"event.pull_request.base.sha": base}, installed)
    assert run["failed"]
    assert run["ctx"]["steps.check.outputs.status"] == "1"
    check_log = run["steps"]["Check the plan"][1]
    assert "::error file=plan/1-provat.yaml,line=17,col=27,title=unknown-institution::" in check_log
    assert states(run)["Upload the reports"] == "success"  # still runs: whatever was written is uploaded
    state, log = run["steps"]["Fail when the plan has errors"]
    assert state == "failure" and "::error title=apcli check::the plan has errors (apcli check exited 1)" in log


def test_action_refuses_a_bad_input_before_running_apcli(installed: dict[str, str], plan_repo: tuple[Path, str],
                                                         tmp_path: Path) -> None:
    repo, _ = plan_repo
    run = run_action(repo, tmp_path, {"as-of": "2009Q2; touch pwned"}, {}, installed)
    assert run["failed"]
    state, log = run["steps"]["Read the inputs"]
    assert state == "failure" and "::error title=apcli action input as-of::" in log
    assert {states(run)[s] for s in ("Check the plan", "Render the reports", "Upload the reports")} == {"skipped"}
    assert not (repo / "pwned").exists()


def test_action_diff_needs_the_history(installed: dict[str, str], plan_repo: tuple[Path, str], tmp_path: Path) -> None:
    repo, _ = plan_repo
    missing = "1234567890abcdef1234567890abcdef12345678"
    run = run_action(repo, tmp_path, {"as-of": "2009"}, {"event.pull_request.base.sha": missing}, installed)
    state, log = run["steps"]["Describe the change"]
    assert state == "failure"
    assert (f"::error title=apcli diff::the base revision {missing} is not in this checkout: "
            "check out with fetch-depth: 0") in log
    assert states(run)["Render the reports"] == "success"  # the reports do not depend on the diff
    assert (repo / "reports" / "plan-2009.md").is_file()


# ----------------------------------------------------------------------------- the workflows that call it


def workflow_written_by_init() -> str:
    from ap_cli.init import scaffold

    return scaffold(Path("x"))[Path(".github") / "workflows" / "plan.yml"].decode("utf-8")


def test_init_workflow_calls_the_action_at_this_version() -> None:
    from ap_cli import __version__

    text = workflow_written_by_init()
    flow = YAML(typ="safe").load(text)
    events = flow.get("on", flow.get(True))  # YAML 1.1 readers take `on` for true
    assert set(events) == {"pull_request", "push", "workflow_dispatch"}
    assert flow["permissions"] == {"contents": "read"}
    [job] = flow["jobs"].values()
    checkout, apcli = job["steps"]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"] == {"fetch-depth": 0, "persist-credentials": False}
    assert apcli["uses"] == f"OWNER/apcli@v{__version__}"
    assert set(apcli["with"]) <= set(action()["inputs"])
    assert len([line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]) <= 21


def test_docs_show_the_workflow_init_writes() -> None:
    page = (ROOT / "docs" / "how-to" / "ci.md").read_text(encoding="utf-8")
    assert f"```yaml\n{workflow_written_by_init()}```\n" in page


def test_ci_checks_the_plan_through_the_action() -> None:
    flow = YAML(typ="safe").load(CI.read_text(encoding="utf-8"))
    steps = flow["jobs"]["plan"]["steps"]
    assert steps[0]["with"] == {"fetch-depth": 0, "persist-credentials": False}
    assert steps[1]["uses"] == "./"
    assert any(step.get("run") == "bash .ci/run" for step in flow["jobs"]["tests"]["steps"])
