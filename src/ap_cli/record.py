"""`Record`: the base of apcli's value classes (the plan's domain, deadlines, query answers).

A record declares its fields as a dataclass does (annotations, defaults, `field(...)`), and type
checkers read it as one (`typing.dataclass_transform`). What differs is when the methods are
made: `@dataclass` writes and compiles the source of five to seven methods for every class when
its module is imported (~0.5 ms a class; ~20 ms of every `apcli` run, a third of its own
startup), while a record's `__repr__`, `__eq__`, `__hash__`, ordering, freezing and pickling are
written once, here, and its `__init__` is compiled the first time the class is instantiated (a
warm query builds none: its plan comes from the cache, `cache.py`, unpickled).

Records are slotted, frozen unless declared `frozen=False`, compare and hash by their fields (the
ones not declared `compare=False`), and pickle by value. `dataclasses.fields`, `replace`,
`asdict` and `is_dataclass` work on them as on dataclasses; `fields` here is the first of them
without importing `dataclasses`.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import repeat
from operator import attrgetter
from typing import Any, ClassVar, NoReturn, TypeVar, dataclass_transform

__all__ = ["Field", "Record", "field", "fields", "restore"]


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Field:
    """One declared field: its name, its default (or factory), and what it takes part in."""

    __slots__ = ("compare", "default", "default_factory", "init", "kw_only", "name", "repr")

    def __init__(self, default: Any = MISSING, default_factory: Callable[[], Any] | Any = MISSING,
                 init: bool = True, compare: bool = True, repr: bool = True) -> None:
        self.name, self.kw_only = "", False  # both set by the class that declares it
        self.default, self.default_factory = default, default_factory
        self.init, self.compare, self.repr = init, compare, repr

    def __repr__(self) -> str:
        return f"Field({self.name!r})"


def field(*, default: Any = MISSING, default_factory: Callable[[], Any] | Any = MISSING,
          init: bool = True, compare: bool = True, repr: bool = True) -> Any:
    """A field with more than a default: `dataclasses.field`'s arguments of the same names."""
    return Field(default, default_factory, init, compare, repr)


def _first_init(self: Any, *args: Any, **kwargs: Any) -> None:
    """A record class's `__init__` until its first instance: compiles the real one and calls it."""
    cls = type(self)
    init = _compile_init(cls)
    cls.__init__ = init
    init(self, *args, **kwargs)


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
class RecordMeta(type):
    """Makes a `Record` class: slots for its annotated fields, the fields' defaults kept aside."""

    def __new__(mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any], *,
                frozen: bool = True, kw_only: bool = False, order: bool = False) -> RecordMeta:
        inherited: dict[str, Field] = {}
        for base in reversed(bases):
            inherited.update((f.name, f) for f in getattr(base, "__record_fields__", ()))
        own: dict[str, Field] = {}
        for key, annotation in namespace.get("__annotations__", {}).items():
            if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
                continue
            value = namespace.pop(key, MISSING)
            spec = value if isinstance(value, Field) else Field(default=value)
            spec.name, spec.kw_only = key, kw_only  # as dataclasses: `kw_only` is of the class's own fields
            own[key] = spec
        namespace["__slots__"] = tuple(key for key in own if key not in inherited)
        namespace.setdefault("__init__", _first_init)  # each class compiles its own on first use
        namespace["__record_fields__"] = tuple({**inherited, **own}.values())
        namespace["__record_frozen__"] = frozen
        cls = super().__new__(mcls, name, bases, namespace)
        if order:
            for op in ("__lt__", "__le__", "__gt__", "__ge__"):
                setattr(cls, op, _ORDER[op])
        if not frozen and "__hash__" not in namespace:
            cls.__hash__ = None  # type: ignore[assignment]  # mutable and compared by value: unhashable
        return cls


class _DataclassFields:
    """`__dataclass_fields__`, made on first use from a dataclass twin of the record's class, so
    that `dataclasses.fields`, `replace`, `asdict` and `is_dataclass` work on records as on
    dataclasses (a notebook's `pd.DataFrame(map(asdict, rows))`)."""

    def __get__(self, record: object, cls: type) -> dict[str, Any]:
        found: dict[str, Any] | None = _TWINS.get(cls)
        if found is None:
            import dataclasses

            specs = [(f.name, Any, dataclasses.field(
                init=f.init, repr=f.repr, compare=f.compare, kw_only=f.kw_only,
                **({"default": f.default} if f.default is not MISSING else {}),
                **({"default_factory": f.default_factory} if f.default_factory is not MISSING else {})))
                for f in cls.__record_fields__]  # type: ignore[attr-defined]
            found = _TWINS[cls] = vars(dataclasses.make_dataclass(cls.__name__, specs))["__dataclass_fields__"]
        return found


_TWINS: dict[type, dict[str, Any]] = {}


class Record(metaclass=RecordMeta):
    """The base of every record class (see the module's docstring)."""

    __slots__ = ()
    __dataclass_fields__: ClassVar[Any] = _DataclassFields()
    __record_fields__: ClassVar[tuple[Field, ...]] = ()
    __record_frozen__: ClassVar[bool] = True

    def __setattr__(self, name: str, value: Any) -> None:
        if type(self).__record_frozen__:
            _frozen(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if type(self).__record_frozen__:
            _frozen(f"cannot delete field {name!r}")
        object.__delattr__(self, name)

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in self.__record_fields__ if f.repr)
        return f"{type(self).__qualname__}({shown})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return _compared(self) == _compared(other)

    def __hash__(self) -> int:
        return hash(_compared(self))

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        cls = type(self)
        return restore, (cls, (_GETTERS.get(cls) or _getter(cls))(self))


def _frozen(message: str) -> NoReturn:
    from dataclasses import FrozenInstanceError  # imported when needed: ~0.6 ms of every start

    raise FrozenInstanceError(message)


def _compared(record: Any) -> tuple[Any, ...]:
    return tuple(getattr(record, f.name) for f in record.__record_fields__ if f.compare)


def _ordering(op: str) -> Callable[[Any, Any], bool]:
    compare: Callable[[tuple[Any, ...], tuple[Any, ...]], bool] = getattr(tuple, op)

    def method(self: Any, other: Any) -> bool:
        if type(other) is not type(self):
            return NotImplemented  # type: ignore[no-any-return]
        return compare(_compared(self), _compared(other))

    method.__name__ = op
    return method


_ORDER = {op: _ordering(op) for op in ("__lt__", "__le__", "__gt__", "__ge__")}

_set = object.__setattr__


def restore(cls: type[R], values: tuple[Any, ...]) -> R:
    """A record from its fields' values, as `__reduce__` gave them: what unpickling calls (a
    warm `check` of a big plan restores ~150,000 records: the fields are set by `map` in C)."""
    names = _FIELD_NAMES.get(cls) or _field_names(cls)
    if len(values) != len(names):
        raise TypeError(f"{len(values)} values for the {len(names)} fields of {cls.__name__}")
    record = _new(cls)
    any(map(_set, repeat(record), names, values))  # _set returns None: any() runs it for every field
    return record


_new = object.__new__
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_GETTERS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    if not (isinstance(cls, type) and issubclass(cls, Record)):
        raise TypeError(f"{cls!r} is not a record class")
    names = _FIELD_NAMES[cls] = tuple(f.name for f in cls.__record_fields__)
    return names


def _getter(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    """The values of a record's fields as a tuple, read in C (`attrgetter`): what pickling takes."""
    names = _field_names(cls)
    if len(names) > 1:
        get: Callable[[Any], tuple[Any, ...]] = attrgetter(*names)
    else:  # attrgetter of one name gives the value itself, of none nothing
        def get(record: Any) -> tuple[Any, ...]:
            return tuple(getattr(record, name) for name in names)
    _GETTERS[cls] = get
    return get


def _compile_init(cls: type[Record]) -> Callable[..., None]:
    """`cls.__init__` as `@dataclass` writes it: a parameter per init field (the fields a `kw_only`
    class declares after a `*`), defaults and factories filled in, then `__post_init__` when the
    class has one."""
    scope: dict[str, Any] = {"_set": _set, "MISSING": MISSING}
    positional: list[str] = []
    by_keyword: list[str] = []
    body: list[str] = []
    for spec in cls.__record_fields__:
        name = spec.name
        params = by_keyword if spec.kw_only else positional
        if spec.default_factory is not MISSING:
            scope[f"_factory_{name}"] = spec.default_factory
            value = f"_factory_{name}()"
            if spec.init:
                params.append(f"{name}=MISSING")
                value = f"_factory_{name}() if {name} is MISSING else {name}"
        elif spec.default is not MISSING:
            scope[f"_default_{name}"] = spec.default
            value = f"_default_{name}"
            if spec.init:
                params.append(f"{name}=_default_{name}")
                value = name
        elif spec.init:
            params.append(name)
            value = name
        else:
            continue  # derived: set by __post_init__
        body.append(f"    _set(self, {name!r}, {value})")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    signature = ", ".join(["self", *positional, *(["*", *by_keyword] if by_keyword else [])])
    exec(f"def __init__({signature}):\n" + ("\n".join(body) or "    pass"), scope)  # made of its own field names
    init: Callable[..., None] = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


R = TypeVar("R", bound=Record)


def fields(record: Record | type[Record]) -> tuple[Field, ...]:
    """The fields of a record (or record class), in declaration order, inherited ones first."""
    return record.__record_fields__

