// The parents' checker (lottery_service/web/static/proof.js, PROTOCOL.md §6, §14) against the
// shared vectors. Run: node --test tests/js/

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";

import { checkProof, lotteryNumber } from "../../lottery_service/web/static/proof.js";
import { VECTORS, readJSON, rejectsAt } from "./support.mjs";

const PROOFS = readJSON(join(VECTORS, "proofs.json"));

// ------------------------------------------------------------ §6 lottery numbers

test("lottery numbers reproduce tests/vectors/lottery_numbers.json (§6)", async () => {
  const file = readJSON(join(VECTORS, "lottery_numbers.json"));
  assert.ok(file.cases.length > 0);
  for (const c of file.cases) {
    const got = [];
    for (const reg of c.input.regs) got.push({ reg, number: await lotteryNumber(c.input.seed, reg) });
    assert.deepEqual(got, c.expected.numbers, c.name);
    const order = [...got].sort((a, b) => (a.number < b.number ? -1 : a.number > b.number ? 1 :
      a.reg < b.reg ? -1 : 1)).map((x) => x.reg);
    assert.deepEqual(order, c.expected.order, c.name);
  }
});

test("lottery number refuses a bad seed or reg (§1)", async () => {
  const seed = "ab".repeat(32);
  await rejectsAt(lotteryNumber("AB".repeat(32), "R001"), "number");
  await rejectsAt(lotteryNumber(seed.slice(2), "R001"), "number");
  await rejectsAt(lotteryNumber(seed, "r001"), "number");
  await rejectsAt(lotteryNumber(seed, "R01"), "number");
});

// ------------------------------------------------------------- §14 applicant proofs


for (const c of PROOFS.cases) {
  test(`proofs.json: ${c.name}`, async () => {
    const i = c.input;
    const options = { reg: i.reg, pinnedKey: i.pinned_key ?? undefined,
      trustedCheckpoint: i.trusted_checkpoint ?? undefined };
    if (c.error) {
      assert.equal(c.error, "ProofError");
      await rejectsAt(checkProof(i.proof, options), c.step);
    } else {
      assert.deepEqual(await checkProof(i.proof, options), c.expected);
      // The same proof as JSON text (what fetch() returns) gives the same answer.
      assert.deepEqual(await checkProof(JSON.stringify(i.proof), options), c.expected);
    }
  });
}

test("proofs.json covers the required cases", () => {
  const steps = new Set(PROOFS.cases.filter((c) => c.error).map((c) => c.step));
  for (const s of ["inclusion", "number", "outcome", "roster", "signature", "key", "consistency", "reg", "entry"]) {
    assert.ok(steps.has(s), `no tampered case fails at ${s}`);
  }
  const outcomes = PROOFS.cases.filter((c) => c.expected).map((c) => c.expected);
  assert.ok(outcomes.some((r) => r.outcome === "not_admitted" && r.waiting !== null));
  assert.ok(outcomes.some((r) => r.promotedRound !== null));
  assert.ok(outcomes.some((r) => r.consistency === "extends"));
});

test("a malformed proof object is refused at step input (§14)", async () => {
  const good = PROOFS.cases.find((c) => c.name === "admitted").input.proof;
  await rejectsAt(checkProof({ ...good, extra: 1 }), "input");
  await rejectsAt(checkProof({ ...good, entries: [{ ...good.entries[0], index: -1 }] }), "input");
  await rejectsAt(checkProof('{"event":"a","event":"a"}'), "input");
  const text = JSON.stringify(good);
  await rejectsAt(checkProof(text.replace('"reg":', '"reg":"X","reg":')), "input");
  // An entry index beyond the checkpoint is not in the log.
  await rejectsAt(checkProof({ ...good, entries: [{ ...good.entries[0], index: 10 ** 6 }] }), "inclusion");
  // Dropping the seed entry leaves nothing to recompute the number from.
  const noSeed = good.entries.filter((e) => !e.entry.includes('"type":"seed"'));
  await rejectsAt(checkProof({ ...good, entries: noSeed }), "entries");
  await rejectsAt(checkProof({ ...good, roster: null }), "roster");
});
