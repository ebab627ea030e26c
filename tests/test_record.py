"""`record.Record`: declared like a dataclass, behaves like a frozen, slotted dataclass (the
comparisons are with `dataclasses` itself), pickles by value, and unpickles only records."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from datetime import date
from typing import Any, ClassVar, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ap_cli import domain, record
from ap_cli.bilingual import fingerprint
from ap_cli.loader import load_plan
from ap_cli.record import Record, field
from conftest import REAL_PLAN


class Point(Record, order=True):
    x: int
    y: int = 0
    tags: tuple[str, ...] = field(default_factory=tuple)
    kind: ClassVar[str] = "point"  # not a field


class Labelled(Point, kw_only=True):
    label: str = ""
    size: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", len(self.label))


class Counter(Record, frozen=False):
    n: int
    seen: list[int] = field(default_factory=list)


@dataclasses.dataclass(frozen=True, order=True)
class PointDC:
    x: int
    y: int = 0
    tags: tuple[str, ...] = dataclasses.field(default_factory=tuple)


def test_fields_defaults_and_factories() -> None:
    assert [f.name for f in record.fields(Labelled)] == ["x", "y", "tags", "label", "size"]
    slots = cast(Any, Point).__slots__, cast(Any, Labelled).__slots__
    assert slots == (("x", "y", "tags"), ("label", "size"))
    assert Point.kind == "point" and "__dict__" not in dir(Point(1))
    assert Point(1) == Point(1, 0, ())
    assert Counter(1).seen is not Counter(1).seen  # a fresh list each time


def test_repr_eq_hash_order_as_dataclasses_make_them() -> None:
    a, b = Point(1, 2, ("a",)), PointDC(1, 2, ("a",))
    assert repr(a) == repr(b).replace("PointDC", "Point")
    assert hash(a) == hash(Point(1, 2, ("a",))) and a != Point(1, 3) and a != b
    assert sorted([Point(2), Point(1, 5), Point(1, 2)]) == [Point(1, 2), Point(1, 5), Point(2)]
    assert Point(1).__lt__(cast(Any, PointDC(1))) is NotImplemented


def test_keyword_only_post_init_and_fields_left_out_of_comparisons() -> None:
    with pytest.raises(TypeError):
        Labelled(1, 2, (), "abc")  # type: ignore[call-arg]  # label: keyword only, as the class declares it
    one, other = Labelled(1, label="abc"), Labelled(x=1, label="abc")
    assert one.size == 3 and one == other and "size" not in repr(one)
    assert dataclasses.replace(one, label="a").size == 1


def test_frozen_unless_declared_mutable() -> None:
    p = Point(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cast(Any, p).x = 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        del cast(Any, p).x
    c = Counter(1)
    c.n = 2
    assert c == Counter(2) and Counter.__hash__ is None


def test_pickle_and_copy_keep_every_field() -> None:
    one = Labelled(x=1, y=2, tags=("t",), label="abc")
    for again in (pickle.loads(pickle.dumps(one)), copy.copy(one), copy.deepcopy(one)):
        assert again == one and again.size == 3 and type(again) is Labelled


def test_restore_makes_records_only() -> None:
    with pytest.raises(TypeError):
        record.restore(cast(Any, date), (2009, 1, 1))
    with pytest.raises(TypeError):
        record.restore(Point, (1, 2))  # too few values


@given(st.integers(), st.integers(), st.lists(st.text(max_size=5), max_size=3))
def test_a_record_and_its_dataclass_twin_agree(x: int, y: int, tags: list[str]) -> None:
    a, b = Point(x, y, tuple(tags)), PointDC(x, y, tuple(tags))
    other: Any = Point(y, x, tuple(tags))
    twin = PointDC(y, x, tuple(tags))
    assert (a == other) == (b == twin) and (a < other) == (b < twin) and (a <= other) == (b <= twin)
    assert pickle.loads(pickle.dumps(a)) == a and hash(pickle.loads(pickle.dumps(a))) == hash(a)


def test_each_node_knows_the_fingerprint_of_its_albanian() -> None:
    plan, _ = load_plan(REAL_PLAN)
    assert plan is not None and len(plan.nodes) > 300
    for node in plan.nodes:
        assert isinstance(node.model, domain.Translatable)
        assert node.model.sq_fingerprint == fingerprint(node.model)
        assert "sq_fingerprint" not in node.model.model_dump() and "sq_fingerprint" not in node.model.model_fields


def test_the_dataclasses_functions_work_on_records() -> None:
    """What a notebook does with dataclasses works on apcli's answers too."""
    from datetime import date as day

    from ap_cli import queries

    plan, _ = load_plan(REAL_PLAN)
    assert plan is not None
    declared = [f.name for f in record.fields(domain.Activity)]
    assert dataclasses.is_dataclass(plan) and dataclasses.is_dataclass(domain.Activity)
    assert [f.name for f in dataclasses.fields(plan.activities[0].activity)] == declared
    bare = dataclasses.replace(plan, progress=())
    assert type(bare) is type(plan) and bare.progress == () and bare.activities == plan.activities
    late = queries.overdue(plan, day(2009, 6, 30))
    row = dataclasses.asdict(late[0])
    assert row["rec"]["ref"] == late[0].rec.ref and row["due"] == late[0].due
    assert dataclasses.asdict(Labelled(1, label="ab")) == {"x": 1, "y": 0, "tags": (), "label": "ab", "size": 2}
    with pytest.raises(ValueError):
        dataclasses.replace(Labelled(1, label="ab"), size=3)  # derived: not set by hand
