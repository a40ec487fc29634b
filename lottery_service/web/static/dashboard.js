// Supervisor dashboard: cosign the latest checkpoint in this browser (PROTOCOL.md §12).
//
// The supervisor's witness private key is read from the file they choose and used
// here with WebCrypto (cosign.js); it is never sent. Before signing, the page checks
// the log's signature on the checkpoint with the log key the page ships (note.js)
// and judges it against the checkpoint this browser trusted with the one policy the
// parents' page uses too (trust.js): a rollback, a fork or another log key is refused.
import { cosignatureLine, parsePrivateKey } from "./cosign.js";
import { cosignatureCount, trustCheck, witnessProblem } from "./dashboard-view.js";
import { openCheckpoint } from "./note.js";
import { HttpError, el, pageData, request, showChosenFile, stepItem, translator } from "./page.js";
import {
  compareCheckpoints, judge, loadTrust, needsConsistencyProof, rememberCheckpoint, verdictOfError,
} from "./trust.js";

const { S, cfg } = pageData();
const t = translator(S);
const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "sunshine-draw/supervisor-token";
const out = $("cosign-out");

function say(text, kind = "info") {
  out.textContent = text;
  out.className = `message ${kind}`;
  out.hidden = false;
}

/** One line of what was checked: ok 通过, skipped 未检查, bad 未通过. */
function check(state, text) {
  $("cosign-checks").append(stepItem({ state, text, stateText: t(`step.${state}`) }));
}

class Refused extends Error {
  constructor(text, loud) {
    super(text);
    this.loud = loud; // a rollback, fork or key change: evidence, shown as a warning
  }
}

function refuse(text, loud = false) {
  check("bad", text);
  throw new Refused(text, loud);
}

/** §12, trust.js: the served checkpoint against the one this browser trusted. */
async function judged(cp) {
  const trust = loadTrust(localStorage, cfg.origin, cfg.log_key);
  const trusted = trust.keyChanged ? null : trust.checkpoint;
  let verdict;
  try {
    let proof = null;
    if (needsConsistencyProof(trusted, cp)) {
      proof = await request(`${cfg.api}/checkpoints/${cp.size}/consistency?from=${trusted.size}`)
        .catch((e) => { if (e instanceof HttpError) return null; throw e; });
    }
    verdict = judge(await compareCheckpoints(trusted, cp, proof), { keyChanged: trust.keyChanged });
  } catch (e) {
    verdict = verdictOfError(e);
    if (verdict === null) throw e;
  }
  const line = trustCheck(verdict, trust.checkpoint, cp, t);
  if (verdict.state === "bad") refuse(line.text, true);
  check(line.state, line.text);
}

function showCount(size, root, count) {
  let row = document.querySelector(`#checkpoint-table tr[data-size="${size}"]`);
  if (!row) { // a checkpoint signed after this page was rendered
    row = el("tr", { "data-size": String(size) },
      el("td", { class: "num", text: String(size) }), el("td", { text: root }), el("td", { class: "num" }));
    $("checkpoint-table").querySelector("tbody").prepend(row);
  }
  row.lastElementChild.textContent = String(count);
}

async function cosign() {
  $("cosign-checks").replaceChildren();
  const token = $("cosign-token").value.trim();
  const file = $("witness-key").files[0];
  if (!token || !file) return say(t("w.need_fields"), "error");
  say(t("w.cosigning"));
  let key;
  try {
    key = await parsePrivateKey(await file.text());
  } catch (e) {
    return say(t("w.bad_key") + e.message, "error");
  }
  const keys = await request(`${cfg.api}/keys`);
  const problem = witnessProblem(keys.witnesses, key);
  if (problem === "w.not_registered") return say(t(problem) + key.witnessKey, "error");
  if (problem === "w.other_key") return say(t(problem) + keys.witnesses[key.name], "error");

  let latest;
  try {
    const note = await request(`${cfg.api}/checkpoints/latest`, { as: "text" });
    latest = await openCheckpoint(note, cfg.log_key, cfg.origin);
  } catch (e) {
    refuse(t("w.signature_bad") + e.message);
  }
  const cp = latest.checkpoint;
  check("ok", t("w.signature_ok", { size: cp.size }));
  await judged(cp);
  rememberCheckpoint(localStorage, cfg.origin, cfg.log_key, { size: cp.size, root: cp.root });

  const line = await cosignatureLine(latest.text, key, Math.floor(Date.now() / 1000));
  let data;
  try {
    data = await request(`${cfg.api}/checkpoints/${cp.size}/cosignatures`,
      { method: "POST", token, json: { witness: key.name, signature: line } });
  } catch (e) {
    if (e instanceof HttpError) return say(`${S.error}${e.message}`, "error");
    throw e;
  }
  if (!data.note.includes(line)) return say(`${S.error}${t("w.missing")}`, "error");
  showCount(cp.size, cp.root, cosignatureCount(data.note, cfg.origin));
  say(t("w.done", { size: cp.size, count: cosignatureCount(data.note, cfg.origin) }));
}

const button = $("cosign-button");
$("cosign-token").value = sessionStorage.getItem(TOKEN_KEY) || "";
$("cosign-token").addEventListener("change",
  () => sessionStorage.setItem(TOKEN_KEY, $("cosign-token").value.trim()));
$("cosign-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  button.disabled = true;
  try {
    await cosign();
  } catch (e) {
    if (e instanceof Refused) say(e.message, e.loud ? "warning" : "error");
    else say(S.error + e.message, "error");
  } finally {
    button.disabled = false;
  }
});
showChosenFile($("witness-key"), $("witness-key-name"), S);
if ($("register-file")) showChosenFile($("register-file"), $("register-file-name"), S);
