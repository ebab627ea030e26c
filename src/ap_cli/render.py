"""Rendering reports: the jinja2 environments, their filters, where templates are found, and the
set of files a `--per-institution` run produces.

Plan text is never markup: the HTML environment autoescapes (switched on explicitly, since
`.html.j2` is not among jinja2's default extensions), Markdown templates pass user text through
`md` (table-cell escaping) and Mermaid labels through `mermaid`; in both, every value printed
shows control, bidi and invisible characters as escapes (`finalize`). Undefined names fail
loudly (StrictUndefined) instead of printing as empty text.

Templates may come from pull requests (`--template`), so every template, shipped or not, runs
in jinja2's immutable sandbox: no attribute starting with `_` (no way to `os` from
`cycler.__init__.__globals__`), no changing the data, and a template can load only other
`*.j2` templates, from its own folder or the shipped ones (never `.git/config` or a token file
beside it). A violation is a TemplateProblem located at the template's file and line.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
import jinja2.exceptions
import jinja2.sandbox
import markupsafe

from .diagnostics import UNSAFE, escape_text
from .errors import InvalidArgument
from .output import md_escape
from .plan import Plan
from .report import build_context, build_index, percent, report_bodies, slugs

FORMATS = ("md", "html")
REPORT = "report.{fmt}.j2"
INDEX = "index.{fmt}.j2"


class TemplateProblem(InvalidArgument, ValueError):
    """A template that cannot be found, read or rendered; the message says where."""


def templates_dir() -> Path:
    """The shipped templates: `ap_cli/templates` in a wheel, `templates/` in a source checkout."""
    here = Path(__file__).resolve().parent
    packaged = here / "templates"
    if packaged.is_dir():
        return packaged
    return here.parent.parent / "templates"


# ----------------------------------------------------------------------------- filters


def md_cell(value: object) -> str:
    """Markdown text with no syntax left (see output.md_escape)."""
    return md_escape(value)


# `:` `#` `;` end or garble a Mermaid task line, `%%` starts a comment or directive; a backtick
# could close the code fence; `<` `>` keep labels from ever reaching Mermaid's HTML label path.
_MERMAID_DROP = re.compile(r"[:#;%`<>]")


def mermaid_label(value: object, width: int = 60) -> str:
    """A one-line Mermaid label without the characters Mermaid reads as syntax, nor control,
    bidi or invisible ones."""
    text = " ".join(UNSAFE.sub(" ", _MERMAID_DROP.sub(" ", "" if value is None else str(value))).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def short_label(value: object, width: int = 48) -> str:
    """Plan text as a one-line label of at most `width` characters, cut at a word where it can be."""
    text = " ".join(("" if value is None else str(value)).split())
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    if " " in cut[width // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-–(") + "…"


def csp_hash(value: object) -> str:
    """The CSP source expression allowing exactly this inline script."""
    digest = hashlib.sha256(str(value).encode("utf-8")).digest()
    return markupsafe.Markup("'sha256-" + base64.b64encode(digest).decode("ascii") + "'")


def finalize(value: object) -> object:
    """Every value a template prints: control, bidi and invisible characters as escapes (line
    breaks and tabs stay: multi-line text stays multi-line). Markup stays Markup."""
    if isinstance(value, markupsafe.Markup):
        return markupsafe.Markup(escape_text(value))
    return escape_text(value) if isinstance(value, str) else value


# ----------------------------------------------------------------------------- environments


class TemplateLoader(jinja2.FileSystemLoader):
    """Only `*.j2` files, and no hidden file or folder: a template cannot read what else lies
    beside it (`{% include ".git/config" %}`)."""

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
        if not template.endswith(".j2") or any(part.startswith(".") for part in template.split("/")):
            raise jinja2.TemplateNotFound(f"{template} (a template loads only *.j2 templates, none hidden)")
        return super().get_source(environment, template)


@functools.lru_cache(maxsize=8)
def environment(fmt: str, extra_dir: Path | None = None) -> jinja2.Environment:
    """The environment for `fmt`; `extra_dir` (a user's template folder) is searched first,
    so a user template can `{% extends "report.html.j2" %}` and override blocks."""
    if fmt not in FORMATS:
        raise TemplateProblem(f"unknown report format {fmt!r}; use one of: {', '.join(FORMATS)}")
    search = [str(extra_dir)] if extra_dir else []
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        loader=TemplateLoader([*search, str(templates_dir())], encoding="utf-8"),
        autoescape=fmt == "html",
        finalize=finalize,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(md=md_cell, mermaid=mermaid_label, csp_hash=csp_hash, pct=percent, short=short_label)
    return env


# ----------------------------------------------------------------------------- where a report goes

# A file name that says its format; any other name (`report`, `report.txt`) says nothing.
EXTENSIONS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}
_KIND = {"md": "a Markdown", "html": "an HTML"}


class OutProblem(InvalidArgument, ValueError):
    """`--out`, `--format` and `--template` that do not fit together: a usage error (exit 2)."""


@dataclass(frozen=True)
class Target:
    """Where `apcli report` writes: `file` for one report, `directory` for `--per-institution`
    (both None: stdout). `create` is a missing last directory of the path, made before writing."""

    fmt: str
    file: Path | None = None
    directory: Path | None = None
    create: Path | None = None


def _template_format(template: Path | None) -> str | None:
    name = template.name.lower() if template is not None else ""
    if re.search(r"\.html?(\.|$)", name):
        return "html"
    if re.search(r"\.(md|markdown)(\.|$)", name):
        return "md"
    return None


def resolve_target(out: str | None, fmt: str | None, template: Path | None = None,
                   per_institution: bool = False) -> Target:
    """Read `--out` (a file, or a directory: one that exists or a path ending in `/`) and settle
    the format: `--format`, `--out`'s extension and `--template`'s name must agree where given;
    else Markdown. A directory that does not exist is created when its parent exists; nothing
    else is ever created, so a typo in a path is an error, not a new tree of folders."""
    as_dir = out is not None and (out.endswith(("/", os.sep)) or Path(out).is_dir())
    path = Path(out) if out is not None else None
    signals = []
    if fmt:
        signals.append((f"--format {fmt}", fmt))
    if path is not None and not as_dir and path.suffix.lower() in EXTENSIONS:
        named = EXTENSIONS[path.suffix.lower()]
        signals.append((f"--out {out} ({_KIND[named]} file name)", named))
    if said_by_template := _template_format(template):
        signals.append((f"--template {template} ({_KIND[said_by_template]} template)", said_by_template))
    for said, kind in signals[1:]:
        if kind != signals[0][1]:
            raise OutProblem(f"{signals[0][0]} conflicts with {said}; make them agree or drop one")
    chosen = signals[0][1] if signals else "md"

    if per_institution:
        if path is None:
            raise OutProblem("--per-institution writes several files: give --out DIR")
        if not as_dir and (path.exists() or path.suffix):
            what = "is a file" if path.exists() else "looks like a file name"
            raise OutProblem(f"--per-institution writes several files into a directory, and --out {out} "
                             f"{what}; give a directory (end it with /)")
        as_dir = True
    if path is None:
        return Target(chosen)
    if as_dir and path.exists() and not path.is_dir():
        raise OutProblem(f"--out {out}: {path} is a file, not a directory")
    if not (as_dir and path.is_dir()):
        parent = path.parent
        if parent.exists() and not parent.is_dir():
            raise OutProblem(f"--out {out}: {parent} is a file, not a directory")
        if not parent.is_dir():
            raise OutProblem(f"--out {out}: directory {parent} does not exist")
    create = path if as_dir and not path.is_dir() else None
    if per_institution:
        return Target(chosen, directory=path, create=create)
    return Target(chosen, file=path / f"report.{chosen}" if as_dir else path, create=create)


def render(context: dict[str, Any], fmt: str, template: Path | None = None, name: str = REPORT) -> str:
    """Render `context` with the user's `template` file, or the shipped template `name`."""
    try:
        if template is not None:
            if not template.is_file():
                raise TemplateProblem(f"template {template}: no such file")
            env = environment(fmt, template.resolve().parent)
            tpl = env.get_template(template.name)
        else:
            tpl = environment(fmt).get_template(name.format(fmt=fmt))
        return tpl.render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateProblem(f"template not found: {exc.name} (looked in {templates_dir()})") from None
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateProblem(f"{_where(exc, template or name.format(fmt=fmt))}: {exc} (templates run in a "
                              "sandbox: no names starting with _, no changes to the data)") from None
    except jinja2.TemplateError as exc:
        raise TemplateProblem(f"{_where(exc, template or name.format(fmt=fmt))}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise TemplateProblem(f"template {template}: not UTF-8 ({exc.reason})") from None


def _where(exc: BaseException, fallback: object) -> str:
    """`file:line` of the template line that failed (jinja2 rewrites the traceback so its frames
    name template files and lines), else the template's name."""
    where, tb = f"template {fallback}", exc.__traceback__
    while tb is not None:
        if "__jinja_exception__" in tb.tb_frame.f_globals:  # a frame standing for a template line
            where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where


def render_report(plan: Plan, cutoff: date, fmt: str = "md", lang: str = "sq",
                  template: Path | None = None, institution: str | None = None) -> str:
    """One report: the whole plan, or one body's activities."""
    return render(build_context(plan, cutoff, lang, institution), fmt, template)


def report_files(plan: Plan, cutoff: date, fmt: str = "md", lang: str = "sq",
                 template: Path | None = None) -> dict[str, str]:
    """`--per-institution`: {file name: text}, one report per involved body plus `index.<fmt>`."""
    names = slugs(report_bodies(plan))
    files = {f"{stem}.{fmt}": render_report(plan, cutoff, fmt, lang, template, inst)
             for inst, stem in names.items()}
    index = build_index(plan, cutoff, lang, {inst: f"{stem}.{fmt}" for inst, stem in names.items()})
    return {**files, f"index.{fmt}": render(index, fmt, name=INDEX)}


def write_text(path: Path, text: str) -> None:
    """Write a report atomically (see edit.write_file), so a reader never sees half of one."""
    from .edit import write_file

    write_file(path, text.encode("utf-8"))
