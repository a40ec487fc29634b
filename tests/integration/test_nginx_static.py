"""A publication served by the real Debian nginx with deploy/nginx.conf.template (§18).

nginx runs as a foreground child on a free loopback port. Checked: every path's
Content-Type, Cache-Control, CORS and security headers, gzip of entry bundles,
bodies byte for byte, ETag revalidation of shards, no listing and no dotfiles,
and that the readers (Python's TileReader and the browser modules in Node, over
real HTTP) detect a tampered tile, bundle or shard.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lottery_service.core.note import Checkpoint, split_note
from lottery_service.publish import (
    FamilyReceipt,
    ShardError,
    TileError,
    TileReader,
    open_shard,
    shard_address,
    shard_path,
)
from lottery_service.publish.headers import headers_for
from tests.nginx_support import readable_dir, require_nginx, serving
from tests.paths import STATIC
from tests.publish_support import SignedLog, publish

require_nginx()

EVENT = "demo-2026"
FAMILY = FamilyReceipt("2026000001", "123X", "c2sp.org/tlog-proof@v1\nextra e30=\n")
NODE = shutil.which("node")


@dataclass
class Served:
    url: str
    base: Path
    log: SignedLog

    def get(self, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.url + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as e:
            with e:
                return e.code, dict(e.headers), e.read()

    def read(self, path: str) -> bytes:
        status, _, body = self.get(f"/{EVENT}/{path}")
        if status != 200:
            raise TileError(f"{path}: HTTP {status}")
        return body


@pytest.fixture
def served() -> Iterator[Served]:
    work = readable_dir()
    try:
        assets = work / "site"
        (assets / "static").mkdir(parents=True)
        (assets / "check.html").write_text("<!doctype html><title>查询</title>", encoding="utf-8")
        for name in ("tiles.js", "shard.js"):
            shutil.copy(STATIC / name, assets / "static" / name)
        log = SignedLog(EVENT)
        publish(work / "pub", log, 300)
        publish(work / "pub", log, 600, receipts=(FAMILY,), assets=assets, context=True)
        with serving(work / "pub", work / "nginx") as url:
            yield Served(url, work / "pub" / EVENT, log)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_headers_and_bodies_per_path_18_1(served: Served) -> None:
    """nginx serves the headers of the one table (publish.headers) the S3 upload sets."""
    address = shard_address(served.log.origin, FAMILY.reg, FAMILY.factor)
    paths = ["checkpoint", "policy", "keys/log.vkey", "tile/0/000", "tile/0/002.p/88",
             "tile/1/000.p/2", "tile/entries/001", shard_path(address), "state.json",
             "supervision.json", "context.tlog-proof", "check.html", "static/tiles.js"]
    for path in paths:
        status, headers, body = served.get(f"/{EVENT}/{path}")
        expected = headers_for(f"{EVENT}/{path}")
        assert status == 200, path
        assert headers["Content-Type"] == expected.content_type, path
        assert headers["Cache-Control"] == expected.cache_control, path
        assert headers["Access-Control-Allow-Origin"] == "*", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
        assert body == (served.base / path).read_bytes(), path
    # The table meets §18.1 and tlog-tiles.
    for path in ("checkpoint", "context.tlog-proof", "state.json", "supervision.json",
                 shard_path(address)):
        age = re.search(r"max-age=(\d+)", headers_for(f"{EVENT}/{path}").cache_control)
        assert age is not None and int(age.group(1)) <= 10, path
    for path in ("tile/0/000", "tile/0/002.p/88", "tile/entries/001"):
        assert "immutable" in headers_for(f"{EVENT}/{path}").cache_control
    for path in ("checkpoint", "context.tlog-proof"):
        assert headers_for(f"{EVENT}/{path}").content_type == "text/plain; charset=utf-8"
    assert headers_for(f"{EVENT}/tile/0/000").content_type == "application/octet-stream"
    status, _, _ = served.get("/publication-kind")
    assert status == 404  # an unmarked root is official; init_root writes the marker


def test_entry_bundles_are_gzipped_on_request_18_1(served: Served) -> None:
    raw = (served.base / "tile/entries/001").read_bytes()
    status, headers, body = served.get(f"/{EVENT}/tile/entries/001", **{"Accept-Encoding": "gzip"})
    assert (status, headers.get("Content-Encoding")) == (200, "gzip")
    assert gzip.decompress(body) == raw and len(body) < len(raw) / 2
    _, plain_headers, plain = served.get(f"/{EVENT}/tile/entries/001")
    assert "Content-Encoding" not in plain_headers and plain == raw
    _, tile_headers, _ = served.get(f"/{EVENT}/tile/0/000", **{"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in tile_headers  # hashes do not compress


def test_shards_revalidate_by_etag_and_nothing_lists_or_leaks_18_3(served: Served) -> None:
    path = f"/{EVENT}/" + shard_path(shard_address(served.log.origin, FAMILY.reg, FAMILY.factor))
    _, headers, _ = served.get(path)
    status, again, _ = served.get(path, **{"If-None-Match": headers["ETag"]})
    assert status == 304 and again["Cache-Control"] == "public, max-age=10, must-revalidate"
    for hidden in (f"/{EVENT}/.lock", f"/{EVENT}/.attempt", f"/{EVENT}/shards/",
                   f"/{EVENT}/shards/{path.split('/')[-2]}/", f"/{EVENT}/tile/0/"):
        status, headers, body = served.get(hidden)
        assert status in (403, 404), hidden
        assert headers["Cache-Control"] == "no-store", hidden
        assert b"shards" not in body and path.split("/")[-1].encode() not in body
    request = urllib.request.Request(served.url + path, data=b"x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=10)
    info.value.close()
    assert info.value.code == 405


def _checkpoint(served: Served) -> Checkpoint:
    return Checkpoint.parse(split_note(served.read("checkpoint").decode())[0])


def test_python_reader_over_http_detects_tampering_18_2(served: Served) -> None:
    cp = _checkpoint(served)
    reader = TileReader(served.read, cp.size, cp.root_hash)
    assert reader.entries(0, cp.size) == served.log.entries[:cp.size]
    address = shard_address(served.log.origin, FAMILY.reg, FAMILY.factor)
    assert open_shard(served.log.origin, FAMILY.reg, FAMILY.factor,
                      served.read(shard_path(address))) == FAMILY.receipt
    for victim in ("tile/0/001", "tile/entries/000", shard_path(address)):
        data = bytearray((served.base / victim).read_bytes())
        data[40] ^= 1
        (served.base / victim).write_bytes(bytes(data))
    fresh = TileReader(served.read, cp.size, cp.root_hash)
    with pytest.raises(TileError, match="tampered tile"):
        fresh.inclusion_proof(300)
    with pytest.raises(TileError, match="tampered bundle"):
        fresh.entries(0, 10)
    with pytest.raises(ShardError):
        open_shard(served.log.origin, FAMILY.reg, FAMILY.factor, served.read(shard_path(address)))


NODE_SCRIPT = """
import { TileLog, httpFetcher, fetchCheckpoint } from %(tiles)s;
import { fetchShard } from %(shard)s;
const [url, origin, size, root, reg, factor] = process.argv.slice(1);
const out = {};
const rootHash = new Uint8Array(Buffer.from(root, "base64"));
const log = await TileLog.open(httpFetcher(url), Number(size), rootHash);
out.checkpoint = await fetchCheckpoint(url);
try { out.entries = (await log.entries(0, Number(size))).length; }
catch (e) { out.entries = e.name; }
try { await log.inclusionProof(300); out.proof = "ok"; } catch (e) { out.proof = e.name; }
try { out.receipt = (await fetchShard(url, { origin, reg, factor })).receipt; }
catch (e) { out.receipt = e.name + ":" + e.code; }
console.log(JSON.stringify(out));
"""


def _node_read(served: Served) -> dict[str, object]:
    assert NODE is not None
    cp = _checkpoint(served)
    script = NODE_SCRIPT % {
        "tiles": json.dumps((STATIC / "tiles.js").as_uri()),
        "shard": json.dumps((STATIC / "shard.js").as_uri())}
    run = subprocess.run([NODE, "--input-type=module", "-e", script, f"{served.url}/{EVENT}",
                          served.log.origin, str(cp.size), base64.b64encode(cp.root_hash).decode(),
                          FAMILY.reg, FAMILY.factor.lower()],
                         capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    result: dict[str, object] = json.loads(run.stdout)
    return result


@pytest.mark.skipif(NODE is None, reason="node is not installed; tiles.js needs Node 20+")
def test_browser_modules_over_http_detect_tampering_18_2(served: Served) -> None:
    good = _node_read(served)
    assert good == {"checkpoint": served.read("checkpoint").decode(), "entries": 600,
                    "proof": "ok", "receipt": FAMILY.receipt}
    address = shard_address(served.log.origin, FAMILY.reg, FAMILY.factor)
    for victim in ("tile/0/001", "tile/entries/000", shard_path(address)):
        data = bytearray((served.base / victim).read_bytes())
        data[40] ^= 1
        (served.base / victim).write_bytes(bytes(data))
    bad = _node_read(served)
    assert bad["entries"] == "TileError" and bad["proof"] == "TileError"
    assert bad["receipt"] == "ShardError:decrypt"


def test_readers_through_nginx_never_see_a_half_publication_18_1(served: Served) -> None:
    """Every checkpoint a reader gets has its tiles, and one nginx never hands out an
    older checkpoint after a newer one (no descriptor cache for the checkpoint)."""
    sizes = [600 + 131 * k for k in range(1, 16)]
    served.log.grow(sizes[-1])
    done = threading.Event()
    errors: list[BaseException] = []
    seen: list[int] = []

    def reader() -> None:
        while not done.is_set():
            try:
                cp = _checkpoint(served)
                tiles = TileReader(served.read, cp.size, cp.root_hash)
                assert tiles.entry(cp.size - 1) == served.log.entries[cp.size - 1]
                seen.append(cp.size)
            except BaseException as e:  # any failure is the test's failure
                errors.append(e)
                return

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for size in sizes:
            publish(served.base.parent, served.log, size)
        deadline = time.monotonic() + 10
        while (not seen or seen[-1] != sizes[-1]) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        done.set()
        thread.join()
    assert not errors, errors[0]
    assert seen[-1] == sizes[-1] and seen == sorted(seen)
