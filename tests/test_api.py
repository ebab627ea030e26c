"""The public API (`ap_cli.__all__`): every name resolves, `import ap_cli` loads none of the heavy
libraries, `open_plan` refuses exactly as `require` says, errors form one family, and the
documented example prints what its page shows."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from ap_cli.diagnostics import Diagnostic
from ap_cli.errors import ApcliError, InvalidArgument, PlanInvalid
from conftest import MINI_PLAN, ROOT

ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
EXAMPLE = ROOT / "examples" / "overdue_per_pillar.py"
PAGE = ROOT / "docs" / "how-to" / "python.md"
HEAVY = ("pydantic", "ruamel", "jinja2", "rich", "typer", "filelock")


def python(code: str, *args: str, cwd: Path = ROOT) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=ENV, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_import_ap_cli_loads_no_heavy_library() -> None:
    code = f"import sys, ap_cli; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    assert python(code).strip() == "[]"
    code = "import sys, ap_cli; print(sorted(m for m in sys.modules if m.startswith('ap_cli')))"
    assert python(code).strip() == "['ap_cli']"


def test_every_public_name_resolves_from_a_fresh_interpreter() -> None:
    code = ("import ap_cli\n"
            "for name in ap_cli.__all__:\n"
            "    value = getattr(ap_cli, name)\n"
            "    assert value is not None, name\n"
            "    assert name in dir(ap_cli), name\n"
            "print(len(ap_cli.__all__))")
    import ap_cli

    assert python(code).strip() == str(len(ap_cli.__all__))
    assert set(ap_cli.__all__) == {"__version__", *ap_cli._EXPORTS}
    assert set(ap_cli.__all__) >= {"open_plan", "ApcliError", "PlanInvalid", "Plan", "overdue", "upcoming",
                                   "by_institution", "stats", "timeliness", "state_at", "render_report",
                                   "diff_plans", "render_diff", "__version__"}


def test_an_unknown_name_is_an_attribute_error_and_submodules_still_import() -> None:
    import ap_cli

    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        ap_cli.nothing  # noqa: B018
    from ap_cli import queries

    assert ap_cli.overdue is queries.overdue


def test_the_cli_starts_without_the_public_api_loading_the_plan_modules() -> None:
    code = ("import sys; import ap_cli.cli; "
            "print(sorted(m for m in ('pydantic', 'jinja2', 'ap_cli.queries', 'ap_cli.loader') if m in sys.modules))")
    assert python(code).strip() == "[]"


def test_the_library_never_imports_the_cli() -> None:
    """Nor typer or click: exit codes and messages for a terminal are the command line's alone."""
    for path in (ROOT / "src" / "ap_cli").glob("*.py"):
        if path.name == "__main__.py":  # `python -m ap_cli` is the command line
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] not in ("typer", "click"), path.name
                    assert not alias.name.startswith("ap_cli.cli"), path.name
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith(("cli", "ap_cli.cli")), path.name
                assert node.level or (node.module or "").split(".")[0] not in ("typer", "click"), path.name
                assert not (node.level == 1 and node.module is None
                            and any(a.name == "cli" for a in node.names)), path.name


# ----------------------------------------------------------------------------- open_plan


def test_open_plan_finds_loads_and_checks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import ap_cli

    plan = ap_cli.open_plan(MINI_PLAN)
    assert isinstance(plan, ap_cli.Plan)
    monkeypatch.setenv("APCLI_PLAN", str(MINI_PLAN))
    assert [a.ref for a in ap_cli.open_plan().activities] == [a.ref for a in plan.activities]


def _broken(tmp_path: Path, with_checks_only: bool) -> Path:
    import shutil

    plan = tmp_path / "plan"
    shutil.copytree(MINI_PLAN, plan)
    pillar = sorted(p for p in plan.glob("*.yaml") if p.name not in ("plan.yaml", "institutions.yaml"))[0]
    text = pillar.read_text(encoding="utf-8")
    if with_checks_only:  # a body no registry names: a cross-file finding, each file still valid
        text, n = re.subn(r"responsible: \[PSH, ZKKA\]", "responsible: [PSH, NO-SUCH-BODY]", text, count=1)
    else:  # a schema error
        text, n = re.subn(r"\ntitle: ", "\ntitel: ", text, count=1)
        if not n:
            text, n = text + "\nunknown_field: 1\n", 1
    assert n == 1
    pillar.write_text(text, encoding="utf-8")
    return plan


@pytest.mark.parametrize("require, refused", [("clean", True), ("valid", False), ("readable", False)])
def test_a_cross_file_finding_is_refused_only_when_clean_is_required(tmp_path: Path, require: str,
                                                                     refused: bool) -> None:
    import ap_cli

    plan_dir = _broken(tmp_path, with_checks_only=True)
    found = ap_cli.check_plan(plan_dir)
    assert found.plan is not None and found.errors, "the fixture needs a cross-file error"
    if refused:
        with pytest.raises(ap_cli.PlanInvalid) as caught:
            ap_cli.open_plan(plan_dir, require=require)  # type: ignore[arg-type]
        assert caught.value.diagnostics == found.errors
        assert str(caught.value) == "the plan has errors (run `apcli check`); no answer given"
    else:
        assert isinstance(ap_cli.open_plan(plan_dir, require=require), ap_cli.Plan)  # type: ignore[arg-type]


@pytest.mark.parametrize("require, refused", [("clean", True), ("valid", True), ("readable", False)])
def test_a_schema_error_is_refused_unless_readable_is_enough(tmp_path: Path, require: str, refused: bool) -> None:
    import ap_cli

    plan_dir = _broken(tmp_path, with_checks_only=False)
    if refused:
        with pytest.raises(ap_cli.PlanInvalid) as caught:
            ap_cli.open_plan(plan_dir, require=require)  # type: ignore[arg-type]
        assert caught.value.diagnostics and all(d.severity == "error" for d in caught.value.diagnostics)
    else:
        ap_cli.open_plan(plan_dir, require=require)  # type: ignore[arg-type]


def test_no_plan_at_all_is_refused_whatever_is_required(tmp_path: Path) -> None:
    import ap_cli

    for require in ("clean", "valid", "readable"):
        with pytest.raises(ap_cli.PlanInvalid) as caught:
            ap_cli.open_plan(tmp_path, require=require)
        assert caught.value.diagnostics[0].code == "no-plan"


def test_an_unknown_require_is_an_invalid_argument() -> None:
    import ap_cli

    with pytest.raises(ap_cli.InvalidArgument, match="unknown require 'strict'; use one of: clean, valid, readable"):
        ap_cli.open_plan(MINI_PLAN, require="strict")  # type: ignore[arg-type]


def test_cutoff_reads_as_of_and_defaults_to_yesterday() -> None:
    import ap_cli
    from ap_cli.dates import default_cutoff

    assert ap_cli.cutoff("2009-06") == date(2009, 6, 30)
    assert ap_cli.cutoff(None) == default_cutoff() == date.fromordinal(date.today().toordinal() - 1)
    with pytest.raises(ap_cli.InvalidArgument, match="cannot read as-of"):
        ap_cli.cutoff("someday")


# ----------------------------------------------------------------------------- one error family


def test_every_library_exception_is_an_apcli_error() -> None:
    from ap_cli import edit, formatting, gitsource, institutions, language, periods, refs, render, source, stamp
    from ap_cli.errors import ApcliError, InvalidArgument, PlanInvalid

    usage = [refs.RefError, institutions.UnknownInstitution, language.LanguageError, periods.DeadlineError,
             render.TemplateProblem, render.OutProblem, gitsource.SideError]
    work = [edit.EditError, edit.WriteError, formatting.FormatError, stamp.StampError, source.YamlProblem,
            gitsource.RevisionUnreadable, PlanInvalid]
    assert all(issubclass(e, InvalidArgument) for e in usage)
    assert all(issubclass(e, ApcliError) and not issubclass(e, InvalidArgument) for e in work)
    # what callers caught before still catches them
    assert issubclass(refs.RefError, LookupError) and issubclass(periods.DeadlineError, ValueError)
    assert not hasattr(gitsource.SideError("x"), "code")  # no exit code below the command line


def test_every_exception_class_in_the_library_is_in_the_family() -> None:
    from ap_cli.errors import ApcliError

    for path in sorted((ROOT / "src" / "ap_cli").rglob("*.py")):
        if "cli" in path.relative_to(ROOT / "src" / "ap_cli").parts[:1]:
            continue
        module = ".".join(path.relative_to(ROOT / "src").with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                cls = getattr(__import__(module, fromlist=["_"]), node.name)
                if isinstance(cls, type) and issubclass(cls, BaseException):
                    assert issubclass(cls, ApcliError), f"{module}.{node.name}"


def test_a_yaml_problem_is_a_located_diagnostic() -> None:
    from ap_cli.source import YamlProblem

    d = YamlProblem(3, 5, "yaml-syntax", "bad").at("plan/x.yaml")
    assert d.text() == "plan/x.yaml:3:5: [error] bad (yaml-syntax)"


# ----------------------------------------------------------------------------- the documented example

EXPECTED = """\
Overdue as of 2009-06-30, per pillar
pillar  activities  overdue  unreported  title (unofficial English)
I               55       26          23  Prosecution and criminal justice
II              59       37          37  Protection
III             59       16          16  Prevention
IV              53       30          30  Coordination
all            226      109         106
"""


def test_the_example_prints_overdue_work_per_pillar(tmp_path: Path) -> None:
    env = {k: v for k, v in ENV.items() if k != "APCLI_PLAN"}
    done = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == EXPECTED


def test_the_page_shows_the_example_and_its_output() -> None:
    page = PAGE.read_text(encoding="utf-8")
    shown = re.search(r"```console\n\$ python examples/overdue_per_pillar.py\n(.*?)```", page, re.S)
    assert shown and shown.group(1) == EXPECTED
    code = EXAMPLE.read_text(encoding="utf-8")
    body = code[code.index('"""', 3) + 3:].lstrip("\n")  # the script without its docstring
    assert f"```python\n{body}```" in page


# ----------------------------------------------------------------------------- the command line's one mapping


def _diag(n: int) -> Diagnostic:
    from ap_cli.diagnostics import error

    return error("plan/plan.yaml", n, 1, "yaml-syntax", f"problem {n}")


@pytest.mark.parametrize("make, code, text", [
    (lambda: InvalidArgument("unknown body 'X'"), 2, "apcli: unknown body 'X'\n"),
    (lambda: ApcliError("cannot write f"), 1, "apcli: cannot write f\n"),
    (lambda: ApcliError("located", [_diag(3)]),
     1, "plan/plan.yaml:3:1: [error] problem 3 (yaml-syntax)\napcli: located\n"),
    (lambda: PlanInvalid([_diag(n) for n in range(1, 13)]), 1,
     "".join(f"plan/plan.yaml:{n}:1: [error] problem {n} (yaml-syntax)\n" for n in range(1, 11))
     + "… and 2 more\napcli: the plan has errors (run `apcli check`); no answer given\n"),
    (lambda: FileNotFoundError(2, "No such file or directory", "gone.yaml"), 1,
     "apcli: gone.yaml: No such file or directory\n"),
])
def test_the_cli_maps_every_error_in_one_place(capsys: pytest.CaptureFixture[str], make: Callable[[], Exception],
                                               code: int, text: str) -> None:
    from ap_cli.cli.errors import exit_for

    done = exit_for(make())
    assert done is not None and done.exit_code == code
    assert capsys.readouterr().err == text


def test_a_bug_keeps_its_traceback() -> None:
    from ap_cli.cli.errors import exit_for

    assert exit_for(KeyError("x")) is None


def test_every_command_is_guarded_and_checks_its_text() -> None:
    import typer

    from ap_cli.cli import app
    from ap_cli.cli.options import TextCommand

    def commands(t: typer.Typer) -> list[typer.models.CommandInfo]:
        found = list(t.registered_commands)
        for group in t.registered_groups:
            assert group.typer_instance is not None
            found += commands(group.typer_instance)
        return found

    infos = commands(app)
    assert sorted(info.name or getattr(info.callback, "__name__", "") for info in infos) == [
        "add", "by-institution", "check", "deadline", "deadlines", "diff", "export", "fmt", "import", "init",
        "institutions", "list", "overdue", "report", "reporting", "schema", "show", "site", "stats", "template",
        "trend", "upcoming"]
    for info in infos:
        assert info.cls is TextCommand and getattr(info.callback, "guarded", False), info.name
