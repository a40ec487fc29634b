// Signatures in the browser (lottery_service/web/static/signatures.js, note.js, policy.js;
// PROTOCOL.md §12.2, §12.3, §13.1): Ed25519 on WebCrypto and on the vendored fallback
// for WebViews without it, ML-DSA-44 cosignatures, and the tlog-policy quorum.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { concat, utf8 } from "../../lottery_service/web/static/encoding.js";
import {
  KeyType, cosignedMessage, keyId, parseCheckpoint, parseNote, parseVerifierKey, verifyCosignature,
} from "../../lottery_service/web/static/note.js";
import { checkNote, parsePolicy, quorumMet } from "../../lottery_service/web/static/policy.js";
import { Backend, ed25519Verifier, mlDsa44, verifyMlDsa44 } from "../../lottery_service/web/static/signatures.js";
import { REPO, VECTORS, readJSON, rejectsAt } from "./support.mjs";

const LOG = join(VECTORS, "receipt_log");
const POLICY = readFileSync(join(LOG, "policy"), "utf-8");
const NOTE = readFileSync(join(LOG, "checkpoints", "84.note"), "utf-8");
const ML = readJSON(join(VECTORS, "mldsa44.json"));
const b64 = (b) => Buffer.from(b).toString("base64");
const hex = (s) => Uint8Array.from(Buffer.from(s, "hex"));

// golang.org/x/mod/sumdb/note note_test.go (as note.test.mjs).
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = Buffer.from("x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=", "base64").subarray(4);

test("Ed25519: WebCrypto and the fallback agree on Go's known answer and on a flipped bit", async () => {
  const peter = await parseVerifierKey("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
  const webcrypto = ed25519Verifier(globalThis.crypto.subtle);
  const fallback = ed25519Verifier(null);
  for (const verify of [webcrypto, fallback]) {
    assert.equal(await verify(peter.publicKey, PETER_SIG, utf8(TEXT)), true);
    const bad = Uint8Array.from(PETER_SIG);
    bad[10] ^= 1;
    assert.equal(await verify(peter.publicKey, bad, utf8(TEXT)), false);
    assert.equal(await verify(peter.publicKey, PETER_SIG, utf8(TEXT + "x")), false);
    assert.equal(await verify(peter.publicKey.slice(1), PETER_SIG, utf8(TEXT)), false);
  }
  assert.equal(webcrypto.backend(), Backend.WEBCRYPTO);
  assert.equal(fallback.backend(), Backend.NOBLE);
});

test("a WebCrypto that throws NotSupportedError for Ed25519 makes the verifier fall back", async () => {
  const subtle = globalThis.crypto.subtle;
  const old = {
    importKey: async (f, d, a, ...r) => {
      if (a?.name === "Ed25519") throw new DOMException("Unrecognized name", "NotSupportedError");
      return subtle.importKey(f, d, a, ...r);
    },
    verify: () => { throw new Error("never called"); },
  };
  const verify = ed25519Verifier(old);
  const peter = await parseVerifierKey("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
  assert.equal(await verify(peter.publicKey, PETER_SIG, utf8(TEXT)), true);
  assert.equal(verify.backend(), Backend.NOBLE);
});

test("every receipt vector passes with Ed25519 from the fallback alone (old WebViews)", () => {
  const env = { ...process.env, SUNSHINE_EXPECT_ED25519: "noble" };
  delete env.NODE_TEST_CONTEXT; // else a nested runner reports to its parent, not to stdout
  const run = spawnSync(process.execPath, ["--import", "./tests/js/no-ed25519.mjs", "--test",
    "tests/js/receipt.test.mjs"], { cwd: REPO, encoding: "utf-8", timeout: 120_000,
    env });
  assert.equal(run.status, 0, run.stdout.slice(-3000) + run.stderr.slice(-2000));
  assert.match(run.stdout, /# fail 0/);
});

test("ML-DSA-44 (FIPS 204) known answers from the vendored @noble/post-quantum", async () => {
  const ml = await mlDsa44();
  assert.ok(ml);
  for (const c of ML.fips204_det_pure.cases) {
    assert.equal(ml.verify(hex(c.sig), hex(c.msg), hex(c.pk), { context: hex(c.ctx) }), true, c.count);
    assert.equal(ml.verify(hex(c.sig), hex(c.msg), hex(c.pk)), false, "another context");
  }
});

test("a 0x06 ML-DSA-44 subtree/v1 signature as litewitness accepts it (torchwood)", async () => {
  const v = ML.torchwood_litewitness;
  const key = await parseVerifierKey(v.vkey, [KeyType.MLDSA44]);
  assert.equal(key.type, KeyType.MLDSA44);
  const note = parseNote(v.note);
  const cp = parseCheckpoint(note.text);
  assert.deepEqual(await verifyCosignature(note, cp, key), { state: "valid", timestamp: 0 });
  const line = v.note.trimEnd().split("\n").pop();
  const sig = Buffer.from(line.split(" ")[2], "base64");
  sig[100] ^= 1;
  const bad = v.note.replace(line.split(" ")[2], sig.toString("base64"));
  await rejectsAt(verifyCosignature(parseNote(bad), cp, key), "signature");
  await rejectsAt(parseVerifierKey(v.vkey), "key"); // not a log (0x01) key
});

test("Ed25519 and ML-DSA-44 cosignatures count alike toward a policy's quorum (§13.1)", async () => {
  const ml = await mlDsa44();
  const seed = new Uint8Array(32).fill(6);
  const { publicKey, secretKey } = ml.keygen(seed);
  const name = "notary.example.cn/w2";
  const id = await keyId(name, KeyType.MLDSA44, publicKey);
  const vkey = `${name}+${Buffer.from(id).toString("hex")}+${b64(concat(new Uint8Array([6]), publicKey))}`;
  const cp = parseCheckpoint(parseNote(NOTE).text);
  const t = 1787281999;
  const sig = ml.sign(cosignedMessage(name, t, cp), secretKey);
  const ts = new Uint8Array(8);
  new DataView(ts.buffer).setBigUint64(0, BigInt(t));
  const cosigned = NOTE + `— ${name} ${b64(concat(id, ts, sig))}\n`;
  const [logLine, witnessLine] = POLICY.split("\n");
  const both = `${logLine}\n${witnessLine}\nwitness w2 ${vkey}\ngroup two 2 witness.example.cn w2\nquorum two\n`;
  const policy = await parsePolicy(both);
  const ok = await checkNote(cosigned, policy);
  assert.deepEqual(ok.witnesses.cosigned.map((c) => c.witness), ["w2", "witness.example.cn"]);
  assert.equal(ok.witnesses.quorum_met, true);
  const one = await checkNote(NOTE, policy);
  assert.equal(one.witnesses.quorum_met, false); // the ML-DSA-44 cosignature is missing
  const flipped = Uint8Array.from(sig);
  flipped[0] ^= 1;
  await rejectsAt(checkNote(NOTE + `— ${name} ${b64(concat(id, ts, flipped))}\n`, policy), "checkpoint");
  assert.equal(await verifyMlDsa44(publicKey, sig, cosignedMessage(name, t, cp)), true);
});

test("tlog-policy: the whole grammar is read and every broken line refused (§13.1)", async () => {
  const [logLine, witnessLine] = POLICY.split("\n");
  const wkey = witnessLine.split(" ")[2];
  const ok = await parsePolicy(`# comment\n\n${logLine}  https://log.example/\n` +
    `witness\tw1 ${wkey} https://w1.example/\ngroup g any w1\ngroup h all g w1\nquorum h\n`);
  assert.equal(ok.quorum, "h");
  assert.equal(quorumMet(ok, new Set(["w1"])), true);
  assert.equal(quorumMet(ok, new Set()), false);
  assert.equal(quorumMet(await parsePolicy(`${logLine}\nquorum none\n`), new Set()), true);
  const bad = [
    `${logLine}\nquorum none`, // no final newline
    `${logLine}\n`, // no quorum line
    `${logLine}\nquorum none\nquorum none\n`,
    `${logLine}\nquorum w1\n`, // not defined before
    `${logLine}\nwitness w1 ${wkey}\nwitness w1 ${wkey}\nquorum w1\n`,
    `${logLine}\nwitness none ${wkey}\nquorum none\n`,
    `${logLine}\nwitness w1 ${wkey}\ngroup g 2 w1\nquorum g\n`, // threshold > members
    `${logLine}\nwitness w1 ${wkey}\ngroup g 0 w1\nquorum g\n`,
    `${logLine}\nwitness w1 ${wkey}\ngroup g any w1 w1\nquorum g\n`,
    `${logLine}\nwitness w1 ${wkey}\ngroup g any none\nquorum g\n`,
    `${logLine}\nwitness w1 ${wkey}\nwitness w2 ${wkey}\nquorum w1\n`, // same key twice
    `${logLine}\nwitness w1 ${logLine.split(" ")[1]}\nquorum w1\n`, // a 0x01 key as witness
    `${logLine}\nfoo bar\nquorum none\n`,
    `${logLine}\x01\nquorum none\n`,
    `${logLine}\nquorum none\x7f\n`,
  ];
  for (const text of bad) await rejectsAt(parsePolicy(text), "policy");
});
