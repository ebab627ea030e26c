"""Write a synthetic plan N times the size of the real one, for benchmarks.

    python benchmarks/synth.py --scale 100 --out /tmp/plan-x100

Shape: the real plan's four pillars, each with N times its goals. Copy k of goal g is goal
`g + k·G` (G = the pillar's highest goal number), with the same objectives and activities under
it, so ids, `see` references, milestones and nesting keep the real plan's proportions. Every
Albanian text is replaced by Albanian words drawn from the real plan, at the length of the text
it replaces (the English is copied as it is, `en_from` computed anew); deadlines are drawn from the real deadline phrases (only readable ones), bodies from
the real registry, `see` refs point into the same copy. A progress log covers about a quarter
of the activities, as a monitored plan would have. Deterministic for a given --seed.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from ap_cli.periods import DeadlineError, Month, read_deadline  # noqa: E402
from ap_cli.source import read_file  # noqa: E402
from ap_cli.translation import fingerprint  # noqa: E402

TEXT_KEYS = {"title", "target", "label"}
TEXT_LIST_KEYS = {"indicators", "notes"}
BODY_KEYS = {"responsible", "support", "resources"}
DROPPED = {"printed_id", "due"}  # the copies get fresh ids; drawn phrases need no override
MODELINE = "# yaml-language-server: $schema=../schema/apcli.schema.json\n"


def read(path: Path):
    source, problems = read_file(path)
    if problems:
        raise SystemExit(f"{path}: {problems[0].text()}")
    return source.data


class Synth:
    def __init__(self, source: Path, rng: random.Random):
        self.rng = rng
        self.meta = read(source / "plan.yaml")
        self.registry = read(source / "institutions.yaml")
        self.body_ids = [entry["id"] for entry in self.registry]
        known = set(self.body_ids)
        start, end = Month.parse(self.meta["period"]["start"]), Month.parse(self.meta["period"]["end"])
        self.pillars = [(name, read(source / name)) for name in self.meta["pillars"] if (source / name).is_file()]
        self.words: list[str] = []
        self.phrases: list[str] = []
        self.refs: set[str] = set()
        self.top_goal: dict[str, int] = {}
        for _, pillar in self.pillars:
            numeral = pillar["pillar"]
            self.top_goal[numeral] = max(int(g["id"]) for g in pillar["goals"])
            for activity in _activities(pillar):
                self.refs.add(f"{numeral}-{activity['id']}")
            self._harvest(pillar, known, start, end)
        if not self.words or not self.phrases:
            raise SystemExit("the source plan has no text or no readable deadline to draw from")

    def _harvest(self, node, known, start, end) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "deadline" and isinstance(value, str):
                    try:
                        read_deadline(value, start, end)
                        self.phrases.append(value)
                    except DeadlineError:
                        pass
                elif key in TEXT_KEYS and isinstance(value, str):
                    self.words += value.split()
                elif key == "indicators" and isinstance(value, list):  # notes are English: left out
                    for text in value:
                        self.words += str(text).split()
                else:
                    self._harvest(value, known, start, end)
        elif isinstance(node, list):
            for item in node:
                self._harvest(item, known, start, end)

    # ------------------------------------------------------------------------- drawing

    def text(self, length: int) -> str:
        words, size = [], -1
        while size < length:
            word = self.rng.choice(self.words)
            words.append(word)
            size += len(word) + 1
        text = " ".join(words)
        return text[:max(length, 1)].rstrip() or words[0]

    def bodies(self, count: int) -> list[str]:
        return self.rng.sample(self.body_ids, min(count, len(self.body_ids)))

    # ------------------------------------------------------------------------- copying

    def pillar(self, pillar: dict, scale: int) -> dict:
        numeral, top = pillar["pillar"], self.top_goal[pillar["pillar"]]
        goals = []
        for k in range(scale):
            for goal in pillar["goals"]:
                goals.append(self.copy(goal, numeral, k))
        out = {key: value for key, value in pillar.items() if key != "goals"}
        out["notes"] = [f"Synthetic: {scale}× the goals of the real pillar {numeral} (G = {top})."]
        out["goals"] = goals
        return out

    def copy(self, node, numeral: str, k: int, key: str | None = None):
        if isinstance(node, dict):
            out = {}
            for field, value in node.items():
                if field in DROPPED:
                    continue
                if field == "id":
                    out[field] = _shift(value, k * self.top_goal[numeral])
                elif field == "deadline":
                    out[field] = self.rng.choice(self.phrases) if value is not None else None
                elif field == "see":
                    out[field] = [ref for ref in (self.see(r, k) for r in value) if ref]
                else:
                    out[field] = self.copy(value, numeral, k, field)
            if "en_from" in out:  # the English is copied as it is, the Albanian drawn anew
                out["en_from"] = fingerprint(out)
            return out
        if isinstance(node, list):
            if key in BODY_KEYS:
                return self.bodies(len(node))
            return [self.copy(item, numeral, k, key) for item in node]
        if isinstance(node, str) and (key in TEXT_KEYS or key in TEXT_LIST_KEYS):
            return self.text(len(node))
        return node

    def see(self, ref: str, k: int) -> str | None:
        if ref not in self.refs:
            return None
        numeral, _, activity_id = ref.partition("-")
        return f"{numeral}-{_shift(activity_id, k * self.top_goal[numeral])}"

    # ------------------------------------------------------------------------- progress

    def progress(self, pillars: list[dict], share: float) -> dict[str, list[dict]]:
        """{relative file: entries}: per quarter and lead body, dates in order per activity."""
        files: dict[str, list[dict]] = {}
        for pillar in pillars:
            for activity in _activities(pillar):
                if self.rng.random() >= share or not activity.get("responsible"):
                    continue
                ref, lead = f"{pillar['pillar']}-{activity['id']}", activity["responsible"][0]
                months = sorted(self.rng.sample(range(12, 36), self.rng.randint(1, 3)))
                for i, month in enumerate(months):
                    year, m = 2008 + month // 12, month % 12 + 1
                    entry = {"ref": ref, "date": f"{year}-{m:02d}-{self.rng.randint(1, 28):02d}"}
                    if i == len(months) - 1 and self.rng.random() < 0.4:
                        entry.update(status="completed", evidence=self.text(self.rng.randint(20, 80)))
                    else:
                        entry.update(status="in_progress", completion=self.rng.choice(["limited", "substantial"]))
                    entry["by"] = lead
                    quarter = f"{year}Q{(m - 1) // 3 + 1}"
                    files.setdefault(f"progress/{quarter}/{_file_part(lead)}.yaml", []).append(entry)
        return files


def _activities(pillar: dict):
    for goal in pillar["goals"]:
        for objective in goal.get("objectives") or []:
            yield from objective.get("activities") or []


def _shift(activity_id: str, offset: int) -> str:
    return re.sub(r"^\d+", lambda m: str(int(m.group()) + offset), activity_id)


def _file_part(body: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", body.lower().translate(str.maketrans("çë", "ce"))).strip("-") or "body"


# ----------------------------------------------------------------------------- writing YAML


def dump(node, indent: int = 0) -> list[str]:
    """Block YAML in the real files' style: flow lists of ids, every text double-quoted."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, (dict, list)) and value and not _flow(value):
                lines.append(f"{pad}{key}:")
                lines += dump(value, indent + 2)
            else:
                lines.append(f"{pad}{key}: {_scalar(value)}")
    else:
        for item in node:
            if isinstance(item, (dict, list)) and item:
                sub = dump(item, indent + 2)
                lines.append(f"{pad}- {sub[0].lstrip()}")
                lines += sub[1:]
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    return lines


def _flow(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and len(v) < 40 for v in value)


def _scalar(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def write(path: Path, data, modeline: str = MODELINE) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = modeline + "\n".join(dump(data)) + "\n"
    path.write_text(text, encoding="utf-8")
    return len(text.encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, required=True, help="N: copies of every goal (1 = the real size)")
    parser.add_argument("--out", type=Path, required=True, help="directory to write (replaced if it exists)")
    parser.add_argument("--source", type=Path, default=ROOT / "plan", help="the plan to imitate (default: plan/)")
    parser.add_argument("--seed", type=int, default=2008)
    parser.add_argument("--progress-share", type=float, default=0.25, help="share of activities with progress")
    args = parser.parse_args(argv)
    if args.scale < 1:
        parser.error("--scale must be at least 1")

    synth = Synth(args.source, random.Random(args.seed))
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    shutil.copyfile(args.source / "institutions.yaml", args.out / "institutions.yaml")
    pillars, sizes = [], {}
    for name, pillar in synth.pillars:
        data = synth.pillar(pillar, args.scale)
        pillars.append(data)
        sizes[name] = write(args.out / name, data)
    meta = {**synth.meta, "pillars": [name for name, _ in synth.pillars]}
    write(args.out / "plan.yaml", meta)
    progress = synth.progress(pillars, args.progress_share)
    for relative, entries in sorted(progress.items()):
        entries.sort(key=lambda e: e["date"])
        write(args.out / relative, entries, MODELINE.replace("../schema", "../../../schema"))
    activities = sum(1 for p in pillars for _ in _activities(p))
    total = sum(f.stat().st_size for f in args.out.rglob("*.yaml"))
    print(f"{args.out}: scale {args.scale}, {len(pillars)} pillars, {activities:,} activities, "
          f"{sum(len(e) for e in progress.values()):,} progress entries in {len(progress)} files, "
          f"{total / 1e6:.1f} MB (largest pillar file {max(sizes.values()) / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
