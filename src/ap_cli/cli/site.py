"""The `trend` and `site` commands: parse, call `trend` / `site`, print."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from .. import output
from ..app import not_plan_data
from ..diagnostics import escape_line
from .app import app
from .errors import fail
from .options import (
    AsOfOpt,
    FormatOpt,
    NoPagerOpt,
    OutOpt,
    PillarOpt,
    PlanOpt,
    ProgressOpt,
    cutoff,
    institution_id,
    load,
    out_arg,
    pillar_of,
    table_output,
)

Col, FIXED, NUMBER = output.Column, output.FIXED, output.NUMBER

FROM_HELP = "First period: 2008Q1, 2008-01, 2008H1 or 2008 (default: the plan's start)."
TO_HELP = "Last period, read the same way (default: the plan's end)."
INST_HELP = "Only this body's activities (any role, as `overdue --institution`)."
OUT_HELP = "The folder for the site: a new or empty one, or one an earlier `apcli site` wrote (replaced whole)."
LANG_HELP = "sq, en or both (Albanian at the top, English under en/)."
BASE_HELP = "Where the site will be published (https://…/): canonical links and sitemap.xml; links stay relative."


@app.command()
def trend(start: str | None = typer.Option(None, "--from", help=FROM_HELP),
          end: str | None = typer.Option(None, "--to", help=TO_HELP),
          every: str = typer.Option("quarter", "--every", help="quarter or month: one row per period."),
          pillar: str | None = PillarOpt,
          institution: str | None = typer.Option(None, "--institution", help=INST_HELP),
          fmt: str = FormatOpt, out: str | None = OutOpt,
          plan_dir: Path | None = PlanOpt, progress: Path | None = ProgressOpt,
          no_pager: bool = NoPagerOpt) -> None:
    """Overdue, completed, in progress… at the close of every quarter (or month): each row is
    what `overdue` and `stats` answer with --as-of that period.

    Example: apcli trend --from 2008Q1 --to 2010Q4 --every quarter
    """
    from ..queries import select
    from ..trend import COLUMNS, periods
    from ..trend import trend as rows_of

    target = table_output(fmt, out)
    plan = load(plan_dir, progress)
    spans = periods(start or str(plan.start), end or str(plan.end), every)
    inst = institution_id(plan, institution) if institution else None
    numeral = pillar_of(plan, pillar)
    acts = select(plan, numeral, inst)
    rows = rows_of(plan, acts, spans)
    scope = f"{len(acts)} activities" + (f" of pillar {numeral}" if numeral else "") + (
        f" concerning {inst}" if inst else "")
    table = output.Table([Col(k, h, FIXED if k in ("period", "as_of") else NUMBER) for k, h in COLUMNS], rows,
                         footer=f"{scope}; each row as `apcli overdue`/`stats --as-of` that period's last day")
    output.emit_table(table, fmt, rows, page=not no_pager, out=target, sheet="trend")


@app.command()
def site(as_of: str | None = AsOfOpt,
         out: str = typer.Option(..., "--out", "-o", parser=out_arg, help=OUT_HELP),
         lang: str = typer.Option("both", "--lang", help=LANG_HELP),
         base_url: str | None = typer.Option(None, "--base-url", help=BASE_HELP),
         plan_dir: Path | None = PlanOpt, progress: Path | None = ProgressOpt) -> None:
    """A static website of the plan: home, a page per pillar, activity and body, search,
    Albanian and English. Works from file:// and any web server; same plan and --as-of,
    same bytes.

    Example: apcli site --as-of 2009Q2 --out public
    """
    from ..site import SiteError, build_site, check_base_url, langs_of, prepare_out, write_site

    langs = langs_of(lang)
    base = check_base_url(base_url)
    target = prepare_out(Path(out), dry=True)
    plan = load(plan_dir, progress)
    not_plan_data(plan, target)
    c = cutoff(as_of, plan)
    files = build_site(plan, c, langs, base)
    try:
        target = prepare_out(Path(out))
        size = write_site(target, files)
    except SiteError as exc:
        raise fail(str(exc), 1) from None
    pages = sum(name.endswith(".html") for name in files)
    sys.stderr.write(f"apcli: wrote {pages} pages ({len(files)} files, {size / 1e6:.1f} MB) to "
                     f"{escape_line(out)}\n")
