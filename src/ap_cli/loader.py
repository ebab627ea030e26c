"""Finding and loading a plan directory: `load_plan(path) -> (Plan | None, diagnostics)`.

Never raises on bad data: every problem becomes a located diagnostic. Cross-file checks
live in `checks.py`; this module only reads files and validates each against its model.
"""

from __future__ import annotations

import errno
import gc
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from . import cache, domain, refs
from .diagnostics import Diagnostic, error, escape_line, excerpt
from .institutions import Registry
from .plan import ActivityRecord, PillarRecord, Plan, ProgressRecord, read_deadlines
from .source import Pos, YList, YMap, hidden_characters, key_position, position

if TYPE_CHECKING:
    from pydantic import BaseModel

M = TypeVar("M", bound="BaseModel")
T = TypeVar("T")

PLAN_FILE = "plan.yaml"
INSTITUTIONS_FILE = "institutions.yaml"
PROGRESS_DIR = "progress"


def bundled_plan_dir() -> Path:
    here = Path(__file__).resolve().parent
    packaged = here / "plan"
    if packaged.is_dir():
        return packaged
    return here.parent.parent / "plan"  # running from a source checkout


def find_plan_dir(option: str | os.PathLike[str] | None = None) -> Path:
    """`--plan DIR`, then `$APCLI_PLAN`, then `./plan`, then the bundled copy."""
    if option:
        return Path(option)
    env = os.environ.get("APCLI_PLAN")
    if env:
        return Path(env)
    local = Path("plan")
    if (local / PLAN_FILE).is_file():
        return local
    return bundled_plan_dir()


def display_path(path: Path) -> str:
    """Relative to the working directory when inside it, so editors can jump to it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symbolic link loop (Python < 3.13)
        return str(path)


# ----------------------------------------------------------------------------- validation


def validate(model: type[M], data: object, name: str,
             loc_prefix: tuple[int, ...] = ()) -> tuple[M | None, list[Diagnostic]]:
    """Validate `data` against `model`; map each pydantic error to the line:col it concerns."""
    from pydantic import ValidationError

    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [_diagnostic(name, data, dict(err), loc_prefix) for err in exc.errors()]


def _valid(kind: str, data: YMap, name: str, loc_prefix: tuple[int, ...] = ()) -> list[Diagnostic]:
    """The problems of a tree as one of the plan's file kinds (`model.MODELS`), [] when it is valid."""
    from .model import MODELS

    return validate(MODELS[kind], data, name, loc_prefix)[1]


def _diagnostic(name: str, data: object, err: dict[str, Any], loc_prefix: tuple[int, ...]) -> Diagnostic:
    """A pydantic error in plain words, named by what it concerns (`I-1.(a).2: …`), at its line:col."""
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    subject = _subject(data, loc, loc_prefix)
    kind = err["type"]
    field = next((p for p in reversed(loc) if isinstance(p, str)), "")
    if kind == "extra_forbidden":
        line, col = key_position(data, loc)
        hint = _close_field(str(loc[-1]))
        return error(name, line, col, "unknown-field",
                     f"{subject}unknown field {excerpt(loc[-1])}" + (f" (did you mean {hint!r}?)" if hint else ""))
    line, col = position(data, loc)
    if kind == "missing":
        return error(name, line, col, "missing-field", f"{subject}missing field {excerpt(loc[-1])}")
    if kind in ("literal_error", "string_pattern_mismatch", "enum", "too_short", "string_too_short", "value_error"):
        return error(name, line, col, "invalid-value", f"{subject}{field}: {_plain_value_error(err, field)}")
    return error(name, line, col, "wrong-type",
                 f"{subject}{field or 'value'}: {_expected(kind, field)}, got {_type_name(err.get('input'))}")


_BODY_LISTS = {"responsible": "a list of institution ids", "support": "a list of institution ids",
               "resources": "a list of institution ids", "see": "a list of refs such as II-1.(a).1",
               "aliases": "a list of names", "indicators": "a list of texts", "indicators_en": "a list of texts",
               "notes": "a list of texts", "milestones": "a list of milestones", "pillars": "a list of file names"}
_TYPES = {"list_type": "a list", "string_type": "text", "dict_type": "a mapping", "model_type": "a mapping",
          "model_attributes_type": "a mapping", "bool_type": "true or false", "int_type": "a whole number",
          "none_required": "nothing (null)"}
_PATTERNS = {"date": "a date like 2009-06-20", "start": "a month like 2008-01", "end": "a month like 2010-12",
             "due": "2009, 2009-06, 2009Q2 or 2009H1", "id": "an id like 1.(a).2",
             "pillar": "a Roman numeral (I, II, …)",
             "en_from": "8 lowercase hex digits (apcli fmt --stamp writes it)"}


def _expected(kind: str, field: str) -> str:
    if kind == "list_type" and field in _BODY_LISTS:
        return f"expected {_BODY_LISTS[field]}"
    return f"expected {_TYPES.get(kind, kind.replace('_', ' '))}"


def _plain_value_error(err: dict[str, Any], field: str) -> str:
    kind = err["type"]
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"{excerpt(err.get('input'))} is not one of {expected.replace(' or ', ', ')}"
    if kind in ("too_short", "string_too_short"):
        return "must not be empty"
    if kind == "string_pattern_mismatch":
        return f"{excerpt(err.get('input'))} is not {_PATTERNS.get(field, 'in the expected form')}"
    return str(err.get("msg", "")).removeprefix("Value error, ")


def _subject(data: object, loc: tuple[str | int, ...], loc_prefix: tuple[int, ...]) -> str:
    """`II-1.(a).2: ` for a problem inside an activity (goal, objective, milestone path after it),
    `MPÇSSHB: ` inside a registry entry, `II-1.(a).1 entry: ` inside a progress entry; else the path."""
    numeral = data.get("pillar") if isinstance(data, YMap) and not loc_prefix else None
    node: Any = data
    named: str | None = None
    rest: list[str | int] = []
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        rest.append(part)
        if isinstance(node, YMap) and isinstance(node.get("id"), str):
            named, rest = node.get("id"), []
    if named is None and isinstance(data, YMap) and isinstance(data.get("ref"), str):
        named = f"{data.get('ref')} entry"
    if named is None and loc_prefix and isinstance(data, YMap) and isinstance(data.get("id"), str):
        named = data.get("id")  # a registry entry
    path = ".".join(_key(p) if isinstance(p, str) else f"[{p}]" for p in rest[:-1]).replace(".[", "[")
    label = f"{numeral}-{named}" if numeral and named else named
    if label:
        return f"{escape_line(label[:80])}{' ' + path if path else ''}: "
    where = ".".join(_key(p) if isinstance(p, str) else f"[{p}]" for p in loc_prefix + loc[:-1]).replace(".[", "[")
    return f"{where}: " if where else ""


def _close_field(name: str) -> str | None:
    import difflib

    from . import model

    fields = {f for m in (model.PlanMeta, model.Pillar, model.Goal, model.Objective, model.Activity,
                          model.Milestone, model.Institution, model.ProgressEntry, model.Principle, model.Policy)
              for f in m.model_fields}
    # not the name itself: a field of another kind of node (`notes` of an activity, unknown in a
    # progress entry) is no suggestion for it
    close = difflib.get_close_matches(name, sorted(fields - {name}), n=1, cutoff=0.75)
    return close[0] if close else None


def _key(part: str) -> str:
    """A key in a path such as `goals[0].title`: as it is when it is a plain word, else quoted."""
    return part if _WORD.fullmatch(part) else excerpt(part)


_WORD = re.compile(r"[A-Za-z0-9_]{1,60}")


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    return {str: "text", int: "number", bool: "true/false", YMap: "a mapping", YList: "a list",
            float: "number"}.get(type(value), type(value).__name__)


def _load(path: Path, name: str, diags: list[Diagnostic], root: Path, kind: str,
          make: Callable[[Any], tuple[T | None, list[Diagnostic]]], shape: Callable[[Any], bool]) -> T | None:
    """What `make` builds from the file's tree (it validates the tree and says what is wrong).

    Served from the cache when this exact content was built as `kind` before and was clean
    (valid, and free of hidden characters): then it is neither parsed, nor validated, nor
    searched for hidden characters again (`cache.Content`). `shape` tells a served value of the
    right kind (anything else is a miss)."""
    if _loops(path):
        diags.append(error(name, 0, 0, "unreadable", "cannot read file: it is a symbolic link loop"))
        return None
    if not _inside(root, path):
        diags.append(error(name, 0, 0, "outside-plan", f"links to a file outside {display_path(root)}"))
        return None
    content = cache.Content(path, name)
    built = content.built(kind)
    if built is not None and shape(built):
        return cast(T, built)
    source, problems = content.read()
    diags.extend(problems)
    if source is None:
        return None
    hidden = hidden_characters(source.text, name)
    diags.extend(hidden)
    if source.data is None:
        diags.append(error(name, 1, 1, "empty-file", "file is empty"))
        return None
    value, problems = make(source.data)
    diags.extend(problems)
    content.remember(kind, value if not (hidden or problems) else None)
    return value


def _entries(kind: str, name: str,
             make: Callable[[YMap, Pos], T]) -> Callable[[Any], tuple[tuple[T, ...], list[Diagnostic]]]:
    """A `make` for a file holding a list of entries of `kind`: each valid entry, made by `make`
    from its tree and position; the problems of the others."""
    def entries(data: Any) -> tuple[tuple[T, ...], list[Diagnostic]]:
        if not isinstance(data, YList):
            line, col = getattr(data, "start", (1, 1))
            return (), [error(name, line, col, "wrong-type", "expected a list of entries")]
        out: list[T] = []
        problems: list[Diagnostic] = []
        for i, item in enumerate(data):
            if not isinstance(item, YMap):
                line, col = data.pos[i]
                problems.append(error(name, line, col, "wrong-type",
                                      f"[{i}]: expected a mapping, got {_type_name(item)}"))
                continue
            found = _valid(kind, item, name, (i,))
            if found:
                problems.extend(found)
            else:
                out.append(make(item, data.pos[i]))
        return tuple(out), problems
    return entries


# ----------------------------------------------------------------------------- the plan


def load_plan(path: str | os.PathLike[str],
              progress_dir: str | os.PathLike[str] | None = None) -> tuple[Plan | None, list[Diagnostic]]:
    """Read and validate every file of the plan at `path`. Never raises on bad data."""
    with gc_paused():
        return _load_plan(Path(path), progress_dir)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while plan data is built or checked: that data is acyclic,
    and collecting while it grows costs up to 40% of a 100× plan's load and checks. What was
    built is then frozen (`gc.freeze`), so the first collection after does not walk it all
    (~0.3 s at 100×); reference counting still frees it once it is dropped."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.freeze()
            gc.enable()


def _load_plan(root: Path, progress_dir: str | os.PathLike[str] | None) -> tuple[Plan | None, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    plan_name = display_path(root / PLAN_FILE)
    for looping in (root, root / PLAN_FILE):
        if _loops(looping):
            return None, [error(plan_name, 0, 0, "no-plan", f"{display_path(looping)} is a symbolic link loop")]
    if not _is_file(root / PLAN_FILE):
        return None, [error(plan_name, 0, 0, "no-plan", f"no {PLAN_FILE} in {display_path(root)}")]
    files = [plan_name]
    meta = _load(root / PLAN_FILE, plan_name, diags, root, "plan",
                 partial(_built, "plan", plan_name, domain.build_plan_meta), _is(domain.PlanMeta))
    inst_name = display_path(root / INSTITUTIONS_FILE)
    files.append(inst_name)
    institutions = _load(root / INSTITUTIONS_FILE, inst_name, diags, root, "institutions",
                         _entries("institution", inst_name, lambda tree, _pos: domain.build_institution(tree)),
                         _all(domain.Institution))
    registry = Registry(list(institutions or ()), inst_name)

    pillars: list[PillarRecord] = []
    activities: list[ActivityRecord] = []
    for n, file in enumerate(meta.pillars if meta else ()):
        name = display_path(root / file)
        files.append(name)
        problem = _pillar_file_problem(root, file, plan_name, meta.where.at("pillars", n) if meta else (1, 1))
        if problem or meta is None:
            diags.extend(problem)
            continue
        kind = f"pillar\0{name}\0{meta.period.start}\0{meta.period.end}"  # what its records hold besides it
        make = partial(_built, "pillar", name, partial(_pillar, name, meta))
        pillar = _load(root / file, name, diags, root, kind, make, _is_pillar)
        if pillar is not None:
            pillars.append(pillar[0])
            activities.extend(pillar[1])

    if progress_dir:  # the user's choice, wherever it leads
        progress = _load_progress(Path(progress_dir), diags, files, explicit=True)
    elif _quietly(Path.is_symlink, root / PROGRESS_DIR) and not _inside(root, root / PROGRESS_DIR):
        name = display_path(root / PROGRESS_DIR)
        diags.append(error(name, 0, 0, "outside-plan", f"the progress log links to a directory outside "
                           f"{display_path(root)}; it is not read"))
        progress = []
    else:
        progress = _load_progress(root / PROGRESS_DIR, diags, files)
    if meta is None:
        return None, sorted(diags)
    plan = Plan(str(root), meta, registry, tuple(pillars), tuple(activities), tuple(progress), tuple(files))
    return plan, sorted(diags)


def _pillar_file_problem(root: Path, file: str, plan_name: str, where: Pos) -> list[Diagnostic]:
    """Why the pillar file plan.yaml names (at `where`) cannot be read, if it cannot."""
    path = root / file
    if _loops(path):
        return [error(plan_name, *where, "unreadable", f"pillar file {file!r} is a symbolic link loop")]
    if not _inside(root, path):
        how = "links to a file outside" if _quietly(Path.is_symlink, path) else "is not inside"
        return [error(plan_name, *where, "outside-plan", f"pillar file {excerpt(file)} {how} the plan directory")]
    if not _is_file(path):
        found = "is not a regular file" if os.path.lexists(path) else "not found"
        return [error(plan_name, *where, "missing-file", f"pillar file {excerpt(file)} {found}")]
    return []


def _quietly(test: Callable[[Path], bool], path: Path) -> bool:
    """`Path.is_file` and kin, False where they would raise (a name too long, a NUL in it)."""
    try:
        return test(path)
    except (OSError, ValueError):
        return False


def _is_file(path: Path) -> bool:
    return _quietly(Path.is_file, path)


def _loops(path: Path) -> bool:
    """Whether `path` (or a link on the way to it) is a symbolic link loop."""
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    except ValueError:
        return False
    return False


def _inside(root: Path, path: Path) -> bool:
    """Plan files come from pull requests: a listed name or a symlink must not make the
    loader read `/etc/passwd` or `../../secrets.yaml`."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, ValueError):  # a symlink loop, a NUL in the name
        return False


def _is(cls: type) -> Callable[[Any], bool]:
    return lambda value: type(value) is cls


def _all(cls: type) -> Callable[[Any], bool]:
    return lambda value: type(value) is tuple and all(type(item) is cls for item in value)


def _is_pillar(value: Any) -> bool:
    return (type(value) is tuple and len(value) == 2 and type(value[0]) is PillarRecord
            and _all(ActivityRecord)(value[1]))


def _built(kind: str, name: str, build: Callable[[Any], T], tree: Any) -> tuple[T | None, list[Diagnostic]]:
    """`build`'s record of a tree valid as `kind`, or the tree's problems."""
    problems = _valid(kind, tree, name)
    return (None if problems else build(tree)), problems


def _pillar(name: str, meta: domain.PlanMeta, tree: Any) -> tuple[PillarRecord, tuple[ActivityRecord, ...]]:
    """A pillar file's record and its activities' records (deadlines read)."""
    pillar = domain.build_pillar(tree)
    return (PillarRecord(pillar.pillar, pillar.title, pillar.title_en, name, pillar.goals, pillar.where),
            _activities(pillar, name, meta))


def _activities(pillar: domain.Pillar, name: str, meta: domain.PlanMeta) -> tuple[ActivityRecord, ...]:
    from .periods import Month

    start, end = Month.parse(meta.period.start), Month.parse(meta.period.end)
    return tuple(ActivityRecord(ref=refs.canonical(pillar.pillar, activity.id), pillar=pillar.pillar, goal=goal,
                           objective=objective, activity=activity, file=name, pos=activity.where.start,
                           deadlines=read_deadlines(activity, start, end))
                 for goal in pillar.goals for objective in goal.objectives for activity in objective.activities)


def _load_progress(directory: Path, diags: list[Diagnostic], files: list[str],
                   explicit: bool = False) -> list[ProgressRecord]:
    """Every `*.yaml` file under `directory`. The log holds regular files and directories only:
    a symbolic link in it (to a file or a folder, inside the plan or out of it) is an error
    and is not followed, so no entry is read twice, hidden, or read from outside."""
    if not _quietly(Path.is_dir, directory):
        if explicit:
            name = display_path(directory)
            what = "is a symbolic link loop" if _loops(directory) else (
                "is not a directory" if os.path.lexists(directory) else "does not exist")
            diags.append(error(name, 0, 0, "missing-file", f"progress directory {name} {what}"))
        return []
    out: list[ProgressRecord] = []
    for path, link in _log_files(directory):
        if link:  # named as the link itself, not where it leads
            name = os.path.join(display_path(path.parent), path.name)
            files.append(name)
            diags.append(_link_diagnostic(path, name, directory))
            continue
        name = display_path(path)
        files.append(name)
        out += _load(path, name, diags, directory, f"progress\0{name}",
                     _entries("progress", name, partial(_progress_record, name)), _all(ProgressRecord)) or ()
    return out


def _progress_record(name: str, tree: YMap, pos: Pos) -> ProgressRecord:
    return ProgressRecord(domain.build_progress_entry(tree), name, pos)


def _log_files(directory: Path) -> list[tuple[Path, bool]]:
    """(path, is a link) for each `*.yaml` entry under `directory` and each link to a folder,
    sorted; links are listed, never followed."""
    found = []
    for folder, subdirs, names in os.walk(directory, onerror=None, followlinks=False):
        for sub in subdirs:
            full = os.path.join(folder, sub)
            if os.path.islink(full):
                found.append((Path(full), True))
            elif sub.endswith(".yaml"):  # a folder where a file is expected: reported as unreadable
                found.append((Path(full), False))
        for name in names:
            full = os.path.join(folder, name)
            if os.path.islink(full):
                if name.endswith(".yaml") or _quietly(Path.is_dir, Path(full)) or _loops(Path(full)):
                    found.append((Path(full), True))
            elif name.endswith(".yaml"):
                found.append((Path(full), False))
    return sorted(found)


def _link_diagnostic(path: Path, name: str, directory: Path) -> Diagnostic:
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    if _loops(path):
        return error(name, 0, 0, "unreadable", "cannot read file: it is a symbolic link loop")
    what = "a folder" if _quietly(Path.is_dir, path) else "a file"
    if not _inside(directory, path):
        return error(name, 0, 0, "outside-plan", f"links to {what} outside {display_path(directory)}")
    return error(name, 0, 0, "symlink", f"a symbolic link (to {target}) in the progress log is not read; "
                 f"put {what} there instead of the link")
