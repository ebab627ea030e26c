"""The quarterly reporting form of one body (`apcli progress template`).

The form is a progress file whose entries are commented out: each activity the body leads or
supports that is overdue, due, ongoing or under way in the quarter, with its deadline,
indicators and state as comments, followed by an entry ready to uncomment and fill in. Once
filled in it is an ordinary progress file: `apcli check` reads it, and it can be saved into
the log as it is or merged with `apcli progress import`.

The body's activities include those naming a collective it belongs to (DESIGN §13): such a row
is in every member's form, labelled with the collective, and is reported once — one member's
entry (naming itself in `by`) reports it for all, and the other forms then show who reported.
Rows an open-ended group addresses to all bodies close the form, listed apart for information,
without a ready entry and not counted as the body's own work.

Clerks in Albanian institutions fill it in, so its comments are in Albanian by default and in
English with `lang="en"` (`TEXT`, the one place the form's wording lives), where the activities'
titles, indicators and deadlines are in English too, and the form says that English is an
unofficial translation. The YAML keys and the status words (`status: in_progress`) are the file
format, so they stay as they are in both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from . import edit, language
from .diagnostics import escape_line
from .periods import Quarter
from .plan import ActivityRecord, Deadline, Plan
from .queries import Reach, reach, state_at, timeliness

SECTIONS = ("overdue", "due", "ongoing", "later", "undated", "for_all")
OWN = SECTIONS[:-1]  # the body's own work; `for_all` is listed apart
LANGS = ("sq", "en")
STATUSES = "not_started | in_progress | completed | cancelled | suspended"

TEXT: dict[str, dict[str, Any]] = {
    "sq": {
        "sections": {  # short name, heading
            "overdue": ("me vonesë", "Me vonesë: me afat para tremujorit dhe të papërfunduara kur ai filloi"),
            "due": ("me afat këtë tremujor", "Me afat këtë tremujor"),
            "ongoing": ("në vazhdimësi",
                        "Punë në vazhdimësi (raportoni çdo tremujor, përndryshe shfaqen si pa raportim)"),
            "later": ("me afat më vonë", "Në zbatim, me afat pas këtij tremujori"),
            "undated": ("pa afat", "Pa afat të lexueshëm"),
            "for_all": ("për të gjitha institucionet",
                        "Për të gjitha institucionet: plani ua kërkon të gjithëve pa i emërtuar (vetëm për dijeni; "
                        "nuk numërohen si punë e juaja dhe nuk kanë regjistrim të gatshëm; progresi i tyre "
                        "regjistrohet me `apcli progress add`)"),
        },
        "title": "Raporti tremujor i progresit {q} ({first} – {last})",
        "institution": "Institucioni",
        "made_by": "Krijuar me `{command}`; gjendja është ajo më {last}.",
        "how": [
            "Si plotësohet:",
            " 1. Për çdo aktivitet për të cilin raportoni, aktivizoni regjistrimin e tij (fshini \"# \" në",
            "    fillim të çdo rreshti të tij) dhe plotësojeni. Të tjerat lërini si janë, ose fshijini.",
            " 2. Emrat e fushave (ref, date, status …) dhe vlerat e tyre shkruhen në anglisht, si më poshtë:",
            "    status: not_started | in_progress | completed | cancelled | suspended",
            "            (pa filluar | në proces | përfunduar | anuluar | pezulluar)",
            "    completion (vetëm për in_progress): limited | substantial (i kufizuar | i konsiderueshëm)",
            "    evidence (e detyrueshme për completed): vendimi, raporti ose dokumenti, p.sh. \"VKM nr. …, datë …\"",
            "    date: dita kur vlente gjendja; jo në të ardhmen, jo para regjistrimit të fundit të aktivitetit.",
            " 3. Ruajeni si",
        ],
        "save": [
            "    dhe ekzekutoni `apcli check`. Nëse ky skedar ekziston tashmë, bashkojeni formularin me të:",
            "    `apcli progress import KY-FORMULAR.yaml`.",
        ],
        "activities": "{n} aktivitete", "activity": "1 aktivitet",
        "roles": {"lead": "drejtues", "responsible": "përgjegjës", "support": "mbështetës", "funder": "financues"},
        "via": "nëpërmjet", "for_all_of": "për të gjitha institucionet",
        "once": "raportohet një herë: regjistrimi i një anëtari (by: ai vetë) vlen për të gjithë anëtarët ({members})",
        "reported_by": "raportuar më {day} nga {by}",
        "apart": "{n} për të gjitha institucionet (veçmas, nuk numërohen)",
        "role": "roli", "responsible": "përgjegjësit", "support": "mbështetësit",
        "deadline": "afati", "none_printed": "nuk është shënuar", "indicators": "treguesit",
        "state_at": "gjendja më {day}", "reported": "raportuar më {day}", "evidence": "dëshmia",
        "not_reported": "nuk është raportuar progres (not_started, pa dëshmi)",
        "standing": "vlerësimi",
        "unreadable": "i palexueshëm ({problem})", "no_deadline": "pa afat",
        "ongoing_from": "në vazhdimësi nga {start}", "ongoing": "në vazhdimësi",
        "due": "deri më {days}", "approx": " (e përafërt)",
        "hints": {"status": STATUSES, "completion": "vetëm për in_progress: limited | substantial",
                  "evidence": "e detyrueshme për completed"},
    },
    "en": {
        "sections": {
            "overdue": ("overdue", "Overdue: due before the quarter and not done when it began"),
            "due": ("due this quarter", "Due this quarter"),
            "ongoing": ("ongoing", "Ongoing work (report every quarter, or it shows as stale)"),
            "later": ("due later", "Under way, due after this quarter"),
            "undated": ("without deadline", "No readable deadline"),
            "for_all": ("for all bodies",
                        "For all bodies: the plan asks these of every body without naming it (for information; "
                        "not counted as your own work, no ready entry; their progress is recorded with "
                        "`apcli progress add`)"),
        },
        "title": "Quarterly progress report {q} ({first} – {last})",
        "institution": "Institution",
        "made_by": "Made by `{command}`; states are as of {last}.",
        "unofficial": ["The activities' titles and indicators below are an unofficial English translation and",
                       "their deadlines are given as apcli reads them; the Albanian text is the official one."],
        "how": [
            "How to fill it in:",
            " 1. For each activity you report on, uncomment its entry (remove the leading \"# \" from",
            "    each line of it) and fill it in. Leave the others commented out, or delete them.",
            " 2. status: not_started | in_progress | completed | cancelled | suspended",
            "    completion (in_progress only): limited | substantial",
            "    evidence (required for completed): the decision, report or document, e.g. \"VKM nr. …, datë …\"",
            "    date: the day the status held; not in the future, not before the activity's last entry.",
            " 3. Save it as",
        ],
        "save": [
            "    and run `apcli check`. If that file exists already, merge the form into it",
            "    instead: `apcli progress import THIS-FORM.yaml`.",
        ],
        "activities": "{n} activities", "activity": "1 activity",
        "roles": {"lead": "lead", "responsible": "responsible", "support": "support", "funder": "funder"},
        "via": "via", "for_all_of": "for all bodies",
        "once": "reported once: one member's entry (by: itself) counts for every member ({members})",
        "reported_by": "reported {day} by {by}",
        "apart": "{n} for all bodies (apart, not counted)",
        "role": "role", "responsible": "responsible", "support": "support",
        "deadline": "deadline", "none_printed": "none printed", "indicators": "indicators",
        "state_at": "state at {day}", "reported": "reported {day}", "evidence": "evidence",
        "not_reported": "no progress reported (not_started, no evidence)",
        "standing": "standing",
        "unreadable": "unreadable ({problem})", "no_deadline": "no deadline",
        "ongoing_from": "ongoing from {start}", "ongoing": "ongoing",
        "due": "due {days}", "approx": " (approximate)",
        "hints": {"status": STATUSES, "completion": "in_progress only: limited | substantial",
                  "evidence": "required for completed"},
    },
}
RULE = "# " + "=" * 78


@dataclass(frozen=True)
class Item:
    rec: ActivityRecord
    section: str
    since: date | None  # overdue: the first missed due day; due/later: the next due day
    reach: Reach  # how the activity concerns the body (named, via a collective, for all)


def work_start(plan: Plan, rec: ActivityRecord) -> date:
    """When work can be expected: the start of a range or ongoing period ("2009-2010",
    "Duke filluar nga 2009"); a plain deadline ("korrik 2009") is a due date, so work on it
    counts from the start of the plan."""
    readings = [d.reading for d in rec.deadlines if d.reading]
    starts = [r.start for r in readings if r.kind in ("range", "ongoing") and r.start]
    if readings and len(starts) == len(readings):
        return min(starts).first_day()
    return plan.start.first_day()


def select(plan: Plan, inst_id: str, quarter: Quarter, for_all: bool = True) -> list[Item]:
    """The body's activities (lead, responsible or support; named, or through a collective it
    belongs to) open during the quarter, then, apart, those addressed to all bodies (unless
    `for_all` is False: then only the activities naming the body or its collectives are asked
    about, which is what makes every body's selection at once affordable)."""
    before = quarter.first - timedelta(days=1)
    items = []
    for rec in (plan.activities if for_all else _naming(plan, inst_id)):
        r = reach(plan, rec, inst_id, "any")
        if r is None or not (for_all or r.counted):
            continue
        if state_at(plan, rec, before).done_by(before) or work_start(plan, rec) > quarter.last:
            continue
        days = rec.due_days
        missed = [d for d in days if d < quarter.first]
        due = [d for d in days if quarter.first <= d <= quarter.last]
        later = [d for d in days if d > quarter.last]
        if not r.counted:
            items.append(Item(rec, "for_all", next(iter(missed or due or later), None), r))
        elif missed:
            items.append(Item(rec, "overdue", missed[0], r))
        elif due:
            items.append(Item(rec, "due", due[0], r))
        elif rec.ongoing:
            items.append(Item(rec, "ongoing", None, r))
        elif later:
            items.append(Item(rec, "later", later[0], r))
        else:
            items.append(Item(rec, "undated", None, r))
    return sorted(items, key=lambda item: SECTIONS.index(item.section))  # stable: plan order within


def _naming(plan: Plan, inst_id: str) -> list[ActivityRecord]:
    """The activities naming the body or a collective it belongs to, in plan order: the only
    ones `reach` can count as its own work."""
    names = {inst_id, *plan.registry.groups_of(inst_id)}
    return [rec for rec in plan.activities
            if names.intersection([*rec.responsible_ids, *rec.support_ids, *rec.resource_ids])]


@dataclass(frozen=True)
class Form:
    """A body's quarterly form: its text and the activities it holds (`own`: those of the body
    itself or its collectives, not those listed apart for all bodies)."""

    text: str
    items: list[Item]

    @property
    def own(self) -> int:
        return sum(i.section != "for_all" for i in self.items)


def in_plan(plan: Plan, quarter: Quarter) -> bool:
    """The quarter overlaps the plan period (a body can be asked to report on it)."""
    return quarter.last >= plan.start.first_day() and quarter.first <= plan.end.last_day()


def check_quarter(plan: Plan, quarter: Quarter) -> None:
    """A reporting quarter lies in the plan period, else an InvalidArgument."""
    from .errors import InvalidArgument

    if not in_plan(plan, quarter):
        raise InvalidArgument(f"{quarter} is outside the plan period ({plan.start} – {plan.end})")


def quarterly_form(plan: Plan, inst_id: str, quarter: Quarter, log_dir: Path, lang: str = "sq") -> Form:
    """`apcli progress template`: the form of `inst_id` for `quarter`, pointing at the file it
    becomes in the progress log at `log_dir` (app.progress_dir). A quarter outside the plan
    period is an InvalidArgument."""
    from .institutions import slug
    from .loader import display_path

    check_quarter(plan, quarter)
    target = log_dir / str(quarter) / f"{slug(inst_id)}.yaml"
    items = select(plan, inst_id, quarter)
    schema = edit.schema_ref(Path(plan.root), target.parent)
    return Form(render(plan, inst_id, quarter, items, schema, display_path(target), lang), items)


def render(plan: Plan, inst_id: str, quarter: Quarter, items: list[Item], schema: str | None,
           destination: str, lang: str = "sq") -> str:
    """The form as text: instructions and labels in `lang` (Albanian by default)."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of: {', '.join(LANGS)}")
    tx = TEXT[lang]
    body = plan.registry.by_id[inst_id]
    name = body.name_en if lang == "en" and body.name_en else body.name
    counts = [(tx["sections"][key][0], sum(i.section == key for i in items)) for key in OWN]
    summary = ", ".join(f"{n} {short}" for short, n in counts if n)
    apart = sum(i.section == "for_all" for i in items)
    if apart:
        summary += ("; " if summary else "") + tx["apart"].format(n=apart)
    own = [i for i in items if i.section != "for_all"]
    command = (f"apcli progress template --quarter {quarter} --institution {_line(body.id)}"
               + (" --lang en" if lang == "en" else ""))
    dates = {"q": quarter, "first": quarter.first.isoformat(), "last": quarter.last.isoformat()}
    total = tx["activity"] if len(own) == 1 else tx["activities"].format(n=len(own))
    out = [edit.modeline(schema).rstrip("\n")] if schema else []
    out += [
        "# " + tx["title"].format(**dates),
        f"# {tx['institution']}: {_line(body.id)} — {_line(name)}",
        "# " + tx["made_by"].format(command=command, **dates),
        *(f"# {line}" for line in tx.get("unofficial", [])),
        "#",
        *(f"# {line}" for line in tx["how"]),
        f"#       {escape_line(destination)}",
        *(f"# {line}" for line in tx["save"]),
        "#",
        f"# {total}" + (f": {summary}." if summary else "."),
    ]
    for key in SECTIONS:
        section = [i for i in items if i.section == key]
        if not section:
            continue
        out += ["", RULE, f"# {tx['sections'][key][1]} ({len(section)})", RULE]
        for item in section:
            out += ["", *_activity(plan, inst_id, quarter, item, lang)]
    return "\n".join(out) + "\n"


def _activity(plan: Plan, inst_id: str, quarter: Quarter, item: Item, lang: str) -> list[str]:
    from .report import STANDINGS, STATES

    tx = TEXT[lang]
    rec, cutoff = item.rec, quarter.last
    r = item.reach
    roles = [x for x in r.roles if x != "funder"] or list(r.roles)
    role = "lead" if "lead" in roles else "responsible" if "responsible" in roles else roles[0]
    label = tx["roles"][role]
    group = plan.registry.by_id.get(r.via) if r.via else None
    if group is not None:
        name = group.name_en if lang == "en" and group.name_en else group.name
        label += (f", {tx['via']} {_line(name)} ({group.id})" if r.counted
                  else f", {tx['for_all_of']}: {_line(name)} ({group.id})")
    bodies = f"#   {tx['role']}: {label} · {tx['responsible']}: {', '.join(rec.responsible_ids)}"
    lines = [*_comment(f"{rec.ref} — ", language.title(rec, lang), "  "),
             escape_line(bodies + (f" · {tx['support']}: {', '.join(rec.support_ids)}" if rec.support_ids else ""))]
    for d in rec.deadlines:
        lines.append(f"#   {tx['deadline']}: {_line(language.deadline(d, lang) or d.due_override or '—')} → "
                     f"{_reading(d, tx)}")
    if not rec.deadlines:
        lines.append(f"#   {tx['deadline']}: {tx['none_printed']}")
    if rec.indicators:
        lines.append(f"#   {tx['indicators']}:")
        for text in language.indicators(rec, lang):
            lines += _comment("    - ", text, "      ")
    state = state_at(plan, rec, cutoff)
    if state.reported:
        status = state.status + (f", {state.completion}" if state.completion else "")
        told = (f"{STATES['sq'][state.status].lower()} ({status})" if lang == "sq"
                else state.status + (f" ({state.completion})" if state.completion else ""))
        told += ", " + (tx["reported_by"].format(day=state.date, by=_line(state.by)) if state.by
                        else tx["reported"].format(day=state.date))
        if state.evidence:
            told += f"; {tx['evidence']}: {_line(state.evidence)}"
    else:
        told = tx["not_reported"]
    lines.append(f"#   {tx['state_at'].format(day=cutoff.isoformat())}: {told}")
    standing = timeliness(plan, rec, cutoff)
    lines.append(f"#   {tx['standing']}: "
                 + (STANDINGS["sq"][standing].lower() if lang == "sq" else standing.replace("_", " ")))
    if not r.counted:
        return lines  # for all bodies: for information, no ready entry
    if group is not None:
        lines.append("#   " + tx["once"].format(members=", ".join(plan.registry.all_members(group.id))))
    entry = {"ref": rec.ref, "date": cutoff.isoformat(), "status": state.status,
             "completion": state.completion if state.status == "in_progress" else None,
             "evidence": state.evidence if state.status == "completed" else None, "by": inst_id, "note": None}
    hints = tx["hints"]
    for i, key in enumerate(edit.ENTRY_KEYS):
        value = edit.scalar(entry[key], plain=key in ("ref", "status", "completion", "by"))
        text = f"{'- ' if i == 0 else '  '}{key}: {value}"
        lines.append(f"# {text}" + (f"  # {hints[key]}" if key in hints else ""))
    return lines


def _reading(d: Deadline, tx: dict[str, str]) -> str:
    r = d.reading
    if r is None:
        return tx["unreadable"].format(problem=d.problem) if d.problem else tx["no_deadline"]
    if r.kind == "ongoing":
        return tx["ongoing_from"].format(start=r.start) if r.start else tx["ongoing"]
    days = ", ".join(day.isoformat() for day in r.due_days)
    return tx["due"].format(days=days) + (tx["approx"] if r.approx else "")


def _comment(lead: str, text: str, indent: str) -> list[str]:
    """User text as comment lines: its own line breaks kept, each continuation indented; bidi,
    invisible and control characters escaped (entries escape them as YAML does: edit.scalar)."""
    parts = [escape_line(part.rstrip()) for part in str(text).splitlines()] or [""]
    return [f"# {lead}{parts[0]}".rstrip(), *(f"# {indent}{part}".rstrip() for part in parts[1:])]


def _line(text: str) -> str:
    """User text inside a one-line comment: line breaks folded, unsafe characters escaped."""
    return escape_line(" / ".join(part.strip() for part in str(text).splitlines() if part.strip()))
