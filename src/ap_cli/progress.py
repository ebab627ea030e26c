"""Recording progress: new entries checked against the plan and the log, the file each one
belongs to (one per quarter and institution), and entries read from a spreadsheet (CSV) or a
filled-in quarterly form.

Everything is validated before anything is written: callers get either a list of entries
ready to append or every problem at once, each located in the input it came from.
"""

from __future__ import annotations

import csv
import io
import os
import re
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from .diagnostics import Diagnostic, error, excerpt
from .domain import COMPLETIONS, STATUSES
from .institutions import UnknownInstitution, slug
from .periods import MAX_YEAR, MIN_YEAR, Quarter
from .plan import Plan
from .refs import RefError
from .source import YMap


class _Noted(Protocol):
    @property
    def note(self) -> str | None: ...
    @property
    def internal(self) -> bool: ...


def public_note(entry: _Noted) -> str | None:
    """The entry's note as a public output (site, calendar, a published export) may show it:
    None when the entry is marked `internal` (its note is not for publication). Status, date
    and evidence are always public; only the note can be withheld."""
    return None if entry.internal else entry.note
MAX_ROWS = 10_000  # rows (or entries) of one import: a quarter of the real plan needs a few hundred
COLUMNS = ("ref", "status", "date", "evidence", "completion", "by", "note")
REQUIRED = ("ref", "status", "date")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # what the YAML reader refuses, even escaped


@dataclass(frozen=True)
class Draft:
    """One entry as typed (command line, CSV row or form item), with where it came from."""

    ref: str | None
    status: str | None
    date: str | None
    evidence: str | None = None
    completion: str | None = None
    by: str | None = None
    note: str | None = None
    internal: bool = False  # the note is not for publication (a form item may say so)
    file: str = "<command line>"
    line: int = 0
    cols: dict[str, tuple[int, int]] = field(default_factory=dict)  # field -> (line, col) where its value starts

    def at(self, name: str) -> tuple[int, int]:
        return self.cols.get(name, (self.line, 1 if self.line else 0))


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    message: str


# ----------------------------------------------------------------------------- reading values


def parse_day(text: str | None) -> str | None:
    """`2009-06-20`, `20.06.2009` or `20/06/2009` (as spreadsheets in Albania write it) → ISO, else None."""
    from .dates import parse_entry_date

    day = parse_entry_date(text or "")
    return day.isoformat() if day else None


def status_of(text: str | None, words: tuple[str, ...] = STATUSES) -> str | None:
    """A status as typed: `in_progress`, `In progress`, `in-progress`, or as the reports print it
    in Albanian (`Në proces`, `përfunduar`), any case and diacritics → one of `words` (the
    statuses of an entry; `list --status` passes its wider set of filters), else None."""
    from .institutions import fold
    from .report import STATES

    word = _word(text)
    if word in words:
        return word
    labels = {fold(label): status for lang in STATES.values() for status, label in lang.items()}
    found = labels.get(fold(text or ""))
    return found if found in words else None


def status_hint(text: str, words: tuple[str, ...] = STATUSES) -> str:
    """'; did you mean …?' for a near-miss status, or ''."""
    import difflib

    from .institutions import fold
    from .report import STATES

    spellings = {fold(w): w for w in (*words, *STATES["sq"].values(), *STATES["en"].values())}
    close = difflib.get_close_matches(fold(text), list(spellings), n=1, cutoff=0.6)
    found = status_of(spellings[close[0]], words) if close else None
    return f"; did you mean {found}?" if found else ""


def _word(text: str | None) -> str | None:
    """`In progress`, `in-progress`, ` COMPLETED ` → `in_progress`, `completed`."""
    text = (text or "").strip()
    return re.sub(r"[\s-]+", "_", text.lower()) if text else None


def _text(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def destination(progress_dir: Path, entry: dict[str, Any]) -> Path:
    """`progress/2009Q2/mpcsshb.yaml`: the entry's quarter and the body that reports it."""
    return Path(progress_dir) / str(Quarter.of(date.fromisoformat(entry["date"]))) / f"{slug(entry['by'])}.yaml"


# ----------------------------------------------------------------------------- the log so far


def file_key(path: str | Path) -> tuple[str, str]:
    """Which log file an entry belongs to: (quarter folder, file stem), e.g. ("2009Q2", "zkka")."""
    p = Path(path)
    return p.parent.name, p.stem


def entry_file_key(entry: dict[str, Any]) -> tuple[str, str]:
    """The log file a new entry goes to (see `destination`)."""
    return str(Quarter.of(date.fromisoformat(entry["date"]))), slug(entry["by"])


def rule_problems(label: str, status: str | None, completion: str | None, evidence: str | None,
                  day: str | None, today: date) -> list[Problem]:
    """The rules every progress entry keeps, whoever wrote it: `check` applies them to the log
    as it is, `progress add` and `progress import` to each new entry before writing it."""
    problems = []
    if completion and status in STATUSES and status != "in_progress":
        problems.append(Problem("completion", "completion-without-progress",
                                f"{label}completion is only for status in_progress (got {status})"))
    if status == "completed" and not evidence:
        problems.append(Problem("evidence", "missing-evidence",
                                f"{label}a completed entry needs evidence (a decision, report or document)"))
    if day is not None and day > today.isoformat():
        problems.append(Problem("date", "future-date", f"{label}dated {day}, after today ({today.isoformat()})"))
    return problems


def order_problem(label: str, day: str, previous: tuple[str, str] | None) -> Problem | None:
    """Within one log file an activity's entries are dated in the order they were appended:
    a new entry is dated on or after the file's latest entry for that activity. Files of
    different bodies or quarters are independent logs."""
    if previous is None or day >= previous[0]:
        return None
    last, where = previous
    return Problem("date", "progress-order",
                   f"{label}dated {day}, before the latest entry for it in the same file ({last}, {where}); "
                   "the log is append-only: date the new entry on or after it")


class Log:
    """The progress log as loaded, plus entries accepted earlier in the same run."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.latest: dict[tuple[tuple[str, str], str], tuple[str, str]] = {}  # (file key, ref) -> (date, where)
        self.seen: dict[tuple[str | None, ...], str] = {}
        for rec, ref in zip(plan.progress, plan.progress_refs, strict=True):
            if ref is None:  # names no activity (`check` reports it)
                continue
            entry = rec.entry.model_dump()
            entry["ref"] = ref
            self.accept(entry, f"{rec.file}:{rec.pos[0]}", file_key(rec.file))

    def _key(self, entry: dict[str, Any]) -> tuple[str | None, ...]:
        by = entry.get("by")
        if by:
            with suppress(UnknownInstitution):
                by = self.plan.registry.resolve(by)
        return tuple(by if k == "by" else entry.get(k) for k in COLUMNS)

    def accept(self, entry: dict[str, Any], where: str, in_file: tuple[str, str] | None = None) -> None:
        key = (in_file or entry_file_key(entry), entry["ref"])
        if key not in self.latest or entry["date"] >= self.latest[key][0]:
            self.latest[key] = (entry["date"], where)
        self.seen.setdefault(self._key(entry), where)

    def latest_in_file(self, entry: dict[str, Any]) -> tuple[str, str] | None:
        return self.latest.get((entry_file_key(entry), entry["ref"]))

    def duplicate(self, entry: dict[str, Any]) -> str | None:
        return self.seen.get(self._key(entry))


# ----------------------------------------------------------------------------- validation


def check_draft(plan: Plan, d: Draft, today: date, log: Log) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The entry to write (canonical ref, registry ids) or every problem with it."""
    problems: list[Problem] = []
    rec = None
    if d.ref is None or not _text(d.ref):
        problems.append(Problem("ref", "missing-field", "ref is empty"))
    else:
        try:
            rec = plan.resolve_ref(d.ref)
        except RefError as exc:
            problems.append(Problem("ref", "unknown-ref", str(exc)))
    label = f"{rec.ref}: " if rec else ""

    status = status_of(d.status)
    if status is None:
        what = f"unknown status {excerpt(d.status)}" if _text(d.status) else "status is empty"
        hint = status_hint(d.status) if d.status and _text(d.status) else ""
        problems.append(Problem("status", "unknown-status",
                                f"{label}{what}; use one of: {', '.join(STATUSES)} "
                                f"(or as the reports print them: Pa filluar, Në proces, Përfunduar, …){hint}"))

    day = parse_day(d.date)
    if day is None:
        what = f"cannot read date {excerpt(d.date)}" if _text(d.date) else "date is empty"
        problems.append(Problem("date", "bad-date", f"{label}{what}; write it as 2009-06-20 "
                                "(or 20.06.2009, 20/06/2009), "
                                f"a year from {MIN_YEAR} to {MAX_YEAR}"))

    completion = _word(d.completion)
    if completion and completion not in COMPLETIONS:
        problems.append(Problem("completion", "invalid-value",
                                f"{label}unknown completion {excerpt(d.completion)}; use limited or substantial"))
    evidence = _text(d.evidence)
    problems += rule_problems(label, status, completion if completion in COMPLETIONS else None, evidence, day,
                              today)

    by = None
    if d.by and _text(d.by):
        try:
            by = plan.registry.resolve(d.by.strip())
        except UnknownInstitution as exc:
            problems.append(Problem("by", "unknown-institution", f"{label}{exc}"))
    elif rec:
        by = rec.lead
        if by is None:
            problems.append(Problem("by", "missing-field",
                                    f"{label}the activity names no responsible body; say who reports (--by)"))

    for name in ("ref", "evidence", "by", "note"):
        bad = _CONTROL.search(getattr(d, name) or "")
        if bad:
            problems.append(Problem(name, "control-char",
                                    f"{label}{name} holds control character U+{ord(bad.group()):04X}"))

    if not problems and rec and day and by:
        late = order_problem(label, day, log.latest_in_file({"ref": rec.ref, "date": day, "by": by}))
        if late:
            problems.append(late)
    if problems or rec is None:
        return None, problems
    entry: dict[str, Any] = {"ref": rec.ref, "date": day, "status": status, "completion": completion,
                             "evidence": evidence, "by": by, "note": _text(d.note)}
    if d.internal:
        entry["internal"] = True  # written only when true
    from .model import ProgressEntry

    ProgressEntry.model_validate(entry)  # the model is the last word on shape
    where = log.duplicate(entry)
    if where:
        return None, [Problem("ref", "duplicate-entry", f"{label}the same entry is already recorded ({where})")]
    return entry, []


def check_drafts(plan: Plan, drafts: list[Draft], today: date) -> tuple[list[dict[str, Any]], list[Diagnostic]]:
    """All drafts in order, each checked against the log and the drafts accepted before it."""
    log = Log(plan)
    entries, diags = [], []
    for d in drafts:
        entry, problems = check_draft(plan, d, today, log)
        for p in problems:
            diags.append(error(d.file, *d.at(p.field), p.code, p.message))
        if entry:
            entries.append(entry)
            log.accept(entry, f"{d.file}:{d.line}")
    return entries, diags


# ----------------------------------------------------------------------------- planning writes


def plan_writes(plan: Plan, progress_dir: Path, entries: list[dict[str, Any]],
                broken: frozenset[Path] | set[Path] = frozenset(),
                root: Path | None = None) -> list[tuple[Path, bytes]]:
    """For each file touched, its new bytes (entries appended; new files get the modeline).

    Raises edit.EditError when a file cannot take the entries, edit.WriteError when it must
    not be written (a link, a device, a directory, or a link on the way from `root`, by
    default `progress_dir`); nothing is written here.
    """
    from . import edit

    groups: dict[Path, list[dict[str, Any]]] = {}
    for entry in entries:
        groups.setdefault(destination(progress_dir, entry), []).append(entry)
    writes = []
    for path, items in groups.items():
        edit.check_target(path, Path(root or progress_dir))
        if path.resolve() in broken:
            raise edit.EditError(f"{path}: this file has errors (run `apcli check`); fix them before adding entries")
        header = "" if os.path.lexists(path) else edit.modeline(edit.schema_ref(Path(plan.root), path.parent))
        writes.append((path, edit.append_entries(path, items, header)))
    return writes


# ----------------------------------------------------------------------------- spreadsheets


def read_csv(path: Path, name: str | None = None) -> tuple[list[Draft], list[Diagnostic]]:
    """Rows of a CSV export (UTF-8 with or without BOM; `,`, `;` or tab separated)."""
    name = name or str(path)
    raw, problems = _read_capped(path, name)
    if raw is None:
        return [], problems
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        return [], [error(name, line, 1, "not-utf8",
                          f"invalid UTF-8 byte 0x{raw[exc.start]:02x}; save the sheet as 'CSV UTF-8'")]
    lines = re.split(r"\r\n|\r|\n", text)  # the same line breaks the csv module counts
    header_line = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_line is None:
        return [], [error(name, 1, 1, "empty-file", "file is empty; the first line must name the columns: "
                          + ",".join(COLUMNS))]
    delimiter = _delimiter(lines[header_line])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    diags: list[Diagnostic] = []
    drafts: list[Draft] = []
    columns: list[str] | None = None
    previous = rows = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # a cell past the csv module's limit: an unclosed quote, mostly
            diags.append(_csv_error(name, previous + 1, exc))
            break
        line, previous = previous + 1, reader.line_num
        physical = lines[line - 1] if line == previous and line <= len(lines) else None
        starts = _cell_starts(physical, delimiter) if physical is not None else []
        if not any(cell.strip() for cell in row):
            continue
        if columns is None:
            columns = [c.strip().lower() for c in row]
            diags += _check_header(name, line, columns, starts)
            if diags:
                return [], diags
            continue
        rows += 1
        if rows > MAX_ROWS:
            diags.append(_too_many_rows(name, line))
            break
        extra = [c for c in row[len(columns):] if c.strip()]
        if extra:
            diags.append(error(name, line, 1, "extra-cells",
                               f"{len(row)} cells, but the header names {len(columns)} columns"))
            continue
        # a short row leaves its last cells out
        values = {c: v.replace("\r\n", "\n").replace("\r", "\n") for c, v in zip(columns, row, strict=False)}
        cols = {c: (line, starts[i] if i < len(starts) else 1) for i, c in enumerate(columns)}
        drafts.append(Draft(ref=values.get("ref"), status=values.get("status"), date=values.get("date"),
                            evidence=values.get("evidence"), completion=values.get("completion"),
                            by=values.get("by"), note=values.get("note"), file=name, line=line, cols=cols))
    return drafts, diags


def _read_capped(path: Path, name: str) -> tuple[bytes | None, list[Diagnostic]]:
    """An import's bytes, read as plan files are: regular files only, at most the size cap."""
    from .edit import os_reason
    from .source import MAX_FILE_BYTES, read_capped

    try:
        raw = read_capped(path)
    except (OSError, ValueError) as exc:
        return None, [error(name, 0, 0, "unreadable", f"cannot read file: {os_reason(exc)}")]
    if len(raw) > MAX_FILE_BYTES:
        try:
            size = f"{os.stat(path).st_size:,} bytes"
        except OSError:
            size = "larger than that"
        return None, [error(name, 0, 0, "file-too-large", f"file is {size}; the limit is {MAX_FILE_BYTES:,}")]
    return raw, []


def _csv_error(name: str, line: int, exc: csv.Error) -> Diagnostic:
    reason = str(exc)
    if "field larger than field limit" in reason:
        reason = f"a cell is longer than {csv.field_size_limit():,} characters (a quote opened and never closed?)"
    return error(name, line, 1, "csv-error", f"cannot read the CSV from here: {reason}")


def _too_many_rows(name: str, line: int) -> Diagnostic:
    return error(name, line, 1, "too-many-rows",
                 f"more than {MAX_ROWS:,} rows or entries in one import; split the file")


def _delimiter(header: str) -> str:
    """The separator that splits the header into the most known column names."""
    def known(sep: str) -> int:
        cells = next(csv.reader([header], delimiter=sep), [])
        return sum(c.strip().lower() in COLUMNS for c in cells)

    return max((",", ";", "\t"), key=known)


def _check_header(name: str, line: int, columns: list[str], starts: list[int]) -> list[Diagnostic]:
    diags = []
    for i, c in enumerate(columns):
        col = starts[i] if i < len(starts) else 1
        if c not in COLUMNS:
            diags.append(error(name, line, col, "unknown-column",
                               f"unknown column {excerpt(c)}; the columns are {','.join(COLUMNS)}"))
        elif columns.index(c) != i:
            diags.append(error(name, line, col, "duplicate-column", f"column {excerpt(c)} appears twice"))
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        diags.append(error(name, line, 1, "missing-column",
                           f"missing column(s) {', '.join(missing)}; the first line must name the columns "
                           f"({','.join(COLUMNS)})"))
    return diags


def _cell_starts(line: str, delimiter: str) -> list[int]:
    """1-based column where each cell of a one-line CSV row starts (quotes respected)."""
    starts, quoted = [1], False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            starts.append(i + 2)
    return starts


# ----------------------------------------------------------------------------- filled-in forms


def _in_words_people_use(item: YMap) -> YMap:
    """A form entry with its date and status as the CLI and CSV imports read them (20.06.2009,
    20/06/2009; `Në proces`, `Përfunduar`) written the canonical way, positions kept; anything
    unreadable is left for the model to refuse where it stands."""
    fixed = YMap(item)
    fixed.pos, fixed.key_pos, fixed.start = item.pos, item.key_pos, item.start
    if isinstance(item.get("date"), str):
        fixed["date"] = parse_day(item["date"]) or item["date"]
    if isinstance(item.get("status"), str):
        fixed["status"] = status_of(item["status"]) or item["status"]
    return fixed


def read_form(path: Path, name: str | None = None) -> tuple[list[Draft], list[Diagnostic]]:
    """Entries of a filled-in quarterly form (or any progress file) as drafts."""
    from .loader import validate
    from .model import ProgressEntry
    from .source import YList, position, read_file

    name = name or str(path)
    source, diags = read_file(path, name)
    if source is None:
        return [], diags
    data = source.data
    if data is None:
        return [], [error(name, 1, 1, "empty-file",
                          "no entries: uncomment (remove the leading '# ' of) the entries you report")]
    if not isinstance(data, YList):
        line, col = getattr(data, "start", (1, 1))
        return [], [error(name, line, col, "wrong-type", "expected a list of progress entries")]
    drafts = []
    for i, item in enumerate(data):
        if i >= MAX_ROWS:
            diags.append(_too_many_rows(name, data.pos[i][0]))
            break
        if not isinstance(item, YMap):
            diags.append(error(name, *data.pos[i], "wrong-type", f"[{i}]: expected an entry (ref, date, status, …)"))
            continue
        entry, problems = validate(ProgressEntry, _in_words_people_use(item), name, (i,))
        if problems or entry is None:
            diags += problems
            continue
        cols = {k: position(item, (k,)) for k in COLUMNS}
        drafts.append(Draft(**entry.model_dump(), file=name, line=data.pos[i][0], cols=cols))
    return drafts, diags
