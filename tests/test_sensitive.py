"""Sensitive text in the progress log (DESIGN §13): `internal` notes stay out of public outputs
(`progress.public_note`), and `check` warns (`personal-data`) on evidence or notes that look like
they hold a phone number, a personal ID number or a date of birth — and not on what progress
text normally holds: law and decision numbers, dates of events, refs, sums, hotlines."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ap_cli.model import ProgressEntry
from ap_cli.progress import public_note
from ap_cli.sensitive import BIRTH, PERSONAL_ID, PHONE, personal_data
from conftest import MINI_PLAN, ROOT, Run

TRUE_POSITIVES = [
    # mobiles, as clerks write them
    ("Kontakt: 069 123 4567", [PHONE]),
    ("0691234567", [PHONE]),
    ("068-123-45-67", [PHONE]),
    ("067.123.4567", [PHONE]),
    ("+355 69 123 4567", [PHONE]),
    ("+355691234567", [PHONE]),
    ("00355 68 12 34 567", [PHONE]),
    ("+355 (0)69 123 4567", [PHONE]),
    # landlines
    ("04 223 4567", [PHONE]),
    ("(052) 222 333", [PHONE]),
    ("042234567", [PHONE]),
    ("+355 4 223 4567", [PHONE]),
    ("tel: 052 222 333", [PHONE]),
    ("Tel. +355 4 2234567 (zyra)", [PHONE]),
    ("cel. 067-123-4567", [PHONE]),
    # personal ID numbers (letter, 8 digits, letter)
    ("Viktima J12345678A u dëgjua", [PERSONAL_ID]),
    ("nr. personal: i87654321b", [PERSONAL_ID]),
    ("(K91234567L)", [PERSONAL_ID]),
    # dates of birth
    ("A.B., lindur më 12.03.1985", [BIRTH]),
    ("e lindur më 12/03/1985 në Tiranë", [BIRTH]),
    ("i lindur në vitin 1990", [BIRTH]),
    ("born 1985-03-12", [BIRTH]),
    ("born in 1985", [BIRTH]),
    ("datëlindja: 12.03.1985", [BIRTH]),
    ("Datelindja 1985", [BIRTH]),
    ("datë-lindja 1.2.1990", [BIRTH]),
    ("A.B., date of birth 1.2.1990", [BIRTH]),
    ("DOB: 1990", [BIRTH]),
    # more than one kind
    ("M.K., lindur më 01.02.1990, J12345678A, tel 069 123 4567", [PHONE, PERSONAL_ID, BIRTH]),
]

FALSE_POSITIVES = [
    "Ligji nr. 9669, datë 18.12.2006",
    "Ligji nr. 9859, datë 21.01.2008 dhe nr. 9686 datë 26.02.2007",
    "VKM nr. 1",
    "VKM nr. 1371, datë 08.10.2008",
    "VKM nr. 171, datë 20.02.2008; ndryshuar me VKM nr. 582",
    "DCM No. 123 of 12.03.2009",
    "Udhëzim nr. 1234, datë 05.03.2009",
    "Prot. nr. 2345/1, datë 12.05.2009",
    "Raport i ZKKA-së, datë 31.12.2008",
    "Mbledhja u mbajt më 05.03.2009 10:30",
    "Strategjia 2008-2010",
    "I-1.(a).3",
    "II-1.(a).1.1, shih edhe I-1.(a).10",
    "2009-06-01",
    "Linja e gjelbër 116 006",
    "tel. 116 006",
    "Linja falas 0800 1010",
    "buxheti 2 500 000 lekë",
    "shuma 12 345 678 lekë",
    "800 persona të trajnuar",
    "faqe 12-15",
    "ISBN 978-9928-123-45-6",
    "Qendra u hap më 2009; projekti lindi nga nevoja",
    "Lindur (born) projects",
    "viti i lindjes së projektit",
]


@pytest.mark.parametrize(("text", "kinds"), TRUE_POSITIVES, ids=[t for t, _ in TRUE_POSITIVES])
def test_personal_data_found(text: str, kinds: list[str]) -> None:
    assert personal_data(text) == kinds


@pytest.mark.parametrize("text", FALSE_POSITIVES)
def test_ordinary_progress_text_is_not_personal_data(text: str) -> None:
    assert personal_data(text) == []


def test_the_fixture_and_real_plans_hold_none() -> None:
    texts = [line for path in [*MINI_PLAN.rglob("*.yaml"), *(ROOT / "plan").rglob("*.yaml")]
             for line in path.read_text(encoding="utf-8").splitlines()]
    assert [t for t in texts if personal_data(t)] == []


# ----------------------------------------------------------------------------- internal notes


def entry(**fields: object) -> ProgressEntry:
    return ProgressEntry.model_validate({"ref": "I-1.(a).2", "date": "2009-06-01", "status": "in_progress",
                                         **fields})


def test_public_note() -> None:
    assert public_note(entry(note="U takuam me drejtorinë")) == "U takuam me drejtorinë"
    assert public_note(entry(note="Rasti në gjykim", internal=True)) is None
    assert public_note(entry(note="Publike", internal=False)) == "Publike"
    assert public_note(entry()) is None
    assert entry().internal is False


def test_internal_must_be_a_boolean(run: Run, tmp_path: Path) -> None:
    plan = tmp_path / "plan"
    shutil.copytree(MINI_PLAN, plan)
    f = plan / "progress" / "2009Q2" / "test.yaml"
    f.write_text('- ref: I-1.(a).2\n  date: "2009-06-01"\n  status: in_progress\n  note: x\n  internal: po\n',
                 encoding="utf-8")
    result = run("check", "--plan", plan)
    assert result.exit_code == 1
    assert (f"{f}:5:13: [error] I-1.(a).2 entry: internal: expected true or false, got text (wrong-type)"
            in result.stdout.splitlines())


def test_the_schema_knows_internal() -> None:
    schema = json.loads((ROOT / "schema" / "apcli.schema.json").read_text(encoding="utf-8"))
    prop = schema["$defs"]["ProgressEntry"]["properties"]["internal"]
    assert (prop["type"], prop["default"]) == ("boolean", False)
    assert "internal" not in schema["$defs"]["ProgressEntry"].get("required", [])


# ----------------------------------------------------------------------------- check


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    target = tmp_path / "plan"
    shutil.copytree(MINI_PLAN, target)
    return target


def check(run: Run, plan: Path, log: str) -> tuple[Path, int, list[str]]:
    f = plan / "progress" / "2009Q2" / "test.yaml"
    f.write_text(log, encoding="utf-8")
    result = run("check", "--plan", plan)
    return f, result.exit_code, [x for x in result.stdout.splitlines() if "(personal-data)" in x]


def test_check_warns_on_a_phone_in_a_note(run: Run, plan: Path) -> None:
    f, code, lines = check(run, plan, '- ref: I-1.(a).2\n  date: "2009-06-01"\n  status: in_progress\n'
                                      '  note: "Koordinatorja: 069 123 4567"\n')
    assert code == 0  # a warning; --strict makes it fail
    assert lines == [f"{f}:4:9: [warning] I-1.(a).2: the note looks like it holds a phone number; leave personal "
                     "data out of the progress log (refer to the case file instead) (personal-data)"]
    assert "069" not in "".join(lines)  # the message never repeats the data
    assert run("check", "--strict", "--plan", plan).exit_code == 1


def test_check_warns_on_evidence_and_internal_notes(run: Run, plan: Path) -> None:
    f, code, lines = check(run, plan,
                           '- ref: i-1.(a).2\n  date: "2009-06-01"\n  status: completed\n'
                           '  evidence: "Deklaratë e viktimës J12345678A, lindur më 12.03.1985"\n'
                           '  note: >-\n    Tel. i familjes\n    +355 68 12 34 567\n  internal: true\n')
    assert code == 0
    assert lines == [
        f"{f}:4:13: [warning] I-1.(a).2: the evidence looks like it holds a personal ID number and a date of "
        "birth; leave personal data out of the progress log (refer to the case file instead) (personal-data)",
        f"{f}:5:9: [warning] I-1.(a).2: an internal note looks like it holds a phone number; leave personal "
        "data out of the progress log (refer to the case file instead) (personal-data)",
    ]


def test_check_is_quiet_on_ordinary_evidence(run: Run, plan: Path) -> None:
    _, code, lines = check(run, plan, "".join(
        f'- ref: I-1.(a).2\n  date: "2009-06-0{i + 1}"\n  status: in_progress\n  evidence: "{text}"\n'
        for i, text in enumerate(FALSE_POSITIVES[:9])))
    assert (code, lines) == (0, [])


def test_an_internal_form_item_is_written_internal(run: Run, plan: Path) -> None:
    """A filled-in form item marked `internal: true` keeps the mark in the log; other entries get
    no `internal` line at all."""
    form = plan / "form.yaml"
    form.write_text('- ref: I-1.(a).2\n  date: "2009-06-20"\n  status: in_progress\n  by: MPÇSSHB\n'
                    '  note: "Rasti në gjykim"\n  internal: true\n'
                    '- ref: I-1.(a).9\n  date: "2009-06-20"\n  status: in_progress\n  by: MPÇSSHB\n',
                    encoding="utf-8")
    result = run("progress", "import", form, "--plan", plan)
    assert result.exit_code == 0, result.stdout + result.stderr
    written = (plan / "progress" / "2009Q2" / "mpcsshb.yaml").read_text(encoding="utf-8")
    assert written.endswith('- ref: I-1.(a).2\n  date: "2009-06-20"\n  status: in_progress\n  by: MPÇSSHB\n'
                            '  note: "Rasti në gjykim"\n  internal: true\n'
                            '- ref: I-1.(a).9\n  date: "2009-06-20"\n  status: in_progress\n  by: MPÇSSHB\n')
    shown = json.loads(run("show", "I-1.(a).9", "--format", "json", "--plan", plan).stdout)
    assert shown["progress"][-1] == {"ref": "I-1.(a).9", "date": "2009-06-20", "status": "in_progress", "by": "MPÇSSHB"}
