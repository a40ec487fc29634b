// Sunshine Draw: the family receipt checker (docs/PROTOCOL.md v2 §14).
//
// A receipt is a C2SP tlog-proof@v1 file whose `extra` line carries the receipt X,
// zlib-compressed (§14; DecompressionStream, in the browser and in Node).
// checkReceipt() runs §14's steps 1–6 in order, stops at the first failure, and
// returns only what it verified, read from the verified entries and records, with the
// family's status code. It is a third, independent implementation beside the service
// and the standalone verifier, over encoding.js (§1, §2), merkle.js (§4), note.js and
// policy.js (§12, §13.1) and entries.js (§11). WebCrypto (plus the vendored libraries
// of signatures.js), so it runs in the browser and in Node 20.

import { ProofError, fail } from "./errors.js";
import {
  base64Decode, base64Encode, bytesToHex, concat, hexToBytes, hmacSha256, isObject, parseCanonical,
  sha256, utf8,
} from "./encoding.js";
import { EVENT_ID, RECORD_MEMBERS, REG, parseEntry } from "./entries.js";
import { HASH_SIZE, leafHash, verifyConsistency, verifyInclusion } from "./merkle.js";
import { checkNote } from "./policy.js";

export const HEADER = "c2sp.org/tlog-proof@v1";
/** What the extra data may inflate to (§14 step 1). */
export const MAX_X_BYTES = 1048576;
export const LOTTERY_NUMBER_TAG = "sunshine-draw/v2/lottery-number";
/** §14 steps, in order (1-based numbers are their index + 1). */
export const STEPS = Object.freeze(["format", "checkpoint", "consistency", "inclusion", "records", "number"]);
/** Step states, as tests/vectors/receipts.json spells them. */
export const State = Object.freeze({ PASSED: "passed", NOT_CHECKED: "not checked", NOT_APPLICABLE: "not applicable" });
/** What a family's result is (§14 "A family's status follows from those alone"). */
export const Status = Object.freeze({
  ADMITTED_AWAITING_PAYMENT: "admitted-awaiting-payment", CONFIRMED: "confirmed",
  FORFEITED_UNPAID: "forfeited-unpaid", FORFEITED_DECLINED: "forfeited-declined",
  PROMOTED_AWAITING_PAYMENT: "promoted-awaiting-payment", WAITING: "waiting",
  NOT_ADMITTED: "not-admitted", REJECTED: "rejected", GROUPED: "grouped",
});
/** Supporting entry types (§14). */
export const SUPPORTING = Object.freeze(["seed", "payment_round", "payments_closed", "forfeit", "lock",
  "promotion", "grouping_result", "matching_result"]);
const PRIMARY = ["lottery_result", "grouping_result", "eligibility_rejections"];
const X_MEMBERS = ["type", "version", "event", "reg", "entry", "entries", "records"];
const DECIMAL = /^(0|[1-9][0-9]*)$/;
const SECTION = ["14", "12", "14", "4", "3.3", "6"];

/** A failed §14 step: `.stepNumber` 1–6, `.evidence` "rollback" | "fork" for step 3. */
export class ReceiptError extends ProofError {
  constructor(number, reason, section = SECTION[number - 1], evidence = null) {
    super(STEPS[number - 1], section, reason);
    this.name = "ReceiptError";
    this.stepNumber = number;
    this.evidence = evidence;
  }
}

const stop = (n, reason, section, evidence) => { throw new ReceiptError(n, reason, section, evidence); };

/** Run `fn`; any ProofError it throws becomes step `n`'s failure (with `reason` if given). */
async function at(n, fn, reason) {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ReceiptError) throw e;
    if (e instanceof ProofError) stop(n, reason ?? e.detail, reason ? SECTION[n - 1] : e.section);
    throw e;
  }
}

// --------------------------------------------------------- lottery number (§6)

/** number(reg) = K(seed, "sunshine-draw/v2/lottery-number", reg) as lowercase hex (§2.2, §6). */
export async function lotteryNumber(seedHex, reg) {
  const seed = hexToBytes(seedHex, HASH_SIZE, "number", "6");
  if (!REG.test(reg)) fail("number", "1", "not a registration number");
  return bytesToHex(await hmacSha256(seed, concat(utf8(LOTTERY_NUMBER_TAG), new Uint8Array([0]), utf8(reg))));
}

// ------------------------------------------------------------ step 1: format

/** Inflate a zlib stream, refusing output past MAX_X_BYTES (it stops reading there). */
async function inflated(data) {
  const reader = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate")).getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return concat(...chunks);
    total += value.length;
    if (total > MAX_X_BYTES) {
      await reader.cancel().catch(() => {});
      stop(1, "X inflates past 1,048,576 bytes");
    }
    chunks.push(value);
  }
}

/** canon(X)'s bytes from the extra data (§14 step 1): one zlib stream, nothing after it. */
async function inflateX(data) {
  let out;
  try {
    out = await inflated(data);
  } catch (e) {
    if (e instanceof ProofError) throw e;
    stop(1, `extra is not one zlib stream (${e.message})`);
  }
  // Engines differ on bytes after the stream (Chromium refuses them, Node ignores them).
  // A whole stream less its last byte (the end of its Adler-32 check) never inflates,
  // so when that prefix does, something followed the stream.
  const prefixInflates = await inflated(data.subarray(0, data.length - 1)).then(() => true, () => false);
  if (prefixInflates) stop(1, "data after the zlib stream");
  return out;
}

/** Split a tlog-proof@v1 text strictly; returns {xText, index, path, note}. */
export async function parseProof(text) {
  if (typeof text !== "string") stop(1, "the receipt is not text");
  const lines = text.split("\n");
  if (lines[0] !== HEADER) stop(1, `first line is not ${HEADER}`);
  if (lines.length < 4 || !lines[1].startsWith("extra ")) stop(1, "no extra line (the receipt X)");
  const m = /^index (\S+)$/.exec(lines[2]);
  if (!m || !DECIMAL.test(m[1]) || !Number.isSafeInteger(Number(m[1]))) {
    stop(1, "index line is not 'index <canonical decimal>'");
  }
  const path = [];
  let k = 3;
  for (; k < lines.length && lines[k] !== ""; k++) {
    const h = base64Decode(lines[k], "format", "1");
    if (h.length !== HASH_SIZE) stop(1, "an inclusion proof hash is not 32 bytes");
    path.push(h);
  }
  if (k >= lines.length) stop(1, "no empty line before the checkpoint");
  let xText;
  try {
    const x = await inflateX(base64Decode(lines[1].slice(6), "format", "1"));
    xText = new TextDecoder("utf-8", { fatal: true }).decode(x);
  } catch (e) {
    if (e instanceof ProofError) throw e;
    stop(1, "extra is not UTF-8");
  }
  return { xText, index: Number(m[1]), path, note: lines.slice(k + 1).join("\n") };
}

function exactly(obj, names, what, n) {
  if (!isObject(obj)) stop(n, `${what} is not an object`);
  const have = Object.keys(obj).sort().join(",");
  if (have !== [...names].sort().join(",")) stop(n, `${what} does not have exactly the members of §14`);
}

/** X (§14): strict canonical JSON of exactly its members, for the asked `reg`. */
function parseX(xText, reg) {
  const x = parseCanonical(xText, "format", "2.3");
  exactly(x, X_MEMBERS, "X", 1);
  if (x.type !== "sunshine-receipt" || x.version !== 2) stop(1, "X is not a version-2 sunshine-receipt");
  if (typeof x.event !== "string" || !EVENT_ID.test(x.event)) stop(1, "event is not an event id");
  if (typeof x.reg !== "string" || !REG.test(x.reg)) stop(1, "reg is not a registration number");
  if (typeof reg !== "string" || !REG.test(reg)) stop(1, "the asked registration number is not one");
  if (x.reg !== reg) stop(1, `the receipt is for ${x.reg}, not ${reg}`);
  if (typeof x.entry !== "string") stop(1, "entry is not text");
  if (!Array.isArray(x.entries) || !Array.isArray(x.records)) stop(1, "entries or records is not a list");
  for (const item of x.entries) {
    exactly(item, ["index", "entry", "proof"], "an entries item", 1);
    if (!Number.isSafeInteger(item.index) || item.index < 0 || typeof item.entry !== "string" ||
        !Array.isArray(item.proof)) stop(1, "an entries item is malformed");
  }
  for (const item of x.records) {
    exactly(item, ["ceremony", "index", "size", "record", "proof"], "a records item", 1);
    if (typeof item.ceremony !== "string" || !Number.isSafeInteger(item.index) || item.index < 0 ||
        !Number.isSafeInteger(item.size) || item.size < 1 || typeof item.record !== "string" ||
        !Array.isArray(item.proof)) stop(1, "a records item is malformed");
  }
  return x;
}

const hashes = (list, n) => list.map((h) => {
  const b = typeof h === "string" ? base64Decode(h, STEPS[n - 1], "1") : h;
  if (b.length !== HASH_SIZE) stop(n, "a proof hash is not 32 bytes");
  return b;
});

// ------------------------------------------------------- step 3: consistency

/**
 * §14 step 3 against `trusted` ({size, root: hex}) with a consistency proof from it: an
 * array of base64 hashes, or an async function (oldSize, newSize) → array | null.
 * Returns State.PASSED or State.NOT_CHECKED (nothing trusted, or no proof obtainable).
 */
async function consistency(cp, trusted, proofSource, relation) {
  if (trusted === null || trusted === undefined) return State.NOT_CHECKED;
  if (!Number.isSafeInteger(trusted.size) || trusted.size < 0) stop(3, "the trusted checkpoint has no size");
  const old = hexToBytes(trusted.root, HASH_SIZE, "consistency", "12");
  if (trusted.size > cp.size) stop(3, "rollback: the trusted checkpoint is larger", "14", "rollback");
  if (trusted.size === cp.size) {
    if (bytesToHex(old) !== cp.root) stop(3, "fork: the same size with another root", "14", "fork");
    relation.value = "same";
    return State.PASSED;
  }
  if (trusted.size === 0) {
    if (bytesToHex(old) !== bytesToHex(await sha256(new Uint8Array()))) stop(3, "fork: a size-0 root that is not SHA-256(\"\")", "12.2", "fork");
    relation.value = "extends";
    return State.PASSED;
  }
  const proof = typeof proofSource === "function" ? await proofSource(trusted.size, cp.size) : proofSource;
  if (proof === null || proof === undefined) return State.NOT_CHECKED;
  const path = hashes(proof, 3);
  await at(3, () => verifyConsistency(trusted.size, cp.size, old, cp.rootBytes, path), "the consistency proof does not verify")
    .catch((e) => { e.evidence = "fork"; throw e; });
  relation.value = "extends";
  return State.PASSED;
}

// --------------------------------------------------------- step 4: inclusion

export async function included(index, text, path, cp, event) {
  await at(4, async () => verifyInclusion(await leafHash(text), index, cp.size, path, cp.rootBytes),
    `entry ${index} is not included at its index`);
  return at(4, () => parseEntry(text, index, event));
}

/** The primary and supporting entries, included and naming the right reg, school and class. */
async function inclusion(x, proof, cp) {
  const primary = await included(proof.index, x.entry, proof.path, cp, x.event);
  if (!PRIMARY.includes(primary.type)) stop(4, `a ${primary.type} cannot be a primary entry`);
  const p = primary.body;
  if (primary.type !== "eligibility_rejections" && p.reg !== x.reg) stop(4, "the primary entry does not name reg");
  const support = [];
  let last = -1;
  for (const item of x.entries) {
    if (item.index <= last || item.index === proof.index) {
      stop(4, "supporting entries not in ascending index, or the primary repeated");
    }
    last = item.index;
    const e = await included(item.index, item.entry, await at(4, () => hashes(item.proof, 4)), cp, x.event);
    if (!SUPPORTING.includes(e.type)) stop(4, `a ${e.type} is not a supporting entry`);
    if ("reg" in e.body && e.body.reg !== x.reg) stop(4, `supporting entry ${item.index} names another reg`);
    support.push(e);
  }
  const only = (type) => {
    const list = support.filter((e) => e.type === type);
    if (list.length > 1) stop(4, `two ${type} entries`);
    return list[0]?.body ?? null;
  };
  if (primary.type === "eligibility_rejections" && support.length > 0) stop(4, "a rejection receipt has supporting entries");
  const grouping = primary.type === "grouping_result" ? p : only("grouping_result");
  for (const e of support) {
    const b = e.body;
    if (e.type === "matching_result") {
      if (grouping === null || b.school !== grouping.school || b.class !== grouping.class) {
        stop(4, "the matching_result is not the class of the grouping_result");
      }
    } else if ("school" in b && b.school !== p.school) {
      stop(4, "a supporting entry of another school");
    }
  }
  for (const type of ["matching_result", "promotion", "lock"]) only(type);
  const seeds = new Map();
  for (const e of support.filter((s) => s.type === "seed")) {
    if (seeds.has(e.body.ceremony)) stop(4, `two seed entries of ceremony ${e.body.ceremony}`);
    seeds.set(e.body.ceremony, e.body);
  }
  return { primary, support, grouping, seeds };
}

// ----------------------------------------------------------- step 5: records

async function records(x, inc) {
  const { primary, grouping, seeds } = inc;
  const found = new Map();
  for (const item of x.records) {
    const c = item.ceremony;
    let root;
    let size;
    if (c === "rejections") {
      if (primary.type !== "eligibility_rejections") stop(5, "a rejection opening without the eligibility_rejections entry");
      [root, size] = [primary.body.root, primary.body.count];
    } else if (seeds.has(c)) {
      [root, size] = [seeds.get(c).input_root, seeds.get(c).input_size];
    } else {
      stop(5, `no seed entry of ceremony ${c} in the receipt`);
    }
    const path = await at(5, () => hashes(item.proof, 5));
    if (item.size !== size) stop(5, `a ${c} record is not in the input tree of its ceremony`);
    await at(5, async () => verifyInclusion(await leafHash(item.record), item.index, size, path, root),
      `a ${c} record is not in the input tree of its ceremony`);
    const record = await at(5, () => parseCanonical(item.record, "records", "2.3"));
    const members = c === "rejections" ? ["type", "event", "reg", "school", "code", "salt"]
      : isObject(record) ? RECORD_MEMBERS[record.type] : undefined;
    if (!members || (c === "rejections") !== (record.type === "rejection")) stop(5, `a ${c} record of an unknown type`);
    exactly(record, members, `a ${c} record`, 5);
    if (!found.has(c)) found.set(c, []);
    found.get(c).push(record);
  }
  const list = (c, type) => (found.get(c) ?? []).filter((r) => r.type === type);
  const p = primary.body;
  if (primary.type === "lottery_result") {
    const mine = list("lottery", "applicant");
    if (mine.length !== 1 || mine[0].reg !== x.reg || mine[0].school !== p.school || mine[0].unit !== p.unit) {
      stop(5, "the applicant record does not name reg, its school and unit");
    }
    const schools = list("lottery", "school");
    if (schools.length !== 1 || schools[0].id !== p.school) stop(5, "the school record is not the applicant's school");
  }
  if (grouping !== null) {
    const pupils = list("grouping", "pupil");
    if (pupils.length !== 1 || pupils[0].reg !== x.reg || pupils[0].school !== grouping.school) {
      stop(5, "the pupil record does not name reg and its school");
    }
  }
  if (primary.type === "eligibility_rejections") {
    const leaf = (found.get("rejections") ?? [])[0];
    if (!leaf || found.get("rejections").length !== 1 || leaf.reg !== x.reg || leaf.event !== x.event) {
      stop(5, "the rejection leaf does not name reg");
    }
  }
  return found;
}

// ------------------------------------------------------- what was verified

/** §14 "It then reads, only from what it verified": the fields and the status code. */
function readFields(x, inc, found) {
  const { primary, support, grouping } = inc;
  const p = primary.body;
  const of = (type) => support.filter((e) => e.type === type).map((e) => e.body);
  const rounds = of("payment_round").map((b) => b.round).sort((a, b) => a - b);
  const closed = of("payments_closed").length > 0;
  const forfeits = of("forfeit").map((b) => ({ round: b.round, reason: b.reason })).sort((a, b) => a.round - b.round);
  const promo = of("promotion").map((b) => ({ round: b.round, waiting: b.waiting }))[0] ?? null;
  const match = of("matching_result")[0];
  const f = {
    reg: x.reg, class: grouping ? grouping.class : null,
    teacher: match ? { id: match.teacher, name: match.name } : null,
    rounds_settled: rounds.length ? rounds[rounds.length - 1] : 0, payments_closed: closed,
  };
  if (primary.type === "eligibility_rejections") {
    const leaf = found.get("rejections")[0];
    return { ...f, status: Status.REJECTED, school: leaf.school, rejection_code: leaf.code };
  }
  if (primary.type === "grouping_result") {
    return { ...f, status: Status.GROUPED, school: p.school, name: found.get("grouping")[0].name };
  }
  const applicant = found.get("lottery").find((r) => r.type === "applicant");
  const school = found.get("lottery").find((r) => r.type === "school");
  const lock = of("lock").map((b) => ({ round: b.round }))[0] ?? null; // §7.5: out of the waiting order
  let status;
  if (forfeits.length) status = forfeits[0].reason === "unpaid" ? Status.FORFEITED_UNPAID : Status.FORFEITED_DECLINED;
  else if (p.outcome === "admitted") status = rounds.includes(1) ? Status.CONFIRMED : Status.ADMITTED_AWAITING_PAYMENT;
  else if (promo) status = rounds.includes(promo.round + 1) ? Status.CONFIRMED : Status.PROMOTED_AWAITING_PAYMENT;
  else if (p.waiting !== null && !closed && lock === null) status = Status.WAITING;
  else status = Status.NOT_ADMITTED;
  const out = {
    ...f, school: p.school, school_name: school.name, name: applicant.name, outcome: p.outcome,
    stage: p.stage, rank: p.rank, waiting: p.waiting, cutoff: p.cutoff, unit: p.unit, forfeits,
    promotion: promo, lock, status,
  };
  return out;
}

/** The payment rounds the receipt holds, for the waiting card: [{round, forfeits, locks}]. */
function roundsOf(support) {
  return support.filter((e) => e.type === "payment_round")
    .map((e) => ({ round: e.body.round, forfeits: e.body.forfeits, locks: e.body.locks }))
    .sort((a, b) => a.round - b.round);
}

// ------------------------------------------------------------- the checker

/**
 * Check a receipt (§14 steps 1–6, in order, stopping at the first failure).
 *
 * options: `reg` (what the family asked about; required), `policy` (parsePolicy()
 * output: the log key, witness keys and quorum), `trusted` (null, or {size, root hex} of
 * a checkpoint this checker verified before), `consistencyProof` (base64 hashes from
 * trusted.size to the receipt's size, or an async (oldSize, newSize) → hashes | null).
 *
 * Returns, on success, {ok: true, steps, checkpoint: {origin, size, root base64},
 * witnesses: {cosigned: [{witness, timestamp}], not_checked: [name], quorum_met},
 * fields, rounds, relation, trust: {size, root hex}}; on failure {ok: false, failed_step,
 * step, reason, section, evidence ("rollback" | "fork" | null), relation, steps (those that
 * passed)}. `relation` is step 3's "same" | "extends" when it passed, else null.
 * Nothing from an unverified part is ever returned.
 */
export async function checkReceipt(text, { reg, policy, trusted = null, consistencyProof = null } = {}) {
  const steps = {};
  const relation = { value: null }; // step 3: "same" | "extends" when it passed
  try {
    const proof = await parseProof(text);
    const x = await at(1, () => parseX(proof.xText, reg));
    steps.format = State.PASSED;

    const note = await at(2, () => checkNote(proof.note, policy, "checkpoint"));
    const cp = note.checkpoint;
    if (!cp.origin.endsWith(`/${x.event}`)) stop(2, `origin ${cp.origin} is not of event ${x.event}`, "12.1");
    steps.checkpoint = State.PASSED;

    steps.consistency = await consistency(cp, trusted, consistencyProof, relation);

    const inc = await inclusion(x, proof, cp);
    steps.inclusion = State.PASSED;

    const found = await records(x, inc);
    steps.records = State.PASSED;

    const fields = readFields(x, inc, found);
    if (inc.primary.type === "lottery_result") {
      const p = inc.primary.body;
      if (!inc.seeds.has("lottery")) stop(6, "no lottery seed");
      const seed = inc.seeds.get("lottery").seed;
      const number = await at(6, () => lotteryNumber(seed, x.reg));
      const unitNumber = p.unit === x.reg ? number : await at(6, () => lotteryNumber(seed, p.unit));
      if (p.outcome === "admitted" && p.cutoff !== null && unitNumber > p.cutoff) {
        stop(6, "admitted with number(unit) above the stage's cutoff");
      }
      fields.number = number;
      fields.unit_number = unitNumber;
      steps.number = State.PASSED;
    } else {
      steps.number = State.NOT_APPLICABLE;
    }
    return {
      ok: true, steps,
      checkpoint: { origin: cp.origin, size: cp.size, root: base64Encode(cp.rootBytes) },
      witnesses: note.witnesses, fields, rounds: roundsOf(inc.support), relation: relation.value,
      trust: { size: cp.size, root: cp.root },
    };
  } catch (e) {
    if (!(e instanceof ReceiptError)) {
      if (!(e instanceof ProofError)) throw e;
      // A ProofError outside a step wrapper belongs to the step under way.
      const n = STEPS.findIndex((s) => !(s in steps)) + 1;
      e = new ReceiptError(n, e.detail, e.section);
    }
    return { ok: false, failed_step: e.stepNumber, step: e.step, reason: e.detail, section: e.section,
      evidence: e.evidence, relation: relation.value, steps, error: e };
  }
}
