// Sunshine Draw: the drand beacon, checked in the browser (docs/PROTOCOL.md §5.6, v2).
//
// The parents' page's own check of a ceremony's beacon: the rule set's pinned
// chain info is re-hashed as drand does (chain/info.go), the round's BLS
// signature is verified with @noble/curves (bls12_381 short signatures: G1
// signatures, G2 public key, RFC 9380 hash-to-curve with quicknet's DST), its
// randomness must be SHA-256 of the signature, and the round in force is
// replayed from the ceremony's entries. @noble/curves is installed from npm
// (package.json, pinned) and bundled by `make` into ./vendor/, served from this
// site: no CDN. Runs in the browser (<script type="module">) and in Node 20.
//
// Every failure throws BeaconError (a proof.js ProofError, step "beacon",
// section 5.6) whose `.code` names the check, as in tests/vectors/beacon.json.

import { ProofError } from "./errors.js";
import { bytesToHex, concat, parseStrictJSON } from "./encoding.js";
import { bls12_381 } from "./vendor/noble-curves-bls12-381.js";

const subtle = globalThis.crypto.subtle;
const bls = bls12_381.shortSignatures;

export const SCHEME = "bls-unchained-g1-rfc9380";
export const DST = "BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_";
export const WAIT = 600; // §5.6: seconds after a round's time before it may be declared missing
const CHAIN_KEYS = ["beacon_id", "chain", "genesis_time", "group_hash", "period", "public_key", "scheme"];
const ROUND_KEYS = ["randomness", "round", "signature"];
const ENTRY_KEYS = ["ceremony", "chain", "randomness", "round", "signature"];
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/; // §1
const TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$/; // §1

export class BeaconError extends ProofError {
  constructor(code, message) {
    super("beacon", "5.6", message);
    this.name = "BeaconError";
    this.code = code;
  }
}

const fail = (code, message) => { throw new BeaconError(code, message); };

function exactKeys(obj, keys, what) {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) fail("members", `${what} is not an object`);
  const got = Object.keys(obj).sort();
  if (got.length !== keys.length || got.some((k, i) => k !== keys[i])) {
    fail("members", `${what} must have exactly ${keys.join(", ")}; has ${got.join(", ")}`);
  }
  return obj;
}

function hexField(value, size, what) {
  if (typeof value !== "string" || !/^([0-9a-f]{2})*$/.test(value)) fail("hex", `${what} is not lowercase hex (§1)`);
  if (value.length !== 2 * size) fail("length", `${what} is ${value.length / 2} bytes, need ${size}`);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = parseInt(value.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const sha256 = async (bytes) => new Uint8Array(await subtle.digest("SHA-256", bytes));
const isInt = (v) => typeof v === "number" && Number.isSafeInteger(v);

function bigEndian(value, size) {
  const out = new Uint8Array(size);
  let v = BigInt(value);
  for (let i = size - 1; i >= 0; i--) { out[i] = Number(v & 0xffn); v >>= 8n; }
  return out;
}

/** Check a rules.beacon object (§3.1, §5.6); returns the chain with its G2 key decoded. */
export async function parseChain(obj) {
  const b = exactKeys(obj, CHAIN_KEYS, "rules.beacon");
  if (b.scheme !== SCHEME) fail("scheme", `rules.beacon.scheme ${JSON.stringify(b.scheme)} is not ${SCHEME}`);
  const chain = hexField(b.chain, 32, "rules.beacon.chain");
  const publicKey = hexField(b.public_key, 96, "rules.beacon.public_key");
  const groupHash = hexField(b.group_hash, 32, "rules.beacon.group_hash");
  if (!isInt(b.period) || b.period < 1 || b.period > 2 ** 32 - 1) fail("period", "rules.beacon.period must be an integer 1..2^32−1");
  if (!isInt(b.genesis_time) || b.genesis_time < 1) fail("genesis-time", "rules.beacon.genesis_time must be a positive integer");
  if (typeof b.beacon_id !== "string" || !ID.test(b.beacon_id)) fail("beacon-id", "rules.beacon.beacon_id is not an id");
  let key;
  try {
    key = bls12_381.G2.Point.fromBytes(publicKey);
    key.assertValidity(); // on the curve and in the prime-order subgroup
  } catch (e) {
    fail("public-key", `rules.beacon.public_key is not a G2 point: ${e.message}`);
  }
  if (key.is0()) fail("public-key", "rules.beacon.public_key is the identity");
  // drand chain/info.go Info.Hash: the default beacon id is not hashed.
  const id = b.beacon_id === "default" ? new Uint8Array() : new TextEncoder().encode(b.beacon_id);
  const computed = await sha256(concat(bigEndian(b.period, 4), bigEndian(b.genesis_time, 8), publicKey, groupHash, id));
  if (bytesToHex(computed) !== b.chain) {
    fail("chain-hash", `rules.beacon.chain ${b.chain} is not the hash of its chain info (${bytesToHex(computed)})`);
  }
  return { chain: b.chain, publicKey: key, period: b.period, genesisTime: b.genesis_time };
}

export const roundTime = (chain, round) => chain.genesisTime + (round - 1) * chain.period;

/** The first round whose time is ≥ t (Unix seconds). */
export function roundAtOrAfter(chain, t) {
  return t <= chain.genesisTime ? 1 : Math.ceil((t - chain.genesisTime) / chain.period) + 1;
}

/** The first round whose time is strictly later than t. */
export const roundAfter = (chain, t) => roundAtOrAfter(chain, t + 1);

async function checkFields(chain, obj, expectedRound, what) {
  const round = obj.round;
  if (!isInt(round) || round < 1) fail("round", `${what}.round is not an integer ≥ 1`);
  const signature = hexField(obj.signature, 48, `${what}.signature`);
  const randomness = hexField(obj.randomness, 32, `${what}.randomness`);
  if (round !== expectedRound) fail("round-mismatch", `${what} is round ${round}; the round in force is ${expectedRound}`);
  let sigma;
  try {
    sigma = bls.Signature.fromBytes(signature);
    sigma.assertValidity();
  } catch (e) {
    fail("point", `${what}.signature is not a G1 point: ${e.message}`);
  }
  if (sigma.is0()) fail("point", `${what}.signature is the identity`);
  const hashed = bls.hash(await sha256(bigEndian(round, 8)), DST);
  if (!bls.verify(sigma, hashed, chain.publicKey)) fail("signature", `round ${round}: the BLS signature does not verify`);
  if (bytesToHex(await sha256(signature)) !== obj.randomness) {
    fail("randomness", `round ${round}: randomness is not SHA-256 of the signature`);
  }
  return { round, randomness: obj.randomness };
}

/** A round's JSON as a drand relay publishes it, checked for the round in force. */
export async function checkRoundJSON(chain, text, expectedRound) {
  let obj;
  try {
    obj = parseStrictJSON(text, "beacon", "5.6");
  } catch (e) {
    if (e instanceof ProofError) fail("json", e.message);
    throw e;
  }
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) fail("json", "round JSON is not an object");
  return checkFields(chain, exactKeys(obj, ROUND_KEYS, "round JSON"), expectedRound, "round");
}

/** A `beacon` entry body (§11.2): the pinned chain, the round in force, a valid round. */
export async function checkBeaconEntry(chain, body, expectedRound) {
  const b = exactKeys(body, ENTRY_KEYS, "beacon");
  if (b.chain !== chain.chain) fail("chain", "beacon.chain is not rules.beacon.chain");
  return checkFields(chain, b, expectedRound, "beacon");
}

function seconds(text) {
  const ms = typeof text === "string" && TIME.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms) || new Date(ms).toISOString() !== text.replace("Z", ".000Z")) {
    fail("schedule", `${JSON.stringify(text)} is not a time (§1)`);
  }
  return ms / 1000;
}

/**
 * Replay one ceremony's ceremony_opened, beacon_postponed and physical_entropy
 * entries ({type, time, ...body}, in log order) and return the round its
 * beacon entry must carry (§5.6).
 */
export function roundInForce(chain, events) {
  const bad = (why) => fail("schedule", why);
  if (!events.length || events[0].type !== "ceremony_opened") bad("the schedule starts at ceremony_opened");
  let deadline = seconds(events[0].physical_entropy_by);
  if (deadline <= seconds(events[0].time)) bad("physical_entropy_by is not after the opening");
  let round = roundAfter(chain, deadline);
  if (events[0].beacon_round !== round) bad(`ceremony_opened.beacon_round should be ${round}`);
  let diceAt = null;
  for (const e of events.slice(1)) {
    const t = seconds(e.time);
    if (e.type === "physical_entropy") {
      if (diceAt !== null) bad("a second physical_entropy");
      if (t > deadline) bad("physical_entropy after physical_entropy_by");
      diceAt = t;
      continue;
    }
    if (e.type !== "beacon_postponed") bad(`${e.type} has no place in the beacon schedule`);
    if (e.round !== round) bad(`beacon_postponed.round is not the round in force ${round}`);
    const newDeadline = seconds(e.physical_entropy_by);
    let next;
    if (e.reason === "physical-entropy-late") {
      if (diceAt !== null || t <= deadline || newDeadline <= t) {
        bad("physical-entropy-late comes before the dice, after their deadline, with a later deadline");
      }
      deadline = newDeadline;
      next = roundAfter(chain, newDeadline);
    } else if (e.reason === "round-not-published") {
      if (diceAt === null || t < roundTime(chain, round) + WAIT) {
        bad(`round-not-published follows the dice and waits ${WAIT} s past the round's time`);
      }
      if (newDeadline !== deadline) bad("round-not-published keeps physical_entropy_by");
      next = roundAfter(chain, t + WAIT);
    } else {
      bad(`unknown beacon_postponed.reason ${JSON.stringify(e.reason)}`);
    }
    if (e.beacon_round !== next) bad(`beacon_postponed.beacon_round should be ${next}`);
    round = next;
  }
  return round;
}
