"""The committed JSON Schema (schema/apcli.schema.json) accepts every file of the bundled plan, its
English and fingerprints included, and refuses what the models refuse.

Editors validate with the schema, apcli with the models: the two must agree. The validator below
implements the JSON Schema keywords the schema uses (the test fails on any other keyword), so no
extra package is needed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ap_cli.source import YList, YMap, read_file
from conftest import REAL_PLAN, ROOT

SCHEMA = json.loads((ROOT / "schema" / "apcli.schema.json").read_text(encoding="utf-8"))
ANNOTATIONS = {"$schema", "$id", "title", "description", "default", "$defs"}
KEYWORDS = {"$ref", "type", "properties", "required", "additionalProperties", "items", "anyOf", "oneOf",
            "enum", "pattern", "minLength", "minItems"}


def errors(value: object, schema: dict[str, Any], where: str = "") -> list[str]:
    """Why `value` does not match `schema` (empty when it does)."""
    unknown = set(schema) - KEYWORDS - ANNOTATIONS
    assert not unknown, f"the test validator does not implement {unknown}"
    if "$ref" in schema:
        return errors(value, SCHEMA["$defs"][schema["$ref"].rsplit("/", 1)[-1]], where)
    out: list[str] = []
    kind = schema.get("type")
    types: dict[str, type] = {"object": dict, "array": list, "string": str, "null": type(None), "integer": int,
                              "boolean": bool}
    if kind and not (isinstance(value, types[kind]) and not (kind == "integer" and isinstance(value, bool))):
        return [f"{where}: not {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append(f"{where}: {value!r} does not match {schema['pattern']}")
        if len(value) < schema.get("minLength", 0):
            out.append(f"{where}: too short")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            out.append(f"{where}: too few items")
        for i, item in enumerate(value):
            out += errors(item, schema.get("items", {}), f"{where}[{i}]")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        out += [f"{where}: missing {key}" for key in schema.get("required", []) if key not in value]
        for key, item in value.items():
            if key in props:
                out += errors(item, props[key], f"{where}.{key}")
            elif schema.get("additionalProperties") is False:
                out.append(f"{where}: unknown {key}")
    if "anyOf" in schema and all(errors(value, s, where) for s in schema["anyOf"]):
        out.append(f"{where}: matches none of anyOf")
    if "oneOf" in schema and sum(not errors(value, s, where) for s in schema["oneOf"]) != 1:
        out.append(f"{where}: does not match exactly one of oneOf")
    return out


def plain(value: object) -> Any:
    if isinstance(value, YMap):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, YList):
        return [plain(v) for v in value]
    return value


def load(path: Path) -> Any:
    source, problems = read_file(path)
    assert source is not None and not problems
    return plain(source.data)


@pytest.mark.parametrize("name", sorted(p.name for p in REAL_PLAN.glob("*.yaml")))
def test_the_bundled_plan_validates_against_the_schema(name: str) -> None:
    assert errors(load(REAL_PLAN / name), SCHEMA) == []


def test_the_english_fields_are_in_the_schema_and_described() -> None:
    defs = SCHEMA["$defs"]
    for model, fields in {"PlanMeta": ["title_en", "vision_en", "en_from", "languages"],
                          "Principle": ["title_en", "text_en", "en_from"], "Policy": ["title_en", "text_en", "en_from"],
                          "Goal": ["title_en", "target_en", "indicators_en", "en_from"],
                          "Objective": ["title_en", "target_en", "indicators_en", "en_from"],
                          "Activity": ["title_en", "indicators_en", "en_from"],
                          "Milestone": ["title_en", "indicators_en", "en_from"], "Pillar": ["title_en"]}.items():
        for field in fields:
            assert defs[model]["properties"][field].get("description"), f"{model}.{field}"
    assert "fmt --stamp" in defs["Activity"]["properties"]["en_from"]["description"]


@pytest.mark.parametrize("edit", [
    lambda a: a.update(en_from="ABCDEF01"),  # upper case
    lambda a: a.update(en_from="1234567"),  # 7 digits
    lambda a: a.update(title_en=""),
    lambda a: a.update(indicators_en="one"),
    lambda a: a.update(title_fr="Titre"),
])
def test_the_schema_refuses_what_the_models_refuse(edit: Callable[[dict[str, Any]], None]) -> None:
    from pydantic import ValidationError

    from ap_cli.model import Pillar

    pillar = load(REAL_PLAN / "2-mbrojtja.yaml")
    edit(pillar["goals"][0]["objectives"][0]["activities"][0])
    assert errors(pillar, SCHEMA) != []
    with pytest.raises(ValidationError):
        Pillar.model_validate(pillar)


def test_languages_in_the_schema() -> None:
    meta = load(REAL_PLAN / "plan.yaml")
    assert errors({**meta, "languages": ["sq"]}, SCHEMA) == []
    assert errors({**meta, "languages": ["sq", "fr"]}, SCHEMA) != []
    assert errors({**meta, "languages": []}, SCHEMA) != []
