// The participant page's commitment and escrow (lottery_service/web/static/ceremony-crypto.js,
// PROTOCOL.md §5.3, §5.4) against the shared vectors, in Node 20's WebCrypto.
// Run: node --test tests/js/   (no npm packages)

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import {
  CeremonyCryptoError,
  ESCROW_SIZE,
  checkOpening,
  commitment,
  ephemeralFromPrivate,
  makeSecret,
  sealEscrow,
} from "../../lottery_service/web/static/ceremony-crypto.js";
import { base64Decode, bytesToHex, hexToBytes } from "../../lottery_service/web/static/encoding.js";

const VECTORS = join(dirname(fileURLToPath(import.meta.url)), "..", "vectors");
const readJSON = (name) => JSON.parse(readFileSync(join(VECTORS, name), "utf-8"));
const SEED = readJSON("seed.json");
const ESCROW = readJSON("escrow.json");
const hex = (h) => hexToBytes(h);

async function publicOf(privateHex) {
  const pair = await ephemeralFromPrivate(hex(privateHex));
  return new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
}

test("§5.3, §5.4 commitments and escrows of every seed.json case are reproduced", async () => {
  let checked = 0;
  let sealed = 0;
  for (const c of SEED.cases.filter((c) => c.input.check === "seed" && c.expected)) {
    const want = new Map(c.expected.commitments.map((x) => [x.participant, x.commitment]));
    const escrows = new Map(c.expected.escrows.map((x) => [x.participant, x.escrow]));
    for (const k of c.input.contributions) {
      if (!want.has(k.participant)) continue; // a no-commitment void
      const got = await commitment(c.input.event, c.input.ceremony, k.participant, hex(k.secret));
      assert.equal(bytesToHex(got), want.get(k.participant), `${c.name}/${k.participant}`);
      checked++;
      if (k.ephemeral_private !== null && escrows.has(k.participant)) { // §5.4 escrow_opened
        const holder = await publicOf(c.input.escrow_holder_private);
        const escrow = await sealEscrow(hex(k.secret), got, holder, hex(k.ephemeral_private));
        assert.equal(escrow, escrows.get(k.participant), `${c.name}/${k.participant} escrow`);
        sealed++;
      }
    }
  }
  assert.ok(checked >= 20, `only ${checked} commitments checked`);
  assert.ok(sealed >= 1, "no seed.json escrow checked");
});

test("§5.3 worked commitment: notary-1 with 0x22…22", async () => {
  const got = await commitment("demo-2026", "lottery", "notary-1", new Uint8Array(32).fill(0x22));
  assert.equal(bytesToHex(got), "b2e6927df3e47d7a87598d43268878e338c554d569d6987d89ba6f92f0790ca0");
});

test("§5.3 seed.json rejection cases are rejected", async () => {
  for (const c of SEED.cases.filter((c) => c.error && ["commitment", "opening"].includes(c.input.check))) {
    const i = c.input;
    const secret = hex(i.secret);
    const run = i.check === "commitment"
      ? () => commitment(i.event, i.ceremony, i.participant, secret)
      : () => checkOpening(i.event, i.ceremony, i.participant, secret, hex(i.commitment));
    await assert.rejects(run, CeremonyCryptoError, c.name);
  }
});

test("§5.3 commitment binds event, ceremony and participant, and checks ids", async () => {
  const s = new Uint8Array(32).fill(7);
  const base = bytesToHex(await commitment("e-1", "lottery", "notary-1", s));
  assert.notEqual(bytesToHex(await commitment("e-2", "lottery", "notary-1", s)), base);
  assert.notEqual(bytesToHex(await commitment("e-1", "grouping", "notary-1", s)), base);
  assert.notEqual(bytesToHex(await commitment("e-1", "lottery", "notary-2", s)), base);
  await assert.rejects(() => commitment("E-1", "lottery", "notary-1", s), CeremonyCryptoError);
  await assert.rejects(() => commitment("e-1", "draw", "notary-1", s), CeremonyCryptoError);
  await assert.rejects(() => commitment("e-1", "lottery", "张三", s), CeremonyCryptoError);
  await checkOpening("e-1", "lottery", "notary-1", s, hex(base));
});

test("§5.4 escrow.json seal cases: fixed ephemeral key gives the expected bytes", async () => {
  const seals = ESCROW.cases.filter((c) => c.input.check === "seal");
  assert.ok(seals.length >= 4);
  for (const c of seals) {
    const i = c.input;
    const com = await commitment(i.event, i.ceremony, i.participant, hex(i.secret));
    assert.equal(bytesToHex(com), c.expected.commitment, c.name);
    const holder = await publicOf(i.holder_private);
    assert.equal(bytesToHex(holder), c.expected.holder_public, c.name);
    const escrow = await sealEscrow(hex(i.secret), com, holder, hex(i.ephemeral_private));
    assert.equal(escrow, c.expected.escrow, c.name);
    assert.equal(bytesToHex(base64Decode(escrow).slice(0, 32)), c.expected.ephemeral_public);
  }
});

test("§5.4 a fresh escrow is 80 bytes, new each time, and its E is fresh", async () => {
  const holder = await publicOf("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
  const secret = makeSecret();
  assert.equal(secret.length, 32);
  const com = await commitment("demo-2026", "lottery", "notary-1", secret);
  const a = base64Decode(await sealEscrow(secret, com, holder));
  const b = base64Decode(await sealEscrow(secret, com, holder));
  assert.equal(a.length, ESCROW_SIZE);
  assert.notEqual(bytesToHex(a.slice(0, 32)), bytesToHex(b.slice(0, 32)));
  assert.notEqual(bytesToHex(makeSecret()), bytesToHex(secret));
});

test("§5.4 bad sizes and a low-order holder key are refused", async () => {
  const s = new Uint8Array(32).fill(1);
  const com = new Uint8Array(32).fill(2);
  const holder = await publicOf("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
  await assert.rejects(() => sealEscrow(s.slice(1), com, holder), CeremonyCryptoError);
  await assert.rejects(() => sealEscrow(s, com.slice(1), holder), CeremonyCryptoError);
  await assert.rejects(() => sealEscrow(s, com, holder.slice(1)), CeremonyCryptoError);
  await assert.rejects(() => sealEscrow(s, com, new Uint8Array(32)), CeremonyCryptoError);
});
