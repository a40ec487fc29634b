// Family shards in the browser (lottery_service/web/static/shard.js, PROTOCOL.md §18.3) against the
// Python writer's shards and the §2.2 definition computed with node:crypto.
// Run: node --test tests/js/

import assert from "node:assert/strict";
import { createDecipheriv, createHash } from "node:crypto";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { after, before, test } from "node:test";

import {
  ShardError, fetchShard, normaliseFactor, normaliseReg, openShard, shardAddress, shardMessage,
  shardPath,
} from "../../lottery_service/web/static/shard.js";
import { b64, makePublication } from "./publication-fixture.mjs";

let fx;
before(() => { fx = makePublication(); });
after(() => rmSync(dirname(fx.base), { recursive: true, force: true }));

const tagged = (tag, m) => createHash("sha256").update(tag).update(Buffer.from([0])).update(m).digest();

test("§18.3 address and key are H(tag, canon({origin, reg, factor})) of §2.2", async () => {
  const m = `{"factor":"123X","origin":"${fx.origin}","reg":"2026000001"}`;
  assert.equal(new TextDecoder().decode(shardMessage(fx.origin, "2026000001", "123X")), m);
  const address = tagged("sunshine-draw/v2/shard-address", m).toString("hex");
  assert.equal(await shardAddress(fx.origin, "2026000001", "123X"), address);
  assert.equal(address, fx.vector.address);
  assert.equal(shardPath(address), `shards/${address.slice(0, 2)}/${address}`);
  // The Python vector (fixed nonce) decrypts with node:crypto under the §18.3 key and AAD.
  const key = tagged("sunshine-draw/v2/shard-key", m);
  const shard = Buffer.from(b64(fx.vector.shard));
  assert.deepEqual(shard.subarray(0, 12), Buffer.from(b64(fx.vector.nonce)));
  const decipher = createDecipheriv("aes-256-gcm", key, shard.subarray(0, 12));
  decipher.setAAD(Buffer.from(address));
  decipher.setAuthTag(shard.subarray(-16));
  const plain = Buffer.concat([decipher.update(shard.subarray(12, -16)), decipher.final()]);
  assert.equal(plain.toString("utf-8"), fx.families[0].receipt);
});

test("§18.3 every family's published shard opens with its reg and factor only", async () => {
  for (const family of fx.families) {
    const address = await shardAddress(fx.origin, family.reg, family.factor);
    const data = await fx.read(shardPath(address));
    assert.equal(await openShard(data, { origin: fx.origin, ...family }), family.receipt);
    const other = fx.families.find((f) => f.reg !== family.reg);
    await assert.rejects(openShard(data, { origin: fx.origin, reg: family.reg, factor: other.factor }),
      (e) => e instanceof ShardError && e.code === "decrypt");
    const tampered = new Uint8Array(data);
    tampered[20] ^= 1;
    await assert.rejects(openShard(tampered, { origin: fx.origin, ...family }), ShardError);
  }
  await assert.rejects(openShard(new Uint8Array(10), { origin: fx.origin, reg: "2026000001", factor: "123X" }), /不完整/);
});

test("§18.3 typed input is normalised, malformed input refused with Chinese first", () => {
  assert.equal(normaliseFactor(" 123x "), "123X");
  assert.equal(normaliseReg("a1b2"), "A1B2");
  for (const bad of ["12345", "X123", "12 3", ""]) {
    assert.throws(() => normaliseFactor(bad), (e) => e.code === "format" && /^身份证/.test(e.message));
  }
  assert.throws(() => normaliseReg("20-26"), (e) => e.code === "format" && /^报名号/.test(e.message));
  assert.throws(() => shardMessage(fx.origin, "2026000001", "123x"), ShardError);
  assert.throws(() => shardPath("AB"), ShardError);
});

test("§18.3 fetchShard finds the family's file under the publication, 404 says not found", async () => {
  const fake = async (url) => {
    const path = url.slice("https://cdn.example/e/".length);
    try {
      return new Response(await fx.read(path));
    } catch {
      return new Response("", { status: 404 });
    }
  };
  const family = fx.families[1];
  const got = await fetchShard("https://cdn.example/e", { origin: fx.origin, reg: family.reg, factor: family.factor.toLowerCase() }, fake);
  assert.equal(got.receipt, family.receipt);
  await assert.rejects(fetchShard("https://cdn.example/e", { origin: fx.origin, reg: family.reg, factor: "0000" }, fake),
    (e) => e.code === "not-found");
  await assert.rejects(fetchShard("https://cdn.example/e", { origin: fx.origin, reg: family.reg, factor: family.factor },
    async () => { throw new Error("offline"); }), (e) => e.code === "fetch");
});
