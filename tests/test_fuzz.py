"""Fuzzing: damage the real plan's files at random and `apcli check` must still end with 0 or 1,
quickly, with no traceback.

A short derandomized run is part of the suite. A long campaign:

    APCLI_FUZZ_EXAMPLES=10000 python -m pytest tests/test_fuzz.py -q

Each crash it finds gets fixed, and its input is kept in tests/data/fuzz-regressions/ as
`<file it replaces>--<anything>.yaml` (APCLI_FUZZ_SAVE=1 writes it there); every kept input
runs on each test run.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA, REAL_PLAN

EXAMPLES = int(os.environ.get("APCLI_FUZZ_EXAMPLES", "50"))
REGRESSIONS = DATA / "fuzz-regressions"
FILES = sorted(p.name for p in REAL_PLAN.glob("*.yaml"))
ORIGINAL = {name: (REAL_PLAN / name).read_text(encoding="utf-8") for name in FILES}

# ----------------------------------------------------------------------------- damage


def delete_line(lines: list[str], at: float, _: int) -> None:
    if lines:
        del lines[int(at * len(lines))]


def duplicate_line(lines: list[str], at: float, _: int) -> None:
    if lines:
        i = int(at * len(lines))
        lines.insert(i, lines[i])


def reindent_line(lines: list[str], at: float, amount: int) -> None:
    if lines:
        i = int(at * len(lines))
        stripped = lines[i].lstrip(" ")
        lines[i] = " " * max(0, len(lines[i]) - len(stripped) + amount) + stripped


def break_quote(lines: list[str], at: float, amount: int) -> None:
    """Drop a quote, or add one where none was."""
    text = "\n".join(lines)
    quotes = [i for i, c in enumerate(text) if c in "\"'“”"]
    if quotes and amount % 2:
        i = quotes[int(at * len(quotes))]
        text = text[:i] + text[i + 1:]
    else:
        i = int(at * (len(text) + 1))
        text = text[:i] + "\"'"[amount % 4 // 2] + text[i:]
    lines[:] = text.split("\n")


def swap_characters(lines: list[str], at: float, amount: int) -> None:
    text = "\n".join(lines)
    if len(text) > 1:
        i = int(at * (len(text) - 1))
        j = min(len(text) - 1, i + 1 + abs(amount) % 3)
        text = text[:i] + text[j] + text[i + 1:j] + text[i] + text[j + 1:]
    lines[:] = text.split("\n")


def insert_indicator(lines: list[str], at: float, amount: int) -> None:
    """A character YAML gives meaning to, where the text had none."""
    text = "\n".join(lines)
    i = int(at * (len(text) + 1))
    text = text[:i] + ":-[]{}&*!|>#%@,?`"[amount % 17] + text[i:]
    lines[:] = text.split("\n")


Step = tuple[Callable[[list[str], float, int], None], float, int]  # damage, where, how much
DAMAGE = [delete_line, duplicate_line, reindent_line, break_quote, swap_characters, insert_indicator]

damages = st.lists(
    st.tuples(st.sampled_from(DAMAGE), st.floats(0, 1, exclude_max=True), st.integers(-6, 6).filter(bool)),
    min_size=1, max_size=5)


def damaged(name: str, steps: list[Step]) -> str:
    lines = ORIGINAL[name].split("\n")
    for damage, at, amount in steps:
        damage(lines, at, amount)
    return "\n".join(lines)


# ----------------------------------------------------------------------------- running


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the real plan, and a private parse cache (the damage exercises it too)."""
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(REAL_PLAN, root / "plan")
    saved = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(root / "cache")
    yield root / "plan"
    if saved is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = saved


def check_survives(plan: Path, name: str, text: str | bytes) -> None:
    from typer.testing import CliRunner

    from ap_cli.cli import app

    raw = text.encode("utf-8") if isinstance(text, str) else text
    (plan / name).write_bytes(raw)
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        result = CliRunner().invoke(app, ["check", "--plan", str(plan)])
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        if name in ORIGINAL:
            (plan / name).write_text(ORIGINAL[name], encoding="utf-8")
        else:
            (plan / name).unlink()
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    output = result.stdout + result.stderr
    if crashed or result.exit_code not in (0, 1) or "Traceback" in output or cpu > 2.0 or wall > 10:
        kept = _keep(name, raw)
        raise AssertionError(f"check on damaged {name} (kept as {kept}): exit {result.exit_code}, "
                             f"{cpu:.2f} s CPU, {result.exception!r}\n{output[-2000:]}")


def _keep(name: str, raw: bytes) -> Path:
    target = REGRESSIONS if os.environ.get("APCLI_FUZZ_SAVE") else Path(tempfile.gettempdir())
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{name.removesuffix('.yaml')}--{hashlib.sha256(raw).hexdigest()[:10]}.yaml"
    path.write_bytes(raw)
    return path


@settings(max_examples=EXAMPLES, derandomize=EXAMPLES <= 50, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(name=st.sampled_from(FILES), steps=damages)
def test_check_survives_random_damage(workdir: Path, name: str, steps: list[Step]) -> None:
    check_survives(workdir, name, damaged(name, steps))


REGRESSION_FILES = sorted(REGRESSIONS.glob("*--*.yaml"))


@pytest.mark.parametrize("case", REGRESSION_FILES, ids=[p.stem for p in REGRESSION_FILES])
def test_kept_crashing_inputs(workdir: Path, case: Path) -> None:
    name = case.name.split("--")[0] + ".yaml"
    check_survives(workdir, name, case.read_bytes())
