"""The findings of `apcli check` that no other test pinned (issue #15, item 8): every finding on
the progress log, a pillar or an institution defined twice, a `see` ref not written canonically,
an activity under the wrong objective, no plan at all, and `apcli check FILE`.

Each test breaks a copy of the fixture plan in one way and asserts the exact line `check`
prints for it: file:line:col, severity, message and code.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from conftest import MINI_PLAN, Run


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    target = tmp_path / "plan"
    shutil.copytree(MINI_PLAN, target)
    return target


def findings(run: Run, *args: object) -> tuple[int, list[str]]:
    """(exit code, the diagnostic lines) of `apcli check ARGS`, without the fixture plan's own
    warning (I-1.(a).11 has no deadline, on purpose)."""
    result = run("check", *args)
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if not line.endswith("(no-deadline)")]
    return result.exit_code, lines


def log(plan: Path, text: str) -> Path:
    """A progress log file of its own, so the positions below are this text's."""
    path = plan / "progress" / "2009Q2" / "test.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- the progress log


def test_progress_unknown_ref(run: Run, plan: Path) -> None:
    f = log(plan, '- ref: I-9.(z).1\n  date: "2009-05-01"\n  status: in_progress\n')
    assert findings(run, "--plan", plan) == (1, [
        f"{f}:1:8: [error] progress entry: no activity 'I-9.(z).1' (read as I-9.(z).1) (unknown-ref)",
    ])


def test_progress_unknown_body(run: Run, plan: Path) -> None:
    f = log(plan, '- ref: I-1.(a).2\n  date: "2009-05-01"\n  status: in_progress\n  by: NUKA\n')
    assert findings(run, "--plan", plan) == (1, [
        f"{f}:4:7: [error] I-1.(a).2: by 'NUKA' is not in institutions.yaml (unknown-institution)",
    ])


def test_progress_completed_without_evidence(run: Run, plan: Path) -> None:
    f = log(plan, '- ref: I-1.(a).2\n  date: "2009-06-01"\n  status: completed\n  by: MPÇSSHB\n')
    assert findings(run, "--plan", plan) == (1, [
        f"{f}:1:3: [error] I-1.(a).2: a completed entry needs evidence (a decision, report or document)"
        " (missing-evidence)",
    ])


def test_progress_completion_without_in_progress(run: Run, plan: Path) -> None:
    f = log(plan, '- ref: I-1.(a).2\n  date: "2009-06-01"\n  status: cancelled\n  completion: limited\n')
    assert findings(run, "--plan", plan) == (1, [
        f"{f}:4:15: [error] I-1.(a).2: completion is only for status in_progress (got cancelled)"
        " (completion-without-progress)",
    ])


def test_progress_future_date(run: Run, plan: Path) -> None:
    f = log(plan, '- ref: I-1.(a).2\n  date: "2199-12-31"\n  status: in_progress\n')
    today = date.today().isoformat()
    assert findings(run, "--plan", plan) == (1, [
        f"{f}:2:9: [error] I-1.(a).2: dated 2199-12-31, after today ({today}) (future-date)",
    ])


def test_progress_out_of_order(run: Run, plan: Path) -> None:
    f = log(plan, '- ref: I-1.(a).2\n  date: "2009-06-01"\n  status: in_progress\n'
                  '- ref: I-1.(a).2\n  date: "2009-05-01"\n  status: in_progress\n')
    assert findings(run, "--plan", plan) == (1, [
        f"{f}:5:9: [error] I-1.(a).2: dated 2009-05-01, before the latest entry for it in the same file "
        "(2009-06-01, line 1); the log is append-only: date the new entry on or after it (progress-order)",
    ])


def test_progress_order_is_per_file(run: Run, plan: Path) -> None:
    """Another file (another body or quarter) is another log: an earlier date there is fine."""
    log(plan, '- ref: I-1.(a).7\n  date: "2009-05-01"\n  status: in_progress\n')  # demo.yaml: 2009-05-10
    assert findings(run, "--plan", plan) == (0, [])


def test_progress_unknown_status(run: Run, plan: Path) -> None:
    f = log(plan, '- ref: I-1.(a).2\n  date: "2009-06-01"\n  status: done\n')
    assert findings(run, "--plan", plan) == (1, [
        f"{f}:3:11: [error] I-1.(a).2 entry: status: 'done' is not one of 'not_started', 'in_progress', "
        "'completed', 'cancelled', 'suspended' (invalid-value)",
    ])


def test_progress_unknown_field(run: Run, plan: Path) -> None:
    f = log(plan, '- ref: I-1.(a).2\n  date: "2009-06-01"\n  status: in_progress\n  notes: x\n')
    assert findings(run, "--plan", plan) == (1, [
        f"{f}:4:3: [error] I-1.(a).2 entry: unknown field 'notes' (did you mean 'note'?) (unknown-field)",
    ])


def test_progress_file_not_a_list(run: Run, plan: Path) -> None:
    f = log(plan, 'ref: I-1.(a).2\ndate: "2009-06-01"\nstatus: in_progress\n')
    assert findings(run, "--plan", plan) == (1, [
        f"{f}:1:1: [error] expected a list of entries (wrong-type)",
    ])


def test_progress_empty_file(run: Run, plan: Path) -> None:
    f = log(plan, "# nothing yet\n")
    assert findings(run, "--plan", plan) == (1, [f"{f}:1:1: [error] file is empty (empty-file)"])


# ----------------------------------------------------------------------------- the plan


def test_duplicate_pillar(run: Run, plan: Path) -> None:
    shutil.copyfile(plan / "2-mbrojtja.yaml", plan / "3-kopje.yaml")
    with open(plan / "plan.yaml", "a", encoding="utf-8") as f:
        f.write("  - 3-kopje.yaml\n")
    copy, first = plan / "3-kopje.yaml", plan / "2-mbrojtja.yaml"
    assert findings(run, "--plan", plan) == (1, [
        f"{copy}:1:1: [error] pillar II is also defined in {first} (duplicate-pillar)",
        # its activities repeat too; the message names the other file
        f"{copy}:12:17: [error] activity id '1.(a).1' repeats II-1.(a).1 ({first}:12); give the later one a "
        "suffix (e.g. 3b) and keep the printed number in printed_id (duplicate-id)",
        f"{copy}:19:17: [error] activity id '1.(a).1.1' repeats II-1.(a).1.1 ({first}:19); give the later one a "
        "suffix (e.g. 3b) and keep the printed number in printed_id (duplicate-id)",
    ])


def test_duplicate_institution(run: Run, plan: Path) -> None:
    registry = plan / "institutions.yaml"
    lines = registry.read_text(encoding="utf-8").count("\n")
    with open(registry, "a", encoding="utf-8") as f:
        f.write("- id: MB\n  name: Ministria\n  name_en: Ministry\n  kind: ministry\n")
    assert findings(run, "--plan", plan) == (1, [
        f"{registry}:{lines + 1}:7: [error] institution id 'MB' is defined twice (duplicate-institution)",
    ])


@pytest.mark.parametrize("written", ["I-1.a.1", "I 1.(a).1", "i-1.(a).1"])
def test_noncanonical_see_ref(run: Run, plan: Path, written: str) -> None:
    pillar = plan / "2-mbrojtja.yaml"
    pillar.write_text(pillar.read_text(encoding="utf-8").replace('see: ["I-1.(a).1"]', f'see: ["{written}"]'),
                      encoding="utf-8")
    assert findings(run, "--plan", plan) == (0, [
        f"{pillar}:14:19: [warning] II-1.(a).1: write see '{written}' as 'I-1.(a).1' (noncanonical-ref)",
    ])
    assert findings(run, "--strict", "--plan", plan)[0] == 1


def test_misplaced_activity(run: Run, plan: Path) -> None:
    pillar = plan / "1-provat.yaml"
    pillar.write_text(pillar.read_text(encoding="utf-8").replace('id: "1.(a).10"', 'id: "1.(b).10"'),
                      encoding="utf-8")
    code, lines = findings(run, "--plan", plan)
    assert (code, lines) == (1, [
        f"{pillar}:60:17: [error] I-1.(b).10 is listed under objective 1.(a) (misplaced-activity)",
    ])


# ----------------------------------------------------------------------------- no plan; one file


def test_no_plan_in_directory(run: Run, tmp_path: Path) -> None:
    result = run("check", "--plan", tmp_path)
    assert result.exit_code == 1
    assert result.stdout == f"{tmp_path / 'plan.yaml'}:0:0: [error] no plan.yaml in {tmp_path} (no-plan)\n"
    assert result.stderr == "0 files checked: 1 error(s), 0 warning(s)\n"


def test_no_plan_directory_at_all(run: Run, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    result = run("check", "--format", "json", "--plan", missing)
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [{
        "file": str(missing / "plan.yaml"), "line": 0, "col": 0, "severity": "error", "code": "no-plan",
        "message": f"no plan.yaml in {missing}",
    }]


def test_check_file_checks_the_plan_it_belongs_to(run: Run, plan: Path) -> None:
    """`apcli check FILE`: a file inside a plan checks that plan, and says what is wrong in it."""
    pillar = plan / "1-provat.yaml"
    pillar.write_text(pillar.read_text(encoding="utf-8").replace("[DONATORET]", "[DONATORETX]", 1), encoding="utf-8")
    expected = [f"{pillar}:26:25: [error] I-1.(a).2: resources names 'DONATORETX', which is not in institutions.yaml; "
                "did you mean DONATORET? (unknown-institution)"]
    assert findings(run, pillar) == (1, expected)
    assert findings(run, plan / "progress" / "2009Q2" / "demo.yaml") == (1, expected)
    # the same plan named twice (a file and its directory) is checked once
    result = run("check", pillar, plan)
    assert result.stderr == "5 files checked: 1 error(s), 1 warning(s)\n"


def test_check_file_of_a_clean_plan(run: Run, plan: Path) -> None:
    result = run("check", plan / "2-mbrojtja.yaml")
    assert (result.exit_code, result.stderr) == (0, "5 files checked: 0 error(s), 1 warning(s)\n")


def test_check_file_outside_any_plan(run: Run, tmp_path: Path) -> None:
    stray = tmp_path / "stray.yaml"
    stray.write_text("pillar: I\n", encoding="utf-8")
    result = run("check", stray)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"apcli: {stray}: not a plan directory nor a file inside one\n"
