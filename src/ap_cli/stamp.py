"""`apcli fmt --stamp`: write each node's `en_from` fingerprint into the plan files.

A node that has English and no `en_from` gets the line `en_from: "1a2b3c4d"` right after its
last English field (where the models list it), at that field's indentation; a node whose
`en_from` differs from the fingerprint of its Albanian as it is now gets the new value in place.
Nothing else changes: every other byte of the file (comments, quoting, blank lines, line
endings, a byte-order mark) stays as it was, so `git diff` shows only `en_from` lines. Before
anything is written the new text is parsed back and must hold exactly the old data with those
fingerprints; otherwise the file is refused and left alone.

Only the files that hold nodes are touched: plan.yaml and the pillar files. A file that does not
validate is left alone with its diagnostics (a fingerprint of a text that may be misread would
vouch for nothing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .diagnostics import Diagnostic, error
from .errors import ApcliError
from .source import YamlProblem, YList, YMap, decode, parse_text

if TYPE_CHECKING:
    from .translation import Node

Pos = tuple[int, int]
_BOM = b"\xef\xbb\xbf"
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_SPACE = " \t\r\n\x85\u2028\u2029"


class StampError(ApcliError):
    """The edit would not read back as intended; nothing was written."""


@dataclass
class _Mapping:
    flow: bool
    keys: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # key → offsets: key, value, value end


@dataclass
class _Open:
    """A collection being read: a mapping's pending key, and where its last value ended."""

    mapping: _Mapping | None  # None for a sequence
    flow: bool
    key: str | None = None
    key_start: int = 0
    key_end: int = 0
    value_start: int = 0
    last_end: int = 0


def _spans(text: str) -> dict[Pos, _Mapping]:
    """Every mapping of `text`, by where it starts (1-based line, column, as `source.YMap.start`):
    its style and, per key, where the key and its value start and where the value ends (string
    offsets). A value ends after its last character: the line breaks a block scalar swallows are
    left out, unless its chomping keeps them (`|+`), where they are text."""
    from ruamel.yaml import YAML
    from ruamel.yaml import events as ev

    found: dict[Pos, _Mapping] = {}
    stack: list[_Open] = []

    def value(start: int, end: int) -> None:
        if not stack:
            return
        top = stack[-1]
        if top.mapping is not None and top.key is not None:  # (a complex key has no name to find)
            top.mapping.keys[top.key] = (top.key_start, start, end)
            top.key = None
        top.last_end = end

    def begin(start: int) -> None:
        if stack and stack[-1].mapping is not None:
            stack[-1].value_start = start

    for event in YAML(typ="safe", pure=True).parse(text):
        start, end = event.start_mark.index, event.end_mark.index
        if isinstance(event, ev.ScalarEvent):
            top = stack[-1] if stack else None
            if top is not None and top.mapping is not None and top.key is None:
                top.key, top.key_start, top.key_end = event.value, start, end
                continue
            if event.value == "" and not event.style and top is not None and top.mapping is not None:
                start = end = text.index(":", top.key_end) + 1  # `key:` with nothing after it: a null
            keep = event.style in ("|", ">") and "+" in _header(text, start)
            while end > start and text[end - 1] in (" \t" if keep else _SPACE):
                end -= 1
            value(start, end)
        elif isinstance(event, (ev.MappingStartEvent, ev.SequenceStartEvent)):
            begin(start)
            mapping = None
            if isinstance(event, ev.MappingStartEvent):
                mapping = _Mapping(bool(event.flow_style))
                found[(event.start_mark.line + 1, event.start_mark.column + 1)] = mapping
            stack.append(_Open(mapping, bool(event.flow_style), last_end=start))
        elif isinstance(event, (ev.MappingEndEvent, ev.SequenceEndEvent)):
            closed = stack.pop()
            outer = stack[-1].value_start if stack else 0
            value(outer, end if closed.flow else closed.last_end)
    return found


def _nodes(data: object, name: str) -> tuple[list[Node], list[Diagnostic]]:
    """The translatable nodes of a plan.yaml or pillar file, or diagnostics when it does not validate."""
    from .loader import validate
    from .model import Pillar, PlanMeta
    from .translation import walk_meta, walk_pillar

    if not isinstance(data, YMap) or not ("pillars" in data or "pillar" in data):
        return [], []  # institutions, progress: no English to stamp
    if "pillars" in data:
        meta, problems = validate(PlanMeta, data, name)
        return (list(walk_meta(meta, data, name)) if isinstance(meta, PlanMeta) else []), problems
    pillar, problems = validate(Pillar, data, name)
    return (list(walk_pillar(pillar.pillar, pillar.goals, data, name)) if isinstance(pillar, Pillar) else []), problems


def stamp_text(text: str, name: str = "<text>") -> tuple[str, int, list[Diagnostic]]:
    """(the text with every fingerprint written, how many were written or updated, problems).
    Raises YamlProblem for a file that is not valid YAML, StampError when the edit would not
    read back as the same data plus the fingerprints."""
    from .bilingual import english_fields, fingerprint, has_english

    data = parse_text(text)
    nodes, problems = _nodes(data, name)
    if problems:
        return text, 0, problems
    todo = []
    for node in nodes:
        if has_english(node.model):
            now = fingerprint(node.model)
            if getattr(node.model, "en_from", None) != now:
                todo.append((node, now))
    if not todo:
        return text, 0, []
    spans = _spans(text)
    edits: list[tuple[int, int, str]] = []
    for node, now in todo:
        mapping = spans.get(node.start)
        if mapping is None or not isinstance(node.raw, YMap):
            raise StampError(f"{name}:{node.start[0]}:{node.start[1]}: cannot find {node.label} in the text")
        value = f'"{now}"'
        if "en_from" in mapping.keys:
            _, start, end = mapping.keys["en_from"]
            edits.append((start, end, value if start < end else f" {value}"))
            continue
        key_start, _, end = max((mapping.keys[en] for en in english_fields(node.model)), key=lambda span: span[2])
        if mapping.flow:
            edits.append((end, end, f", en_from: {value}"))
            continue
        line = f"{' ' * (key_start - _line_start(text, key_start))}en_from: {value}"
        if _line_start(text, end) == end:  # a block scalar that keeps its last line breaks
            edits.append((end, end, line + _newline(text, end)))
        elif eol := _BREAK.search(text, end):
            edits.append((eol.end(), eol.end(), line + eol.group()))
        else:  # the value ends the file, which has no final line break
            edits.append((len(text), len(text), _newline(text) + line))
    new = text
    for start, end, replacement in sorted(edits, reverse=True):
        new = new[:start] + replacement + new[end:]
    _verify(new, data, {id(node.raw): now for node, now in todo}, name)
    return new, len(todo), []


def _line_start(text: str, index: int) -> int:
    return max(text.rfind(ch, 0, index) for ch in "\r\n\x85\u2028\u2029") + 1


def _newline(text: str, before: int = 0) -> str:
    """The line break that ends just before `before`, else the file's first one, else LF."""
    if before >= 2 and text.startswith("\r\n", before - 2):
        return "\r\n"
    if before >= 1 and text[before - 1] in "\r\n\x85\u2028\u2029":
        return text[before - 1]
    found = _BREAK.search(text)
    return found.group() if found else "\n"


def _header(text: str, start: int) -> str:
    """A block scalar's indicators (`|-`, `>+2`), without a comment after them."""
    stop = _BREAK.search(text, start)
    return text[start:stop.start() if stop else len(text)].split("#")[0]


def _verify(new: str, old: object, stamps: dict[int, str], name: str) -> None:
    try:
        data = parse_text(new)
    except YamlProblem:
        data = None
    if data is None or _plain(data) != _expected(old, stamps):
        raise StampError(f"{name}: writing the fingerprints here would not read back as the same data; "
                         "nothing written (write en_from by hand, or tidy the file with `apcli fmt` first)")


def _plain(value: object) -> tuple[str, object]:
    if isinstance(value, YMap):
        return ("map", [(k, _plain(v)) for k, v in value.items()])
    if isinstance(value, YList):
        return ("list", [_plain(v) for v in value])
    return (type(value).__name__, value)


def _expected(value: object, stamps: dict[int, str]) -> tuple[str, object]:
    """`_plain(value)` with each stamped mapping's en_from set: in place, or after its last `*_en` key."""
    if isinstance(value, YList):
        return ("list", [_expected(v, stamps) for v in value])
    if not isinstance(value, YMap):
        return _plain(value)
    items = [(k, _expected(v, stamps)) for k, v in value.items()]
    if id(value) in stamps:
        stamp = ("en_from", ("str", stamps[id(value)]))
        if "en_from" in value:
            items = [stamp if k == "en_from" else (k, v) for k, v in items]
        else:
            last = max(i for i, (k, _) in enumerate(items) if k.endswith("_en"))
            items.insert(last + 1, stamp)
    return ("map", items)


def stamp_file(path: Path, name: str | None = None) -> tuple[bytes | None, int, list[Diagnostic]]:
    """(new bytes, or None when every fingerprint is current; how many written; problems)."""
    name = name or str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return None, 0, [error(name, 0, 0, "unreadable", f"cannot read file: {exc.strerror or exc}")]
    try:
        text = decode(raw, name)
        new, count, problems = stamp_text(text, name)
    except YamlProblem as p:
        return None, 0, [p.at(name)]
    except StampError as exc:
        return None, 0, [error(name, 1, 1, "fmt-refused", str(exc))]
    if problems or not count:
        return None, 0, problems
    return (_BOM if raw.startswith(_BOM) else b"") + new.encode("utf-8"), count, []
