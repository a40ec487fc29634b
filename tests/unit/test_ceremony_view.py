"""The hall screen's state as a fold of version-2 entries (lottery_service/views/ceremony.py).

Checked against what the log itself says: the receipt_log vector (a whole v2
season written from PROTOCOL.md alone), the one-entry-per-type log of
log_entries.json, and synthetic seasons built from the §11.2 bodies
(tests/hall_log.py). Every expectation is read from the entries by the test, not
from the view. The JavaScript fold (lottery_service/web/static/ceremony-model.js) must
arrive at the same state from any snapshot, which the Node cross-check below runs.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lottery_service.api.i18n import STRINGS
from lottery_service.config import Settings, SettingsError
from lottery_service.views import CeremonyStates, CeremonyView, JsonlLogSource, ListKind
from lottery_service.views.ceremony import PAGE_RECORDS, STAGES, ViewError
from lottery_service.views.live import JsonlEntry
from tests.hall_log import ClassPlan, Log, hall_schools, season
from tests.paths import ROOT

RECEIPT_LOG = ROOT / "tests" / "vectors" / "receipt_log" / "entries.jsonl"
NODE = shutil.which("node")
Json = dict[str, Any]


def entries_of(lines: list[bytes]) -> list[JsonlEntry]:
    out = []
    for raw in lines:
        obj = json.loads(raw)
        out.append(JsonlEntry(obj["seq"], obj["time"], obj["type"], obj["body"], raw))
    return out


RECEIPT = entries_of(RECEIPT_LOG.read_bytes().splitlines())


def view_of(entries: list[JsonlEntry]) -> CeremonyView:
    return CeremonyView.from_entries(entries)


def all_pages(view: CeremonyView, school: str, kind: ListKind) -> list[Json]:
    first = view.page(school, kind, 1)
    records = list(first["records"])
    for n in range(2, first["pages"] + 1):
        page = view.page(school, kind, n)
        assert len(page["records"]) <= PAGE_RECORDS
        records += page["records"]
    assert len(records) == first["total"]
    return records


@pytest.fixture(scope="module")
def hall() -> Log:
    return season("hall-2026", hall_schools(400), classes=[ClassPlan("S001", 100, 3),
                                                           ClassPlan("S003", 40, 1)],
                  corrections=True)


# ------------------------------------------------------------------ receipt_log


def test_receipt_log_ceremonies_are_what_their_entries_say_5() -> None:
    snap = view_of(RECEIPT).snapshot()
    assert snap["size"] == len(RECEIPT) and snap["event"] == RECEIPT[0].body["rules"]["event"]
    for name, c in snap["ceremonies"].items():
        mine = [e for e in RECEIPT if e.body.get("ceremony") == name]
        opened = next(e for e in mine if e.type == "ceremony_opened").body
        assert [(p["id"], p["role"]) for p in c["participants"]] == [
            (p["id"], p["role"]) for p in opened["participants"]]
        words = {"reveal": "revealed", "escrow_opened": "escrow_opened",
                 "contribution_void": "void"}
        for p in c["participants"]:
            com = [e.body["commitment"] for e in mine if e.type == "commitment"
                   and e.body["participant"] == p["id"]]
            settled = [e for e in mine if e.type in words and e.body["participant"] == p["id"]]
            assert p["commitment"] == (com[0] if com else None)
            assert p["status"] == (words[settled[0].type] if settled else
                                   "committed" if com else None)
            assert p["secret"] == (settled[0].body.get("secret") if settled else None)
        assert c["seed"] == next(e.body["seed"] for e in mine if e.type == "seed")
        assert c["dice"] == next(e.body["values"] for e in mine if e.type == "physical_entropy")
        frozen = [e.body for e in mine if e.type == "input_frozen"][-1]
        assert (c["input"]["root"], c["input"]["size"]) == (frozen["root"], frozen["size"])
        assert c["published"] == any(e.type == "published" for e in mine)
        assert c["key_released"] == any(e.type == "escrow_key_released" for e in mine)


def test_receipt_log_schools_show_only_their_stages_drawn_first_P5() -> None:
    view = view_of(RECEIPT)
    snap = view.snapshot()
    summaries = {e.body["school"]: e.body for e in RECEIPT if e.type == "lottery_summary"}
    records = {r["id"]: r for e in RECEIPT if e.type == "input_records"
               for r in e.body["records"] if r["type"] == "school"}
    ids = [s["id"] for s in snap["schools"]]
    drawn = sorted(k for k, b in summaries.items() if any(st["lottery"] for st in b["stages"]))
    assert ids[:len(drawn)] == drawn and sorted(ids) == sorted(records)
    for s in snap["schools"]:
        assert s["name"] == records[s["id"]]["name"]
        body = summaries[s["id"]]
        assert [st["stage"] for st in s["summary"]["stages"]] == [
            st["stage"] for st in body["stages"] if st["applicants"] > 0]
        results = [e.body for e in RECEIPT if e.type == "lottery_result"
                   and e.body["school"] == s["id"]]
        assert s["admitted"] == sum(1 for r in results if r["outcome"] == "admitted")
        assert s["waiting"] == sum(1 for r in results if r["waiting"] is not None)


def test_receipt_log_lists_hold_every_child_in_order_with_what_happened_after_7_4_7_5() -> None:
    view = view_of(RECEIPT)
    names = {r["reg"]: r["name"] for e in RECEIPT if e.type == "input_records"
             for r in e.body["records"] if r["type"] == "applicant"}
    marks = {e.body["reg"]: ("forfeited" if e.type == "forfeit" else
                             "promoted" if e.type == "promotion" else "locked", e.body["round"])
             for e in RECEIPT if e.type in ("forfeit", "promotion", "lock")}
    for school in {e.body["school"] for e in RECEIPT if e.type == "lottery_summary"}:
        results = [e.body for e in RECEIPT if e.type == "lottery_result"
                   and e.body["school"] == school]
        admitted = all_pages(view, school, ListKind.ADMITTED)
        assert [r["reg"] for r in admitted] == [r["reg"] for r in sorted(
            (r for r in results if r["outcome"] == "admitted"),
            key=lambda r: (STAGES.index(r["stage"]), r["rank"], r["reg"]))]
        waiting = all_pages(view, school, ListKind.WAITING)
        assert [r["waiting"] for r in waiting] == sorted(
            r["waiting"] for r in results if r["waiting"] is not None)
        for r in admitted + waiting:
            assert r["name"] == names[r["reg"]]
            assert (r["mark"], r["round"]) == marks.get(r["reg"], (None, None))


STEPS = [  # (the entry that ends the prefix, the step key right after it)
    ("ceremony_opened", "input"), ("input_frozen", "committing"),
    ("commitments_closed", "revealing"), ("physical_entropy", "seeding"), ("seed", "seeded"),
    ("lottery_summary", "results"), ("bias_audit", "drawn"), ("payment_round", "payment"),
    ("payments_closed", "payments_closed"),
]


@pytest.mark.parametrize(("after", "key"), STEPS)
def test_the_banner_follows_the_lottery_ceremony_5_1(after: str, key: str) -> None:
    at = next(e.seq for e in RECEIPT if e.type == after)
    prefix = RECEIPT[:at + 1]
    step = view_of(prefix).snapshot()["step"]
    assert (step["key"], step["ceremony"]) == (key, "lottery")
    mine = [e for e in prefix if e.body.get("ceremony") == "lottery"]
    participants = next(e.body for e in mine if e.type == "ceremony_opened")["participants"]
    if key == "committing":
        assert (step["done"], step["total"]) == (
            sum(1 for e in mine if e.type == "commitment"), len(participants))
    if key == "revealing":
        assert (step["done"], step["total"]) == (0, sum(1 for e in mine if e.type == "commitment"))
    if key == "payment":
        assert step["round"] == prefix[-1].body["round"]


def test_the_banner_counts_commitments_then_changes_when_they_close_5_1() -> None:
    closed = next(e.seq for e in RECEIPT if e.type == "commitments_closed")
    before = view_of(RECEIPT[:closed]).snapshot()["step"]
    after = view_of(RECEIPT[:closed + 1]).snapshot()["step"]
    assert before["key"] == "committing" and after["key"] == "revealing"
    assert before["done"] == before["total"] == 3


def test_the_other_ceremonies_end_grouped_then_matched_9_10() -> None:
    grouped = next(e.seq for e in RECEIPT if e.type == "published"
                   and e.body["ceremony"] == "grouping")
    assert view_of(RECEIPT[:grouped]).snapshot()["step"]["key"] == "grouped"
    snap = view_of(RECEIPT).snapshot()
    assert snap["step"]["key"] == "matched"
    matched = {(e.body["school"], e.body["class"]): e.body for e in RECEIPT
               if e.type == "matching_result"}
    for k in snap["classes"]:
        assert k["name"] is not None  # named by the lottery input's school record
        for c in k["classes"]:
            assert (c["teacher"], c["teacher_name"]) == (
                matched[(k["school"], c["class"])]["teacher"],
                matched[(k["school"], c["class"])]["name"])


# ------------------------------------------------------------------ every v2 type


def test_every_section_11_2_type_folds_and_unknown_parts_change_only_the_size() -> None:
    vectors = json.loads((ROOT / "tests" / "vectors" / "log_entries.json").read_text())
    lines = [v["entry"].encode() for v in vectors["valid"]]
    view = view_of(entries_of(lines))
    assert view.size == len(lines)
    assert {v["type"] for v in vectors["valid"]} >= {"rehearsal_recorded", "locks_recorded",
                                                     "notifications_sent"}


def test_entries_out_of_seq_order_are_refused_11_1() -> None:
    view = view_of(RECEIPT[:5])
    with pytest.raises(ViewError):
        view.apply(RECEIPT[6])
    with pytest.raises(ViewError):
        view.apply(RECEIPT[3])


# ------------------------------------------------------------------ synthetic seasons


def test_a_400_applicant_school_pages_every_child_once(hall: Log) -> None:
    entries = entries_of(hall.entries)
    view = view_of(entries)
    results = [e.body for e in entries if e.type == "lottery_result"
               and e.body["school"] == "S001"]
    assert len(results) == 400
    admitted = all_pages(view, "S001", ListKind.ADMITTED)
    waiting = all_pages(view, "S001", ListKind.WAITING)
    assert sorted(r["reg"] for r in admitted) == sorted(
        r["reg"] for r in results if r["outcome"] == "admitted")
    assert sorted(r["reg"] for r in waiting) == sorted(
        r["reg"] for r in results if r["waiting"] is not None)
    with pytest.raises(ViewError):
        view.page("S001", ListKind.WAITING, 1 + -(-len(waiting) // PAGE_RECORDS))
    with pytest.raises(ViewError):
        view.page("S999", ListKind.ADMITTED, 1)


def test_the_snapshot_is_compact_no_name_of_any_child_3_2(hall: Log) -> None:
    entries = entries_of(hall.entries)
    text = json.dumps(view_of(entries).snapshot(), ensure_ascii=False)
    names = {r["name"] for e in entries if e.type == "input_records"
             for r in e.body["records"] if r["type"] in ("applicant", "pupil")}
    names -= {e.body["name"] for e in entries if e.type == "matching_result"}  # §10 shows these
    assert names and not any(f'"{n}"' in text for n in names)
    regs = {e.body["reg"] for e in entries if e.type == "lottery_result"}
    assert not any(f'"{r}"' in text for r in regs)


def test_corrections_are_shown_where_the_entry_they_name_is_11_1(hall: Log) -> None:
    entries = entries_of(hall.entries)
    view = view_of(entries)
    snap = view.snapshot()
    corrections = [e for e in entries if e.type == "correction"]
    assert len(corrections) == 2
    for c in corrections:
        target = entries[c.body["refers_to"]]
        shown = {"seq": c.seq, "time": c.time, "refers_to": c.body["refers_to"],
                 "reason": c.body["reason"]}
        if target.type == "lottery_result":
            school = next(s for s in snap["schools"] if s["id"] == target.body["school"])
            assert shown in school["corrections"]
            listed = all_pages(view, school["id"], ListKind.ADMITTED) + all_pages(
                view, school["id"], ListKind.WAITING)
            marked = [r for r in listed if r["corrections"]]
            assert [(r["reg"], r["corrections"]) for r in marked] == [
                (target.body["reg"], [c.seq])]
        else:
            assert shown in snap["ceremonies"][target.body["ceremony"]]["corrections"]


def test_a_withdrawn_input_is_replaced_by_the_next_one_5_1() -> None:
    log = Log("amend-2026")
    log.add("event_created", {"rules": {"event": "amend-2026", "title": "t", "dice": 20,
                                        "beacon": None, "rehearsal": False,
                                        "waitlist_promotion": True}, "rules_hash": "00" * 32})
    log.add("ceremony_opened", {"ceremony": "lottery", "participants": [], "participants_hash":
                                "11" * 32, "escrow_key": "", "physical_entropy_by": None,
                                "beacon_round": None})
    school = hall_schools()[1].record()
    log.add("input_records", {"ceremony": "lottery", "records": [school, {
        "type": "applicant", "reg": "R0001", "name": "张*", "school": school["id"]}]})
    log.add("input_frozen", {"ceremony": "lottery", "root": "22" * 32, "size": 2})
    log.add("input_withdrawn", {"ceremony": "lottery", "reason": "学校招生计划更正"})
    view = view_of(entries_of(log.entries))
    snap = view.snapshot()
    assert snap["schools"] == [] and snap["step"]["key"] == "input"
    assert snap["ceremonies"]["lottery"]["input"] == {"records": 0, "root": None, "size": None,
                                                      "withdrawn": ["学校招生计划更正"]}


def test_the_beacon_round_is_due_when_section_5_6_says() -> None:
    """§5.6 worked values: round 30022013 of quicknet is due 2026-07-01T01:30:03Z."""
    log = season("beacon-2026", hall_schools(100)[:2], beacon=True, payments=False)
    entries = entries_of(log.entries)
    dice = log.index("physical_entropy")
    snap = view_of(entries[:dice + 1]).snapshot()
    assert snap["step"] == {"key": "beacon", "ceremony": "lottery", "done": None, "total": None,
                            "round": 30022013, "at": "2026-07-01T01:30:03Z"}
    assert snap["ceremonies"]["lottery"]["beacon_due"] == "2026-07-01T01:30:03Z"
    before = view_of(entries[:dice]).snapshot()["step"]
    assert (before["key"], before["total"]) == ("dice", 20)


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=len(RECEIPT)))
def test_a_snapshot_then_the_entries_since_is_the_whole_fold(k: int) -> None:
    """§18.1: a reload gets the state at size k and folds k … n; it ends where a full fold does."""
    view = view_of(RECEIPT[:k])
    for e in RECEIPT[k:]:
        view.apply(e)
    assert view.snapshot() == view_of(RECEIPT).snapshot()


# ------------------------------------------------------------------ the JavaScript fold


def _js_fold(state: Json | None, lines: list[bytes], tmp: Path) -> Json:
    assert NODE is not None
    state_file = tmp / "state.json"
    state_file.write_text(json.dumps(state) if state is not None else "")
    entries_file = tmp / "entries.jsonl"
    entries_file.write_bytes(b"".join(line + b"\n" for line in lines))
    run = subprocess.run([NODE, str(ROOT / "tests" / "js" / "ceremony-fold.mjs"),
                          "-" if state is None else str(state_file), str(entries_file)],
                         capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    result: Json = json.loads(run.stdout)
    return result


@pytest.mark.skipif(NODE is None, reason="node is not installed; the JS fold needs Node 20+")
@pytest.mark.parametrize("log_name", ["receipt", "hall"])
def test_the_javascript_fold_arrives_at_the_servers_state(log_name: str, hall: Log,
                                                         tmp_path: Path) -> None:
    lines = (RECEIPT_LOG.read_bytes().splitlines() if log_name == "receipt" else hall.entries)
    entries = entries_of(lines)
    final = view_of(entries).snapshot()
    assert _js_fold(None, lines, tmp_path) == final
    types = [e.type for e in entries]
    cuts = sorted({0, len(lines)} | {types.index(t) for t in set(types)} | {
        i + 1 for i, t in enumerate(types) if t in ("commitments_closed", "seed", "correction")})
    for k in cuts:
        assert _js_fold(view_of(entries[:k]).snapshot(), lines[k:], tmp_path) == final, k


# ------------------------------------------------------------------ a growing log


def test_states_fold_a_growing_file_once_and_never_a_half_written_line(tmp_path: Path) -> None:
    path = tmp_path / "entries.jsonl"
    lines = RECEIPT_LOG.read_bytes().splitlines()
    path.write_bytes(b"".join(line + b"\n" for line in lines[:20]) + lines[20][:30])
    states = CeremonyStates(JsonlLogSource({"receipt-2026": path}))
    first = json.loads(states.snapshot("receipt-2026"))
    assert first["size"] == 20
    assert states.snapshot("receipt-2026") is states.snapshot("receipt-2026")  # encoded once
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    assert json.loads(states.snapshot("receipt-2026")) == view_of(RECEIPT).snapshot()
    page = json.loads(states.page("receipt-2026", "S001", ListKind.ADMITTED, 1))
    assert page["size"] == len(lines)


def test_a_body_the_screen_cannot_read_is_named_not_guessed_11_2() -> None:
    """A version-1 body under a v2 type (here §17.2 without its count) changes no state."""
    lines = RECEIPT_LOG.read_bytes().splitlines()
    at = next(e.seq for e in RECEIPT if e.type == "eligibility_rejections")
    bad = json.loads(lines[at])
    bad["body"] = {"rejected": 3}
    lines[at] = json.dumps(bad).encode()
    snap = view_of(entries_of(lines)).snapshot()
    assert snap["unreadable"] == [at] and snap["rejections"] is None
    assert view_of(RECEIPT).snapshot()["unreadable"] == []


def test_the_hall_speaks_chinese_first() -> None:
    """Every ceremony-screen string (api/i18n.py "h.*") is Chinese in Chinese: no English
    word but the name of the setting an operator types."""
    for key, (zh, en) in STRINGS.items():
        if not key.startswith("h."):
            continue
        words = set(re.findall(r"[A-Za-z]{3,}", re.sub(r"\{\w+\}", "", zh)))
        # the settings SUNSHINE_PUBLIC_BASE_URL and SUNSHINE_PUBLICATION_URL
        assert words <= {"SUNSHINE", "PUBLIC", "BASE", "URL", "PUBLICATION"}, key
        assert en and en != zh, key


def test_the_static_pages_cover_every_list_of_every_school_with_results(hall: Log) -> None:
    """CeremonyView.pages(): what a static publication writes beside state.json (§18.1)."""
    view = view_of(entries_of(hall.entries))
    listed: dict[tuple[str, ListKind], int] = {}
    for school, kind, number in view.pages():
        listed[(school, kind)] = listed.get((school, kind), 0) + len(
            view.page(school, kind, number)["records"])
    results = [e.body for e in entries_of(hall.entries) if e.type == "lottery_result"]
    for school in {r["school"] for r in results}:
        mine = [r for r in results if r["school"] == school]
        assert listed[(school, ListKind.ADMITTED)] == sum(
            1 for r in mine if r["outcome"] == "admitted")
        assert listed[(school, ListKind.WAITING)] == sum(
            1 for r in mine if r["waiting"] is not None)


@pytest.mark.parametrize(("value", "expected"), [
    ("https://draw.example.cn/", "https://draw.example.cn"),
    ("http://10.0.0.5:8000/yunyan", "http://10.0.0.5:8000/yunyan"),
    ("", None),
])
def test_the_public_base_url_is_read_from_the_environment(
        value: str, expected: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SUNSHINE_PUBLIC_BASE_URL", value)
    assert Settings.from_env(tmp_path).public_base_url == expected


@pytest.mark.parametrize("value", ["draw.example.cn", "ftp://x.cn", "https://x.cn/?a=1",
                                   "https://x.cn/#top", "javascript:alert(1)"])
def test_a_public_base_url_that_cannot_be_used_is_refused_in_chinese_first(
        value: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SUNSHINE_PUBLIC_BASE_URL", value)
    with pytest.raises(SettingsError, match=r"^SUNSHINE_PUBLIC_BASE_URL 不是 http\(s\) 网址"):
        Settings.from_env(tmp_path)
