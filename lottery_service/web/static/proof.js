// Sunshine Draw: the parents' in-browser proof checker (docs/PROTOCOL.md §6, §14).
//
// A third, independent implementation of the parts of the protocol a family
// needs, over encoding.js (§1, §2), merkle.js (§4), note.js (§12) and entries.js
// (§11): lottery numbers (§6) and the applicant proof (§14). WebCrypto only, so it
// runs in the browser (<script type="module">) and in Node 20.
//
// checkProof reports the checkpoint's relation to the one the browser trusted
// (`consistency`); the policy that turns it into 通过 / 未检查 / 未通过 is trust.js.
// Every failure throws ProofError (errors.js); nothing returns false.

import { ProofError, fail } from "./errors.js";
import {
  bytesToHex, concat, hexToBytes, hmacSha256, int, members, parseCanonical, parseStrictJSON,
  str, utf8,
} from "./encoding.js";
import { EVENT_ID, REG, parseEntry } from "./entries.js";
import { HASH_SIZE, leafHash, verifyInclusion } from "./merkle.js";
import { ORIGIN_PREFIX, openCheckpoint, parseVerifierKey } from "./note.js";
import { compareCheckpoints } from "./trust.js";

export const LOTTERY_NUMBER_TAG = "sunshine-draw/v1/lottery-number";

// --------------------------------------------------------- lottery number (§6)

/** number(reg) = HMAC-SHA256(seed, UTF8(tag) ‖ 0x00 ‖ UTF8(reg)) as lowercase hex (§2.2, §6). */
export async function lotteryNumber(seedHex, reg) {
  const seed = hexToBytes(seedHex, HASH_SIZE, "number", "6");
  str(reg, "registration number", "number", "1", REG);
  const message = concat(utf8(LOTTERY_NUMBER_TAG), new Uint8Array([0]), utf8(reg));
  return bytesToHex(await hmacSha256(seed, message));
}

// ------------------------------------------------------- applicant proof (§14)

/** The §14 proof object, member for member (step "input"). */
function parseProofObject(proof) {
  const step = "input";
  const p = typeof proof === "string" ? parseStrictJSON(proof, step, "14") : proof;
  members(p, ["event", "reg", "checkpoint", "log_key", "entries", "roster", "consistency"], "proof", step, "14");
  str(p.event, "event", step, "1", EVENT_ID);
  str(p.reg, "reg", step, "1", REG);
  str(p.checkpoint, "checkpoint", step, "14");
  str(p.log_key, "log_key", step, "14");
  if (!Array.isArray(p.entries)) fail(step, "14", "entries is not a list");
  for (const e of p.entries) {
    members(e, ["entry", "index", "proof"], "proof entry", step, "14");
    str(e.entry, "entry text", step, "14");
    int(e.index, "entry index", step, "14");
    if (!Array.isArray(e.proof)) fail(step, "14", "entry proof is not a list");
  }
  if (p.roster !== null) {
    members(p.roster, ["record", "index", "size", "proof"], "roster", step, "14");
    str(p.roster.record, "roster record", step, "14");
    int(p.roster.index, "roster index", step, "14");
    int(p.roster.size, "roster size", step, "14", 1);
    if (!Array.isArray(p.roster.proof)) fail(step, "14", "roster proof is not a list");
  }
  if (p.consistency !== null) {
    members(p.consistency, ["old_size", "proof"], "consistency", step, "14");
    int(p.consistency.old_size, "consistency old_size", step, "14", 1);
    if (!Array.isArray(p.consistency.proof)) fail(step, "14", "consistency proof is not a list");
  }
  return p;
}

function only(list, what) {
  if (list.length === 0) fail("entries", "14", `the proof has no ${what} entry`);
  if (new Set(list.map((e) => e.seq)).size > 1) fail("entries", "14", `the proof has two different ${what} entries`);
  return list[0];
}

/** §12: the log key (the pinned one where the page has one) and its signed checkpoint. */
async function openSigned(p, pinnedKey) {
  const key = await parseVerifierKey(p.log_key);
  if (pinnedKey !== undefined && pinnedKey !== null) {
    const pinned = await parseVerifierKey(pinnedKey);
    if (pinned.text !== key.text) fail("key", "12", "the proof's log key is not the pinned key");
  }
  const origin = ORIGIN_PREFIX + p.event;
  if (key.name !== origin) fail("key", "12", `log key name ${key.name} is not ${origin}`);
  return (await openCheckpoint(p.checkpoint, key, origin)).checkpoint;
}

/** §11.1, §4: every entry is canonical, in this event, at its seq, and in the log. */
async function includedEntries(p, cp) {
  const entries = [];
  for (const e of p.entries) {
    if (e.index >= cp.size) fail("inclusion", "4", `entry ${e.index} is beyond the checkpoint size ${cp.size}`);
    await verifyInclusion(await leafHash(e.entry), e.index, cp.size, e.proof, cp.rootBytes);
    entries.push(parseEntry(e.entry, e.index, p.event));
  }
  return entries;
}

/** §3.3: the applicant's roster record is in the frozen lottery input; returns it. */
async function rosterRecord(p, frozen, results, lottery) {
  if (p.roster === null) fail("roster", "3.3", "the proof has no roster record");
  const r = p.roster;
  if (r.size !== frozen.body.size) fail("roster", "3.3", `roster size ${r.size} is not the frozen size ${frozen.body.size}`);
  await verifyInclusion(await leafHash(r.record), r.index, r.size, r.proof, frozen.body.root,
    { step: "roster", section: "3.3" });
  const record = parseCanonical(r.record, "roster", "3.3");
  members(record, ["type", "reg", "name", "school", "district", "gender", "reg_day", "direct", "community", "unit"],
    "applicant record", "roster", "3.2");
  if (record.type !== "applicant") fail("roster", "3.2", "roster record is not an applicant");
  if (record.reg !== p.reg) fail("roster", "3.2", `roster record is for ${record.reg}, not ${p.reg}`);
  if (record.school !== results.body.school) fail("roster", "3.2", "roster school differs from the result's school");
  if (record.unit !== lottery.unit) fail("roster", "3.2", "roster unit differs from the result's unit");
  return record;
}

/** §3.3, §6, §7.3: the lottery part of the proof; null for a pupil outside the lottery. */
async function lotteryPart(p, entries) {
  const parts = entries.filter((e) => e.type === "lottery_results" &&
    e.body.records.some((r) => r.reg === p.reg));
  if (parts.length === 0) {
    if (p.roster !== null) fail("entries", "14", `no lottery result for ${p.reg}`);
    return null;
  }
  const results = only(parts, "lottery_results part for " + p.reg);
  const lottery = results.body.records.find((r) => r.reg === p.reg);
  const frozen = only(entries.filter((e) => e.type === "input_frozen" && e.body.ceremony === "lottery"),
    "lottery input_frozen");
  const seed = only(entries.filter((e) => e.type === "seed" && e.body.ceremony === "lottery"), "lottery seed");
  if (results.seq <= seed.seq || seed.seq <= frozen.seq) fail("entries", "11.3", "lottery entries out of order");
  const record = await rosterRecord(p, frozen, results, lottery);

  // §6: the number is recomputed from the seed and the reg alone.
  const number = await lotteryNumber(seed.body.seed, p.reg);
  if (number !== lottery.number) fail("number", "6", `logged number ${lottery.number} is not number(${p.reg}) = ${number}`);

  // §7.3: an admission in a drawn stage needs number(unit) ≤ that stage's cutoff.
  const summary = entries.find((e) => e.type === "lottery_results" && e.body.school === record.school &&
    e.body.summary !== null)?.body.summary;
  const stage = summary?.stages.find((s) => s.stage === lottery.stage);
  const cutoff = stage?.cutoff ?? null;
  if (lottery.outcome === "admitted" && stage?.lottery) {
    const unitNumber = lottery.unit === p.reg ? number : await lotteryNumber(seed.body.seed, lottery.unit);
    if (cutoff === null || unitNumber > cutoff) {
      fail("outcome", "7.3", `admitted in the ${lottery.stage} lottery with a number above its cutoff`);
    }
  }
  return { record, lottery, cutoff };
}

/** §7.5: forfeits and promotions after the draw. */
function afterDraw(p, entries, school, drawnOutcome) {
  let outcome = drawnOutcome;
  let promotedRound = null;
  let forfeited = false;
  for (const e of entries) {
    if (e.type === "payment_round" && e.body.forfeited.includes(p.reg)) forfeited = true;
    if (e.type === "promotions" && e.body.promoted.includes(p.reg)) {
      if (school !== null && e.body.school !== school) fail("entries", "14", "promotion at another school");
      outcome = "admitted";
      promotedRound = Math.max(promotedRound ?? 0, e.body.round);
    }
  }
  return { outcome, promotedRound, forfeited };
}

/** §9, §10: class and head teacher; the school is the grouping's when outside the lottery. */
function classAndTeacher(p, entries, lotterySchool) {
  const grouping = entries.filter((e) => e.type === "grouping_results" &&
    e.body.records.some((r) => r.reg === p.reg));
  if (grouping.length === 0) return { school: lotterySchool, klass: null, teacher: null };
  const part = only(grouping, "grouping_results part for " + p.reg);
  if (lotterySchool !== null && part.body.school !== lotterySchool) fail("entries", "14", "grouped at another school");
  const school = part.body.school;
  const klass = part.body.records.find((r) => r.reg === p.reg).class;
  const matching = entries.filter((e) => e.type === "matching_results" && e.body.school === school);
  let teacher = null;
  if (matching.length > 0) {
    const pair = only(matching, "matching_results").body.pairs.find((x) => x.class === klass);
    teacher = pair ? pair.teacher : null;
  }
  return { school, klass, teacher };
}

/**
 * Check a §14 applicant proof end to end, in §14's order, and return what it proves.
 *
 * options: `reg` (the number the family asked about; the proof must be for it),
 * `pinnedKey` (the log's verifier key the page ships; must equal proof.log_key),
 * `trustedCheckpoint` ({size, root hex} this browser verified before; the relation
 * to it is returned as `consistency`, and a fork throws — trust.js judges the rest).
 * A ProofError of a step after the checkpoint carries that relation as `.consistency`.
 */
export async function checkProof(proof, { reg, pinnedKey, trustedCheckpoint } = {}) {
  const p = parseProofObject(proof);
  if (reg !== undefined && reg !== null && p.reg !== reg) {
    fail("reg", "14", `the proof is for ${p.reg}, not ${reg}`);
  }
  const cp = await openSigned(p, pinnedKey);
  const consistency = await compareCheckpoints(trustedCheckpoint ?? null, cp, p.consistency);
  try {
    return await readProof(p, cp, consistency);
  } catch (e) {
    // A later step failed: say what the checkpoint's relation was (pages show that step).
    if (e instanceof ProofError) e.consistency = consistency;
    throw e;
  }
}

/** §14 after the checkpoint: entries, roster, number, cutoff, then what they say. */
async function readProof(p, cp, consistency) {
  const entries = await includedEntries(p, cp);
  const drawn = await lotteryPart(p, entries);
  const placed = classAndTeacher(p, entries, drawn ? drawn.record.school : null);
  if (!drawn && placed.klass === null) fail("reg", "14", `the proof holds no result for ${p.reg}`);
  const after = afterDraw(p, entries, drawn ? drawn.record.school : null, drawn ? drawn.lottery.outcome : null);
  const lottery = drawn?.lottery;
  return {
    event: p.event,
    reg: p.reg,
    name: drawn ? drawn.record.name : null,
    school: placed.school,
    outcome: after.outcome,
    stage: lottery ? lottery.stage : null,
    rank: lottery ? lottery.rank : null,
    waiting: lottery ? lottery.waiting : null,
    number: lottery ? lottery.number : null,
    cutoff: drawn ? drawn.cutoff : null,
    promotedRound: after.promotedRound,
    forfeited: after.forfeited,
    class: placed.klass,
    teacher: placed.teacher,
    checkpointSize: cp.size,
    checkpointRoot: cp.root,
    consistency,
  };
}
