"""The helpers the old single-module cli.py offered, under their old names, for the command
modules written against it (`ap_cli.cli_sheets`, `ap_cli.cli_site`), which import them from
`ap_cli.cli`. New code imports from `.options`, `.errors` and the library; remove this module
once those modules are moved into the package."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import language, output
from ..app import lock_roots as _lock_roots
from ..app import not_plan_data as _not_plan_data
from ..app import plan_to_change as _plan_to_change
from ..app import writable_plan_dir
from ..views import APPROX, approx_mark, en_note, text_key
from .errors import fail
from .options import (
    AsOfOpt,
    DryRunOpt,
    FormatOpt,
    LangOpt,
    NoPagerOpt,
    PillarOpt,
    PlanOpt,
    ProgressOpt,
    RoleOpt,
    check_format,
    check_role,
    cutoff,
    institution_id,
    lang_of,
    load,
    out_arg,
    path_arg,
    pillar_of,
    revision_arg,
)
from .progress import MAX_SHOWN, _append
from .progress import writing as _writing

Col, TEXT, FIXED, NUMBER = output.Column, output.TEXT, output.FIXED, output.NUMBER


def _editable(plan_dir: Path | None, progress: Path | None, writing: bool = True) -> tuple[Any, set[Path], int]:
    """(plan, files with errors, how many errors): app.editable of the plan a command changes."""
    from ..app import editable, find_plan

    found = editable(writable_plan_dir(plan_dir) if writing else find_plan(plan_dir), progress)
    return found.plan, found.broken, found.errors


__all__ = [
    "APPROX", "FIXED", "MAX_SHOWN", "NUMBER", "TEXT", "AsOfOpt", "Col", "DryRunOpt", "FormatOpt", "LangOpt",
    "NoPagerOpt", "PillarOpt", "PlanOpt", "ProgressOpt", "RoleOpt", "_append", "_editable", "_lock_roots",
    "_not_plan_data", "_plan_to_change", "_writing", "approx_mark", "check_format", "check_role", "cutoff",
    "en_note", "fail", "institution_id", "lang_of", "language", "load", "out_arg", "path_arg", "pillar_of",
    "revision_arg", "text_key", "writable_plan_dir",
]
