"""The README and the documentation site: every command has an example with real output (in
README.md or a docs page), the README's two set-up commands are the ones CI runs, the README
stays short and links into the docs, and the site builds with `mkdocs build --strict`."""

import os
import re
import subprocess
import sys
from pathlib import Path

from typer.core import TyperGroup

from conftest import ROOT, require_module

README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = sorted((ROOT / "docs").rglob("*.md"))


def command_names() -> list[str]:
    import typer.main

    from ap_cli.cli import app

    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    names = []
    for name, command in group.commands.items():
        subcommands = getattr(command, "commands", None)
        names += [f"{name} {sub}" for sub in subcommands] if subcommands else [name]
    return sorted(names)


def test_every_command_has_an_example() -> None:
    texts = [README, *(p.read_text(encoding="utf-8") for p in PAGES)]
    missing = [n for n in command_names()
               if not any(re.search(rf"^\$ apcli {re.escape(n)}\b", t, re.M) for t in texts)]
    assert not missing, f"commands without a `$ apcli …` example in README.md or docs/: {missing}"


def test_examples_show_real_output() -> None:
    """README.md and every docs/**/*.md page (docs/update_readme.py --check)."""
    done = subprocess.run([sys.executable, str(ROOT / "docs" / "update_readme.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_ci_runs_the_readme_test_command() -> None:
    setup = re.findall(r"^```sh\n(.*?)\n```", README, re.M | re.S)
    assert len(setup) == 2, "README.md must hold exactly two set-up commands (```sh blocks)"
    ci = (ROOT / ".ci" / "run").read_text()
    assert setup[1] in ci
    assert "pytest" in setup[1] and "apcli overdue --as-of 2009-06" in setup[0]


def test_readme_is_short_and_its_links_resolve() -> None:
    assert len(README.splitlines()) <= 200, "README.md is the front page: details go in docs/"
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", README):
        if re.match(r"[a-z]+:", target):
            continue
        assert (ROOT / target).exists(), f"README.md links to a missing file: {target}"


def test_every_page_is_in_the_nav() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    missing = [p.relative_to(ROOT / "docs").as_posix() for p in PAGES
               if p.relative_to(ROOT / "docs").as_posix() not in nav]
    assert not missing, f"docs pages missing from mkdocs.yml's nav: {missing}"


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    """`mkdocs build --strict` (warnings are errors: broken links, anchors, pages outside the nav).
    Skipped when MkDocs Material is not installed (`pip install -e '.[docs]'`), except under
    CI=true, where it fails."""
    require_module("mkdocs", "pip install -e '.[docs]'")
    require_module("material", "pip install -e '.[docs]'")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    reference = (tmp_path / "site" / "reference" / "commands" / "index.html").read_text(encoding="utf-8")
    for name in command_names():
        assert f"apcli {name}" in reference, f"the generated command reference lacks `apcli {name}`"
