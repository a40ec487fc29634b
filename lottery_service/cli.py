"""`sunshine`: the operators', participants' and supervisors' command line.

Bureau operators run the event steps against the local database; ceremony
participants and supervisors use the `participant` and `witness` commands on
their own devices, which keep their secrets and keys in local files and talk to
the server over HTTP.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from .config import Settings
from .core.errors import ProtocolError
from .core.log import Entry
from .core.note import SIG_COSIGNATURE_V1, Signer, cosign
from .core.records import Rules
from .core.season import PhaseError
from .core.seed import Ceremony, Participant, commitment, seal_escrow
from .events import ImportRejectedError
from .runtime import Runtime, open_runtime

app = typer.Typer(help="Sunshine Draw: auditable admission lottery and class grouping.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
participant_app = typer.Typer(help="For ceremony participants, on their own device.")
witness_app = typer.Typer(help="For supervisors cosigning checkpoints.")
app.add_typer(participant_app, name="participant")
app.add_typer(witness_app, name="witness")
console = Console()

DataDir = Annotated[Path | None, typer.Option("--data", help="data directory (SUNSHINE_DATA)")]
EventArg = Annotated[str, typer.Argument(help="event id")]
CeremonyArg = Annotated[str, typer.Argument(help="lottery | grouping | teachers")]


def _runtime(data: Path | None) -> Runtime:
    return open_runtime(Settings.from_env(data))


@contextmanager
def _working(text: str) -> Iterator[None]:
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        progress.add_task(text, total=None)
        yield


def _run(step: Callable[[], list[Entry]], text: str) -> None:
    """Run one event step, report what it logged, exit 1 with a clear message on error."""
    try:
        with _working(text):
            entries = step()
    except ImportRejectedError as exc:
        console.print(exc.report)
        raise typer.Exit(1) from None
    except (ProtocolError, PhaseError, LookupError, ValueError) as exc:
        console.print(f"[red]✗ {text}: {exc}[/red]")
        raise typer.Exit(1) from None
    if entries:
        kinds = sorted({e.type for e in entries})
        console.print(f"✓ {text}: logged {len(entries)} entries ({', '.join(kinds)}), "
                      f"log size {entries[-1].seq + 1}")
    else:
        console.print(f"✓ {text}: already done, nothing to log")


def _ceremony(value: str) -> Ceremony:
    if value not in ("lottery", "grouping", "teachers"):
        raise typer.BadParameter("expected lottery, grouping or teachers")
    return value  # type: ignore[return-value]


# ---------------------------------------------------------------- operators

@app.command()
def init(data: DataDir = None) -> None:
    """Create the data directory, database and keys (first run)."""
    rt = _runtime(data)
    console.print(f"✓ data in {rt.settings.data_dir}; database {rt.engine.url!r}")


@app.command("create-event")
def create_event(rules_file: Path, escrow_key: Annotated[str, typer.Option(
        help="base64 X25519 public key of the escrow holder (see escrow-keygen)")],
        data: DataDir = None) -> None:
    """Create an event from a rule-set JSON file (PROTOCOL.md §3.1)."""
    rt = _runtime(data)
    rules = Rules.from_json(json.loads(rules_file.read_text(encoding="utf-8")))
    _run(lambda: rt.service.create_event(rules, base64.b64decode(escrow_key, validate=True)),
         "create event")
    console.print(f"log key: {rt.service.signer(rules.event).verifier_key()}")


@app.command()
def participants(event: EventArg, ceremony: CeremonyArg,
                 people: Annotated[list[str], typer.Argument(help="id:role …")],
                 data: DataDir = None) -> None:
    """Set a ceremony's participants (before it opens)."""
    rt = _runtime(data)
    parsed = [Participant(*p.split(":", 1)) for p in people]  # type: ignore[arg-type]
    rt.service.set_participants(event, _ceremony(ceremony), parsed)
    console.print(f"✓ {len(parsed)} participants for {ceremony}")


@app.command("import")
def import_(event: EventArg, kind: str, file: Path, data: DataDir = None) -> None:
    """Import schools, applicants, community, direct, payments, pupils, class-plans or
    teachers from CSV (UTF-8, UTF-8 with BOM, GB18030) or XLSX; all rows or none."""
    rt = _runtime(data)
    try:
        with _working(f"import {kind}"):
            count = rt.service.import_file(event, kind, file.read_bytes(), file.name)
    except ImportRejectedError as exc:
        console.print(exc.report)
        raise typer.Exit(1) from None
    except (ProtocolError, LookupError, ValueError) as exc:
        console.print(f"[red]✗ import {kind}: {exc}[/red]")
        raise typer.Exit(1) from None
    console.print(f"✓ imported {count} {kind} rows from {file.name}")
    if kind in ("schools", "applicants", "community", "direct"):
        try:
            rejections = rt.service.eligibility_preview(event)
        except ProtocolError as exc:
            console.print(f"  eligibility not checked yet: {exc}")
            return
        codes = Counter(r.code for r in rejections)
        for code, n in sorted(codes.items()):
            console.print(f"  {n} application(s) will be rejected under {code} (PROTOCOL.md §7.1)")


def _step(name: str, doc: str, call: Callable[[Runtime, str], list[Entry]]) -> None:
    def command(event: EventArg, data: DataDir = None) -> None:
        rt = _runtime(data)
        _run(lambda: call(rt, event), name)

    command.__doc__ = doc
    app.command(name)(command)


_step("freeze-roster", "Check eligibility (P1-P3, P8, P10), freeze the roster, open the lottery.",
      lambda rt, e: rt.service.freeze_roster(e))
_step("draw", "Publish every school's lottery results and the bias audit (§7, §8).",
      lambda rt, e: rt.service.draw(e))
_step("payment-round", "Settle open offers against imported bank receipts (P7) and promote.",
      lambda rt, e: rt.service.payment_round(e))
_step("close-payments", "End the payment window.", lambda rt, e: rt.service.close_payments(e))
_step("freeze-grouping", "Lock the cohort (S2) and class plans (S3); open the grouping ceremony.",
      lambda rt, e: rt.service.freeze_grouping(e))
_step("group", "Run the class grouping (§9).", lambda rt, e: rt.service.group(e))
_step("freeze-teachers", "Freeze the head teachers (S5); open the teacher ceremony.",
      lambda rt, e: rt.service.freeze_teachers(e))
_step("match", "Match head teachers to classes (§10).", lambda rt, e: rt.service.match(e))


@app.command("close-commitments")
def close_commitments(event: EventArg, ceremony: CeremonyArg, data: DataDir = None) -> None:
    rt = _runtime(data)
    _run(lambda: rt.service.close_commitments(event, _ceremony(ceremony)), "close commitments")


@app.command("open-escrows")
def open_escrows(event: EventArg, ceremony: CeremonyArg,
                 escrow_private: Annotated[Path | None, typer.Option(
                     help="escrow holder's private key file; omit if the holder is absent")] = None,
                 data: DataDir = None) -> None:
    """Close the reveal window: open withheld secrets from escrow (§5.4)."""
    rt = _runtime(data)
    key = None
    if escrow_private is not None:
        key = X25519PrivateKey.from_private_bytes(bytes.fromhex(escrow_private.read_text().strip()))
    _run(lambda: rt.service.open_escrows(event, _ceremony(ceremony), key), "open escrows")


@app.command()
def entropy(event: EventArg, ceremony: CeremonyArg,
            witness: Annotated[str, typer.Option(help="witness role id, e.g. notary-1")],
            values: Annotated[list[int], typer.Argument(help="dice values 1-6")],
            data: DataDir = None) -> None:
    """Enter the dice read on camera (§5.5)."""
    rt = _runtime(data)
    _run(lambda: rt.service.physical_entropy(event, _ceremony(ceremony), witness, values),
         "physical entropy")


@app.command()
def seed(event: EventArg, ceremony: CeremonyArg, data: DataDir = None) -> None:
    """Derive the ceremony's seed (§5.7)."""
    rt = _runtime(data)
    _run(lambda: rt.service.derive_seed(event, _ceremony(ceremony)), "seed")


@app.command("release-escrow-key")
def release_escrow_key(event: EventArg, ceremony: CeremonyArg,
                       escrow_private: Annotated[Path, typer.Option(
                           help="escrow holder's private key file (from escrow-keygen)")],
                       data: DataDir = None) -> None:
    """After the seed: publish the escrow key so anyone can check the escrow openings (§5.4)."""
    rt = _runtime(data)
    key = X25519PrivateKey.from_private_bytes(bytes.fromhex(escrow_private.read_text().strip()))
    _run(lambda: rt.service.release_escrow_key(event, _ceremony(ceremony), key),
         "release escrow key")


@app.command()
def correct(event: EventArg, refers_to: int, reason: str, data: DataDir = None) -> None:
    """Log a correction of entry REFERS_TO: a new entry, never an edit (§11.1)."""
    rt = _runtime(data)
    _run(lambda: rt.service.correct(event, refers_to, reason), "correction")


@app.command()
def window(event: EventArg, phase: str, opens: str, closes: str,
           daily: Annotated[str | None, typer.Option(
               help="daily hours in Beijing time, e.g. 08:00-24:00")] = None,
           data: DataDir = None) -> None:
    """Set a phase's calendar window (G3), e.g. registration 2026-06-11T08:00+08:00
    2026-06-21T00:00+08:00 --daily 08:00-24:00."""
    import datetime as dt

    from .core.season import Phase

    rt = _runtime(data)
    hours = None
    if daily:
        start, end = daily.split("-")
        hours = (dt.time.fromisoformat(start),
                 dt.time(0) if end == "24:00" else dt.time.fromisoformat(end))
    rt.service.set_window(event, Phase(phase), dt.datetime.fromisoformat(opens),
                          dt.datetime.fromisoformat(closes), hours)
    console.print(f"✓ {phase} window {opens} – {closes}" + (f", daily {daily}" if daily else ""))


@app.command()
def publish(event: EventArg, ceremony: CeremonyArg, data: DataDir = None) -> None:
    rt = _runtime(data)
    _run(lambda: rt.service.publish(event, _ceremony(ceremony)), "publish")


@app.command()
def export(event: EventArg, data: DataDir = None) -> None:
    """Write the signed audit bundle to audit_logs/<event> atomically (§13)."""
    from sqlmodel import Session

    from .bundle import export_bundle

    rt = _runtime(data)
    with _working("export"), Session(rt.engine) as session:
        path = export_bundle(session, event, rt.settings.audit_dir,
                             rt.service.signer(event).verifier_key())
    console.print(f"✓ bundle at {path}")


@app.command()
def token(event: EventArg, role: str, subject: str = "", label: str = "",
          data: DataDir = None) -> None:
    """Make an API token (admin, school, participant, supervisor); shown once."""
    from .auth import create_token

    rt = _runtime(data)
    console.print(create_token(rt.engine, event, role, subject, label))


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          data: DataDir = None) -> None:
    """Serve the API and pages."""
    import uvicorn

    if data is not None:
        os.environ["SUNSHINE_DATA"] = str(data)
    _runtime(data)  # migrate once before workers start
    # No access log: the look-up is the hot path (see bench/lookup_load.py); uvloop and
    # httptools come with uvicorn[standard] and are picked when installed.
    uvicorn.run("lottery_service.api.app:app_from_env", factory=True, host=host, port=port,
                workers=workers, log_level="warning", access_log=False)


@app.command()
def demo(applicants: int = 5000, data: DataDir = None,
         serve_after: Annotated[bool, typer.Option("--serve/--no-serve")] = False,
         port: int = 8000) -> None:
    """Run a whole season on a generated district, export and verify the bundle."""
    from .demo import run_demo

    data = data or Path(os.environ.get("SUNSHINE_DATA", "data/demo"))
    rt = _runtime(data)
    console.print(f"Sunshine Draw demo: {applicants} applicants, data in {data}")
    bundle = run_demo(rt, applicants=applicants, say=console.print)
    _print_results(rt, bundle.name)
    code = subprocess.call([sys.executable, "-m", "verifier", str(bundle)])
    if code != 0:
        console.print("[red]✗ the verifier rejected the demo bundle[/red]")
        raise typer.Exit(code)
    if serve_after:
        from .api.app import operator_token

        base = f"http://127.0.0.1:{port}"
        console.print(f"\nCeremony screen: {base}/events/{bundle.name}/ceremony\n"
                      f"Parents' page:   {base}/events/{bundle.name}/check\n"
                      f"Supervisors:     {base}/events/{bundle.name}/dashboard\n"
                      f"Operators:       {base}/events/{bundle.name}/operate "
                      f"(token: {operator_token(rt.settings)})\n"
                      f"API docs:        {base}/api/v1/docs")
        _print_sample_lookups(rt, bundle.name, applicants)
        rt.close()
        serve(port=port, data=data)


def _print_sample_lookups(rt: Runtime, event: str, applicants: int) -> None:
    """Synthetic families to try on the parents' page (demo data only)."""
    from .demo.district import generate_district
    from .imports import parse

    filename, data = generate_district(applicants=applicants).files["applicants"]
    last4 = {row.reg: row.id_last4 for row in parse("applicants", data, filename).rows}
    draw = rt.service.state(event).draw()
    shown: dict[str, str] = {}
    for outcome in sorted(draw.outcomes.values(), key=lambda o: o.reg):
        label = outcome.outcome if outcome.waiting is None else "waiting"
        if label not in shown and outcome.reg in last4:
            shown[label] = f"{outcome.reg} / {last4[outcome.reg]}"
    console.print("Try (registration number / ID last 4): "
                  + "; ".join(f"{k}: {v}" for k, v in sorted(shown.items())) + "\n")


def _print_results(rt: Runtime, event: str) -> None:
    state = rt.service.state(event)
    if state.ceremony("lottery").seed is None:
        return
    draw = state.draw()
    table = Table(title=f"{event}: private-school lottery results")
    for column in ("school", "quota", "applicants", "admitted", "stages (seats/applicants)",
                   "to bureau"):
        table.add_column(column)
    for school_id, result in sorted(draw.schools.items()):
        summary = result.summary_json()
        stages = ", ".join(f"{s['stage']} {s['admitted']}/{s['applicants']}"
                           + (" lottery" if s["lottery"] else "") for s in summary["stages"])
        applicants = sum(1 for o in draw.outcomes.values() if draw.school_of[o.reg] == school_id)
        admitted = sum(s["admitted"] for s in summary["stages"])
        table.add_row(school_id, str(summary["quota"]), str(applicants), str(admitted), stages,
                      str(summary["returned_to_bureau"]))
    console.print(table)


# ------------------------------------------------------------ participants

def _post(server: str, path: str, token: str, body: dict[str, Any]) -> Any:
    response = httpx.post(f"{server.rstrip('/')}/api/v1{path}", json=body,
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
    if response.status_code >= 400:
        console.print(f"[red]✗ {response.status_code}: {response.text}[/red]")
        raise typer.Exit(1)
    return response.json()


@app.command("escrow-keygen")
def escrow_keygen(out: Path) -> None:
    """For the escrow holder (notary): make an X25519 key pair; prints the public key."""
    key = X25519PrivateKey.generate()
    from cryptography.hazmat.primitives import serialization

    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                            serialization.NoEncryption())
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(raw.hex() + "\n")
    public = key.public_key().public_bytes(serialization.Encoding.Raw,
                                           serialization.PublicFormat.Raw)
    console.print(base64.b64encode(public).decode())


@participant_app.command("commit")
def participant_commit(server: str, token: str, event: str, ceremony: str, participant: str,
                       escrow_key: Annotated[str, typer.Option(help="holder's public key")],
                       secret_file: Path = Path("secret.key")) -> None:
    """Make a 32-byte secret on this device, keep it in SECRET_FILE (0600), send only the
    commitment and the escrow (§5.3, §5.4)."""
    secret = secrets.token_bytes(32)
    fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret.hex() + "\n")
    c = _ceremony(ceremony)
    com = commitment(event, c, participant, secret)
    escrow = seal_escrow(secret, com, base64.b64decode(escrow_key, validate=True),
                         X25519PrivateKey.generate())
    _post(server, f"/events/{event}/ceremonies/{c}/commitments", token,
          {"commitment": com.hex(), "escrow": escrow})
    console.print(f"✓ committed {com.hex()}; keep {secret_file} until you reveal")


@participant_app.command("reveal")
def participant_reveal(server: str, token: str, event: str, ceremony: str,
                       secret_file: Path = Path("secret.key")) -> None:
    """Reveal the secret kept in SECRET_FILE at the ceremony."""
    secret = secret_file.read_text().strip()
    _post(server, f"/events/{event}/ceremonies/{_ceremony(ceremony)}/reveals", token,
          {"secret": secret})
    console.print("✓ revealed")


@witness_app.command("keygen")
def witness_keygen(name: str, out: Path) -> None:
    """Make a supervisor's Ed25519 cosigning key; prints the verifier key to register."""
    signer = Signer.generate(name)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(signer.private_key_text() + "\n")
    console.print(signer.verifier_key(SIG_COSIGNATURE_V1))


@witness_app.command("cosign")
def witness_cosign(server: str, token: str, event: str, key_file: Path,
                   log_key: Annotated[str, typer.Option(
                       help="the log's verifier key, obtained out of band")],
                   state: Annotated[Path, typer.Option(
                       help="file keeping the last checkpoint this witness cosigned")]
                   = Path("witness-checkpoint.txt")) -> None:
    """Cosign the latest checkpoint (C2SP tlog-cosignature) after checking the log's
    signature on it and, against the checkpoint cosigned last time (kept in STATE), an
    RFC 9162 consistency proof: a witness vouches that the log only grew."""
    import time

    from .core.merkle import MerkleError, verify_consistency
    from .core.note import Checkpoint, NoteError, Verifier, open_note

    signer = Signer.from_private_key_text(key_file.read_text().strip())
    base = f"{server.rstrip('/')}/api/v1/events/{event}"
    note = httpx.get(f"{base}/checkpoints/latest", timeout=30).text
    try:
        checkpoint = Checkpoint.parse(open_note(note, [Verifier.from_text(log_key)]).text)
    except NoteError as exc:
        console.print(f"[red]✗ the checkpoint is not signed by the log key: {exc}[/red]")
        raise typer.Exit(1) from None
    if state.exists():
        old = Checkpoint.parse(state.read_text(encoding="utf-8"))
        proof: list[bytes] = []
        if old.size < checkpoint.size:
            answer = httpx.get(f"{base}/checkpoints/{checkpoint.size}/consistency",
                               params={"from": old.size}, timeout=30).json()
            proof = [bytes.fromhex(h) for h in answer["proof"]]
        try:
            verify_consistency(old.size, checkpoint.size, old.root_hash, checkpoint.root_hash,
                               proof)
        except MerkleError as exc:
            console.print(f"[red]✗ FORK: size {checkpoint.size} does not extend the size "
                          f"{old.size} cosigned before: {exc}[/red]")
            raise typer.Exit(1) from None
    line = cosign(checkpoint.body(), signer, int(time.time()))
    _post(server, f"/events/{event}/checkpoints/{checkpoint.size}/cosignatures", token,
          {"witness": signer.name, "signature": line})
    state.write_text(checkpoint.body(), encoding="utf-8")
    console.print(f"✓ cosigned checkpoint of size {checkpoint.size}")


@app.command()
def verify(bundle: Path, key: Path | None = None) -> None:
    """Run the standalone verifier on a bundle."""
    args = [sys.executable, "-m", "verifier", str(bundle)]
    if key is not None:
        args += ["--key", str(key)]
    raise typer.Exit(subprocess.call(args))


def main() -> None:  # pragma: no cover
    app()
