"""MkDocs hook: the command reference is generated from the typer app itself, so it cannot drift.

A page holding the line `<!-- apcli:commands -->` gets, in its place, every command of `apcli`
(subcommands included) with its usage, its help text and a table of its arguments and options,
as the command line itself knows them. `python docs/hooks/cli_reference.py` prints the same
Markdown.
"""

from __future__ import annotations

import sys
from pathlib import Path

MARKER = "<!-- apcli:commands -->"
SRC = Path(__file__).resolve().parents[2] / "src"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _commands():
    if str(SRC) not in sys.path:
        sys.path.insert(0, str(SRC))
    import typer.main

    from ap_cli.cli import app

    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        subcommands = getattr(command, "commands", None)
        if subcommands:
            yield name, command, True
            for sub, subcommand in subcommands.items():
                yield f"{name} {sub}", subcommand, False
        else:
            yield name, command, False


def render() -> str:
    import typer.main

    from ap_cli.cli import app

    group = typer.main.get_command(app)
    out: list[str] = []
    root_ctx = group.context_class(group, info_name="apcli")  # click's, or the copy typer vendors
    out += ["## `apcli`", "", _cell(group.help or ""), "", "| option | meaning |", "|---|---|"]
    for param in group.get_params(root_ctx):
        record = param.get_help_record(root_ctx)
        if record:
            out.append(f"| `{_cell(record[0])}` | {_cell(record[1])} |")
    out.append("")
    for name, command, is_group in _commands():
        ctx = command.context_class(command, info_name=f"apcli {name}")
        out += [f"## `apcli {name}`", ""]
        out += ["```text", command.get_usage(ctx).replace("Usage: ", "", 1), "```", ""]
        for paragraph in (command.help or "").strip().split("\n\n"):
            if paragraph.startswith("Example: "):  # the help's own example, as code
                paragraph = "Example: " + " ".join(f"`{line.strip()}`" for line in paragraph[9:].splitlines() if line.strip())
            out += [paragraph, ""]
        if is_group:
            out += ["Subcommands: " + ", ".join(f"`{name} {sub}`" for sub in command.commands), ""]
            continue
        rows = []
        for param in command.get_params(ctx):
            if param.param_type_name == "argument":
                rows.append(f"| `{param.name.upper()}` "
                            f"| {_cell(getattr(param, 'help', None) or '')}{' (required)' if param.required else ''} |")
                continue
            record = param.get_help_record(ctx)
            if record:
                rows.append(f"| `{_cell(record[0])}` | {_cell(record[1])} |")
        if rows:
            out += ["| argument or option | meaning |", "|---|---|", *rows, ""]
    return "\n".join(out) + "\n"


def on_page_markdown(markdown: str, page, config, files):  # noqa: ARG001 - the MkDocs hook signature
    if MARKER in markdown:
        return markdown.replace(MARKER, render())
    return markdown


if __name__ == "__main__":
    sys.stdout.write(render())
