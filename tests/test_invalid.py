"""The invalid corpus: each file in tests/data/invalid/ replaces a pillar of the fixture plan and must
be refused with the exact line:col and code its first line announces, fast, exit 1, no traceback."""

import re
import shutil
import time
from pathlib import Path

import pytest

from conftest import DATA, MINI_PLAN, Run

CORPUS = sorted((DATA / "invalid").glob("*.yaml"))


def expectation(path: Path) -> tuple[int, int, str]:
    first = path.read_bytes().split(b"\n", 1)[0].decode("ascii")
    m = re.fullmatch(r"# expect: (\d+):(\d+) ([a-z0-9-]+)", first)
    assert m, f"{path.name}: first line must be '# expect: LINE:COL code'"
    return int(m.group(1)), int(m.group(2)), m.group(3)


@pytest.mark.parametrize("case", CORPUS, ids=[p.stem for p in CORPUS])
def test_refused_at_exact_position(case: Path, tmp_path: Path, run: Run) -> None:
    plan = tmp_path / "plan"
    shutil.copytree(MINI_PLAN, plan)
    shutil.copyfile(case, plan / "2-mbrojtja.yaml")
    line, col, code = expectation(case)
    cpu, wall = time.process_time(), time.perf_counter()
    result = run("check", "--plan", plan)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert result.exit_code == 1, result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    target = str(plan / "2-mbrojtja.yaml")
    ours = [x for x in result.stdout.splitlines() if x.startswith(target + ":") and "[error]" in x]
    assert ours and ours[0].startswith(f"{target}:{line}:{col}: [error] ") and ours[0].endswith(f"({code})"), \
        result.stdout
    # a guard against hangs, not a benchmark: CPU time, so a busy machine does not fail it
    assert cpu < 1.0 and wall < 5.0, f"took {cpu:.2f} s of CPU, {wall:.2f} s in all"


def test_zero_byte_file(tmp_path: Path, run: Run) -> None:
    plan = tmp_path / "plan"
    shutil.copytree(MINI_PLAN, plan)
    (plan / "2-mbrojtja.yaml").write_bytes(b"")
    result = run("check", "--plan", plan)
    assert result.exit_code == 1
    assert f"{plan / '2-mbrojtja.yaml'}:1:1: [error] file is empty (empty-file)" in result.stdout


def test_all_problems_reported_at_once(tmp_path: Path, run: Run) -> None:
    plan = tmp_path / "plan"
    shutil.copytree(MINI_PLAN, plan)
    text = (plan / "1-provat.yaml").read_text()
    text = text.replace('deadline: "korrik 2009"', 'deadline: "korrik"').replace("[DONATORET]", "[DONATORETX]", 1)
    (plan / "1-provat.yaml").write_text(text)
    result = run("check", "--plan", plan)
    name = plan / "1-provat.yaml"
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{name}:25:23: [error] I-1.(a).2: cannot read deadline 'korrik' (unparsed-deadline)",
        f"{name}:26:25: [error] I-1.(a).2: resources names 'DONATORETX', which is not in institutions.yaml; "
        "did you mean DONATORET? (unknown-institution)",
        f"{name}:65:13: [warning] I-1.(a).11 has no deadline (no-deadline)",
    ]
    assert result.stderr == "5 files checked: 2 error(s), 1 warning(s)\n" \
        "the deadline phrases apcli reads: apcli deadline --help\n"


def test_schema_errors_name_the_activity_and_speak_plainly(tmp_path: Path, run: Run) -> None:
    plan = tmp_path / "plan"
    shutil.copytree(MINI_PLAN, plan)
    text = (plan / "1-provat.yaml").read_text()
    text = text.replace('            title: "Përfunduar në ditën e afatit"',
                        '            titel: "Përfunduar në ditën e afatit"')
    text = text.replace("            responsible: [MB]\n", "            responsible: MB\n", 1)
    (plan / "1-provat.yaml").write_text(text)
    name = plan / "1-provat.yaml"
    lines = run("check", "--plan", plan).stdout.splitlines()
    assert f"{name}:28:13: [error] I-1.(a).3: unknown field 'titel' (did you mean 'title'?) (unknown-field)" in lines
    assert f"{name}:27:13: [error] I-1.(a).3: missing field 'title' (missing-field)" in lines
    assert f"{name}:37:26: [error] I-1.(a).5: responsible: expected a list of institution ids, got text (wrong-type)" \
        in lines


def test_an_unclosed_quote_is_reported_where_it_opens(tmp_path: Path, run: Run) -> None:
    plan = tmp_path / "plan"
    shutil.copytree(MINI_PLAN, plan)
    text = (plan / "1-provat.yaml").read_text()
    (plan / "1-provat.yaml").write_text(text.replace('title: "Anuluar"', 'title: "Anuluar'))
    assert run("check", "--plan", plan).stdout.splitlines()[0] == \
        f"{plan / '1-provat.yaml'}:36:20: [error] this quote seems never closed on its line, so the YAML parser ran " \
        "on and stopped at 38:24 (while parsing a block mapping did not find expected key) (yaml-syntax)"
    # at the end of the file the parser itself knows where the quote opened
    (plan / "1-provat.yaml").write_text(text + '            note: "open\n')
    assert run("check", "--plan", plan).stdout.splitlines()[0].startswith(
        f"{plan / '1-provat.yaml'}:{text.count(chr(10)) + 1}:19: [error] this quote is never closed")
