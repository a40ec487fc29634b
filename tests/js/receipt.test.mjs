// The receipt checker (lottery_service/web/static/receipt.js, PROTOCOL.md §14) against every case
// of tests/vectors/receipts.json, written from the spec by tests/vectors/generate_receipts.py:
// each valid receipt gives exactly the expected steps, checkpoint, witnesses and fields;
// each failing variant stops at its expected step and returns nothing it did not verify.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { parseCheckpoint, parseNote } from "../../lottery_service/web/static/note.js";
import { parsePolicy } from "../../lottery_service/web/static/policy.js";
import { STEPS, Status, checkReceipt, lotteryNumber } from "../../lottery_service/web/static/receipt.js";
import { VECTORS, readJSON } from "./support.mjs";

const DOC = readJSON(join(VECTORS, "receipts.json"));
const POLICY_TEXT = readFileSync(join(VECTORS, "receipt_log", "policy"), "utf-8");

/** The vector's `trusted` (a note and a proof) as the checker takes it: {size, root hex}. */
function trustedOf(t) {
  if (t === null) return { trusted: null, consistencyProof: null };
  const cp = parseCheckpoint(parseNote(t.checkpoint).text);
  return { trusted: { size: cp.size, root: cp.root }, consistencyProof: t.consistency_proof };
}

async function run(c) {
  const policy = await parsePolicy(c.input.policy ?? POLICY_TEXT);
  return checkReceipt(c.input.receipt, { reg: c.input.reg, policy, ...trustedOf(c.input.trusted) });
}

test("the vector file covers every status and every step's failure", () => {
  const statuses = new Set(DOC.cases.filter((c) => c.expected.ok).map((c) => c.expected.fields.status));
  for (const s of ["confirmed", "waiting", "not-admitted", "forfeited-unpaid", "forfeited-declined",
    "rejected", "grouped"]) assert.ok(statuses.has(s), s);
  const failed = new Set(DOC.cases.filter((c) => !c.expected.ok).map((c) => c.expected.failed_step));
  assert.deepEqual([...failed].sort(), [1, 2, 3, 4, 5, 6]);
  assert.ok(Object.values(Status).every((s) => typeof s === "string"));
});

for (const c of DOC.cases) {
  test(`§14 ${c.name}`, async () => {
    const got = await run(c);
    const e = c.expected;
    assert.equal(got.ok, e.ok, `${c.name}: ${got.reason ?? ""}`);
    assert.deepEqual(got.steps, e.steps);
    if (e.ok) {
      assert.deepEqual(got.checkpoint, e.checkpoint);
      assert.deepEqual(got.witnesses.cosigned, e.witnesses.cosigned);
      assert.equal(got.witnesses.quorum_met, e.witnesses.quorum_met);
      assert.deepEqual(got.witnesses.not_checked, []);
      assert.deepEqual(got.fields, e.fields);
    } else {
      assert.equal(got.failed_step, e.failed_step, `${c.name}: ${got.reason}`);
      assert.equal(got.step, e.step);
      assert.equal(STEPS[got.failed_step - 1], got.step);
      assert.equal(got.fields, undefined); // nothing unverified is returned
      assert.equal(typeof got.reason, "string");
      if (e.failed_step === 3) assert.ok(["rollback", "fork"].includes(got.evidence), got.evidence);
    }
  });
}

test("§6 the lottery number is recomputed from the seed alone (Appendix A)", async () => {
  const seed = "52b0521746987f1d815d65d8a145ff9b06ca64158affc5c8c940d0bf89acc187";
  assert.equal(await lotteryNumber(seed, "2026000001"),
    "dfdfb873bfc480bef8b876d0fc1ed9311dc88dfea0b27c677ca8099a9407bd60");
  assert.equal(await lotteryNumber(seed, "2026000003"),
    "966bd878daae4bbc367416bde00fc3e131dcf3cf3687de63b24864581d13b725");
});

test("lottery_numbers.json: every case", async () => {
  const doc = readJSON(join(VECTORS, "lottery_numbers.json"));
  let n = 0;
  for (const c of doc.cases) {
    for (const { reg, number } of c.expected.numbers ?? []) {
      assert.equal(await lotteryNumber(c.input.seed, reg), number, `${c.name} ${reg}`);
      n++;
    }
  }
  assert.ok(n > 0, "no numbers checked");
});

test("a receipt that is not text, or no receipt at all, fails at step 1", async () => {
  const policy = await parsePolicy(POLICY_TEXT);
  for (const bad of [null, 42, "", "c2sp.org/tlog-proof@v1\n"]) {
    const got = await checkReceipt(bad, { reg: "2026000103", policy });
    assert.equal(got.failed_step, 1);
  }
});

test("the Ed25519 implementation that ran is the one this run expects", async () => {
  // Plain runs use WebCrypto; signatures.test.mjs re-runs this file without it (noble).
  const { verifyEd25519 } = await import("../../lottery_service/web/static/signatures.js");
  assert.equal(verifyEd25519.backend(), process.env.SUNSHINE_EXPECT_ED25519 ?? "webcrypto");
});
