// Sunshine Draw: audit-log entries as the in-browser checkers read them
// (docs/PROTOCOL.md v2 §11.1 entries, §11.2 entry types and bodies, §3.2 records).
//
// ENTRY_BODIES is the one JavaScript list of the §11.2 types, as data: type → body
// member → field kind. ENTRY_TYPES is its key list. The receipt checker (receipt.js)
// refuses any other type (§2.3) and the hall screen subscribes to exactly these; a test
// compares the table with PROTOCOL.md §11.2 (tests/js/entries.test.mjs), and the
// service's and verifier's lists can be compared with `ENTRY_BODIES` the same way.

import { fail } from "./errors.js";
import { base64Decode, isObject, parseCanonical } from "./encoding.js";

export const REG = /^[A-Z0-9]{4,32}$/; // §1
export const EVENT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/; // §1
export const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/; // §1 school, class, teacher, …
const HEX32 = /^[0-9a-f]{64}$/;
const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;
const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;
const CEREMONIES = ["lottery", "grouping", "teachers"];
const STAGES = ["direct", "community", "district", "city"];
const PHASES = ["registration", "lottery_ceremony", "payment", "cohort", "grouping_ceremony",
  "teachers", "teacher_ceremony"];
const TOPICS = ["draw", "payment_reminder", "promotion", "forfeit", "class"];

// Field kinds: "hex32", "reg", "id", "ceremony", "int0" (≥ 0), "int1" (≥ 1), "time",
// "time?" (or null), "int1?", "text" (non-empty string), "string", "bool", "object",
// "list", "list+" (non-empty), "b64:32" (canonical base64 of 32 bytes), "hex:48",
// "masked", "enum:a|b", "daily", "records", "rules", "origin", "vkey", "values", "int1|null".
/** §11.2: every entry type and its body members (all required, no others). */
export const ENTRY_BODIES = Object.freeze({
  event_created: { rules: "rules", rules_hash: "hex32" },
  window_set: { phase: `enum:${PHASES.join("|")}`, opens: "time", closes: "time", daily: "daily" },
  window_removed: { phase: `enum:${PHASES.join("|")}` },
  rehearsal_recorded: { event: "event", origin: "text", size: "int0", root: "hex32", key: "text" },
  locks_recorded: { count: "int0" },
  ceremony_opened: { ceremony: "ceremony", participants: "list+", participants_hash: "hex32",
    escrow_key: "b64:32", physical_entropy_by: "time?", beacon_round: "int1?" },
  eligibility_rejections: { count: "int0", root: "hex32" },
  input_records: { ceremony: "ceremony", records: "records" },
  input_frozen: { ceremony: "ceremony", root: "hex32", size: "int0" },
  input_withdrawn: { ceremony: "ceremony", reason: "text" },
  commitment: { ceremony: "ceremony", participant: "id", commitment: "hex32", escrow: "b64" },
  commitments_closed: { ceremony: "ceremony" },
  reveal: { ceremony: "ceremony", participant: "id", secret: "hex32" },
  escrow_opened: { ceremony: "ceremony", participant: "id", secret: "hex32" },
  contribution_void: { ceremony: "ceremony", participant: "id",
    reason: "enum:no-commitment|escrow-invalid|escrow-holder-absent" },
  physical_entropy: { ceremony: "ceremony", witness: "id", values: "values" },
  beacon_postponed: { ceremony: "ceremony", reason: "enum:physical-entropy-late|round-not-published",
    round: "int1", physical_entropy_by: "time", beacon_round: "int1" },
  beacon: { ceremony: "ceremony", chain: "hex32", round: "int1", randomness: "hex32", signature: "hex:48" },
  seed: { ceremony: "ceremony", seed: "hex32", input_root: "hex32", input_size: "int0" },
  escrow_key_released: { ceremony: "ceremony", private_key: "b64:32" },
  lottery_summary: { school: "id", name: "text", quota: "int0", applicants: "int0", admitted: "int0",
    returned_to_bureau: "int0", stages: "list" },
  lottery_result: { school: "id", reg: "reg", unit: "reg", outcome: "enum:admitted|not_admitted",
    stage: `enum:${STAGES.join("|")}`, rank: "int1", waiting: "int1?", cutoff: "hex32?" },
  bias_audit: { dimensions: "list" },
  forfeit: { round: "int1", reg: "reg", school: "id", reason: "enum:unpaid|declined" },
  lock: { round: "int1", reg: "reg" },
  payment_round: { round: "int1", forfeits: "int0", locks: "int0" },
  promotion: { round: "int1", school: "id", reg: "reg", unit: "reg", waiting: "int1" },
  promotions: { round: "int1", school: "id", freed: "int0", promoted: "int0", returned_to_bureau: "int0" },
  payments_closed: { rounds: "int0" },
  grouping_summary: { school: "id", exchanges: "int0", classes: "list+" },
  grouping_result: { school: "id", reg: "reg", class: "id" },
  matching_result: { school: "id", class: "id", teacher: "id", name: "masked" },
  notifications_sent: { topic: `enum:${TOPICS.join("|")}`, round: "int1?", messages: "int0" },
  correction: { refers_to: "int0", reason: "text" },
  published: { ceremony: "ceremony" },
});
for (const body of Object.values(ENTRY_BODIES)) Object.freeze(body);
export const ENTRY_TYPES = Object.freeze(Object.keys(ENTRY_BODIES));

/** §3.2 input records: type → members (each list in `input_records` is checked member for member). */
export const RECORD_MEMBERS = Object.freeze({
  school: ["type", "id", "name", "district", "authority", "tuition", "quota", "community_quota", "nine_year"],
  applicant: ["type", "reg", "name", "school", "district", "reg_day", "direct", "community", "unit", "attrs"],
  pupil: ["type", "reg", "name", "school", "attrs", "siblings", "same_name"],
  "class-plan": ["type", "school", "name", "classes"],
  teacher: ["type", "school", "id", "name"],
});

const STEP = "entry";

function validTime(v) {
  const m = TIME.exec(v);
  if (!m) return false;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d &&
    h < 24 && mi < 60 && s < 60;
}

const isInt = (v, min) => Number.isSafeInteger(v) && v >= min;

/** Check one body member of `kind`; ProofError step "entry" names it. */
function checkField(v, kind, where) {
  const bad = (why) => fail(STEP, "11.2", `${where}: ${why}`);
  const nullable = kind.endsWith("?");
  if (nullable && v === null) return;
  const k = nullable ? kind.slice(0, -1) : kind;
  if (k.startsWith("enum:")) {
    if (!k.slice(5).split("|").includes(v)) bad(`not one of ${k.slice(5).split("|").join(", ")}`);
    return;
  }
  switch (k) {
    case "hex32": if (typeof v !== "string" || !HEX32.test(v)) bad("not a hex32"); return;
    case "hex:48": if (typeof v !== "string" || !/^[0-9a-f]{96}$/.test(v)) bad("not 48 bytes of hex"); return;
    case "reg": if (typeof v !== "string" || !REG.test(v)) bad("not a reg"); return;
    case "id": if (typeof v !== "string" || !ID.test(v)) bad("not an id"); return;
    case "event": if (typeof v !== "string" || !EVENT_ID.test(v)) bad("not an event id"); return;
    case "ceremony": if (!CEREMONIES.includes(v)) bad(`not one of ${CEREMONIES.join(", ")}`); return;
    case "int0": if (!isInt(v, 0)) bad("not an integer ≥ 0"); return;
    case "int1": if (!isInt(v, 1)) bad("not an integer ≥ 1"); return;
    case "time": if (typeof v !== "string" || !validTime(v)) bad("not a time YYYY-MM-DDTHH:MM:SSZ"); return;
    case "text": case "masked": if (typeof v !== "string" || v === "") bad("not a non-empty string"); return;
    case "list": if (!Array.isArray(v)) bad("not a list"); return;
    case "list+": if (!Array.isArray(v) || v.length === 0) bad("not a non-empty list"); return;
    case "b64": base64Decode(v, STEP, "1"); return;
    case "b64:32": if (base64Decode(v, STEP, "1").length !== 32) bad("not 32 bytes"); return;
    case "values":
      if (!Array.isArray(v) || v.length === 0) bad("not a non-empty list");
      v.forEach((x, i) => { if (![1, 2, 3, 4, 5, 6].includes(x)) bad(`[${i}] not one of 1, 2, 3, 4, 5, 6`); });
      return;
    case "daily":
      if (v === null) return;
      exact(v, ["from", "to"], where);
      for (const key of ["from", "to"]) if (typeof v[key] !== "string" || !CLOCK.test(v[key])) bad(`${key} not a clock time HH:MM`);
      return;
    case "rules":
      if (!isObject(v)) bad("not an object");
      if (v.version !== 2) fail(STEP, "3.1", `${where}: version ${v.version} is not supported (v2 only)`);
      return;
    case "records":
      if (!Array.isArray(v) || v.length === 0) bad("empty");
      v.forEach((r, i) => {
        const names = isObject(r) ? RECORD_MEMBERS[r.type] : undefined;
        if (!names) bad(`[${i}] is not a §3.2 record`);
        exact(r, names, `${where}[${i}]`);
      });
      return;
    default: bad(`unknown field kind ${k}`);
  }
}

function exact(obj, names, where) {
  if (!isObject(obj)) fail(STEP, "11.2", `${where} is not an object`);
  for (const n of names) if (!(n in obj)) fail(STEP, "11.2", `${where}: missing member ${n}`);
  for (const n of Object.keys(obj)) if (!names.includes(n)) fail(STEP, "2.3", `${where}: unknown member ${n}`);
}

/** Check a §11.2 body member for member, then the rules stated beside the table. */
export function checkBody(type, body) {
  const kinds = ENTRY_BODIES[type];
  if (!kinds) fail(STEP, "2.3", `unknown entry type ${type}`);
  exact(body, Object.keys(kinds), "body");
  for (const [name, kind] of Object.entries(kinds)) checkField(body[name], kind, `body.${name}`);
  if (type === "window_set" && !(body.closes > body.opens)) fail(STEP, "11.3", "closes is not after opens");
  if (type === "notifications_sent" &&
      (body.round !== null) !== (body.topic === "promotion" || body.topic === "forfeit")) {
    fail(STEP, "11.2", "round is set exactly for topics promotion and forfeit");
  }
}

/**
 * Parse one logged entry: canonical JSON (§2.3), the §11.1 envelope {v: 2, event, seq,
 * time, type, body}, a known type and its body. `index` and `event`, when given, must be
 * the entry's seq and event. Throws ProofError step "entry".
 */
export function parseEntry(text, index, event) {
  const entry = parseCanonical(text, STEP, "2.3");
  if (isObject(entry) && entry.v === 1) fail(STEP, "11.1", "version 1 is not supported");
  exact(entry, ["v", "event", "seq", "time", "type", "body"], "entry");
  if (entry.v !== 2) fail(STEP, "11.1", `entry version ${entry.v} is not 2`);
  checkField(entry.event, "event", "entry.event");
  checkField(entry.seq, "int0", "entry.seq");
  checkField(entry.time, "time", "entry.time");
  if (typeof entry.type !== "string" || !(entry.type in ENTRY_BODIES)) {
    fail(STEP, "2.3", `unknown entry type ${entry.type}`);
  }
  checkBody(entry.type, entry.body);
  if (event !== undefined && entry.event !== event) fail(STEP, "11.1", `entry of event ${entry.event}, not ${event}`);
  if (index !== undefined && entry.seq !== index) fail(STEP, "11.1", `entry at index ${index} has seq ${entry.seq}`);
  return entry;
}
