"""The pages in real headless Chromium (G1 open process; S9 re-check; §14 proof in the
browser). Each test asserts what the screen, the family or the supervisor sees."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from lottery_service.api.i18n import t
from lottery_service.lookup import ApplicantResult
from tests.paths import FIXTURES, VECTORS

from .conftest import Season, screenshot_path

PROOF_VECTORS = VECTORS / "proofs.json"
IMPORT_FIXTURES = FIXTURES / "imports"

# WCAG 2.x relative luminance and contrast of an element's text against the first
# opaque background behind it.
CONTRAST_JS = """
(selector) => {
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!el.offsetParent && el !== document.body) continue;
    const fg = parse(getComputedStyle(el).color);
    let n = el, bg = null;
    while (n) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) { bg = c; break; }
      n = n.parentElement;
    }
    bg = bg || [255, 255, 255];
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    out.push({ tag: el.tagName + "." + el.className, ratio: (a + 0.05) / (b + 0.05) });
  }
  return out;
}
"""


def _pick(season: Season) -> ApplicantResult:
    """A child admitted in the draw who paid (no forfeit, no promotion), grouped and
    matched, whom the family can look up: the page shows 已确认 (§14)."""
    for r in sorted(season.run.result_index().results.values(), key=lambda r: r.reg):
        if r.outcome == "admitted" and r.teacher and not r.forfeited and r.reg in season.last4 \
                and r.promoted_round is None:
            return r
    raise AssertionError("the demo season has no admitted, matched applicant")


def assert_contrast(page: Page, selector: str) -> None:
    """WCAG AA (4.5:1) for the text of every visible element matching `selector`."""
    for item in page.evaluate(CONTRAST_JS, selector):
        assert item["ratio"] >= 4.5, item


def _assert_labelled(page: Page) -> None:
    unlabelled = page.evaluate("""() => [...document.querySelectorAll(
        'input:not([type=hidden]), select, textarea')]
        .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-label')
                        && !el.getAttribute('aria-labelledby')).map((el) => el.id || el.name)""")
    assert unlabelled == []


# ----------------------------------------------------------------- (a) ceremony
# The ceremony screen has its own files: tests/browser/test_ceremony*.py.


# ------------------------------------------------------------------ (b) parents
# The parents' page has its own file: tests/browser/test_parents.py.


# --------------------------------------------------------------- (c) supervisor


def test_supervisor_register_upload_lists_moved_pupil_S9(season: Season, server: str,
                                                         new_page: Any) -> None:
    grouped: dict[str, dict[str, str]] = {}
    for r in season.run.result_index().results.values():
        if r.class_id is not None:
            grouped.setdefault(r.school, {})[r.reg] = r.class_id
    school = max(sorted(grouped), key=lambda s: len(set(grouped[s].values())))
    register = dict(sorted(grouped[school].items()))
    classes = sorted(set(register.values()))
    assert len(classes) >= 2
    moved = next(iter(register))
    new_class = next(c for c in classes if c != register[moved])
    register[moved] = new_class
    csv_text = "报名号,班级\r\n" + "".join(f"{reg},{cls}\r\n" for reg, cls in register.items())

    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/events/demo-2026/dashboard")
    expect(page.locator("#fair-overall .fair")).to_have_count(3)
    page.get_by_label(t("zh", "school"), exact=True).select_option(school)
    page.get_by_label(t("zh", "register_file")).set_input_files(files=[{
        "name": "register.csv", "mimeType": "text/csv",
        "buffer": b"\xef\xbb\xbf" + csv_text.encode()}])
    page.get_by_role("button", name=t("zh", "compare")).click()
    rows = page.locator("#moved tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_text(f"{moved}{grouped[school][moved]}{new_class}")
    expect(page.locator("#missing")).to_have_count(0)
    expect(page.locator("#extra")).to_have_count(0)
    page.screenshot(path=screenshot_path("dashboard.png"), full_page=True)


# -------------------------------------------------------------- (d) proof.js


# The operator console's tests are in test_operate.py.


# ---------------------------------------------------------- (e) accessibility


def test_pages_are_labelled_keyboard_usable_and_legible(season: Season, server: str,
                                                        new_page: Any) -> None:
    result = _pick(season)
    page = new_page(viewport={"width": 390, "height": 844})
    for path in ("/", "/events/demo-2026", "/events/demo-2026/check",
                 "/events/demo-2026/dashboard", "/events/demo-2026/operate",
                 "/events/demo-2026/ceremony"):
        page.goto(server + path)
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
        _assert_labelled(page)
        assert_contrast(page, "body, h1, h2, label, p, th, td, a, button, .hint, .muted")
    page.goto(server + "/events/demo-2026/check?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name=t("en", "lookup"))).to_be_visible()
    page.get_by_role("link", name=t("en", "switch_label")).click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")

    # Keyboard only: Tab to the registration number, type, Tab, type, Enter.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "reg":
            break
    else:
        raise AssertionError("Tab never reached the registration-number input")
    page.keyboard.type(result.reg)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "id_last4"
    page.keyboard.type(season.last4[result.reg])
    page.keyboard.press("Enter")
    # The verified result takes the focus and is announced (aria-live).
    expect(page.locator("#outcome")).to_have_text(t("zh", "c.s.confirmed"))
    expect(page.locator("#outcome")).to_be_focused()
    expect(page.locator("#announce")).to_have_text(
        t("zh", "c.announce", outcome=t("zh", "c.s.confirmed")))

