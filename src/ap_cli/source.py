"""Safe, bounded YAML reading with positions, and mapping pydantic `loc`s to line:col.

The data is built from parser events (never from ruamel's constructors), so nothing can
construct an object, aliases and anchors are refused before they can expand, nesting depth
is capped without recursion, and every mapping and sequence remembers where each of its
values starts. Scalars stay text unless they are plain YAML null, booleans or integers:
dates such as `2009-06-20` remain the strings people typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Diagnostic, error

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 64
MAX_LINE_CHARS = 100_000

Pos = tuple[int, int]  # 1-based line, column


class YMap(dict):
    """A mapping that remembers where each key and value starts."""

    __slots__ = ("pos", "key_pos", "start")


class YList(list):
    """A sequence that remembers where each item starts."""

    __slots__ = ("pos", "start")


@dataclass
class SourceFile:
    path: str
    text: str
    data: object | None


class YamlProblem(Exception):
    def __init__(self, line: int, col: int, code: str, message: str):
        super().__init__(message)
        self.line, self.col, self.code, self.message = line, col, code, message


_INT = re.compile(r"[-+]?(?:0|[1-9][0-9_]*)")
_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


def _plain_scalar(value: str):
    if value in _NULLS:
        return None
    if value in _BOOLS:
        return _BOOLS[value]
    if _INT.fullmatch(value):
        return int(value.replace("_", ""))
    return value


def _yaml():
    from ruamel.yaml import YAML

    try:
        return YAML(typ="safe")  # the C parser when ruamel.yaml.clib is installed
    except Exception:  # pragma: no cover - no C extension
        return YAML(typ="safe", pure=True)


def decode(raw: bytes, path: str) -> str:
    """UTF-8 only; a BOM is tolerated; NUL bytes and oversize files are refused."""
    if len(raw) > MAX_FILE_BYTES:
        raise YamlProblem(0, 0, "file-too-large",
                          f"file is {len(raw):,} bytes; the limit is {MAX_FILE_BYTES:,}")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, col = _byte_position(raw, nul)
        raise YamlProblem(line, col, "nul-byte", "NUL byte in file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _byte_position(raw, exc.start)
        raise YamlProblem(line, col, "not-utf8",
                          f"invalid UTF-8 byte 0x{raw[exc.start]:02x}; save the file as UTF-8") from None
    for number, line_text in enumerate(text.split("\n"), 1):
        if len(line_text) > MAX_LINE_CHARS:
            raise YamlProblem(number, MAX_LINE_CHARS + 1, "line-too-long",
                              f"line is {len(line_text):,} characters; the limit is {MAX_LINE_CHARS:,}")
    return text


def _byte_position(raw: bytes, offset: int) -> Pos:
    before = raw[:offset]
    line = before.count(b"\n") + 1
    col = len(before) - (before.rfind(b"\n") + 1) + 1
    return line, col


def parse_text(text: str):
    """Build plain data (YMap/YList/str/int/bool/None) from YAML text, or raise YamlProblem."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    stack: list = []  # open containers; for mappings, the pending key sits beside them
    pending_key: list = []
    root = None
    seen_document = False
    try:
        for event in _yaml().parse(text):
            name = type(event).__name__
            if name in ("StreamStartEvent", "StreamEndEvent", "DocumentEndEvent"):
                continue
            mark = event.start_mark
            line, col = mark.line + 1, mark.column + 1
            if name == "DocumentStartEvent":
                if seen_document:
                    raise YamlProblem(line, col, "yaml-multiple-documents",
                                      "more than one YAML document in the file")
                seen_document = True
                continue
            if name == "AliasEvent":
                raise YamlProblem(line, col, "yaml-alias", "YAML aliases (*name) are not allowed")
            if getattr(event, "anchor", None):
                raise YamlProblem(line, col, "yaml-anchor", "YAML anchors (&name) are not allowed")
            tag = getattr(event, "tag", None)
            if tag and tag not in ("tag:yaml.org,2002:str",):
                raise YamlProblem(line, col, "yaml-tag", f"YAML tag {tag!r} is not allowed")
            if name in ("MappingEndEvent", "SequenceEndEvent"):
                done = stack.pop()
                pending_key.pop()
                value = done
            elif name == "MappingStartEvent":
                if len(stack) >= MAX_DEPTH:
                    raise YamlProblem(line, col, "yaml-too-deep", f"nesting deeper than {MAX_DEPTH} levels")
                node = YMap()
                node.pos, node.key_pos, node.start = {}, {}, (line, col)
                _attach(stack, pending_key, node, line, col)
                stack.append(node)
                pending_key.append(None)
                continue
            elif name == "SequenceStartEvent":
                if len(stack) >= MAX_DEPTH:
                    raise YamlProblem(line, col, "yaml-too-deep", f"nesting deeper than {MAX_DEPTH} levels")
                node = YList()
                node.pos, node.start = [], (line, col)
                _attach(stack, pending_key, node, line, col)
                stack.append(node)
                pending_key.append(None)
                continue
            else:  # ScalarEvent
                plain = event.implicit[0] and not event.style
                value = _plain_scalar(event.value) if plain else event.value
                if not stack:
                    root = value
                    continue
                top = stack[-1]
                if isinstance(top, YMap) and pending_key[-1] is None:
                    key = event.value
                    if key in top:
                        first = top.key_pos[key]
                        raise YamlProblem(line, col, "duplicate-key",
                                          f"duplicate key {key!r} (first defined at line {first[0]})")
                    top.key_pos[key] = (line, col)
                    pending_key[-1] = (key,)
                    continue
                _attach(stack, pending_key, value, line, col)
                continue
            if not stack:
                root = value
    except YamlProblem:
        raise
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(x for x in (exc.context, exc.problem) if x) or str(exc)
        raise YamlProblem(line, col, "yaml-syntax", message) from None
    except YAMLError as exc:
        raise YamlProblem(1, 1, "yaml-syntax", str(exc).splitlines()[0]) from None
    return root


def _attach(stack: list, pending_key: list, value, line: int, col: int) -> None:
    if not stack:
        return
    top = stack[-1]
    if isinstance(top, YMap):
        key = pending_key[-1]
        if key is None:
            raise YamlProblem(line, col, "yaml-complex-key", "mapping keys must be plain text")
        top[key[0]] = value
        top.pos[key[0]] = (line, col)
        pending_key[-1] = None
    else:
        top.append(value)
        top.pos.append((line, col))


def read_file(path: Path | str, display: str | None = None) -> tuple[SourceFile | None, list[Diagnostic]]:
    """Read one YAML file; never raises on bad content."""
    name = display or str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return None, [error(name, 0, 0, "unreadable", f"cannot read file: {exc.strerror or exc}")]
    return read_bytes(raw, name)


def read_bytes(raw: bytes, name: str) -> tuple[SourceFile | None, list[Diagnostic]]:
    try:
        text = decode(raw, name)
        data = parse_text(text)
    except YamlProblem as p:
        return None, [error(name, p.line, p.col, p.code, p.message)]
    except RecursionError:  # pragma: no cover - the depth cap should make this unreachable
        return None, [error(name, 1, 1, "yaml-too-deep", "nesting too deep")]
    return SourceFile(name, text, data), []


def position(data, loc: tuple) -> Pos:
    """Where the value at pydantic `loc` starts; the nearest existing ancestor otherwise."""
    node, best = data, getattr(data, "start", (1, 1))
    for part in loc:
        if isinstance(node, YMap) and isinstance(part, str):
            if part not in node:
                return best
            best, node = node.pos[part], node[part]
        elif isinstance(node, YList) and isinstance(part, int) and 0 <= part < len(node):
            best, node = node.pos[part], node[part]
        else:
            return best
    return best


def key_position(data, loc: tuple) -> Pos:
    """Where the key at the end of `loc` is written (for unknown fields)."""
    parent = data
    for part in loc[:-1]:
        if isinstance(parent, (YMap, YList)):
            try:
                parent = parent[part]
            except (KeyError, IndexError, TypeError):
                return position(data, loc[:-1])
    if isinstance(parent, YMap) and loc and loc[-1] in parent.key_pos:
        return parent.key_pos[loc[-1]]
    return position(data, loc)
