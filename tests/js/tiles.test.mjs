// The browser's tlog-tiles reader (lottery_service/web/static/tiles.js, PROTOCOL.md §18.2) on a
// publication written by the Python writer; expected proofs come from core.merkle's
// RFC 9162 tree (tests/js/make_publication.py). Run: node --test tests/js/

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, test } from "node:test";
import { rmSync } from "node:fs";
import { dirname } from "node:path";

import {
  TileError, TileLog, decodeBundle, encodeIndex, entriesPath, fetchCheckpoint, httpFetcher,
  leafHash, tilePath, verifyConsistency, verifyInclusion,
} from "../../lottery_service/web/static/tiles.js";
import { b64, makePublication } from "./publication-fixture.mjs";

let fx;
let final;

before(() => {
  fx = makePublication();
  final = fx.checkpoints.at(-1);
});
after(() => rmSync(dirname(fx.base), { recursive: true, force: true }));

const open = (read, cp) => TileLog.open(read, cp.size, b64(cp.root));

test("§18 tile paths are tlog-tiles paths", () => {
  assert.equal(encodeIndex(1234067), "x001/x234/067");
  assert.equal(encodeIndex(0), "000");
  assert.equal(encodeIndex(1000), "x001/000");
  assert.equal(encodeIndex(2 ** 40), "x001/x099/x511/x627/776");
  assert.equal(tilePath(1, 17, 3), "tile/1/017.p/3");
  assert.equal(entriesPath(273, 112), "tile/entries/273.p/112");
  assert.throws(() => tilePath(64, 0), TileError);
  assert.throws(() => entriesPath(0, 0), TileError);
  assert.throws(() => encodeIndex(-1), TileError);
});

test("§18.2 the partial tiles of every published size hash to its checkpoint root", async () => {
  for (const cp of fx.checkpoints) {
    const log = await open(fx.read, cp);
    assert.deepEqual(await log.root(), b64(cp.root));
  }
});

test("§18.2 inclusion proofs from tiles equal RFC 9162 PATH and verify", async () => {
  const log = await open(fx.read, final);
  for (const item of fx.inclusion) {
    const proof = await log.inclusionProof(item.index);
    assert.deepEqual(proof, item.proof.map(b64), `index ${item.index}`);
    const entry = await log.entry(item.index);
    assert.equal(new TextDecoder().decode(entry), item.entry);
    const leaf = await leafHash(entry);
    // RFC 6962 leaf hash, by node:crypto: an independent SHA-256.
    assert.deepEqual(leaf, new Uint8Array(createHash("sha256").update(Buffer.from([0])).update(entry).digest()));
    await verifyInclusion(leaf, item.index, final.size, proof, b64(final.root));
    await assert.rejects(verifyInclusion(leaf, item.index + 1, final.size, proof, b64(final.root)), TileError);
  }
});

test("§18.2 consistency proofs from tiles equal RFC 9162 PROOF; old roots are recomputed", async () => {
  const log = await open(fx.read, final);
  for (const item of fx.consistency) {
    const proof = await log.consistencyProof(item.old);
    assert.deepEqual(proof, item.proof.map(b64), `old size ${item.old}`);
    const oldRoot = await log.root(item.old);
    await verifyConsistency(item.old, final.size, oldRoot, b64(final.root), proof);
  }
  for (const cp of fx.checkpoints) assert.deepEqual(await log.root(cp.size), b64(cp.root));
  const [first] = fx.checkpoints;
  const proof = await log.consistencyProof(first.size);
  const forked = b64(first.root);
  forked[0] ^= 1;
  await assert.rejects(verifyConsistency(first.size, final.size, forked, b64(final.root), proof), TileError);
});

test("§18.2 entries are read from bundles across tile boundaries", async () => {
  const log = await open(fx.read, final);
  const entries = await log.entries(250, 520);
  assert.equal(entries.length, 270);
  const byIndex = new Map(fx.inclusion.map((i) => [i.index, i.entry]));
  for (const index of [255, 256, 299]) {
    assert.equal(new TextDecoder().decode(entries[index - 250]), byIndex.get(index));
  }
  const seq = JSON.parse(new TextDecoder().decode(entries[0])).seq;
  assert.equal(seq, 250);
  await assert.rejects(log.entries(0, final.size + 1), TileError);
});

test("§18.2 an older checkpoint still reads after later updates", async () => {
  const cp = fx.checkpoints[1]; // 300: its partial tiles stay published
  const log = await open(fx.read, cp);
  assert.equal((await log.entries(256, 300)).length, 44);
  const proof = await log.inclusionProof(299);
  await verifyInclusion(await log.leafHash(299), 299, cp.size, proof, b64(cp.root));
});

function tampering(victim, change) {
  return async (path) => {
    const bytes = await fx.read(path);
    if (path !== victim) return bytes;
    const copy = new Uint8Array(bytes);
    change(copy);
    return copy;
  };
}

test("§18.2 a tampered full tile, partial tile or bundle is detected", async () => {
  const flip = (b) => { b[b.length - 1] ^= 1; };
  // A full level-0 tile: caught against level 1 when a proof or entry needs it.
  let log = await open(tampering("tile/0/001", flip), final);
  await assert.rejects(log.inclusionProof(300), /does not hash to its entry in the tile above/);
  await assert.rejects(log.entries(256, 260), TileError);
  // A partial tile of the edge: caught at open.
  const edge = tilePath(0, Math.floor(final.size / 256), final.size % 256);
  await assert.rejects(open(tampering(edge, flip), final), /do not hash to the checkpoint root/);
  // An entry bundle: caught against the level-0 hash.
  log = await open(tampering("tile/entries/001", flip), final);
  await assert.rejects(log.entries(256, 512), /tampered bundle/);
  // A tile with one hash zeroed.
  log = await open(tampering("tile/0/002", (b) => b.fill(0, 0, 32)), final);
  await assert.rejects(log.leafHash(600), TileError);
  // A missing tile.
  await assert.rejects(open(async () => { throw new TileError("404"); }, final), TileError);
});

test("§18.2 bundle decoding is strict", () => {
  assert.deepEqual(decodeBundle(new Uint8Array([0, 1, 65, 0, 0]), 2), [new Uint8Array([65]), new Uint8Array([])]);
  assert.throws(() => decodeBundle(new Uint8Array([0, 5, 65]), 1), TileError);
  assert.throws(() => decodeBundle(new Uint8Array([0, 1, 65]), 2), TileError);
  assert.throws(() => decodeBundle(new Uint8Array([0]), 0), TileError);
});

test("§18.2 fetchCheckpoint and httpFetcher go through fetch", async () => {
  const calls = [];
  const fake = async (url, init) => {
    calls.push([url, init]);
    const path = url.slice("https://cdn.example/e/".length);
    try {
      return new Response(await fx.read(path));
    } catch {
      return new Response("nope", { status: 404 });
    }
  };
  const text = await fetchCheckpoint("https://cdn.example/e", fake);
  assert.equal(text, final.note);
  assert.deepEqual(calls[0], ["https://cdn.example/e/checkpoint", { cache: "no-cache" }]);
  const log = await TileLog.open(httpFetcher("https://cdn.example/e/", fake), final.size, b64(final.root));
  assert.equal((await log.entries(0, 3)).length, 3);
  await assert.rejects(httpFetcher("https://cdn.example/e", fake)("tile/9/000"), /HTTP 404/);
});
