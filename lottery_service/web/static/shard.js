// Family shards in the browser (PROTOCOL.md §18.3), WebCrypto only:
//
//   m       = canon({"origin": o, "reg": reg, "factor": f})
//   address = hex(H("sunshine-draw/v2/shard-address", m))
//   key     = H("sunshine-draw/v2/shard-key", m)
//   shard   = nonce(12) ‖ AES-256-GCM(key, nonce, receipt text, aad = UTF8(address))
//
// with H(tag, m) = SHA-256(UTF8(tag) ‖ 0x00 ‖ m) (§2.2). The family types its
// registration number and the last four characters of the child's ID number; the page
// fetches `shards/<aa>/<address>` from the static host and decrypts the receipt (§14),
// which it then checks like any receipt. The service side is lottery_service/publish/shards.py.

export const SHARD_ADDRESS_TAG = "sunshine-draw/v2/shard-address";
export const SHARD_KEY_TAG = "sunshine-draw/v2/shard-key";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const REG = /^[A-Z0-9]{4,32}$/;
const FACTOR = /^[0-9]{3}[0-9X]$/;
const encoder = new TextEncoder();

export class ShardError extends Error {
  /** `code` tells the page what to say: "format", "not-found", "decrypt" or "fetch". */
  constructor(code, message) {
    super(`${message} (PROTOCOL.md §18.3)`);
    this.name = "ShardError";
    this.code = code;
  }
}

/** The registration number as typed, trimmed and upper-cased, or a ShardError. */
export function normaliseReg(text) {
  const reg = String(text).trim().toUpperCase();
  if (!REG.test(reg)) throw new ShardError("format", "报名号格式不对（4–32 位字母或数字）；registration number must be 4–32 letters or digits");
  return reg;
}

/** The second factor as typed (a lower-case x is accepted), or a ShardError. */
export function normaliseFactor(text) {
  const factor = String(text).trim().toUpperCase();
  if (!FACTOR.test(factor)) throw new ShardError("format", "身份证后四位格式不对（三位数字加一位数字或 X）；the last four characters of the ID number are three digits and a digit or X");
  return factor;
}

/** canon({"origin", "reg", "factor"}): keys in code-point order, JSON.stringify escaping (§2.1). */
export function shardMessage(origin, reg, factor) {
  if (typeof origin !== "string" || origin === "") throw new ShardError("format", "log origin is empty");
  if (!REG.test(reg) || !FACTOR.test(factor)) throw new ShardError("format", "registration number or factor is not in its canonical form");
  return encoder.encode(JSON.stringify({ factor, origin, reg }));
}

/** H(tag, m) = SHA-256(UTF8(tag) ‖ 0x00 ‖ m) (§2.2). */
export async function taggedHash(tag, message) {
  const prefix = encoder.encode(tag);
  const data = new Uint8Array(prefix.length + 1 + message.length);
  data.set(prefix, 0);
  data.set(message, prefix.length + 1);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The shard's address: 64 lower-case hex characters. */
export async function shardAddress(origin, reg, factor) {
  return hex(await taggedHash(SHARD_ADDRESS_TAG, shardMessage(origin, reg, factor)));
}

/** `shards/<first two characters>/<address>`. */
export function shardPath(address) {
  if (!/^[0-9a-f]{64}$/.test(address)) throw new ShardError("format", "shard address is not 64 lower-case hex characters");
  return `shards/${address.slice(0, 2)}/${address}`;
}

/** Decrypt shard bytes found at the family's address; the receipt text (§14). */
export async function openShard(data, { origin, reg, factor }) {
  const message = shardMessage(origin, reg, factor);
  const address = hex(await taggedHash(SHARD_ADDRESS_TAG, message));
  if (!(data instanceof Uint8Array) || data.length < NONCE_BYTES + TAG_BYTES) {
    throw new ShardError("decrypt", "结果文件不完整；the shard is shorter than a nonce and a tag");
  }
  const keyBytes = await taggedHash(SHARD_KEY_TAG, message);
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "AES-GCM" }, false, ["decrypt"]);
  let plain;
  try {
    plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: data.subarray(0, NONCE_BYTES), additionalData: encoder.encode(address), tagLength: 128 },
      key, data.subarray(NONCE_BYTES));
  } catch {
    throw new ShardError("decrypt", "结果文件无法解密（文件被改动）；the shard does not decrypt: it was altered");
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(plain);
  } catch {
    throw new ShardError("decrypt", "the shard's plaintext is not UTF-8");
  }
}

/** Find and open a family's shard under `base` (the event's publication URL).
 * A 404 means no result under that registration number and factor: both may be mistyped,
 * and the address reveals nothing more. */
export async function fetchShard(base, { origin, reg, factor }, fetchImpl = globalThis.fetch) {
  reg = normaliseReg(reg);
  factor = normaliseFactor(factor);
  const address = await shardAddress(origin, reg, factor);
  const prefix = base.endsWith("/") ? base : base + "/";
  let response;
  try {
    response = await fetchImpl(prefix + shardPath(address), { cache: "no-cache" });
  } catch (e) {
    throw new ShardError("fetch", `无法连接结果服务器；could not fetch the shard: ${e.message}`);
  }
  if (response.status === 404) {
    throw new ShardError("not-found", "未找到结果：请核对报名号和身份证后四位；no result for this registration number and factor");
  }
  if (!response.ok) throw new ShardError("fetch", `结果服务器出错；shard fetch failed: HTTP ${response.status}`);
  const data = new Uint8Array(await response.arrayBuffer());
  return { address, reg, receipt: await openShard(data, { origin, reg, factor }) };
}
