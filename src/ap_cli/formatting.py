"""The house style of plan files (`apcli fmt`), applied without changing any value.

House style: 2-space indentation; a block sequence indented under its key (`goals:` then
`  - id: …`), a top-level list at column 0; `null` written out; no trailing spaces; LF line
endings, no BOM, one newline at the end; lines never re-wrapped. Kept as written: comments,
blank lines, key order, quoting (`"1"`, `'x'`, plain), flow or block style (`[PSH, ZKKA]`),
literal and folded blocks. It is ruamel.yaml's round trip with those settings.

A file is rewritten only when the result reads back as exactly the same data (values, types
and key order) with the same comments; otherwise it is left alone and the reason reported.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic, error
from .errors import ApcliError
from .source import MAX_FILE_BYTES, YamlProblem, YList, YMap, decode, parse_text, read_capped

INDENT = 2
WIDTH = 1_000_000  # never re-wrap text: a re-wrapped title is a noisy diff


class FormatError(ApcliError):
    """Formatting would change the data or move a comment; the file is left as it is."""


def _yaml() -> Any:  # ruamel.yaml is untyped
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=INDENT, sequence=2 * INDENT, offset=INDENT)
    yaml.width = WIDTH
    yaml.representer.add_representer(
        type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null"))
    return yaml


def format_text(text: str) -> str:
    """`text` in house style; raises FormatError (or YamlProblem for invalid YAML)."""
    data = parse_text(text)
    if data is None:  # comments only: nothing for the emitter to hold
        return _indent_comments(_tidy(text, strip=True))
    out = _indent_comments(_tidy(_dump_list(text) if isinstance(data, YList) else _dump(text), strip=False))
    if _shape(parse_text(out)) != _shape(data):
        raise FormatError("formatting would change the data; file left as it is")
    if _comments(out) != _comments(text):
        raise FormatError("formatting would move or drop a comment; file left as it is")
    return out


def _dump(text: str) -> str:
    yaml = _yaml()
    buf = io.StringIO()
    yaml.dump(yaml.load(text), buf)
    return buf.getvalue()


def _dump_list(text: str) -> str:
    """ruamel indents a top-level list by the sequence offset (and so pushes inline comments
    left of their column); format it as the value of a placeholder key instead, then move it
    back to column 0."""
    wrapped = "_:\n" + "".join("  " + line if line.strip("\r\n") else line for line in text.splitlines(True))
    try:
        head, _, body = _dump(wrapped).partition("\n")
    except Exception:  # e.g. a `---` line, which cannot be indented: format it directly
        head, body = None, ""
    return _dedent(body) if head == "_:" else _dedent(_dump(text))


def _dedent(text: str) -> str:
    """Column 0 for a top-level list (house style), when every line allows it."""
    lines = text.split("\n")
    if any(line and not line.startswith(" " * INDENT) and not line.lstrip().startswith("#") for line in lines):
        return text
    return "\n".join(line[INDENT:] if line.startswith(" " * INDENT) else line for line in lines)


def _tidy(text: str, strip: bool) -> str:
    """LF line endings and one final newline; trailing spaces go only when `strip` (ruamel
    already drops them, except inside block scalars, where they are content)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if strip:
        lines = [line.rstrip() for line in lines]
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines) + "\n" if lines else ""


def _indent_comments(text: str) -> str:
    """Each full-line comment at the indentation of the line it precedes (ruamel keeps a
    comment's column, so a comment would otherwise stay wherever it was typed)."""
    lines = text.split("\n")
    inside = _scalar_lines(text)
    comment = [i not in inside and line.lstrip().startswith("#") for i, line in enumerate(lines)]
    indent = 0
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        if comment[i]:
            lines[i] = " " * indent + line.lstrip()
        elif line.strip():
            indent = len(line) - len(line.lstrip(" "))
    return "\n".join(lines)


def _scalar_lines(text: str) -> set[int]:
    """0-based lines that continue a multi-line scalar (a `#` there is text, not a comment)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.tokens import ScalarToken

    lines: set[int] = set()
    for token in YAML(typ="rt").scan(text):
        if isinstance(token, ScalarToken):
            start, end = token.start_mark, token.end_mark
            last = end.line if end.column > 0 else end.line - 1
            lines.update(range(start.line + 1, last + 1))
    return lines


def _shape(value: object) -> tuple[str, object]:
    """Data with key order, for comparison (dict equality would ignore order)."""
    if isinstance(value, YMap):
        return ("map", [(k, _shape(v)) for k, v in value.items()])
    if isinstance(value, YList):
        return ("list", [_shape(v) for v in value])
    return (type(value).__name__, value)


def _comments(text: str) -> list[str]:
    """Every comment line of a YAML text, in order, without its indentation."""
    from ruamel.yaml import YAML

    found: list[str] = []

    def walk(node: object) -> None:
        if node is None:
            return
        if isinstance(node, (list, tuple)):
            for part in node:
                walk(part)
            return
        value = getattr(node, "value", None)
        if type(node).__name__ == "CommentToken" and isinstance(value, str):
            found.extend(line.strip() for line in value.splitlines() if line.strip())

    for token in YAML(typ="rt").scan(text):
        walk(token if type(token).__name__ == "CommentToken" else getattr(token, "comment", None))
    return found


def format_file(path: Path, name: str | None = None) -> tuple[bytes | None, list[Diagnostic]]:
    """(new bytes, or None when already formatted; problems)."""
    name = name or str(path)
    try:
        raw = read_capped(path)  # regular files only, at most the size cap
    except (OSError, ValueError) as exc:
        return None, [error(name, 0, 0, "unreadable", f"cannot read file: {getattr(exc, 'strerror', None) or exc}")]
    if len(raw) > MAX_FILE_BYTES:
        return None, [error(name, 0, 0, "file-too-large", f"file is over the size limit ({MAX_FILE_BYTES:,} bytes)")]
    try:
        new = format_text(decode(raw, name)).encode("utf-8")
    except YamlProblem as p:
        return None, [p.at(name)]
    except FormatError as exc:
        return None, [error(name, 1, 1, "fmt-refused", str(exc))]
    except Exception as exc:  # ruamel's own refusals (e.g. constructs it cannot round-trip)
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None, [error(name, 1, 1, "fmt-refused", f"cannot format: {reason}")]
    return (None if new == raw else new), []


def plan_files(root: Path) -> list[Path]:
    """Every YAML file under a directory (a plan: its progress log included), sorted."""
    return sorted(Path(root).rglob("*.yaml"))
