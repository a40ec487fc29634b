// The event context's beacon check (PROTOCOL.md §14.1, §5.6) on real drand quicknet
// rounds from tests/vectors/beacon.json: a logged beacon entry for the round in force
// verifies; a tampered signature, a wrong round or another chain does not.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import test from "node:test";

import { checkEventBeacon } from "../../lottery_service/web/static/event-context.js";
import { roundTime } from "../../lottery_service/web/static/beacon.js";

const V = JSON.parse(readFileSync(new URL("../vectors/beacon.json", import.meta.url), "utf8"));
const QUICKNET = V.chains.quicknet.beacon;
const ROUNDS = V.round_cases.filter((c) => c.chain === "quicknet" && c.expected && typeof c.expected === "object");
const iso = (s) => new Date(s * 1000).toISOString().replace(".000Z", "Z");

/** The schedule and beacon entries of one ceremony whose round in force is `round.round`. */
function entries(round, { ceremony = "lottery", beacon = {} } = {}) {
  const due = QUICKNET.genesis_time + (round.round - 1) * QUICKNET.period - 1; // roundAfter(due) = round
  return [
    { type: "ceremony_opened", time: iso(due - 3600),
      body: { ceremony, physical_entropy_by: iso(due), beacon_round: round.round } },
    { type: "physical_entropy", time: iso(due - 60), body: { ceremony } },
    { type: "beacon", time: iso(due + 10),
      body: { ceremony, chain: QUICKNET.chain, round: round.round, randomness: round.randomness,
        signature: round.signature, ...beacon } },
  ];
}

test("the vectors hold real quicknet rounds", () => {
  assert.ok(ROUNDS.length >= 2);
  assert.equal(QUICKNET.beacon_id, "quicknet");
});

test("no beacon in the rules: nothing to check (null)", async () => {
  assert.equal(await checkEventBeacon({ beacon: null }, entries(JSON.parse(ROUNDS[0].json))), null);
});

test("every real quicknet round verifies as the logged beacon of its ceremony", async () => {
  for (const c of ROUNDS) {
    const round = JSON.parse(c.json);
    const got = await checkEventBeacon({ beacon: QUICKNET }, entries(round));
    assert.deepEqual(got, [{ ceremony: "lottery", round: c.expected.round, randomness: c.expected.randomness }], c.name);
    assert.equal(roundTime({ genesisTime: QUICKNET.genesis_time, period: QUICKNET.period }, round.round),
      Date.parse(c.expected.time) / 1000, c.name);
  }
});

test("a tampered signature fails: another round's signature, or one bit flipped", async () => {
  const [a, b] = ROUNDS.map((c) => JSON.parse(c.json));
  await assert.rejects(checkEventBeacon({ beacon: QUICKNET }, entries(a, { beacon: { signature: b.signature } })),
    (e) => e.name === "BeaconError" && ["signature", "randomness"].includes(e.code));
  const flipped = (parseInt(a.signature.slice(-2), 16) ^ 1).toString(16).padStart(2, "0");
  await assert.rejects(checkEventBeacon({ beacon: QUICKNET },
    entries(a, { beacon: { signature: a.signature.slice(0, -2) + flipped } })),
  (e) => e.name === "BeaconError" && ["signature", "point"].includes(e.code));
});

test("a beacon of another round than the one in force fails", async () => {
  const [a, b] = ROUNDS.map((c) => JSON.parse(c.json));
  const list = entries(a);
  list[2] = entries(b)[2];
  await assert.rejects(checkEventBeacon({ beacon: QUICKNET }, list), (e) => e.code === "round-mismatch");
});

test("a beacon entry naming another chain fails", async () => {
  const a = JSON.parse(ROUNDS[0].json);
  await assert.rejects(checkEventBeacon({ beacon: QUICKNET }, entries(a, { beacon: { chain: "00".repeat(32) } })),
    (e) => e.code === "chain");
});
