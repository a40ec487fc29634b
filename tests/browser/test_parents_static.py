"""Results day with the app server stopped (issue 13; PROTOCOL.md §14, §18): a whole demo
season is published by the service, the service is closed, and the real Debian nginx
serves the publication directory alone. A family opens the published parents' page in
headless Chromium, and its result is shown only as the browser verified it from the
family's shard, the checkpoint and the tiles; a tampered or forged shard, and tampered
tiles, are never shown as verified.

Which family has which result is read from the published bundle's entries (public JSON),
and the second factors from the demo's import file; the expected texts come from
api/i18n.py, never from the page.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from lottery_service.api.i18n import t
from lottery_service.demo import DemoRun
from lottery_service.demo.district import generate_district
from tests import shard_support as shards
from tests.nginx_support import readable_dir, require_nginx, serving
from tests.support import make_runtime, proof_x, with_proof_x

from .conftest import APPLICANTS, _second_factors, assert_cards_fit, screenshot_path
from .test_accessibility import axe_violations

require_nginx()

EVENT = "demo-2026"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 1}
SIZES = ((390, 844), (1280, 720), (1920, 1080))


def z(key: str, **kw: object) -> str:
    return t("zh", key, **kw)


@dataclass
class Published:
    url: str  # the nginx base URL
    base: Path  # <root>/<event>
    origin: str
    last4: dict[str, str]
    entries: list[dict[str, Any]]

    def shard(self, reg: str) -> Path:
        return shards.path(self.base, self.origin, reg, self.last4[reg])

    def open_shard(self, reg: str) -> str:
        text = shards.open_shard(self.base, self.origin, reg, self.last4[reg])
        assert text is not None, reg
        return text

    def seal(self, reg: str, receipt: str) -> None:
        shards.seal(self.base, self.origin, reg, self.last4[reg], receipt)

    def families(self, *, forfeited: str | None) -> list[str]:
        """Lottery applicants admitted in the draw: with a forfeit of that reason, or (None)
        with no forfeit at all."""
        admitted = [e["body"]["reg"] for e in self.entries if e["type"] == "lottery_result"
                    and e["body"]["outcome"] == "admitted"]
        reasons = {e["body"]["reg"]: e["body"]["reason"] for e in self.entries
                   if e["type"] == "forfeit"}
        return [r for r in admitted if reasons.get(r) == forfeited and r in self.last4]


@pytest.fixture(scope="module")
def published() -> Iterator[Published]:
    work = readable_dir()
    district = generate_district(applicants=APPLICANTS, event_id=EVENT)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SUNSHINE_PUBLICATION_ROOT", str(work / "pub"))
        mp.delenv("SUNSHINE_REHEARSAL_PUBLICATION_ROOT", raising=False)
        mp.delenv("SUNSHINE_PUBLICATION_URL", raising=False)
        rt = make_runtime(work / "svc")
        try:
            for _name, step in DemoRun(rt, district, say=lambda _: None).steps():
                step()
                assert rt.service.followup.drain(120)  # published before the next step
            origin = rt.service.witnesses.origin(EVENT)
        finally:
            rt.close()  # the app server is gone: only nginx answers from here on
    base = work / "pub" / EVENT
    for path in [work / "pub", *(work / "pub").rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    entries = [json.loads(line) for line in
               (base / "bundle" / "entries.jsonl").read_text("utf-8").splitlines()]
    try:
        with serving(work / "pub", work / "nginx") as url:
            yield Published(url, base, origin, _second_factors(district), entries)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _check(page: Page, published: Published, reg: str, last4: str | None = None) -> None:
    page.get_by_label(z("reg")).fill(reg)
    page.get_by_label(z("id_last4")).fill(last4 or published.last4[reg])
    page.get_by_role("button", name=z("lookup")).click()


def _page(new_page: Any, published: Published) -> Page:
    page: Page = new_page(**PHONE)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.goto(f"{published.url}/{EVENT}/check.html")
    page.asked = asked  # type: ignore[attr-defined]
    return page


def _shoot(page: Page, name: str) -> None:
    """Full-page shots at the phone, laptop and projector sizes, none scrolling sideways."""
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        w = page.evaluate("() => [document.documentElement.scrollWidth, "
                          "document.documentElement.clientWidth]")
        assert w[0] <= w[1], w
        page.screenshot(path=screenshot_path(f"{name}-{width}x{height}.png"), full_page=True)


def test_a_family_verifies_its_result_from_nginx_alone_18(
        published: Published, new_page: Any) -> None:
    confirmed = published.families(forfeited=None)[0]
    unpaid = published.families(forfeited="unpaid")[0]
    page = _page(new_page, published)
    expect(page.locator("h1")).to_have_text(z("check_title"))
    _check(page, published, confirmed)
    expect(page.locator("#outcome")).to_have_text(z("c.s.confirmed"))
    expect(page.locator("#status")).to_have_text(z("c.verified"))
    _shoot(page, "parents-static-confirmed")
    _check(page, published, unpaid)
    expect(page.locator("#outcome")).to_have_text(z("c.s.forfeited_unpaid"))
    _check(page, published, confirmed, "0000" if published.last4[confirmed] != "0000" else "0001")
    expect(page.locator("#message")).to_contain_text(z("not_found"))
    expect(page.locator("#result")).to_be_hidden()
    asked = page.asked  # type: ignore[attr-defined]
    assert asked and all(u.startswith(published.url) for u in asked)  # nothing else exists
    assert not [u for u in asked if "/api/" in u]


def test_a_tampered_or_forged_shard_is_never_shown_as_verified_18_3(
        published: Published, new_page: Any) -> None:
    damaged, forged = published.families(forfeited=None)[1:3]
    data = bytearray(published.shard(damaged).read_bytes())
    data[-1] ^= 1  # one bit of the tag: the shard no longer opens
    published.shard(damaged).write_bytes(bytes(data))
    receipt = published.open_shard(forged)
    x = proof_x(receipt)
    x["entry"] = x["entry"].replace('"outcome":"admitted"', '"outcome":"not-admitted"')
    published.seal(forged, with_proof_x(receipt, x))  # right key, receipt not the log's
    page = _page(new_page, published)
    _check(page, published, damaged)
    expect(page.locator("#message")).to_contain_text(z("not_found"))
    expect(page.locator("#result")).to_be_hidden()
    _check(page, published, forged)
    expect(page.locator("#failure")).to_be_visible()
    expect(page.locator("#result")).to_be_hidden()
    _shoot(page, "parents-static-forged")


SUPERVISED = {"seed", "lottery_summary", "bias_audit", "payment_round", "promotions",
              "payments_closed", "grouping_summary", "matching_result", "correction", "published"}


def _supervise(new_page: Any, url: str) -> Page:
    page: Page = new_page(viewport={"width": 1280, "height": 720})
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.goto(url)
    page.asked = asked  # type: ignore[attr-defined]
    return page


def test_supervisors_read_the_season_from_nginx_alone_18_2(
        published: Published, new_page: Any) -> None:
    """The supervisors' read-only page: every figure from an entry the browser read from
    the tiles under the signed checkpoint. What it must show is read here from the
    bundle's entries.jsonl (public JSON), the texts from api/i18n.py."""
    size = int((published.base / "checkpoint").read_text("utf-8").split("\n")[1])
    supervised = [e for e in published.entries if e["type"] in SUPERVISED and e["seq"] < size]
    listing = json.loads((published.base / "supervision.json").read_bytes())
    assert listing == {"size": size, "entries": [e["seq"] for e in supervised]}
    page = _supervise(new_page, f"{published.url}/{EVENT}/supervise.html")
    expect(page.locator("#status")).to_have_text(z("v.status_ok", n=len(supervised), size=size))
    states = {"signature": "step.ok", "witnesses": "step.ok", "consistency": "step.skipped",
              "entries": "step.ok", "complete": "step.skipped"}
    for step, state in states.items():
        expect(page.locator(f'#checks li[data-step="{step}"] .state')).to_have_text(z(state))
    summaries = [e["body"] for e in supervised if e["type"] == "lottery_summary"]
    assert summaries
    rows = page.locator("#school-table tbody tr")
    expect(rows).to_have_count(len(summaries))
    for body in summaries:
        cells = page.locator(f'#school-table tr[data-school="{body["school"]}"] td')
        expect(cells.nth(0)).to_have_text(f"{body['quota']:,}")
        expect(cells.nth(2)).to_have_text(f"{body['admitted']:,}")
        expect(cells.nth(3)).to_have_text(f"{body['returned_to_bureau']:,}")
    (audit,) = [e["body"] for e in supervised if e["type"] == "bias_audit"]
    for d in audit["dimensions"]:
        verdict = "na" if not d["testable"] else "flagged" if d["flag"] else "passed"
        expect(page.locator(f'#sec-fair .fair[data-dimension="{d["dimension"]}"]')) \
            .to_have_attribute("data-verdict", verdict)
    for e in supervised:
        if e["type"] == "payment_round":
            cells = page.locator(f'#round-table tr[data-round="{e["body"]["round"]}"] td')
            expect(cells.nth(0)).to_have_text(f"{e['body']['forfeits']:,}")
    closed = [e["body"]["rounds"] for e in supervised if e["type"] == "payments_closed"]
    expect(page.locator("#payments-closed")).to_have_text(
        z("v.payments_closed", n=closed[0]) if closed else z("v.payments_open"))
    groups = [e["body"] for e in supervised if e["type"] == "grouping_summary"]
    for g in groups:
        cells = page.locator(f'#grouping-table tr[data-school="{g["school"]}"] td')
        expect(cells.nth(0)).to_have_text(f"{len(g['classes']):,}")
        expect(cells.nth(1)).to_have_text(f"{sum(c['pupils'] for c in g['classes']):,}")
        teachers = sum(1 for e in supervised if e["type"] == "matching_result"
                       and e["body"]["school"] == g["school"])
        expect(cells.nth(3)).to_have_text(f"{teachers:,}")
    published_ceremonies = {e["body"]["ceremony"] for e in supervised if e["type"] == "published"}
    seeds = [e["body"] for e in supervised if e["type"] == "seed"]
    assert seeds and published_ceremonies
    for body in seeds:
        cells = page.locator(f'#seed-table tr[data-ceremony="{body["ceremony"]}"] td')
        expect(cells.nth(2)).to_have_text(z("yes" if body["ceremony"] in published_ceremonies
                                            else "no"))
    for table in ("#school-table", "#round-table", "#grouping-table", "#seed-table"):
        assert_cards_fit(page, table)
    _shoot(page, "supervise-static")
    assert all(u.startswith(published.url) for u in page.asked)  # type: ignore[attr-defined]
    assert not [u for u in page.asked if "/api/" in u]  # type: ignore[attr-defined]
    assert axe_violations(page) == []
    page.reload()  # this browser now trusts that checkpoint: the same one is consistent
    expect(page.locator("#status")).to_have_text(z("v.status_ok", n=len(supervised), size=size))
    expect(page.locator('#checks li[data-step="consistency"] .why')).to_have_text(z("v.same"))
    page.goto(f"{published.url}/{EVENT}/supervise.en.html")  # English, same checks
    expect(page.locator("#status")).to_have_text(
        t("en", "v.status_ok", n=len(supervised), size=size))
    expect(page.locator("#school-table tbody tr")).to_have_count(len(summaries))
    assert axe_violations(page) == []
    page.screenshot(path=screenshot_path("supervise-static-en-1920x1080.png"), full_page=True)


def test_a_tampered_entry_bundle_shows_the_supervisors_nothing_18_2(
        published: Published, new_page: Any) -> None:
    """One digit of a school's admissions changed in a copy of the publication: the
    page shows the failure and no figure at all."""
    copy = published.base.parent / "tampered-copy"
    shutil.copytree(published.base, copy, symlinks=True)
    seq = next(e["seq"] for e in published.entries if e["type"] == "lottery_summary")
    bundle = copy / "tile" / "entries" / f"{seq // 256:03d}"
    if not bundle.exists():
        bundle = next((copy / "tile" / "entries").glob(f"{seq // 256:03d}.p/*"))
    data = bundle.read_bytes()
    at = data.index(b'"admitted":') + len(b'"admitted":')
    digit = data[at:at + 1]
    bundle.write_bytes(data[:at] + (b"1" if digit != b"1" else b"2") + data[at + 1:])
    page = _supervise(new_page, f"{published.url}/tampered-copy/supervise.html")
    expect(page.locator("#status")).to_have_text(z("v.status_failed"))
    expect(page.locator('#checks li[data-step="entries"] .state')).to_have_text(z("step.bad"))
    expect(page.locator("#sec-schools")).to_be_hidden()
    expect(page.locator("#school-table")).to_have_count(0)
    page.screenshot(path=screenshot_path("supervise-static-tampered-1280x720.png"),
                    full_page=True)


def test_tampered_tiles_are_never_shown_as_consistent_18_2(
        published: Published, new_page: Any) -> None:
    reg = published.families(forfeited=None)[3]
    receipt = published.open_shard(reg)
    size = int(receipt.split("\n\n", 1)[1].split("\n")[1])
    published_size = int((published.base / "checkpoint").read_text("utf-8").split("\n")[1])
    assert size < published_size  # the shard was written before the last checkpoint
    page = _page(new_page, published)
    _check(page, published, reg)
    expect(page.locator("#outcome")).to_have_text(z("c.s.confirmed"))
    consistency = page.locator('#steps li[data-step="consistency"] .state')
    expect(consistency).to_have_text(z("step.ok"))  # proved from the published tiles
    for tile in (published.base / "tile").rglob("*"):  # every hash tile, full or partial
        if tile.is_file() and "entries" not in tile.parts:
            tile.write_bytes(b"\0" * tile.stat().st_size)
    page = _page(new_page, published)
    _check(page, published, reg)
    consistency = page.locator('#steps li[data-step="consistency"] .state')
    expect(page.locator("#status")).to_be_visible()
    expect(consistency).to_have_text(z("step.skipped"))  # a bad tile is never a proof


def test_the_hall_screen_reads_the_published_state_18_1(
        published: Published, new_page: Any) -> None:
    """The ceremony screen, read-only from the same directory: the state and name pages
    the service published (no stream: it polls), at the projector's size."""
    state = json.loads((published.base / "state.json").read_bytes())
    assert state["size"] == int((published.base / "checkpoint").read_text().split("\n")[1])
    school = next(s for s in state["schools"] if s["drawn"])
    first = json.loads((published.base / "state" / school["id"] / "admitted" / "1.json")
                       .read_bytes())["records"][0]
    page: Page = new_page(viewport={"width": 1920, "height": 1080})
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.goto(f"{published.url}/{EVENT}/ceremony.html")
    expect(page.locator("#title")).to_contain_text(state["title"])
    expect(page.locator("#live")).to_have_text(z("h.published", n=5))
    expect(page.locator("#banner-text")).not_to_have_text(z("h.step.waiting"))
    for _ in range(200):  # page through to the first school's admitted names
        if page.locator("#slide").get_by_text(first["reg"]).count():
            break
        page.keyboard.press("ArrowRight")
    expect(page.locator("#slide").get_by_text(first["reg"])).to_be_visible()
    page.screenshot(path=screenshot_path("hall-static-1920x1080.png"))
    page.set_viewport_size({"width": 1280, "height": 720})
    expect(page.locator("#slide")).to_have_attribute("data-ready", "1")
    page.screenshot(path=screenshot_path("hall-static-1280x720.png"))
    assert asked and all(u.startswith(published.url) for u in asked)
    assert not [u for u in asked if "/api/" in u]
