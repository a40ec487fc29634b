"""The streaming pass's fast paths (log.LOTTERY_RESULT, GROUPING_RESULT, APPLICANT, PUPIL)
read exactly what the general strict parser reads: for valid entries the same state,
for any byte change either the same verdict or a fall back to the general parser
(PROTOCOL.md §2.3: strictness must not depend on which path an entry takes)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from verifier import log, strict
from verifier.strict import StrictError

EVENT = "demo-2026"
REG = st.from_regex(r"[A-Z0-9]{4,12}", fullmatch=True)
ID = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,8}", fullmatch=True)
HEX = st.binary(min_size=32, max_size=32).map(bytes.hex)
NAME = st.tuples(st.characters(blacklist_characters="*", blacklist_categories=("Cs",)),
                 st.sampled_from(["", "明", '"', "\\", "\n", "é"])).map(lambda t: f"{t[0]}*{t[1]}")


def entry(seq: int, type_: str, body: dict[str, Any], time: str = "2026-07-01T01:00:00Z"
          ) -> bytes:
    return strict.canon({"v": 2, "event": EVENT, "seq": seq, "time": time, "type": type_,
                         "body": body})


def _state(fold: log.Fold) -> Any:
    st_ = fold.state
    inputs = {c: (x.current.applicants, x.current.pupils, x.current.tree.root(),
                  x.current.parts, x.current.disorder) for c, x in st_.ceremonies.items()}
    results = {k: (v.digest.hexdigest(), v.count, v.classes)
               for k, v in [*st_.lottery.items(), *st_.grouping.items()]}
    return inputs, results, st_.event


def both(raws: list[bytes]) -> tuple[Any, Any]:
    """(fast-path outcome, general-path outcome) of absorbing `raws` after event_created:
    the state, or the fact of a StrictError."""
    out = []
    for general in (False, True):
        fold = log.Fold(log.LogState())
        try:
            for seq, raw in enumerate(raws):
                (fold.general if general else fold.absorb)(seq, raw)
            out.append(_state(fold))
        except StrictError:
            out.append("refused")
    return out[0], out[1]


def applicant(reg: str, name: str, school: str, district: str, attrs: str, day: int,
              flags: tuple[bool, bool]) -> dict[str, Any]:
    return {"type": "applicant", "reg": reg, "name": name, "school": school,
            "district": district, "reg_day": f"2026-06-{day:02d}", "direct": flags[0],
            "community": flags[1], "unit": reg, "attrs": attrs}


APPLICANTS = st.lists(st.builds(applicant, REG, NAME, ID, ID, HEX, st.integers(1, 28),
                                st.tuples(st.booleans(), st.booleans())),
                      min_size=1, max_size=6, unique_by=lambda a: a["reg"])
PUPILS = st.lists(st.builds(
    lambda reg, name, school, attrs, sib, same: {
        "type": "pupil", "reg": reg, "name": name, "school": school, "attrs": attrs,
        "siblings": sib, "same_name": same},
    REG, NAME, ID, HEX,
    st.none() | st.builds(lambda g, m: {"group": g, "mode": m}, ID,
                          st.sampled_from(["together", "apart", "Together"])),
    st.none() | ID), min_size=1, max_size=6, unique_by=lambda p: p["reg"])
RULES = {"type": "rules", "version": 2, "event": EVENT, "origin": f"draw.example.cn/{EVENT}",
         "rehearsal": False, "title": "t", "year": 2026, "grade": 1,
         "high_fee_threshold": 6000, "waitlist_promotion": True, "dice": 20, "beacon": None}
OPENED = entry(0, "event_created", {"rules": RULES, "rules_hash": "00" * 32})


def _records(ceremony: str, recs: list[dict[str, Any]]) -> bytes:
    return entry(0, "input_records", {"ceremony": ceremony,
                                      "records": sorted(recs, key=strict.canon)})


@settings(max_examples=150, deadline=None)
@given(APPLICANTS, st.data())
def test_applicant_records_read_alike(recs: list[dict[str, Any]], data: st.DataObject) -> None:
    raw = _records("lottery", recs)
    fast, general = both([raw])
    assert fast == general
    assert fast != "refused"
    at = data.draw(st.integers(0, len(raw) - 1))
    bad = raw[:at] + bytes([data.draw(st.integers(0, 255))]) + raw[at + 1:]
    assert both([bad])[0] == both([bad])[1]


@settings(max_examples=150, deadline=None)
@given(PUPILS, st.data())
def test_pupil_records_read_alike(recs: list[dict[str, Any]], data: st.DataObject) -> None:
    raw = _records("grouping", recs)
    fast, general = both([raw])
    assert fast == general
    assert (fast == "refused") == any(p["siblings"] is not None
                                      and p["siblings"]["mode"] == "Together" for p in recs)
    at = data.draw(st.integers(0, len(raw) - 1))
    bad = raw[:at] + bytes([data.draw(st.integers(0, 255))]) + raw[at + 1:]
    assert both([bad])[0] == both([bad])[1]


RESULT = st.builds(
    lambda school, reg, outcome, stage, rank, waiting, cutoff: {
        "school": school, "reg": reg, "unit": reg, "outcome": outcome, "stage": stage,
        "rank": rank, "waiting": waiting, "cutoff": cutoff},
    ID, REG, st.sampled_from(["admitted", "not_admitted", "waiting"]),
    st.sampled_from(["direct", "community", "district", "city"]),
    st.integers(0, 2**53 + 5), st.none() | st.integers(0, 2**53 - 1), st.none() | HEX)


@settings(max_examples=200, deadline=None)
@given(RESULT, st.data())
def test_lottery_results_read_alike(body: dict[str, Any], data: st.DataObject) -> None:
    try:
        raw = entry(1, "lottery_result", body)
    except StrictError:  # an integer beyond 2^53 cannot be written canonically
        raw = entry(1, "lottery_result", {**body, "rank": 1})
    fast, general = both([OPENED, raw])
    assert fast == general
    valid = (body["outcome"] != "waiting" and 1 <= body["rank"] <= 2**53 - 1
             and (body["waiting"] is None or body["waiting"] >= 1))
    assert (fast != "refused") == valid
    at = data.draw(st.integers(0, len(raw) - 1))
    bad = raw[:at] + bytes([data.draw(st.integers(0, 255))]) + raw[at + 1:]
    assert both([OPENED, bad])[0] == both([OPENED, bad])[1]


@settings(max_examples=200, deadline=None)
@given(ID, REG, ID, st.data())
def test_grouping_results_read_alike(school: str, reg: str, klass: str,
                                     data: st.DataObject) -> None:
    raw = entry(1, "grouping_result", {"school": school, "reg": reg, "class": klass})
    fast, general = both([OPENED, raw])
    assert fast == general != "refused"
    at = data.draw(st.integers(0, len(raw) - 1))
    bad = raw[:at] + bytes([data.draw(st.integers(0, 255))]) + raw[at + 1:]
    assert both([OPENED, bad])[0] == both([OPENED, bad])[1]


def test_the_fast_paths_are_taken() -> None:
    """Plain records and results match their pattern (else the equivalence is idle)."""
    a = applicant("R0001", "张*明", "S1", "D1", "00" * 32, 11, (False, False))
    raw = _records("lottery", [a])
    head = raw.index(b'"records":[') + len(b'"records":[')
    assert log.APPLICANT.match(raw, head)
    r = entry(1, "lottery_result", {"school": "S1", "reg": "R0001", "unit": "R0001",
                                    "outcome": "admitted", "stage": "district", "rank": 1,
                                    "waiting": None, "cutoff": None})
    assert log.LOTTERY_RESULT.fullmatch(r)
    g = entry(1, "grouping_result", {"school": "S1", "reg": "R0001", "class": "01"})
    assert log.GROUPING_RESULT.fullmatch(g)
