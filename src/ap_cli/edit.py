"""Edits to plan files that touch only what they change, and atomic writes.

Progress entries are appended as text after the last byte of their file, so every existing
line stays byte for byte (`git diff` shows only added lines). Before anything is written the
new text is parsed back and must hold exactly the old entries followed by the new ones;
otherwise the edit is refused. Writes go to a temporary file in the same directory, are
flushed to disk, then renamed over the original, so a crash leaves the old file or the new
one, never half of either.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from .source import YamlProblem, YList, YMap, decode, parse_text

MODELINE = "# yaml-language-server: $schema="
SCHEMA_FILE = Path("schema") / "apcli.schema.json"
ENTRY_KEYS = ("ref", "date", "status", "completion", "evidence", "by", "note")

# Words YAML 1.1 readers (older editors and tools) take for booleans or null: always quoted.
_YAML11_WORDS = {"y", "yes", "n", "no", "on", "off", "true", "false", "null", "~"}
_PLAIN = re.compile(r"[A-Za-zÀ-ɏ][A-Za-zÀ-ɏ0-9_.()/-]*")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


class EditError(Exception):
    """An edit that would not leave the file as intended; nothing was written."""


# ----------------------------------------------------------------------------- writing text


def scalar(value: str | None, plain: bool = True) -> str:
    """One YAML scalar: plain when it is a simple word that reads back as the same text,
    double-quoted otherwise (every character that could change meaning is escaped)."""
    if value is None:
        return "null"
    if plain and _PLAIN.fullmatch(value) and value.lower() not in _YAML11_WORDS:
        return value
    out = []
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif not ch.isprintable() or ch in "\u2028\u2029\x85\ufeff":
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def render_entry(entry: dict, indent: int = 0, newline: str = "\n") -> str:
    """A progress entry as a block-sequence item; keys in house order, null keys left out.

    Dates are quoted so that no YAML reader turns them into timestamps; free text is always
    quoted; ids and enum values are plain when they can be.
    """
    pad = " " * indent
    lines = []
    for key in ENTRY_KEYS:
        value = entry.get(key)
        if value is None:
            continue
        text = scalar(value, plain=key in ("ref", "status", "completion", "by"))
        lines.append(f"{pad}{'- ' if not lines else '  '}{key}: {text}")
    return "".join(line + newline for line in lines)


def modeline(schema: str | None) -> str:
    return f"{MODELINE}{schema}\n" if schema else ""


def schema_ref(plan_root: Path, target_dir: Path) -> str | None:
    """The `$schema=` value for a new file in `target_dir`: the plan's own schema reference
    (read from plan.yaml's modeline) made relative to the new file's directory."""
    try:
        head = (plan_root / "plan.yaml").read_text(encoding="utf-8").splitlines()[:5]
    except (OSError, UnicodeDecodeError):
        head = []
    value = next((line.split("$schema=", 1)[1].strip() for line in head if MODELINE in line), None)
    if value is None:
        return None
    if re.match(r"[a-z][a-z0-9+.-]*://", value):
        return value
    schema = (plan_root / value).resolve()
    return Path(os.path.relpath(schema, target_dir.resolve())).as_posix()


# ----------------------------------------------------------------------------- appending


def _parse(raw: bytes, name: str):
    try:
        return parse_text(decode(raw, name))
    except YamlProblem as p:
        raise EditError(f"{name}:{p.line}:{p.col}: {p.message}; fix the file first (apcli check)") from None


def append_entries(path: Path, entries: list[dict], header: str = "") -> bytes:
    """The bytes of `path` with `entries` appended (the file is not written).

    A missing file starts with `header`. Raises EditError when the file is not a block list
    or when the result would not read back as the old entries followed by the new ones.
    """
    name = str(path)
    raw = path.read_bytes() if path.exists() else header.encode("utf-8")
    old = _parse(raw, name)
    if old is not None and not isinstance(old, YList):
        raise EditError(f"{name}: expected a list of progress entries")
    if isinstance(old, YList) and _is_flow(raw, old):
        raise EditError(f"{name}: the entries are written as a flow list [...]; "
                        "write them as a block list (one `- ref: …` item each) first")
    newline = "\r\n" if b"\r\n" in raw else "\n"
    indent = old.start[1] - 1 if isinstance(old, YList) and old else 0
    text = "".join(render_entry(e, indent, newline) for e in entries)
    prefix = raw if not raw or raw.endswith(b"\n") else raw + newline.encode()
    new = prefix + text.encode("utf-8")
    _verify(new, name, list(old or []), entries)
    return new


def _is_flow(raw: bytes, seq: YList) -> bool:
    line, col = seq.start
    lines = raw.decode("utf-8-sig", errors="replace").splitlines()
    return lines[line - 1][col - 1:col] == "["


def _verify(new: bytes, name: str, old: list, entries: list[dict]) -> None:
    try:
        data = parse_text(decode(new, name))
    except YamlProblem:
        data = None
    expected = [*old, *({k: v for k, v in e.items() if v is not None} for e in entries)]
    if not isinstance(data, YList) or [_plain(x) for x in data] != [_plain(x) for x in expected]:
        raise EditError(f"{name}: appending here would not read back as the old entries plus the new "
                        "ones; nothing written (write the entry by hand, or tidy the file with `apcli fmt`)")


def _plain(value):
    if isinstance(value, (YMap, dict)):
        return [(k, _plain(v)) for k, v in value.items()]
    if isinstance(value, (YList, list)):
        return [_plain(v) for v in value]
    return value


# ----------------------------------------------------------------------------- atomic writes


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data`: temp file in the same directory, fsync, rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable where the platform allows it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
