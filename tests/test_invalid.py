"""The invalid corpus: each file in tests/data/invalid/ replaces a pillar of the fixture plan and must
be refused with the exact line:col and code its first line announces, fast, exit 1, no traceback."""

import re
import shutil
import time
from pathlib import Path

import pytest

from conftest import DATA, MINI_PLAN

CORPUS = sorted((DATA / "invalid").glob("*.yaml"))


def expectation(path: Path) -> tuple[int, int, str]:
    first = path.read_bytes().split(b"\n", 1)[0].decode("ascii")
    m = re.fullmatch(r"# expect: (\d+):(\d+) ([a-z0-9-]+)", first)
    assert m, f"{path.name}: first line must be '# expect: LINE:COL code'"
    return int(m.group(1)), int(m.group(2)), m.group(3)


@pytest.mark.parametrize("case", CORPUS, ids=[p.stem for p in CORPUS])
def test_refused_at_exact_position(case, tmp_path, run):
    plan = tmp_path / "plan"
    shutil.copytree(MINI_PLAN, plan)
    shutil.copyfile(case, plan / "2-mbrojtja.yaml")
    line, col, code = expectation(case)
    started = time.perf_counter()
    result = run("check", "--plan", plan)
    elapsed = time.perf_counter() - started
    assert result.exit_code == 1, result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    target = str(plan / "2-mbrojtja.yaml")
    ours = [x for x in result.stdout.splitlines() if x.startswith(target + ":") and "[error]" in x]
    assert ours and ours[0].startswith(f"{target}:{line}:{col}: [error] ") and ours[0].endswith(f"({code})"), \
        result.stdout
    assert elapsed < 1.0


def test_zero_byte_file(tmp_path, run):
    plan = tmp_path / "plan"
    shutil.copytree(MINI_PLAN, plan)
    (plan / "2-mbrojtja.yaml").write_bytes(b"")
    result = run("check", "--plan", plan)
    assert result.exit_code == 1
    assert f"{plan / '2-mbrojtja.yaml'}:1:1: [error] file is empty (empty-file)" in result.stdout


def test_all_problems_reported_at_once(tmp_path, run):
    plan = tmp_path / "plan"
    shutil.copytree(MINI_PLAN, plan)
    text = (plan / "1-provat.yaml").read_text()
    text = text.replace('deadline: "korrik 2009"', 'deadline: "korrik"').replace("[DONATORET]", "[DONATORETX]", 1)
    (plan / "1-provat.yaml").write_text(text)
    result = run("check", "--plan", plan)
    name = plan / "1-provat.yaml"
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{name}:25:23: [error] I-1.(a).2: cannot read deadline 'korrik'; accepted forms: month ('qershor 2009'), "
        "quarter ('Tremujori i parë i 2009'), half ('Gjysma e parë e 2009-ës'), beginning/middle/end of year "
        "('Fillimi i 2009-ës', 'Mesi i 2009-ës', 'Fundi i 2008-ës'), season ('Pranverë 2009'), year ('2009', "
        "'Gjatë 2009-ës'), by ('Deri në fund të 2008'), range ('Fundi i 2008 – fillimi i 2009', '2009-2010'), "
        "ongoing ('Në vazhdim', '2008 -'), recurring ('Deri në mars të çdo viti') (unparsed-deadline)",
        f"{name}:26:25: [error] I-1.(a).2: resources names 'DONATORETX', which is not in institutions.yaml; "
        "did you mean DONATORET? (unknown-institution)",
        f"{name}:65:13: [warning] I-1.(a).11 has no deadline (no-deadline)",
    ]
