// Audit-log entries (lottery_service/web/static/entries.js, PROTOCOL.md v2 §11): the one JS list of
// entry types and bodies equals the §11.2 table of PROTOCOL.md itself, every valid entry
// of tests/vectors/log_entries.json parses and every invalid one is refused.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { ENTRY_BODIES, ENTRY_TYPES, parseEntry } from "../../lottery_service/web/static/entries.js";
import { REPO, VECTORS, readJSON, throwsAt } from "./support.mjs";

const DOC = readJSON(join(VECTORS, "log_entries.json"));

/** Top-level member names of a body written as `{"a": …, "b": {…}, …}` in PROTOCOL.md. */
function topLevelKeys(text) {
  const keys = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
    else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (depth === 1 && /^\s*:/.test(text.slice(end + 1))) keys.push(text.slice(i + 1, end));
      i = end;
    }
  }
  return keys;
}

/** §11.2's table (and §7.4's two bodies it refers to): type → sorted member names. */
function specTable() {
  const doc = readFileSync(join(REPO, "docs", "PROTOCOL.md"), "utf-8");
  const section = doc.slice(doc.indexOf("### 11.2"), doc.indexOf("### 11.3"));
  const out = {};
  for (const line of section.split("\n")) {
    const m = /^\| ((?:`[a-z_]+`(?:, )?)+) \| (.*) \|$/.exec(line);
    if (!m) continue;
    const types = [...m[1].matchAll(/`([a-z_]+)`/g)].map((x) => x[1]);
    let body = m[2];
    if (body === "§7.4") {
      const s74 = doc.slice(doc.indexOf("### 7.4"), doc.indexOf("### 7.5"));
      const blocks = s74.split("\n\n").filter((b) => b.startsWith("    {"));
      body = blocks[types[0] === "lottery_summary" ? 0 : 1];
    }
    for (const t of types) out[t] = topLevelKeys(body.replace(/`/g, "")).sort();
  }
  return out;
}

test("ENTRY_BODIES is PROTOCOL.md §11.2, type for type and member for member", () => {
  const spec = specTable();
  assert.equal(Object.keys(spec).length, 35);
  assert.deepEqual([...ENTRY_TYPES].sort(), Object.keys(spec).sort());
  for (const [type, members] of Object.entries(spec)) {
    assert.deepEqual(Object.keys(ENTRY_BODIES[type]).sort(), members, type);
  }
  assert.ok(Object.isFrozen(ENTRY_BODIES) && Object.isFrozen(ENTRY_BODIES.lock) && Object.isFrozen(ENTRY_TYPES));
});

test("every valid entry of log_entries.json parses, at its seq and event", () => {
  assert.ok(DOC.valid.length >= 33);
  for (const c of DOC.valid) {
    const e = JSON.parse(c.entry);
    assert.deepEqual(JSON.parse(JSON.stringify(parseEntry(c.entry, e.seq, e.event).body)), c.body, c.name);
    throwsAt(() => parseEntry(c.entry, e.seq + 1, e.event), "entry");
    throwsAt(() => parseEntry(c.entry, e.seq, "other-event"), "entry");
  }
});

test("every invalid entry of log_entries.json is refused", () => {
  assert.ok(DOC.invalid.length >= 30);
  for (const c of DOC.invalid) throwsAt(() => parseEntry(c.entry), "entry");
});

test("every entry of receipt_log parses", () => {
  const lines = readFileSync(join(VECTORS, "receipt_log", "entries.jsonl"), "utf-8").trimEnd().split("\n");
  let n = 0;
  for (const [i, line] of lines.entries()) {
    parseEntry(line, i);
    n++;
  }
  assert.ok(n > 70);
});
