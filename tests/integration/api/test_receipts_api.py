"""Families' receipts from the real service (PROTOCOL.md §14, §14.1, §17; issues 11, 13).

A whole v2 demo season runs on SQLite; then every kind of family asks the HTTP API.
Each receipt must pass the standalone verifier against the event's own tlog-policy
and say what the log says of that child; the look-up carries the family's own
openings and nobody else's; the right credentials always answer, wrong ones are a
404 indistinguishable from an unknown number; the index grown checkpoint by
checkpoint gives the same receipts as one built from the whole log.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from lottery_service import imports
from lottery_service.api import create_app
from lottery_service.auditlog import load_entries
from lottery_service.core.privacy import AttributeOpening
from lottery_service.demo import DemoRun
from lottery_service.demo.district import generate_district
from lottery_service.receipts import ReceiptIndex
from lottery_service.runtime import Runtime
from lottery_service.service.lifecycle import sealed_rejections
from lottery_service.storage.models import CheckpointTable, PupilTable
from tests.support import make_runtime, proof_x
from verifier import receipt as verifier_receipt

APPLICANTS = 1000
EVENT = "demo-2026"
quiet = lambda _line: None  # noqa: E731


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Runtime, TestClient]]:
    rt = make_runtime(tmp_path_factory.mktemp("receipts"))
    try:
        district = generate_district(applicants=APPLICANTS)
        DemoRun(rt, district, quiet).run()
        with TestClient(create_app(rt), client=("10.9.0.1", 1)) as client:
            yield rt, client
    finally:
        rt.close()


def _factors(rt: Runtime) -> dict[str, str]:
    """reg → the last four ID characters, as the families know them (demo data)."""
    filename, data = generate_district(applicants=APPLICANTS).files["applicants"]
    known = {r.reg: r.id_last4 for r in imports.parse("applicants", data, filename).rows}
    filename, data = generate_district(applicants=APPLICANTS).files["pupils"]
    known.update({r.reg: r.id_last4 for r in imports.parse("pupils", data, filename).rows
                  if r.id_last4})
    return known


def _x(text: str) -> dict[str, Any]:
    x: dict[str, Any] = proof_x(text)
    return x


def _ask(client: TestClient, path: str, reg: str, factor: str) -> Any:
    return client.post(f"/api/v1/events/{EVENT}/{path}", json={"reg": reg, "id_last4": factor})


def test_each_kind_of_family_gets_a_receipt_the_verifier_accepts_14(
        season: tuple[Runtime, TestClient]) -> None:
    rt, client = season
    state = rt.service.lifecycle.state(EVENT)
    factors = _factors(rt)
    policy = rt.service.witnesses.policy(EVENT)
    kinds: dict[str, str] = {}
    for reg, r in sorted(state.lottery_results.items()):
        kind = "waiting" if r.body.waiting is not None else r.body.outcome
        if reg in state.forfeits_of:
            kind = "forfeit"
        elif reg in state.promotions_of:
            kind = "promoted"
        kinds.setdefault(kind, reg)
    with Session(rt.engine) as session:
        rejected = sorted(leaf.reg for leaf in sealed_rejections(session, EVENT))
    kinds["rejected"] = rejected[0]
    outside = sorted(reg for reg in state.grouping_results if reg not in state.lottery_results)
    kinds["pupil"] = outside[0]
    assert {"admitted", "waiting", "rejected", "pupil"} <= set(kinds), kinds
    for kind, reg in kinds.items():
        answer = _ask(client, "proof", reg, factors[reg])
        assert answer.status_code == 200, (kind, answer.text)
        assert answer.headers["content-type"].startswith("text/plain")
        assert answer.headers["content-disposition"] == \
            f'attachment; filename="{reg}.tlog-proof"'
        report = verifier_receipt.check(answer.text, policy, reg)
        assert report.ok, (kind, report)
        x = _x(answer.text)
        primary = json.loads(x["entry"])
        want = {"rejected": "eligibility_rejections", "pupil": "grouping_result"}.get(
            kind, "lottery_result")
        assert primary["type"] == want, kind
        if want == "lottery_result":
            assert primary["body"] == state.lottery_results[reg].body.to_json()
            named = [json.loads(e["entry"]) for e in x["entries"]]
            assert (kind == "forfeit") == any(e["type"] == "forfeit" for e in named)
            assert (kind == "promoted") == any(e["type"] == "promotion" for e in named)
        if kind == "rejected":
            leaf = json.loads(x["records"][0]["record"])
            assert leaf["reg"] == reg and x["records"][0]["ceremony"] == "rejections"


def test_lookup_carries_only_the_familys_own_openings_17(
        season: tuple[Runtime, TestClient]) -> None:
    rt, client = season
    factors = _factors(rt)
    with Session(rt.engine) as session:
        pupil = session.exec(select(PupilTable).where(PupilTable.event_id == EVENT)).first()
    assert pupil is not None
    state = rt.service.lifecycle.state(EVENT)
    reg = next(r for r in sorted(state.lottery_results) if r in state.grouping_results)
    for asked in (reg, pupil.reg):
        found = _ask(client, "lookup", asked, factors[asked])
        assert found.status_code == 200, found.text
        body = found.json()
        assert body["reg"] == asked and body["receipt"] == \
            _ask(client, "proof", asked, factors[asked]).text
        assert body["openings"] and {o["reg"] for o in body["openings"]} == {asked}
        committed = {r["ceremony"]: json.loads(r["record"]).get("attrs")
                     for r in _x(body["receipt"])["records"]
                     if json.loads(r["record"]).get("reg") == asked}
        for o in body["openings"]:
            opening = AttributeOpening.from_json({k: o[k] for k in
                                                  ("reg", "gender", "strata", "salt")})
            # Each opening opens the family's committed attrs of its ceremony in its own
            # receipt (§17.1).
            assert opening.attrs == committed[o["ceremony"]], o["ceremony"]


def test_wrong_factor_is_the_unknown_number_answer_and_right_ones_always_answer(
        season: tuple[Runtime, TestClient]) -> None:
    rt, client = season
    factors = _factors(rt)
    reg = sorted(rt.service.lifecycle.state(EVENT).lottery_results)[3]
    wrong = "0000" if factors[reg] != "0000" else "1111"
    bad, unknown = _ask(client, "proof", reg, wrong), _ask(client, "proof", "ZZ99999999", "1234")
    assert bad.status_code == unknown.status_code == 404
    assert bad.json() == unknown.json()
    assert _ask(client, "proof", reg, factors[reg]).status_code == 200


def test_event_context_is_served_under_the_latest_checkpoint_14_1(
        season: tuple[Runtime, TestClient]) -> None:
    _, client = season
    text = client.get(f"/api/v1/events/{EVENT}/context")
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    x = _x(text.text)
    assert x["type"] == "sunshine-context"
    types = {json.loads(e["entry"])["type"] for e in x["entries"]}
    assert {"ceremony_opened", "seed", "payment_round", "payments_closed"} <= types
    latest = client.get(f"/api/v1/events/{EVENT}/checkpoints/latest").text
    assert text.text.endswith(latest)


def test_index_grown_per_checkpoint_equals_one_built_at_once_13(
        season: tuple[Runtime, TestClient]) -> None:
    rt, _ = season
    with Session(rt.engine) as session:
        entries = load_entries(session, EVENT)
        notes = {c.size: c.note for c in session.exec(
            select(CheckpointTable).where(CheckpointTable.event_id == EVENT))}
    snap = rt.service.snapshots.snapshot(EVENT)
    grown = ReceiptIndex(EVENT)
    for size in sorted(notes):
        grown.extend(entries[:size])
    whole = ReceiptIndex(EVENT)
    whole.extend(entries[:snap.size])
    rejections = snap.rejections()
    regs = sorted(whole.state.lottery_results)[::25] + sorted(whole.state.grouping_results)[::25]
    for reg in regs:
        assert grown.receipt(reg, snap.size, snap.note, rejections) == \
            whole.receipt(reg, snap.size, snap.note, rejections)
    # An older checkpoint's receipt comes only from entries below it (§14).
    mid = sorted(notes)[len(notes) // 2]
    for reg in regs:
        old = grown.receipt(reg, mid, notes[mid], rejections)
        if old is not None:
            assert all(e["index"] < mid for e in _x(old)["entries"])


def test_receipts_hold_only_small_entries_and_log_sized_proofs_14(
        season: tuple[Runtime, TestClient]) -> None:
    """Issue 13: a family's receipt holds its own per-family entries and common small ones
    (no school-wide result entry), so its size grows with log2 of the log, not with
    the school. (The §14 format's province bound is in the branch report.)"""
    rt, client = season
    factors = _factors(rt)
    state = rt.service.lifecycle.state(EVENT)
    size = rt.service.snapshots.snapshot(EVENT).size
    depth = (size - 1).bit_length()
    for reg in sorted(state.lottery_results)[::40]:
        x = _x(_ask(client, "proof", reg, factors[reg]).text)
        assert len(x["entry"]) < 1024
        for item in x["entries"]:
            assert len(item["entry"]) < 1024 and len(item["proof"]) <= depth


def test_right_credentials_before_the_draw_get_not_yet_and_never_count_as_failures_11(
        tmp_path: Path) -> None:
    """Issue 11: with the right details and no result logged yet the answer is 'not yet
    published' (409, in Chinese), as often as asked, never the wrong-details 404 and never
    a failure towards the look-up limit."""
    rt = make_runtime(tmp_path)
    try:
        district = generate_district(applicants=APPLICANTS)
        run = DemoRun(rt, district, quiet)
        for name, step in run.steps():
            step()
            if name == "freeze-roster":
                break
        factors = _factors(rt)
        reg = sorted(factors)[0]
        with TestClient(create_app(rt), client=("10.9.0.2", 1)) as client:
            for _ in range(12):
                answer = _ask(client, "proof", reg, factors[reg])
                assert answer.status_code == 409, answer.text
                body = answer.json()
                assert body["error"] == "ResultNotYetError"
                assert "还没有这名学生的结果" in body["detail"]
            wrong = _ask(client, "lookup", reg, "0000" if factors[reg] != "0000" else "1111")
            assert wrong.status_code == 404
    finally:
        rt.close()
