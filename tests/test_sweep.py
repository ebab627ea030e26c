"""The whole input space, not a few points: every query and report command at every month from
2007-12 to 2011-03 on the real plan, with the empty progress log and with the demo log; and the
totals that several commands print agree with each other at every one of those cut-offs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import ROOT, Run

DEMO = ROOT / "examples" / "progress-demo"
EMPTY = None
MONTHS = [f"{y}-{m:02d}" for y in range(2007, 2012) for m in range(1, 13)
          if "2007-12" <= f"{y}-{m:02d}" <= "2011-03"]
QUARTERS = [f"{y}Q{q}" for y in range(2008, 2012) for q in range(1, 5) if f"{y}Q{q}" <= "2011Q1"]
BODIES = ("ZKKA", "MPÇSSHB", "PSH", "BASHKITE", "KRAT")
LOGS = {"empty-log": EMPTY, "demo-log": DEMO}


def invoke(run: Run, *args: object, progress: Path | None = None) -> str:
    extra = ("--progress", str(progress)) if progress else ()
    result = run(*args, *extra)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return str(result.stdout)


@pytest.mark.parametrize("log", LOGS)
@pytest.mark.parametrize("month", MONTHS)
def test_every_command_answers_at_every_month(run: Run, month: str, log: str) -> None:
    progress = LOGS[log]
    over = json.loads(invoke(run, "overdue", "--as-of", month, "--format", "json", progress=progress))
    stats = json.loads(invoke(run, "stats", "--as-of", month, "--format", "json", progress=progress))
    total = stats[-1]
    assert total["overdue"] == len(over) == sum(row["overdue"] for row in stats[:-1])
    assert total["activities"] == 226
    for within in ("1q", "2q", "3m", "6m", "1y"):
        upcoming = json.loads(invoke(run, "upcoming", "--as-of", month, "--within", within, "--format", "json",
                                     progress=progress))
        assert all(item["due"] > month for item in upcoming)
    listed = json.loads(invoke(run, "list", "--status", "overdue", "--as-of", month, "--format", "json",
                               progress=progress))
    assert sorted(row["ref"] for row in listed) == sorted(item["ref"] for item in over)
    for body in BODIES:
        data = json.loads(invoke(run, "by-institution", body, "--as-of", month, "--format", "json",
                                 progress=progress))
        summary = data["summary"]
        assert sum(summary["by_role"].values()) == summary["activities"] == len(data["activities"])
    report = invoke(run, "report", "--as-of", month, "--format", "md", progress=progress)
    headline = re.search(r"^- \*\*(\d+)\*\* (?:overdue|me vonesë)", report, re.M)
    assert headline and int(headline.group(1)) == total["overdue"], headline


@pytest.mark.parametrize("log", LOGS)
@pytest.mark.parametrize("quarter", QUARTERS)
def test_every_format_at_every_quarter(run: Run, quarter: str, log: str, tmp_path: Path) -> None:
    progress = LOGS[log]
    for fmt in ("table", "csv", "md"):
        for command in (("overdue",), ("stats",), ("upcoming", "--within", "1y"), ("list",),
                        ("by-institution", "ZKKA")):
            invoke(run, *command, "--as-of", quarter, "--format", fmt, progress=progress)
    for fmt in ("md", "html"):
        for lang in ("sq", "en"):
            first = invoke(run, "report", "--as-of", quarter, "--format", fmt, "--lang", lang, progress=progress)
            again = invoke(run, "report", "--as-of", quarter, "--format", fmt, "--lang", lang, progress=progress)
            assert first == again  # same commit and cut-off → same bytes


@pytest.mark.parametrize("quarter", ["2008Q3", "2009Q3", "2010Q4"])
def test_per_institution_reports(run: Run, quarter: str, tmp_path: Path) -> None:
    for fmt in ("md", "html"):
        out = tmp_path / f"{quarter}-{fmt}"
        invoke(run, "report", "--as-of", quarter, "--format", fmt, "--per-institution", "--out", f"{out}/",
               progress=DEMO)
        assert len(list(out.iterdir())) > 100
