// The supervisor's in-browser cosigning (lottery_service/web/static/cosign.js, PROTOCOL.md §12,
// C2SP tlog-cosignature/v1) in Node 20's WebCrypto. Run: node --test tests/js/
// The cross-check against the Python core (byte-equal lines, verify_cosignature) is
// tests/js/test_cosign_js.py.

import assert from "node:assert/strict";
import { test } from "node:test";

import { cosignatureLine, parsePrivateKey } from "../../lottery_service/web/static/cosign.js";
import { base64Decode, base64Encode, bytesToHex } from "../../lottery_service/web/static/encoding.js";
import { ProofError } from "../../lottery_service/web/static/errors.js";

// golang.org/x/mod/sumdb/note's test key (also tests/test_note.py): an independent answer.
const PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const BODY = `sunshine-draw/demo-2026\n42\n${base64Encode(new Uint8Array(32).fill(0xab))}\n`;
const encoder = new TextEncoder();

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

test("§12 Go's private key text gives Go's verifier key; the witness key is type 0x04", async () => {
  const key = await parsePrivateKey(PETER_SKEY + "\n"); // the file's final newline is ignored
  assert.equal(key.name, "PeterNeumann");
  assert.equal(key.verifierKey, PETER_VKEY);
  const raw = base64Decode(PETER_VKEY.split("+")[2]);
  assert.deepEqual(key.publicKey, raw.slice(1));
  // Witness key: name+hex(SHA-256(name ‖ 0x0A ‖ 0x04 ‖ key)[:4])+base64(0x04 ‖ key).
  const id = (await sha256(new Uint8Array([...encoder.encode("PeterNeumann\n"), 4, ...raw.slice(1)]))).slice(0, 4);
  assert.equal(key.witnessKey, `PeterNeumann+${bytesToHex(id)}+${base64Encode(new Uint8Array([4, ...raw.slice(1)]))}`);
  assert.deepEqual(key.witnessKeyId, id);
});

test("§12 a cosignature line has the v1 layout and verifies with WebCrypto", async () => {
  const key = await parsePrivateKey(PETER_SKEY);
  const time = 1767225600;
  const line = await cosignatureLine(BODY, PETER_SKEY, time);
  assert.match(line, /^\u2014 PeterNeumann [A-Za-z0-9+/]+=*\n$/);
  const raw = base64Decode(line.slice("\u2014 PeterNeumann ".length, -1));
  assert.equal(raw.length, 4 + 8 + 64);
  assert.deepEqual(raw.slice(0, 4), key.witnessKeyId);
  assert.equal(new DataView(raw.buffer).getBigUint64(4, false), BigInt(time));
  const pub = await crypto.subtle.importKey("raw", key.publicKey, { name: "Ed25519" }, false, ["verify"]);
  const message = encoder.encode(`cosignature/v1\ntime ${time}\n${BODY}`);
  assert.ok(await crypto.subtle.verify({ name: "Ed25519" }, pub, raw.slice(12), message));
  // Signed over the checkpoint: another body does not verify.
  const other = encoder.encode(`cosignature/v1\ntime ${time}\n${BODY.replace("\n42\n", "\n43\n")}`);
  assert.ok(!(await crypto.subtle.verify({ name: "Ed25519" }, pub, raw.slice(12), other)));
  // Deterministic (Ed25519), and the parsed key gives the same line as the text.
  assert.equal(await cosignatureLine(BODY, key, time), line);
  assert.equal(await cosignatureLine(BODY, key, BigInt(time)), line);
});

test("§12 the largest timestamp 2^63-1 is encoded big-endian", async () => {
  const line = await cosignatureLine(BODY, PETER_SKEY, 2n ** 63n - 1n);
  const raw = base64Decode(line.slice("\u2014 PeterNeumann ".length, -1));
  assert.equal(bytesToHex(raw.slice(4, 12)), "7fffffffffffffff");
});

const BAD_KEYS = {
  "no prefix": PETER_SKEY.slice("PRIVATE+".length),
  "upper-case key ID": PETER_SKEY.replace("c74f20a3", "C74F20A3"),
  "wrong key ID": PETER_SKEY.replace("c74f20a3", "c74f20a4"),
  "another name": PETER_SKEY.replace("PeterNeumann", "PeterNeuman"),
  "name with a space": PETER_SKEY.replace("PeterNeumann", "Peter Neumann"),
  "missing key ID": "PRIVATE+KEY+PeterNeumann+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
  "type byte not 0x01": PETER_SKEY.replace("+AYEK", "+BIEK"),
  "non-canonical base64": PETER_SKEY.slice(0, -1) + "G",
  "short seed": "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKA==",
  "a verifier key": PETER_VKEY,
};

for (const [name, text] of Object.entries(BAD_KEYS)) {
  test(`§12 private key rejected: ${name}`, async () => {
    await assert.rejects(parsePrivateKey(text), (e) => e instanceof ProofError && e.step === "key");
  });
}

const BAD_INPUTS = {
  "negative time": [BODY, -1],
  "fractional time": [BODY, 1.5],
  "time above 2^63-1": [BODY, 2n ** 63n],
  "time as text": [BODY, "1767225600"],
  "body without final newline": [BODY.slice(0, -1), 1],
  "body with two lines": ["sunshine-draw/demo-2026\n42\n", 1],
  "body size with a leading zero": [BODY.replace("\n42\n", "\n042\n"), 1],
  "a signed note, not its text": [BODY + "\n\u2014 x AAAAAA==\n", 1],
};

for (const [name, [body, time]] of Object.entries(BAD_INPUTS)) {
  test(`§12 cosigning refused: ${name}`, async () => {
    await assert.rejects(cosignatureLine(body, PETER_SKEY, time), ProofError);
  });
}
