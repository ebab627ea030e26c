"""edit.py: appended entries leave every existing byte alone; writes are atomic."""

from __future__ import annotations

import difflib
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ap_cli import edit
from ap_cli.source import parse_text

ENTRY = {"ref": "I-1.(a).2", "date": "2009-06-20", "status": "in_progress", "completion": "limited",
         "evidence": None, "by": "MPÇSSHB", "note": 'Raport "i brendshëm": #2 \\ ok'}

# Comments, blank lines, odd quoting and spacing that a round trip through a YAML library
# would normalise away.
ODD = """\
# yaml-language-server: $schema=../../../schema/apcli.schema.json
# Raportet e ZKKA-së   (trailing spaces kept)   

- ref:   'I-1.(a).3'      # single-quoted, padded
  date: 2008-12-31
  status: "completed"
  evidence: >-
    Raport i ZKKA-së,
    datë 31.12.2008


# a comment between entries
-   ref: I-1.(a).4
    date: "2009-04-15"
    status: completed
    evidence: 'VKM nr. 1'   # trailing comment
# the last line is a comment
"""


def only_added_lines(old: bytes, new: bytes) -> list[str]:
    """The diff of old → new; fails if any existing line was changed or removed."""
    diff = list(difflib.unified_diff(old.decode().splitlines(True), new.decode().splitlines(True), n=0))
    changed = [line for line in diff[2:] if not line.startswith("@@")]
    assert all(line.startswith("+") for line in changed), "".join(diff)
    return [line[1:] for line in changed]


def test_append_keeps_every_existing_byte(tmp_path: Path) -> None:
    path = tmp_path / "zkka.yaml"
    path.write_bytes(ODD.encode())
    new = edit.append_entries(path, [ENTRY])
    assert new.startswith(ODD.encode())
    added = only_added_lines(ODD.encode(), new)
    assert "".join(added) == (
        "- ref: I-1.(a).2\n"
        '  date: "2009-06-20"\n'
        "  status: in_progress\n"
        "  completion: limited\n"
        "  by: MPÇSSHB\n"
        '  note: "Raport \\"i brendshëm\\": #2 \\\\ ok"\n')
    data = parse_text(new.decode())
    assert len(data) == 3 and data[2]["note"] == ENTRY["note"] and data[0]["ref"] == "I-1.(a).3"
    assert path.read_bytes() == ODD.encode()  # append_entries only computes


def test_append_follows_indented_list_crlf_and_missing_final_newline(tmp_path: Path) -> None:
    old = b"# c\r\n  - ref: I-1.(a).3\r\n    date: '2008-12-31'\r\n    status: cancelled"
    path = tmp_path / "x.yaml"
    path.write_bytes(old)
    new = edit.append_entries(path, [ENTRY])
    assert new.startswith(old + b"\r\n")
    assert b"\r\n  - ref: I-1.(a).2\r\n    date: \"2009-06-20\"\r\n" in new
    assert b"\n" not in new.replace(b"\r\n", b"")
    assert [e["ref"] for e in parse_text(new.decode())] == ["I-1.(a).3", "I-1.(a).2"]


def test_append_to_missing_and_comment_only_files(tmp_path: Path) -> None:
    header = edit.modeline("../../schema/apcli.schema.json")
    new = edit.append_entries(tmp_path / "new.yaml", [ENTRY], header)
    assert new.decode().startswith("# yaml-language-server: $schema=../../schema/apcli.schema.json\n- ref: ")
    only_comments = tmp_path / "c.yaml"
    only_comments.write_text("# nothing reported yet\n", encoding="utf-8")
    assert edit.append_entries(only_comments, [ENTRY]).startswith(b"# nothing reported yet\n- ref: I-1.(a).2\n")


def test_append_keeps_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf- ref: I-1.(a).3\n  date: '2008-12-31'\n  status: cancelled\n")
    new = edit.append_entries(path, [ENTRY])
    assert new.startswith(path.read_bytes()) and new.count(b"- ref:") == 2


@pytest.mark.parametrize("text, message", [
    ("ref: I-1.(a).3\n", "expected a list"),
    ("[]\n", "flow list"),
    ("[{ref: I-1.(a).3, date: '2008-12-31', status: cancelled}]\n", "flow list"),
    ("- ref: [unclosed\n", "fix the file first"),
    ("- ref: I-1.(a).3\n...\n", "would not read back"),
])
def test_append_refuses_files_it_cannot_extend_safely(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(edit.EditError, match=message):
        edit.append_entries(path, [ENTRY])
    assert path.read_text(encoding="utf-8") == text


def test_append_refuses_when_the_text_would_not_read_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("- ref: I-1.(a).3\n  date: '2008-12-31'\n  status: cancelled\n", encoding="utf-8")
    # Whatever goes wrong in rendering, the read-back comparison catches it.
    monkeypatch.setattr(edit, "render_entry", lambda entry, indent=0, newline="\n": "  note: x\n")
    with pytest.raises(edit.EditError, match="would not read back"):
        edit.append_entries(path, [ENTRY])


@pytest.mark.parametrize("value", ["I-1.(a).1", "MPÇSSHB", "AKADEMIA-POLICISE", "yes", "ON", "null", "~", "",
                                   "123", "0x1F", "2009-06-20", "a: b", "a #b", "- x", "'q'", '"q"', "x\ny",
                                   " lead", "trail ", "tab\there", "\u2028", "😀", "\\", "{a}", "[a]",
                                   "&anchor", "*alias", "!tag", "%x", "@x", "`x", "|", ">", "?", ":"])
def test_scalars_read_back_as_the_same_text(value: str) -> None:
    assert parse_text(f"k: {edit.scalar(value)}\n")["k"] == value


# Control characters other than tab and newline are refused by the reader even when escaped
# (progress.check_draft refuses them before anything is written).
@given(st.text(st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\t\n"), max_size=40))
def test_any_text_reads_back(value: str) -> None:
    assert parse_text(f"k: {edit.scalar(value, plain=False)}\n")["k"] == value
    assert parse_text(f"k: {edit.scalar(value)}\n")["k"] == value


def test_schema_ref_is_relative_to_the_new_file(tmp_path: Path) -> None:
    plan = tmp_path / "plan"
    plan.mkdir()
    (plan / "plan.yaml").write_text("# yaml-language-server: $schema=../schema/apcli.schema.json\nid: x\n",
                                    encoding="utf-8")
    assert edit.schema_ref(plan, plan / "progress" / "2009Q2") == "../../../schema/apcli.schema.json"
    assert edit.schema_ref(plan, tmp_path / "examples" / "demo" / "2009Q2") == "../../../schema/apcli.schema.json"
    (plan / "plan.yaml").write_text("id: x\n", encoding="utf-8")
    assert edit.schema_ref(plan, plan / "progress") is None


# ----------------------------------------------------------------------------- atomic writes


def test_write_atomic_replaces_and_keeps_permissions(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"old\n")
    os.chmod(path, 0o640)
    edit.write_atomic(path, b"new\n")
    assert path.read_bytes() == b"new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.yaml"]


def test_write_atomic_creates_directories(tmp_path: Path) -> None:
    path = tmp_path / "progress" / "2009Q2" / "zkka.yaml"
    edit.write_atomic(path, b"- x\n")
    assert path.read_bytes() == b"- x\n"


@pytest.mark.parametrize("victim", ["replace", "fsync"])
def test_a_failure_during_the_write_leaves_the_original_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               victim: str) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"original\n")
    written: list[bytes] = []

    def boom(*args: object, **kwargs: object) -> None:
        written.extend(p.read_bytes() for p in tmp_path.glob(".f.yaml.*.tmp"))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, victim, boom)
    with pytest.raises(OSError):
        edit.write_atomic(path, b"new content\n")
    monkeypatch.undo()
    assert path.read_bytes() == b"original\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.yaml"]  # the temp file is gone
    if victim == "replace":
        assert written == [b"new content\n"]  # the failure came after the temp file was complete


# ----------------------------------------------------------------------------- safe destinations


def test_check_target_refuses_links_on_the_way_and_special_files(tmp_path: Path) -> None:
    root = tmp_path / "plan"
    (root / "progress").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "progress" / "2009Q3").symlink_to(outside)
    with pytest.raises(edit.WriteError, match="2009Q3: is a symbolic link"):
        edit.check_target(root / "progress" / "2009Q3" / "zkka.yaml", root)
    edit.check_target(outside / "zkka.yaml")  # without a root only the file itself counts
    (root / "progress" / "2009Q2").write_bytes(b"")
    with pytest.raises(edit.WriteError, match="2009Q2: is not a directory"):
        edit.check_target(root / "progress" / "2009Q2" / "zkka.yaml", root)
    with pytest.raises(edit.WriteError, match="is not inside"):
        edit.check_target(root / "progress" / ".." / ".." / "x.yaml", root)
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(edit.WriteError, match=r"fifo: is a FIFO \(named pipe\); apcli writes only regular files"):
        edit.check_target(tmp_path / "fifo")
    edit.check_target(root / "progress" / "2009Q4" / "new" / "zkka.yaml", root)  # missing parts are fine


def test_write_file_names_the_path_and_the_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(edit.WriteError) as caught:
        edit.write_file(tmp_path / "a" / "b" / "r.md", b"x")
    assert str(caught.value) == f"{tmp_path / 'a' / 'b' / 'r.md'}: cannot write: No space left on device"
    assert list(tmp_path.iterdir()) == []  # the folders made for it went too


def test_sweep_removes_only_temporary_files(tmp_path: Path) -> None:
    names = [".zkka.yaml.ab3_efgh.tmp", "zkka.yaml", ".zkka.yaml", "notes.tmp", ".x.yaml.short.tmp"]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in edit.sweep_temp_files(tmp_path)] == [".zkka.yaml.ab3_efgh.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[1:])


def test_lock_root_is_the_plan_directory(tmp_path: Path) -> None:
    plan = tmp_path / "plan"
    (plan / "progress" / "2009Q2").mkdir(parents=True)
    (plan / "plan.yaml").write_text("x: 1\n")
    assert edit.lock_root(plan / "progress" / "2009Q2" / "a.yaml") == plan.resolve()
    assert edit.lock_root(plan) == plan
    loose = tmp_path / "loose"
    loose.mkdir()
    assert edit.lock_root(loose / "a.yaml") == loose


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a file away")
def test_write_atomic_run_as_root_keeps_the_owner(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"old\n")
    os.chown(path, 65534, 65534)
    edit.write_atomic(path, b"new\n")
    assert (path.stat().st_uid, path.stat().st_gid) == (65534, 65534)
