"""The supervisors' dashboard cosigns the latest checkpoint in real headless Chromium (§12).

A witness key is registered on the served demo event with `service.witnesses.add_witness`
and a supervisor token is made for it; the page reads the Go-form key file, checks
the log's signature and the browser's remembered checkpoint, cosigns with WebCrypto
and posts the line. The stored note must then open with both the log key and the
witness key (`core.note.open_note`), and no request may carry the private key.
Refusals (a shrinking log, two roots for one size, an unregistered key) post nothing.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Request, expect

from lottery_service.api.i18n import t
from lottery_service.core.canonical import canonical_json
from lottery_service.core.note import SIG_COSIGNATURE_V1, Checkpoint, Signer, Verifier, open_note

from .conftest import Season, screenshot_path

EVENT = "demo-2026"


def _origin(page: Page) -> str:
    """The log origin the page is configured with (the log key's name, §12.1)."""
    origin: str = page.evaluate(
        "() => JSON.parse(document.getElementById('config').textContent).origin")
    return origin


def _storage(page: Page) -> str:
    return f"sunshine-draw/checkpoint/{_origin(page)}"  # static/trust.js storageKey


def _get(server: str, path: str) -> str:
    with urllib.request.urlopen(f"{server}/api/v1/events/{EVENT}{path}") as response:
        text: str = response.read().decode("utf-8")
        return text


def _checkpoint(server: str, size: int | str) -> tuple[str, Checkpoint]:
    note = _get(server, f"/checkpoints/{size}")
    return note, Checkpoint.parse(note[: note.rfind("\n\n") + 1])


def _witness(season: Season, name: str, tmp_path: Path, register: bool = True) -> tuple[
        Signer, str, Path]:
    """A witness key (registered unless told otherwise), its supervisor token, its key file."""
    signer = Signer.generate(name)
    if register:
        season.runtime.service.witnesses.add_witness(
            EVENT, name, signer.verifier_key(SIG_COSIGNATURE_V1))
    token = season.runtime.service.tokens.create(EVENT, "supervisor", name)
    key_file = tmp_path / f"{name}.key"
    key_file.write_text(signer.private_key_text() + "\n")  # as `sunshine witness keygen`
    return signer, token, key_file


def _requests(page: Page) -> list[Request]:
    sent: list[Request] = []

    def record(request: Request) -> None:
        sent.append(request)

    page.on("request", record)
    return sent


def _log_key(season: Season) -> str:
    key: str = season.runtime.service.witnesses.log_key(EVENT)
    return key


def _remember(page: Page, key: str, size: int, root: bytes) -> None:
    """What static/trust.js remembers: the checkpoint and the log key it was verified under."""
    value = canonical_json({"key": key, "size": size, "root": root.hex()}).decode()
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [_storage(page), value])


def _cosign(page: Page, token: str, key_file: Path) -> None:
    page.get_by_label(t("zh", "s_token"), exact=True).fill(token)
    picker = page.locator("#witness-key ~ .button")  # the browser's own "Choose File" is hidden
    expect(picker).to_have_text(t("zh", "file_pick"))
    expect(page.locator("#witness-key")).to_have_css("opacity", "0")
    page.get_by_label(t("zh", "witness_key_file"), exact=True).set_input_files(key_file)
    expect(page.locator("#witness-key-name")).to_have_text(t("zh", "file_chosen") + key_file.name)
    page.get_by_role("button", name=t("zh", "cosign_button")).click()


def _cosignature_count(note: str, log_name: str) -> int:
    block = note[note.rfind("\n\n") + 2:].splitlines()
    return sum(1 for line in block if not line.startswith(f"\u2014 {log_name} "))


def test_supervisor_cosigns_latest_checkpoint_in_browser_12(season: Season, server: str,
                                                            new_page: Any,
                                                            tmp_path: Path) -> None:
    signer, token, key_file = _witness(season, "supervisor-browser", tmp_path)
    log = Verifier.from_text(season.runtime.service.witnesses.log_key(EVENT))
    sizes = json.loads(_get(server, "/checkpoints"))["sizes"]
    before, latest = _checkpoint(server, "latest")
    assert latest.size == sizes[-1] and len(sizes) >= 2
    _, earlier = _checkpoint(server, sizes[-2])
    expected = _cosignature_count(before, log.name) + 1

    page = new_page(viewport={"width": 1280, "height": 900})
    sent = _requests(page)
    page.goto(f"{server}/events/{EVENT}/dashboard")
    # This browser saw an earlier checkpoint: the log grew since (no proof offered).
    _remember(page, _log_key(season), earlier.size, earlier.root_hash)
    _cosign(page, token, key_file)
    done = t("zh", "w.done", size=latest.size, count=expected)
    expect(page.locator("#cosign-out")).to_have_text(done)
    checks = page.locator("#cosign-checks li")
    expect(checks).to_have_count(2)
    expect(checks.nth(0)).to_contain_text(t("zh", "w.signature_ok", size=latest.size))
    expect(checks.nth(1)).to_contain_text(t("zh", "w.grew", old=earlier.size, new=latest.size))
    expect(checks.nth(1)).to_have_class("step ok")
    page.locator("#h-cp").scroll_into_view_if_needed()
    page.screenshot(path=screenshot_path("dashboard-cosigned-1280x900.png"))
    cell = page.locator(f'#checkpoint-table tr[data-size="{latest.size}"] td').last
    expect(cell).to_have_text(str(expected))
    remembered = page.evaluate("(k) => localStorage.getItem(k)", _storage(page))
    assert json.loads(remembered) == {"key": _log_key(season), "size": latest.size,
                                      "root": latest.root_hash.hex()}

    # The stored note now opens with the log key and the witness key (§12).
    note = _get(server, "/checkpoints/latest")
    opened = open_note(note, [log, signer.verifier(SIG_COSIGNATURE_V1)])
    assert set(opened.verified_by) == {log, signer.verifier(SIG_COSIGNATURE_V1)}
    assert opened.text == latest.body()

    # One POST, the cosignature; the private key never left the browser.
    posts = [r for r in sent if r.method == "POST"]
    assert [r.url for r in posts] == [
        f"{server}/api/v1/events/{EVENT}/checkpoints/{latest.size}/cosignatures"]
    assert json.loads(posts[0].post_data or "")["witness"] == signer.name
    secret = signer.private_key_text().split("+", 4)[4]  # base64(0x01 ‖ seed)
    assert len(secret) == 44
    for r in sent:
        assert secret not in r.url and "PRIVATE" not in r.url
        assert secret not in (r.post_data or "") and "PRIVATE" not in (r.post_data or "")

    # Cosigning again: the remembered checkpoint is the same one.
    _cosign(page, token, key_file)
    expect(page.locator("#cosign-out")).to_have_text(done)  # a witness's line is replaced
    expect(page.locator("#cosign-checks li").nth(1)).to_contain_text(t("zh", "w.same"))

    # A browser that remembers nothing compared nothing: 未检查, never 通过.
    page.evaluate("(k) => localStorage.removeItem(k)", _storage(page))
    _cosign(page, token, key_file)
    expect(page.locator("#cosign-out")).to_have_text(done)
    first = page.locator("#cosign-checks li").nth(1)
    expect(first).to_have_class("step skipped")
    expect(first.locator(".what")).to_have_text(t("zh", "w.first_seen"))
    expect(first.locator(".state")).to_have_text(t("zh", "step.skipped"))


def test_supervisor_cosign_refuses_shrink_fork_and_unknown_key_12(season: Season, server: str,
                                                                  new_page: Any,
                                                                  tmp_path: Path) -> None:
    _, token, key_file = _witness(season, "supervisor-refuse", tmp_path)
    _, stranger_token, stranger_file = _witness(season, "supervisor-stranger", tmp_path,
                                                register=False)
    sizes = json.loads(_get(server, "/checkpoints"))["sizes"]
    _, latest = _checkpoint(server, "latest")
    _, earlier = _checkpoint(server, sizes[-2])
    other_root = bytes(32)

    page = new_page(viewport={"width": 1280, "height": 900})
    sent = _requests(page)
    page.goto(f"{server}/events/{EVENT}/dashboard")
    out = page.locator("#cosign-out")
    cases: list[tuple[Any, ...]] = [
        ((latest.size + 5, latest.root_hash), t("zh", "w.older", new=latest.size,
                                                 old=latest.size + 5)),
        ((latest.size, other_root), t("zh", "w.fork", size=latest.size)),
        ((earlier.size, other_root), t("zh", "w.fork", size=earlier.size)),
    ]
    # One policy with the parents' page (static/trust.js): a checkpoint remembered
    # under another log key is refused too.
    other_key = Signer.generate(_origin(page)).verifier_key()
    cases.append(((latest.size, latest.root_hash), t("zh", "w.key_changed"), other_key))
    for (size, root), message, *key in cases:
        remembered_key = key[0] if key else _log_key(season)
        _remember(page, remembered_key, size, root)
        _cosign(page, token, key_file)
        expect(out).to_have_text(message)
        expect(out).to_have_class("message warning")  # evidence, not an ordinary error
        expect(page.locator("#cosign-checks li.bad")).to_contain_text(message)
        expect(page.locator("#cosign-checks li.bad .state")).to_have_text(t("zh", "step.bad"))
        if size == latest.size + 5:
            page.locator("#h-cosign").scroll_into_view_if_needed()
            page.screenshot(path=screenshot_path("dashboard-rollback-1280x900.png"))
        # Nothing is remembered from a refused checkpoint.
        assert json.loads(page.evaluate("(k) => localStorage.getItem(k)", _storage(page))) == {
            "key": remembered_key, "size": size, "root": root.hex()}

    # A grown log whose consistency proof does not hold is refused (RFC 9162).
    def forged(route: Any) -> None:
        body = json.loads(route.fetch().text())
        body["proof"][0] = "00" * 32
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route("**/consistency?from=*", forged)
    _remember(page, _log_key(season), earlier.size, earlier.root_hash)
    _cosign(page, token, key_file)
    expect(out).to_contain_text(t("zh", "w.fork", size=earlier.size))
    page.unroute("**/consistency?from=*")

    _cosign(page, stranger_token, stranger_file)
    expect(out).to_contain_text(t("zh", "w.not_registered"))
    assert [r for r in sent if r.method == "POST"] == []

    # English, every input labelled.
    page.goto(f"{server}/events/{EVENT}/dashboard?lang=en")
    expect(page.get_by_label(t("en", "s_token"), exact=True)).to_be_visible()
    expect(page.get_by_label(t("en", "witness_key_file"), exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=t("en", "cosign_button"))).to_be_visible()
