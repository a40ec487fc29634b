// browser_verify_ms: the parents' page's receipt checker (lottery_service/web/static/receipt.js,
// PROTOCOL.md §14 steps 1–6) verifying one real receipt in Node — the vectors' `admitted`
// receipt (tests/vectors/receipts.json) under its tlog-policy, nothing trusted yet.
// Median of N runs (default 50); `_cold_ms` is the first run, as a page that checks once
// sees it (module loading excluded). Prints one JSON object.
// Usage: node bench/browser_verify.mjs [runs]   (run by bench/browser_verify.py)

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { parsePolicy } from "../lottery_service/web/static/policy.js";
import { checkReceipt } from "../lottery_service/web/static/receipt.js";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");
const VECTORS = join(REPO, "tests", "vectors");
const doc = JSON.parse(readFileSync(join(VECTORS, "receipts.json"), "utf-8"));
const policyText = readFileSync(join(VECTORS, "receipt_log", "policy"), "utf-8");
const runs = Number(process.argv[2] ?? 50);
const c = doc.cases.find((x) => x.name === "admitted");

const times = [];
for (let i = 0; i < runs; i++) {
  const start = performance.now();
  const policy = await parsePolicy(policyText);
  const result = await checkReceipt(c.input.receipt, { reg: c.input.reg, policy });
  times.push(performance.now() - start);
  if (!result.ok) throw new Error(`the receipt did not verify: ${result.reason}`);
}
const cold = times[0];
times.sort((a, b) => a - b);
console.log(JSON.stringify({
  browser_verify_ms: times[Math.floor(times.length / 2)],
  browser_verify_cold_ms: cold,
  receipt_bytes: Buffer.byteLength(c.input.receipt),
  runs,
}));
