"""The README documents every command with real output, and its two set-up commands are the ones CI runs."""

import re
import subprocess
import sys

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def command_names() -> list[str]:
    import typer.main

    from ap_cli.cli import app

    group = typer.main.get_command(app)
    names = []
    for name, command in group.commands.items():
        subcommands = getattr(command, "commands", None)
        names += [f"{name} {sub}" for sub in subcommands] if subcommands else [name]
    return sorted(names)


def test_every_command_has_a_readme_example():
    missing = [n for n in command_names() if not re.search(rf"^\$ apcli {re.escape(n)}\b", README, re.M)]
    assert not missing, f"commands without a `$ apcli …` example in README.md: {missing}"


def test_readme_examples_show_real_output():
    done = subprocess.run([sys.executable, str(ROOT / "docs" / "update_readme.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_ci_runs_the_readme_test_command():
    setup = re.findall(r"^```sh\n(.*?)\n```", README, re.M | re.S)
    assert len(setup) == 2, "README.md must hold exactly two set-up commands (```sh blocks)"
    ci = (ROOT / ".ci" / "run").read_text()
    assert setup[1] in ci
    assert "pytest" in setup[1] and "apcli overdue --as-of 2009-06" in setup[0]
