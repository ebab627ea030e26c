"""Hostile input through the CLI: each case replaces one file of the fixture plan and must be
refused by `apcli check` with its exact line:col and code, exit 1, within a second, with no
traceback. Sloppy but valid files (BOM, CRLF, trailing spaces) must read exactly like clean ones.

The inputs are built here, next to their expectations; the limits come from `ap_cli.source`,
so the cases follow if a limit changes.
"""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest

from ap_cli.source import MAX_DEPTH, MAX_FILE_BYTES, MAX_LINE_CHARS, MAX_NODES
from conftest import MINI_PLAN

PILLAR = "2-mbrojtja.yaml"
CLEAN = (MINI_PLAN / PILLAR).read_bytes()
HEAD = b"pillar: II\ntitle: MBROJTJA\ntitle_en: Protection\n"  # a valid start; line 4 comes next


def nested_block(levels: int) -> bytes:
    return b"".join(b"  " * i + b"k:\n" for i in range(levels)) + b"  " * levels + b"x\n"


def billion_laughs() -> bytes:
    lines = [b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
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
def plan(tmp_path):
    target = tmp_path / "plan"
    shutil.copytree(MINI_PLAN, target)
    return target


def refused(run, plan, name=PILLAR):
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
def test_refused_with_exact_position(plan, run, content, line, col, code):
    (plan / PILLAR).write_bytes(content)
    errors = refused(run, plan)
    assert errors, "no error reported for the replaced file"
    assert errors[0].startswith(f"{plan / PILLAR}:{line}:{col}: [error] "), errors[0][:300]
    assert errors[0].endswith(f"({code})"), errors[0][:300]
    assert len(errors[0]) < 400, "messages quote at most a short excerpt of the input"


def test_file_over_the_size_cap(plan, run):
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


def test_file_at_the_size_cap_is_read(plan, run):
    line = b"# " + b"x" * 77 + b"\n"
    with open(plan / PILLAR, "wb") as f:
        f.write(CLEAN)
        f.write(line * ((MAX_FILE_BYTES - len(CLEAN)) // len(line)))
        f.write(b"#" * (MAX_FILE_BYTES - f.tell() - 1) + b"\n")
    assert os.path.getsize(plan / PILLAR) == MAX_FILE_BYTES
    result = run("check", "--plan", plan)
    assert result.exit_code == 0, result.stdout


def test_longest_line_and_most_values_allowed_are_read(plan, run):
    longest = '    title: "' + "ë" * (MAX_LINE_CHARS - len('    title: ""')) + '"'
    assert len(longest) == MAX_LINE_CHARS
    text = CLEAN.decode().replace('    title: "Mbrojtja e viktimave"', longest)
    (plan / PILLAR).write_text(text, encoding="utf-8")
    assert run("check", "--plan", plan).exit_code == 0
    # the mapping, 3 values in HEAD, the list under `extra` and its items: MAX_NODES in all
    (plan / PILLAR).write_bytes(HEAD + b"extra:\n" + b"  - 1\n" * (MAX_NODES - 5))
    result = run("check", "--plan", plan)
    assert f"{plan / PILLAR}:4:1: [error] unknown field 'extra' at extra (unknown-field)" in result.stdout


def test_no_object_is_ever_constructed(plan, run, tmp_path):
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
def test_pillar_files_stay_inside_the_plan(plan, run, listed, how):
    (plan / "link.yaml").symlink_to("/etc/hostname")
    text = (plan / "plan.yaml").read_text().replace("  - 2-mbrojtja.yaml", f"  - {listed}")
    (plan / "plan.yaml").write_text(text)
    errors = refused(run, plan, "plan.yaml")
    assert errors == [f"{plan / 'plan.yaml'}:11:5: [error] pillar file {listed!r} {how} the plan directory "
                      "(outside-plan)"]


def test_symlinked_progress_file_to_outside_is_not_read(plan, run):
    (plan / "progress" / "secrets.yaml").symlink_to("/etc/hostname")
    errors = refused(run, plan, "progress/secrets.yaml")
    assert errors == [f"{plan / 'progress' / 'secrets.yaml'}:0:0: [error] links to a file outside "
                      f"{plan / 'progress'} (outside-plan)"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_or_device_is_not_waited_on(plan, run):
    (plan / "institutions.yaml").unlink()
    os.mkfifo(plan / "institutions.yaml")
    errors = refused(run, plan, "institutions.yaml")
    assert errors == [f"{plan / 'institutions.yaml'}:0:0: [error] cannot read file: not a regular file (unreadable)"]


# ----------------------------------------------------------------------------- sloppy but valid


def export(run, plan) -> list:
    result = run("export", "--format", "json", "--plan", plan)
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


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
def test_sloppy_but_valid_reads_the_same(plan, run, damage):
    expected = export(run, plan)
    for name in ("plan.yaml", "institutions.yaml", "1-provat.yaml", PILLAR):
        (plan / name).write_bytes(damage((plan / name).read_bytes()))
    assert run("check", "--plan", plan).exit_code == 0
    assert export(run, plan) == expected


@pytest.mark.parametrize("damage", SLOPPY.values(), ids=SLOPPY.keys())
def test_sloppy_files_report_the_same_positions(plan, run, damage):
    broken = CLEAN.replace(b"deadline: \"Deri n\xc3\xab fund t\xc3\xab 2009\"", b"deadline: \"korrik\"")
    (plan / PILLAR).write_bytes(broken)
    expected = refused(run, plan)
    (plan / PILLAR).write_bytes(damage(broken))
    assert refused(run, plan) == expected
    assert expected[0].startswith(f"{plan / PILLAR}:22:23: [error] II-1.(a).1.1: cannot read deadline 'korrik'")
