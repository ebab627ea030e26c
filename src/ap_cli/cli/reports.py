"""`apcli report` (a status report in Markdown or HTML) and `apcli diff` (what changed between
two versions of the plan)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ..diagnostics import escape_line
from .app import app
from .errors import fail
from .options import (
    AsOfOpt,
    PlanOpt,
    ProgressOpt,
    check_format,
    cutoff,
    lang_of,
    load,
    out_arg,
    parsed,
    path_arg,
    revision_arg,
)


@app.command()
def diff(
    base: str = typer.Argument(..., parser=revision_arg, help="Git revision (main, origin/main, HEAD~1, a commit) or "
                                                              "plan directory to compare from."),
    head: str | None = typer.Argument(None, parser=revision_arg, help="Revision or directory to compare to (default: "
                                                                      "the plan in the working tree)."),
    fmt: str = typer.Option("md", "--format", "-f", help="md (PR comment, job summary), json or text."),
    fail_on: str | None = typer.Option(None, "--fail-on", help="Exit 1 when any of these occur (comma-separated): "
                                                               "slip, removal, regression, any, or a change kind."),
    lang: str | None = typer.Option(None, "--lang", help="Added and removed activities, headings and bodies in sq "
                                                         "(Albanian, the official text) or en (unofficial English "
                                                         "translation); default: $APCLI_LANG, else sq. JSON carries "
                                                         "both."),
    plan_dir: Path | None = PlanOpt,
) -> None:
    """What changed in the plan between two versions, matched by ref: activities, deadlines
    (moved by how many months), bodies, texts, institutions, progress and status regressions.
    Reformatting and reordering report nothing. A revision is read at the plan's path
    (--plan, $APCLI_PLAN or ./plan) inside the git repository.

    Example: apcli diff origin/main --format md >> "$GITHUB_STEP_SUMMARY"
    """
    from contextlib import ExitStack

    from .. import diff as plandiff
    from .. import diffrender
    from ..app import find_plan
    from ..gitsource import open_plan

    check_format(fmt, diffrender.FORMATS)
    lang = lang_of(lang)
    fail_names = parsed(plandiff.parse_fail_on, fail_on or "")
    where = find_plan(plan_dir)
    with ExitStack() as stack:
        old, old_label = stack.enter_context(open_plan(base, where))
        new, new_label = stack.enter_context(open_plan(head, where))
        changes = plandiff.diff_plans(old, new)
    sys.stdout.write(diffrender.render(changes, fmt, old_label, new_label, lang))
    hits = plandiff.failing(changes, fail_names)
    if hits:
        raise fail(f"{len(hits)} change(s) match --fail-on {fail_on}: {diffrender.summary(hits)}", 1)


@app.command()
def report(as_of: str | None = AsOfOpt,
           fmt: str | None = typer.Option(None, "--format", "-f", help="md or html (default: from --out's or "
                                                                       "--template's file name, else md)."),
           lang: str | None = typer.Option(None, "--lang", help="Labels and plan text in sq (Albanian, the official "
                                                                "text) or en (plan text in the unofficial English "
                                                                "translation); default: $APCLI_LANG, else sq."),
           out: str | None = typer.Option(None, "--out", "-o", parser=out_arg, help="FILE, or DIR/ (an existing "
                                                                                    "directory or a path ending in /: "
                                                                                    "writes DIR/report.<format>); - or "
                                                                                    "default: stdout."),
           template: Path | None = typer.Option(None, "--template", parser=path_arg, help="Your own jinja2 template "
                                                                                          "(it may extend report.md.j2 "
                                                                                          "/ report.html.j2)."),
           per_institution: bool = typer.Option(False, "--per-institution", help="With --out DIR/: one report per "
                                                                                 "body, plus index.<format>."),
           plan_dir: Path | None = PlanOpt, progress: Path | None = ProgressOpt) -> None:
    """Status report in Markdown or HTML: headline figures, pillars, overdue by lead, next quarter,
    scorecard, timeline. Same plan and --as-of, same bytes.

    Example: apcli report --as-of 2009-06 --out report.html
    """
    from ..app import not_plan_data
    from ..render import FORMATS, render_report, report_files, resolve_target, write_text
    from ..writes import check_out, write_reports

    if fmt is not None:
        check_format(fmt, FORMATS)
    lang = lang_of(lang)
    target = resolve_target(None if out == "-" else out, fmt, template, per_institution)
    if target.file is not None:
        check_out(target.file)  # a device, FIFO, socket or link is refused before the work
    plan = load(plan_dir, progress)
    if target.file is not None:
        not_plan_data(plan, target.file)
    c = cutoff(as_of, plan)
    if per_institution:
        files = report_files(plan, c, target.fmt, lang, template)
        if target.create is not None:
            target.create.mkdir(exist_ok=True)  # one level only: its parent was checked
        assert target.directory is not None
        write_reports(target.directory, files)
        sys.stderr.write(f"apcli: wrote {len(files) - 1} reports and index.{target.fmt} to "
                         f"{escape_line(target.directory)}\n")
        return
    text = render_report(plan, c, target.fmt, lang, template)
    if target.file is None:
        sys.stdout.write(text)
        return
    if target.create is not None:
        target.create.mkdir(exist_ok=True)
    write_text(target.file, text)
