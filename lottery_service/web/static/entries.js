// Sunshine Draw: audit-log entries as the in-browser checkers read them
// (docs/PROTOCOL.md §11.1 entries, §11.2 entry types and bodies).
//
// ENTRY_TYPES is the one JavaScript list of the §11.2 types: the §14 checker
// (proof.js) refuses any other (§2.3), and the hall screen (ceremony-model.js)
// subscribes to exactly these.

import { fail } from "./errors.js";
import { hexToBytes, int, isObject, members, parseCanonical, str } from "./encoding.js";
import { HASH_SIZE } from "./merkle.js";

export const ENTRY_TYPES = Object.freeze([
  "event_created", "ceremony_opened", "eligibility_rejections", "input_records",
  "input_frozen", "commitment", "commitments_closed", "reveal", "escrow_opened",
  "contribution_void", "physical_entropy", "beacon", "seed", "lottery_results",
  "bias_audit", "payment_round", "promotions", "payments_closed", "grouping_results",
  "matching_results", "notifications_sent", "correction", "published",
  "escrow_key_released",
]);
const KNOWN = new Set(ENTRY_TYPES);
export const REG = /^[A-Z0-9]{4,32}$/; // §1
export const EVENT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/; // §1

/**
 * Parse one logged entry: canonical JSON (§2.3), the §11.1 envelope of event
 * `event` at `index`, a known type, and (for the types a checker reads) its
 * §11.2 body member for member. Throws ProofError step "entry".
 */
export function parseEntry(text, index, event) {
  const entry = parseCanonical(text, "entry", "2.3");
  members(entry, ["v", "event", "seq", "time", "type", "body"], "entry", "entry", "11.1");
  if (entry.v !== 1) fail("entry", "11.1", "entry version is not 1");
  if (entry.event !== event) fail("entry", "11.1", `entry of event ${entry.event}, not ${event}`);
  if (entry.seq !== index) fail("entry", "11.1", `entry seq ${entry.seq} at index ${index}`);
  if (!KNOWN.has(entry.type)) fail("entry", "2.3", `unknown entry type ${entry.type}`);
  checkBody(entry);
  return entry;
}

/** §11.2 bodies the §14 checker reads, member for member; other types need an object. */
function checkBody(entry) {
  const b = entry.body;
  const s = "11.2";
  const step = "entry";
  switch (entry.type) {
    case "input_frozen":
      members(b, ["ceremony", "root", "size"], "input_frozen body", step, s);
      hexToBytes(b.root, HASH_SIZE, step, s);
      int(b.size, "input_frozen size", step, s);
      break;
    case "seed":
      members(b, ["ceremony", "seed"], "seed body", step, s);
      hexToBytes(b.seed, HASH_SIZE, step, s);
      break;
    case "lottery_results":
      members(b, ["school", "part", "parts", "summary", "records"], "lottery_results body", step, s);
      if (!Array.isArray(b.records)) fail(step, s, "lottery_results records is not a list");
      for (const r of b.records) {
        members(r, ["reg", "number", "unit", "outcome", "stage", "rank", "waiting"], "lottery record", step, s);
        str(r.reg, "record reg", step, s, REG);
        str(r.unit, "record unit", step, s, REG);
        hexToBytes(r.number, HASH_SIZE, step, s);
        if (r.outcome !== "admitted" && r.outcome !== "not_admitted") fail(step, s, "unknown outcome");
        int(r.rank, "rank", step, s, 1);
        if (r.waiting !== null) int(r.waiting, "waiting", step, s, 1);
      }
      if (b.summary !== null) {
        members(b.summary, ["quota", "returned_to_bureau", "stages"], "lottery summary", step, s);
        if (!Array.isArray(b.summary.stages)) fail(step, s, "summary stages is not a list");
        for (const st of b.summary.stages) {
          members(st, ["stage", "seats", "applicants", "admitted", "lottery", "cutoff"], "summary stage", step, s);
          if (st.cutoff !== null) hexToBytes(st.cutoff, HASH_SIZE, step, s);
          if (typeof st.lottery !== "boolean") fail(step, s, "summary stage lottery is not a boolean");
        }
      }
      break;
    case "payment_round":
      members(b, ["round", "forfeited", "locked_elsewhere"], "payment_round body", step, s);
      if (!Array.isArray(b.forfeited) || !Array.isArray(b.locked_elsewhere)) fail(step, s, "payment_round lists");
      break;
    case "promotions":
      members(b, ["round", "school", "promoted", "returned_to_bureau"], "promotions body", step, s);
      int(b.round, "promotions round", step, s, 1);
      if (!Array.isArray(b.promoted)) fail(step, s, "promotions promoted is not a list");
      break;
    case "grouping_results":
      members(b, ["school", "part", "parts", "records"], "grouping_results body", step, s);
      if (!Array.isArray(b.records)) fail(step, s, "grouping_results records is not a list");
      for (const r of b.records) members(r, ["reg", "class"], "grouping record", step, s);
      break;
    case "matching_results":
      members(b, ["school", "pairs"], "matching_results body", step, s);
      if (!Array.isArray(b.pairs)) fail(step, s, "matching_results pairs is not a list");
      for (const p of b.pairs) members(p, ["class", "teacher"], "matching pair", step, s);
      break;
    default:
      if (!isObject(b)) fail(step, s, "entry body is not an object");
  }
}
