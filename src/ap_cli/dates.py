"""One grammar for the dates people type: cut-offs (`--as-of`), entry dates (`--date`, imported
cells), quarters (`--quarter`). ISO forms, day-first dates as Albania writes them (`30.06.2009`,
`30/06/2009`), and month names in Albanian or English (`qershor 2009`, `June 2009`, `Jun 2009`).
Digits are ASCII only. An unreadable text says which forms work and suggests the closest.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from .diagnostics import excerpt
from .periods import MAX_YEAR, MIN_YEAR, MONTHS, Month, Quarter, check_year, normalise, parse_as_of

AS_OF_FORMS = "2009, 2009-06, 2009-06-15, 2009Q2, 2009H1, 30.06.2009, 30/06/2009, qershor 2009 or June 2009"
DATE_FORMS = "2009-06-20, 20.06.2009 or 20/06/2009"
QUARTER_FORMS = "2009Q2 (or Q2 2009, 2009-Q2)"

_ABBREVIATIONS = {name[:3]: number for name, number in MONTHS.items() if name.isascii()}
_DAY_FIRST = re.compile(r"([0-9]{1,2})[./]([0-9]{1,2})[./]([0-9]{4})\.?")
_ISO_DAY = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_MONTH_NAME = re.compile(r"([a-z]+)\.? (?:te |e |i |of )?(?:vitit )?([0-9]{4})")


def parse_day(text: str) -> date | None:
    """`2009-06-20`, `20.06.2009`, `20/06/2009` → the day; None when it is not one (or not real)."""
    text = text.strip()
    m = _ISO_DAY.fullmatch(text)
    parts = (m.group(1), m.group(2), m.group(3)) if m else None
    if parts is None and (m := _DAY_FIRST.fullmatch(text)):
        parts = (m.group(3), m.group(2), m.group(1))
    if parts is None:
        return None
    try:
        return date(check_year(int(parts[0])), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


def parse_month_name(text: str) -> Month | None:
    """`qershor 2009`, `qershorit 2009`, `June 2009`, `Jun 2009` → that month."""
    m = _MONTH_NAME.fullmatch(normalise(text))
    if not m:
        return None
    word = m.group(1)
    if not MIN_YEAR <= int(m.group(2)) <= MAX_YEAR:
        return None
    number = MONTHS.get(word) or MONTHS.get(re.sub(r"(it|in|i)$", "", word)) or _ABBREVIATIONS.get(word)
    return Month(int(m.group(2)), number) if number else None


def parse_cutoff(text: str) -> date:
    """The cut-off day C named by `text`: the last day of a period, or a day itself."""
    if not text.isascii() and any(c.isdigit() and not c.isascii() for c in text):
        raise ValueError(f"cannot read as-of {excerpt(text)}: write its digits as 0-9; use {AS_OF_FORMS}")
    try:
        return parse_as_of(text)
    except ValueError as exc:
        if "outside the years" in str(exc):
            raise
        problem = exc
    day = parse_day(text)
    if day is not None:
        return day
    month = parse_month_name(text)
    if month is not None:
        return month.last_day()
    if _DAY_FIRST.fullmatch(text.strip()) or _ISO_DAY.fullmatch(text.strip()):
        raise ValueError(f"not a date: {excerpt(text)} (no such day)")
    hint = suggest(text)
    raise ValueError(f"cannot read as-of {excerpt(text)}: use {AS_OF_FORMS}"
                     + (f"; did you mean {hint}?" if hint else "")) from (problem if not hint else None)


def parse_entry_date(text: str) -> date | None:
    """A progress entry's date: a day only (a month or quarter is not precise enough)."""
    if not text.isascii():
        return None
    return parse_day(text)


def parse_quarter(text: str) -> Quarter:
    """`2009Q2`, `2009-Q2`, `Q2 2009`, `q2-2009` → that quarter."""
    try:
        return Quarter.parse(text)
    except ValueError as exc:
        if "outside the years" in str(exc):
            raise
    m = re.fullmatch(r"\s*[Qq]([1-4])[\s/-]*([0-9]{4})\s*", text)
    if m:
        return Quarter(int(m.group(2)), int(m.group(1)))
    hint = suggest(text)
    raise ValueError(f"not a quarter: {excerpt(text)}; use {QUARTER_FORMS}"
                     + (f"; did you mean {hint}?" if hint else ""))


def suggest(text: str) -> str | None:
    """The accepted spelling closest to a near miss: `06/2009` → `2009-06`, `Q2 2009` → `2009Q2`."""
    s = text.strip()
    rewrites: list[tuple[str, Callable[[re.Match[str]], str]]] = [
        (r"([0-9]{1,2})[/.-]([0-9]{4})", lambda m: f"{m.group(2)}-{int(m.group(1)):02d}"),
        (r"([0-9]{4})[/.]([0-9]{1,2})", lambda m: f"{m.group(1)}-{int(m.group(2)):02d}"),
        (r"([0-9]{4})[/.]([0-9]{1,2})[/.]([0-9]{1,2})",
         lambda m: f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"),
        (r"[Qq]([1-4])[\s/-]*([0-9]{4})", lambda m: f"{m.group(2)}Q{m.group(1)}"),
        (r"[Hh]([12])[\s/-]*([0-9]{4})", lambda m: f"{m.group(2)}H{m.group(1)}"),
        (r"([0-9]{4})\s*[-/ ]\s*([QqHh][1-4])", lambda m: f"{m.group(1)}{m.group(2).upper()}"),
    ]
    for pattern, make in rewrites:
        m = re.fullmatch(pattern, s)
        if m:
            candidate = make(m)
            try:
                parse_as_of(candidate)
            except ValueError:
                continue
            return candidate
    return None
