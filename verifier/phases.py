"""Phase order of the log (PROTOCOL.md §11.3, §5.1).

Works on a light list of (seq, type, ceremony-or-None, extra) so it can run on
any log, and reports how far the event has come.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from verifier.errors import VerificationError

CEREMONIES = ("lottery", "grouping", "teachers")


@dataclass(frozen=True)
class Item:
    seq: int
    type: str
    ceremony: str | None = None
    participant: str | None = None
    refers_to: int | None = None


def _fail(seq: int, section: str, message: str) -> VerificationError:
    return VerificationError("phases", section, f"entry {seq}: {message}")


class _Ceremony:
    """§5.1 steps of one ceremony."""

    def __init__(self, name: str, participants: Sequence[str], beacon: bool) -> None:
        self.name = name
        self.participants = set(participants)
        self.beacon = beacon
        self.step = "opened"
        self.committed: set[str] = set()
        self.settled: set[str] = set()
        self.key_released = False

    def advance(self, it: Item) -> None:
        t, st = it.type, self.step
        ok = {
            "input_records": st in ("opened", "records"),
            "input_frozen": st == "records",
            "commitment": st in ("frozen", "committing"),
            "commitments_closed": st == "committing"
            and self.committed == self.participants,
            "reveal": st in ("closed", "settling"),
            "escrow_opened": st in ("closed", "settling"),
            "contribution_void": st in ("closed", "settling"),
            "physical_entropy": st in ("closed", "settling")
            and self.settled == self.participants,
            "beacon": st == "physical" and self.beacon,
            "seed": (st == "physical" and not self.beacon) or st == "beacon",
        }.get(t, False)
        if not ok:
            raise _fail(it.seq, "§5.1", f"{t} out of order in the {self.name} ceremony "
                        f"(at step {st})")
        if t in ("commitment", "reveal", "escrow_opened", "contribution_void"):
            p = it.participant
            if p not in self.participants:
                raise _fail(it.seq, "§5.2", f"{p} is not a participant")
            seen = self.committed if t == "commitment" else self.settled
            if p in seen:
                raise _fail(it.seq, "§5.1", f"second {t} for {p}")
            seen.add(p)
        self.step = {"input_records": "records", "input_frozen": "frozen",
                     "commitment": "committing", "commitments_closed": "closed",
                     "reveal": "settling", "escrow_opened": "settling",
                     "contribution_void": "settling", "physical_entropy": "physical",
                     "beacon": "beacon", "seed": "seeded"}[t]


def check_order(items: Sequence[Item], participants: dict[str, list[str]],
                beacon: bool) -> str:
    """Enforce §11.3; return a short description of how far the event has come."""
    if not items or items[0].type != "event_created":
        raise _fail(0, "§11.3", "the first entry is not event_created")
    cer: dict[str, _Ceremony] = {}
    seen_types: set[str] = set()
    stage = "event created"
    results_done = False
    lottery_schools_after_bias = False
    matching_seen = False
    for it in items[1:]:
        t, c = it.type, it.ceremony
        if t == "event_created":
            raise _fail(it.seq, "§11.3", "a second event_created")
        if t == "ceremony_opened":
            assert c is not None
            k = CEREMONIES.index(c)
            if c in cer:
                raise _fail(it.seq, "§5.1", f"{c} opened twice")
            if k > 0 and (CEREMONIES[k - 1] not in cer or cer[CEREMONIES[k - 1]].step != "seeded"):
                raise _fail(it.seq, "§11.3", f"{c} opened before the {CEREMONIES[k - 1]} seed")
            if c == "grouping" and "lottery_results" in seen_types and not results_done:
                raise _fail(it.seq, "§11.3", "grouping opened before the bias audit")
            cer[c] = _Ceremony(c, participants.get(c, []), beacon)
            stage = f"{c} ceremony opened"
        elif t in ("input_records", "input_frozen", "commitment", "commitments_closed",
                   "reveal", "escrow_opened", "contribution_void", "physical_entropy",
                   "beacon", "seed"):
            assert c is not None
            if c not in cer:
                raise _fail(it.seq, "§5.1", f"{t} before the {c} ceremony opened")
            cer[c].advance(it)
            if t == "seed":
                stage = f"{c} seed drawn"
        elif t == "escrow_key_released":
            assert c is not None
            if c not in cer or cer[c].step != "seeded":
                raise _fail(it.seq, "§5.4", f"escrow key released before the {c} seed")
            if cer[c].key_released:
                raise _fail(it.seq, "§5.4", f"second escrow_key_released for {c}")
            cer[c].key_released = True
        elif t == "eligibility_rejections":
            lot = cer.get("lottery")
            if lot is None or lot.step not in ("opened", "records"):
                raise _fail(it.seq, "§11.3",
                            "eligibility_rejections outside the lottery's opening and freeze")
        elif t in ("lottery_results", "bias_audit"):
            lot = cer.get("lottery")
            if lot is None or lot.step != "seeded" or "grouping" in cer:
                raise _fail(it.seq, "§11.3", f"{t} not between the lottery seed and grouping")
            if t == "lottery_results" and "bias_audit" in seen_types:
                lottery_schools_after_bias = True
            if t == "bias_audit":
                if results_done:
                    raise _fail(it.seq, "§11.3", "a second bias_audit")
                results_done = True
                stage = "lottery results published"
            if lottery_schools_after_bias:
                raise _fail(it.seq, "§11.3", "lottery_results after the bias_audit")
        elif t in ("payment_round", "promotions", "payments_closed"):
            if not results_done:
                raise _fail(it.seq, "§11.3", f"{t} before the bias audit")
            if "payments_closed" in seen_types:
                raise _fail(it.seq, "§11.3", f"{t} after payments_closed")
            if t == "promotions" and "payment_round" not in seen_types:
                raise _fail(it.seq, "§11.3", "promotions before any payment_round")
            stage = "payment window" if t != "payments_closed" else "payments closed"
        elif t == "grouping_results":
            if cer.get("grouping") is None or cer["grouping"].step != "seeded":
                raise _fail(it.seq, "§11.3", "grouping_results before the grouping seed")
            stage = "grouping published"
        elif t == "matching_results":
            if cer.get("teachers") is None or cer["teachers"].step != "seeded":
                raise _fail(it.seq, "§11.3", "matching_results before the teachers seed")
            matching_seen = True
            stage = "matching published"
        elif t == "notifications_sent":
            if not matching_seen:
                raise _fail(it.seq, "§11.3", "notifications_sent before matching_results")
            stage = "notifications sent"
        elif t == "published":
            assert c is not None
            if c not in cer or cer[c].step != "seeded":
                raise _fail(it.seq, "§11.3", f"published before the {c} seed")
            if c == "teachers":
                stage = "season published"
        elif t == "correction" and (it.refers_to is None or it.refers_to >= it.seq):
            raise _fail(it.seq, "§11.3", "correction refers to a later entry")
        seen_types.add(t)
        if t == "matching_results" and "notifications_sent" in seen_types:
            raise _fail(it.seq, "§11.3", "matching_results after notifications_sent")
    return stage
