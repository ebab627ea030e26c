"""Inputs in the words people use: one date grammar, statuses as the reports print them, and a
"did you mean" for near misses."""

from __future__ import annotations

from pathlib import Path

import pytest

from ap_cli.dates import parse_cutoff, parse_entry_date, parse_quarter
from conftest import Run


@pytest.mark.parametrize("text,cutoff", [
    ("2009-06", "2009-06-30"), ("30.06.2009", "2009-06-30"), ("30/06/2009", "2009-06-30"),
    ("15.6.2009", "2009-06-15"), ("qershor 2009", "2009-06-30"), ("Qershorit 2009", "2009-06-30"),
    ("June 2009", "2009-06-30"), ("Jun 2009", "2009-06-30"), ("shkurt 2008", "2008-02-29"),
    ("2009Q2", "2009-06-30"), ("2009H1", "2009-06-30"), ("2009", "2009-12-31"),
])
def test_cutoff_forms(text: str, cutoff: str) -> None:
    assert parse_cutoff(text).isoformat() == cutoff


@pytest.mark.parametrize("text,message", [
    ("06/2009", "did you mean 2009-06?"), ("Q2 2009", "did you mean 2009Q2?"), ("2009/06", "did you mean 2009-06?"),
    ("31.02.2009", "not a date: '31.02.2009' (no such day)"), ("١٩٩٩", "write its digits as 0-9"),
    ("banana", "use 2009, 2009-06, 2009-06-15, 2009Q2, 2009H1, 30.06.2009, 30/06/2009, qershor 2009 or June 2009"),
])
def test_cutoff_errors_say_what_works(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        parse_cutoff(text)


def test_entry_dates_and_quarters() -> None:
    assert [d.isoformat() if (d := parse_entry_date(t)) else None for t in
            ("2009-06-20", "20.06.2009", "20/06/2009", "June 2009", "٢٠٠٩-٠٦-٢٠")] == \
        ["2009-06-20", "2009-06-20", "2009-06-20", None, None]
    assert [str(parse_quarter(t)) for t in ("2009Q2", "2009-q2", "Q2 2009", "q2-2009")] == ["2009Q2"] * 4
    with pytest.raises(ValueError, match=r"did you mean 2009H1\?"):
        parse_quarter("H1 2009")


def test_far_cutoffs_answer_with_a_note(run: Run) -> None:
    early = run("overdue", "--as-of", "1999", "--format", "json")
    assert (early.exit_code, early.stdout) == (0, "[]\n")
    assert early.stderr == "note: cut-off 1999-12-31 is before the plan period (2008-01 – 2010-12); " \
        "nothing can be due yet\n"
    late = run("stats", "--as-of", "2015-01", "--format", "json")
    assert late.exit_code == 0
    assert "is long after the plan period (2008-01 – 2010-12); every due day has passed" in late.stderr
    assert run("stats", "--as-of", "2011-03", "--format", "json").stderr == ""


def test_statuses_as_the_reports_print_them(run: Run, mini_plan: Path) -> None:
    added = run("progress", "add", "I-1.(a).2", "--status", "Në proces", "--completion", "limited",
                "--date", "20/06/2009", "--plan", mini_plan)
    assert added.exit_code == 0, added.stderr
    assert "added I-1.(a).2 in_progress 2009-06-20" in added.stdout
    typo = run("progress", "add", "I-1.(a).2", "--status", "perfundar", "--date", "2009-06-21", "--plan", mini_plan)
    assert typo.exit_code == 2
    assert "unknown status 'perfundar'" in typo.stderr and "did you mean completed?" in typo.stderr
    listed = run("list", "--status", "In progress", "--as-of", "2009-06", "--format", "json", "--plan", mini_plan)
    assert listed.exit_code == 0
    assert run("list", "--status", "overdeu", "--plan", mini_plan).stderr.endswith("did you mean overdue?\n")


def test_did_you_mean_for_refs_and_bodies(run: Run) -> None:
    assert run("show", "ii-1a9").stderr == \
        "apcli: no activity 'ii-1a9'; did you mean II-1.(a).3, II-1.(a).2, II-1.(a).1?\n"
    assert run("by-institution", "Ministria e Punes").stderr.startswith(
        "apcli: unknown institution 'Ministria e Punes'; did you mean MPÇSSHB")


def test_filled_in_forms_read_dates_and_statuses_as_the_cli_does(run: Run, mini_plan: Path, tmp_path: Path) -> None:
    form = tmp_path / "forma.yaml"
    form.write_text("- ref: I-1.(a).2\n  date: 20.06.2009\n  status: Në proces\n  completion: limited\n  by: ZKKA\n"
                    "- ref: I-1.(a).8\n  date: \"21/06/2009\"\n  status: Përfunduar\n  evidence: Raport\n  by: ZKKA\n",
                    encoding="utf-8")
    result = run("progress", "import", form, "--plan", mini_plan)
    assert result.exit_code == 0, result.stderr
    log = (mini_plan / "progress" / "2009Q2" / "zkka.yaml").read_text(encoding="utf-8")
    assert 'date: "2009-06-20"\n  status: in_progress' in log and 'date: "2009-06-21"\n  status: completed' in log
    bad = tmp_path / "bad.yaml"
    bad.write_text("- ref: I-1.(a).2\n  date: 31.06.2009\n  status: perfundar\n  by: ZKKA\n", encoding="utf-8")
    lines = run("progress", "import", bad, "--plan", mini_plan).stderr.splitlines()
    assert any(line.startswith(f"{bad}:2:9: [error]") for line in lines), lines
    assert any(line.startswith(f"{bad}:3:11: [error]") for line in lines), lines


def test_show_lists_every_due_day_of_a_recurring_deadline(run: Run) -> None:
    out = run("show", "koordinimi 3.a.1.3b", "--as-of", "2009-06").stdout
    assert "deadline: Deri në shkurt të çdo viti për vitin paraardhës → due 2009-02-28, 2010-02-28\n" in out
    out = run("show", "IV-3.(a).1.2", "--as-of", "2009-06").stdout
    assert "→ due 2008-06-30, 2009-03-31, 2010-03-31\n" in out
