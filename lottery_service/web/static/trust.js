// Sunshine Draw: the one trusted-checkpoint policy of the browser pages
// (docs/PROTOCOL.md §12, §14; the parents' page and the supervisors' dashboard).
//
// A browser remembers, per log (the parents' page keys it by the v2 log origin, §12.1;
// the dashboard still by event id), the largest checkpoint it verified and the log key
// it verified it under. A checkpoint served later is judged against it, as python-tuf
// judges new metadata against trusted metadata (the receipt checker, receipt.js, runs
// the same comparison as its §14 step 3; verdictOfReceipt() names its outcome):
//
//   nothing remembered             → "first"      nothing compared yet (未检查), never "passed"
//   same size, same root           → "same"       passed
//   larger, valid RFC 9162 proof   → "extends"    passed (then remembered)
//   smaller                        → "rollback"   refused: a log never shrinks
//   same size, another root        → "fork"       refused (ProofError step "consistency")
//   larger, no or a bad proof      → "fork"       refused (ProofError step "consistency")
//   larger, no proof obtainable    → "unproven"   receipt.js: not checked (未检查), never "passed"
//   remembered under another key   → "key_changed" refused: one log, one key
//
// Only a verdict of state "ok" or "skipped" lets a page show a result as verified;
// only then is the served checkpoint remembered (rememberCheckpoint only moves forward).

import { ProofError, fail } from "./errors.js";
import { canonicalJSON, hexToBytes, int, members, parseStrictJSON, str } from "./encoding.js";
import { HASH_SIZE, verifyConsistency } from "./merkle.js";

/** The relation checkProof reports (`consistency`), before the policy judges it. */
export const Relation = Object.freeze({
  NONE: "none", SAME: "same", EXTENDS: "extends", OLDER: "older",
});

/** What the policy says about a served checkpoint: `reason` → step state. */
export const Reason = Object.freeze({
  FIRST: "first", SAME: "same", EXTENDS: "extends", ROLLBACK: "rollback", FORK: "fork",
  KEY_CHANGED: "key_changed", UNPROVEN: "unproven",
});
const STATE = {
  first: "skipped", same: "ok", extends: "ok", rollback: "bad", fork: "bad", key_changed: "bad",
  unproven: "skipped",
};

/**
 * The verdict {state, reason} on a receipt check (receipt.js) given what this browser
 * trusted ({checkpoint, keyChanged} from loadTrust): step 3's outcome in this policy's words.
 */
export function verdictOfReceipt(result, { checkpoint, keyChanged }) {
  let reason;
  if (keyChanged) reason = Reason.KEY_CHANGED;
  else if (result.evidence === "rollback") reason = Reason.ROLLBACK;
  else if (result.evidence === "fork") reason = Reason.FORK;
  else if (!result.steps || !("consistency" in result.steps)) return null; // step 3 did not run
  else if (checkpoint === null) reason = Reason.FIRST;
  else if (result.steps.consistency !== "passed") reason = Reason.UNPROVEN;
  else reason = result.relation === "same" ? Reason.SAME : Reason.EXTENDS;
  return { state: STATE[reason], reason };
}

function checkpointArg(c, what, min) {
  int(c?.size, `${what} size`, "consistency", "12", min);
  hexToBytes(c.root, HASH_SIZE, "consistency", "12");
  return c;
}

/** Does judging `served` against `trusted` need an RFC 9162 consistency proof? */
export function needsConsistencyProof(trusted, served) {
  return trusted !== null && trusted !== undefined && trusted.size < served.size;
}

/**
 * The relation of a served checkpoint {size, root hex} to the trusted one (§12, §14).
 * `consistency` is null or {old_size, proof: [hex…]}, the proof from trusted.size.
 * Returns a Relation; a fork (another root at a size, or a larger log that does
 * not extend the trusted one) throws ProofError step "consistency", reason "fork".
 */
export async function compareCheckpoints(trusted, served, consistency) {
  if (trusted === null || trusted === undefined) return Relation.NONE;
  const t = checkpointArg(trusted, "trusted", 1); // size 0: nothing to trust
  checkpointArg(served, "served", 0);
  if (t.size === served.size) {
    if (t.root !== served.root) refuse(Reason.FORK, `two different roots for size ${served.size} (fork)`);
    return Relation.SAME;
  }
  if (t.size > served.size) return Relation.OLDER;
  if (consistency === null || consistency === undefined) {
    refuse(Reason.FORK, "no consistency proof from the trusted checkpoint");
  }
  if (consistency.old_size !== t.size) {
    refuse(Reason.FORK, `consistency proof starts at ${consistency.old_size}, not ${t.size}`);
  }
  try {
    await verifyConsistency(t.size, served.size, t.root, served.root, consistency.proof,
      { step: "consistency", section: "12" });
  } catch (e) {
    if (e instanceof ProofError) refuse(Reason.FORK, e.detail);
    throw e;
  }
  return Relation.EXTENDS;
}

/**
 * The policy's verdict {state: "ok" | "skipped" | "bad", reason} on a relation
 * (and on whether the remembered checkpoint was under another key).
 */
export function judge(relation, { keyChanged = false } = {}) {
  let reason;
  if (keyChanged) reason = Reason.KEY_CHANGED;
  else if (relation === Relation.NONE) reason = Reason.FIRST;
  else if (relation === Relation.SAME) reason = Reason.SAME;
  else if (relation === Relation.EXTENDS) reason = Reason.EXTENDS;
  else if (relation === Relation.OLDER) reason = Reason.ROLLBACK;
  else fail("consistency", "12", `unknown checkpoint relation ${relation}`);
  return { state: STATE[reason], reason };
}

/** The verdict for a ProofError: a refused consistency check has its reason, else null. */
export function verdictOfError(error) {
  if (!(error instanceof ProofError) || error.step !== "consistency") return null;
  return { state: "bad", reason: error.reason ?? Reason.FORK };
}

function refuse(reason, message) {
  const e = new ProofError("consistency", "12", message);
  e.reason = reason;
  throw e;
}

// ------------------------------------------------------------- localStorage

function storageKey(log) {
  return `sunshine-draw/checkpoint/${log}`;
}

const LOG_NAME = /^[!-~]{1,255}$/; // an event id or a §12.1 origin: printable ASCII, no space

/**
 * What this browser trusts for the log `event` (an event id or origin): {checkpoint: {size, root} | null, keyChanged}.
 * `keyChanged` is true when the remembered checkpoint was verified under another
 * log key than `logKey`; a damaged stored value is forgotten, never trusted.
 */
export function loadTrust(storage, event, logKey) {
  str(event, "log", "input", "1", LOG_NAME);
  const raw = storage.getItem(storageKey(event));
  if (raw === null || raw === undefined) return { checkpoint: null, keyChanged: false };
  let v;
  try {
    v = parseStrictJSON(raw, "input", "14");
    members(v, ["key", "size", "root"], "stored checkpoint", "input", "14");
    str(v.key, "stored key", "input", "14");
    int(v.size, "stored size", "input", "14", 1);
    hexToBytes(v.root, HASH_SIZE);
  } catch (e) {
    if (e instanceof ProofError) return { checkpoint: null, keyChanged: false };
    throw e;
  }
  return { checkpoint: { size: v.size, root: v.root }, keyChanged: v.key !== logKey };
}

/**
 * Remember a verified checkpoint under `logKey`, only ever moving forward. Call it
 * only after the verdict was "ok" or "skipped". Another root at the remembered size
 * is a fork (throws); a checkpoint remembered under another key is never replaced.
 */
export function rememberCheckpoint(storage, event, logKey, { size, root }) {
  str(logKey, "log key", "input", "14");
  int(size, "checkpoint size", "input", "14", 1);
  hexToBytes(root, HASH_SIZE);
  const { checkpoint: old, keyChanged } = loadTrust(storage, event, logKey);
  if (keyChanged) refuse(Reason.KEY_CHANGED, "this browser trusts another log key for the event");
  if (old !== null && old.size === size && old.root !== root) {
    refuse(Reason.FORK, `two different roots for size ${size} (fork)`);
  }
  if (old !== null && old.size >= size) return old;
  storage.setItem(storageKey(event), canonicalJSON({ key: logKey, root, size }));
  return { size, root };
}
