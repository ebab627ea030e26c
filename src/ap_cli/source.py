"""Safe, bounded YAML reading with positions, and mapping pydantic `loc`s to line:col.

The data is built from parser events (never from ruamel's constructors), so nothing can
construct an object, aliases and anchors are refused before they can expand, nesting depth
is capped without recursion, and every mapping and sequence remembers where each of its
values starts. A file's size, its lines and its number of values are capped too, so no
input can take long or use much memory. Scalars stay text unless they are plain YAML null,
booleans or integers: dates such as `2009-06-20` remain the strings people typed.
"""

from __future__ import annotations

import errno
import gc
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from .diagnostics import BIDI_CONTROLS, INVISIBLE, Diagnostic, error, warning
from .errors import ApcliError
from .record import Record

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 64
MAX_LINE_CHARS = 100_000
MAX_NODES = 200_000  # values per file, keys not counted: bounds time (~3 µs) and memory (~150 B) per value

Pos = tuple[int, int]  # 1-based line, column


class YMap(dict[str, Any]):
    """A mapping that remembers where each key and value starts."""

    __slots__ = ("key_pos", "pos", "start")
    key_pos: dict[str, Pos]
    pos: dict[str, Pos]
    start: Pos


class YList(list[Any]):
    """A sequence that remembers where each item starts."""

    __slots__ = ("pos", "start")
    pos: list[Pos]
    start: Pos


class SourceFile(Record, frozen=False):
    path: str
    text: str
    data: object | None


class YamlProblem(ApcliError):
    """Text that is not the YAML apcli reads, at a place in a file whose name the parser does not
    know: `at(file)` is the located problem (an error `Diagnostic`)."""

    def __init__(self, line: int, col: int, code: str, message: str):
        super().__init__(message)
        self.line, self.col, self.code, self.message = line, col, code, message

    def at(self, file: str) -> Diagnostic:
        return error(file, self.line, self.col, self.code, self.message)


_INT = re.compile(r"[-+]?(?:0|[1-9][0-9_]*)")
_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


def _plain_scalar(value: str) -> str | int | bool | None:
    if value in _NULLS:
        return None
    if value in _BOOLS:
        return _BOOLS[value]
    if _INT.fullmatch(value):
        try:
            return int(value.replace("_", ""))
        except ValueError:  # more digits than Python converts (sys.int_info): no number we use
            return value
    return value


_PLAIN_SPECIAL = frozenset("~nNtTfF+-0123456789")  # how a null, boolean or integer can begin


def _parser(text: str) -> tuple[Callable[[], Any], Callable[[], None]]:
    """(next event or None at the end, dispose): the C parser when ruamel.yaml.clib is installed."""
    try:
        from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]  # the C extension's, not re-exported
    except ImportError:  # pragma: no cover - no C extension
        from functools import partial

        from ruamel.yaml import YAML

        return partial(next, YAML(typ="safe", pure=True).parse(text), None), lambda: None
    parser = CParser(text)
    return parser.get_event, parser.dispose


def decode(raw: bytes, path: str) -> str:
    """UTF-8 only; a BOM is tolerated; oversize files, NUL bytes and overlong lines are
    refused, each at the line:col an editor shows (other control characters: `parse_text`)."""
    if len(raw) > MAX_FILE_BYTES:
        raise _too_large(len(raw))
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise YamlProblem(1, 1, "not-utf8", "the file is UTF-16 (or UTF-32); save it as UTF-8")
    nul = raw.find(b"\x00")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not 0 <= nul < exc.start:
            line, col = _byte_position(raw, exc.start)
            raise YamlProblem(line, col, "not-utf8",
                              f"invalid UTF-8 byte 0x{raw[exc.start]:02x}; save the file as UTF-8") from None
    if nul >= 0:
        line, col = _byte_position(raw, nul)
        raise YamlProblem(line, col, "nul-byte", "NUL byte in file")
    # Splitting at "\n" alone is fast and its lines are never shorter than the parser's.
    if len(text) > MAX_LINE_CHARS and max(map(len, text.split("\n"))) > MAX_LINE_CHARS:
        for number, line_text in enumerate(_BREAK.split(text), 1):
            if len(line_text) > MAX_LINE_CHARS:
                raise YamlProblem(number, MAX_LINE_CHARS + 1, "line-too-long",
                                  f"line is {len(line_text):,} characters; the limit is {MAX_LINE_CHARS:,}")
    return text


def _too_large(size: int) -> YamlProblem:
    return YamlProblem(0, 0, "file-too-large", f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")


# The line breaks libyaml counts (YAML 1.1), so our positions agree with the parser's.
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


# Control characters a double-quoted escape can produce; a terminal would obey them.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


# Characters a reader cannot see or that reorder what they see ("trojan source"): YAML takes
# them as text, so they are flagged, not refused; outputs show them escaped.
_HIDDEN = re.compile(f"[{BIDI_CONTROLS}{INVISIBLE}]")
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
_HIDDEN_OR_BREAK = re.compile(f"{_BREAK.pattern}|[{BIDI_CONTROLS}{INVISIBLE}]")
MAX_HIDDEN_REPORTS = 20  # per file; the rest are counted in one more warning


def hidden_characters(text: str, name: str) -> list[Diagnostic]:
    """A warning at the line:col of each bidi control (`bidi-control`) and invisible character
    (`invisible-character`: zero-width, soft hyphen, tags, line separators…) in a file's text,
    comments included, as compilers flag them. One pass; linear in the file."""
    first = _HIDDEN.search(text)
    if first is None:
        return []
    out: list[Diagnostic] = []
    line, col = _text_position(text, first.start())
    line_start = first.start() - col + 1
    for m in _HIDDEN_OR_BREAK.finditer(text, first.start()):
        c = m.group()
        if _HIDDEN.fullmatch(c):
            if len(out) == MAX_HIDDEN_REPORTS:
                rest = len(_HIDDEN.findall(text, m.start()))
                out.append(warning(name, line, m.start() - line_start + 1, "invisible-character",
                                   f"{rest:,} more bidi or invisible characters from here on"))
                break
            out.append(_hidden_warning(name, line, m.start() - line_start + 1, c))
        if _BREAK.fullmatch(c):  # U+2028 and U+2029 are both hidden and a line break
            line, line_start = line + 1, m.end()
    return out


def _hidden_warning(name: str, line: int, col: int, c: str) -> Diagnostic:
    import unicodedata

    what = f"U+{ord(c):04X} ({unicodedata.name(c, 'unnamed')})"
    if _BIDI.fullmatch(c):
        return warning(name, line, col, "bidi-control",
                       f"bidi control {what} makes the text show in another order than it is read; remove it")
    return warning(name, line, col, "invisible-character",
                   f"invisible character {what}: text that looks alike may differ; remove it")


def _text_position(text: str, index: int) -> Pos:
    line, start = 1, 0
    for m in _BREAK.finditer(text, 0, index):
        line, start = line + 1, m.end()
    return line, index - start + 1


def _byte_position(raw: bytes, offset: int) -> Pos:
    """Line and character column of a byte offset (bytes before it may be invalid too)."""
    before = raw[:offset].decode("utf-8", errors="replace")
    return _text_position(before, len(before))


_DOUBLE_QUOTED = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_QUOTE_VALUE = re.compile(r'^\s*(?:-\s+)?(?:[\w-]+\s*:\s+)?(?:-\s+)?"')


def _unclosed_quote(text: str, before_line: int) -> tuple[int, int] | None:
    """Where a double-quoted value opens and does not close on its own line, before `before_line`
    (1-based line, column), when exactly one line looks so: the likely cause of a parse error."""
    found = []
    for number, line in enumerate(text.splitlines()[:before_line], 1):
        start = _QUOTE_VALUE.match(line)
        if start and not _DOUBLE_QUOTED.match(line, start.end() - 1):
            found.append((number, start.end()))
    return found[-1] if found else None


def parse_text(text: str) -> Any:
    """Build plain data (YMap/YList/str/int/bool/None) from YAML text, or raise YamlProblem."""
    text, saved = _combine_pairs(text)
    if not saved:
        return _parse(text)
    try:
        data = _parse(text)
    except YamlProblem as p:
        p.col = _original_col(saved, p.line, p.col)
        raise
    _restore_columns(data, saved)
    return data


# ----------------------------------------------------------------------------- surrogate pairs
#
# "\ud83d\ude00" is valid YAML (and how JSON writes 😀): one character written as a UTF-16
# surrogate pair. libyaml refuses each half, so each pair inside a double-quoted scalar is
# rewritten as the same character, "\U0001f600", before parsing, and every position after it
# on its line moved back by the two characters that saved. Anywhere else (plain or single-quoted
# text, comments) the twelve characters are only text, and stay. A lone surrogate stays an error.

_PAIR = re.compile(r"(?<!\\)(?:\\\\)*\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", re.IGNORECASE)


def _combine_pairs(text: str) -> tuple[str, dict[int, list[int]]]:
    """(the text to parse, {line: [column of each rewritten pair, in that text]}); linear."""
    if "\\u" not in text:
        return text, {}
    pairs = list(_PAIR.finditer(text))
    if not pairs:
        return text, {}
    trial = _rewrite(text, pairs)
    spans = _double_quoted(trial)
    keep, i = [], 0
    for k, m in enumerate(pairs):
        at = m.start(1) - 2 - 2 * k  # where the rewritten pair starts in `trial`
        while i < len(spans) and spans[i][1] <= at:
            i += 1
        if i < len(spans) and spans[i][0] <= at:
            keep.append(m)
    if not keep:
        return text, {}
    saved: dict[int, list[int]] = {}
    starts = [m.start(1) - 2 for m in keep]
    for line, col in _positions(text, starts):
        columns = saved.setdefault(line, [])
        columns.append(col - 2 * len(columns))
    return _rewrite(text, keep), saved


def _rewrite(text: str, pairs: list[re.Match[str]]) -> str:
    out: list[str] = []
    last = 0
    for m in pairs:
        high, low = int(m.group(1), 16), int(m.group(2), 16)
        out += [text[last:m.start(1) - 2], f"\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08x}"]
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def _double_quoted(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of each double-quoted scalar, in order, up to the first
    YAML error (after it, nothing is rewritten: the parse reports that error). An error inside a
    double-quoted scalar (a lone surrogate after a pair) ends a last span at the error."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    spans = []
    next_event, dispose = _parser(text)
    try:
        for _ in range(2 * MAX_NODES + 16):  # the parse refuses files with more
            event = next_event()
            if event is None:
                break
            if getattr(event, "style", None) == '"':
                spans.append((event.start_mark.index, event.end_mark.index))
    except MarkedYAMLError as exc:
        if "quoted scalar" in (exc.context or "") and exc.context_mark and exc.problem_mark:
            spans.append((exc.context_mark.index, exc.problem_mark.index))
    except YAMLError:
        pass
    finally:
        dispose()
    return spans


def _positions(text: str, offsets: list[int]) -> list[Pos]:
    """Line and column of each of the sorted `offsets`, in one pass."""
    out, line, start, breaks = [], 1, 0, _BREAK.finditer(text)
    pending = next(breaks, None)
    for offset in offsets:
        while pending is not None and pending.end() <= offset:
            line, start, pending = line + 1, pending.end(), next(breaks, None)
        out.append((line, offset - start + 1))
    return out


def _original_col(saved: dict[int, list[int]], line: int, col: int) -> int:
    from bisect import bisect_left

    return col + 2 * bisect_left(saved.get(line, ()), col)


def _restore_columns(data: Any, saved: dict[int, list[int]]) -> None:
    """Positions in the rewritten text → positions in the file (only lines with a pair move)."""
    def fix(pos: Pos) -> Pos:
        return (pos[0], _original_col(saved, *pos)) if pos[0] in saved else pos

    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, YMap):
            node.start = fix(node.start)
            node.pos = {k: fix(p) for k, p in node.pos.items()}
            node.key_pos = {k: fix(p) for k, p in node.key_pos.items()}
            stack.extend(node.values())
        elif isinstance(node, YList):
            node.start = fix(node.start)
            node.pos = [fix(p) for p in node.pos]
            stack.extend(node)


def _parse(text: str) -> Any:
    from ruamel.yaml import events as ev
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    # One loop over every event of the file: kept flat, and ordered by how often each kind comes.
    scalar, mapping_start, sequence_start = ev.ScalarEvent, ev.MappingStartEvent, ev.SequenceStartEvent
    collection_end = (ev.MappingEndEvent, ev.SequenceEndEvent)
    ignored = (ev.StreamStartEvent, ev.StreamEndEvent, ev.DocumentEndEvent)
    stack: list[YMap | YList] = []  # open containers; for mappings, the pending key sits beside them
    pending_key: list[tuple[str] | None] = []  # (key,) once a mapping's key is read
    root = None
    seen_document = False
    budget = MAX_NODES
    next_event, dispose = _parser(text)
    collecting = gc.isenabled()
    gc.disable()  # the tree has no cycles; collecting while it grows costs up to a third of the time
    try:
        while (event := next_event()) is not None:
            kind = type(event)
            if kind is scalar:
                mark = event.start_mark
                line, col = mark.line + 1, mark.column + 1
                if event.anchor:
                    raise YamlProblem(line, col, "yaml-anchor", "YAML anchors (&name) are not allowed")
                if event.ctag is not None and str(event.ctag) != "tag:yaml.org,2002:str":
                    raise YamlProblem(line, col, "yaml-tag", f"YAML tag {_clip(str(event.ctag))!r} is not allowed")
                value, style = event.value, event.style
                if not style and event.implicit[0] and (not value or value[0] in _PLAIN_SPECIAL):
                    value = _plain_scalar(value)
                elif style == '"' and not value.isprintable() and _CONTROL.search(value):  # "\e[31m", "\0"
                    bad = ord(value[_CONTROL.search(value).start()])  # type: ignore[union-attr]  # searched above
                    raise YamlProblem(line, col, "control-char",
                                      f"text holds control character U+{bad:04X} (written as an escape)")
                if not stack:
                    root = value
                    continue
                top = stack[-1]
                if pending_key[-1] is None:
                    if isinstance(top, YMap):
                        key = event.value
                        if key in top:
                            first = top.key_pos[key]
                            raise YamlProblem(line, col, "duplicate-key",
                                              f"duplicate key {_clip(key)!r} (first defined at line {first[0]})")
                        top.key_pos[key] = (line, col)
                        pending_key[-1] = (key,)
                        continue
                    top.append(value)
                    top.pos.append((line, col))
                else:
                    key = pending_key[-1][0]
                    mapping = cast(YMap, top)  # a key is pending only in a mapping
                    mapping[key] = value
                    mapping.pos[key] = (line, col)
                    pending_key[-1] = None
                budget -= 1
                if budget < 0:
                    raise _too_many(line, col)
                continue
            if kind in collection_end:
                done = stack.pop()
                pending_key.pop()
                if not stack:
                    root = done
                continue
            if kind in ignored:
                continue
            mark = event.start_mark
            line, col = mark.line + 1, mark.column + 1
            if kind is ev.DocumentStartEvent:
                if seen_document:
                    raise YamlProblem(line, col, "yaml-multiple-documents",
                                      "more than one YAML document in the file")
                seen_document = True
                continue
            if kind is ev.AliasEvent:
                raise YamlProblem(line, col, "yaml-alias", "YAML aliases (*name) are not allowed")
            if event.anchor:
                raise YamlProblem(line, col, "yaml-anchor", "YAML anchors (&name) are not allowed")
            if event.ctag is not None and str(event.ctag) != "tag:yaml.org,2002:str":
                raise YamlProblem(line, col, "yaml-tag", f"YAML tag {_clip(str(event.ctag))!r} is not allowed")
            if len(stack) >= MAX_DEPTH:
                raise YamlProblem(line, col, "yaml-too-deep", f"nesting deeper than {MAX_DEPTH} levels")
            budget -= 1
            if budget < 0:
                raise _too_many(line, col)
            node: YMap | YList
            if kind is mapping_start:
                node = YMap()
                node.pos, node.key_pos, node.start = {}, {}, (line, col)
            elif kind is sequence_start:
                node = YList()
                node.pos, node.start = [], (line, col)
            else:  # pragma: no cover - the event kinds above are all YAML has
                raise YamlProblem(line, col, "yaml-syntax", f"unexpected YAML event {kind.__name__}")
            _attach(stack, pending_key, node, line, col)
            stack.append(node)
            pending_key.append(None)
    except YamlProblem:
        raise
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(x for x in (exc.context, exc.problem) if x) or str(exc)
        if "invalid Unicode character escape" in message:
            message += (" (a surrogate \\ud800-\\udfff stands only as the first or second half of a pair, "
                        "e.g. \\ud83d\\ude00; or write \\U0001f600)")
        if exc.context_mark and "quoted scalar" in (exc.context or "") and "end of stream" in (exc.problem or ""):
            # An unclosed quote is found at the end of the file; the fix is where it opens.
            mark = exc.context_mark
            message = f"this quote is never closed ({exc.problem})"
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        opened = _unclosed_quote(text, line) if "quoted scalar" not in (exc.context or "") else None
        if opened:
            raise YamlProblem(*opened, "yaml-syntax",
                              f"this quote seems never closed on its line, so the YAML parser ran on and stopped "
                              f"at {line}:{col} ({message})") from None
        raise YamlProblem(line, col, "yaml-syntax", message) from None
    except ReaderError as exc:  # a character YAML forbids; the C reader gives a UTF-8 byte offset
        line, col = _byte_position(text.encode("utf-8"), exc.position)
        code = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise YamlProblem(line, col, "control-char", f"character {code} is not allowed in YAML") from None
    except YAMLError as exc:
        raise YamlProblem(1, 1, "yaml-syntax", str(exc).splitlines()[0]) from None
    finally:
        dispose()
        if collecting:
            gc.enable()
    return root


def _too_many(line: int, col: int) -> YamlProblem:
    return YamlProblem(line, col, "yaml-too-many-nodes",
                       f"more than {MAX_NODES:,} values in one file; split it into several files")


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _attach(stack: list[YMap | YList], pending_key: list[tuple[str] | None], value: Any, line: int,
            col: int) -> None:
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
    """Read one YAML file; never raises on bad content, never reads more than the size cap."""
    name = display or str(path)
    try:
        raw = read_capped(path)
        if len(raw) > MAX_FILE_BYTES:
            p = _too_large(os.stat(path).st_size)
            return None, [p.at(name)]
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        return None, [error(name, 0, 0, "unreadable", f"cannot read file: {getattr(exc, 'strerror', None) or exc}")]
    return read_bytes(raw, name)


def read_capped(path: Path | str) -> bytes:
    """The file's bytes, at most MAX_FILE_BYTES + 1 of them (enough for `decode` to refuse it).

    Only regular files are read: a FIFO, a device or a symlink to one (`/dev/zero`,
    `/dev/stdin`) would otherwise block or never end. O_NONBLOCK keeps `open` of a FIFO
    from waiting for a writer.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        return f.read(MAX_FILE_BYTES + 1)


def read_bytes(raw: bytes, name: str) -> tuple[SourceFile | None, list[Diagnostic]]:
    try:
        text = decode(raw, name)
        data = parse_text(text)
    except YamlProblem as p:
        return None, [p.at(name)]
    except RecursionError:  # pragma: no cover - the depth cap should make this unreachable
        return None, [error(name, 1, 1, "yaml-too-deep", "nesting too deep")]
    return SourceFile(name, text, data), []


def position(data: Any, loc: tuple[str | int, ...]) -> Pos:
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


def key_position(data: Any, loc: tuple[str | int, ...]) -> Pos:
    """Where the key at the end of `loc` is written (for unknown fields)."""
    parent = data
    for part in loc[:-1]:
        if isinstance(parent, (YMap, YList)):
            try:
                parent = parent[part]  # type: ignore[index]  # a part of the wrong kind: TypeError
            except (KeyError, IndexError, TypeError):
                return position(data, loc[:-1])
    if isinstance(parent, YMap) and loc and loc[-1] in parent.key_pos:
        return parent.key_pos[loc[-1]]
    return position(data, loc)
