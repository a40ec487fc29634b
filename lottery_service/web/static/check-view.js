// Parents' page logic (docs/PROTOCOL.md v2 §14): one verified data path, as pure functions.
//
// runCheck() is the only way a result reaches the page: it gets the receipt from one
// source (receipt-source.js: the app server, the static publication, or a file), checks
// it here (receipt.js, §14 steps 1–6), judges its checkpoint with the shared policy
// (trust.js) and only then returns a state holding the checker's own output. checkView()
// turns a state into what the page draws; the status card is built from
// `state.result.fields` (what the checker verified) and the event's public config
// (dates, where to pay, contact), never from anything a server said about the result.
// check.js draws the view.

import { ProofError } from "./errors.js";
import { hexToBytes } from "./encoding.js";
import { verifyConsistency } from "./merkle.js";
import { HttpError, httpErrorText } from "./page.js";
import { checkNote, parsePolicy } from "./policy.js";
import { STEPS, Status, checkReceipt } from "./receipt.js";
import { loadTrust, rememberCheckpoint, verdictOfReceipt } from "./trust.js";
import { checkContext } from "./event-context.js";

export { STEPS };

export const Phase = Object.freeze({
  IDLE: "idle", CHECKING: "checking", UNREACHABLE: "unreachable", FAILED: "failed",
  VERIFIED: "verified", BEFORE_DRAW: "before_draw",
});

const REG = /^[A-Z0-9]{4,32}$/; // §1
const LAST4 = /^[0-9]{3}[0-9X]$/;

/** {reg, id_last4} as typed by a family (trimmed, upper case), or null when malformed. */
export function credentials(regText, last4Text) {
  const reg = String(regText ?? "").trim().toUpperCase();
  const last4 = String(last4Text ?? "").trim().toUpperCase();
  return REG.test(reg) && LAST4.test(last4) ? { reg, id_last4: last4 } : null;
}

/** A registration number alone (for a receipt file: no second factor is needed). */
export function regOnly(regText) {
  const reg = String(regText ?? "").trim().toUpperCase();
  return REG.test(reg) ? reg : null;
}

// ------------------------------------------------------------ the data path

/**
 * Get, check and judge one family's receipt.
 *   given   {reg, id_last4?}
 *   source  receipt-source.js: {kind, receipt(given, trustedSize),
 *           consistency(old, new, at) → proof hashes | null, context: null | () → text,
 *           latest: null | () → checkpoint note text}
 *   storage localStorage; policyText the event's tlog-policy (from config or a file).
 * Returns the page state:
 *   {phase: "unreachable", error: HttpError}
 *   {phase: "failed", result?, verdict?, error?}   nothing of the receipt's content
 *   {phase: "verified", result, verdict, latest, receiptText, beacon}
 * `latest` ({state, size}, static source only) is the published checkpoint against the
 * receipt's. The checkpoint is remembered only in the verified state.
 */
export async function runCheck(given, { source, storage, policyText }) {
  let policy;
  try {
    policy = await parsePolicy(policyText);
  } catch (e) {
    return { phase: Phase.FAILED, error: e, policyBroken: true };
  }
  const log = policy.logs[0];
  if (policy.logs.length !== 1) return { phase: Phase.FAILED, policyBroken: true };
  const trust = loadTrust(storage, log.name, log.text);
  const trusted = trust.keyChanged ? null : trust.checkpoint;
  // Static publication: its `checkpoint`, fetched beside the receipt and verified before it
  // is used, is where the tiles are read for consistency proofs (§18.2).
  const published = source.latest ? publishedCheckpoint(source, policy) : null;
  let text;
  try {
    text = await source.receipt(given, trusted ? trusted.size : null);
  } catch (e) {
    if (e instanceof HttpError) return { phase: Phase.UNREACHABLE, error: e };
    throw e;
  }
  const latestCp = await published; // null: nothing learnt
  const proofs = (at) => (oldSize, newSize) => source.consistency(oldSize, newSize, at);
  let result = await checkReceipt(text, { reg: given.reg, policy, trusted, consistencyProof: proofs(latestCp) });
  // A shard's receipt may be older than what this browser trusts (§18.3: rewritten only
  // when what it proves changes): no rollback when the published checkpoint is proved to
  // extend the trusted one and to have the receipt's as a prefix (§14.1, latestAgainst).
  let extendsTrusted = null; // true: the published checkpoint extends the trusted one; false: a fork
  if (result.evidence === "rollback" && latestCp && latestCp.size >= trusted.size) {
    extendsTrusted = await isPrefix(trusted, latestCp, proofs);
    if (extendsTrusted) result = await checkReceipt(text, { reg: given.reg, policy }); // steps 1–6, 3 not checked
  }
  let verdict = extendsTrusted === false ? { state: "bad", reason: "fork" } : verdictOfReceipt(result, trust);
  if (!result.ok) return { phase: Phase.FAILED, result, verdict };
  if (verdict.state === "bad") return { phase: Phase.FAILED, result: { ok: false, steps: result.steps }, verdict };
  // The published checkpoint must not contradict the receipt's (§14 step 3, §18.3).
  const mine = { size: result.trust.size, root: result.trust.root, rootBytes: hexToBytes(result.trust.root, 32) };
  let latest = null;
  if (source.latest) {
    latest = await latestAgainst(latestCp, mine, proofs);
    if (extendsTrusted && latest.state !== "ok") latest = { evidence: "rollback", size: latest.size }; // not proved a prefix
    if (latest.evidence) {
      return { phase: Phase.FAILED, result: { ok: false, steps: result.steps },
        verdict: { state: "bad", reason: latest.evidence } };
    }
    if (extendsTrusted) verdict = { state: "ok", reason: latestCp.size === trusted.size ? "same" : "extends" };
  }
  // The event context and its drand beacon (§14.1, §5.6), under the receipt's checkpoint;
  // tiles are read under the larger of the two verified checkpoints.
  const beacon = await beaconOf(source, policy, result,
    proofs(latestCp && latestCp.size > mine.size ? latestCp : mine));
  if (beacon.state === "failed") {
    return { phase: Phase.FAILED, result: { ok: false, steps: result.steps }, beaconFailure: beacon };
  }
  try {
    rememberCheckpoint(storage, log.name, log.text, result.trust);
  } catch (e) {
    if (e instanceof ProofError) return { phase: Phase.FAILED, result: { ok: false, steps: result.steps }, verdict: { state: "bad", reason: e.reason ?? "fork" } };
    throw e;
  }
  return { phase: Phase.VERIFIED, result, verdict, latest, receiptText: text, beacon };
}

/** The static host's `checkpoint`, verified under the policy (§12): {size, root, rootBytes} or null. */
async function publishedCheckpoint(source, policy) {
  try {
    return (await checkNote(await source.latest(), policy)).checkpoint;
  } catch {
    return null; // unreachable, unreadable or not signed: nothing learnt
  }
}

/**
 * The beacon state of a verified receipt's event: {state: "verified", rounds} | "none"
 * (rules.beacon is null) | "not-checked" (offline, no context, or not tied to the receipt's
 * checkpoint) | "failed" (with `code`, `reason`): the result is then not shown as verified.
 */
async function beaconOf(source, policy, result, consistencyProof) {
  if (!source.context) return { state: "not-checked", why: "offline" };
  let text;
  try {
    text = await source.context();
  } catch (e) {
    if (e instanceof HttpError) return { state: "not-checked", why: "unreachable" };
    throw e;
  }
  const event = result.checkpoint.origin.split("/").pop();
  const ctx = await checkContext(text, { event, policy, anchor: result.trust, consistencyProof });
  if (!ctx.ok) return { state: "failed", code: ctx.code, reason: ctx.reason };
  if (ctx.relation === "unproved") return { state: "not-checked", why: "unproved" };
  if (ctx.beacon === null) return { state: "none" };
  return { state: "verified", rounds: ctx.beacon };
}

/** The card's beacon line (§5.6): null when the event names no beacon. */
export function beaconLine(beacon, t) {
  if (!beacon || beacon.state === "none") return null;
  if (beacon.state === "verified") {
    if (beacon.rounds.length === 0) return t("c.beacon_pending");
    return t("c.beacon_ok", { rounds: beacon.rounds.map((r) => r.round).join("、") });
  }
  return t(`c.beacon_not_checked.${beacon.why}`);
}

/**
 * Is verified checkpoint `small` ({size, root hex}) a prefix of `large` ({size, root hex,
 * rootBytes})? true, false (a fork), or null (no proof from `large`'s tiles, §18.2).
 */
async function isPrefix(small, large, proofs) {
  if (small.size === large.size) return small.root === large.root;
  const proof = await proofs(large)(small.size, large.size);
  if (proof === null || proof === undefined) return null;
  try {
    await verifyConsistency(small.size, large.size, small.root, large.root, proof);
    return true;
  } catch (e) {
    if (e instanceof ProofError) return false;
    throw e;
  }
}

/**
 * The static host's verified `checkpoint` (null: nothing learnt) against the receipt's
 * checkpoint `mine` (§14 step 3, §18.3): the smaller must be a prefix of the larger.
 * Proved (or the same) → {state: "ok"}; not a prefix → {evidence: "fork"}; no proof →
 * {evidence: "rollback"} when the published one is smaller, else {state: "skipped"}.
 */
async function latestAgainst(cp, mine, proofs) {
  if (cp === null) return { state: "skipped", size: null };
  const smaller = cp.size < mine.size;
  const prefix = await isPrefix(smaller ? cp : mine, smaller ? mine : cp, proofs);
  if (prefix === false) return { evidence: "fork", size: cp.size };
  if (prefix === null) return smaller ? { evidence: "rollback", size: cp.size } : { state: "skipped", size: cp.size };
  return { state: "ok", size: cp.size };
}

// ------------------------------------------------------------------ the view

const STEP_STATE = { passed: "ok", "not checked": "skipped", "not applicable": "skipped" };

/**
 * Step 3 on the page: the verdict on what this browser trusted (which runCheck may have
 * proved through the published checkpoint, §14.1) and, with nothing trusted yet, the
 * receipt's checkpoint proved against the published one (§18.3): "ok" | "bad" | null.
 */
function consistencyState(state) {
  const v = state.verdict;
  if (v?.state === "bad") return "bad";
  if (v?.state === "ok" || (v?.reason === "first" && state.latest?.state === "ok")) return "ok";
  return null;
}

/** Each §14 step's state: ok 通过, skipped 未检查, bad 未通过 (in §14's order). */
export function stepStates(state) {
  const r = state.result;
  if (!r) return STEPS.map((step) => ({ step, state: "skipped" }));
  const failedAt = r.ok ? -1 : r.failed_step ? r.failed_step - 1 : -1;
  return STEPS.map((step, i) => {
    if (i === failedAt) return { step, state: "bad" };
    if (step === "consistency" && consistencyState(state)) return { step, state: consistencyState(state) };
    const s = r.steps?.[step];
    return { step, state: s ? STEP_STATE[s] : "skipped" };
  });
}

/** Contact lines of the event (config), shown on every card and every failure. */
export function contactOf(cfg, t) {
  const c = cfg.contact ?? {};
  const parts = [c.office, c.phone && t("c.tel", { phone: c.phone }), c.hours, c.address].filter(Boolean);
  return parts.length ? t("c.contact_line", { who: parts.join("，") }) : t("c.contact");
}

const RULE_CODES = ["P1-residence", "P1-age", "P1-graduation", "P2-second-application", "P2-district",
  "P3-defaulter", "P8-locked", "P10-not-approved"];

/**
 * The status card of a verified result, in plain Chinese: {status, tone, headline, lines,
 * rows, numberNote}. `f` is the checker's fields, `rounds` its payment rounds, `cfg` the
 * page config (dates, payment, next step). Nothing here is read from a server's words.
 */
export function statusCard(f, rounds, cfg, t) {
  const pay = cfg.payment ?? {};
  const payLines = () => [
    pay.deadline ? t("c.s.pay_by", { deadline: pay.deadline }) : t("c.s.pay_by_school"),
    pay.where ? t("c.s.pay_where", { where: pay.where }) : null,
    pay.amount ? t("c.s.pay_amount", { amount: pay.amount }) : null,
  ].filter(Boolean);
  let tone = "plain";
  let headline;
  let lines = [];
  switch (f.status) {
    case Status.REJECTED: {
      const rule = RULE_CODES.includes(f.rejection_code) ? t(`rule.${f.rejection_code}`) : f.rejection_code;
      [tone, headline] = ["warn", t("c.s.rejected")];
      lines = [t("c.s.rejected_rule", { rule }), t("c.s.rejected_note")];
      break;
    }
    case Status.ADMITTED_AWAITING_PAYMENT:
      [tone, headline] = ["good", t("c.s.admitted")];
      lines = [t("c.s.admitted_stage", { stage: t(`stage.${f.stage}`) }), ...payLines(), t("c.s.pay_or_lose")];
      break;
    case Status.CONFIRMED:
      tone = "good";
      headline = f.promotion ? t("c.s.promoted_confirmed", { n: f.promotion.round }) : t("c.s.confirmed");
      lines = [f.promotion ? t("c.s.promoted_line", { n: f.promotion.round, w: f.promotion.waiting })
        : t("c.s.admitted_stage", { stage: t(`stage.${f.stage}`) }), t("c.s.confirmed_line")];
      break;
    case Status.PROMOTED_AWAITING_PAYMENT:
      [tone, headline] = ["good", t("c.s.promoted", { n: f.promotion.round })];
      lines = [t("c.s.promoted_line", { n: f.promotion.round, w: f.promotion.waiting }), ...payLines(), t("c.s.pay_or_lose")];
      break;
    case Status.FORFEITED_UNPAID:
      [tone, headline] = ["warn", t("c.s.forfeited_unpaid")];
      lines = [t("c.s.forfeited_line", { n: f.forfeits[0].round })];
      break;
    case Status.FORFEITED_DECLINED:
      [tone, headline] = ["warn", t("c.s.forfeited_declined")];
      lines = [t("c.s.declined_line", { n: f.forfeits[0].round })];
      break;
    case Status.WAITING:
      headline = t("c.s.waiting", { n: f.waiting });
      lines = [t("c.s.waiting_draw", { n: f.waiting })];
      if (rounds.length === 0) lines.push(t("c.s.waiting_no_round"));
      for (const r of rounds) lines.push(t("c.s.waiting_round", { n: r.round, forfeits: r.forfeits, locks: r.locks }));
      if (rounds.length) lines.push(t("c.s.waiting_not_yet"));
      break;
    case Status.NOT_ADMITTED:
      headline = t("c.s.not_admitted");
      lines = [f.lock ? t("c.s.locked_line", { n: f.lock.round })
        : f.waiting !== null ? t("c.s.closed_line", { n: f.waiting }) : t("c.s.no_waiting_line"),
      cfg.next_step ? t("c.s.next_step", { step: cfg.next_step }) : t("c.s.next_step_default")];
      break;
    case Status.GROUPED:
      [tone, headline] = ["good", t("c.s.grouped")];
      break;
    default:
      headline = t("c.s.unknown");
  }
  if (f.class) lines.push(f.teacher ? t("c.s.class_teacher", { class: f.class, teacher: f.teacher.name })
    : t("c.s.class_only", { class: f.class }));
  const rows = [];
  const row = (key, value, mono = false) => {
    if (value !== null && value !== undefined && value !== "") rows.push({ key, label: t(key), value: String(value), mono });
  };
  row("c.name", f.name);
  row("c.reg", f.reg);
  row("c.school", f.school_name ? `${f.school_name}（${f.school}）` : f.school);
  if (f.stage) row("c.stage", t(`stage.${f.stage}`));
  if (f.rank) row("c.rank", t("c.nth", { n: f.rank }));
  if (f.waiting !== null && f.waiting !== undefined && f.outcome === "not_admitted") row("c.waiting", t("c.nth", { n: f.waiting }));
  row("c.class", f.class);
  if (f.teacher) row("c.teacher", f.teacher.name);
  if (f.number) row("c.number", `${f.number.slice(0, 16)}…`, true);
  if (f.cutoff) row("c.cutoff", `${f.cutoff.slice(0, 16)}…`, true);
  return { status: f.status, tone, headline, lines, rows, numberNote: f.number ? t("c.number_note") : null };
}

/** How many listed witnesses cosigned what was verified, and whether the quorum is met. */
export function witnessLine(w, t) {
  const n = w.cosigned.length;
  return {
    text: n === 0 ? t("c.w.none") : t("c.w.count", { n }),
    quorum: w.quorum_met ? t("c.w.quorum_met") : t("c.w.quorum_not_met"),
    met: w.quorum_met,
    names: w.cosigned.map((c) => c.witness),
  };
}

function failureOf(state, t, cfg) {
  const v = state.verdict;
  const contact = contactOf(cfg, t);
  if (v && v.state === "bad") return { text: t(`c.fail.${v.reason}`), contact: `${t("c.contact_warning")} ${contact}`, loud: true };
  if (state.policyBroken) return { text: t("c.fail.policy"), contact, loud: false };
  if (state.beaconFailure) return { text: t(`c.fail.context_${state.beaconFailure.code}`), contact, loud: true };
  const r = state.result;
  const key = r?.step ?? "unexpected";
  return { text: t(`c.fail.${key}`), contact, loud: false };
}

function technicalOf(state) {
  const lines = [];
  const r = state.result;
  if (r && !r.ok && r.reason) lines.push(`step ${r.failed_step} ${r.step}: ${r.reason} (PROTOCOL.md §${r.section})`);
  if (state.error) lines.push(state.error instanceof Error ? `${state.error.name}: ${state.error.message}` : String(state.error));
  if (state.verdict) lines.push(`consistency (PROTOCOL.md §12, §14): ${state.verdict.reason}`);
  if (state.beaconFailure) lines.push(`event context ${state.beaconFailure.code} (PROTOCOL.md §14.1, §5.6): ${state.beaconFailure.reason}`);
  for (const b of state.beacon?.rounds ?? []) lines.push(`beacon: ${b.ceremony} round ${b.round} randomness ${b.randomness}`);
  if (r?.ok) {
    if (r.fields.number) lines.push(`number: ${r.fields.number}`);
    if (r.fields.cutoff) lines.push(`cutoff: ${r.fields.cutoff}`);
    lines.push(`checkpoint: ${r.checkpoint.origin} ${r.checkpoint.size} ${r.checkpoint.root}`);
    for (const c of r.witnesses.cosigned) lines.push(`cosigned: ${c.witness} at ${c.timestamp}`);
    if (state.latest?.size !== null && state.latest?.size !== undefined) lines.push(`published checkpoint: ${state.latest.size}`);
  }
  return lines;
}

/**
 * What the page shows for a state: `message` (form-level), `status`, `card` (verified
 * only), `witnesses`, `failure`, `steps`, `technical` lines, `announce` (aria-live),
 * `contact` (always, once anything is shown).
 */
export function checkView(state, t, cfg = {}) {
  const view = { message: null, status: null, card: null, witnesses: null, failure: null,
    steps: [], technical: [], announce: null, contact: null };
  if (state.phase === Phase.IDLE) return view;
  view.contact = contactOf(cfg, t);
  if (state.phase === Phase.UNREACHABLE) {
    view.message = { kind: "error", text: `${httpErrorText(t, state.error)} ${view.contact}` };
    view.announce = view.message.text;
    return view;
  }
  if (state.phase === Phase.BEFORE_DRAW) {
    const date = cfg.dates?.results;
    view.card = { status: "before-draw", tone: "plain", headline: t("c.s.before_draw"),
      lines: [date ? t("c.s.before_draw_date", { date }) : t("c.s.before_draw_soon"), t("c.s.before_draw_note")],
      rows: [], numberNote: null };
    view.status = { tone: "info", text: t("c.not_yet_verified") };
    view.announce = `${view.card.headline} ${view.card.lines[0]}`;
    return view;
  }
  view.steps = stepStates(state).map(({ step, state: s }) => ({
    step, state: s, text: t(`step.${step}`), stateText: t(`step.${s}`),
    // Nothing trusted, the published checkpoint proved: say that is why it passed.
    why: step === "consistency" && state.verdict
      ? t(`c.why.${s === "ok" && state.verdict.reason === "first" ? "published" : state.verdict.reason}`)
      : step === "number" && state.result?.steps?.number === "not applicable" ? t("c.why.no_number") : null,
  }));
  if (state.phase === Phase.CHECKING) {
    view.status = { tone: "info", text: t("c.checking") };
    return view;
  }
  view.technical = technicalOf(state);
  if (state.phase === Phase.FAILED) {
    view.failure = failureOf(state, t, cfg);
    view.status = { tone: "bad", text: t("c.fail.title") };
    view.announce = `${t("c.fail.title")} ${view.failure.text}`;
    return view;
  }
  const r = state.result;
  view.card = statusCard(r.fields, r.rounds, cfg, t);
  const line = beaconLine(state.beacon, t);
  if (line) view.card.lines.push(line);
  view.witnesses = witnessLine(r.witnesses, t);
  view.status = { tone: "good", text: t("c.verified") };
  view.announce = t("c.announce", { outcome: view.card.headline });
  return view;
}
