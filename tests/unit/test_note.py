"""lottery_service.core.note: Go/C2SP known answers, round trips and strict rejections."""

from __future__ import annotations

import base64
import json
import re
import struct
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA44PublicKey

from lottery_service.core.note import (
    SIG_COSIGNATURE_MLDSA44,
    SIG_COSIGNATURE_V1,
    SIG_ED25519,
    Checkpoint,
    MLDSA44Signer,
    NoteError,
    Signer,
    Verifier,
    add_signature_lines,
    cosign,
    key_id,
    open_note,
    parse_private_key,
    parse_signature_line,
    sign_note,
    verify_cosignature,
)
from tests.paths import VECTORS

MLDSA44_VECTORS: dict[str, Any] = json.loads((VECTORS / "mldsa44.json").read_text("utf-8"))

# golang.org/x/mod/sumdb/note note_test.go (TestSign, TestOpen, TestNewVerifier).
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNX"
    "gKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01"
    "oOTGwnWLox33WWd1RvMc+QQ=\n"
)
SIGNED = TEXT + "\n" + PETER_SIG

# transparency-dev/formats log/note_test.go: a real sum.golang.org checkpoint.
SUMDB_VKEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
SUMDB_CHECKPOINT = (
    "go.sum database tree\n"
    "6476701\n"
    "mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n"
    "\n"
    "— sum.golang.org Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949r"
    "j4nPRYfvimWEPWL+o3GeoWwOoAw=\n"
)

# c2sp.org/tlog-cosignature example: the checkpoint, its witness line, and the
# timestamp of the signed-message example ("time 1679315147").
SPEC_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SPEC_COSIGNATURE = (
    "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9"
    "dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)


def _peter() -> Signer:
    return Signer.from_private_key_text(PETER_SKEY)


def _insert_at_byte(s: str, offset: int, insert: str) -> str:
    """Go slices strings by bytes; do the same (the em dash is three bytes)."""
    raw = s.encode("utf-8")
    return (raw[:offset] + insert.encode("utf-8") + raw[offset:]).decode("utf-8")


# --- Known answers -----------------------------------------------------------------


def test_go_sign_known_answer_byte_for_byte() -> None:
    peter = _peter()
    assert peter.name == "PeterNeumann"
    assert peter.key_id().hex() == "c74f20a3"
    assert peter.verifier_key() == PETER_VKEY
    assert peter.private_key_text() == PETER_SKEY
    assert sign_note(TEXT, [peter]) == SIGNED
    assert peter.sign(TEXT) == PETER_SIG.split(" ")[2].rstrip("\n")


def test_go_open_known_answers() -> None:
    peter = Verifier.from_text(PETER_VKEY)
    enoch = Verifier.from_text(ENOCH_VKEY)
    assert peter.to_text() == PETER_VKEY and enoch.to_text() == ENOCH_VKEY

    opened = open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [peter])
    assert opened.text == TEXT
    assert opened.verified_by == (peter,)
    assert [(s.name, s.key_id.hex()) for s in opened.unverified] == [("EnochRoot", "af0cfe78")]
    assert opened.unverified[0].line() == ENOCH_SIG

    both = open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [peter, enoch])
    assert both.verified_by == (peter, enoch) and both.unverified == ()

    with pytest.raises(NoteError, match="no verifiable signatures"):
        open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [])
    # A repeated identical verifier is not ambiguous; repeated lines count once.
    again = open_note(TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG * 2, [peter, peter])
    assert again.verified_by == (peter,) and len(again.unverified) == 1


def test_go_verifier_and_signer_manglings_fail() -> None:
    """TestNewVerifier / TestNewSigner: every substring and every +1 byte is refused."""
    for good, parse in (
        (PETER_VKEY, Verifier.from_text),
        (PETER_SKEY, Signer.from_private_key_text),
    ):
        parse(good)
        for i in range(len(good) + 1):
            for j in range(i + 1, len(good) + 1):
                if (i, j) != (0, len(good)):
                    with pytest.raises(NoteError):
                        parse(good[i:j])
        for i in range(len(good)):
            with pytest.raises(NoteError):
                parse(good[:i] + chr(ord(good[i]) + 1) + good[i + 1 :])
    for bad in (
        # Wrong key length with adjusted key ID, unknown algorithm with adjusted key ID.
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        # transparency-dev/formats TestCoSigV1NewVerifier failures.
        "bananas.sigstore.dev+12344556",
        "rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!",
        "rekor.sigstore.dev+12345678+AwEB",
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ):
        with pytest.raises(NoteError):
            Verifier.from_text(bad)


def test_published_key_ids() -> None:
    # transparency-dev/formats: a type 0x04 witness vkey and a type 0x01 vkey.
    remora = Verifier.from_text(
        "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
    )
    assert remora.sig_type == SIG_COSIGNATURE_V1
    assert key_id(remora.name, SIG_COSIGNATURE_V1, remora.public_key).hex() == "da77ade7"
    test = Verifier.from_text("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6")
    assert test.sig_type == SIG_ED25519
    # transparency-dev/formats log/note_test.go key pairs: private text derives the vkey.
    for skey, vkey in (
        (
            "PRIVATE+KEY+Log+2271c621+AdEIq9FLRQni54Wg68T96VJO+iayOaulswav2DUMKgvQ",
            "Log+2271c621+AemuH5ooBpEPcr+W8onrjA1NfuzBVHdezakU81Ekarvs",
        ),
        (
            "PRIVATE+KEY+Known+451c786d+AQPRoE2+Z+Ed1HaHBA9F/FfracvcZ2rDU39kCecMEoci",
            "Known+451c786d+AXAQ0T7lbwuY4ABJ9/MYY9bWV3hmSyOGVt2x42NkmdUH",
        ),
    ):
        signer = Signer.from_private_key_text(skey)
        assert signer.verifier_key() == vkey
        assert signer.private_key_text() == skey


def test_sumdb_checkpoint_known_answer() -> None:
    opened = open_note(SUMDB_CHECKPOINT, [Verifier.from_text(SUMDB_VKEY)])
    checkpoint = Checkpoint.parse(opened.text)
    assert checkpoint.origin == "go.sum database tree"
    assert checkpoint.size == 6476701
    assert checkpoint.root_hash == base64.b64decode("mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=")
    assert checkpoint.body() == opened.text


def test_spec_cosignature_example_parses() -> None:
    checkpoint = Checkpoint.parse(SPEC_BODY)
    assert (checkpoint.origin, checkpoint.size) == ("example.com/behind-the-sofa", 20852163)
    sig = parse_signature_line(SPEC_COSIGNATURE)
    assert sig.name == "witness.example.com/w1" and sig.key_id.hex() == "8d66cf3f"
    assert len(sig.signature) == 8 + 64
    assert int.from_bytes(sig.signature[:8], "big") == 1679315147
    assert sig.line() == SPEC_COSIGNATURE


# --- Round trips -------------------------------------------------------------------


def test_generated_keys_round_trip() -> None:
    log = Signer.generate("example.com/log")
    again = Signer.from_private_key_text(log.private_key_text())
    assert again.public_key_bytes() == log.public_key_bytes()
    verifier = Verifier.from_text(log.verifier_key())
    assert verifier == log.verifier()
    assert verifier.key_id == log.key_id()
    assert "PRIVATE" not in repr(log)
    text = "multi\n\nline text\n"
    other = Signer.generate("example.com/other")
    note = sign_note(text, [log, other])
    assert open_note(note, [verifier]).text == text
    assert open_note(note, [verifier, other.verifier()]).verified_by == (verifier, other.verifier())


def test_checkpoint_round_trip() -> None:
    checkpoint = Checkpoint("example.com/log", 0, bytes(32), ("ext one", "ext two"))
    body = checkpoint.body()
    assert body == (
        "example.com/log\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\next one\next two\n"
    )
    assert Checkpoint.parse(body) == checkpoint
    assert Checkpoint.parse(SPEC_BODY).body() == SPEC_BODY
    assert Checkpoint("o", 2**64 - 1, bytes(32)).size == 2**64 - 1


def test_cosignature_round_trip_and_note() -> None:
    log = Signer.generate("example.com/log")
    witness = Signer.generate("witness.example/w1")
    body = Checkpoint("example.com/log", 42, bytes(range(32))).body()
    line = cosign(body, witness, 1679315147)
    witness_key = Verifier.from_text(witness.verifier_key(SIG_COSIGNATURE_V1))
    assert witness.verifier_key(SIG_COSIGNATURE_V1).split("+")[2].startswith("B")  # 0x04
    assert witness_key.key_id == witness.key_id(SIG_COSIGNATURE_V1) != witness.key_id()
    assert verify_cosignature(body, line, witness_key) == 1679315147

    # Independent check of the byte layout against the spec, not the module's helpers.
    sig = parse_signature_line(line)
    assert sig.key_id == key_id(witness.name, 0x04, witness.public_key_bytes())
    assert sig.signature[:8] == (1679315147).to_bytes(8, "big")
    message = b"cosignature/v1\ntime 1679315147\n" + body.encode()
    Ed25519PublicKey.from_public_bytes(witness.public_key_bytes()).verify(
        sig.signature[8:], message
    )

    note = add_signature_lines(sign_note(body, [log]), [line])
    opened = open_note(note, [log.verifier(), witness_key])
    assert opened.verified_by == (log.verifier(), witness_key)
    assert open_note(note, [witness_key]).verified_by == (witness_key,)
    # Re-cosigning replaces the witness's earlier line.
    later = add_signature_lines(note, [cosign(body, witness, 1679315200)])
    assert later.count("witness.example/w1") == 1
    assert verify_cosignature(body, later.splitlines(keepends=True)[-1], witness_key) == 1679315200


def test_cosignature_tampering_fails() -> None:
    witness = Signer.generate("witness.example/w1")
    witness_key = witness.verifier(SIG_COSIGNATURE_V1)
    body = Checkpoint("example.com/log", 42, bytes(range(32))).body()
    line = cosign(body, witness, 1000)
    sig = parse_signature_line(line)
    later = sig.key_id + (1001).to_bytes(8, "big") + sig.signature[8:]
    forged_time = f"— {sig.name} {base64.b64encode(later).decode()}\n"
    other_body = Checkpoint("example.com/log", 43, bytes(range(32))).body()
    with pytest.raises(NoteError, match="invalid signature"):
        verify_cosignature(other_body, line, witness_key)
    with pytest.raises(NoteError, match="invalid signature"):
        verify_cosignature(body, forged_time, witness_key)
    with pytest.raises(NoteError, match="not a cosignature"):
        verify_cosignature(body, line, witness.verifier())
    with pytest.raises(NoteError, match=re.escape("not witness.example/w2")):
        verify_cosignature(body, line, Signer.generate("witness.example/w2").verifier(0x04))
    with pytest.raises(NoteError):
        verify_cosignature("not a checkpoint\n", line, witness_key)
    for bad_time in (-1, 2**63, True):
        with pytest.raises(NoteError):
            cosign(body, witness, bad_time)
    # A plain Ed25519 note signature by the same key is not a cosignature.
    plain = sign_note(body, [witness]).splitlines(keepends=True)[-1]
    with pytest.raises(NoteError):
        verify_cosignature(body, plain, witness_key)


# --- Rejections --------------------------------------------------------------------


@pytest.mark.parametrize(
    "note",
    [
        pytest.param(TEXT, id="no-signatures"),
        pytest.param(TEXT + "\n", id="blank-line-only"),
        pytest.param(SIGNED[:-1], id="missing-final-newline"),
        pytest.param("\x01" + SIGNED, id="control-character"),
        pytest.param("\udcff" + SIGNED, id="invalid-utf8"),
        pytest.param(TEXT + "\n— Bad Name " + PETER_SIG.split(" ")[2], id="space-in-name"),
        pytest.param(SIGNED + "Unexpected line.\n", id="unexpected-line"),
        pytest.param(TEXT + "\n" + PETER_SIG * 101, id="too-many-signatures"),
        pytest.param(SIGNED.replace("AM=\n", "AM\n"), id="base64-missing-padding"),
        pytest.param(SIGNED.replace("AM=\n", "AN=\n"), id="base64-non-canonical-pad-bits"),
        pytest.param(SIGNED.replace("x08go", "x08g!"), id="base64-bad-character"),
        pytest.param(SIGNED.replace("— ", "- "), id="hyphen-not-em-dash"),
        pytest.param(TEXT + "\n— PeterNeumann AAAA\n", id="signature-too-short"),
        pytest.param(_insert_at_byte(SIGNED, len(TEXT) + 61, "ABCD"), id="invalid-signature"),
        pytest.param(SIGNED.replace("answer", "anwser"), id="tampered-text"),
        pytest.param(SIGNED.replace("x08go", "xxxxo"), id="wrong-key-id"),
    ],
)
def test_open_note_rejects(note: str) -> None:
    with pytest.raises(NoteError):
        open_note(note, [Verifier.from_text(PETER_VKEY)])


def test_rejection_messages() -> None:
    peter = [Verifier.from_text(PETER_VKEY)]
    with pytest.raises(NoteError, match="not canonical base64"):
        open_note(SIGNED.replace("AM=\n", "AN=\n"), peter)
    with pytest.raises(NoteError, match=r"invalid signature for key PeterNeumann\+c74f20a3"):
        open_note(SIGNED.replace("answer", "anwser"), peter)
    with pytest.raises(NoteError, match=r"^invalid signature for key PeterNeumann\+c74f20a3"):
        open_note(_insert_at_byte(SIGNED, len(TEXT) + 61, "ABCD"), peter)
    with pytest.raises(NoteError, match="does not end in a newline"):
        open_note(SIGNED[:-1], peter)
    with pytest.raises(NoteError, match="no verifiable signatures"):
        open_note(SIGNED.replace("x08go", "xxxxo"), peter)
    with pytest.raises(NoteError, match="does not match its name and key"):
        Verifier.from_text(PETER_VKEY.replace("c74f20a3", "c74f20a4"))


def test_signing_rejects_bad_input() -> None:
    peter = _peter()
    for text in ("abc", "no final newline", "tab\there\n"):
        with pytest.raises(NoteError):
            sign_note(text, [peter])
    with pytest.raises(NoteError):
        sign_note(TEXT, [])
    with pytest.raises(NoteError):
        sign_note(TEXT, [peter, peter])
    for name in ("", "a b", "a+b", "a\u00a0b", "a\nb"):
        with pytest.raises(NoteError):
            Signer.generate(name)
    with pytest.raises(NoteError):
        add_signature_lines(SIGNED, ["— a b c\n"])
    with pytest.raises(NoteError):
        add_signature_lines(SIGNED, [PETER_SIG + PETER_SIG])


ROOT = "mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk="


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(f"log\n01\n{ROOT}\n", id="leading-zero"),
        pytest.param(f"log\n00\n{ROOT}\n", id="double-zero"),
        pytest.param(f"log\n+1\n{ROOT}\n", id="plus-sign"),
        pytest.param(f"log\n-1\n{ROOT}\n", id="negative"),
        pytest.param(f"log\n1_0\n{ROOT}\n", id="underscore"),
        pytest.param(f"log\n\u0661\n{ROOT}\n", id="non-ascii-digit"),
        pytest.param(f"log\n {1}\n{ROOT}\n", id="space"),
        pytest.param(f"log\n{2**64}\n{ROOT}\n", id="too-large"),
        pytest.param(f"log\n1\n{base64.b64encode(bytes(31)).decode()}\n", id="root-31-bytes"),
        pytest.param(f"log\n1\n{base64.b64encode(bytes(33)).decode()}\n", id="root-33-bytes"),
        pytest.param(f"log\n1\n{ROOT[:-2]}l=\n", id="root-non-canonical"),
        pytest.param(f"log\n1\n{ROOT[:-1]}\n", id="root-unpadded"),
        pytest.param(f"log\n1\n{ROOT}", id="missing-final-newline"),
        pytest.param(f"\n1\n{ROOT}\n", id="empty-origin"),
        pytest.param("log\n1\n", id="two-lines"),
        pytest.param(f"log\n1\n{ROOT}\n\n", id="empty-extension-line"),
    ],
)
def test_checkpoint_parse_rejects(body: str) -> None:
    with pytest.raises(NoteError):
        Checkpoint.parse(body)


def test_checkpoint_constructor_rejects() -> None:
    for args in (
        ("log", -1, bytes(32)),
        ("log", 2**64, bytes(32)),
        ("log", 1, bytes(31)),
        ("log", 1, bytes(33)),
        ("", 1, bytes(32)),
        ("a\nb", 1, bytes(32)),
    ):
        with pytest.raises(NoteError):
            Checkpoint(*args)
    with pytest.raises(NoteError):
        Checkpoint("log", 1, bytes(32), ("",))


# --- ML-DSA-44 cosignatures (type 0x06) --------------------------------------------


def _subtree_message(name: str, timestamp: int, origin: str, size: int, root: bytes) -> bytes:
    """tlog-cosignature "ML-DSA-44 signed message", written out here from the spec text."""
    n, o = name.encode(), origin.encode()
    return (b"subtree/v1\n\x00" + bytes([len(n)]) + n + struct.pack(">Q", timestamp)
            + bytes([len(o)]) + o + struct.pack(">QQ", 0, size) + root)


def test_mldsa44_torchwood_known_answer() -> None:
    """A public implementation's type 0x06 signature verifies, key ID and all."""
    vector = MLDSA44_VECTORS["torchwood_litewitness"]
    verifier = Verifier.from_text(vector["vkey"])
    assert (verifier.name, verifier.sig_type, len(verifier.public_key)) == (
        "example.com/mldsa-log", SIG_COSIGNATURE_MLDSA44, 1312)
    assert verifier.key_id.hex() == "b5df45c5" and verifier.to_text() == vector["vkey"]
    opened = open_note(vector["note"], [verifier])
    assert opened.verified_by == (verifier,)
    body = opened.text
    line = vector["note"][len(body) + 1:]
    assert verify_cosignature(body, line, verifier) == 0
    # One bit of the root, the size or the signature changed: refused.
    checkpoint = Checkpoint.parse(body)
    flipped = bytes([checkpoint.root_hash[0] ^ 1]) + checkpoint.root_hash[1:]
    for bad in (Checkpoint(checkpoint.origin, checkpoint.size, flipped).body(),
                Checkpoint(checkpoint.origin, checkpoint.size + 1, checkpoint.root_hash).body()):
        with pytest.raises(NoteError, match="invalid signature"):
            verify_cosignature(bad, line, verifier)
    sig = parse_signature_line(line)
    raw = bytearray(sig.key_id + sig.signature)
    raw[100] ^= 0x01
    with pytest.raises(NoteError, match="invalid signature"):
        verify_cosignature(body, f"— {sig.name} {base64.b64encode(bytes(raw)).decode()}", verifier)


@pytest.mark.parametrize("case", MLDSA44_VECTORS["fips204_det_pure"]["cases"],
                         ids=lambda c: f"count-{c['count']}")
def test_mldsa44_primitive_known_answers(case: dict[str, Any]) -> None:
    """FIPS 204 KATs: the seed gives the published key, the published signature verifies."""
    signer = MLDSA44Signer.from_seed("example.com/kat", bytes.fromhex(case["xi"]))
    assert signer.public_key_bytes().hex() == case["pk"]
    public = MLDSA44PublicKey.from_public_bytes(bytes.fromhex(case["pk"]))
    sig, msg, ctx = (bytes.fromhex(case[k]) for k in ("sig", "msg", "ctx"))
    public.verify(sig, msg, ctx)
    with pytest.raises(InvalidSignature):
        public.verify(sig, msg + b"\x00", ctx)
    with pytest.raises(InvalidSignature):
        public.verify(bytes([sig[0] ^ 0x80]) + sig[1:], msg, ctx)


def test_mldsa44_cosignature_round_trip_and_layout() -> None:
    log = Signer.generate("zsb.example.gov.cn/sunshine/demo-2026")
    witness = MLDSA44Signer.generate("witness.example.com/w1")
    checkpoint = Checkpoint(log.name, 42, bytes(range(32)), ("extension",))
    body = checkpoint.body()
    line = cosign(body, witness, 1679315147)
    witness_key = Verifier.from_text(witness.verifier_key())
    assert witness.verifier_key().split("+")[2].startswith("B")  # base64 of 0x06 ...
    assert witness_key == witness.verifier() and witness_key.is_cosigner
    assert verify_cosignature(body, line, witness_key) == 1679315147

    # The byte layout, checked against the spec text rather than the module.
    sig = parse_signature_line(line)
    assert sig.key_id == key_id(witness.name, 0x06, witness.public_key_bytes())
    assert len(sig.signature) == 8 + 2420
    assert sig.signature[:8] == (1679315147).to_bytes(8, "big")
    message = _subtree_message(witness.name, 1679315147, log.name, 42, bytes(range(32)))
    MLDSA44PublicKey.from_public_bytes(witness.public_key_bytes()).verify(
        sig.signature[8:], message)

    # Extension lines are not signed (tlog-cosignature): the cosignature still holds.
    bare = Checkpoint(log.name, 42, bytes(range(32))).body()
    assert verify_cosignature(bare, line, witness_key) == 1679315147
    # The message names the cosigner: the same key under another name does not verify.
    renamed = Verifier("witness.example.com/w2", 0x06, witness.public_key_bytes())
    moved = f"— {renamed.name} {base64.b64encode(renamed.key_id + sig.signature).decode()}\n"
    with pytest.raises(NoteError, match="invalid signature"):
        verify_cosignature(body, moved, renamed)
    # A changed timestamp does not verify.
    later = sig.key_id + (1679315148).to_bytes(8, "big") + sig.signature[8:]
    with pytest.raises(NoteError, match="invalid signature"):
        verify_cosignature(body, f"— {sig.name} {base64.b64encode(later).decode()}\n",
                           witness_key)

    ed_witness = Signer.generate("witness.example.com/w3")
    note = add_signature_lines(sign_note(body, [log]), [line, cosign(body, ed_witness, 7)])
    opened = open_note(note, [log.verifier(), witness_key, ed_witness.verifier(0x04)])
    assert opened.verified_by == (log.verifier(), witness_key, ed_witness.verifier(0x04))


def test_mldsa44_private_key_text_round_trip() -> None:
    witness = MLDSA44Signer.from_seed("witness.example.com/w1", bytes(range(32)))
    text = witness.private_key_text()
    assert text.startswith("PRIVATE+KEY+witness.example.com/w1+" + witness.key_id().hex() + "+Bg")
    again = parse_private_key(text)
    assert isinstance(again, MLDSA44Signer)
    assert again.public_key_bytes() == witness.public_key_bytes()
    assert "PRIVATE" not in repr(witness)
    ed = parse_private_key(PETER_SKEY)
    assert isinstance(ed, Signer) and ed.name == "PeterNeumann"
    wrong_id = text.replace(witness.key_id().hex(), "00000000")
    with pytest.raises(NoteError, match="does not match"):
        MLDSA44Signer.from_private_key_text(wrong_id)
    with pytest.raises(NoteError, match="type 0x06"):
        MLDSA44Signer.from_private_key_text(PETER_SKEY)
    with pytest.raises(NoteError, match="type 0x01"):
        Signer.from_private_key_text(text)


def test_mldsa44_rejections() -> None:
    witness = MLDSA44Signer.generate("witness.example.com/w1")
    with pytest.raises(NoteError, match="1312"):
        Verifier("w", 0x06, bytes(32))
    with pytest.raises(NoteError, match="32"):
        Verifier("w", 0x04, witness.public_key_bytes())
    with pytest.raises(NoteError, match=re.escape("outside 1..255")):
        MLDSA44Signer.from_seed("w" * 256, bytes(32))
    with pytest.raises(NoteError, match="no type 0x06"):
        Signer.generate("w").verifier(0x06)
    long_origin = Checkpoint("o" * 256, 1, bytes(32)).body()
    with pytest.raises(NoteError, match="origin is 256 bytes"):
        cosign(long_origin, witness, 1)
    body = Checkpoint("example.com/log", 1, bytes(32)).body()
    line = cosign(body, witness, 1)
    with pytest.raises(NoteError, match="not a cosignature"):
        verify_cosignature(body, line, Signer.generate("w").verifier())
    # An ML-DSA-44 key cannot vouch for text that is not a checkpoint.
    sig = parse_signature_line(line)
    with pytest.raises(NoteError, match="checkpoint"):
        witness.verifier().verify("hello\n", sig.signature)
    truncated = f"— {sig.name} {base64.b64encode(sig.key_id + sig.signature[:-1]).decode()}"
    with pytest.raises(NoteError, match="expected 8 \\+ 2420"):
        verify_cosignature(body, truncated, witness.verifier())
