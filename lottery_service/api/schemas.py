"""Request and response bodies of the HTTP API (pydantic models, OpenAPI-documented).

Formats follow PROTOCOL.md §1: 32-byte values as 64 lower-case hex digits,
ids by their patterns. Strict base64 and record checks stay in the core, so a
malformed value is rejected there with the section it breaks.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

HEX32 = r"^[0-9a-f]{64}$"
ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
# A witness name is a signed-note key name (§12): printable ASCII but space and '+',
# at most 255 bytes, so schema-less URLs such as witness.example.com/w1 pass.
KEY_NAME = r"^[!-*,-~]{1,255}$"
REG = r"^[A-Z0-9]{4,32}$"
ROLE = Literal["notary", "supervisor", "parent-rep", "bureau"]
MAX_SIZE = 2**31 - 1  # log sizes and sequence numbers: the database's integer range


class Strict(BaseModel):
    """Unknown members are an error (§2.3 spirit): a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------ requests


class EventCreate(Strict):
    rules: dict[str, Any] = Field(
        description="The rule set (PROTOCOL.md §3.1): event, title, year, grade and optionally "
                    "high_fee_threshold, waitlist_promotion, dice, rehearsal, beacon (null, a "
                    "drand chain's info or \"quicknet\"); the service adds type, version and "
                    "this deployment's origin (§12.1)")


class ParticipantIn(Strict):
    id: str = Field(pattern=ID)
    role: ROLE


class ParticipantsIn(Strict):
    """A ceremony's setup (§5.2, §5.6), before it opens."""

    participants: list[ParticipantIn] = Field(min_length=2)
    escrow_key: str = Field(description="base64 X25519 public key of the escrow holder for "
                                        "this ceremony only (§5.4: never another ceremony's)")
    physical_entropy_by: str | None = Field(
        default=None, description="with a beacon: the dice deadline, ISO 8601 with its zone "
                                  "(§5.6)")


class RosterFreezeIn(Strict):
    confirm: str | None = Field(default=None, pattern=r"^[0-9a-f]{12}$",
                                description="the code of the preview the operator saw "
                                            "(GET …/roster/preview); without it the answer "
                                            "is 409 with the preview")


class WithdrawalIn(Strict):
    reason: str = Field(min_length=1, max_length=500,
                        description="why the input is amended (public: no personal data)")


class BeaconRoundIn(Strict):
    round_json: str = Field(max_length=4096, description="the round's JSON as a drand relay "
                                                         "publishes it (§5.6)")


class BeaconFetchIn(Strict):
    relay: str = Field(pattern=r"^https?://[^\s]+$", description="a drand relay's base URL")


class PostponeIn(Strict):
    reason: Literal["physical-entropy-late", "round-not-published"]
    physical_entropy_by: str | None = Field(
        default=None, description="physical-entropy-late: the new dice deadline, ISO 8601 with "
                                  "its zone")


class CommitmentIn(Strict):
    commitment: str = Field(pattern=HEX32)
    escrow: str = Field(description="base64 sealed secret (§5.4), 80 bytes before base64")
    participant: str | None = Field(default=None, pattern=ID,
                                    description="optional; must be the token's own id")


class RevealIn(Strict):
    secret: str = Field(pattern=HEX32)
    participant: str | None = Field(default=None, pattern=ID,
                                    description="optional; must be the token's own id")


class EscrowOpeningIn(Strict):
    participant: str = Field(pattern=ID)
    secret: str = Field(pattern=HEX32)


class VoidIn(Strict):
    participant: str = Field(pattern=ID)
    reason: Literal["escrow-invalid", "escrow-holder-absent"]


class EntropyIn(Strict):
    witness: str = Field(pattern=ID, description="role id of the witness, never a name (§5.5)")
    values: list[Annotated[int, Field(ge=1, le=6)]] = Field(max_length=1000,
                                                           description="dice values 1-6")


class WitnessIn(Strict):
    name: str = Field(pattern=KEY_NAME, description="key name, e.g. witness.example.com/w1")
    vkey: str = Field(description="C2SP cosignature verifier key (type 0x04 Ed25519 "
                                  "or 0x06 ML-DSA-44)")


class CorrectionIn(Strict):
    refers_to: int = Field(ge=0, le=MAX_SIZE, description="seq of the entry being corrected")
    reason: str = Field(min_length=1, max_length=2000)


class WindowIn(Strict):
    """A phase's calendar window (G3, §11.4); times with a zone, daily hours Beijing time."""

    phase: str = Field(description="registration, lottery_ceremony, payment, cohort, "
                                   "grouping_ceremony, teachers or teacher_ceremony")
    opens: str = Field(description="ISO 8601 with a zone, e.g. 2026-06-11T08:00+08:00")
    closes: str = Field(description="ISO 8601 with a zone")
    daily: str | None = Field(default=None, pattern=r"^[0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2}$",
                              description="daily hours, Beijing time, e.g. 08:00-24:00")


class WindowOut(BaseModel):
    phase: str
    opens: str
    closes: str
    daily: str | None


class CosignatureIn(Strict):
    witness: str = Field(pattern=KEY_NAME)
    signature: str = Field(description="the signature line '— <name> <base64>'")


class TokenIn(Strict):
    role: Literal["admin", "school", "participant", "supervisor"]
    subject: str = Field(default="", description="school id or participant id")
    label: str = ""


class LookupIn(Strict):
    reg: str = Field(pattern=REG)
    id_last4: str = Field(pattern=r"^[0-9]{3}[0-9Xx]$",
                          description="last four characters of the child's ID number")


class ProofIn(LookupIn):
    trusted_size: int | None = Field(
        default=None, ge=1, le=MAX_SIZE,
        description="size of a checkpoint this browser trusted before: the proof then "
                    "carries the consistency proof from it (PROTOCOL.md §14)")


# ----------------------------------------------------------------- responses


class EntryRef(BaseModel):
    seq: int
    type: str


class Appended(BaseModel):
    """Entries a step appended; empty when the step had already taken effect."""

    entries: list[EntryRef]


class RejectionOut(BaseModel):
    reg: str
    school: str
    code: str = Field(description="rule code of PROTOCOL.md §7.1, e.g. P2-second-application")


class ImportDone(BaseModel):
    kind: str
    rows: int
    rejections: list[RejectionOut] = Field(
        default_factory=list,
        description="registration imports: the applications the roster freeze would reject, "
                    "with their rule codes (§7.1), as the data stand now")
    preview: str | None = Field(default=None, description="the roster freeze preview (Chinese)")
    confirm: str | None = Field(default=None, description="the code that confirms the preview "
                                                          "at the roster freeze")
    entries: list[EntryRef] = Field(default_factory=list,
                                    description="what the import logged (locks_recorded)")


class RosterPreviewOut(BaseModel):
    applications: int
    eligible: int
    rejected: dict[str, int] = Field(description="code → count (§7.1)")
    blocking: list[str]
    text: str
    confirm: str


class RowErrorOut(BaseModel):
    row: int = Field(description="spreadsheet row (the header is row 1; 0: the whole file)")
    field: str
    reason: str
    field_zh: str
    reason_zh: str
    column: str = Field(description="the column as written in the file (issue 8: validate "
                                    "at the door)")
    value: str = Field(description="the offending value, sanitised and truncated")
    rule: str | None = Field(description="the policy rule the row breaks (RULES.md), if any")


class FieldErrorOut(BaseModel):
    field: str = Field(description="where in the request, e.g. body.reg")
    reason: str


class ErrorOut(BaseModel):
    """Every error answer (api/errors.py): Chinese first, then English."""

    error: str = Field(description="the error's class, e.g. PhaseError, ImportRejectedError")
    detail: str = Field(description="the Chinese line, a newline, the English line")
    message_zh: str
    message_en: str
    section: str | None = Field(default=None, description="the PROTOCOL.md section broken")
    rule: str | None = Field(default=None, description="the policy rule, e.g. G3, S2")
    phase: str | None = Field(default=None, description="an out-of-order step: the phase now")
    errors: list[RowErrorOut] | None = Field(
        default=None, description="a rejected import: every bad row; nothing was stored (G2)")
    report: str | None = Field(default=None, description="a rejected import, one line a row")
    rows: list[dict[str, str]] | None = Field(
        default=None, description="a school's upload: the rows of other schools")
    fields: list[FieldErrorOut] | None = Field(
        default=None, description="a malformed request: each field and why")


class TokenOut(BaseModel):
    token: str
    role: str
    subject: str


class CheckpointOut(BaseModel):
    size: int
    root: str
    note: str


class CeremonyOut(BaseModel):
    step: str
    participants: list[dict[str, str]]
    committed: list[str]
    settled: dict[str, str]
    pending: list[str]
    input_root: str | None
    input_size: int
    seed: str | None
    escrow_key: str | None = Field(
        default=None, description="base64 X25519 key of the escrow holder, fixed in "
                                  "ceremony_opened (§5.2, §5.4); null before it opens")
    commitments: dict[str, str] = Field(
        default_factory=dict, description="participant → logged commitment, hex (§5.3)")
    physical_entropy_by: str | None = Field(
        default=None, description="with a beacon: the dice deadline in force (§5.6)")
    beacon_round: int | None = Field(
        default=None, description="with a beacon: the drand round in force and (below) when it "
                                  "is due, Unix seconds (§5.6)")
    beacon_round_time: int | None = None
    withdrawals: int = Field(default=0, description="amendments of its input (§5.1 step 3)")


class SchoolCount(BaseModel):
    school: str
    name: str
    quota: int
    applicants: int = Field(description="registered before the roster freeze, eligible after")
    admitted: int | None = Field(description="places held now (not forfeited), once drawn")
    returned: int | None = Field(default=None,
                                 description="places returned to the bureau so far (§7.2)")


class EventOut(BaseModel):
    event: str
    phase: str
    rules: dict[str, Any] | None
    ceremonies: dict[str, CeremonyOut]
    schools: list[SchoolCount]
    rejections: int = Field(description="how many applications were rejected (§17.2: a count)")
    checkpoint: CheckpointOut | None


class ResultRecord(BaseModel):
    reg: str
    name: str
    outcome: str
    stage: str
    rank: int
    waiting: int | None


class SchoolResults(BaseModel):
    school: str
    summary: dict[str, Any]
    records: list[ResultRecord]


class CheckpointList(BaseModel):
    sizes: list[int]


class ConsistencyOut(BaseModel):
    old_size: int
    new_size: int
    proof: list[str] = Field(description="RFC 9162 consistency proof, hex hashes")


class KeysOut(BaseModel):
    log: str
    witnesses: dict[str, str]


class NotificationsOut(BaseModel):
    queued: int
    sent: int
    entries: list[EntryRef]


class ExportOut(BaseModel):
    path: str
