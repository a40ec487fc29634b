"""Upload of a publication to a real S3-compatible server (moto's, on loopback; §18).

The server runs as a subprocess (`python -m moto.server`); the upload goes
through boto3 over HTTP like any bucket's would. Checked: every object's
Content-Type, Cache-Control and Content-Encoding (the same table nginx uses),
the checkpoint uploaded last, CORS and the read-without-list policy, and that
the tiled log reads back from the bucket with the verifying reader.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lottery_service.core.note import Checkpoint, split_note
from lottery_service.publish import FamilyReceipt, TileReader, open_shard, shard_address, shard_path
from lottery_service.publish.headers import headers_for
from tests.nginx_support import free_port
from tests.publish_support import SignedLog, publish

boto3 = pytest.importorskip("boto3", reason="the publish-s3 extra (boto3) is not installed")
pytest.importorskip("moto.server", reason="moto[server] (a dev dependency) is not installed")

from lottery_service.publish.s3 import configure_bucket, upload_event  # noqa: E402

EVENT = "demo-2026"
BUCKET = "results"
FAMILY = FamilyReceipt("2026000001", "123X", "receipt\n")


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                             str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            assert proc.poll() is None and time.monotonic() < deadline, "moto did not start"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def client(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    s3 = boto3.client("s3", endpoint_url=endpoint)
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=BUCKET)
    return s3


def test_upload_sets_headers_and_puts_the_checkpoint_last_18_1(tmp_path: Path,
                                                              client: Any) -> None:
    log = SignedLog(EVENT)
    publish(tmp_path, log, 300, receipts=(FAMILY,))
    order: list[str] = []
    client.meta.events.register("before-call.s3.PutObject",
                                lambda params, **_: order.append(params["url_path"]))
    report = upload_event(client, BUCKET, tmp_path, EVENT, prefix="pub/")
    assert order[-1].endswith(f"/pub/{EVENT}/checkpoint")
    assert report.objects == len(order)
    keys = {o["Key"] for o in client.list_objects_v2(Bucket=BUCKET, Prefix="pub/")["Contents"]}
    assert not any("/." in k for k in keys), "hidden files must not be uploaded"
    for key in keys:
        rel = key.removeprefix("pub/")
        head = client.head_object(Bucket=BUCKET, Key=key)
        expected = headers_for(rel)
        assert head["ContentType"] == expected.content_type, rel
        assert head["CacheControl"] == expected.cache_control, rel
        body = client.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        if expected.compress:
            assert head["ContentEncoding"] == "gzip"
            body = gzip.decompress(body)
        assert body == (tmp_path / rel).read_bytes(), rel
    assert f"pub/{EVENT}/tile/entries/001.p/44" in keys


def test_bucket_reads_back_with_the_verifying_reader_18_2(tmp_path: Path, client: Any) -> None:
    log = SignedLog(EVENT)
    publish(tmp_path, log, 100)
    upload_event(client, BUCKET, tmp_path, EVENT)
    report = publish(tmp_path, log, 600, receipts=(FAMILY,))
    upload_event(client, BUCKET, tmp_path, EVENT, paths=report.paths)  # the update only

    def read(path: str) -> bytes:
        obj = client.get_object(Bucket=BUCKET, Key=f"{EVENT}/{path}")
        data: bytes = obj["Body"].read()
        return gzip.decompress(data) if obj.get("ContentEncoding") == "gzip" else data

    cp = Checkpoint.parse(split_note(read("checkpoint").decode())[0])
    assert cp.size == 600
    assert TileReader(read, cp.size, cp.root_hash).entries(0, 600) == log.entries[:600]
    address = shard_address(log.origin, FAMILY.reg, FAMILY.factor)
    assert open_shard(log.origin, FAMILY.reg, FAMILY.factor, read(shard_path(address))) == \
        FAMILY.receipt


def test_bucket_cors_and_read_only_policy_18_3(endpoint: str, client: Any) -> None:
    configure_bucket(client, BUCKET)
    rules = client.get_bucket_cors(Bucket=BUCKET)["CORSRules"]
    assert rules[0]["AllowedOrigins"] == ["*"] and rules[0]["AllowedMethods"] == ["GET", "HEAD"]
    policy = json.loads(client.get_bucket_policy(Bucket=BUCKET)["Policy"])
    assert [s["Action"] for s in policy["Statement"]] == ["s3:GetObject"]  # no s3:ListBucket
    client.put_object(Bucket=BUCKET, Key="probe", Body=b"x")
    request = urllib.request.Request(f"{endpoint}/{BUCKET}/probe",
                                     headers={"Origin": "https://parents.example"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Access-Control-Allow-Origin"] in ("*", "https://parents.example")


def test_upload_refuses_an_unpublished_event(tmp_path: Path, client: Any) -> None:
    from lottery_service.publish import PublishError
    with pytest.raises(PublishError, match="no checkpoint"):
        upload_event(client, BUCKET, tmp_path, EVENT)
