// Where the parents' page gets a receipt (lottery_service/web/static/receipt-source.js, PROTOCOL.md
// §14, §18): the static source finds and opens the family shard with shard.js (against
// privacy.json and the Python writer's publication) and computes consistency proofs from
// the publication's tiles under a verified checkpoint (§18.2); the app server's
// text/plain receipt and its consistency proofs; a receipt file, offline.

import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";

import { apiSource, fileSource, staticSource } from "../../lottery_service/web/static/receipt-source.js";
import { SHARD_ADDRESS_TAG, shardAddress, shardMessage, shardPath, taggedHash }
  from "../../lottery_service/web/static/shard.js";
import { verifyConsistency } from "../../lottery_service/web/static/tiles.js";
import { b64, makePublication } from "./publication-fixture.mjs";
import { VECTORS, readJSON } from "./support.mjs";

const DOC = readJSON(join(VECTORS, "privacy.json"));
const byName = (n) => DOC.shards.find((c) => c.name === n);
const BASE = "https://pub.example.cn/receipt-2026";
const hex = (bytes) => Buffer.from(bytes).toString("hex");

let fx;
before(() => { fx = makePublication(); });
after(() => rmSync(dirname(fx.base), { recursive: true, force: true }));

/** A static host: `files` (path → bytes, or a function of the path) under BASE; what was asked. */
function host(files) {
  const asked = [];
  const fetch = async (url, init) => {
    asked.push({ url, init });
    const path = url.slice(BASE.length + 1);
    const data = typeof files === "function" ? await files(path) : files[path];
    if (data instanceof Response) return data;
    return data === undefined ? new Response("", { status: 404 }) : new Response(data);
  };
  return { asked, fetch };
}

/** The Python writer's publication (tests/js/make_publication.py) as a static host. */
const publication = (change = (path, bytes) => bytes) => host(async (path) => {
  try {
    return change(path, await fx.read(path));
  } catch {
    return undefined;
  }
});

const verified = (cp) => ({ size: cp.size, rootBytes: b64(cp.root) });

// ------------------------------------------------------------ §18.3 shards

test("§18.3 the admitted family's shard (privacy.json) is found and opened through shard.js", async () => {
  const c = byName("shard-admitted");
  const { origin, reg, factor } = c.input;
  assert.equal(new TextDecoder().decode(shardMessage(origin, reg, factor)), c.expected.m);
  assert.equal(await shardAddress(origin, reg, factor), c.expected.address);
  assert.equal(shardPath(c.expected.address), c.expected.path);
  const { asked, fetch } = host({ [c.expected.path]: b64(c.expected.shard) });
  const src = staticSource(BASE, origin, { fetch });
  assert.equal(await src.receipt({ reg, id_last4: factor }), c.input.plaintext);
  assert.equal(asked[0].url, `${BASE}/${c.expected.path}`);
  assert.equal(asked[0].init.cache, "no-cache"); // revalidated by ETag (§18.1)
  // Another factor: another address, not there. Not found, as for a shard that does not open.
  await assert.rejects(src.receipt({ reg, id_last4: "999X" }), (e) => e.kind === "not_found" && e.status === 404);
});

test("§18.3 a factor not upper-cased has another address: the page upper-cases, the source refuses", async () => {
  const c = byName("factor-lower-case");
  const { origin, reg, factor } = c.input;
  const m = new TextEncoder().encode(JSON.stringify({ factor, origin, reg }));
  assert.equal(hex(await taggedHash(SHARD_ADDRESS_TAG, m)), c.expected.address);
  assert.equal(await shardAddress(origin, reg, factor.toUpperCase()), c.expected.differs_from);
  const { asked, fetch } = host({});
  await assert.rejects(staticSource(BASE, origin, { fetch }).receipt({ reg, id_last4: factor }),
    (e) => e.kind === "not_found");
  assert.equal(asked.length, 0); // not a factor: nothing is asked
});

// (reject-other-key decrypts the right shard under another key: the page derives the key
// from the typed details, and other details give another address, the case above.)
test("§18.3 a shard that does not open (moved to another reg's address, tampered) is not found", async () => {
  const { origin, factor } = byName("shard-admitted").input;
  const regs = { "reject-other-reg-address": "2026000104" }; // whose address the admitted shard was copied to
  for (const name of ["reject-other-reg-address", "reject-tampered"]) {
    const c = byName(name);
    const reg = regs[name] ?? byName("shard-admitted").input.reg;
    assert.equal(await shardAddress(origin, reg, factor), c.input.address, name);
    const src = staticSource(BASE, origin, host({ [shardPath(c.input.address)]: b64(c.input.shard) }));
    await assert.rejects(src.receipt({ reg, id_last4: factor }), (e) => e.kind === "not_found" && e.status === 404, name);
  }
  const { reg } = byName("shard-admitted").input;
  const short = staticSource(BASE, origin, host({ [byName("shard-admitted").expected.path]: new Uint8Array(10) }));
  await assert.rejects(short.receipt({ reg, id_last4: factor }), (e) => e.kind === "not_found");
});

test("§18.3 every family's shard in the writer's publication; host failures keep their kind", async () => {
  const src = staticSource(BASE, fx.origin, publication());
  for (const f of fx.families) assert.equal(await src.receipt({ reg: f.reg, id_last4: f.factor }), f.receipt);
  const f = fx.families[0];
  const status = (n) => staticSource(BASE, fx.origin, host(() => new Response("", { status: n })))
    .receipt({ reg: f.reg, id_last4: f.factor });
  await assert.rejects(status(503), (e) => e.kind === "server" && e.status === 503);
  await assert.rejects(status(403), (e) => e.kind === "refused" && e.status === 403);
  const offline = staticSource(BASE, fx.origin, { fetch: async () => { throw new TypeError("Failed to fetch"); } });
  await assert.rejects(offline.receipt({ reg: f.reg, id_last4: f.factor }), (e) => e.kind === "network" && e.status === 0);
});

// ------------------------------------------------------ §18.2 consistency from tiles

test("§18.2 consistency proofs from the tiles equal RFC 9162 PROOF and verify", async () => {
  const final = fx.checkpoints.at(-1);
  const src = staticSource(BASE, fx.origin, publication());
  for (const item of fx.consistency) {
    const proof = await src.consistency(item.old, final.size, verified(final));
    assert.deepEqual(proof, item.proof.map(b64), `old size ${item.old}`);
  }
  // Between two older checkpoints, under the later one or under the final one.
  const [small, middle] = fx.checkpoints;
  for (const at of [middle, final]) {
    const proof = await src.consistency(small.size, middle.size, verified(at));
    await verifyConsistency(small.size, middle.size, b64(small.root), b64(middle.root), proof);
  }
});

test("§18.2 no proof without a verified checkpoint that large, or from missing or tampered tiles", async () => {
  const [small, middle] = fx.checkpoints;
  const src = staticSource(BASE, fx.origin, publication());
  assert.equal(await src.consistency(small.size, middle.size), null); // nothing verified
  assert.equal(await src.consistency(small.size, middle.size, verified(small)), null); // beyond it
  // A checkpoint whose root the tiles do not hash to (a tampered or another log's tile).
  const flip = (path, bytes) => {
    if (!path.startsWith("tile/0/")) return bytes;
    const copy = new Uint8Array(bytes);
    copy[copy.length - 1] ^= 1;
    return copy;
  };
  const tampered = staticSource(BASE, fx.origin, publication(flip));
  assert.equal(await tampered.consistency(small.size, middle.size, verified(middle)), null);
  const missing = staticSource(BASE, fx.origin, publication((path, bytes) => (path.startsWith("tile/") ? undefined : bytes)));
  assert.equal(await missing.consistency(small.size, middle.size, verified(middle)), null);
  const offline = staticSource(BASE, fx.origin, { fetch: async () => { throw new TypeError("Failed to fetch"); } });
  assert.equal(await offline.consistency(small.size, middle.size, verified(middle)), null);
});

test("§18.2 the tiles of one checkpoint are opened once; a failed opening is retried", async () => {
  const [small, middle, final] = fx.checkpoints;
  let down = true;
  const pub = publication((path, bytes) => (down && path.startsWith("tile/") ? undefined : bytes));
  const src = staticSource(BASE, fx.origin, pub);
  assert.equal(await src.consistency(small.size, middle.size, verified(final)), null);
  down = false;
  assert.ok(await src.consistency(small.size, middle.size, verified(final)));
  const tiles = () => pub.asked.filter((a) => a.url.includes("/tile/")).length;
  const before = tiles();
  assert.ok(await src.consistency(small.size, middle.size, verified(final)));
  assert.equal(tiles(), before);
});

// ------------------------------------------------------- app server, file

test("the app server source posts the credentials and reads a text/plain receipt", async () => {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, init });
    if (url.endsWith("/proof")) return new Response("c2sp.org/tlog-proof@v1\n", { headers: { "Content-Type": "text/plain" } });
    if (url.includes("from=1")) return Response.json({ detail: "no" }, { status: 404 });
    return Response.json({ old_size: 35, new_size: 84, proof: ["00".repeat(32)] });
  };
  const src = apiSource("/api/v1/events/e", { fetch });
  assert.equal(await src.receipt({ reg: "R001", id_last4: "123X" }, 35), "c2sp.org/tlog-proof@v1\n");
  assert.deepEqual(JSON.parse(calls[0].init.body), { reg: "R001", id_last4: "123X", trusted_size: 35 });
  const proof = await src.consistency(35, 84, { size: 84, rootBytes: new Uint8Array(32) });
  assert.equal(calls[1].url, "/api/v1/events/e/checkpoints/84/consistency?from=35");
  assert.deepEqual(proof, [new Uint8Array(32)]);
  assert.equal(await src.consistency(1, 84), null);
  assert.equal(src.latest, null);
});

test("a receipt file is read locally, with no proof and no publication", async () => {
  const src = fileSource("c2sp.org/tlog-proof@v1\n");
  assert.equal(await src.receipt(), "c2sp.org/tlog-proof@v1\n");
  assert.equal(await src.consistency(1, 2), null);
  assert.equal(src.latest, null);
  assert.equal(src.context, null);
});
