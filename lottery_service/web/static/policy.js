// Sunshine Draw: the C2SP tlog-policy file in the browser (docs/PROTOCOL.md §13.1;
// https://c2sp.org/tlog-policy), and whether a checkpoint's cosignatures meet it.
//
// The whole grammar is read: LF-terminated lines, items separated by runs of spaces or
// tabs, blank and `#` comment lines, `log <vkey> [<url>]` (Ed25519, 0x01),
// `witness <name> <vkey> [<url>]` (0x04 Ed25519 or 0x06 ML-DSA-44),
// `group <name> all|any|<k> <member>…` (members defined on earlier lines, once each,
// never `none`; 1 ≤ k ≤ members), exactly one `quorum <name>` (defined earlier, or
// `none`). Names share one namespace with the predefined `none`; no public key twice;
// no octet below 0x20 but tab, no 0x7F; the last line ends in LF.

import { ProofError, fail } from "./errors.js";
import { KeyType, parseCheckpoint, parseNote, parseVerifierKey, verifyCosignature, verifyLogSignature } from "./note.js";
import { bytesToHex } from "./encoding.js";

const STEP = "policy";
const BAD_OCTET = /[\x00-\x08\x0a-\x1f\x7f]/;
const THRESHOLD = /^[1-9][0-9]*$/;

/**
 * Parse a tlog-policy file. Returns {logs: [key], witnesses: Map(name → key),
 * groups: Map(name → {k, members}), quorum, text}; a broken line throws ProofError
 * (step "policy") naming the line.
 */
export async function parsePolicy(text) {
  if (typeof text !== "string") fail(STEP, "13.1", "the policy is not text");
  if (text !== "" && !text.endsWith("\n")) fail(STEP, "13.1", "the last policy line does not end in a newline");
  const logs = [];
  const witnesses = new Map();
  const groups = new Map();
  const keys = new Set();
  let quorum = null;
  const lines = text.split("\n").slice(0, -1);
  for (let n = 0; n < lines.length; n++) {
    const where = `policy line ${n + 1}`;
    const bad = (why) => fail(STEP, "13.1", `${where}: ${why}`);
    if (BAD_OCTET.test(lines[n])) bad("control character");
    const items = lines[n].split(/[ \t]+/).filter((i) => i !== "");
    if (items.length === 0 || items[0].startsWith("#")) continue;
    const [word, ...args] = items;
    const defined = (name) => name === "none" || witnesses.has(name) || groups.has(name);
    const key = async (vkey, types) => {
      let k;
      try {
        k = await parseVerifierKey(vkey, types);
      } catch (e) {
        if (e instanceof ProofError) bad(`key: ${e.detail}`);
        throw e;
      }
      const id = bytesToHex(k.publicKey);
      if (keys.has(id)) bad(`key ${k.name} wraps a public key listed before`);
      keys.add(id);
      return k;
    };
    if (word === "log" && (args.length === 1 || args.length === 2)) {
      logs.push(await key(args[0], [KeyType.ED25519]));
    } else if (word === "witness" && (args.length === 2 || args.length === 3)) {
      if (defined(args[0])) bad(`name ${args[0]} is defined twice`);
      witnesses.set(args[0], await key(args[1], [KeyType.COSIGNATURE_ED25519, KeyType.MLDSA44]));
    } else if (word === "group" && args.length >= 3) {
      const [name, spelled, ...members] = args;
      if (defined(name)) bad(`name ${name} is defined twice`);
      for (const m of members) {
        if (m === "none" || !defined(m)) bad(`group member ${m} is not defined before`);
      }
      if (new Set(members).size !== members.length) bad(`group ${name} names a member twice`);
      const k = spelled === "all" ? members.length : spelled === "any" ? 1
        : THRESHOLD.test(spelled) ? Number(spelled) : 0;
      if (!(k >= 1 && k <= members.length)) bad(`group ${name}: threshold ${spelled} is not all, any or 1..${members.length}`);
      groups.set(name, { k, members });
    } else if (word === "quorum" && args.length === 1) {
      if (quorum !== null) bad("a second quorum line");
      if (!defined(args[0])) bad(`quorum ${args[0]} is not defined before`);
      quorum = args[0];
    } else {
      bad("not a log, witness, group or quorum line");
    }
  }
  if (quorum === null) fail(STEP, "13.1", "the policy has no quorum line");
  return { logs, witnesses, groups, quorum, text };
}

/** Whether the witnesses (policy names) in `cosigned` satisfy the policy's quorum (§13.1). */
export function quorumMet(policy, cosigned) {
  const met = (name) => {
    if (name === "none") return true;
    const g = policy.groups.get(name);
    if (g) return g.members.filter(met).length >= g.k;
    return cosigned.has(name);
  };
  return met(policy.quorum);
}

/** The policy's single log key (the receipt names one log), else ProofError. */
export function policyLog(policy, step = "checkpoint") {
  if (policy.logs.length !== 1) fail(step, "13.1", `the policy lists ${policy.logs.length} logs, not one`);
  return policy.logs[0];
}

/**
 * Check a checkpoint note against the policy (§12, §13.1, §14 step 2): the note parses,
 * the checkpoint text has exactly origin, size and root, the origin is the policy's log
 * key name, the log signature verifies, and every listed witness's cosignature verifies
 * where present. Returns {checkpoint, text, witnesses: {cosigned: [{witness, timestamp}],
 * not_checked: [name], quorum_met}}; every failure throws ProofError at `step`.
 */
export async function checkNote(noteText, policy, step = "checkpoint") {
  const log = policyLog(policy, step);
  const note = parseNote(noteText, step);
  const checkpoint = parseCheckpoint(note.text, step);
  if (checkpoint.extensions.length > 0) {
    fail(step, "12.2", "not a checkpoint of origin, size and root (v2 has no extension lines)");
  }
  if (checkpoint.origin !== log.name) {
    fail(step, "12.1", `origin ${checkpoint.origin} is not the policy's log origin ${log.name}`);
  }
  await verifyLogSignature(note, log, step);
  const cosigned = [];
  const notChecked = [];
  for (const name of [...policy.witnesses.keys()].sort()) {
    const r = await verifyCosignature(note, checkpoint, policy.witnesses.get(name), step);
    if (r.state === "valid") cosigned.push({ witness: name, timestamp: r.timestamp });
    else if (r.state === "not-checked") notChecked.push(name);
  }
  return {
    checkpoint, text: note.text,
    witnesses: { cosigned, not_checked: notChecked,
      quorum_met: quorumMet(policy, new Set(cosigned.map((c) => c.witness))) },
  };
}
