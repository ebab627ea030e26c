"""Finding and loading a plan directory: `load_plan(path) -> (Plan | None, diagnostics)`.

Never raises on bad data: every problem becomes a located diagnostic. Cross-file checks
live in `checks.py`; this module only reads files and validates each against its model.
"""

from __future__ import annotations

import errno
import gc
import os
import re
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, ValidationError

from . import refs
from .cache import read_file
from .diagnostics import Diagnostic, error, escape_line, excerpt
from .institutions import Registry
from .model import Institution, Pillar, PlanMeta, ProgressEntry
from .plan import ActivityRecord, Plan, PillarRecord, ProgressRecord, read_deadlines
from .source import YList, YMap, hidden_characters, key_position, position

PLAN_FILE = "plan.yaml"
INSTITUTIONS_FILE = "institutions.yaml"
PROGRESS_DIR = "progress"


def bundled_plan_dir() -> Path:
    here = Path(__file__).resolve().parent
    packaged = here / "plan"
    if packaged.is_dir():
        return packaged
    return here.parent.parent / "plan"  # running from a source checkout


def find_plan_dir(option: str | os.PathLike | None = None) -> Path:
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


def validate(model: type[BaseModel], data, name: str, loc_prefix: tuple = ()) -> tuple[object | None, list[Diagnostic]]:
    """Validate `data` against `model`; map each pydantic error to the line:col it concerns."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [_diagnostic(name, data, err, loc_prefix) for err in exc.errors()]


def _diagnostic(name: str, data, err: dict, loc_prefix: tuple) -> Diagnostic:
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
             "due": "2009, 2009-06, 2009Q2 or 2009H1", "id": "an id like 1.(a).2", "pillar": "a Roman numeral (I, II, …)",
             "en_from": "8 lowercase hex digits (apcli fmt --stamp writes it)"}


def _expected(kind: str, field: str) -> str:
    if kind == "list_type" and field in _BODY_LISTS:
        return f"expected {_BODY_LISTS[field]}"
    return f"expected {_TYPES.get(kind, kind.replace('_', ' '))}"


def _plain_value_error(err: dict, field: str) -> str:
    kind = err["type"]
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"{excerpt(err.get('input'))} is not one of {expected.replace(' or ', ', ')}"
    if kind in ("too_short", "string_too_short"):
        return "must not be empty"
    if kind == "string_pattern_mismatch":
        return f"{excerpt(err.get('input'))} is not {_PATTERNS.get(field, 'in the expected form')}"
    return str(err.get("msg", "")).removeprefix("Value error, ")


def _subject(data, loc: tuple, loc_prefix: tuple) -> str:
    """`II-1.(a).2: ` for a problem inside an activity (goal, objective, milestone path after it),
    `MPÇSSHB: ` inside a registry entry, `II-1.(a).1 entry: ` inside a progress entry; else the path."""
    numeral = data.get("pillar") if isinstance(data, YMap) and not loc_prefix else None
    node, named, rest = data, None, []
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


def _type_name(value) -> str:
    if value is None:
        return "null"
    return {str: "text", int: "number", bool: "true/false", YMap: "a mapping", YList: "a list",
            float: "number"}.get(type(value), type(value).__name__)


def _read(path: Path, name: str, diags: list[Diagnostic], root: Path):
    if _loops(path):
        diags.append(error(name, 0, 0, "unreadable", "cannot read file: it is a symbolic link loop"))
        return None
    if not _inside(root, path):
        diags.append(error(name, 0, 0, "outside-plan", f"links to a file outside {display_path(root)}"))
        return None
    source, problems = read_file(path, name)
    diags.extend(problems)
    if source is None:
        return None
    diags.extend(hidden_characters(source.text, name))
    if source.data is None:
        diags.append(error(name, 1, 1, "empty-file", "file is empty"))
        return None
    return source.data


def _read_list(path: Path, name: str, model, diags: list[Diagnostic], root: Path) -> list[tuple[object, object]]:
    """A file holding a list of `model` entries → [(entry, raw item)]."""
    data = _read(path, name, diags, root)
    if data is None:
        return []
    if not isinstance(data, YList):
        line, col = getattr(data, "start", (1, 1))
        diags.append(error(name, line, col, "wrong-type", "expected a list of entries"))
        return []
    out = []
    for i, item in enumerate(data):
        if not isinstance(item, YMap):
            line, col = data.pos[i]
            diags.append(error(name, line, col, "wrong-type", f"[{i}]: expected a mapping, got {_type_name(item)}"))
            continue
        value, problems = validate(model, item, name, (i,))
        if problems:
            diags.extend(problems)
        else:
            out.append((value, item, data.pos[i]))
    return out


# ----------------------------------------------------------------------------- the plan


def load_plan(path: str | os.PathLike, progress_dir: str | os.PathLike | None = None) -> tuple[Plan | None, list[Diagnostic]]:
    """Read and validate every file of the plan at `path`. Never raises on bad data."""
    with gc_paused():
        return _load_plan(Path(path), progress_dir)


@contextmanager
def gc_paused():
    """No cyclic garbage collection while plan data is built or checked: that data is acyclic,
    and collecting while it grows costs up to 40% of a 100× plan's load and checks."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _load_plan(root: Path, progress_dir) -> tuple[Plan | None, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    plan_name = display_path(root / PLAN_FILE)
    for looping in (root, root / PLAN_FILE):
        if _loops(looping):
            return None, [error(plan_name, 0, 0, "no-plan", f"{display_path(looping)} is a symbolic link loop")]
    if not _is_file(root / PLAN_FILE):
        return None, [error(plan_name, 0, 0, "no-plan", f"no {PLAN_FILE} in {display_path(root)}")]
    files = [plan_name]
    meta_raw = _read(root / PLAN_FILE, plan_name, diags, root)
    meta, problems = validate(PlanMeta, meta_raw, plan_name) if meta_raw is not None else (None, [])
    diags.extend(problems)

    inst_name = display_path(root / INSTITUTIONS_FILE)
    files.append(inst_name)
    institutions = _read_list(root / INSTITUTIONS_FILE, inst_name, Institution, diags, root)
    registry = Registry([inst for inst, _, _ in institutions], [raw for _, raw, _ in institutions], inst_name)

    pillars: list[PillarRecord] = []
    activities: list[ActivityRecord] = []
    for file in (meta.pillars if meta else []):
        name = display_path(root / file)
        files.append(name)
        if _loops(root / file):
            line, col = position(meta_raw, ("pillars", meta.pillars.index(file)))
            diags.append(error(plan_name, line, col, "unreadable", f"pillar file {file!r} is a symbolic link loop"))
            continue
        if not _inside(root, root / file):
            line, col = position(meta_raw, ("pillars", meta.pillars.index(file)))
            how = "links to a file outside" if _quietly(Path.is_symlink, root / file) else "is not inside"
            diags.append(error(plan_name, line, col, "outside-plan", f"pillar file {excerpt(file)} {how} the plan directory"))
            continue
        if not _is_file(root / file):
            line, col = position(meta_raw, ("pillars", meta.pillars.index(file)))
            found = "is not a regular file" if os.path.lexists(root / file) else "not found"
            diags.append(error(plan_name, line, col, "missing-file", f"pillar file {excerpt(file)} {found}"))
            continue
        raw = _read(root / file, name, diags, root)
        if raw is None:
            continue
        pillar, problems = validate(Pillar, raw, name)
        diags.extend(problems)
        if pillar is None:
            continue
        pillars.append(PillarRecord(pillar.pillar, pillar.title, pillar.title_en, name, pillar.goals, raw))
        activities.extend(_activities(pillar, raw, name, meta))

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
    plan = Plan(str(root), meta, registry, pillars, activities, progress, files, meta_raw=meta_raw)
    return plan, sorted(diags)


def _quietly(test, path: Path) -> bool:
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


def _activities(pillar: Pillar, raw, name: str, meta: PlanMeta) -> list[ActivityRecord]:
    from .periods import Month

    start, end = Month.parse(meta.period.start), Month.parse(meta.period.end)
    out = []
    for gi, goal in enumerate(pillar.goals):
        for oi, objective in enumerate(goal.objectives):
            for ai, activity in enumerate(objective.activities):
                loc = ("goals", gi, "objectives", oi, "activities", ai)
                act_raw = _walk(raw, loc)
                out.append(ActivityRecord(
                    ref=refs.canonical(pillar.pillar, activity.id), pillar=pillar.pillar, goal=goal,
                    objective=objective, activity=activity, file=name, pos=position(raw, loc),
                    deadlines=read_deadlines(activity, act_raw, start, end), raw=act_raw))
    return out


def _walk(raw, loc):
    for part in loc:
        raw = raw[part]
    return raw


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
    out = []
    for path, link in _log_files(directory):
        if link:  # named as the link itself, not where it leads
            name = os.path.join(display_path(path.parent), path.name)
            files.append(name)
            diags.append(_link_diagnostic(path, name, directory))
            continue
        name = display_path(path)
        files.append(name)
        for entry, raw, pos in _read_list(path, name, ProgressEntry, diags, directory):
            out.append(ProgressRecord(entry, name, pos, raw))
    return out


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
