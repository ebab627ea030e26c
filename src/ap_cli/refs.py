"""Activity references: the canonical `<pillar>-<id>` key and lenient reading of what people type.

`II-1.(a).1` is canonical; `2-1.a.1`, `ii-1a1`, `mbrojtja 1.(a).1` and `II 1(a)1` read the same.
"""

from __future__ import annotations

import re

from .diagnostics import excerpt
from .errors import InvalidArgument
from .institutions import fold

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
PILLAR_NAMES = {
    "ndjekja": "I", "ndjekja dhe drejtesia penale": "I", "prosecution": "I",
    "mbrojtja": "II", "protection": "II",
    "parandalimi": "III", "prevention": "III",
    "bashkerendimi": "IV", "koordinimi": "IV", "coordination": "IV",
}


class RefError(InvalidArgument, LookupError):
    """A ref that names no activity of the plan (or cannot be read as one)."""


def canonical(pillar: str, activity_id: str) -> str:
    return f"{pillar}-{activity_id}"


def pillar_numeral(text: str) -> str | None:
    """`2`, `ii`, `II`, `Mbrojtja` → `II`."""
    t = fold(text)
    if t.isdigit() and 1 <= int(t) <= len(ROMAN):
        return ROMAN[int(t) - 1]
    if re.fullmatch(r"[ivxlcdm]+", t):
        return t.upper()
    return PILLAR_NAMES.get(t)


def compact(activity_id: str) -> str:
    return re.sub(r"[^0-9a-z]", "", activity_id.lower())


# A pillar (words or a number), a separator, an id starting with a digit. Possessive quantifiers:
# no backtracking, so a long line of spaces or letters is refused in linear time.
_REF = re.compile(r"([A-Za-zËëÇç]++(?: ++[A-Za-zËëÇç]++)*+|[0-9]++)(?:\s*+[-:]\s*+|[^\S ]*+ \s*+)([0-9].*)")


def split_ref(text: str) -> tuple[str, str]:
    """(pillar numeral, id part as typed) or RefError."""
    m = _REF.fullmatch(text.strip())
    if not m:
        raise RefError(f"not a reference: {excerpt(text)} (write it like II-1.(a).1)")
    pillar = pillar_numeral(m.group(1))
    if pillar is None:
        raise RefError(f"unknown pillar {excerpt(m.group(1))} in {excerpt(text)} (use I, II, III, IV or a pillar name)")
    return pillar, m.group(2)


def normalise_id(typed: str) -> str | None:
    """`1.a.1`, `1 (a) 1.`, `1.(a).1.3b` → `1.(a).1.3b` when the dots make it unambiguous."""
    tokens = [t for t in re.split(r"[\s.()]+", typed.lower()) if t]
    if not tokens or not tokens[0].isdigit():
        return None
    if len(tokens) == 1:
        return tokens[0]
    if not re.fullmatch(r"[a-z]", tokens[1]) or not all(re.fullmatch(r"\d+[a-z]?", t) for t in tokens[2:]):
        return None
    return ".".join([tokens[0], f"({tokens[1]})", *tokens[2:]])


def resolve(text: str, known: dict[str, str]) -> str:
    """The canonical ref for `text`; `known` maps compact keys (see `index`) to refs."""
    pillar, typed = split_ref(text)
    exact = normalise_id(typed)
    if exact and "=" + canonical(pillar, exact) in known:  # `index` keys every ref so; O(1)
        return canonical(pillar, exact)
    hit = known.get(pillar + ":" + compact(typed))
    if hit:
        return hit
    raise RefError(f"no activity {excerpt(text)}" + (f" (read as {canonical(pillar, exact)})" if exact else "")
                   + _did_you_mean(pillar, typed, known))


def _did_you_mean(pillar: str, typed: str, known: dict[str, str]) -> str:
    """Up to three refs of the same pillar whose compact form is closest to what was typed."""
    import difflib

    keys = {key: ref for key, ref in known.items() if key.startswith(pillar + ":")}
    close = difflib.get_close_matches(pillar + ":" + compact(typed), list(keys), n=3, cutoff=0.75)
    return f"; did you mean {', '.join(keys[k] for k in close)}?" if close else ""


def index(refs: list[str]) -> dict[str, str]:
    """Compact lookup keys for lenient resolution; ambiguous compact keys are left out."""
    out: dict[str, str] = {}
    clash: set[str] = set()
    for ref in refs:
        pillar, activity_id = ref.split("-", 1)
        key = pillar + ":" + compact(activity_id)
        if key in out:
            clash.add(key)
        out[key] = ref
    for key in clash:
        del out[key]
    for ref in refs:  # canonical refs always resolve to themselves
        out["=" + ref] = ref
    return out
