"""The typer application every command group registers on: `app` (top-level commands) and
`progress_app` (`apcli progress …`), with the root options (--version, --no-pager)."""

from __future__ import annotations

import sys

import typer

from .. import output

app = typer.Typer(
    name="apcli",
    help="Albania's Action Plan against Trafficking in Human Beings 2008–2010 as data: "
    "what is overdue, who is responsible, how far each pillar has come.",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

progress_app = typer.Typer(
    help="Record progress: add one entry, make a body's quarterly form, import a spreadsheet or a filled-in form.",
    no_args_is_help=True, rich_markup_mode=None)
app.add_typer(progress_app, name="progress")


def _print_version(value: bool) -> None:
    if value:
        from .. import __version__

        sys.stdout.write(f"apcli {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                       help="Print apcli's version and exit."),
          no_pager: bool = typer.Option(False, "--no-pager",
                                        help="Never page long terminal output (also an option of each table command).")
          ) -> None:
    """Albania's Action Plan against Trafficking in Human Beings 2008–2010 as data: what is
    overdue, who is responsible, how far each pillar has come.

    Refs such as II-1.(a).1 hold parentheses: quote them in a shell ('II-1.(a).1'), or write
    them without punctuation (ii-1a1), which needs no quotes.
    """
    output.paging = not no_pager
