// The parents' page logic (lottery_service/web/static/check-view.js, PROTOCOL.md v2 §14): a result
// reaches the card only through the in-browser receipt check, and every family state has
// its status card, built from the checker's verified fields and the event's public config.

import assert from "node:assert/strict";
import { createCipheriv, createHash, createPrivateKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { deflateSync } from "node:zlib";

import {
  Phase, STEPS, checkView, contactOf, credentials, regOnly, runCheck, statusCard, stepStates, witnessLine,
} from "../../lottery_service/web/static/check-view.js";
import { canonicalJSON } from "../../lottery_service/web/static/encoding.js";
import { Failure, HttpError } from "../../lottery_service/web/static/page.js";
import { Status } from "../../lottery_service/web/static/receipt.js";
import { fileSource, staticSource } from "../../lottery_service/web/static/receipt-source.js";
import { shardAddress, shardPath } from "../../lottery_service/web/static/shard.js";
import { loadTrust, rememberCheckpoint } from "../../lottery_service/web/static/trust.js";
import { MemoryStorage, VECTORS, readJSON } from "./support.mjs";

const DOC = readJSON(join(VECTORS, "receipts.json"));
const LOG = join(VECTORS, "receipt_log");
const POLICY = readFileSync(join(LOG, "policy"), "utf-8");
const KEY = DOC.keys.log_vkey;
const ORIGIN = DOC.log.origin;
const byName = (name) => DOC.cases.find((c) => c.name === name);
const VALID = DOC.cases.filter((c) => c.expected.ok && c.input.trusted === null);
const FAILING = DOC.cases.filter((c) => !c.expected.ok);
// Keys and their values, so a test can see which string was chosen with what.
const t = (key, vars = {}) => (Object.keys(vars).length ? `${key}${JSON.stringify(vars)}` : key);
const CFG = {
  contact: { office: "云岩区教育局招生办", phone: "0851-12345678", hours: "工作日 9:00–17:00" },
  dates: { results: "2026年7月1日" },
  payment: { deadline: "2026年7月10日17:00", where: "学校财务室或“筑民生”缴费平台", amount: "以学校缴费通知为准" },
  next_step: "由区教育局统筹安排到公办学校，请留意短信通知。",
};
const hex = (b64) => Buffer.from(b64, "base64").toString("hex");

/** A source that answers `text` (or throws it) and counts what was asked. */
function source(text, { latest = null, proof = null } = {}) {
  const calls = [];
  return {
    calls, kind: "test",
    async receipt(given, trustedSize) {
      calls.push({ given, trustedSize });
      if (text instanceof Error) throw text;
      return text;
    },
    consistency: async () => proof,
    latest: latest === null ? null : async () => latest,
  };
}

const run = (c, opts = {}) => runCheck({ reg: c.input.reg, id_last4: "123X" },
  { source: opts.source ?? source(c.input.receipt), storage: opts.storage ?? new MemoryStorage(),
    policyText: opts.policy ?? c.input.policy ?? POLICY });

test("credentials are trimmed and upper-cased; malformed ones are refused", () => {
  assert.deepEqual(credentials(" r004 ", "123x"), { reg: "R004", id_last4: "123X" });
  for (const [reg, last4] of [["R0", "1234"], ["R004", "12345"], ["R0-4", "1234"], ["R004", "X123"], ["", ""]]) {
    assert.equal(credentials(reg, last4), null, `${reg} ${last4}`);
  }
  assert.equal(regOnly(" 2026000103 "), "2026000103");
  assert.equal(regOnly("x"), null);
});

test("every valid receipt: the card is built from the checker's fields; first visit 未检查", async () => {
  for (const c of VALID) {
    const storage = new MemoryStorage();
    const src = source(c.input.receipt);
    const state = await run(c, { storage, source: src });
    assert.equal(state.phase, Phase.VERIFIED, c.name);
    assert.deepEqual(state.result.fields, c.expected.fields, c.name);
    assert.equal(src.calls[0].trustedSize, null);
    const view = checkView(state, t, CFG);
    // No event context from this source: the card says the beacon was not checked (§5.6).
    const card = statusCard(c.expected.fields, state.result.rounds, CFG, t);
    card.lines.push(t("c.beacon_not_checked.offline"));
    assert.deepEqual(view.card, card, c.name);
    assert.equal(view.card.status, c.expected.fields.status);
    assert.deepEqual(view.steps.map((s) => s.step), [...STEPS]);
    assert.equal(view.steps.find((s) => s.step === "consistency").state, "skipped");
    assert.equal(view.steps.find((s) => s.step === "consistency").why, "c.why.first");
    assert.ok(view.steps.filter((s) => s.step !== "consistency" && s.step !== "number").every((s) => s.state === "ok"));
    assert.equal(view.announce, t("c.announce", { outcome: view.card.headline }));
    assert.equal(view.contact, contactOf(CFG, t));
    assert.deepEqual(loadTrust(storage, ORIGIN, KEY).checkpoint,
      { size: c.expected.checkpoint.size, root: hex(c.expected.checkpoint.root) });
    // A second visit sends the remembered size and the same checkpoint passes (通过).
    const again = await run(c, { storage, source: source(c.input.receipt) });
    assert.equal(checkView(again, t, CFG).steps.find((s) => s.step === "consistency").why, "c.why.same");
  }
});

test("every failing receipt: no card, nothing remembered, the failing step 未通过 and later ones 未检查", async () => {
  for (const c of FAILING) {
    const storage = new MemoryStorage();
    let trusted = null;
    if (c.input.trusted) {
      const { parseCheckpoint, parseNote } = await import("../../lottery_service/web/static/note.js");
      const cp = parseCheckpoint(parseNote(c.input.trusted.checkpoint).text);
      trusted = { size: cp.size, root: cp.root };
      rememberCheckpoint(storage, ORIGIN, KEY, trusted);
    }
    const before = storage.getItem(`sunshine-draw/checkpoint/${ORIGIN}`);
    const state = await run(c, { storage, source: source(c.input.receipt, { proof: c.input.trusted?.consistency_proof }) });
    assert.equal(state.phase, Phase.FAILED, c.name);
    assert.equal(state.result.fields, undefined, c.name);
    assert.equal(storage.getItem(`sunshine-draw/checkpoint/${ORIGIN}`), before, c.name);
    const view = checkView(state, t, CFG);
    assert.equal(view.card, null, c.name);
    assert.equal(view.witnesses, null);
    assert.ok(view.failure.text.startsWith("c.fail."), c.name);
    assert.ok(view.failure.contact.includes(contactOf(CFG, t)), c.name);
    const states = view.steps.map((s) => s.state);
    const bad = states.indexOf("bad");
    assert.equal(bad, c.expected.failed_step - 1, c.name);
    assert.ok(states.slice(bad + 1).every((s) => s === "skipped"), c.name);
    assert.ok(view.technical.some((line) => line.includes("(PROTOCOL.md §")), c.name);
    if (c.expected.failed_step === 3) assert.equal(view.failure.loud, true, c.name);
  }
});

test("a rolled-back checkpoint is loud and withholds the result, though every other step held", async () => {
  const c = byName("admitted");
  const storage = new MemoryStorage();
  rememberCheckpoint(storage, ORIGIN, KEY, { size: c.expected.checkpoint.size + 1, root: "ab".repeat(32) });
  const view = checkView(await run(c, { storage }), t, CFG);
  assert.equal(view.card, null);
  assert.equal(view.failure.text, "c.fail.rollback");
  assert.equal(view.failure.loud, true);
  assert.deepEqual(view.steps.map((s) => s.state), ["ok", "ok", "bad", "skipped", "skipped", "skipped"]);
});

test("a checkpoint remembered under another key: loud key_changed, no card", async () => {
  const c = byName("admitted");
  const storage = new MemoryStorage();
  rememberCheckpoint(storage, ORIGIN, "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    { size: 3, root: "cd".repeat(32) });
  const view = checkView(await run(c, { storage }), t, CFG);
  assert.equal(view.card, null);
  assert.equal(view.failure.text, "c.fail.key_changed");
});

test("static publication: a published checkpoint older than the receipt's, or another root, is loud", async () => {
  const c = byName("admitted");
  const older = readFileSync(join(LOG, "checkpoints", "35.note"), "utf-8");
  const same = readFileSync(join(LOG, "checkpoints", "84.note"), "utf-8");
  const rolled = await run(c, { source: source(c.input.receipt, { latest: older }) });
  assert.equal(rolled.phase, Phase.FAILED);
  assert.equal(checkView(rolled, t, CFG).failure.text, "c.fail.rollback");
  const fine = await run(c, { source: source(c.input.receipt, { latest: same }) });
  assert.equal(fine.phase, Phase.VERIFIED);
  assert.equal(fine.latest.size, 84);
  const fork = byName("reject-fork-same-size").input.trusted.checkpoint; // signed, same size, other root
  const forked = await run(c, { source: source(c.input.receipt, { latest: fork }) });
  assert.equal(checkView(forked, t, CFG).failure.text, "c.fail.fork");
});

// ------------------------------------ the static publication of receipt_log (§18)

// receipt_log published as a static host: its checkpoints, the family's shard, the partial
// level-0 tile of every size (84 entries: one tile level) and, when given, the event
// context. RFC 9162 is recomputed here with node:crypto, apart from the page's code.
const BASE = "https://pub.example.cn/receipt-2026";
const ENTRIES = readFileSync(join(LOG, "entries.jsonl"), "utf-8").split("\n").filter(Boolean);
const sha = (...parts) => createHash("sha256").update(Buffer.concat(parts)).digest();
const LEAVES = ENTRIES.map((e) => sha(Buffer.from([0]), Buffer.from(e)));
const split = (n) => { let k = 1; while (k * 2 < n) k *= 2; return k; };
const mth = (l) => (l.length === 1 ? l[0] : sha(Buffer.from([1]), mth(l.slice(0, split(l.length))), mth(l.slice(split(l.length)))));
const pathOf = (m, l) => {
  if (l.length === 1) return [];
  const k = split(l.length);
  return m < k ? [...pathOf(m, l.slice(0, k)), mth(l.slice(k))] : [...pathOf(m - k, l.slice(k)), mth(l.slice(0, k))];
};
const noteOf = (size) => readFileSync(join(LOG, "checkpoints", `${size}.note`), "utf-8");

/** A checkpoint of `leaves` signed by the vector log key (receipts.json keys.log_seed). */
function signedNote(leaves) {
  const text = `${ORIGIN}\n${leaves.length}\n${mth(leaves).toString("base64")}\n`;
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(DOC.keys.log_seed, "hex")]);
  const signature = sign(null, Buffer.from(text), createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }));
  const keyId = Buffer.from(KEY.split("+")[1], "hex");
  return `${text}\n\u2014 ${ORIGIN} ${Buffer.concat([keyId, signature]).toString("base64")}\n`;
}

/** The event context (§14.1) under checkpoint `size`: event_created with its inclusion proof. */
function contextAt(size) {
  const proof = pathOf(0, LEAVES.slice(0, size)).map((h) => h.toString("base64"));
  const x = { type: "sunshine-context", version: 2, event: DOC.log.origin.split("/").pop(),
    entries: [{ index: 0, entry: ENTRIES[0], proof }] };
  const extra = deflateSync(Buffer.from(canonicalJSON(x))).toString("base64");
  return ["c2sp.org/tlog-proof@v1", `extra ${extra}`, "index 0", ...proof, "", noteOf(size)].join("\n");
}

/** §18.3 the family's shard (factor 123X): [path, nonce ‖ AES-256-GCM(receipt, aad = address)]. */
async function shardOf(reg, receipt) {
  const address = await shardAddress(ORIGIN, reg, "123X");
  const m = JSON.stringify({ factor: "123X", origin: ORIGIN, reg });
  const cipher = createCipheriv("aes-256-gcm", sha(Buffer.from("sunshine-draw/v2/shard-key\0"), Buffer.from(m)), Buffer.alloc(12, 7));
  cipher.setAAD(Buffer.from(address));
  return [shardPath(address), Buffer.concat([Buffer.alloc(12, 7), cipher.update(receipt), cipher.final(), cipher.getAuthTag()])];
}

/**
 * runCheck of case `c` through the real static source on that host: `checkpoint` the
 * published note, `leaves` the log the tiles are cut from, `tile(bytes)` what the host
 * serves for a tile (null: missing), `trusted` a size this browser remembers.
 */
async function runStatic(c, { checkpoint, leaves = LEAVES, tile = (b) => b, context = null, trusted = null,
  storage = new MemoryStorage() }) {
  const files = new Map([["checkpoint", checkpoint], await shardOf(c.input.reg, c.input.receipt)]);
  for (let n = 1; n <= leaves.length; n++) files.set(`tile/0/000.p/${n}`, tile(Buffer.concat(leaves.slice(0, n))));
  if (context) files.set("context.tlog-proof", context);
  const fetch = async (url) => {
    const body = files.get(url.slice(BASE.length + 1));
    return body === undefined || body === null ? new Response("", { status: 404 }) : new Response(body);
  };
  if (trusted) rememberCheckpoint(storage, ORIGIN, KEY, { size: trusted, root: mth(LEAVES.slice(0, trusted)).toString("hex") });
  return runCheck({ reg: c.input.reg, id_last4: "123X" },
    { source: staticSource(BASE, ORIGIN, { fetch }), storage, policyText: POLICY });
}
const consistencyOf = (state) => checkView(state, t, CFG).steps.find((s) => s.step === "consistency");
const noTiles = () => null;
const flipped = (b) => { const copy = Buffer.from(b); copy[0] ^= 1; return copy; };

test("static: a receipt under an older checkpoint is a prefix of the published one, proved from tiles", async () => {
  const c = byName("waiting-during-window"); // checkpoint 35; the host publishes 84
  const state = await runStatic(c, { checkpoint: noteOf(84) });
  assert.equal(state.phase, Phase.VERIFIED);
  assert.deepEqual(state.latest, { state: "ok", size: 84 });
  // Nothing trusted yet: step 3 is the receipt's checkpoint against the published one (§18.3).
  assert.deepEqual(state.verdict, { state: "skipped", reason: "first" });
  assert.equal(consistencyOf(state).state, "ok");
  assert.equal(consistencyOf(state).why, "c.why.published"); // why it passed with nothing trusted
  assert.ok(checkView(state, t, CFG).technical.includes("published checkpoint: 84"));
  // Step 3 from a checkpoint this browser remembers (12), by the same tiles (§14 step 3).
  const storage = new MemoryStorage();
  const again = await runStatic(c, { checkpoint: noteOf(84), trusted: 12, storage });
  assert.equal(again.phase, Phase.VERIFIED);
  assert.deepEqual(again.verdict, { state: "ok", reason: "extends" });
  assert.equal(consistencyOf(again).state, "ok");
  assert.equal(loadTrust(storage, ORIGIN, KEY).checkpoint.size, 35);
});

test("static: a receipt older than the trusted checkpoint is no rollback when both are prefixes of the published one (§14.1)", async () => {
  // Another family checked on this phone under 84; this family's shard is still under 35.
  const c = byName("waiting-during-window");
  for (const trusted of [84, 48]) {
    const storage = new MemoryStorage();
    const state = await runStatic(c, { checkpoint: noteOf(84), trusted, storage });
    assert.equal(state.phase, Phase.VERIFIED, `trusted ${trusted}`);
    assert.deepEqual(state.verdict, { state: "ok", reason: trusted === 84 ? "same" : "extends" });
    assert.equal(consistencyOf(state).state, "ok");
    assert.equal(loadTrust(storage, ORIGIN, KEY).checkpoint.size, trusted); // never moves back
  }
  // Not proved a prefix (no tiles): smaller than the trusted one is rollback evidence (§14 step 3).
  const rolled = await runStatic(c, { checkpoint: noteOf(84), trusted: 84, tile: noTiles });
  assert.equal(rolled.phase, Phase.FAILED);
  assert.equal(checkView(rolled, t, CFG).failure.text, "c.fail.rollback");
  // A published checkpoint smaller than the trusted one proves nothing: the checker's step 3 as before.
  const older = await runStatic(c, { checkpoint: noteOf(12), trusted: 48 });
  assert.equal(checkView(older, t, CFG).failure.text, "c.fail.rollback");
  // A signed published checkpoint of the trusted size with another root: a fork, loud.
  const forked = [...LEAVES];
  forked[20] = sha(Buffer.from([0]), Buffer.from("{}"));
  const fork = await runStatic(c, { checkpoint: signedNote(forked), leaves: forked, trusted: 84 });
  assert.equal(fork.phase, Phase.FAILED);
  assert.equal(checkView(fork, t, CFG).failure.text, "c.fail.fork");
});

test("static: the event context under the published checkpoint is tied to the receipt by tiles (§14.1)", async () => {
  const c = byName("waiting-during-window");
  const tied = await runStatic(c, { checkpoint: noteOf(84), context: contextAt(84) });
  assert.equal(tied.phase, Phase.VERIFIED);
  assert.deepEqual(tied.beacon, { state: "none" }); // rules.beacon is null in receipt_log
  const untied = await runStatic(c, { checkpoint: noteOf(84), context: contextAt(84), tile: noTiles });
  assert.deepEqual(untied.beacon, { state: "not-checked", why: "unproved" });
});

test("static: missing or tampered tiles prove nothing (未检查), and are never fork evidence", async () => {
  const c = byName("waiting-during-window");
  for (const tile of [noTiles, flipped]) {
    const state = await runStatic(c, { checkpoint: noteOf(84), tile, trusted: 12 });
    assert.equal(state.phase, Phase.VERIFIED);
    assert.deepEqual(state.latest, { state: "skipped", size: 84 });
    assert.deepEqual(state.verdict, { state: "skipped", reason: "unproven" });
    assert.equal(consistencyOf(state).state, "skipped");
  }
  // An unsigned or unreadable published checkpoint: nothing learnt, as before.
  const unsigned = await runStatic(c, { checkpoint: noteOf(84).replace(/\n\n[^]*$/, "\n\n— x AAAAAAAA\n") });
  assert.equal(unsigned.phase, Phase.VERIFIED);
  assert.deepEqual(unsigned.latest, { state: "skipped", size: null });
});

test("static: a signed published checkpoint that does not extend the receipt's is loud fork evidence", async () => {
  const c = byName("waiting-during-window");
  const forked = [...LEAVES];
  forked[20] = sha(Buffer.from([0]), Buffer.from("{}")); // entry 20 rewritten, all 84 signed
  const storage = new MemoryStorage();
  const state = await runStatic(c, { checkpoint: signedNote(forked), leaves: forked, storage });
  assert.equal(state.phase, Phase.FAILED);
  const view = checkView(state, t, CFG);
  assert.equal(view.card, null);
  assert.equal(view.failure.text, "c.fail.fork");
  assert.equal(view.failure.loud, true);
  assert.equal(consistencyOf(state).state, "bad");
  assert.equal(loadTrust(storage, ORIGIN, KEY).checkpoint, null);
});

test("static: a published checkpoint older than the receipt's is stale when a prefix, else rollback", async () => {
  const c = byName("admitted"); // checkpoint 84; the host still publishes 35 (a cache, §18.1)
  const stale = await runStatic(c, { checkpoint: noteOf(35) });
  assert.equal(stale.phase, Phase.VERIFIED);
  assert.deepEqual(stale.latest, { state: "ok", size: 35 });
  const rolled = await runStatic(c, { checkpoint: noteOf(35), tile: noTiles });
  assert.equal(rolled.phase, Phase.FAILED);
  assert.equal(checkView(rolled, t, CFG).failure.text, "c.fail.rollback");
});

test("a receipt file is checked with no request: fileSource only reads the file", async () => {
  const c = byName("forfeited-declined");
  const state = await runCheck({ reg: c.input.reg }, { source: fileSource(c.input.receipt),
    storage: new MemoryStorage(), policyText: POLICY });
  assert.equal(state.phase, Phase.VERIFIED);
  assert.equal(state.result.fields.status, Status.FORFEITED_DECLINED);
  assert.equal(state.receiptText, c.input.receipt);
});

test("an unreachable server, and a broken policy, say so with the contact", async () => {
  const c = byName("admitted");
  const down = await run(c, { source: source(new HttpError(Failure.NETWORK, 0)) });
  assert.equal(down.phase, Phase.UNREACHABLE);
  assert.ok(checkView(down, t, CFG).message.text.includes(contactOf(CFG, t)));
  const broken = await run(c, { policy: "log nonsense\n" });
  assert.equal(broken.phase, Phase.FAILED);
  assert.equal(checkView(broken, t, CFG).failure.text, "c.fail.policy");
});

// ------------------------------------------------------------- the status cards

const fieldsOf = (name) => structuredClone(byName(name).expected.fields);
const cardOf = (f, rounds = []) => statusCard(f, rounds, CFG, t);

test("status card: confirmed, with class and head teacher, lottery number explained", () => {
  const card = cardOf(fieldsOf("admitted"));
  assert.equal(card.headline, "c.s.confirmed");
  assert.equal(card.tone, "good");
  assert.ok(card.lines.includes(t("c.s.class_teacher", { class: "01", teacher: "李*" })));
  assert.equal(card.numberNote, "c.number_note");
  assert.deepEqual(card.rows.find((r) => r.key === "c.name").value, "赵*");
  assert.ok(card.rows.some((r) => r.key === "c.cutoff"));
});

test("status card: admitted awaiting payment names the deadline and where to pay (config)", () => {
  const f = { ...fieldsOf("admitted"), status: Status.ADMITTED_AWAITING_PAYMENT, rounds_settled: 0,
    payments_closed: false, class: null, teacher: null };
  const card = cardOf(f);
  assert.equal(card.headline, "c.s.admitted");
  assert.ok(card.lines.includes(t("c.s.pay_by", { deadline: CFG.payment.deadline })));
  assert.ok(card.lines.includes(t("c.s.pay_where", { where: CFG.payment.where })));
  assert.ok(card.lines.includes("c.s.pay_or_lose"));
  const bare = statusCard(f, [], {}, t);
  assert.ok(bare.lines.includes("c.s.pay_by_school"));
});

test("status card: forfeited unpaid and declined", () => {
  assert.equal(cardOf(fieldsOf("forfeited-unpaid")).headline, "c.s.forfeited_unpaid");
  assert.ok(cardOf(fieldsOf("forfeited-unpaid")).lines.includes(t("c.s.forfeited_line", { n: 1 })));
  assert.equal(cardOf(fieldsOf("forfeited-declined")).headline, "c.s.forfeited_declined");
  assert.equal(cardOf(fieldsOf("forfeited-declined")).tone, "warn");
});

test("status card: promoted from the waiting list, awaiting payment and confirmed, with the round", () => {
  const confirmed = cardOf(fieldsOf("promoted-round-1"));
  assert.equal(confirmed.headline, t("c.s.promoted_confirmed", { n: 1 }));
  const awaiting = cardOf({ ...fieldsOf("promoted-round-1"), status: Status.PROMOTED_AWAITING_PAYMENT });
  assert.equal(awaiting.headline, t("c.s.promoted", { n: 1 }));
  assert.ok(awaiting.lines.includes(t("c.s.promoted_line", { n: 1, w: 2 })));
  assert.ok(awaiting.lines.includes(t("c.s.pay_by", { deadline: CFG.payment.deadline })));
});

test("status card: waiting, its position and how the rounds moved it (verified counts only)", () => {
  const f = fieldsOf("waiting-during-window");
  assert.equal(cardOf(f).headline, t("c.s.waiting", { n: 2 }));
  assert.ok(cardOf(f).lines.includes("c.s.waiting_no_round"));
  const moved = cardOf(f, [{ round: 1, forfeits: 2, locks: 1 }]);
  assert.ok(moved.lines.includes(t("c.s.waiting_round", { n: 1, forfeits: 2, locks: 1 })));
  assert.ok(moved.lines.includes("c.s.waiting_not_yet"));
});

test("status card: not admitted after the window, with the bureau's next step; locked elsewhere", () => {
  const closed = cardOf(fieldsOf("not-admitted-after-window"));
  assert.equal(closed.headline, "c.s.not_admitted");
  assert.ok(closed.lines.includes(t("c.s.closed_line", { n: 4 })));
  assert.ok(closed.lines.includes(t("c.s.next_step", { step: CFG.next_step })));
  const locked = cardOf(fieldsOf("locked-elsewhere"));
  assert.ok(locked.lines.includes(t("c.s.locked_line", { n: 1 })));
});

test("status card: ineligible names the rule in plain words; pupil outside the lottery has a class", () => {
  const rejected = cardOf(fieldsOf("rejected"));
  assert.equal(rejected.headline, "c.s.rejected");
  assert.ok(rejected.lines.includes(t("c.s.rejected_rule", { rule: "rule.P2-second-application" })));
  const grouped = cardOf(fieldsOf("pupil-with-class-and-teacher"));
  assert.equal(grouped.headline, "c.s.grouped");
  assert.ok(grouped.lines.includes(t("c.s.class_teacher", { class: "01", teacher: "李*" })));
  assert.equal(grouped.numberNote, null);
});

test("before the draw: the result date from config, nothing shown as verified", () => {
  const view = checkView({ phase: Phase.BEFORE_DRAW }, t, CFG);
  assert.equal(view.card.headline, "c.s.before_draw");
  assert.ok(view.card.lines.includes(t("c.s.before_draw_date", { date: CFG.dates.results })));
  assert.equal(view.status.text, "c.not_yet_verified");
  assert.deepEqual(view.steps, []);
  assert.equal(view.contact, contactOf(CFG, t));
});

test("witnesses: how many cosigned and whether the quorum is met", () => {
  assert.deepEqual(witnessLine({ cosigned: [{ witness: "a" }, { witness: "b" }], quorum_met: true }, t),
    { text: t("c.w.count", { n: 2 }), quorum: "c.w.quorum_met", met: true, names: ["a", "b"] });
  assert.equal(witnessLine({ cosigned: [], quorum_met: false }, t).text, "c.w.none");
});

test("step states before anything ran are all 未检查", () => {
  assert.deepEqual(stepStates({ phase: Phase.CHECKING }).map((s) => s.state), STEPS.map(() => "skipped"));
  assert.equal(checkView({ phase: Phase.IDLE }, t, CFG).card, null);
});
