"""Rendering a plan diff for people and tools: Markdown for a PR comment or job summary,
plain text for a terminal, JSON for scripts. The changes themselves come from `diff.py`.

With `lang="en"` the plan text of what was added or removed (activity titles and deadlines,
goal and objective titles, body names) is shown in its unofficial English, and a line says so;
edits to the Albanian text are shown as they are, since the Albanian is what changed. JSON
always carries both languages.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from . import language
from .diagnostics import dump_json, escape_line
from .diff import CATEGORIES, KINDS, Change, Op, wdiff
from .output import md_escape

FORMATS = ("md", "json", "text")


def _md_words(ops: Iterable[Op]) -> str:
    parts = {"=": "{}", "-": "~~{}~~", "+": "**{}**", "…": "…", "·": "·"}
    return " ".join(parts[op].format(md_escape(text)) for op, text in ops)



FOLD_AFTER = 10  # Markdown sections with more rows than this are folded in <details>


_ENGLISHED = {"activity_removed", "activity_added", "goal_removed", "goal_added", "objective_removed",
              "objective_added", "institution_removed", "institution_added"}


def render(changes: list[Change], fmt: str, base_label: str = "base", head_label: str = "head",
           lang: str = "sq") -> str:
    if fmt == "json":
        return render_json(changes)
    shown = [in_language(c, lang) for c in changes]
    note = language.NOTE if lang == "en" and any(c.kind in _ENGLISHED for c in changes) else None
    if fmt == "text":
        return render_text(shown, base_label, head_label) + (f"\n{note}\n" if note else "")
    return render_md(shown, base_label, head_label) + (f"\n{md_escape(note)}\n" if note else "")


def in_language(c: Change, lang: str) -> Change:
    """The change as shown in `lang`: under `en`, an added or removed activity, heading or body
    in its English (the Albanian, marked, where there is none)."""
    if lang != "en" or c.kind not in _ENGLISHED:
        return c
    if c.kind.startswith("activity_"):
        def english(summary: object) -> object:
            if not isinstance(summary, dict):
                return summary
            return {**summary, "title": language.pick(summary.get("title"), summary.get("title_en"), lang),
                    "deadline": summary.get("deadline_en") or summary.get("deadline")}
        return dataclasses.replace(c, before=english(c.before), after=english(c.after))
    return dataclasses.replace(c, before=_pick(c.before, c.english, lang), after=_pick(c.after, c.english, lang))


def _pick(text: object, english: str | None, lang: str) -> object:
    """A body's or heading's name (text) in `lang`; anything else as it is."""
    return language.pick(text, english, lang) if isinstance(text, str) else text


def render_json(changes: list[Change]) -> str:
    return dump_json([c.as_json() for c in changes])


def summary(changes: list[Change]) -> str:
    """`2 activities added, 1 deadline changed (1 later, up to 6 months)`."""
    counts = Counter(c.kind for c in changes)
    parts = []
    for kind, (_, one, many) in KINDS.items():
        n = counts.get(kind)
        if not n:
            continue
        part = f"{n} {one if n == 1 else many}"
        if kind == "deadline_changed":
            part += _slip_note([c for c in changes if c.kind == kind])
        parts.append(part)
    return ", ".join(parts)


def _slip_note(deadlines: list[Change]) -> str:
    later = [c.months for c in deadlines if c.direction == "later" and c.months is not None]
    notes = []
    if later:
        notes.append(f"{len(later)} later, up to {max(later)} month{'s' if max(later) != 1 else ''}")
    undated = sum(c.direction == "undated" for c in deadlines)
    if undated:
        notes.append(f"{undated} no longer due")
    return f" ({'; '.join(notes)})" if notes else ""


def attention(changes: list[Change]) -> str:
    counts = Counter(cat for c in changes for cat in c.categories())
    labels = {"slip": ("deadline slip", "deadline slips"), "removal": ("removal", "removals"),
              "regression": ("status regression", "status regressions")}
    return ", ".join(f"{counts[c]} {labels[c][counts[c] != 1]}" for c in CATEGORIES if counts[c])


def _moved(c: Change) -> str:
    if c.direction in ("later", "earlier") and c.months is not None:
        return f"{abs(c.months)} month{'s' if abs(c.months) != 1 else ''} {c.direction}"
    return {"same": "same due day", "undated": "no due day any more",
            "dated": "now has a due day"}.get(c.direction or "", "no due day either way")


def _where(c: Change) -> str:
    return c.ref + (f" (milestone {c.milestone})" if c.milestone else "")


def _get(value: object, key: str) -> object:
    return value.get(key) if isinstance(value, dict) else None


def _either(c: Change) -> object:
    return c.after if c.after is not None else c.before


@dataclass(frozen=True)
class Words:
    """A table cell holding a word diff: struck/bold in Markdown, wdiff in text."""

    ops: tuple[Op, ...]


def _words(c: Change) -> Words:
    return Words(c.words or ())


Column = tuple[str, Callable[[Change], object]]


# kind → [(header, cell function)]; unlisted kinds use the generic edit columns.
_ACTIVITY: list[Column] = [("ref", _where), ("lead", lambda c: _get(_either(c), "lead")),
             ("deadline", lambda c: _get(_either(c), "deadline")), ("title", lambda c: _get(_either(c), "title"))]
_TITLED: list[Column] = [("ref", _where), ("title", _either)]
_EDIT: list[Column] = [("ref", _where), ("field", lambda c: c.field),
                       ("change", lambda c: Words(c.words) if c.words is not None
                        else f"{_plain(c.before)} → {_plain(c.after)}")]
_ENTRY: list[Column] = [("ref", _where), ("date", lambda c: _get(_either(c), "date")),
          ("status", lambda c: _status_cell(_either(c))), ("by", lambda c: _get(_either(c), "by")),
          ("evidence", lambda c: _get(_either(c), "evidence")), ("note", lambda c: _get(_either(c), "note"))]
COLUMNS: dict[str, list[Column]] = {
    "activity_removed": _ACTIVITY, "activity_added": _ACTIVITY,
    "deadline_changed": [("ref", _where), ("before", lambda c: c.before or "—"), ("after", lambda c: c.after or "—"),
                         ("moved", _moved)],
    "lead_changed": [("ref", _where), ("before", lambda c: c.before), ("after", lambda c: c.after)],
    "body_added": [("ref", _where), ("role", lambda c: c.role), ("body", lambda c: c.after)],
    "body_removed": [("ref", _where), ("role", lambda c: c.role), ("body", lambda c: c.before)],
    "title_edited": [("ref", _where), ("change", _words)],
    "indicators_edited": [("ref", _where), ("change", _words)],
    "resources_edited": [("ref", _where), ("change", _words)],
    "goal_removed": _TITLED, "goal_added": _TITLED, "objective_removed": _TITLED, "objective_added": _TITLED,
    "institution_removed": [("id", _where), ("name", lambda c: c.before)],
    "institution_added": [("id", _where), ("name", lambda c: c.after)],
    "status_regressed": [("ref", _where), ("before", lambda c: c.before), ("after", lambda c: c.after),
                         ("since", lambda c: c.since)],
    "progress_added": _ENTRY, "progress_removed": _ENTRY,
    "translation_stale": [("ref", _where), ("Albanian edited", lambda c: c.field),
                          ("English to update", lambda c: ", ".join(f"{f}_en" for f in (c.field or "").split(", "))),
                          ("en_from", lambda c: f"{c.before or 'none'}, Albanian now {c.after}")],
}


def _status_cell(entry: object) -> str | None:
    if not isinstance(entry, dict):
        return None
    return str(entry.get("status", "")) + (f" ({entry['completion']})" if entry.get("completion") else "")


def _plain(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _groups(changes: list[Change]) -> Iterator[tuple[str, list[Change]]]:
    for kind in KINDS:
        group = [c for c in changes if c.kind == kind]
        if group:
            yield kind, group


def render_md(changes: list[Change], base_label: str = "base", head_label: str = "head") -> str:
    """A summary line, then one section per kind; long sections folded in <details>."""
    title = f"### Plan changes: {md_escape(base_label)} → {md_escape(head_label)}"
    if not changes:
        return f"{title}\n\nNo changes to the plan.\n"
    lines = [title, "", f"**{len(changes)} change{'s' if len(changes) != 1 else ''}:** {md_escape(summary(changes))}"]
    needs = attention(changes)
    if needs:
        lines += ["", f"**Needs attention:** {md_escape(needs)}"]
    for kind, group in _groups(changes):
        heading = f"{KINDS[kind][0]} ({len(group)})"
        columns = COLUMNS.get(kind, _EDIT)
        table = ["| " + " | ".join(h for h, _ in columns) + " |", "|" + "---|" * len(columns)]
        table += ["| " + " | ".join(_md_cell(fn(c)) for _, fn in columns) + " |" for c in group]
        lines += ["", f"#### {heading}", ""]
        if len(group) > FOLD_AFTER:
            lines += ["<details>", f"<summary>Show all {len(group)}</summary>", "", *table, "", "</details>"]
        else:
            lines += table
    return "\n".join(lines) + "\n"


def _md_cell(value: object) -> str:
    if isinstance(value, Words):
        return _md_words(value.ops)
    return md_escape(value if value is not None else "")


def render_text(changes: list[Change], base_label: str = "base", head_label: str = "head") -> str:
    lines = [f"Plan changes: {escape_line(base_label)} → {escape_line(head_label)}"]
    if not changes:
        return lines[0] + "\nNo changes to the plan.\n"
    lines.append(f"{len(changes)} change{'s' if len(changes) != 1 else ''}: {summary(changes)}")
    needs = attention(changes)
    if needs:
        lines.append(f"Needs attention: {needs}")
    for kind, group in _groups(changes):
        columns = COLUMNS.get(kind, _EDIT)
        lines += ["", f"{KINDS[kind][0]} ({len(group)})"]
        for c in group:
            cells = [("→ " if header == "after" else "") + _text_cell(fn(c)) for header, fn in columns]
            lines.append("  " + "  ".join(cell for cell in cells if cell))
    return "\n".join(lines) + "\n"


def _text_cell(value: object) -> str:
    if isinstance(value, Words):
        return escape_line(wdiff(value.ops))
    return escape_line(" ".join(str(value).split())) if value is not None else ""
