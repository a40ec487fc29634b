// The supervisors' dashboard logic (lottery_service/web/static/dashboard-view.js, PROTOCOL.md §12):
// the consistency line says what the shared policy (trust.js) decided.

import assert from "node:assert/strict";
import { test } from "node:test";

import { cosignatureCount, trustCheck, witnessProblem } from "../../lottery_service/web/static/dashboard-view.js";
import { Reason, judge } from "../../lottery_service/web/static/trust.js";

const t = (key, vars = {}) => `${key}${JSON.stringify(vars)}`;
const served = { size: 40, root: "a".repeat(64) };

test("each trust verdict has its line and state; first visit is 未检查 (skipped)", () => {
  const cases = [
    [judge("none"), null, "skipped", `w.first_seen${JSON.stringify({ size: 40, old: null, new: 40 })}`],
    [judge("same"), served, "ok", `w.same${JSON.stringify({ size: 40, old: 40, new: 40 })}`],
    [judge("extends"), { size: 30 }, "ok", `w.grew${JSON.stringify({ size: 40, old: 30, new: 40 })}`],
    [judge("older"), { size: 45 }, "bad", `w.older${JSON.stringify({ size: 40, old: 45, new: 40 })}`],
    [{ state: "bad", reason: Reason.FORK }, { size: 30 }, "bad", `w.fork${JSON.stringify({ size: 30, old: 30, new: 40 })}`],
    [judge("none", { keyChanged: true }), { size: 40 }, "bad", `w.key_changed${JSON.stringify({ size: 40, old: 40, new: 40 })}`],
  ];
  for (const [verdict, trusted, state, text] of cases) {
    assert.deepEqual(trustCheck(verdict, trusted, served, t), { state, text }, verdict.reason);
  }
});

test("a witness key must be registered under its name with this very key", () => {
  const key = { name: "supervisor-1", witnessKey: "supervisor-1+01020304+BA==" };
  assert.equal(witnessProblem({}, key), "w.not_registered");
  assert.equal(witnessProblem({ "supervisor-1": "supervisor-1+ffffffff+BA==" }, key), "w.other_key");
  assert.equal(witnessProblem({ "supervisor-1": key.witnessKey }, key), null);
});

test("cosignatures are the signature lines not by the log key", () => {
  const note = "sunshine-draw/ev\n3\nroot=\n\n— sunshine-draw/ev AAAA\n— witness-1 BBBB\n— witness-2 CCCC\n";
  assert.equal(cosignatureCount(note, "sunshine-draw/ev"), 2);
  assert.equal(cosignatureCount("sunshine-draw/ev\n3\nroot=\n\n— sunshine-draw/ev AAAA\n", "sunshine-draw/ev"), 0);
});
