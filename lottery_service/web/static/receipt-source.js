// Sunshine Draw: where the parents' page gets a family's receipt (docs/PROTOCOL.md §14,
// §18). Three sources, one checker (receipt.js): every source only fetches bytes.
//
//   apiSource     the app server: POST <api>/proof {reg, id_last4[, trusted_size]} answers
//                 the receipt as text/plain; consistency proofs from
//                 GET <api>/checkpoints/<new>/consistency?from=<old> ({proof: [hex…]}).
//   staticSource  the static publication (§18): the family shard at
//                 shards/<aa>/<address>, decrypted here (§18.3), and `checkpoint`, the
//                 latest signed checkpoint, which the receipt's must not contradict.
//   fileSource    a receipt file the family saved (offline: no request at all).
//
// The §18.3 shard address and key are computed here because the static helper's
// shard.js is not on this branch yet; the function names follow it so one can replace
// the other. Consistency proofs from tiles (§18.2) come with tiles.js; until then a
// static source has none, and step 3 says 未检查 when the checkpoints differ in size.

import { canonicalJSON, bytesToHex, concat, hexToBytes, sha256, utf8 } from "./encoding.js";
import { HttpError, Failure, request } from "./page.js";

export const SHARD_ADDRESS_TAG = "sunshine-draw/v2/shard-address";
export const SHARD_KEY_TAG = "sunshine-draw/v2/shard-key";
const subtle = globalThis.crypto.subtle;

/** H(tag, m) = SHA-256(UTF8(tag) ‖ 0x00 ‖ m) (§2.2). */
async function taggedHash(tag, message) {
  return sha256(concat(utf8(tag), new Uint8Array([0]), message));
}

/** §18.3 m = canon({"origin", "reg", "factor"}); the caller upper-cases the factor (credentials()). */
export function shardMessage(origin, reg, factor) {
  return utf8(canonicalJSON({ origin, reg, factor }));
}

/** §18.3 address = hex(H("sunshine-draw/v2/shard-address", m)). */
export async function shardAddress(origin, reg, factor) {
  return bytesToHex(await taggedHash(SHARD_ADDRESS_TAG, shardMessage(origin, reg, factor)));
}

/** §18.3 file: shards/<first two characters of address>/<address>. */
export function shardPath(address) {
  return `shards/${address.slice(0, 2)}/${address}`;
}

/**
 * Decrypt a shard (nonce(12) ‖ AES-256-GCM ciphertext with tag, aad = UTF8(address)) to the
 * receipt text; null when it does not decrypt (wrong factor, or damaged).
 */
export async function openShard(data, { origin, reg, factor }) {
  const m = shardMessage(origin, reg, factor);
  const address = bytesToHex(await taggedHash(SHARD_ADDRESS_TAG, m));
  const key = await subtle.importKey("raw", await taggedHash(SHARD_KEY_TAG, m), "AES-GCM", false, ["decrypt"]);
  if (data.length < 12 + 16) return null;
  try {
    const plain = await subtle.decrypt({ name: "AES-GCM", iv: data.slice(0, 12), additionalData: utf8(address) },
      key, data.slice(12));
    return new TextDecoder("utf-8", { fatal: true }).decode(plain);
  } catch {
    return null;
  }
}

const join = (base, path) => `${base.replace(/\/?$/, "/")}${path}`;

/** The app server (§14 "served by the app server (POST /proof, after the second factor)"). */
export function apiSource(api, { fetch = globalThis.fetch } = {}) {
  return {
    kind: "api",
    async receipt({ reg, id_last4 }, trustedSize) {
      const json = { reg, id_last4 };
      if (trustedSize !== null && trustedSize !== undefined) json.trusted_size = trustedSize;
      return request(`${api}/proof`, { method: "POST", json, as: "text", fetch });
    },
    async consistency(oldSize, newSize) {
      let data;
      try {
        data = await request(`${api}/checkpoints/${newSize}/consistency?from=${oldSize}`, { fetch });
      } catch (e) {
        if (e instanceof HttpError) return null; // no proof obtainable: step 3 未检查
        throw e;
      }
      if (!Array.isArray(data?.proof)) return null;
      return data.proof.map((h) => hexToBytes(h, 32, "consistency", "12"));
    },
    /** The event context (§14.1): GET <api>/context. */
    async context() {
      return request(`${api}/context`, { as: "text", fetch });
    },
    latest: null,
  };
}

/** The static publication (§18): the family shard and the latest checkpoint. */
export function staticSource(base, origin, { fetch = globalThis.fetch } = {}) {
  return {
    kind: "static",
    async receipt({ reg, id_last4 }) {
      const address = await shardAddress(origin, reg, id_last4);
      let res;
      try {
        res = await fetch(join(base, shardPath(address)), { cache: "no-store" });
      } catch (e) {
        throw new HttpError(Failure.NETWORK, 0, String(e?.message ?? e));
      }
      // No shard, or one that does not open: the same answer as wrong details (§18.3).
      if (res.status === 404) throw new HttpError(Failure.NOT_FOUND, 404);
      if (!res.ok) throw new HttpError(res.status >= 500 ? Failure.SERVER : Failure.REFUSED, res.status);
      const text = await openShard(new Uint8Array(await res.arrayBuffer()), { origin, reg, factor: id_last4 });
      if (text === null) throw new HttpError(Failure.NOT_FOUND, 404);
      return text;
    },
    consistency: async () => null, // from tiles (§18.2) once tiles.js is here
    /** The event context (§14.1, §18.1 `context.tlog-proof`). */
    async context() {
      return request(join(base, "context.tlog-proof"), { as: "text", fetch });
    },
    async latest() {
      return request(join(base, "checkpoint"), { as: "text", fetch });
    },
  };
}

/** A receipt file the family picked or dropped: read locally, nothing is sent anywhere. */
export function fileSource(file) {
  return {
    kind: "file",
    async receipt() {
      return typeof file === "string" ? file : file.text();
    },
    consistency: async () => null,
    context: null, // offline: the beacon check does not run (the card says so)
    latest: null,
  };
}
