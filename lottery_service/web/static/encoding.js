// Sunshine Draw: strict encodings and hashing for the in-browser checkers
// (docs/PROTOCOL.md §1 conventions, §2 encodings and hashing).
//
// Lowercase hex and canonical base64 (§1), UTF-8 without lone surrogates,
// SHA-256 and HMAC-SHA256 over WebCrypto (§2.2), strict JSON (§2.3: no duplicate
// keys, no floats, safe integers only), RFC 8785 canonical JSON for the v1 domain
// (§2.1), and the member-for-member shape checks every parser here uses. No
// dependencies: runs in the browser and in Node 20.

import { ProofError, fail } from "./errors.js";

const subtle = globalThis.crypto.subtle;
const encoder = new TextEncoder();
const MAX_DEPTH = 64; // JSON nesting; v1 values are shallow

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

/** Byte equality without an early exit (hashes, key ids). */
export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/** UTF-8 bytes of a string. */
export function utf8(text) {
  return encoder.encode(text);
}

/** No lone surrogates (§2.1): TextEncoder would silently replace them. */
export function isWellFormed(text) {
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

// ------------------------------------------------------------ hashing (§2.2)

/** SHA-256 of bytes. */
export async function sha256(bytes) {
  return new Uint8Array(await subtle.digest("SHA-256", bytes));
}

/** HMAC-SHA256(key, message) (§2.2 keyed values). */
export async function hmacSha256(key, message) {
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
    if (e instanceof ProofError) fail(step, section, e.detail);
    throw e;
  }
  if (again !== text) fail(step, section, "text is not canonical JSON");
  return value;
}

// ------------------------------------------------------- strict shapes (§2.3)

/** A JSON object (not null, not an array). */
export function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Require exactly these members (§2.3: unknown members are refused). */
export function members(obj, names, what, step, section) {
  if (!isObject(obj)) fail(step, section, `${what} is not an object`);
  const have = Object.keys(obj).sort();
  const want = [...names].sort();
  if (have.join("\n") !== want.join("\n")) {
    fail(step, section, `${what} has members {${have}}, expected {${want}}`);
  }
  return obj;
}

/** A safe integer ≥ min, else ProofError(step, section). */
export function int(v, what, step, section, min = 0) {
  if (!Number.isSafeInteger(v) || v < min) fail(step, section, `${what} is not an integer ≥ ${min}`);
  return v;
}

/** A string (matching `pattern` when given), else ProofError(step, section). */
export function str(v, what, step, section, pattern) {
  if (typeof v !== "string" || (pattern && !pattern.test(v))) {
    fail(step, section, `${what} is not a valid string`);
  }
  return v;
}
