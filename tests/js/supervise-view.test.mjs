// The supervisors' read-only page (lottery_service/web/static/supervise-view.js, PROTOCOL.md
// §18.2): what the checked entries say, the listing's shape, and a failed first check
// that leaves every later one 未检查. The whole data path against a real publication is
// tests/browser/test_parents_static.py.

import assert from "node:assert/strict";
import { test } from "node:test";

import { CHECKS, fairness, parseListing, pText, runSupervision, summarize } from "../../lottery_service/web/static/supervise-view.js";

const stage = (s, seats, applicants, admitted, lottery) => ({ stage: s, seats, applicants, admitted, lottery, cutoff: null });
const entries = [
  { seq: 3, type: "seed", body: { ceremony: "lottery", seed: "ab".repeat(32), input_root: "cd".repeat(32), input_size: 12 } },
  { seq: 9, type: "lottery_summary", body: { school: "S2", name: "乙", quota: 5, applicants: 9, admitted: 5, returned_to_bureau: 0, stages: [stage("district", 5, 9, 5, true)] } },
  { seq: 8, type: "lottery_summary", body: { school: "S1", name: "甲", quota: 4, applicants: 2, admitted: 2, returned_to_bureau: 2, stages: [] } },
  { seq: 10, type: "bias_audit", body: { dimensions: [
    { dimension: "district", df: 1, chi2_milli: 10, p_ppm: 420000, flag: false, testable: true,
      values: [{ value: "D01", applicants: 6, winners: 3, expected_milli: 3500 }, { value: "D02", applicants: 3, winners: 2, expected_milli: 1500 }] },
    { dimension: "gender", df: 0, chi2_milli: 0, p_ppm: 1000000, flag: false, testable: false, values: [] },
    { dimension: "reg_day", df: 1, chi2_milli: 99000, p_ppm: 12, flag: true, testable: true, values: [] }] } },
  { seq: 20, type: "promotions", body: { round: 1, school: "S2", freed: 2, promoted: 1, returned_to_bureau: 1 } },
  { seq: 21, type: "promotions", body: { round: 1, school: "S1", freed: 1, promoted: 1, returned_to_bureau: 0 } },
  { seq: 19, type: "payment_round", body: { round: 1, forfeits: 3, locks: 1 } },
  { seq: 30, type: "payments_closed", body: { rounds: 1 } },
  { seq: 40, type: "grouping_summary", body: { school: "P1", exchanges: 2, classes: [
    { class: "1", pupils: 30, genders: { F: 15, M: 15 }, strata: {} }, { class: "2", pupils: 29, genders: { F: 14, M: 15 }, strata: {} }] } },
  { seq: 50, type: "matching_result", body: { school: "P1", class: "1", teacher: "T1", name: "王*" } },
  { seq: 51, type: "matching_result", body: { school: "P1", class: "2", teacher: "T2", name: "李*" } },
  { seq: 60, type: "correction", body: { refers_to: 9, reason: "名称错字" } },
  { seq: 61, type: "published", body: { ceremony: "lottery" } },
];

test("the checked entries, school by school and round by round", () => {
  const v = summarize(entries, { D01: "云岩区" });
  assert.deepEqual(v.schools.map((s) => [s.school, s.admitted, s.returned_to_bureau]), [["S1", 2, 2], ["S2", 5, 0]]);
  assert.deepEqual(v.seeds, [{ seq: 3, ceremony: "lottery", seed: "ab".repeat(32), records: 12 }]);
  assert.deepEqual(v.rounds.map((r) => [r.round, r.forfeits, r.locks, r.promotions.map((p) => p.school)]), [[1, 3, 1, ["S2", "S1"]]]);
  assert.equal(v.closed, 1);
  assert.deepEqual(v.grouping, [{ school: "P1", classes: 2, pupils: 59, exchanges: 2, teachers: 2 }]);
  assert.deepEqual(v.corrections, [{ seq: 60, refers_to: 9, reason: "名称错字" }]);
  assert.deepEqual(v.published, ["lottery"]);
  assert.deepEqual(v.fairness.map((f) => [f.dimension, f.verdict, f.p]),
    [["district", "passed", "0.420"], ["gender", "na", null], ["reg_day", "flagged", "< 0.001"]]);
  assert.deepEqual(v.fairness[0].values[0], { value: "云岩区", applicants: 6, winners: 3, expected: "3.5" });
  assert.equal(v.fairness[0].values[1].value, "D02"); // no public name: the code
});

test("nothing logged yet: empty lists, payments not closed", () => {
  const v = summarize([]);
  assert.deepEqual([v.schools, v.fairness, v.rounds, v.grouping, v.corrections, v.closed], [[], [], [], [], [], null]);
});

test("p-values print as the dashboard prints them (§8)", () => {
  assert.equal(pText(999), "< 0.001");
  assert.equal(pText(1000), "0.001");
  assert.equal(fairness({ dimension: "x", testable: true, flag: false, p_ppm: 1000000, values: [] }).p, "1.000");
});

test("supervision.json: ascending seqs below its size, never beyond the checkpoint", () => {
  assert.deepEqual(parseListing('{"size":10,"entries":[0,4,9]}', 12), [0, 4, 9]);
  for (const bad of ["[]", "{", '{"size":10,"entries":[4,4]}', '{"size":10,"entries":[5,3]}',
    '{"size":10,"entries":[10]}', '{"size":10,"entries":[-1]}', '{"size":10,"entries":["1"]}',
    '{"size":10}']) {
    assert.throws(() => parseListing(bad, 12), /supervision\.json/, bad);
  }
  assert.throws(() => parseListing('{"size":13,"entries":[]}', 12), /beyond the checkpoint/);
});

test("a checkpoint that does not verify: nothing shown, every later check 未检查", async () => {
  const storage = new Map();
  const store = { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => storage.set(k, v) };
  const read = async () => new TextEncoder().encode("not a checkpoint\n");
  const r = await runSupervision({ read, storage: store, policyText: "quorum none\n", event: "e" });
  assert.equal(r.ok, false);
  assert.equal(r.view, undefined);
  assert.deepEqual(r.checks.map((c) => [c.step, c.state]),
    [["signature", "bad"], ...CHECKS.slice(1).map((s) => [s, "skipped"])]);
  assert.equal(storage.size, 0); // nothing remembered
});
