// Sunshine Draw: a supervisor's C2SP tlog-cosignature/v1, made in the browser
// (docs/PROTOCOL.md §12, https://c2sp.org/tlog-cosignature).
//
// The JavaScript twin of lottery_service/core/note.py's Signer.from_private_key_text()
// and cosign(): it reads the Go-form private key file that `sunshine witness keygen`
// writes and signs a checkpoint with WebCrypto Ed25519, so the key never leaves the
// supervisor's browser. Ed25519 is deterministic, so a line made here is byte for byte
// the line the Python core makes for the same key, checkpoint and time
// (tests/test_cosign_js.py). Pure functions; runs in the browser and in Node 20.
// Every failure throws errors.js's ProofError (step "key" or "cosign", section 12).

import { ProofError } from "./errors.js";
import { base64Decode, base64Encode, bytesToHex, concat, hexToBytes } from "./encoding.js";
import { SIG_ED25519, keyId, parseCheckpoint, parseVerifierKey } from "./note.js";

const subtle = globalThis.crypto.subtle;
const encoder = new TextEncoder();

export const SIG_COSIGNATURE_V1 = 0x04; // tlog-cosignature "Format"
const PRIVATE_PREFIX = "PRIVATE+KEY+"; // Go's golang.org/x/mod/sumdb/note secret key form
// RFC 8410 PKCS#8 wrapping of a raw Ed25519 seed: WebCrypto imports no raw private keys.
const PKCS8_ED25519_PREFIX = hexToBytes("302e020100300506032b657004220420");
const MAX_TIMESTAMP = 2n ** 63n - 1n; // tlog-cosignature "Format"

function fail(step, message) {
  throw new ProofError(step, "12", message);
}

function base64UrlDecode(text) {
  // JWK members are unpadded base64url (RFC 7515 §2); encoding.js decodes the standard form.
  const std = text.replace(/-/g, "+").replace(/_/g, "/");
  return base64Decode(std + "=".repeat((4 - (std.length % 4)) % 4), "key", "12");
}

/**
 * Parse the private key file text `PRIVATE+KEY+<name>+<hex key ID>+base64(0x01 ‖ seed)`
 * strictly, as Signer.from_private_key_text does; surrounding whitespace (the file's
 * final newline) is ignored. The key ID must match the derived type 0x01 key.
 *
 * Returns {name, publicKey, privateKey (a non-extractable WebCrypto signing key),
 * verifierKey (the 0x01 form, which is what the key ID names), witnessKey (the
 * type 0x04 verifier key the event registers, `sunshine witness keygen`'s output),
 * witnessKeyId (4 bytes)}.
 */
export async function parsePrivateKey(text) {
  const step = "key";
  if (typeof text !== "string") fail(step, "private key is not text");
  const key = text.trim();
  if (!key.startsWith(PRIVATE_PREFIX)) fail(step, "private key does not start with PRIVATE+KEY+");
  const rest = key.slice(PRIVATE_PREFIX.length);
  const first = rest.indexOf("+");
  const second = rest.indexOf("+", first + 1);
  if (first < 0 || second < 0) fail(step, "private key is not PRIVATE+KEY+name+keyid+key");
  const raw = base64Decode(rest.slice(second + 1), step, "12");
  if (raw.length !== 1 + 32 || raw[0] !== SIG_ED25519) {
    fail(step, "private key is not type 0x01 followed by a 32-byte Ed25519 seed");
  }
  const pkcs8 = concat(PKCS8_ED25519_PREFIX, raw.slice(1));
  let extractable;
  try {
    extractable = await subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, true, ["sign"]);
  } catch (e) {
    if (e?.name === "NotSupportedError") {
      fail(step, "this browser's WebCrypto has no Ed25519; please update the browser");
    }
    fail(step, "private key is not a usable Ed25519 seed");
  }
  // WebCrypto has no "public key of": the JWK export carries it (x) next to the seed (d).
  const publicKey = base64UrlDecode((await subtle.exportKey("jwk", extractable)).x);
  const privateKey = await subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
  // The 0x01 verifier key text: note.js checks the name and that the key ID matches.
  const verifier = await parseVerifierKey(
    `${rest.slice(0, second)}+${base64Encode(concat(new Uint8Array([SIG_ED25519]), publicKey))}`);
  const witnessKeyId = await keyId(verifier.name, SIG_COSIGNATURE_V1, publicKey);
  const typed = base64Encode(concat(new Uint8Array([SIG_COSIGNATURE_V1]), publicKey));
  return {
    name: verifier.name,
    publicKey,
    privateKey,
    verifierKey: verifier.text,
    witnessKey: `${verifier.name}+${bytesToHex(witnessKeyId)}+${typed}`,
    witnessKeyId,
  };
}

function timestampArg(timestamp) {
  // A Number must be a safe integer; a BigInt may go up to 2^63 − 1.
  let t;
  if (typeof timestamp === "bigint") t = timestamp;
  else if (Number.isSafeInteger(timestamp)) t = BigInt(timestamp);
  else fail("cosign", "cosignature timestamp is not an integer");
  if (t < 0n || t > MAX_TIMESTAMP) fail("cosign", `cosignature timestamp ${t} is outside 0..2^63-1`);
  return t;
}

/**
 * The tlog-cosignature/v1 line `— <name> base64(key ID ‖ uint64be time ‖ Ed25519 sig)\n`
 * on checkpoint note text (without signatures), signed at `timestamp` (Unix seconds)
 * over `cosignature/v1\ntime <timestamp>\n` ‖ checkpointBody. `key` is the private
 * key file text or what parsePrivateKey returned.
 */
export async function cosignatureLine(checkpointBody, key, timestamp) {
  parseCheckpoint(checkpointBody); // strict: only a well-formed checkpoint is cosigned
  const time = timestampArg(timestamp);
  const signer = typeof key === "string" ? await parsePrivateKey(key) : key;
  const message = encoder.encode(`cosignature/v1\ntime ${time}\n${checkpointBody}`);
  const signature = new Uint8Array(await subtle.sign({ name: "Ed25519" }, signer.privateKey, message));
  const stamp = new Uint8Array(8);
  new DataView(stamp.buffer).setBigUint64(0, time, false);
  return `\u2014 ${signer.name} ${base64Encode(concat(signer.witnessKeyId, stamp, signature))}\n`;
}
