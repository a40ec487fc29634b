// The one trusted-checkpoint policy (lottery_service/web/static/trust.js, PROTOCOL.md §12, §14),
// shared by the parents' page and the supervisors' dashboard.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { ProofError } from "../../lottery_service/web/static/errors.js";
import { parseCheckpoint, parseNote } from "../../lottery_service/web/static/note.js";
import { parsePolicy } from "../../lottery_service/web/static/policy.js";
import { checkReceipt } from "../../lottery_service/web/static/receipt.js";
import {
  Reason,
  Relation,
  compareCheckpoints,
  judge,
  loadTrust,
  needsConsistencyProof,
  rememberCheckpoint,
  verdictOfError,
  verdictOfReceipt,
} from "../../lottery_service/web/static/trust.js";
import { MemoryStorage, VECTORS, readJSON, rejectsAt, throwsAt } from "./support.mjs";

const DOC = readJSON(join(VECTORS, "receipts.json"));
const POLICY = readFileSync(join(VECTORS, "receipt_log", "policy"), "utf-8");
const byName = (name) => DOC.cases.find((c) => c.name === name);
const KEY = DOC.keys.log_vkey;
const ORIGIN = DOC.log.origin;
const OTHER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const r = (c) => c.repeat(64);
const cpOf = (note) => {
  const cp = parseCheckpoint(parseNote(note).text);
  return { size: cp.size, root: cp.root };
};
const hex = (b64) => Buffer.from(b64, "base64").toString("hex");

async function refusedFor(promise, reason) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof ProofError && e.step === "consistency", String(e));
    assert.equal(e.reason, reason);
    assert.deepEqual(verdictOfError(e), { state: "bad", reason });
    return true;
  });
}

test("first visit: nothing compared yet is 未检查 (skipped), never passed", async () => {
  const relation = await compareCheckpoints(null, { size: 5, root: r("a") }, null);
  assert.equal(relation, Relation.NONE);
  assert.deepEqual(judge(relation), { state: "skipped", reason: Reason.FIRST });
  assert.equal(needsConsistencyProof(null, { size: 5 }), false);
});

test("same checkpoint passes; another root at the same size is a fork", async () => {
  const t = { size: 46, root: r("a") };
  assert.equal(await compareCheckpoints(t, { size: 46, root: r("a") }, null), Relation.SAME);
  assert.deepEqual(judge(Relation.SAME), { state: "ok", reason: Reason.SAME });
  await refusedFor(compareCheckpoints(t, { size: 46, root: r("b") }, null), Reason.FORK);
});

test("a smaller checkpoint than the trusted one is a rollback, refused", async () => {
  const relation = await compareCheckpoints({ size: 46, root: r("a") }, { size: 14, root: r("b") }, null);
  assert.equal(relation, Relation.OLDER);
  assert.deepEqual(judge(relation), { state: "bad", reason: Reason.ROLLBACK });
  // The receipt checker's step 3 names it, and the policy's verdict is the same.
  const c = byName("reject-rollback");
  const trusted = cpOf(c.input.trusted.checkpoint);
  const result = await checkReceipt(c.input.receipt, { reg: c.input.reg, policy: await parsePolicy(POLICY), trusted });
  assert.equal(result.evidence, "rollback");
  assert.deepEqual(verdictOfReceipt(result, { checkpoint: trusted, keyChanged: false }),
    { state: "bad", reason: Reason.ROLLBACK });
});

test("a larger checkpoint passes only with a valid consistency proof from the trusted size", async () => {
  const c = byName("consistent-with-trusted-earlier");
  const trusted = cpOf(c.input.trusted.checkpoint);
  const served = { size: c.expected.checkpoint.size, root: hex(c.expected.checkpoint.root) };
  const proof = { old_size: trusted.size, proof: c.input.trusted.consistency_proof.map(hex) };
  assert.equal(needsConsistencyProof(trusted, served), true);
  assert.equal(await compareCheckpoints(trusted, served, proof), Relation.EXTENDS);
  assert.deepEqual(judge(Relation.EXTENDS), { state: "ok", reason: Reason.EXTENDS });
  await refusedFor(compareCheckpoints(trusted, served, null), Reason.FORK);
  await refusedFor(compareCheckpoints(trusted, served, { ...proof, old_size: trusted.size - 1 }), Reason.FORK);
  const forged = { ...proof, proof: [r("0"), ...proof.proof.slice(1)] };
  await refusedFor(compareCheckpoints(trusted, served, forged), Reason.FORK);
  await refusedFor(compareCheckpoints({ ...trusted, root: r("d") }, served, proof), Reason.FORK);
  await rejectsAt(compareCheckpoints({ size: 0, root: r("a") }, served, proof), "consistency");
});

test("the receipt checker's step 3 in the policy's words: first, same, extends, unproven", async () => {
  const policy = await parsePolicy(POLICY);
  const c = byName("consistent-with-trusted-earlier");
  const trusted = cpOf(c.input.trusted.checkpoint);
  const run = (t, proof) => checkReceipt(c.input.receipt, { reg: c.input.reg, policy, trusted: t, consistencyProof: proof });
  const v = async (t, proof) => verdictOfReceipt(await run(t, proof), { checkpoint: t, keyChanged: false });
  assert.deepEqual(await v(null, null), { state: "skipped", reason: Reason.FIRST });
  assert.deepEqual(await v(trusted, c.input.trusted.consistency_proof), { state: "ok", reason: Reason.EXTENDS });
  assert.deepEqual(await v(trusted, async () => null), { state: "skipped", reason: Reason.UNPROVEN });
  const final = { size: c.expected.checkpoint.size, root: hex(c.expected.checkpoint.root) };
  assert.deepEqual(await v(final, null), { state: "ok", reason: Reason.SAME });
  const result = await run(final, null);
  assert.deepEqual(verdictOfReceipt(result, { checkpoint: final, keyChanged: true }),
    { state: "bad", reason: Reason.KEY_CHANGED });
});

test("a checkpoint remembered under another log key is refused: one log, one key", () => {
  const s = new MemoryStorage();
  rememberCheckpoint(s, "ev-1", OTHER_KEY, { size: 10, root: r("a") });
  const trust = loadTrust(s, "ev-1", KEY);
  assert.equal(trust.keyChanged, true);
  assert.deepEqual(judge(Relation.NONE, { keyChanged: true }), { state: "bad", reason: Reason.KEY_CHANGED });
  assert.throws(() => rememberCheckpoint(s, "ev-1", KEY, { size: 12, root: r("b") }),
    (e) => e instanceof ProofError && e.reason === Reason.KEY_CHANGED);
  assert.deepEqual(loadTrust(s, "ev-1", OTHER_KEY), { checkpoint: { size: 10, root: r("a") }, keyChanged: false });
});

test("remembered checkpoints only move forward; a fork is refused; damage is forgotten", () => {
  const s = new MemoryStorage();
  const at = (event) => loadTrust(s, event, KEY).checkpoint;
  assert.equal(at("ev-1"), null);
  rememberCheckpoint(s, "ev-1", KEY, { size: 10, root: r("a") });
  assert.deepEqual(at("ev-1"), { size: 10, root: r("a") });
  rememberCheckpoint(s, "ev-1", KEY, { size: 5, root: r("b") }); // smaller: never replaces
  assert.deepEqual(at("ev-1"), { size: 10, root: r("a") });
  throwsAt(() => rememberCheckpoint(s, "ev-1", KEY, { size: 10, root: r("c") }), "consistency");
  rememberCheckpoint(s, "ev-1", KEY, { size: 12, root: r("d") });
  assert.deepEqual(at("ev-1"), { size: 12, root: r("d") });
  assert.equal(at("ev-2"), null);
  for (const damaged of ["{not json", '{"size":3,"root":"' + r("a") + '"}', '{"key":1,"root":"x","size":3}']) {
    s.setItem("sunshine-draw/checkpoint/ev-3", damaged);
    assert.deepEqual(loadTrust(s, "ev-3", KEY), { checkpoint: null, keyChanged: false });
  }
  throwsAt(() => rememberCheckpoint(s, "ev-1", KEY, { size: 13, root: r("D") }), "input");
  throwsAt(() => loadTrust(s, "Bad Event", KEY), "input");
  assert.equal(loadTrust(s, ORIGIN, KEY).checkpoint, null); // a v2 origin names a log too
});

test("the checkpoint a valid receipt reports is remembered and then judged the same", async () => {
  const c = byName("admitted");
  const s = new MemoryStorage();
  const policy = await parsePolicy(POLICY);
  const first = await checkReceipt(c.input.receipt, { reg: c.input.reg, policy,
    trusted: loadTrust(s, ORIGIN, KEY).checkpoint });
  assert.equal(verdictOfReceipt(first, loadTrust(s, ORIGIN, KEY)).reason, Reason.FIRST);
  rememberCheckpoint(s, ORIGIN, KEY, first.trust);
  const again = await checkReceipt(c.input.receipt, { reg: c.input.reg, policy,
    trusted: loadTrust(s, ORIGIN, KEY).checkpoint });
  assert.equal(verdictOfReceipt(again, loadTrust(s, ORIGIN, KEY)).reason, Reason.SAME);
});
