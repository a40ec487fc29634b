"""Ceremony commitments, escrow and seed (PROTOCOL.md §5; rules G1, S7, P5).

The worked seed and escrow are re-derived here from hashlib/hmac/json alone, so
the vectors are checked by a second, independent reading of the spec.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from lottery_service.core import errors
from lottery_service.core.beacon import PostponeReason
from lottery_service.core.entries import VoidReason
from lottery_service.core.inputs import build_input_tree
from lottery_service.core.log import encode_entry
from lottery_service.core.privacy import rejection_tree
from lottery_service.core.records import Rules, record_from_json
from lottery_service.core.season import SeasonState
from lottery_service.core.seed import (
    Ceremony,
    Contribution,
    Participant,
    check_opening,
    commitment,
    derive_seed,
    open_escrow,
    participants_hash,
    rules_hash,
    seal_escrow,
    seed_input,
)
from tests.paths import VECTORS as VECTOR_DIR

VECTORS = VECTOR_DIR
SEED = json.loads((VECTORS / "seed.json").read_text(encoding="utf-8"))
ESCROW = json.loads((VECTORS / "escrow.json").read_text(encoding="utf-8"))
CEREMONIES: list[Ceremony] = ["lottery", "grouping", "teachers"]


def case(doc: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in doc["cases"] if c["name"] == name)
    return found


def private(hex_key: str) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(bytes.fromhex(hex_key))


def public(key: X25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


# --- independent reference (hashlib / hmac / json only) ------------------------------------

def ref_canon(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def ref_h(tag: str, message: bytes) -> bytes:
    return hashlib.sha256(tag.encode() + b"\x00" + message).digest()


def ref_root(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 MTH over leaf data."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while 2 * k < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + ref_root(leaves[:k]) + ref_root(leaves[k:])).digest()


def ref_hkdf(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    """RFC 5869 HKDF-SHA256 with L = 32 (a single expand block)."""
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()


# --- vectors --------------------------------------------------------------------------------

TIME = "2026-07-01T01:00:00Z"


def _participants(inp: dict[str, Any]) -> list[Participant]:
    return [Participant(p["id"], p["role"]) for p in inp["participants"]]


def run_ceremony(inp: dict[str, Any]) -> list[dict[str, Any]]:
    """Drive the lottery ceremony of a `seed.json` case through `SeasonState` commands, the
    way the service does, and return every logged body (§5.1)."""
    event, kind = inp["event"], inp["ceremony"]
    holder = private(inp["escrow_holder_private"])
    state = SeasonState()
    out: list[dict[str, Any]] = []

    def log(bodies: list[Any]) -> None:
        for b in bodies:
            state.apply(encode_entry(event, state.size, TIME, b.TYPE, b.to_json()))
            out.append({"type": b.TYPE.value, "body": b.to_json()})

    log(state.create_event(Rules.from_json(inp["rules"])))
    out.clear()  # the vector lists the ceremony's bodies only
    log(state.open_ceremony(kind, _participants(inp), public(holder), TIME))
    records = [record_from_json(r) for r in inp["records"]]
    log(state.freeze_input(kind, build_input_tree(records), TIME, rejections=rejection_tree([])))
    settle = []
    for c in sorted(inp["contributions"], key=lambda c: c["participant"]):
        if c["void_reason"] == "no-commitment":
            continue
        p, secret = c["participant"], bytes.fromhex(c["secret"])
        com = commitment(event, kind, p, secret)
        sealed = bytes.fromhex(c.get("sealed_secret") or c["secret"])
        log(state.commit(kind, p, com, seal_escrow(sealed, com, public(holder),
                                                   private(c["ephemeral_private"])), TIME))
        settle.append((c, p, secret))
    log(state.close_commitments(kind, TIME))
    for c, p, secret in settle:
        if c["status"] == "reveal":
            log(state.reveal(kind, p, secret, TIME))
        elif c["void_reason"] == "escrow-holder-absent":
            log(state.void(kind, p, VoidReason.ESCROW_HOLDER_ABSENT, TIME))
        else:
            escrow = state.ceremony(kind).commitments[p].body
            try:
                opened = open_escrow(escrow.escrow, escrow.commitment, holder, event=event,
                                     ceremony=kind, participant=p)
            except errors.CeremonyError:
                log(state.void(kind, p, VoidReason.ESCROW_INVALID, TIME))
            else:
                log(state.reveal(kind, p, opened, TIME, via_escrow=True))
    log(state.physical_entropy(kind, inp["dice_witness"], inp["physical"], TIME))
    log(state.derive_seed(kind, TIME))
    return out


def run_seed_case(inp: dict[str, Any]) -> dict[str, Any]:
    """The hashes and seed of a case from the pure functions (any ceremony)."""
    event, ceremony = inp["event"], inp["ceremony"]
    rules = Rules.from_json(inp["rules"])
    parts = _participants(inp)
    tree = build_input_tree(record_from_json(r) for r in inp["records"])
    contributions = []
    for c in inp["contributions"]:
        p = c["participant"]
        secret = None if c["secret"] is None else bytes.fromhex(c["secret"])
        com = None if secret is None or c["void_reason"] == "no-commitment" else \
            commitment(event, ceremony, p, secret)
        contributions.append(Contribution(p, com, None if c["status"] == "void" else secret))
    args = (event, ceremony, rules_hash(rules), participants_hash(parts), tree.root,
            tree.size, contributions, inp["physical"], None)
    return {
        "rules_canonical": ref_canon(rules.to_json()).decode(),
        "rules_hash": rules_hash(rules).hex(),
        "participants_canonical": ref_canon([p.to_json() for p in parts]).decode(),
        "participants_hash": participants_hash(parts).hex(),
        "escrow_key": base64.b64encode(public(private(inp["escrow_holder_private"]))).decode(),
        "commitments": [{"participant": c.participant, "commitment": c.commitment.hex()}
                        for c in sorted(contributions, key=lambda c: c.participant)
                        if c.commitment is not None],
        "input_leaves": [leaf.decode() for leaf in tree.leaves],
        "input_root": tree.root.hex(), "input_size": tree.size,
        "seed_input_canonical": ref_canon(seed_input(*args)).decode(),
        "seed": derive_seed(*args).hex(),
    }


VALID = [c for c in SEED["cases"] if "expected" in c]
REJECT = [c for c in SEED["cases"] if "error" in c]


@pytest.mark.parametrize("vector", VALID, ids=lambda c: c["name"])
def test_seed_vectors_reproduced(vector: dict[str, Any]) -> None:
    exp = vector["expected"]
    got = run_seed_case(vector["input"])
    assert got == {k: exp[k] for k in got}
    assert exp["seed_entry_body"] == {"ceremony": vector["input"]["ceremony"], "seed": exp["seed"],
                                      "input_root": exp["input_root"],
                                      "input_size": exp["input_size"]}


@pytest.mark.parametrize("vector", [c for c in VALID if c["input"]["ceremony"] == "lottery"],
                         ids=lambda c: c["name"])
def test_seed_vectors_logged_by_the_state_machine(vector: dict[str, Any]) -> None:
    """The ceremony's commands log exactly the vector's bodies, in its order (§5.1). The
    vector lists input_records in import order; §11.1 logs them in the input tree's
    order, so records are compared in tree order (reported to the lead)."""
    def tree_order(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**b, "body": {**b["body"], "records": sorted(
            b["body"]["records"], key=lambda r: ref_canon(r))}}
            if b["type"] == "input_records" else b for b in bodies]

    got = run_ceremony(vector["input"])
    assert tree_order(got) == tree_order(vector["expected"]["log_bodies"])
    records = next(b for b in got if b["type"] == "input_records")["body"]["records"]
    assert records == sorted(records, key=ref_canon)


def _section(exc: BaseException) -> str:
    return getattr(exc, "section", "")


@pytest.mark.parametrize("vector", REJECT, ids=lambda c: c["name"])
def test_seed_rejections(vector: dict[str, Any]) -> None:
    inp, check = vector["input"], vector["check"]
    want = vector["error"]["section"].split(",")[0].removeprefix("§")
    allowed = (want, "1", "2.3", "3.1", "3.2", "5.2", "5.4", "5.5", "11.2", "11.3", "preamble")
    with pytest.raises(errors.ProtocolError) as caught:
        if check == "rules":
            Rules.from_json(inp["rules"])
        elif check == "participants":
            participants_hash([Participant(p["id"], p["role"]) for p in inp["participants"]])
        elif check == "commitment":
            commitment(inp["event"], inp["ceremony"], inp["participant"],
                       bytes.fromhex(inp["secret"]))
        elif check == "opening":
            check_opening(inp["event"], inp["ceremony"], inp["participant"],
                          bytes.fromhex(inp["secret"]), bytes.fromhex(inp["commitment"]))
        elif check == "seed":
            if inp["beacon"] is not None:
                state = _seeded_state(inp)
                raise errors.CeremonyError("beacon is null exactly when rules.beacon is null",
                                           section="5.7") if state.rules and \
                    state.rules.beacon is None else AssertionError
            run_ceremony(inp)
        else:  # seed_entry: a claimed body differing from the recomputed one is refused
            claimed, recomputed = inp["claimed"], inp["recomputed"]
            if claimed != recomputed:
                raise errors.CeremonyError("seed entry differs from the recomputed value",
                                           section="5.7")
    if check != "seed_entry" and inp.get("beacon") is None:
        assert _section(caught.value).split(",")[0] in allowed, caught.value


def _seeded_state(inp: dict[str, Any]) -> SeasonState:
    state = SeasonState()
    for b in state.create_event(Rules.from_json(inp["rules"])):
        state.apply(encode_entry(inp["event"], state.size, TIME, b.TYPE, b.to_json()))
    return state


def test_beacon_value_is_refused_without_beacon_rules() -> None:
    """§5.6: with rules.beacon null no beacon entry can be logged."""
    vector = next(c for c in REJECT if c["name"] == "reject-beacon-value-without-beacon-rules")
    state = _seeded_state(vector["input"])
    with pytest.raises(errors.ProtocolError):
        state.postpone_beacon("lottery", PostponeReason.PHYSICAL_ENTROPY_LATE, TIME)


def test_seed_vectors_cover_the_brief() -> None:
    names = {c["name"] for c in SEED["cases"]}
    assert {"worked", "void-no-commitment", "escrow-opened-and-void", "rehearsal",
            "reject-reveal-wrong-secret", "reject-secret-31-bytes", "reject-die-7",
            "reject-participants-unsorted", "reject-one-commitment"} <= names
    assert all(c["input"]["ceremony"] in CEREMONIES for c in VALID)


def test_worked_seed_independent_rederivation() -> None:
    """§5.8: recompute the worked seed with hashlib/json only and compare to the file."""
    worked = case(SEED, "worked")
    inp, exp = worked["input"], worked["expected"]
    assert inp["physical"] == [3, 1, 4, 1, 5, 2, 6, 5, 3, 5, 2, 3, 6, 4, 6, 2, 6, 4, 3, 3]
    e, c = "demo-2026", "lottery"
    secrets = {"bureau-1": "11" * 32, "notary-1": "22" * 32, "parent-rep-1": "33" * 32}
    coms = {p: ref_h("sunshine-draw/v2/commitment", ref_canon(
        {"ceremony": c, "event": e, "participant": p, "secret": s})) for p, s in secrets.items()}
    assert exp["commitments"] == [{"participant": p, "commitment": coms[p].hex()}
                                  for p in sorted(secrets)]
    rules = ref_h("sunshine-draw/v2/rules", ref_canon(inp["rules"]))
    participants = ref_h("sunshine-draw/v2/participants", ref_canon(
        [{"id": "bureau-1", "role": "bureau"}, {"id": "notary-1", "role": "notary"},
         {"id": "parent-rep-1", "role": "parent-rep"}]))
    leaves = sorted(ref_canon(r) for r in inp["records"])
    root = ref_root(leaves)
    body = {
        "event": e, "ceremony": c, "rules": rules.hex(), "participants": participants.hex(),
        "input_root": root.hex(), "input_size": 4,
        "contributions": [{"participant": p, "commitment": coms[p].hex(), "secret": secrets[p]}
                          for p in sorted(secrets)],
        "physical": inp["physical"], "beacon": None,
    }
    assert exp["rules_hash"] == rules.hex()
    assert exp["participants_hash"] == participants.hex()
    assert exp["input_leaves"] == [leaf.decode() for leaf in leaves]
    assert exp["input_root"] == root.hex()
    assert exp["seed_input_canonical"] == ref_canon(body).decode()
    assert exp["seed"] == ref_h("sunshine-draw/v2/seed", ref_canon(body)).hex()
    assert exp["seed"] == "52b0521746987f1d815d65d8a145ff9b06ca64158affc5c8c940d0bf89acc187"


def test_void_seeds() -> None:
    """§5.4, §5.7: a no-commitment void enters with a null commitment and a null secret."""
    worked = case(SEED, "worked")["expected"]
    void = case(SEED, "void-no-commitment")["expected"]
    assert void["seed"] != worked["seed"]
    entry = json.loads(void["seed_input_canonical"])["contributions"][2]
    assert entry == {"participant": "parent-rep-1", "commitment": None, "secret": None}


@pytest.mark.parametrize("vector", ESCROW["cases"], ids=lambda c: c["name"])
def test_escrow_vectors_reproduced(vector: dict[str, Any]) -> None:
    inp, check = vector["input"], vector["check"]
    if check == "seal":
        exp = vector["expected"]
        com = commitment(inp["event"], inp["ceremony"], inp["participant"],
                         bytes.fromhex(inp["secret"]))
        holder, eph = private(inp["holder_private"]), private(inp["ephemeral_private"])
        assert com.hex() == exp["commitment"]
        assert public(holder).hex() == exp["holder_public"]
        assert seal_escrow(bytes.fromhex(inp["secret"]), com, public(holder), eph) == exp["escrow"]
        assert open_escrow(exp["escrow"], com, holder, event=inp["event"],
                           ceremony=inp["ceremony"], participant=inp["participant"]).hex() \
            == inp["secret"]
    elif check == "open":
        def run() -> bytes:
            return open_escrow(inp["escrow"], bytes.fromhex(inp["commitment"]),
                               private(inp["holder_private"]), event=inp["event"],
                               ceremony=inp["ceremony"], participant=inp["participant"])

        if "error" in vector:
            with pytest.raises(errors.CeremonyError, match="escrow-invalid"):
                run()
        else:
            assert run().hex() == vector["expected"]["secret"]
    elif check == "release":
        released = inp["escrow_key_released"]
        key = base64.b64decode(released["private_key"])
        matches = base64.b64encode(public(X25519PrivateKey.from_private_bytes(key))).decode() \
            == inp["escrow_key"]
        if "error" in vector:
            assert not matches
            return
        assert matches is vector["expected"]["public_key_matches"]
        # The state machine releases the key after the seed and then opens every escrow.
        seed_case = case(SEED, inp["seed_case"])["input"]
        state = _ceremony_state(seed_case)
        body = state.release_escrow_key("lottery", key, TIME)
        assert [b.to_json() for b in body] == [released]
        holder = X25519PrivateKey.from_private_bytes(key)
        opens = []
        for c in state.ceremony("lottery").commitments.values():
            try:
                opens.append(open_escrow(c.body.escrow, c.body.commitment, holder,
                                         event=seed_case["event"], ceremony="lottery",
                                         participant=c.body.participant).hex())
            except errors.CeremonyError:
                opens.append(None)
        assert opens == [e["opens_to"] for e in vector["expected"]["escrows"]]
    else:  # escrow_keys: each ceremony opens with its own key (§5.4)
        keys = {k: base64.b64decode(v) for k, v in inp["escrow_keys"].items()}
        state = _reused_key_state(keys)
        with pytest.raises(errors.ProtocolError, match="own"):
            state.open_ceremony("teachers", [Participant("bureau-1", "bureau"),
                                             Participant("notary-1", "notary")],
                                keys["teachers"], TIME)


def _ceremony_state(inp: dict[str, Any]) -> SeasonState:
    """The state after `run_ceremony`'s commands (a seeded lottery)."""
    run = run_ceremony(inp)
    state = _seeded_state(inp)
    for item in run:
        state.apply(encode_entry(inp["event"], state.size, TIME, item["type"], item["body"]))
    return state


def _reused_key_state(keys: dict[str, bytes]) -> SeasonState:
    """An event whose lottery ceremony is open with its key."""
    inp = case(SEED, "worked")["input"]
    state = _seeded_state(inp)
    people = (Participant("bureau-1", "bureau"), Participant("notary-1", "notary"))
    for b in state.open_ceremony("lottery", people, keys["lottery"], TIME):
        state.apply(encode_entry("demo-2026", state.size, TIME, b.TYPE, b.to_json()))
    return state


def test_worked_escrow_independent_rederivation() -> None:
    """§5.4 re-read: raw X25519, HKDF by hand (hmac), AES-GCM with zero nonce, aad = commitment."""
    vector = case(ESCROW, "seal-worked")
    inp, exp = vector["input"], vector["expected"]
    holder_pub = public(private(inp["holder_private"]))
    eph = private(inp["ephemeral_private"])
    eph_pub = public(eph)
    com = ref_h("sunshine-draw/v2/commitment", ref_canon(
        {"ceremony": inp["ceremony"], "event": inp["event"],
         "participant": inp["participant"], "secret": inp["secret"]}))
    z = eph.exchange(X25519PublicKey.from_public_bytes(holder_pub))
    k = ref_hkdf(z, eph_pub + holder_pub, b"sunshine-draw/v2/escrow\x00" + com)
    sealed = eph_pub + AESGCM(k).encrypt(bytes(12), bytes.fromhex(inp["secret"]), com)
    assert len(sealed) == 80
    assert exp["shared_secret"] == z.hex() and exp["key"] == k.hex()
    assert exp["escrow"] == base64.b64encode(sealed).decode()


# --- properties -----------------------------------------------------------------------------

events = st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True)
ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True)
ceremonies = st.sampled_from(CEREMONIES)
secrets = st.binary(min_size=32, max_size=32)


@settings(max_examples=200, deadline=None)
@given(e1=events, e2=events, c1=ceremonies, c2=ceremonies, p1=ids, p2=ids, s1=secrets,
       s2=secrets)
def test_commitment_binds_every_field(e1: str, e2: str, c1: Ceremony, c2: Ceremony, p1: str,
                                      p2: str, s1: bytes, s2: bytes) -> None:
    """§5.3: a commitment opens only to the exact (event, ceremony, participant, secret)."""
    same = (e1, c1, p1, s1) == (e2, c2, p2, s2)
    assert (commitment(e1, c1, p1, s1) == commitment(e2, c2, p2, s2)) == same
    check_opening(e1, c1, p1, s1, commitment(e1, c1, p1, s1))
    if not same:
        with pytest.raises(errors.CeremonyError):
            check_opening(e2, c2, p2, s2, commitment(e1, c1, p1, s1))


@pytest.mark.parametrize("size", [0, 16, 31, 33, 64])
def test_secret_must_be_32_bytes(size: int) -> None:
    with pytest.raises(errors.CeremonyError):
        commitment("demo-2026", "lottery", "bureau-1", bytes(size))


def _base() -> dict[str, Any]:
    e, c = "demo-2026", "lottery"
    contributions = [Contribution(p, commitment(e, "lottery", p, bytes([i + 1]) * 32),
                                  bytes([i + 1]) * 32)
                     for i, p in enumerate(["bureau-1", "notary-1", "parent-rep-1"])]
    return {"event": e, "ceremony": c, "rules_hash": bytes(32),
            "participants_hash": b"\x01" * 32, "input_root": b"\x02" * 32, "input_size": 3,
            "contributions": contributions, "physical": [1] * 20, "beacon_randomness": None}


@settings(max_examples=150, deadline=None)
@given(field=st.sampled_from(["rules_hash", "participants_hash", "input_root", "input_size",
                              "secret", "void", "die", "beacon", "order"]),
       data=st.data())
def test_seed_changes_with_every_input(field: str, data: st.DataObject) -> None:
    """§5.1/§5.7: rules, participants, input, each contribution and each die enter the seed."""
    base = _base()
    seed = derive_seed(**base)
    changed = dict(base)
    i = data.draw(st.integers(0, 2))
    if field in ("rules_hash", "participants_hash", "input_root"):
        changed[field] = data.draw(secrets.filter(lambda b: b != base[field]))
    elif field == "input_size":
        changed[field] = data.draw(st.integers(0, 2**53 - 1).filter(lambda n: n != 3))
    elif field in ("secret", "void"):
        old = base["contributions"][i]
        if field == "void":
            new = Contribution(old.participant, old.commitment, None)
        else:
            s = data.draw(secrets.filter(lambda b: b != old.secret))
            new = Contribution(old.participant,
                               commitment("demo-2026", "lottery", old.participant, s), s)
        changed["contributions"] = [new if j == i else c
                                    for j, c in enumerate(base["contributions"])]
    elif field == "die":
        k = data.draw(st.integers(0, 19))
        v = data.draw(st.integers(2, 6))
        changed["physical"] = [v if j == k else d for j, d in enumerate(base["physical"])]
    elif field == "beacon":
        changed["beacon_randomness"] = data.draw(secrets)
    else:  # contribution order is not an input: they are sorted (§5.7)
        changed["contributions"] = list(reversed(base["contributions"]))
        assert derive_seed(**changed) == seed
        return
    assert derive_seed(**changed) != seed


@pytest.mark.parametrize("bad", [[7] + [1] * 19, [0] + [1] * 19, [1] * 19, [True] + [1] * 19])
def test_dice_validated(bad: list[int]) -> None:
    """§5.5: each die 1..6, at least the §3.1 minimum of 20."""
    with pytest.raises(errors.CeremonyError):
        derive_seed(**{**_base(), "physical": bad})


def test_seed_rejects_wrong_secret_and_duplicate_participant() -> None:
    base = _base()
    c0 = base["contributions"][0]
    wrong = Contribution(c0.participant, c0.commitment, b"\x09" * 32)
    with pytest.raises(errors.CeremonyError):
        derive_seed(**{**base, "contributions": [wrong, *base["contributions"][1:]]})
    with pytest.raises(errors.CeremonyError):
        derive_seed(**{**base, "contributions": [c0, *base["contributions"]]})
    with pytest.raises(errors.CeremonyError):
        derive_seed(**{**base, "beacon_randomness": b"\x00" * 31})


def test_participants_rules() -> None:
    """§5.2: sorted by id, distinct, at least two, known roles."""
    a, b = Participant("bureau-1", "bureau"), Participant("notary-1", "notary")
    assert len(participants_hash([a, b])) == 32
    for bad in ([b, a], [a], [a, a], []):
        with pytest.raises(errors.CeremonyError):
            participants_hash(bad)
    with pytest.raises(errors.CeremonyError):
        Participant("teacher-1", "teacher")  # type: ignore[arg-type]
    with pytest.raises(errors.CeremonyError):
        Participant("张三", "notary")  # personal names are not ids (S7)


@settings(max_examples=60, deadline=None)
@given(secret=secrets, holder=secrets, eph=secrets, p=ids, c=ceremonies)
def test_escrow_round_trip(secret: bytes, holder: bytes, eph: bytes, p: str,
                           c: Ceremony) -> None:
    """§5.4: whatever the secret and keys, the holder recovers exactly the committed secret."""
    hkey, ekey = X25519PrivateKey.from_private_bytes(holder), \
        X25519PrivateKey.from_private_bytes(eph)
    com = commitment("demo-2026", c, p, secret)
    escrow = seal_escrow(secret, com, public(hkey), ekey)
    assert len(escrow) == 108  # base64 of 80 bytes
    assert open_escrow(escrow, com, hkey, event="demo-2026", ceremony=c, participant=p) == secret
    other = commitment("demo-2026", c, p, bytes(b ^ 1 for b in secret))
    with pytest.raises(errors.CeremonyError, match="escrow-invalid"):
        open_escrow(escrow, other, hkey, event="demo-2026", ceremony=c, participant=p)


def test_escrow_rejects_low_order_holder_key() -> None:
    with pytest.raises(errors.CeremonyError):
        seal_escrow(b"\x11" * 32, b"\x00" * 32, bytes(32), X25519PrivateKey.generate())


def test_rules_hash_matches_reference() -> None:
    rules = Rules(event="demo-2026", origin="draw.example.cn/yunyan/demo-2026", title="云岩区",
                  year=2026, grade=7, dice=24)
    assert rules_hash(rules) == ref_h("sunshine-draw/v2/rules", ref_canon(rules.to_json()))
