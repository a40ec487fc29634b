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
  escrowPublicKey,
  makeSecret,
  openEscrow,
  sealEscrow,
} from "../../lottery_service/web/static/ceremony-crypto.js";
import { base64Decode, base64Encode, bytesToHex, hexToBytes } from "../../lottery_service/web/static/encoding.js";

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
  for (const c of SEED.cases.filter((c) => c.check === undefined && c.expected)) {
    const want = new Map(c.expected.commitments.map((x) => [x.participant, x.commitment]));
    const escrows = new Map(c.expected.escrows.map((x) => [x.participant, x.escrow]));
    for (const k of c.input.contributions) {
      if (!want.has(k.participant)) continue; // a no-commitment void
      const got = await commitment(c.input.event, c.input.ceremony, k.participant, hex(k.secret));
      assert.equal(bytesToHex(got), want.get(k.participant), `${c.name}/${k.participant}`);
      checked++;
      const logged = escrows.get(k.participant);
      if (k.ephemeral_private !== null && logged) {
        // §5.4: sealed to this ceremony's own holder key, reproduced byte for byte (a
        // participant who sealed junk sealed `sealed_secret` instead of its secret)
        const holder = await publicOf(c.input.escrow_holder_private);
        assert.equal(base64Encode(holder), c.expected.escrow_key, `${c.name} escrow_key`);
        const plain = hex(k.sealed_secret ?? k.secret);
        const escrow = await sealEscrow(plain, got, holder, hex(k.ephemeral_private));
        assert.equal(escrow, logged, `${c.name}/${k.participant} escrow`);
        sealed++;
      }
    }
  }
  assert.ok(checked >= 20, `only ${checked} commitments checked`);
  assert.ok(sealed >= 20, `only ${sealed} seed.json escrows checked`);
});

test("§5.3 worked commitment (Appendix A): notary-1 with 0x22…22 under the v2 tag", async () => {
  const worked = SEED.cases.find((c) => c.name === "worked");
  const want = worked.expected.commitments.find((x) => x.participant === "notary-1").commitment;
  const got = await commitment("demo-2026", "lottery", "notary-1", new Uint8Array(32).fill(0x22));
  assert.equal(bytesToHex(got), want);
  // Appendix A prints it abbreviated: 2b7d7715…59f8b13f
  assert.ok(want.startsWith("2b7d7715") && want.endsWith("59f8b13f"));
});

test("§5.3 seed.json rejection cases are rejected", async () => {
  const cases = SEED.cases.filter((c) => c.error && ["commitment", "opening"].includes(c.check));
  assert.ok(cases.length >= 3, `only ${cases.length} rejection cases`);
  for (const c of cases) {
    const i = c.input;
    const run = c.check === "commitment"
      ? () => commitment(i.event, i.ceremony, i.participant, hexToBytes(i.secret))
      : () => checkOpening(i.event, i.ceremony, i.participant, hex(i.secret), hex(i.commitment));
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
  const seals = ESCROW.cases.filter((c) => c.check === "seal");
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

test("§5.4 escrow.json open cases: the holder's browser opens or refuses as specified", async () => {
  const opens = ESCROW.cases.filter((c) => c.check === "open");
  assert.ok(opens.filter((c) => c.expected).length >= 1 && opens.filter((c) => c.error).length >= 6);
  for (const c of opens) {
    const i = c.input;
    const run = () => openEscrow(i.escrow, hex(i.commitment), hex(i.holder_private),
      { event: i.event, ceremony: i.ceremony, participant: i.participant });
    if (c.expected) {
      assert.equal(bytesToHex(await run()), c.expected.secret, c.name);
    } else {
      await assert.rejects(run, (e) => e instanceof CeremonyCryptoError &&
        `§${e.section}` === c.error.section, c.name);
    }
  }
});

test("§5.4 escrowPublicKey gives each seal case's holder key, and a released key's", async () => {
  for (const c of ESCROW.cases.filter((c) => c.check === "seal")) {
    assert.equal(await escrowPublicKey(hex(c.input.holder_private)),
      base64Encode(hex(c.expected.holder_public)), c.name);
  }
  const releases = ESCROW.cases.filter((c) => c.check === "release");
  assert.ok(releases.length >= 3);
  for (const c of releases) {
    const released = base64Decode(c.input.escrow_key_released.private_key);
    const matches = (await escrowPublicKey(released)) === c.input.escrow_key;
    assert.equal(matches, c.error === undefined && c.expected.public_key_matches, c.name);
  }
});

test("§5.4 a fresh escrow opens to its secret, and only for the committed participant", async () => {
  const holderPrivate = makeSecret(); // any 32 bytes are an X25519 private key (RFC 7748)
  const holder = base64Decode(await escrowPublicKey(holderPrivate));
  const secret = makeSecret();
  const who = { event: "demo-2026", ceremony: "grouping", participant: "supervisor-1" };
  const com = await commitment(who.event, who.ceremony, who.participant, secret);
  const escrow = await sealEscrow(secret, com, holder);
  assert.equal(bytesToHex(await openEscrow(escrow, com, holderPrivate, who)), bytesToHex(secret));
  await assert.rejects(() => openEscrow(escrow, com, holderPrivate, { ...who, participant: "bureau-1" }),
    CeremonyCryptoError);
  await assert.rejects(() => openEscrow(escrow, com, makeSecret(), who), CeremonyCryptoError);
});
