"""apcli: the Albanian anti-trafficking action plan 2008–2010 as version-controlled data.

The public API (see docs/how-to/python.md):

    import ap_cli

    plan = ap_cli.open_plan()                     # found, loaded and checked; PlanInvalid if not
    late = ap_cli.overdue(plan, ap_cli.cutoff("2009-06"))

Every name in `__all__` is imported on first use (module `__getattr__`), so `import ap_cli`, and
the command line's start-up, load nothing but this file.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name → (module, attribute): the public API and where it lives.
_EXPORTS: dict[str, tuple[str, str]] = {
    # opening a plan
    "open_plan": ("app", "open_plan"),
    "check_plan": ("app", "check_plan"),
    "cutoff": ("app", "cutoff"),
    "Plan": ("plan", "Plan"),
    "ActivityRecord": ("plan", "ActivityRecord"),
    "Diagnostic": ("diagnostics", "Diagnostic"),
    # errors
    "ApcliError": ("errors", "ApcliError"),
    "InvalidArgument": ("errors", "InvalidArgument"),
    "PlanInvalid": ("errors", "PlanInvalid"),
    # questions
    "select": ("queries", "select"),
    "overdue": ("queries", "overdue"),
    "upcoming": ("queries", "upcoming"),
    "by_institution": ("queries", "by_institution"),
    "stats": ("queries", "stats"),
    "timeliness": ("queries", "timeliness"),
    "state_at": ("queries", "state_at"),
    # reports and diff
    "render_report": ("render", "render_report"),
    "diff_plans": ("diff", "diff_plans"),
    "render_diff": ("diffrender", "render"),
}

__all__ = [
    "ActivityRecord",
    "ApcliError",
    "Diagnostic",
    "InvalidArgument",
    "Plan",
    "PlanInvalid",
    "__version__",
    "by_institution",
    "check_plan",
    "cutoff",
    "diff_plans",
    "open_plan",
    "overdue",
    "render_diff",
    "render_report",
    "select",
    "state_at",
    "stats",
    "timeliness",
    "upcoming",
]

if TYPE_CHECKING:  # what type checkers and editors see; at run time each is loaded on first use
    from .app import check_plan as check_plan
    from .app import cutoff as cutoff
    from .app import open_plan as open_plan
    from .diagnostics import Diagnostic as Diagnostic
    from .diff import diff_plans as diff_plans
    from .diffrender import render as render_diff
    from .errors import ApcliError as ApcliError
    from .errors import InvalidArgument as InvalidArgument
    from .errors import PlanInvalid as PlanInvalid
    from .plan import ActivityRecord as ActivityRecord
    from .plan import Plan as Plan
    from .queries import by_institution as by_institution
    from .queries import overdue as overdue
    from .queries import select as select
    from .queries import state_at as state_at
    from .queries import stats as stats
    from .queries import timeliness as timeliness
    from .queries import upcoming as upcoming
    from .render import render_report as render_report


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'ap_cli' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), attribute)
    globals()[name] = value  # the next look-up does not come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
