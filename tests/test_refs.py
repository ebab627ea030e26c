"""Activity references: canonical output, lenient input (DESIGN §2)."""

import pytest

from ap_cli import refs

KNOWN = ["I-1.(a).1", "I-1.(a).1.1", "II-1.(a).1", "II-1.(b).5.2.1", "IV-3.(a).1.3", "IV-3.(a).1.3b"]


@pytest.mark.parametrize("typed,expected", [
    ("II-1.(a).1", "II-1.(a).1"), ("2-1.a.1", "II-1.(a).1"), ("ii-1a1", "II-1.(a).1"),
    ("mbrojtja 1.(a).1", "II-1.(a).1"), ("Mbrojtja 1.(a).1", "II-1.(a).1"), ("II 1(a)1", "II-1.(a).1"),
    ("protection 1.a.1", "II-1.(a).1"), ("i-1.(a).1.1", "I-1.(a).1.1"), ("ndjekja 1a11", "I-1.(a).1.1"),
    ("2-1. (b) 5.2.1", "II-1.(b).5.2.1"), ("koordinimi 3.(a).1.3b", "IV-3.(a).1.3b"),
    ("4-3.a.1.3", "IV-3.(a).1.3"), ("IV-3.(a).1.3.", "IV-3.(a).1.3"),
])
def test_resolve(typed: str, expected: str) -> None:
    assert refs.resolve(typed, refs.index(KNOWN)) == expected


@pytest.mark.parametrize("typed,message", [
    ("II-9.(z).9", "no activity 'II-9.(z).9'"), ("VII-1.(a).1", "no activity"),
    ("foo-1.(a).1", "unknown pillar 'foo'"), ("1.(a).1", "not a reference"),
])
def test_resolve_errors(typed: str, message: str) -> None:
    with pytest.raises(refs.RefError, match=message.replace("(", r"\(").replace(")", r"\)")):
        refs.resolve(typed, refs.index(KNOWN))


def test_pillar_numerals() -> None:
    assert [refs.pillar_numeral(x) for x in ("1", "ii", "III", "Bashkërendimi", "koordinimi", "x?")] == \
        ["I", "II", "III", "IV", "IV", None]
