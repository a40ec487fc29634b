"""`sunshine`: the operators', participants' and supervisors' command line.

Bureau operators run the event steps against the local database (the CLI acts
as the operator); ceremony participants and supervisors use the `participant`
and `witness` commands on their own devices (`devices.py`), which keep their
secrets and keys in local files and talk to the server over HTTP.

Each command parses its arguments, calls one service function and prints the
answer. Errors meet one boundary (`Boundary.invoke`): a `SunshineError` prints
its diagnostics, Chinese first, and exits 1; anything unexpected prints one
line and exits 70. No traceback reaches the person at the terminal.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

from . import devices
from .cli_families import notices_app
from .config import Settings
from .core.beacon import protocol_time
from .core.log import Entry
from .core.seed import Ceremony
from .errors import ConfigurationError, RejectedInputError, SunshineError
from .runtime import Runtime, open_runtime
from .service import Service
from .service.lifecycle import Lifecycle, ceremony_of
from .service.tokens import operator_token
from .witness.cli import register as register_witness_commands

T = TypeVar("T")
EXIT_FAILED = 1  # the request was refused (bad input, wrong phase, …): the message says why
EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug, not the user's doing

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


class Boundary(TyperGroup):
    """The one error boundary of the CLI (like sigstore's `main`)."""

    def invoke(self, ctx: Any) -> Any:  # typer's vendored click.Context
        try:
            return super().invoke(ctx)
        except (typer.TyperException, typer.Exit, typer.Abort):  # usage errors, exits
            raise
        except SunshineError as exc:
            for line in exc.diagnostics().splitlines():
                errors.print(f"✗ {line}", markup=False, highlight=False)
            raise typer.Exit(EXIT_FAILED) from None
        except Exception as exc:
            errors.print(f"✗ 内部错误（不是您的输入造成的），请报告给维护者\n"
                         f"✗ internal error: {type(exc).__name__}: {exc}",
                         markup=False, highlight=False)
            raise typer.Exit(EXIT_INTERNAL) from None


def _typer(help_text: str) -> typer.Typer:
    return typer.Typer(help=help_text, no_args_is_help=True, pretty_exceptions_enable=False,
                       add_completion=False, cls=Boundary)


app = _typer("Sunshine Draw: auditable admission lottery and class grouping.")
participant_app = _typer("For ceremony participants, on their own device.")
witness_app = _typer("For supervisors: cosign checkpoints, or host a tlog-witness (§12.5).")
register_witness_commands(witness_app)  # `sunshine witness init` and `serve`
app.add_typer(participant_app, name="participant")
app.add_typer(witness_app, name="witness")
app.add_typer(notices_app, name="notices")  # cli_families.py: the SMS outbox
beacon_app = _typer("The drand beacon of a ceremony (PROTOCOL.md §5.6).")
app.add_typer(beacon_app, name="beacon")

DataDir = Annotated[Path | None, typer.Option(
    "--data", help="data directory (default: SUNSHINE_DATA, else ./data)")]
EventArg = Annotated[str, typer.Argument(help="event id")]
CeremonyArg = Annotated[str, typer.Argument(help="lottery | grouping | teachers")]
KeyFile = Annotated[Path, typer.Option(help="escrow holder's private key file (escrow-keygen)")]


def main(argv: Sequence[str] | None = None) -> int:
    """The `sunshine` command (`[project.scripts]`); returns its exit code."""
    try:
        app(args=list(argv) if argv is not None else None, prog_name="sunshine")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    return 0  # pragma: no cover - the app always ends with SystemExit


def _runtime(data: Path | None) -> Runtime:
    return open_runtime(Settings.from_env(data))


def _service(data: Path | None) -> Service:
    return _runtime(data).service


@contextmanager
def _working(text: str) -> Iterator[None]:
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        progress.add_task(text, total=None)
        yield


def _logged(text: str, entries: Sequence[Entry]) -> None:
    if entries:
        kinds = sorted({e.type for e in entries})
        console.print(f"✓ {text}: logged {len(entries)} entries ({', '.join(kinds)}), "
                      f"log size {entries[-1].seq + 1}")
    else:
        console.print(f"✓ {text}: already done, nothing to log")


def _call(text: str, step: Callable[[], T]) -> T:
    """Run one service call behind a spinner."""
    with _working(text):
        return step()


def _run(text: str, step: Callable[[], Sequence[Entry]]) -> None:
    _logged(text, _call(text, step))


# ---------------------------------------------------------------- operators

@app.command()
def init(data: DataDir = None) -> None:
    """Create the data directory, database and keys (first run)."""
    rt = _runtime(data)
    console.print(f"✓ data in {rt.settings.data_dir}; database {rt.engine.url!r}")


@app.command("create-event")
def create_event(rules_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
                 data: DataDir = None) -> None:
    """Create an event from a rule-set JSON file (PROTOCOL.md §3.1): event, title, year,
    grade and optionally high_fee_threshold, waitlist_promotion, dice, rehearsal and beacon
    (null, a drand chain's info, or "quicknet"); the origin is this deployment's (§12.1)."""
    try:
        rules = json.loads(rules_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RejectedInputError(f"{rules_file} is not a JSON rule set: {exc}",
                                 zh=f"{rules_file} 不是 JSON 格式的规则文件") from None
    service = _service(data)
    _run("create event", lambda: service.lifecycle.create_event(rules))
    state = service.lifecycle.state(str(rules.get("event")))
    if state.rules is not None:
        console.print(f"origin: {state.rules.origin}")
        console.print(f"log key: {service.keys.verifier_key(state.rules.origin)}")


def _participant(text: str) -> tuple[str, str]:
    pid, sep, role = text.partition(":")
    if not sep:
        raise typer.BadParameter(f"{text!r}: expected id:role, e.g. notary-1:notary / "
                                 f"格式应为 编号:角色")
    return pid, role


@app.command()
def participants(event: EventArg, ceremony: CeremonyArg,
                 people: Annotated[list[str], typer.Argument(
                     help="id:role …, roles: notary, supervisor, parent-rep, bureau")],
                 escrow_key: Annotated[str, typer.Option(
                     help="base64 X25519 public key of this ceremony's escrow holder "
                          "(escrow-keygen); one key per ceremony (§5.4)")],
                 physical_entropy_by: Annotated[str | None, typer.Option(
                     help="with a beacon: the dice deadline, e.g. 2026-07-23T10:30+08:00 "
                          "(§5.6)")] = None,
                 data: DataDir = None) -> None:
    """Set a ceremony up before it opens: participants, its escrow key, its dice deadline."""
    parsed = [_participant(p) for p in people]
    done = _service(data).lifecycle.set_participants(event, ceremony_of(ceremony), parsed,
                                                     escrow_key, physical_entropy_by)
    console.print(f"✓ {len(done)} participants for {ceremony}")


@app.command("import")
def import_(event: EventArg, kind: str,
            file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
            data: DataDir = None) -> None:
    """Import schools, applicants, community, direct, payments, pupils, class-plans or
    teachers from CSV (UTF-8, UTF-8 with BOM, GB18030) or XLSX; all rows or none."""
    service = _service(data)
    done = _call(f"import {kind}", lambda: service.imports.import_file(
        event, kind, file.read_bytes(), file.name))
    console.print(f"✓ imported {done.rows} {done.kind} rows from {file.name}")
    for note in done.notes:
        console.print(f"  {note}", markup=False)
    if done.entries:
        _logged(f"import {kind}", done.entries)
    if done.preview_note:
        console.print(f"  eligibility not checked yet: {done.preview_note}", markup=False)
    if done.preview is not None:
        console.print(done.preview.text, markup=False)
        console.print(f"  冻结名单时请确认：sunshine freeze-roster {event} --confirm "
                      f"{done.preview.code}", markup=False)


@app.command("freeze-roster")
def freeze_roster(event: EventArg, confirm: Annotated[str | None, typer.Option(
                      help="the code of the preview shown (without it: the preview)")] = None,
                  data: DataDir = None) -> None:
    """Open the lottery ceremony and freeze its input (§5.1, §7.1), after the operator
    confirmed the preview: without --confirm it shows the preview and its code."""
    service = _service(data)
    if confirm is None:
        shown = service.lifecycle.eligibility_preview(event)
        console.print(shown.text, markup=False)
        console.print(f"确认无误后运行 / to freeze, run: sunshine freeze-roster {event} "
                      f"--confirm {shown.code}", markup=False)
        raise typer.Exit(EXIT_FAILED)
    _run("freeze roster", lambda: service.lifecycle.freeze_roster(event, confirm))


@app.command("withdraw-input")
def withdraw_input(event: EventArg, ceremony: CeremonyArg, reason: str,
                   data: DataDir = None) -> None:
    """Withdraw a ceremony's frozen input to amend it, before its first commitment (§5.1);
    REASON is public (no personal data)."""
    service = _service(data)
    _run("withdraw input", lambda: service.lifecycle.withdraw_input(
        event, ceremony_of(ceremony), reason))


@app.command("withdraw-receipt")
def withdraw_receipt(event: EventArg, reg: str, data: DataDir = None) -> None:
    """Withdraw a bank receipt entered by mistake (P7), before the round confirming it."""
    if _service(data).imports.withdraw_receipt(event, reg):
        console.print(f"✓ receipt of {reg} withdrawn")
    else:
        raise RejectedInputError(f"no receipt for {reg}", zh=f"没有 {reg} 的缴费回单")


def _step(name: str, step: Callable[[Lifecycle, str], list[Entry]]) -> None:
    """A lifecycle step that takes nothing but the event, documented by the service."""

    def command(event: EventArg, data: DataDir = None) -> None:
        lifecycle = _service(data).lifecycle
        _run(name, lambda: step(lifecycle, event))

    command.__doc__ = step.__doc__
    app.command(name)(command)


for _name, _lifecycle_step in (
        ("draw", Lifecycle.draw),
        ("payment-round", Lifecycle.payment_round), ("close-payments", Lifecycle.close_payments),
        ("freeze-grouping", Lifecycle.freeze_grouping), ("group", Lifecycle.group),
        ("freeze-teachers", Lifecycle.freeze_teachers), ("match", Lifecycle.match)):
    _step(_name, _lifecycle_step)


def _ceremony_step(name: str, doc: str,
                   call: Callable[[Service, str, Ceremony], list[Entry]]) -> None:
    def command(event: EventArg, ceremony: CeremonyArg, data: DataDir = None) -> None:
        service = _service(data)
        _run(name, lambda: call(service, event, ceremony_of(ceremony)))

    command.__doc__ = doc
    app.command(name)(command)


_ceremony_step("close-commitments", "Close commitments; whoever did not commit is void (§5.4).",
               lambda s, e, c: s.ceremonies.close_commitments(e, c))
_ceremony_step("seed", "Derive the ceremony's seed (§5.7).",
               lambda s, e, c: s.ceremonies.derive_seed(e, c))
_ceremony_step("publish", "Mark a ceremony's results as published (§11.2).",
               lambda s, e, c: s.lifecycle.publish(e, c))


@app.command()
def notify(event: EventArg, data: DataDir = None) -> None:
    """Send every grouped pupil's class and head teacher (S6); logs only the count."""
    service = _service(data)
    done = _call("notify", lambda: service.notifications.notify(event))
    console.print(f"✓ {done.queued} message(s) queued, {done.sent} sent in all")
    _logged("notify", done.entries)


@app.command("open-escrows")
def open_escrows(event: EventArg, ceremony: CeremonyArg,
                 escrow_private: Annotated[Path | None, typer.Option(
                     help="escrow holder's private key file; omit if the holder is absent")] = None,
                 data: DataDir = None) -> None:
    """Close the reveal window: open withheld secrets from escrow (§5.4)."""
    key = None if escrow_private is None else devices.escrow_private_key(escrow_private)
    service = _service(data)
    _run("open escrows", lambda: service.ceremonies.open_escrows(event, ceremony_of(ceremony),
                                                                 key))


@app.command()
def entropy(event: EventArg, ceremony: CeremonyArg,
            witness: Annotated[str, typer.Option(help="witness role id, e.g. notary-1")],
            values: Annotated[list[int], typer.Argument(help="dice values 1-6")],
            data: DataDir = None) -> None:
    """Enter the dice read on camera (§5.5)."""
    service = _service(data)
    _run("physical entropy", lambda: service.ceremonies.physical_entropy(
        event, ceremony_of(ceremony), witness, values))


@app.command("release-escrow-key")
def release_escrow_key(event: EventArg, ceremony: CeremonyArg, escrow_private: KeyFile,
                       data: DataDir = None) -> None:
    """After the seed: publish the escrow key so anyone can check the escrow openings (§5.4)."""
    key = devices.escrow_private_key(escrow_private)
    service = _service(data)
    _run("release escrow key", lambda: service.ceremonies.release_escrow_key(
        event, ceremony_of(ceremony), key))


@app.command()
def correct(event: EventArg, refers_to: int, reason: str, data: DataDir = None) -> None:
    """Log a correction of entry REFERS_TO: a new entry, never an edit (§11.1)."""
    service = _service(data)
    _run("correction", lambda: service.lifecycle.correct(event, refers_to, reason))


@app.command()
def window(event: EventArg, phase: str, opens: str, closes: str,
           daily: Annotated[str | None, typer.Option(
               help="daily hours in Beijing time, e.g. 08:00-24:00")] = None,
           data: DataDir = None) -> None:
    """Log a phase's calendar window (G3, §11.4), e.g. registration 2026-06-11T08:00+08:00
    2026-06-21T00:00+08:00 --daily 08:00-24:00; phases: registration, lottery_ceremony,
    payment, cohort, grouping_ceremony, teachers, teacher_ceremony."""
    service = _service(data)
    _run(f"{phase} window", lambda: service.windows.set(event, phase, opens, closes, daily))


@app.command()
def windows(event: EventArg, data: DataDir = None) -> None:
    """List the windows in force (§11.4)."""
    for w in _service(data).windows.list(event):
        daily = "" if w.daily is None else f", daily {w.daily.start}-{w.daily.end} Beijing"
        console.print(f"{w.phase.value}: {w.opens} – {w.closes}{daily}")


@app.command("remove-window")
def remove_window(event: EventArg, phase: str, data: DataDir = None) -> None:
    """Remove a phase's window; only before it opens (§11.3 rule 2)."""
    service = _service(data)
    _run(f"remove {phase} window", lambda: service.windows.remove(event, phase))


@beacon_app.command("plan")
def beacon_plan(event: EventArg, ceremony: CeremonyArg, data: DataDir = None) -> None:
    """Show the drand round in force and when it is due (§5.6)."""
    plan = _service(data).ceremonies.beacon_plan(event, ceremony_of(ceremony))
    console.print(f"round {plan.round} of chain {plan.chain}, due {protocol_time(plan.round_time)}"
                  f"; dice by {protocol_time(plan.physical_entropy_by)}; relay path "
                  f"{plan.relay_path()}")


@beacon_app.command("submit")
def beacon_submit(event: EventArg, ceremony: CeremonyArg,
                  file: Annotated[Path | None, typer.Option(
                      exists=True, dir_okay=False, help="the round's JSON as a relay serves it")]
                  = None,
                  text: Annotated[str | None, typer.Option("--json", help="the JSON pasted")]
                  = None,
                  data: DataDir = None) -> None:
    """Verify the round in force (BLS signature and every §5.6 check) and log it."""
    if (file is None) == (text is None):
        raise RejectedInputError("give the round with --file or --json",
                                 zh="请用 --file 或 --json 给出轮次的 JSON")
    raw = file.read_bytes() if file is not None else (text or "").encode()
    service = _service(data)
    _run("beacon", lambda: service.ceremonies.beacon(event, ceremony_of(ceremony), raw))


@beacon_app.command("fetch")
def beacon_fetch(event: EventArg, ceremony: CeremonyArg,
                 relay: Annotated[str, typer.Option(help="a drand relay, e.g. "
                                                         "https://api.drand.sh")],
                 data: DataDir = None) -> None:
    """Fetch the round in force from a drand relay, verify it and log it (§5.6)."""
    service = _service(data)
    _run("beacon", lambda: service.ceremonies.fetch_round(event, ceremony_of(ceremony), relay))


@beacon_app.command("postpone")
def beacon_postpone(event: EventArg, ceremony: CeremonyArg,
                    reason: Annotated[str, typer.Argument(
                        help="physical-entropy-late or round-not-published")],
                    physical_entropy_by: Annotated[str | None, typer.Option(
                        help="physical-entropy-late: the new dice deadline")] = None,
                    data: DataDir = None) -> None:
    """Postpone the beacon round by the written rule of §5.6 (never a re-draw)."""
    service = _service(data)
    _run("postpone beacon", lambda: service.ceremonies.postpone_beacon(
        event, ceremony_of(ceremony), reason, physical_entropy_by))


@app.command()
def openings(event: EventArg, out: Path, data: DataDir = None) -> None:
    """Write the sealed openings (openings.jsonl, §17.3) for the supervision group and the
    notary: never publish this file."""
    body = _service(data).openings.openings(event)
    out.write_bytes(body)
    out.chmod(0o600)
    lines = body.count(b"\n")
    console.print(f"✓ sealed openings in {out} ({lines} lines); do not publish")


@app.command()
def export(event: EventArg, data: DataDir = None) -> None:
    """Write the signed audit bundle to the audit directory atomically (§13)."""
    service = _service(data)
    path = _call("export", lambda: service.exports.export(event))
    console.print(f"✓ bundle at {path}")


@app.command()
def token(event: EventArg, role: Annotated[str, typer.Argument(
              help="admin, school, participant or supervisor")],
          subject: Annotated[str, typer.Argument(
              help="school id, participant id or witness name (not for admin)")] = "",
          label: Annotated[str, typer.Option(help="a note for the bureau's records")] = "",
          data: DataDir = None) -> None:
    """Make an API token for one event (docs/ROLES.md); it is shown once."""
    console.print(_service(data).tokens.create(event, role, subject, label))


def require_free_port(host: str, port: int) -> None:
    """Refuse to start when another program holds the port (before any long work)."""
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            raise ConfigurationError(
                f"port {port} on {host} is in use; choose another with --port "
                f"(make run PORT=…)",
                zh=f"{host} 的端口 {port} 已被占用；请用 --port 另选端口（make run PORT=…）"
            ) from None


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          data: DataDir = None) -> None:
    """Serve the API and pages."""
    _serve(host, port, workers, data)


def _serve(host: str, port: int, workers: int, data: Path | None) -> None:
    import os

    from .api.server import run

    require_free_port(host, port)
    if data is not None:
        os.environ["SUNSHINE_DATA"] = str(data)
    _runtime(data).close()  # create and migrate once, before the workers start
    run(host, port, workers)


@app.command()
def demo(applicants: int = 5000, data: DataDir = None,
         serve_after: Annotated[bool, typer.Option("--serve/--no-serve")] = False,
         port: int = 8000) -> None:
    """Run a whole season on a generated district, export and verify the bundle."""
    from .demo import run_demo, sample_lookups

    if serve_after:
        require_free_port("127.0.0.1", port)
    rt = _runtime(data)
    console.print(f"Sunshine Draw demo: {applicants} applicants, data in {rt.settings.data_dir}")
    bundle = run_demo(rt, applicants=applicants, say=console.print)
    _print_results(rt.service, bundle.name)
    # The demo plays the supervision group too: its sealed openings (§17.3) stay in the
    # data directory, never beside the public bundle, and the verifier recomputes with them.
    sealed = rt.settings.data_dir / "sealed" / f"{bundle.name}-openings.jsonl"
    sealed.parent.mkdir(parents=True, exist_ok=True)
    sealed.write_bytes(rt.service.openings.openings(bundle.name))
    code = subprocess.call([sys.executable, "-m", "verifier", str(bundle),
                            "--openings", str(sealed)])
    if code != 0:
        errors.print("✗ 验证程序拒绝了演示审计包\n✗ the verifier rejected the demo bundle")
        raise typer.Exit(code)
    if serve_after:
        base = f"http://127.0.0.1:{port}"
        event = bundle.name
        console.print(f"\nCeremony screen: {base}/events/{event}/ceremony\n"
                      f"Parents' page:   {base}/events/{event}/check\n"
                      f"Supervisors:     {base}/events/{event}/dashboard\n"
                      f"Operators:       {base}/events/{event}/operate "
                      f"(token: {operator_token(rt.settings.data_dir)})\n"
                      f"API docs:        {base}/api/v1/docs")
        samples = sample_lookups(rt.service, event, applicants)
        console.print("Try (registration number / ID last 4): "
                      + "; ".join(f"{k}: {v}" for k, v in sorted(samples.items())) + "\n")
        rt.close()
        _serve("127.0.0.1", port, 1, rt.settings.data_dir)


def _print_results(service: Service, event: str) -> None:
    state = service.lifecycle.state(event)
    if not state.lottery_summaries:
        return
    table = Table(title=f"{event}: private-school lottery results")
    for column in ("school", "quota", "applicants", "admitted", "stages (admitted/applicants)",
                   "to bureau"):
        table.add_column(column)
    for school_id, logged in sorted(state.lottery_summaries.items()):
        s = logged.body
        stages = ", ".join(f"{st.stage} {st.admitted}/{st.applicants}"
                           + (" lottery" if st.lottery else "") for st in s.stages)
        table.add_row(school_id, str(s.quota), str(s.applicants), str(s.admitted), stages,
                      str(s.returned_to_bureau))
    console.print(table)


@app.command()
def verify(bundle: Path, key: Path | None = None,
           openings: Annotated[Path | None, typer.Option(
               help="the sealed openings (sunshine openings): steps 20-23")] = None,
           policy: Annotated[Path | None, typer.Option(
               help="a witness policy (tlog-policy) to hold the checkpoints to")] = None,
           ) -> None:
    """Run the standalone verifier on a bundle (exit 3: a rehearsal, §19)."""
    args = [sys.executable, "-m", "verifier", str(bundle)]
    for option, value in (("--key", key), ("--openings", openings), ("--policy", policy)):
        if value is not None:
            args += [option, str(value)]
    raise typer.Exit(subprocess.call(args))


# ------------------------------------------------- participants, supervisors

@app.command("escrow-keygen")
def escrow_keygen(out: Path) -> None:
    """For the escrow holder (notary): make an X25519 key pair; prints the public key."""
    console.print(devices.escrow_keygen(out))


@participant_app.command("commit")
def participant_commit(server: str, token: str, event: str, ceremony: str, participant: str,
                       escrow_key: Annotated[str, typer.Option(help="holder's public key")],
                       secret_file: Path = Path("secret.key")) -> None:
    """Make a 32-byte secret on this device, keep it in SECRET_FILE (0600), send only the
    commitment and the escrow (§5.3, §5.4)."""
    com = devices.commit(devices.Server(server, token), event, ceremony_of(ceremony),
                         participant, escrow_key, secret_file)
    console.print(f"✓ committed {com.hex()}; keep {secret_file} until you reveal")


@participant_app.command("reveal")
def participant_reveal(server: str, token: str, event: str, ceremony: str,
                       secret_file: Path = Path("secret.key")) -> None:
    """Reveal the secret kept in SECRET_FILE at the ceremony."""
    devices.reveal(devices.Server(server, token), event, ceremony_of(ceremony), secret_file)
    console.print("✓ revealed")


@witness_app.command("keygen")
def witness_keygen(name: str, out: Path) -> None:
    """Make a supervisor's Ed25519 cosigning key; prints the verifier key to register."""
    console.print(devices.witness_keygen(name, out))


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
    size = devices.cosign_latest(devices.Server(server, token), event, key_file, log_key, state)
    console.print(f"✓ cosigned checkpoint of size {size}")
