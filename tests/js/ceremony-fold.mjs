// The JavaScript fold of the hall screen, for the Python cross-check
// (tests/unit/test_ceremony_view.py): `node ceremony-fold.mjs STATE.json ENTRIES.jsonl`
// starts from the server's state (or from nothing when STATE is "-"), folds every
// entry of ENTRIES in order and prints the state it arrives at.
import { readFileSync } from "node:fs";

import { Model } from "../../lottery_service/web/static/ceremony-model.js";

const [stateFile, entriesFile] = process.argv.slice(2);
const m = stateFile === "-" ? new Model() : Model.fromSnapshot(JSON.parse(readFileSync(stateFile, "utf-8")));
for (const line of readFileSync(entriesFile, "utf-8").split("\n")) {
  if (line) m.apply(JSON.parse(line));
}
process.stdout.write(JSON.stringify(m.snapshot()));
