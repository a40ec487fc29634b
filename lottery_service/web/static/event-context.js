// Sunshine Draw: the event context (docs/PROTOCOL.md §14.1) and its drand beacon (§5.6),
// checked in the family's browser after its receipt (§14).
//
// The context is a tlog-proof@v1 file whose primary entry is event_created; it is
// verified like a receipt (§14 steps 1–4) under the receipt's checkpoint or one proved
// consistent with it, then, when rules.beacon is not null, every ceremony's beacon entry
// is checked with beacon.js against the pinned chain for the round in force. Nothing from
// an unverified part is returned. Pure: the caller passes the text and a proof source.

import { ProofError } from "./errors.js";
import { checkNote } from "./policy.js";
import { included, parseProof } from "./receipt.js";
import { checkBeaconEntry, parseChain, roundInForce } from "./beacon.js";
import { parseCanonical, base64Decode, bytesToHex, hexToBytes } from "./encoding.js";
import { verifyConsistency } from "./merkle.js";

export const CONTEXT_TYPES = Object.freeze(["ceremony_opened", "beacon_postponed", "physical_entropy",
  "beacon", "seed", "payment_round", "payments_closed"]);
const SCHEDULE = ["ceremony_opened", "beacon_postponed", "physical_entropy"];

/** Why a context check failed: `.code` is "format" | "checkpoint" | "inclusion" | "beacon". */
export class ContextError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "ContextError";
    this.code = code;
  }
}

const stop = (code, message) => { throw new ContextError(code, message); };

async function guard(code, fn) {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ContextError) throw e;
    if (e instanceof ProofError) stop(code, e.detail ?? e.message);
    throw e;
  }
}

function parseX(xText, event) {
  const x = parseCanonical(xText, "format", "2.3");
  const keys = x && typeof x === "object" && !Array.isArray(x) ? Object.keys(x).sort().join(",") : "";
  if (keys !== "entries,event,type,version") stop("format", "X does not have exactly the members of §14.1");
  if (x.type !== "sunshine-context" || x.version !== 2) stop("format", "X is not a version-2 sunshine-context");
  if (x.event !== event) stop("format", `the context is of event ${x.event}, not ${event}`);
  if (!Array.isArray(x.entries)) stop("format", "entries is not a list");
  return x;
}

/**
 * The context's checkpoint against the receipt's ({size, root hex}): the same, or
 * consistent by a proof from `consistencyProof(oldSize, newSize)` (hashes or null).
 * Returns "same" | "proved" | "unproved" (no proof obtainable); a contradiction throws.
 */
async function againstReceipt(cp, anchor, consistencyProof) {
  if (cp.size === anchor.size) {
    if (cp.root !== anchor.root) stop("checkpoint", "fork: the context's checkpoint has the receipt's size and another root");
    return "same";
  }
  const [small, large] = cp.size < anchor.size ? [{ size: cp.size, root: cp.root }, anchor] : [anchor, { size: cp.size, root: cp.root }];
  const proof = consistencyProof ? await consistencyProof(small.size, large.size) : null;
  if (proof === null || proof === undefined) return "unproved";
  const path = proof.map((h) => (typeof h === "string" ? base64Decode(h, "consistency", "1") : h));
  await guard("checkpoint", () => verifyConsistency(small.size, large.size, hexToBytes(small.root, 32, "consistency", "12"),
    hexToBytes(large.root, 32, "consistency", "12"), path));
  return "proved";
}

/**
 * The beacon of every ceremony in the context's entries ({type, time, body}, log order)
 * under `rules` (event_created's): null when rules.beacon is null, else
 * [{ceremony, round, randomness}] in ceremony order. Throws BeaconError (beacon.js).
 */
export async function checkEventBeacon(rules, entries) {
  if (rules.beacon === null) return null;
  const chain = await parseChain(rules.beacon);
  const ceremonies = new Map();
  for (const e of entries) {
    if (!SCHEDULE.includes(e.type) && e.type !== "beacon") continue;
    const c = e.body.ceremony;
    if (!ceremonies.has(c)) ceremonies.set(c, { schedule: [], beacon: null });
    const item = ceremonies.get(c);
    if (e.type === "beacon") {
      if (item.beacon !== null) stop("beacon", `two beacon entries of ceremony ${c}`);
      item.beacon = e.body;
    } else {
      item.schedule.push({ type: e.type, time: e.time, ...e.body });
    }
  }
  const out = [];
  for (const [ceremony, item] of ceremonies) {
    if (item.beacon === null) continue; // not drawn yet: nothing to check
    const round = roundInForce(chain, item.schedule);
    const checked = await checkBeaconEntry(chain, item.beacon, round);
    out.push({ ceremony, round: checked.round, randomness: checked.randomness });
  }
  return out;
}

/**
 * Check an event context (§14.1) for `event` under `policy` (parsePolicy() output), tied
 * to `anchor`, the verified receipt's checkpoint {size, root hex}.
 * Returns {ok: true, relation: "same" | "proved", beacon: null | [{ceremony, round, randomness}]},
 * {ok: true, relation: "unproved", beacon: undefined} when the two checkpoints could not be
 * tied (nothing of the context is used), or {ok: false, code, reason}.
 */
export async function checkContext(text, { event, policy, anchor, consistencyProof = null }) {
  try {
    const proof = await guard("format", () => parseProof(text));
    const x = await guard("format", () => parseX(proof.xText, event));
    const note = await guard("checkpoint", () => checkNote(proof.note, policy, "checkpoint"));
    const cp = note.checkpoint;
    if (!cp.origin.endsWith(`/${event}`)) stop("checkpoint", `origin ${cp.origin} is not of event ${event}`);
    const relation = await againstReceipt({ size: cp.size, root: cp.root }, anchor, consistencyProof);
    if (relation === "unproved") return { ok: true, relation, beacon: undefined };
    if (proof.index !== 0) stop("format", "the context's primary entry is not at index 0");
    return await finish(x, cp, event, relation);
  } catch (e) {
    if (e instanceof ContextError) return { ok: false, code: e.code, reason: e.message };
    if (e instanceof ProofError) return { ok: false, code: e.step === "beacon" ? "beacon" : "format", reason: e.detail ?? e.message };
    throw e;
  }
}

async function finish(x, cp, event, relation) {
  const entries = [];
  let last = -1;
  for (const item of x.entries) {
    if (!item || !Number.isSafeInteger(item.index) || item.index <= last || typeof item.entry !== "string" ||
        !Array.isArray(item.proof)) stop("format", "an entries item is malformed or out of order");
    last = item.index;
    const path = await guard("format", () => item.proof.map((h) => base64Decode(h, "format", "1")));
    const e = await guard("inclusion", () => included(item.index, item.entry, path, cp, event));
    if (entries.length === 0 ? e.type !== "event_created" : !CONTEXT_TYPES.includes(e.type)) {
      stop("inclusion", `entry ${item.index} (${e.type}) has no place in the context`);
    }
    entries.push(e);
  }
  if (entries.length === 0 || entries[0].seq !== 0) stop("inclusion", "the context does not start with event_created at index 0");
  const beacon = await checkEventBeacon(entries[0].body.rules, entries.slice(1));
  return { ok: true, relation, beacon, checkpoint: { size: cp.size, root: bytesToHex(cp.rootBytes) } };
}
