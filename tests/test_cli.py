"""Every command through the CLI, on the fixture plan, with exact outputs and exit codes."""

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import MINI_PLAN, REAL_PLAN, Run

P = ("--plan", MINI_PLAN)


def test_overdue_plain_table(run: Run) -> None:
    result = run("overdue", "--as-of", "2009-06", *P)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "ref         lead     due         ≈  late (months)  state        deadline                            title",
        "I-1.(a).10  MB       2009-02-28  ≈  4              not_started  Dimër 2009                          Dimër me afat të saktë",  # noqa: E501
        "I-1.(a).6   MB       2009-03-31  ≈  3              suspended    Fillimi i 2009-ës                   Pezulluar",
        "I-1.(a).8   ZKKA     2009-03-31     3              not_started  Deri në mars të çdo viti pasardhës  Raport vjetor",  # noqa: E501
        "II-1.(a).1  MPÇSSHB  2009-03-31  ≈  3              not_started  Fundi i 2008 – fillimi i 2009       Hapja e strehëzave <b>të reja</b>",  # noqa: E501
        "I-1.(a).1   PSH      2009-06-30     0              not_started  qershor 2009                        Afati në muajin e cut-off",  # noqa: E501
        "I-1.(a).9   MPÇSSHB  2009-06-30  ≈  0              not_started  Mesi i 2009-ës                      Dy etapa",
        "6 overdue as of 2009-06-30 (4 with approximate deadlines ≈); 5 with no progress reported",
    ]
    assert "\x1b[" not in result.stdout


def test_overdue_json(run: Run) -> None:
    data = json.loads(run("overdue", "--as-of", "2009Q2", "--format", "json", *P).stdout)
    assert list(data[1]) == ["ref", "title", "lead", "responsible", "deadline", "due", "months_late", "approx",
                             "state", "evidence", "title_en", "deadline_en"]
    assert data[1] == {"ref": "I-1.(a).6", "title": "Pezulluar", "lead": "MB", "responsible": ["MB"],
                       "deadline": "Fillimi i 2009-ës", "due": "2009-03-31", "months_late": 3, "approx": True,
                       "state": "suspended", "evidence": None, "title_en": None, "deadline_en": "Beginning of 2009"}


def test_overdue_json_is_utf8_unescaped(run: Run) -> None:
    out = run("overdue", "--as-of", "2009-06", "--format", "json", *P).stdout
    assert "MPÇSSHB" in out and "\\u" not in out


def test_overdue_csv_and_md(run: Run) -> None:
    rows = list(csv.DictReader(io.StringIO(run("overdue", "--as-of", "2009-06", "--format", "csv", *P).stdout)))
    assert [r["ref"] for r in rows] == ["I-1.(a).10", "I-1.(a).6", "I-1.(a).8", "II-1.(a).1", "I-1.(a).1",
                                        "I-1.(a).9"]
    md = run("overdue", "--as-of", "2009-06", "--format", "md", *P).stdout
    assert "| II-1.(a).1 | MPÇSSHB | 2009-03-31 | ≈ | 3 | not\\_started | Fundi i 2008 – fillimi i 2009 | " \
           "Hapja e strehëzave \\<b\\>të reja\\</b\\> |" in md


def test_overdue_filters(run: Run) -> None:
    out = run("overdue", "--as-of", "2009-06", "--institution", "mpcsshb", "--format", "csv", *P).stdout
    assert [r["ref"] for r in csv.DictReader(io.StringIO(out))] == ["II-1.(a).1", "I-1.(a).9"]
    out = run("overdue", "--as-of", "2009-06", "--pillar", "mbrojtja", "--format", "csv", *P).stdout
    assert [r["ref"] for r in csv.DictReader(io.StringIO(out))] == ["II-1.(a).1"]
    out = run("overdue", "--as-of", "2009-06", "--institution", "MB", "--role", "support", "--format", "csv",
              *P).stdout
    assert [r["ref"] for r in csv.DictReader(io.StringIO(out))] == ["I-1.(a).1"]


def test_fail_if_any(run: Run) -> None:
    assert run("overdue", "--as-of", "2009-06", "--fail-if-any", *P).exit_code == 1
    assert run("overdue", "--as-of", "2008-06", "--fail-if-any", *P).exit_code == 0


@pytest.mark.parametrize("args,message", [
    (("overdue", "--as-of", "June"), "cannot read as-of 'June'"),
    (("overdue", "--format", "xml"), "unknown format 'xml'"),
    (("overdue", "--institution", "MPCSHB"), "unknown institution 'MPCSHB'; did you mean MPÇSSHB"),
    (("overdue", "--pillar", "VII"), "unknown pillar 'VII'"),
    (("overdue", "--role", "boss"), "unknown role 'boss'"),
    (("upcoming", "--within", "soon"), "cannot read horizon 'soon'"),
    (("show", "II-9.(z).9"), "no activity 'II-9.(z).9'"),
    (("by-institution", "Ministria e Bujqësisë"), "unknown institution 'Ministria e Bujqësisë'"),
    (("list", "--status", "late"), "unknown status 'late'"),
    (("export", "--format", "xml"), "unknown format 'xml'; use one of: json, csv, xlsx, ics, sqlite\n"),
    (("export", "--format", "xml", "--out", "x.xml"), "unknown format 'xml'"),
])
def test_usage_errors_exit_2(run: Run, args: tuple[str, ...], message: str) -> None:
    result = run(*args, *P)
    assert result.exit_code == 2
    assert message in result.stderr


@pytest.mark.parametrize("name,message", [("", "empty path"), ("  ", "blank path (2 space(s))")])
def test_init_refuses_an_empty_folder_name_and_writes_nothing(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              name: str, message: str) -> None:
    monkeypatch.chdir(tmp_path)  # typer reads "" as ".": without the check, init wrote here
    result = run("init", name)
    assert result.exit_code == 2
    assert f"Invalid value for 'directory': {message}" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_fmt_and_fmt_stamp_never_replace_a_linked_plan_file(run: Run, tmp_path: Path) -> None:
    """Both walk the files with one loop (`writes._rewrite`): a linked file is refused before
    anything is read or offered, named by the link, and the other files are still done."""
    plan = tmp_path / "plan"
    shutil.copytree(REAL_PLAN, plan)
    real = tmp_path / "pillar-1.yaml"
    real.write_text("".join(line for line in (plan / "1-ndjekja.yaml").read_text("utf-8").splitlines(keepends=True)
                            if "en_from:" not in line) + "\n\n", "utf-8")  # to stamp and to format
    (plan / "1-ndjekja.yaml").unlink()
    (plan / "1-ndjekja.yaml").symlink_to(real)
    before = real.read_bytes()
    refusal = (f"{plan / '1-ndjekja.yaml'}:0:0: [error] a symbolic link; fmt never replaces a link "
               "(format the file it points to) (symlink)")
    for args in (["--stamp", "--check"], ["--check"], ["--stamp"], []):
        result = run("fmt", *args, "--plan", plan)
        assert result.exit_code == 1 and refusal in result.stderr.splitlines(), args
        assert "1-ndjekja" not in result.stdout and "pillar-1" not in result.stdout + result.stderr, args
        assert (plan / "1-ndjekja.yaml").is_symlink() and real.read_bytes() == before


def test_init_says_how_to_go_on_in_a_line_a_shell_can_run(run: Run, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("init", "zkka plan")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "wrote zkka plan/plan/1-ndjekja.yaml"
    assert result.stdout.splitlines()[-1] == "next: cd 'zkka plan' && git init && apcli check"


def test_init_never_replaces_a_link_even_one_to_nothing(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "repo"
    target.mkdir()
    (target / ".gitignore").symlink_to(tmp_path / "nowhere")
    result = run("init", target)
    assert result.exit_code == 1
    assert result.stderr == f"apcli: {target}/.gitignore: already exists; `apcli init` writes only into a folder " \
        "without a plan\n"
    assert [p.name for p in target.iterdir()] == [".gitignore"]
    assert (target / ".gitignore").is_symlink() and not (tmp_path / "nowhere").exists()


def test_upcoming(run: Run) -> None:
    assert run("upcoming", "--as-of", "2009-06", *P).stdout.splitlines() == [
        "ref        lead     due         ≈  state        deadline     title",
        "I-1.(a).2  MPÇSSHB  2009-07-31     not_started  korrik 2009  Afati një muaj pas cut-off",
        "1 due after 2009-06-30 up to 2009-09-30",
    ]
    data = json.loads(run("upcoming", "--as-of", "2009-06", "--within", "6m", "--format", "json", *P).stdout)
    assert [d["ref"] for d in data] == ["I-1.(a).2", "II-1.(a).1.1"]


@pytest.mark.parametrize("name", ["MPÇSSHB", "MPCSSHB", "mpçsshb",
                                  "Ministria e Punës, Çështjeve Sociale dhe Shanseve të Barabarta"])
def test_by_institution_spellings_agree(run: Run, name: str) -> None:
    result = run("by-institution", name, "--as-of", "2009-06", *P)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "ref           role          due         state        standing  title",
        "I-1.(a).2     lead          2009-07-31  not_started  due soon  Afati një muaj pas cut-off",
        "I-1.(a).9     lead          2009-06-30  not_started  overdue   Dy etapa",
        "II-1.(a).1    lead, funder  2009-03-31  not_started  overdue   Hapja e strehëzave <b>të reja</b>",
        "II-1.(a).1.1  lead          2009-12-31  not_started  on track  Trajnimi i stafit",
        "MPÇSSHB (Ministria e Punës, Çështjeve Sociale dhe Shanseve të Barabarta) as of 2009-06-30: "
        "4 activities naming it (it belongs to no collective), each counted once in its strongest role, "
        "direct before via (lead 4, responsible 0, support 0); overdue 2, completed 0; "
        "reporting 2009Q2: 0 of 4 activities reported, no entry filed yet",
    ]


def test_by_institution_json(run: Run) -> None:
    data = json.loads(run("by-institution", "ZKKA", "--as-of", "2009-06", "--format", "json", *P).stdout)
    by_role = {"lead": 3, "responsible": 1, "support": 1}
    assert data["summary"] == {"institution": "ZKKA", "roles_counted": ["lead", "responsible", "support"],
                               "direct_only": False, "activities": 5, "by_role": by_role,
                               "direct": {"activities": 5, "by_role": by_role},
                               "via": {"activities": 0, "by_role": {"lead": 0, "responsible": 0, "support": 0},
                                       "by_collective": {}},
                               "for_all": {"activities": 0, "by_collective": {}}, "members": [], "member_of": [],
                               "overdue": 3, "completed": 2, "completed_late": 1,
                               "reporting": {"quarter": "2009Q2", "body": "ZKKA",
                                             "name": "Zyra e Koordinatorit Kombëtar për Anti-trafikimin",
                                             "name_en": "Office of the National Anti-Trafficking Coordinator",
                                             "asked": 4, "reported": 1, "missing": 3,
                                             "missing_refs": ["I-1.(a).8", "II-1.(a).1", "I-1.(a).1"],
                                             "last_entry": "2009-04-15"}}
    assert data["activities"][0] == {"ref": "I-1.(a).1", "title": "Afati në muajin e cut-off",
                                     "roles": ["responsible"], "reach": "direct", "via": None, "also_via": [],
                                     "deadlines": ["qershor 2009"], "due": "2009-06-30",
                                     "state": "not_started", "timeliness": "overdue", "title_en": None,
                                     "deadlines_en": ["June 2009"]}
    assert data["for_all"] == []


def test_show_lenient_ref(run: Run) -> None:
    out = run("show", "ii-1a1", "--as-of", "2009-06", *P).stdout
    assert out.splitlines() == [
        "II-1.(a).1  Hapja e strehëzave <b>të reja</b>",
        "",
        "pillar II · goal 1 · objective 1.(a): Strehëzat",
        "responsible: MPÇSSHB",
        "support: ZKKA",
        "resources: MPÇSSHB, DONATORET",
        "see: I-1.(a).1",
        "deadline: Fundi i 2008 – fillimi i 2009 → due 2009-03-31 ≈",
        "state at 2009-06-30: not_started (overdue)",
    ]
    assert run("show", "mbrojtja", "1.(a).1", "--as-of", "2009-06", *P).exit_code == 2  # two words: usage error


def test_show_json(run: Run) -> None:
    data = json.loads(run("show", "I-1.(a).4", "--as-of", "2009-06", "--format", "json", *P).stdout)
    assert data["state"] == "completed" and data["timeliness"] == "completed_late"
    assert data["progress"] == [{"ref": "I-1.(a).4", "date": "2009-04-15", "status": "completed",
                                 "evidence": "VKM nr. 1", "by": "ZKKA"}]


def test_list_filters(run: Run) -> None:
    out = run("list", "--status", "no_evidence", "--pillar", "1", "--as-of", "2009-06", "--format", "csv", *P).stdout
    assert [r["ref"] for r in csv.DictReader(io.StringIO(out))] == [
        "I-1.(a).1", "I-1.(a).2", "I-1.(a).8", "I-1.(a).9", "I-1.(a).10", "I-1.(a).11"]
    out = run("list", "--search", "STREHEZ", *P).stdout
    assert out.splitlines()[-1] == "1 of 13 activities"


def test_stats(run: Run) -> None:
    assert run("stats", "--as-of", "2009-06", *P).stdout.splitlines() == [
        "pillar  activities  completed  in progress  overdue  no evidence  ongoing  stale  no deadline  title",
        "I       11          2          1            5        6            1        0      1            PROVAT",
        "II      2           0          0            1        2            0        0      0            MBROJTJA",
        "all     13          2          1            6        8            1        0      1            Plani i vogël provë",  # noqa: E501
        "as of 2009-06-30",
    ]


def test_institutions_json(run: Run) -> None:
    data = json.loads(run("institutions", "--format", "json", *P).stdout)
    assert data[3] == {"id": "MPÇSSHB", "name": "Ministria e Punës, Çështjeve Sociale dhe Shanseve të Barabarta",
                       "name_en": "Ministry of Labour, Social Affairs and Equal Opportunities", "kind": "ministry",
                       "aliases": ["MPCSSHB", "MPÇSShB"], "lead_count": 4, "any_count": 4, "via_count": 0,
                       "for_all_count": 0, "members": [], "member_of": [], "open": None, "group": ""}


def test_deadline_command(run: Run) -> None:
    result = run("deadline", "Deri në mars të çdo viti pasardhës", "--format", "json")
    assert json.loads(result.stdout) == {"text": "Deri në mars të çdo viti pasardhës", "kind": "recurring",
                                         "start": "2008-01", "end": "2010-03", "due": "2010-03-31",
                                         "approx": False, "occurrences": ["2009-03-31", "2010-03-31"],
                                         "text_en": "By March of each year"}
    assert run("deadline", "Në vazhdim").stdout.splitlines() == [
        "phrase: Në vazhdim", "kind: ongoing", "start: 2008-01", "end: 2010-12", "due: never (ongoing)",
        "approximate: no", "in English: Ongoing"]
    bad = run("deadline", "kur të mundemi")
    assert bad.exit_code == 1 and "accepted forms" in bad.stderr


def test_deadlines_lists_every_phrase(run: Run) -> None:
    out = run("deadlines", "--format", "json", *P).stdout
    data = json.loads(out)
    assert len(data) == 13
    assert {"phrase": "Dimër 2009 [due: 2009-02]", "kind": "override", "start": "2009-02", "end": "2009-02",
            "due": "2009-02-28", "approx": "≈", "activities": 1, "refs": ["I-1.(a).10"]} in data


def test_export(run: Run) -> None:
    data = json.loads(run("export", *P).stdout)
    assert len(data) == 13
    assert data[8] == {"ref": "I-1.(a).9", "pillar": "I", "id": "1.(a).9", "title": "Dy etapa", "lead": "MPÇSSHB",
                       "responsible": ["MPÇSSHB", "PSH"], "support": [], "resources": ["DONATORET"],
                       "deadlines": ["Mesi i 2009-ës", "2010"], "due": ["2009-06-30", "2010-12-31"],
                       "indicators": ["Etapa e parë", "Etapa e dytë"],
                       "title_en": None, "deadlines_en": ["Mid-2009", "2010"], "indicators_en": [None, None],
                       "milestones": [
                           {"title": None, "title_en": None, "deadline": "Mesi i 2009-ës", "deadline_en": "Mid-2009",
                            "due": ["2009-06-30"], "indicators": ["Etapa e parë"], "indicators_en": [None]},
                           {"title": None, "title_en": None, "deadline": "2010", "deadline_en": "2010",
                            "due": ["2010-12-31"], "indicators": ["Etapa e dytë"], "indicators_en": [None]}],
                       "en_status": "unofficial translation"}
    rows = list(csv.DictReader(io.StringIO(run("export", "--format", "csv", *P).stdout)))
    assert rows[8]["deadlines"] == "Mesi i 2009-ës; 2010"


def test_check_clean_plan_and_formats(run: Run) -> None:
    result = run("check", *P)
    assert result.exit_code == 0
    assert result.stdout.endswith("I-1.(a).11 has no deadline (no-deadline)\n")
    assert run("check", "--strict", *P).exit_code == 1
    data = json.loads(run("check", "--format", "json", *P).stdout)
    assert data[0]["code"] == "no-deadline" and data[0]["line"] == 65 and data[0]["col"] == 13


def test_check_picks_github_format_on_actions(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert run("check", *P).stdout.startswith("::warning file=")


def test_queries_refuse_a_broken_plan(run: Run, mini_plan: Path) -> None:
    text = (mini_plan / "1-provat.yaml").read_text().replace("[PSH, ZKKA]", "[PSHX, ZKKA]")
    (mini_plan / "1-provat.yaml").write_text(text)
    result = run("overdue", "--as-of", "2009-06", "--plan", mini_plan)
    assert result.exit_code == 1
    assert "responsible names 'PSHX'" in result.stderr
    assert "the plan has errors" in result.stderr


def test_schema_command_matches_committed_copy(run: Run) -> None:
    from conftest import ROOT

    assert run("schema").stdout == (ROOT / "schema" / "apcli.schema.json").read_text()


def test_help_has_an_example_for_every_command(run: Run) -> None:
    from ap_cli.cli import app

    for command in app.registered_commands:
        assert command.callback is not None
        name = command.name or command.callback.__name__.replace("_", "-")
        result = run(name, "--help")
        assert result.exit_code == 0
        assert "Example: apcli" in result.stdout, name


def test_every_command_is_mapped_to_the_group_that_defines_it() -> None:
    """A run imports only the group its command names (cli.COMMANDS), so the map must be whole."""
    from ap_cli import cli

    app = cli.app
    found = {(c.name or c.callback.__name__.replace("_", "-")): c.callback.__module__.rpartition(".")[2]
             for c in app.registered_commands if c.callback is not None}
    found.update({g.name: "progress" for g in app.registered_groups if g.name})
    assert found == cli.COMMANDS
    assert set(cli.COMMANDS.values()) == set(cli.GROUPS)


def test_the_options_every_command_shares_are_spelled_alike() -> None:
    """--out is -o, --format is -f wherever a command has them (progress template's --out had no -o)."""
    import typer

    from ap_cli import cli

    def leaves(command: Any, path: str) -> list[tuple[str, Any]]:
        subcommands = getattr(command, "commands", None)
        if subcommands is None:
            return [(path, command)]
        return [leaf for name, sub in subcommands.items() for leaf in leaves(sub, f"{path} {name}".strip())]

    checked = 0
    for path, command in leaves(typer.main.get_command(cli.app), ""):
        for param in command.params:
            for long, short in (("--out", "-o"), ("--format", "-f")):
                if long in param.opts:
                    assert short in param.opts, f"{path} {long}"
                    checked += 1
    assert checked > 20


@pytest.mark.parametrize(("args", "env", "groups"), [
    (["overdue", "--as-of", "2009-06"], {}, ("queries",)),
    (["--no-pager", "check", "--help"], {}, ("checks",)),
    (["progress", "add"], {}, ("progress",)),
    (["init", "x"], {"PATH": "/bin"}, ("files",)),
    ([], {}, None), (["--help"], {}, None), (["--version"], {}, None), (["--no-pager"], {}, None),
    (["--install-completion"], {}, None), (["overdu"], {}, None), (["-f", "overdue"], {}, None),
    (["overdue"], {"_APCLI_COMPLETE": "complete_bash"}, None),
    (["overdue"], {"_TYPER_COMPLETE_ARGS": "apcli overdue --"}, None),
])
def test_a_run_loads_only_the_group_of_its_command(args: list[str], env: dict[str, str],
                                                    groups: tuple[str, ...] | None) -> None:
    from ap_cli import cli

    assert cli.groups_for(args, env) == (groups or cli.GROUPS)


def test_the_whole_app_lists_the_groups_in_order_whichever_was_loaded_first() -> None:
    import ast
    import os
    import subprocess
    import sys

    from ap_cli import cli

    code = ("from ap_cli import cli; cli.load(['files']); cli.load(['queries']); "
            "print([c.callback.__module__ for c in cli.app.registered_commands])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    modules = [m.rpartition(".")[2] for m in ast.literal_eval(done.stdout)]

    assert modules == sorted(modules, key=cli.GROUPS.index) and set(modules) == set(cli.GROUPS) - {"progress"}
