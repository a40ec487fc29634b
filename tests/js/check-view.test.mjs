// The parents' page logic (lottery_service/web/static/check-view.js, PROTOCOL.md §14): a result
// reaches the card only through the in-browser check, never from the look-up.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";

import {
  Phase, STEPS, checkView, credentials, labelsFor, mismatchOf, resultCard, runCheck, stepStates,
} from "../../lottery_service/web/static/check-view.js";
import { ProofError } from "../../lottery_service/web/static/errors.js";
import { Failure, HttpError } from "../../lottery_service/web/static/page.js";
import { checkProof } from "../../lottery_service/web/static/proof.js";
import { loadTrust, rememberCheckpoint } from "../../lottery_service/web/static/trust.js";
import { MemoryStorage, VECTORS, readJSON } from "./support.mjs";

const PROOFS = readJSON(join(VECTORS, "proofs.json"));
const KEY = PROOFS.log_key;
const EVENT = PROOFS.cases[0].input.proof.event;
const byName = (name) => PROOFS.cases.find((c) => c.name === name);
const VALID = PROOFS.cases.filter((c) => c.expected && c.input.pinned_key);
// Keys and their values, so a test can see which string was chosen with what.
const t = (key, vars = {}) => (Object.keys(vars).length ? `${key}${JSON.stringify(vars)}` : key);

/** A server stub: /proof answers `proof` (or throws), /lookup answers `lookup`. */
function server(proof, lookup = null) {
  const calls = [];
  const post = async (path, body) => {
    calls.push({ path, body });
    if (path === "/proof") {
      if (proof instanceof Error) throw proof;
      return structuredClone(proof);
    }
    if (lookup instanceof Error) throw lookup;
    return lookup;
  };
  return { post, calls };
}

async function run(c, { lookup = null, storage = new MemoryStorage(), proof = c.input.proof,
  logKey = KEY } = {}) {
  const s = server(proof, lookup);
  const state = await runCheck({ reg: c.input.reg, id_last4: "1234" },
    { post: s.post, storage, event: EVENT, logKey });
  return { state, storage, calls: s.calls };
}

/** The look-up an honest server gives for a verified result (lookup.py to_json). */
function honestLookup(v, names = {}) {
  return { reg: v.reg, name: v.name, school: v.school, outcome: v.outcome, stage: v.stage,
    rank: v.rank, waiting: v.waiting, number: v.number, cutoff: v.cutoff,
    promoted_round: v.promotedRound, forfeited: v.forfeited, class: v.class, teacher: v.teacher,
    school_name: names.school ?? null, teacher_name: names.teacher ?? null };
}

test("credentials are trimmed and upper-cased; malformed ones are refused", () => {
  assert.deepEqual(credentials(" r004 ", "123x"), { reg: "R004", id_last4: "123X" });
  for (const [reg, last4] of [["R0", "1234"], ["R004", "12345"], ["R0-4", "1234"], ["R004", "X123"], ["", ""]]) {
    assert.equal(credentials(reg, last4), null, `${reg} ${last4}`);
  }
});

test("every valid proof: the card is the checker's output, first visit's consistency 未检查", async () => {
  for (const c of VALID.filter((x) => !x.input.trusted_checkpoint)) {
    const { state, storage, calls } = await run(c);
    assert.equal(state.phase, Phase.VERIFIED, c.name);
    assert.deepEqual(state.verified, c.expected, c.name);
    assert.deepEqual(calls.map((x) => x.path), ["/proof", "/lookup"], c.name);
    assert.equal("trusted_size" in calls[0].body, false);
    const view = checkView(state, t);
    assert.deepEqual(view.card, resultCard(c.expected, { schoolName: null, teacherName: null }, t));
    assert.deepEqual(view.steps.map((s) => [s.step, s.state]),
      STEPS.map((s) => [s, s === "consistency" ? "skipped" : "ok"]), c.name);
    assert.equal(view.steps.find((s) => s.step === "consistency").why, "c.why.first");
    assert.equal(view.announce, t("c.announce", { outcome: view.card.headline }));
    assert.deepEqual(loadTrust(storage, EVENT, KEY).checkpoint,
      { size: c.expected.checkpointSize, root: c.expected.checkpointRoot });
  }
});

test("a look-up that claims another result never changes the card; it is flagged", async () => {
  const expected = VALID.map((c) => c.expected);
  for (const c of VALID.filter((x) => !x.input.trusted_checkpoint)) {
    const honest = checkView((await run(c)).state, t).card;
    for (const other of expected) {
      const lie = { ...honestLookup(other, { school: "假学校", teacher: "假老师" }), reg: c.input.reg };
      const { state } = await run(c, { lookup: lie });
      const view = checkView(state, t);
      const labels = labelsFor(c.expected, lie);
      assert.deepEqual(view.card, resultCard(c.expected, labels, t), c.name);
      assert.equal(view.card.headline, honest.headline, c.name);
      const differs = mismatchOf(c.expected, lie).length > 0;
      assert.equal(view.mismatch === null, !differs, c.name);
      if (lie.school !== c.expected.school) assert.equal(labels.schoolName, null);
      if (lie.teacher !== c.expected.teacher || c.expected.teacher === null) assert.equal(labels.teacherName, null);
    }
  }
  // An honest look-up with names: no warning, and names label the verified ids.
  const c = byName("admitted");
  const { state } = await run(c, { lookup: honestLookup(c.expected, { school: "阳光中学", teacher: "王*" }) });
  const view = checkView(state, t);
  assert.equal(view.mismatch, null);
  assert.equal(view.card.rows.find((r) => r.key === "c.school").value, `阳光中学（${c.expected.school}）`);
  assert.equal(view.card.rows.find((r) => r.key === "c.teacher").value, `王*（${c.expected.teacher}）`);
});

test("a failed look-up leaves the verified result standing, unlabelled", async () => {
  const c = byName("admitted");
  const { state } = await run(c, { lookup: new HttpError(Failure.SERVER, 500) });
  assert.equal(state.phase, Phase.VERIFIED);
  assert.equal(state.mismatch, null);
  assert.deepEqual(state.labels, { schoolName: null, teacherName: null });
});

test("every tampered proof: no card, nothing remembered, the failing step 未通过 and later ones 未检查", async () => {
  for (const c of PROOFS.cases.filter((x) => x.error)) {
    const storage = new MemoryStorage();
    const logKey = c.input.pinned_key; // the key the page pins
    if (c.input.trusted_checkpoint) rememberCheckpoint(storage, EVENT, logKey, c.input.trusted_checkpoint);
    const before = storage.getItem(`sunshine-draw/checkpoint/${EVENT}`);
    const { state, calls } = await run(c, { storage, logKey });
    assert.equal(state.phase, Phase.FAILED, c.name);
    assert.equal(state.verified, undefined, c.name);
    assert.deepEqual(calls.map((x) => x.path), ["/proof"], c.name); // no look-up after a failure
    assert.equal(storage.getItem(`sunshine-draw/checkpoint/${EVENT}`), before, c.name);
    const view = checkView(state, t);
    assert.equal(view.card, null, c.name);
    assert.ok(view.failure.text.startsWith("c.fail."), c.name);
    const states = view.steps.map((s) => s.state);
    const bad = states.indexOf("bad");
    assert.ok(bad >= 0, c.name);
    assert.ok(states.slice(bad + 1).every((s) => s === "skipped"), c.name);
    assert.ok(states.slice(0, bad).every((s) => s !== "bad"), c.name);
    assert.ok(view.technical.some((line) => line.includes(`(PROTOCOL.md §`)), c.name);
  }
});

test("a fork is loud: another root at the trusted size", async () => {
  const c = byName("fork-same-size");
  const storage = new MemoryStorage();
  rememberCheckpoint(storage, EVENT, KEY, c.input.trusted_checkpoint);
  const view = checkView((await run(c, { storage })).state, t);
  assert.deepEqual(view.failure, { text: "c.fail.fork", contact: "c.contact_warning", loud: true });
  assert.deepEqual(view.steps.map((s) => s.state), ["ok", "ok", "bad", "skipped", "skipped", "skipped", "skipped"]);
});

test("a rollback is loud and withholds the result, though every other check held", async () => {
  const c = byName("admitted");
  const storage = new MemoryStorage();
  rememberCheckpoint(storage, EVENT, KEY, { size: c.expected.checkpointSize + 1, root: "ab".repeat(32) });
  const before = storage.getItem(`sunshine-draw/checkpoint/${EVENT}`);
  const { state, calls } = await run(c, { storage });
  assert.equal(state.phase, Phase.FAILED);
  assert.equal(state.verified, undefined);
  assert.equal(calls[0].body.trusted_size, c.expected.checkpointSize + 1);
  assert.equal(storage.getItem(`sunshine-draw/checkpoint/${EVENT}`), before);
  const view = checkView(state, t);
  assert.equal(view.card, null);
  assert.deepEqual(view.failure, { text: "c.fail.rollback", contact: "c.contact_warning", loud: true });
  assert.deepEqual(view.steps.map((s) => s.state), ["ok", "ok", "bad", "ok", "ok", "ok", "ok"]);
  assert.equal(view.steps[2].why, "c.why.rollback");
});

test("a remembered checkpoint under another log key is loud; nothing is replaced", async () => {
  const c = byName("admitted");
  const storage = new MemoryStorage();
  const other = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
  rememberCheckpoint(storage, EVENT, other, { size: 3, root: "ab".repeat(32) });
  const { state, calls } = await run(c, { storage });
  assert.equal("trusted_size" in calls[0].body, false); // not the same log's checkpoint
  const view = checkView(state, t);
  assert.equal(view.card, null);
  assert.equal(view.failure.text, "c.fail.key_changed");
  assert.equal(loadTrust(storage, EVENT, other).checkpoint.size, 3);
});

test("a later step failing after a rollback still says rollback first", async () => {
  const c = byName("number-changed-in-transit");
  const storage = new MemoryStorage();
  rememberCheckpoint(storage, EVENT, KEY, { size: 10 ** 6, root: "ab".repeat(32) });
  const view = checkView((await run(c, { storage })).state, t);
  assert.equal(view.failure.text, "c.fail.rollback");
  assert.deepEqual(view.steps.map((s) => s.state), ["ok", "ok", "bad", "bad", "skipped", "skipped", "skipped"]);
});

test("a growing log passes with its consistency proof and is remembered (通过)", async () => {
  const c = byName("consistency-from-earlier-checkpoint");
  const storage = new MemoryStorage();
  rememberCheckpoint(storage, EVENT, KEY, c.input.trusted_checkpoint);
  const { state, calls } = await run(c, { storage });
  assert.equal(calls[0].body.trusted_size, c.input.trusted_checkpoint.size);
  assert.equal(state.phase, Phase.VERIFIED);
  const view = checkView(state, t);
  assert.ok(view.steps.every((s) => s.state === "ok"));
  assert.equal(view.steps[2].why, "c.why.extends");
  assert.equal(loadTrust(storage, EVENT, KEY).checkpoint.size, c.expected.checkpointSize);
});

test("an unreachable server or wrong credentials show a message and no check at all", async () => {
  const c = byName("admitted");
  for (const [error, text] of [
    [new HttpError(Failure.NOT_FOUND, 404), "not_found"],
    [new HttpError(Failure.TOO_MANY, 429, "", 3600), 'c.too_many_wait{"minutes":60}'],
    [new HttpError(Failure.TOO_MANY, 429), "too_many"],
    [new HttpError(Failure.NETWORK, 0), "c.network"],
    [new HttpError(Failure.SERVER, 503), 'c.server{"status":503}'],
  ]) {
    const { state } = await run(c, { proof: error });
    assert.equal(state.phase, Phase.UNREACHABLE);
    const view = checkView(state, t);
    assert.deepEqual(view.message, { kind: "error", text });
    assert.equal(view.status, null);
    assert.equal(view.card, null);
    assert.deepEqual(view.steps, []);
  }
});

test("while checking: not yet verified, no card, every step 未检查", () => {
  const view = checkView({ phase: Phase.CHECKING }, t);
  assert.deepEqual(view.status, { tone: "info", text: "c.checking" });
  assert.equal(view.card, null);
  assert.equal(view.failure, null);
  assert.deepEqual(view.steps.map((s) => s.state), STEPS.map(() => "skipped"));
  assert.deepEqual(view.steps.map((s) => s.stateText), STEPS.map(() => "step.skipped"));
});

test("a browser without Ed25519: the signature step 未检查, not 未通过", () => {
  const error = new ProofError("browser", "12", "no Ed25519");
  assert.deepEqual(stepStates({ phase: Phase.FAILED, error }).map((s) => s.state),
    ["ok", "skipped", "skipped", "skipped", "skipped", "skipped", "skipped"]);
  const view = checkView({ phase: Phase.FAILED, error }, t);
  assert.deepEqual(view.failure, { text: "c.fail.browser", contact: null, loud: false });
  const crash = checkView({ phase: Phase.FAILED, error: new TypeError("x") }, t);
  assert.equal(crash.failure.text, "c.fail.unexpected");
  assert.ok(crash.steps.every((s) => s.state === "skipped"));
});

test("status cards: waiting, promoted, forfeited, not drawn and outside the lottery", async () => {
  const card = (name) => resultCard(byName(name).expected, { schoolName: null, teacherName: null }, t);
  const waiting = byName("not-admitted-waiting").expected;
  assert.deepEqual([card("not-admitted-waiting").tone, card("not-admitted-waiting").headline],
    ["plain", `c.outcome.waiting{"n":${waiting.waiting}}`]);
  assert.ok(card("not-admitted-waiting").rows.some((r) => r.key === "c.waiting"));
  const promoted = byName("promoted").expected;
  assert.deepEqual([card("promoted").tone, card("promoted").note],
    ["good", `c.note.promoted{"n":${promoted.promotedRound}}`]);
  assert.deepEqual([card("forfeited").tone, card("forfeited").headline], ["warn", "c.outcome.forfeited"]);
  const admitted = card("admitted");
  assert.equal(admitted.headline, "c.outcome.admitted");
  assert.equal(admitted.rows.find((r) => r.key === "c.number").value, byName("admitted").expected.number.slice(0, 16) + "…");
  assert.ok(!admitted.rows.some((r) => r.key === "c.waiting"));
  const base = byName("admitted").expected;
  const lost = resultCard({ ...base, outcome: "not_admitted", waiting: null }, { schoolName: null, teacherName: null }, t);
  assert.equal(lost.headline, "c.outcome.not_admitted");
  const outside = resultCard({ ...base, outcome: null, stage: null, rank: null, number: null, cutoff: null, name: null },
    { schoolName: null, teacherName: null }, t);
  assert.deepEqual([outside.headline, outside.numberNote], ["c.outcome.none", null]);
  assert.ok(outside.rows.some((r) => r.key === "c.class"));
  // The card of a proof is what the checker said, whatever it is asked with.
  const again = await checkProof(byName("admitted").input.proof, { reg: "R004" });
  assert.deepEqual(resultCard(again, { schoolName: null, teacherName: null }, t), admitted);
});
