"""`apcli report` (a status report in Markdown or HTML), `apcli diff` (what changed between
two versions of the plan) and `apcli reporting` (which bodies have reported for a quarter)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ..diagnostics import escape_line
from .app import app
from .errors import fail
from .options import (
    AsOfOpt,
    FormatOpt,
    LangOpt,
    NoPagerOpt,
    OutOpt,
    PlanOpt,
    ProgressOpt,
    check_format,
    cutoff,
    institution_id,
    lang_of,
    load,
    out_arg,
    parsed,
    path_arg,
    revision_arg,
    table_output,
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
    sys.stderr.write(f"apcli: wrote {escape_line(target.file)}\n")  # as --per-institution and `site` say


@app.command("reporting")
def reporting(
    quarter: str = typer.Option(..., "--quarter", help="The reporting quarter, e.g. 2009Q2."),
    institution: str | None = typer.Option(None, "--institution", help="Only this body."),
    fmt: str = FormatOpt,
    out: str | None = OutOpt,
    fail_if_missing: bool = typer.Option(False, "--fail-if-missing",
                                         help="Exit 1 when any body has not reported an activity."),
    lang: str | None = LangOpt,
    plan_dir: Path | None = PlanOpt, progress: Path | None = ProgressOpt,
    no_pager: bool = NoPagerOpt,
) -> None:
    """Who has reported: for each body, the activities its quarterly form asks about, how many
    have an entry dated in the quarter, which are missing, and its last entry filed.

    An activity counts as reported by a body when an entry dated in the quarter names it in
    `by` (without `by`: the lead); a row of a collective is reported by any member's entry.

    Example: apcli reporting --quarter 2009Q2 --progress examples/progress-demo
    """
    from .. import compliance, output, views
    from ..dates import parse_quarter
    from ..forms import check_quarter

    target = table_output(fmt, out)
    lang = lang_of(lang)
    plan = load(plan_dir, progress)
    q = parsed(parse_quarter, quarter)
    check_quarter(plan, q)
    if institution:
        reports = [compliance.body_report(plan, institution_id(plan, institution), q)]
    else:
        reports = compliance.reporting(plan, q)
    view = views.reporting(reports, q, lang, every_ref=fmt not in ("table", "md"))
    missing = sum(r.asked - r.reported for r in reports)
    if target is not None:
        from ..app import write_output
        from ..workbook import stamp_time, tables_workbook

        write_output(plan, target, tables_workbook(views.reporting_sheets(view, reports, lang), stamp_time(q.last)))
        sys.stdout.write(f"wrote {escape_line(str(target))}: {len(reports)} bodies, {missing} missing reports\n")
    else:
        output.emit_table(view.table, fmt, view.data, page=not no_pager)
    if fail_if_missing and missing:
        raise typer.Exit(1)
