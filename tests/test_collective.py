"""Collective bodies (DESIGN §13): a registry entry lists its `members`; a row naming a collective
is work of each member, labelled `via`; open-ended groups (`open: all | state | partners`) are
shown apart and never counted. Membership problems are located `check` errors."""

from __future__ import annotations

import textwrap
from datetime import date

import pytest

from ap_cli import queries
from ap_cli.checks import run_checks
from ap_cli.loader import load_plan
from ap_cli.periods import parse_as_of

PLAN = """\
id: t
title: T
title_en: T
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


def write_plan(where, registry: str = REGISTRY, rows: str = ROWS):
    (where / "plan.yaml").write_text(PLAN)
    (where / "institutions.yaml").write_text(registry)
    pillar = ("pillar: I\ntitle: P\ntitle_en: P\ngoals:\n  - id: '1'\n    title: G\n    objectives:\n"
              "      - id: 1.(a)\n        title: O\n        activities:\n" + textwrap.indent(rows, " " * 10))
    (where / "1-p.yaml").write_text(pillar)
    return where


@pytest.fixture
def plan(tmp_path):
    loaded, diags = load_plan(write_plan(tmp_path))
    assert loaded is not None and not [d for d in diags if d.severity == "error"], diags
    assert not [d for d in run_checks(loaded, date.today()) if d.severity == "error"]
    return loaded


# ----------------------------------------------------------------------------- the registry


def test_membership_is_transitive_and_cycle_safe(plan):
    reg = plan.registry
    assert reg.all_members("PV") == ["BK", "BASHKITE", "KOMUNAT"]
    assert reg.groups_of("BASHKITE") == ["BK", "PV"]
    assert reg.groups_of("BK") == ["PV"]
    assert reg.groups_of("MPÇSSHB") == ["ML"]
    assert reg.groups_of("ZKKA") == []
    assert reg.addressed_to("MPÇSSHB") == ["ALL", "STATE"]
    assert reg.addressed_to("OJF") == ["ALL"]  # not a state body
    assert reg.addressed_to("ALL") == [] and reg.addressed_to("PARTNERS") == []


def check_codes(tmp_path, registry: str) -> list[tuple[int, int, str, str]]:
    loaded, diags = load_plan(write_plan(tmp_path, registry))
    assert loaded is not None, diags
    found = [d for d in diags + run_checks(loaded, date.today()) if d.file.endswith("institutions.yaml")]
    return [(d.line, d.col, d.code, d.message) for d in sorted(found)]


def test_unknown_member_is_a_located_error(tmp_path):
    registry = REGISTRY.replace("members: [MPÇSSHB, MASH]", "members: [MPÇSSHB, MASHH]")
    [(line, col, code, message)] = check_codes(tmp_path, registry)
    assert (line, code) == (9, "unknown-member")
    assert col == REGISTRY.splitlines()[8].index("MASH]") + 1
    assert "ML: member 'MASHH' is not in institutions.yaml; did you mean MASH" in message


def test_membership_cycle_is_a_located_error(tmp_path):
    registry = REGISTRY.replace("members: [BASHKITE, KOMUNAT]", "members: [BASHKITE, KOMUNAT, PV]")
    problems = check_codes(tmp_path, registry)
    assert [(p[0], p[2], p[3]) for p in problems] == [(7, "member-cycle", "membership cycle: BK → PV → BK")]
    loaded, _ = load_plan(tmp_path)
    assert loaded.registry.all_members("PV") == ["BK", "BASHKITE", "KOMUNAT"]  # no endless loop


def test_self_membership_open_member_and_conflict_are_errors(tmp_path):
    registry = (REGISTRY.replace("members: [MPÇSSHB, MASH]", "members: [MPÇSSHB, ML, ALL]")
                .replace("kind: other, open: partners", "kind: other, open: partners, members: [OJF]"))
    codes = [p[2] for p in check_codes(tmp_path, registry)]
    assert codes == ["member-cycle", "open-member", "group-conflict"]


def test_a_long_cycle_is_found_once_and_fast(tmp_path):
    n = 2000
    registry = REGISTRY + "".join(
        f"- {{id: G{i}, name: G{i}, name_en: G{i}, kind: other, members: [G{(i + 1) % n}]}}\n" for i in range(n))
    problems = check_codes(tmp_path, registry)
    assert [p[2] for p in problems] == ["member-cycle"]
    assert problems[0][3].startswith("membership cycle: G0 → G1 → G2 → ")
