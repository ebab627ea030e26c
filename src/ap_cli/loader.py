"""Finding and loading a plan directory: `load_plan(path) -> (Plan | None, diagnostics)`.

Never raises on bad data: every problem becomes a located diagnostic. Cross-file checks
live in `checks.py`; this module only reads files and validates each against its model.
"""

from __future__ import annotations

import gc
import os
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, ValidationError

from . import refs
from .cache import read_file
from .diagnostics import Diagnostic, error
from .institutions import Registry
from .model import Institution, Pillar, PlanMeta, ProgressEntry
from .plan import ActivityRecord, Plan, PillarRecord, ProgressRecord, read_deadlines
from .source import YList, YMap, key_position, position

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
    except (ValueError, OSError):
        return str(path)


# ----------------------------------------------------------------------------- validation


def validate(model: type[BaseModel], data, name: str, loc_prefix: tuple = ()) -> tuple[object | None, list[Diagnostic]]:
    """Validate `data` against `model`; map each pydantic error to the line:col it concerns."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [_diagnostic(name, data, err, loc_prefix) for err in exc.errors()]


def _diagnostic(name: str, data, err: dict, loc_prefix: tuple) -> Diagnostic:
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    where = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in loc_prefix + loc).replace(".[", "[")
    kind = err["type"]
    if kind == "extra_forbidden":
        line, col = key_position(data, loc)
        return error(name, line, col, "unknown-field", f"unknown field {loc[-1]!r} at {where}")
    line, col = position(data, loc)
    if kind == "missing":
        return error(name, line, col, "missing-field", f"missing field {loc[-1]!r} at {where}")
    if kind in ("literal_error", "string_pattern_mismatch", "enum", "too_short", "string_too_short"):
        return error(name, line, col, "invalid-value", f"{where}: {err['msg']}")
    return error(name, line, col, "wrong-type", f"{where}: {err['msg']}, got {_type_name(err.get('input'))}")


def _type_name(value) -> str:
    if value is None:
        return "null"
    return {str: "text", int: "number", bool: "true/false", YMap: "a mapping", YList: "a list",
            float: "number"}.get(type(value), type(value).__name__)


def _read(path: Path, name: str, diags: list[Diagnostic], root: Path):
    if not _inside(root, path):
        diags.append(error(name, 0, 0, "outside-plan", f"links to a file outside {display_path(root)}"))
        return None
    source, problems = read_file(path, name)
    diags.extend(problems)
    if source is None:
        return None
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
        if not _inside(root, root / file):
            line, col = position(meta_raw, ("pillars", meta.pillars.index(file)))
            how = "links to a file outside" if _quietly(Path.is_symlink, root / file) else "is not inside"
            diags.append(error(plan_name, line, col, "outside-plan", f"pillar file {file!r} {how} the plan directory"))
            continue
        if not _is_file(root / file):
            line, col = position(meta_raw, ("pillars", meta.pillars.index(file)))
            diags.append(error(plan_name, line, col, "missing-file", f"pillar file {file!r} not found"))
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

    progress = _load_progress(Path(progress_dir) if progress_dir else root / PROGRESS_DIR, diags, files)
    if meta is None:
        return None, sorted(diags)
    plan = Plan(str(root), meta, registry, pillars, activities, progress, files)
    return plan, sorted(diags)


def _quietly(test, path: Path) -> bool:
    """`Path.is_file` and kin, False where they would raise (a name too long, a NUL in it)."""
    try:
        return test(path)
    except (OSError, ValueError):
        return False


def _is_file(path: Path) -> bool:
    return _quietly(Path.is_file, path)


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


def _load_progress(directory: Path, diags: list[Diagnostic], files: list[str]) -> list[ProgressRecord]:
    if not _quietly(Path.is_dir, directory):
        return []
    out = []
    for path in sorted(directory.rglob("*.yaml")):
        name = display_path(path)
        files.append(name)
        for entry, raw, pos in _read_list(path, name, ProgressEntry, diags, directory):
            out.append(ProgressRecord(entry, name, pos, raw))
    return out
