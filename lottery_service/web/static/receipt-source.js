// Sunshine Draw: where the parents' page gets a family's receipt (docs/PROTOCOL.md §14,
// §18). Three sources, one checker (receipt.js): every source only fetches bytes.
//
//   apiSource     the app server: POST <api>/proof {reg, id_last4[, trusted_size]} answers
//                 the receipt as text/plain; consistency proofs from
//                 GET <api>/checkpoints/<new>/consistency?from=<old> ({proof: [hex…]}).
//   staticSource  the static publication (§18): the family shard at shards/<aa>/<address>,
//                 decrypted here (shard.js, §18.3); `checkpoint`, the latest signed
//                 checkpoint, which the receipt's must not contradict; and consistency
//                 proofs computed from the tiles (tiles.js, §18.2).
//   fileSource    a receipt file the family saved (offline: no request at all).
//
// consistency(oldSize, newSize, at) answers RFC 9162 proof hashes (bytes) or null when
// none is obtainable; the caller verifies them. `at` ({size, rootBytes}) is a checkpoint
// the caller verified (§12): the static source reads tiles only under such a root, so a
// missing or altered tile gives no proof (null) and a proof that fails shows two signed
// checkpoints that disagree (a fork), never a bad file. The app server ignores `at`.

import { bytesToHex, hexToBytes } from "./encoding.js";
import { HttpError, Failure, request } from "./page.js";
import { ShardError, openShard, shardAddress, shardPath } from "./shard.js";
import { TileError, TileLog, httpFetcher } from "./tiles.js";

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

/** The static publication (§18): the family shard, the latest checkpoint and the tiles. */
export function staticSource(base, origin, { fetch = globalThis.fetch } = {}) {
  const fetchTile = httpFetcher(base, fetch);
  const readTile = (path) => fetchTile(path).catch((e) => {
    throw e instanceof TileError ? e : new TileError(`${path}: ${e?.message ?? e}`); // offline
  });
  const logs = new Map(); // "size root" of a verified checkpoint → its TileLog (opening)
  const logAt = ({ size, rootBytes }) => {
    const key = `${size} ${bytesToHex(rootBytes)}`;
    if (!logs.has(key)) {
      const log = TileLog.open(readTile, size, rootBytes);
      log.catch(() => logs.delete(key)); // a failed fetch may be retried
      logs.set(key, log);
    }
    return logs.get(key);
  };
  return {
    kind: "static",
    async receipt({ reg, id_last4 }) {
      let data;
      try {
        const res = await fetch(join(base, shardPath(await shardAddress(origin, reg, id_last4))),
          { cache: "no-cache" }); // revalidated by ETag (§18.1)
        // No shard: the same answer as wrong details (§18.3).
        if (res.status === 404) throw new HttpError(Failure.NOT_FOUND, 404);
        if (!res.ok) throw new HttpError(res.status >= 500 ? Failure.SERVER : Failure.REFUSED, res.status);
        data = new Uint8Array(await res.arrayBuffer());
      } catch (e) {
        if (e instanceof HttpError) throw e;
        if (e instanceof ShardError) throw new HttpError(Failure.NOT_FOUND, 404); // malformed details
        throw new HttpError(Failure.NETWORK, 0, String(e?.message ?? e));
      }
      try {
        return await openShard(data, { origin, reg, factor: id_last4 });
      } catch (e) {
        // A shard that does not open: wrong details again, never more (§18.3).
        if (e instanceof ShardError) throw new HttpError(Failure.NOT_FOUND, 404);
        throw e;
      }
    },
    /**
     * PROOF(oldSize, D[0:newSize]) from the tiles (§18.2) under `at`, a checkpoint the caller
     * verified with newSize <= at.size; null without one, or when the tiles are missing or do
     * not hash to its root: a bad file on the host is no proof, and no evidence of a fork.
     */
    async consistency(oldSize, newSize, at = null) {
      if (!at || newSize > at.size) return null;
      try {
        return await (await logAt(at)).consistencyProof(oldSize, newSize);
      } catch (e) {
        if (e instanceof TileError) return null;
        throw e;
      }
    },
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
