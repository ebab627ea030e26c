"""The one problem type every check reports, and its text, GitHub and JSON renderings; and the
characters no output may carry raw, with the escaping every output format builds on.

Positions are 1-based (line and column as an editor shows them); 0 means "the whole file".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict
from typing import Literal

from .record import Record

Severity = Literal["error", "warning"]

# ----------------------------------------------------------------------------- unsafe characters
#
# Text from plan files, file names and arguments never reaches an output raw when it holds:
# control characters (C0, DEL and C1: a terminal obeys ESC, BEL and the one-character CSI
# U+009B; a newline starts a workflow command), line and paragraph separators, format
# characters (bidi controls that reorder what a reader sees, as in "trojan source"; zero-width
# and other invisible characters; tag characters), invisible fillers, and lone surrogates
# (bytes of a file name or argument that are not UTF-8). Each output shows them its own way:
# `escape_line` (terminals, diagnostics, file names), `escape_text` (multi-line text),
# `dump_json` (lossless JSON escapes); Markdown, CSV and HTML build on these (output.py, render.py).

# Character classes, written as regular-expression escapes.
BIDI_CONTROLS = r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_FORMAT = (r"\u00ad\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200d\u2060-\u2064"
           r"\u206a-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
           r"\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f")  # Cf but bidi
INVISIBLE = _FORMAT + r"\u034f\u115f\u1160\u3164\uffa0\u2028\u2029"  # + fillers, separators
_REST = rf"\x7f-\x9f{BIDI_CONTROLS}{INVISIBLE}\ud800-\udfff"  # unsafe, C0 aside
UNSAFE = re.compile(rf"[\x00-\x1f{_REST}]")
_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match[str]) -> str:
    c = m.group()
    n = ord(c)
    if c in _NAMED:
        return _NAMED[c]
    if n < 0x100:
        return f"\\x{n:02x}"
    if 0xDC80 <= n <= 0xDCFF:  # a byte that was not UTF-8 (Python's surrogateescape)
        return f"\\x{n - 0xDC00:02x}"
    return f"\\u{n:04x}" if n <= 0xFFFF else f"\\U{n:08x}"


def escape_line(text: object) -> str:
    """Text on one line, every unsafe character shown as an escape: `\\n`, `\\x1b`, `\\u202e`."""
    text = str(text)
    return UNSAFE.sub(_escape, text) if UNSAFE.search(text) else text


_KEEP_LINES = re.compile(rf"[\x00-\x08\x0b-\x1f{_REST}]")


def escape_text(text: object) -> str:
    """Multi-line text: line breaks of every kind become `\\n` and stay; tabs stay; the rest of
    what is unsafe is shown as an escape, as in `escape_line`."""
    text = str(text)
    if not UNSAFE.search(text):
        return text
    return _KEEP_LINES.sub(_escape, _BREAKS.sub("\n", text))


def excerpt(text: object, limit: int = 60) -> str:
    """User text quoted in a message: at most `limit` characters, as a Python literal (escaped)."""
    text = str(text)
    return repr(text if len(text) <= limit else text[:limit] + "…")


_JSON_UNSAFE = re.compile(f"[{_REST}]")  # json.dumps escapes C0 itself


def _json_escape(m: re.Match[str]) -> str:
    n = ord(m.group())
    if n > 0xFFFF:  # JSON spells a character beyond the BMP as a surrogate pair
        n -= 0x10000
        return f"\\u{0xD800 + (n >> 10):04x}\\u{0xDC00 + (n & 0x3FF):04x}"
    return f"\\u{n:04x}"


def dump_json(data: object) -> str:
    """Indented UTF-8 JSON with a newline; unsafe characters as `\\u` escapes, so the text a tool
    reads back is exact and a terminal showing the JSON obeys nothing."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return _JSON_UNSAFE.sub(_json_escape, text) + "\n"


class Diagnostic(Record, order=True):
    file: str
    line: int
    col: int
    severity: Severity
    code: str
    message: str

    def text(self) -> str:
        """`file:line:col: [severity] message (code)`, always one line of safe text."""
        return escape_line(f"{self.file}:{self.line}:{self.col}: [{self.severity}] {self.message} ({self.code})")


MAX_MESSAGE = 1000  # characters: messages quote short excerpts; this catches any that would not


def _message(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"


def error(file: str, line: int, col: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(str(file), line, col, "error", code, _message(message))


def warning(file: str, line: int, col: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(str(file), line, col, "warning", code, _message(message))


def has_errors(diagnostics: Iterable[Diagnostic], strict: bool = False) -> bool:
    return any(d.severity == "error" or strict for d in diagnostics)


def format_text(diagnostics: list[Diagnostic]) -> str:
    return "".join(d.text() + "\n" for d in diagnostics)


def _escape_data(value: str) -> str:
    """A workflow command's message: GitHub's own %-escapes for `%`, CR and LF (an annotation may
    hold line breaks; the command stays one line), every other unsafe character as `escape_line`."""
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return escape_line(value)


def _escape_property(value: str) -> str:
    """A property (file name, title): one line, as `escape_line`, and GitHub's escapes."""
    return escape_line(value).replace("%", "%25").replace(":", "%3A").replace(",", "%2C")


def format_github(diagnostics: list[Diagnostic]) -> str:
    """GitHub workflow commands (annotations), then the full plain list.

    GitHub shows only the first few annotations of a step, so the plain list follows. Each
    command is one line whatever the plan holds (see `_escape_data`), and so is each plain line.
    """
    lines = []
    for d in diagnostics:
        props = [f"file={_escape_property(d.file)}"]
        if d.line:
            props += [f"line={d.line}", f"col={d.col}"]
        props.append(f"title={_escape_property(d.code)}")
        lines.append(f"::{d.severity} {','.join(props)}::{_escape_data(d.message)}")
    return "".join(line + "\n" for line in lines) + format_text(diagnostics)


def format_json(diagnostics: list[Diagnostic]) -> str:
    return dump_json([asdict(d) for d in diagnostics])


def summary(diagnostics: list[Diagnostic], files: int) -> str:
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    line = f"{files} files checked: {errors} error(s), {warnings} warning(s)"
    if any(d.code == "unparsed-deadline" for d in diagnostics):
        line += "\nthe deadline phrases apcli reads: apcli deadline --help"
    return line
