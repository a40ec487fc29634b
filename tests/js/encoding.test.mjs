// Strict encodings and canonical JSON (lottery_service/web/static/encoding.js, PROTOCOL.md §1, §2).
// Run: node --test tests/js/   (Node 20's built-in runner and WebCrypto; no npm packages)

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  base64Decode, base64Encode, canonicalJSON, hexToBytes, parseCanonical, parseStrictJSON,
} from "../../lottery_service/web/static/encoding.js";
import { throwsAt } from "./support.mjs";

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

