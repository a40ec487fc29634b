"""The operator console runs a whole season from the browser (issue 12 §3, §4, §8).

Real headless Chromium drives /events/<id>/operate from the event's creation to the
exported bundle: the operator uploads the bureau's own files, confirms each
irreversible step in a dialog naming its consequence (the roster freeze with the
preview's code), the notary's escrow keys are made and used in this browser only,
and every answer the page gives is a Chinese sentence, never JSON. Participants
commit and reveal on their own devices (devices.py over HTTP), as they do on the day.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from lottery_service import devices
from lottery_service.api.i18n import t
from lottery_service.demo.district import generate_district, payments_csv
from lottery_service.runtime import Runtime
from tests.paths import FIXTURES

from .conftest import APPLICANTS, OPERATOR, screenshot_path
from .test_accessibility import axe_violations

EVENT = "console-2026"
CJK = re.compile(r"[\u4e00-\u9fff]")
SIZES = ((1920, 1080), (1280, 720), (390, 844))


def _answer(page: Page, step: str, timeout: float = 15_000) -> str:
    """The answer the card of `step` shows, once there; it must be a Chinese sentence."""
    box = page.locator(f'[data-step="{step}"] .answer')
    expect(box).to_be_visible(timeout=timeout)
    text = box.inner_text()
    assert CJK.search(text), text
    assert "{" not in text and "HTTP" not in text and "entries" not in text, text
    return text


def _card(page: Page, step: str) -> Any:
    return page.locator(f'[data-step="{step}"]')


def _confirm(page: Page, *, code: str | None = None) -> str:
    dialog = page.locator("#confirm")
    expect(dialog).to_be_visible()
    text = dialog.inner_text()
    assert "不可撤销" in text
    if code is not None:
        page.locator("#confirm-code-input").fill(code)
    page.locator("#confirm-ok").click()
    return text


def _run(page: Page, step: str, *, confirm: bool = True, expect_text: str = "✓",
         timeout: float = 15_000) -> str:
    card = _card(page, step)
    expect(card).to_have_class(re.compile(r"\bnext\b|\bopen\b|\bdone\b"))
    card.locator("button.primary").first.click()
    if confirm:
        _confirm(page)
    text = _answer(page, step, timeout)
    assert text.startswith(expect_text), text
    return text


def _upload(page: Page, kind: str, path: Path) -> str:
    card = _card(page, f"import:{kind}")
    card.locator("input[type=file]").set_input_files(path)
    # the page's own button and file name, never the browser's English "Choose File"
    expect(card.locator(".file-pick .button")).to_have_text(t("zh", "file_pick"))
    expect(card.locator(".file-pick")).to_contain_text(t("zh", "file_chosen") + path.name)
    card.locator("button[type=submit]").click()
    return _answer(page, f"import:{kind}")


def _setup(page: Page, ceremony: str, people: str, tmp: Path) -> str:
    """The notary makes this ceremony's escrow key pair in the browser (the private key
    is a download, never sent); the operator saves the participants with its public key."""
    card = _card(page, f"participants:{ceremony}")
    card.locator("textarea").fill(people)
    with page.expect_download() as got:
        card.get_by_role("button", name=re.compile("生成托管密钥")).click()
    key_file = tmp / f"escrow-{ceremony}.key"
    got.value.save_as(key_file)
    assert re.fullmatch(r"[0-9a-f]{64}\n", key_file.read_text())
    public = card.locator("input").nth(0).input_value()
    assert len(public) == 44
    card.locator("button[type=submit]").click()
    assert "参与方" in _answer(page, f"participants:{ceremony}")
    return public


def _token(page: Page, role: str, subject: str) -> str:
    out = page.locator(".secret-out")
    before = out.inner_text() if out.is_visible() else ""
    page.locator("#t-role").select_option(role)
    page.locator("#t-subject").fill(subject)
    page.locator("#tools").get_by_role("button", name="生成令牌").click()
    expect(page.locator("#out")).to_contain_text(f"请转交{subject}")
    expect(out).not_to_have_text(before)
    return out.inner_text().strip()


def _ceremony(page: Page, url: str, ceremony: str, escrow_key: str, tokens: dict[str, str],
              tmp: Path, dice: int) -> None:
    """Everyone commits on their own device, all but one reveal, the notary opens the
    withheld secret in the console, dice, seed, the key is released (§5)."""
    for pid, tok in tokens.items():
        devices.commit(devices.Server(url, tok), EVENT, ceremony, pid, escrow_key,  # type: ignore[arg-type]
                       tmp / f"{ceremony}-{pid}.secret")
    page.reload()
    close = _card(page, f"close:{ceremony}")
    expect(close).to_have_class(re.compile(r"\bnext\b"))
    close.locator("button.primary").click()
    assert "尚未提交承诺的参与方（无）" in _confirm(page)
    _answer(page, f"close:{ceremony}")
    withheld, *revealing = sorted(tokens)
    for pid in revealing:
        devices.reveal(devices.Server(url, tokens[pid]), EVENT, ceremony,  # type: ignore[arg-type]
                       tmp / f"{ceremony}-{pid}.secret")
    page.reload()
    escrow = _card(page, f"escrow:{ceremony}")
    expect(escrow).to_contain_text(withheld)
    escrow.locator("input[type=file]").set_input_files(tmp / f"escrow-{ceremony}.key")
    if ceremony == "lottery":
        escrow.scroll_into_view_if_needed()
        _shoot(page, "escrow")
        assert axe_violations(page) == []
    escrow.locator("button.primary").click()
    if ceremony == "lottery":
        _shoot(page, "confirm")
        page.set_viewport_size({"width": 1280, "height": 900})
    assert withheld in _confirm(page)
    assert f"{withheld} 的秘密已在本浏览器解开并提交" in _answer(page, f"escrow:{ceremony}")
    card = _card(page, f"entropy:{ceremony}")
    card.locator("input").nth(1).fill(" ".join(["4"] * dice))
    card.locator("button[type=submit]").click()
    assert "骰子" in _confirm(page)
    assert "骰子点数 1" in _answer(page, f"entropy:{ceremony}")
    assert "种子 1" in _run(page, f"seed:{ceremony}")
    release = _card(page, f"release:{ceremony}")
    release.locator("input[type=file]").set_input_files(tmp / f"escrow-{ceremony}.key")
    release.locator("button.primary").click()
    _confirm(page)
    assert "托管私钥公开" in _answer(page, f"release:{ceremony}")


def _text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding).lstrip("\ufeff")
        except UnicodeDecodeError:
            continue
    raise AssertionError("not text")


def _bureau_workbook(files: dict[str, tuple[str, bytes]], out: Path) -> int:
    """The applicants as a bureau's registration system exports them: XLSX, a title and a
    blank row above the header, the common names 学生姓名 / 报名学校 (by the school's name,
    not its code) / 报名时间; returns the number of applicants."""
    schools = {r["学校代码"]: r["学校名称"]
               for r in csv.DictReader(io.StringIO(_text(files["schools"][1])))}
    reader = csv.reader(io.StringIO(_text(files["applicants"][1])))
    header = next(reader)
    school = header.index("申请学校")
    renamed = {"姓名": "学生姓名", "申请学校": "报名学校", "报名日期": "报名时间"}
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2026年民办初中网上报名汇总表"])
    sheet.append([])
    sheet.append([renamed.get(h, h) for h in header])
    count = 0
    for row in reader:
        row[school] = schools[row[school]]
        sheet.append(row)
        count += 1
    book.save(out)
    return count


def _shoot(page: Page, name: str, focus: Any = None) -> None:
    """Screenshots at the three sizes; `focus` (a locator) is scrolled into view in each."""
    for w, h in SIZES:
        page.set_viewport_size({"width": w, "height": h})
        if focus is not None:
            focus.scroll_into_view_if_needed()
        page.screenshot(path=screenshot_path(f"operate-{name}-{w}x{h}.png"))
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= w, f"{name} at {w}×{h} is {wide} px wide"


def test_a_whole_season_from_the_console_alone(runtime: Runtime, server: str, new_page: Any,
                                               tmp_path: Path) -> None:
    district = generate_district(applicants=APPLICANTS, event_id=EVENT)
    files = {kind: tmp_path / name for kind, (name, _) in district.files.items()}
    for kind, (_, data) in district.files.items():
        files[kind].write_bytes(data)
    rules = district.rules
    page = new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    script_errors: list[str] = []
    page.on("pageerror", lambda e: script_errors.append(str(e)))
    page.goto(f"{server}/events/{EVENT}/operate")
    page.locator("#token").fill(OPERATOR)
    page.locator("#token-form button").click()

    # Before the event exists, only its creation is enabled; the rest say why.
    expect(_card(page, "create")).to_have_class(re.compile(r"\bnext\b"))
    expect(_card(page, "draw").locator("button")).to_have_count(0)
    expect(_card(page, "draw")).to_contain_text("请先创建活动")
    _shoot(page, "create")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("#c-title").fill(str(rules["title"]))
    page.locator("#c-year").fill(str(rules["year"]))
    page.locator("#c-grade").select_option(str(rules["grade"]))
    page.locator("#c-dice").fill(str(rules["dice"]))
    page.locator(".step-card button[type=submit]").first.click()
    assert "规则" in _confirm(page)
    assert "活动创建 1" in _answer(page, "create")
    expect(page.locator("#phase")).to_have_text("报名")

    people = "\n".join(f"{p.id}:{p.role}" for p in district.participants["lottery"])
    keys = {"lottery": _setup(page, "lottery", people, tmp_path)}
    tokens = {p.id: _token(page, "participant", p.id) for p in district.participants["lottery"]}

    # A malformed bureau file: the row report names row, column and value, capped, with
    # the error file to download; nothing is stored.
    _upload(page, "schools", files["schools"])
    bad = _upload(page, "applicants", FIXTURES / "imports" / "applicants_errors.csv")
    assert bad.startswith("✗") and "整个文件没有保存" in bad
    table = _card(page, "import:applicants").locator("tbody tr")
    expect(table.first).to_be_visible()
    cells = [c.inner_text() for c in table.nth(0).locator("td").all()]
    assert cells[0].isdigit() and cells[1] and cells[3], cells
    dated = table.filter(has_text="2019-02-30")
    expect(dated.first).to_be_visible()
    assert dated.first.locator("td").nth(0).inner_text() == "3"
    with page.expect_download() as got:
        _card(page, "import:applicants").get_by_role(
            "button", name=re.compile("下载错误文件")).click()
    assert got.value.suggested_filename == "errors-applicants.xlsx"
    _shoot(page, "import-errors")
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 1280, "height": 900})

    # The bureau's own export imports as it is: title rows, Chinese names, school names.
    bureau = tmp_path / "报名汇总表.xlsx"
    applicants = _bureau_workbook(district.files, bureau)
    said = _upload(page, "applicants", bureau)
    assert said.startswith(f"✓ 已导入民办学校报名名单，共 {applicants} 行"), said
    assert "第 3 行" in said, said  # the header row found, and said so
    for kind in ("community", "direct"):
        assert _upload(page, kind, files[kind]).startswith("✓ 已导入")
    # The freeze shows what it will reject, by rule, and is confirmed with the code.
    freeze = _card(page, "freeze-roster")
    expect(freeze).to_have_class(re.compile(r"\bnext\b"))
    freeze.get_by_role("button", name="查看冻结预览").click()
    expect(freeze.locator(".preview-lines li").first).to_contain_text("份申请")
    assert re.search(r"P\d+-[a-z-]+（", freeze.locator(".preview-lines").inner_text())
    freeze.locator(".report button.primary").click()
    label = page.locator("#confirm-code-label").inner_text()
    code = re.search(r"[0-9a-f]{12}", label)
    assert code is not None, label
    _confirm(page, code="000000000000")  # a wrong code freezes nothing
    expect(page.locator("#out")).to_contain_text("确认码不是")
    expect(page.locator("#phase")).to_have_text("报名")
    freeze.locator(".report button.primary").click()
    assert "份申请将按规则被拒绝" in _confirm(page, code=code.group(0))
    assert "输入冻结 1" in _answer(page, "freeze-roster")
    expect(page.locator("#phase")).to_have_text("摇号仪式")

    _ceremony(page, server, "lottery", keys["lottery"], tokens, tmp_path, int(rules["dice"]))
    assert "摇号结果" in _run(page, "draw")
    expect(page.locator("#phase")).to_have_text("缴费确认")

    pay = runtime.service.lifecycle.state(EVENT).payment_state()
    receipts = tmp_path / "receipts.csv"
    receipts.write_bytes(payments_csv([(r, pay.school_of[r]) for r in pay.unconfirmed()], 0.0,
                                      rng_seed=1))
    assert _upload(page, "payments", receipts).startswith("✓ 已导入")
    assert "缴费轮次 1" in _run(page, "payment-round")
    _run(page, "close-payments")
    expect(page.locator("#phase")).to_have_text("录取确认")

    for kind in ("pupils", "class-plans"):
        assert _upload(page, kind, files[kind]).startswith("✓ 已导入")
    keys["grouping"] = _setup(page, "grouping", people, tmp_path)
    _run(page, "freeze-grouping")
    _ceremony(page, server, "grouping", keys["grouping"], tokens, tmp_path, int(rules["dice"]))
    assert "分班结果" in _run(page, "group")

    assert _upload(page, "teachers", files["teachers"]).startswith("✓ 已导入")
    keys["teachers"] = _setup(page, "teachers", people, tmp_path)
    _run(page, "freeze-teachers")
    _ceremony(page, server, "teachers", keys["teachers"], tokens, tmp_path, int(rules["dice"]))
    assert "班主任匹配结果" in _run(page, "match")
    assert "短信通知" in _run(page, "notify", timeout=120_000)
    for ceremony in ("lottery", "grouping", "teachers"):
        _run(page, f"publish:{ceremony}")
    expect(page.locator("#phase")).to_have_text("已公布")

    # S9: a school's register from the student registry against the logged grouping.
    grouping = runtime.service.snapshots.snapshot(EVENT).grouping()
    school, classes = sorted(grouping.items())[0]
    register = tmp_path / "学籍.csv"
    register.write_text("报名号,班级\n" + "".join(f"{r},{c}\n" for r, c in sorted(classes.items())),
                        encoding="utf-8")
    page.locator("#s-school").fill(school)
    page.locator("#s-file").set_input_files(register)
    page.locator("#tools").get_by_role("button", name="学籍核对（S9）").click()
    expect(page.locator("#out")).to_contain_text(
        f"{school} 的学籍名单（{len(classes)} 行）与分班结果完全一致")
    (reg, cls), *_ = sorted(classes.items())
    other = next(c for c in sorted(set(classes.values())) if c != cls)
    moved = register.read_text(encoding="utf-8").replace(f"{reg},{cls}\n", f"{reg},{other}\n")
    register.write_text(moved, encoding="utf-8")
    page.locator("#s-file").set_input_files(register)
    page.locator("#tools").get_by_role("button", name="学籍核对（S9）").click()
    expect(page.locator("#out")).to_contain_text("1 人换了班")
    expect(page.locator("#tools")).to_contain_text(f"{reg}：分班结果 {cls} 班，学籍 {other} 班")

    # A correction from the tools: a new entry, confirmed.
    page.locator("#x-seq").fill("3")
    page.locator("#x-reason").fill("校名有误")
    page.locator("#tools").get_by_role("button", name="记录更正").click()
    assert "原记录不会被修改" in _confirm(page)
    expect(page.locator("#out")).to_contain_text("更正 1")
    export = _run(page, "export", confirm=False)
    assert "审计包已写入" in export
    bundle = Path(export.split("写入 ", 1)[1].rstrip("。"))
    assert (bundle / "log.jsonl").exists() or any(bundle.iterdir())
    _shoot(page, "published")
    page.goto(f"{server}/events/{EVENT}/operate?lang=en")
    expect(page.locator("#phase")).to_have_text("published")
    expect(page.locator("#next")).to_contain_text("Nothing is waiting")
    _shoot(page, "published-en")
    page.goto(f"{server}/events/{EVENT}/operate")
    assert axe_violations(page) == []
    assert script_errors == []


def test_the_console_is_accessible_at_every_step_size(runtime: Runtime, server: str,
                                                      new_page: Any) -> None:
    """axe-core finds no serious violation on the console, phone size included."""
    for w, h in SIZES:
        page = new_page(viewport={"width": w, "height": h})
        page.goto(f"{server}/events/console-new/operate")
        expect(_card(page, "create")).to_be_visible()
        assert axe_violations(page) == []
        # nothing wider than the screen: every card and tool fits (no sideways scrolling)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= w


BAD_EVENT = "console-bad-2026"
TITLE = "2026年一年级民办学校报名汇总表"
HEADER = ("报名号,学生姓名,性别,出生日期,区县,户籍类型,本市户籍或居住证,失信被执行人,政策照顾,"
          "报名学校,多胞胎组,报名时间,身份证后四位,手机,小学毕业")
GOOD = ("202600001234,张三丰,男,2019-08-31,D01,户籍,是,否,否,贵阳市第一民办学校,,"
        "2026-06-11,123X,13800138000,否")
# variant → (the bad cell's column, the bad value, the row as written); row 3: title, header.
VARIANTS = {
    "impossible-date": ("出生日期", "2019-02-30", GOOD.replace("2019-08-31", "2019-02-30")),
    "unknown-school": ("报名学校", "不存在的民办学校",
                       GOOD.replace("贵阳市第一民办学校", "不存在的民办学校")),
    "short-phone": ("手机", "1380013800", GOOD.replace("13800138000", "1380013800")),
    "gender": ("性别", "男生", GOOD.replace(",男,", ",男生,")),
}


def _bad_event(runtime: Runtime) -> None:
    if BAD_EVENT in runtime.service.overview.event_ids():
        return
    runtime.service.lifecycle.create_event({"event": BAD_EVENT, "title": "导入测试", "year": 2026,
                                            "grade": 1, "dice": 20})
    schools = FIXTURES / "imports" / "schools.csv"
    runtime.service.imports.import_file(BAD_EVENT, "schools", schools.read_bytes(), schools.name)


def _console(page: Page, server: str) -> None:
    page.goto(f"{server}/events/{BAD_EVENT}/operate")
    page.locator("#token").fill(OPERATOR)
    page.locator("#token-form button").click()
    # the read model has come (schools are stored): the cards are drawn for good
    expect(_card(page, "import:schools")).to_have_class(re.compile(r"\bdone\b"))


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_each_malformed_bureau_file_names_row_column_and_value(
        runtime: Runtime, server: str, new_page: Any, tmp_path: Path, variant: str) -> None:
    _bad_event(runtime)
    column, value, row = VARIANTS[variant]
    path = tmp_path / f"{variant}.csv"
    path.write_bytes(f"{TITLE}\n{HEADER}\n{row}\n".encode("gb18030"))
    page = new_page(viewport={"width": 1280, "height": 900})
    _console(page, server)
    said = _upload(page, "applicants", path)
    assert said.startswith("✗ 民办学校报名名单没有导入"), said
    card = _card(page, "import:applicants")
    expect(card).to_contain_text("表头在第 2 行")
    cells = [c.inner_text() for c in card.locator("tbody tr").first.locator("td").all()]
    assert cells[:3] == ["3", column, value], cells
    assert CJK.search(cells[3]) and CJK.search(cells[4]), cells  # the problem and a hint


def test_a_file_without_a_header_says_so_in_chinese(runtime: Runtime, server: str,
                                                    new_page: Any, tmp_path: Path) -> None:
    _bad_event(runtime)
    path = tmp_path / "no-header.csv"
    path.write_bytes("编号,名字,备注\n1,张三,无\n".encode("gb18030"))
    page = new_page(viewport={"width": 1280, "height": 900})
    _console(page, server)
    said = _upload(page, "applicants", path)
    assert said.startswith("✗"), said
    first = _card(page, "import:applicants").locator("tbody tr").first.locator("td")
    expect(first.nth(0)).to_have_text("文件")
    assert CJK.search(first.nth(3).inner_text())


def test_a_file_over_the_upload_limit_says_what_to_do(
        runtime: Runtime, server: str, new_page: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the console's upload limit the service's refusal names the command-line
    import; a 413 from a reverse proxy in front of the service (nginx's HTML, not the
    service's answer) says what to ask the technical staff (docs/IMPORTS.md §5)."""
    from lottery_service.api.routes import imports as route

    _bad_event(runtime)
    path = tmp_path / "报名汇总.csv"
    path.write_bytes(f"{TITLE}\n{HEADER}\n".encode("gb18030") + b"\n" * (1 << 20))
    monkeypatch.setattr(route, "MAX_UPLOAD", 1 << 20)  # 1 MB here, 50 MB in service
    page = new_page(viewport={"width": 1280, "height": 900})
    _console(page, server)
    said = _upload(page, "applicants", path)
    assert said.startswith("✗ 未执行「导入民办学校报名名单」：文件超过 1 MB"), said
    assert "命令行" in said and "sunshine import" in said, said
    _shoot(page, "too-large", _card(page, "import:applicants").locator(".answer"))
    monkeypatch.undo()
    nginx = ("<html><head><title>413 Request Entity Too Large</title></head><body><center>"
             "<h1>413 Request Entity Too Large</h1></center><hr><center>nginx</center></body>"
             "</html>")
    page.route("**/imports/applicants", lambda r: r.fulfill(
        status=413, content_type="text/html", body=nginx))
    card = _card(page, "import:applicants")
    card.locator("input[type=file]").set_input_files(path)
    card.locator("button[type=submit]").click()
    answer = card.locator(".answer")
    expect(answer).to_contain_text("反向代理")
    said = answer.inner_text()
    assert "网页上传最多 50 MB" in said and "nginx" not in said, said
    _shoot(page, "too-large-proxy", answer)


def test_the_tools_answer_in_chinese_and_refusals_say_why(
        runtime: Runtime, server: str, new_page: Any, tmp_path: Path) -> None:
    """Windows (G3), witness keys, tokens, and a step out of order: each answer a
    sentence; a refusal gives the server's Chinese reason, never its JSON."""
    _bad_event(runtime)
    page = new_page(viewport={"width": 1280, "height": 900})
    _console(page, server)
    out = page.locator("#out")
    tools = page.locator("#tools")
    page.locator("#w-phase").select_option("payment")
    page.locator("#w-opens").fill("2030-07-20T08:00+08:00")
    page.locator("#w-closes").fill("2030-07-26T00:00+08:00")
    tools.get_by_role("button", name="设置时间窗口（G3）").click()
    expect(out).to_contain_text("时间窗口已记录：缴费")
    tools.get_by_role("button", name="查看时间窗口").click()
    windows = page.locator(".windows li")
    expect(windows.first).to_contain_text("缴费：2030-07-20")
    windows.first.get_by_role("button", name=re.compile("撤销此窗口")).click()
    expect(out).to_contain_text("时间窗口撤销 1")
    expect(windows.first).to_have_text("没有设置任何时间窗口。")
    vkey = devices.witness_keygen("witness.example.com/w1", tmp_path / "w1.key")
    page.locator("#k-name").fill("witness.example.com/w1")
    page.locator("#k-vkey").fill(vkey)
    tools.get_by_role("button", name="登记监督员联署密钥").click()
    expect(out).to_contain_text("监督员联署密钥已登记：witness.example.com/w1")
    page.locator("#k-vkey").fill("not-a-key")
    tools.get_by_role("button", name="登记监督员联署密钥").click()
    expect(out).to_contain_text("✗ 未执行")
    page.locator("#z-reg").fill("202600001234")
    tools.get_by_role("button", name="撤回误录的缴费回单（P7）").click()
    expect(out).to_contain_text("✗ 未执行")
    expect(out).to_contain_text("当前阶段是「报名」")
    assert out.inner_text().count("11.3") == 1  # the section once, not twice
    for text in (out.inner_text(),):
        assert CJK.search(text) and "{" not in text and "HTTP" not in text, text
    # the flow offers no step out of order; the server would refuse it in words as well
    expect(_card(page, "draw")).to_contain_text("当前阶段是「报名」；这一步在「摇号仪式」阶段进行")


def test_an_event_with_a_beacon_asks_each_ceremony_for_its_dice_deadline(
        server: str, new_page: Any) -> None:
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/events/console-beacon-2026/operate")
    page.locator("#token").fill(OPERATOR)
    page.locator("#token-form button").click()
    page.locator("#c-title").fill("信标测试")
    page.locator("#c-beacon").select_option("quicknet")
    page.locator(".step-card button[type=submit]").first.click()
    _confirm(page)
    assert "活动创建 1" in _answer(page, "create")
    expect(page.locator("#p-lottery-by")).to_be_visible()
    expect(page.get_by_label("掷骰截止时间（含时区）").first).to_be_visible()
