"""`apcli init` makes a working copy; writing commands refuse the plan bundled with apcli."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REAL_PLAN, Run


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_init_writes_a_working_copy_that_checks_clean(run: Run, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "zkka-plan"
    result = run("init", target)
    assert result.exit_code == 0, result.stderr
    files = set(tree(target))
    assert files == {
        ".github/workflows/plan.yml", ".gitignore", ".pre-commit-config.yaml", "plan/progress/.gitkeep",
        "schema/apcli.schema.json", *(f"plan/{p.name}" for p in REAL_PLAN.glob("*.yaml"))}
    for p in REAL_PLAN.glob("*.yaml"):
        assert (target / "plan" / p.name).read_bytes() == p.read_bytes()
    monkeypatch.chdir(target)
    assert run("check").exit_code == 0
    added = run("progress", "add", "ii-1a1", "--status", "in_progress", "--date", "2009-06-01")
    assert added.exit_code == 0, added.stderr
    assert (target / "plan" / "progress" / "2009Q2" / "kshlkt.yaml").is_file()


def test_init_overwrites_nothing(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "repo"
    (target / ".github" / "workflows").mkdir(parents=True)
    (target / ".github" / "workflows" / "plan.yml").write_text("mine\n")
    result = run("init", target)
    assert result.exit_code == 1
    assert result.stderr == f"apcli: {target}/.github/workflows/plan.yml: already exists; " \
        "`apcli init` writes only into a folder without a plan\n"
    assert tree(target) == {".github/workflows/plan.yml": b"mine\n"}


def test_writing_commands_refuse_the_bundled_plan(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no ./plan here: the bundled copy is the one found
    monkeypatch.delenv("APCLI_PLAN", raising=False)
    before = tree(REAL_PLAN)
    for args in (("progress", "add", "ii-1a1", "--status", "in_progress", "--date", "2009-06-01"), ("fmt",)):
        result = run(*args)
        assert result.exit_code == 2, args
        assert "the plan bundled with apcli is read-only" in result.stderr
        assert "apcli init DIR" in result.stderr
    assert tree(REAL_PLAN) == before
    assert run("overdue", "--as-of", "2009-06", "--format", "json").exit_code == 0  # reading still works


def test_version(run: Run) -> None:
    from ap_cli import __version__

    result = run("--version")
    assert (result.exit_code, result.stdout) == (0, f"apcli {__version__}\n")
