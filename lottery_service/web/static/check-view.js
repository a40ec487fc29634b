// Parents' page logic (docs/PROTOCOL.md §14): one verified data path, as pure functions.
//
// runCheck() is the only way a result reaches the page: it fetches the proof, checks
// it here (proof.js), judges its checkpoint with the shared policy (trust.js) and
// only then returns a state holding the checker's own output. checkView() turns a
// state into what the page draws; the outcome, rank, waiting position, class and
// head teacher on the card come from `state.verified` (the checker's return value)
// and nothing else. The look-up (POST /lookup) is asked only after the proof passed,
// for display names of the verified school and teacher ids, and to say so when it
// disagrees with the proof; its outcome is never drawn. check.js draws the view.

import { ProofError } from "./errors.js";
import { HttpError, httpErrorText } from "./page.js";
import { checkProof } from "./proof.js";
import { judge, loadTrust, rememberCheckpoint, verdictOfError } from "./trust.js";

/** The steps a family sees, in §14's order. */
export const STEPS = Object.freeze(["input", "signature", "consistency", "inclusion", "roster", "number", "outcome"]);
// The checker's ProofError steps, grouped into the steps above.
const STEP_OF = {
  input: "input", reg: "input", key: "signature", signature: "signature", browser: "signature",
  checkpoint: "signature", consistency: "consistency", inclusion: "inclusion", entry: "inclusion",
  entries: "inclusion", roster: "roster", number: "number", outcome: "outcome",
};

export const Phase = Object.freeze({
  IDLE: "idle", CHECKING: "checking", UNREACHABLE: "unreachable", FAILED: "failed",
  VERIFIED: "verified",
});

const REG = /^[A-Z0-9]{4,32}$/; // §1
const LAST4 = /^[0-9]{3}[0-9X]$/;

/** {reg, id_last4} as typed by a family (trimmed, upper case), or null when malformed. */
export function credentials(regText, last4Text) {
  const reg = String(regText ?? "").trim().toUpperCase();
  const last4 = String(last4Text ?? "").trim().toUpperCase();
  return REG.test(reg) && LAST4.test(last4) ? { reg, id_last4: last4 } : null;
}

// ------------------------------------------------------------ the data path

/**
 * Fetch, check and judge one family's proof. `post(path, body)` returns parsed
 * JSON or throws HttpError; `storage` is localStorage. Returns the page state:
 *   {phase: "unreachable", error: HttpError}
 *   {phase: "failed", error?, verdict?}          nothing of the proof's content
 *   {phase: "verified", verified, verdict, labels, mismatch}
 * The checkpoint is remembered only in the verified state.
 */
export async function runCheck({ reg, id_last4 }, { post, storage, event, logKey }) {
  const trust = loadTrust(storage, event, logKey);
  const trusted = trust.keyChanged ? null : trust.checkpoint;
  const body = { reg, id_last4 };
  if (trusted !== null) body.trusted_size = trusted.size;
  let proof;
  try {
    proof = await post("/proof", body);
  } catch (e) {
    if (e instanceof HttpError) return { phase: Phase.UNREACHABLE, error: e };
    throw e;
  }
  let verified;
  try {
    verified = await checkProof(proof, { reg, pinnedKey: logKey, trustedCheckpoint: trusted });
  } catch (e) {
    const later = e instanceof ProofError && e.consistency !== undefined;
    const verdict = later ? judge(e.consistency, { keyChanged: trust.keyChanged }) : verdictOfError(e);
    return { phase: Phase.FAILED, error: e, verdict };
  }
  const verdict = judge(verified.consistency, { keyChanged: trust.keyChanged });
  if (verdict.state === "bad") return { phase: Phase.FAILED, verdict }; // rollback, key change
  try {
    rememberCheckpoint(storage, event, logKey, { size: verified.checkpointSize, root: verified.checkpointRoot });
  } catch (e) {
    return { phase: Phase.FAILED, error: e, verdict: verdictOfError(e) };
  }
  let lookup = null;
  try {
    lookup = await post("/lookup", { reg, id_last4 });
  } catch {
    lookup = null; // names are optional; the verified result stands without them
  }
  return { phase: Phase.VERIFIED, verified, verdict, labels: labelsFor(verified, lookup),
    mismatch: mismatchOf(verified, lookup) };
}

const name = (v) => (typeof v === "string" && v !== "" ? v : null);

/** Display names from the look-up, only for the ids the proof verified. */
export function labelsFor(verified, lookup) {
  if (lookup === null || typeof lookup !== "object") return { schoolName: null, teacherName: null };
  return {
    schoolName: verified.school !== null && lookup.school === verified.school ? name(lookup.school_name) : null,
    teacherName: verified.teacher !== null && lookup.teacher === verified.teacher ? name(lookup.teacher_name) : null,
  };
}

// look-up member → checker member (lottery_service/lookup.py ApplicantResult.to_json)
const COMPARED = {
  reg: "reg", name: "name", school: "school", outcome: "outcome", stage: "stage", rank: "rank",
  waiting: "waiting", number: "number", cutoff: "cutoff", promoted_round: "promotedRound",
  forfeited: "forfeited", class: "class", teacher: "teacher",
};

/** The look-up members that disagree with the verified result ([] when all agree; null without a look-up). */
export function mismatchOf(verified, lookup) {
  if (lookup === null || typeof lookup !== "object") return null;
  return Object.entries(COMPARED).filter(([from, to]) => (lookup[from] ?? null) !== (verified[to] ?? null))
    .map(([from]) => from);
}

// ------------------------------------------------------------------ the view

/** Each step's state: 通过 ok, 未检查 skipped, 未通过 bad (§14 order). */
export function stepStates(state) {
  if (state.phase !== Phase.FAILED && state.phase !== Phase.VERIFIED) {
    return STEPS.map((step) => ({ step, state: "skipped" }));
  }
  const consistency = state.verdict ? state.verdict.state : "skipped";
  const e = state.error;
  if (e === undefined) {
    return STEPS.map((step) => ({ step, state: step === "consistency" ? consistency : "ok" }));
  }
  if (!(e instanceof ProofError)) return STEPS.map((step) => ({ step, state: "skipped" }));
  const at = STEPS.indexOf(STEP_OF[e.step] ?? "input");
  const failed = e.step === "browser" ? "skipped" : "bad"; // could not run is not failed
  return STEPS.map((step, i) => {
    if (i > at) return { step, state: "skipped" };
    if (i === at) return { step, state: failed };
    return { step, state: step === "consistency" ? consistency : "ok" };
  });
}

const short = (hex) => (hex ? `${hex.slice(0, 16)}…` : null);

/** The result card, built from the checker's verified output only (plus names for its ids). */
export function resultCard(v, labels, t) {
  const stage = v.stage ? t(`stage.${v.stage}`) : null;
  let tone = "plain";
  let headline;
  let note;
  if (v.outcome === null) {
    [headline, note] = [t("c.outcome.none"), t("c.note.none")];
  } else if (v.outcome === "admitted" && v.forfeited) {
    [tone, headline, note] = ["warn", t("c.outcome.forfeited"), t("c.note.forfeited")];
  } else if (v.outcome === "admitted" && v.promotedRound !== null) {
    [tone, headline, note] = ["good", t("c.outcome.promoted"), t("c.note.promoted", { n: v.promotedRound })];
  } else if (v.outcome === "admitted") {
    [tone, headline, note] = ["good", t("c.outcome.admitted"), t("c.note.admitted", { stage })];
  } else if (v.waiting !== null) {
    [headline, note] = [t("c.outcome.waiting", { n: v.waiting }), t("c.note.waiting")];
  } else {
    [headline, note] = [t("c.outcome.not_admitted"), t("c.note.not_admitted")];
  }
  const rows = [];
  const row = (key, value, mono = false) => {
    if (value !== null && value !== undefined && value !== "") rows.push({ key, label: t(key), value: String(value), mono });
  };
  row("c.name", v.name);
  row("c.reg", v.reg);
  row("c.school", labels.schoolName ? `${labels.schoolName}（${v.school}）` : v.school);
  row("c.stage", stage);
  row("c.rank", v.rank === null ? null : t("c.nth", { n: v.rank }));
  if (v.outcome === "not_admitted") row("c.waiting", v.waiting === null ? null : t("c.nth", { n: v.waiting }));
  row("c.class", v.class);
  row("c.teacher", labels.teacherName ? `${labels.teacherName}（${v.teacher}）` : v.teacher);
  row("c.number", short(v.number), true);
  row("c.cutoff", short(v.cutoff), true);
  return { tone, headline, note, rows, numberNote: v.number ? t("c.number_note") : null };
}

function failureOf(state, t) {
  const v = state.verdict ?? verdictOfError(state.error);
  if (v && v.state === "bad") {
    return { text: t(`c.fail.${v.reason}`), contact: t("c.contact_warning"), loud: true };
  }
  const e = state.error;
  if (e instanceof ProofError && e.step === "browser") return { text: t("c.fail.browser"), contact: null, loud: false };
  if (e instanceof ProofError) {
    const key = e.step === "reg" ? "reg" : STEP_OF[e.step] ?? "input";
    return { text: t(`c.fail.${key}`), contact: t("c.contact"), loud: false };
  }
  return { text: t("c.fail.unexpected"), contact: t("c.contact"), loud: false };
}

function technicalOf(state) {
  const lines = [];
  const e = state.error;
  if (e !== undefined) lines.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  if (state.verdict) lines.push(`consistency (PROTOCOL.md §12, §14): ${state.verdict.reason}`);
  const v = state.verified;
  if (v) {
    if (v.number) lines.push(`number: ${v.number}`);
    if (v.cutoff) lines.push(`cutoff: ${v.cutoff}`);
    lines.push(`checkpoint: ${v.checkpointSize} ${v.checkpointRoot}`);
  }
  return lines;
}

/**
 * What the page shows for a state: `message` (form-level, e.g. wrong number), `status`,
 * `card` (verified only), `failure`, `mismatch`, `steps`, `technical` lines, `announce`
 * (for the aria-live region).
 */
export function checkView(state, t) {
  const view = { message: null, status: null, card: null, failure: null, mismatch: null,
    steps: [], technical: [], announce: null };
  if (state.phase === Phase.IDLE) return view;
  if (state.phase === Phase.UNREACHABLE) {
    view.message = { kind: "error", text: httpErrorText(t, state.error) };
    return view;
  }
  view.steps = stepStates(state).map(({ step, state: s }) => ({
    step, state: s, text: t(`step.${step}`), stateText: t(`step.${s}`),
    why: step === "consistency" && state.verdict ? t(`c.why.${state.verdict.reason}`) : null,
  }));
  if (state.phase === Phase.CHECKING) {
    view.status = { tone: "info", text: t("c.checking") };
    return view;
  }
  view.technical = technicalOf(state);
  if (state.phase === Phase.FAILED) {
    view.failure = failureOf(state, t);
    view.status = { tone: "bad", text: t("c.fail.title") };
    view.announce = `${t("c.fail.title")} ${view.failure.text}`;
    return view;
  }
  view.card = resultCard(state.verified, state.labels, t);
  view.status = { tone: "good", text: t("c.verified") };
  view.announce = t("c.announce", { outcome: view.card.headline });
  if (state.mismatch && state.mismatch.length > 0) view.mismatch = t("c.mismatch");
  return view;
}
