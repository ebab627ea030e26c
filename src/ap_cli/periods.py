"""Months, periods, the Albanian deadline grammar and `--as-of` parsing.

A deadline phrase ("Fundi i 2008-ës", "Tremujori i parë i 2009", "Në vazhdim") is read into a
`Reading`: a period at month granularity, its due day (the last day of the period's end
month), whether the convention behind it is approximate, and for recurring phrases every due
day inside the plan period. The conventions are documented in docs/explanation/deadlines.md's
deadline table; anything the grammar does not know raises `DeadlineError`, never "not due".

Bounds: every year read (phrases, `due:`, dates, `--as-of`, quarters) lies in MIN_YEAR–MAX_YEAR,
digits are ASCII 0-9 only, and a phrase is at most MAX_PHRASE characters, so no input reaches
a date Python cannot represent and reading any phrase takes a bounded time.

A deadline's English is generated from its reading (`deadline_en`), never translated by hand,
so it cannot say something other than what `overdue` uses.
"""

from __future__ import annotations

import calendar
import functools
import re
import unicodedata
from collections.abc import Callable
from datetime import date

from .diagnostics import excerpt
from .errors import InvalidArgument
from .record import Record, field

MIN_YEAR, MAX_YEAR = 1900, 2199  # years apcli reads; far around the plan, far inside `datetime`
MAX_PHRASE = 200  # characters in a deadline phrase; the real plan's longest has 51


def check_year(year: int) -> int:
    """`year`, or ValueError when it lies outside MIN_YEAR–MAX_YEAR."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year {year:04d} is outside the years apcli reads ({MIN_YEAR}–{MAX_YEAR})")
    return year

# ----------------------------------------------------------------------------- months


class Month(Record, order=True):
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        m = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})", text.strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ValueError(f"not a month (YYYY-MM): {excerpt(text)}")
        return cls(check_year(int(m.group(1))), int(m.group(2)))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def index(self) -> int:
        return self.year * 12 + self.month - 1

    def plus(self, months: int) -> Month:
        i = self.index + months
        return Month(i // 12, i % 12 + 1)

    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


class Quarter(Record, order=True):
    """A calendar quarter: the unit of the plan's reporting (2009Q2 = April–June 2009)."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        m = re.fullmatch(r"([0-9]{4}) *-? *[Qq]([1-4])", text.strip())
        if not m:
            raise ValueError(f"not a quarter: {excerpt(text)} (write it like 2009Q2)")
        return cls(check_year(int(m.group(1))), int(m.group(2)))

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    def last_closed_by(self, day: date) -> Quarter:
        """This quarter if it has ended on or before `day`, else the one before it."""
        return self if self.last <= day else self.plus(-1)

    def plus(self, quarters: int) -> Quarter:
        i = self.year * 4 + self.number - 1 + quarters
        return Quarter(i // 4, i % 4 + 1)

    @property
    def first(self) -> date:
        return Month(self.year, 3 * self.number - 2).first_day()

    @property
    def last(self) -> date:
        return Month(self.year, 3 * self.number).last_day()

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"


def months_between(earlier: date, later: date) -> int:
    """Whole calendar months from `earlier`'s month to `later`'s month."""
    return (later.year * 12 + later.month) - (earlier.year * 12 + earlier.month)


# ----------------------------------------------------------------------------- readings

class Reading(Record):
    """What a deadline phrase means. `due` is None for ongoing work."""

    text: str
    kind: str
    start: Month | None
    end: Month | None
    approx: bool
    occurrences: tuple[date, ...] = field(default=())
    # The points the phrase names, in order (`Fundi i 2008 – fillimi i 2009`: end 2008, beginning
    # 2009), for its English; derived from `text`, so they take no part in comparisons.
    parts: tuple[_Point, ...] = field(default=(), compare=False, repr=False)

    @property
    def due(self) -> date | None:
        if self.kind == "recurring":
            return self.occurrences[-1] if self.occurrences else None
        if self.kind == "ongoing" or self.end is None:
            return None
        return self.end.last_day()

    @property
    def due_days(self) -> tuple[date, ...]:
        """Every day on which something falls due: one, several (recurring) or none."""
        if self.kind == "recurring":
            return self.occurrences
        return (self.due,) if self.due else ()

    def as_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "kind": self.kind,
            "start": str(self.start) if self.start else None,
            "end": str(self.end) if self.end else None,
            "due": self.due.isoformat() if self.due else None,
            "approx": self.approx,
            "occurrences": [d.isoformat() for d in self.due_days],
            "text_en": deadline_en(self),
        }


class DeadlineError(InvalidArgument, ValueError):
    """A phrase the grammar cannot read; `code` is the diagnostic code `check` reports."""

    def __init__(self, message: str, code: str = "unparsed-deadline"):
        super().__init__(message)
        self.code = code


ACCEPTED_FORMS = (
    "month ('qershor 2009'), quarter ('Tremujori i parë i 2009'), half ('Gjysma e parë e 2009-ës'), "
    "beginning/middle/end of year ('Fillimi i 2009-ës', 'Mesi i 2009-ës', 'Fundi i 2008-ës'), "
    "season ('Pranverë 2009'), year ('2009', 'Gjatë 2009-ës'), by ('Deri në fund të 2008'), "
    "range ('Fundi i 2008 – fillimi i 2009', '2009-2010'), ongoing ('Në vazhdim', '2008 -'), "
    "recurring ('Deri në mars të çdo viti')"
)

# ----------------------------------------------------------------------------- normalising


# The grammar's regular expressions are kept as text and compiled on first use (`re` keeps them
# compiled): a warm query reads no deadline, its plan's deadlines come from the cache, so it
# does not pay ~3 ms to compile them.
_MARKS = r"[\u0300-\u036f]"  # the combining diacritics of Latin letters (ë = e + U+0308)
_NON_ASCII = r"[^\x00-\x7f]"


def normalise(text: str) -> str:
    """Fold spelling variants: case, diacritics, dashes, `-ës` suffixes, doubled letters."""
    s = unicodedata.normalize("NFKD", text.lower())
    if not s.isascii():
        s = re.sub(_MARKS, "", s)
        if any(unicodedata.combining(c) for c in re.findall(_NON_ASCII, s)):  # marks of other scripts
            s = "".join(c for c in s if not unicodedata.combining(c))
    s = re.sub(r"[\u2010-\u2015\u2212]", "-", s)
    s = re.sub(r"([0-9]{4})\s*-\s*(?:es|s)\b", r"\1", s)  # 2009-ës, 2009 -ës, 2009-s
    s = re.sub(r"([a-z])-([0-9]{4})", r"\1 \2", s)  # Mid-2009
    s = re.sub(r"([a-z])\1+", r"\1", s)  # doubled/tripled letters: filllimi -> filimi
    s = re.sub(r"[.,;:]+(\s|$)", r"\1", s)
    return " ".join(s.split())


def _n(word: str) -> str:
    return normalise(word)


MONTHS = {
    **{_n(w): i for i, w in enumerate(
        ["janar", "shkurt", "mars", "prill", "maj", "qershor", "korrik", "gusht",
         "shtator", "tetor", "nëntor", "dhjetor"], 1)},
    **{_n(w): i for i, w in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"], 1)},
}
# Albanian month names take case endings: "marsit", "qershorit", "janarin".
MONTH_RE = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")(?:it|in|i)?"

ORDINALS = {"pare": 1, "1": 1, "first": 1, "dyte": 2, "2": 2, "second": 2,
            "trete": 3, "3": 3, "third": 3, "katert": 4, "katerte": 4, "4": 4, "fourth": 4}
ORD_RE = r"(pare|dyte|trete|katert|katerte|first|second|third|fourth|[1-4])"

SEASONS = {_n(w): span for w, span in [
    ("pranverë", (3, 5)), ("verë", (6, 8)), ("vjeshtë", (9, 11)),
    ("spring", (3, 5)), ("summer", (6, 8)), ("autumn", (9, 11)), ("fall", (9, 11))]}
SEASON_RE = "(" + "|".join(SEASONS) + ")"
WINTER = {_n("dimër"), "winter"}

YEAR = r"(?:(?:e |i |te )?(?:vitit |viti )?)?([0-9]{4})"

# ----------------------------------------------------------------------------- points


class _Point(Record):
    kind: str
    start: Month
    end: Month
    approx: bool


def _span(kind: str, year: int, first: int, last: int, approx: bool) -> _Point:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DeadlineError(f"year {year:04d} is outside the years apcli reads ({MIN_YEAR}–{MAX_YEAR})",
                            "year-out-of-range")
    return _Point(kind, Month(year, first), Month(year, last), approx)


_PointRule = Callable[[re.Match[str]], "_Point | None"]
_POINT_RULES: list[tuple[str, _PointRule]] = []


def _rule(pattern: str) -> Callable[[_PointRule], _PointRule]:
    def register(fn: _PointRule) -> _PointRule:
        _POINT_RULES.append((pattern, fn))
        return fn
    return register


@_rule(r"(?:gjate |ne |per |viti |vitin |year )?(?:vitit |vitin )?([0-9]{4})")
def _year(m: re.Match[str]) -> _Point | None:
    return _span("year", int(m.group(1)), 1, 12, False)


@_rule(r"(?:ne |gjate )?(?:muaji |muajin )?" + MONTH_RE + r" (?:te |i |e )?(?:vitit )?([0-9]{4})")
def _month(m: re.Match[str]) -> _Point | None:
    month = MONTHS[m.group(1)]
    return _span("month", int(m.group(2)), month, month, False)


@_rule(r"(?:ne |gjate )?(?:(?:3|tre) ?-? ?mujori|(?:3|tre) ?-? ?mujor|tremujori|tremujor|quarter|q)"
       r" (?:i |e )?" + ORD_RE + r" (?:i |e |te |of )?" + YEAR)
def _quarter(m: re.Match[str]) -> _Point | None:
    q = ORDINALS[m.group(1)]
    return _span("quarter", int(m.group(2)), 3 * q - 2, 3 * q, False)


@_rule(r"([0-9]{4}) ?q([1-4])")
def _quarter_iso(m: re.Match[str]) -> _Point | None:
    q = int(m.group(2))
    return _span("quarter", int(m.group(1)), 3 * q - 2, 3 * q, False)


@_rule(r"(?:ne |gjate )?(?:gjysma|gjysmen|gjysem|half) (?:e |i )?" + ORD_RE + r" (?:e |i |te |of )?" + YEAR)
def _half(m: re.Match[str]) -> _Point | None:
    h = ORDINALS[m.group(1)]
    if h > 2:
        return None
    return _span("half", int(m.group(2)), 6 * h - 5, 6 * h, False)


@_rule(r"([0-9]{4}) ?h([12])")
def _half_iso(m: re.Match[str]) -> _Point | None:
    h = int(m.group(2))
    return _span("half", int(m.group(1)), 6 * h - 5, 6 * h, False)


@_rule(r"(?:ne |nga )?(?:filimi|filim|begining|early|start)(?: i| te| e| of)? " + YEAR)
def _beginning(m: re.Match[str]) -> _Point | None:
    return _span("beginning", int(m.group(1)), 1, 3, True)


@_rule(r"(?:ne )?(?:mesi|mes|mesit|mid|midle)(?: i| te| e| of)? " + YEAR)
def _middle(m: re.Match[str]) -> _Point | None:
    return _span("middle", int(m.group(1)), 6, 6, True)


@_rule(r"(?:ne )?(?:fundi|fund|fundit|end|late)(?: i| te| e| of)? " + YEAR)
def _end(m: re.Match[str]) -> _Point | None:
    return _span("end", int(m.group(1)), 10, 12, True)


@_rule(r"(?:ne |gjate )?" + SEASON_RE + r"(?:n|s|en)? (?:e |te |i |of )?" + YEAR)
def _season(m: re.Match[str]) -> _Point | None:
    first, last = SEASONS[m.group(1)]
    return _span("season", int(m.group(2)), first, last, True)


def _point(text: str) -> _Point | None:
    for pattern, fn in _POINT_RULES:
        m = re.fullmatch(pattern, text)
        if m:
            point = fn(m)
            if point is not None:
                return point
    return None


# ----------------------------------------------------------------------------- phrases

_ONGOING = r"(?:ne )?vazhdim(?:esi|esisht|isht)?|vazhdimisht|ongoing|continuous(?:ly)?"
_ONGOING_FROM = [
    r"(.+?) (?:dhe|e) (?:ne )?(?:vazhdim(?:esi)?|vazhdimisht|ne vazhdimesi)",
    r"(?:duke filuar|duke u nisur|starting|from) (?:nga |prej |ne |me |from |in )?(.+?)(?: e ne vazhdim(?:esi)?)?",
    r"(?:nga|prej|since) (.+?) (?:e )?(?:ne vazhdim(?:esi)?|e tutje|ne vijim)",
    r"(.+?) ?-",
]
_RECURRING = (r"(?:(.+?) (?:dhe |e )?(?=deri ))?(?:deri )?(?:ne |by |brenda )?"
              r"(?:fund(?:in|it)? (?:e |te )?)?" + MONTH_RE
              + r" (?:te |e |of )?(?:cdo|each|every) (?:viti|vit|year)( .+)?")
_BY = r"(?:deri|by|jo me von[e]? se|brenda) (?:ne |me |nga |before |the )?(.+)"
_RANGE_SPLIT = r" ?(?:-| deri ne | deri | to | until ) ?"
# "pasardhës" (following; also misprinted "pasarshës"), "për vitin paraardhës" (for the previous
# year): either way the first due day falls in the year after the plan starts.
_FOLLOWING = (r"(?:pasar\w*|pasues|folowing"
              r"|(?:per|for) (?:vitin|the) (?:parardhes|e kaluar|previous)(?: year)?)")


_NOT_ASCII_DIGIT = r"(?![0-9])\d"  # ٢٠٠٩, ２００９, ²: digits, but not the ones we read


@functools.lru_cache(maxsize=4096)
def read_deadline(text: str, plan_start: Month = Month(2008, 1), plan_end: Month = Month(2010, 12)) -> Reading:
    """Read a deadline phrase; raise DeadlineError naming the accepted forms.

    Cached: a plan repeats a few dozen phrases thousands of times, and a `Reading` is immutable.
    """
    if len(text) > MAX_PHRASE:
        raise DeadlineError(f"deadline phrase of {len(text):,} characters, {excerpt(text)}; the limit is "
                            f"{MAX_PHRASE}: a deadline is a short phrase (put explanations in notes:)",
                            "deadline-too-long")
    odd = re.search(_NOT_ASCII_DIGIT, text)
    if odd:
        raise DeadlineError(f"{excerpt(text)}: write numbers with the digits 0-9 (not {odd.group()!r})")
    s = normalise(text)
    if not s:
        raise DeadlineError("empty deadline phrase")
    if any(re.search(rf"\b{w}\b", s) for w in WINTER):
        raise DeadlineError(
            f"{excerpt(text)}: 'Dimër' (winter) spans two years; add `due:` (e.g. due: 2009-02) to say which months")
    try:
        reading = (_read_ongoing(text, s, plan_start, plan_end)
                   or _read_recurring(text, s, plan_start, plan_end)
                   or _read_by(text, s)
                   or _read_point(text, s)
                   or _read_range(text, s))
    except DeadlineError as exc:  # a year out of range, met while reading
        raise DeadlineError(f"{excerpt(text)}: {exc}", exc.code) from None
    if reading is None:
        raise DeadlineError(f"cannot read deadline {excerpt(text)}")
    return reading


def _read_point(text: str, s: str) -> Reading | None:
    p = _point(s)
    return Reading(text, p.kind, p.start, p.end, p.approx, parts=(p,)) if p else None


def _read_ongoing(text: str, s: str, plan_start: Month, plan_end: Month) -> Reading | None:
    if re.fullmatch(_ONGOING, s):
        return Reading(text, "ongoing", plan_start, plan_end, False)
    for pattern in _ONGOING_FROM:
        m = re.fullmatch(pattern, s)
        if m:
            p = _point(m.group(1)) or _point_of_by(m.group(1))
            if p:
                # Where open-ended work starts rests on a convention ("2008 -"): always ≈.
                return Reading(text, "ongoing", p.start, plan_end, True, parts=(p,))
    return None


def _point_of_by(s: str) -> _Point | None:
    m = re.fullmatch(_BY, s)
    return _point(m.group(1)) if m else None


def _read_recurring(text: str, s: str, plan_start: Month, plan_end: Month) -> Reading | None:
    m = re.fullmatch(_RECURRING, s)
    if not m:
        return None
    tail = (m.group(3) or "").strip()
    if tail and not re.fullmatch(_FOLLOWING, tail):
        return None
    first = _point(m.group(1)) if m.group(1) else None
    if m.group(1) and first is None:
        return None
    start = first.start if first else plan_start
    month = MONTHS[m.group(2)]
    first_year = plan_start.year + (1 if tail else 0)
    days = tuple(Month(y, month).last_day() for y in range(first_year, plan_end.year + 1)
                 if start <= Month(y, month) <= plan_end)
    # "Qershor 2008 dhe deri në mars të çdo viti …": the named first month falls due too.
    if first is not None and first.end <= plan_end and first.end.last_day() not in days:
        days = tuple(sorted({first.end.last_day(), *days}))
    if not days:
        return None
    return Reading(text, "recurring", start, Month.of(days[-1]), False, days, (first,) if first else ())


def _read_by(text: str, s: str) -> Reading | None:
    m = re.fullmatch(_BY, s)
    if not m:
        return None
    p = _point(m.group(1))
    if p is None:
        return None
    # "Deri në fund të 2008" pins 31 December; "Deri në vitin 2010", "Deri në mes të 2010" or
    # "Deri në mars 2009" can mean before or during the named time: ≈.
    return Reading(text, "by", None, p.end, p.kind != "end", parts=(p,))


# Longer than any side a range can have: a point reads at most 45 characters ("gjate tre - mujori
# i katerte te vitit 2009"), a `deri …` before one at most 66. Ranges split only where both
# sides are this short, so reading a phrase is not quadratic in its length.
_MAX_SIDE = 80


def _read_range(text: str, s: str) -> Reading | None:
    """`A – B`: try every separator position; a side without a year borrows the other's."""
    s = re.sub(r"^(?:nga|prej|from|gjate) ", "", s)
    if len(s) > 2 * _MAX_SIDE + 16:  # two sides and the longest separator
        return None
    for m in re.finditer(_RANGE_SPLIT, s):
        left, right = s[: m.start()].strip(), s[m.end():].strip()
        if not left or not right or len(left) > _MAX_SIDE or len(right) > _MAX_SIDE:
            continue
        b = _point(right) or _point_of_by(right)
        a = _point(left)
        if a is None and b is not None and not re.search(r"[0-9]{4}", left):
            a = _point(f"{left} {b.start.year}")
        if a and b and a.start <= b.end:
            return Reading(text, "range", a.start, b.end, a.approx or b.approx, parts=(a, b))
    return None


# ----------------------------------------------------------------------------- as-of and overrides

_PERIOD_RE = r"([0-9]{4})(?:-([0-9]{1,2})(?:-([0-9]{1,2}))?|[Qq]([1-4])|[Hh]([12]))?"


def parse_period(text: str) -> tuple[Month, Month]:
    """`2009`, `2009-06`, `2009Q2`, `2009H1` → (first month, last month)."""
    m = re.fullmatch(_PERIOD_RE, text.strip())
    if not m or m.group(3):
        raise ValueError(f"not a period: {excerpt(text)} (use 2009, 2009-06, 2009Q2 or 2009H1)")
    year = check_year(int(m.group(1)))
    if m.group(2):
        month = Month.parse(f"{year}-{m.group(2)}")
        return month, month
    if m.group(4):
        q = int(m.group(4))
        return Month(year, 3 * q - 2), Month(year, 3 * q)
    if m.group(5):
        h = int(m.group(5))
        return Month(year, 6 * h - 5), Month(year, 6 * h)
    return Month(year, 1), Month(year, 12)


def parse_as_of(text: str) -> date:
    """The cut-off day C: the last day of the named period, or the day itself."""
    m = re.fullmatch(_PERIOD_RE, text.strip())
    if m:
        check_year(int(m.group(1)))
    if m and m.group(3):
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError as exc:
            raise ValueError(f"not a date: {excerpt(text)} ({exc})") from None
    try:
        return parse_period(text)[1].last_day()
    except ValueError:
        raise ValueError(
            f"cannot read as-of {excerpt(text)}: use 2009, 2009-06, 2009-06-15, 2009Q2 or 2009H1") from None


def read_override(text: str, phrase: str | None) -> Reading:
    """A `due:` override (2009-06, 2009Q2, 2009H1, 2009) replaces the reading of `phrase`."""
    start, end = parse_period(text)
    # An override settles an ambiguous phrase by a reader's judgement: the reading stays ≈.
    return Reading(phrase or text, "override", start, end, True)


# ----------------------------------------------------------------------------- English

EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")
_EN_SEASONS = {3: "spring", 6: "summer", 9: "autumn"}
_EN_HALVES = {1: "first half", 7: "second half"}


def _point_en(p: _Point) -> str:
    year = p.start.year
    if p.kind == "month":
        return f"{EN_MONTHS[p.start.month - 1]} {year}"
    if p.kind == "quarter":
        return f"Q{(p.start.month + 2) // 3} {year}"
    if p.kind == "half":
        return f"{_EN_HALVES[p.start.month]} of {year}"
    if p.kind == "beginning":
        return f"beginning of {year}"
    if p.kind == "middle":
        return f"mid-{year}"
    if p.kind == "end":
        return f"end of {year}"
    if p.kind == "season":
        return f"{_EN_SEASONS[p.start.month]} {year}"
    return str(year)


def _after_preposition(p: _Point) -> str:
    """`by the end of 2008`, `from the beginning of 2009`, `by mid-2010`."""
    return ("the " if p.kind in ("end", "beginning", "half") else "") + _point_en(p)


def _period_en(start: Month, end: Month) -> str:
    """A span of months in words: `June 2008`, `Q2 2008`, `first half of 2008`, `2008`."""
    months = end.index - start.index + 1
    if start.year == end.year:
        kind = {1: "month", 3: "quarter", 6: "half", 12: "year"}.get(months)
        if kind and (start.month - 1) % months == 0:
            return _point_en(_Point(kind, start, end, False))
    return f"{EN_MONTHS[start.month - 1]} {start.year} – {EN_MONTHS[end.month - 1]} {end.year}"


def deadline_en(reading: Reading) -> str:
    """The reading in English words (`End of 2008`, `By March 2009`, `From mid-2008 onwards`):
    generated from what the phrase was read as, never translated by hand."""
    parts = reading.parts
    kind = reading.kind
    if kind == "ongoing":
        text = f"from {_after_preposition(parts[0])} onwards" if parts else "ongoing"
    elif kind == "recurring":
        month = EN_MONTHS[reading.occurrences[-1].month - 1] if reading.occurrences else "?"
        text = (f"{_point_en(parts[0])}, then by {month} of each year" if parts
                else f"by {month} of each year")
    elif kind == "by" and parts:
        text = "by " + _after_preposition(parts[0])
    elif kind == "range" and len(parts) == 2:
        text = f"{_point_en(parts[0])} – {_point_en(parts[1])}"
    elif parts:
        text = _point_en(parts[0])
    elif reading.start and reading.end:
        text = _period_en(reading.start, reading.end)
    elif reading.end:
        text = f"by {EN_MONTHS[reading.end.month - 1]} {reading.end.year}"
    else:
        text = kind
    return text[:1].upper() + text[1:]
