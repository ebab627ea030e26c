"""Hostile input through the CLI: each case replaces one file of the fixture plan and must be
refused by `apcli check` with its exact line:col and code, exit 1, within a second, with no
traceback. Sloppy but valid files (BOM, CRLF, trailing spaces) must read exactly like clean ones.

The inputs are built here, next to their expectations; the limits come from `ap_cli.source`,
so the cases follow if a limit changes.

The second half attacks the writing commands: lost updates, writes through links, into
devices or over plan data, impossible paths, oversized imports and git blobs, failing disks.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ap_cli import edit
from ap_cli.source import MAX_DEPTH, MAX_FILE_BYTES, MAX_LINE_CHARS, MAX_NODES, parse_text
from conftest import MINI_PLAN, ROOT, Run, require_tool

if TYPE_CHECKING:
    from typer.testing import Result

PILLAR = "2-mbrojtja.yaml"
CLEAN = (MINI_PLAN / PILLAR).read_bytes()
HEAD = b"pillar: II\ntitle: MBROJTJA\ntitle_en: Protection\n"  # a valid start; line 4 comes next


def nested_block(levels: int) -> bytes:
    return b"".join(b"  " * i + b"k:\n" for i in range(levels)) + b"  " * levels + b"x\n"


def billion_laughs() -> bytes:
    lines = [b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{','.join('*' + prev for _ in range(9))}]".encode())
    return b"\n".join(lines) + b"\n"


def values(count: int) -> bytes:
    """`count` values in flow lists of 1,000 (keys are not counted)."""
    rows, rest = divmod(count, 1000)
    out = [b"- [" + b"1," * 999 + b"1]\n"] * rows
    if rest:
        out.append(b"- [" + b",".join([b"1"] * rest) + b"]\n")
    return b"".join(out)


# (id, file content, expected line, col, code)
REFUSED = [
    # aliases and anchors: refused at the first one, before anything can expand
    ("anchor", b"pillar: &p II\n", 1, 9, "yaml-anchor"),
    ("alias-undefined", b"pillar: *p\n", 1, 9, "yaml-alias"),
    ("anchor-on-mapping", HEAD + b"base: &b {x: 1}\n", 4, 7, "yaml-anchor"),
    ("merge-key-alias", HEAD + b"<<: *b\n", 4, 5, "yaml-alias"),
    ("billion-laughs", billion_laughs(), 1, 4, "yaml-anchor"),
    # nesting: the first container deeper than MAX_DEPTH, block and flow, on one line or many
    ("deep-block-mappings", nested_block(500), MAX_DEPTH + 1, 2 * MAX_DEPTH + 1, "yaml-too-deep"),
    ("deep-block-sequences", b"pillar:\n" + b"".join(b"  " * i + b"-\n" for i in range(1, 500)),
     MAX_DEPTH + 1, 2 * MAX_DEPTH + 1, "yaml-too-deep"),
    ("deep-flow-one-line", b"pillar: " + b"[" * 40_000 + b"]" * 40_000 + b"\n", 1, 9 + MAX_DEPTH - 1,
     "yaml-too-deep"),
    ("deep-flow-unclosed", b"pillar: " + b"[" * 40_000 + b"\n", 1, 9 + MAX_DEPTH - 1, "yaml-too-deep"),
    ("deep-flow-many-lines", b"pillar:\n" + b"  [\n" * 100_000, MAX_DEPTH + 1, 3, "yaml-too-deep"),
    ("deep-flow-mappings", b"pillar: " + b"{a: " * 10_000 + b"1" + b"}" * 10_000 + b"\n", 1,
     9 + 4 * (MAX_DEPTH - 1), "yaml-too-deep"),
    # bytes that are not UTF-8 text, at the character column an editor shows
    ("nul-byte", HEAD + b"notes: [\"a\x00b\"]\n", 4, 11, "nul-byte"),
    ("invalid-utf8", HEAD + b"notes: [\"\xff\"]\n", 4, 10, "not-utf8"),
    ("latin1-after-utf8", HEAD + "notes: [\"Shqipëri \"]\n".encode() + b"x: \"Shqip\xebri\"\n", 5, 10, "not-utf8"),
    ("overlong-utf8", HEAD + b"x: \"\xc0\xaf\"\n", 4, 5, "not-utf8"),
    ("truncated-utf8-at-eof", HEAD + b"x: \xc3", 4, 4, "not-utf8"),
    ("utf16-with-bom", "pillar: II\n".encode("utf-16"), 1, 1, "not-utf8"),
    ("nul-after-invalid-utf8", HEAD + b"x: \xff\x00\n", 4, 4, "not-utf8"),
    ("invalid-utf8-after-nul", HEAD + b"x: \x00\xff\n", 4, 4, "nul-byte"),
    ("raw-escape-character", HEAD + b"x: \x1b[31m\n", 4, 4, "control-char"),
    ("escaped-escape-character", HEAD + b'notes: ["\\e[2J"]\n', 4, 9, "control-char"),
    ("escaped-nul", HEAD + b'notes: ["a\\0"]\n', 4, 9, "control-char"),
    # tags that would construct objects, and every other tag
    ("python-object-apply", b'pillar: !!python/object/apply:os.system ["echo pwned"]\n', 1, 9, "yaml-tag"),
    ("python-object-new", HEAD + b"x: !!python/object/new:subprocess.Popen [[ls]]\n", 4, 4, "yaml-tag"),
    ("python-name", HEAD + b"x: !!python/name:os.system\n", 4, 4, "yaml-tag"),
    ("verbatim-python-tag", HEAD + b"x: !<tag:yaml.org,2002:python/object:os.system> {}\n", 4, 4, "yaml-tag"),
    ("tag-directive", b"%TAG !p! tag:yaml.org,2002:python/\n---\npillar: !p!object:os.system {}\n", 3, 9,
     "yaml-tag"),
    ("local-tag", HEAD + b"x: !include /etc/passwd\n", 4, 4, "yaml-tag"),
    ("binary-tag", HEAD + b"x: !!binary aGVsbG8=\n", 4, 4, "yaml-tag"),
    ("tag-on-sequence", HEAD + b"goals: !!set [a]\n", 4, 8, "yaml-tag"),
    # duplicate keys, however they are spelled
    ("duplicate-key", HEAD + b"title: again\n", 4, 1, "duplicate-key"),
    ("duplicate-key-quoted", HEAD + b'"title": again\n', 4, 1, "duplicate-key"),
    ("duplicate-key-nested", HEAD + b"goals:\n  - id: '1'\n    title: a\n    id: '2'\n", 7, 5, "duplicate-key"),
    ("duplicate-key-flow", HEAD + b"goals: [{id: '1', id: '1'}]\n", 4, 19, "duplicate-key"),
    # one huge line, at the first column past the limit
    ("huge-line", HEAD + b"title_sq: " + b"x" * (MAX_LINE_CHARS * 3) + b"\n", 4, MAX_LINE_CHARS + 1,
     "line-too-long"),
    ("huge-line-crlf", HEAD.replace(b"\n", b"\r\n") + b"x: " + b"y" * (MAX_LINE_CHARS + 1) + b"\r\n", 4,
     MAX_LINE_CHARS + 1, "line-too-long"),
    ("huge-line-of-flow", b"pillar: [" + b"1," * MAX_LINE_CHARS + b"1]\n", 1, MAX_LINE_CHARS + 1, "line-too-long"),
    # more values than a file may hold (the outer list is one): refused at the first one past the cap
    ("too-many-values", b"- 1\n" * MAX_NODES, MAX_NODES, 3, "yaml-too-many-nodes"),
    ("too-many-values-in-flow", values(MAX_NODES * 2), MAX_NODES // 1001 + 1, 4 + 2 * (MAX_NODES % 1001 - 2),
     "yaml-too-many-nodes"),
    # other shapes the loader refuses
    ("two-documents", HEAD + b"---\npillar: III\n", 4, 1, "yaml-multiple-documents"),
    ("complex-key", HEAD + b"? [a, b]\n: c\n", 4, 3, "yaml-complex-key"),
    ("syntax-error", HEAD + b"goals: [\n", 5, 1, "yaml-syntax"),
    ("tab-indent", HEAD + b"goals:\n\t- id: '1'\n", 5, 1, "yaml-syntax"),
]


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    target = tmp_path / "plan"
    shutil.copytree(MINI_PLAN, target)
    return target


def refused(run: Run, plan: Path, name: str = PILLAR) -> list[str]:
    """Run `check`; return its error lines about `name`, after the common assertions.

    "Within a second" is CPU time of this process (the CLI runs in it), which other jobs on a
    shared machine do not inflate; wall time only guards against a hang.
    """
    cpu, wall = time.process_time(), time.perf_counter()
    result = run("check", "--plan", plan)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    output = result.stdout + result.stderr
    assert result.exit_code == 1, output
    assert "Traceback" not in output
    assert cpu < 1.0 and wall < 5.0, f"took {cpu:.2f} s of CPU, {wall:.2f} s in all"
    prefix = f"{plan / name}:"
    return [line for line in result.stdout.splitlines() if line.startswith(prefix) and "[error]" in line]


@pytest.mark.parametrize("content, line, col, code", [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_refused_with_exact_position(plan: Path, run: Run, content: bytes, line: int, col: int, code: str) -> None:
    (plan / PILLAR).write_bytes(content)
    errors = refused(run, plan)
    assert errors, "no error reported for the replaced file"
    assert errors[0].startswith(f"{plan / PILLAR}:{line}:{col}: [error] "), errors[0][:300]
    assert errors[0].endswith(f"({code})"), errors[0][:300]
    assert len(errors[0]) < 400, "messages quote at most a short excerpt of the input"


def test_file_over_the_size_cap(plan: Path, run: Run) -> None:
    """A real file one byte over the cap, of harmless comment lines, refused without being parsed."""
    line = b"# " + b"x" * 77 + b"\n"
    with open(plan / PILLAR, "wb") as f:
        f.write(CLEAN)
        f.write(line * ((MAX_FILE_BYTES - len(CLEAN)) // len(line)))
        f.write(b"#" * (MAX_FILE_BYTES + 1 - f.tell() - 1) + b"\n")
    assert os.path.getsize(plan / PILLAR) == MAX_FILE_BYTES + 1
    errors = refused(run, plan)
    assert errors == [f"{plan / PILLAR}:0:0: [error] file is {MAX_FILE_BYTES + 1:,} bytes; "
                      f"the limit is {MAX_FILE_BYTES:,} (file-too-large)"]


def test_file_at_the_size_cap_is_read(plan: Path, run: Run) -> None:
    line = b"# " + b"x" * 77 + b"\n"
    with open(plan / PILLAR, "wb") as f:
        f.write(CLEAN)
        f.write(line * ((MAX_FILE_BYTES - len(CLEAN)) // len(line)))
        f.write(b"#" * (MAX_FILE_BYTES - f.tell() - 1) + b"\n")
    assert os.path.getsize(plan / PILLAR) == MAX_FILE_BYTES
    result = run("check", "--plan", plan)
    assert result.exit_code == 0, result.stdout


def test_longest_line_and_most_values_allowed_are_read(plan: Path, run: Run) -> None:
    longest = '    title: "' + "ë" * (MAX_LINE_CHARS - len('    title: ""')) + '"'
    assert len(longest) == MAX_LINE_CHARS
    text = CLEAN.decode().replace('    title: "Mbrojtja e viktimave"', longest)
    (plan / PILLAR).write_text(text, encoding="utf-8")
    assert run("check", "--plan", plan).exit_code == 0
    # the mapping, 3 values in HEAD, the list under `extra` and its items: MAX_NODES in all
    (plan / PILLAR).write_bytes(HEAD + b"extra:\n" + b"  - 1\n" * (MAX_NODES - 5))
    result = run("check", "--plan", plan)
    assert f"{plan / PILLAR}:4:1: [error] unknown field 'extra' (unknown-field)" in result.stdout


def test_no_object_is_ever_constructed(plan: Path, run: Run, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    (plan / PILLAR).write_bytes(
        b"pillar: !!python/object/apply:os.system [\"touch " + str(marker).encode() + b"\"]\n")
    refused(run, plan)
    assert not marker.exists()


@pytest.mark.parametrize("listed, how", [
    ("/etc/passwd", "is not inside"),
    ("../../etc/passwd", "is not inside"),
    ("link.yaml", "links to a file outside"),
])
def test_pillar_files_stay_inside_the_plan(plan: Path, run: Run, listed: str, how: str) -> None:
    (plan / "link.yaml").symlink_to("/etc/hostname")
    text = (plan / "plan.yaml").read_text().replace("  - 2-mbrojtja.yaml", f"  - {listed}")
    (plan / "plan.yaml").write_text(text)
    errors = refused(run, plan, "plan.yaml")
    assert errors == [f"{plan / 'plan.yaml'}:11:5: [error] pillar file {listed!r} {how} the plan directory "
                      "(outside-plan)"]


def test_symlinked_progress_file_to_outside_is_not_read(plan: Path, run: Run) -> None:
    (plan / "progress" / "secrets.yaml").symlink_to("/etc/hostname")
    errors = refused(run, plan, "progress/secrets.yaml")
    assert errors == [f"{plan / 'progress' / 'secrets.yaml'}:0:0: [error] links to a file outside "
                      f"{plan / 'progress'} (outside-plan)"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_or_device_is_not_waited_on(plan: Path, run: Run) -> None:
    (plan / "institutions.yaml").unlink()
    os.mkfifo(plan / "institutions.yaml")
    errors = refused(run, plan, "institutions.yaml")
    assert errors == [f"{plan / 'institutions.yaml'}:0:0: [error] cannot read file: not a regular file (unreadable)"]


# ----------------------------------------------------------------------------- sloppy but valid


def export(run: Run, plan: Path) -> list[dict[str, Any]]:
    result = run("export", "--format", "json", "--plan", plan)
    assert result.exit_code == 0, result.stdout + result.stderr
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


SLOPPY = {
    "utf8-bom": lambda b: b"\xef\xbb\xbf" + b,
    "crlf": lambda b: b.replace(b"\n", b"\r\n"),
    "cr-only": lambda b: b.replace(b"\n", b"\r"),
    "trailing-spaces": lambda b: b.replace(b"\n", b"   \n"),
    "trailing-tabs-and-spaces": lambda b: b.replace(b"\n", b" \t \n"),
    "no-final-newline": lambda b: b.rstrip(b"\n"),
    "bom-crlf-trailing": lambda b: b"\xef\xbb\xbf" + b.replace(b"\n", b"  \r\n"),
}


@pytest.mark.parametrize("damage", SLOPPY.values(), ids=SLOPPY.keys())
def test_sloppy_but_valid_reads_the_same(plan: Path, run: Run, damage: Callable[[bytes], bytes]) -> None:
    expected = export(run, plan)
    for name in ("plan.yaml", "institutions.yaml", "1-provat.yaml", PILLAR):
        (plan / name).write_bytes(damage((plan / name).read_bytes()))
    assert run("check", "--plan", plan).exit_code == 0
    assert export(run, plan) == expected


@pytest.mark.parametrize("damage", SLOPPY.values(), ids=SLOPPY.keys())
def test_sloppy_files_report_the_same_positions(plan: Path, run: Run, damage: Callable[[bytes], bytes]) -> None:
    broken = CLEAN.replace(b"deadline: \"Deri n\xc3\xab fund t\xc3\xab 2009\"", b"deadline: \"korrik\"")
    (plan / PILLAR).write_bytes(broken)
    expected = refused(run, plan)
    (plan / PILLAR).write_bytes(damage(broken))
    assert refused(run, plan) == expected
    assert expected[0].startswith(f"{plan / PILLAR}:22:23: [error] II-1.(a).1.1: cannot read deadline 'korrik'")


# ============================================================================= writing
# Data loss and writes in the wrong place: every writing command (progress add / import,
# progress template --out, fmt, report --out) locks what it reads and changes, writes only
# regular files, never through a link, and fails with one line, never a traceback.

REFS = ["I-1.(a).1", "I-1.(a).2", "I-1.(a).3", "I-1.(a).4", "I-1.(a).5", "I-1.(a).7", "I-1.(a).8",
        "I-1.(a).9", "I-1.(a).10", "I-1.(a).11", "II-1.(a).1", "II-1.(a).1.1"]
ADD = ("progress", "add", "I-1.(a).1", "--status", "in_progress", "--date", "2009-08-20", "--by", "ZKKA")


def apcli(*args: object, **kwargs: Any) -> subprocess.Popen[str]:
    """A separate `apcli` process (for concurrency and kill tests), of the code under test."""
    import ap_cli

    env = {**os.environ, "PYTHONPATH": str(Path(ap_cli.__file__).parent.parent)}
    return subprocess.Popen([sys.executable, "-m", "ap_cli", *map(str, args)], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def entries(path: Path) -> list[Any]:
    return list(parse_text(path.read_text(encoding="utf-8")) or [])


def one_line_failure(result: Result, *needles: str, code: int = 1) -> str:
    """The command failed with `code` and one `apcli: …` line holding each needle; no traceback."""
    output = result.stdout + result.stderr
    assert result.exit_code == code, output
    assert "Traceback" not in output
    assert all(n in result.stderr for n in needles), result.stderr
    return str(result.stderr)


def snapshot(root: Path) -> dict[str, tuple[str, str | bytes | None]]:
    """Every entry under `root` (links as links): name → (kind, content or target)."""
    out: dict[str, tuple[str, str | bytes | None]] = {}
    for p in sorted(root.rglob("*")):
        if p.name == ".apcli.lock":  # the lock itself is apcli's bookkeeping, not data
            continue
        if p.is_symlink():
            out[str(p)] = ("link", os.readlink(p))
        elif p.is_file():
            out[str(p)] = ("file", p.read_bytes())
        else:
            out[str(p)] = ("dir" if p.is_dir() else "special", None)
    return out


# ----------------------------------------------------------------------------- lost updates


def test_twenty_concurrent_writers_lose_no_entry(plan: Path, run: Run) -> None:
    """Before the lock, 20 `progress add` at once all said 'added' and 2–10 entries survived."""
    procs = [apcli("progress", "add", REFS[i % len(REFS)], "--status", "in_progress", "--date", "2009-08-20",
                   "--by", "ZKKA", "--note", f"writer {i}", "--plan", plan) for i in range(20)]
    results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    assert all(code == 0 for code, _, _ in results), [err for code, _, err in results if code][:1]
    log = entries(plan / "progress" / "2009Q3" / "zkka.yaml")
    assert sorted(e["note"] for e in log) == sorted(f"writer {i}" for i in range(20))
    assert run("check", "--plan", plan).exit_code == 0
    assert not list(plan.rglob("*.tmp"))


def test_a_writer_waits_for_the_lock_and_gives_up_with_a_message(plan: Path, run: Run,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from filelock import FileLock

    monkeypatch.setattr(edit, "LOCK_TIMEOUT", 0.3)
    before = snapshot(plan)
    with FileLock(str(plan / ".apcli.lock")):
        result = run(*ADD, "--plan", plan)
        fmt = run("fmt", "--plan", plan)
    one_line_failure(result, f"{plan / '.apcli.lock'}: another apcli command is writing to {plan}",
                     "gave up after 0.3 s")
    one_line_failure(fmt, "another apcli command is writing")
    assert snapshot(plan) == before
    assert run(*ADD, "--plan", plan, "--dry-run").exit_code == 0  # a dry run needs no lock


def test_the_lock_file_is_never_a_link_and_never_plan_data(plan: Path, run: Run, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious\n")
    (plan / ".apcli.lock").unlink(missing_ok=True)
    (plan / ".apcli.lock").symlink_to(victim)
    one_line_failure(run(*ADD, "--plan", plan), f"{plan / '.apcli.lock'}: is a symbolic link")
    assert victim.read_bytes() == b"precious\n" and not (plan / "progress" / "2009Q3").exists()
    (plan / ".apcli.lock").unlink()
    assert run(*ADD, "--plan", plan).exit_code == 0
    assert (plan / ".apcli.lock").is_file()
    assert run("check", "--plan", plan).exit_code == 0  # neither loader nor fmt takes it for a plan file
    assert ".apcli.lock" not in run("fmt", "--check", "--plan", plan).stdout
    assert ".apcli.lock" in (ROOT / ".gitignore").read_text().splitlines()


def test_only_writing_commands_import_filelock() -> None:
    code = ("import sys; from ap_cli.cli import app; from typer.testing import CliRunner; "
            "r = CliRunner().invoke(app, ['overdue', '--as-of', '2009-06', '--plan', sys.argv[1]]); "
            "print(r.exit_code, 'filelock' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code, str(MINI_PLAN)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert done.stdout.split() == ["0", "False"], done.stderr


def test_kills_during_writes_never_corrupt_and_leave_no_temp_file_behind(plan: Path, run: Run) -> None:
    """SIGKILL at random moments of `progress add`; then a stale temporary file of the kind a
    kill between write and rename leaves. The log always reads, and the next writer sweeps."""
    import random

    rng = random.Random(14)
    target = plan / "progress" / "2009Q3" / "zkka.yaml"
    for i in range(12):
        proc = apcli("progress", "add", REFS[i % len(REFS)], "--status", "in_progress", "--date", "2009-08-20",
                     "--by", "ZKKA", "--note", f"kill {i}", "--plan", plan)
        try:
            proc.wait(timeout=rng.uniform(0.2, 1.2))
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        proc.communicate()
        if target.exists():
            assert all(e["note"].startswith("kill ") for e in entries(target))  # whole entries only
        assert run("check", "--plan", plan).exit_code == 0
    target.parent.mkdir(parents=True, exist_ok=True)
    stale = target.parent / ".zkka.yaml.k1ll3d_x.tmp"
    stale.write_bytes(b"- ref: I-1.(a).1\n  date: '2009-0")  # half an entry
    assert run("check", "--plan", plan).exit_code == 0  # loaders never read temporary files
    assert run("progress", "add", "I-1.(a).3", "--status", "in_progress", "--date", "2009-08-21", "--by", "ZKKA",
               "--note", "after", "--plan", plan).exit_code == 0
    assert not list(plan.rglob("*.tmp")), list(plan.rglob("*.tmp"))
    assert entries(target)[-1]["note"] == "after"


# ----------------------------------------------------------------------------- symbolic links


def test_add_never_writes_through_a_linked_quarter_folder(plan: Path, run: Run, tmp_path: Path) -> None:
    """Before: `/elsewhere/zkka.yaml` was written, exit 0, and `check` skipped the folder."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (plan / "progress" / "2009Q3").symlink_to(elsewhere)
    one_line_failure(run(*ADD, "--plan", plan), f"{plan / 'progress' / '2009Q3'}: is a symbolic link",
                     "nothing written")
    assert list(elsewhere.iterdir()) == []
    errors = refused(run, plan, "progress/2009Q3")
    assert errors == [f"{plan / 'progress' / '2009Q3'}:0:0: [error] links to a folder outside "
                      f"{plan / 'progress'} (outside-plan)"]


def test_a_linked_progress_file_is_never_replaced_nor_read_twice(plan: Path, run: Run) -> None:
    """Before: the link was replaced by a copy of its target plus the entry: every entry twice."""
    quarter = plan / "progress" / "2009Q2"
    (quarter / "zkka.yaml").symlink_to("demo.yaml")
    demo = (quarter / "demo.yaml").read_bytes()
    result = run("progress", "add", "I-1.(a).8", "--status", "in_progress", "--date", "2009-06-20", "--by", "ZKKA",
                 "--plan", plan)
    one_line_failure(result, f"{quarter / 'zkka.yaml'}: is a symbolic link; apcli never writes through a link")
    assert (quarter / "zkka.yaml").is_symlink() and (quarter / "demo.yaml").read_bytes() == demo
    assert refused(run, plan, "progress/2009Q2/zkka.yaml") == [
        f"{quarter / 'zkka.yaml'}:0:0: [error] a symbolic link (to demo.yaml) in the progress log is not read; "
        "put a file there instead of the link (symlink)"]


def test_a_progress_folder_linked_out_of_the_plan_is_neither_read_nor_written(plan: Path, run: Run,
                                                                              tmp_path: Path) -> None:
    outside = tmp_path / "outside-progress"
    shutil.move(plan / "progress", outside)
    (plan / "progress").symlink_to(outside)
    assert refused(run, plan, "progress") == [
        f"{plan / 'progress'}:0:0: [error] the progress log links to a directory outside {plan}; it is not read "
        "(outside-plan)"]
    one_line_failure(run(*ADD, "--plan", plan), f"{plan / 'progress'}: is a symbolic link")
    assert not (outside / "2009Q3").exists()


@pytest.mark.parametrize("where", ["pillar", "institutions", "progress-file", "progress-folder"])
def test_a_symbolic_link_loop_is_a_located_error(plan: Path, run: Run, where: str) -> None:
    """Before: RuntimeError('Symlink loop …') from Path.resolve, a traceback."""
    if where == "pillar":
        (plan / PILLAR).unlink()
        (plan / PILLAR).symlink_to(PILLAR)
        expected = [f"{plan / 'plan.yaml'}:11:5: [error] pillar file '{PILLAR}' is a symbolic link loop (unreadable)"]
        name = "plan.yaml"
    elif where == "institutions":
        (plan / "institutions.yaml").unlink()
        (plan / "institutions.yaml").symlink_to("institutions.yaml")
        name = "institutions.yaml"
        expected = [f"{plan / name}:0:0: [error] cannot read file: it is a symbolic link loop (unreadable)"]
    else:
        name = "progress/2009Q2/a.yaml" if where == "progress-file" else "progress/2009Q4"
        (plan / name).symlink_to(Path(name).name)
        expected = [f"{plan / name}:0:0: [error] cannot read file: it is a symbolic link loop (unreadable)"]
    assert refused(run, plan, name) == expected
    result = run("progress", "add", "I-1.(a).8", "--status", "in_progress", "--date", "2009-06-20", "--by", "ZKKA",
                 "--plan", plan)
    assert "Traceback" not in result.stdout + result.stderr
    fmt = run("fmt", "--plan", plan)
    assert fmt.exit_code == (0 if where == "progress-folder" else 1)  # fmt looks at *.yaml only


def test_a_looping_plan_or_argument_is_a_clear_error(plan: Path, run: Run, tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to("loop")
    result = run("check", "--plan", loop)
    assert result.exit_code == 1 and "Traceback" not in result.stdout + result.stderr
    assert result.stdout == f"{loop / 'plan.yaml'}:0:0: [error] {loop} is a symbolic link loop (no-plan)\n"
    one_line_failure(run("check", loop), f"apcli: {loop}: symbolic link loop")
    (plan / "plan.yaml").unlink()
    (plan / "plan.yaml").symlink_to("plan.yaml")
    assert run("check", "--plan", plan).stdout == (f"{plan / 'plan.yaml'}:0:0: [error] {plan / 'plan.yaml'} is a "
                                                   "symbolic link loop (no-plan)\n")
    (plan / "plan.yaml").unlink()
    shutil.copy(MINI_PLAN / "plan.yaml", plan / "plan.yaml")
    fmt = run("fmt", loop)
    assert fmt.exit_code == 1 and f"{loop}:0:0: [error] a symbolic link; fmt never replaces a link" in fmt.stderr
    one_line_failure(run(*ADD, "--plan", plan, "--progress", loop), f"{loop}: symbolic link loop")


def test_fmt_never_replaces_a_link(plan: Path, run: Run, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_bytes(b"a:    1\n")
    (plan / "progress" / "x.yaml").symlink_to(outside)
    result = run("fmt", "--plan", plan)
    assert result.exit_code == 1
    assert (f"{plan / 'progress' / 'x.yaml'}:0:0: [error] a symbolic link; fmt never replaces a link "
            "(format the file it points to) (symlink)") in result.stderr
    assert (plan / "progress" / "x.yaml").is_symlink() and outside.read_bytes() == b"a:    1\n"


def test_a_hard_link_from_outside_is_never_written_through(plan: Path, run: Run, tmp_path: Path) -> None:
    """A hard link cannot be told from a file; the write replaces the plan's name only."""
    outside = tmp_path / "outside.yaml"
    outside.write_bytes(b"# not the plan's\n")
    (plan / "progress" / "2009Q3").mkdir()
    os.link(outside, plan / "progress" / "2009Q3" / "zkka.yaml")
    assert run(*ADD, "--plan", plan).exit_code == 0
    assert outside.read_bytes() == b"# not the plan's\n"
    assert len(entries(plan / "progress" / "2009Q3" / "zkka.yaml")) == 1


# ----------------------------------------------------------------------------- devices, FIFOs, folders


def special(kind: str, path: Path) -> None:
    """Make a FIFO, a character device (like /dev/null), a socket, a folder, or a link to a FIFO
    (what /dev/stdout is to a pipe), at `path`, under a temporary directory."""
    if "fifo" in kind and not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "char-device":
        try:
            os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))
        except (PermissionError, AttributeError):
            pytest.skip("cannot make a device node here (not root)")
    elif kind == "socket":
        import socket

        if len(str(path)) > 100:
            pytest.skip("socket path too long for AF_UNIX")
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        sock.close()
    elif kind == "directory":
        path.mkdir()
    elif kind == "link-to-fifo":
        os.mkfifo(f"{path}.fifo")
        path.symlink_to(f"{path}.fifo")
    elif kind == "link-to-file":
        Path(f"{path}.real").write_bytes(b"real\n")
        path.symlink_to(f"{path}.real")


KINDS = ["fifo", "char-device", "socket", "link-to-fifo", "link-to-file"]
OUT_COMMANDS = {
    "report": ("report", "--as-of", "2009-06", "--plan", "{plan}", "--out", "{out}"),
    "report-html": ("report", "--as-of", "2009-06", "--format", "html", "--plan", "{plan}", "--out", "{out}"),
    "template": ("progress", "template", "--quarter", "2009Q2", "--institution", "ZKKA", "--plan", "{plan}",
                 "--out", "{out}", "--force"),
}


@pytest.mark.parametrize("command, kind", [(c, k) for c in OUT_COMMANDS for k in KINDS]
                         + [("template", "directory")])  # report --out DIR writes DIR/report.<format>
def test_out_writes_only_regular_files(plan: Path, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       command: str, kind: str) -> None:
    """Before: `report --out /dev/stdout` (or /dev/null, a device) replaced it with a file, exit 0;
    `progress template --out DIR --force` was an IsADirectoryError traceback."""
    out = Path(tempfile.mkdtemp(dir=tmp_path)) / "o"
    special(kind, out)
    before = os.lstat(out)

    def no_write(*args: object, **kwargs: object) -> None:
        raise AssertionError("opened for writing")

    monkeypatch.setattr(edit, "write_atomic", no_write)
    args = [a.format(plan=plan, out=out) for a in OUT_COMMANDS[command]]
    result = run(*args)
    reason = "is a symbolic link" if kind.startswith("link") else "is a"
    one_line_failure(result, f"apcli: {out}: {reason}")
    after = os.lstat(out)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)  # the same node, untouched


@pytest.mark.parametrize("command, victim", [("report", "plan.yaml"), ("report-html", PILLAR),
                                             ("template", "progress/2009Q2/demo.yaml")])
def test_out_never_replaces_a_file_of_the_plan(plan: Path, run: Run, command: str, victim: str) -> None:
    """Before: `report --out plan/plan.yaml` replaced the plan's metadata with a report, and a
    form saved with --force over a progress file dropped its entries."""
    before = snapshot(plan)
    result = run(*[a.format(plan=plan, out=plan / victim) for a in OUT_COMMANDS[command]])
    one_line_failure(result, f"apcli: {plan / victim}: is a file of the plan; --out never replaces plan data")
    assert snapshot(plan) == before


@pytest.mark.parametrize("command", OUT_COMMANDS)
def test_out_dash_is_standard_output(plan: Path, run: Run, tmp_path: Path, command: str,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = [a.format(plan=plan, out="-") for a in OUT_COMMANDS[command]]
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(("# ", "<!DOCTYPE html>", "<!doctype html>"))
    assert not (tmp_path / "-").exists()


def test_out_inside_a_folder_refuses_a_special_report_file(plan: Path, run: Run, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    os.mkfifo(out / "report.md")
    one_line_failure(run("report", "--as-of", "2009-06", "--plan", plan, "--out", out),
                     f"{out / 'report.md'}: is a FIFO")
    os.mkfifo(out / "index.md")
    one_line_failure(run("report", "--as-of", "2009-06", "--plan", plan, "--out", out, "--per-institution"),
                     f"{out / 'index.md'}: is a FIFO")
    assert stat.S_ISFIFO(os.lstat(out / "index.md").st_mode)


def test_a_folder_where_a_plan_file_is_expected(plan: Path, run: Run) -> None:
    (plan / PILLAR).unlink()
    (plan / PILLAR).mkdir()
    (plan / "institutions.yaml").unlink()
    (plan / "institutions.yaml").mkdir()
    assert refused(run, plan, "plan.yaml") == [
        f"{plan / 'plan.yaml'}:11:5: [error] pillar file '{PILLAR}' is not a regular file (missing-file)"]
    assert refused(run, plan, "institutions.yaml") == [
        f"{plan / 'institutions.yaml'}:0:0: [error] cannot read file: Is a directory (unreadable)"]


@pytest.mark.parametrize("kind", ["directory", "fifo", "quarter-is-a-file"])
def test_a_progress_file_that_is_not_a_file(plan: Path, run: Run, kind: str) -> None:
    quarter = plan / "progress" / "2009Q3"
    if kind == "quarter-is-a-file":
        quarter.write_bytes(b"")
        where, reason = quarter, "is not a directory"
    else:
        quarter.mkdir()
        special(kind, quarter / "zkka.yaml")
        where, reason = quarter / "zkka.yaml", "is a"
    before = snapshot(plan)
    one_line_failure(run(*ADD, "--plan", plan), f"{where}: {reason}")
    assert snapshot(plan) == before
    assert run("check", "--plan", plan).exit_code == (0 if kind == "quarter-is-a-file" else 1)


def permissions_enforced() -> bool:
    """False for root (CAP_DAC_OVERRIDE), who reads and writes regardless of permissions."""
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe"
        probe.write_bytes(b"")
        probe.chmod(0)
        try:
            probe.read_bytes()
        except PermissionError:
            return True
        return False


@pytest.mark.skipif(not permissions_enforced(),
                    reason="permissions are not enforced for this user (root); EACCES on writing is simulated in "
                           "test_a_failed_write_is_one_line_and_leaves_nothing_behind")
def test_permission_denied_on_reading_and_on_writing(plan: Path, run: Run) -> None:
    (plan / "institutions.yaml").chmod(0)
    try:
        assert refused(run, plan, "institutions.yaml") == [
            f"{plan / 'institutions.yaml'}:0:0: [error] cannot read file: Permission denied (unreadable)"]
    finally:
        (plan / "institutions.yaml").chmod(0o644)
    quarter = plan / "progress" / "2009Q2"
    before = snapshot(plan)
    quarter.chmod(0o555)
    try:
        result = run("progress", "add", "I-1.(a).8", "--status", "in_progress", "--date", "2009-06-20",
                     "--by", "ZKKA", "--plan", plan)
    finally:
        quarter.chmod(0o755)
    one_line_failure(result, f"apcli: {quarter / 'zkka.yaml'}: cannot write: Permission denied")
    assert snapshot(plan) == before


# ----------------------------------------------------------------------------- empty and impossible paths


EMPTY_PATHS = {
    "check --plan": ("check", "--plan", "{p}"),
    "check PATH": ("check", "{p}"),
    "overdue --progress": ("overdue", "--progress", "{p}"),
    "fmt PATH": ("fmt", "{p}"),
    "fmt --plan": ("fmt", "--plan", "{p}"),
    "report --out": ("report", "--out", "{p}"),
    "report --template": ("report", "--template", "{p}"),
    "template --out": ("progress", "template", "--quarter", "2009Q2", "--institution", "ZKKA", "--out", "{p}"),
    "import FILE": ("progress", "import", "{p}"),
    "add --progress": (*ADD, "--progress", "{p}"),
    "diff BASE": ("diff", "{p}"),
    "diff HEAD": ("diff", "tests/data/diff/base", "{p}"),
}


@pytest.mark.parametrize("value", ["", "   "], ids=["empty", "blank"])
@pytest.mark.parametrize("args", EMPTY_PATHS.values(), ids=EMPTY_PATHS.keys())
def test_empty_or_blank_paths_are_usage_errors(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               args: tuple[str, ...], value: str) -> None:
    """Before: `fmt ""` reformatted YAML in the working directory, `--progress ""` read all of it,
    and `diff ""` compared ./plan with itself, printed 'No changes' and exited 0."""
    shutil.copytree(MINI_PLAN, tmp_path / "plan")
    shutil.copytree(ROOT / "tests" / "data" / "diff" / "base", tmp_path / "tests" / "data" / "diff" / "base")
    (tmp_path / "stray.yaml").write_bytes(b"a:     1\n")
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    result = run(*[a.format(p=value) for a in args])
    assert result.exit_code == 2, result.stdout + result.stderr
    assert ("empty" if not value else "blank") in result.stderr
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("value, message", [
    ("a" * 100_000, "the path is 100,000 bytes long; the limit is 4,096"),
    ("d/" + "n" * 300, "a name in the path is 300 bytes long; the limit is 255"),
    ("plan\0x", "the path holds a NUL character"),
])
@pytest.mark.parametrize("option", ["--plan", "--progress", "--out"])
def test_impossible_paths_are_usage_errors(run: Run, option: str, value: str, message: str) -> None:
    """Before: OSError 36 (File name too long), a traceback."""
    args = ("report", option, value) if option == "--out" else ("stats", option, value)
    result = run(*args)
    assert result.exit_code == 2 and message in result.stderr
    assert len(result.stderr) < 1000, "the message does not echo the path"


def test_an_unforeseen_file_system_error_is_one_line(run: Run, plan: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file vanishing mid-run, or permission denied where no command expected it."""
    from ap_cli import loader

    def vanished(*args: object, **kwargs: object) -> None:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(plan / "institutions.yaml"))

    monkeypatch.setattr(loader, "load_plan", vanished)
    one_line_failure(run("overdue", "--plan", plan), f"apcli: {plan / 'institutions.yaml'}: No such file or directory")


def test_a_file_vanishing_before_fmt_reads_it(plan: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    from ap_cli import formatting

    listed = [*formatting.plan_files(plan), plan / "gone.yaml"]
    monkeypatch.setattr(formatting, "plan_files", lambda root: listed)
    result = run("fmt", "--plan", plan)
    assert result.exit_code == 1
    assert (f"{plan / 'gone.yaml'}:0:0: [error] cannot read file: No such file or directory (unreadable)"
            in result.stderr)


def test_writing_commands_never_change_the_bundled_plan(run: Run, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from a folder without ./plan, `progress add` and `fmt` used to edit the plan shipped
    with apcli (site-packages, or the source checkout)."""
    from ap_cli.loader import bundled_plan_dir

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("APCLI_PLAN", raising=False)
    before = snapshot(bundled_plan_dir())
    one_line_failure(run("progress", "add", "I-1.(a).1", "--status", "in_progress", "--date", "2009-08-20"),
                     "the plan bundled with apcli is read-only", code=2)
    one_line_failure(run("fmt"), "the plan bundled with apcli is read-only", code=2)
    assert run("fmt", "--check").exit_code in (0, 1)
    assert snapshot(bundled_plan_dir()) == before


# ----------------------------------------------------------------------------- imports


@pytest.mark.parametrize("source", ["/dev/zero", "fifo", "directory"])
def test_import_reads_only_regular_files(plan: Path, run: Run, tmp_path: Path, source: str) -> None:
    """Before: /dev/zero was read until MemoryError; a FIFO blocked forever."""
    path = Path(source) if source.startswith("/") else tmp_path / "in.csv"
    if not source.startswith("/"):
        special(source, path)
    result = run("progress", "import", path, "--plan", plan)
    assert result.exit_code == 1
    reason = "Is a directory" if source == "directory" else "not a regular file"
    assert f"{path}:0:0: [error] cannot read file: {reason} (unreadable)" in result.stderr


def test_import_is_capped_in_size_rows_and_errors_shown(plan: Path, run: Run, tmp_path: Path) -> None:
    from ap_cli.progress import MAX_ROWS

    big = tmp_path / "big.csv"
    with open(big, "wb") as f:
        f.write(b"ref,status,date\n")
        f.truncate(MAX_FILE_BYTES + 10)
    result = run("progress", "import", big, "--plan", plan)
    assert result.exit_code == 1
    assert (f"[error] file is {MAX_FILE_BYTES + 10:,} bytes; the limit is {MAX_FILE_BYTES:,} (file-too-large)"
            in result.stderr)

    many = tmp_path / "many.csv"
    many.write_text("ref,status,date\n" + "I-1.(a).1,in_progress,2009-06-01\n" * (MAX_ROWS + 5), encoding="utf-8")
    result = run("progress", "import", many, "--plan", plan)
    assert result.exit_code == 1
    assert f"{many}:{MAX_ROWS + 2}:1: [error] more than {MAX_ROWS:,} rows" in result.stderr

    bad = tmp_path / "bad.csv"
    bad.write_text("ref,status,date\n" + "I-1.(a).1,bogus,2009-06-01\n" * 400, encoding="utf-8")
    result = run("progress", "import", bad, "--plan", plan)
    lines = result.stderr.splitlines()
    assert result.exit_code == 1 and len(lines) == 102, lines[-3:]
    assert lines[-2] == "… and 300 more" and lines[-1] == f"apcli: 400 bad row(s) or entries in {bad}; nothing written"


def test_import_of_an_unclosed_quote_is_located(plan: Path, run: Run, tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    path.write_text('ref,status,date,note\nI-1.(a).1,in_progress,2009-06-01,"never closed\n' + "x" * 200_000 + "\n",
                    encoding="utf-8")
    result = run("progress", "import", path, "--plan", plan)
    assert result.exit_code == 1
    assert (f"{path}:2:1: [error] cannot read the CSV from here: a cell is longer than 131,072 characters"
            in result.stderr)


# ----------------------------------------------------------------------------- diff against git


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-c", "user.email=t@example.org", "-c", "user.name=t", *args], cwd=repo,
                          check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    require_tool("git", "apt-get install git")
    repo = tmp_path / "repo"
    shutil.copytree(MINI_PLAN, repo / "plan")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "one")
    return repo


def test_diff_with_a_missing_git_object_is_a_clear_error(repo: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: IndexError from the `<sha> missing` line of `git cat-file --batch`."""
    sha = git(repo, "rev-parse", f"HEAD:plan/{PILLAR}").stdout.decode().strip()
    (repo / ".git" / "objects" / sha[:2] / sha[2:]).unlink()
    monkeypatch.chdir(repo)
    one_line_failure(run("diff", "HEAD"), f"git object {sha} (plan/{PILLAR} at ", "is missing from the repository")


def test_diff_refuses_an_oversized_blob_without_reading_it(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: the blob was read whole into memory (a 400 MB one took 820 MB); now it is refused
    at the working tree's cap, located like it, and never read."""
    import ap_cli

    size = 100 * 1024 * 1024
    with open(repo / "plan" / PILLAR, "wb") as f:
        for _ in range(size // (1024 * 1024)):
            f.write(b"#" * (1024 * 1024))
    git(repo, "commit", "-qam", "huge")
    git(repo, "checkout", "-q", "HEAD~1", "--", f"plan/{PILLAR}")
    # The peak of this process alone: VmHWM (ru_maxrss would count the forking parent's pages).
    code = ("import re; from typer.testing import CliRunner; from ap_cli.cli import app; "
            "r = CliRunner().invoke(app, ['diff', 'HEAD']); "
            "s = open('/proc/self/status').read() if __import__('os').path.exists('/proc/self/status') else ''; "
            "m = re.search(r'VmHWM:\\s*(\\d+) kB', s); print(r.exit_code, int(m.group(1)) // 1024 if m else 0); "
            "print(r.stderr)")
    done = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(Path(ap_cli.__file__).parent.parent)})
    first, _, stderr = done.stdout.partition("\n")
    exit_code, peak_mb = map(int, first.split())
    assert exit_code == 1 and "Traceback" not in stderr, done.stdout + done.stderr
    assert (f"HEAD:plan/{PILLAR}:0:0: [error] file is {size:,} bytes; the limit is "
            f"{MAX_FILE_BYTES:,} (file-too-large)") in stderr
    assert peak_mb < 150, f"peak memory {peak_mb} MB for a {size // 2**20} MB blob"


# ----------------------------------------------------------------------------- write errors


FAILURES = {
    "ENOSPC": (os, "fsync", errno.ENOSPC, "No space left on device"),
    "EROFS": (os, "replace", errno.EROFS, "Read-only file system"),
    "EACCES": (tempfile, "mkstemp", errno.EACCES, "Permission denied"),
}
WRITERS = {
    "template": (("progress", "template", "--quarter", "2009Q2", "--institution", "ZKKA", "--plan", "{plan}",
                  "--out", "{out}", "--force"), "{out}"),
    "report": (("report", "--as-of", "2009-06", "--plan", "{plan}", "--out", "{out}"), "{out}"),
    "report-per-institution": (("report", "--as-of", "2009-06", "--plan", "{plan}", "--out", "{dir}",
                                "--per-institution"), "{dir}/"),
    "fmt": (("fmt", "{plan}/{pillar}"), "{plan}/{pillar}"),
    "progress-add": ((*ADD, "--plan", "{plan}"), "{plan}/progress/2009Q3/zkka.yaml"),
}


@pytest.mark.parametrize("failure", FAILURES)
@pytest.mark.parametrize("writer", WRITERS)
def test_a_failed_write_is_one_line_and_leaves_nothing_behind(plan: Path, run: Run, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch, writer: str,
                                                              failure: str) -> None:
    """Before: ENOSPC, EROFS were tracebacks in `template --out` and `fmt`; `report` said
    'cannot write None'."""
    (plan / PILLAR).write_bytes(CLEAN.replace(b"\n", b"   \n"))  # so that fmt has something to write
    out_dir = tmp_path / "reports"
    out_dir.mkdir()
    out = out_dir / "form.yaml"
    out.write_bytes(b"old\n")
    args, where = WRITERS[writer]
    fill = {"plan": plan, "out": out, "dir": out_dir, "pillar": PILLAR}
    module, name, code, reason = FAILURES[failure]
    real = getattr(module, name)

    def broken(*a: object, **k: object) -> None:
        raise OSError(code, reason)

    monkeypatch.setattr(module, name, broken)
    before = snapshot(tmp_path)
    result = run(*[a.format(**fill) for a in args])
    monkeypatch.setattr(module, name, real)
    stderr = one_line_failure(result, f"apcli: {where.format(**fill)}", f"cannot write: {reason}")
    assert len(stderr.strip().splitlines()) <= 2  # fmt's summary of refused files may precede it
    assert snapshot(tmp_path) == before  # nothing partial, no temporary file


def test_long_file_names_get_a_temporary_name_that_fits(tmp_path: Path) -> None:
    """Before: the temporary name was the target's plus 14 characters: past NAME_MAX."""
    path = tmp_path / ("r" * 250 + ".md")
    edit.write_atomic(path, b"x\n")
    assert path.read_bytes() == b"x\n" and [p.name for p in tmp_path.iterdir()] == [path.name]
# ----------------------------------------------------------------------------- bounded values (issue 14)

DEADLINE = b'deadline: "Deri n\xc3\xab fund t\xc3\xab 2009"'  # line 22, its value at column 23


def with_deadline(phrase: bytes) -> bytes:
    assert DEADLINE in CLEAN
    return CLEAN.replace(DEADLINE, b"deadline: " + phrase)


@pytest.mark.parametrize("phrase, code", [
    (b'"qershor 0000"', "year-out-of-range"),
    (b'"0000"', "year-out-of-range"),
    (b'"Fundi i 0000"', "year-out-of-range"),
    (b'"9999"', "year-out-of-range"),
    (b'"Fundi i 2008 \xe2\x80\x93 fillimi i 10000"', "unparsed-deadline"),
    ('"qershor ٢٠٠٩"'.encode(), "unparsed-deadline"),  # Arabic-Indic digits
    ('"qershor ２００９"'.encode(), "unparsed-deadline"),  # full-width digits
])
def test_deadline_years_are_bounded_and_ascii(plan: Path, run: Run, phrase: bytes, code: str) -> None:
    """Years outside 1900–2199 and digits other than 0-9 are refused by `check`, so queries and
    reports never meet a date Python cannot hold (`qershor 0000`, `9999` crashed overdue/report)."""
    (plan / PILLAR).write_bytes(with_deadline(phrase))
    errors = refused(run, plan)
    assert errors[0].startswith(f"{plan / PILLAR}:22:23: [error] II-1.(a).1.1: ") and errors[0].endswith(f"({code})")
    for command in (["overdue", "--as-of", "2009-06"], ["report", "--as-of", "2009-06"], ["upcoming"]):
        result = run(*command, "--plan", plan)
        assert result.exit_code == 1 and "the plan has errors" in result.stderr


@pytest.mark.parametrize("field, value", [
    ("due", '"0000-06"'), ("due", '"9999"'), ("due", '"2200Q1"'), ("due", '"٢٠٠٩"'), ("due", '"１９９９"'),
])
def test_due_overrides_are_bounded_and_ascii(plan: Path, run: Run, field: str, value: str) -> None:
    (plan / PILLAR).write_bytes(CLEAN.replace(DEADLINE, DEADLINE + f"\n            {field}: {value}".encode()))
    errors = refused(run, plan)
    assert errors[0].startswith(f"{plan / PILLAR}:23:18: [error] ") and errors[0].endswith("(invalid-value)"), errors


@pytest.mark.parametrize("text, expected", [
    ('{start: "0000-01", end: "2010-12"}', "1900–2199"), ('{start: "2008-01", end: "9999-12"}', "1900–2199"),
    ('{start: "٢٠٠٨-01", end: "2010-12"}', "is not a month like 2008-01"),
])
def test_plan_period_is_bounded(plan: Path, run: Run, text: str, expected: str) -> None:
    meta = (plan / "plan.yaml").read_text(encoding="utf-8")
    (plan / "plan.yaml").write_text(meta.replace('{start: "2008-01", end: "2010-12"}', text), encoding="utf-8")
    errors = refused(run, plan, "plan.yaml")
    assert errors and errors[0].endswith("(invalid-value)") and expected in errors[0], errors


def test_progress_dates_are_bounded(plan: Path, run: Run) -> None:
    log = plan / "progress" / "2009Q2" / "demo.yaml"
    log.write_text(log.read_text(encoding="utf-8").replace('"2008-12-31"', '"0001-12-31"'), encoding="utf-8")
    errors = refused(run, plan, "progress/2009Q2/demo.yaml")
    assert errors == [f"{log}:3:9: [error] I-1.(a).3 entry: date: year 0001 is outside the years apcli reads "
                      "(1900–2199) (invalid-value)"]


@pytest.mark.parametrize("args, message", [
    (["deadline", "qershor 0000"], "year 0000 is outside the years apcli reads (1900–2199)"),
    (["deadline", "0000"], "year 0000 is outside"),
    (["deadline", "Fundi i 0000"], "year 0000 is outside"),
    (["deadline", "9999"], "year 9999 is outside"),
    (["deadline", "qershor ٢٠٠٩"], "write numbers with the digits 0-9"),
    (["upcoming", "--as-of", "9999-11"], "year 9999 is outside"),
    (["overdue", "--as-of", "0000"], "year 0000 is outside"),
    (["overdue", "--as-of", "1899-12-31"], "year 1899 is outside"),
    (["overdue", "--as-of", "١٩٩٩"], "cannot read as-of '١٩٩٩'"),
    (["overdue", "--as-of", "２００９"], "cannot read as-of"),
    (["upcoming", "--within", "9999y"], "at most 100 years"),
    (["upcoming", "--within", "99999999999999999999m"], "at most 100 years"),
    (["upcoming", "--within", "1201m"], "at most 100 years"),
    (["upcoming", "--within", "٣m"], "cannot read horizon"),
    (["progress", "add", "I-1.(a).1", "--status", "in_progress", "--date", "0001-01-01"], "cannot read date"),
    (["progress", "add", "I-1.(a).1", "--status", "in_progress", "--date", "٢٠٠٩-06-01"], "cannot read date"),
    (["progress", "template", "--quarter", "0000Q1", "--institution", "ZKKA"], "year 0000 is outside"),
    (["progress", "template", "--quarter", "9999Q4", "--institution", "ZKKA"], "year 9999 is outside"),
])
def test_command_line_years_are_bounded(plan: Path, run: Run, args: list[str], message: str) -> None:
    """Each of these crashed (`year 0 is out of range`, an OverflowError) or read ١٩٩٩ as 1999."""
    result = run(*args, "--plan", plan)
    assert result.exit_code in (1, 2), result.stdout
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_the_last_year_still_works(plan: Path, run: Run) -> None:
    """At the bounds, every query still answers: the horizon's end (2299) stays a date."""
    for args in (["upcoming", "--as-of", "2199-12", "--within", "100y"], ["overdue", "--as-of", "1900"],
                 ["report", "--as-of", "2199-12"], ["stats", "--as-of", "2199"]):
        result = run(*args, "--plan", plan)
        assert result.exit_code == 0, (args, result.stderr)


# ----------------------------------------------------------------------------- long input

@pytest.mark.parametrize("phrase", [
    b'"' + b"Fundi i 2008 - " * 6_000 + b'2009"',  # 90,000 characters on one line (the line cap)
    b'"' + b"2009 -\n  " * 500_000 + b'2009"',  # 4.5 MB over 500,000 lines (0.5 MB took 4.8 s, 2 MB 57 s)
], ids=["one-line", "many-lines"])
def test_long_deadline_phrase_is_refused_quickly(plan: Path, run: Run, phrase: bytes) -> None:
    """A phrase is at most MAX_PHRASE characters: refused at once, quoting a short excerpt."""
    from ap_cli.periods import MAX_PHRASE

    (plan / PILLAR).write_bytes(with_deadline(phrase))
    errors = refused(run, plan)
    assert errors[0].startswith(f"{plan / PILLAR}:22:23: [error] II-1.(a).1.1: deadline phrase of ")
    assert f"the limit is {MAX_PHRASE}" in errors[0] and errors[0].endswith("(deadline-too-long)")


def test_phrase_at_the_cap_is_read(plan: Path, run: Run) -> None:
    from ap_cli.periods import MAX_PHRASE

    phrase = "Deri në fund të 2009" + " " * (MAX_PHRASE - 20)
    assert len(phrase) == MAX_PHRASE
    (plan / PILLAR).write_bytes(with_deadline(f'"{phrase}"'.encode()))
    assert run("check", "--plan", plan).exit_code == 0


def test_worst_case_16_mib_plan_is_checked_in_seconds(plan: Path, run: Run) -> None:
    """A pillar file at the size cap holding ~50,000 distinct phrases of MAX_PHRASE characters, each
    built to make the grammar work (separators, years, recurring and ongoing words), none readable."""
    import random

    from ap_cli.periods import MAX_PHRASE

    rng = random.Random(1)
    words = ["2009", "-", " - ", " – ", "deri", "në", "fund", "të", "qershor", "çdo", "viti", "dhe", "vazhdim",
             "e", "mesi", "fillimi", "tremujori", "parë", "gjysma", "nga", "duke filluar", "pasardhës", "vitit",
             "-ës", "by", "to", "until", "mars"]
    out = [HEAD, b'goals:\n  - id: "1"\n    title: x\n    objectives:\n      - id: "1.(a)"\n        title: y\n'
                 b"        activities:\n"]
    size, n = 0, 0
    while True:
        phrase = (" ".join(rng.choice(words) for _ in range(60)) + f" {n}")[-MAX_PHRASE:]
        item = f'          - id: "1.(a).{n + 1}"\n            title: t\n            deadline: "{phrase}"\n'.encode()
        if size + len(item) > MAX_FILE_BYTES - 1000 or n == 49_000:  # values and size both near their caps
            break
        out.append(item)
        size, n = size + len(item), n + 1
    (plan / PILLAR).write_bytes(b"".join(out))
    cpu = time.process_time()
    result = run("check", "--plan", plan)
    cpu = time.process_time() - cpu
    assert result.exit_code == 1 and "Traceback" not in result.stdout
    assert result.stdout.count("(unparsed-deadline)") + result.stdout.count("(year-out-of-range)") >= n // 2
    assert cpu < 30, f"{cpu:.1f} s of CPU"  # about 7 s on a shared 2-vCPU VM; unbounded, a 16 MiB phrase took an hour


LONG = 90_000  # under the line cap


@pytest.mark.parametrize("entry", [
    b'see: ["a' + b" " * LONG + b'x"]',  # a ref of spaces: backtracked for minutes (split_ref)
    b'see: ["II' + b" " * LONG + b'-"]',
    b'see: ["' + b"ab " * (LONG // 3) + b'1"]',
    b'resources: ["' + b"X" * LONG + b'"]',
    b'? "' + b"k" * LONG + b'"\n            : 1',  # an explicit key: an implicit one stops at 1,024
    b'due: "' + b"2" * LONG + b'"',
], ids=["ref-of-spaces", "ref-pillar-spaces", "ref-of-words", "long-body", "long-key", "long-due"])
def test_very_long_single_tokens_are_refused_quickly_and_briefly(plan: Path, run: Run, entry: bytes) -> None:
    """Every value a message quotes is cut to a short excerpt; no reading is worse than linear."""
    (plan / PILLAR).write_bytes(CLEAN.replace(DEADLINE, DEADLINE + b"\n            " + entry))
    errors = refused(run, plan)
    assert errors and all(len(line) < 1000 for line in errors), max(map(len, errors))


def test_long_ref_on_the_command_line(plan: Path, run: Run) -> None:
    cpu = time.process_time()
    result = run("show", "a" + " " * LONG + "x", "--plan", plan)
    assert result.exit_code == 2 and len(result.stderr) < 400
    assert time.process_time() - cpu < 1.0


# ----------------------------------------------------------------------------- arguments that are not text

TEXT_OPTIONS = [  # (arguments before the bad value, the option or argument the error must name)
    (["progress", "add", "I-1.(a).1", "--status", "in_progress", "--date", "2009-06-01", "--note"], "'--note'"),
    (["progress", "add", "I-1.(a).1", "--status", "completed", "--date", "2009-06-01", "--evidence"], "'--evidence'"),
    (["progress", "add", "I-1.(a).1", "--status", "in_progress", "--date", "2009-06-01", "--by"], "'--by'"),
    (["progress", "add", "I-1.(a).1", "--date", "2009-06-01", "--status"], "'--status'"),
    (["progress", "add", "I-1.(a).1", "--status", "in_progress", "--date"], "'--date'"),
    (["progress", "add", "I-1.(a).1", "--status", "in_progress", "--date", "2009-06-01", "--completion"],
     "'--completion'"),
    (["progress", "add", "--status", "in_progress", "--date", "2009-06-01", "--"], "'ref'"),
    (["progress", "template", "--institution", "ZKKA", "--quarter"], "'--quarter'"),
    (["progress", "template", "--quarter", "2009Q2", "--institution"], "'--institution'"),
    (["deadline"], "'phrase'"),
    (["show"], "'ref'"),
    (["list", "--search"], "'--search'"),
    (["list", "--status"], "'--status'"),
    (["overdue", "--institution"], "'--institution'"),
    (["overdue", "--as-of"], "'--as-of'"),
    (["overdue", "--pillar"], "'--pillar'"),
    (["upcoming", "--within"], "'--within'"),
    (["by-institution", "--role", "lead", "--"], "'name'"),
    (["report", "--lang"], "'--lang'"),
    (["check", "--format"], "'--format'"),
    (["diff", "--"], "'base'"),
    (["diff", "--fail-on", "any", "--"], "'base'"),
]


@pytest.mark.parametrize("bad", ["\udcff", "ok\udce9x", "a\x00b"], ids=["invalid-utf8", "latin1-byte", "nul"])
@pytest.mark.parametrize("before, name", TEXT_OPTIONS, ids=[" ".join(a[:2]) + " " + n for a, n in TEXT_OPTIONS])
def test_text_arguments_must_be_text(plan: Path, run: Run, before: list[str], name: str, bad: str) -> None:
    """`--note $'\\xff'` gave a pydantic traceback: every text argument that is not UTF-8 (the shell
    hands it on as a surrogate escape) or holds a NUL is a usage error naming it, before any work."""
    cut = 2 if before[0] == "progress" else 1  # --plan belongs to the (sub)command
    result = run(*before[:cut], "--plan", plan, *before[cut:], bad)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert f"Invalid value for {name}" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "\udcff" not in result.stderr
    assert not (plan / "progress" / "2009Q2" / "mpcsshb.yaml").exists()


def test_paths_may_be_any_bytes_but_nul(plan: Path, run: Run, tmp_path: Path) -> None:
    """A file name need not be UTF-8: a plan directory named with byte 0xff works; NUL is refused."""
    odd = tmp_path / "plan\udcff"
    try:
        plan.rename(odd)
    except (UnicodeEncodeError, OSError):
        pytest.skip("this file system refuses the name")
    result = run("check", "--plan", odd)
    assert result.exit_code == 0, result.stdout
    result = run("check", "--plan", "plan\x00x")
    assert result.exit_code == 2 and "Invalid value for '--plan'" in result.stderr


# ----------------------------------------------------------------------------- YAML escapes

def test_surrogate_pair_escape_is_one_character(plan: Path, run: Run) -> None:
    """"\\ud83d\\ude00" is valid YAML (JSON writes 😀 so): one character; positions after it stay exact.
    In plain or single-quoted text, and in comments, the same letters are only letters."""
    text = CLEAN.replace(b'title: "Trajnimi i stafit"',
                         b'title: "Trajnimi \\ud83d\\ude00 \\uD83D\\uDE01"\n'
                         b"            notes: ['\\ud83d\\ude00', \\ud83d\\ude00 x, \"\\\\ud83d\", \"\\ud83d\\ude00\"]"
                         b"  # \\ud83d\\ude00")
    (plan / PILLAR).write_bytes(text)
    rows = {row["ref"]: row for row in export(run, plan)}
    assert rows["II-1.(a).1.1"]["title"] == "Trajnimi 😀 😁"
    shown = json.loads(run("show", "II-1.(a).1.1", "--format", "json", "--plan", plan).stdout)
    assert shown["notes"] == ["\\ud83d\\ude00", "\\ud83d\\ude00 x", "\\ud83d", "😀"]
    # a number where text belongs, after the rewritten pairs: reported at its column in the file
    (plan / PILLAR).write_bytes(text.replace(b'"]  #', b'", 5]  #'))
    errors = refused(run, plan)
    assert errors[0].startswith(f"{plan / PILLAR}:21:80: [error] "), errors


@pytest.mark.parametrize("escape, col", [  # the column of the bad escape's hex digits, as libyaml points
    (b'"\\ud83d"', 26), (b'"\\ude00\\ud83d"', 26), (b'"ok \\ud83d x"', 29), (b'"\\ud83d\\ude00 \\ud83d"', 39),
], ids=["high-alone", "reversed", "high-in-text", "after-a-pair"])
def test_lone_surrogate_escape_stays_an_error(plan: Path, run: Run, escape: bytes, col: int) -> None:
    (plan / PILLAR).write_bytes(with_deadline(escape))
    errors = refused(run, plan)
    assert errors[0].startswith(f"{plan / PILLAR}:22:{col}: [error] ") and errors[0].endswith("(yaml-syntax)"), errors
    assert "surrogate" in errors[0].split(" [error] ")[1]


# ----------------------------------------------------------------------------- trojan source

def test_check_flags_bidi_and_invisible_characters(plan: Path, run: Run) -> None:
    """Bidi controls and invisible characters are warnings at their own line:col, comments too,
    as compilers flag "trojan source"; --strict fails on them."""
    text = CLEAN.replace(b'title: "Trajnimi i stafit"',
                         'title: "Trajnimi i \u202estafit\u2066"  # ZKKA\u200b \u00ad'.encode())
    text = text.replace(b"pillar: II\n", 'pillar: II\nnotes: ["a\u2028b", "\U000e0041"]\n'.encode())
    (plan / PILLAR).write_bytes(text)
    result = run("check", "--plan", plan)
    assert result.exit_code == 0, result.stdout
    found = [line for line in result.stdout.splitlines() if line.startswith(str(plan / PILLAR))]
    assert [[*line.split(" [warning] ")[0].rsplit(":", 3)[1:3], line.rsplit("(", 1)[1]] for line in found] == [
        ["3", "11", "invisible-character)"],  # U+2028 (a line break to YAML: the next line is 4)
        ["4", "6", "invisible-character)"],  # a tag character
        ["22", "32", "bidi-control)"], ["22", "39", "bidi-control)"],  # the title, line 20 before
        ["22", "49", "invisible-character)"], ["22", "51", "invisible-character)"]]
    assert "U+202E (RIGHT-TO-LEFT OVERRIDE)" in found[2]
    assert all("\u202e" not in line and "\u200b" not in line for line in result.stdout.splitlines())
    assert run("check", "--strict", "--plan", plan).exit_code == 1


def test_many_invisible_characters_are_summed_up(plan: Path, run: Run) -> None:
    from ap_cli.source import MAX_HIDDEN_REPORTS

    (plan / PILLAR).write_bytes(CLEAN + ("# " + "\u200b" * 50_000 + "\n").encode() * 2)
    cpu = time.process_time()
    result = run("check", "--plan", plan)
    assert time.process_time() - cpu < 1.0
    found = [line for line in result.stdout.splitlines() if line.endswith("(invisible-character)")]
    assert len(found) == MAX_HIDDEN_REPORTS + 1
    assert found[-1].endswith(f"{100_000 - MAX_HIDDEN_REPORTS:,} more bidi or invisible characters from here on "
                              "(invisible-character)")
