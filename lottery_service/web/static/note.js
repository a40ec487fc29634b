// Sunshine Draw: C2SP signed notes, verifier keys and tlog checkpoints for the
// in-browser checkers (docs/PROTOCOL.md §12; https://c2sp.org/signed-note,
// https://c2sp.org/tlog-checkpoint).
//
// Parsed strictly, as Go's golang.org/x/mod/sumdb/note and lottery_service/core/note.py
// do; Ed25519 signatures are checked with WebCrypto.

import { fail } from "./errors.js";
import {
  base64Decode, bytesToHex, concat, equalBytes, isWellFormed, sha256, utf8,
} from "./encoding.js";
import { HASH_SIZE } from "./merkle.js";

const subtle = globalThis.crypto.subtle;
export const SIG_ED25519 = 0x01; // signed-note Ed25519 key type
export const ORIGIN_PREFIX = "sunshine-draw/"; // §12: origin = key name = sunshine-draw/<event-id>
const MAX_SIGNATURES = 100; // as lottery_service/core/note.py and Go's note package
const DECIMAL = /^(0|[1-9][0-9]*)$/; // §1
const HEX8 = /^[0-9a-f]{8}$/;
const CONTROL = /[\x00-\x09\x0b-\x1f]/; // signed-note: no control character but newline

function checkKeyName(name, step) {
  // signed-note "Format": non-empty, no Unicode space, no plus, no control character.
  if (typeof name !== "string" || !name || name.includes("+") || /\s/u.test(name) ||
      CONTROL.test(name) || !isWellFormed(name)) {
    fail(step, "12", "key name is empty or has a space, plus or control character");
  }
}

/** C2SP signed-note key id of a key of `type` (0x01 note, 0x04 cosignature). */
export async function keyId(name, type, publicKey) {
  // signed-note "Signatures": SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4].
  return (await sha256(concat(utf8(name), new Uint8Array([0x0a, type]), publicKey))).slice(0, 4);
}

/** Parse a C2SP verifier key `name+hex8+base64(0x01 ‖ 32-byte Ed25519 key)` strictly (§12). */
export async function parseVerifierKey(text) {
  const step = "key";
  if (typeof text !== "string") fail(step, "12", "verifier key is not a string");
  const first = text.indexOf("+");
  const second = text.indexOf("+", first + 1);
  if (first < 0 || second < 0) fail(step, "12", "verifier key is not name+keyid+key");
  const name = text.slice(0, first);
  const hexId = text.slice(first + 1, second);
  checkKeyName(name, step);
  if (!HEX8.test(hexId)) fail(step, "12", "key ID is not 8 lowercase hex digits");
  const raw = base64Decode(text.slice(second + 1), step, "12");
  if (raw.length !== 1 + 32 || raw[0] !== SIG_ED25519) {
    fail(step, "12", "verifier key is not an Ed25519 (type 0x01) 32-byte key");
  }
  const publicKey = raw.slice(1);
  const id = await keyId(name, SIG_ED25519, publicKey);
  if (bytesToHex(id) !== hexId) fail(step, "12", "key ID does not match name and key");
  return { name, keyId: id, keyIdHex: hexId, publicKey, text };
}

/**
 * Open a signed note strictly (C2SP signed-note): signature lines from other
 * keys (e.g. witness cosignatures) are ignored, every line under this key must
 * verify, and at least one must be present. Returns {text, signatures}.
 */
export async function openNote(noteText, vkey) {
  const step = "signature";
  const key = typeof vkey === "string" ? await parseVerifierKey(vkey) : vkey;
  if (typeof noteText !== "string" || !isWellFormed(noteText)) fail(step, "12", "note is not text");
  if (CONTROL.test(noteText)) fail(step, "12", "note has a control character other than newline");
  const split = noteText.lastIndexOf("\n\n");
  if (split < 0) fail(step, "12", "note has no blank line before its signatures");
  const text = noteText.slice(0, split + 1);
  const block = noteText.slice(split + 2);
  if (!block || !block.endsWith("\n")) fail(step, "12", "note signature block is empty or unterminated");
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) fail(step, "12", "note has too many signatures");
  let publicKey;
  try {
    publicKey = await subtle.importKey("raw", key.publicKey, { name: "Ed25519" }, false, ["verify"]);
  } catch (e) {
    if (e?.name === "NotSupportedError") {
      // Not a failed check: the check could not run here (pages say 未检查).
      fail("browser", "12", "this browser's WebCrypto has no Ed25519; please update the browser");
    }
    fail("key", "12", "public key is not a usable Ed25519 key");
  }
  let verified = 0;
  for (const line of lines) {
    if (!line.startsWith("\u2014 ")) fail(step, "12", "signature line does not start with an em dash");
    const rest = line.slice(2);
    const space = rest.indexOf(" ");
    if (space < 0) fail(step, "12", "signature line has no space between name and signature");
    const name = rest.slice(0, space);
    checkKeyName(name, step);
    const raw = base64Decode(rest.slice(space + 1), step, "12");
    if (raw.length < 5) fail(step, "12", "signature is shorter than a key ID and one byte");
    if (name !== key.name || !equalBytes(raw.slice(0, 4), key.keyId)) continue;
    const signature = raw.slice(4);
    let ok = false;
    if (signature.length === 64) {
      try {
        ok = await subtle.verify({ name: "Ed25519" }, publicKey, signature, utf8(text));
      } catch {
        ok = false;
      }
    }
    if (!ok) fail(step, "12", `invalid signature for key ${key.name}+${key.keyIdHex}`);
    verified++;
  }
  if (verified === 0) fail(step, "12", `note is not signed by ${key.name}+${key.keyIdHex}`);
  return { text, signatures: lines.length };
}

/** Parse tlog-checkpoint text: origin, canonical decimal size, canonical base64 32-byte root. */
export function parseCheckpoint(text) {
  const step = "checkpoint";
  if (typeof text !== "string" || !text.endsWith("\n")) fail(step, "12", "checkpoint text does not end in a newline");
  if (CONTROL.test(text) || !isWellFormed(text)) fail(step, "12", "checkpoint has a control character");
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3) fail(step, "12", "checkpoint has fewer than three lines");
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (!origin) fail(step, "12", "checkpoint origin is empty");
  if (extensions.some((l) => !l)) fail(step, "12", "checkpoint has an empty extension line");
  if (!DECIMAL.test(sizeText)) fail(step, "12", "checkpoint size is not canonical decimal");
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) fail(step, "12", "checkpoint size exceeds 2^53 − 1");
  const rootBytes = base64Decode(rootText, step, "12");
  if (rootBytes.length !== HASH_SIZE) fail(step, "12", "checkpoint root is not 32 bytes");
  return { origin, size, root: bytesToHex(rootBytes), rootBytes, extensions };
}

/**
 * Open a signed checkpoint of the log `origin` (§12): the note under `vkey`, its
 * tlog-checkpoint text, and the origin line. Returns {text, checkpoint}.
 */
export async function openCheckpoint(noteText, vkey, origin) {
  const opened = await openNote(noteText, vkey);
  const checkpoint = parseCheckpoint(opened.text);
  if (checkpoint.origin !== origin) {
    fail("checkpoint", "12", `checkpoint origin ${checkpoint.origin} is not ${origin}`);
  }
  return { text: opened.text, checkpoint };
}
