"""The static website of the plan: `build_site(plan, cutoff, langs, base_url)` gives every file
of the site as bytes, keyed by its path; `prepare_out` and `write_site` put them on disk.

Layout (the Albanian at the top, the English under `en/` when both are built):
`index.html` home, `pillars/<numeral>.html`, `activities/<slug of the ref>.html` (a permalink:
ASCII, lowercase, nothing to URL-encode), `bodies/index.html` and `bodies/<slug of the id>.html`,
`search.html`; `assets/` holds the stylesheet, the search script and the search index (a `.js`
file, since browsers refuse to read JSON from `file://`). Every link is relative, so the site works
from `file://`, from a web server's root and from a sub-path (GitHub Pages).

The same plan and cut-off give the same bytes: no clock, plan order everywhere. Figures come
from the point queries and the report's context (`report.build_context`), never recomputed.
Progress notes marked `internal: true` never reach a page. Plan text is escaped by the
autoescaping sandboxed environment of `render` and passed through as written otherwise.
"""

from __future__ import annotations

import json
import os
import posixpath
import shutil
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from . import language
from .domain import ProgressEntry
from .errors import InvalidArgument
from .plan import ActivityRecord, Plan
from .queries import by_institution, last_closed_quarter, overdue_item, state_at, strongest_role, timeliness
from .report import LABELS, ROLES, STANDINGS, STATES, build_context, long_date, slugs

LANG_CHOICES = ("sq", "en", "both")
MARKER = ".apcli-site"  # in every folder `apcli site` writes: the sign it may replace that folder
MARKER_TEXT = b"This folder was written by `apcli site`; the next run replaces it whole.\n"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "base-uri 'none'; form-action 'self'")

# The site's own wording; pages see it over the report's `LABELS` (goal, lead… come from there).
SITE_LABELS: dict[str, dict[str, str]] = {
    "sq": {
        "home": "Kreu", "pillars": "Shtyllat", "bodies": "Institucionet", "search": "Kërko",
        "search_label": "Kërko aktivitete dhe institucione", "search_button": "Kërko",
        "search_hint": "Kërkoni sipas referencës (II-1.(a).1), titullit ose institucionit, shqip ose anglisht.",
        "search_no_js": "Kërkimi ka nevojë për JavaScript. Pa të, shfletoni shtyllat dhe institucionet:",
        "found": "%d rezultate", "found_none": "Asnjë rezultat.", "skip": "Kalo te përmbajtja", "other_lang": "English",
        "fell_due": "Me afat në tremujorin e fundit (%s – %s)", "falls_due": "Me afat deri më %s",
        "objective": "Objektivi", "target": "Synimi i objektivit", "indicators": "Treguesit",
        "milestones": "Hapat", "deadlines": "Afatet", "reading": "Lexohet si", "due_day": "data e afatit",
        "due_days": "datat e afatit", "no_due": "pa datë afati (punë në vazhdimësi)",
        "unreadable": "nuk lexohet (shih `apcli check`)", "approx_short": "≈ e përafërt",
        "roles": "Përgjegjësit", "responsible": "Përgjegjës", "support": "Mbështetës",
        "funder": "Financues", "progress": "Ecuria e raportuar", "no_progress": "Asnjë regjistrim progresi "
        "deri më këtë datë: gjendja nuk hamendësohet.", "date": "Data", "status": "Gjendja",
        "completion": "Shkalla", "evidence": "Dëshmia", "by": "Raportuar nga", "note": "Shënim",
        "standing_at": "Vlerësimi më %s", "see": "Shih edhe", "kind": "Lloji", "aliases": "Shkruhet edhe",
        "leads": "Drejton", "co_leads": "Bashkëpërgjegjës", "supports": "Mbështet", "funds": "Financon",
        "via_title": "Nëpërmjet kolektivave ku bën pjesë", "overdue_work": "Puna me vonesë",
        "calendar": "Kalendari (ICS)", "all_bodies": "Të gjitha institucionet",
        "body_count": "%d aktivitete (çdo rol)", "later_entries": "%d regjistrime pas kësaj date nuk shfaqen.",
        "limited": "e kufizuar", "substantial": "e konsiderueshme", "home_intro": "Gjendja e zbatimit të planit "
        "më %s, nga të dhënat e planit dhe raportimet e institucioneve.",
    },
    "en": {
        "home": "Home", "pillars": "Pillars", "bodies": "Institutions", "search": "Search",
        "search_label": "Search activities and institutions", "search_button": "Search",
        "search_hint": "Search by ref (II-1.(a).1), title or institution, in English or Albanian.",
        "search_no_js": "Search needs JavaScript. Without it, browse the pillars and institutions:",
        "found": "%d results", "found_none": "No results.", "skip": "Skip to content", "other_lang": "Shqip",
        "unofficial": "Unofficial translation: the plan's texts on this site are an unofficial English "
                      "translation, and its deadlines are given as apcli reads them; the Albanian text adopted "
                      "by the Government of Albania is the only official one (the Albanian pages: Shqip). A text "
                      f"not yet translated is shown in Albanian, marked “{language.MISSING.strip()}”.",
        "fell_due": "Due in the last quarter (%s – %s)", "falls_due": "Due by %s",
        "objective": "Objective", "target": "Target", "indicators": "Indicators",
        "milestones": "Milestones", "deadlines": "Deadlines", "reading": "Read as", "due_day": "due",
        "due_days": "due on", "no_due": "no due day (ongoing work)",
        "unreadable": "cannot be read (see `apcli check`)", "approx_short": "≈ approximate",
        "roles": "Responsibilities", "responsible": "Responsible", "support": "Support",
        "funder": "Funder", "progress": "Reported progress", "no_progress": "No progress entry up to this "
        "date: the status is never guessed.", "date": "Date", "status": "Status",
        "completion": "Extent", "evidence": "Evidence", "by": "Reported by", "note": "Note",
        "standing_at": "Standing on %s", "see": "See also", "kind": "Kind", "aliases": "Also written",
        "leads": "Leads", "co_leads": "Co-responsible", "supports": "Supports", "funds": "Funds",
        "via_title": "Through collectives it belongs to", "overdue_work": "Overdue work",
        "calendar": "Calendar (ICS)", "all_bodies": "All institutions",
        "body_count": "%d activities (any role)", "later_entries": "%d entries after this date are not shown.",
        "limited": "limited", "substantial": "substantial", "home_intro": "How far the plan has come as of %s, "
        "from the plan's data and the institutions' progress reports.",
    },
}
KINDS = {
    "sq": {"ministry": "ministri", "agency": "agjenci", "police": "policia", "prosecution": "prokuroria",
           "judiciary": "gjyqësori", "coordination": "bashkërendim", "local": "pushtet vendor", "ngo": "OJF",
           "international": "organizatë ndërkombëtare", "donor": "donator", "budget": "buxhet", "other": "tjetër"},
    "en": {"ministry": "ministry", "agency": "agency", "police": "police", "prosecution": "prosecution",
           "judiciary": "judiciary", "coordination": "coordination", "local": "local government", "ngo": "NGO",
           "international": "international organisation", "donor": "donor", "budget": "budget", "other": "other"},
}
ROLE_SECTIONS = (("lead", "leads"), ("responsible", "co_leads"), ("support", "supports"), ("funder", "funds"))


class SiteError(InvalidArgument, ValueError):
    """An --out, --lang or --base-url that cannot be used; the message says why."""


# ----------------------------------------------------------------------------- options


def langs_of(text: str) -> tuple[str, ...]:
    key = text.strip().lower()
    if key not in LANG_CHOICES:
        raise SiteError(f"unknown --lang {text!r}; use one of: {', '.join(LANG_CHOICES)}")
    return ("sq", "en") if key == "both" else (key,)


def check_base_url(url: str | None) -> str | None:
    """`https://host/path/` (a `/` added at the end); None stays None."""
    if url is None:
        return None
    text = url.strip()
    if not text.startswith(("https://", "http://")) or len(text.split("/", 3)[2]) == 0:
        raise SiteError(f"--base-url {url!r}: give an absolute http(s) address, e.g. https://example.org/plan/")
    if any(c.isspace() or c in "\"'<>`\\" or ord(c) < 32 for c in text):
        raise SiteError(f"--base-url {url!r}: holds a character an address cannot hold")
    return text if text.endswith("/") else text + "/"


# ----------------------------------------------------------------------------- where it goes


def prepare_out(out: Path, dry: bool = False) -> Path:
    """Check (and unless `dry`, create) the site's folder. A folder that exists must be empty or
    hold the marker an earlier `apcli site` left (then it is replaced whole); anything else —
    a file, a link, a device, a folder with other content — is refused, so a typo never wipes a
    folder of someone's work. A missing folder is made only when its parent exists."""
    try:
        info = os.lstat(out)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise SiteError(f"--out {out}: {exc.strerror or exc}") from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise SiteError(f"--out {out}: is a symbolic link; give the real folder")
        if not stat.S_ISDIR(info.st_mode):
            raise SiteError(f"--out {out}: exists and is not a folder")
        entries = os.listdir(out)
        if entries and MARKER not in entries:
            raise SiteError(f"--out {out}: the folder is not empty and was not written by `apcli site` "
                            f"(no {MARKER} file); give a new or empty folder")
        if entries:
            marker = os.lstat(out / MARKER)
            if not stat.S_ISREG(marker.st_mode):
                raise SiteError(f"--out {out}: {MARKER} is not a regular file; refusing to replace the folder")
        return out
    parent = out.parent
    if not parent.is_dir():
        raise SiteError(f"--out {out}: folder {parent} does not exist")
    if not dry:
        out.mkdir()
    return out


def write_site(out: Path, files: dict[str, bytes]) -> int:
    """Replace the contents of `out` (checked by `prepare_out`) with `files`; the total size.
    The new site is written beside it first, then swapped in, so a failure half-way leaves the
    old site standing and a reader never sees a mix of two builds."""
    parent = out.resolve().parent
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=parent))
    try:
        for name, data in sorted(files.items()):
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        (staging / MARKER).write_bytes(MARKER_TEXT)
        os.chmod(staging, 0o755)  # mkdtemp makes it 0700; a web server must read it
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=parent))
        os.rmdir(old)
        os.rename(out, old)
        try:
            os.rename(staging, out)
        except OSError:
            os.rename(old, out)
            raise
        shutil.rmtree(old)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise SiteError(f"--out {out}: {exc.strerror or exc}") from None
    return sum(len(data) for data in files.values()) + len(MARKER_TEXT)


# ----------------------------------------------------------------------------- paths


def activity_path(slug_: str) -> str:
    return f"activities/{slug_}.html"


def body_path(slug_: str) -> str:
    return f"bodies/{slug_}.html"


def pillar_path(numeral: str) -> str:
    return f"pillars/{numeral.lower()}.html"


def up(path: str) -> str:
    """The relative way from `path`'s folder back to the root of its tree (`""`, `../`)."""
    return "../" * path.count("/")


# ----------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Names:
    """Every page's slug, fixed for the whole build."""

    activities: dict[str, str]
    bodies: dict[str, str]


def body_ids(plan: Plan) -> list[str]:
    """A page per registered body, then any body a row names that the registry lacks."""
    known = [i.id for i in plan.registry.institutions]
    named = {b for a in plan.activities for b in (*a.responsible_ids, *a.support_ids, *a.resource_ids)}
    return known + sorted(named - set(known))


def public_entries(plan: Plan, rec: ActivityRecord, cutoff: date) -> tuple[list[ProgressEntry], int]:
    """The progress entries dated by the cut-off, and how many come later. A note marked
    `internal: true` is dropped by `_entry` (the entry itself, its status and evidence stay)."""
    entries: Sequence[ProgressEntry] = plan.progress_by_ref.get(rec.ref, ())
    shown = [e for e in entries if e.date <= cutoff.isoformat()]
    return shown, len(entries) - len(shown)


def _entry(e: ProgressEntry, t: dict[str, str], lang: str) -> dict[str, Any]:
    from .progress import public_note

    return {"date": e.date, "status": STATES[lang].get(e.status, e.status),
            "completion": t.get(e.completion, e.completion) if e.completion else None,
            "evidence": e.evidence, "by": e.by, "note": public_note(e)}


def _reading(d: Any, t: dict[str, str], lang: str) -> dict[str, Any]:
    r = d.reading
    if r is None:
        return {"phrase": d.phrase, "override": d.due_override, "text": t["unreadable"], "approx": False,
                "due": []}
    if lang == "en":
        words = language.deadline_en(d) or ""
    elif r.start and r.end and r.start != r.end:
        words = f"{r.start} – {r.end}"
    elif r.end:
        words = str(r.end)
    else:
        words = ""
    days = [x.isoformat() for x in r.due_days]
    due = t["no_due"] if not days else f"{t['due_day'] if len(days) == 1 else t['due_days']} {', '.join(days)}"
    return {"phrase": d.phrase, "override": d.due_override, "text": f"{words}; {due}" if words else due,
            "approx": r.approx, "due": days}


class Builder:
    """Builds the pages of one plan at one cut-off; lang-independent answers are computed once."""

    def __init__(self, plan: Plan, cutoff: date, langs: tuple[str, ...], base_url: str | None):
        self.plan, self.cutoff, self.langs, self.base_url = plan, cutoff, langs, base_url
        ids = body_ids(plan)
        self.names = Names(slugs([a.ref for a in plan.activities]), slugs(ids))
        self.standing = {a.ref: timeliness(plan, a, cutoff) for a in plan.activities}
        self.states = {a.ref: state_at(plan, a, cutoff) for a in plan.activities}
        self.bodies = {b: by_institution(plan, b, cutoff, "all") for b in ids}
        self.pillar_trends: dict[str, list[dict[str, Any]]] = {}  # numeral → the rows of its chart
        self.files: dict[str, bytes] = {}

    # ------------------------------------------------------------------ shared bits

    def prefix(self, lang: str) -> str:
        return "" if lang == self.langs[0] else f"{lang}/"

    def page(self, lang: str, path: str, template: str, title: str, **context: Any) -> None:
        from .render import render

        full = self.prefix(lang) + path
        t = {**LABELS[lang], **SITE_LABELS[lang]}
        other = [x for x in self.langs if x != lang]
        switch = None
        if other:
            target = self.prefix(other[0]) + path
            switch = {"href": posixpath.relpath(target, posixpath.dirname(full) or "."), "lang": other[0],
                      "label": t["other_lang"]}
        ctx = {
            "lang": lang, "t": t, "root": up(path), "assets": up(full) + "assets/", "csp": CSP,
            "title": title, "switch": switch, "path": path,
            "canonical": f"{self.base_url}{full}" if self.base_url else None,
            "plan_name": language.plan_title(self.plan.meta, lang),
            "as_of": self.cutoff.isoformat(), "as_of_long": long_date(self.cutoff, lang),
            "pillars_nav": [{"numeral": p.numeral, "href": pillar_path(p.numeral)} for p in self.plan.pillars],
            **context,
        }
        self.files[full] = render(ctx, "html", name=f"site/{template}").encode("utf-8")

    def item(self, rec: ActivityRecord, lang: str) -> dict[str, Any]:
        """An activity as a row of a list: ref, title, lead, deadline, standing, link."""
        standing = self.standing[rec.ref]
        return {"ref": rec.ref, "href": activity_path(self.names.activities[rec.ref]),
                "title": language.title(rec, lang), "title_lang": language.title_lang(rec, lang),
                "lead": rec.lead or "—", "lead_href": body_path(self.names.bodies[rec.lead]) if rec.lead else None,
                "deadline": "; ".join(language.deadlines(rec, lang)) or "—",
                "approx": any(d.reading and d.reading.approx for d in rec.deadlines),
                "standing": STANDINGS[lang][standing], "standing_key": standing,
                "state": STATES[lang][self.states[rec.ref].status], "reported": self.states[rec.ref].reported}

    def body_link(self, entry: str, lang: str) -> dict[str, Any]:
        """A responsible/support/resources entry: `ID` or `ID/unit`, with its page and name."""
        from .institutions import split_unit

        body, unit = split_unit(entry)
        inst = self.plan.registry.by_id.get(body)
        return {"id": body, "unit": unit, "href": body_path(self.names.bodies[body]) if body in self.names.bodies
                else None, "name": language.body_name(inst, lang) if inst else body}

    # ------------------------------------------------------------------ pages

    def build(self) -> dict[str, bytes]:
        for lang in self.langs:
            report = build_context(self.plan, self.cutoff, lang)
            self.home(lang, report)
            for p in report["pillars"]:
                self.pillar(lang, p)
            for rec in self.plan.activities:
                self.activity(lang, rec)
            self.body_index(lang)
            for b in self.bodies:
                self.body(lang, b)
            self.search(lang)
        self.assets()
        if self.base_url:
            self.sitemap()
        return dict(sorted(self.files.items()))

    def home(self, lang: str, report: dict[str, Any]) -> None:
        t = SITE_LABELS[lang]
        first, last = last_closed_quarter(self.cutoff)
        fell = []
        for rec in self.plan.activities:
            days = [d for d in rec.due_days if first <= d <= last]
            if days:
                fell.append({**self.item(rec, lang), "due": days[0].isoformat()})
        fell.sort(key=lambda x: x["due"])
        pillars = [{**p, "href": pillar_path(p["numeral"])} for p in report["pillars"]]
        upcoming = [{**u, "href": activity_path(self.names.activities[u["ref"]])} for u in report["upcoming"]]
        self.page(lang, "index.html", "home.html.j2", report["plan"]["name"], report=report, pillars=pillars,
                  trend=report["trend"], fell=fell, upcoming=upcoming,
                  fell_title=t["fell_due"] % (first.isoformat(), last.isoformat()),
                  falls_title=t["falls_due"] % report["next_until"], intro=t["home_intro"] % report["as_of_long"])

    def pillar(self, lang: str, p: dict[str, Any]) -> None:
        rec = next(x for x in self.plan.pillars if x.numeral == p["numeral"])
        acts = [a for a in self.plan.activities if a.pillar == rec.numeral]
        goals = []
        for g in rec.goals:
            objectives = []
            for o in g.objectives:
                objectives.append({
                    "id": o.id, "title": language.heading(o, lang),
                    "target": language.pick(o.target, o.target_en, lang),
                    "indicators": language.pick_list(o.indicators, o.indicators_en, lang),
                    "items": [self.item(a, lang) for a in acts if a.goal is g and a.objective is o]})
            goals.append({"id": g.id, "title": language.heading(g, lang),
                          "indicators": language.pick_list(g.indicators, g.indicators_en, lang),
                          "objectives": objectives})
        from .trend import chart, plan_periods, trend

        if rec.numeral not in self.pillar_trends:  # the counts are the same in both languages
            self.pillar_trends[rec.numeral] = trend(self.plan, acts, plan_periods(self.plan, self.cutoff))
        t = LABELS[lang]
        self.page(lang, pillar_path(rec.numeral), "pillar.html.j2", f"{t['pillar']} {rec.numeral} — {p['name']}",
                  pillar=p, goals=goals, trend=chart(self.pillar_trends[rec.numeral], lang))

    def activity(self, lang: str, rec: ActivityRecord) -> None:
        t = {**LABELS[lang], **SITE_LABELS[lang]}
        a = rec.activity
        shown, later = public_entries(self.plan, rec, self.cutoff)
        item = self.item(rec, lang)
        milestones = []
        for i, m in enumerate(a.milestones or []):
            d = next((x for x in rec.deadlines if x.milestone == i), None)
            milestones.append({"title": language.pick(m.title, m.title_en, lang) if m.title else None,
                               "deadline": _reading(d, t, lang) if d else None,
                               "indicators": language.pick_list(m.indicators, m.indicators_en, lang)})
        from .institutions import split_unit

        ms = list(a.milestones or ())
        lead_entry = next((e for e in a.responsible if split_unit(e)[0] == rec.lead), rec.lead)
        roles = [("lead", [lead_entry] if lead_entry else []),
                 ("responsible", [e for e in [*a.responsible, *(e for m in ms for e in m.responsible or [])]
                                  if split_unit(e)[0] != rec.lead]),
                 ("support", [*a.support, *(e for m in ms for e in m.support or [])]),
                 ("funder", [*a.resources, *(e for m in ms for e in m.resources or [])])]
        role_rows = [{"key": key, "label": t[key], "bodies": [self.body_link(e, lang) for e in dict.fromkeys(entries)]}
                     for key, entries in roles if entries]
        see = []
        for ref in a.see:
            try:
                target = self.plan.resolve_ref(ref)
            except LookupError:  # an unresolvable `see:` is shown as text (`apcli check` reports it)
                see.append({"ref": ref, "href": None, "title": ""})
                continue
            see.append({"ref": target.ref, "href": activity_path(self.names.activities[target.ref]),
                        "title": language.title(target, lang)})
        standing = self.standing[rec.ref]
        item_late = overdue_item(self.plan, rec, self.cutoff)
        pillar = next(p for p in self.plan.pillars if p.numeral == rec.pillar)
        self.page(lang, activity_path(self.names.activities[rec.ref]), "activity.html.j2",
                  f"{rec.ref} — {item['title']}", a=item,
                  title_sq=a.title if lang == "en" else None,
                  pillar={"numeral": pillar.numeral, "name": language.pillar_title(pillar, lang),
                          "href": pillar_path(pillar.numeral)},
                  goal={"id": rec.goal.id, "title": language.heading(rec.goal, lang)},
                  objective={"id": rec.objective.id, "title": language.heading(rec.objective, lang)},
                  deadlines=[_reading(d, t, lang) for d in rec.deadlines if d.milestone is None],
                  milestones=milestones,
                  indicators=language.pick_list(a.indicators, a.indicators_en, lang),
                  roles=role_rows, see=see,
                  entries=[_entry(e, t, lang) for e in shown], later=later,
                  standing={"key": standing, "label": STANDINGS[lang][standing],
                            "months_late": item_late.months_late if item_late else None,
                            "since": item_late.due.isoformat() if item_late else None},
                  state=STATES[lang][self.states[rec.ref].status])

    def body_index(self, lang: str) -> None:
        rows = []
        for b, (_own, summary) in self.bodies.items():
            inst = self.plan.registry.by_id.get(b)
            rows.append({"id": b, "href": body_path(self.names.bodies[b]),
                         "name": language.body_name(inst, lang) if inst else b,
                         "activities": summary["activities"], "overdue": summary["overdue"],
                         "lead": summary["by_role"].get("lead", 0)})
        self.page(lang, "bodies/index.html", "bodies.html.j2", SITE_LABELS[lang]["all_bodies"], bodies=rows)

    def body(self, lang: str, body: str) -> None:
        own, summary = self.bodies[body]
        inst = self.plan.registry.by_id.get(body)
        t = SITE_LABELS[lang]
        sections = []
        for role, label in ROLE_SECTIONS:
            rows = [r for r in own if r.counted and r.via is None and strongest_role(r.roles) == role]
            if rows:
                sections.append({"key": role, "title": t[label], "items": [self.item(r.rec, lang) for r in rows]})
        via = [{**self.item(r.rec, lang), "via": r.via, "role": ROLES[lang][strongest_role(r.roles)]}
               for r in own if r.counted and r.via is not None]
        for_all = [{**self.item(r.rec, lang), "via": r.via} for r in own if not r.counted]
        late = [self.item(r.rec, lang) for r in own if r.counted and r.timeliness == "overdue"]
        reg = self.plan.registry

        def named(i: str) -> dict[str, Any]:
            x = reg.by_id.get(i)
            return {"id": i, "name": language.body_name(x, lang) if x else i,
                    "href": body_path(self.names.bodies[i]) if i in self.names.bodies else None}

        name = language.body_name(inst, lang) if inst else body
        ics = self.calendar(lang, body, [r.rec for r in own if r.counted], name)
        self.page(lang, body_path(self.names.bodies[body]), "body.html.j2", f"{body} — {name}", ics=ics,
                  body={"id": body, "name": name, "name_sq": inst.name if inst and lang == "en" else None,
                        "kind": KINDS[lang].get(inst.kind, inst.kind) if inst else None,
                        "aliases": list(inst.aliases) if inst else [],
                        "members": [named(m) for m in reg.members(body)] if inst else [],
                        "member_of": [named(g) for g in reg.groups_of(body)] if inst else []},
                  summary=summary, sections=sections, via=via, for_all=for_all, late=late,
                  count=t["body_count"] % summary["activities"])

    def calendar(self, lang: str, body: str, acts: list[ActivityRecord], name: str) -> str | None:
        """The body's due days as `calendars/<slug>.ics`, made by the calendar export (`ap_cli.ics`)
        where this apcli has it, in the site's first language (the Albanian, when built): one file
        per body keeps the site small, and both trees link to it. The link from this body's page
        in `lang`; None without the export or without due days."""
        import importlib

        path = f"calendars/{self.names.bodies[body]}.ics"
        if lang == self.langs[0]:
            try:
                ics = importlib.import_module("ap_cli.ics")
            except ImportError:  # no calendar export (or no icalendar): the page links none
                return None
            evs = ics.events(self.plan, acts, self.cutoff, lang)
            if not evs:
                return None
            self.files[path] = ics.calendar_bytes(self.plan, evs, self.cutoff, f"{body} — {name}")
        elif path not in self.files:
            return None
        page = self.prefix(lang) + body_path(self.names.bodies[body])
        return posixpath.relpath(path, posixpath.dirname(page))

    def search(self, lang: str) -> None:
        self.page(lang, "search.html", "search.html.j2", SITE_LABELS[lang]["search"], scripts=True)

    def assets(self) -> None:
        from .render import templates_dir

        folder = templates_dir() / "site"
        for name in ("site.css", "search.js", "favicon.svg"):
            self.files[f"assets/{name}"] = (folder / name).read_bytes()
        self.files["assets/search-index.js"] = search_index(self.plan, self.names).encode("utf-8")

    def sitemap(self) -> None:
        urls = "".join(f"<url><loc>{_xml(self.base_url or '')}{_xml(name)}</loc></url>\n"
                       for name in self.files if name.endswith(".html"))
        self.files["sitemap.xml"] = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                                     '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                                     f"{urls}</urlset>\n").encode()


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def search_index(plan: Plan, names: Names) -> str:
    """`window.APCLI_INDEX`: one row per activity, body and pillar —
    [kind, path from the tree's root, ref or id, Albanian text, English text, bodies] — in
    plan order; both trees use it (their paths are the same)."""
    rows: list[list[str]] = []
    for p in plan.pillars:
        rows.append(["p", pillar_path(p.numeral), p.numeral, p.title, p.title_en or "", ""])
    for a in plan.activities:
        rows.append(["a", activity_path(names.activities[a.ref]), a.ref, a.title, a.activity.title_en or "",
                     " ".join(dict.fromkeys([*a.responsible_ids, *a.support_ids, *a.resource_ids]))])
    for b in names.bodies:
        inst = plan.registry.by_id.get(b)
        aliases = " ".join(inst.aliases) if inst else ""
        rows.append(["b", body_path(names.bodies[b]), b, inst.name if inst else b,
                     inst.name_en if inst else "", aliases])
    from .diagnostics import escape_text

    # as on the pages (render.finalize): control, bidi and invisible characters shown as escapes
    rows = [[escape_text(cell) for cell in row] for row in rows]
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    # U+2028/2029 end a line in older JavaScript engines; `</` is harmless in a .js file but cheap to avoid
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("</", "<\\/")
    return f"window.APCLI_INDEX={text};\n"


def build_site(plan: Plan, cutoff: date, langs: tuple[str, ...] = ("sq", "en"),
               base_url: str | None = None) -> dict[str, bytes]:
    """Every file of the site, path → bytes, sorted by path."""
    return Builder(plan, cutoff, langs, check_base_url(base_url)).build()


__all__ = ["CSP", "LANG_CHOICES", "MARKER", "SiteError", "build_site", "check_base_url", "langs_of",
           "prepare_out", "search_index", "write_site"]
