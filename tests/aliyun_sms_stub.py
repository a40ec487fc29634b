"""A local stand-in for Alibaba Cloud's SMS API (dysmsapi 2017-05-25), on loopback.

It speaks the public HTTP API as documented, so the real SDK talks to it unchanged
(endpoint `127.0.0.1:PORT`, protocol http): RPC calls named by `x-acs-action`,
query and form parameters, every request signed with ACS3-HMAC-SHA256 (checked
here from the documented algorithm: canonical request, string to sign, HMAC under
the AccessKey secret; the date within 15 minutes; each nonce once).

- `SendBatchSms`: PhoneNumberJson / SignNameJson / TemplateParamJson of equal length
  (≤ 100), a known signature and template, every `${variable}` of the template given;
  each message is recorded (phone, OutId, template, rendered content, date).
- `QuerySendDetails`: the records of one number on one day (yyyyMMdd), 50 per page,
  with `OutId` and `SendStatus` (3 delivered, 2 failed for `failing` numbers).

Test hooks: `refuse` numbers are answered isv.MOBILE_NUMBER_ILLEGAL (the whole batch
is refused, as the real API does); `failing` numbers get a failed receipt;
`hold_after` / `hold_before` make the n-th SendBatchSms (1-based) wait,
after or before it is recorded, until `release` is set, with `held` set meanwhile,
so a test can kill the sender with the gateway in either state.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

ACCESS_KEY_ID = "LTAI-stub-key"
ACCESS_KEY_SECRET = "stub-secret-0123456789"
SIGN_NAME = "阳光招生"
TEMPLATES = {  # code → approved text, ${variable} as in the console
    "SMS_900001": "摇号结果已公布：${children}。请用报名号和身份证后4位在 ${link} 查询，"
                  "并在手机上核验结果。",
    "SMS_900002": "${children}已获录取，请于${deadline}前缴费确认学位，逾期视为放弃。"
                  "如不需要该学位，可在 ${link} 在线放弃。",
    "SMS_900003": "${children}已在第${round}轮递补录取，请于${deadline}前缴费确认学位。"
                  "详情及核验：${link}",
    "SMS_900004": "${children}（第${round}轮）。如有疑问请联系区教育局招生办。详情：${link}",
    "SMS_900005": "分班结果：${children}。详情及核验：${link}",
}
TOPIC_TEMPLATES = {"draw": "SMS_900001", "payment_reminder": "SMS_900002",
                   "promotion": "SMS_900003", "forfeit": "SMS_900004", "class": "SMS_900005"}
BEIJING = dt.timezone(dt.timedelta(hours=8))
PHONE = re.compile(r"1[3-9][0-9]{9}")
VARIABLE = re.compile(r"\$\{(\w+)\}")


def env_for(port: int) -> dict[str, str]:
    """The service's settings for this stub (`service.sms_aliyun.AliyunSettings`)."""
    env = {"SUNSHINE_SMS_PROVIDER": "aliyun", "SUNSHINE_SMS_ENDPOINT": f"127.0.0.1:{port}",
           "SUNSHINE_SMS_PROTOCOL": "http", "ALIBABA_CLOUD_ACCESS_KEY_ID": ACCESS_KEY_ID,
           "ALIBABA_CLOUD_ACCESS_KEY_SECRET": ACCESS_KEY_SECRET,
           "SUNSHINE_SMS_SIGN_NAME": SIGN_NAME}
    env.update({f"SUNSHINE_SMS_TEMPLATE_{t.upper()}": c for t, c in TOPIC_TEMPLATES.items()})
    return env


@dataclass
class Record:
    phone: str
    out_id: str
    template: str
    params: dict[str, str]
    content: str
    day: str  # yyyyMMdd, Beijing
    sent: str  # "yyyy-MM-dd HH:mm:ss"


@dataclass
class Stub:
    records: list[Record] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # actions, in order
    rejected: list[str] = field(default_factory=list)  # why a request was refused
    failing: set[str] = field(default_factory=set)  # numbers whose receipt says failed
    refuse: set[str] = field(default_factory=set)  # numbers the gateway calls illegal
    hold_after: int | None = None
    hold_before: int | None = None
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    nonces: set[str] = field(default_factory=set)
    sends: int = 0
    port: int = 0

    def messages_to(self, phone: str) -> list[Record]:
        return [r for r in self.records if r.phone == phone]


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def signature(secret: str, method: str, path: str, query: list[tuple[str, str]],
              headers: dict[str, str], signed: list[str], payload_hash: str) -> str:
    """ACS3-HMAC-SHA256 of one request, from the documented canonical request."""
    canonical_query = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(query))
    canonical_headers = "".join(f"{name}:{headers[name].strip()}\n" for name in signed)
    canonical = "\n".join([method, path or "/", canonical_query, canonical_headers,
                           ";".join(signed), payload_hash])
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    stub: Stub

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve(b"")

    def do_POST(self) -> None:
        self._serve(self.rfile.read(int(self.headers.get("content-length") or 0)))

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json;charset=utf-8")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the caller was killed meanwhile
            pass

    def _refuse(self, status: int, code: str, message: str) -> None:
        self.stub.rejected.append(f"{code}: {message}")
        self._answer(status, {"Code": code, "Message": message,
                              "RequestId": str(uuid.uuid4()).upper()})

    def _serve(self, body: bytes) -> None:
        url = urlsplit(self.path)
        query = parse_qsl(url.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in self.headers.items()}
        why = self._authenticate(url.path, query, headers, body)
        if why is not None:
            return self._refuse(400 if why[0] != "InvalidAccessKeyId.NotFound" else 404, *why)
        params = dict(query)
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            params.update(parse_qsl(body.decode(), keep_blank_values=True))
        action = headers.get("x-acs-action", "")
        if headers.get("x-acs-version") != "2017-05-25":
            return self._refuse(400, "InvalidVersion", "Specified parameter Version is not valid.")
        self.stub.requests.append(action)
        if action == "SendBatchSms":
            return self._send_batch(params)
        if action == "QuerySendDetails":
            return self._query(params)
        return self._refuse(404, "InvalidAction.NotFound", f"no action {action}")

    def _authenticate(self, path: str, query: list[tuple[str, str]], headers: dict[str, str],
                      body: bytes) -> tuple[str, str] | None:
        auth = headers.get("authorization", "")
        match = re.fullmatch(r"ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),"
                             r"Signature=([0-9a-f]{64})", auth)
        if match is None:
            return "MissingAuthorization", "no ACS3-HMAC-SHA256 Authorization header"
        if match[1] != ACCESS_KEY_ID:
            return "InvalidAccessKeyId.NotFound", "Specified access key is not found."
        payload = hashlib.sha256(body).hexdigest()
        if headers.get("x-acs-content-sha256") != payload:
            return "InvalidParameter.ContentSHA256", "x-acs-content-sha256 does not match"
        signed = match[2].split(";")
        required = {"host", "x-acs-action", "x-acs-version", "x-acs-date",
                    "x-acs-signature-nonce", "x-acs-content-sha256"}
        if not required <= set(signed) or signed != sorted(signed) or \
                not set(signed) <= set(headers):
            return "IncompleteSignature", "the signed headers are incomplete"
        expected = signature(ACCESS_KEY_SECRET, self.command, path, query, headers, signed,
                             payload)
        if not hmac.compare_digest(expected, match[3]):
            return "SignatureDoesNotMatch", "Specified signature is not matched."
        date = dt.datetime.strptime(headers["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=dt.UTC)
        if abs((dt.datetime.now(dt.UTC) - date).total_seconds()) > 900:
            return "InvalidTimeStamp.Expired", "the request date is outside 15 minutes"
        with self.stub.lock:
            nonce = headers["x-acs-signature-nonce"]
            if nonce in self.stub.nonces:
                return "SignatureNonceUsed", "Specified signature nonce was used already."
            self.stub.nonces.add(nonce)
        return None

    def _send_batch(self, params: dict[str, str]) -> None:
        stub = self.stub
        try:
            phones = json.loads(params["PhoneNumberJson"])
            signs = json.loads(params["SignNameJson"])
            values = json.loads(params["TemplateParamJson"])
            template = params["TemplateCode"]
        except (KeyError, ValueError):
            return self._answer(200, {"Code": "isv.INVALID_PARAMETERS",
                                      "Message": "参数异常", "RequestId": "x"})
        if not (len(phones) == len(signs) == len(values)) or not 0 < len(phones) <= 100:
            return self._answer(200, {"Code": "isv.INVALID_JSON_PARAM",
                                      "Message": "JSON参数不合法", "RequestId": "x"})
        if template not in TEMPLATES:
            return self._answer(200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL",
                                      "Message": "模板不合法", "RequestId": "x"})
        if any(s != SIGN_NAME for s in signs):
            return self._answer(200, {"Code": "isv.SMS_SIGNATURE_ILLEGAL",
                                      "Message": "签名不合法", "RequestId": "x"})
        if any(not PHONE.fullmatch(str(p)) or str(p) in stub.refuse for p in phones):
            return self._answer(200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL",
                                      "Message": "非法手机号", "RequestId": "x"})
        text = TEMPLATES[template]
        for v in values:
            missing = set(VARIABLE.findall(text)) - set(v)
            if missing:
                return self._answer(200, {"Code": "isv.TEMPLATE_MISSING_PARAMETERS",
                                          "Message": f"模板缺少变量 {sorted(missing)}",
                                          "RequestId": "x"})
        with stub.lock:
            stub.sends += 1
            number = stub.sends
        if stub.hold_before == number:
            stub.held.set()
            stub.release.wait(30)
            return self._answer(503, {"Code": "ServiceUnavailable", "Message": "held",
                                      "RequestId": "x"})
        now = dt.datetime.now(BEIJING)
        day, sent = now.strftime("%Y%m%d"), now.strftime("%Y-%m-%d %H:%M:%S")
        out_id = params.get("OutId", "")
        with stub.lock:
            for phone, value in zip(phones, values, strict=True):
                content = f"【{SIGN_NAME}】" + VARIABLE.sub(lambda m, v=value: str(v[m[1]]), text)
                stub.records.append(Record(phone=str(phone), out_id=out_id, template=template,
                                           params=dict(value), content=content, day=day,
                                           sent=sent))
        if stub.hold_after == number:
            stub.held.set()
            stub.release.wait(30)
        self._answer(200, {"Code": "OK", "Message": "OK",
                           "BizId": f"{uuid.uuid4().int % 10**15}^0",
                           "RequestId": str(uuid.uuid4()).upper()})

    def _query(self, params: dict[str, str]) -> None:
        phone, day = params.get("PhoneNumber", ""), params.get("SendDate", "")
        size, page = int(params.get("PageSize", "10")), int(params.get("CurrentPage", "1"))
        if not PHONE.fullmatch(phone) or not re.fullmatch(r"[0-9]{8}", day) or \
                not 1 <= size <= 50 or page < 1:
            return self._answer(200, {"Code": "isv.INVALID_PARAMETERS",
                                      "Message": "参数异常", "RequestId": "x"})
        with self.stub.lock:
            found = [r for r in self.stub.records if r.phone == phone and r.day == day]
        chunk = found[(page - 1) * size:page * size]
        self._answer(200, {
            "Code": "OK", "Message": "OK", "RequestId": str(uuid.uuid4()).upper(),
            "TotalCount": len(found),
            "SmsSendDetailDTOs": {"SmsSendDetailDTO": [{
                "PhoneNum": r.phone, "OutId": r.out_id, "TemplateCode": r.template,
                "Content": r.content, "SendDate": r.sent, "ReceiveDate": r.sent,
                "SendStatus": 2 if r.phone in self.stub.failing else 3,
                "ErrCode": "UNDELIV" if r.phone in self.stub.failing else "DELIVERED",
            } for r in chunk]}})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A sender killed mid-request (the kill -9 tests) is not the stub's error."""


@contextmanager
def serve_stub(stub: Stub | None = None) -> Iterator[Stub]:
    """Run the stub on a free loopback port in a thread."""
    stub = stub or Stub()
    handler = type("Handler", (_Handler,), {"stub": stub})
    server = _Server(("127.0.0.1", 0), handler)
    stub.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        stub.release.set()
        server.shutdown()
        server.server_close()


def main() -> None:
    """`python -m tests.aliyun_sms_stub PORT_FILE COUNTS_FILE`: serve in its own process
    (as a remote gateway would be) until SIGTERM; then write how many messages each
    number got, and the request counts, to COUNTS_FILE (for bench/notify.py)."""
    import signal
    import sys
    from pathlib import Path

    port_file, counts_file = Path(sys.argv[1]), Path(sys.argv[2])
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with serve_stub() as stub:
        port_file.write_text(str(stub.port))
        stop.wait()
        with stub.lock:
            per_phone: dict[str, int] = {}
            for r in stub.records:
                per_phone[r.phone] = per_phone.get(r.phone, 0) + 1
            counts = {"per_phone": per_phone, "requests": dict.fromkeys(stub.requests, 0)}
            for action in stub.requests:
                counts["requests"][action] += 1
        counts_file.write_text(json.dumps(counts))


if __name__ == "__main__":
    main()
