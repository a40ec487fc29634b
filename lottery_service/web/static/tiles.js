// The audit log read from a static host as C2SP tlog-tiles (PROTOCOL.md §18.2), in the
// browser's WebCrypto: fetch the checkpoint text and the tiles, compute RFC 9162 inclusion
// and consistency proofs from them, and read entries checked against their leaf hashes.
//
// Nothing fetched is trusted. `TileLog.open` needs the size and root of a checkpoint the
// caller has verified (signature and policy: proof.js); the partial tiles of that size
// must hash to the root, and every full tile to its hash in the tile above, so a proof
// computed here is valid for that root, and a tampered tile or bundle throws TileError.
//
// Sizes and indices are plain numbers (exact up to 2^53): no 32-bit bit operations.

export const TILE_WIDTH = 256;
const HASH_SIZE = 32;
const MAX_LEVEL = 63;

export class TileError extends Error {
  constructor(message) {
    super(`${message} (PROTOCOL.md §18)`);
    this.name = "TileError";
  }
}

const pow256 = (level) => 256 ** level;
const floorDiv = (a, b) => Math.floor(a / b);

/** tlog-tiles <N>: 3-digit groups, all but the last prefixed "x" (1234067 → x001/x234/067). */
export function encodeIndex(n) {
  if (!Number.isSafeInteger(n) || n < 0) throw new TileError(`tile index ${n} is not a non-negative integer`);
  const groups = [String(n % 1000).padStart(3, "0")];
  for (n = floorDiv(n, 1000); n > 0; n = floorDiv(n, 1000)) {
    groups.push("x" + String(n % 1000).padStart(3, "0"));
  }
  return groups.reverse().join("/");
}

function partial(width) {
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) throw new TileError(`tile width ${width} is outside 1..256`);
  return width === TILE_WIDTH ? "" : `.p/${width}`;
}

/** `tile/<L>/<N>[.p/<W>]`. */
export function tilePath(level, index, width = TILE_WIDTH) {
  if (!Number.isInteger(level) || level < 0 || level > MAX_LEVEL) throw new TileError(`tile level ${level} is outside 0..63`);
  return `tile/${level}/${encodeIndex(index)}${partial(width)}`;
}

/** `tile/entries/<N>[.p/<W>]`. */
export function entriesPath(index, width = TILE_WIDTH) {
  return `tile/entries/${encodeIndex(index)}${partial(width)}`;
}

/** Hashes in the partial tile at `level` of a tree of `size`: floor(s / 256^L) mod 256. */
export function levelWidth(size, level) {
  return floorDiv(size, pow256(level)) % TILE_WIDTH;
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

/** RFC 9162 §2.1.1: SHA-256(0x00 ‖ entry). */
export async function leafHash(entry) {
  const data = new Uint8Array(entry.length + 1);
  data.set(entry, 1);
  return sha256(data);
}

/** RFC 9162 §2.1.1: SHA-256(0x01 ‖ left ‖ right). */
export async function nodeHash(left, right) {
  const data = new Uint8Array(1 + 2 * HASH_SIZE);
  data[0] = 1;
  data.set(left, 1);
  data.set(right, 1 + HASH_SIZE);
  return sha256(data);
}

/** RFC 9162 §2.1.1: the root of the empty tree, SHA-256 of the empty string. */
export function emptyRoot() {
  return sha256(new Uint8Array(0));
}

function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** MTH over a power-of-two run of subtree hashes. */
export async function subtreeRoot(hashes) {
  let level = hashes;
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i < level.length; i += 2) next.push(nodeHash(level[i], level[i + 1]));
    level = await Promise.all(next);
  }
  return level[0];
}

/** The hashes of a tile, which must be exactly `count` × 32 bytes. */
export function splitHashes(bytes, count, path = "tile") {
  if (bytes.length !== count * HASH_SIZE) {
    throw new TileError(`${path} is ${bytes.length} bytes, expected ${count} hashes (${count * HASH_SIZE} bytes)`);
  }
  const out = [];
  for (let i = 0; i < bytes.length; i += HASH_SIZE) out.push(bytes.subarray(i, i + HASH_SIZE));
  return out;
}

/** The `count` entries of an entry bundle (big-endian uint16 length prefix each). */
export function decodeBundle(bytes, count, path = "entry bundle") {
  const out = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (pos + 2 > bytes.length) throw new TileError(`${path} ends inside a length prefix`);
    const n = (bytes[pos] << 8) | bytes[pos + 1];
    pos += 2;
    if (pos + n > bytes.length) throw new TileError(`${path} ends inside entry ${out.length}`);
    out.push(bytes.subarray(pos, pos + n));
    pos += n;
  }
  if (out.length !== count) throw new TileError(`${path} has ${out.length} entries, expected ${count}`);
  return out;
}

function largestPowerOfTwoBelow(n) {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n) {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

/** A fetcher of publication paths over HTTP: path → Uint8Array, HTTP errors thrown. */
export function httpFetcher(base, fetchImpl = globalThis.fetch) {
  const prefix = base.endsWith("/") ? base : base + "/";
  return async (path) => {
    const response = await fetchImpl(prefix + path);
    if (!response.ok) throw new TileError(`${path}: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  };
}

/** The checkpoint note text at `<base>/checkpoint` (revalidated: it changes every few seconds). */
export async function fetchCheckpoint(base, fetchImpl = globalThis.fetch) {
  const prefix = base.endsWith("/") ? base : base + "/";
  const response = await fetchImpl(prefix + "checkpoint", { cache: "no-cache" });
  if (!response.ok) throw new TileError(`checkpoint: HTTP ${response.status}`);
  return new TextDecoder("utf-8", { fatal: true }).decode(await response.arrayBuffer());
}

/** A tiled log at a verified checkpoint (size, root), read through `fetchBytes(path)`. */
export class TileLog {
  #fetch;
  #tiles = new Map();

  constructor(fetchBytes, size, root) {
    this.#fetch = fetchBytes;
    this.size = size;
    this.rootHash = root;
  }

  /** Fetch the partial tiles of `size` and check they hash to `root`. */
  static async open(fetchBytes, size, root) {
    if (!Number.isSafeInteger(size) || size < 0) throw new TileError(`log size ${size} is not a non-negative integer`);
    if (!(root instanceof Uint8Array) || root.length !== HASH_SIZE) throw new TileError("root is not 32 bytes");
    const log = new TileLog(fetchBytes, size, root);
    const edge = [];
    for (let level = 0; floorDiv(size, pow256(level)) > 0; level++) {
      const width = levelWidth(size, level);
      const index = floorDiv(size, pow256(level + 1));
      if (width === 0) {
        edge.push(Promise.resolve([]));
        continue;
      }
      const path = tilePath(level, index, width);
      const hashes = fetchBytes(path).then((bytes) => splitHashes(bytes, width, path));
      log.#tiles.set(`${level}/${index}`, hashes);
      edge.push(hashes);
    }
    const computed = await edgeRoot(await Promise.all(edge));
    if (!equalBytes(computed, root)) {
      throw new TileError(`the partial tiles of size ${size} do not hash to the checkpoint root (tampered or missing tiles)`);
    }
    return log;
  }

  /** Hashes of tile (level, index), verified against the tile above. */
  #tile(level, index) {
    const key = `${level}/${index}`;
    let hashes = this.#tiles.get(key);
    if (hashes === undefined) {
      const available = floorDiv(this.size, pow256(level));
      if ((index + 1) * TILE_WIDTH > available) {
        return Promise.reject(new TileError(`tile ${key} is beyond a log of size ${this.size}`));
      }
      const path = tilePath(level, index);
      hashes = (async () => {
        const [tile, parent] = await Promise.all([
          this.#fetch(path).then((bytes) => splitHashes(bytes, TILE_WIDTH, path)),
          this.#tile(level + 1, floorDiv(index, TILE_WIDTH)),
        ]);
        if (!equalBytes(await subtreeRoot(tile), parent[index % TILE_WIDTH])) {
          throw new TileError(`${path} does not hash to its entry in the tile above (tampered tile)`);
        }
        return tile;
      })();
      hashes.catch(() => this.#tiles.delete(key)); // a failed fetch may be retried
      this.#tiles.set(key, hashes);
    }
    return hashes;
  }

  async #perfect(lo, height) {
    const level = Math.floor(height / 8);
    const run = 2 ** (height % 8);
    const first = floorDiv(lo, pow256(level));
    const tile = await this.#tile(level, floorDiv(first, TILE_WIDTH));
    const start = first % TILE_WIDTH;
    return subtreeRoot(tile.slice(start, start + run));
  }

  /** RFC 9162 §2.1.1 MTH(D[lo:hi]), 0 <= lo < hi <= size. */
  async #mth(lo, hi) {
    const n = hi - lo;
    if (isPowerOfTwo(n) && lo % n === 0) return this.#perfect(lo, Math.round(Math.log2(n)));
    const k = largestPowerOfTwoBelow(n);
    const [left, right] = await Promise.all([this.#mth(lo, lo + k), this.#mth(lo + k, hi)]);
    return nodeHash(left, right);
  }

  #checkSize(size) {
    if (size === undefined) return this.size;
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size) throw new TileError(`tree size ${size} is outside 0..${this.size}`);
    return size;
  }

  /** MTH(D[0:size]) from verified tiles: equal to an older checkpoint's root exactly when
   * that checkpoint is a prefix of this one (consistency, §14 step 3). */
  async root(size) {
    size = this.#checkSize(size);
    if (size === this.size) return this.rootHash;
    return size === 0 ? emptyRoot() : this.#mth(0, size);
  }

  async leafHash(index) {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.size) throw new TileError(`leaf index ${index} is outside the log`);
    return (await this.#tile(0, floorDiv(index, TILE_WIDTH)))[index % TILE_WIDTH];
  }

  /** RFC 9162 §2.1.3.1 PATH(index, D[0:size]), leaf to root. */
  async inclusionProof(index, size) {
    size = this.#checkSize(size);
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new TileError(`leaf index ${index} is outside 0..${size - 1}`);
    const proof = [];
    let lo = 0;
    let hi = size;
    while (hi - lo > 1) {
      const k = largestPowerOfTwoBelow(hi - lo);
      if (index < lo + k) {
        proof.push(this.#mth(lo + k, hi));
        hi = lo + k;
      } else {
        proof.push(this.#mth(lo, lo + k));
        lo += k;
      }
    }
    return (await Promise.all(proof)).reverse();
  }

  /** RFC 9162 §2.1.4.1 PROOF(oldSize, D[0:size]) for 0 < oldSize <= size, bottom up. */
  async consistencyProof(oldSize, size) {
    size = this.#checkSize(size);
    if (!Number.isSafeInteger(oldSize) || oldSize <= 0 || oldSize > size) {
      throw new TileError(`consistency proof needs 0 < old size <= new size, got ${oldSize} and ${size}`);
    }
    const proof = [];
    let lo = 0;
    let hi = size;
    let m = oldSize;
    let complete = true;
    while (m !== hi - lo) {
      const k = largestPowerOfTwoBelow(hi - lo);
      if (m <= k) {
        proof.push(this.#mth(lo + k, hi));
        hi = lo + k;
      } else {
        proof.push(this.#mth(lo, lo + k));
        lo += k;
        m -= k;
        complete = false;
      }
    }
    if (!complete) proof.push(this.#mth(lo, hi));
    return (await Promise.all(proof)).reverse();
  }

  /** Entries start..end-1, each checked against its level-0 tile hash. */
  async entries(start, end) {
    if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end && end <= this.size)) {
      throw new TileError(`entry range ${start}..${end} is outside 0..${this.size}`);
    }
    const parts = [];
    for (let index = floorDiv(start, TILE_WIDTH); index * TILE_WIDTH < end; index++) {
      parts.push((async () => {
        const first = index * TILE_WIDTH;
        const width = Math.min(TILE_WIDTH, this.size - first);
        const path = entriesPath(index, width);
        const [bytes, hashes] = await Promise.all([this.#fetch(path), this.#tile(0, index)]);
        const bundle = decodeBundle(bytes, width, path);
        const out = [];
        for (let i = Math.max(start, first) - first; i < Math.min(end, first + width) - first; i++) {
          if (!equalBytes(await leafHash(bundle[i]), hashes[i])) {
            throw new TileError(`entry ${first + i} in ${path} does not hash to its level-0 tile hash (tampered bundle)`);
          }
          out.push(bundle[i]);
        }
        return out;
      })());
    }
    return (await Promise.all(parts)).flat();
  }

  async entry(index) {
    return (await this.entries(index, index + 1))[0];
  }
}

/** MTH(D[0:s]) from the partial tiles of s (bottom level first): the bits of s at level L
 * are the bits of that level's width, so each perfect subtree of s is a run in one tile. */
async function edgeRoot(levels) {
  let root = null;
  for (const hashes of levels) {
    let end = hashes.length;
    for (let bit = 0; bit < 8; bit++) {
      if ((hashes.length >> bit) & 1) {
        const run = 1 << bit;
        const sub = await subtreeRoot(hashes.slice(end - run, end));
        root = root === null ? sub : await nodeHash(sub, root);
        end -= run;
      }
    }
  }
  return root === null ? emptyRoot() : root;
}

/** RFC 9162 §2.1.3.2; throws TileError unless `proof` puts `leaf` at `index` under `root`. */
export async function verifyInclusion(leaf, index, size, proof, root) {
  if (!(index >= 0 && index < size)) throw new TileError(`leaf index ${index} is outside 0..${size - 1}`);
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) throw new TileError("inclusion proof is longer than the path to the root");
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = floorDiv(fn, 2);
        sn = floorDiv(sn, 2);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = floorDiv(fn, 2);
    sn = floorDiv(sn, 2);
  }
  if (sn !== 0) throw new TileError("inclusion proof is shorter than the path to the root");
  if (!equalBytes(r, root)) throw new TileError("inclusion proof does not lead to the checkpoint root");
}

/** RFC 9162 §2.1.4.2; throws TileError unless D[0:oldSize] is a prefix of D[0:newSize]. */
export async function verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
  if (!(oldSize >= 0 && oldSize <= newSize)) throw new TileError(`consistency needs 0 <= old size <= new size, got ${oldSize}, ${newSize}`);
  if (oldSize === newSize) {
    if (proof.length !== 0 || !equalBytes(oldRoot, newRoot)) throw new TileError("equal sizes with another root or a non-empty proof");
    return;
  }
  if (oldSize === 0) throw new TileError("consistency proof from an empty tree is meaningless");
  if (proof.length === 0) throw new TileError("consistency proof is empty");
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = floorDiv(fn, 2);
    sn = floorDiv(sn, 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) throw new TileError("consistency proof is longer than the path to the root");
    if (fn % 2 === 1 || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = floorDiv(fn, 2);
        sn = floorDiv(sn, 2);
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = floorDiv(fn, 2);
    sn = floorDiv(sn, 2);
  }
  if (sn !== 0) throw new TileError("consistency proof is shorter than the path to the root");
  if (!equalBytes(fr, oldRoot)) throw new TileError("consistency proof does not reproduce the old root");
  if (!equalBytes(sr, newRoot)) throw new TileError("consistency proof does not reproduce the new root");
}
