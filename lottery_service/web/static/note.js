// Sunshine Draw: C2SP signed notes, verifier keys, tlog checkpoints and cosignatures
// for the in-browser checkers (docs/PROTOCOL.md §12 v2; https://c2sp.org/signed-note,
// https://c2sp.org/tlog-checkpoint, https://c2sp.org/tlog-cosignature).
//
// Parsed strictly, as Go's golang.org/x/mod/sumdb/note does. Log signatures are
// Ed25519 (type 0x01); cosignatures are Ed25519 cosignature/v1 (0x04) or ML-DSA-44
// subtree/v1 (0x06), checked by signatures.js. The log origin is the policy's log key
// name (§12.1: per deployment), never derived from the event id here.

import { fail } from "./errors.js";
import {
  base64Decode, bytesToHex, concat, equalBytes, isWellFormed, sha256, utf8,
} from "./encoding.js";
import { HASH_SIZE } from "./merkle.js";
import { verifyEd25519, verifyMlDsa44 } from "./signatures.js";

/** signed-note key types (§12.2, §12.3). */
export const KeyType = Object.freeze({ ED25519: 0x01, COSIGNATURE_ED25519: 0x04, MLDSA44: 0x06 });
export const SIG_ED25519 = KeyType.ED25519;
const KEY_SIZE = { [KeyType.ED25519]: 32, [KeyType.COSIGNATURE_ED25519]: 32, [KeyType.MLDSA44]: 1312 };
const MAX_SIGNATURES = 100; // as Go's note package
const DECIMAL = /^(0|[1-9][0-9]*)$/; // §1
const HEX8 = /^[0-9a-f]{8}$/;
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f]/; // signed-note: no control character but newline
const MAX_TIME = (1n << 63n) - 1n; // §12.3

function checkKeyName(name, step) {
  // signed-note: non-empty, no Unicode space, no plus; §12.3: at most 255 bytes.
  if (typeof name !== "string" || !name || name.includes("+") || /\s/u.test(name) ||
      CONTROL.test(name) || !isWellFormed(name) || utf8(name).length > 255) {
    fail(step, "12", "key name is empty, too long, or has a space, plus or control character");
  }
}

/** C2SP signed-note key id: SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]. */
export async function keyId(name, type, publicKey) {
  return (await sha256(concat(utf8(name), new Uint8Array([0x0a, type]), publicKey))).slice(0, 4);
}

/**
 * Parse a verifier key `name+hex8+base64(type ‖ key)` strictly (§12.3). `types` lists the
 * key types accepted here (default: the log's Ed25519, 0x01). Returns
 * {name, type, keyId, keyIdHex, publicKey, text}.
 */
export async function parseVerifierKey(text, types = [KeyType.ED25519]) {
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
  const type = raw[0];
  if (!types.includes(type)) {
    fail(step, "12", `verifier key type 0x${(type ?? 0).toString(16).padStart(2, "0")} is not accepted here`);
  }
  if (raw.length !== 1 + KEY_SIZE[type]) fail(step, "12", `a type 0x0${type} key is not ${KEY_SIZE[type]} bytes`);
  const publicKey = raw.slice(1);
  const id = await keyId(name, type, publicKey);
  if (bytesToHex(id) !== hexId) fail(step, "12", "key ID does not match name and key");
  return { name, type, keyId: id, keyIdHex: hexId, publicKey, text };
}

/**
 * Split a signed note strictly (C2SP signed-note) into its text and signature lines
 * [{name, keyId (4 bytes), body (the bytes after the key id)}]. Nothing is verified.
 */
export function parseNote(noteText, step = "signature") {
  if (typeof noteText !== "string" || !isWellFormed(noteText)) fail(step, "12", "note is not text");
  if (CONTROL.test(noteText)) fail(step, "12", "note has a control character other than newline");
  const split = noteText.lastIndexOf("\n\n");
  if (split < 0) fail(step, "12", "note has no blank line before its signatures");
  const text = noteText.slice(0, split + 1);
  const block = noteText.slice(split + 2);
  if (!block || !block.endsWith("\n")) fail(step, "12", "note signature block is empty or unterminated");
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) fail(step, "12", "note has too many signatures");
  const signatures = lines.map((line) => {
    if (!line.startsWith("\u2014 ")) fail(step, "12", "signature line does not start with an em dash");
    const rest = line.slice(2);
    const space = rest.indexOf(" ");
    if (space < 0) fail(step, "12", "signature line has no space between name and signature");
    const name = rest.slice(0, space);
    checkKeyName(name, step);
    const raw = base64Decode(rest.slice(space + 1), step, "12");
    if (raw.length < 5) fail(step, "12", "signature is shorter than a key ID and one byte");
    return { name, keyId: raw.slice(0, 4), body: raw.slice(4) };
  });
  return { text, signatures };
}

const mine = (note, key) => note.signatures.filter((s) => s.name === key.name && equalBytes(s.keyId, key.keyId));

/**
 * The log's Ed25519 signature (§12.2): at least one line under `key`, and every such
 * line verifies (signed-note), else ProofError at `step`.
 */
export async function verifyLogSignature(note, key, step = "signature") {
  const lines = mine(note, key);
  if (lines.length === 0) fail(step, "12", `no signature by the pinned log key ${key.name}+${key.keyIdHex}`);
  for (const s of lines) {
    if (!(await verifyEd25519(key.publicKey, s.body, utf8(note.text)))) {
      fail(step, "12", `the log signature of ${key.name}+${key.keyIdHex} does not verify`);
    }
  }
}

function u64(n) {
  const out = new Uint8Array(8);
  let v = BigInt(n);
  for (let i = 7; i >= 0; i--) { out[i] = Number(v & 0xffn); v >>= 8n; }
  return out;
}

function readU64(bytes) {
  let v = 0n;
  for (const b of bytes.slice(0, 8)) v = (v << 8n) | BigInt(b);
  return v;
}

/** §12.3 ML-DSA-44 subtree/v1 signed message for witness `name` at time `t`. */
export function cosignedMessage(name, t, checkpoint) {
  const n = utf8(name);
  const o = utf8(checkpoint.origin);
  return concat(utf8("subtree/v1\n"), new Uint8Array([0, n.length]), n, u64(t),
    new Uint8Array([o.length]), o, u64(0), u64(checkpoint.size), checkpoint.rootBytes);
}

/**
 * The cosignatures of one witness key on a checkpoint note (§12.3). Returns
 * {state: "valid", timestamp} for a line that verifies, {state: "absent"} when no line
 * is under the key, {state: "not-checked"} for an ML-DSA-44 line this browser cannot
 * check; a line under the key that fails throws ProofError (signed-note: the note is
 * rejected). `checkpoint` is parseCheckpoint(note.text).
 */
export async function verifyCosignature(note, checkpoint, key, step = "signature") {
  const lines = mine(note, key);
  if (lines.length === 0) return { state: "absent" };
  let result = { state: "absent" };
  for (const s of lines) {
    const bad = () => fail(step, "12", `the cosignature of ${key.name} does not verify`);
    if (s.body.length < 8) bad();
    const t = readU64(s.body);
    if (t > MAX_TIME) bad();
    const signature = s.body.slice(8);
    let ok;
    if (key.type === KeyType.COSIGNATURE_ED25519) {
      const message = concat(utf8(`cosignature/v1\ntime ${t}\n`), utf8(note.text));
      ok = await verifyEd25519(key.publicKey, signature, message);
    } else if (key.type === KeyType.MLDSA44) {
      ok = await verifyMlDsa44(key.publicKey, signature, cosignedMessage(key.name, t, checkpoint));
      if (ok === null) { result = { state: "not-checked" }; continue; }
    } else {
      fail(step, "12", `key type 0x0${key.type} is not a cosignature key`);
    }
    if (!ok) bad();
    if (t > BigInt(Number.MAX_SAFE_INTEGER)) bad(); // a timestamp past 2^53 is not a real time
    result = { state: "valid", timestamp: Number(t) };
  }
  return result;
}

/**
 * Parse tlog-checkpoint text: origin, canonical decimal size, canonical base64 32-byte
 * root, and extension lines (v2 checkpoints have none; the receipt checker refuses them).
 */
export function parseCheckpoint(text, step = "checkpoint") {
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
  return { origin, size, root: bytesToHex(rootBytes), rootBase64: rootText, rootBytes, extensions };
}

/**
 * Open a note signed by `vkey` (text or parsed key): every line under the key verifies
 * and at least one is present; lines of other keys (cosignatures) are ignored here.
 * Returns {text, signatures: number of lines}.
 */
export async function openNote(noteText, vkey) {
  const key = typeof vkey === "string" ? await parseVerifierKey(vkey) : vkey;
  const note = parseNote(noteText);
  await verifyLogSignature(note, key);
  return { text: note.text, signatures: note.signatures.length };
}

/**
 * Open a signed checkpoint of the log `origin` under its log key (§12.2).
 * Returns {text, checkpoint}.
 */
export async function openCheckpoint(noteText, vkey, origin) {
  const opened = await openNote(noteText, vkey);
  const checkpoint = parseCheckpoint(opened.text);
  if (checkpoint.origin !== origin) {
    fail("checkpoint", "12", `checkpoint origin ${checkpoint.origin} is not ${origin}`);
  }
  return { text: opened.text, checkpoint };
}
