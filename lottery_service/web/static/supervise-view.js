// Supervisors' read-only page from the static publication (PROTOCOL.md §18; issue 13
// item 2), as functions without the DOM: supervise.js fetches nothing itself and draws
// only what `runSupervision` returns.
//
// The data path: the published `checkpoint` is checked against the event's tlog-policy
// (log signature, witness cosignatures and quorum, §12, §13.1) and against the checkpoint
// this browser trusted before (consistency from tiles, §18.2); every entry that
// `supervision.json` names is read from the entry bundles and checked against the tiles
// under that checkpoint (§18.2), and strictly parsed (§11). `supervision.json` itself is
// a hint: whether it names every such entry is for the full verifier (it replays the
// bundle), and the page says so.

import { ProofError } from "./errors.js";
import { parseEntry } from "./entries.js";
import { bytesToHex } from "./encoding.js";
import { checkNote, parsePolicy } from "./policy.js";
import { TileError, TileLog } from "./tiles.js";
import { loadTrust, rememberCheckpoint } from "./trust.js";

/** The entry types the page reads (lottery_service/views/supervision.py says the same). */
export const SUPERVISED = Object.freeze(["seed", "lottery_summary", "bias_audit", "payment_round",
  "promotions", "payments_closed", "grouping_summary", "matching_result", "correction", "published"]);

/** The checks, in order; each is {step, state: ok | skipped | bad, key, vars}. */
export const CHECKS = Object.freeze(["signature", "witnesses", "consistency", "entries", "complete"]);

const MAX_LISTED = 1_000_000;

/** The p-value as the supervisors' page prints it (views/dashboard.py `_p_text`). */
export function pText(ppm) {
  return ppm < 1000 ? "< 0.001" : (ppm / 1_000_000).toFixed(3);
}

/** One §8 dimension as shown: {dimension, verdict: passed | flagged | na, p, values}. */
export function fairness(d, label = {}) {
  return {
    dimension: d.dimension,
    verdict: !d.testable ? "na" : d.flag ? "flagged" : "passed",
    p: d.testable ? pText(d.p_ppm) : null,
    values: d.values.map((v) => ({ value: label[v.value] ?? v.value, applicants: v.applicants,
      winners: v.winners, expected: (v.expected_milli / 1000).toFixed(1) })),
  };
}

/**
 * What the verified entries say, school by school and round by round:
 * {seeds, schools, fairness, rounds, closed, grouping, corrections, published}.
 * `label` maps district codes (and F/M) to what the page prints.
 */
export function summarize(entries, label = {}) {
  const out = { seeds: [], schools: [], fairness: [], rounds: [], closed: null, grouping: [],
    corrections: [], published: [] };
  const rounds = new Map();
  const round = (n) => {
    if (!rounds.has(n)) rounds.set(n, { round: n, forfeits: null, locks: null, promotions: [] });
    return rounds.get(n);
  };
  const grouping = new Map();
  const school = (id) => {
    if (!grouping.has(id)) grouping.set(id, { school: id, classes: null, pupils: null, exchanges: null, teachers: 0 });
    return grouping.get(id);
  };
  for (const { seq, type, body } of entries) {
    if (type === "seed") out.seeds.push({ seq, ceremony: body.ceremony, seed: body.seed, records: body.input_size });
    else if (type === "lottery_summary") out.schools.push({ seq, ...body });
    else if (type === "bias_audit") out.fairness = body.dimensions.map((d) => fairness(d, label));
    else if (type === "payment_round") Object.assign(round(body.round), { forfeits: body.forfeits, locks: body.locks });
    else if (type === "promotions") round(body.round).promotions.push(body);
    else if (type === "payments_closed") out.closed = body.rounds;
    else if (type === "grouping_summary") {
      Object.assign(school(body.school), { classes: body.classes.length, exchanges: body.exchanges,
        pupils: body.classes.reduce((n, c) => n + c.pupils, 0) });
    } else if (type === "matching_result") school(body.school).teachers += 1;
    else if (type === "correction") out.corrections.push({ seq, refers_to: body.refers_to, reason: body.reason });
    else if (type === "published") out.published.push(body.ceremony);
  }
  out.schools.sort((a, b) => (a.school < b.school ? -1 : a.school > b.school ? 1 : 0));
  out.rounds = [...rounds.values()].sort((a, b) => a.round - b.round);
  out.grouping = [...grouping.values()].sort((a, b) => (a.school < b.school ? -1 : 1));
  return out;
}

/** `supervision.json`: {size, entries: [seq, …]} with ascending seqs below `size`. */
export function parseListing(text, size) {
  let v;
  try {
    v = JSON.parse(text);
  } catch {
    throw new TileError("supervision.json is not JSON");
  }
  const ok = v && typeof v === "object" && Number.isSafeInteger(v.size) && Array.isArray(v.entries)
    && v.entries.length <= MAX_LISTED
    && v.entries.every((s, i) => Number.isSafeInteger(s) && s >= 0 && s < v.size && (i === 0 || s > v.entries[i - 1]));
  if (!ok) throw new TileError("supervision.json is not {size, entries: ascending seqs below size}");
  // Listed under an older checkpoint (a publication in progress): its seqs are still in the log.
  if (v.size > size) throw new TileError(`supervision.json is for size ${v.size}, beyond the checkpoint's ${size}`);
  return v.entries;
}

const utf8 = (bytes) => new TextDecoder("utf-8", { fatal: true }).decode(bytes);

function check(step, state, key, vars = {}) {
  return { step, state, key, vars };
}

/**
 * Read and check everything the page shows. `read(path)` → Uint8Array (the publication
 * directory, §18.1); `storage` is localStorage; `policyText` the event's tlog-policy.
 * Returns {ok, checks, checkpoint?, witnesses?, view?, evidence?}: `view` only when every
 * check that ran passed; `evidence` (rollback | fork | key_changed) is reported loudly.
 */
export async function runSupervision({ read, storage, policyText, event, label = {} }) {
  const checks = [];
  const text = async (path) => utf8(await read(path));
  const stop = (step, key, vars = {}, extra = {}) => {
    checks.push(check(step, "bad", key, vars));
    for (const rest of CHECKS.slice(CHECKS.indexOf(step) + 1)) checks.push(check(rest, "skipped", "v.not_run"));
    return { ok: false, checks, ...extra };
  };
  // 1. The checkpoint under the policy's log key (§12, §13.1).
  let policy;
  let note;
  try {
    policy = await parsePolicy(policyText);
    note = await checkNote(await text("checkpoint"), policy);
  } catch (e) {
    if (e instanceof ProofError || e instanceof TileError || e instanceof TypeError) {
      return stop("signature", "v.signature_bad", { why: e.detail ?? e.message });
    }
    throw e;
  }
  const cp = note.checkpoint;
  const log = policy.logs[0];
  checks.push(check("signature", "ok", "v.signature_ok", { size: cp.size }));
  // 2. Witness cosignatures against the quorum (§13.1): shown either way, flagged when short.
  const { cosigned, quorum_met: quorum } = note.witnesses;
  checks.push(check("witnesses", quorum ? "ok" : "bad", quorum ? "v.quorum_ok" : "v.quorum_short",
    { n: cosigned.length, w: policy.witnesses.size }));
  // 3. Against what this browser trusted (§12, §18.2): the root of the trusted size,
  //    computed from tiles verified under the new root.
  let tiles;
  try {
    tiles = await TileLog.open(read, cp.size, cp.rootBytes);
  } catch (e) {
    if (e instanceof TileError || e instanceof TypeError) return stop("consistency", "v.tiles_bad", { why: e.message });
    throw e;
  }
  const trust = loadTrust(storage, log.name, log.text);
  const trusted = trust.keyChanged ? null : trust.checkpoint;
  let relation = "first";
  if (trust.keyChanged) return stop("consistency", "v.key_changed", {}, { evidence: "key_changed" });
  if (trusted) {
    if (trusted.size > cp.size) {
      return stop("consistency", "v.rollback", { old: trusted.size, new: cp.size }, { evidence: "rollback" });
    }
    let root;
    try {
      root = bytesToHex(await tiles.root(trusted.size));
    } catch (e) {
      if (e instanceof TileError || e instanceof TypeError) return stop("consistency", "v.tiles_bad", { why: e.message });
      throw e;
    }
    if (root !== trusted.root) {
      return stop("consistency", "v.fork", { size: trusted.size }, { evidence: "fork" });
    }
    relation = trusted.size === cp.size ? "same" : "grew";
  }
  checks.push(check("consistency", relation === "first" ? "skipped" : "ok", `v.${relation}`,
    { old: trusted?.size, new: cp.size }));
  // 4. Every listed entry, from the bundles, against the tiles (§18.2), strictly parsed (§11).
  const entries = [];
  try {
    const seqs = parseListing(await text("supervision.json"), cp.size);
    const runs = [];
    for (const seq of seqs) {
      const last = runs[runs.length - 1];
      if (last && seq === last[1]) last[1] = seq + 1;
      else runs.push([seq, seq + 1]);
    }
    const texts = (await Promise.all(runs.map(([a, b]) => tiles.entries(a, b)))).flat(); // in seq order
    seqs.forEach((seq, i) => {
      const entry = parseEntry(utf8(texts[i]), seq, event);
      if (!SUPERVISED.includes(entry.type)) throw new TileError(`supervision.json names entry ${seq}, a ${entry.type}`);
      entries.push(entry);
    });
  } catch (e) {
    if (e instanceof TileError || e instanceof ProofError || e instanceof TypeError) {
      return stop("entries", "v.entries_bad", { why: e.detail ?? e.message });
    }
    throw e;
  }
  checks.push(check("entries", "ok", "v.entries_ok", { n: entries.length, size: cp.size }));
  // 5. Completeness of the listing: the full verifier's job (it replays every entry).
  checks.push(check("complete", "skipped", "v.complete_not_run"));
  rememberCheckpoint(storage, log.name, log.text, { size: cp.size, root: cp.root });
  return {
    ok: true, checks,
    checkpoint: { size: cp.size, root: cp.root },
    witnesses: { cosigned, quorum, total: policy.witnesses.size },
    view: summarize(entries, label),
  };
}
