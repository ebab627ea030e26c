"""`apcli progress add | template | import`: validated, append-only, atomic; stale work shows."""

from __future__ import annotations

import json
import os
import re
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from conftest import REAL_PLAN, ROOT, Run

DEMO = ROOT / "examples" / "progress-demo"
MODELINE = "# yaml-language-server: $schema=../../../../../schema/apcli.schema.json\n"


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def overdue_refs(run: Run, plan: Path, as_of: str = "2009Q2", *extra: str) -> list[str]:
    result = run("overdue", "--plan", plan, "--as-of", as_of, "--format", "json", *extra)
    assert result.exit_code == 0, result.stderr
    return [item["ref"] for item in json.loads(result.stdout)]


# ----------------------------------------------------------------------------- add


def test_add_creates_the_quarter_file_of_the_lead_with_the_modeline(run: Run, mini_plan: Path) -> None:
    result = run("progress", "add", "i-1a2", "--status", "In progress", "--completion", "limited",
                 "--date", "20.06.2009", "--note", "Takim me donatorët", "--plan", mini_plan)
    assert result.exit_code == 0, result.stderr
    path = mini_plan / "progress" / "2009Q2" / "mpcsshb.yaml"
    assert path.read_text(encoding="utf-8") == (
        MODELINE +
        "- ref: I-1.(a).2\n"
        '  date: "2009-06-20"\n'
        "  status: in_progress\n"
        "  completion: limited\n"
        "  by: MPÇSSHB\n"
        '  note: "Takim me donatorët"\n')
    assert "added I-1.(a).2 in_progress 2009-06-20" in result.stdout
    assert run("check", "--plan", mini_plan).exit_code == 0


def test_add_appends_only_new_lines_to_an_existing_file(run: Run, mini_plan: Path) -> None:
    run("progress", "add", "I-1.(a).2", "--status", "in_progress", "--date", "2009-05-01", "--plan", mini_plan)
    path = mini_plan / "progress" / "2009Q2" / "mpcsshb.yaml"
    before = path.read_bytes()
    result = run("progress", "add", "I-1.(a).2", "--status", "completed", "--date", "2009-06-30",
                 "--evidence", "VKM nr. 412, datë 30.6.2009", "--by", "Ministria e Punës, Çështjeve Sociale dhe "
                 "Shanseve të Barabarta", "--plan", mini_plan)
    assert result.exit_code == 0, result.stderr
    after = path.read_bytes()
    assert after.startswith(before)
    assert after[len(before):].decode() == (
        "- ref: I-1.(a).2\n"
        '  date: "2009-06-30"\n'
        "  status: completed\n"
        '  evidence: "VKM nr. 412, datë 30.6.2009"\n'
        "  by: MPÇSSHB\n")
    assert "I-1.(a).2" not in overdue_refs(run, mini_plan, "2009Q3")


def test_add_files_by_the_reporting_body(run: Run, mini_plan: Path) -> None:
    result = run("progress", "add", "I-1.(a).1", "--status", "in_progress", "--date", "2009-06-01",
                 "--by", "zkka-së", "--plan", mini_plan)
    assert result.exit_code == 0, result.stderr
    text = (mini_plan / "progress" / "2009Q2" / "zkka.yaml").read_text(encoding="utf-8")
    assert "  by: ZKKA\n" in text


def test_add_to_another_progress_directory(run: Run, mini_plan: Path, tmp_path: Path) -> None:
    before = tree(mini_plan)
    result = run("progress", "add", "I-1.(a).1", "--status", "in_progress", "--date", "2008-11-03",
                 "--plan", mini_plan, "--progress", tmp_path / "demo")
    assert result.exit_code == 0, result.stderr
    assert tree(mini_plan) == before
    assert (tmp_path / "demo" / "2008Q4" / "psh.yaml").read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=../../../../schema/apcli.schema.json\n- ref: I-1.(a).1\n")


def test_dry_run_writes_nothing(run: Run, mini_plan: Path) -> None:
    before = tree(mini_plan)
    result = run("progress", "add", "I-1.(a).1", "--status", "in_progress", "--date", "2009-06-01",
                 "--dry-run", "--plan", mini_plan)
    assert result.exit_code == 0 and "would create " in result.stdout and "- ref: I-1.(a).1\n" in result.stdout
    assert tree(mini_plan) == before


TOMORROW = (date.today() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize("args, message", [
    (["I-9.(z).1", "--status", "in_progress", "--date", "2009-06-01"], "no activity 'I-9.(z).1'"),
    (["I-1.(a).1", "--status", "finished", "--date", "2009-06-01"], "unknown status 'finished'"),
    (["I-1.(a).1", "--status", "in_progress", "--date", "2009-06-01", "--by", "Ministria e Askujt"],
     "unknown institution 'Ministria e Askujt'"),
    (["I-1.(a).1", "--status", "completed", "--date", "2009-06-01"], "needs evidence"),
    (["I-1.(a).1", "--status", "completed", "--date", "2009-06-01", "--evidence", "VKM", "--completion", "limited"],
     "completion is only for status in_progress"),
    (["I-1.(a).1", "--status", "in_progress", "--date", "2009-06-01", "--completion", "half"],
     "unknown completion 'half'"),
    (["I-1.(a).1", "--status", "in_progress", "--date", TOMORROW], "after today"),
    (["I-1.(a).1", "--status", "in_progress", "--date", "2009-02-30"], "cannot read date '2009-02-30'"),
    (["I-1.(a).7", "--status", "in_progress", "--date", "2009-05-10", "--completion", "limited", "--by", "PSH"],
     "already recorded"),
    (["I-1.(a).1", "--status", "in_progress", "--date", "2009-06-01", "--note", "zile\x07"],
     "note holds control character U+0007"),
])
def test_add_refuses_and_writes_nothing(run: Run, mini_plan: Path, args: list[str], message: str) -> None:
    before = tree(mini_plan)
    result = run("progress", "add", *args, "--plan", mini_plan)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "nothing written" in result.stderr
    assert tree(mini_plan) == before


def test_add_reports_every_problem_at_once(run: Run, mini_plan: Path) -> None:
    result = run("progress", "add", "I-9.(z).1", "--status", "done", "--date", "yesterday", "--by", "XYZ",
                 "--plan", mini_plan)
    assert result.exit_code == 2
    for code in ("unknown-ref", "unknown-status", "bad-date", "unknown-institution"):
        assert f"({code})" in result.stderr


def test_add_refuses_to_append_to_a_file_with_errors(run: Run, mini_plan: Path) -> None:
    path = mini_plan / "progress" / "2009Q2" / "psh.yaml"
    path.write_text("- ref: I-1.(a).1\n  date: '2009-04-01'\n  status: in_progress\n  colour: red\n", encoding="utf-8")
    before = tree(mini_plan)
    result = run("progress", "add", "I-1.(a).1", "--status", "in_progress", "--date", "2009-06-01", "--plan", mini_plan)
    assert result.exit_code == 1 and "this file has errors" in result.stderr
    assert tree(mini_plan) == before


def test_a_failed_write_leaves_the_log_intact(run: Run, mini_plan: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run("progress", "add", "I-1.(a).2", "--status", "in_progress", "--date", "2009-05-01", "--plan", mini_plan)
    before = tree(mini_plan)

    def boom(src: str, dst: str) -> None:
        assert Path(src).read_bytes().endswith("status: suspended\n  by: MPÇSSHB\n".encode())  # temp file complete
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    result = run("progress", "add", "I-1.(a).2", "--status", "suspended", "--date", "2009-06-01", "--plan", mini_plan)
    monkeypatch.undo()
    assert result.exit_code == 1
    assert "No space left on device" in result.stderr and "is unchanged" in result.stderr
    assert tree(mini_plan) == before  # no temp file left behind either


# ----------------------------------------------------------------------------- template


def fill(form: str, ref: str, **values: str) -> str:
    """Uncomment the entry for `ref` in a form and set some of its fields, as a person would."""
    lines = form.split("\n")
    start = lines.index(f"# - ref: {ref}")
    for i in range(start, start + 7):
        line = lines[i][2:]
        key = line.strip().lstrip("- ").split(":")[0]
        if key in values:
            line = line.split(":")[0] + ": " + values[key]
        lines[i] = line
    return "\n".join(lines)


def test_template_lists_the_bodys_open_work_by_section(run: Run, mini_plan: Path) -> None:
    result = run("progress", "template", "--quarter", "2009Q2", "--institution", "MPCSSHB", "--plan", mini_plan,
                 "--lang", "en")
    assert result.exit_code == 0, result.stderr
    form = result.stdout
    assert form.startswith(MODELINE)
    assert "# Institution: MPÇSSHB — Ministry of Labour" in form
    assert "# Made by `apcli progress template --quarter 2009Q2 --institution MPÇSSHB --lang en`" in form
    assert f"#  3. Save it as\n#       {mini_plan / 'progress' / '2009Q2' / 'mpcsshb.yaml'}\n" in form
    assert "# 4 activities: 1 overdue, 1 due this quarter, 2 due later." in form
    refs = [line[len("# - ref: "):] for line in form.splitlines() if line.startswith("# - ref: ")]
    assert refs == ["II-1.(a).1", "I-1.(a).9", "I-1.(a).2", "II-1.(a).1.1"]
    lines = form.splitlines()
    headings = [line for before, line in pairwise(lines) if before == "# " + "=" * 78 and line]
    assert headings == ["# Overdue: due before the quarter and not done when it began (1)", "# Due this quarter (1)",
                        "# Under way, due after this quarter (2)"]
    # the plan text in English; the mini plan has none, so its Albanian shows marked
    assert "#   deadline: End of 2008 – beginning of 2009 → due 2009-03-31 (approximate)" in form
    assert "#   state at 2009-06-30: suspended, reported 2009-06-01" not in form  # no such entry yet
    assert "#   state at 2009-06-30: no progress reported (not_started, no evidence)" in form
    assert "#     - [sq] Etapa e parë" in form
    assert "# II-1.(a).1 — [sq] Hapja e strehëzave <b>të reja</b>" in form


def test_template_is_in_albanian_by_default_and_english_with_lang_en(run: Run, mini_plan: Path) -> None:
    sq = run("progress", "template", "--quarter", "2009Q2", "--institution", "MPÇSSHB", "--plan", mini_plan)
    en = run("progress", "template", "--quarter", "2009Q2", "--institution", "MPÇSSHB", "--plan", mini_plan,
             "--lang", "en")
    assert sq.exit_code == en.exit_code == 0
    sq_lines, en_lines = sq.stdout.splitlines(), en.stdout.splitlines()
    assert sq_lines[1:4] == [
        "# Raporti tremujor i progresit 2009Q2 (2009-04-01 – 2009-06-30)",
        "# Institucioni: MPÇSSHB — Ministria e Punës, Çështjeve Sociale dhe Shanseve të Barabarta",
        "# Krijuar me `apcli progress template --quarter 2009Q2 --institution MPÇSSHB`; gjendja është ajo më 2009-06-30.",  # noqa: E501
    ]
    assert "# Si plotësohet:" in sq_lines and "# How to fill it in:" in en_lines
    assert "#             (pa filluar | në proces | përfunduar | anuluar | pezulluar)" in sq_lines
    assert "# 4 aktivitete: 1 me vonesë, 1 me afat këtë tremujor, 2 me afat më vonë." in sq_lines
    assert "# 4 activities: 1 overdue, 1 due this quarter, 2 due later." in en_lines
    assert "#   afati: Fundi i 2008 – fillimi i 2009 → deri më 2009-03-31 (e përafërt)" in sq_lines
    assert "#   roli: drejtues · përgjegjësit: MPÇSSHB · mbështetësit: ZKKA" in sq_lines
    assert "#   gjendja më 2009-06-30: nuk është raportuar progres (not_started, pa dëshmi)" in sq_lines
    assert "#   vlerësimi: me vonesë" in sq_lines and "#   standing: overdue" in en_lines
    # no English instruction is left in the Albanian form: only the file format (keys, status words)
    english = re.compile(r"\b(the|and|for|each|report|due|state|standing|role|deadline|indicators)\b")
    leftovers = [line for line in sq_lines
                 if line.startswith("#") and not line.startswith(("# - ref:", "#   ", "# yaml-language-server"))
                 and english.search(line.split("`")[0])]
    assert leftovers == [], leftovers
    # the entries themselves are the same in both: the form is a progress file either way
    def entries(lines: list[str]) -> list[str]:
        return [ln.split("  #")[0] for ln in lines if ln.startswith(("# - ", "#   ref", "#   date",
                                                                         "#   status", "#   by"))]

    assert entries(sq_lines) == entries(en_lines)
    bad = run("progress", "template", "--quarter", "2009Q2", "--institution", "ZKKA", "--plan", mini_plan,
              "--lang", "de")
    assert bad.exit_code == 2 and bad.stderr == "apcli: unknown language 'de' (--lang); use one of: sq, en\n"


def test_template_leaves_out_work_done_before_the_quarter(run: Run, mini_plan: Path) -> None:
    form = run("progress", "template", "--quarter", "2009Q2", "--institution", "ZKKA", "--plan", mini_plan,
               "--lang", "en").stdout
    refs = [line[len("# - ref: "):] for line in form.splitlines() if line.startswith("# - ref: ")]
    assert "I-1.(a).3" not in refs  # completed 2008-12-31
    assert "I-1.(a).4" in refs  # completed 2009-04-15, inside the quarter
    assert "#   state at 2009-06-30: completed, reported 2009-04-15 by ZKKA; evidence: VKM nr. 1" in form


def test_an_untouched_form_is_only_comments(run: Run, mini_plan: Path, tmp_path: Path) -> None:
    out = tmp_path / "form.yaml"
    result = run("progress", "template", "--quarter", "2009Q2", "--institution", "MPÇSSHB", "--out", out,
                 "--plan", mini_plan)
    assert result.exit_code == 0 and "4 activities" in result.stderr
    assert all(line.startswith("#") or not line for line in out.read_text(encoding="utf-8").splitlines())
    result = run("progress", "import", out, "--plan", mini_plan)
    assert result.exit_code == 1 and "uncomment" in result.stderr
    again = run("progress", "template", "--quarter", "2009Q2", "--institution", "MPÇSSHB", "--out", out,
                "--plan", mini_plan)
    assert again.exit_code == 2 and "--force" in again.stderr


@pytest.mark.parametrize("args, message", [
    (["--quarter", "2009Q5", "--institution", "ZKKA"], "not a quarter"),
    (["--quarter", "2012Q1", "--institution", "ZKKA"], "outside the plan period"),
    (["--quarter", "2009Q2", "--institution", "Ministria e Askujt"], "unknown institution"),
])
def test_template_usage_errors(run: Run, mini_plan: Path, args: list[str], message: str) -> None:
    result = run("progress", "template", *args, "--plan", mini_plan)
    assert result.exit_code == 2 and message in result.stderr


def test_template_fill_check_overdue_by_saving_the_form(run: Run, mini_plan: Path) -> None:
    assert {"II-1.(a).1", "I-1.(a).9"} <= set(overdue_refs(run, mini_plan))
    form = run("progress", "template", "--quarter", "2009Q2", "--institution", "MPÇSSHB", "--plan", mini_plan).stdout
    form = fill(form, "II-1.(a).1", status="completed", evidence='"Raport i MPÇSSHB-së nr. 12, datë 30.06.2009"')
    form = fill(form, "I-1.(a).2", status="in_progress", completion="substantial")
    target = mini_plan / "progress" / "2009Q2" / "mpcsshb.yaml"
    target.write_text(form, encoding="utf-8")
    result = run("check", "--plan", mini_plan)
    assert result.exit_code == 0, result.stdout
    refs = overdue_refs(run, mini_plan)
    assert "II-1.(a).1" not in refs and "I-1.(a).9" in refs
    assert run("fmt", "--check", target).exit_code == 0  # the form is already in house style
    show = json.loads(run("show", "I-1.(a).2", "--plan", mini_plan, "--as-of", "2009Q2", "--format", "json").stdout)
    assert show["state"] == "in_progress" and show["progress"][-1]["completion"] == "substantial"


def test_template_fill_import_merges_into_the_log(run: Run, mini_plan: Path, tmp_path: Path) -> None:
    run("progress", "add", "I-1.(a).9", "--status", "suspended", "--date", "2009-05-02", "--plan", mini_plan)
    existing = (mini_plan / "progress" / "2009Q2" / "mpcsshb.yaml").read_bytes()
    form = run("progress", "template", "--quarter", "2009Q2", "--institution", "MPÇSSHB", "--plan", mini_plan).stdout
    assert "#   gjendja më 2009-06-30: pezulluar (suspended), raportuar më 2009-05-02" in form
    form = fill(form, "II-1.(a).1", status="completed", evidence='"VKM nr. 77"')
    form = fill(form, "I-1.(a).9", status="in_progress", completion="limited", note='"Rifilloi në qershor"')
    path = tmp_path / "filled.yaml"
    path.write_text(form, encoding="utf-8")
    result = run("progress", "import", path, "--plan", mini_plan)
    assert result.exit_code == 0, result.stderr
    merged = (mini_plan / "progress" / "2009Q2" / "mpcsshb.yaml").read_bytes()
    assert merged.startswith(existing) and merged.count(b"- ref:") == 3
    assert run("check", "--plan", mini_plan).exit_code == 0
    refs = overdue_refs(run, mini_plan)
    assert "II-1.(a).1" not in refs and "I-1.(a).9" in refs  # in progress again, but still late


def test_a_badly_filled_form_is_refused_with_positions(run: Run, mini_plan: Path, tmp_path: Path) -> None:
    form = run("progress", "template", "--quarter", "2009Q2", "--institution", "MPÇSSHB", "--plan", mini_plan).stdout
    form = fill(form, "II-1.(a).1", status="completed")  # no evidence
    path = tmp_path / "filled.yaml"
    path.write_text(form, encoding="utf-8")
    before = tree(mini_plan)
    result = run("progress", "import", path, "--plan", mini_plan)
    assert result.exit_code == 1
    lines = form.split("\n")
    line = lines.index("  evidence: null  # e detyrueshme për completed", lines.index("- ref: II-1.(a).1")) + 1
    assert f"filled.yaml:{line}:13: [error] II-1.(a).1: a completed entry needs evidence" in result.stderr
    assert tree(mini_plan) == before


# ----------------------------------------------------------------------------- import


def test_import_a_spreadsheet_export(run: Run, mini_plan: Path, tmp_path: Path) -> None:
    csv = tmp_path / "raporti.csv"
    csv.write_bytes("\ufeffref;status;date;evidence;completion;by;note\r\n"
                    "I-1.(a).2;In progress;20.06.2009;;Limited;;\"Shënim; me pikëpresje\r\ndhe rresht të dytë\"\r\n"
                    "II-1.(a).1;completed;2009-06-25;\"VKM nr. 5, datë 24.6.2009\";;MPCSSHB;\r\n"
                    "I-1.(a).8;in_progress;2009-06-26;;;zkka;\r\n"
                    ";;;;;;\r\n".encode("utf-8"))
    result = run("progress", "import", csv, "--plan", mini_plan)
    assert result.exit_code == 0, result.stderr
    mpcsshb = (mini_plan / "progress" / "2009Q2" / "mpcsshb.yaml").read_text(encoding="utf-8")
    assert mpcsshb == (MODELINE +
                       "- ref: I-1.(a).2\n"
                       '  date: "2009-06-20"\n'
                       "  status: in_progress\n"
                       "  completion: limited\n"
                       "  by: MPÇSSHB\n"
                       '  note: "Shënim; me pikëpresje\\ndhe rresht të dytë"\n'
                       "- ref: II-1.(a).1\n"
                       '  date: "2009-06-25"\n'
                       "  status: completed\n"
                       '  evidence: "VKM nr. 5, datë 24.6.2009"\n'
                       "  by: MPÇSSHB\n")
    assert (mini_plan / "progress" / "2009Q2" / "zkka.yaml").exists()
    assert run("check", "--plan", mini_plan).exit_code == 0
    assert "II-1.(a).1" not in overdue_refs(run, mini_plan)


def test_import_reports_every_bad_row_by_line_and_writes_nothing(run: Run, mini_plan: Path, tmp_path: Path) -> None:
    csv = tmp_path / "rows.csv"
    csv.write_text("ref,status,date,evidence,completion,by,note\n"
                   "I-1.(a).2,in_progress,2009-06-20,,,,\"a note\n"
                   "over two lines\"\n"
                   "I-9.(z).1,in_progress,2009-06-20,,,,\n"
                   "I-1.(a).1,completed,2009-06-20,,,,\n"
                   "I-1.(a).8,in_progress,2009-06-20,,,,\n"
                   "I-1.(a).8,in_progress,2009-06-10,,,,\n", encoding="utf-8")
    before = tree(mini_plan)
    result = run("progress", "import", csv, "--plan", mini_plan)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"{csv}:4:1: [error] no activity 'I-9.(z).1'") for line in lines), result.stderr
    assert any(line.startswith(f"{csv}:5:") and "needs evidence" in line for line in lines)
    assert any(line.startswith(f"{csv}:7:") and "before the latest entry for it in the same file (2009-06-20, " in line
               for line in lines)
    assert not any(f"{csv}:2:" in line or f"{csv}:6:" in line for line in lines)
    assert "nothing written" in result.stderr
    assert tree(mini_plan) == before


@pytest.mark.parametrize("header, message", [
    ("ref,status,when", "missing column(s) date"),
    ("ref,status,date,colour", "unknown column 'colour'"),
    ("ref,status,date,date", "column 'date' appears twice"),
])
def test_import_checks_the_header(run: Run, mini_plan: Path, tmp_path: Path, header: str, message: str) -> None:
    csv = tmp_path / "h.csv"
    csv.write_text(header + "\nI-1.(a).1,in_progress,2009-06-01,x\n", encoding="utf-8")
    result = run("progress", "import", csv, "--plan", mini_plan)
    assert result.exit_code == 1 and f"{csv}:1:" in result.stderr and message in result.stderr


def test_import_refuses_a_file_that_is_not_utf8(run: Run, mini_plan: Path, tmp_path: Path) -> None:
    csv = tmp_path / "ansi.csv"
    csv.write_bytes("ref,status,date,evidence\nI-1.(a).3,completed,2009-06-01,Vendim i Këshillit\n".encode("cp1252"))
    result = run("progress", "import", csv, "--plan", mini_plan)
    assert result.exit_code == 1 and f"{csv}:2:1:" in result.stderr and "CSV UTF-8" in result.stderr


# ----------------------------------------------------------------------------- stale ongoing work


def stats_total(run: Run, plan: Path, as_of: str) -> dict[str, Any]:
    result = run("stats", "--plan", plan, "--as-of", as_of, "--format", "json")
    total: dict[str, Any] = json.loads(result.stdout)[-1]
    return total


def test_ongoing_work_without_a_report_last_quarter_is_stale(run: Run, mini_plan: Path) -> None:
    # I-1.(a).7 is ongoing; its only entry is dated 2009-05-10 (2009Q2).
    assert stats_total(run, mini_plan, "2009Q2")["stale"] == 0
    assert stats_total(run, mini_plan, "2009Q3")["stale"] == 1
    listed = run("list", "--status", "stale", "--as-of", "2009Q3", "--plan", mini_plan, "--format", "json")
    assert [row["ref"] for row in json.loads(listed.stdout)] == ["I-1.(a).7"]
    form = run("progress", "template", "--quarter", "2009Q3", "--institution", "PSH", "--plan", mini_plan).stdout
    assert "#   vlerësimi: pa raportim tremujorin e fundit" in form
    run("progress", "add", "I-1.(a).7", "--status", "in_progress", "--date", "2009-08-15", "--plan", mini_plan)
    assert stats_total(run, mini_plan, "2009Q3")["stale"] == 0
    assert stats_total(run, mini_plan, "2009Q4")["stale"] == 1


# ----------------------------------------------------------------------------- the demonstration log


def test_the_demo_log_is_valid_over_the_real_plan_and_marked_illustrative() -> None:
    from ap_cli.loader import load_plan
    from ap_cli.queries import state_at

    plan, diags = load_plan(REAL_PLAN, DEMO)
    assert plan is not None
    assert [d for d in diags if "progress-demo" in d.file] == []
    from ap_cli.checks import progress_entries

    assert list(progress_entries(plan, date.today())) == []
    files = sorted(DEMO.rglob("*.yaml"))
    assert files and "illustrative only" in (DEMO / "README.md").read_text(encoding="utf-8").lower()
    for path in files:
        head = path.read_text(encoding="utf-8").splitlines()[:2]
        assert head[0] == "# yaml-language-server: $schema=../../../schema/apcli.schema.json"
        assert "ILLUSTRATIVE ONLY" in head[1]
    entries = [rec.entry for rec in plan.progress]
    assert {e.status for e in entries} >= {"completed", "in_progress", "cancelled", "suspended"}
    assert all(e.ref.startswith("I-") and "2008-01-01" <= e.date <= "2009-12-31" for e in entries)
    assert state_at(plan, plan.resolve_ref("I-1.(b).2.1"), date(2009, 6, 30)).status == "completed"


def test_the_real_log_holds_no_invented_progress() -> None:
    from ap_cli.loader import load_plan

    plan, _ = load_plan(REAL_PLAN)
    assert plan is not None
    demo, _ = load_plan(REAL_PLAN, DEMO)
    assert demo is not None
    assert plan is not None and demo is not None
    invented = {(rec.entry.ref, rec.entry.date, rec.entry.status) for rec in demo.progress}
    assert not invented & {(rec.entry.ref, rec.entry.date, rec.entry.status) for rec in plan.progress}
    for path in (REAL_PLAN / "progress").rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8").lower()
            assert "illustrative" not in text and "ilustrues" not in text, path


def test_add_and_check_apply_one_order_rule(run: Run, mini_plan: Path) -> None:
    """An entry `check` refuses in a hand-written file, `add` refuses too, and the reverse."""
    first = run("progress", "add", "I-1.(a).2", "--status", "in_progress", "--date", "2009-05-20",
                "--by", "ZKKA", "--plan", mini_plan)
    assert first.exit_code == 0, first.stderr
    before = tree(mini_plan)
    earlier = run("progress", "add", "I-1.(a).2", "--status", "in_progress", "--date", "2009-05-10",
                  "--by", "ZKKA", "--plan", mini_plan)
    assert earlier.exit_code == 2
    assert "before the latest entry for it in the same file (2009-05-20, " in earlier.stderr
    assert tree(mini_plan) == before
    # the same entry written by hand into that file: `check` says the same
    zkka = mini_plan / "progress" / "2009Q2" / "zkka.yaml"
    zkka.write_text(zkka.read_text(encoding="utf-8") + "- ref: I-1.(a).2\n  date: 2009-05-10\n"
                    "  status: in_progress\n  by: ZKKA\n", encoding="utf-8")
    checked = run("check", "--plan", mini_plan)
    assert checked.exit_code == 1
    assert "before the latest entry for it in the same file (2009-05-20, " in checked.stdout
    zkka.write_text("\n".join(zkka.read_text(encoding="utf-8").splitlines()[:-4]) + "\n", encoding="utf-8")
    # another body's file is its own log: both accept it
    other = run("progress", "add", "I-1.(a).2", "--status", "in_progress", "--date", "2009-05-10",
                "--by", "PSH", "--plan", mini_plan)
    assert other.exit_code == 0, other.stderr
    assert run("check", "--plan", mini_plan).exit_code == 0
