"""Which texts a node of the plan holds in Albanian and in its unofficial English, and the
fingerprint of its Albanian (what `en_from` records and `check` compares).

A node is a mapping of Albanian texts that may hold their English (`translation.py` walks
them): a domain record, a pydantic model, or a raw mapping (synthetic plans). Pure functions;
imports nothing of apcli, so the domain's records can fingerprint themselves when built.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

# The Albanian fields a node can have, in the order they enter the fingerprint; each one's
# English is the same name with `_en`.
ALBANIAN = ("title", "target", "text", "vision", "indicators")
ENGLISH = tuple(f"{name}_en" for name in ALBANIAN)


def field_value(node: object, name: str) -> Any:
    """A field of a model, or a key of a mapping (synthetic plans fingerprint raw data)."""
    return node.get(name) if isinstance(node, dict) else getattr(node, name, None)


_MODEL_PAIRS: dict[type, tuple[tuple[str, str], ...]] = {}  # by model class (functools.cache: mypy won't hash a type)


def _model_pairs(model: type) -> tuple[tuple[str, str], ...]:
    if model in _MODEL_PAIRS:
        return _MODEL_PAIRS[model]
    fields = getattr(model, "model_fields", {})
    found = tuple((sq, en) for sq, en in zip(ALBANIAN, ENGLISH, strict=True) if sq in fields and en in fields)
    _MODEL_PAIRS[model] = found
    return found


def pairs(node: object) -> tuple[tuple[str, str], ...]:
    """`(Albanian field, English field)` pairs that the node's kind has (a model's fields, or a
    mapping's keys)."""
    if isinstance(node, dict):
        return tuple((sq, en) for sq, en in zip(ALBANIAN, ENGLISH, strict=True) if sq in node or en in node)
    return _model_pairs(type(node))


def albanian(node: object) -> list[tuple[str, object]]:
    """The node's Albanian texts as `[(field, value)]`, in `ALBANIAN` order; absent, null and
    empty fields are left out, so a field the node's kind does not have changes nothing."""
    out: list[tuple[str, object]] = []
    for name, _ in pairs(node):
        value = field_value(node, name)
        if value is None or value == [] or value == ():
            continue
        out.append((name, value if isinstance(value, str) else list(value)))
    return out


def fingerprint(node: object) -> str:
    """First 8 hex digits of the SHA-256 of the node's Albanian texts.

    The texts are joined unambiguously as compact JSON of `[[field, value], …]` (UTF-8, no
    ASCII escapes), e.g. `[["title","Krijimi i …"],["indicators",["a","b"]]]`: any edit to a
    title, target, text, vision or indicator, adding or removing one, or moving text from one
    field to another gives another fingerprint. Values are taken exactly as they load (no
    whitespace folding), so reformatting the file changes nothing but retyping a space does.
    """
    payload = _JSON.encode(albanian(node))
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()[:8]


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # one, not one per call as json.dumps


def has_english(node: object) -> bool:
    return any(field_value(node, en) is not None for _, en in pairs(node))


def english_fields(node: object) -> list[str]:
    return [en for _, en in pairs(node) if field_value(node, en) is not None]
