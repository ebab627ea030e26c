"""The content of a status report, as plain data: `build_context(plan, cutoff, lang, institution)`.

Pure: the same plan and cut-off give the same dict (plan order, no clock, no I/O), so the
rendered files are byte-identical. Templates only lay this data out; the label catalogue
(`LABELS`, Albanian and English) is the one place report wording lives. Plan text is shown in
the report's language: under `en` the unofficial English (`language.pick`; a missing English
shows the Albanian behind `[sq] `), deadlines in English generated from their reading. It is
passed through as written otherwise: escaping is the renderer's job, never this module's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from . import language
from .institutions import slug
from .periods import Month
from .plan import ActivityRecord, Deadline, PillarRecord, Plan
from .queries import (
    Overdue,
    Reach,
    State,
    horizon_end,
    overdue,
    reach,
    state_at,
    stats_row,
    timeliness,
    upcoming,
)
from .trend import report_chart

Row = dict[str, Any]
Standings = dict[str, str]  # ref → timeliness
States = dict[str, State]  # ref → state at the cut-off

LANGS = ("sq", "en")
NEXT_MONTHS = 3  # "the next quarter": the same horizon as `apcli upcoming --within 1q`

LABELS: dict[str, dict[str, str]] = {
    "sq": {
        "report": "Raport mbi zbatimin", "report_for": "Raport për", "as_of": "Gjendja më",
        "plan": "Plani", "period": "Periudha", "headline": "Shifrat kryesore",
        "by_pillar": "Sipas shtyllave", "pillar": "Shtylla", "total": "Gjithsej",
        "activities": "Aktivitete", "completed": "Përfunduar", "in_progress": "Në proces",
        "overdue": "Me vonesë", "no_evidence": "Pa raportim", "ongoing": "Në vazhdimësi",
        "no_deadline": "Pa afat", "overdue_approx": "nga të cilat %d me afat të përafërt ≈",
        "due_next": "Me afat deri më", "progress_entries": "Regjistrime progresi",
        "last_entry": "i fundit më",
        "overdue_by_lead": "Aktivitete me vonesë sipas institucionit drejtues",
        "no_lead": "Pa institucion drejtues",
        "upcoming": "Afatet në tremujorin e ardhshëm", "until": "deri më",
        "scorecard": "Pasqyra e institucioneve (si drejtues)",
        "completed_on_time": "Përfunduar në afat", "completed_late": "Përfunduar me vonesë",
        "timeline": "Grafiku kohor", "cutoff": "Gjendja",
        "not_shown": "Nuk shfaqen në grafik (pa afat të lexueshëm): %d.",
        "ref": "Ref.", "title": "Aktiviteti", "name": "Emërtimi", "lead": "Drejtues", "deadline": "Afati",
        "due": "Data", "late": "Vonesa (muaj)", "state": "Gjendja", "standing": "Vlerësimi",
        "role": "Roli", "institution": "Institucioni", "goal": "Synimi",
        "none": "Asnjë.", "filter": "Filtro tabelat", "report_file": "Raporti",
        "approx_note": "≈ afat i përafërt: p.sh. „Fundi i 2008-ës“ lexohet si 31.12.2008.",
        "no_evidence_note": "„Pa raportim“: asnjë regjistrim progresi deri në këtë datë; nuk hamendësohet gjendja.",
        "your_activities": "Aktivitetet e institucionit", "index": "Raportet sipas institucioneve",
        "legend": "Legjenda", "planned": "Planifikuar", "cancelled": "Anuluar",
        "footer": "Krijuar me apcli nga të dhënat e planit",
        "contents": "Përmbajtja",
        "reporting": "Raportimi për tremujorin %s", "asked": "Të kërkuara", "reported": "Të raportuara",
        "missing": "Pa raportuar", "last_filed": "Regjistrimi i fundit",
        "reporting_note": "Për çdo institucion: aktivitetet që i kërkon formulari i tij tremujor dhe sa prej tyre kanë "
                          "një regjistrim të tij me datë brenda tremujorit (apcli reporting).",
        "scorecard_led": "Aktivitete si drejtues", "overdue_as_lead": "Me vonesë (si drejtues)",
        "activities_any": "Aktivitete (çdo rol)", "as_lead": "Si drejtues", "overdue_any": "Me vonesë (çdo rol)",
        "due_next_any": "Me afat deri më %s (çdo rol)",
        "index_note": "Shifrat e çdo institucioni përfshijnë të gjitha aktivitetet ku ai është drejtues, përgjegjës "
                      "ose mbështetës (çdo rol, si te `apcli by-institution`): ato që e emërtojnë dhe ato që emërtojnë "
                      "një kolektiv ku ai bën pjesë (kolona „nëpërmjet kolektivave“); „si drejtues“ numëron vetëm "
                      "aktivitetet që plani ia jep institucionit vetë si drejtues. Aktivitetet për të gjitha "
                      "institucionet nuk numërohen. Pasqyra e raportit kryesor numëron sipas drejtuesit siç e shkruan "
                      "plani.",
        "scope_note": "%(n)d aktivitete të institucionit, në çdo rol (drejtues, përgjegjës ose mbështetës): %(direct)d "
                      "që e emërtojnë dhe %(via)d që emërtojnë një kolektiv ku ai bën pjesë%(groups)s. "
                      "Aktivitetet për të gjitha institucionet (%(for_all)d) jepen veçmas dhe nuk numërohen. "
                      "Pasqyra më poshtë numëron vetëm ato që drejton, vetë ose nëpërmjet një kolektivi.",
        "via": "nëpërmjet", "for_all": "Për të gjitha institucionet (nuk numërohen)",
        "for_all_note": "Këto aktivitete plani ua kërkon të gjitha institucioneve (ose të gjitha institucioneve "
                        "shtetërore) pa i emërtuar; nuk numërohen si punë e vetë institucionit.",
        "via_any": "Nëpërmjet kolektivave", "members": "Anëtarët", "member_of": "Bën pjesë në",
        "led_via": "drejtuar nga kolektivi ku bën pjesë",
        "scorecard_note": "Sipas drejtuesit siç e shkruan plani: një kolektiv (p.sh. Bashkitë/komunat) ka rreshtin e "
                          "vet dhe nuk ndahet mbi anëtarët e tij; po ashtu grupet e hapura (p.sh. Të gjithë aktorët).",
        "stage": "Ecuria e shtyllave", "stage_all": "I gjithë plani",
        "stage_note": "„Me afat pa skaduar“ përfshin edhe punën në vazhdimësi dhe aktivitetet pa afat.",
        "unofficial": "", "unofficial_short": "",
    },
    "en": {
        "report": "Implementation status report", "report_for": "Report for", "as_of": "Status as of",
        "plan": "Plan", "period": "Period", "headline": "Headline figures",
        "by_pillar": "By pillar", "pillar": "Pillar", "total": "Total",
        "activities": "Activities", "completed": "Completed", "in_progress": "In progress",
        "overdue": "Overdue", "no_evidence": "No evidence", "ongoing": "Ongoing",
        "no_deadline": "No deadline", "overdue_approx": "of which %d with an approximate deadline ≈",
        "due_next": "Due by", "progress_entries": "Progress entries", "last_entry": "latest on",
        "overdue_by_lead": "Overdue activities by lead institution",
        "no_lead": "No lead institution",
        "upcoming": "Due in the next quarter", "until": "until",
        "scorecard": "Scorecard by institution (as lead)",
        "completed_on_time": "Completed on time", "completed_late": "Completed late",
        "timeline": "Timeline", "cutoff": "Cut-off", "not_shown": "Not shown in the chart (no readable deadline): %d.",
        "ref": "Ref.", "title": "Activity", "name": "Name", "lead": "Lead", "deadline": "Deadline",
        "due": "Due", "late": "Late (months)", "state": "Status", "standing": "Standing",
        "role": "Role", "institution": "Institution", "goal": "Goal",
        "none": "None.", "filter": "Filter tables", "report_file": "Report",
        "approx_note": "≈ approximate deadline: its reading rests on a convention, e.g. “End of 2008” is read as "
                       "2008-12-31.",
        "no_evidence_note": "“No evidence”: no progress entry up to this date; the status is never guessed.",
        "your_activities": "The institution's activities", "index": "Reports by institution",
        "legend": "Legend", "planned": "Planned", "cancelled": "Cancelled",
        "footer": "Generated by apcli from the plan data",
        "contents": "Contents",
        "reporting": "Reporting for %s", "asked": "Asked", "reported": "Reported", "missing": "Missing",
        "last_filed": "Last entry",
        "reporting_note": "For each body: the activities its quarterly form asks about, and how many of them have an "
                          "entry of its own dated in the quarter (apcli reporting).",
        "scorecard_led": "Activities led", "overdue_as_lead": "Overdue (as lead)",
        "activities_any": "Activities (any role)", "as_lead": "As lead", "overdue_any": "Overdue (any role)",
        "due_next_any": "Due by %s (any role)",
        "index_note": "Each body's counts cover every activity it leads, shares or supports (any role, as in "
                      "`apcli by-institution`): those naming it and those naming a collective it belongs to (the "
                      "“through collectives” column); “as lead” counts only the activities the plan gives the body "
                      "itself to lead. Activities addressed to all bodies are not counted. The main report's "
                      "scorecard counts by lead as the plan prints it.",
        "scope_note": "%(n)d activities of the institution, in any role (lead, responsible or support): %(direct)d "
                      "naming it and %(via)d naming a collective it belongs to%(groups)s. Activities addressed to "
                      "all bodies (%(for_all)d) are listed apart and not counted. The scorecard below counts only "
                      "those it leads, itself or through a collective.",
        "via": "via", "for_all": "For all bodies (not counted)",
        "for_all_note": "The plan asks these of all bodies (or all state bodies) without naming them; they are not "
                        "counted as the institution's own work.",
        "via_any": "Through collectives", "members": "Members", "member_of": "Member of",
        "led_via": "led by a collective it belongs to",
        "scorecard_note": "By lead as the plan prints it: a collective (e.g. municipalities and communes, "
                          "BASHKITE-KOMUNAT) has its own row and is not split over its members; so have open-ended "
                          "groups (e.g. all bodies, TE-GJITHE-AKTORET).",
        "stage": "Stage of each pillar", "stage_all": "Whole plan",
        "stage_note": "“Not yet due” includes ongoing work and activities without a deadline.",
        "unofficial": "Unofficial translation: the plan's texts in this report are an unofficial English "
                      "translation, and its deadlines are given as apcli reads them; the Albanian text adopted by "
                      "the Government of Albania is the only official one. A text not yet translated is shown in "
                      f"Albanian, marked “{language.MISSING.strip()}”.",
        "unofficial_short": "English: unofficial translation",
    },
}

STATES = {
    "sq": {"not_started": "Pa filluar", "in_progress": "Në proces", "completed": "Përfunduar",
           "cancelled": "Anuluar", "suspended": "Pezulluar"},
    "en": {"not_started": "Not started", "in_progress": "In progress", "completed": "Completed",
           "cancelled": "Cancelled", "suspended": "Suspended"},
}

STANDINGS = {
    "sq": {"overdue": "Me vonesë", "due_soon": "Afat i afërt", "on_track": "Brenda afatit",
           "completed_on_time": "Përfunduar në afat", "completed_late": "Përfunduar me vonesë",
           "cancelled": "Anuluar", "ongoing": "Në vazhdimësi", "stale": "Pa raportim tremujorin e fundit",
           "no_deadline": "Pa afat"},
    "en": {"overdue": "Overdue", "due_soon": "Due soon", "on_track": "On track",
           "completed_on_time": "Completed on time", "completed_late": "Completed late",
           "cancelled": "Cancelled", "ongoing": "Ongoing", "stale": "Stale (no entry last quarter)",
           "no_deadline": "No deadline"},
}

# The stacked bar: each activity in exactly one segment, so the segments add up to the total.
# `overdue` and `completed` are the counts of `apcli stats`; in-progress work that is overdue
# is in `overdue`, so `in_progress` here is in progress and not overdue.
SEGMENTS = ("completed", "in_progress", "overdue", "not_yet_due", "cancelled")
SEGMENT_LABELS = {
    "sq": {"completed": "Përfunduar", "in_progress": "Në proces, pa vonesë", "overdue": "Me vonesë",
           "not_yet_due": "Me afat pa skaduar", "cancelled": "Anuluar"},
    "en": {"completed": "Completed", "in_progress": "In progress, not overdue", "overdue": "Overdue",
           "not_yet_due": "Not yet due", "cancelled": "Cancelled"},
}

ROLES = {
    "sq": {"lead": "drejtues", "responsible": "përgjegjës", "support": "mbështetës", "funder": "financues"},
    "en": {"lead": "lead", "responsible": "responsible", "support": "support", "funder": "funder"},
}

MONTHS = {
    "sq": ("janar", "shkurt", "mars", "prill", "maj", "qershor", "korrik", "gusht", "shtator",
           "tetor", "nëntor", "dhjetor"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
}

PILLAR_COUNTS = ("activities", "completed", "in_progress", "overdue", "no_evidence", "ongoing", "no_deadline")
SCORE_COUNTS = ("total", "overdue", "completed_on_time", "completed_late", "no_evidence")


def long_date(day: date, lang: str) -> str:
    return f"{day.day} {MONTHS[lang][day.month - 1]} {day.year}"


def percent(part: int, whole: int) -> str:
    """`53%`, rounded half up; never `0%` for something nor `100%` for less than all."""
    if not whole:
        return "–"
    value = int(100 * part / whole + 0.5)
    if part and value == 0:
        return "<1%"
    if part < whole and value == 100:
        return ">99%"
    return f"{value}%"


def summary_sentence(lang: str, figures: dict[str, Any], as_of_long: str) -> str:
    """The report's opening sentence, from the headline figures (the counts of `apcli stats`
    and `apcli overdue`): how much is overdue, how much of that rests on an approximate
    reading, and whether any progress has been recorded."""
    n, late, approx = figures["activities"], figures["overdue"], figures["overdue_approx"]
    done, busy, silent = figures["completed"], figures["in_progress"], figures["no_evidence"]
    share = percent(late, n)
    if lang == "sq":
        if late:
            parts = [f"{late} nga {n} aktivitete ({share}) {'janë' if late > 1 else 'është'} me vonesë më {as_of_long}"]
        else:
            parts = [f"Asnjë nga {n} aktivitetet nuk është me vonesë më {as_of_long}"]
        if approx:
            parts.append(f"{approx} prej tyre {'kanë' if approx > 1 else 'ka'} afat të përafërt (≈)")
        if not figures["progress_entries"]:
            parts.append("ende nuk është regjistruar asnjë progres")
        else:
            parts.append(f"{done} {'janë përfunduar' if done != 1 else 'është përfunduar'} dhe {busy} në proces; "
                         f"për {silent} aktivitete nuk është raportuar ende asnjë progres")
    else:
        noun = "activity" if n == 1 else "activities"
        if late:
            parts = [f"{late} of {n} {noun} ({share}) {'are' if late > 1 else 'is'} overdue as of {as_of_long}"]
        else:
            parts = [f"None of the {n} {noun} is overdue as of {as_of_long}"]
        if approx:
            parts.append(f"{approx} of them rest on approximate deadlines (≈)" if approx > 1
                         else "1 of them rests on an approximate deadline (≈)")
        if not figures["progress_entries"]:
            parts.append("no progress has been recorded yet")
        else:
            parts.append(f"{done} {'is' if done == 1 else 'are'} completed and {busy} in progress; "
                         f"{silent} {'has' if silent == 1 else 'have'} no progress recorded")
    return "; ".join(parts) + "."


def segment_of(standing: str, state: State) -> str:
    """Which part of the stacked bar an activity falls in (see SEGMENTS)."""
    if standing in ("completed_on_time", "completed_late"):
        return "completed"
    if standing in ("cancelled", "overdue"):
        return standing
    return "in_progress" if state.status == "in_progress" else "not_yet_due"


def segments(acts: list[ActivityRecord], standing: Standings, states: States, lang: str) -> list[Row]:
    """The stacked bar of `acts`: every segment in order, with its count and share."""
    counts = dict.fromkeys(SEGMENTS, 0)
    for a in acts:
        counts[segment_of(standing[a.ref], states[a.ref])] += 1
    total = len(acts)
    return [{"key": k, "label": SEGMENT_LABELS[lang][k], "count": counts[k], "pct": percent(counts[k], total),
             "width": round(100 * counts[k] / total, 2) if total else 0}
            for k in SEGMENTS if counts[k] or k != "cancelled"]


def slugs(ids: list[str]) -> dict[str, str]:
    """A distinct slug per id, in order; a clash gets `-2`, `-3`…"""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for i in ids:
        base = candidate = slug(i)
        n = 1
        while candidate in taken or candidate == "index":
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate)
        out[i] = candidate
    return out


# ----------------------------------------------------------------------------- context


def build_context(plan: Plan, cutoff: date, lang: str = "sq", institution: str | None = None) -> Row:
    """Everything a report template shows, for the whole plan or one body's activities."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of: {', '.join(LANGS)}")
    reached = {a.ref: r for a in plan.activities if (r := reach(plan, a, institution, "any"))} if institution else {}
    acts = ([a for a in plan.activities if a.ref in reached and reached[a.ref].counted] if institution
            else list(plan.activities))
    apart = [a for a in plan.activities if a.ref in reached and not reached[a.ref].counted]
    late = overdue(plan, cutoff, acts)
    soon = upcoming(plan, cutoff, NEXT_MONTHS, acts)
    standing = {a.ref: timeliness(plan, a, cutoff) for a in acts}
    states = {a.ref: state_at(plan, a, cutoff) for a in acts}
    pillars = [_pillar_row(plan, p, [a for a in acts if a.pillar == p.numeral], cutoff, standing, states, lang)
               for p in plan.pillars]
    if institution:
        pillars = [p for p in pillars if p["counts"]["activities"]]
    entries = [e for ref, es in plan.progress_by_ref.items() for e in es
               if e.date <= cutoff.isoformat() and (not institution or ref in states)]
    headline = {
        **stats_row(plan, acts, cutoff),
        "overdue_approx": sum(o.approx for o in late),
        "due_next": len(soon),
        "progress_entries": len(entries),
        "last_entry": max((e.date for e in entries), default=None),
    }
    return {
        "lang": lang,
        "t": LABELS[lang],
        "plan": _plan(plan, lang),
        "as_of": cutoff.isoformat(),
        "as_of_long": long_date(cutoff, lang),
        "next_until": horizon_end(cutoff, NEXT_MONTHS).isoformat(),
        "scope": _scope(plan, institution, lang, acts, apart, reached) if institution else None,
        "headline": headline,
        "summary": summary_sentence(lang, headline, long_date(cutoff, lang)),
        "segments": segments(acts, standing, states, lang),
        "trend": report_chart(plan, cutoff, lang, acts),
        "pillars": pillars,
        "totals": {k: sum(p["counts"][k] for p in pillars) for k in PILLAR_COUNTS},
        "overdue_groups": _overdue_groups(plan, late, lang),
        "upcoming": [{**_item(u.rec, lang), "deadline": language.deadline(u.deadline, lang), "due": u.due.isoformat(),
                      "approx": _approx(u.deadline), "state": STATES[lang][u.state.status]} for u in soon],
        "scorecard": _scorecard(plan, acts, standing, states, lang, institution),
        "reporting": _reporting(plan, cutoff, institution),
        "timeline": [t for t in (_timeline(plan, p, [a for a in acts if a.pillar == p.numeral], cutoff,
                                           standing, states, lang) for p in plan.pillars)
                     if t["bars"] or t["not_shown"] or not institution],
        "activities": [_involvement(plan, a, reached[a.ref], lang, states[a.ref], standing[a.ref])
                       for a in acts] if institution else [],
        "for_all": [_involvement(plan, a, reached[a.ref], lang, state_at(plan, a, cutoff), timeliness(plan, a, cutoff))
                    for a in apart],
    }


def _involvement(plan: Plan, rec: ActivityRecord, r: Reach, lang: str, state: State, standing: str) -> Row:
    """One row of a body's activities: its roles, and the collective (`via`) when it is reached
    through one or addressed as one of all bodies."""
    group = plan.registry.by_id.get(r.via) if r.via else None
    via = (group.name_en if lang == "en" else group.name) if group else r.via
    return {**_item(rec, lang), "roles": [ROLES[lang][x] for x in r.roles], "via": via, "via_id": r.via,
            "counted": r.counted, "deadline": "; ".join(language.deadlines(rec, lang)),
            "state": STATES[lang][state.status],
            "reported": state.reported, "standing": STANDINGS[lang][standing], "standing_key": standing}


def _scope(plan: Plan, inst_id: str, lang: str, acts: list[ActivityRecord], apart: list[ActivityRecord],
           reached: dict[str, Reach]) -> Row:
    """The body a per-institution report is for, with the counts its note states."""
    reg = plan.registry
    via = [a for a in acts if reached[a.ref].via]
    by_group: dict[str, int] = {}
    for group in (reached[a.ref].via for a in via):
        if group is not None:
            by_group[group] = by_group.get(group, 0) + 1

    def name(i: str) -> str:
        inst = reg.by_id.get(i)
        return (inst.name_en if lang == "en" else inst.name) if inst else i

    order = reg.groups_of(inst_id)
    def rank(g: str) -> tuple[bool, int, str]:  # its own collectives first, in the registry's order
        return g not in order, order.index(g) if g in order else 0, g

    groups = ", ".join(f"{name(g)} {by_group[g]}" for g in sorted(by_group, key=rank))
    note = LABELS[lang]["scope_note"] % {"n": len(acts), "direct": len(acts) - len(via), "via": len(via),
                                         "groups": f" ({groups})" if groups else "", "for_all": len(apart)}
    return {**_body(plan, inst_id, lang), "direct": len(acts) - len(via), "via": len(via), "for_all": len(apart),
            "members": [name(m) for m in reg.members(inst_id)], "member_of": [name(g) for g in reg.groups_of(inst_id)],
            "note": note}


def build_index(plan: Plan, cutoff: date, lang: str, files: dict[str, str]) -> Row:
    """The per-institution index: one row per body with a report, in registry order."""
    rows = []
    for inst_id, file in files.items():
        reached = [(a, r) for a in plan.activities if (r := reach(plan, a, inst_id, "any")) and r.counted]
        acts = [a for a, _ in reached]
        rows.append({**_body(plan, inst_id, lang), "file": file, "activities": len(acts),
                     "via": sum(r.via is not None for _, r in reached),
                     "lead": sum(a.lead == inst_id for a in acts),
                     "overdue": len(overdue(plan, cutoff, acts)),
                     "due_next": len(upcoming(plan, cutoff, NEXT_MONTHS, acts))})
    return {"lang": lang, "t": LABELS[lang],
            "plan": _plan(plan, lang),
            "as_of": cutoff.isoformat(), "as_of_long": long_date(cutoff, lang),
            "next_until": horizon_end(cutoff, NEXT_MONTHS).isoformat(), "bodies": rows}


def report_bodies(plan: Plan) -> list[str]:
    """Bodies that get their own report: responsible for or supporting at least one activity,
    named in it or through a collective they belong to (BASHKITE through Bashkitë/komunat)."""
    involved = {b for a in plan.activities for b in (*a.responsible_ids, *a.support_ids)}
    reg = plan.registry
    known = [i.id for i in reg.institutions if i.id in involved or any(g in involved for g in reg.groups_of(i.id))]
    return known + sorted(involved - set(known))


# ----------------------------------------------------------------------------- parts


def _body(plan: Plan, inst_id: str | None, lang: str) -> Row:
    inst = plan.registry.by_id.get(inst_id) if inst_id else None
    if inst is None:
        return {"id": inst_id or "—", "name": inst_id or "", "slug": slug(inst_id or "none")}
    return {"id": inst.id, "name": inst.name_en if lang == "en" else inst.name, "slug": slug(inst.id)}


def _plan(plan: Plan, lang: str) -> Row:
    """`title` and `title_en` as in the data; `name`, the title in the report's language."""
    return {"id": plan.meta.id, "title": plan.meta.title, "title_en": plan.meta.title_en,
            "name": language.plan_title(plan.meta, lang), "start": str(plan.start), "end": str(plan.end)}


def _item(rec: ActivityRecord, lang: str) -> Row:
    """An activity's ref and title: `title` in the report's language, `title_lang` the language it
    is really in (`sq` where the English is missing), `title_alt` the other language's text (for
    the HTML filter, so a search finds a row in either language)."""
    other = "sq" if lang == "en" else "en"
    alt = rec.activity.title_en if other == "en" else rec.title
    return {"ref": rec.ref, "title": language.title(rec, lang), "title_lang": language.title_lang(rec, lang),
            "title_alt": alt or "", "title_sq": rec.title, "title_en": rec.activity.title_en,
            "lead": rec.lead or "—", "pillar": rec.pillar}


def _approx(deadline: Deadline) -> bool:
    return bool(deadline.reading and deadline.reading.approx)


def _pillar_row(plan: Plan, pillar: PillarRecord, acts: list[ActivityRecord], cutoff: date, standing: Standings,
                states: States, lang: str) -> Row:
    counts = stats_row(plan, acts, cutoff)
    return {"numeral": pillar.numeral, "title": pillar.title, "title_en": pillar.title_en,
            "name": language.pillar_title(pillar, lang), "anchor": f"pillar-{pillar.numeral}",
            "counts": {k: counts[k] for k in PILLAR_COUNTS},
            "segments": segments(acts, standing, states, lang)}


def _overdue_groups(plan: Plan, late: list[Overdue], lang: str) -> list[Row]:
    """Grouped by lead body: most overdue items first, then registry order; items most late first."""
    groups: dict[str | None, list[Overdue]] = {}
    for o in late:
        groups.setdefault(o.rec.lead, []).append(o)
    order = {i.id: n for n, i in enumerate(plan.registry.institutions)}
    keys = sorted(groups, key=lambda k: (-len(groups[k]), k is None, order.get(k or "", len(order)), k or ""))
    return [{**(_body(plan, k, lang) if k else {"id": "—", "name": LABELS[lang]["no_lead"], "slug": "none"}),
             "items": [{**_item(o.rec, lang), "deadline": language.deadline(o.deadline, lang), "due": o.due.isoformat(),
                        "approx": o.approx, "months_late": o.months_late,
                        "state": STATES[lang][o.state.status], "reported": o.state.reported}
                       for o in groups[k]]}
            for k in keys]


def _scorecard(plan: Plan, acts: list[ActivityRecord], standing: Standings, states: States, lang: str,
               institution: str | None) -> list[Row]:
    """By lead as the plan prints it. For one body: the activities it leads, then one row per
    collective it belongs to for the activities that collective leads (labelled as such)."""
    rows: dict[str, Row] = {}
    leads = [institution, *plan.registry.groups_of(institution)] if institution else None
    for a in acts:
        if a.lead is None or (leads is not None and a.lead not in leads):
            continue
        if a.lead not in rows:
            body = _body(plan, a.lead, lang)
            if institution and a.lead != institution:
                body["name"] = f"{body['name']} ({LABELS[lang]['led_via']})"
            rows[a.lead] = {**body, **dict.fromkeys(SCORE_COUNTS, 0)}
        row = rows[a.lead]
        row["total"] += 1
        row["overdue"] += standing[a.ref] == "overdue"
        row["completed_on_time"] += standing[a.ref] == "completed_on_time"
        row["completed_late"] += standing[a.ref] == "completed_late"
        row["no_evidence"] += not states[a.ref].reported
    order = {i.id: n for n, i in enumerate(plan.registry.institutions)}
    return sorted(rows.values(), key=lambda r: (r["id"] != institution, order.get(r["id"], len(order)), r["id"]))


def _reporting(plan: Plan, cutoff: date, institution: str | None) -> dict[str, Any] | None:
    """Who has reported for the last quarter closed by the cut-off (compliance.py); None outside the plan."""
    from . import compliance

    q = compliance.quarter_at(plan, cutoff)
    if q is None:
        return None
    if institution:
        one = compliance.at_cutoff(plan, institution, cutoff)
        reports = [one] if one else []
    else:
        reports = compliance.reporting(plan, q)
    return {"quarter": str(q), "rows": [r.as_json() for r in reports]} if reports else None


def _bar_status(rec: ActivityRecord, standing: str, state: State) -> str:
    """overdue | done | active | ongoing | cancelled | planned: the bar's colour and Mermaid tag."""
    if standing == "overdue":
        return "overdue"
    if standing in ("completed_on_time", "completed_late"):
        return "done"
    if standing == "cancelled":
        return "cancelled"
    if state.status == "in_progress":
        return "active"
    if rec.ongoing:
        return "ongoing"
    return "planned"


def _timeline(plan: Plan, pillar: PillarRecord, acts: list[ActivityRecord], cutoff: date, standing: Standings,
              states: States, lang: str) -> Row:
    """Bars in whole months from the plan start; `by` deadlines (no start) run from the plan start."""
    spans: list[tuple[ActivityRecord, Month, Month]] = []
    for a in acts:
        readings = [d.reading for d in a.deadlines if d.reading and d.reading.end]
        ends = [r.end for r in readings if r.end]
        if readings:
            spans.append((a, min(r.start or plan.start for r in readings), max(ends)))
    first = min([plan.start, *(s for _, s, _ in spans)])
    last = max([plan.end, *(e for _, _, e in spans)])
    cut = Month.of(cutoff)
    bars = [{**_item(a, lang), "goal": a.goal.id, "status": _bar_status(a, standing[a.ref], states[a.ref]),
             "deadline": "; ".join(language.deadlines(a, lang)), "state": STATES[lang][states[a.ref].status],
             "start": str(s), "end": str(e), "start_day": s.first_day().isoformat(),
             "end_day": e.plus(1).first_day().isoformat(),
             "offset": s.index - first.index, "span": e.index - s.index + 1, "row": row}
            for row, (a, s, e) in enumerate(spans)]
    sections: dict[str, list[Row]] = {}
    for bar in bars:
        sections.setdefault(bar["goal"], []).append(bar)
    years = [{"year": y, "offset": Month(y, 1).index - first.index}
             for y in range(first.year, last.year + 1) if Month(y, 1) >= first]
    return {
        "numeral": pillar.numeral, "title": pillar.title, "title_en": pillar.title_en,
        "name": language.pillar_title(pillar, lang), "anchor": f"timeline-{pillar.numeral}",
        "start": str(first), "end": str(last), "months": last.index - first.index + 1,
        "years": years,
        "cutoff": cutoff.isoformat(),
        # fraction of the cut-off month that has passed, so the line sits on the day
        "cutoff_offset": (round(cut.index - first.index + cutoff.day / cut.last_day().day, 3)
                          if first <= cut <= last else None),
        "bars": bars,
        "sections": [{"goal": goal, "bars": items} for goal, items in sections.items()],
        "not_shown": len(acts) - len(bars),
    }
