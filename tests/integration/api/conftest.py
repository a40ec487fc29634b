"""A small event driven through the HTTP API, on a real SQLite file."""

from __future__ import annotations

import base64
import hashlib
import secrets
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2; the pinned dev dependency is httpx 0.28 (same API).
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from lottery_service.api import create_app
from lottery_service.core.seed import commitment, seal_escrow
from lottery_service.runtime import Runtime
from tests.support import BACKENDS, make_runtime

OPERATOR = "sd_test_operator"
PARTICIPANTS = {"bureau-1": "bureau", "notary-1": "notary", "parent-rep-1": "parent-rep"}
SCHOOLS_CSV = (
    "学校代码,学校名称,区县,性质,学费,审批机关,招生计划,配套计划,九年一贯\n"
    "S001,阳光小学,D01,民办,5000,区,2,0,否\n"
    "S002,明德小学,D01,民办,4000,区,5,0,否\n"
)
APPLICANT_HEADER = ("报名号,姓名,性别,出生日期,区县,户籍类型,失信被执行人,政策照顾,申请学校,"
                    "多胞胎组,报名日期,身份证后四位,手机\n")


def runtime_at(path: Path, backend: str = "sqlite") -> Runtime:
    return make_runtime(path, backend)


def applicants_csv(applicants: dict[str, tuple[str, str]]) -> bytes:
    """reg → (school, id_last4); names and phones are made up."""
    rows = [f"{reg},张小{i}明,{'男' if i % 2 else '女'},2019-05-01,D01,户籍,否,否,{school},,"
            f"2026-06-1{i % 9},{last4},1380000{i:04d}\n"
            for i, (reg, (school, last4)) in enumerate(sorted(applicants.items()))]
    return (APPLICANT_HEADER + "".join(rows)).encode()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def holder_key(event: str, ceremony: str) -> X25519PrivateKey:
    """The escrow holder's key of one ceremony: a key per ceremony (§5.4)."""
    seed = hashlib.sha256(f"{event}/{ceremony}/escrow-holder".encode()).digest()
    return X25519PrivateKey.from_private_bytes(seed)


def public_b64(key: X25519PrivateKey) -> str:
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw,
                                                          PublicFormat.Raw)).decode()


@dataclass
class Season:
    """Drives one event through the API; remembers tokens and secrets."""

    client: TestClient
    event: str
    tokens: dict[str, str] = field(default_factory=dict)
    secrets: dict[tuple[str, str], bytes] = field(default_factory=dict)
    applicants: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"/api/v1/events/{self.event}"

    def holder(self, ceremony: str) -> X25519PrivateKey:
        return holder_key(self.event, ceremony)

    def post(self, path: str, token: str = OPERATOR, **kw: Any) -> Any:
        response = self.client.post(self.base + path, headers=auth(token), **kw)
        assert response.status_code == 200, response.text
        return response.json()

    def token(self, role: str, subject: str = "") -> str:
        key = f"{role}:{subject}"
        if key not in self.tokens:
            body = {"role": role, "subject": subject}
            self.tokens[key] = self.post("/tokens", json=body)["token"]
        return self.tokens[key]

    def create(self, **rules: Any) -> None:
        """The rule set as an operator writes it; the service adds type, version and its
        origin (§3.1, §12.1). Each ceremony gets its own escrow key (§5.4)."""
        body = {"event": self.event, "title": "测试招生", "year": 2026, "grade": 1,
                "high_fee_threshold": 6000, "waitlist_promotion": True, "dice": 20,
                "beacon": None, **rules}
        response = self.client.post("/api/v1/events", headers=auth(OPERATOR),
                                    json={"rules": body})
        assert response.status_code == 200, response.text
        people = [{"id": p, "role": r} for p, r in PARTICIPANTS.items()]
        for ceremony in ("lottery", "grouping", "teachers"):
            self.post(f"/participants/{ceremony}", json={
                "participants": people, "escrow_key": public_b64(self.holder(ceremony))})

    def freeze_roster(self) -> Any:
        """Confirm the preview's code and freeze (§7.1)."""
        preview = self.client.get(self.base + "/roster/preview", headers=auth(OPERATOR))
        assert preview.status_code == 200, preview.text
        return self.post("/roster/freeze", json={"confirm": preview.json()["confirm"]})

    def upload(self, kind: str, data: bytes, token: str = OPERATOR,
               name: str = "data.csv") -> Any:
        return self.client.post(f"{self.base}/imports/{kind}", headers=auth(token),
                                files={"file": (name, data, "text/csv")})

    def register(self, applicants: dict[str, tuple[str, str]]) -> None:
        self.applicants = applicants
        assert self.upload("schools", SCHOOLS_CSV.encode()).status_code == 200
        response = self.upload("applicants", applicants_csv(applicants))
        assert response.status_code == 200, response.text

    def commit(self, ceremony: str, participant: str) -> Any:
        secret = secrets.token_bytes(32)
        self.secrets[ceremony, participant] = secret
        com = commitment(self.event, ceremony, participant, secret)  # type: ignore[arg-type]
        holder = self.holder(ceremony).public_key().public_bytes(Encoding.Raw,
                                                                 PublicFormat.Raw)
        escrow = seal_escrow(secret, com, holder, X25519PrivateKey.generate())
        return self.client.post(f"{self.base}/ceremonies/{ceremony}/commitments",
                                headers=auth(self.token("participant", participant)),
                                json={"commitment": com.hex(), "escrow": escrow})

    def confirm(self) -> list[tuple[str, str]]:
        """After the draw: every admitted applicant pays (P7), the window closes; returns
        the (reg, school) pairs confirmed."""
        admitted = []
        for school in ("S001", "S002"):
            records = self.client.get(f"{self.base}/results/{school}").json()["records"]
            admitted += [(r["reg"], school) for r in records if r["outcome"] == "admitted"]
        receipts = "报名号,学校代码,回单号,缴费日期\n" + "".join(
            f"{reg},{school},RC{i:04d},2026-07-20\n" for i, (reg, school) in enumerate(admitted))
        assert self.upload("payments", receipts.encode()).status_code == 200
        assert self.post("/payments/rounds")["entries"][0]["type"] == "payment_round"
        self.post("/payments/close")
        return admitted

    def ceremony(self, ceremony: str, withhold: str = "parent-rep-1") -> None:
        """Everyone commits; all but `withhold` reveal; the notary opens its escrow."""
        for p in PARTICIPANTS:
            assert self.commit(ceremony, p).status_code == 200
        self.post(f"/ceremonies/{ceremony}/commitments/close")
        for p in PARTICIPANTS:
            if p != withhold:
                self.post(f"/ceremonies/{ceremony}/reveals",
                          token=self.token("participant", p),
                          json={"secret": self.secrets[ceremony, p].hex()})
        self.post(f"/ceremonies/{ceremony}/escrow-openings",
                  token=self.token("participant", "notary-1"),
                  json={"participant": withhold,
                        "secret": self.secrets[ceremony, withhold].hex()})
        self.post(f"/ceremonies/{ceremony}/entropy",
                  json={"witness": "notary-1", "values": [3, 1, 4, 1, 5, 2, 6, 5] + [1] * 12})
        self.post(f"/ceremonies/{ceremony}/seed")


APPLICANTS = {f"R2026{i:04d}": ("S001" if i < 6 else "S002", f"{1000 + i * 7:04d}")
              for i in range(9)}


@pytest.fixture
def season(tmp_path: Path, backend: str) -> Iterator[Season]:
    """A fresh event with its participants set, on each backend."""
    rt = runtime_at(tmp_path, backend)
    with TestClient(create_app(rt, operator=OPERATOR)) as client:
        s = Season(client, "api-2026")
        s.create()
        yield s
    rt.close()


@pytest.fixture(scope="module", params=BACKENDS)
def drawn(tmp_path_factory: pytest.TempPathFactory,
          request: pytest.FixtureRequest) -> Iterator[tuple[Runtime, Season]]:
    """One event with its lottery drawn (S001 over-subscribed), shared by a module."""
    rt = runtime_at(tmp_path_factory.mktemp("drawn"), request.param)
    with TestClient(create_app(rt, operator=OPERATOR)) as client:
        season = Season(client, "drawn-2026")
        season.create()
        season.register(APPLICANTS)
        season.freeze_roster()
        season.ceremony("lottery")
        season.post("/draw")
        yield rt, season
    rt.close()
