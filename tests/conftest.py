"""Shared fixtures: the repository's paths, a CLI runner, and copies of the fixture plan."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pytest

if TYPE_CHECKING:
    from typer.testing import Result

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
MINI_PLAN = DATA / "mini-plan"
REAL_PLAN = ROOT / "plan"


class Run(Protocol):
    """The `run` fixture: the CLI invoked in-process with these arguments."""

    def __call__(self, *args: object, **kwargs: Any) -> Result: ...


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="Rewrite golden files from the current output instead of comparing.")


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the parse cache of every test out of the user's ~/.cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(autouse=True)
def no_forced_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    """Exact outputs assume no FORCE_COLOR from the developer's environment (it colours piped output)."""
    monkeypatch.delenv("FORCE_COLOR", raising=False)


@pytest.fixture(autouse=True)
def no_language_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Exact outputs assume Albanian unless a test asks for English (a developer may have APCLI_LANG=en)."""
    monkeypatch.delenv("APCLI_LANG", raising=False)


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def mini_plan(tmp_path: Path) -> Path:
    """A writable copy of the small fixture plan."""
    target = tmp_path / "plan"
    shutil.copytree(MINI_PLAN, target)
    return target


@pytest.fixture
def run() -> Run:
    """Invoke the CLI in-process; returns the click Result (exit_code, stdout, stderr)."""
    from typer.testing import CliRunner

    from ap_cli.cli import app

    runner = CliRunner()

    def invoke(*args: object, **kwargs: Any) -> Result:
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False, **kwargs)

    return invoke


def require_tool(name: str, install: str) -> str:
    """The path of a command-line tool (on PATH or beside this Python, i.e. in its virtualenv);
    without it the test is skipped, or fails under CI=true, as the browser test does."""
    import os
    import sys

    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail(f"{name} is not installed, and CI=true requires this test ({install})")
    pytest.skip(f"{name} is not installed ({install}); with CI=true this test fails instead")


def require_module(name: str, install: str) -> None:
    """Skip when the Python package `name` is missing, except under CI=true, where it fails."""
    import importlib.util
    import os

    if importlib.util.find_spec(name) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the Python package {name} is not installed, and CI=true requires this test ({install})")
        pytest.skip(f"the Python package {name} is not installed ({install}); with CI=true this test fails instead")


def check_golden(path: Path, text: str, update: bool) -> None:
    """`text` equals the golden file at `path`; with `pytest --update-golden`, (re)write it instead."""
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        return
    assert path.is_file(), f"{path} missing: run pytest --update-golden"
    assert text == path.read_bytes().decode("utf-8"), \
        f"{path.name} differs from {path}; if the change is intended, run pytest --update-golden"
