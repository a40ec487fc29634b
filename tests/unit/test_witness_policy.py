"""lottery_service.core.policy: C2SP tlog-policy files, parsed, written and enforced (§13)."""

from __future__ import annotations

import itertools

import pytest

from lottery_service.core.note import (
    Checkpoint,
    MLDSA44Signer,
    NoteError,
    Signer,
    add_signature_lines,
    cosign,
    sign_note,
)
from lottery_service.core.policy import (
    NONE,
    Policy,
    PolicyError,
    PolicyGroup,
    PolicyLog,
    PolicyWitness,
    bundle_policy,
)
from tests.support import key_masked_id

LOG = Signer.generate("zsb.example.gov.cn/sunshine/demo-2026")
X = [Signer.generate(f"x{i}.example/w") for i in range(3)]
Y = [MLDSA44Signer.generate(f"y{i}.example/w") for i in range(3)]


def _vkey(w: Signer | MLDSA44Signer) -> str:
    return w.verifier_key(0x04) if isinstance(w, Signer) else w.verifier_key()


# The example of tlog-policy "Example policy", with real keys for <vkey>.
SPEC_EXAMPLE = f"""log {LOG.verifier_key()}

witness X1 {_vkey(X[0])}
witness X2 {_vkey(X[1])}
witness X3 {_vkey(X[2])}
group X-witnesses 2 X1 X2 X3

witness Y1 {_vkey(Y[0])}
witness Y2 {_vkey(Y[1])}
witness Y3 {_vkey(Y[2])}
group Y-witnesses any Y1 Y2 Y3

group X-and-Y all X-witnesses Y-witnesses
quorum X-and-Y
"""


def test_spec_example_parses_and_round_trips() -> None:
    policy = Policy.parse(SPEC_EXAMPLE)
    assert [w.name for w in policy.witnesses] == ["X1", "X2", "X3", "Y1", "Y2", "Y3"]
    assert [(g.name, g.k) for g in policy.groups] == [
        ("X-witnesses", 2), ("Y-witnesses", 1), ("X-and-Y", 2)]
    assert policy.quorum == "X-and-Y" and policy.logs[0].key == LOG.verifier()
    assert Policy.parse(policy.to_text()) == policy


def test_spec_example_quorum_over_every_subset() -> None:
    """tlog-policy: "at least two of the X-witnesses, and at least one of the Y-witnesses"."""
    policy = Policy.parse(SPEC_EXAMPLE)
    xs, ys = ["X1", "X2", "X3"], ["Y1", "Y2", "Y3"]
    for size in range(7):
        for subset in itertools.combinations(xs + ys, size):
            expected = len(set(subset) & set(xs)) >= 2 and len(set(subset) & set(ys)) >= 1
            assert policy.witnessed(subset) == expected, subset


def test_whitespace_comments_urls_and_none() -> None:
    text = (f"  # a comment\n\t\nlog\t{LOG.verifier_key()}  https://zsb.example.gov.cn/log \n"
            f"witness w1 {_vkey(X[0])} https://w1.example/\n   quorum   none  \n")
    policy = Policy.parse(text)
    assert policy.logs[0].url == "https://zsb.example.gov.cn/log"
    assert policy.witnesses[0].url == "https://w1.example/"
    assert policy.quorum == NONE and policy.witnessed([])
    assert Policy.parse(policy.to_text()) == policy
    single = Policy.parse(f"witness w1 {_vkey(Y[0])}\nquorum w1\n")
    assert single.logs == () and single.witnessed(["w1"]) and not single.witnessed([])


@pytest.mark.parametrize(("text", "message"), [
    ("", "no quorum line"),
    ("quorum none", "newline"),
    ("quorum none\nquorum none\n", "second quorum"),
    ("quorum w1\n", "not defined"),
    (f"quorum w1\nwitness w1 {_vkey(X[0])}\n", "not defined"),
    (f"witness w1 {_vkey(X[0])}\nwitness w1 {_vkey(X[1])}\nquorum w1\n", "already defined"),
    (f"witness none {_vkey(X[0])}\nquorum none\n", "already defined"),
    (f"witness w1 {_vkey(X[0])}\ngroup g any w1 none\nquorum g\n", "not defined"),
    (f"witness w1 {_vkey(X[0])}\ngroup g any w1 w1\nquorum g\n", "twice"),
    (f"witness w1 {_vkey(X[0])}\ngroup g 0 w1\nquorum g\n", "threshold"),
    (f"witness w1 {_vkey(X[0])}\ngroup g 2 w1\nquorum g\n", "threshold"),
    (f"witness w1 {_vkey(X[0])}\ngroup g 01 w1\nquorum g\n", "threshold"),
    (f"witness w1 {_vkey(X[0])}\ngroup g any\nquorum g\n", "expected: group"),
    (f"witness w1 {_vkey(X[0])}\ngroup w1 any w1\nquorum w1\n", "already defined"),
    (f"witness w1 {_vkey(X[0])}\nwitness w2 {X[1].verifier_key(0x01)}\nquorum none\n",
     "not a cosignature"),
    (f"witness w1 {_vkey(X[0])}\nwitness w2 {_vkey(X[0]).replace('x0.', 'z0.')}\n"
     "quorum none\n", "verifier key ID"),
    (f"log {LOG.verifier_key()}\nlog {LOG.verifier_key()}\nquorum none\n", "listed before"),
    (f"log {_vkey(X[0])}\nquorum none\n", "not an Ed25519"),
    (f"log {LOG.verifier_key()} u extra\nquorum none\n", "expected: log"),
    (f"witness w1 {_vkey(X[0])} u extra\nquorum none\n", "expected: witness"),
    ("logs x\nquorum none\n", "unknown keyword"),
    ("quorum none\r\n", "control character"),
    ("quorum\x0bnone\n", "control character"),
    ("log not-a-key+1234+AAAA\nquorum none\n", "policy line 1"),
], ids=key_masked_id)
def test_bad_policies_refused(text: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        Policy.parse(text)


def test_same_public_key_under_two_names_is_a_duplicate() -> None:
    """tlog-policy: vkeys are duplicate if they wrap the same public key, names aside."""
    other = Signer("x0.example/renamed", X[0].private_key)
    text = f"witness a {_vkey(X[0])}\nwitness b {_vkey(other)}\nquorum none\n"
    with pytest.raises(PolicyError, match="listed before"):
        Policy.parse(text)


def test_policies_built_in_code_follow_the_same_rules() -> None:
    w = PolicyWitness("w1", X[0].verifier(0x04))
    with pytest.raises(PolicyError, match="not defined"):
        Policy((), (w,), (), "w2")
    with pytest.raises(PolicyError, match="whitespace"):
        Policy((), (PolicyWitness("w 1", X[0].verifier(0x04)),), (), "none")
    with pytest.raises(PolicyError, match="threshold"):
        Policy((), (w,), (PolicyGroup("g", 3, ("w1",)),), "g")
    with pytest.raises(PolicyError, match="whitespace"):
        Policy((PolicyLog(LOG.verifier(), "a b"),), (), (), "none")


def _cosigned(body: str, *witnesses: Signer | MLDSA44Signer) -> str:
    return add_signature_lines(sign_note(body, [LOG]), [cosign(body, w, 1700000000)
                                                       for w in witnesses])


def test_bundle_policy_counts_ed25519_and_mldsa44_alike() -> None:
    ed, pq = X[0], Y[0]
    policy = bundle_policy(LOG.verifier_key(), {ed.name: _vkey(ed), pq.name: _vkey(pq)}, 2)
    assert Policy.parse(policy.to_text()) == policy
    assert policy.to_text().splitlines()[-2:] == [
        f"group sunshine-witnesses 2 {ed.name} {pq.name}", "quorum sunshine-witnesses"]
    body = Checkpoint(LOG.name, 5, bytes(range(32))).body()

    both = policy.check(_cosigned(body, ed, pq))
    assert (both.log, set(both.cosigned), both.met) == (LOG.name, {ed.name, pq.name}, True)
    only_pq = policy.check(_cosigned(body, pq))
    assert (only_pq.cosigned, only_pq.met) == ((pq.name,), False)
    # A cosignature from a witness the policy does not list does not count.
    stranger = MLDSA44Signer.generate("stranger.example/w")
    assert not policy.check(_cosigned(body, ed, stranger)).met
    # A listed witness whose cosignature does not verify: the note is refused.
    other_body = Checkpoint(LOG.name, 6, bytes(range(32))).body()
    forged = add_signature_lines(sign_note(body, [LOG]),
                                 [cosign(body, ed, 1), cosign(other_body, pq, 1)])
    with pytest.raises(NoteError, match="invalid signature"):
        policy.check(forged)
    # No signature of the policy's log: refused, whatever the witnesses say.
    impostor = Signer.generate(LOG.name)
    unsigned = add_signature_lines(sign_note(body, [impostor]), [cosign(body, ed, 1),
                                                                 cosign(body, pq, 1)])
    with pytest.raises(NoteError, match="no signature from a log"):
        policy.check(unsigned)

    assert bundle_policy(LOG.verifier_key(), {}, 0).to_text() == (
        f"log {LOG.verifier_key()}\nquorum none\n")
    with pytest.raises(PolicyError, match="between 0 and 1"):
        bundle_policy(LOG.verifier_key(), {ed.name: _vkey(ed)}, 2)
    with pytest.raises(PolicyError, match="has a key named"):
        bundle_policy(LOG.verifier_key(), {"w": _vkey(ed)}, 1)
