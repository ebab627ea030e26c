"""The deadline grammar (DESIGN §3) and --as-of parsing (§4), phrase by phrase."""

from datetime import date

import pytest

from ap_cli.periods import DeadlineError, Month, parse_as_of, parse_period, read_deadline

# (phrase, kind, start, end, due, approx)
READINGS = [
    ("qershor 2009", "month", "2009-06", "2009-06", "2009-06-30", False),
    ("Mars 2009", "month", "2009-03", "2009-03", "2009-03-31", False),
    ("mars 2010", "month", "2010-03", "2010-03", "2010-03-31", False),
    ("Nëntor 2008", "month", "2008-11", "2008-11", "2008-11-30", False),
    ("shkurt 2008", "month", "2008-02", "2008-02", "2008-02-29", False),
    ("Tremujori i parë i 2009", "quarter", "2009-01", "2009-03", "2009-03-31", False),
    ("Tremujori i pare i 2009-ës", "quarter", "2009-01", "2009-03", "2009-03-31", False),
    ("3-mujor i parë i vitit 2009", "quarter", "2009-01", "2009-03", "2009-03-31", False),
    ("Tre-mujori i parë i 2009", "quarter", "2009-01", "2009-03", "2009-03-31", False),
    ("Tremujori i dytë i 2010", "quarter", "2010-04", "2010-06", "2010-06-30", False),
    ("Tremujori i tretë i 2009", "quarter", "2009-07", "2009-09", "2009-09-30", False),
    ("Tremujori i katërt i 2008", "quarter", "2008-10", "2008-12", "2008-12-31", False),
    ("Gjysma e parë e 2009-ës", "half", "2009-01", "2009-06", "2009-06-30", False),
    ("Gjysma e pare e vitit 2009", "half", "2009-01", "2009-06", "2009-06-30", False),
    ("Gjysma e dytë e 2010", "half", "2010-07", "2010-12", "2010-12-31", False),
    ("Fillimi i 2009-ës", "beginning", "2009-01", "2009-03", "2009-03-31", True),
    ("Filllimi i 2009-ës", "beginning", "2009-01", "2009-03", "2009-03-31", True),
    ("Në fillim të 2009-ës", "beginning", "2009-01", "2009-03", "2009-03-31", True),
    ("Fillim i 2009", "beginning", "2009-01", "2009-03", "2009-03-31", True),
    ("Mesi i 2009-ës", "middle", "2009-06", "2009-06", "2009-06-30", True),
    ("Mesi i vitit 2010", "middle", "2010-06", "2010-06", "2010-06-30", True),
    ("Mid 2009", "middle", "2009-06", "2009-06", "2009-06-30", True),
    ("Fundi i 2008-ës", "end", "2008-10", "2008-12", "2008-12-31", True),
    ("Fund 2009", "end", "2009-10", "2009-12", "2009-12-31", True),
    ("Fund i vitit 2008", "end", "2008-10", "2008-12", "2008-12-31", True),
    ("End 2008", "end", "2008-10", "2008-12", "2008-12-31", True),
    ("Pranverë 2009", "season", "2009-03", "2009-05", "2009-05-31", True),
    ("Verë 2010", "season", "2010-06", "2010-08", "2010-08-31", True),
    ("Vjeshtë 2008", "season", "2008-09", "2008-11", "2008-11-30", True),
    ("2009", "year", "2009-01", "2009-12", "2009-12-31", False),
    ("Gjatë 2009-ës", "year", "2009-01", "2009-12", "2009-12-31", False),
    ("Deri në fund të 2008", "by", None, "2008-12", "2008-12-31", False),
    ("Deri në mes të 2010", "by", None, "2010-06", "2010-06-30", True),
    ("Deri në vitin 2010", "by", None, "2010-12", "2010-12-31", True),
    ("Deri në qershor 2009", "by", None, "2009-06", "2009-06-30", True),
    ("Fundi i 2008 – fillimi i 2009", "range", "2008-10", "2009-03", "2009-03-31", True),
    ("Fundi i 2008– fillimi i 2009-ës", "range", "2008-10", "2009-03", "2009-03-31", True),
    ("2009-2010", "range", "2009-01", "2010-12", "2010-12-31", False),
    ("2009 – 2010", "range", "2009-01", "2010-12", "2010-12-31", False),
    ("2008 – Mesi i 2009-ës", "range", "2008-01", "2009-06", "2009-06-30", True),
    ("Fundi i 2008 – gjysma e parë e 2009", "range", "2008-10", "2009-06", "2009-06-30", True),
    ("Qershor – Dhjetor 2009", "range", "2009-06", "2009-12", "2009-12-31", False),
    ("Në vazhdim", "ongoing", "2008-01", "2010-12", None, False),
    ("Në vazhdimësi", "ongoing", "2008-01", "2010-12", None, False),
    ("Mesi i 2008 dhe në vazhdim", "ongoing", "2008-06", "2010-12", None, True),
    ("Mesi i 2008 e në vazhdim", "ongoing", "2008-06", "2010-12", None, True),
    ("2008 -", "ongoing", "2008-01", "2010-12", None, True),
    ("Tremujori i parë i 2009 -", "ongoing", "2009-01", "2010-12", None, True),
    ("Duke filluar nga fundi i 2008", "ongoing", "2008-10", "2010-12", None, True),
]


@pytest.mark.parametrize("phrase,kind,start,end,due,approx", READINGS)
def test_reading(phrase: str, kind: str, start: str | None, end: str, due: str | None, approx: bool) -> None:
    r = read_deadline(phrase)
    assert (r.kind, str(r.start) if r.start else None, str(r.end), r.due.isoformat() if r.due else None,
            r.approx) == (kind, start, end, due, approx)


def test_words_broken_across_lines_read_alike() -> None:
    assert read_deadline("Mesi i 2010-\nës").due == date(2010, 6, 30)


def test_recurring_following_year_starts_after_plan_start() -> None:
    r = read_deadline("Deri në mars të çdo viti pasardhës")
    assert r.kind == "recurring"
    assert [d.isoformat() for d in r.occurrences] == ["2009-03-31", "2010-03-31"]
    assert r.due == date(2010, 3, 31)


def test_recurring_every_year_includes_plan_start_year() -> None:
    r = read_deadline("Deri në shkurt të çdo viti")
    assert [d.isoformat() for d in r.occurrences] == ["2008-02-29", "2009-02-28", "2010-02-28"]


def test_recurring_with_start_and_misprint() -> None:
    r = read_deadline("Qershor 2008 dhe deri në mars të çdo viti pasarshës")
    assert (str(r.start), [d.isoformat() for d in r.occurrences]) == \
        ("2008-06", ["2008-06-30", "2009-03-31", "2010-03-31"])


def test_recurring_first_month_is_an_occurrence_both_spellings() -> None:
    for tail in ("pasardhës", "pasarshës"):
        r = read_deadline(f"Qershor 2008 dhe deri në mars të çdo viti {tail}")
        assert r.due_days[0].isoformat() == "2008-06-30"
        assert not r.approx


def test_recurring_for_previous_year() -> None:
    # The report on 2010 would fall due in February 2011, after the plan period: not counted.
    r = read_deadline("Deri në shkurt të çdo viti për vitin paraardhës")
    assert [d.isoformat() for d in r.occurrences] == ["2009-02-28", "2010-02-28"]


def test_recurring_respects_plan_period() -> None:
    r = read_deadline("Deri në mars të çdo viti", Month(2009, 1), Month(2009, 12))
    assert [d.isoformat() for d in r.occurrences] == ["2009-03-31"]


def test_ongoing_has_no_due_day_and_no_occurrences() -> None:
    r = read_deadline("Në vazhdim")
    assert r.due is None and r.due_days == () and r.as_json()["occurrences"] == []


@pytest.mark.parametrize("phrase", ["", "  ", "sipas nevojës", "Dimër 2009", "2009 kur të jetë e mundur",
                                    "Tremujori i pestë i 2009", "Gjysma e 2008-ës", "Mesi i"])
def test_unreadable_phrases_raise(phrase: str) -> None:
    with pytest.raises(DeadlineError):
        read_deadline(phrase)


def test_error_is_short() -> None:
    with pytest.raises(DeadlineError) as caught:
        read_deadline("kur të mundet")
    assert str(caught.value) == "cannot read deadline 'kur të mundet'"


def test_winter_asks_for_due_override() -> None:
    with pytest.raises(DeadlineError, match="add `due:`"):
        read_deadline("Dimër 2009")


@pytest.mark.parametrize("text,cutoff", [
    ("2009", "2009-12-31"), ("2009-06", "2009-06-30"), ("2009-6", "2009-06-30"),
    ("2009-06-15", "2009-06-15"), ("2009Q2", "2009-06-30"), ("2009q1", "2009-03-31"),
    ("2009H1", "2009-06-30"), ("2009H2", "2009-12-31"), ("2008-02", "2008-02-29"),
])
def test_as_of(text: str, cutoff: str) -> None:
    assert parse_as_of(text).isoformat() == cutoff


@pytest.mark.parametrize("text", ["2009-13", "2009-02-30", "June 2009", "2009Q5", "09-06", ""])
def test_as_of_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_as_of(text)


def test_parse_period_of_override() -> None:
    assert [str(m) for m in parse_period("2009Q3")] == ["2009-07", "2009-09"]


def test_quarter_arithmetic() -> None:
    from ap_cli.periods import Quarter

    q = Quarter.parse("2009q2")
    assert (str(q), q.first.isoformat(), q.last.isoformat()) == ("2009Q2", "2009-04-01", "2009-06-30")
    assert str(Quarter.of(date(2009, 12, 31))) == "2009Q4"
    assert str(Quarter(2009, 1).plus(-1)) == "2008Q4" and str(Quarter(2009, 4).plus(1)) == "2010Q1"
    assert str(Quarter.of(date(2009, 6, 30)).last_closed_by(date(2009, 6, 30))) == "2009Q2"
    assert str(Quarter.of(date(2009, 6, 29)).last_closed_by(date(2009, 6, 29))) == "2009Q1"
    with pytest.raises(ValueError, match="write it like 2009Q2"):
        Quarter.parse("2009-06")
