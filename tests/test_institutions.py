"""The registry's lenient name resolution (DESIGN §6)."""

import pytest

from ap_cli.institutions import Registry, UnknownInstitution, fold, split_unit
from ap_cli.model import Institution


@pytest.fixture
def registry() -> Registry:
    return Registry([
        Institution(id="MPÇSSHB", name="Ministria e Punës, Çështjeve Sociale dhe Shanseve të Barabarta",
                    name_en="Ministry of Labour", kind="ministry", aliases=["MPCSSHB", "MPÇSShB"]),
        Institution(id="MB", name="Ministria e Brendshme", name_en="Ministry of Interior", kind="ministry",
                    aliases=["M.B", "MoI"]),
        Institution(id="ZKKA", name="Zyra e Koordinatorit Kombëtar për Anti-trafikimin",
                    name_en="Office of the National Anti-Trafficking Coordinator", kind="coordination",
                    aliases=["ZKK"]),
        Institution(id="PSH", name="Policia e Shtetit", name_en="State Police", kind="police"),
        Institution(id="PP", name="Prokuroria e Përgjithshme", name_en="General Prosecutor's Office",
                    kind="prosecution"),
    ])


@pytest.mark.parametrize("name", [
    "MPÇSSHB", "MPCSSHB", "mpçsshb", "mpcsshb", "MPÇSShB",
    "Ministria e Punës, Çështjeve Sociale dhe Shanseve të Barabarta",
    "ministria e punes, ceshtjeve sociale dhe shanseve te barabarta", "Ministry of Labour",
])
def test_labour_ministry_spellings(registry: Registry, name: str) -> None:
    assert registry.resolve(name) == "MPÇSSHB"


@pytest.mark.parametrize("name,expected", [
    ("M.B", "MB"), ("m.b", "MB"), ("MoI", "MB"), ("ZKKA-së", "ZKKA"), ("ZKKA-ja", "ZKKA"), ("zkk", "ZKKA"),
    ("Policia e Shtetit", "PSH"), ("PSH/Drejtoria kundër Krimit Ekonomik", "PSH"), ("PP-ja", "PP"),
])
def test_lenient_forms(registry: Registry, name: str, expected: str) -> None:
    assert registry.resolve(name) == expected


def test_unknown_suggests(registry: Registry) -> None:
    with pytest.raises(UnknownInstitution) as info:
        registry.resolve("MPCSHB")
    assert info.value.suggestions[0] == "MPÇSSHB"
    assert "did you mean MPÇSSHB" in str(info.value)


def test_unknown_without_suggestion(registry: Registry) -> None:
    with pytest.raises(UnknownInstitution, match=r"unknown institution 'XYZQW'$"):
        registry.resolve("XYZQW")


def test_ambiguous_alias() -> None:
    reg = Registry([
        Institution(id="A", name="Alfa", name_en="A", kind="other", aliases=["AB"]),
        Institution(id="B", name="Beta", name_en="B", kind="other", aliases=["ab"]),
    ])
    with pytest.raises(UnknownInstitution, match="ambiguous institution 'AB'; did you mean A, B"):
        reg.resolve("AB")


def test_data_entries_must_be_exact_ids(registry: Registry) -> None:
    assert registry.is_known("PSH/Sektori i Anti-trafikimit")
    assert not registry.is_known("Policia e Shtetit")


def test_fold_and_split() -> None:
    assert fold("  Çështjeve   Sociale ") == "ceshtjeve sociale"
    assert split_unit("PSH/ Drejtoria ") == ("PSH", "Drejtoria")
    assert split_unit("MB") == ("MB", None)


def test_a_full_name_with_a_slash_is_not_read_as_a_unit() -> None:
    reg = Registry([Institution(id="BASHKITE-KOMUNAT", name="Bashkitë/komunat", name_en="Municipalities and communes",
                                kind="local")])
    assert reg.resolve("bashkite/komunat") == "BASHKITE-KOMUNAT"
    assert reg.resolve("BASHKITE-KOMUNAT/Zyra e punësimit") == "BASHKITE-KOMUNAT"
