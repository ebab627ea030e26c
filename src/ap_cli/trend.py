"""Trends over time: the point queries (`queries.overdue`, `queries.stats_row`, `state_at`) asked
again at the close of every period, one row per period, and the data of the trend chart.

Nothing here has its own idea of what is overdue or completed: each row is what `apcli overdue`
and `apcli stats` answer with `--as-of` that period, so the totals agree by construction (the
property test checks it for every quarter and month of the plan period).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from .errors import InvalidArgument
from .periods import Quarter, parse_period
from .plan import ActivityRecord, Plan
from .queries import overdue, state_at, stats_row, timeliness

EVERY = ("quarter", "month")
FORMATS = ("table", "json", "csv", "md")  # xlsx: see `COLUMNS`, for the workbook writer
KEYS = ("period", "as_of", "overdue", "due_so_far", "completed", "completed_late", "in_progress",
        "not_started", "stale")
# (key, header) of each column, in order: what a table, a CSV header or a worksheet shows.
COLUMNS = tuple((k, k.replace("_", " ")) for k in KEYS)
MAX_PERIODS = 1200  # a hundred years of months: a typo in --to is an error, not a long wait


class TrendError(InvalidArgument, ValueError):
    """A period range that cannot be read or is the wrong way round: a usage error."""


@dataclass(frozen=True)
class Period:
    label: str  # 2009Q2 or 2009-06
    first: date
    last: date  # the cut-off: the period's last day


def periods(start: str, end: str, every: str = "quarter") -> list[Period]:
    """Every quarter (or month) from the one holding `start`'s first month to the one holding
    `end`'s last month; `start`/`end` are any period `--as-of` reads as a period (2009, 2009H1,
    2009Q2, 2009-06)."""
    if every not in EVERY:
        raise TrendError(f"unknown period {every!r}; use one of: {', '.join(EVERY)}")
    try:
        first, _ = parse_period(start)
    except ValueError as exc:
        raise TrendError(f"--from: {exc}") from None
    try:
        _, last = parse_period(end)
    except ValueError as exc:
        raise TrendError(f"--to: {exc}") from None
    if last < first:
        raise TrendError(f"--to {end} is before --from {start}")
    out: list[Period] = []
    if every == "month":
        count = last.index - first.index + 1
        if count > MAX_PERIODS:
            raise TrendError(f"{count:,} months from {start} to {end}; at most {MAX_PERIODS:,}")
        for i in range(count):
            m = first.plus(i)
            out.append(Period(str(m), m.first_day(), m.last_day()))
        return out
    q, q_last = Quarter.of(first.first_day()), Quarter.of(last.first_day())
    count = (q_last.year * 4 + q_last.number) - (q.year * 4 + q.number) + 1
    if count > MAX_PERIODS:
        raise TrendError(f"{count:,} quarters from {start} to {end}; at most {MAX_PERIODS:,}")
    for i in range(count):
        p = q.plus(i)
        out.append(Period(str(p), p.first, p.last))
    return out


def row_at(plan: Plan, acts: list[ActivityRecord], period: Period) -> dict[str, Any]:
    """One row: the point queries at the period's last day, over `acts`."""
    cutoff = period.last
    counts = stats_row(plan, acts, cutoff)
    states = [state_at(plan, a, cutoff) for a in acts]
    return {
        "period": period.label,
        "as_of": cutoff.isoformat(),
        "overdue": len(overdue(plan, cutoff, acts)),
        "due_so_far": sum(any(day <= cutoff for day in a.due_days) for a in acts),
        "completed": counts["completed"],
        "completed_late": sum(timeliness(plan, a, cutoff) == "completed_late" for a in acts),
        "in_progress": counts["in_progress"],
        "not_started": sum(s.status == "not_started" for s in states),
        "stale": counts["stale"],
    }


def trend(plan: Plan, acts: list[ActivityRecord], spans: list[Period]) -> list[dict[str, Any]]:
    """One row per period, in order (see KEYS)."""
    return [row_at(plan, acts, p) for p in spans]


def plan_periods(plan: Plan, cutoff: date | None = None, every: str = "quarter") -> list[Period]:
    """The plan period's quarters (or months), up to the one holding `cutoff` when it falls
    inside; none when `cutoff` is before the plan starts."""
    spans = periods(str(plan.start), str(plan.end), every)
    if cutoff is None:
        return spans
    return [p for p in spans if p.first <= cutoff]


# ----------------------------------------------------------------------------- the chart

SERIES = ("due_so_far", "completed", "overdue", "in_progress")
CHART_LABELS = {
    "sq": {"title": "Ecuria sipas tremujorëve", "title_month": "Ecuria sipas muajve",
           "due_so_far": "Me afat të skaduar", "completed": "Përfunduar", "overdue": "Me vonesë",
           "in_progress": "Në proces", "period": "Periudha", "activities": "Aktivitete",
           "desc": "Numri i aktiviteteve në fund të çdo periudhe, nga %s deri më %s.",
           "table": "Shifrat në tabelë"},
    "en": {"title": "Trend by quarter", "title_month": "Trend by month",
           "due_so_far": "Due so far", "completed": "Completed", "overdue": "Overdue",
           "in_progress": "In progress", "period": "Period", "activities": "Activities",
           "desc": "Number of activities at the close of each period, from %s to %s.",
           "table": "The figures as a table"},
}
# Colours with at least 3:1 contrast on white (WCAG 1.4.11); each line also has its own dash and
# marker. "Due so far" is drawn wide and first, so where "overdue" equals it (nothing done yet)
# the red line runs inside a grey band instead of hiding it.
STYLE = {"due_so_far": ("#6b7585", "", "square", 6), "completed": ("#2e7d32", "", "circle", 2),
         "overdue": ("#c0392b", "", "diamond", 2), "in_progress": ("#1f6fc5", "3 2", "triangle", 2)}
# (width, height, left, right, top, bottom, legend columns): a wide chart, and a narrow one that
# a phone shows instead (CSS picks), so its text stays readable
LAYOUTS = {"wide": (640, 260, 44, 12, 14, 46, 4), "narrow": (360, 290, 34, 8, 14, 76, 2)}
INSET = 24  # room for the first and last period's label, centred under its point
STEPS = (10, 15, 20, 25, 30, 40, 50, 60, 80)  # tops of the y axis (× 10^k), each cut in 5 whole ticks


def nice_max(value: int) -> int:
    """The top of the y axis: 5, or the smallest of STEPS × 10^k at or above `value`."""
    if value <= 5:
        return 5
    scale = 1
    while True:
        for step in STEPS:
            if value <= step * scale:
                return step * scale
        scale *= 10


def chart(rows: list[dict[str, Any]], lang: str = "sq", layout: str = "wide") -> dict[str, Any] | None:
    """Everything the SVG needs, computed here so the template only lays it out (coordinates
    rounded to 0.1 so the bytes are stable); None without rows."""
    if not rows:
        return None
    t = CHART_LABELS[lang]
    w, h, left, right, top_y, bottom, columns = LAYOUTS[layout]
    top = nice_max(max(int(str(r[k])) for r in rows for k in SERIES))
    plot_w, plot_h = w - left - right - 2 * INSET, h - top_y - bottom
    n = len(rows)
    step = plot_w / max(n - 1, 1)

    def x(i: int) -> float:
        return round(left + INSET + (i * step if n > 1 else plot_w / 2), 1)

    def y(v: int) -> float:
        return round(top_y + plot_h - plot_h * v / top, 1)

    room = max(1, int(plot_w // 62) + 1)  # labels that fit side by side
    label_every = next(k for k in (1, 2, 3, 4, 6, 12, 24, 60, 120, n) if (n - 1) // k + 1 <= room)
    monthly = "-" in str(rows[0]["period"])
    series = []
    legend_w = (w - left) // columns
    for i, key in enumerate(SERIES):
        colour, dash, marker, width = STYLE[key]
        points = [(x(j), y(int(str(r[key])))) for j, r in enumerate(rows)]
        series.append({"key": key, "label": t[key], "colour": colour, "dash": dash, "marker": marker,
                       "width": width, "points": " ".join(f"{px},{py}" for px, py in points),
                       "legend_x": left + (i % columns) * legend_w,
                       "legend_y": h - bottom + 38 + (i // columns) * 20,
                       "dots": [{"x": px, "y": py, "value": r[key], "period": r["period"]}
                                for (px, py), r in zip(points, rows, strict=True)]})
    ticks = [{"value": v, "y": y(v)} for v in range(0, top + 1, top // 5)]
    return {
        "layout": layout, "width": w, "height": h, "left": left, "right": w - right, "top": top_y,
        "bottom": h - bottom,
        "title": t["title_month" if monthly else "title"],
        "desc": t["desc"] % (rows[0]["period"], rows[-1]["period"]),
        "axis_x": t["period"], "axis_y": t["activities"], "table_label": t["table"],
        "ticks": ticks,
        "periods": [{"label": r["period"], "x": x(i), "show": i % label_every == 0}
                    for i, r in enumerate(rows)],
        "series": series,
        "rows": rows,
        "keys": SERIES,
        "labels": {k: t[k] for k in SERIES},
        "narrow": chart(rows, lang, "narrow") if layout == "wide" else None,
    }


def report_chart(plan: Plan, cutoff: date, lang: str, acts: list[ActivityRecord] | None = None
                 ) -> dict[str, Any] | None:
    """The quarterly chart of the reports and the site: from the plan's first quarter to the
    one holding the cut-off (none before the plan starts)."""
    selected = list(plan.activities) if acts is None else acts
    return chart(trend(plan, selected, plan_periods(plan, cutoff)), lang)

