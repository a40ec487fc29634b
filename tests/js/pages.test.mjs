// The page scripts' pure logic: the operator console (operate-view.js) and the
// participant's page (participate-view.js); the ceremony screen's is in ceremony-model.test.mjs.

import assert from "node:assert/strict";
import { test } from "node:test";

import { answer, importErrors, parseDice } from "../../lottery_service/web/static/operate-view.js";
import {
  commitRefusal, otherEscrowKeys, revealRefusal, roleText, secretKey, secretText, standingKey,
} from "../../lottery_service/web/static/participate-view.js";

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
