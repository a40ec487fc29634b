"""The ceremony participant's page in real headless Chromium (PROTOCOL.md §5.3, §5.4).

The secret is made by the page with WebCrypto; the test checks from the outside,
with the service's own core (`core.seed`), that the logged commitment opens to the
secret the page showed, that the escrow the page sealed opens with the holder's
private key, that the secret left the browser only at the reveal, and that a
secret which does not match the logged commitment is never sent.
"""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from playwright.sync_api import Page, Request, expect

from lottery_service.api.i18n import t
from lottery_service.core.seed import Ceremony, commitment, open_escrow, seal_escrow
from lottery_service.demo import DemoRun, escrow_holder_key, public_bytes
from lottery_service.demo.district import generate_district
from lottery_service.runtime import Runtime

from .conftest import APPLICANTS

EVENT = "participate-2026"
CEREMONY: Final[Ceremony] = "lottery"


def _open_lottery(runtime: Runtime) -> DemoRun:
    """A fresh event whose lottery ceremony takes commitments (§5.1 steps 1-2 done)."""
    run = DemoRun(runtime, generate_district(applicants=APPLICANTS, event_id=EVENT),
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


def _wait_for_step(server: str, step: str) -> None:
    """Wait until the API's log cache (max age 0.2 s) shows the ceremony at `step`."""
    deadline = time.monotonic() + 10
    while True:
        with urllib.request.urlopen(f"{server}/api/v1/events/{EVENT}") as response:
            if json.load(response)["ceremonies"][CEREMONY]["step"] == step:
                return
        assert time.monotonic() < deadline, f"the API never showed step {step}"
        time.sleep(0.05)


def _identify(page: Page, token: str, participant: str) -> None:
    page.get_by_label(t("zh", "p_token"), exact=True).fill(token)
    page.get_by_label(t("zh", "participant_id"), exact=True).fill(participant)
    page.get_by_label(t("zh", "ceremony_select"), exact=True).select_option(CEREMONY)


def _commit(page: Page) -> tuple[str, str]:
    """Commit through the page; returns (secret hex shown, downloaded file text)."""
    page.get_by_role("button", name=t("zh", "commit_button")).click()
    expect(page.locator("#out")).to_have_text(t("zh", "p.committed"))
    secret = page.locator("#secret-hex").inner_text()
    with page.expect_download() as info:
        page.get_by_role("link", name=t("zh", "download_secret")).click()
    download = info.value
    return secret, Path(download.path()).read_text(encoding="ascii")


def test_participant_commits_and_reveals_through_the_page_5_3_5_4(
        runtime: Runtime, server: str, new_page: Any, tmp_path: Path) -> None:
    run = _open_lottery(runtime)
    service = runtime.service.ceremonies
    people = [p.id for p in run.state().ceremony(CEREMONY).participants]
    first, second = people[0], people[1]
    tokens = {p: runtime.service.tokens.create(EVENT, "participant", p) for p in people}
    holder = escrow_holder_key(EVENT)

    # The overview links to the page; the page is Chinese first, every field labelled.
    page = new_page()
    page.goto(f"{server}/events/{EVENT}")
    page.get_by_role("link", name=t("zh", "participate")).click()
    expect(page).to_have_url(f"{server}/events/{EVENT}/participate")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("#step")).to_have_text(t("zh", "cstep.committing"))
    expect(page.locator("#escrow-key")).to_have_text(run.state().ceremony(CEREMONY).escrow_key)
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
    secret_hex, file_text = _commit(page)
    assert file_text == secret_hex + "\n"  # the same one-line file the CLI writes
    secret = bytes.fromhex(secret_hex)
    assert len(secret) == 32
    state = run.state().ceremony(CEREMONY)
    logged = state.commitments[first]
    assert logged == commitment(EVENT, CEREMONY, first, secret)  # §5.3, recomputed in Python
    expect(page.locator("#commitment-hex")).to_have_text(logged.hex())
    # §5.4: the page's escrow opens with the holder's private key, to the same secret.
    assert open_escrow(state.escrows[first], logged, holder, event=EVENT, ceremony=CEREMONY,
                       participant=first) == secret
    assert page.evaluate("(k) => localStorage.getItem(k)",
                         f"sunshine-draw/secret/{EVENT}/{CEREMONY}/{first}") == secret_hex
    assert [s["body"].keys() for s in sent] == [{"commitment", "escrow", "participant"}] * 2
    assert all(secret_hex not in json.dumps(s["body"]) for s in sent)

    # Committing twice is refused in the page, before any request.
    page.get_by_role("button", name=t("zh", "commit_button")).click()
    expect(page.locator("#out")).to_have_text(t("zh", "p.already_committed"))
    assert len(sent) == 2

    # The second participant commits on another device and keeps only the file.
    other = new_page()
    other.goto(f"{server}/events/{EVENT}/participate")
    _identify(other, tokens[second], second)
    second_hex, second_file = _commit(other)
    kept = tmp_path / "secret.txt"
    kept.write_text(second_file, encoding="ascii")

    # Everyone else commits (CLI path), then commitments close (§5.1 step 3).
    for i, p in enumerate(people[2:], start=1):
        s = bytes([i]) * 32
        com = commitment(EVENT, CEREMONY, p, s)
        ephemeral = X25519PrivateKey.from_private_bytes(bytes([0x40 + i]) * 32)
        service.commit(EVENT, CEREMONY, p, com,
                       seal_escrow(s, com, public_bytes(holder), ephemeral))
    service.close_commitments(EVENT, CEREMONY)
    _wait_for_step(server, "revealing")  # written past the API: its cache may lag

    # (2) Reveal. A file that does not open the logged commitment is never sent.
    page.reload()
    expect(page.locator("#step")).to_have_text(t("zh", "cstep.revealing"))
    sent.clear()
    _identify(page, tokens[first], first)
    wrong = tmp_path / "wrong.txt"
    wrong.write_text(second_hex + "\n", encoding="ascii")
    page.get_by_label(t("zh", "secret_file")).set_input_files(wrong)
    page.get_by_role("button", name=t("zh", "reveal_button")).click()
    expect(page.locator("#out")).to_have_text(t("zh", "p.mismatch"))
    assert sent == [] and first not in run.state().ceremony(CEREMONY).openings

    # Without a file the page reveals the secret it kept, checked against the log first.
    page.get_by_label(t("zh", "secret_file")).set_input_files([])
    page.get_by_role("button", name=t("zh", "reveal_button")).click()
    expect(page.locator("#out")).to_have_text(t("zh", "p.revealed"))
    assert [s["body"] for s in sent] == [{"secret": secret_hex, "participant": first}]
    assert run.state().ceremony(CEREMONY).openings[first] == ("reveal", secret)
    assert page.evaluate("(k) => localStorage.getItem(k)",
                         f"sunshine-draw/secret/{EVENT}/{CEREMONY}/{first}") is None

    # A fresh browser (English) reveals from the downloaded file alone.
    fresh = new_page()
    fresh.goto(f"{server}/events/{EVENT}/participate?lang=en")
    expect(fresh.locator("html")).to_have_attribute("lang", "en")
    fresh.get_by_label(t("en", "p_token"), exact=True).fill(tokens[second])
    fresh.get_by_label(t("en", "participant_id"), exact=True).fill(second)
    fresh.get_by_label(t("en", "secret_file")).set_input_files(kept)
    fresh.get_by_role("button", name=t("en", "reveal_button")).click()
    expect(fresh.locator("#out")).to_have_text(t("en", "p.revealed"))
    assert run.state().ceremony(CEREMONY).openings[second] == ("reveal",
                                                               bytes.fromhex(second_hex))
