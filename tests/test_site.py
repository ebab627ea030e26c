"""`apcli site`: every internal link resolves (a crawler from the home page), a page per activity,
pillar and body, same bytes twice, golden pages, no external request, a strict CSP the pages keep,
internal notes never published, plan text escaped, --out safety, and a real Chromium (Playwright)
rendering the pages without console errors and passing axe-core's WCAG 2.1 AA rules."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import posixpath
import re
import time
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import pytest

from ap_cli.domain import ProgressEntry
from conftest import DATA, REAL_PLAN, ROOT, check_golden

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser

    from ap_cli.plan import Plan

Built = tuple[Path, dict[str, bytes], float]

DEMO = ROOT / "examples" / "progress-demo"
EN_PLAN = DATA / "mini-plan-en"
GOLDEN = ROOT / "tests" / "golden" / "site"
CUTOFF = date(2009, 6, 30)
AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes" \u202e'


def load(plan_dir: Path = REAL_PLAN, progress: Path | None = DEMO) -> Plan:
    from ap_cli.loader import load_plan

    plan, _ = load_plan(plan_dir, progress)
    assert plan is not None
    return plan


@pytest.fixture(scope="module")
def real() -> Plan:
    return load()


@pytest.fixture(scope="module")
def built(real: Plan, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The real plan's site (both languages) on disk, its files, and how long the build took."""
    from ap_cli.site import build_site, prepare_out, write_site

    began = time.perf_counter()
    files = build_site(real, CUTOFF, ("sq", "en"))
    took = time.perf_counter() - began
    out = prepare_out(tmp_path_factory.mktemp("site") / "public")
    write_site(out, files)
    return out, files, took


# ----------------------------------------------------------------------------- links


class Links(HTMLParser):
    """Every URL a page refers to (href, src, action), and every id it defines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str]] = []
        self.ids: set[str] = set()
        self.attrs: list[tuple[str, str, str | None]] = []
        self.scripts: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            self.attrs.append((tag, name, value))
            if name == "id" and value:
                self.ids.add(value)
            canonical = tag == "link" and dict(attrs).get("rel") == "canonical"  # the published address
            if name in ("href", "src", "action") and value is not None and not canonical:
                self.urls.append((tag, name, value))
        if tag == "script":
            self.scripts.append(dict(attrs).get("src"))


def parse(data: bytes) -> Links:
    p = Links()
    p.feed(data.decode("utf-8"))
    return p


def test_every_internal_link_resolves_and_every_page_is_reached(built: Built) -> None:
    """A crawler from index.html: each href/src/action is relative, names a file of the site
    (and an id on it, for a #fragment); every page is reachable by following links."""
    out, files, _ = built
    pages = {name for name in files if name.endswith(".html")}
    parsed = {name: parse(files[name]) for name in pages}
    seen, todo, problems = {"index.html"}, ["index.html"], []
    while todo:
        page = todo.pop()
        for tag, attr, url in parsed[page].urls:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or url.startswith("/"):
                problems.append(f"{page}: <{tag} {attr}={url!r}> is not a relative link")
                continue
            path = unquote(parts.path)
            target = posixpath.normpath(posixpath.join(posixpath.dirname(page), path)) if path else page
            if target.startswith("../") or target not in files or not (out / target).is_file():
                problems.append(f"{page}: <{tag} {attr}={url!r}> → {target}: no such file in the site")
                continue
            if parts.fragment and parts.fragment not in parsed[target].ids:
                problems.append(f"{page}: {url!r}: no id {parts.fragment!r} in {target}")
            if target in pages and target not in seen:
                seen.add(target)
                todo.append(target)
    assert problems == []
    assert seen == pages, f"pages no link leads to: {sorted(pages - seen)[:10]}"


def test_page_counts(built: Built, real: Plan) -> None:
    from ap_cli.site import body_ids

    _, files, _ = built
    for prefix in ("", "en/"):
        def count(folder: str, prefix: str = prefix) -> int:
            return sum(1 for n in files if re.fullmatch(re.escape(prefix + folder) + r"/[a-z0-9-]+\.html", n)
                       and not n.endswith("/index.html"))
        assert count("activities") == len(real.activities) == 226
        assert count("pillars") == len(real.pillars) == 4
        assert count("bodies") == len(body_ids(real)) == len(real.registry.institutions)
        for name in ("index.html", "search.html", "bodies/index.html"):
            assert prefix + name in files
    # a stable permalink: the ref's slug, nothing a URL must encode
    from ap_cli.institutions import slug

    assert {f"activities/{slug(a.ref)}.html" for a in real.activities} <= set(files)
    assert "activities/ii-1-a-1.html" in files and "activities/iv-3-a-1-3b.html" in files
    assert all(re.fullmatch(r"[a-z0-9./-]+", n) for n in files)


def test_same_plan_same_cutoff_same_bytes(real: Plan, built: Built, tmp_path: Path, run: Any) -> None:
    from ap_cli.site import build_site

    assert build_site(real, CUTOFF, ("sq", "en")) == built[1]
    outs = []
    for name in ("a", "b"):
        result = run("site", "--as-of", "2009Q2", "--plan", REAL_PLAN, "--progress", DEMO, "--out", tmp_path / name)
        assert result.exit_code == 0, result.stderr
        outs.append({p.relative_to(tmp_path / name).as_posix(): p.read_bytes()
                     for p in sorted((tmp_path / name).rglob("*")) if p.is_file()})
    assert outs[0] == outs[1]
    assert {k: v for k, v in outs[0].items() if k != ".apcli-site"} == built[1]


def test_small_and_fast(built: Built) -> None:
    _, files, took = built
    size = sum(len(v) for v in files.values())
    assert size < 8_000_000, f"{size:,} bytes"
    assert took < 15, f"built in {took:.1f}s"
    assert len(files["assets/search-index.js"]) < 200_000


# ----------------------------------------------------------------------------- what a page may hold


def test_strict_csp_and_no_external_requests(built: Built) -> None:
    """Every page: the CSP meta tag; no inline script, no style attribute or element, no event
    handler attribute; scripts only from assets/; nothing fetched from anywhere else."""
    from ap_cli.site import CSP

    _, files, _ = built
    for name, data in files.items():
        if not name.endswith(".html"):
            continue
        text = data.decode("utf-8")
        assert f'<meta http-equiv="Content-Security-Policy" content="{CSP.replace(chr(39), "&#39;")}">' in text, name
        page = parse(data)
        assert all(src and src.startswith(("assets/", "../assets/", "../../assets/")) for src in page.scripts), name
        bad = [(t, a) for t, a, _ in page.attrs if a == "style" or a.startswith("on")]
        assert bad == [], (name, bad)
        assert "<style" not in text, name
        assert not re.search(r"""(?:src|href|action)=["'](?:https?:)?//""", text), name
    assert CSP == ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; "
                   "form-action 'self'")


def test_base_url_gives_canonical_links_and_a_sitemap(real: Plan) -> None:
    from ap_cli.site import build_site

    files = build_site(real, CUTOFF, ("sq",), "https://example.org/plan")
    page = files["activities/ii-1-a-1.html"].decode()
    assert '<link rel="canonical" href="https://example.org/plan/activities/ii-1-a-1.html">' in page
    sitemap = files["sitemap.xml"].decode()
    assert sitemap.count("<url>") == sum(n.endswith(".html") for n in files)
    assert "<loc>https://example.org/plan/index.html</loc>" in sitemap


@pytest.mark.parametrize("url", ["example.org", "ftp://x/", "https://", 'https://x/"><script>', "javascript:alert(1)"])
def test_bad_base_url(run: Any, tmp_path: Path, url: str) -> None:
    result = run("site", "--plan", EN_PLAN, "--out", tmp_path / "s", "--base-url", url)
    assert result.exit_code == 2 and "--base-url" in result.stderr
    assert not (tmp_path / "s").exists()


def test_internal_notes_never_reach_the_site(real: Plan) -> None:
    """An entry marked `internal: true` keeps its status and evidence on the site; its note never
    appears on any page, nor in the search index. A note not so marked is shown."""
    from ap_cli.site import build_site

    rec = real.activities[0]
    secret = ProgressEntry(ref=rec.ref, status="in_progress", by="ZKKA", date="2009-01-10", evidence="Raporti A",
                           note="SEKRET-viktima-123", internal=True)
    public = ProgressEntry(ref=rec.ref, status="in_progress", by="ZKKA", date="2009-02-10", evidence="Raporti B",
                           note="Shënim publik")
    saved = real.progress_by_ref.get(rec.ref)
    real.progress_by_ref[rec.ref] = (secret, public)
    try:
        files = build_site(real, CUTOFF, ("sq", "en"))
    finally:
        if saved is None:
            del real.progress_by_ref[rec.ref]
        else:
            real.progress_by_ref[rec.ref] = saved
    everything = b"".join(files.values()).decode("utf-8")
    assert "SEKRET" not in everything
    page = files["activities/i-1-a-1.html"].decode()
    assert "Raporti A" in page and "Raporti B" in page and "Shënim publik" in page


def test_plan_text_is_escaped(tmp_path: Path) -> None:
    """A title full of markup stays text on every page and in the search index; a bidi override
    is shown as an escape."""
    from ap_cli.site import build_site

    plan = load(EN_PLAN, None)
    rec = plan.activities[0]
    rec = dataclasses.replace(rec, activity=dataclasses.replace(rec.activity, title=PAYLOAD, title_en=PAYLOAD))
    plan = dataclasses.replace(plan, activities=(rec, *plan.activities[1:]))
    files = build_site(plan, CUTOFF, ("sq", "en"))
    for name, data in files.items():
        text = data.decode("utf-8")
        if name.endswith(".html"):
            assert "<script>alert" not in text and "<img src=x" not in text, name
        assert "\u202e" not in text, name
    page = files["activities/i-1-a-1.html"].decode()
    assert ("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; "
            "&amp; &#34;quotes&#34;") in page
    index = files["assets/search-index.js"].decode()
    assert '<\\/script>' in index  # the index is JSON inside a .js file: never a closing tag


def test_body_calendar_when_the_calendar_export_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    """With `ap_cli.ics` (the calendar export) present, each body with due days gets
    calendars/<slug>.ics (in the first language), linked from its pages in both trees; without
    it, no link (the goldens)."""
    import sys

    from ap_cli.site import build_site

    calls: list[str] = []

    def events(plan: Plan, acts: list[Any], cutoff: date, lang: str) -> list[str]:
        calls.append(lang)
        return [a.ref for a in acts if a.due_days]

    fake = SimpleNamespace(events=events,
                           calendar_bytes=lambda plan, evs, cutoff, name: f"BEGIN:VCALENDAR {name} {len(evs)}".encode())
    monkeypatch.setitem(sys.modules, "ap_cli.ics", fake)
    files = build_site(load(EN_PLAN, None), CUTOFF, ("sq", "en"))
    assert files["calendars/zkka.ics"].startswith(b"BEGIN:VCALENDAR ZKKA")
    assert not any(name.startswith("en/calendars/") for name in files)  # one calendar per body, Albanian
    assert '<a href="../calendars/zkka.ics" type="text/calendar" download>' in files["bodies/zkka.html"].decode()
    assert '<a href="../../calendars/zkka.ics" type="text/calendar" download>' in files["en/bodies/zkka.html"].decode()
    assert set(calls) == {"sq"}


# ----------------------------------------------------------------------------- golden pages

GOLDEN_PAGES = ["index.html", "pillars/i.html", "activities/i-1-a-1.html", "bodies/mpcsshb.html",
                "bodies/index.html", "search.html", "en/index.html", "en/activities/ii-1-a-1.html",
                "en/bodies/zkka.html", "assets/search-index.js"]


@pytest.mark.parametrize("name", GOLDEN_PAGES)
def test_golden(run: Any, tmp_path_factory: pytest.TempPathFactory, update_golden: bool, name: str) -> None:
    """One page of each kind (both languages) from the small English fixture plan, as of 2009-06."""
    out = tmp_path_factory.getbasetemp() / "golden-site"
    if not out.exists():
        result = run("site", "--plan", EN_PLAN, "--as-of", "2009-06", "--out", out)
        assert result.exit_code == 0, result.stderr
    check_golden(GOLDEN / name, (out / name).read_bytes().decode("utf-8"), update_golden)


# ----------------------------------------------------------------------------- the command


def test_cli_writes_and_reports(run: Any, tmp_path: Path) -> None:
    result = run("site", "--plan", EN_PLAN, "--as-of", "2009-06", "--out", tmp_path / "s", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"apcli: wrote 24 pages (33 files, 0.2 MB) to {tmp_path / 's'}\n"
    assert sorted(p.name for p in (tmp_path / "s" / "calendars").iterdir()) == [  # ap_cli.ics: a calendar a body
        "donatoret.ics", "mb.ics", "mpcsshb.ics", "psh.ics", "zkka.ics"]
    assert (tmp_path / "s" / "index.html").read_text().startswith('<!DOCTYPE html>\n<html lang="en">')
    assert not (tmp_path / "s" / "en").exists()


def test_out_folder_rules(run: Any, tmp_path: Path) -> None:
    """A folder with someone's files is never wiped; a symbolic link, a file or a missing parent
    is refused; a folder an earlier run wrote is replaced whole (stray files go)."""
    args = ("site", "--plan", EN_PLAN, "--as-of", "2009-06", "--lang", "sq", "--out")
    work = tmp_path / "work"
    work.mkdir()
    (work / "thesis.txt").write_text("mine")
    result = run(*args, work)
    assert result.exit_code == 2
    assert "not empty and was not written by `apcli site`" in result.stderr
    assert sorted(os.listdir(work)) == ["thesis.txt"]

    (tmp_path / "link").symlink_to(work)
    assert run(*args, tmp_path / "link").exit_code == 2
    (tmp_path / "file").write_text("x")
    result = run(*args, tmp_path / "file")
    assert result.exit_code == 2 and "exists and is not a folder" in result.stderr
    result = run(*args, tmp_path / "no" / "such")
    assert result.exit_code == 2 and "does not exist" in result.stderr

    site = tmp_path / "site"
    assert run(*args, site).exit_code == 0
    (site / "stray.html").write_text("old")
    (site / "activities" / "old.html").write_text("old")
    assert run(*args, site).exit_code == 0
    assert not (site / "stray.html").exists() and not (site / "activities" / "old.html").exists()
    assert (site / ".apcli-site").is_file()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []  # no staging left behind
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run(*args, empty).exit_code == 0 and (empty / "index.html").is_file()


def test_unknown_lang(run: Any, tmp_path: Path) -> None:
    result = run("site", "--plan", EN_PLAN, "--out", tmp_path / "s", "--lang", "fr")
    assert result.exit_code == 2 and result.stderr == "apcli: unknown --lang 'fr'; use one of: sq, en, both\n"


# ----------------------------------------------------------------------------- a real browser


def playwright_chromium() -> tuple[Any, str]:
    """Playwright's sync API and the system's Chromium (never a downloaded browser); skipped
    without them, a failure under CI=true."""
    import shutil

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    import importlib.util

    sync_playwright: Any = None
    if importlib.util.find_spec("playwright") is not None:
        from playwright.sync_api import sync_playwright
    missing = ("the playwright package (pip install playwright)" if sync_playwright is None
               else None if chromium else "Chromium (Debian package `chromium`)")
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing} is missing, and CI=true requires the browser tests")
        pytest.skip(f"{missing} is missing; with CI=true this test fails instead")
    assert chromium is not None
    return sync_playwright, chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    sync_playwright, chromium = playwright_chromium()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield b
        b.close()


BROWSED = ["index.html", "activities/ii-1-a-1.html", "bodies/zkka.html", "en/index.html", "en/pillars/ii.html",
           "search.html"]


@pytest.mark.parametrize("name", BROWSED)
def test_pages_render_without_console_errors(browser: Browser, built: Built, name: str) -> None:
    out, _, _ = built
    page = browser.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((out / name).as_uri())
    page.wait_for_load_state("load")
    assert messages == []
    assert all(u.startswith("file://") for u in requests), requests
    assert page.locator("h1").count() == 1
    page.close()


def test_search_finds_in_both_languages(browser: Browser, built: Built) -> None:
    out, _, _ = built
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((out / "search.html").as_uri() + "?q=shelter")  # English words, on the Albanian page
    results = page.locator("#results li a")
    assert results.count() > 0
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert all((out / (h or "")).is_file() for h in hrefs)
    page.fill("#site-q", "mpcsshb strehe")  # no diacritics, a body and an Albanian word
    assert page.locator("#results li").count() > 0
    assert "rezultate" in page.locator("#search-status").inner_text()
    page.fill("#site-q", "zzzqqq")
    assert page.locator("#results li").count() == 0
    assert page.locator("#search-status").inner_text() == "Asnjë rezultat."
    assert errors == []
    page.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_fits_a_phone_and_a_desktop(browser: Browser, built: Built, width: int) -> None:
    out, _, _ = built
    page = browser.new_page(viewport={"width": width, "height": 900})
    for name in ("index.html", "activities/ii-1-a-1.html", "bodies/zkka.html", "pillars/ii.html"):
        page.goto((out / name).as_uri())
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{name} scrolls sideways at {width}px ({scroll}px wide)"
    page.close()


@pytest.mark.parametrize("name", ["index.html", "pillars/ii.html", "activities/ii-1-a-1.html", "bodies/zkka.html",
                                  "en/index.html", "en/activities/iv-3-a-1-3b.html", "search.html"])
def test_axe_wcag21_aa(browser: Browser, built: Built, name: str) -> None:
    """axe-core (vendored, hash-checked) with the WCAG 2.0/2.1 A and AA rules: no serious or
    critical violation. The page's CSP is bypassed for axe's own script only."""
    out, _, _ = built
    source = AXE.read_bytes()
    assert hashlib.sha256(source).hexdigest() == AXE_SHA256, "tests/vendor/axe-core/axe.min.js changed"
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto((out / name).as_uri() + ("?q=zkka" if name == "search.html" else ""))
    page.add_script_tag(content=source.decode("utf-8"))
    result = page.evaluate("""async () => {
      const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
      return {violations: r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
                                                  first: v.nodes[0] && v.nodes[0].html.slice(0, 160)})),
              passes: r.passes.length};
    }""")
    context.close()
    serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
    assert result["passes"] > 10


def test_usable_without_javascript(browser: Browser, built: Built) -> None:
    """Only the search page has a script; without JavaScript it says so and links to the pillars
    and bodies, and every other page is whole."""
    out, files, _ = built
    assert [n for n, d in files.items() if n.endswith(".html") and b"<script" in d] == ["en/search.html", "search.html"]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto((out / "search.html").as_uri() + "?q=zkka")
    assert "Kërkimi ka nevojë për JavaScript" in page.inner_text("main")
    assert page.locator("main ul.browse a").count() == 5
    context.close()


def test_the_home_chart_is_the_trend(built: Built, real: Plan) -> None:
    """The home page's chart holds `apcli trend`'s rows, quarter by quarter up to the cut-off."""
    from ap_cli.trend import plan_periods, trend

    _, files, _ = built
    home = files["index.html"].decode()
    rows = trend(real, list(real.activities), plan_periods(real, CUTOFF))
    assert [r["period"] for r in rows] == ["2008Q1", "2008Q2", "2008Q3", "2008Q4", "2009Q1", "2009Q2"]
    for r in rows:
        cells = "".join(f'<td class="n" data-label="{label}">{r[k]}</td>' for k, label in
                        [("due_so_far", "Me afat të skaduar"), ("completed", "Përfunduar"), ("overdue", "Me vonesë"),
                         ("in_progress", "Në proces")])
        assert f'<tr><td class="key nw">{r["period"]}</td>{cells}</tr>' in home


def test_same_bytes_across_processes(tmp_path: Path) -> None:
    """Two processes with different hash seeds (set and dict order of strings) write the same site."""
    import subprocess
    import sys

    trees = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed,
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
        out = tmp_path / f"seed-{seed}"
        done = subprocess.run([sys.executable, "-m", "ap_cli", "site", "--as-of", "2009Q2", "--progress", str(DEMO),
                               "--plan", str(REAL_PLAN), "--out", str(out)], capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
        trees.append({p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                      for p in sorted(out.rglob("*")) if p.is_file()})
    assert trees[0] == trees[1]
