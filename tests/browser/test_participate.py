"""The ceremony participant's page in real headless Chromium (PROTOCOL.md §5.3, §5.4;
issue 12 item 6).

The secret is made by the page with WebCrypto and is never on screen unless the
participant presses "show" (a hall camera films the participants' screens): it is
downloaded as a file and revealed from that file or from the browser without being
shown. The test checks from the outside, with the independent v2 transcription of
§5 (`tests/vectors/generate_ceremony.py`, written from PROTOCOL.md alone), that the
logged commitment opens to the page's secret and that the escrow the page sealed to
this ceremony's own escrow key opens with the holder's private key; that the secret
left the browser only at the reveal; and that a secret which does not match the
logged commitment is never sent.
"""

from __future__ import annotations

import base64
import importlib
import json
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from playwright.sync_api import Page, Request, Route, expect

from lottery_service.api.i18n import t
from lottery_service.core.seed import Ceremony, commitment, seal_escrow
from lottery_service.demo import DemoRun, escrow_holder_key, public_bytes
from lottery_service.demo.district import generate_district
from lottery_service.runtime import Runtime
from tests.paths import VECTORS

from .conftest import APPLICANTS, screenshot_path
from .test_accessibility import axe_violations

CEREMONY: Final[Ceremony] = "lottery"
ROLE_KEYS: Final = ("notary", "supervisor", "parent-rep", "bureau")


def _reference() -> Any:
    """The vector generator's §5.3/§5.4 functions: independent of lottery_service."""
    sys.path.insert(0, str(VECTORS))
    try:
        return importlib.import_module("generate_ceremony")
    finally:
        sys.path.remove(str(VECTORS))


REF = _reference()


def _open_lottery(runtime: Runtime, event: str) -> DemoRun:
    """A fresh event whose lottery ceremony takes commitments (§5.1 steps 1-2 done)."""
    run = DemoRun(runtime, generate_district(applicants=APPLICANTS, event_id=event),
                  say=lambda _: None)
    steps = dict(run.steps())
    for name in ("setup", "registration", "freeze-roster"):
        steps[name]()
    assert run.state().ceremony(CEREMONY).step.value == "committing"
    return run


def _posts(page: Page) -> list[dict[str, Any]]:
    """Every JSON body the page POSTs, in order, with its path."""
    sent: list[dict[str, Any]] = []

    def record(request: Request) -> None:
        if request.method == "POST":
            sent.append({"url": request.url, "body": json.loads(request.post_data or "null")})

    page.on("request", record)
    return sent


def _wait_for_step(server: str, event: str, step: str) -> None:
    """Wait until the API's log cache (max age 0.2 s) shows the ceremony at `step`."""
    deadline = time.monotonic() + 10
    while True:
        with urllib.request.urlopen(f"{server}/api/v1/events/{event}") as response:
            if json.load(response)["ceremonies"][CEREMONY]["step"] == step:
                return
        assert time.monotonic() < deadline, f"the API never showed step {step}"
        time.sleep(0.05)


def _identify(page: Page, token: str, participant: str, lang: str = "zh") -> None:
    page.get_by_label(t(lang, "p_token"), exact=True).fill(token)
    page.get_by_label(t(lang, "participant_id"), exact=True).fill(participant)
    page.get_by_label(t(lang, "ceremony_select"), exact=True).select_option(CEREMONY)


def _commit(page: Page, lang: str = "zh") -> str:
    """Commit through the page; returns the downloaded secret file's text."""
    page.get_by_role("button", name=t(lang, "commit_button")).click()
    expect(page.locator("#out")).to_have_text(t(lang, "p.committed"))
    with page.expect_download() as info:
        page.get_by_role("link", name=t(lang, "download_secret")).click()
    return Path(info.value.path()).read_text(encoding="ascii")


def _kept(page: Page, event: str, participant: str) -> str | None:
    value: str | None = page.evaluate("(k) => localStorage.getItem(k)",
                                      f"sunshine-draw/secret/{event}/{CEREMONY}/{participant}")
    return value


def _secret_on_page(page: Page, secret_hex: str) -> dict[str, bool]:
    """Where the secret is in the page: its visible text, anywhere in the DOM (attributes
    and hidden nodes included), or in a form field's value."""
    found: dict[str, bool] = page.evaluate("""(s) => ({
        visible: document.body.innerText.includes(s),
        dom: document.documentElement.outerHTML.includes(s),
        fields: [...document.querySelectorAll("input, textarea")].some((e) => e.value.includes(s)),
    })""", secret_hex)
    return found


NOWHERE: Final = {"visible": False, "dom": False, "fields": False}


def test_the_secret_stays_off_screen_after_commit_unless_shown_5_3(
        runtime: Runtime, server: str, new_page: Any) -> None:
    event = "hidden-2026"
    run = _open_lottery(runtime, event)
    c = run.state().ceremony(CEREMONY)
    me = c.participants[0]
    token = runtime.service.tokens.create(event, "participant", me.id)

    page = new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                    accept_downloads=True)
    page.goto(f"{server}/events/{event}/participate")
    # Roles in Chinese, for every participant of this ceremony (§5.2).
    rows = page.locator("#people tr")
    expect(rows).to_have_count(len(c.participants))
    for i, p in enumerate(c.participants):
        assert p.role in ROLE_KEYS
        expect(rows.nth(i).locator("td").nth(1)).to_have_text(t("zh", f"role.{p.role}"))
        expect(rows.nth(i).locator("td").nth(2)).to_have_text(t("zh", "p.not_committed"))
    _identify(page, token, me.id)
    page.get_by_label(t("zh", "participant_id"), exact=True).dispatch_event("change")
    expect(page.locator("#role")).to_have_text(t("zh", f"role.{me.role}"))
    # The key is this ceremony's own, as its ceremony_opened logged it (§5.2, §5.4).
    expect(page.locator("#escrow-key")).to_have_text(base64.b64encode(c.escrow_key).decode())

    file_text = _commit(page)
    secret_hex = file_text.strip()
    assert file_text == secret_hex + "\n" and len(bytes.fromhex(secret_hex)) == 32
    assert _kept(page, event, me.id) == secret_hex
    # Committed, kept, downloadable: and nowhere on the page, not even hidden.
    expect(page.locator("#secret-box")).to_be_visible()
    expect(page.locator("#secret-shown")).to_be_hidden()
    assert _secret_on_page(page, secret_hex) == NOWHERE
    logged = run.state().ceremony(CEREMONY).commitments[me.id].body.commitment
    assert logged == REF.commitment(event, CEREMONY, me.id, bytes.fromhex(secret_hex))
    expect(page.locator("#commitment-hex")).to_have_text(logged.hex())
    expect(rows.nth(0).locator("td").nth(2)).to_have_text(t("zh", "committed"))
    assert axe_violations(page) == []
    # What the hall camera would film: the phone's screen right after the commit.
    page.screenshot(path=str(screenshot_path("participate-committed-390x844.png")))

    # "Show" puts it on screen, next to the camera warning; "hide" takes it off again.
    toggle = page.get_by_role("button", name=t("zh", "p.show_secret"))
    expect(page.get_by_text(t("zh", "p.camera_warning"))).to_be_visible()
    toggle.click()
    expect(page.locator("#secret-hex")).to_have_text(secret_hex)
    expect(page.locator("#secret-toggle")).to_have_attribute("aria-pressed", "true")
    assert _secret_on_page(page, secret_hex)["visible"]
    assert axe_violations(page) == []
    page.locator("#secret-box").screenshot(
        path=str(screenshot_path("participate-shown-390x844.png")))
    page.get_by_role("button", name=t("zh", "p.hide_secret")).click()
    expect(page.locator("#secret-shown")).to_be_hidden()
    assert _secret_on_page(page, secret_hex) == NOWHERE

    # A reload keeps it hidden; changing participant hides it even if it was shown.
    page.reload()
    _identify(page, token, me.id)
    page.get_by_label(t("zh", "participant_id"), exact=True).dispatch_event("change")
    expect(page.locator("#secret-box")).to_be_visible()
    assert _secret_on_page(page, secret_hex) == NOWHERE
    page.get_by_role("button", name=t("zh", "p.show_secret")).click()
    expect(page.locator("#secret-hex")).to_have_text(secret_hex)
    page.get_by_label(t("zh", "participant_id"), exact=True).fill(c.participants[1].id)
    page.get_by_label(t("zh", "participant_id"), exact=True).dispatch_event("change")
    expect(page.locator("#secret-box")).to_be_hidden()
    page.get_by_label(t("zh", "participant_id"), exact=True).fill(me.id)
    page.get_by_label(t("zh", "participant_id"), exact=True).dispatch_event("change")
    expect(page.locator("#secret-box")).to_be_visible()
    assert _secret_on_page(page, secret_hex) == NOWHERE

    # The desktop layout, in English, committed and hidden.
    wide = new_page(viewport={"width": 1280, "height": 720})
    wide.goto(f"{server}/events/{event}/participate?lang=en")
    wide.evaluate("([k, v]) => localStorage.setItem(k, v)",
                  [f"sunshine-draw/secret/{event}/{CEREMONY}/{me.id}", secret_hex])
    _identify(wide, token, me.id, "en")
    wide.get_by_label(t("en", "participant_id"), exact=True).dispatch_event("change")
    expect(wide.locator("#secret-box")).to_be_visible()
    expect(wide.locator("#people tr").first.locator("td").nth(1)).to_have_text(
        t("en", f"role.{c.participants[0].role}"))
    assert _secret_on_page(wide, secret_hex) == NOWHERE
    assert axe_violations(wide) == []
    wide.screenshot(path=str(screenshot_path("participate-committed-1280x720-en.png")),
                    full_page=True)


def test_a_ceremony_whose_escrow_key_is_another_ceremonys_is_refused_5_4(
        runtime: Runtime, server: str, new_page: Any) -> None:
    """§5.4 one key per ceremony: the page seals nothing to a key another ceremony uses."""
    event = "shared-key-2026"
    run = _open_lottery(runtime, event)
    me = run.state().ceremony(CEREMONY).participants[0]
    token = runtime.service.tokens.create(event, "participant", me.id)
    page = new_page()

    def same_key_elsewhere(route: Route) -> None:
        answer = route.fetch()
        body = answer.json()
        body["ceremonies"]["grouping"]["escrow_key"] = body["ceremonies"][CEREMONY]["escrow_key"]
        route.fulfill(response=answer, json=body)

    page.route(f"{server}/api/v1/events/{event}", same_key_elsewhere)
    sent = _posts(page)
    page.goto(f"{server}/events/{event}/participate")
    _identify(page, token, me.id)
    page.get_by_role("button", name=t("zh", "commit_button")).click()
    expect(page.locator("#out")).to_have_text(t("zh", "p.escrow_key_reused"))
    assert sent == [] and me.id not in run.state().ceremony(CEREMONY).commitments
    assert _kept(page, event, me.id) is None


def test_participant_commits_and_reveals_through_the_page_5_3_5_4(
        runtime: Runtime, server: str, new_page: Any, tmp_path: Path) -> None:
    event = "participate-2026"
    run = _open_lottery(runtime, event)
    service = runtime.service.ceremonies
    ceremony = run.state().ceremony(CEREMONY)
    people = [p.id for p in ceremony.participants]
    first, second = people[0], people[1]
    tokens = {p: runtime.service.tokens.create(event, "participant", p) for p in people}
    holder = escrow_holder_key(event, CEREMONY)
    holder_private = holder.private_bytes_raw()
    assert REF.x25519_public(holder_private) == ceremony.escrow_key  # this ceremony's (§5.4)

    # The overview links to the page; the page is Chinese first, every field labelled.
    page = new_page()
    page.goto(f"{server}/events/{event}")
    page.get_by_role("link", name=t("zh", "participate")).click()
    expect(page).to_have_url(f"{server}/events/{event}/participate")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("#step")).to_have_text(t("zh", "cstep.committing"))
    expect(page.locator("#escrow-key")).to_have_text(base64.b64encode(ceremony.escrow_key).decode())
    assert page.evaluate("""() => [...document.querySelectorAll('input, select')]
        .filter((el) => el.labels.length === 0).map((el) => el.id)""") == []
    sent = _posts(page)

    # A token for another participant is refused by the server, and nothing is logged.
    _identify(page, tokens[second], first)
    page.get_by_role("button", name=t("zh", "commit_button")).click()
    expect(page.locator("#out")).to_contain_text("403")
    assert first not in run.state().ceremony(CEREMONY).commitments

    # (1) Commit: a fresh secret made in the browser; only {commitment, escrow} leave it.
    _identify(page, tokens[first], first)
    secret_hex = _commit(page).strip()
    secret = bytes.fromhex(secret_hex)
    state = run.state().ceremony(CEREMONY)
    logged = state.commitments[first].body.commitment
    assert logged == REF.commitment(event, CEREMONY, first, secret)  # §5.3, v2 tag
    expect(page.locator("#commitment-hex")).to_have_text(logged.hex())
    # §5.4: the page's escrow opens with this ceremony's holder key, to the same secret.
    escrow = state.commitments[first].body.escrow
    assert REF.open_escrow(escrow, logged, holder_private, event, CEREMONY, first) == secret
    assert _kept(page, event, first) == secret_hex
    assert [s["body"].keys() for s in sent] == [{"commitment", "escrow", "participant"}] * 2
    assert all(secret_hex not in json.dumps(s["body"]) for s in sent)

    # Committing twice is refused in the page, before any request.
    page.get_by_role("button", name=t("zh", "commit_button")).click()
    expect(page.locator("#out")).to_have_text(t("zh", "p.already_committed"))
    assert len(sent) == 2

    # The second participant commits on another device and keeps only the file.
    other = new_page()
    other.goto(f"{server}/events/{event}/participate")
    _identify(other, tokens[second], second)
    second_file = _commit(other)
    second_hex = second_file.strip()
    kept = tmp_path / "secret.txt"
    kept.write_text(second_file, encoding="ascii")

    # Everyone else commits (CLI path), then commitments close (§5.1 step 3).
    for i, p in enumerate(people[2:], start=1):
        s = bytes([i]) * 32
        com = commitment(event, CEREMONY, p, s)
        ephemeral = X25519PrivateKey.from_private_bytes(bytes([0x40 + i]) * 32)
        service.commit(event, CEREMONY, p, com,
                       seal_escrow(s, com, public_bytes(holder), ephemeral))
    service.close_commitments(event, CEREMONY)
    _wait_for_step(server, event, "revealing")  # written past the API: its cache may lag

    # (2) Reveal. A file that does not open the logged commitment is never sent.
    page.reload()
    expect(page.locator("#step")).to_have_text(t("zh", "cstep.revealing"))
    sent.clear()
    _identify(page, tokens[first], first)
    wrong = tmp_path / "wrong.txt"
    wrong.write_text(second_hex + "\n", encoding="ascii")
    page.get_by_label(t("zh", "secret_file")).set_input_files(wrong)
    expect(page.locator("#secret-file-name")).to_have_text(t("zh", "file_chosen") + "wrong.txt")
    page.get_by_role("button", name=t("zh", "reveal_button")).click()
    expect(page.locator("#out")).to_have_text(t("zh", "p.mismatch"))
    assert sent == [] and first not in run.state().ceremony(CEREMONY).openings

    # Without a file the page reveals the secret it kept, checked against the log first,
    # and never shows it.
    page.get_by_label(t("zh", "secret_file")).set_input_files([])
    page.get_by_role("button", name=t("zh", "reveal_button")).click()
    expect(page.locator("#out")).to_have_text(t("zh", "p.revealed"))
    assert [s["body"] for s in sent] == [{"secret": secret_hex, "participant": first}]
    opened = run.state().ceremony(CEREMONY).openings[first].body
    assert (opened.TYPE.value, getattr(opened, "secret", None)) == ("reveal", secret)
    assert _kept(page, event, first) is None
    assert _secret_on_page(page, secret_hex) == NOWHERE

    # A fresh browser (English) reveals from the downloaded file alone, without showing it.
    fresh = new_page()
    fresh.goto(f"{server}/events/{event}/participate?lang=en")
    expect(fresh.locator("html")).to_have_attribute("lang", "en")
    fresh.get_by_label(t("en", "p_token"), exact=True).fill(tokens[second])
    fresh.get_by_label(t("en", "participant_id"), exact=True).fill(second)
    fresh.get_by_label(t("en", "secret_file")).set_input_files(kept)
    fresh.get_by_role("button", name=t("en", "reveal_button")).click()
    expect(fresh.locator("#out")).to_have_text(t("en", "p.revealed"))
    opened = run.state().ceremony(CEREMONY).openings[second].body
    assert (opened.TYPE.value, getattr(opened, "secret", None)) == (
        "reveal", bytes.fromhex(second_hex))
    assert _secret_on_page(fresh, second_hex) == NOWHERE
