"""The parse cache: unchanged files skip the parser, a changed file is never served stale, and
a missing, unwritable or corrupt cache changes nothing but speed."""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import pytest

from ap_cli import cache, source
from ap_cli.diagnostics import Diagnostic
from ap_cli.loader import load_plan
from conftest import DATA, Run


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache-home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv("APCLI_CACHE", raising=False)
    return home / "apcli"


def entries(directory: Path) -> list[Path]:
    """The tree entries (content that is not clean)."""
    return sorted(directory.glob("*.entry")) if directory.exists() else []


def built(directory: Path) -> list[Path]:
    """The built entries (clean content)."""
    return sorted(directory.glob("*.built")) if directory.exists() else []


def warm(run: Run, plan: Path) -> tuple[str, str]:
    """Answers after the plan was read at least twice (entries are written on the second read)."""
    answers(run, plan)
    return answers(run, plan)


def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str) -> None:
        raise AssertionError("parsed although the cache holds this file")
    monkeypatch.setattr(source, "parse_text", refuse)


def answers(run: Run, plan: Path) -> tuple[str, str]:
    checked = run("check", "--format", "json", "--plan", plan)
    exported = run("export", "--format", "json", "--plan", plan)
    return checked.stdout, exported.stdout


def test_content_read_once_is_not_encoded(cache_home: Path, mini_plan: Path) -> None:
    load_plan(mini_plan)
    assert entries(cache_home) == built(cache_home) == [] and len(list(cache_home.glob("*.seen"))) == 5
    load_plan(mini_plan)
    # clean files are kept as what was built from them, not as trees
    assert len(built(cache_home)) == 5 and entries(cache_home) == [] and not list(cache_home.glob("*.seen"))


def test_third_load_comes_from_the_cache(cache_home: Path, mini_plan: Path, run: Run,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    first = warm(run, mini_plan)
    assert len(built(cache_home)) == 5  # plan, registry, two pillars, one progress file
    assert not list(cache_home.glob("*.seen"))
    no_parsing(monkeypatch)
    refuse_validation(monkeypatch)
    assert answers(run, mini_plan) == first


def test_what_the_cache_serves_is_what_the_loader_builds(cache_home: Path, mini_plan: Path) -> None:
    cold, cold_diags = load_plan(mini_plan)
    load_plan(mini_plan)
    served, served_diags = load_plan(mini_plan)
    assert len(built(cache_home)) == 5
    assert cold is not None and served is not None and served == cold and served_diags == cold_diags
    # equality leaves positions out; they must come back too
    assert [a.activity.where for a in served.activities] == [a.activity.where for a in cold.activities]
    assert [(a.file, a.pos, a.deadlines) for a in served.activities] == [(a.file, a.pos, a.deadlines)
                                                                         for a in cold.activities]
    assert [(p.file, p.pos, p.entry.where) for p in served.progress] == [(p.file, p.pos, p.entry.where)
                                                                        for p in cold.progress]
    assert served.meta.where == cold.meta.where
    assert [i.where for i in served.registry.institutions] == [i.where for i in cold.registry.institutions]


def test_a_pillar_is_built_again_for_another_period_or_name(cache_home: Path, mini_plan: Path,
                                                             tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pillar's records hold its deadlines, read within the plan's period, and its file's name:
    the same content under another period or name is another entry."""
    warm_plan(mini_plan)
    plan_file = mini_plan / "plan.yaml"
    plan_file.write_text(plan_file.read_text(encoding="utf-8").replace('end: "2010-12"', 'end: "2009-06"'),
                         encoding="utf-8")
    moved = tmp_path / "elsewhere"
    mini_plan.rename(moved)
    served = [load_plan(moved)[0] for _ in range(3)]
    monkeypatch.setenv("APCLI_CACHE", "off")
    fresh, _ = load_plan(moved)
    assert fresh is not None and str(fresh.end) == "2009-06"
    assert {a.file for a in fresh.activities} == {str(moved / "1-provat.yaml"), str(moved / "2-mbrojtja.yaml")}
    for plan in served:
        assert plan is not None
        assert [(a.file, a.deadlines) for a in plan.activities] == [(a.file, a.deadlines) for a in fresh.activities]
    # the shorter period changes how some deadline reads (else this test would prove nothing)
    monkeypatch.delenv("APCLI_CACHE")
    before, _ = load_plan(DATA / "mini-plan")
    assert before is not None
    assert [a.deadlines for a in before.activities] != [a.deadlines for a in fresh.activities]


def warm_plan(plan: Path) -> None:
    load_plan(plan)
    load_plan(plan)


def test_a_changed_file_is_never_served_stale(cache_home: Path, mini_plan: Path, run: Run) -> None:
    warm(run, mini_plan)
    pillar = mini_plan / "2-mbrojtja.yaml"
    stat = pillar.stat()
    text = pillar.read_text(encoding="utf-8")
    changed = text.replace("Trajnimi i stafit", "Trajnimi i stafiT")  # same size
    pillar.write_text(changed, encoding="utf-8")
    os.utime(pillar, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime too
    exported = json.loads(run("export", "--format", "json", "--plan", mini_plan).stdout)
    assert "Trajnimi i stafiT" in [row["title"] for row in exported]


def test_positions_from_the_cache_are_the_parser_s(cache_home: Path, mini_plan: Path, run: Run,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    text = (mini_plan / "1-provat.yaml").read_text(encoding="utf-8")
    (mini_plan / "1-provat.yaml").write_text(text.replace("[DONATORET]", "[DONATORETX]"), encoding="utf-8")
    cold = run("check", "--plan", mini_plan).stdout
    assert "1-provat.yaml:26:25: [error]" in cold
    assert run("check", "--plan", mini_plan).stdout == cold  # the entries are written
    no_parsing(monkeypatch)
    assert run("check", "--plan", mini_plan).stdout == cold


DAMAGE = {
    "empty": lambda b: b"",
    "truncated": lambda b: b[: len(b) // 2],
    "payload-byte-flipped": lambda b: b[:-10] + bytes([b[-10] ^ 1]) + b[-9:],
    "digit-changed": lambda b: b.replace(b",4,", b",5,", 1),
    "garbage": lambda b: os.urandom(len(b)),
    "other-format": lambda b: b.replace(b"apcli-parse-cache 2", b"apcli-parse-cache 9", 1).replace(
        b"apcli-built 1", b"apcli-built 9", 1),
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_corrupt_cache_is_a_miss(cache_home: Path, mini_plan: Path, run: Run,
                                   damage: Callable[[bytes], bytes]) -> None:
    expected = warm(run, mini_plan)
    plan = mini_plan / "2-mbrojtja.yaml"  # one file that is not clean, so that it has a tree entry
    plan.write_text(plan.read_text(encoding="utf-8").replace('"Strehëzat"', '"Streh\u200bëzat"', 1),
                    encoding="utf-8")
    expected = warm(run, mini_plan)
    assert len(entries(cache_home)) == 1 and len(built(cache_home)) >= 4
    for entry in entries(cache_home) + built(cache_home):
        entry.write_bytes(damage(entry.read_bytes()))
    for _ in range(3):  # a miss, a miss that rewrites the entry, a hit
        assert answers(run, mini_plan) == expected


def test_a_well_formed_entry_of_the_wrong_shape_is_a_miss(cache_home: Path, mini_plan: Path, run: Run) -> None:
    import hashlib
    import itertools
    import marshal

    expected = answers(run, mini_plan)  # read once: nothing kept yet
    trees: list[Any] = [[0, 1, 1, ["only", "three", "items"]], "a text", (0, (1, 1), ["x"], {}, {}, ()),
                           (0, (1, 1), {"a": 1}, {}, {}, ()), (1, (1, 1), [1, 2], [(1, 1)], ()), (2, 1)]
    keys = [cache.Content(path).key for path in sorted(mini_plan.rglob("*.yaml"))]
    assert len(keys) == 5 and None not in keys
    for key, tree in zip(keys, itertools.cycle(trees), strict=False):
        payload = marshal.dumps(tree)
        (cache_home / f"{key}.entry").write_bytes(cache.HEADER + hashlib.sha256(payload).hexdigest().encode()
                                                  + b"\n" + payload)
    assert answers(run, mini_plan) == expected


def test_a_built_entry_of_the_wrong_kind_is_a_miss(cache_home: Path, mini_plan: Path, run: Run) -> None:
    import hashlib
    import pickle

    expected = warm(run, mini_plan)
    # none of these can be what a file makes (an empty tuple could: a file with no entries)
    for value in ["a text", (1, 2), None, {"a": 1}, ("not", "records"), (("a", "b"), ())]:
        payload = pickle.dumps(value)
        for entry in built(cache_home):
            entry.write_bytes(cache.BUILT_HEADER + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
        assert answers(run, mini_plan) == expected, value


class Trap:
    """What a hostile pickle would make: unpickling it calls `os.system`."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return os.system, (f"touch {self.marker}",)


def test_a_built_entry_cannot_call_anything_but_apcli_s_records(cache_home: Path, mini_plan: Path, run: Run,
                                                               tmp_path: Path) -> None:
    import hashlib
    import pickle

    expected = warm(run, mini_plan)
    marker = tmp_path / "ran"
    for entry in built(cache_home):
        payload = pickle.dumps(Trap(marker))
        entry.write_bytes(cache.BUILT_HEADER + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
    assert answers(run, mini_plan) == expected
    assert not marker.exists()


def test_an_unwritable_cache_only_costs_speed(tmp_path: Path, mini_plan: Path, run: Run,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    expected = answers(run, mini_plan)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker / "below"))
    assert answers(run, mini_plan) == expected
    cache_home = tmp_path / "ro"
    cache_home.mkdir(mode=0o500)
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    assert answers(run, mini_plan) == expected


def test_cache_off(cache_home: Path, mini_plan: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APCLI_CACHE", "off")
    answers(run, mini_plan)
    assert not cache_home.exists()


def test_a_new_parser_does_not_read_old_entries(cache_home: Path, mini_plan: Path, run: Run,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    warm(run, mini_plan)
    monkeypatch.setattr(cache, "_FINGERPRINT", [b"another parser"])
    parsed = []
    real = source.parse_text
    def counted(text: str) -> object:
        parsed.append(1)
        return real(text)

    monkeypatch.setattr(source, "parse_text", counted)
    load_plan(mini_plan)
    assert len(parsed) == 5


def test_files_with_problems_are_not_cached(cache_home: Path, mini_plan: Path) -> None:
    (mini_plan / "2-mbrojtja.yaml").write_bytes(b"pillar: &a II\n")
    load_plan(mini_plan)
    _plan, diags = load_plan(mini_plan)
    assert [d.code for d in diags if d.severity == "error"] == ["yaml-anchor"]
    assert len(built(cache_home)) == 4 and entries(cache_home) == []


def test_an_invalid_file_is_kept_as_its_tree_and_still_reported(cache_home: Path, mini_plan: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    pillar = mini_plan / "2-mbrojtja.yaml"
    pillar.write_text(pillar.read_text(encoding="utf-8").replace('title: "Strehëzat"', 'titel: "Strehëzat"', 1),
                      encoding="utf-8")
    _, first = load_plan(mini_plan)
    load_plan(mini_plan)
    assert len(entries(cache_home)) == 1 and len(built(cache_home)) == 4
    no_parsing(monkeypatch)
    _, third = load_plan(mini_plan)
    assert third == first and "unknown-field" in [d.code for d in third]


def test_the_cache_stays_bounded(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "MAX_ENTRIES", 20)
    cache_home.mkdir(parents=True)
    for i in range(200):
        data = source.parse_text(f"k: {i}\n")
        cache._store(cache_home, f"0{i:063x}", data)  # a key starting with 0 triggers the check
    assert len(entries(cache_home)) <= 20


# ----------------------------------------------------------------------------- built entries


def refuse_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    from ap_cli import loader

    def refuse(*args: object, **kwargs: object) -> NoReturn:
        raise AssertionError("validated although the cache knows this content is valid")
    monkeypatch.setattr(loader, "_valid", refuse)


def test_new_code_does_not_use_old_built_entries(cache_home: Path, mini_plan: Path, run: Run,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    warm(run, mini_plan)
    monkeypatch.setattr(cache, "_BUILT_FINGERPRINT", [b"another model"])
    from ap_cli import loader

    validated: list[str] = []
    real = loader._valid

    def recording(kind: str, *args: Any, **kwargs: Any) -> list[Diagnostic]:
        validated.append(kind)
        return real(kind, *args, **kwargs)
    monkeypatch.setattr(loader, "_valid", recording)
    load_plan(mini_plan)
    assert set(validated) == {"plan", "institution", "pillar", "progress"} and validated.count("pillar") == 2


def test_an_edit_that_breaks_a_valid_file_is_reported(cache_home: Path, mini_plan: Path, run: Run) -> None:
    warm(run, mini_plan)
    pillar = mini_plan / "2-mbrojtja.yaml"
    pillar.write_text(pillar.read_text(encoding="utf-8").replace('title: "Strehëzat"', 'titel: "Strehëzat"', 1),
                      encoding="utf-8")
    for _ in range(3):
        _, diags = load_plan(mini_plan)
        assert "unknown-field" in [d.code for d in diags]


def test_a_warm_query_imports_neither_the_models_nor_the_parser(cache_home: Path, mini_plan: Path) -> None:
    """The query path: `apcli overdue` served from the cache imports no pydantic model, no YAML
    parser, and none of the writing, diff, report or export modules."""
    import subprocess
    import sys

    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home.parent), "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("APCLI_CACHE", None)
    query = ["overdue", "--as-of", "2009-06", "--format", "json", "--plan", str(mini_plan)]
    code = ("import runpy, sys; sys.argv = ['apcli', *sys.argv[1:]]\n"
            "try:\n    runpy.run_module('ap_cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "sys.stderr.write(repr(sorted(sys.modules)))")
    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", code, *query], env=env, capture_output=True, text=True)
    modules = set(ast.literal_eval(done.stderr.splitlines()[-1]))
    assert json.loads(done.stdout)
    loaded = {m for m in modules if m.startswith("ap_cli.") and not m.startswith("ap_cli.cli.")}
    assert {"ap_cli.model", "ap_cli.edit", "ap_cli.diff", "ap_cli.report", "ap_cli.render"} & loaded == set()
    assert not {m for m in modules if m.startswith(("ruamel.yaml", "_ruamel_yaml", "jinja2", "openpyxl",
                                                    "icalendar", "sqlite3", "playwright"))}
    # the command line loads only the group that defines `overdue`
    assert {m for m in modules if m.startswith("ap_cli.cli.")} <= {"ap_cli.cli.app", "ap_cli.cli.errors",
                                                                   "ap_cli.cli.options", "ap_cli.cli.queries"}
    # the whole query path, so that a new import on it is a decision, not an accident
    assert loaded <= {"ap_cli.__main__", "ap_cli.cli", "ap_cli.language", "ap_cli.output", "ap_cli.diagnostics",
                      "ap_cli.queries", "ap_cli.domain", "ap_cli.institutions", "ap_cli.refs", "ap_cli.periods",
                      "ap_cli.translation", "ap_cli.plan", "ap_cli.checks", "ap_cli.source", "ap_cli.cache",
                      "ap_cli.loader", "ap_cli.progress", "ap_cli.dates", "ap_cli.sensitive",
                      "ap_cli.app", "ap_cli.errors", "ap_cli.views", "ap_cli.record",
                      "ap_cli.bilingual"}, sorted(loaded)


def test_hidden_characters_are_warned_about_on_every_run(cache_home: Path, mini_plan: Path) -> None:
    pillar = mini_plan / "2-mbrojtja.yaml"
    pillar.write_text(pillar.read_text(encoding="utf-8").replace('"Strehëzat"', '"Streh\u200bëzat"', 1),
                      encoding="utf-8")
    for _ in range(3):
        _, diags = load_plan(mini_plan)
        assert [d.code for d in diags if d.file.endswith("2-mbrojtja.yaml")] == ["invisible-character"]
    assert len(built(cache_home)) == 4  # every file but that one
    assert len(entries(cache_home)) == 1  # that one is kept as its tree, and checked again each time
