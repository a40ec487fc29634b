// Operator console logic, as pure functions: what a step's answer says, the dice a
// witness typed (§5.5), and an import's row errors (G2: row, field, reason).
// operate.js wires the buttons and draws.

/**
 * The answer line of one API call {status (null when it succeeded), data}: the body after
 * ✓, or `HTTP <status> <body>` for a refusal, which is marked bad.
 */
export function answer({ status, data }) {
  const body = data === null || data === undefined ? "" : JSON.stringify(data);
  if (status === null) return { text: `✓ ${body}`.trim(), bad: false };
  return { text: `HTTP ${status} ${body}`.trim(), bad: true };
}

/** The dice values typed (space or comma separated), or null unless exactly `count` of 1–6. */
export function parseDice(text, count) {
  const parts = String(text).trim().split(/[\s,]+/).filter(Boolean);
  if (parts.length !== count || parts.some((p) => !/^[1-6]$/.test(p))) return null;
  return parts.map(Number);
}

/** The rows of a refused import (HTTP 422 {errors: [{row, field, reason}]}), or null. */
export function importErrors(status, data) {
  if (status !== 422 || !data || !Array.isArray(data.errors)) return null;
  return data.errors.map((e) => [String(e.row), String(e.field), String(e.reason)]);
}
