// The page scripts' pure logic: the ceremony screen's log fold (ceremony-model.js),
// the operator console (operate-view.js) and the participant's page (participate-view.js).

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  Model, classSizes, participantRow, schoolLists, seedInputs,
} from "../../lottery_service/web/static/ceremony-model.js";
import { ENTRY_TYPES } from "../../lottery_service/web/static/entries.js";
import { answer, importErrors, parseDice } from "../../lottery_service/web/static/operate-view.js";
import {
  commitRefusal, otherEscrowKeys, revealRefusal, roleText, secretKey, secretText, standingKey,
} from "../../lottery_service/web/static/participate-view.js";
const entry = (seq, type, body) => ({ v: 1, event: "ev", seq, time: 0, type, body });

test("the hall screen folds logged entries once, in seq order, and names what changed", () => {
  const m = new Model();
  const parts = [{ id: "notary-1", role: "notary" }, { id: "parent-1", role: "parent" }];
  const log = [
    entry(0, "event_created", { rules_hash: "11".repeat(32) }),
    entry(1, "input_records", { records: [
      { type: "school", id: "S001", name: "阳光中学", quota: 2 },
      { type: "applicant", reg: "R001", name: "张*", school: "S001" },
      { type: "applicant", reg: "R002", name: "李*", school: "S001" }] }),
    entry(2, "ceremony_opened", { ceremony: "lottery", participants: parts, participants_hash: "22".repeat(32) }),
    entry(3, "input_frozen", { ceremony: "lottery", root: "33".repeat(32), size: 3 }),
    entry(4, "commitment", { ceremony: "lottery", participant: "notary-1", commitment: "44".repeat(32) }),
    entry(5, "commitment", { ceremony: "lottery", participant: "parent-1", commitment: "55".repeat(32) }),
    entry(6, "commitments_closed", { ceremony: "lottery" }),
    entry(7, "reveal", { ceremony: "lottery", participant: "notary-1", secret: "66".repeat(32) }),
    entry(8, "contribution_void", { ceremony: "lottery", participant: "parent-1", reason: "escrow-invalid" }),
    entry(9, "physical_entropy", { ceremony: "lottery", values: [1, 6, 3], witness: "notary-1" }),
    entry(10, "seed", { ceremony: "lottery", seed: "77".repeat(32) }),
  ];
  const changed = log.map((e) => [...m.apply(e)]);
  assert.deepEqual(changed[1], ["roster"]);
  assert.deepEqual(changed[3], ["c:lottery", "roster"]);
  assert.deepEqual(changed[10], ["c:lottery"]);
  assert.equal(m.next, 11);
  assert.deepEqual(m.applicants, { S001: 2 });
  // A replay after a reconnect changes nothing.
  assert.deepEqual([...m.apply(entry(5, "commitment", { ceremony: "lottery", participant: "x", commitment: "00" }))], []);
  const c = m.ceremonies.lottery;
  assert.deepEqual(participantRow(c, "notary-1"),
    { commitment: "4444444444444444…", status: "revealed", reason: null, statusClass: "st-reveal" });
  assert.deepEqual(participantRow(c, "parent-1"),
    { commitment: "5555555555555555…", status: "void", reason: "escrow-invalid", statusClass: "st-void" });
  assert.deepEqual(participantRow({ ...c, commitments: {}, openings: {}, closed: false }, "x").commitment, "…");
  assert.deepEqual(seedInputs(c, "lottery", "ev", m.rulesHash), [
    "event: ev · ceremony: lottery", "rules: 1111111111111111…", "participants: 2222222222222222…",
    "input_root: 3333333333333333… · input_size: 3",
    "notary-1: commitment 4444444444444444… · secret 6666666666666666…",
    "parent-1: commitment 5555555555555555… · secret null",
    "physical: [1, 6, 3]", "beacon: null"]);
});

test("the hall screen's results: admitted by stage then rank, waiting in order, classes (§7.4, §9)", () => {
  const m = new Model();
  // The hall screen still folds v1's per-school result parts (a later port moves it to v2).
  const rec = (reg, outcome, stage, rank, waiting) => ({ reg, number: "ab".repeat(32), unit: reg, outcome, stage, rank, waiting });
  m.apply(entry(0, "lottery_results", { school: "S001", part: 1, parts: 1, summary: null, records: [
    rec("R3", "admitted", "district", 2, null), rec("R1", "admitted", "direct", 1, null),
    rec("R4", "not_admitted", "district", 4, 2), rec("R2", "admitted", "district", 1, null),
    rec("R5", "not_admitted", "district", 3, 1), rec("R6", "not_admitted", "city", 1, null)] }));
  const [school] = Object.keys(m.lottery);
  const records = m.lottery[school].records;
  const { admitted, waiting } = schoolLists(records);
  assert.equal(admitted.length + waiting.length + records.filter((r) => r.outcome !== "admitted" && r.waiting === null).length,
    records.length);
  const order = ["direct", "community", "district", "city"];
  for (let i = 1; i < admitted.length; i++) {
    const [a, b] = [admitted[i - 1], admitted[i]];
    assert.ok(order.indexOf(a.stage) < order.indexOf(b.stage) || (a.stage === b.stage && a.rank < b.rank));
  }
  assert.deepEqual(waiting.map((r) => r.waiting), [...waiting.map((r) => r.waiting)].sort((a, b) => a - b));
  const classes = { "02": ["R2", "R3"], "01": ["R1"] };
  assert.deepEqual(classSizes(classes, { R1: "F", R2: "F", R3: "M" }), [
    { class: "01", size: 1, girls: 1, boys: 0 }, { class: "02", size: 2, girls: 1, boys: 1 }]);
  assert.ok(ENTRY_TYPES.includes("grouping_result") && new Set(ENTRY_TYPES).size === ENTRY_TYPES.length);
});

test("operator console: answers, dice and import row errors", () => {
  assert.deepEqual(answer({ status: null, data: { seq: 4 } }), { text: '✓ {"seq":4}', bad: false });
  assert.deepEqual(answer({ status: 409, data: { detail: "out of order" } }),
    { text: 'HTTP 409 {"detail":"out of order"}', bad: true });
  assert.deepEqual(parseDice("1 2, 6", 3), [1, 2, 6]);
  for (const bad of ["1 2", "1 2 7", "1 2 x", "1 2 3 4", "1.0 2 3", "0 1 2"]) assert.equal(parseDice(bad, 3), null, bad);
  assert.deepEqual(importErrors(422, { errors: [{ row: 3, field: "birth_date", reason: "no such day" }] }),
    [["3", "birth_date", "no such day"]]);
  assert.equal(importErrors(200, { errors: [] }), null);
  assert.equal(importErrors(422, { detail: "x" }), null);
});

test("participant's page: a commit or a reveal is sent only when it can be logged (§5.3)", () => {
  const c = { participants: [{ id: "notary-1" }], commitments: {}, settled: {}, step: "committing", escrow_key: "k" };
  assert.equal(commitRefusal(c, "notary-1"), null);
  assert.deepEqual(commitRefusal(c, "stranger"), { key: "p.not_participant", extra: "stranger" });
  assert.equal(commitRefusal({ ...c, escrow_key: null }, "notary-1").key, "p.not_committing");
  assert.equal(commitRefusal({ ...c, commitments: { "notary-1": "ab" } }, "notary-1").key, "p.already_committed");
  const r = { ...c, commitments: { "notary-1": "ab" }, step: "revealing" };
  assert.equal(revealRefusal(r, "notary-1"), null);
  assert.equal(revealRefusal({ ...r, commitments: {} }, "notary-1").key, "p.no_commitment");
  assert.deepEqual(revealRefusal({ ...r, settled: { "notary-1": "reveal" } }, "notary-1"),
    { key: "p.already_settled", extra: "reveal" });
  assert.equal(revealRefusal({ ...r, step: "entropy" }, "notary-1").key, "p.not_revealing");
  assert.deepEqual(secretText(` ${"ab".repeat(32)}\n`), { secret: "ab".repeat(32) });
  assert.deepEqual(secretText(null), { key: "p.no_secret" });
  assert.deepEqual(secretText("AB".repeat(32)), { key: "p.bad_secret" });
  assert.equal(secretKey("ev", "lottery", "notary-1"), "sunshine-draw/secret/ev/lottery/notary-1");
});

test("participant's page: each ceremony's own escrow key, and a shared one refused (§5.4)", () => {
  const open = (key, step = "committing") => ({
    participants: [{ id: "notary-1", role: "notary" }], commitments: {}, settled: {}, step, escrow_key: key });
  const ceremonies = { lottery: open("KL"), grouping: open("KG", "not_opened"), teachers: open(null, "not_opened") };
  assert.deepEqual(otherEscrowKeys(ceremonies, "lottery"), ["KG"]);
  assert.deepEqual(otherEscrowKeys(ceremonies, "teachers"), ["KL", "KG"]);
  assert.equal(commitRefusal(ceremonies.lottery, "notary-1", otherEscrowKeys(ceremonies, "lottery")), null);
  const shared = { ...ceremonies, grouping: open("KL") };
  assert.deepEqual(commitRefusal(shared.lottery, "notary-1", otherEscrowKeys(shared, "lottery")),
    { key: "p.escrow_key_reused", extra: "" });
});

test("participant's page: roles in words, and where each participant stands (§5.1, §5.2)", () => {
  const S = { "role.notary": "公证员", "role.parent-rep": "家长代表" };
  assert.equal(roleText(S, "notary"), "公证员");
  assert.equal(roleText(S, "parent-rep"), "家长代表");
  assert.equal(roleText(S, "auditor"), "auditor"); // not a §5.2 role: shown as logged
  const c = { commitments: { a: "11", b: "22", d: "44" }, settled: { a: "reveal", b: "escrow_opened", d: "contribution_void" } };
  assert.deepEqual(["a", "b", "d", "e"].map((p) => standingKey(c, p)),
    ["revealed", "escrow_opened", "void", "p.not_committed"]);
  assert.equal(standingKey({ commitments: { e: "55" }, settled: {} }, "e"), "committed");
});
