"""`sunshine witness cosign` (§12): a supervisor cosigns only a checkpoint that is
signed by the log key and extends the one it cosigned before."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from lottery_service.api import create_app
from lottery_service.cli import app
from lottery_service.core.note import SIG_COSIGNATURE_V1, Signer, Verifier, open_note
from lottery_service.demo import DemoRun
from lottery_service.demo.district import generate_district
from tests.support import make_runtime, served

EVENT = "demo-2026"


def test_witness_cosigns_checks_signature_and_consistency(tmp_path: Path) -> None:
    rt = make_runtime(tmp_path / "svc")
    try:
        run = DemoRun(rt, generate_district(applicants=1000), lambda _line: None)
        run.setup()
        run.registration()
        run.freeze_roster()
        witness = Signer.generate("supervisor-1")
        rt.service.witnesses.add_witness(EVENT, witness.name,
                                        witness.verifier_key(SIG_COSIGNATURE_V1))
        token = rt.service.tokens.create(EVENT, "supervisor", witness.name)
        key_file = tmp_path / "witness.key"
        key_file.write_text(witness.private_key_text() + "\n")
        log_key = rt.service.witnesses.log_key(EVENT)
        state = tmp_path / "cosigned.txt"
        runner = CliRunner()
        with served(create_app(rt, cache_max_age=0.0)) as url:
            def cosign(log: str = log_key) -> tuple[int, str]:
                result = runner.invoke(app, ["witness", "cosign", url, token, EVENT,
                                             str(key_file), "--log-key", log,
                                             "--state", str(state)])
                return result.exit_code, result.output

            code, out = cosign()
            assert code == 0, out
            first = state.read_text()
            run.commitments("lottery")  # the log grows: commitments and their checkpoints
            code, out = cosign()
            assert code == 0, out
            assert state.read_text() != first
            code, out = cosign(Signer.generate(f"sunshine-draw/{EVENT}").verifier_key())
            assert code == 1 and "not signed by the log key" in out
            # A remembered checkpoint from another history is fork evidence: refused.
            state.write_text(first.replace(first.split("\n")[2], "A" * 43 + "="))
            code, out = cosign()
            assert code == 1 and "FORK" in out
        from sqlmodel import Session

        from lottery_service.auditlog import latest_checkpoint

        log = Verifier.from_text(rt.service.witnesses.log_key(EVENT))
        with Session(rt.engine) as session:
            cp = latest_checkpoint(session, EVENT)
            assert cp is not None
            opened = open_note(cp.note, [log, witness.verifier(SIG_COSIGNATURE_V1)])
        assert len(opened.verified_by) == 2
    finally:
        rt.close()
