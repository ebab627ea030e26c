"""Re-run every example in README.md and the documentation pages, and replace its output with
what apcli prints now.

An example is a ```console block whose first line starts with `$ apcli` (or `$ python examples/`:
a script using apcli from Python); everything after that line is the command's output. It runs
from the repository root against the bundled plan, with `COLUMNS=100` and `NO_COLOR=1` (an
`apcli init …` example runs in a temporary folder). The files are README.md and every
docs/**/*.md page (`documents()`).

`python docs/update_readme.py` rewrites them; `python docs/update_readme.py --check` changes
nothing and exits 1 naming each file whose examples are stale (tests/test_docs.py runs the
check); `python docs/update_readme.py FILE…` limits either to those files.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
BLOCK = re.compile(r"```console\n(\$ (?:apcli|python examples/)[^\n]*)\n(.*?)```", re.S)


def run_example(command_line: str) -> str:
    """Run `$ apcli …` or `$ python examples/…` (pipes allowed) from the repository root; stdout
    and stderr together."""
    script = (f'apcli() {{ "{sys.executable}" -m ap_cli "$@"; }}\npython() {{ "{sys.executable}" "$@"; }}\n'
              f"{command_line[2:]}")
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


def documents() -> list[Path]:
    """README.md, then every Markdown page of the documentation site, in path order."""
    return [README, *sorted(DOCS.rglob("*.md"))]


def main() -> int:
    named = [ROOT / a if not Path(a).is_absolute() else Path(a) for a in sys.argv[1:] if not a.startswith("--")]
    stale = []
    for path in named or documents():
        current = path.read_text(encoding="utf-8")
        fresh = render(current)
        if fresh == current:
            continue
        if "--check" in sys.argv:
            stale.append(path.relative_to(ROOT).as_posix())
        else:
            path.write_text(fresh, encoding="utf-8")
    if stale:
        sys.stderr.write(f"examples are stale in {', '.join(stale)}: run python docs/update_readme.py\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
