"""verifier.policy: tlog-policy parsing and quorum, checked with notes built from the specs."""

from __future__ import annotations

import base64
import itertools
import struct

import pytest
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA44PrivateKey

from tests.support import key_masked_id
from verifier import note
from verifier.policy import PolicyError, check_quorum, parse_policy

ORIGIN = "zsb.example.gov.cn/sunshine/demo-2026"
TEXT = note.checkpoint_text(ORIGIN, 7, bytes(range(32)))
_SIZE, _ROOT = 7, bytes(range(32))


class Key:
    """One test key, able to sign as a log (0x01), Ed25519 (0x04) or ML-DSA-44 (0x06)."""

    def __init__(self, name: str, alg: int) -> None:
        self.name, self.alg = name, alg
        if alg == 0x06:
            self.mldsa = MLDSA44PrivateKey.generate()
            self.public = self.mldsa.public_key().public_bytes_raw()
        else:
            self.ed = Ed25519PrivateKey.generate()
            self.public = self.ed.public_key().public_bytes_raw()
        self.kid = note.key_id(name, alg, self.public)

    @property
    def vkey(self) -> str:
        raw = base64.b64encode(bytes([self.alg]) + self.public).decode()
        return f"{self.name}+{self.kid.hex()}+{raw}"

    def line(self, text: str = TEXT, ts: int = 1700000000) -> str:
        if self.alg == 0x01:
            sig = self.ed.sign(text.encode())
        elif self.alg == 0x04:
            sig = struct.pack(">Q", ts) + self.ed.sign(
                f"cosignature/v1\ntime {ts}\n{text}".encode())
        else:
            origin, size, root = text.split("\n")[:3]
            n, o = self.name.encode(), origin.encode()
            msg = (b"subtree/v1\n\x00" + bytes([len(n)]) + n + struct.pack(">Q", ts)
                   + bytes([len(o)]) + o + struct.pack(">QQ", 0, int(size))
                   + base64.b64decode(root))
            sig = struct.pack(">Q", ts) + self.mldsa.sign(msg)
        return f"— {self.name} {base64.b64encode(self.kid + sig).decode()}\n"


LOG = Key(ORIGIN, 0x01)
ED = [Key(f"ed{i}.example/w", 0x04) for i in range(3)]
PQ = [Key(f"pq{i}.example/w", 0x06) for i in range(2)]
POLICY = (f"# the bundle's policy\nlog {LOG.vkey}\n"
          + "".join(f"witness {k.name} {k.vkey}\n" for k in ED + PQ)
          + "group eds any " + " ".join(k.name for k in ED) + "\n"
          + "group all-of-it 3 eds " + " ".join(k.name for k in PQ) + "\n"
          + "quorum all-of-it\n")


def _note(*lines: str) -> str:
    return TEXT + "\n" + "".join(lines)


def test_quorum_over_every_subset_counts_both_types() -> None:
    """Met iff the log signed and (≥1 Ed25519) + each ML-DSA-44 witness make 3 of 3."""
    policy = parse_policy(POLICY)
    everyone = ED + PQ
    for size in range(len(everyone) + 1):
        for subset in itertools.combinations(everyone, size):
            result = check_quorum(_note(LOG.line(), *(k.line() for k in subset)), policy)
            expected = any(k in subset for k in ED) and all(k in subset for k in PQ)
            assert result.met == expected, [k.name for k in subset]
            assert set(result.cosigned) == {k.name for k in subset}
            assert result.log == ORIGIN and not result.invalid


def test_log_signature_required_and_strangers_ignored() -> None:
    policy = parse_policy(POLICY)
    cosigs = [k.line() for k in ED + PQ]
    other_log = Key(ORIGIN, 0x01)
    unsigned = check_quorum(_note(other_log.line(), *cosigs), policy)
    assert not unsigned.met and unsigned.log is None and "not signed" in unsigned.summary()
    stranger = Key("pq9.example/w", 0x06)
    result = check_quorum(_note(LOG.line(), ED[0].line(), PQ[0].line(), stranger.line()), policy)
    assert not result.met and stranger.name not in result.cosigned


def test_invalid_listed_signature_rejects_the_note() -> None:
    policy = parse_policy(POLICY)
    other = note.checkpoint_text(ORIGIN, 8, bytes(range(32)))
    lines = [LOG.line(), ED[0].line(), PQ[0].line(), PQ[1].line(other)]
    result = check_quorum(_note(*lines), policy)
    assert not result.met and result.invalid == (PQ[1].name,)
    assert "INVALID" in result.summary()


def test_mldsa44_absent_is_not_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = parse_policy(POLICY)

    def unsupported(_data: bytes) -> None:
        raise UnsupportedAlgorithm("no ML-DSA-44 here")

    note_text = _note(LOG.line(), ED[0].line(), PQ[0].line(), PQ[1].line())
    monkeypatch.setattr(note.MLDSA44PublicKey, "from_public_bytes", unsupported)
    result = check_quorum(note_text, policy)
    assert not result.met and result.not_checked == (PQ[0].name, PQ[1].name)
    assert result.cosigned == (ED[0].name,) and "not checked" in result.summary()


def test_spec_grammar_details() -> None:
    policy = parse_policy(f"\t \n  # c\nwitness W {ED[0].vkey}\t https://w.example/ \n"
                          "quorum none\n")
    assert policy.quorum == "none" and list(policy.witnesses) == ["W"]
    assert policy.logs == () and check_quorum(_note(ED[0].line()), policy).met
    assert parse_policy(f"witness W {PQ[0].vkey}\ngroup G all W\nquorum G\n").groups == {
        "G": (1, ("W",))}


@pytest.mark.parametrize("text", [
    "",
    "quorum none",
    "quorum none\nquorum none\n",
    "quorum W\n",
    f"quorum W\nwitness W {ED[0].vkey}\n",
    f"witness none {ED[0].vkey}\nquorum none\n",
    f"witness W {ED[0].vkey}\nwitness W {ED[1].vkey}\nquorum none\n",
    f"witness W {ED[0].vkey}\nwitness V {ED[0].vkey}\nquorum none\n",
    f"witness W {LOG.vkey}\nquorum none\n",
    f"log {ED[0].vkey}\nquorum none\n",
    f"witness W {ED[0].vkey}\ngroup G any W none\nquorum G\n",
    f"witness W {ED[0].vkey}\ngroup G any W W\nquorum G\n",
    f"witness W {ED[0].vkey}\ngroup G 0 W\nquorum G\n",
    f"witness W {ED[0].vkey}\ngroup G 2 W\nquorum G\n",
    f"witness W {ED[0].vkey}\ngroup G +1 W\nquorum G\n",
    f"witness W {ED[0].vkey}\ngroup W any W\nquorum W\n",
    f"witness W {ED[0].vkey} url extra\nquorum none\n",
    "quorum none\r\n",
    "quorum\x01none\n",
    "quorum none\x7f\n",
    "policy none\nquorum none\n",
], ids=key_masked_id)
def test_bad_policies(text: str) -> None:
    with pytest.raises(PolicyError):
        parse_policy(text)
