"""What a newcomer tripped over while following the docs (the walkthrough of issue #22), each
pinned: a missing --progress folder is a usage error, `report --out` says what it wrote, the
reporting total of several bodies counts form rows, and the site's home title is not doubled."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import MINI_PLAN, REAL_PLAN, Run


def test_a_missing_progress_folder_is_a_mistake_in_the_command(run: Run, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    for command in (["overdue", "--as-of", "2009-06"], ["stats", "--as-of", "2009-06"], ["report"]):
        result = run(*command, "--plan", MINI_PLAN, "--progress", missing)
        assert result.exit_code == 2, command
        assert result.stdout == ""
        assert result.stderr == f"apcli: progress directory {missing} does not exist\n", command


def test_report_out_says_what_it_wrote(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    result = run("report", "--plan", MINI_PLAN, "--as-of", "2009-06", "--out", target)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == f"apcli: wrote {target}\n"
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_the_reporting_total_of_several_bodies_counts_form_rows(run: Run) -> None:
    result = run("reporting", "--plan", REAL_PLAN, "--quarter", "2009Q2", "--format", "json")
    assert result.exit_code == 0, result.stderr
    table = run("reporting", "--plan", REAL_PLAN, "--quarter", "2009Q2", "--no-pager")
    bodies = json.loads(result.stdout)["bodies"]
    rows = sum(b["asked"] for b in bodies)
    assert rows > 226  # a shared activity is a row of each body's form
    assert (f"2009Q2 (2009-04-01 – 2009-06-30): {len(bodies)} bodies asked about {rows} form rows "
            "(one per body and activity); ") in table.stdout.replace("\n", " ")


def test_the_site_home_title_names_the_plan_once() -> None:
    from datetime import date

    from ap_cli.app import open_plan
    from ap_cli.site import build_site

    files = build_site(open_plan(MINI_PLAN), date(2009, 6, 30), ("sq",))

    def title(name: str) -> str:
        return files[name].decode("utf-8").split("<title>", 1)[1].split("</title>", 1)[0]

    plan_name = title("index.html")
    assert plan_name and " — " not in plan_name
    pages = [name for name in files if name.endswith(".html") and name != "index.html"]
    assert len(pages) > 10
    for name in pages:
        assert title(name).endswith(f" — {plan_name}"), name
        assert title(name) != f"{plan_name} — {plan_name}", name
