// The hall screen's pure logic (lottery_service/web/static/ceremony-model.js) on version-2 logs:
// the receipt_log vector (a whole season written from PROTOCOL.md v2 alone) and small
// logs built here from the §11.2 bodies. Expectations are read from the entries.
// The cross-check with the server's fold is tests/unit/test_ceremony_view.py.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import {
  Model, PAGE_RECORDS, beijing, fit, focusOf, groups, pagesFor, participantLabel, roundTime, slides,
} from "../../lottery_service/web/static/ceremony-model.js";
import { VECTORS, readJSON } from "./support.mjs";

const RECEIPT = readFileSync(join(VECTORS, "receipt_log", "entries.jsonl"), "utf-8")
  .split("\n").filter(Boolean).map((line) => JSON.parse(line));
const BEACON = readJSON(join(VECTORS, "beacon.json"));

function fold(entries, m = new Model()) {
  for (const e of entries) m.apply(e);
  return m;
}

/** A v2 log from bodies: {v: 2, event, seq, time, type, body} (§11.1). */
function log(bodies, event = "js-2026") {
  return bodies.map(([type, body, time], seq) =>
    ({ v: 2, event, seq, time: time || `2026-07-01T00:${String(seq % 60).padStart(2, "0")}:00Z`, type, body }));
}

const PARTS = [{ id: "bureau-1", role: "bureau" }, { id: "notary-1", role: "notary" }, { id: "parent-rep-1", role: "parent-rep" }];
const QUICKNET = BEACON.chains.quicknet.beacon;

function rules(beacon = null) {
  return { rules: { type: "rules", version: 2, event: "js-2026", origin: "draw.example.cn/x/js-2026",
    rehearsal: false, title: "测试", year: 2026, grade: 1, high_fee_threshold: 6000,
    waitlist_promotion: true, dice: 20, beacon }, rules_hash: "11".repeat(32) };
}

test("the receipt_log ceremonies are what their entries say (§5)", () => {
  const snap = fold(RECEIPT).snapshot();
  assert.equal(snap.size, RECEIPT.length);
  for (const [name, c] of Object.entries(snap.ceremonies)) {
    const mine = RECEIPT.filter((e) => e.body.ceremony === name);
    assert.equal(c.seed, mine.find((e) => e.type === "seed").body.seed);
    for (const p of c.participants) {
      const opened = mine.find((e) => ["reveal", "escrow_opened", "contribution_void"].includes(e.type) && e.body.participant === p.id);
      assert.equal(p.status, { reveal: "revealed", escrow_opened: "escrow_opened", contribution_void: "void" }[opened.type]);
      assert.equal(p.secret, opened.body.secret ?? null);
    }
  }
});

test("the banner counts commitments, changes when they close, then counts reveals (§5.1)", () => {
  const closed = RECEIPT.findIndex((e) => e.type === "commitments_closed");
  const m = fold(RECEIPT.slice(0, closed));
  const committed = RECEIPT.slice(0, closed).filter((e) => e.type === "commitment").length;
  assert.deepEqual(m.step(), { key: "committing", ceremony: "lottery", done: committed,
    total: RECEIPT.find((e) => e.type === "ceremony_opened").body.participants.length, round: null, at: null });
  m.apply(RECEIPT[closed]);
  assert.equal(m.step().key, "revealing");
  assert.deepEqual([m.step().done, m.step().total], [0, committed]);
  m.apply(RECEIPT[closed + 1]);
  assert.equal(m.step().done, 1);
});

test("an entry already folded changes nothing; a gap throws so the screen reloads", () => {
  const m = fold(RECEIPT.slice(0, 20));
  assert.equal(m.apply(RECEIPT[5]), null);
  assert.equal(m.size, 20);
  assert.throws(() => m.apply(RECEIPT[25]), /gap/);
  assert.equal(m.apply(RECEIPT[20]), "c:lottery");
});

test("a beacon round is due when §5.6 says, and a postponement moves it", () => {
  // §5.6 worked values: opened 01:00, dice by 01:30, round 30022013 due 2026-07-01T01:30:03Z.
  assert.equal(roundTime(QUICKNET, 30022013), "2026-07-01T01:30:03Z");
  const entries = log([
    ["event_created", rules(QUICKNET)],
    ["ceremony_opened", { ceremony: "lottery", participants: PARTS, participants_hash: "22".repeat(32),
      escrow_key: "x", physical_entropy_by: "2026-07-01T01:30:00Z", beacon_round: 30022013 }],
    ["input_frozen", { ceremony: "lottery", root: "33".repeat(32), size: 0 }],
    ["commitment", { ceremony: "lottery", participant: "bureau-1", commitment: "44".repeat(32), escrow: "e" }],
    ["commitment", { ceremony: "lottery", participant: "notary-1", commitment: "55".repeat(32), escrow: "e" }],
    ["commitments_closed", { ceremony: "lottery" }],
    ["contribution_void", { ceremony: "lottery", participant: "parent-rep-1", reason: "no-commitment" }],
    ["reveal", { ceremony: "lottery", participant: "bureau-1", secret: "66".repeat(32) }],
    ["escrow_opened", { ceremony: "lottery", participant: "notary-1", secret: "77".repeat(32) }],
    ["physical_entropy", { ceremony: "lottery", witness: "notary-1", values: Array(20).fill(3) }],
    ["beacon_postponed", { ceremony: "lottery", reason: "round-not-published", round: 30022013,
      physical_entropy_by: "2026-07-01T01:30:00Z", beacon_round: 30022213 }, "2026-07-01T01:40:03Z"],
  ]);
  const m = fold(entries.slice(0, 9));
  assert.deepEqual(m.step(), { key: "dice", ceremony: "lottery", done: null, total: 20, round: null, at: "2026-07-01T01:30:00Z" });
  m.apply(entries[9]);
  assert.deepEqual(m.step(), { key: "beacon", ceremony: "lottery", done: null, total: null, round: 30022013, at: "2026-07-01T01:30:03Z" });
  m.apply(entries[10]);
  const c = m.snapshot().ceremonies.lottery;
  assert.equal(m.step().round, 30022213);
  assert.equal(c.beacon_due, roundTime(QUICKNET, 30022213));
  assert.equal(c.postponements.length, 1);
  assert.deepEqual(c.participants.map((p) => p.status), ["revealed", "escrow_opened", "void"]);
  assert.equal(c.participants[2].commitment, null);
});

test("a withdrawn input is replaced and a correction is shown where its entry is (§5.1, §11.1)", () => {
  const school = { type: "school", id: "S001", name: "阳光学校", district: "D01", authority: "district",
    tuition: 0, quota: 1, community_quota: 0, nine_year: false };
  const entries = log([
    ["event_created", rules()],
    ["ceremony_opened", { ceremony: "lottery", participants: PARTS, participants_hash: "22".repeat(32),
      escrow_key: "x", physical_entropy_by: null, beacon_round: null }],
    ["input_records", { ceremony: "lottery", records: [school] }],
    ["input_withdrawn", { ceremony: "lottery", reason: "计划数更正" }],
    ["input_records", { ceremony: "lottery", records: [{ ...school, quota: 2 }] }],
    ["input_frozen", { ceremony: "lottery", root: "33".repeat(32), size: 1 }],
    ["window_set", { phase: "payment", opens: "2026-07-02T00:00:00Z", closes: "2026-07-03T00:00:00Z", daily: null }],
    ["correction", { refers_to: 4, reason: "计划数以公告为准" }],
    ["correction", { refers_to: 6, reason: "缴费期延长" }],
  ]);
  const snap = fold(entries).snapshot();
  assert.deepEqual(snap.ceremonies.lottery.input, { records: 1, root: "33".repeat(32), size: 1, withdrawn: ["计划数更正"] });
  assert.equal(snap.schools[0].quota, 2);
  assert.deepEqual(snap.ceremonies.lottery.corrections.map((c) => c.refers_to), [4]);
  assert.deepEqual(snap.corrections.map((c) => c.refers_to), [6]);
});

// ------------------------------------------------------------------ presenting

function school(id, { drawn = true, admitted = 0, waiting = 0 } = {}) {
  return { id, input: true, name: id, summary: { stages: [{ lottery: drawn }] }, drawn, admitted, waiting, corrections: [] };
}

test("slides put every admitted and waiting child of a drawn school on exactly one slide", () => {
  const snap = { ceremonies: { lottery: {} }, classes: [],
    schools: [school("S001", { admitted: 120, waiting: 280 }), school("S003", { admitted: 40, waiting: 50 }),
      school("S002", { drawn: false, admitted: 30 })] };
  for (const names of [1, 7, 12, 16, 30, 400, 1000]) {
    const deck = slides(snap, { names, rows: 10 });
    for (const s of snap.schools.filter((x) => x.drawn)) {
      for (const list of ["admitted", "waiting"]) {
        const mine = deck.filter((d) => d.kind === "list" && d.school === s.id && d.list === list);
        const seen = mine.flatMap((d) => Array.from({ length: d.to - d.from }, (_, i) => d.from + i));
        assert.deepEqual(seen, Array.from({ length: s[list] }, (_, i) => i));
        assert.ok(mine.every((d) => d.to - d.from <= names && d.pages === mine.length));
      }
    }
    assert.ok(!deck.some((d) => d.kind === "list" && d.school === "S002"));
    assert.equal(deck[0].id, "cer:lottery");
  }
});

test("after the draw the screen shows the first drawn school, not the last school", () => {
  const snap = { ceremonies: { lottery: {} }, classes: [],
    schools: [school("S003", { admitted: 4, waiting: 2 }), school("S001", { drawn: false, admitted: 3 })] };
  const deck = slides(snap, { names: 10, rows: 10 });
  assert.equal(focusOf({ key: "drawn", ceremony: "lottery" }, deck), "list:S003:admitted:1");
  assert.equal(focusOf({ key: "committing", ceremony: "lottery" }, deck), "cer:lottery");
  assert.equal(focusOf({ key: "scheduled", ceremony: null }, deck), null);
  // The receipt log: drawn schools first in the state, whatever their ids.
  const receipt = fold(RECEIPT.slice(0, RECEIPT.findIndex((e) => e.type === "bias_audit") + 1)).snapshot();
  const first = focusOf(receipt.step, slides(receipt, { names: 10, rows: 10 }));
  assert.equal(first, `list:${receipt.schools.find((s) => s.drawn).id}:admitted:1`);
});

test("list pages, fitting cells, participants and Beijing time", () => {
  assert.deepEqual(pagesFor(0, 16), [1]);
  assert.deepEqual(pagesFor(96, 112), [1, 2]);
  assert.deepEqual(pagesFor(PAGE_RECORDS, PAGE_RECORDS + 1), [2]);
  assert.deepEqual(fit(930, 530, 212, 115, 16), { cols: 4, rows: 4, cells: 16 });
  assert.deepEqual(fit(10, 10, 212, 115, 16), { cols: 1, rows: 1, cells: 1 });
  assert.deepEqual(participantLabel({ id: "notary-1", role: "notary" }), { role: "h.role.notary", n: "1" });
  assert.deepEqual(participantLabel({ id: "pr-a", role: "parent-rep" }), { role: "h.role.parent-rep", n: null });
  assert.deepEqual(beijing("2026-07-01T01:30:03Z", "zh"), { date: "7月1日", clock: "09:30" });
  assert.deepEqual(beijing("2026-06-30T16:00:00Z", "en"), { date: "1 Jul", clock: "00:00" });
  assert.deepEqual(groups("ab".repeat(32)).map((g) => g.length), [16, 16, 16, 16]);
});
