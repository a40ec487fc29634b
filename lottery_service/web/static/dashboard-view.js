// Supervisors' dashboard logic (docs/PROTOCOL.md §12), as pure functions: what the
// cosign checks say, judged with the same trusted-checkpoint policy as the parents'
// page (trust.js). dashboard.js does the fetching, the signing and the drawing.

import { Reason } from "./trust.js";

const TEXT = {
  [Reason.FIRST]: "w.first_seen", [Reason.SAME]: "w.same", [Reason.EXTENDS]: "w.grew",
  [Reason.ROLLBACK]: "w.older", [Reason.FORK]: "w.fork", [Reason.KEY_CHANGED]: "w.key_changed",
};

/**
 * The consistency line of the cosign checks for a trust verdict {state, reason}:
 * {state, text}. `trusted` and `served` are the checkpoints compared ({size, root}).
 */
export function trustCheck(verdict, trusted, served, t) {
  const vars = {
    size: verdict.reason === Reason.FORK && trusted ? trusted.size : served.size,
    old: trusted ? trusted.size : null,
    new: served.size,
  };
  return { state: verdict.state, text: t(TEXT[verdict.reason], vars) };
}

/**
 * Why this witness key may not cosign for the event, as a string key of api/i18n.py,
 * or null when it may: it must be registered under its name with this very key.
 */
export function witnessProblem(registered, key) {
  const known = registered[key.name];
  if (known === undefined) return "w.not_registered";
  if (known !== key.witnessKey) return "w.other_key";
  return null;
}

/** Cosignatures on a checkpoint note: signature lines not by the log key itself, whose
 * name is the log origin (§12.1). */
export function cosignatureCount(note, logName) {
  const block = note.slice(note.lastIndexOf("\n\n") + 2, -1).split("\n");
  return block.filter((line) => line !== "" && !line.startsWith(`\u2014 ${logName} `)).length;
}
