// Sunshine Draw: a ceremony participant's commitment and escrow, made in the browser
// (docs/PROTOCOL.md §5.3, §5.4).
//
// The JavaScript twin of lottery_service/core/seed.py's commitment(), seal_escrow()
// and open_escrow(): the secret is made on the participant's own device and only the
// commitment and the sealed escrow leave it; openEscrow() lets the escrow holder (the
// notary office) open a withheld secret with a private key that never leaves its own
// browser (§5.4). Each ceremony has its own escrow key, read from that ceremony's
// `ceremony_opened` (§5.2, §5.4), never an event-wide key. Pure functions over WebCrypto
// (globalThis.crypto.subtle, X25519 included), so the same file runs in the
// browser and under Node 20's test runner against tests/vectors/{seed,escrow}.json.
// Every failure throws CeremonyCryptoError with the PROTOCOL.md section it breaks.

import {
  base64Decode, base64Encode, bytesToHex, canonicalJSON, concat, hexToBytes,
} from "./encoding.js";

const subtle = globalThis.crypto.subtle;
const encoder = new TextEncoder();

export const COMMITMENT_TAG = "sunshine-draw/v2/commitment"; // §2.2
export const ESCROW_TAG = "sunshine-draw/v2/escrow"; // §2.2 (HKDF info)
export const CEREMONIES = Object.freeze(["lottery", "grouping", "teachers"]); // §5.1
export const SECRET_SIZE = 32; // §5.3
export const ESCROW_SIZE = 80; // E (32) ‖ ciphertext (32) ‖ GCM tag (16), §5.4
const HASH_SIZE = 32;
const EVENT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/; // §1
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/; // §1
// RFC 8410 PKCS#8 wrapping of a raw X25519 private key: WebCrypto imports no raw private keys.
const PKCS8_X25519_PREFIX = hexToBytes("302e020100300506032b656e04220420");
// The X25519 base point u = 9 (RFC 7748 §4.1): X25519(e, 9) is e's public key.
const BASE_POINT = (() => { const u = new Uint8Array(32); u[0] = 9; return u; })();
const ZERO_NONCE = new Uint8Array(12); // each escrow key is used once (§5.4)

/** A bad input or an unusable key: `section` is where PROTOCOL.md defines the rule. */
export class CeremonyCryptoError extends Error {
  constructor(section, message) {
    super(`${message} (PROTOCOL.md §${section})`);
    this.name = "CeremonyCryptoError";
    this.section = section;
  }
}

function fail(section, message) {
  throw new CeremonyCryptoError(section, message);
}

function checkBytes(value, size, what, section) {
  if (!(value instanceof Uint8Array) || value.length !== size) {
    fail(section, `${what} must be exactly ${size} bytes`);
  }
  return value;
}

function tagged(tag) {
  return concat(encoder.encode(tag), new Uint8Array([0])); // UTF8(tag) ‖ 0x00 (§2.2)
}

/** A fresh 32-byte secret from the platform's CSPRNG (§5.3); made here, never on the server. */
export function makeSecret() {
  return globalThis.crypto.getRandomValues(new Uint8Array(SECRET_SIZE));
}

/**
 * commitment = H("sunshine-draw/v2/commitment", canon({ceremony, event, participant,
 * secret: hex})) (§5.3): binds the secret to this event, ceremony and participant.
 */
export async function commitment(event, ceremony, participant, secretBytes) {
  if (typeof event !== "string" || !EVENT_ID.test(event)) fail("1", `event id ${event} is not an event id`);
  if (!CEREMONIES.includes(ceremony)) fail("5.1", `unknown ceremony ${ceremony}`);
  if (typeof participant !== "string" || !ID.test(participant)) {
    fail("5.2", `participant id ${participant} is not an id`);
  }
  checkBytes(secretBytes, SECRET_SIZE, "secret", "5.3");
  const body = canonicalJSON({ ceremony, event, participant, secret: bytesToHex(secretBytes) });
  const digest = await subtle.digest("SHA-256", concat(tagged(COMMITMENT_TAG), encoder.encode(body)));
  return new Uint8Array(digest);
}

/** Throws unless `secretBytes` recomputes `commitmentBytes` (§5.3): checked before a reveal. */
export async function checkOpening(event, ceremony, participant, secretBytes, commitmentBytes) {
  checkBytes(commitmentBytes, HASH_SIZE, "commitment", "5.3");
  const again = await commitment(event, ceremony, participant, secretBytes);
  if (bytesToHex(again) !== bytesToHex(commitmentBytes)) {
    fail("5.3", `the secret of ${participant} does not match its logged commitment`);
  }
}

async function importPublic(raw) {
  return subtle.importKey("raw", raw, { name: "X25519" }, true, []);
}

async function keyPair(privateBytes, what) {
  checkBytes(privateBytes, 32, what, "5.4");
  const privateKey = await subtle.importKey("pkcs8", concat(PKCS8_X25519_PREFIX, privateBytes),
    { name: "X25519" }, false, ["deriveBits"]);
  const publicRaw = new Uint8Array(await subtle.deriveBits(
    { name: "X25519", public: await importPublic(BASE_POINT) }, privateKey, 256));
  return { privateKey, publicKey: await importPublic(publicRaw), publicRaw };
}

/** An X25519 key pair from a fixed 32-byte private key (tests and vectors only). */
export async function ephemeralFromPrivate(privateBytes) {
  const { privateKey, publicKey } = await keyPair(privateBytes, "ephemeral private key");
  return { privateKey, publicKey };
}

/**
 * The escrow holder's public key, base64, of a 32-byte X25519 private key: what the
 * holder's browser compares with the ceremony's `escrow_key` before opening anything,
 * and what a released key must give (§5.4).
 */
export async function escrowPublicKey(holderPrivateBytes) {
  return base64Encode((await keyPair(holderPrivateBytes, "escrow private key")).publicRaw);
}

async function escrowKey(shared, E, P, commitmentBytes, usage) {
  const ikm = await subtle.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
  return subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: concat(E, P),
      info: concat(tagged(ESCROW_TAG), commitmentBytes) },
    ikm, { name: "AES-GCM", length: 256 }, false, [usage]);
}

/**
 * escrow = base64(E ‖ AES-256-GCM(k, nonce 0¹², secret, aad = commitment)) with
 * k = HKDF-SHA256(X25519(e, P), salt E ‖ P, info tag ‖ 0x00 ‖ commitment, 32) (§5.4),
 * so the escrow holder can open a withheld secret and no missing reveal re-draws.
 *
 * `ephemeral` is optional: omitted, a fresh key pair is generated (the only safe use,
 * as the nonce is fixed); a 32-byte Uint8Array private key or a CryptoKeyPair fixes it
 * for tests.
 */
export async function sealEscrow(secretBytes, commitmentBytes, holderPublicBytes, ephemeral) {
  checkBytes(secretBytes, SECRET_SIZE, "secret", "5.4");
  checkBytes(commitmentBytes, HASH_SIZE, "commitment", "5.4");
  checkBytes(holderPublicBytes, 32, "escrow public key", "5.4");
  let pair = ephemeral;
  if (pair === undefined) {
    pair = await subtle.generateKey({ name: "X25519" }, true, ["deriveBits"]);
  } else if (pair instanceof Uint8Array) {
    pair = await ephemeralFromPrivate(pair);
  }
  const E = new Uint8Array(await subtle.exportKey("raw", pair.publicKey));
  const holder = await importPublic(holderPublicBytes);
  let shared;
  try {
    shared = await subtle.deriveBits({ name: "X25519", public: holder }, pair.privateKey, 256);
  } catch (e) { // low-order holder key: WebCrypto refuses the all-zero shared secret
    fail("5.4", `escrow public key is not usable (${e.message})`);
  }
  const key = await escrowKey(shared, E, holderPublicBytes, commitmentBytes, "encrypt");
  const sealed = new Uint8Array(await subtle.encrypt(
    { name: "AES-GCM", iv: ZERO_NONCE, additionalData: commitmentBytes, tagLength: 128 },
    key, secretBytes));
  return base64Encode(concat(E, sealed));
}

/**
 * The secret sealed in `escrow` (base64, §5.4), opened with the holder's 32-byte
 * private key and checked against the participant's logged commitment (§5.3): what
 * the service logs as `escrow_opened`. Throws CeremonyCryptoError when the escrow is
 * not 80 bytes, does not decrypt, or opens to a secret that is not the committed one
 * (the `escrow-invalid` cases of §5.4).
 */
export async function openEscrow(escrow, commitmentBytes, holderPrivateBytes,
  { event, ceremony, participant }) {
  checkBytes(commitmentBytes, HASH_SIZE, "commitment", "5.4");
  let raw;
  try {
    raw = base64Decode(escrow, "escrow", "1");
  } catch (e) {
    fail("1", `escrow is not canonical base64 (${e.message})`);
  }
  if (raw.length !== ESCROW_SIZE) fail("5.4", `an escrow is ${ESCROW_SIZE} bytes before base64`);
  const E = raw.slice(0, 32);
  const holder = await keyPair(holderPrivateBytes, "escrow private key");
  let shared;
  try {
    shared = await subtle.deriveBits({ name: "X25519", public: await importPublic(E) },
      holder.privateKey, 256);
  } catch (e) {
    fail("5.4", `the escrow does not decrypt (${e.message})`);
  }
  const key = await escrowKey(shared, E, holder.publicRaw, commitmentBytes, "decrypt");
  let secret;
  try {
    secret = new Uint8Array(await subtle.decrypt(
      { name: "AES-GCM", iv: ZERO_NONCE, additionalData: commitmentBytes, tagLength: 128 },
      key, raw.slice(32)));
  } catch {
    fail("5.4", "the escrow does not decrypt");
  }
  if (secret.length !== SECRET_SIZE) fail("5.4", "the plaintext does not match the commitment");
  const again = await commitment(event, ceremony, participant, secret);
  if (bytesToHex(again) !== bytesToHex(commitmentBytes)) {
    fail("5.4", "the plaintext does not match the commitment");
  }
  return secret;
}
