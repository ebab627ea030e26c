"""The one problem type every check reports, and its text, GitHub and JSON renderings.

Positions are 1-based (line and column as an editor shows them); 0 means "the whole file".
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Iterable, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    file: str
    line: int
    col: int
    severity: Severity
    code: str
    message: str

    def text(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: [{self.severity}] {self.message} ({self.code})"


def error(file: str, line: int, col: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(str(file), line, col, "error", code, message)


def warning(file: str, line: int, col: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(str(file), line, col, "warning", code, message)


def has_errors(diagnostics: Iterable[Diagnostic], strict: bool = False) -> bool:
    return any(d.severity == "error" or strict for d in diagnostics)


def format_text(diagnostics: list[Diagnostic]) -> str:
    return "".join(d.text() + "\n" for d in diagnostics)


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def format_github(diagnostics: list[Diagnostic]) -> str:
    """GitHub workflow commands (annotations), then the full plain list.

    GitHub shows only the first few annotations of a step, so the plain list follows.
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
    return json.dumps([asdict(d) for d in diagnostics], ensure_ascii=False, indent=2) + "\n"


def summary(diagnostics: list[Diagnostic], files: int) -> str:
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    line = f"{files} files checked: {errors} error(s), {warnings} warning(s)"
    if any(d.code == "unparsed-deadline" for d in diagnostics):
        line += "\nthe deadline phrases apcli reads: apcli deadline --help"
    return line
