// C2SP signed notes, verifier keys and checkpoints (lottery_service/web/static/note.js, PROTOCOL.md §12).

import assert from "node:assert/strict";
import { test } from "node:test";

import { base64Encode } from "../../lottery_service/web/static/encoding.js";
import { openNote, parseCheckpoint, parseVerifierKey } from "../../lottery_service/web/static/note.js";
import { rejectsAt, throwsAt } from "./support.mjs";

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

