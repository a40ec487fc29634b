"""verifier.note: golang.org/x/mod/sumdb/note known answers, cosignatures, checkpoints."""

from __future__ import annotations

import base64
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from verifier import note

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
