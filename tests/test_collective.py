"""Collective bodies (DESIGN §13): a registry entry lists its `members`; a row naming a collective
is work of each member, labelled `via`; open-ended groups (`open: all | state | partners`) are
shown apart and never counted. Membership problems are located `check` errors."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ap_cli import queries
from ap_cli.checks import run_checks
from ap_cli.loader import load_plan
from ap_cli.periods import parse_as_of
from ap_cli.plan import ActivityRecord, Plan
from conftest import Run

PLAN = """\
id: t
title: T
title_en: T
languages: [sq]
period: {start: "2008-01", end: "2010-12"}
adopted: {date: "2008-05-30", by: KSHLKT}
pillars: [1-p.yaml]
"""

REGISTRY = """\
- {id: ZKKA, name: Zyra, name_en: Office, kind: coordination}
- {id: MPÇSSHB, name: Ministria e Punës, name_en: Labour, kind: ministry}
- {id: MASH, name: Ministria e Arsimit, name_en: Education, kind: ministry}
- {id: BASHKITE, name: bashkitë, name_en: Municipalities, kind: local}
- {id: KOMUNAT, name: komunat, name_en: Communes, kind: local}
- {id: OJF, name: OJF, name_en: NGOs, kind: ngo}
- {id: BK, name: Bashkitë/komunat, name_en: Municipalities and communes, kind: local, members: [BASHKITE, KOMUNAT]}
- {id: PV, name: Pushteti vendor, name_en: Local government, kind: local, members: [BK]}
- {id: ML, name: Ministritë e linjës, name_en: Line ministries, kind: ministry, members: [MPÇSSHB, MASH]}
- {id: ALL, name: Të gjithë aktorët, name_en: All actors, kind: other, open: all}
- {id: STATE, name: Të gjithë aktorët shtetërorë, name_en: All state actors, kind: other, open: state}
- {id: PARTNERS, name: partnerë të tjerë, name_en: Other partners, kind: other, open: partners}
"""

ROWS = """\
- {id: 1.(a).1, title: A, responsible: [PV, ZKKA], deadline: Mars 2009}
- {id: 1.(a).2, title: B, responsible: [ZKKA], support: [BK], deadline: Mars 2009}
- {id: 1.(a).3, title: C, responsible: [BASHKITE], support: [PV], deadline: Mars 2010}
- {id: 1.(a).4, title: D, responsible: [ML], support: [MPÇSSHB], deadline: Mars 2010}
- {id: 1.(a).5, title: E, responsible: [ALL], deadline: Mars 2009}
- {id: 1.(a).6, title: F, responsible: [STATE], support: [PARTNERS], deadline: Mars 2009}
- {id: 1.(a).7, title: G, responsible: [ZKKA], support: [PARTNERS], deadline: Mars 2009, resources: [ML]}
- {id: 1.(a).8, title: H, responsible: [ZKKA], support: [PV], resources: [BK], deadline: Mars 2009}
"""


def write_plan(where: Path, registry: str = REGISTRY, rows: str = ROWS) -> Path:
    (where / "plan.yaml").write_text(PLAN)
    (where / "institutions.yaml").write_text(registry)
    pillar = ("pillar: I\ntitle: P\ntitle_en: P\ngoals:\n  - id: '1'\n    title: G\n    objectives:\n"
              "      - id: 1.(a)\n        title: O\n        activities:\n" + textwrap.indent(rows, " " * 10))
    (where / "1-p.yaml").write_text(pillar)
    return where


@pytest.fixture
def plan(tmp_path: Path) -> Plan:
    loaded, diags = load_plan(write_plan(tmp_path))
    assert loaded is not None and not [d for d in diags if d.severity == "error"], diags
    assert not [d for d in run_checks(loaded, date.today()) if d.severity == "error"]
    return loaded


# ----------------------------------------------------------------------------- the registry


def test_membership_is_transitive_and_cycle_safe(plan: Plan) -> None:
    reg = plan.registry
    assert reg.all_members("PV") == ["BK", "BASHKITE", "KOMUNAT"]
    assert reg.groups_of("BASHKITE") == ["BK", "PV"]
    assert reg.groups_of("BK") == ["PV"]
    assert reg.groups_of("MPÇSSHB") == ["ML"]
    assert reg.groups_of("ZKKA") == []
    assert reg.addressed_to("MPÇSSHB") == ["ALL", "STATE"]
    assert reg.addressed_to("OJF") == ["ALL"]  # not a state body
    assert reg.addressed_to("ALL") == [] and reg.addressed_to("PARTNERS") == []


def check_codes(tmp_path: Path, registry: str) -> list[tuple[int, int, str, str]]:
    loaded, diags = load_plan(write_plan(tmp_path, registry))
    assert loaded is not None, diags
    found = [d for d in diags + run_checks(loaded, date.today()) if d.file.endswith("institutions.yaml")]
    return [(d.line, d.col, d.code, d.message) for d in sorted(found)]


def test_unknown_member_is_a_located_error(tmp_path: Path) -> None:
    registry = REGISTRY.replace("members: [MPÇSSHB, MASH]", "members: [MPÇSSHB, MASHH]")
    [(line, col, code, message)] = check_codes(tmp_path, registry)
    assert (line, code) == (9, "unknown-member")
    assert col == REGISTRY.splitlines()[8].index("MASH]") + 1
    assert "ML: member 'MASHH' is not in institutions.yaml; did you mean MASH" in message


def test_membership_cycle_is_a_located_error(tmp_path: Path) -> None:
    registry = REGISTRY.replace("members: [BASHKITE, KOMUNAT]", "members: [BASHKITE, KOMUNAT, PV]")
    problems = check_codes(tmp_path, registry)
    assert [(p[0], p[2], p[3]) for p in problems] == [(7, "member-cycle", "membership cycle: BK → PV → BK")]
    loaded, _ = load_plan(tmp_path)
    assert loaded is not None
    assert loaded.registry.all_members("PV") == ["BK", "BASHKITE", "KOMUNAT"]  # no endless loop


def test_self_membership_open_member_and_conflict_are_errors(tmp_path: Path) -> None:
    registry = (REGISTRY.replace("members: [MPÇSSHB, MASH]", "members: [MPÇSSHB, ML, ALL]")
                .replace("kind: other, open: partners", "kind: other, open: partners, members: [OJF]"))
    codes = [p[2] for p in check_codes(tmp_path, registry)]
    assert codes == ["member-cycle", "open-member", "group-conflict"]


def test_a_long_cycle_is_found_once_and_fast(tmp_path: Path) -> None:
    n = 2000
    registry = REGISTRY + "".join(
        f"- {{id: G{i}, name: G{i}, name_en: G{i}, kind: other, members: [G{(i + 1) % n}]}}\n" for i in range(n))
    problems = check_codes(tmp_path, registry)
    assert [p[2] for p in problems] == ["member-cycle"]
    assert problems[0][3].startswith("membership cycle: G0 → G1 → G2 → ")


# ----------------------------------------------------------------------------- by_institution

C = parse_as_of("2009-06")


def answer(plan: Plan, body: str, role: str = "any",
           direct: bool = False) -> tuple[list[tuple[str, list[str], str | None, bool]], Any]:
    rows, summary = queries.by_institution(plan, body, C, role, direct)
    return [(r.rec.id, r.roles, r.via, r.counted) for r in rows], summary


def test_a_member_gets_its_collectives_rows_labelled_via(plan: Plan) -> None:
    rows, summary = answer(plan, "BASHKITE")
    assert rows == [
        ("1.(a).1", ["lead"], "PV", True),  # PV → BK → BASHKITE
        ("1.(a).2", ["support"], "BK", True),
        ("1.(a).3", ["lead"], None, True),  # named directly; PV too: direct before via
        ("1.(a).8", ["support"], "PV", True),  # PV support beats BK funder
        ("1.(a).5", ["lead"], "ALL", False),  # apart, not counted
        ("1.(a).6", ["lead"], "STATE", False),
    ]
    assert summary["activities"] == 4 and summary["by_role"] == {"lead": 2, "responsible": 0, "support": 2}
    assert summary["direct"] == {"activities": 1, "by_role": {"lead": 1, "responsible": 0, "support": 0}}
    assert summary["via"] == {"activities": 3, "by_role": {"lead": 1, "responsible": 0, "support": 2},
                              "by_collective": {"BK": 1, "PV": 2}}
    assert summary["for_all"] == {"activities": 2, "by_collective": {"STATE": 1, "ALL": 1}}
    assert summary["member_of"] == ["BK", "PV"]
    full, _ = queries.by_institution(plan, "BASHKITE", C)
    assert full[2].also_via == ("PV",)


def test_direct_keeps_only_rows_naming_the_body(plan: Plan) -> None:
    rows, summary = answer(plan, "BASHKITE", direct=True)
    assert rows == [("1.(a).3", ["lead"], None, True)]
    assert summary["direct_only"] and summary["via"]["activities"] == 0 and summary["for_all"]["activities"] == 0


def test_roles_select_through_collectives_too(plan: Plan) -> None:
    assert [r[0] for r in answer(plan, "BASHKITE", "lead")[0]] == ["1.(a).1", "1.(a).3", "1.(a).5", "1.(a).6"]
    assert answer(plan, "BASHKITE", "funder")[0] == [("1.(a).8", ["funder"], "BK", True)]
    assert answer(plan, "MPÇSSHB", "funder")[0] == [("1.(a).7", ["funder"], "ML", True)]


def test_a_row_naming_the_body_is_its_own_whatever_collective_it_names(plan: Plan) -> None:
    rows, summary = answer(plan, "MPÇSSHB")
    assert rows[0] == ("1.(a).4", ["support"], None, True)  # ML leads, MPÇSSHB supports: direct support
    assert summary["by_role"] == {"lead": 0, "responsible": 0, "support": 1}


def test_open_groups_address_whom_they_say(plan: Plan) -> None:
    assert [r[0] for r in answer(plan, "OJF")[0]] == ["1.(a).5"]  # not a state body: no 1.(a).6
    assert answer(plan, "PARTNERS")[0] == [("1.(a).6", ["support"], None, True), ("1.(a).7", ["support"], None, True)]
    assert [r[:3] for r in answer(plan, "ZKKA")[0] if not r[3]] == [("1.(a).5", ["lead"], "ALL"),
                                                                    ("1.(a).6", ["lead"], "STATE")]


def test_a_collective_answers_its_own_rows_and_its_groups(plan: Plan) -> None:
    rows, summary = answer(plan, "BK")
    assert [r[:3] for r in rows if r[3]] == [("1.(a).1", ["lead"], "PV"), ("1.(a).2", ["support"], None),
                                             ("1.(a).3", ["support"], "PV"), ("1.(a).8", ["support"], "PV")]
    assert summary["members"] == ["BASHKITE", "KOMUNAT"] and summary["member_of"] == ["PV"]
    assert answer(plan, "PV")[1]["members"] == ["BK", "BASHKITE", "KOMUNAT"]


def test_select_and_overdue_include_collective_work_not_rows_for_all(plan: Plan) -> None:
    refs = [r.id for r in queries.select(plan, institution="KOMUNAT")]
    assert refs == ["1.(a).1", "1.(a).2", "1.(a).3", "1.(a).8"]
    assert [o.rec.id for o in queries.overdue(plan, C, queries.select(plan, institution="KOMUNAT"))] == \
        ["1.(a).1", "1.(a).2", "1.(a).8"]


# ----------------------------------------------------------------------------- the command line


def cli(run: Run, where: Path, *args: object) -> str:
    result = run(*args, "--plan", where)
    assert result.exit_code == 0, result.stdout + result.stderr
    return str(result.stdout)


def test_by_institution_is_the_same_in_every_format(run: Run, tmp_path: Path) -> None:
    import csv
    import io
    import json

    where = write_plan(tmp_path)
    data = json.loads(cli(run, where, "by-institution", "BASHKITE", "--as-of", "2009-06", "--format", "json"))
    listed = [r["ref"] for r in data["activities"] + data["for_all"]]
    assert [(r["ref"], r["reach"], r["via"]) for r in data["activities"]][:2] == \
        [("I-1.(a).1", "via", "PV"), ("I-1.(a).2", "via", "BK")]
    assert [(r["reach"], r["via"]) for r in data["for_all"]] == [("for_all", "ALL"), ("for_all", "STATE")]
    rows = list(csv.DictReader(io.StringIO(cli(run, where, "by-institution", "BASHKITE", "--as-of", "2009-06",
                                                   "--format", "csv"))))
    assert [r["ref"] for r in rows] == listed
    assert [(r["reach"], r["via"]) for r in rows][:2] == [("via", "PV"), ("via", "BK")]
    table = cli(run, where, "by-institution", "BASHKITE", "--as-of", "2009-06").splitlines()
    assert [line.split()[0] for line in table[1:-1]] == listed
    assert "lead, via Pushteti vendor" in table[1] and "support, via Bashkitë/komunat" in table[2]
    assert "lead, for all bodies: Të gjithë aktorët" in table[5]
    assert "lead, for all state bodies: Të gjithë aktorët shtetërorë" in table[6]
    assert table[-1] == ("BASHKITE (bashkitë) as of 2009-06-30: 4 activities = 1 naming it + 3 through "
                         "collectives (BK 1, PV 2), each counted once in its strongest role, direct before via "
                         "(lead 2, responsible 0, support 2); overdue 3, completed 0; listed apart, not counted: "
                         "2 addressed to all bodies (ALL 1, STATE 1); reporting 2009Q2: 0 of 4 activities "
                         "reported, no entry filed yet")
    direct = cli(run, where, "by-institution", "BASHKITE", "--as-of", "2009-06", "--direct").splitlines()
    assert [line.split()[0] for line in direct[1:-1]] == ["I-1.(a).3"]
    pv = cli(run, where, "by-institution", "PV", "--as-of", "2009-06").splitlines()[-1]
    assert pv.endswith("; members: BK (BASHKITE, KOMUNAT)")


def test_institutions_shows_members_and_collective_counts(run: Run, tmp_path: Path) -> None:
    import json

    where = write_plan(tmp_path)
    data = {r["id"]: r for r in json.loads(cli(run, where, "institutions", "--format", "json"))}
    assert (data["BASHKITE"]["any_count"], data["BASHKITE"]["via_count"],
            data["BASHKITE"]["for_all_count"]) == (1, 3, 2)
    assert data["BK"]["members"] == ["BASHKITE", "KOMUNAT"] and data["BASHKITE"]["member_of"] == ["BK", "PV"]
    assert (data["ALL"]["open"], data["ALL"]["group"]) == ("all", "for all bodies")
    assert data["PARTNERS"]["group"] == "partners"
    assert "members: BASHKITE, KOMUNAT" in cli(run, where, "institutions")


def test_a_collective_row_is_in_each_members_form_and_reported_once(run: Run, tmp_path: Path) -> None:
    where = write_plan(tmp_path)
    form = cli(run, where, "progress", "template", "--quarter", "2009Q2", "--institution", "KOMUNAT", "--lang", "en")
    refs = [line[len("# - ref: "):] for line in form.splitlines() if line.startswith("# - ref: ")]
    assert refs == ["I-1.(a).1", "I-1.(a).2", "I-1.(a).8", "I-1.(a).3"]  # overdue first, then due later
    assert "#   role: lead, via Local government (PV) · responsible: PV, ZKKA" in form
    assert "#   reported once: one member's entry (by: itself) counts for every member (BK, BASHKITE, KOMUNAT)" in form
    assert "#   by: KOMUNAT" in form
    # the rows for all bodies close the form, for information, without an entry
    tail = form.split("For all bodies: the plan asks these of every body")[1]
    assert "# I-1.(a).5 — [sq] E" in tail and "# I-1.(a).6 — [sq] F" in tail and "# - ref:" not in tail
    assert "4 activities: 3 overdue, 1 due later; 2 for all bodies (apart, not counted)." in form
    # BASHKITE reports the row; KOMUNAT's form then says who did
    (where / "progress").mkdir()
    (where / "progress" / "log.yaml").write_text(
        "- {ref: I-1.(a).1, date: '2009-05-10', status: in_progress, completion: limited, by: BASHKITE}\n")
    form = cli(run, where, "progress", "template", "--quarter", "2009Q2", "--institution", "KOMUNAT", "--lang", "en")
    assert "#   state at 2009-06-30: in_progress (limited), reported 2009-05-10 by BASHKITE" in form
    assert cli(run, where, "check").count("[error]") == 0


def test_per_institution_reports_show_collective_work_and_rows_for_all_apart(run: Run, tmp_path: Path) -> None:
    where = write_plan(tmp_path)
    out = tmp_path / "out"
    run("report", "--as-of", "2009-06", "--per-institution", "--lang", "en", "--out", f"{out}/", "--plan", where)
    komunat = (out / "komunat.md").read_text(encoding="utf-8")
    assert ("4 activities of the institution, in any role (lead, responsible or support): 0 naming it and 4 naming "
            "a collective it belongs to (Municipalities and communes 1, Local government 3). Activities addressed "
            "to all bodies (2) are listed apart and not counted.") in komunat
    assert "| I-1.(a).1 | lead, via Local government |" in komunat
    assert "## For all bodies (not counted)" in komunat
    assert "| I-1.(a).5 | lead, All actors |" in komunat
    assert "| BK | 0 | 0 | 0 | 0 | 0 | Municipalities and communes (led by a collective it belongs to) |" not in komunat
    assert "| PV | 1 | 1 | 0 | 0 | 1 | Local government (led by a collective it belongs to) |" in komunat
    index = (out / "index.md").read_text(encoding="utf-8")
    assert "| KOMUNAT | Communes | 4 | 4 | 0 | 3 | 0 | [komunat.md](komunat.md) |" in index


# ----------------------------------------------------------------------------- the real plan

from conftest import REAL_PLAN  # noqa: E402


@pytest.fixture(scope="module")
def real() -> Plan:
    loaded, _ = load_plan(REAL_PLAN)
    assert loaded is not None
    return loaded


def named(rec: ActivityRecord, body: str, role: str) -> bool:
    return any(r in queries.COUNTED_ROLES[role] for r in queries.role_of(rec, body))


@pytest.mark.parametrize("as_of", ["2008-06", "2009-06", "2010-12"])
@pytest.mark.parametrize("role", ["any", "all", "lead"])
def test_every_body_gets_its_own_rows_and_its_collectives_rows(real: Plan, as_of: str, role: str) -> None:
    """default rows = rows naming the body ∪ rows naming a collective it belongs to (transitively),
    then apart the rows for all bodies; --direct = rows naming it; the summary adds up."""
    cutoff = parse_as_of(as_of)
    reg = real.registry
    for inst in reg.institutions:
        body = inst.id
        rows, summary = queries.by_institution(real, body, cutoff, role)
        direct_rows, direct_summary = queries.by_institution(real, body, cutoff, role, direct=True)
        naming = {a.ref for a in real.activities if named(a, body, role)}
        through = {a.ref for a in real.activities if any(named(a, g, role) for g in reg.groups_of(body))}
        for_all = {a.ref for a in real.activities if any(named(a, g, role) for g in reg.addressed_to(body))}
        assert {r.rec.ref for r in direct_rows} == naming, body
        assert {r.rec.ref for r in rows if r.counted} == naming | through, body
        assert {r.rec.ref for r in rows if not r.counted} == for_all - naming - through, body
        assert {r.rec.ref for r in rows if r.via is None} == naming, body
        assert summary["direct"]["activities"] == len(naming) == direct_summary["activities"], body
        assert summary["direct"]["activities"] + summary["via"]["activities"] == summary["activities"], body
        assert sum(summary["by_role"].values()) == summary["activities"], body
        assert all(summary["direct"]["by_role"][r] + summary["via"]["by_role"][r] == n
                   for r, n in summary["by_role"].items()), body
        assert summary["direct"]["by_role"] == direct_summary["by_role"], body
        assert sum(summary["via"]["by_collective"].values()) == summary["via"]["activities"], body
        assert summary["for_all"]["activities"] == sum(not r.counted for r in rows), body
        assert [r.rec.ref for r in rows if r.counted] == [a.ref for a in real.activities
                                                          if a.ref in naming | through], body  # plan order


@pytest.mark.parametrize("body", ["BASHKITE", "KOMUNAT", "MPÇSSHB", "KRAT", "PUSHTETI-VENDOR", "TE-GJITHE-AKTORET",
                                  "ZKKA", "UNICEF"])
@pytest.mark.parametrize("direct", [False, True])
def test_the_same_rows_in_every_format(run: Run, body: str, direct: bool) -> None:
    import csv
    import io
    import json

    args = ["by-institution", body, "--as-of", "2009-06", "--plan", REAL_PLAN] + (["--direct"] if direct else [])
    data = json.loads(run(*args, "--format", "json").stdout)
    refs = [r["ref"] for r in data["activities"] + data["for_all"]]
    assert len(data["activities"]) == data["summary"]["activities"]
    csv_rows = list(csv.DictReader(io.StringIO(run(*args, "--format", "csv").stdout)))
    assert [r["ref"] for r in csv_rows] == refs
    assert [r["via"] or None for r in csv_rows] == [r["via"] for r in data["activities"] + data["for_all"]]
    table = run(*args, "--no-pager").stdout.splitlines()
    assert [line.split()[0] for line in table[1:-1]] == refs
    md = run(*args, "--format", "md").stdout.splitlines()
    assert [line.split(" | ")[0][2:].replace("\\", "") for line in md[2:2 + len(refs)]] == refs


def test_as_users_read_it(real: Plan) -> None:
    """The municipality, the Ministry of Labour and the regional committees, read against the
    source (see docs/explanation/collective-bodies.md: BASHKITE 2 → 22, MPÇSSHB 52 → 78, KRAT 36 → 62 as of 2009-06)."""
    c = parse_as_of("2009-06")
    _, b = queries.by_institution(real, "BASHKITE", c)
    assert (b["direct"]["activities"], b["via"]["by_collective"], b["for_all"]["activities"]) == \
        (0, {"BASHKITE-KOMUNAT": 16, "PUSHTETI-VENDOR": 6}, 12)
    _, m = queries.by_institution(real, "MPÇSSHB", c)
    assert (m["direct"]["activities"], m["via"]["by_collective"]) == \
        (52, {"MKR": 23, "MINISTRITE": 1, "MINISTRITE-E-LINJES": 2})
    _, m_all = queries.by_institution(real, "MPÇSSHB", c, "all")
    # III-3.(b).4, IV-2.(a).1.4, IV-4.(a).2, IV-4.(a).3
    assert m_all["via"]["by_collective"]["MINISTRITE-E-LINJES"] == 4
    _, k = queries.by_institution(real, "KRAT", c)
    assert (k["direct"]["activities"], k["via"]["by_collective"], k["member_of"]) == (36, {"MKR": 26}, ["MKR"])
    rows, _ = queries.by_institution(real, "KOMUNAT", c)
    assert [(r.rec.ref, r.via) for r in rows if r.rec.ref in ("II-1.(b).5.1", "IV-2.(a).1.4")] == \
        [("II-1.(b).5.1", "PUSHTETI-VENDOR"), ("IV-2.(a).1.4", "BASHKITE-KOMUNAT")]


def test_diff_shows_a_membership_change(run: Run, tmp_path: Path) -> None:
    import json

    base, head = tmp_path / "base", tmp_path / "head"
    base.mkdir()
    head.mkdir()
    write_plan(base)
    write_plan(head, REGISTRY.replace("members: [MPÇSSHB, MASH]", "members: [MPÇSSHB]")
               .replace("kind: other, open: state", "kind: other, open: all"))
    changes = json.loads(run("diff", base, head, "--format", "json").stdout)
    assert [(c["ref"], c["field"], c["before"], c["after"]) for c in changes] == [
        ("ML", "members", ["MPÇSSHB", "MASH"], ["MPÇSSHB"]), ("STATE", "open", "state", "all")]
