"""The `sunshine` CLI in-process (`cli.main(argv)`): a whole season driven only through it,
and every refusal a message, Chinese first, exit 1, never a traceback (issue 8 item 14,
issue 14 items 1, 2, 6)."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lottery_service import cli
from lottery_service.api import create_app
from lottery_service.demo.district import DemoDistrict, generate_district, payments_csv
from lottery_service.runtime import Runtime
from tests.paths import ROOT
from tests.support import make_runtime, served

EVENT = "demo-2026"
HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Shell:
    """`sunshine …` against one data directory, output captured."""

    data: Path
    capfd: pytest.CaptureFixture[str]

    def __call__(self, *args: str, code: int = 0) -> str:
        exit_code = cli.main([*args, *self._data_option(args)])
        out, err = self.capfd.readouterr()
        assert exit_code == code, (args, out, err)
        assert "Traceback" not in out + err
        return out + err

    def _data_option(self, args: tuple[str, ...]) -> list[str]:
        local = args[0] not in ("participant", "witness", "escrow-keygen", "verify")
        return ["--data", str(self.data)] if local else []

    def refused(self, *args: str) -> list[str]:
        """The command fails with diagnostics, every line marked: Chinese first, then
        English (an import's report says both on each line, row by row)."""
        lines = [ln for ln in self(*args, code=cli.EXIT_FAILED).splitlines() if ln.strip()]
        assert all(ln.startswith("✗ ") for ln in lines) and HAN.search(lines[0]), lines
        assert re.search(r"[A-Za-z]{4,}", lines[-1]), lines
        return lines


@pytest.fixture
def sh(tmp_path: Path, capfd: pytest.CaptureFixture[str],
       monkeypatch: pytest.MonkeyPatch) -> Shell:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SUNSHINE_DATA", raising=False)
    monkeypatch.setenv("SUNSHINE_AUDIT_DIR", str(tmp_path / "audit"))
    return Shell(tmp_path / "data", capfd)


@pytest.fixture
def district(tmp_path: Path) -> Iterator[DemoDistrict]:
    d = generate_district(applicants=1000, event_id=EVENT)
    for name, data in d.files.values():
        (tmp_path / name).write_bytes(data)
    # The CLI season runs on the real clock: no beacon round of it is published yet, so
    # these rules name none (the demo's test covers quicknet, §5.6).
    (tmp_path / "rules.json").write_text(json.dumps({**d.rules, "beacon": None}),
                                         encoding="utf-8")
    yield d


def unchecked(report: str) -> set[int]:
    """The verifier's steps marked not checked (?) in its report."""
    return {int(m) for m in re.findall(r"^\? (\d+)\. ", report, flags=re.MULTILINE)}


def _file(tmp_path: Path, district: DemoDistrict, kind: str) -> str:
    return str(tmp_path / district.files[kind][0])


def _holders(sh: Shell, tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """The notary's escrow key pair of each ceremony (§5.4: one key per ceremony)."""
    out = {}
    for ceremony in ("lottery", "grouping", "teachers"):
        key = tmp_path / f"escrow-{ceremony}.key"
        out[ceremony] = key, sh("escrow-keygen", str(key)).strip()
    return out


def _confirm_code(sh: Shell) -> str:
    """The roster preview's confirmation code (§7.1): freeze-roster without it shows it."""
    shown = sh("freeze-roster", EVENT, code=cli.EXIT_FAILED)
    found = re.search(r"--confirm ([0-9a-f]{12})", shown)
    assert found, shown
    return found.group(1)


def _ceremony(sh: Shell, tmp_path: Path, url: str, district: DemoDistrict, ceremony: str,
              holder_key: Path, holder: str) -> None:
    """Every participant commits on its own device; all but one reveal; the notary's
    escrow opens the withheld secret; dice; seed; the escrow key is released (§5)."""
    people = [p.id for p in district.participants[ceremony]]
    for p in people:
        token = sh("token", EVENT, "participant", p).strip()
        secret = tmp_path / f"{ceremony}-{p}.secret"
        assert "committed" in sh("participant", "commit", url, token, EVENT, ceremony, p,
                                 "--escrow-key", holder, "--secret-file", str(secret))
        (tmp_path / f"{ceremony}-{p}.token").write_text(token)
    sh("close-commitments", EVENT, ceremony)
    for p in people[1:]:
        token = (tmp_path / f"{ceremony}-{p}.token").read_text()
        sh("participant", "reveal", url, token, EVENT, ceremony,
           "--secret-file", str(tmp_path / f"{ceremony}-{p}.secret"))
    assert "escrow_opened" in sh("open-escrows", EVENT, ceremony,
                                 "--escrow-private", str(holder_key))
    sh("entropy", EVENT, ceremony, "--witness", "notary-1", *["3"] * district.rules["dice"])
    assert "seed" in sh("seed", EVENT, ceremony)
    assert "escrow_key_released" in sh("release-escrow-key", EVENT, ceremony,
                                       "--escrow-private", str(holder_key))


def test_a_whole_season_through_the_cli_alone(sh: Shell, tmp_path: Path,
                                              district: DemoDistrict) -> None:
    """Import, freeze, three ceremonies over HTTP from the participants' devices, draw,
    payments, grouping, matching, SMS (S6), publication, export and the verifier."""
    holders = _holders(sh, tmp_path)
    sh("init")
    created = sh("create-event", str(tmp_path / "rules.json"))
    assert "origin: sunshine.localhost/" in created
    assert "log key: sunshine.localhost/" in created
    for ceremony, people in district.participants.items():
        sh("participants", EVENT, ceremony, *[f"{p.id}:{p.role}" for p in people],
           "--escrow-key", holders[ceremony][1])
    for kind in ("schools", "applicants", "community", "direct"):
        assert "imported" in sh("import", EVENT, kind, _file(tmp_path, district, kind))
    out = sh("import", EVENT, "applicants", _file(tmp_path, district, "applicants"))
    assert "P1-graduation" in out and "freeze-roster demo-2026 --confirm" in out  # §7.1
    sh("freeze-roster", EVENT, "--confirm", _confirm_code(sh))
    runtime: Runtime = make_runtime(sh.data)
    with served(create_app(runtime, cache_max_age=0.0)) as url:
        _ceremony(sh, tmp_path, url, district, "lottery", *holders["lottery"])
        assert "bias_audit" in sh("draw", EVENT)
        pay = runtime.service.lifecycle.state(EVENT).payment_state()
        offers = [(reg, pay.school_of[reg]) for reg in pay.unconfirmed()]
        (tmp_path / "receipts.csv").write_bytes(payments_csv(offers, 0.0, rng_seed=1))
        sh("import", EVENT, "payments", str(tmp_path / "receipts.csv"))
        assert "payment_round" in sh("payment-round", EVENT)
        sh("close-payments", EVENT)
        for kind in ("pupils", "class-plans"):
            sh("import", EVENT, kind, _file(tmp_path, district, kind))
        sh("freeze-grouping", EVENT)
        _ceremony(sh, tmp_path, url, district, "grouping", *holders["grouping"])
        assert "grouping_result" in sh("group", EVENT)
        sh("import", EVENT, "teachers", _file(tmp_path, district, "teachers"))
        sh("freeze-teachers", EVENT)
        _ceremony(sh, tmp_path, url, district, "teachers", *holders["teachers"])
        assert "matching_result" in sh("match", EVENT)
    runtime.close()
    assert "notifications_sent" in sh("notify", EVENT)
    assert "already done" in sh("notify", EVENT)  # S6: never sent twice
    for ceremony in ("lottery", "grouping", "teachers"):
        sh("publish", EVENT, ceremony)
    assert "correction" in sh("correct", EVENT, "3", "校名有误 / school name misspelt")
    bundle = tmp_path / "audit" / EVENT
    assert str(bundle) in sh("export", EVENT)
    sealed = tmp_path / "openings.jsonl"  # the supervision group's, never published
    assert "sealed openings" in sh("openings", EVENT, str(sealed))
    assert not any(p.name.startswith("openings") for p in bundle.rglob("*"))
    public = sh("verify", str(bundle))
    assert "RESULT: every check that ran passed" in public
    assert unchecked(public) >= {20, 21, 22, 23}  # the recomputations need the openings
    full = sh("verify", str(bundle), "--key", str(bundle / "keys" / "log.vkey"),
              "--openings", str(sealed))
    assert "NOT pinned" not in full and "VERIFICATION FAILED" not in full
    assert not unchecked(full) & {20, 21, 22, 23}


def test_refusals_are_diagnostics_not_tracebacks(sh: Shell, tmp_path: Path,
                                                 district: DemoDistrict) -> None:
    """Issue 8 item 14: grade 3, an unknown phase, an unknown role; and the like."""
    holder = sh("escrow-keygen", str(tmp_path / "escrow.key")).strip()
    (tmp_path / "grade3.json").write_text(json.dumps({**district.rules, "grade": 3}))
    assert "S1" in sh.refused("create-event", str(tmp_path / "grade3.json"))[1]
    (tmp_path / "broken.json").write_text("{not json")
    sh.refused("create-event", str(tmp_path / "broken.json"))
    sh("create-event", str(tmp_path / "rules.json"))
    sh.refused("participants", EVENT, "lottery", "a-1:notary", "b-1:bureau",
               "--escrow-key", "not base64!")
    assert "lunch" in sh.refused("window", EVENT, "lunch", "2026-06-11T08:00+08:00",
                                 "2026-06-21T00:00+08:00")[0]
    assert "时区" in sh.refused("window", EVENT, "registration", "2026-06-11T08:00",
                              "2026-06-21T00:00")[0]
    sh.refused("window", EVENT, "registration", "June 11", "2026-06-21T00:00+08:00")
    sh.refused("window", EVENT, "registration", "2026-06-11T08:00+08:00",
               "2026-06-21T00:00+08:00", "--daily", "8 to 12")
    assert "✓ registration window" in sh("window", EVENT, "registration",
                                         "2026-06-11T08:00+08:00", "2026-06-21T00:00+08:00",
                                         "--daily", "08:00-24:00")
    key = ("--escrow-key", holder)
    assert "king" in sh.refused("participants", EVENT, "lottery", "a-1:notary", "b-1:king",
                                *key)[1]
    assert "a-1" in sh.refused("participants", EVENT, "lottery", "a-1:notary", "a-1:bureau",
                               *key)[0]
    sh.refused("participants", EVENT, "banquet", "a-1:notary", "b-1:bureau", *key)
    usage = sh("participants", EVENT, "lottery", "a-1", *key, code=2)  # not id:role
    assert "id:role" in usage
    sh.refused("import", EVENT, "pets", str(tmp_path / "rules.json"))
    sh.refused("import", EVENT, "schools", str(tmp_path / "rules.json"))  # not .csv/.xlsx
    sh.refused("draw", EVENT)  # out of order
    sh.refused("draw", "nosuch-2026")
    sh.refused("token", EVENT, "janitor")
    sh.refused("token", EVENT, "school")  # a school token names its school
    sh.refused("open-escrows", EVENT, "lottery", "--escrow-private", str(tmp_path / "rules.json"))


def test_the_demo_as_make_run_runs_it_and_resumes(sh: Shell) -> None:
    """`sunshine demo` (what `make run` starts, without serving): a verified season,
    the results table, and a second run that resumes with nothing left to do."""
    out = sh("demo", "--applicants", "1000")
    assert "private-school lottery results" in out and "VERIFICATION FAILED" not in out
    # Every step ran with the demo's sealed openings (steps 20-23) and its quicknet rounds
    # (step 11, §5.6); at most the witness quorum (step 2) waits for a policy (§13.1).
    assert "RESULT: " in out and unchecked(out) <= {2}, out[-3000:]
    assert "✓ 11. " in out and all(f"✓ {n}. " in out for n in (20, 21, 22, 23))
    again = sh("demo", "--applicants", "1000")
    assert "VERIFICATION FAILED" not in again and unchecked(again) <= {2}
    assert "imported" not in again


def test_devices_keep_their_key_files(sh: Shell, tmp_path: Path) -> None:
    """A witness's or the notary's key file is made once (0600) and never overwritten."""
    key = tmp_path / "witness.key"
    assert sh("witness", "keygen", "supervisor-1", str(key)).startswith("supervisor-1+")
    assert key.stat().st_mode & 0o777 == 0o600
    assert "不会被覆盖" in sh.refused("witness", "keygen", "supervisor-1", str(key))[0]
    assert "不会被覆盖" in sh.refused("escrow-keygen", str(key))[0]
    sh.refused("participant", "reveal", "http://127.0.0.1:9", "t", EVENT, "lottery",
               "--secret-file", str(tmp_path / "missing.secret"))
    sh.refused("participant", "commit", "http://127.0.0.1:9", "t", EVENT, "lottery", "p-1",
               "--escrow-key", "AAAA", "--secret-file", str(tmp_path / "s.secret"))
    assert not (tmp_path / "s.secret").exists()  # refused before a secret was made


def test_an_application_to_a_public_school_is_refused_at_the_door_P13(
        sh: Shell, tmp_path: Path, district: DemoDistrict) -> None:
    """v2 validates at the door: an application naming a public school is refused with its
    row, column and rule (P13) and nothing is imported; so is one imported before the
    schools (its school is unknown yet)."""
    sh("create-event", str(tmp_path / "rules.json"))
    header, first = district.files["applicants"][1].decode("gb18030").splitlines()[:2]
    (tmp_path / "early.csv").write_text(header + "\n" + first + "\n", encoding="utf-8")
    early = sh.refused("import", EVENT, "applicants", str(tmp_path / "early.csv"))
    assert any("第 2 行「申请学校」：未知学校代码" in ln for ln in early), early
    sh("import", EVENT, "schools", _file(tmp_path, district, "schools"))
    cells = first.split(",")
    cells[header.split(",").index("申请学校")] = district.public_schools[0]
    (tmp_path / "one.csv").write_text(header + "\n" + ",".join(cells) + "\n",
                                      encoding="utf-8")
    lines = sh.refused("import", EVENT, "applicants", str(tmp_path / "one.csv"))
    assert any("公办学校" in ln and "P13" in ln and "row 2" in ln for ln in lines), lines


def test_export_of_an_unknown_event_fails_and_publishes_nothing(sh: Shell,
                                                               tmp_path: Path) -> None:
    lines = sh.refused("export", "nosuch-2026")
    assert "nosuch-2026" in lines[0] and "no event" in lines[1]
    assert not (tmp_path / "audit" / "nosuch-2026").exists()


def test_a_bug_is_one_line_and_exit_70_never_a_traceback(
        sh: Shell, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: object, event_id: str, **_: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr("lottery_service.service.unit_of_work.Database.event", broken)
    out = sh("draw", EVENT, code=cli.EXIT_INTERNAL)
    assert "内部错误" in out and "internal error: KeyError" in out


def test_token_is_made_as_docs_roles_md_says(sh: Shell, tmp_path: Path,
                                            district: DemoDistrict) -> None:
    """docs/ROLES.md documents the command line the CLI takes: run each example there."""
    sh("create-event", str(tmp_path / "rules.json"))
    text = (ROOT / "docs" / "ROLES.md").read_text(encoding="utf-8")
    assert "    sunshine token <event> <role> [subject] [--label TEXT]" in text
    usage = re.search(r"Usage: sunshine token \[OPTIONS\] (.+?)\s*$", sh("token", "--help"),
                      flags=re.MULTILINE)
    assert usage is not None
    assert re.sub(r"[{}]", "", usage.group(1)).lower() == "event role [subject]"
    examples = re.findall(r"^    sunshine (token <event> [a-z]+.*)$", text, flags=re.MULTILINE)
    assert len(examples) >= 4
    for example in examples:
        args = example.replace("<event>", EVENT).split()
        assert re.fullmatch(r"sd_[A-Za-z0-9_-]{40,}\s*", sh(*args)), example


def test_demo_refuses_a_busy_port_before_any_work(sh: Shell) -> None:
    """`make run` fails at once, clearly, when its port is taken (issue 12 item 7)."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        lines = sh.refused("demo", "--applicants", "1000", "--serve", "--port", port)
        assert port in lines[0] and "PORT=" in lines[1]
        sh.refused("serve", "--port", port)
    assert not (sh.data / "sunshine.db").exists()  # refused before touching anything
