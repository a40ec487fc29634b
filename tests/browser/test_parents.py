"""The parents' page in real headless Chromium (PROTOCOL.md v2 §14, §18): a result is
shown only as this browser verified it from a receipt, every family state has its status
card in plain Chinese, and the one trusted-checkpoint policy (static/trust.js) flags a
rolled-back or forked log.

The page runs against `parents_stub.py`, which serves the real page, config and assets
with receipts the independent vector generator builds from tests/vectors/receipt_log.
Expected texts come from api/i18n.py with the values the vectors hold (the generator's
roles and masked names), never from the page's own output.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from lottery_service.api.i18n import t
from tests.paths import ROOT
from tests.support import proof_x, served, with_proof_x

from . import parents_stub as stub
from .conftest import screenshot_path
from .test_pages import assert_contrast

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 1}
SIZES = ((390, 844), (360, 740))
STEPS = ("format", "checkpoint", "consistency", "inclusion", "records", "number")
STORAGE = f"sunshine-draw/checkpoint/{stub.ORIGIN}"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ROLES = stub.SEASON["roles"]
FINAL, RESULTS, ROUND1 = stub.SIZES[-1], stub.SIZES[2], stub.SIZES[3]
DRAWN = ("#status, .badge, .outcome, #outcome-lines li, dt, dd, .hint, .step, .step .state, "
         ".step .why, #failure p, .witnesses span, .contact, summary, .button")


def z(key: str, **kw: object) -> str:
    return t("zh", key, **kw)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, stub.Stub]]:
    s = stub.Stub()
    with served(s.app()) as url:
        yield url, s


@pytest.fixture()
def site(server: tuple[str, stub.Stub]) -> Iterator[tuple[str, stub.Stub]]:
    server[1].reset()
    yield server


def _open(page: Page, base: str) -> None:
    page.goto(f"{base}/events/{stub.EVENT}/check")


def _submit(page: Page, reg: str, last4: str = stub.FACTOR) -> None:
    page.get_by_label(z("reg")).fill(reg)
    page.get_by_label(z("id_last4")).fill(last4)
    page.get_by_role("button", name=z("lookup")).click()


def _states(page: Page) -> dict[str, str]:
    items = page.locator("#steps li")
    expect(items).to_have_count(len(STEPS))
    return {items.nth(i).get_attribute("data-step") or "": items.nth(i).locator(".state")
            .inner_text() for i in range(len(STEPS))}


def _stored(page: Page) -> Any:
    raw = page.evaluate("(k) => localStorage.getItem(k)", STORAGE)
    return None if raw is None else json.loads(raw)


def _remember(page: Page, size: int, root: str) -> None:
    value = json.dumps({"key": stub.LOG_KEY, "root": root, "size": size}, separators=(",", ":"))
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [STORAGE, value])


def _root_hex(size: int) -> str:
    note = stub.note(size)
    return __import__("base64").b64decode(note.split("\n")[2]).hex()


def _assert_fits(page: Page) -> None:
    w = page.evaluate("() => [document.documentElement.scrollWidth, "
                      "document.documentElement.clientWidth]")
    assert w[0] <= w[1], w


def _shoot(page: Page, name: str) -> None:
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        _assert_fits(page)
        page.screenshot(path=screenshot_path(f"parents-{name}-{width}x{height}.png"),
                        full_page=True)


def _no_english(page: Page, selector: str) -> None:
    text = page.locator(selector).inner_text()
    text = re.sub(r"[A-Za-z0-9+/=]{20,}|[0-9a-f]{16}…|https?://\S+", "", text)  # hashes, URLs
    words = set(re.findall(r"[A-Za-z]{3,}", text)) - {"Chrome", "Edge", "Safari", "Firefox", "http",
                                                       "https", "events", "check", "reg"}
    assert words == set(), words


def _axe(page: Page) -> None:
    """axe-core (npm, loaded into the test page only; never served to families)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']}))"
                           ".violations.map(v => ({id: v.id, impact: v.impact}))")
    serious = [v for v in result if v["impact"] in ("serious", "critical")]
    assert serious == [], serious


# ------------------------------------------------------------ one card per state

fields = {c["name"]: c["expected"]["fields"] for c in json.loads(
    (stub.VECTORS / "receipts.json").read_text(encoding="utf-8"))["cases"] if c["expected"]["ok"]}
CFG_PAY = stub.ENV["SUNSHINE_PAYMENT_DEADLINE"]
CARDS = [  # (card, reg, checkpoint size, headline, a line it must say)
    ("confirmed", ROLES["admitted"], FINAL, z("c.s.confirmed"),
     z("c.s.class_teacher", **{"class": "01", "teacher": "李*"})),
    ("admitted-awaiting-payment", ROLES["admitted"], RESULTS, z("c.s.admitted"),
     z("c.s.pay_by", deadline=CFG_PAY)),
    ("forfeited-unpaid", ROLES["unpaid"], FINAL, z("c.s.forfeited_unpaid"),
     z("c.s.forfeited_line", n=1)),
    ("forfeited-declined", ROLES["declined"], FINAL, z("c.s.forfeited_declined"),
     z("c.s.declined_line", n=1)),
    ("promoted-awaiting-payment", ROLES["promoted"], ROUND1, z("c.s.promoted", n=1),
     z("c.s.pay_by", deadline=CFG_PAY)),
    ("promoted-confirmed", ROLES["promoted"], FINAL, z("c.s.promoted_confirmed", n=1),
     z("c.s.promoted_line", n=1, w=2)),
    ("waiting", ROLES["promoted"], RESULTS, z("c.s.waiting", n=2), z("c.s.waiting_no_round")),
    ("waiting-after-round", ROLES["waiting"], ROUND1, z("c.s.waiting", n=4),
     z("c.s.waiting_round", n=1, forfeits=2, locks=1)),
    ("not-admitted", ROLES["waiting"], FINAL, z("c.s.not_admitted"),
     z("c.s.next_step", step=stub.ENV["SUNSHINE_NEXT_STEP"])),
    ("locked-elsewhere", ROLES["locked"], ROUND1, z("c.s.not_admitted"), z("c.s.locked_line", n=1)),
    ("ineligible", ROLES["rejected"], FINAL, z("c.s.rejected"),
     z("c.s.rejected_rule", rule=z("rule.P2-second-application"))),
    ("class-and-teacher", ROLES["pupil"], FINAL, z("c.s.grouped"),
     z("c.s.class_teacher", **{"class": "01", "teacher": "李*"})),
]


@pytest.mark.parametrize(("card", "reg", "size", "headline", "line"), CARDS,
                         ids=[c[0] for c in CARDS])
def test_status_card_14(site: tuple[str, stub.Stub], new_page: Any, card: str, reg: str,
                        size: int, headline: str, line: str) -> None:
    base, s = site
    s.answers = {reg: size}
    page = new_page(**PHONE)
    _open(page, base)
    _submit(page, reg)
    expect(page.locator("#outcome")).to_have_text(headline)
    expect(page.locator("#outcome-lines")).to_contain_text(line)
    expect(page.locator("#status")).to_have_text(z("c.verified"))
    expect(page.locator("#announce")).to_have_text(z("c.announce", outcome=headline))
    contact = page.locator("#card-contact")
    expect(contact).to_contain_text(stub.ENV["SUNSHINE_CONTACT_PHONE"])
    expect(page.locator("#witness-count")).to_have_text(z("c.w.count", n=1))
    expect(page.locator("#witness-quorum")).to_have_text(z("c.w.quorum_met"))
    states = _states(page)
    assert states.pop("consistency") == z("step.skipped")  # first visit: nothing compared
    assert states.pop("number") == (z("step.ok") if reg not in (ROLES["rejected"], ROLES["pupil"])
                                    else z("step.skipped"))
    assert set(states.values()) == {z("step.ok")}
    main = page.locator("main").inner_text()
    assert "录取线" not in main
    masked = next((f["name"] for f in fields.values() if f["reg"] == reg and "name" in f), None)
    if masked:
        expect(page.locator('dd[data-key="c.name"]')).to_have_text(masked)
    if card not in ("ineligible", "class-and-teacher"):
        expect(page.locator("#number-note")).to_have_text(z("c.number_note"))
    expect(page.locator("#receipt-download")).to_have_attribute("download", f"{reg}.tlog-proof")
    _no_english(page, "#check")
    assert_contrast(page, DRAWN)
    assert _stored(page)["size"] == size
    _axe(page)
    _shoot(page, card)


def test_before_the_draw_shows_the_result_date_from_config(site: tuple[str, stub.Stub],
                                                          new_page: Any) -> None:
    base, s = site
    s.drawn = False
    page = new_page(**PHONE)
    _open(page, base)
    _submit(page, ROLES["admitted"])
    expect(page.locator("#outcome")).to_have_text(z("c.s.before_draw"))
    expect(page.locator("#outcome-lines")).to_contain_text(
        z("c.s.before_draw_date", date=stub.ENV["SUNSHINE_RESULTS_DATE"]))
    expect(page.locator("#status")).to_have_text(z("c.not_yet_verified"))
    expect(page.locator("#badge")).to_be_hidden()
    expect(page.locator("#card-contact")).to_contain_text(stub.ENV["SUNSHINE_CONTACT_OFFICE"])
    assert s.requests == []  # nothing to fetch before the draw
    _shoot(page, "before-draw")


# ------------------------------------------------------------- the verified path


def test_nothing_is_shown_until_verified_then_a_second_visit_passes_14(
        site: tuple[str, stub.Stub], new_page: Any) -> None:
    base, s = site
    reg = ROLES["admitted"]
    s.answers = {reg: RESULTS}
    page = new_page(**PHONE)
    held: list[Any] = []
    page.route(f"**/api/v1/events/{stub.EVENT}/proof", lambda route: held.append(route))
    _open(page, base)
    _submit(page, reg)
    expect(page.locator("#status")).to_have_text(z("c.checking"))
    assert set(_states(page).values()) == {z("step.skipped")}
    expect(page.locator("#result")).to_be_hidden()
    page.screenshot(path=screenshot_path("parents-checking-390x844.png"), full_page=True)
    held[0].fallback()
    expect(page.locator("#outcome")).to_have_text(z("c.s.admitted"))
    page.unroute(f"**/api/v1/events/{stub.EVENT}/proof")
    # The log grows; the page sends what it trusts and checks the consistency proof (通过).
    s.answers = {reg: FINAL}
    _submit(page, reg)
    expect(page.locator("#outcome")).to_have_text(z("c.s.confirmed"))
    expect(page.locator('#steps li[data-step="consistency"] .state')).to_have_text(z("step.ok"))
    expect(page.locator('#steps li[data-step="consistency"] .why')).to_have_text(z("c.why.extends"))
    assert s.requests[-1] == {"reg": reg, "id_last4": stub.FACTOR, "trusted_size": RESULTS}
    assert _stored(page)["size"] == FINAL
    _axe(page)


def test_a_failed_check_withdraws_the_result_and_says_why_in_chinese_14(
        site: tuple[str, stub.Stub], new_page: Any) -> None:
    base, s = site
    reg = ROLES["admitted"]
    s.answers = {reg: FINAL}
    page = new_page(**PHONE)
    _open(page, base)
    _submit(page, reg)
    expect(page.locator("#outcome")).to_have_text(z("c.s.confirmed"))
    remembered = _stored(page)

    def tamper(text: str) -> str:  # the outcome changed in transit: admitted → not admitted
        x = proof_x(text)
        x["entry"] = x["entry"].replace('"rank":2', '"rank":1')
        return with_proof_x(text, x)

    s.tamper = tamper
    _submit(page, reg)
    expect(page.locator("#failure-text")).to_have_text(z("c.fail.inclusion"))
    expect(page.locator("#failure-contact")).to_contain_text(stub.ENV["SUNSHINE_CONTACT_PHONE"])
    expect(page.locator("#status")).to_have_text(z("c.fail.title"))
    expect(page.locator("#result")).to_be_hidden()
    expect(page.locator("#receipt")).to_be_hidden()
    assert _states(page) == {"format": z("step.ok"), "checkpoint": z("step.ok"),
                             "consistency": z("step.ok"), "inclusion": z("step.bad"),
                             "records": z("step.skipped"), "number": z("step.skipped")}
    _no_english(page, "#failure")
    expect(page.locator("#technical-text")).to_contain_text("inclusion")
    assert _stored(page) == remembered
    assert_contrast(page, DRAWN)
    _axe(page)
    _shoot(page, "failed")


def test_a_server_whose_answer_is_another_familys_result_is_refused_14(
        site: tuple[str, stub.Stub], new_page: Any) -> None:
    """The server answers a valid receipt of another family (its 'look-up' disagrees with
    what was asked): the page refuses it and shows neither result."""
    base, s = site
    s.answers = {ROLES["admitted"]: FINAL}
    s.tamper = lambda _text: stub.receipt(ROLES["unpaid"], FINAL)
    page = new_page(**PHONE)
    _open(page, base)
    _submit(page, ROLES["admitted"])
    expect(page.locator("#failure-text")).to_have_text(z("c.fail.format"))
    assert z("c.s.forfeited_unpaid") not in page.locator("main").inner_text()
    assert _stored(page) is None


def test_a_rolled_back_checkpoint_is_a_loud_warning_12_14(site: tuple[str, stub.Stub],
                                                          new_page: Any) -> None:
    base, s = site
    reg = ROLES["promoted"]
    s.answers = {reg: RESULTS}
    page = new_page(**PHONE)
    _open(page, base)
    _remember(page, FINAL, _root_hex(FINAL))
    _submit(page, reg)
    expect(page.locator("#failure")).to_have_class("warning")
    expect(page.locator("#failure-text")).to_have_text(z("c.fail.rollback"))
    expect(page.locator("#failure-contact")).to_contain_text(z("c.contact_warning"))
    expect(page.locator("#result")).to_be_hidden()
    assert _states(page)["consistency"] == z("step.bad")
    assert _stored(page)["size"] == FINAL
    assert_contrast(page, DRAWN)
    _shoot(page, "rollback")


def test_a_forked_checkpoint_is_a_loud_warning_12_14(site: tuple[str, stub.Stub],
                                                     new_page: Any) -> None:
    base, s = site
    reg = ROLES["admitted"]
    s.answers = {reg: FINAL}
    page = new_page(**PHONE)
    _open(page, base)
    _remember(page, FINAL, "ab" * 32)
    _submit(page, reg)
    expect(page.locator("#failure-text")).to_have_text(z("c.fail.fork"))
    expect(page.locator("#result")).to_be_hidden()
    assert _stored(page)["root"] == "ab" * 32
    _shoot(page, "fork")


# ------------------------------------------------------- offline, static, old WebViews


def test_a_receipt_file_is_checked_offline_with_no_request_14(
        site: tuple[str, stub.Stub], new_page: Any, tmp_path: Path) -> None:
    base, s = site
    reg = ROLES["declined"]
    path = tmp_path / f"{reg}.tlog-proof"
    path.write_text(stub.receipt(reg, FINAL), encoding="utf-8")
    page = new_page(**PHONE)
    _open(page, base)
    expect(page.locator('label[for="receipt-file"]')).to_have_text(z("c.file_pick"))
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url))
    page.context.set_offline(True)
    page.get_by_label(z("reg")).fill(reg)
    page.set_input_files("#receipt-file", str(path))
    expect(page.locator("#outcome")).to_have_text(z("c.s.forfeited_declined"))
    assert [u for u in sent if not u.startswith("blob:")] == []
    assert s.requests == []
    page.context.set_offline(False)
    _shoot(page, "offline-file")


def test_the_verified_receipt_downloads_and_its_qr_code_names_only_the_reg(
        site: tuple[str, stub.Stub], new_page: Any) -> None:
    base, s = site
    reg = ROLES["admitted"]
    s.answers = {reg: FINAL}
    page = new_page(**PHONE, accept_downloads=True)
    _open(page, base)
    _submit(page, reg)
    expect(page.locator("#outcome")).to_have_text(z("c.s.confirmed"))
    with page.expect_download() as info:
        page.locator("#receipt-download").click()
    assert info.value.suggested_filename == f"{reg}.tlog-proof"
    assert Path(info.value.path()).read_text(encoding="utf-8") == stub.receipt(reg, FINAL)
    expect(page.locator("#receipt-qr svg")).to_have_count(1)
    url = page.locator("#receipt-url").inner_text()
    assert url.endswith(f"#reg={reg}") and stub.FACTOR not in url
    page.goto(url)
    expect(page.get_by_label(z("reg"))).to_have_value(reg)


def test_static_publication_shard_is_decrypted_and_checked_18(
        site: tuple[str, stub.Stub], new_page: Any) -> None:
    base, s = site
    s.source = "static"
    reg = ROLES["unpaid"]
    s.answers = {reg: FINAL}
    s.latest = FINAL
    page = new_page(**PHONE)
    _open(page, base)
    _submit(page, reg)
    expect(page.locator("#outcome")).to_have_text(z("c.s.forfeited_unpaid"))
    assert s.requests == []  # the app server was never asked
    _submit(page, reg, "999X")  # wrong factor: no shard at that address
    expect(page.locator("#message")).to_contain_text(z("not_found"))
    s.latest = RESULTS  # the host now publishes an older checkpoint than the shard's
    _submit(page, reg)
    expect(page.locator("#failure-text")).to_have_text(z("c.fail.rollback"))
    _shoot(page, "static-rollback")


def test_old_webview_without_webcrypto_ed25519_uses_the_local_fallback(
        site: tuple[str, stub.Stub], new_page: Any) -> None:
    base, s = site
    reg = ROLES["admitted"]
    s.answers = {reg: FINAL}
    page = new_page(**PHONE)
    page.add_init_script("""(() => {
      const s = crypto.subtle, imp = s.importKey.bind(s);
      s.importKey = async (f, d, a, ...r) => {
        if ((a && a.name || a) === 'Ed25519')
          throw new DOMException('Unrecognized name', 'NotSupportedError');
        return imp(f, d, a, ...r);
      };
    })()""")
    loaded: list[str] = []
    page.on("request", lambda r: loaded.append(r.url))
    _open(page, base)
    _submit(page, reg)
    expect(page.locator("#outcome")).to_have_text(z("c.s.confirmed"))
    assert any(u.endswith("/static/vendor/noble-curves-ed25519.js") for u in loaded)
    assert all(u.startswith(base) or u.startswith("blob:") for u in loaded)  # nothing remote


def test_verify_step_with_4x_cpu_throttling_is_fast_enough(site: tuple[str, stub.Stub],
                                                          new_page: Any) -> None:
    """A mid-range phone profile (CDP CPU throttling 4x): the page's own verify timing is
    printed for the record; the assertion is loose (< 3 s) so it never flakes — the
    benchmark number is `make bench`'s browser_verify_ms."""
    base, s = site
    reg = ROLES["admitted"]
    s.answers = {reg: FINAL}
    page = new_page(**PHONE)
    _open(page, base)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    times = []
    for _ in range(3):
        _submit(page, reg)
        expect(page.locator("#outcome")).to_have_text(z("c.s.confirmed"))
        times.append(int(page.evaluate("() => document.body.dataset.verifyMs")))
    print(f"\nparents' page verify step at 4x CPU throttling: {times} ms")
    assert min(times) < 3000, times


def test_receipt_js_passes_every_receipt_vector_in_chromium(site: tuple[str, stub.Stub],
                                                            new_page: Any) -> None:
    """The same checker the page runs, on every receipts.json case, in Chromium."""
    base, _ = site
    cases = json.loads((stub.VECTORS / "receipts.json").read_text(encoding="utf-8"))["cases"]
    page = new_page()
    _open(page, base)
    got = page.evaluate("""async ([cases, policyText]) => {
      const { checkReceipt } = await import("/static/receipt.js");
      const { parsePolicy } = await import("/static/policy.js");
      const { parseCheckpoint, parseNote } = await import("/static/note.js");
      const out = [];
      for (const c of cases) {
        const i = c.input;
        let trusted = null;
        if (i.trusted) {
          const cp = parseCheckpoint(parseNote(i.trusted.checkpoint).text);
          trusted = { size: cp.size, root: cp.root };
        }
        const r = await checkReceipt(i.receipt, { reg: i.reg, trusted,
          policy: await parsePolicy(i.policy ?? policyText),
          consistencyProof: i.trusted ? i.trusted.consistency_proof : null });
        out.push({ ok: r.ok, steps: r.steps, failed_step: r.failed_step ?? null,
                   fields: r.fields ?? null });
      }
      return out;
    }""", [cases, stub.POLICY])
    assert len(got) == len(cases) >= 47
    for case, r in zip(cases, got, strict=True):
        e = case["expected"]
        assert (r["ok"], r["steps"]) == (e["ok"], e["steps"]), case["name"]
        assert r["failed_step"] == e.get("failed_step"), case["name"]
        assert r["fields"] == e.get("fields"), case["name"]
