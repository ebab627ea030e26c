"""One reading for each printed phrase (docs/TRANSCRIBING.md, "Reading conventions"): tests over
the plan data, so that an edit cannot bring back a second reading of a phrase. The rule numbers
(R1 …) are those of the table. Where the data alone cannot show the phrase, the printed cell is
pinned by its line in the source text (`../shared/seed/…`), and those tests are skipped when
the source is not beside the checkout."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

import pytest

from ap_cli.institutions import fold, split_unit
from ap_cli.loader import load_plan
from ap_cli.plan import ActivityRecord, Plan
from conftest import REAL_PLAN

SOURCE = REAL_PLAN.parent.parent / "shared" / "seed" / "000_9c1b9a464e4fd42c.txt"
needs_source = pytest.mark.skipif(not SOURCE.is_file(),
                                  reason="the source text (../shared/seed) is not beside this checkout")


@pytest.fixture(scope="module")
def plan() -> Plan:
    loaded, _ = load_plan(REAL_PLAN)
    assert loaded is not None
    return loaded


def fields(rec: ActivityRecord) -> Iterator[tuple[str, str, list[str]]]:
    """(where, field, entries) for the activity and each milestone."""
    a = rec.activity
    for name in ("responsible", "support", "resources"):
        yield "activity", name, list(getattr(a, name))
    for i, m in enumerate(a.milestones or []):
        for name in ("responsible", "support", "resources"):
            yield f"milestone {i + 1}", name, list(getattr(m, name) or [])


def bodies(rec: ActivityRecord, field: str) -> list[str]:
    found: list[str] = {"responsible": rec.responsible_ids, "support": rec.support_ids,
                        "resources": rec.resource_ids}[field]
    return found


# ----------------------------------------------------------------------------- R8: bashki and komuna

R8_ROWS = ["II-1.(b).5", "II-2.(b).1", "II-2.(d).2", "II-3.(a).5", "II-3.(a).6", "II-3.(b).4.1", "III-1.(b).4",
           "III-2.(c).7.1", "III-2.(c).7.2", "III-3.(a).1", "III-3.(b).1", "III-3.(b).2", "III-3.(b).4",
           "III-3.(b).5", "III-3.(b).6", "IV-2.(a).1.4", "IV-4.(a).1.1"]


def test_r8_municipalities_and_communes_as_a_pair_are_one_id(plan: Plan) -> None:
    """`Bashkitë/komunat`, `Bashki, komuna`, `bashkitë, komunat`: BASHKITE-KOMUNAT, never the two ids
    side by side (its members are BASHKITE and KOMUNAT)."""
    pairs = [(rec.ref, where, field) for rec in plan.activities for where, field, entries in fields(rec)
             if {"BASHKITE", "KOMUNAT"} <= {split_unit(e)[0] for e in entries}]
    assert not pairs, f"write the pair as BASHKITE-KOMUNAT: {pairs}"
    assert [r.ref for r in plan.activities if "BASHKITE-KOMUNAT" in
            {*r.responsible_ids, *r.support_ids, *r.resource_ids}] == R8_ROWS
    assert plan.registry.members("BASHKITE-KOMUNAT") == ["BASHKITE", "KOMUNAT"]


# ----------------------------------------------------------------------------- R6: units


def test_r6_a_unit_is_written_without_the_words_naming_its_body(plan: Plan) -> None:
    """`Grupi i punës së MKR-së` of MKR is `MKR/Grupi i punës`, as `Grupi i Punës i MKR-së` is."""
    repeated = []
    for rec in plan.activities:
        for _where, field, entries in fields(rec):
            for entry in entries:
                body, unit = split_unit(entry)
                if not unit or body not in plan.registry.by_id:
                    continue
                inst = plan.registry.by_id[body]
                names = {fold(n) for n in (inst.id, inst.name, *inst.aliases) if len(fold(n)) > 1}
                text = fold(unit)
                if any(re.search(rf"(?<![\w-]){re.escape(n)}(?![\w])", text) for n in names):
                    repeated.append((rec.ref, field, entry))
    assert not repeated, f"units that repeat their body: {repeated}"


def test_r6_one_spelling_of_mkr_working_group(plan: Plan) -> None:
    units = {split_unit(e)[1] for rec in plan.activities for _, _, entries in fields(rec)
             for e in entries if e.startswith("MKR/")}
    assert {(u or "").lower() for u in units} == {"grupi i punës", "grupi", "grupi i ekspertëve"}


# ----------------------------------------------------------------------------- R10: layout of milestones


def test_r10_a_milestone_without_its_own_text_has_a_deadline(plan: Plan) -> None:
    """An indicator printed below the last deadline, with nothing beside it, belongs to the
    milestone above it; a milestone of its own with `deadline: null` would leave it undated."""
    undated = [(rec.ref, i + 1) for rec in plan.activities for i, m in enumerate(rec.activity.milestones or [])
               if m.title is None and m.deadline is None and m.due is None]
    assert not undated, f"milestones without a deadline: {undated}"
    iv = plan.by_ref["IV-1.(c).1.1"]
    assert [(d.phrase, len(m.indicators)) for d, m in zip(iv.deadlines, iv.activity.milestones or [], strict=True)] == \
        [("Fillim i 2009", 1), ("Fillim i 2009", 2)]


# ----------------------------------------------------------------------------- R1: 'me'

SUPPORT_PHRASE = re.compile(r"\bme\b|në partneritet|në bashkëpunim|asistuar nga|mbështetur nga")
PRINTED_CELL = re.compile(r"(?:Responsible|Support|Continuation-row responsible) (?:printed|prints) '([^']*)'")
R1_EXCEPTIONS = {"II-2.(b).1"}


def test_r1_bodies_after_me_are_support(plan: Plan) -> None:
    """Every row whose note quotes a responsible cell with a support phrase has support bodies,
    except the listed rows, whose notes say why."""
    missing = []
    for rec in plan.activities:
        quoted = [m.group(1) for note in rec.activity.notes for m in PRINTED_CELL.finditer(note)]
        if any(SUPPORT_PHRASE.search(q) for q in quoted) and not rec.support_ids and rec.ref not in R1_EXCEPTIONS:
            missing.append(rec.ref)
    assert not missing, f"bodies after 'me' recorded as responsible: {missing}"
    for ref in R1_EXCEPTIONS:
        assert any("Exception to the reading convention 'me'" in n for n in plan.by_ref[ref].activity.notes), ref


# ----------------------------------------------------------------------------- R4, R5: parentheses

R4_PINNED = [  # (ref, field, the ids in printed order: the group first, then the bodies it names)
    ("I-1.(b).2", "responsible", ["OJF", "KKSAT"]),
    ("II-1.(b).5.1", "support", ["PARTNERE-TE-TJERE", "KVKTNJ"]),
    ("II-1.(b).5.2", "support", ["PARTNERE-TE-TJERE", "KVKTNJ"]),
    ("III-3.(b).1", "support", ["PARTNERE-TE-TJERE", "KVKTNJ"]),
    ("III-2.(b).2", "support", ["PARTNERE-NDERKOMBETARE", "ILO"]),
    ("III-3.(a).1.1", "responsible", ["PARTNERE-KOMBETARE", "PARTNERE-NDERKOMBETARE", "KVKTNJ"]),
    ("III-3.(b).3", "responsible", ["MINISTRITE-E-LINJES", "MASH", "MPÇSSHB", "MSH", "MPPTT"]),
    ("III-4.(a).4", "responsible", ["MINISTRITE-E-LINJES", "MBUMK", "MTKRS", "MPPTT", "MB"]),
    ("IV-4.(a).1.1", "resources", ["DONATORET", "KVKTNJ"]),
    ("IV-4.(c).3", "support", ["PARTNERE-NDERKOMBETARE", "KVKTNJ"]),
]


@pytest.mark.parametrize("ref,field,ids", R4_PINNED, ids=[f"{r}-{f}" for r, f, _ in R4_PINNED])
def test_r4_group_first_then_the_bodies_it_names(plan: Plan, ref: str, field: str, ids: list[str]) -> None:
    got = bodies(plan.by_ref[ref], field)
    start = got.index(ids[0])
    assert got[start:start + len(ids)] == ids, got


PARENTHESIS = re.compile(r"(Buxheti i \w+|\bMB|Ministria e Brendshme|\bAP) \(([^)]*)\)")


def test_r5_a_body_with_another_body_in_parentheses_is_the_body_only(plan: Plan) -> None:
    """`Buxheti i Shtetit (KRAT)`, `MB (KRAT)`, `AP (Ministritë e linjës …)`, `Ministria e Brendshme
    (Policia e Shtetit)`: the body in parentheses says who staffs it or whose budget line it is."""
    from ap_cli.institutions import UnknownInstitution

    seen, wrong = 0, []
    for rec in plan.activities:
        for note in rec.activity.notes:
            for m in re.finditer(r"(Responsible|Resources) (?:printed|prints) '([^']*)'", note):
                field = "responsible" if m.group(1) == "Responsible" else "resources"
                cell = m.group(2)
                for p in PARENTHESIS.finditer(cell):
                    names = [n.strip() for n in re.split(r" dhe |,", p.group(2))]
                    outside = cell[:p.start()] + cell[p.end():]
                    for name in names:
                        try:
                            inner = plan.registry.resolve(name)
                        except UnknownInstitution:
                            continue
                        seen += 1
                        printed_elsewhere = any(plan.registry.resolve(x) == inner for x in
                                                re.split(r",| dhe ", outside) if _known(plan, x))
                        if inner in bodies(rec, field) and not printed_elsewhere:
                            wrong.append((rec.ref, field, name))
    assert seen >= 15
    assert not wrong, f"bodies in parentheses recorded as parties: {wrong}"
    assert plan.by_ref["I-1.(f).2"].resource_ids == ["MB", "MD"]
    assert plan.by_ref["II-1.(b).2"].responsible_ids == ["ZKKA", "AP"]


def _known(plan: Plan, text: str) -> bool:
    from ap_cli.institutions import UnknownInstitution

    try:
        plan.registry.resolve(text.strip())
        return bool(text.strip())
    except UnknownInstitution:
        return False


# ----------------------------------------------------------------------------- R2-R4: 'të tjerë'

# Every 'të tjerë' of the action plan (source lines ≥ 832), by the line it starts on: the row, the
# field, the ids the field holds in this order, and an id it must not hold. R2: standing alone it
# is PARTNERE-TE-TJERE; R3: qualified partners get their own id; R4: inside parentheses it is
# "etc." and left out.
TE_TJERE = [
    (1514, "I-1.(b).2", "responsible", ["OJF", "KKSAT"], "PARTNERE-TE-TJERE"),
    (1517, "I-1.(b).2", "support", ["IOM", "PARTNERE-TE-TJERE"], None),
    (2082, "I-1.(d).3", "support", ["KESHILLI-EVROPES", "PARTNERE-TE-TJERE"], None),
    (2232, "I-1.(e).1.2", "support", ["ICMPD", "PARTNERE-TE-TJERE"], None),
    (2261, "I-1.(e).2", "support", ["ICITAP", "PARTNERE-TE-TJERE"], None),
    (2929, "I-1.(h).1", "responsible", ["ZKKA", "PARTNERE-TE-TJERE"], None),
    (3072, "I-1.(h).2", "support", ["ZKKA", "PARTNERE-TE-TJERE", "ON"], None),
    (3459, "II-1.(a).1", "support", ["KVKTNJ", "PARTNERE-NDERKOMBETARE"], "PARTNERE-TE-TJERE"),
    (3810, "II-1.(b).3", "responsible", ["PARTNERE-VENDAS", "PARTNERE-NDERKOMBETARE"], "PARTNERE-TE-TJERE"),
    (3865, "II-1.(b).3.1", "responsible", ["PARTNERE-VENDAS", "PARTNERE-NDERKOMBETARE"], "PARTNERE-TE-TJERE"),
    (4013, "II-1.(b).5.1", "support", ["PARTNERE-TE-TJERE", "KVKTNJ"], None),
    (4046, "II-1.(b).5.2", "support", ["PARTNERE-TE-TJERE", "KVKTNJ"], None),
    (5231, "II-3.(b).3", "responsible", ["OJF", "PARTNERE-HOMOLOGE-JASHTE"], "PARTNERE-TE-TJERE"),
    (5267, "II-3.(b).3.1", "responsible", ["ON", "PARTNERE-TE-TJERE"], None),
    (5542, "II-4.(a).3", "responsible", ["SECI", "PARTNERE-TE-TJERE"], None),
    (5621, "II-4.(b).1.2", "responsible", ["MD", "PARTNERE-TE-TJERE"], None),
    (5839, "III-1.(a).1", "support", ["OJF", "PARTNERE-TE-TJERE", "KESHILLI-EVROPES", "KVKTNJ", "IOM", "UNICEF",
                                      "UNODC"], None),
    (5911, "III-1.(a).3", "support", ["OJF", "PARTNERE-TE-TJERE"], None),
    (6033, "III-1.(a).5", "support", ["OJF", "PARTNERE-TE-TJERE"], None),
    (6122, "III-1.(a).7", "responsible", ["IOM", "PARTNERE-TE-TJERE"], None),
    (6191, "III-1.(a).9", "responsible", ["OSBE", "PARTNERE-TE-TJERE"], None),
    (6577, "III-2.(b).2", "support", ["PARTNERE-NDERKOMBETARE", "ILO"], "PARTNERE-TE-TJERE"),
    (7290, "III-2.(c).6", "support", ["PARTNERE-TE-TJERE"], None),
    (7625, "III-3.(a).1.1", "responsible", ["PARTNERE-KOMBETARE", "PARTNERE-NDERKOMBETARE"], "PARTNERE-TE-TJERE"),
    (7628, "III-3.(a).1.1", "responsible", ["PARTNERE-NDERKOMBETARE", "KVKTNJ"], "PARTNERE-TE-TJERE"),
    (8139, "III-4.(b).1", "responsible", ["OJF", "PARTNERE-TE-TJERE"], None),
    (8698, "IV-1.(b).1", "support", ["KVKTNJ", "PARTNERE-NDERKOMBETARE"], "PARTNERE-TE-TJERE"),
    (9363, "IV-1.(b).5.2", "support", ["KVKTNJ", "PARTNERE-TE-TJERE"], None),
]
NOT_A_BODY_CELL = {3218, 3227, 3245, 3620, 5724, 8670}  # 'zyrtarëve të tjerë', 'ofrues të tjerë', … in texts


def te_tjere_lines() -> list[int]:
    lines = SOURCE.read_text(encoding="utf-8").splitlines()
    text, starts = "", []
    for line in lines:
        starts.append(len(text))
        text += line.strip() + " "
    found = [bisect.bisect(starts, m.start()) for m in re.finditer(r"\btë\s+tjer[ëe]t?\b", text)]
    return [n for n in found if n >= 832]


@needs_source
def test_every_te_tjere_of_the_action_plan_has_its_reading() -> None:
    assert sorted(te_tjere_lines()) == sorted({n for n, *_ in TE_TJERE} | NOT_A_BODY_CELL)


@pytest.mark.parametrize("line,ref,field,ids,absent", TE_TJERE, ids=[f"{n}-{r}" for n, r, *_ in TE_TJERE])
def test_te_tjere_read_one_way(plan: Plan, line: int, ref: str, field: str, ids: list[str], absent: str | None) -> None:
    got = bodies(plan.by_ref[ref], field)
    assert all(i in got for i in ids), (got, ids)
    positions = [got.index(i) for i in ids]
    assert positions == sorted(positions), (got, ids)
    if len(ids) > 1 and ids[0] in ("PARTNERE-TE-TJERE", "PARTNERE-NDERKOMBETARE", "PARTNERE-KOMBETARE", "OJF"):
        assert positions == list(range(positions[0], positions[0] + len(ids))), (got, ids)
    assert absent is None or absent not in got, got
