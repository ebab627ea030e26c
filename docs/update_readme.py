"""Re-run every example in README.md and replace its output with what apcli prints now.

A README example is a ```console block whose first line starts with `$ apcli`; everything after
that line is the command's output. `python docs/update_readme.py` rewrites README.md;
`python docs/update_readme.py --check` exits 1 when any example's output is stale
(tests/test_docs.py runs the check).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BLOCK = re.compile(r"```console\n(\$ apcli[^\n]*)\n(.*?)```", re.S)


def run_example(command_line: str) -> str:
    """Run `$ apcli …` (pipes allowed) from the repository root; stdout and stderr together."""
    script = f'apcli() {{ "{sys.executable}" -m ap_cli "$@"; }}\n{command_line[2:]}'
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    env.pop("GITHUB_ACTIONS", None)
    env.pop("APCLI_PLAN", None)
    env.pop("APCLI_LANG", None)  # examples show the default; those in English say --lang en
    if command_line.startswith("$ apcli init "):  # it writes a new folder: not into the checkout
        import tempfile

        with tempfile.TemporaryDirectory() as where:
            done = subprocess.run(["bash", "-c", script], cwd=where, capture_output=True, text=True, env=env)
        return done.stdout + done.stderr
    done = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, env=env)
    return done.stdout + done.stderr


def render(text: str) -> str:
    def replace(m: re.Match) -> str:
        output = run_example(m.group(1))
        if output and not output.endswith("\n"):
            output += "\n"
        return f"```console\n{m.group(1)}\n{output}```"

    return BLOCK.sub(replace, text)


def main() -> int:
    current = README.read_text(encoding="utf-8")
    fresh = render(current)
    if "--check" in sys.argv:
        if fresh != current:
            sys.stderr.write("README.md examples are stale: run python docs/update_readme.py\n")
            return 1
        return 0
    README.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
