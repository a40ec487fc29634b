"""The tlog-witness add-checkpoint messages as bytes, with no transport (c2sp.org/tlog-witness).

Request body: ``old <size>\\n``, zero to 63 lines of base64 consistency-proof
hashes, an empty line, then the signed checkpoint note. Responses: 200 with
cosignature lines, 409 with ``<size>\\n`` as ``text/x.tlog.size``, or an error
status (400, 403, 404, 422) whose body is free text.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from ..core.note import NoteError, parse_signature_line

ADD_CHECKPOINT: Final = "add-checkpoint"
SIZE_CONTENT_TYPE: Final = "text/x.tlog.size"
MAX_PROOF_LINES: Final = 63  # tlog-witness: "MUST NOT send more than 63"
# A note holds at most 100 signatures of at most ~3.3 KB each in base64.
MAX_BODY_BYTES: Final = 512 * 1024

_DECIMAL: Final = re.compile(r"0|[1-9][0-9]{0,19}")
_HASH_SIZE: Final = 32


class WitnessProtocolError(Exception):
    """A message that does not follow tlog-witness (a witness answers it with 400)."""


def _decimal(text: str, what: str) -> int:
    if not _DECIMAL.fullmatch(text) or int(text) > 2**64 - 1:
        raise WitnessProtocolError(f"{what} {text!r} is not a canonical 64-bit decimal")
    return int(text)


def _hash(line: str) -> bytes:
    try:
        raw = base64.b64decode(line.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise WitnessProtocolError(f"proof line {line!r} is not base64") from None
    if len(raw) != _HASH_SIZE or base64.b64encode(raw).decode() != line:
        raise WitnessProtocolError(f"proof line {line!r} is not a canonical 32-byte hash")
    return raw


@dataclass(frozen=True)
class AddCheckpoint:
    """One add-checkpoint request: the witness's old size, a proof from it, the note."""

    old_size: int
    proof: tuple[bytes, ...]
    checkpoint: str

    def encode(self) -> bytes:
        """The request body."""
        if len(self.proof) > MAX_PROOF_LINES:
            raise WitnessProtocolError(f"{len(self.proof)} proof lines, over {MAX_PROOF_LINES}")
        lines = [f"old {self.old_size}", *(base64.b64encode(h).decode() for h in self.proof)]
        return ("".join(line + "\n" for line in lines) + "\n" + self.checkpoint).encode()

    @classmethod
    def decode(cls, body: bytes) -> AddCheckpoint:
        """Parse a request body strictly; the note itself is checked by the witness."""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise WitnessProtocolError("request body is not UTF-8") from None
        head, sep, note = text.partition("\n\n")
        if not sep:
            raise WitnessProtocolError("request has no empty line before the checkpoint")
        lines = head.split("\n")
        old, _, size = lines[0].partition(" ")
        if old != "old":
            raise WitnessProtocolError("request does not start with an 'old <size>' line")
        proof = tuple(_hash(line) for line in lines[1:])
        if len(proof) > MAX_PROOF_LINES:
            raise WitnessProtocolError(f"{len(proof)} proof lines, over {MAX_PROOF_LINES}")
        return cls(_decimal(size, "old size"), proof, note)


def encode_size(size: int) -> bytes:
    """The 409 body: the witness's latest cosigned size."""
    return f"{size}\n".encode()


def decode_size(body: bytes) -> int:
    """Parse a 409 body."""
    text = body.decode("ascii", errors="replace")
    if not text.endswith("\n"):
        raise WitnessProtocolError("409 body does not end in a newline")
    return _decimal(text[:-1], "witness size")


def encode_cosignatures(lines: Sequence[str]) -> bytes:
    """The 200 body: signature lines, each ending in a newline."""
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines).encode()


def decode_cosignatures(body: bytes) -> tuple[str, ...]:
    """Parse a 200 body into note signature lines (syntax only; keys are checked by the caller)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WitnessProtocolError("cosignature body is not UTF-8") from None
    if not text.endswith("\n"):
        raise WitnessProtocolError("cosignature body is empty or does not end in a newline")
    lines = tuple(line + "\n" for line in text[:-1].split("\n"))
    for line in lines:
        try:
            parse_signature_line(line)
        except NoteError as e:
            raise WitnessProtocolError(f"bad cosignature line: {e}") from None
    return lines
