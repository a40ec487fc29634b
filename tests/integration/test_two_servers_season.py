"""A whole season through two server processes on one PostgreSQL (issue 13 item 5).

Two real `python -m lottery_service serve` processes share one data directory and
one database; every request of the season — event, ceremonies' set-up, imports,
roster freeze, three ceremonies, draw, payments, grouping, matching, notices,
publication — goes over loopback to the next server in turn, so each server
takes every other step and must read what the other wrote. Nothing is kept in a
process between requests: at the end both servers show the same phase, the same
signed checkpoint and the same result for every family, and the exported bundle
passes the standalone verifier. (The look-up limits shared by two servers are
tests/integration/test_throttle_servers.py's, on the families branch.)
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import cycle
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from lottery_service.core.seed import CEREMONIES, commitment, seal_escrow
from lottery_service.demo.district import demo_rules, generate_district, payments_csv
from lottery_service.service.tokens import operator_token
from tests.paths import ROOT
from tests.support import HAS_POSTGRES, make_runtime, serve_processes

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not HAS_POSTGRES, reason="no PostgreSQL: DATABASE_URL is not set")]

EVENT = "twoservers-2026"
WITHHOLDER = "parent-rep-1"  # never reveals; the escrow holder opens its secret (§5.4)


def _key(*parts: str) -> bytes:
    return hashlib.sha256("/".join(("two-servers", *parts)).encode()).digest()


@dataclass
class TwoServers:
    """Sends each request to the next server in turn; counts what each one answered."""

    bases: list[str]
    operator: str
    served: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._next = cycle(self.bases)

    def call(self, method: str, path: str, token: str | None = None, **kw: Any) -> Any:
        base = next(self._next)
        headers = {"Authorization": f"Bearer {token or self.operator}"}
        response = httpx.request(method, f"{base}/api/v1{path}", headers=headers,
                                 timeout=120, **kw)
        assert response.status_code == 200, f"{method} {path} on {base}: {response.text}"
        self.served[base] = self.served.get(base, 0) + 1
        return response.json()

    def event(self, method: str, path: str, token: str | None = None, **kw: Any) -> Any:
        return self.call(method, f"/events/{EVENT}{path}", token, **kw)

    def participant(self, pid: str) -> str:
        if pid not in self.tokens:
            self.tokens[pid] = self.event("POST", "/tokens", json={
                "role": "participant", "subject": pid})["token"]
        return self.tokens[pid]


@pytest.fixture
def two(tmp_path: Path) -> Iterator[TwoServers]:
    data = tmp_path / "data"
    rt = make_runtime(data, "postgres")  # an empty schema, migrated
    url = rt.engine.url.render_as_string(hide_password=False)
    rt.close()
    env = {**os.environ, "DATABASE_URL": url, "SUNSHINE_AUDIT_DIR": str(data / "audit")}
    with serve_processes(2, data, env, "/api/v1/events", tmp_path / "servers.log") as bases:
        yield TwoServers(bases, operator_token(data))


def ceremony(two: TwoServers, name: str, people: list[str], dice: int) -> None:
    """Everyone commits on its own device; all but the withholder reveal; the escrow
    holder opens the withheld secret; dice; seed (§5.3–§5.7)."""
    holder = X25519PrivateKey.from_private_bytes(_key(name, "holder")).public_key()
    for pid in people:
        secret = _key(name, pid)
        com = commitment(EVENT, name, pid, secret)  # type: ignore[arg-type]
        escrow = seal_escrow(secret, com, holder.public_bytes_raw(),
                             X25519PrivateKey.from_private_bytes(_key(name, pid, "eph")))
        two.event("POST", f"/ceremonies/{name}/commitments", two.participant(pid),
                  json={"participant": pid, "commitment": com.hex(), "escrow": escrow})
    two.event("POST", f"/ceremonies/{name}/commitments/close")
    for pid in people:
        if pid != WITHHOLDER:
            two.event("POST", f"/ceremonies/{name}/reveals", two.participant(pid),
                      json={"participant": pid, "secret": _key(name, pid).hex()})
    two.event("POST", f"/ceremonies/{name}/escrow-openings",
              json={"participant": WITHHOLDER, "secret": _key(name, WITHHOLDER).hex()})
    two.event("POST", f"/ceremonies/{name}/entropy",
              json={"witness": "notary-1", "values": [(i * 5) % 6 + 1 for i in range(dice)]})
    two.event("POST", f"/ceremonies/{name}/seed")


def logged_entries(two: TwoServers) -> list[dict[str, Any]]:
    """The log as the public bundle of the next server has it (§13)."""
    base = next(two._next)
    response = httpx.get(f"{base}/api/v1/events/{EVENT}/bundle.zip", timeout=60)
    assert response.status_code == 200, response.text
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        text = archive.read(f"{EVENT}/entries.jsonl").decode()
    return [json.loads(line) for line in text.splitlines()]


def upload(two: TwoServers, kind: str, name: str, data: bytes) -> None:
    two.event("POST", f"/imports/{kind}", files={"file": (name, data, "text/csv")})


def test_a_whole_season_through_two_servers(two: TwoServers, tmp_path: Path) -> None:
    district = generate_district(applicants=1000, event_id=EVENT)
    rules = demo_rules(EVENT, beacon=False)
    two.call("POST", "/events", json={"rules": rules})
    people = {c: [p.id for p in district.participants[c]] for c in CEREMONIES}
    for c in CEREMONIES:
        holder = X25519PrivateKey.from_private_bytes(_key(c, "holder")).public_key()
        two.event("POST", f"/participants/{c}", json={
            "participants": [{"id": p.id, "role": p.role} for p in district.participants[c]],
            "escrow_key": base64.b64encode(holder.public_bytes_raw()).decode()})
    for kind in ("schools", "applicants", "community", "direct"):
        upload(two, kind, *district.files[kind])
    preview = two.event("GET", "/roster/preview")
    two.event("POST", "/roster/freeze", json={"confirm": preview["confirm"]})
    ceremony(two, "lottery", people["lottery"], rules["dice"])
    two.event("POST", "/draw")
    schools = [s["school"] for s in two.event("GET", "")["schools"]]
    offers = sorted((r["reg"], school) for school in schools
                    for r in two.event("GET", f"/results/{school}")["records"]
                    if r["outcome"] == "admitted")
    rounds = 0
    while offers:  # a few forfeit in round 1; the promoted pay in the next (P7, §7.5)
        upload(two, "payments", "bank-receipts.csv",
               payments_csv(offers, 0.03 if rounds == 0 else 0.0, rng_seed=rounds))
        refs = two.event("POST", "/payments/rounds")["entries"]
        promoted = {r["seq"] for r in refs if r["type"] == "promotion"}
        offers = sorted((e["body"]["reg"], e["body"]["school"])
                        for e in logged_entries(two) if e["seq"] in promoted)
        rounds += 1
    assert rounds >= 2
    two.event("POST", "/payments/close")
    for kind in ("pupils", "class-plans"):
        upload(two, kind, *district.files[kind])
    two.event("POST", "/grouping/freeze")
    ceremony(two, "grouping", people["grouping"], rules["dice"])
    two.event("POST", "/grouping/run")
    upload(two, "teachers", *district.files["teachers"])
    two.event("POST", "/teachers/freeze")
    ceremony(two, "teachers", people["teachers"], rules["dice"])
    two.event("POST", "/matching/run")
    two.event("POST", "/notifications/send")
    for c in CEREMONIES:
        two.event("POST", f"/publish/{c}")

    # Both servers answer alike, from the one database.
    a, b = two.bases
    views = [httpx.get(f"{base}/api/v1/events/{EVENT}", timeout=30).json() for base in (a, b)]
    assert views[0] == views[1] and views[0]["phase"] == "published"
    notes = {httpx.get(f"{base}/api/v1/events/{EVENT}/checkpoints/latest", timeout=30).text
             for base in (a, b)}
    assert len(notes) == 1
    assert set(two.served) == {a, b} and min(two.served.values()) >= 30  # each took half
    export = Path(two.event("POST", "/export")["path"])
    verdict = subprocess.run([sys.executable, "-m", "verifier", str(export)], cwd=ROOT,
                             capture_output=True, text=True, check=False)
    assert verdict.returncode == 0, verdict.stdout[-3000:]
