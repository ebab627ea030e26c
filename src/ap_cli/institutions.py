"""The registry of responsible bodies and funders, and lenient name resolution.

`MPCSSHB`, `mpçsshb`, `M.B`, `ZKKA-së`, an alias or the full name all resolve to the one
registry id; a unit after a slash (`PSH/Drejtoria kundër Krimit Ekonomik`) belongs to its body.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from .diagnostics import excerpt
from .domain import STATE_KINDS, Institution
from .errors import InvalidArgument
from .record import Record, field

# Albanian case endings written after a hyphen: ZKKA-së, ZKKA-ja, MKR-në, OJF-të, KVKTNj-në.
_CASE_SUFFIX = re.compile(r"-(?:se|ja|ne|te|s|ve|it|in|ja|ise|ne|n|t|ja)$")


def fold(text: str) -> str:
    """Case, diacritics, dots, hyphenated case suffixes and spacing folded away."""
    s = unicodedata.normalize("NFKD", text.strip().lower())
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = _CASE_SUFFIX.sub("", s)
    s = s.replace(".", "")
    return re.sub(r"\s+", " ", s).strip()


@lru_cache(maxsize=4096)  # a plan names ~100 bodies some 300,000 times at 100×
def split_unit(entry: str) -> tuple[str, str | None]:
    """`PSH/Drejtoria …` → (`PSH`, `Drejtoria …`)."""
    body, sep, unit = entry.partition("/")
    return body.strip(), (unit.strip() or None) if sep else None


class UnknownInstitution(InvalidArgument, LookupError):
    def __init__(self, name: str, suggestions: list[str], ambiguous: bool = False) -> None:
        self.name, self.suggestions, self.ambiguous = name, suggestions, ambiguous
        what = "ambiguous institution" if ambiguous else "unknown institution"
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"{what} {excerpt(name)}{hint}")


class Registry(Record):
    """The bodies of institutions.yaml (each knows where it was written: `Institution.where`)."""

    institutions: Sequence[Institution]
    file: str = "institutions.yaml"
    by_id: dict[str, Institution] = field(init=False, repr=False, compare=False)
    # answers computed on first use (pure functions of the registry; never visible as state):
    # the folded names (a query that resolves no name never folds ~500 of them)
    _index: dict[str, set[str]] = field(init=False, repr=False, compare=False)
    _groups: dict[str, list[str]] = field(init=False, repr=False, compare=False)
    _addressed: dict[str, list[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # a frozen record sets its derived fields this way, once
        set_(self, "institutions", tuple(self.institutions))
        set_(self, "by_id", {i.id: i for i in self.institutions})
        set_(self, "_index", {})
        set_(self, "_groups", {})
        set_(self, "_addressed", {})

    def _names(self) -> dict[str, set[str]]:
        """Each folded id, name, English name and alias → the ids it names."""
        if not self._index and self.institutions:
            for inst in self.institutions:
                for name in (inst.id, inst.name, inst.name_en, *inst.aliases):
                    self._index.setdefault(fold(name), set()).add(inst.id)
        return self._index

    def resolve(self, name: str) -> str:
        """The registry id for a lenient name; raises UnknownInstitution with suggestions."""
        if name in self.by_id:
            return name
        body, _ = split_unit(name)
        # A full name may itself hold a slash ("Bashkitë/komunat"): try it whole first.
        index = self._names()
        ids = index.get(fold(name)) or index.get(fold(body), set())
        if len(ids) == 1:
            return next(iter(ids))
        if len(ids) > 1:
            raise UnknownInstitution(name, sorted(ids), ambiguous=True)
        raise UnknownInstitution(name, self.suggest(body))

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        key, index = fold(name), self._names()
        close = difflib.get_close_matches(key, list(index), n=limit, cutoff=0.6)
        prefixed = [k for k in index if key and k.startswith(key)][:limit]
        words = set(key.replace(",", " ").split())
        # "Ministria e Punes": the names that hold every word typed come first
        holding = [k for k in index if len(words) > 1 and words <= set(k.replace(",", " ").split())]
        ids: list[str] = []
        for k in [*holding[:limit], *prefixed, *close]:
            for i in sorted(index[k]):
                if i not in ids:
                    ids.append(i)
        return ids[:limit]

    # ------------------------------------------------------------------------- collective bodies

    def members(self, inst_id: str) -> list[str]:
        """The members a closed collective lists (not expanded); [] for any other body."""
        inst = self.by_id.get(inst_id)
        return list(inst.members or []) if inst else []

    def all_members(self, inst_id: str) -> list[str]:
        """Every member, transitively, in listing order (a member that is a collective comes before
        its own members). Safe on a cycle, which `check` reports."""
        out: list[str] = []
        todo = list(reversed(self.members(inst_id)))
        while todo:
            m = todo.pop()
            if m in out or m == inst_id:
                continue
            out.append(m)
            todo.extend(reversed(self.members(m)))
        return out

    def groups_of(self, inst_id: str) -> list[str]:
        """The closed collectives a body belongs to, transitively, in registry order."""
        if inst_id not in self._groups:
            self._groups[inst_id] = [g.id for g in self.institutions
                                     if g.members and g.id != inst_id and inst_id in self.all_members(g.id)]
        return self._groups[inst_id]

    def addressed_to(self, inst_id: str) -> list[str]:
        """The open-ended groups whose rows are addressed to this body: `all` to every body that is
        neither a budget nor an open group itself, `state` to state bodies; `partners` to none."""
        if inst_id not in self._addressed:
            inst = self.by_id.get(inst_id)
            self._addressed[inst_id] = [] if inst is None or inst.open or inst.kind == "budget" else [
                g.id for g in self.institutions if g.open == "all" or (g.open == "state" and inst.kind in STATE_KINDS)]
        return self._addressed[inst_id]

    def group_label(self, inst_id: str) -> str | None:
        """`members: A, B` · `for all bodies` · `for all state bodies` · `partners` · None."""
        inst = self.by_id.get(inst_id)
        if inst is None:
            return None
        if inst.members:
            return "members: " + ", ".join(inst.members)
        return {"all": "for all bodies", "state": "for all state bodies", "partners": "partners"}.get(inst.open or "")

    def is_known(self, entry: str) -> bool:
        """An entry in the data must name a registry id exactly (a unit may follow)."""
        return split_unit(entry)[0] in self.by_id


def slug(text: str, limit: int = 100) -> str:
    """A lowercase ASCII file-name stem for a body: `MPÇSSHB` → `mpcsshb`, `PSH/Drejtoria` → `psh-drejtoria`."""
    s = unicodedata.normalize("NFKD", text)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")[:limit].rstrip("-")
    # Windows refuses these stems whatever the extension.
    if re.fullmatch(r"con|prn|aux|nul|com\d|lpt\d", s):
        s += "-"
    return s or "body"
