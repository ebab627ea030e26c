"""Build what .github/workflows/pages.yml publishes, so the workflow only calls this script and
its logic is tested locally (tests/test_pages.py):

    python tools/build_pages.py --out _site [--as-of PERIOD] [--plan plan] [--no-docs]

1. the plan's website, `apcli site --lang both`, at the root of OUT;
2. this documentation, `mkdocs build --strict`, into OUT/docs/ (skipped with --no-docs).

Without --as-of the cut-off is the current quarter, clamped to the plan period's last quarter
(the same rule as the action: tools/action.py); a notice says so when it is clamped. OUT is
replaced whole when an earlier build wrote it (`apcli site`'s rule). Runs apcli and mkdocs with
this Python (`python -m ...`): install both first (`pip install '.[docs]'`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from action import InputError, cutoff  # noqa: E402  (tools/ is not a package)


def notice(message: str) -> None:
    """A notice annotation on GitHub, a plain line elsewhere."""
    if os.environ.get("GITHUB_ACTIONS") == "true":
        print(f"::notice title=pages::{message}", flush=True)
    else:
        print(f"note: {message}", file=sys.stderr, flush=True)


def run(argv: list[str]) -> None:
    print("+ " + " ".join(argv), file=sys.stderr, flush=True)
    done = subprocess.run(argv, cwd=ROOT, check=False)
    if done.returncode:
        raise SystemExit(done.returncode)


def build(out: Path, as_of: str, plan: Path, docs: bool, today: date) -> str:
    """Build into `out`; the cut-off used."""
    chosen, note = cutoff(as_of, today, plan)
    if note:
        notice(note.replace("the action's as-of input", "the workflow's as-of input"))
    run([sys.executable, "-m", "ap_cli", "site", "--plan", str(plan), "--as-of", chosen, "--lang", "both",
         "--out", str(out)])
    if docs:
        run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out.resolve() / "docs")])
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--as-of", default="")
    parser.add_argument("--plan", default=ROOT / "plan", type=Path)
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--today", default=None, help="YYYY-MM-DD (tests): the day the default cut-off is taken from")
    args = parser.parse_args(argv)
    today = date.fromisoformat(args.today) if args.today else date.today()
    try:
        chosen = build(args.out, args.as_of, args.plan, not args.no_docs, today)
    except InputError as exc:
        print(f"build_pages: {exc}", file=sys.stderr)
        return 2
    print(f"built {args.out} as of {chosen}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
