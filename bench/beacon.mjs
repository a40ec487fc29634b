// browser_beacon_ms: lottery_service/web/static/beacon.js checking one real quicknet round in
// Node (the parents' page's code and its vendored @noble/curves), PROTOCOL.md §5.6.
// Prints one JSON object. Usage: node bench/beacon.mjs [runs]   (run by bench/beacon.py)

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { checkRoundJSON, parseChain } from "../lottery_service/web/static/beacon.js";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");
const data = JSON.parse(readFileSync(join(REPO, "tests", "vectors", "beacon.json"), "utf-8"));
const runs = Number(process.argv[2] ?? 21);
const round = data.round_cases.find((c) => c.name === "quicknet-round-1000");

const chainStart = performance.now();
const chain = await parseChain(data.chains.quicknet.beacon);
const chainMs = performance.now() - chainStart;
const times = [];
for (let i = 0; i < runs; i++) {
  const start = performance.now();
  await checkRoundJSON(chain, round.json, round.expected_round);
  times.push(performance.now() - start);
}
const cold = times[0];
times.sort((a, b) => a - b);
console.log(JSON.stringify({
  browser_beacon_ms: times[Math.floor(times.length / 2)],
  browser_beacon_cold_ms: cold,
  browser_beacon_chain_ms: chainMs,
  runs,
}));
