// RFC 9162 Merkle proofs (lottery_service/web/static/merkle.js, PROTOCOL.md §4) against the
// upstream vectors and a reference tree written straight from the RFC.

import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";

import { leafHash, verifyConsistency, verifyInclusion } from "../../lottery_service/web/static/merkle.js";
import { MERKLE, readJSON, rejectsAt, skipUnless } from "./support.mjs";

function merkleFiles(kind) {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".json")) out.push(path);
    }
  };
  walk(join(MERKLE, kind));
  return out;
}

const b64 = (s) => new Uint8Array(Buffer.from(s, "base64"));

for (const kind of ["inclusion", "consistency"]) {
  test(`RFC 9162 ${kind} vectors from ../shared/vectors/rfc9162-merkle (§4)`,
    { skip: skipUnless(MERKLE) }, async () => {
      const files = merkleFiles(kind);
      assert.ok(files.length > 50, "expected the full vector set");
      for (const path of files) {
        const c = readJSON(path);
        const proof = (c.proof ?? []).map(b64);
        const run = kind === "inclusion"
          ? () => verifyInclusion(b64(c.leafHash), c.leafIdx, c.treeSize, proof, b64(c.root))
          : () => verifyConsistency(c.size1, c.size2, b64(c.root1), b64(c.root2), proof);
        const name = relative(MERKLE, path);
        if (c.wantErr) await rejectsAt(run, kind);
        else await assert.doesNotReject(run, name);
      }
    });
}

test("Merkle proofs on a hand-built tree of 1..9 leaves (§4)", async () => {
  // Reference MTH and proofs written straight from RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1.
  const sha = async (...parts) => new Uint8Array(await crypto.subtle.digest("SHA-256",
    Buffer.concat(parts.map((p) => Buffer.from(p)))));
  const k = (n) => { let x = 1; while (x * 2 < n) x *= 2; return x; };
  const mth = async (l) => (l.length === 1 ? l[0] : sha([1], await mth(l.slice(0, k(l.length))),
    await mth(l.slice(k(l.length)))));
  const path = async (m, l) => {
    if (l.length === 1) return [];
    const s = k(l.length);
    return m < s ? [...await path(m, l.slice(0, s)), await mth(l.slice(s))]
      : [...await path(m - s, l.slice(s)), await mth(l.slice(0, s))];
  };
  const subproof = async (m, l, b) => {
    if (m === l.length) return b ? [] : [await mth(l)];
    const s = k(l.length);
    return m <= s ? [...await subproof(m, l.slice(0, s), b), await mth(l.slice(s))]
      : [...await subproof(m - s, l.slice(s), false), await mth(l.slice(0, s))];
  };
  const leaves = [];
  for (let i = 0; i < 9; i++) leaves.push(await leafHash(new Uint8Array([i])));
  for (let n = 1; n <= 9; n++) {
    const l = leaves.slice(0, n);
    const root = await mth(l);
    for (let m = 0; m < n; m++) {
      const p = await path(m, l);
      await verifyInclusion(l[m], m, n, p, root);
      if (p.length) await rejectsAt(verifyInclusion(l[m], m, n, p.slice(1), root), "inclusion");
      if (n > 1) await rejectsAt(verifyInclusion(l[(m + 1) % n], m, n, p, root), "inclusion");
      await rejectsAt(verifyInclusion(l[m], m, n, [...p, root], root), "inclusion");
    }
    for (let m = 1; m < n; m++) {
      const p = await subproof(m, l, true);
      const old = await mth(leaves.slice(0, m));
      await verifyConsistency(m, n, old, root, p);
      await rejectsAt(verifyConsistency(m, n, root, old, p), "consistency");
    }
    await verifyConsistency(n, n, root, root, []);
  }
  // Hex input is accepted, upper case is not.
  const hex = Buffer.from(leaves[0]).toString("hex");
  await verifyInclusion(hex, 0, 1, [], hex);
  await rejectsAt(verifyInclusion(hex.toUpperCase(), 0, 1, [], hex), "inclusion");
});

