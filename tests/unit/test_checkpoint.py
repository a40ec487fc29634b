"""lottery_service.core.checkpoint: per-deployment origins (§12) and consistent signing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lottery_service.core.checkpoint import (
    REHEARSAL_SEGMENT,
    InconsistentLogError,
    OriginError,
    check_origin_prefix,
    log_origin,
    sign_checkpoint,
)
from lottery_service.core.merkle import MerkleTree, leaf_hash
from lottery_service.core.note import (
    Checkpoint,
    MLDSA44Signer,
    Signer,
    cosign,
    open_note,
    verify_cosignature,
)


def test_origin_forms() -> None:
    assert log_origin("zsb.example.gov.cn/sunshine", "demo-2026") == (
        "zsb.example.gov.cn/sunshine/demo-2026")
    assert log_origin("zsb.example.gov.cn/sunshine", "demo-2026", rehearsal=True) == (
        "zsb.example.gov.cn/sunshine/rehearsal/demo-2026")
    assert log_origin("xn--fiqs8s.example:8443", "e1") == "xn--fiqs8s.example:8443/e1"


def test_origin_is_a_key_name_and_origin_that_signs_and_cosigns() -> None:
    """The whole path: the origin names the log key, a checkpoint, and both cosignatures."""
    origin = log_origin("zsb.example.gov.cn/sunshine", "demo-2026")
    log = Signer.generate(origin)
    tree = MerkleTree([leaf_hash(b"a"), leaf_hash(b"b")])
    note = sign_checkpoint(origin, tree, log, None)
    assert note is not None
    body = open_note(note, [log.verifier()]).text
    assert Checkpoint.parse(body).origin == origin
    for witness in (Signer.generate("witness.example.com/w1"),
                    MLDSA44Signer.generate("witness.example.com/w2")):
        key = witness.verifier(0x04) if isinstance(witness, Signer) else witness.verifier()
        assert verify_cosignature(body, cosign(body, witness, 1), key) == 1


@pytest.mark.parametrize("prefix", [
    "https://zsb.example.gov.cn/sunshine",  # a scheme
    "zsb.example.gov.cn/sunshine/",  # trailing slash
    "ZSB.example.gov.cn/sunshine",  # upper-case host: two spellings of one name
    "sunshine-draw",  # the v1 origin: not a domain, shared by every deployment
    "localhost/a",
    "zsb.example.gov.cn//a",
    "zsb.example.gov.cn/a b",
    "zsb.example.gov.cn/a+b",
    "zsb.example.gov.cn/a?x=1",
    "zsb.example.gov.cn/./a",
    "zsb.example.gov.cn/../a",
    f"zsb.example.gov.cn/{REHEARSAL_SEGMENT}",
    f"zsb.example.gov.cn/{REHEARSAL_SEGMENT}/x",
    "zsb.example.gov.cn:0/a",
    "-bad.example.cn",
    "招生.example.cn/a",  # an IDN goes in its xn-- form
    "",
])
def test_bad_prefixes_refused(prefix: str) -> None:
    with pytest.raises(OriginError, match="origin prefix"):
        check_origin_prefix(prefix)
    with pytest.raises(OriginError):
        log_origin(prefix, "demo-2026")


def test_bad_event_ids_and_long_origins_refused() -> None:
    for event in ("", "Demo", "a/b", "a b", "-a", "a" * 64):
        with pytest.raises(OriginError, match="event id"):
            log_origin("zsb.example.gov.cn", event)
    long_prefix = "zsb.example.gov.cn/" + "p" * 200
    check_origin_prefix(long_prefix)
    with pytest.raises(OriginError, match="over 255 bytes"):
        log_origin(long_prefix, "e" * 40)


_LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
_PREFIXES = st.builds(
    lambda host, tld, segs: "/".join([f"{host}.{tld}", *segs]),
    _LABEL, st.sampled_from(["cn", "example", "gov.cn"]),
    st.lists(st.from_regex(r"[A-Za-z0-9._~-]{1,8}", fullmatch=True)
             .filter(lambda s: s not in (".", "..", REHEARSAL_SEGMENT)), max_size=3))
_EVENTS = st.from_regex(r"[a-z0-9][a-z0-9-]{0,10}", fullmatch=True)


@given(_PREFIXES, _EVENTS, st.booleans(), _PREFIXES, _EVENTS, st.booleans())
def test_origins_are_one_to_one(p1: str, e1: str, r1: bool, p2: str, e2: str, r2: bool) -> None:
    """§12: two deployments (distinct prefixes) or two events never share an origin, and a
    rehearsal never shares one with an official event, even when one prefix extends another."""
    o1, o2 = log_origin(p1, e1, rehearsal=r1), log_origin(p2, e2, rehearsal=r2)
    assert (o1 == o2) == ((p1, e1, r1) == (p2, e2, r2))


def test_nested_prefixes_keep_rehearsals_apart() -> None:
    assert log_origin("a.example/x", "e") != log_origin("a.example", "x")
    assert log_origin("a.example", "e", rehearsal=True) != log_origin("a.example", "rehearsal")
    assert log_origin("a.example", "rehearsal") == "a.example/rehearsal"


def test_signing_refuses_an_inconsistent_log() -> None:
    origin = log_origin("zsb.example.gov.cn", "e")
    log = Signer.generate(origin)
    tree = MerkleTree([leaf_hash(b"a"), leaf_hash(b"b")])
    assert sign_checkpoint(origin, tree, log, (2, tree.root())) is None
    with pytest.raises(InconsistentLogError):
        sign_checkpoint(origin, MerkleTree([leaf_hash(b"a")]), log, (2, tree.root()))
    with pytest.raises(InconsistentLogError):
        sign_checkpoint(origin, MerkleTree([leaf_hash(b"x"), leaf_hash(b"b")]), log,
                        (1, MerkleTree([leaf_hash(b"a")]).root()))
