"""The Pages workflow (.github/workflows/pages.yml) and its build script (tools/build_pages.py):
the script builds the site at the root and the docs under docs/, with the default cut-off rule
of the action; the workflow only calls it, uploads an artifact on pull requests and deploys from
main with the official Pages actions. The workflow lints clean with the others in
tests/test_release.py (actionlint, zizmor --offline); the deployment itself runs only on GitHub."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from conftest import ROOT, require_module

WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"
SCRIPT = ROOT / "tools" / "build_pages.py"


def build(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path / "_site"), *args], cwd=ROOT,
                          capture_output=True, text=True, env=env, timeout=600)


def test_site_at_the_root_default_cutoff_clamped(tmp_path: Path) -> None:
    done = build(tmp_path, "--no-docs", "--today", "2026-12-04")
    assert done.returncode == 0, done.stderr
    assert ("note: No cut-off given: the reports are as of 2010Q4, the last quarter of the plan period (it ends "
            "2010-12), instead of the current quarter 2026Q4. Set the workflow's as-of input for another period."
            ) in done.stderr
    site = tmp_path / "_site"
    assert (site / "index.html").is_file() and (site / "en" / "index.html").is_file()
    assert "31 dhjetor 2010" in (site / "index.html").read_text(encoding="utf-8")
    assert not (site / "docs").exists()
    again = build(tmp_path, "--no-docs", "--as-of", "2009Q2")  # an earlier build's folder is replaced
    assert again.returncode == 0, again.stderr
    assert "30 qershor 2009" in (site / "index.html").read_text(encoding="utf-8")
    assert "note:" not in again.stderr


def test_bad_cutoff(tmp_path: Path) -> None:
    done = build(tmp_path, "--no-docs", "--as-of", "June")
    assert done.returncode == 2
    assert "'June' is not a period" in done.stderr
    assert not (tmp_path / "_site").exists()


def test_site_and_docs_together(tmp_path: Path) -> None:
    require_module("mkdocs", "pip install -e '.[docs]'")
    require_module("material", "pip install -e '.[docs]'")
    done = build(tmp_path, "--as-of", "2009Q2")
    assert done.returncode == 0, done.stderr
    site = tmp_path / "_site"
    assert (site / "index.html").is_file() and (site / "docs" / "index.html").is_file()
    assert (site / "docs" / "how-to" / "publish-site" / "index.html").is_file()


def test_the_workflow_builds_on_pull_requests_and_deploys_from_main() -> None:
    flow = YAML(typ="safe").load(WORKFLOW.read_text(encoding="utf-8"))
    assert set(flow["on"]) == {"pull_request", "push", "workflow_dispatch"}
    assert flow["on"]["push"]["branches"] == ["main"]
    build_job, deploy = flow["jobs"]["build"], flow["jobs"]["deploy"]
    runs = [s["run"] for s in build_job["steps"] if "run" in s]
    assert runs[0].split("  #")[0] == 'python -m pip install ".[docs]"'  # MkDocs' pins live in pyproject.toml only
    assert runs[-1] == 'python tools/build_pages.py --out _site --as-of "$AS_OF"'  # all logic in the script
    uploads = {s["uses"].split("@")[0]: s for s in build_job["steps"] if "uses" in s}
    assert uploads["actions/upload-artifact"]["if"] == "github.event_name == 'pull_request'"
    assert uploads["actions/upload-pages-artifact"]["if"] == "github.event_name != 'pull_request'"
    assert uploads["actions/upload-pages-artifact"]["with"]["path"] == "_site/"
    assert deploy["needs"] == "build"
    assert deploy["if"] == "github.event_name != 'pull_request' && github.ref == 'refs/heads/main'"
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/configure-pages", "actions/deploy-pages"]
    assert build_job["permissions"] == {"contents": "read"}
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}


# ----------------------------------------------------------------------------- a plan repository's pages.yml


def init_pages() -> str:
    from pathlib import Path

    from ap_cli.init import scaffold

    return scaffold(Path("x"), pages=True)[Path(".github") / "workflows" / "pages.yml"].decode("utf-8")


def test_init_pages_is_optional(run: Any, tmp_path: Path) -> None:
    from pathlib import Path

    from ap_cli import __version__
    from ap_cli.init import scaffold

    assert Path(".github/workflows/pages.yml") not in scaffold(tmp_path / "a")
    result = run("init", tmp_path / "b", "--pages")
    assert result.exit_code == 0, result.stderr
    text = (tmp_path / "b" / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8")
    assert f"uses: OWNER/apcli@v{__version__}  # zizmor: ignore[unpinned-uses]" in text


def test_init_pages_lints_clean_and_pins_as_the_repository_does(tmp_path: Path) -> None:
    """actionlint (with shellcheck) and zizmor --offline, where a plan repository keeps it; its
    actions pinned to the same SHAs as apcli's own pages.yml."""
    import re

    from test_release import actionlint, zizmor

    path = tmp_path / "plan-repo" / ".github" / "workflows" / "pages.yml"
    path.parent.mkdir(parents=True)
    text = init_pages()
    path.write_text(text, encoding="utf-8")
    done = actionlint(path, cwd=tmp_path / "plan-repo")
    assert done.returncode == 0, done.stdout + done.stderr
    done = zizmor(path, cwd=tmp_path / "plan-repo")
    assert done.returncode == 0, done.stdout + done.stderr
    own = set(re.findall(r"uses: (actions/[\w-]+@[0-9a-f]{40})  # (v[\d.]+)", WORKFLOW.read_text(encoding="utf-8")))
    theirs = set(re.findall(r"uses: (actions/[\w-]+@[0-9a-f]{40})  # (v[\d.]+)", text))
    # the same pins; setup-python is the action's business there
    assert theirs == {(use, v) for use, v in own if not use.startswith("actions/setup-python@")}
    flow = YAML(typ="safe").load(text)
    assert flow["permissions"] == {}
    assert flow["jobs"]["build"]["permissions"] == {"contents": "read"}
    assert flow["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    step = next(s for s in flow["jobs"]["build"]["steps"] if s.get("id") == "apcli")
    assert step["with"] == {"as-of": "${{ inputs.as-of }}", "formats": "", "base": ""}
