// The publication the Python writer makes for the browser readers' tests
// (tests/js/make_publication.py), written once per test file into a temp directory.

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function python() {
  if (process.env.PYTHON) return process.env.PYTHON;
  const venv = join(ROOT, ".venv", "bin", "python");
  return existsSync(venv) ? venv : "python3";
}

export function makePublication() {
  const dir = mkdtempSync(join(tmpdir(), "sunshine-publication-"));
  const out = execFileSync(python(), [join(ROOT, "tests", "js", "make_publication.py"), dir],
    { cwd: ROOT, encoding: "utf-8", maxBuffer: 64 << 20 });
  const fixture = JSON.parse(out);
  fixture.read = async (path) => new Uint8Array(readFileSync(join(fixture.base, path)));
  return fixture;
}

export const b64 = (text) => new Uint8Array(Buffer.from(text, "base64"));
