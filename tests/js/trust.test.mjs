// The one trusted-checkpoint policy (lottery_service/web/static/trust.js, PROTOCOL.md §12, §14),
// shared by the parents' page and the supervisors' dashboard.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";

import { ProofError } from "../../lottery_service/web/static/errors.js";
import { checkProof } from "../../lottery_service/web/static/proof.js";
import {
  Reason,
  Relation,
  compareCheckpoints,
  judge,
  loadTrust,
  needsConsistencyProof,
  rememberCheckpoint,
  verdictOfError,
} from "../../lottery_service/web/static/trust.js";
import { MemoryStorage, VECTORS, readJSON, rejectsAt, throwsAt } from "./support.mjs";

const PROOFS = readJSON(join(VECTORS, "proofs.json"));
const byName = (name) => PROOFS.cases.find((c) => c.name === name);
const KEY = PROOFS.log_key;
const OTHER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const r = (c) => c.repeat(64);

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
  // The v1 checker reports the relation of proofs.json's stale-copy case; the policy refuses it.
  const c = byName("newer-checkpoint-trusted");
  const result = await checkProof(c.input.proof, {
    reg: c.input.reg, pinnedKey: c.input.pinned_key, trustedCheckpoint: c.input.trusted_checkpoint });
  assert.ok(c.input.trusted_checkpoint.size > result.checkpointSize);
  assert.equal(judge(result.consistency).state, "bad");
  assert.equal(judge(result.consistency).reason, Reason.ROLLBACK);
});

test("a larger checkpoint passes only with a valid consistency proof from the trusted size", async () => {
  const c = byName("consistency-from-earlier-checkpoint");
  const trusted = c.input.trusted_checkpoint;
  const served = { size: c.expected.checkpointSize, root: c.expected.checkpointRoot };
  const proof = c.input.proof.consistency;
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
});

test("the checkpoint a valid proof reports is remembered and then judged the same", async () => {
  const c = byName("consistency-from-earlier-checkpoint");
  const s = new MemoryStorage();
  const event = c.input.proof.event;
  rememberCheckpoint(s, event, KEY, c.input.trusted_checkpoint);
  const result = await checkProof(c.input.proof, { trustedCheckpoint: loadTrust(s, event, KEY).checkpoint });
  assert.equal(judge(result.consistency).reason, Reason.EXTENDS);
  rememberCheckpoint(s, event, KEY, { size: result.checkpointSize, root: result.checkpointRoot });
  const again = await checkProof({ ...c.input.proof, consistency: null },
    { trustedCheckpoint: loadTrust(s, event, KEY).checkpoint });
  assert.equal(judge(again.consistency).reason, Reason.SAME);
});
