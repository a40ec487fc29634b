// The page scripts' pure logic: the operator console (operate-view.js) and the
// participant's page (participate-view.js); the ceremony screen's is in ceremony-model.test.mjs.

import assert from "node:assert/strict";
import { test } from "node:test";

import { answer, importErrors, parseDice } from "../../lottery_service/web/static/operate-view.js";
import {
  commitRefusal, revealRefusal, secretKey, secretText,
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
