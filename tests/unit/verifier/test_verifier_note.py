"""verifier.note: golang.org/x/mod/sumdb/note known answers, cosignatures, checkpoints."""

from __future__ import annotations

import base64
import json
import struct
from typing import Any

import pytest
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA44PrivateKey

from tests.paths import VECTORS
from verifier import note

MLDSA44: dict[str, Any] = json.loads((VECTORS / "mldsa44.json").read_text("utf-8"))

PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
TEXT = ("If you think cryptography is the answer to your problem,\n"
        "then you don't know what your problem is.\n")
PETER_SIGNED = (TEXT + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1"
                "FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")
ENOCH_SIG = ("— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01o"
             "OTGwnWLox33WWd1RvMc+QQ=\n")


def test_go_known_answer_sign_byte_for_byte() -> None:
    """Signing the Go test text with the PeterNeumann key yields Go's note exactly."""
    seed = base64.b64decode(PETER_SKEY.split("+", 4)[4])[1:]
    key = note.parse_verifier_key(PETER_VKEY)
    priv = Ed25519PrivateKey.from_private_bytes(seed)
    assert priv.public_key().public_bytes_raw() == key.public_key
    sig = base64.b64encode(key.key_id + priv.sign(TEXT.encode())).decode()
    assert f"{TEXT}\n— {key.name} {sig}\n" == PETER_SIGNED
    assert key.text == PETER_VKEY


def test_go_known_answer_verifies() -> None:
    n = note.parse_note(PETER_SIGNED[:-1] + "\n" + ENOCH_SIG)
    note.verify_note(n, note.parse_verifier_key(PETER_VKEY))
    assert n.text == TEXT and len(n.signatures) == 2


def test_corrupted_signature_rejected() -> None:
    bad = PETER_SIGNED.replace("x08go/ZJ", "x08go/ZK")
    with pytest.raises(note.NoteError):
        note.verify_note(note.parse_note(bad), note.parse_verifier_key(PETER_VKEY))


@pytest.mark.parametrize("msg", [TEXT, TEXT + "\n", PETER_SIGNED[:-1], "\x01" + PETER_SIGNED,
                                 PETER_SIGNED + "Unexpected line.\n"])
def test_malformed_notes(msg: str) -> None:
    with pytest.raises(note.NoteError):
        note.verify_note(note.parse_note(msg), note.parse_verifier_key(PETER_VKEY))


@pytest.mark.parametrize("k", [
    PETER_VKEY[:-1], PETER_VKEY + "A", PETER_VKEY.replace("c74f20a3", "c74f20a4"),
    "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
    "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "Peter Neumann"])
def test_bad_verifier_keys(k: str) -> None:
    with pytest.raises(note.NoteError):
        note.parse_verifier_key(k)


def test_cosignature_v1_round_trip() -> None:
    priv = Ed25519PrivateKey.generate()
    pub = priv.public_key().public_bytes_raw()
    kid = note.key_id("w.example/1", 0x04, pub)
    text = note.checkpoint_text("sunshine-draw/e1", 5, b"\x07" * 32)
    ts = 1679315147
    msg = b"cosignature/v1\ntime 1679315147\n" + text.encode()
    sig = base64.b64encode(kid + struct.pack(">Q", ts) + priv.sign(msg)).decode()
    key_b64 = base64.b64encode(bytes([4]) + pub).decode()
    vk = note.parse_verifier_key(f"w.example/1+{kid.hex()}+{key_b64}")
    n = note.parse_note(f"{text}\n— w.example/1 {sig}\n")
    assert note.verify_cosignature(n, vk) == ts
    forged = base64.b64encode(kid + struct.pack(">Q", ts + 1) + priv.sign(msg)).decode()
    with pytest.raises(note.NoteError):
        note.verify_cosignature(note.parse_note(f"{text}\n— w.example/1 {forged}\n"), vk)
    cp = note.parse_checkpoint(text)
    assert (cp.origin, cp.size, cp.root) == ("sunshine-draw/e1", 5, b"\x07" * 32)


@pytest.mark.parametrize("text", ["o\n05\nAAAA\n", "o\n5\n" + "A" * 42 + "==\n",
                                  "o\n5\n" + "A" * 44 + "\next\n", "o\n-1\n" + "A" * 43 + "=\n"])
def test_bad_checkpoints(text: str) -> None:
    with pytest.raises(note.NoteError):
        note.parse_checkpoint(text)


def _mldsa44_cosigned(name: str, text: str, ts: int) -> tuple[note.VerifierKey, str]:
    """An ML-DSA-44 cosignature line built here from the tlog-cosignature text."""
    priv = MLDSA44PrivateKey.generate()
    pub = priv.public_key().public_bytes_raw()
    kid = note.key_id(name, 0x06, pub)
    origin, size, root = text.split("\n")[:3]
    n, o = name.encode(), origin.encode()
    msg = (b"subtree/v1\n\x00" + bytes([len(n)]) + n + struct.pack(">Q", ts)
           + bytes([len(o)]) + o + struct.pack(">QQ", 0, int(size)) + base64.b64decode(root))
    sig = base64.b64encode(kid + struct.pack(">Q", ts) + priv.sign(msg)).decode()
    vk = note.parse_verifier_key(
        f"{name}+{kid.hex()}+{base64.b64encode(bytes([6]) + pub).decode()}")
    return vk, f"— {name} {sig}\n"


def test_mldsa44_torchwood_known_answer() -> None:
    """filippo.io/torchwood's type 0x06 vector (tests/vectors/mldsa44.json) verifies."""
    vector = MLDSA44["torchwood_litewitness"]
    vk = note.parse_verifier_key(vector["vkey"])
    assert (vk.alg, len(vk.public_key), vk.key_id.hex()) == (0x06, 1312, "b5df45c5")
    assert vk.text == vector["vkey"]
    n = note.parse_note(vector["note"])
    assert note.verify_cosignature(n, vk) == 0
    bad_root = n.text.replace("+zoE", "+zoF")
    with pytest.raises(note.NoteError, match="invalid cosignature"):
        note.verify_cosignature(note.Note(bad_root, n.signatures), vk)


def test_mldsa44_cosignature_round_trip() -> None:
    text = note.checkpoint_text("zsb.example.gov.cn/sunshine/e1", 5, b"\x07" * 32)
    vk, line = _mldsa44_cosigned("witness.example.com/w1", text, 1679315147)
    n = note.parse_note(text + "\n" + line)
    assert note.verify_cosignature(n, vk) == 1679315147
    # The message names the cosigner: the same key and bytes under another name fail.
    other = note.VerifierKey("witness.example.com/w2", 0x06, vk.public_key,
                             note.key_id("witness.example.com/w2", 0x06, vk.public_key))
    sig = n.signatures[0]
    moved = note.Note(text, (note.Signature(other.name, other.key_id, sig.signature),))
    with pytest.raises(note.NoteError, match="invalid cosignature"):
        note.verify_cosignature(moved, other)
    # Another size, and a truncated signature.
    bigger = note.checkpoint_text("zsb.example.gov.cn/sunshine/e1", 6, b"\x07" * 32)
    with pytest.raises(note.NoteError, match="invalid cosignature"):
        note.verify_cosignature(note.Note(bigger, n.signatures), vk)
    short = note.Note(text, (note.Signature(sig.name, sig.key_id, sig.signature[:-1]),))
    with pytest.raises(note.NoteError, match="wrong length"):
        note.verify_cosignature(short, vk)
    # A 0x06 key is not a log key.
    with pytest.raises(note.NoteError, match="not an Ed25519 note key"):
        note.verify_note(n, vk)


def test_mldsa44_without_backend_is_not_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cryptography build without ML-DSA-44 says "not checked", never "valid"."""
    text = note.checkpoint_text("zsb.example.gov.cn/sunshine/e1", 5, b"\x07" * 32)
    vk, line = _mldsa44_cosigned("witness.example.com/w1", text, 1)

    def unsupported(_data: bytes) -> None:
        raise UnsupportedAlgorithm("no ML-DSA-44 here")

    monkeypatch.setattr(note.MLDSA44PublicKey, "from_public_bytes", unsupported)
    with pytest.raises(note.NotCheckedError, match="not checked"):
        note.verify_cosignature(note.parse_note(text + "\n" + line), vk)


@pytest.mark.parametrize("raw", [bytes([6]) + bytes(32), bytes([4]) + bytes(1312),
                                 bytes([6]) + bytes(1311), bytes([5]) + bytes(32), b""])
def test_bad_key_sizes(raw: bytes) -> None:
    kid = note.key_id("w", raw[0] if raw else 0, raw[1:])
    with pytest.raises(note.NoteError):
        note.parse_verifier_key(f"w+{kid.hex()}+{base64.b64encode(raw).decode()}")


def test_mldsa44_is_available_with_the_pinned_cryptography() -> None:
    """pyproject asks for cryptography ≥ 48, whose PyPI wheels verify ML-DSA-44."""
    assert note.mldsa44_available()
