"""Benchmarks: startup of a query against its dependency floor, its peak memory, and `check` at scale.

    python benchmarks/bench.py                 # everything (N = 1, 10, 100 takes a few minutes)
    python benchmarks/bench.py --scales 1,10   # quicker

(a) `apcli overdue --as-of 2009-06` on the real plan against
    `python -c "import typer, pydantic, ruamel.yaml, rich"`, interleaved in one run, median
    wall time of subprocesses; also a minimal typer app with the same options (what typer
    alone costs to run a command) and apcli with its cache off.
(b) peak memory (ru_maxrss) of that command's process.
(c) `apcli check --plan DIR` on synthetic plans N times the real one (benchmarks/synth.py):
    with an empty cache, the second run (which writes the entries), a filled cache, no cache.

The real plan is copied first; pillars with errors are left out of the copy's plan.yaml (a
query refuses a plan with errors). Modules are byte-compiled first, as an installed wheel's
are. Results print as Markdown, ready for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
BASELINE = [PY, "-c", "import typer, pydantic, ruamel.yaml, rich"]
QUERY = ["overdue", "--as-of", "2009-06", "--format", "json"]

TYPER_FLOOR = """
from pathlib import Path
from typing import Optional
import typer
app = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)
@app.command()
def overdue(as_of: Optional[str] = typer.Option(None, "--as-of"),
            institution: Optional[str] = typer.Option(None, "--institution"),
            role: str = typer.Option("any", "--role"), pillar: Optional[str] = typer.Option(None, "--pillar"),
            fmt: str = typer.Option("table", "--format", "-f"),
            fail_if_any: bool = typer.Option(False, "--fail-if-any"),
            plan_dir: Optional[Path] = typer.Option(None, "--plan"),
            progress: Optional[Path] = typer.Option(None, "--progress")):
    pass
@app.command()
def other():
    pass
app()
"""


def measure(cmd: list[str], env: dict) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in MB, exit code) of one subprocess."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss // 1024, proc.returncode  # ru_maxrss is in KiB on Linux


def environment(cache: Path | None, src: Path = ROOT / "src") -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "APCLI_PLAN")}
    env["PYTHONPATH"] = str(src)
    if cache is None:
        env["APCLI_CACHE"] = "off"
    else:
        env["XDG_CACHE_HOME"] = str(cache)
        env.pop("APCLI_CACHE", None)
    return env


def apcli(*args) -> list[str]:
    return [PY, "-m", "ap_cli", *map(str, args)]


def clean_plan(source: Path, target: Path) -> list[str]:
    """Copy the plan; leave out of plan.yaml the pillars that have errors. Returns those left out."""
    shutil.copytree(source, target)
    result = subprocess.run(apcli("check", "--format", "json", "--plan", target), env=environment(None),
                            capture_output=True, text=True)
    bad = sorted({Path(d["file"]).name for d in json.loads(result.stdout or "[]") if d["severity"] == "error"})
    if not bad:
        return []
    if {"plan.yaml", "institutions.yaml"} & set(bad):
        raise SystemExit(f"the plan's {bad} have errors; fix them first (apcli check)")
    text = (target / "plan.yaml").read_text(encoding="utf-8")
    for name in bad:
        text = text.replace(f"  - {name}\n", "")
    (target / "plan.yaml").write_text(text, encoding="utf-8")
    return bad


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def startup(plan: Path, work: Path, runs: int, before: Path | None = None) -> dict:
    cache = work / "cache-query"
    cases = {
        "baseline": (BASELINE, environment(None)),
        "typer floor": ([PY, "-c", TYPER_FLOOR, *QUERY, "--plan", str(plan)], environment(None)),
        "apcli (cache)": (apcli(*QUERY, "--plan", plan), environment(cache)),
        "apcli (no cache)": (apcli(*QUERY, "--plan", plan), environment(None)),
    }
    if before:  # another source tree (e.g. the main branch's src), measured in the same rounds
        cases["before (cache)"] = (apcli(*QUERY, "--plan", plan), environment(work / "cache-before", before))
        cases["before (no cache)"] = (apcli(*QUERY, "--plan", plan), environment(None, before))
    for _ in range(2):  # warm the OS file cache; apcli writes its cache entries on the second read
        for cmd, env in cases.values():
            measure(cmd, env)
    times = {name: [] for name in cases}
    memory = {name: [] for name in cases}
    for _ in range(runs):
        for name, (cmd, env) in cases.items():
            wall, rss, code = measure(cmd, env)
            if code not in (0,):
                raise SystemExit(f"{name} exited {code}: {' '.join(cmd)}")
            times[name].append(wall)
            memory[name].append(rss)
    return {name: {"median_ms": median_ms(times[name]), "min_ms": min(times[name]) * 1000,
                   "max_rss_mb": max(memory[name])} for name in cases}


def scale(scales: list[int], work: Path, runs: int, before: Path | None = None) -> list[dict]:
    rows = []
    for n in scales:
        target = work / f"plan-x{n}"
        if not target.exists():
            subprocess.run([PY, str(ROOT / "benchmarks" / "synth.py"), "--scale", str(n), "--out", str(target)],
                           check=True, stdout=subprocess.DEVNULL)
        activities = sum(len(re.findall(r"^ {10}- id: ", f.read_text(encoding="utf-8"), re.M))
                         for f in target.glob("*.yaml"))
        cold, second, warm, rss = [], [], [], []
        for i in range(runs):
            cache = work / f"cache-x{n}-{i}"
            shutil.rmtree(cache, ignore_errors=True)
            for times in (cold, second, warm):  # empty cache; entries written; entries read
                wall, peak, code = measure(apcli("check", "--plan", target), environment(cache))
                if code != 0:
                    raise SystemExit(f"check of {target} exited {code}")
                times.append(wall)
                rss.append(peak)
            shutil.rmtree(cache, ignore_errors=True)
        nocache = [measure(apcli("check", "--plan", target), environment(None))[0] for _ in range(runs)]
        size = sum(f.stat().st_size for f in target.rglob("*.yaml"))
        row = {"N": n, "activities": activities, "mb": size / 1e6, "cold_s": statistics.median(cold),
               "second_s": statistics.median(second), "warm_s": statistics.median(warm),
               "nocache_s": statistics.median(nocache), "max_rss_mb": max(rss)}
        if before:  # the other tree, warm and without a cache, alternating with this one's
            cache = work / f"cache-before-x{n}"
            shutil.rmtree(cache, ignore_errors=True)
            for _ in range(2):
                measure(apcli("check", "--plan", target), environment(cache, before))
            warm_b, nocache_b, warm_a, rss_b = [], [], [], []
            for _ in range(runs):
                wall, peak, _ = measure(apcli("check", "--plan", target), environment(cache, before))
                warm_b.append(wall)
                rss_b.append(peak)
                nocache_b.append(measure(apcli("check", "--plan", target), environment(None, before))[0])
            shutil.rmtree(cache, ignore_errors=True)
            row.update(before_warm_s=statistics.median(warm_b), before_nocache_s=statistics.median(nocache_b),
                       before_max_rss_mb=max(rss_b))
        rows.append(row)
    return rows


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    packages = ("typer", "pydantic", "pydantic_core", "ruamel.yaml", "ruamel.yaml.clib", "rich")
    script = f"import importlib.metadata as m; print(', '.join(f'{{p}} {{m.version(p)}}' for p in {packages!r}))"
    versions = subprocess.run([PY, "-c", script], capture_output=True, text=True).stdout.strip()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}; {versions}; load average {load}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plan", type=Path, default=ROOT / "plan")
    parser.add_argument("--runs", type=int, default=21, help="runs per startup case (median)")
    parser.add_argument("--scale-runs", type=int, default=3, help="runs per scale")
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--work", type=Path, help="keep synthetic plans here between runs (default: a temp dir)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--before", type=Path, help="also time this source tree's apcli (a src/ directory)")
    args = parser.parse_args(argv)

    compileall.compile_dir(ROOT / "src" / "ap_cli", quiet=1)
    if args.before:
        compileall.compile_dir(args.before / "ap_cli", quiet=1)
    work = args.work or Path(tempfile.mkdtemp(prefix="apcli-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    plan = work / "plan"
    shutil.rmtree(plan, ignore_errors=True)
    left_out = clean_plan(args.plan, plan)

    print(f"Machine: {machine()}\n")
    first = startup(plan, work, args.runs, args.before)
    base = first["baseline"]["median_ms"]
    floor = first["typer floor"]["median_ms"]
    print(f"## (a, b) `apcli {' '.join(QUERY)}` on the real plan, {args.runs} interleaved runs"
          + (f" (left out, with errors: {', '.join(left_out)})" if left_out else "") + "\n")
    print("| command | median | min | × baseline | × typer floor | peak RSS |\n|---|---|---|---|---|---|")
    for name, r in first.items():
        print(f"| {name} | {r['median_ms']:.0f} ms | {r['min_ms']:.0f} ms | {r['median_ms'] / base:.2f} | "
              f"{r['median_ms'] / floor:.2f} | {r['max_rss_mb']} MB |")

    rows = scale([int(x) for x in args.scales.split(",") if x], work, args.scale_runs, args.before) \
        if args.scales else []
    if rows:
        print(f"\n## (c) `apcli check --plan DIR` on synthetic plans, median of {args.scale_runs}\n")
        print("| N | activities | YAML | empty cache | 2nd run (writes it) | warm cache | no cache | peak RSS "
              "| warm µs/activity |\n|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['N']} | {r['activities']:,} | {r['mb']:.1f} MB | {r['cold_s']:.2f} s | {r['second_s']:.2f} s "
                  f"| {r['warm_s']:.2f} s | {r['nocache_s']:.2f} s | {r['max_rss_mb']} MB "
                  f"| {r['warm_s'] / r['activities'] * 1e6:.0f} |")
        if args.before:
            print("\nThe other tree (--before), same plans: warm cache · no cache · peak RSS\n")
            for r in rows:
                print(f"- N={r['N']}: {r['before_warm_s']:.2f} s · {r['before_nocache_s']:.2f} s · "
                      f"{r['before_max_rss_mb']} MB")
        by_n = {r["N"]: r for r in rows}
        if {1, 10, 100} <= set(by_n):
            print("\nGrowth from N=10 to N=100 (linear: ×10), in total and past the N=1 run "
                  "(startup and fixed costs):\n")
            for key in ("cold_s", "warm_s", "nocache_s"):  # the 2nd run is a one-off
                total = by_n[100][key] / by_n[10][key]
                past = (by_n[100][key] - by_n[1][key]) / (by_n[10][key] - by_n[1][key])
                label = {"cold_s": "empty cache", "warm_s": "warm cache", "nocache_s": "no cache"}[key]
                print(f"- {label}: ×{total:.1f} in total, ×{past:.1f} past N=1")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "startup": first, "scale": rows}, indent=2))
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
