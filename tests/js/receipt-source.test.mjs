// Where the parents' page gets a receipt (lottery_service/web/static/receipt-source.js, PROTOCOL.md
// §14, §18.3): the family shard's address, path and decryption against privacy.json, and
// the app server's text/plain receipt with its consistency proofs.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";

import { openShard, shardAddress, shardMessage, shardPath, apiSource, staticSource }
  from "../../lottery_service/web/static/receipt-source.js";
import { VECTORS, readJSON } from "./support.mjs";

const DOC = readJSON(join(VECTORS, "privacy.json"));
const byName = (n) => DOC.shards.find((c) => c.name === n);
const bytes = (b64) => Uint8Array.from(Buffer.from(b64, "base64"));

test("§18.3 the admitted family's shard: m, address, path, and it decrypts to the receipt", async () => {
  const c = byName("shard-admitted");
  const { origin, reg, factor } = c.input;
  assert.equal(new TextDecoder().decode(shardMessage(origin, reg, factor)), c.expected.m);
  const address = await shardAddress(origin, reg, factor);
  assert.equal(address, c.expected.address);
  assert.equal(shardPath(address), c.expected.path);
  assert.equal(await openShard(bytes(c.expected.shard), { origin, reg, factor }), c.input.plaintext);
  assert.equal(await openShard(bytes(c.expected.shard), { origin, reg, factor: "999X" }), null);
  const other = byName("factor-lower-case");
  assert.equal(await shardAddress(other.input.origin, other.input.reg, other.input.factor), other.expected.address);
});

test("§18.3 a shard that does not open: tampered, or under another reg", async () => {
  const c = byName("shard-admitted");
  const tampered = bytes(c.expected.shard);
  tampered[20] ^= 1;
  assert.equal(await openShard(tampered, c.input), null);
  assert.equal(await openShard(bytes(c.expected.shard), { ...c.input, reg: "2026000104" }), null);
});

test("the static source fetches shards/<aa>/<address> and maps a missing one to not-found", async () => {
  const c = byName("shard-admitted");
  const asked = [];
  const fetch = async (url) => {
    asked.push(url);
    if (url.endsWith(c.expected.path)) return new Response(bytes(c.expected.shard));
    return new Response("", { status: 404 });
  };
  const src = staticSource("https://pub.example.cn/receipt-2026", c.input.origin, { fetch });
  assert.equal(await src.receipt({ reg: c.input.reg, id_last4: c.input.factor }), c.input.plaintext);
  assert.equal(asked[0], `https://pub.example.cn/receipt-2026/${c.expected.path}`);
  await assert.rejects(src.receipt({ reg: c.input.reg, id_last4: "000X" }), (e) => e.kind === "not_found");
});

test("the app server source posts the credentials and reads a text/plain receipt", async () => {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, init });
    if (url.endsWith("/proof")) return new Response("c2sp.org/tlog-proof@v1\n", { headers: { "Content-Type": "text/plain" } });
    return Response.json({ old_size: 35, new_size: 84, proof: ["00".repeat(32)] });
  };
  const src = apiSource("/api/v1/events/e", { fetch });
  assert.equal(await src.receipt({ reg: "R001", id_last4: "123X" }, 35), "c2sp.org/tlog-proof@v1\n");
  assert.deepEqual(JSON.parse(calls[0].init.body), { reg: "R001", id_last4: "123X", trusted_size: 35 });
  const proof = await src.consistency(35, 84);
  assert.equal(calls[1].url, "/api/v1/events/e/checkpoints/84/consistency?from=35");
  assert.deepEqual(proof, [new Uint8Array(32)]);
});
