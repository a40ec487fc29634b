// The browser's beacon check (lottery_service/web/static/beacon.js) against tests/vectors/beacon.json.
// Run: node --test tests/js/   (needs `make`'s vendor bundle of @noble/curves)

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, "..", "..");
const VENDOR = join(REPO, "lottery_service", "web", "static", "vendor", "noble-curves-bls12-381.js");
const data = JSON.parse(readFileSync(join(REPO, "tests", "vectors", "beacon.json"), "utf-8"));

if (!existsSync(VENDOR)) {
  throw new Error(`${VENDOR} is missing: run \`make\` (npm ci, then npm run vendor) first`);
}
const {
  BeaconError, checkBeaconEntry, checkRoundJSON, parseChain, roundAfter, roundAtOrAfter, roundInForce,
  roundTime,
} = await import("../../lottery_service/web/static/beacon.js");

const seconds = (text) => Date.parse(text) / 1000;
const stamp = (t) => new Date(t * 1000).toISOString().replace(".000Z", "Z");
const chains = {};
for (const [name, c] of Object.entries(data.chains)) {
  if (c.beacon.scheme === "bls-unchained-g1-rfc9380") chains[name] = await parseChain(c.beacon);
}

async function outcome(fn) {
  try {
    return { value: await fn() };
  } catch (e) {
    if (!(e instanceof BeaconError)) throw e;
    assert.equal(e.step, "beacon");
    assert.equal(e.section, "5.6");
    return { code: e.code };
  }
}

test("every chain case: a valid rules.beacon or the named failure", async () => {
  assert.ok(data.chain_cases.length >= 25);
  for (const c of data.chain_cases) {
    const got = await outcome(() => parseChain(c.beacon));
    if (c.expected === "valid") assert.equal(got.value?.chain, c.beacon.chain, c.name);
    else assert.equal(got.code, c.error, c.name);
  }
});

test("every round case: verified with its randomness, or the named failure", async () => {
  assert.ok(data.round_cases.filter((c) => c.expected).length >= 12);
  for (const c of data.round_cases) {
    const chain = chains[c.chain];
    const got = await outcome(() => checkRoundJSON(chain, c.json, c.expected_round));
    if (c.expected) {
      assert.deepEqual(got.value, { round: c.expected.round, randomness: c.expected.randomness }, c.name);
      assert.equal(stamp(roundTime(chain, c.expected.round)), c.expected.time, c.name);
    } else {
      assert.equal(got.code, c.error, c.name);
    }
  }
});

test("a beacon entry body is checked like the round and must name the pinned chain", async () => {
  const chain = chains.quicknet;
  const good = data.round_cases.find((c) => c.name === "quicknet-round-1000");
  const body = { ceremony: "lottery", chain: chain.chain, ...JSON.parse(good.json) };
  assert.deepEqual(await checkBeaconEntry(chain, body, 1000), { round: 1000, randomness: good.expected.randomness });
  const other = { ...body, chain: data.chains.walkthrough.beacon.chain };
  assert.equal((await outcome(() => checkBeaconEntry(chain, other, 1000))).code, "chain");
  const flipped = data.round_cases.find((c) => c.name === "sign-bit-flipped");
  const tampered = { ...body, ...JSON.parse(flipped.json) };
  assert.equal((await outcome(() => checkBeaconEntry(chain, tampered, 1000))).code, "signature");
});

test("round times: genesis + (round − 1)·period and its inverses", () => {
  for (const c of data.time_cases) {
    const chain = chains[c.chain];
    if (c.op === "round_time") assert.equal(stamp(roundTime(chain, c.round)), c.time);
    else if (c.op === "round_after") assert.equal(roundAfter(chain, seconds(c.time)), c.round, c.time);
    else assert.equal(roundAtOrAfter(chain, seconds(c.time)), c.round, c.time);
  }
});

test("every schedule case: the round in force, or a schedule failure", async () => {
  for (const c of data.schedule_cases) {
    const got = await outcome(() => roundInForce(chains[c.chain], c.events));
    if (c.expected) assert.equal(got.value, c.expected.beacon_round, c.name);
    else assert.equal(got.code, c.error, c.name);
  }
});
