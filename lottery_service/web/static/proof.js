// Sunshine Draw: the parents' in-browser proof checker (docs/PROTOCOL.md §14).
//
// A third, independent implementation of the parts of the protocol a family
// needs: lottery numbers (§6), RFC 9162 Merkle proofs (§4), C2SP signed-note
// checkpoints (§12), strict canonical JSON (§2.1, §2.3) and the applicant proof
// (§14). It has no dependencies and uses only WebCrypto (globalThis.crypto.subtle),
// so the same file runs in the browser (<script type="module">) and in Node 20.
//
// Every failure throws ProofError with `.step` (what was being checked) and
// `.section` (the PROTOCOL.md section that defines it); nothing returns false.

const subtle = globalThis.crypto.subtle;
const encoder = new TextEncoder();

export const LOTTERY_NUMBER_TAG = "sunshine-draw/v1/lottery-number";
export const ORIGIN_PREFIX = "sunshine-draw/";
const SIG_ED25519 = 0x01;
const HASH_SIZE = 32;
const MAX_SIGNATURES = 100; // as lottery_service/core/note.py and Go's note package
const MAX_DEPTH = 64; // JSON nesting; v1 values are shallow
const REG = /^[A-Z0-9]{4,32}$/; // §1
const EVENT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/; // §1
const DECIMAL = /^(0|[1-9][0-9]*)$/; // §1
const HEX8 = /^[0-9a-f]{8}$/;
const CONTROL = /[\x00-\x09\x0b-\x1f]/; // signed-note: no control character but newline
const ENTRY_TYPES = new Set([ // §11.2; unknown types are rejected (§2.3)
  "event_created", "ceremony_opened", "eligibility_rejections", "input_records",
  "input_frozen", "commitment", "commitments_closed", "reveal", "escrow_opened",
  "contribution_void", "physical_entropy", "beacon", "seed", "lottery_results",
  "bias_audit", "payment_round", "promotions", "payments_closed", "grouping_results",
  "matching_results", "notifications_sent", "correction", "published",
  "escrow_key_released",
]);

/** Every failure of the checker: `step` says what failed, `section` where PROTOCOL.md defines it. */
export class ProofError extends Error {
  constructor(step, section, message) {
    super(`${step}: ${message} (PROTOCOL.md §${section})`);
    this.name = "ProofError";
    this.step = step;
    this.section = section;
  }
}

function fail(step, section, message) {
  throw new ProofError(step, section, message);
}

// ------------------------------------------------------------------ bytes (§1)

export function bytesToHex(bytes) {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** Lowercase hex of exactly `size` bytes (§1: upper case, odd or other lengths are refused). */
export function hexToBytes(hex, size, step = "input", section = "1") {
  if (typeof hex !== "string" || !/^([0-9a-f]{2})*$/.test(hex)) {
    fail(step, section, "value is not lowercase hex");
  }
  if (size !== undefined && hex.length !== 2 * size) {
    fail(step, section, `hex value is ${hex.length / 2} bytes, expected ${size}`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

export function base64Encode(bytes) {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[n >> 18] + B64[(n >> 12) & 63];
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63] : "=";
    out += i + 2 < bytes.length ? B64[n & 63] : "=";
  }
  return out;
}

/** RFC 4648 §4 base64, canonical only (§1): decode, re-encode, compare. */
export function base64Decode(text, step = "input", section = "1") {
  if (typeof text !== "string" || text.length % 4 !== 0 ||
      !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    fail(step, section, "value is not padded standard base64");
  }
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = text[i + j];
      n = (n << 6) | (c === "=" ? 0 : B64.indexOf(c));
    }
    for (const shift of [16, 8, 0]) if (o < out.length) out[o++] = (n >> shift) & 255;
  }
  if (base64Encode(out) !== text) fail(step, section, "base64 is not canonical");
  return out;
}

/** Bytes of all parts, in order. */
export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

function utf8(text) {
  return encoder.encode(text);
}

function isWellFormed(text) {
  // No lone surrogates (§2.1): TextEncoder would silently replace them.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}

async function sha256(bytes) {
  return new Uint8Array(await subtle.digest("SHA-256", bytes));
}

async function hmacSha256(key, message) {
  const k = await subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await subtle.sign("HMAC", k, message));
}

// ----------------------------------------------------- strict JSON (§2.1, §2.3)

/**
 * Parse JSON in the v1 domain: no duplicate keys, no floats or exponents,
 * integers within ±(2^53 − 1), no lone surrogates, no control characters in strings.
 */
export function parseStrictJSON(text, step = "input", section = "2.3") {
  if (typeof text !== "string") fail(step, section, "JSON text is not a string");
  let i = 0;
  const bad = (why) => fail(step, section, `JSON ${why} at offset ${i}`);
  const ws = () => { while (i < text.length && " \t\n\r".includes(text[i])) i++; };
  const literal = (word, value) => {
    if (text.startsWith(word, i)) { i += word.length; return value; }
    return bad("has an unexpected token");
  };
  const string = () => {
    i++; // opening quote
    let out = "";
    for (;;) {
      if (i >= text.length) bad("has an unterminated string");
      const c = text[i];
      const code = text.charCodeAt(i);
      if (c === '"') { i++; break; }
      if (code < 0x20) bad("string has a raw control character");
      if (c !== "\\") { out += c; i++; continue; }
      const e = text[i + 1];
      const simple = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
      if (e in simple) { out += simple[e]; i += 2; continue; }
      if (e !== "u" || !/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) bad("has a bad escape");
      out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
      i += 6;
    }
    if (!isWellFormed(out)) bad("string has a lone surrogate");
    return out;
  };
  const number = () => {
    const m = /^-?(0|[1-9][0-9]*)([.eE])?/.exec(text.slice(i, i + 40));
    if (!m) bad("has a malformed number");
    if (m[2]) bad("has a non-integer number (v1 has no floats)");
    const n = Number(m[0]);
    if (!Number.isSafeInteger(n) || Object.is(n, -0)) bad("integer is out of range");
    i += m[0].length;
    return n;
  };
  const value = (depth) => {
    if (depth > MAX_DEPTH) bad("is nested too deeply");
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const obj = Object.create(null);
      const keys = new Set();
      ws();
      if (text[i] === "}") { i++; return obj; }
      for (;;) {
        ws();
        if (text[i] !== '"') bad("object key is not a string");
        const key = string();
        if (keys.has(key)) bad(`has duplicate key ${JSON.stringify(key)}`);
        keys.add(key);
        ws();
        if (text[i] !== ":") bad("is missing a colon");
        i++;
        obj[key] = value(depth + 1);
        ws();
        if (text[i] === ",") { i++; continue; }
        if (text[i] === "}") { i++; return obj; }
        bad("object is not closed");
      }
    }
    if (c === "[") {
      i++;
      const arr = [];
      ws();
      if (text[i] === "]") { i++; return arr; }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[i] === ",") { i++; continue; }
        if (text[i] === "]") { i++; return arr; }
        bad("array is not closed");
      }
    }
    if (c === '"') return string();
    if (c === "t") return literal("true", true);
    if (c === "f") return literal("false", false);
    if (c === "n") return literal("null", null);
    if (c === "-" || (c >= "0" && c <= "9")) return number();
    return bad("has an unexpected token");
  };
  const result = value(0);
  ws();
  if (i !== text.length) bad("has trailing data");
  return result;
}

/** RFC 8785 canonical JSON for the v1 domain (§2.1): sorted ASCII keys, no whitespace. */
export function canonicalJSON(v) {
  if (v === null || v === true || v === false) return String(v);
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) fail("input", "2.1", "number is not a safe integer");
    return String(v);
  }
  if (typeof v === "string") {
    if (!isWellFormed(v)) fail("input", "2.1", "string has a lone surrogate");
    return JSON.stringify(v); // RFC 8785 string escaping is ECMAScript's
  }
  if (Array.isArray(v)) return "[" + v.map(canonicalJSON).join(",") + "]";
  if (typeof v === "object") {
    const keys = Object.keys(v);
    for (const k of keys) {
      if (!/^[\x00-\x7f]*$/.test(k)) fail("input", "2.1", "object key is not ASCII");
    }
    keys.sort(); // UTF-16 code unit order = code point order for ASCII keys
    return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonicalJSON(v[k])).join(",") + "}";
  }
  return fail("input", "2.1", `value of type ${typeof v} is outside the v1 domain`);
}

/** Parse text that must be canon(value) exactly (§2.3: re-encode and compare). */
export function parseCanonical(text, step, section = "2.3") {
  const value = parseStrictJSON(text, step, section);
  let again;
  try {
    again = canonicalJSON(value);
  } catch (e) {
    if (e instanceof ProofError) fail(step, section, e.message);
    throw e;
  }
  if (again !== text) fail(step, section, "text is not canonical JSON");
  return value;
}

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Require exactly these members (§2.3: unknown members are refused). */
function members(obj, names, what, step, section) {
  if (!isObject(obj)) fail(step, section, `${what} is not an object`);
  const have = Object.keys(obj).sort();
  const want = [...names].sort();
  if (have.join("\n") !== want.join("\n")) {
    fail(step, section, `${what} has members {${have}}, expected {${want}}`);
  }
  return obj;
}

function int(v, what, step, section, min = 0) {
  if (!Number.isSafeInteger(v) || v < min) fail(step, section, `${what} is not an integer ≥ ${min}`);
  return v;
}

function str(v, what, step, section, pattern) {
  if (typeof v !== "string" || (pattern && !pattern.test(v))) {
    fail(step, section, `${what} is not a valid string`);
  }
  return v;
}

// --------------------------------------------------------- lottery number (§6)

/** number(reg) = HMAC-SHA256(seed, UTF8(tag) ‖ 0x00 ‖ UTF8(reg)) as lowercase hex (§2.2, §6). */
export async function lotteryNumber(seedHex, reg) {
  const seed = hexToBytes(seedHex, HASH_SIZE, "number", "6");
  str(reg, "registration number", "number", "1", REG);
  const message = concat(utf8(LOTTERY_NUMBER_TAG), new Uint8Array([0]), utf8(reg));
  return bytesToHex(await hmacSha256(seed, message));
}

// --------------------------------------------------------------- Merkle (§4)

function hashArg(h, what, step, section) {
  if (typeof h === "string") return hexToBytes(h, HASH_SIZE, step, section);
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    fail(step, section, `${what} is not a 32-byte hash`);
  }
  return h;
}

function sizeArg(n, what, step, section) {
  if (!Number.isSafeInteger(n) || n < 0) fail(step, section, `${what} is not a non-negative integer`);
  return BigInt(n);
}

/** RFC 9162 leaf hash: SHA-256(0x00 ‖ data); a string is taken as its UTF-8 bytes. */
export async function leafHash(data) {
  const bytes = typeof data === "string" ? utf8(data) : data;
  return sha256(concat(new Uint8Array([0]), bytes));
}

async function nodeHash(left, right) {
  return sha256(concat(new Uint8Array([1]), left, right));
}

async function inclusion(leaf, index, size, proof, root, step, section) {
  const lh = hashArg(leaf, "leaf hash", step, section);
  const rt = hashArg(root, "root", step, section);
  if (!Array.isArray(proof)) fail(step, section, "inclusion proof is not a list");
  const path = proof.map((p) => hashArg(p, "proof hash", step, section));
  let fn = sizeArg(index, "leaf index", step, section);
  let sn = sizeArg(size, "tree size", step, section);
  // RFC 9162 §2.1.3.2 step 1.
  if (fn >= sn) fail(step, section, `leaf index ${index} is outside a tree of size ${size}`);
  // Steps 2-4.
  sn -= 1n;
  let r = lh;
  for (const p of path) {
    if (sn === 0n) fail(step, section, "inclusion proof is too long");
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  // Step 5.
  if (sn !== 0n) fail(step, section, "inclusion proof is too short");
  if (!equalBytes(r, rt)) fail(step, section, "inclusion proof does not lead to the root");
}

/** RFC 9162 §2.1.3.2; hashes as Uint8Array or lowercase hex. Throws ProofError step "inclusion". */
export async function verifyInclusion(leafHashValue, index, size, proofHashes, root) {
  await inclusion(leafHashValue, index, size, proofHashes, root, "inclusion", "4");
}

async function consistency(oldSize, newSize, oldRoot, newRoot, proof, step, section) {
  if (!Array.isArray(proof)) fail(step, section, "consistency proof is not a list");
  const path = proof.map((p) => hashArg(p, "proof hash", step, section));
  const first = sizeArg(oldSize, "old size", step, section);
  const second = sizeArg(newSize, "new size", step, section);
  if (first > second) fail(step, section, `old size ${oldSize} exceeds new size ${newSize}`);
  if (first === second) {
    // Outside the RFC's 0 < first < second: equal trees, nothing to prove. As in
    // the upstream vectors (and lottery_service/core/merkle.py) the roots are only
    // compared here, whatever their length.
    const asBytes = (h, what) => (h instanceof Uint8Array ? h : hashArg(h, what, step, section));
    const r1 = asBytes(oldRoot, "old root");
    const r2 = asBytes(newRoot, "new root");
    if (path.length !== 0) fail(step, section, "consistency proof between equal sizes is not empty");
    if (!equalBytes(r1, r2)) fail(step, section, "two different roots for one tree size (fork)");
    if (first === 0n && !equalBytes(r1, await sha256(new Uint8Array(0)))) {
      fail(step, section, "root of the empty tree is not SHA-256 of the empty string");
    }
    return;
  }
  if (first === 0n) fail(step, section, "consistency proof from an empty tree is meaningless");
  const r1 = hashArg(oldRoot, "old root", step, section);
  const r2 = hashArg(newRoot, "new root", step, section);
  // RFC 9162 §2.1.4.2 step 1.
  if (path.length === 0) fail(step, section, "consistency proof is empty");
  // Step 2.
  if ((first & (first - 1n)) === 0n) path.unshift(r1);
  // Steps 3-4.
  let fn = first - 1n;
  let sn = second - 1n;
  while ((fn & 1n) === 1n) { fn >>= 1n; sn >>= 1n; }
  // Steps 5-6.
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) fail(step, section, "consistency proof is too long");
    if ((fn & 1n) === 1n || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  // Step 7.
  if (sn !== 0n) fail(step, section, "consistency proof is too short");
  if (!equalBytes(fr, r1)) fail(step, section, "consistency proof does not give the old root");
  if (!equalBytes(sr, r2)) fail(step, section, "consistency proof does not give the new root");
}

/** RFC 9162 §2.1.4.2; equal sizes need equal roots and an empty proof. Throws step "consistency". */
export async function verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
  await consistency(oldSize, newSize, oldRoot, newRoot, proof, "consistency", "4");
}

// ------------------------------------------------- signed notes, checkpoints (§12)

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
      fail("signature", "12", "this browser's WebCrypto has no Ed25519; please update the browser");
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

// ------------------------------------------------------- applicant proof (§14)

function entryBody(entry) {
  // §11.2 bodies this checker reads, member for member.
  const b = entry.body;
  const s = "11.2";
  const step = "entry";
  switch (entry.type) {
    case "input_frozen":
      members(b, ["ceremony", "root", "size"], "input_frozen body", step, s);
      hexToBytes(b.root, HASH_SIZE, step, s);
      int(b.size, "input_frozen size", step, s);
      break;
    case "seed":
      members(b, ["ceremony", "seed"], "seed body", step, s);
      hexToBytes(b.seed, HASH_SIZE, step, s);
      break;
    case "lottery_results":
      members(b, ["school", "part", "parts", "summary", "records"], "lottery_results body", step, s);
      if (!Array.isArray(b.records)) fail(step, s, "lottery_results records is not a list");
      for (const r of b.records) {
        members(r, ["reg", "number", "unit", "outcome", "stage", "rank", "waiting"], "lottery record", step, s);
        str(r.reg, "record reg", step, s, REG);
        str(r.unit, "record unit", step, s, REG);
        hexToBytes(r.number, HASH_SIZE, step, s);
        if (r.outcome !== "admitted" && r.outcome !== "not_admitted") fail(step, s, "unknown outcome");
        int(r.rank, "rank", step, s, 1);
        if (r.waiting !== null) int(r.waiting, "waiting", step, s, 1);
      }
      if (b.summary !== null) {
        members(b.summary, ["quota", "returned_to_bureau", "stages"], "lottery summary", step, s);
        if (!Array.isArray(b.summary.stages)) fail(step, s, "summary stages is not a list");
        for (const st of b.summary.stages) {
          members(st, ["stage", "seats", "applicants", "admitted", "lottery", "cutoff"], "summary stage", step, s);
          if (st.cutoff !== null) hexToBytes(st.cutoff, HASH_SIZE, step, s);
          if (typeof st.lottery !== "boolean") fail(step, s, "summary stage lottery is not a boolean");
        }
      }
      break;
    case "payment_round":
      members(b, ["round", "forfeited", "locked_elsewhere"], "payment_round body", step, s);
      if (!Array.isArray(b.forfeited) || !Array.isArray(b.locked_elsewhere)) fail(step, s, "payment_round lists");
      break;
    case "promotions":
      members(b, ["round", "school", "promoted", "returned_to_bureau"], "promotions body", step, s);
      int(b.round, "promotions round", step, s, 1);
      if (!Array.isArray(b.promoted)) fail(step, s, "promotions promoted is not a list");
      break;
    case "grouping_results":
      members(b, ["school", "part", "parts", "records"], "grouping_results body", step, s);
      if (!Array.isArray(b.records)) fail(step, s, "grouping_results records is not a list");
      for (const r of b.records) members(r, ["reg", "class"], "grouping record", step, s);
      break;
    case "matching_results":
      members(b, ["school", "pairs"], "matching_results body", step, s);
      if (!Array.isArray(b.pairs)) fail(step, s, "matching_results pairs is not a list");
      for (const p of b.pairs) members(p, ["class", "teacher"], "matching pair", step, s);
      break;
    default:
      if (!isObject(b)) fail(step, s, "entry body is not an object");
  }
}

function parseProofObject(proof) {
  const step = "input";
  const p = typeof proof === "string" ? parseStrictJSON(proof, step, "14") : proof;
  members(p, ["event", "reg", "checkpoint", "log_key", "entries", "roster", "consistency"], "proof", step, "14");
  str(p.event, "event", step, "1", EVENT_ID);
  str(p.reg, "reg", step, "1", REG);
  str(p.checkpoint, "checkpoint", step, "14");
  str(p.log_key, "log_key", step, "14");
  if (!Array.isArray(p.entries)) fail(step, "14", "entries is not a list");
  for (const e of p.entries) {
    members(e, ["entry", "index", "proof"], "proof entry", step, "14");
    str(e.entry, "entry text", step, "14");
    int(e.index, "entry index", step, "14");
    if (!Array.isArray(e.proof)) fail(step, "14", "entry proof is not a list");
  }
  if (p.roster !== null) {
    members(p.roster, ["record", "index", "size", "proof"], "roster", step, "14");
    str(p.roster.record, "roster record", step, "14");
    int(p.roster.index, "roster index", step, "14");
    int(p.roster.size, "roster size", step, "14", 1);
    if (!Array.isArray(p.roster.proof)) fail(step, "14", "roster proof is not a list");
  }
  if (p.consistency !== null) {
    members(p.consistency, ["old_size", "proof"], "consistency", step, "14");
    int(p.consistency.old_size, "consistency old_size", step, "14", 1);
    if (!Array.isArray(p.consistency.proof)) fail(step, "14", "consistency proof is not a list");
  }
  return p;
}

function only(list, what) {
  if (list.length === 0) fail("entries", "14", `the proof has no ${what} entry`);
  if (new Set(list.map((e) => e.seq)).size > 1) fail("entries", "14", `the proof has two different ${what} entries`);
  return list[0];
}

/**
 * Check a §14 applicant proof end to end and return what it proves.
 *
 * options: `reg` (the number the family asked about; the proof must be for it),
 * `pinnedKey` (the log's verifier key the page ships; must equal proof.log_key),
 * `trustedCheckpoint` ({size, root hex} remembered from an earlier visit; the
 * new checkpoint must extend it — a conflict is fork evidence, step "consistency").
 */
export async function checkProof(proof, { reg, pinnedKey, trustedCheckpoint } = {}) {
  const p = parseProofObject(proof);
  if (reg !== undefined && reg !== null && p.reg !== reg) {
    fail("reg", "14", `the proof is for ${p.reg}, not ${reg}`);
  }

  // §12: the checkpoint, signed by the log key (pinned by the page when it has one).
  const key = await parseVerifierKey(p.log_key);
  if (pinnedKey !== undefined && pinnedKey !== null) {
    const pinned = await parseVerifierKey(pinnedKey);
    if (pinned.text !== key.text) fail("key", "12", "the proof's log key is not the pinned key");
  }
  const origin = ORIGIN_PREFIX + p.event;
  if (key.name !== origin) fail("key", "12", `log key name ${key.name} is not ${origin}`);
  const opened = await openNote(p.checkpoint, key);
  const cp = parseCheckpoint(opened.text);
  if (cp.origin !== origin) fail("checkpoint", "12", `checkpoint origin ${cp.origin} is not ${origin}`);

  // §4, §12: the new checkpoint must extend the one this browser trusted before.
  let consistencyStatus = "none";
  if (trustedCheckpoint) {
    const t = trustedCheckpoint;
    int(t.size, "trusted size", "consistency", "12");
    hexToBytes(t.root, HASH_SIZE, "consistency", "12");
    if (t.size === cp.size) {
      if (t.root !== cp.root) fail("consistency", "12", `two different roots for size ${cp.size} (fork)`);
      consistencyStatus = "same";
    } else if (t.size < cp.size && t.size > 0) {
      if (p.consistency === null) fail("consistency", "12", "no consistency proof from the trusted checkpoint");
      if (p.consistency.old_size !== t.size) {
        fail("consistency", "12", `consistency proof starts at ${p.consistency.old_size}, not ${t.size}`);
      }
      await consistency(t.size, cp.size, t.root, cp.rootBytes, p.consistency.proof, "consistency", "12");
      consistencyStatus = "extends";
    } else if (t.size > cp.size) {
      consistencyStatus = "older"; // a stale copy; nothing to prove, nothing to remember
    }
  }

  // §11.1, §4: every entry is canonical, in this event, at its seq, and in the log.
  const entries = [];
  for (const e of p.entries) {
    if (e.index >= cp.size) fail("inclusion", "4", `entry ${e.index} is beyond the checkpoint size ${cp.size}`);
    await inclusion(await leafHash(e.entry), e.index, cp.size, e.proof, cp.rootBytes, "inclusion", "4");
    const entry = parseCanonical(e.entry, "entry", "2.3");
    members(entry, ["v", "event", "seq", "time", "type", "body"], "entry", "entry", "11.1");
    if (entry.v !== 1) fail("entry", "11.1", "entry version is not 1");
    if (entry.event !== p.event) fail("entry", "11.1", `entry of event ${entry.event}, not ${p.event}`);
    if (entry.seq !== e.index) fail("entry", "11.1", `entry seq ${entry.seq} at index ${e.index}`);
    if (!ENTRY_TYPES.has(entry.type)) fail("entry", "2.3", `unknown entry type ${entry.type}`);
    entryBody(entry);
    entries.push(entry);
  }

  // §14: the lottery record for this reg.
  const lotteryParts = entries.filter((e) => e.type === "lottery_results" &&
    e.body.records.some((r) => r.reg === p.reg));
  let lottery = null;
  let results = null;
  if (lotteryParts.length > 0) {
    results = only(lotteryParts, "lottery_results part for " + p.reg);
    lottery = results.body.records.find((r) => r.reg === p.reg);
  }
  const grouping = entries.filter((e) => e.type === "grouping_results" &&
    e.body.records.some((r) => r.reg === p.reg));
  if (!lottery && p.roster !== null) fail("entries", "14", `no lottery result for ${p.reg}`);
  if (!lottery && grouping.length === 0) fail("reg", "14", `the proof holds no result for ${p.reg}`);

  let school = null;
  let name = null;
  let cutoff = null;
  if (lottery) {
    const frozen = only(entries.filter((e) => e.type === "input_frozen" && e.body.ceremony === "lottery"),
      "lottery input_frozen");
    const seed = only(entries.filter((e) => e.type === "seed" && e.body.ceremony === "lottery"), "lottery seed");
    if (results.seq <= seed.seq || seed.seq <= frozen.seq) fail("entries", "11.3", "lottery entries out of order");

    // §3.3: the applicant's roster record is in the frozen lottery input.
    if (p.roster === null) fail("roster", "3.3", "the proof has no roster record");
    const r = p.roster;
    if (r.size !== frozen.body.size) fail("roster", "3.3", `roster size ${r.size} is not the frozen size ${frozen.body.size}`);
    await inclusion(await leafHash(r.record), r.index, r.size, r.proof, frozen.body.root, "roster", "3.3");
    const record = parseCanonical(r.record, "roster", "3.3");
    members(record, ["type", "reg", "name", "school", "district", "gender", "reg_day", "direct", "community", "unit"],
      "applicant record", "roster", "3.2");
    if (record.type !== "applicant") fail("roster", "3.2", "roster record is not an applicant");
    if (record.reg !== p.reg) fail("roster", "3.2", `roster record is for ${record.reg}, not ${p.reg}`);
    if (record.school !== results.body.school) fail("roster", "3.2", "roster school differs from the result's school");
    if (record.unit !== lottery.unit) fail("roster", "3.2", "roster unit differs from the result's unit");
    school = record.school;
    name = record.name;

    // §6: the number is recomputed from the seed and the reg alone.
    const number = await lotteryNumber(seed.body.seed, p.reg);
    if (number !== lottery.number) fail("number", "6", `logged number ${lottery.number} is not number(${p.reg}) = ${number}`);

    // §7.3: an admission in a drawn stage needs number(unit) ≤ that stage's cutoff.
    const summary = entries.find((e) => e.type === "lottery_results" && e.body.school === school &&
      e.body.summary !== null)?.body.summary;
    const stage = summary?.stages.find((s) => s.stage === lottery.stage);
    cutoff = stage?.cutoff ?? null;
    if (lottery.outcome === "admitted" && stage?.lottery) {
      const unitNumber = lottery.unit === p.reg ? number : await lotteryNumber(seed.body.seed, lottery.unit);
      if (cutoff === null || unitNumber > cutoff) {
        fail("outcome", "7.3", `admitted in the ${lottery.stage} lottery with a number above its cutoff`);
      }
    }
  }

  // §7.5: forfeits and promotions after the draw.
  let outcome = lottery ? lottery.outcome : null;
  let promotedRound = null;
  let forfeited = false;
  for (const e of entries) {
    if (e.type === "payment_round" && e.body.forfeited.includes(p.reg)) forfeited = true;
    if (e.type === "promotions" && e.body.promoted.includes(p.reg)) {
      if (school !== null && e.body.school !== school) fail("entries", "14", "promotion at another school");
      outcome = "admitted";
      promotedRound = Math.max(promotedRound ?? 0, e.body.round);
    }
  }

  // §9, §10: class and head teacher.
  let klass = null;
  let teacher = null;
  if (grouping.length > 0) {
    const part = only(grouping, "grouping_results part for " + p.reg);
    if (school !== null && part.body.school !== school) fail("entries", "14", "grouped at another school");
    school = part.body.school;
    klass = part.body.records.find((r) => r.reg === p.reg).class;
    const matching = entries.filter((e) => e.type === "matching_results" && e.body.school === school);
    if (matching.length > 0) {
      const pair = only(matching, "matching_results").body.pairs.find((x) => x.class === klass);
      teacher = pair ? pair.teacher : null;
    }
  }

  return {
    event: p.event,
    reg: p.reg,
    name,
    school,
    outcome,
    stage: lottery ? lottery.stage : null,
    rank: lottery ? lottery.rank : null,
    waiting: lottery ? lottery.waiting : null,
    number: lottery ? lottery.number : null,
    cutoff,
    promotedRound,
    forfeited,
    class: klass,
    teacher,
    checkpointSize: cp.size,
    checkpointRoot: cp.root,
    consistency: consistencyStatus,
  };
}

// ------------------------------------------------ remembered checkpoints (§14)

function storageKey(event) {
  return `sunshine-draw/checkpoint/${event}`;
}

/** The checkpoint this browser last verified for `event`, or null. */
export function trustedCheckpoint(storage, event) {
  str(event, "event", "input", "1", EVENT_ID);
  const raw = storage.getItem(storageKey(event));
  if (raw === null || raw === undefined) return null;
  try {
    const v = parseStrictJSON(raw, "input", "14");
    members(v, ["size", "root"], "stored checkpoint", "input", "14");
    int(v.size, "stored size", "input", "14", 1);
    hexToBytes(v.root, HASH_SIZE);
    return { size: v.size, root: v.root };
  } catch (e) {
    if (e instanceof ProofError) return null; // a damaged local value is forgotten, not trusted
    throw e;
  }
}

/**
 * Remember a verified checkpoint, only ever moving forward. Call it after
 * checkProof succeeded with the previous trustedCheckpoint (which proved the
 * new one extends it). A different root at the remembered size is a fork.
 */
export function rememberCheckpoint(storage, event, { size, root }) {
  int(size, "checkpoint size", "input", "14", 1);
  hexToBytes(root, HASH_SIZE);
  const old = trustedCheckpoint(storage, event);
  if (old !== null && old.size === size && old.root !== root) {
    fail("consistency", "12", `two different roots for size ${size} (fork)`);
  }
  if (old !== null && old.size >= size) return old;
  storage.setItem(storageKey(event), canonicalJSON({ size, root }));
  return { size, root };
}
