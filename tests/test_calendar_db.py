"""`apcli export --format ics | sqlite | xlsx`: a calendar of due days (RFC 5545, parsed back with
icalendar), a normalised SQLite database (foreign keys, search; queried with sqlite3), a workbook."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT

icalendar = pytest.importorskip("icalendar")
DEMO = ROOT / "examples" / "progress-demo"


def ics(run: Any, out: Path, *args: str | Path) -> Any:
    result = run("export", "--format", "ics", "--out", out, *args)
    assert result.exit_code == 0, result.stderr
    return icalendar.Calendar.from_ical(out.read_bytes())


# ----------------------------------------------------------------------------- calendar


def test_one_event_per_activity_and_due_day(run: Any, tmp_path: Path) -> None:
    out = tmp_path / "d.ics"
    cal = ics(run, out, "--as-of", "2009Q2", "--progress", DEMO)
    events = cal.walk("VEVENT")
    assert cal["VERSION"] == "2.0" and cal["PRODID"].startswith("-//apcli//")
    uids = [str(e["UID"]) for e in events]
    assert len(uids) == len(set(uids))
    expected = {(a["ref"], day) for a in json.loads(run("export").stdout) for day in a["due"]}
    assert {(str(e["UID"]).split("/")[0], e.decoded("DTSTART").isoformat()) for e in events} == expected
    for e in events:
        start, end = e.decoded("DTSTART"), e.decoded("DTEND")
        assert type(start) is date and (end - start).days == 1  # all day
        assert str(e["SUMMARY"]).startswith(str(e["UID"]).split("/")[0] + " — ")
        assert e.decoded("DTSTAMP").isoformat() == "2009-06-30T00:00:00+00:00"  # the cut-off, not the clock


def test_a_recurring_deadline_gives_every_occurrence(run: Any, tmp_path: Path) -> None:
    rows = json.loads(run("export").stdout)
    recurring = next(a for a in rows if len(a["due"]) > 1 and len(a["deadlines"]) == 1)
    cal = ics(run, tmp_path / "d.ics", "--as-of", "2009Q2")
    days = sorted(e.decoded("DTSTART").isoformat() for e in cal.walk("VEVENT")
                  if str(e["UID"]).startswith(recurring["ref"] + "/"))
    assert days == sorted(recurring["due"])


def test_the_description(run: Any, tmp_path: Path) -> None:
    cal = ics(run, tmp_path / "d.ics", "--as-of", "2009Q2", "--progress", DEMO, "--institution", "PSH")
    event = next(e for e in cal.walk("VEVENT") if str(e["UID"]) == "II-2.(c).2/2008-06-30@apcli.invalid")
    text = str(event["DESCRIPTION"])
    assert text.splitlines()[:4] == ["Afati (etapa 2): Gjysma e 2008-ës — ≈ afat i përafërt",
                                     "Përgjegjës: PSH, SHSSH, OJF, MKR",
                                     "Gjendja më 2009-06-30: not_started (overdue)",
                                     "nuk është raportuar progres"]
    assert str(event["CATEGORIES"].cats[0]) == "pillar II"


def test_uids_and_bytes_are_stable(run: Any, tmp_path: Path) -> None:
    a, b = tmp_path / "a.ics", tmp_path / "b.ics"
    ics(run, a, "--as-of", "2009Q2")
    ics(run, b, "--as-of", "2009Q2")
    assert a.read_bytes() == b.read_bytes()
    later = tmp_path / "c.ics"
    ics(run, later, "--as-of", "2010Q2")  # another cut-off: states change, the UIDs do not

    def uid(p: Path) -> list[str]:
        return [str(e["UID"]) for e in icalendar.Calendar.from_ical(p.read_bytes()).walk("VEVENT")]

    assert uid(a) == uid(later)
    raw = a.read_bytes()
    assert b"\r\n" in raw and all(len(line) <= 75 for line in raw.split(b"\r\n"))  # RFC 5545 folding


def test_filters(run: Any, tmp_path: Path) -> None:
    cal = ics(run, tmp_path / "d.ics", "--as-of", "2009Q2", "--pillar", "IV")
    assert {str(e["CATEGORIES"].cats[0]) for e in cal.walk("VEVENT")} == {"pillar IV"}
    assert cal["X-WR-CALNAME"] == "Plani kundër trafikimit 2008–2010 — shtylla IV"


def test_notes_of_internal_entries_never_reach_the_calendar(run: Any, mini_plan: Path, tmp_path: Path) -> None:
    (mini_plan / "progress" / "2009Q2").mkdir(parents=True, exist_ok=True)
    log = mini_plan / "progress" / "2009Q2" / "mpcsshb.yaml"
    entry = ('- ref: II-1.(a).1\n  date: "2009-06-01"\n  status: in_progress\n  by: MPÇSSHB\n'
             '  note: "takim me bashkinë"\n')
    log.write_text(entry, encoding="utf-8")
    cal = ics(run, tmp_path / "d.ics", "--as-of", "2009Q2", "--plan", mini_plan)
    text = "".join(str(e["DESCRIPTION"]) for e in cal.walk("VEVENT"))
    assert "Regjistrimi i fundit: 2009-06-01 in_progress (MPÇSSHB); shënim: takim me bashkinë" in text
    log.write_text(entry + "  internal: true\n", encoding="utf-8")
    cal = ics(run, tmp_path / "d.ics", "--as-of", "2009Q2", "--plan", mini_plan)
    text = "".join(str(e["DESCRIPTION"]) for e in cal.walk("VEVENT"))
    assert "takim" not in text  # the note of an internal entry never reaches a calendar
    assert "Regjistrimi i fundit: 2009-06-01 in_progress (MPÇSSHB)" in text  # its status does
    db = tmp_path / "plan.db"
    assert run("export", "--format", "sqlite", "--out", db, "--plan", mini_plan).exit_code == 0
    assert sqlite3.connect(db).execute("select note from progress where activity = 'II-1.(a).1'").fetchall() == [
        (None,)]


@pytest.mark.parametrize("args, message", [
    (["--format", "ics"], "give --out FILE.ics"),
    (["--format", "sqlite", "--out", "-"], "give --out FILE.db"),
    (["--format", "json", "--out", "x.json"], "are for --format xlsx, ics or sqlite"),
    (["--format", "sqlite", "--out", "x.db", "--pillar", "II"], "are for --format ics"),
])
def test_export_usage_errors(run: Any, args: list[str], message: str) -> None:
    result = run("export", *args)
    assert result.exit_code == 2 and message in result.stderr


# ----------------------------------------------------------------------------- database


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    from typer.testing import CliRunner

    from ap_cli.cli import app

    out = tmp_path_factory.mktemp("db") / "plan.db"
    result = CliRunner().invoke(app, ["export", "--format", "sqlite", "--out", str(out), "--progress", str(DEMO)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out}: 4 pillars, ")
    return sqlite3.connect(out)


def test_the_database_is_normalised_with_foreign_keys(database: sqlite3.Connection, run: Any) -> None:
    names = {r[0] for r in database.execute("select name from sqlite_master where type='table'")}
    assert {"pillars", "institutions", "members", "activities", "roles", "milestones", "deadlines", "due_days",
            "indicators", "progress", "activities_fts"} <= names
    assert database.execute("PRAGMA foreign_key_check").fetchall() == []
    fks = {(t, r[3], r[2]) for t in ("activities", "roles", "due_days", "progress")
           for r in database.execute(f"PRAGMA foreign_key_list({t})")}
    assert ("roles", "institution", "institutions") in fks and ("due_days", "deadline", "deadlines") in fks
    exported = json.loads(run("export").stdout)
    assert database.execute("select count(*) from activities").fetchone()[0] == len(exported)
    assert database.execute("select count(distinct activity || '/' || day) from due_days").fetchone()[0] == sum(
        len(set(a["due"])) for a in exported)
    leads = dict(database.execute("select ref, lead from activities"))
    assert all(leads[a["ref"]] == a["lead"] for a in exported if a["lead"])


# The example queries of docs/how-to/sqlite.md, run as written there.
QUERIES = {
    "overdue_by_lead": """
        select a.lead, count(*) as due_and_not_done
        from activities a join due_days d on d.activity = a.ref
        where d.day <= '2009-06-30'
          and not exists (select 1 from progress p where p.activity = a.ref
                          and p.status in ('completed', 'cancelled') and p.date <= '2009-06-30')
        group by a.lead order by due_and_not_done desc, a.lead limit 3""",
    "search": """
        select a.ref, a.title from activities_fts f join activities a on a.rowid = f.rowid
        where activities_fts match 'strehëz*' order by a.ref""",
    "roles_of_a_body": """
        select r.role, count(*) from roles r where r.institution = 'MPÇSSHB'
        group by r.role order by r.role""",
}


def test_the_documented_queries(database: sqlite3.Connection) -> None:
    doc = (ROOT / "docs" / "how-to" / "sqlite.md").read_text(encoding="utf-8")
    for sql in QUERIES.values():
        assert " ".join(sql.split()) in " ".join(doc.split())
    top = database.execute(QUERIES["overdue_by_lead"]).fetchall()
    assert len(top) == 3 and top[0][1] >= top[1][1] >= top[2][1]
    found = database.execute(QUERIES["search"]).fetchall()
    assert found and all("strehëz" in title.lower() for _, title in found)
    roles = dict(database.execute(QUERIES["roles_of_a_body"]).fetchall())
    assert set(roles) <= {"lead", "responsible", "support", "funder"} and roles["lead"] > 0


# ----------------------------------------------------------------------------- workbook


def test_export_as_a_workbook(run: Any, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "plan.xlsx"
    result = run("export", "--format", "xlsx", "--out", out)
    assert result.exit_code == 0 and result.stdout == f"wrote {out}: 226 activities\n"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["activities", "milestones"]
    ws = wb["activities"]
    assert [c.value for c in ws[1]][:4] == ["ref", "pillar", "id", "title"]
    assert ws.freeze_panes == "A2"


def test_the_calendar_in_english(run: Any, tmp_path: Path) -> None:
    cal = ics(run, tmp_path / "d.ics", "--as-of", "2009Q2", "--lang", "en", "--pillar", "II")
    event = next(e for e in cal.walk("VEVENT") if str(e["UID"]) == "II-2.(c).2/2008-06-30@apcli.invalid")
    assert str(event["DESCRIPTION"]).splitlines()[:3] == [
        "Deadline (milestone 2): June 2008 — ≈ approximate deadline", "Responsible: PSH, SHSSH, OJF, MKR",
        "State at 2009-06-30: not_started (overdue)"]
