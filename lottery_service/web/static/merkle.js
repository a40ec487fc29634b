// Sunshine Draw: RFC 9162 Merkle trees for the in-browser checkers (docs/PROTOCOL.md §4).
//
// Leaf and node hashes (RFC 9162 §2.1.1), inclusion proofs (§2.1.3.2) and
// consistency proofs (§2.1.4.2), written from the RFC and checked against the
// upstream vectors in ../shared/vectors/rfc9162-merkle (tests/js/merkle.test.mjs).

import { fail } from "./errors.js";
import { concat, equalBytes, hexToBytes, sha256, utf8 } from "./encoding.js";

export const HASH_SIZE = 32;

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

/**
 * RFC 9162 §2.1.3.2; hashes as Uint8Array or lowercase hex. Throws ProofError at the
 * given step and section (default "inclusion", §4; the roster check names its own).
 */
export async function verifyInclusion(leafHashValue, index, size, proofHashes, root,
  { step = "inclusion", section = "4" } = {}) {
  await inclusion(leafHashValue, index, size, proofHashes, root, step, section);
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

/**
 * RFC 9162 §2.1.4.2; equal sizes need equal roots and an empty proof. Throws
 * ProofError at the given step and section (default "consistency", §4).
 */
export async function verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof,
  { step = "consistency", section = "4" } = {}) {
  await consistency(oldSize, newSize, oldRoot, newRoot, proof, step, section);
}
