// The parents' checker (lottery_service/web/static/proof.js) against the shared vectors.
// Run: node --test tests/js/   (Node 20's built-in runner and WebCrypto; no npm packages)

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import {
  ProofError,
  base64Decode,
  base64Encode,
  canonicalJSON,
  checkProof,
  hexToBytes,
  leafHash,
  lotteryNumber,
  openNote,
  parseCanonical,
  parseCheckpoint,
  parseStrictJSON,
  parseVerifierKey,
  rememberCheckpoint,
  trustedCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from "../../lottery_service/web/static/proof.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, "..", "..");
const VECTORS = join(REPO, "tests", "vectors");
const MERKLE = join(REPO, "..", "shared", "vectors", "rfc9162-merkle");

const readJSON = (path) => JSON.parse(readFileSync(path, "utf-8"));

async function rejectsAt(promiseOrFn, step) {
  await assert.rejects(
    async () => (typeof promiseOrFn === "function" ? promiseOrFn() : promiseOrFn),
    (e) => {
      assert.ok(e instanceof ProofError, `expected ProofError, got ${e}`);
      assert.equal(e.step, step, `expected step ${step}, got ${e.step}: ${e.message}`);
      assert.match(e.section, /^[0-9]+(\.[0-9]+)*$/);
      return true;
    },
  );
}

function throwsAt(fn, step) {
  assert.throws(fn, (e) => e instanceof ProofError && e.step === step);
}

// ------------------------------------------------------------ §6 lottery numbers

test("lottery numbers reproduce tests/vectors/lottery_numbers.json (§6)", async () => {
  const file = readJSON(join(VECTORS, "lottery_numbers.json"));
  assert.ok(file.cases.length > 0);
  for (const c of file.cases) {
    const got = [];
    for (const reg of c.input.regs) got.push({ reg, number: await lotteryNumber(c.input.seed, reg) });
    assert.deepEqual(got, c.expected.numbers, c.name);
    const order = [...got].sort((a, b) => (a.number < b.number ? -1 : a.number > b.number ? 1 :
      a.reg < b.reg ? -1 : 1)).map((x) => x.reg);
    assert.deepEqual(order, c.expected.order, c.name);
  }
});

test("lottery number refuses a bad seed or reg (§1)", async () => {
  const seed = "ab".repeat(32);
  await rejectsAt(lotteryNumber("AB".repeat(32), "R001"), "number");
  await rejectsAt(lotteryNumber(seed.slice(2), "R001"), "number");
  await rejectsAt(lotteryNumber(seed, "r001"), "number");
  await rejectsAt(lotteryNumber(seed, "R01"), "number");
});

// --------------------------------------------------------- §4 RFC 9162 vectors

function merkleFiles(kind) {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".json")) out.push(path);
    }
  };
  walk(join(MERKLE, kind));
  return out;
}

const b64 = (s) => new Uint8Array(Buffer.from(s, "base64"));

for (const kind of ["inclusion", "consistency"]) {
  test(`RFC 9162 ${kind} vectors from ../shared/vectors/rfc9162-merkle (§4)`,
    { skip: existsSync(MERKLE) ? false : `${MERKLE} is absent` }, async () => {
      const files = merkleFiles(kind);
      assert.ok(files.length > 50, "expected the full vector set");
      for (const path of files) {
        const c = readJSON(path);
        const proof = (c.proof ?? []).map(b64);
        const run = kind === "inclusion"
          ? () => verifyInclusion(b64(c.leafHash), c.leafIdx, c.treeSize, proof, b64(c.root))
          : () => verifyConsistency(c.size1, c.size2, b64(c.root1), b64(c.root2), proof);
        const name = relative(MERKLE, path);
        if (c.wantErr) await rejectsAt(run, kind);
        else await assert.doesNotReject(run, name);
      }
    });
}

test("Merkle proofs on a hand-built tree of 1..9 leaves (§4)", async () => {
  // Reference MTH and proofs written straight from RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1.
  const sha = async (...parts) => new Uint8Array(await crypto.subtle.digest("SHA-256",
    Buffer.concat(parts.map((p) => Buffer.from(p)))));
  const k = (n) => { let x = 1; while (x * 2 < n) x *= 2; return x; };
  const mth = async (l) => (l.length === 1 ? l[0] : sha([1], await mth(l.slice(0, k(l.length))),
    await mth(l.slice(k(l.length)))));
  const path = async (m, l) => {
    if (l.length === 1) return [];
    const s = k(l.length);
    return m < s ? [...await path(m, l.slice(0, s)), await mth(l.slice(s))]
      : [...await path(m - s, l.slice(s)), await mth(l.slice(0, s))];
  };
  const subproof = async (m, l, b) => {
    if (m === l.length) return b ? [] : [await mth(l)];
    const s = k(l.length);
    return m <= s ? [...await subproof(m, l.slice(0, s), b), await mth(l.slice(s))]
      : [...await subproof(m - s, l.slice(s), false), await mth(l.slice(0, s))];
  };
  const leaves = [];
  for (let i = 0; i < 9; i++) leaves.push(await leafHash(new Uint8Array([i])));
  for (let n = 1; n <= 9; n++) {
    const l = leaves.slice(0, n);
    const root = await mth(l);
    for (let m = 0; m < n; m++) {
      const p = await path(m, l);
      await verifyInclusion(l[m], m, n, p, root);
      if (p.length) await rejectsAt(verifyInclusion(l[m], m, n, p.slice(1), root), "inclusion");
      if (n > 1) await rejectsAt(verifyInclusion(l[(m + 1) % n], m, n, p, root), "inclusion");
      await rejectsAt(verifyInclusion(l[m], m, n, [...p, root], root), "inclusion");
    }
    for (let m = 1; m < n; m++) {
      const p = await subproof(m, l, true);
      const old = await mth(leaves.slice(0, m));
      await verifyConsistency(m, n, old, root, p);
      await rejectsAt(verifyConsistency(m, n, root, old, p), "consistency");
    }
    await verifyConsistency(n, n, root, root, []);
  }
  // Hex input is accepted, upper case is not.
  const hex = Buffer.from(leaves[0]).toString("hex");
  await verifyInclusion(hex, 0, 1, [], hex);
  await rejectsAt(verifyInclusion(hex.toUpperCase(), 0, 1, [], hex), "inclusion");
});

// ------------------------------------------------ §12 signed notes (Go known answers)

// golang.org/x/mod/sumdb/note note_test.go, as in tests/test_note.py.
const PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT = "If you think cryptography is the answer to your problem,\n" +
  "then you don't know what your problem is.\n";
const PETER_SIG = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNX" +
  "gKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01" +
  "oOTGwnWLox33WWd1RvMc+QQ=\n";
// transparency-dev/formats log/note_test.go: a real sum.golang.org checkpoint.
const SUMDB_VKEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";
const SUMDB_CHECKPOINT = "go.sum database tree\n6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n" +
  "\n— sum.golang.org Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949r" +
  "j4nPRYfvimWEPWL+o3GeoWwOoAw=\n";

test("Go signed-note known answers open (§12)", async () => {
  const peter = await parseVerifierKey(PETER_VKEY);
  assert.equal(peter.name, "PeterNeumann");
  assert.equal(peter.keyIdHex, "c74f20a3");
  const both = TEXT + "\n" + PETER_SIG + ENOCH_SIG;
  assert.equal((await openNote(both, PETER_VKEY)).text, TEXT);
  assert.equal((await openNote(both, ENOCH_VKEY)).text, TEXT);
  assert.equal((await openNote(TEXT + "\n" + PETER_SIG, peter)).text, TEXT);
  await rejectsAt(openNote(TEXT + "\n" + ENOCH_SIG, PETER_VKEY), "signature");
  await rejectsAt(openNote("x" + TEXT + "\n" + PETER_SIG, PETER_VKEY), "signature");
  await rejectsAt(openNote(TEXT + "\n" + PETER_SIG.replace("x08g", "x08h"), PETER_VKEY), "signature");
  await rejectsAt(openNote(TEXT + PETER_SIG, PETER_VKEY), "signature"); // no blank line
  await rejectsAt(openNote(TEXT + "\n" + PETER_SIG.slice(0, -1), PETER_VKEY), "signature");

  const opened = await openNote(SUMDB_CHECKPOINT, SUMDB_VKEY);
  const cp = parseCheckpoint(opened.text);
  assert.equal(cp.origin, "go.sum database tree");
  assert.equal(cp.size, 6476701);
  assert.equal(cp.root, Buffer.from("mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=", "base64").toString("hex"));
});

test("every substring of a verifier key is refused (Go TestNewVerifier)", async () => {
  for (let i = 0; i <= PETER_VKEY.length; i++) {
    for (let j = i + 1; j <= PETER_VKEY.length; j++) {
      if (i === 0 && j === PETER_VKEY.length) continue;
      await rejectsAt(parseVerifierKey(PETER_VKEY.slice(i, j)), "key");
    }
  }
  await rejectsAt(parseVerifierKey(PETER_VKEY.replace("c74f20a3", "C74F20A3")), "key");
  await rejectsAt(parseVerifierKey(PETER_VKEY.replace("c74f20a3", "c74f20a4")), "key");
  await rejectsAt(parseVerifierKey(PETER_VKEY.replace("+AR", "+BB")), "key");
});

test("checkpoint text is parsed strictly (§1, §12)", () => {
  const root = base64Encode(new Uint8Array(32).fill(7));
  assert.equal(parseCheckpoint(`o\n10\n${root}\n`).size, 10);
  assert.equal(parseCheckpoint(`o\n0\n${root}\next\n`).extensions[0], "ext");
  for (const bad of [`o\n010\n${root}\n`, `o\n-1\n${root}\n`, `o\n1 \n${root}\n`, `o\n1\n${root}`,
    `o\n1\n${base64Encode(new Uint8Array(31))}\n`, `o\n1\n${root.slice(0, -1)}\n`, `\n1\n${root}\n`,
    `o\n1\n${root}\n\n`, `o\n1\n`, `o\n99999999999999999999\n${root}\n`]) {
    throwsAt(() => parseCheckpoint(bad), "checkpoint");
  }
});

// ---------------------------------------------- §1, §2 strict encodings and JSON

test("hex and base64 are strict (§1)", () => {
  assert.deepEqual([...hexToBytes("00ff", 2)], [0, 255]);
  for (const bad of ["00FF", "0ff", "00ff00", " 00f"]) throwsAt(() => hexToBytes(bad, 2), "input");
  assert.deepEqual([...base64Decode("YQ==")], [97]);
  assert.deepEqual([...base64Decode("")], []);
  for (const bad of ["YR==", "YQ", "YQ=", "Y Q==", "YQ==\n", "YQ===", "-_8=", "=YQ="]) {
    throwsAt(() => base64Decode(bad), "input");
  }
  for (let n = 0; n < 40; n++) {
    const bytes = new Uint8Array(n).map((_, i) => (i * 37 + n) & 255);
    assert.equal(base64Encode(bytes), Buffer.from(bytes).toString("base64"));
    assert.deepEqual(base64Decode(base64Encode(bytes)), bytes);
  }
});

test("strict JSON refuses duplicates, floats, big integers and lone surrogates (§2.1, §2.3)", () => {
  assert.deepEqual({ ...parseStrictJSON('{"a":[1,-2,"\\u00e9"],"b":null}') }, { a: [1, -2, "é"], b: null });
  for (const bad of ['{"a":1,"a":2}', '{"x":{"a":1,"a":1}}', "1.0", "1e3", "-0", "9007199254740992",
    '"\\ud800"', '"\\udc00x"', '"a\tb"', "[1,]", "{} {}", "01", '{"a" 1}', "tru", '"\\x"']) {
    throwsAt(() => parseStrictJSON(bad), "input");
  }
  assert.equal(canonicalJSON({ b: [true, null, "\u0001\n\"é"], a: -3 }), '{"a":-3,"b":[true,null,"\\u0001\\n\\"é"]}');
  assert.equal(parseCanonical('{"a":1,"b":2}', "entry").b, 2);
  throwsAt(() => parseCanonical('{"b":2,"a":1}', "entry"), "entry");
  throwsAt(() => parseCanonical('{"a": 1}', "entry"), "entry");
  throwsAt(() => parseCanonical('"\\u00e9"', "entry"), "entry");
});

// ------------------------------------------------------------- §14 applicant proofs

const PROOFS = readJSON(join(VECTORS, "proofs.json"));

for (const c of PROOFS.cases) {
  test(`proofs.json: ${c.name}`, async () => {
    const i = c.input;
    const options = { reg: i.reg, pinnedKey: i.pinned_key ?? undefined,
      trustedCheckpoint: i.trusted_checkpoint ?? undefined };
    if (c.error) {
      assert.equal(c.error, "ProofError");
      await rejectsAt(checkProof(i.proof, options), c.step);
    } else {
      assert.deepEqual(await checkProof(i.proof, options), c.expected);
      // The same proof as JSON text (what fetch() returns) gives the same answer.
      assert.deepEqual(await checkProof(JSON.stringify(i.proof), options), c.expected);
    }
  });
}

test("proofs.json covers the required cases", () => {
  const steps = new Set(PROOFS.cases.filter((c) => c.error).map((c) => c.step));
  for (const s of ["inclusion", "number", "outcome", "roster", "signature", "key", "consistency", "reg", "entry"]) {
    assert.ok(steps.has(s), `no tampered case fails at ${s}`);
  }
  const outcomes = PROOFS.cases.filter((c) => c.expected).map((c) => c.expected);
  assert.ok(outcomes.some((r) => r.outcome === "not_admitted" && r.waiting !== null));
  assert.ok(outcomes.some((r) => r.promotedRound !== null));
  assert.ok(outcomes.some((r) => r.consistency === "extends"));
});

test("a malformed proof object is refused at step input (§14)", async () => {
  const good = PROOFS.cases.find((c) => c.name === "admitted").input.proof;
  await rejectsAt(checkProof({ ...good, extra: 1 }), "input");
  await rejectsAt(checkProof({ ...good, entries: [{ ...good.entries[0], index: -1 }] }), "input");
  await rejectsAt(checkProof('{"event":"a","event":"a"}'), "input");
  const text = JSON.stringify(good);
  await rejectsAt(checkProof(text.replace('"reg":', '"reg":"X","reg":')), "input");
  // An entry index beyond the checkpoint is not in the log.
  await rejectsAt(checkProof({ ...good, entries: [{ ...good.entries[0], index: 10 ** 6 }] }), "inclusion");
  // Dropping the seed entry leaves nothing to recompute the number from.
  const noSeed = good.entries.filter((e) => !e.entry.includes('"type":"seed"'));
  await rejectsAt(checkProof({ ...good, entries: noSeed }), "entries");
  await rejectsAt(checkProof({ ...good, roster: null }), "roster");
});

// --------------------------------------------------- remembered checkpoints (§14)

class MemoryStorage {
  constructor() { this.map = new Map(); }
  getItem(k) { return this.map.has(k) ? this.map.get(k) : null; }
  setItem(k, v) { this.map.set(k, String(v)); }
}

test("remembered checkpoints only move forward; a fork is refused", () => {
  const s = new MemoryStorage();
  const r = (c) => c.repeat(64);
  assert.equal(trustedCheckpoint(s, "ev-1"), null);
  rememberCheckpoint(s, "ev-1", { size: 10, root: r("a") });
  assert.deepEqual(trustedCheckpoint(s, "ev-1"), { size: 10, root: r("a") });
  rememberCheckpoint(s, "ev-1", { size: 5, root: r("b") }); // older: ignored
  assert.deepEqual(trustedCheckpoint(s, "ev-1"), { size: 10, root: r("a") });
  throwsAt(() => rememberCheckpoint(s, "ev-1", { size: 10, root: r("c") }), "consistency");
  rememberCheckpoint(s, "ev-1", { size: 12, root: r("d") });
  assert.deepEqual(trustedCheckpoint(s, "ev-1"), { size: 12, root: r("d") });
  assert.equal(trustedCheckpoint(s, "ev-2"), null);
  s.setItem("sunshine-draw/checkpoint/ev-3", "{not json");
  assert.equal(trustedCheckpoint(s, "ev-3"), null);
  throwsAt(() => rememberCheckpoint(s, "ev-1", { size: 13, root: r("D") }), "input");
});

test("the checkpoint a valid proof reports can be remembered and then trusted", async () => {
  const c = PROOFS.cases.find((x) => x.name === "consistency-from-earlier-checkpoint");
  const s = new MemoryStorage();
  const event = c.input.proof.event;
  rememberCheckpoint(s, event, c.input.trusted_checkpoint);
  const result = await checkProof(c.input.proof, { trustedCheckpoint: trustedCheckpoint(s, event) });
  assert.equal(result.consistency, "extends");
  rememberCheckpoint(s, event, { size: result.checkpointSize, root: result.checkpointRoot });
  assert.equal(trustedCheckpoint(s, event).size, result.checkpointSize);
});
