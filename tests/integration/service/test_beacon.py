"""The drand beacon through the service (issue 10, PROTOCOL.md §5.6): the demo season
names quicknet, its rounds are real recorded ones, and the service verifies a round before
it logs it. A tampered signature, another round than the one in force, or another chain's
round is refused with its fault code and logs nothing; the right round is logged once, and
the standalone verifier checks its BLS signature again (step 11)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lottery_service.core.beacon import QUICKNET
from lottery_service.demo import BEACON_ROUNDS, DemoRun, simulated_dice
from lottery_service.demo.district import generate_district
from lottery_service.demo.season import recorded_round, round_time
from lottery_service.errors import RejectedInputError
from tests.support import make_runtime

EVENT = "demo-2026"
quiet = lambda _line: None  # noqa: E731


def _tampered(text: str) -> str:
    """The recorded round with one hex digit of its signature changed."""
    obj = json.loads(text)
    sig = obj["signature"]
    obj["signature"] = sig[:10] + ("0" if sig[10] != "0" else "1") + sig[11:]
    return json.dumps(obj)


def test_the_service_verifies_the_round_before_logging_it(tmp_path: Path) -> None:
    rt = make_runtime(tmp_path)
    try:
        run = DemoRun(rt, generate_district(applicants=1000), quiet)
        run.setup()
        state = run.state()
        assert state.rules is not None and state.rules.beacon == QUICKNET  # §5.6: quicknet
        run.registration()
        run.freeze_roster()
        run.commitments("lottery")
        run.reveals("lottery")
        steps = rt.service.ceremonies
        steps.physical_entropy(EVENT, "lottery", "notary-1",
                               simulated_dice(EVENT, "lottery", state.rules.dice))
        plan = steps.beacon_plan(EVENT, "lottery")
        assert plan.round == BEACON_ROUNDS["lottery"]
        run.clock.at(round_time(plan.round) + 5)
        size = rt.service.lifecycle.state(EVENT).size
        good = recorded_round(plan.round)
        for bad in (_tampered(good), recorded_round(BEACON_ROUNDS["grouping"]), "{not json"):
            with pytest.raises(RejectedInputError) as refused:
                steps.beacon(EVENT, "lottery", bad)
            assert refused.value.section == "5.6" and "信标" in refused.value.zh
            assert rt.service.lifecycle.state(EVENT).size == size  # nothing logged
        logged = steps.beacon(EVENT, "lottery", good)
        assert [e.type for e in logged] == ["beacon"]
        body = logged[0].body.to_json()
        assert body["round"] == plan.round and body["chain"] == QUICKNET.chain.hex()
        assert body["randomness"] == json.loads(good)["randomness"]
        assert steps.beacon(EVENT, "lottery", good) == []  # once
        assert [e.type for e in steps.derive_seed(EVENT, "lottery")] == ["seed"]
    finally:
        rt.close()
