"""The ceremony screen in presenter mode, in real headless Chromium, on version-2 logs.

The page, its state, page and stream routes and its static files are the real ones
(tests/browser/hall_support.py serves them over v2 `entries.jsonl` files built from
the PROTOCOL.md bodies by tests/hall_log.py). Each test reads what the hall sees:
every admitted and waiting child of a 400-applicant school on some slide at ≥ 48 px,
at 1920×1080 and 1280×720, in Chinese and in English, nothing out of view; the banner
moving with the log; a reload that costs the state, not the log; axe-core.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from lottery_service.api.i18n import t
from tests.hall_log import ClassPlan, Log, city_schools, hall_schools, season
from tests.support import served

from .conftest import screenshot_path
from .hall_support import PUBLIC_BASE_URL, Meter, axe_serious, hall_app, out_of_view, ready

EVENT = "hall-2026"
SIZES = [(1920, 1080), (1280, 720)]
LANGS = ["zh", "en"]


@pytest.fixture(scope="module")
def hall_log() -> Log:
    return season(EVENT, hall_schools(400), classes=[ClassPlan("S001", 100, 3),
                                                     ClassPlan("S003", 40, 1)],
                  corrections=True)


@pytest.fixture(scope="module")
def drawn(hall_log: Log, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The hall right after the lottery: results, bias audit and publication logged."""
    path = hall_log.write(tmp_path_factory.mktemp("hall") / "entries.jsonl",
                          upto=hall_log.index("published") + 1)
    with served(hall_app({EVENT: path})) as url:
        yield url


def expected_lists(log: Log, upto: int) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """(school, list) → {(reg, masked name)} of every drawn school, read from the entries."""
    entries = log.dicts(upto)
    names = {r["reg"]: r["name"] for e in entries if e["type"] == "input_records"
             for r in e["body"]["records"] if r["type"] == "applicant"}
    drawn = {e["body"]["school"] for e in entries if e["type"] == "lottery_summary"
             and any(st["lottery"] for st in e["body"]["stages"])}
    out: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for e in entries:
        b = e["body"]
        if e["type"] != "lottery_result" or b["school"] not in drawn:
            continue
        if b["outcome"] == "admitted":
            out.setdefault((b["school"], "admitted"), set()).add((b["reg"], names[b["reg"]]))
        if b["waiting"] is not None:
            out.setdefault((b["school"], "waiting"), set()).add((b["reg"], names[b["reg"]]))
    return out


def english_words(page: Any) -> list[str]:
    """Words of three or more Latin letters on the screen's text, hashes left out."""
    text = page.evaluate("() => ['banner', 'slide', 'side', 'pos'].map("
                         "(id) => document.getElementById(id).innerText).join(' ')")
    return [w for w in re.findall(r"[0-9A-Za-z]+", text)
            if re.search(r"[A-Za-z]{3,}", w) and not re.fullmatch(r"[0-9a-f]+", w)]


def url_of(base: str, lang: str, query: str = "") -> str:
    parts = [p for p in ("lang=en" if lang == "en" else "", query) if p]
    return f"{base}/events/{EVENT}/ceremony" + ("?" + "&".join(parts) if parts else "")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_every_child_of_a_drawn_school_is_shown_at_48px_and_nothing_is_out_of_view(
        drawn: str, hall_log: Log, new_page: Any, width: int, height: int, lang: str) -> None:
    """Issue 12 acceptance: every admitted and waiting child of every drawn school (one
    of 400 applicants) appears on a slide, names ≥ 48 px, every slide inside the screen."""
    page = new_page(viewport={"width": width, "height": height})
    page.goto(url_of(drawn, lang))
    slide = ready(page)
    # After the draw the screen shows the first drawn school (not the last school).
    assert slide["id"] == "list:S001:admitted:1"
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans" if lang == "zh" else "en")
    page.keyboard.press("Home")
    read = ready(page, slide["id"])
    first = read["id"]
    seen: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for _ in range(500):
        current = read["id"]
        assert out_of_view(page) == [], current
        if lang == "zh":  # Chinese first: no English word on a Chinese screen
            assert english_words(page) == [], current
        kind, *rest = current.split(":")
        if kind == "list":
            assert read["names"], current
            assert min(n["px"] for n in read["names"]) >= 48, current
            seen.setdefault((rest[0], rest[1]), []).extend(
                (n["reg"], n["name"]) for n in read["names"])
            if current == "list:S001:admitted:1":
                page.wait_for_timeout(600)  # the slide's fade-in
                page.screenshot(path=screenshot_path(
                    f"ceremony-results-{width}x{height}-{lang}.png"))
        if current == "cer:lottery":
            page.wait_for_timeout(600)
            page.screenshot(path=screenshot_path(f"ceremony-seed-{width}x{height}-{lang}.png"))
        page.keyboard.press("PageDown")
        read = ready(page, current)
        if read["id"] == first:
            break
    else:
        raise AssertionError("the slides never came round")
    expected = expected_lists(hall_log, hall_log.index("published") + 1)
    assert set(seen) == set(expected)
    # The check itself sees a cut: twice the name cells the grid holds.
    while not read["id"].startswith("list:"):
        page.keyboard.press("PageDown")
        read = ready(page, read["id"])
    assert out_of_view(page) == []
    page.evaluate("() => document.querySelector('#slide ol.names')"
                  ".append(...[...document.querySelectorAll('#slide ol.names li')]"
                  ".map((li) => li.cloneNode(true)))")
    assert any("cuts its content" in line for line in out_of_view(page))
    for key, names in expected.items():
        assert sorted(seen[key]) == sorted(names), key  # each child exactly once per list


def test_the_banner_follows_the_log_live_and_a_reload_resumes_from_the_state(
        hall_log: Log, tmp_path: Path, new_page: Any) -> None:
    """§5.1: closing the commitments changes the banner at once (SSE); a reload gets the
    state at its size and the stream from there (`?from=<size>`), never the whole log."""
    path = tmp_path / "entries.jsonl"
    closed = hall_log.index("commitments_closed")
    hall_log.write(path, upto=closed)
    with served(hall_app({EVENT: path})) as url:
        page = new_page(viewport={"width": 1920, "height": 1080})
        streams: list[str] = []
        page.on("request", lambda r: streams.append(r.url) if "/stream" in r.url else None)
        page.goto(url_of(url, "zh"))
        assert ready(page)["id"] == "cer:lottery"
        ceremony = t("zh", "ceremony_lottery") + " · "
        expect(page.locator("#banner")).to_have_text(
            ceremony + t("zh", "h.step.committing", done=4, total=4))
        assert streams[-1].endswith(f"/stream?from={closed}")
        with path.open("ab") as f:  # the operator closes the commitments
            f.write(hall_log.entries[closed] + b"\n")
        expect(page.locator("#banner")).to_have_text(
            ceremony + t("zh", "h.step.revealing", done=0, total=4))
        expect(page.locator("body")).to_have_attribute("data-step", "revealing")
        with path.open("ab") as f:  # the reveals, the dice and the seed
            for line in hall_log.entries[closed + 1:hall_log.index("seed") + 1]:
                f.write(line + b"\n")
        seed = json.loads(hall_log.entries[hall_log.index("seed")])["body"]["seed"]
        expect(page.locator("#seed-lottery")).to_have_text("".join(
            seed[i:i + 16] for i in range(0, 64, 16)))
        for word in ("h.participant", "h.commitment", "h.reveal", "h.dice", "h.beacon", "h.seed"):
            expect(page.locator("#slide")).to_contain_text(t("zh", word))
        for role in ("bureau", "notary", "parent-rep", "supervisor"):
            expect(page.locator("#slide")).to_contain_text(t("zh", f"h.role.{role}") + " 1")
        size = hall_log.index("seed") + 1
        page.reload()
        assert ready(page)["id"] == "cer:lottery"
        assert streams[-1].endswith(f"/stream?from={size}")
        expect(page.locator("#seed-lottery")).to_have_text("".join(
            seed[i:i + 16] for i in range(0, 64, 16)))
        with path.open("ab") as f:  # the draw: the screen moves to the first drawn school
            for line in hall_log.entries[size:hall_log.index("bias_audit") + 1]:
                f.write(line + b"\n")
        expect(page.locator("#slide")).to_have_attribute("data-slide", "list:S001:admitted:1")
        expect(page.locator("#banner")).to_have_text(t("zh", "h.step.drawn", done=4))


def test_a_reload_transfers_the_state_not_the_log(tmp_path: Path, new_page: Any) -> None:
    """§18.1: at 20,000 applicants a new viewer (nothing cached) and a reload each cost
    the page, the state and the names on screen, < 1 MB and a small part of the log
    (bench/ceremony_reload.py measures 200,000)."""
    log = season("city-2026", city_schools(20_000, 40), payments=False)
    path = log.write(tmp_path / "entries.jsonl")
    log_bytes = path.stat().st_size
    with served(hall_app({"city-2026": path})) as url:
        page = new_page(viewport={"width": 1920, "height": 1080})
        meter = Meter.attach(page)
        page.goto(f"{url}/events/city-2026/ceremony")
        slide = ready(page)
        page.wait_for_timeout(300)
        assert slide["id"].startswith("list:") and slide["names"]
        by_url = meter.by_url
        assert any("/ceremony-state/" in u for u in by_url)  # the names came page by page
        assert meter.total < 1_000_000, by_url
        assert meter.total * 20 < log_bytes, (meter.total, log_bytes)
        assert all(u.startswith(url) for u in by_url)  # no other host, no CDN
        meter.reset()
        page.reload()
        assert ready(page)["id"] == slide["id"]  # the screen keeps its slide
        page.wait_for_timeout(300)
        assert 0 < meter.total < 1_000_000, meter.by_url


def test_the_qr_code_is_the_configured_public_url_never_the_host_header(
        drawn: str, new_page: Any, tmp_path: Path, hall_log: Log) -> None:
    page = new_page(viewport={"width": 1280, "height": 720})
    page.goto(url_of(drawn, "en"))
    ready(page)
    expect(page.locator("#check-url")).to_have_text(
        f"{PUBLIC_BASE_URL}/events/{EVENT}/check?lang=en")
    expect(page.locator(".hall-qr svg")).to_have_count(1)
    host = drawn.removeprefix("http://")
    assert host not in page.content()
    path = hall_log.write(tmp_path / "entries.jsonl", upto=20)
    with served(hall_app({EVENT: path}, public_base_url=None)) as url:
        page.goto(url_of(url, "zh"))
        ready(page)
        expect(page.locator("#no-url")).to_have_text(t("zh", "h.no_public_url"))
        expect(page.locator(".hall-qr svg")).to_have_count(0)


def test_the_timer_turns_the_pages_and_goes_on_to_the_next_school(
        drawn: str, new_page: Any) -> None:
    page = new_page(viewport={"width": 1920, "height": 1080})
    page.goto(url_of(drawn, "zh", "auto=1"))
    first = ready(page)["id"]
    assert first == "list:S001:admitted:1"
    visited = [first]
    while not visited[-1].startswith("list:S003"):
        visited.append(ready(page, visited[-1])["id"])
        assert len(visited) < 40
    assert [v.split(":")[2:] for v in visited[:2]] == [["admitted", "1"], ["admitted", "2"]]
    expect(page.locator("#pos")).to_contain_text(t("zh", "h.auto", n=1))


def test_corrections_and_only_the_stages_a_school_has_are_shown(drawn: str, hall_log: Log,
                                                                new_page: Any) -> None:
    """§11.1 corrections where their entry is; §7.2 stages with an empty pool are not shown."""
    page = new_page(viewport={"width": 1920, "height": 1080})
    page.goto(url_of(drawn, "zh"))
    ready(page)
    corrections = [json.loads(e)["body"] for e in hall_log.entries
                   if json.loads(e)["type"] == "correction"]
    side = page.locator("#side")
    expect(side).to_contain_text(t("zh", "h.correction", **corrections[0]))
    summary = next(json.loads(e)["body"] for e in hall_log.entries
                   if json.loads(e)["type"] == "lottery_summary")
    has = [st["stage"] for st in summary["stages"] if st["applicants"] > 0]
    expect(side.locator("[data-stage]")).to_have_count(len(has))
    assert "direct" not in has
    expect(side.locator('[data-stage="direct"]')).to_have_count(0)
    corrected = json.loads(hall_log.entries[corrections[0]["refers_to"]])["body"]["reg"]
    page.keyboard.press("End")
    # The corrected child's cell is marked on whichever page holds it.
    for _ in range(60):
        if page.locator(f'li[data-reg="{corrected}"]').count():
            break
        page.keyboard.press("PageDown")
        page.wait_for_function("() => document.getElementById('slide').dataset.ready === '1'")
    expect(page.locator(f'li[data-reg="{corrected}"]')).to_have_class("corrected")
    page.keyboard.press("Home")
    expect(page.locator("#slide")).to_have_attribute("data-slide", "rules")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#slide")).to_have_attribute("data-slide", "cer:lottery")
    expect(page.locator("#side")).to_contain_text(t("zh", "h.correction", **corrections[1]))


@pytest.mark.parametrize("lang", LANGS)
def test_axe_finds_no_serious_violation_on_the_ceremony_screen(drawn: str, new_page: Any,
                                                               lang: str) -> None:
    page = new_page(viewport={"width": 1920, "height": 1080})
    page.goto(url_of(drawn, lang))
    ready(page)
    assert axe_serious(page) == []
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#slide")).to_have_attribute("data-slide", "cer:lottery")
    assert axe_serious(page) == []


@pytest.mark.parametrize("lang", LANGS)
def test_the_seed_panel_is_whole_with_six_participants_and_a_beacon_at_720p(
        tmp_path: Path, new_page: Any, lang: str) -> None:
    log = season(EVENT, hall_schools(100)[:2], beacon=True, participants=6, payments=False)
    path = log.write(tmp_path / "entries.jsonl", upto=log.index("seed") + 1)
    with served(hall_app({EVENT: path})) as url:
        page = new_page(viewport={"width": 1280, "height": 720})
        page.goto(url_of(url, lang))
        assert ready(page)["id"] == "cer:lottery"
        expect(page.locator("#slide tbody tr")).to_have_count(6)
        beacon = next(json.loads(e)["body"] for e in log.entries if json.loads(e)["type"]
                      == "beacon")
        expect(page.locator("#beacon-lottery")).to_contain_text(str(beacon["round"]))
        expect(page.locator("#dice-lottery .die")).to_have_count(20)
        assert out_of_view(page) == []
        page.wait_for_timeout(600)  # the slide's fade-in
        page.screenshot(path=screenshot_path(f"ceremony-seed-beacon-1280x720-{lang}.png"))


@pytest.mark.parametrize("lang", LANGS)
def test_before_the_draw_the_schools_are_paged_and_every_slide_fits(
        tmp_path: Path, new_page: Any, lang: str) -> None:
    log = season(EVENT, city_schools(4_000, 40), payments=False)
    path = log.write(tmp_path / "entries.jsonl", upto=log.index("seed") + 1)
    with served(hall_app({EVENT: path})) as url:
        page = new_page(viewport={"width": 1280, "height": 720})
        page.goto(url_of(url, lang))
        read = ready(page)
        page.keyboard.press("Home")
        read = ready(page, read["id"])
        first, rows = read["id"], 0
        while True:
            assert out_of_view(page) == [], read["id"]
            if read["id"].startswith("roster:"):
                rows += page.locator("#slide tbody tr").count()
            page.keyboard.press("PageDown")
            read = ready(page, read["id"])
            if read["id"] == first:
                break
        assert rows == 40  # every school of the input, once
