// Shared helpers of the Node tests (node --test tests/js/): paths, vector files,
// ProofError assertions and an in-memory Web Storage.

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { ProofError } from "../../lottery_service/web/static/errors.js";

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = join(HERE, "..", "..");
export const VECTORS = join(REPO, "tests", "vectors");
export const MERKLE = join(REPO, "..", "shared", "vectors", "rfc9162-merkle");

export const readJSON = (path) => JSON.parse(readFileSync(path, "utf-8"));

/**
 * `skip` for node:test when an external vector folder is absent: a reason locally,
 * never in CI (CI=true), where a missing folder must fail the run.
 */
export function skipUnless(path) {
  if (existsSync(path) || process.env.CI === "true") return false;
  return `${path} is absent`;
}

/** The promise (or async function) rejects with ProofError at `step`. */
export async function rejectsAt(promiseOrFn, step) {
  await assert.rejects(
    async () => (typeof promiseOrFn === "function" ? promiseOrFn() : promiseOrFn),
    (e) => {
      assert.ok(e instanceof ProofError, `expected ProofError, got ${e}`);
      assert.equal(e.step, step, `expected step ${step}, got ${e.step}: ${e.message}`);
      assert.match(e.section, /^[0-9]+(\.[0-9]+)*$/);
      return true;
    },
  );
}

/** The function throws ProofError at `step`. */
export function throwsAt(fn, step) {
  assert.throws(fn, (e) => e instanceof ProofError && e.step === step);
}

/** localStorage's interface over a Map. */
export class MemoryStorage {
  constructor() { this.map = new Map(); }
  getItem(k) { return this.map.has(k) ? this.map.get(k) : null; }
  setItem(k, v) { this.map.set(k, String(v)); }
  removeItem(k) { this.map.delete(k); }
}
