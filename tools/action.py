"""The logic of the apcli GitHub Action (action.yml), kept here so it is tested locally
(tests/test_action.py); action.yml only wires inputs to it.

    python tools/action.py install-spec VERSION
        The pip requirement that installs apcli: VERSION empty → the action's own checkout
        (this file's repository); a version (0.2.0, v0.2.0) → that release from the package
        index; anything else (a URL, a requirement) as given.
    python tools/action.py prepare --plan DIR [--as-of PERIOD] [--formats "md html"]
                                   [--artifact NAME] [--today YYYY-MM-DD]
        Validates the inputs and writes the step outputs as-of, formats and artifact to
        $GITHUB_OUTPUT (stdout when unset). Without --as-of the cut-off is the current quarter,
        clamped to the plan period's last quarter (2010Q4 for this plan); a notice and a line
        in $GITHUB_STEP_SUMMARY say so when it is clamped.

Standard library only (ruamel.yaml, when installed, reads plan.yaml); Python >= 3.11.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tomllib
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("md", "html")
PERIOD = re.compile(r"\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?|[Qq][1-4]|[Hh][12])?")
VERSION = re.compile(r"v?(\d+(?:\.\d+)*(?:(?:a|b|rc)\d+)?(?:\.post\d+)?(?:\.dev\d+)?)")
ARTIFACT_FORBIDDEN = set('":<>|*?\\/\r\n')


class InputError(ValueError):
    """A bad action input: reported as an error annotation, exit status 2."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name


def distribution_name(root: Path = ROOT) -> str:
    return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]


def install_spec(version: str, root: Path = ROOT) -> str:
    version = version.strip()
    if not version:
        return str(root)
    if version.startswith("-"):
        raise InputError("apcli-version", f"{version!r} is not a version nor a requirement (pip options are not accepted)")
    m = VERSION.fullmatch(version)
    if m:
        return f"{distribution_name(root)}=={m.group(1)}"
    return version


def quarter(day: date) -> tuple[int, int]:
    return day.year, (day.month + 2) // 3


def plan_end(plan: Path) -> tuple[int, int] | None:
    """(year, month) of the plan period's end, from PLAN/plan.yaml's `period: {end: YYYY-MM}`."""
    path = plan / "plan.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    end = None
    try:
        from ruamel.yaml import YAML

        data = YAML(typ="safe", pure=True).load(text)
        end = str(((data or {}).get("period") or {}).get("end") or "")
    except ImportError:
        m = re.search(r"^period:.*?\bend:\s*[\"']?(\d{4}-\d{2})", text, re.M | re.S)
        end = m.group(1) if m else ""
    except Exception:  # a broken plan.yaml: `apcli check` reports it
        return None
    m = re.fullmatch(r"(\d{4})-(\d{2})", end or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def default_cutoff(today: date, plan: Path) -> tuple[str, str | None]:
    """The current quarter, clamped to the plan period's last quarter; the note to show when clamped."""
    year, q = quarter(today)
    end = plan_end(plan)
    if end is not None and (year, 3 * q) > end:
        last = f"{end[0]}Q{(end[1] + 2) // 3}"
        return last, (f"No cut-off given: the reports are as of {last}, the last quarter of the plan period "
                      f"(it ends {end[0]}-{end[1]:02d}), instead of the current quarter {year}Q{q}. "
                      "Set the action's as-of input for another period.")
    return f"{year}Q{q}", None


def cutoff(as_of: str, today: date, plan: Path) -> tuple[str, str | None]:
    as_of = as_of.strip()
    if not as_of:
        return default_cutoff(today, plan)
    if not PERIOD.fullmatch(as_of):
        raise InputError("as-of", f"{as_of!r} is not a period: use 2009Q2, 2009-06, 2009-06-30, 2009H1 or 2009")
    return as_of.upper(), None


def formats(text: str) -> list[str]:
    chosen = []
    for fmt in re.split(r"[\s,]+", text.strip().lower()):
        if not fmt:
            continue
        if fmt not in FORMATS:
            raise InputError("formats", f"{fmt!r} is not a report format: use {' and/or '.join(FORMATS)}")
        if fmt not in chosen:
            chosen.append(fmt)
    return chosen


def artifact_name(name: str, as_of: str) -> str:
    name = name.strip() or f"plan-reports-{as_of}"
    bad = sorted(set(name) & ARTIFACT_FORBIDDEN)
    if bad:
        raise InputError("artifact-name", f"{name!r}: an artifact name cannot hold {' '.join(map(repr, bad))}")
    return name


def prepare(args: argparse.Namespace) -> dict[str, str]:
    today = date.fromisoformat(args.today) if args.today else date.today()
    as_of, note = cutoff(args.as_of, today, Path(args.plan))
    outputs = {"as-of": as_of, "formats": " ".join(formats(args.formats)),
               "artifact": artifact_name(args.artifact, as_of)}
    if note:
        print(f"::notice title=apcli cut-off::{note}")
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a", encoding="utf-8") as f:
                f.write(f"> [!NOTE]\n> {note}\n\n")
    return outputs


def write_outputs(outputs: dict[str, str]) -> None:
    target = os.environ.get("GITHUB_OUTPUT")
    lines = "".join(f"{key}={value}\n" for key, value in outputs.items())
    if target:
        with open(target, "a", encoding="utf-8") as f:
            f.write(lines)
    else:
        sys.stdout.write(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="tools/action.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    spec = sub.add_parser("install-spec")
    spec.add_argument("version", nargs="?", default="")
    prep = sub.add_parser("prepare")
    prep.add_argument("--plan", default="plan")
    prep.add_argument("--as-of", default="")
    prep.add_argument("--formats", default="md html")
    prep.add_argument("--artifact", default="")
    prep.add_argument("--today", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        if args.command == "install-spec":
            print(install_spec(args.version))
        else:
            write_outputs(prepare(args))
    except InputError as exc:
        message = str(exc).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        print(f"::error title=apcli action input {exc.name}::{message}")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
