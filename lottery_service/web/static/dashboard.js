// Supervisor dashboard: cosign the latest checkpoint in this browser (PROTOCOL.md §12).
//
// The supervisor's witness private key is read from the file they choose and used
// here with WebCrypto (cosign.js); it is never sent. Before signing, the page checks
// the log's signature on the checkpoint with the log key the page ships (proof.js
// openNote), and compares it with the checkpoint this browser remembered for the
// event: a smaller size or another root at the same size is refused, and a grown
// log must come with an RFC 9162 consistency proof from the remembered size.
import { cosignatureLine, parsePrivateKey } from "./cosign.js";
import {
  ORIGIN_PREFIX,
  openNote,
  parseCheckpoint,
  rememberCheckpoint,
  trustedCheckpoint,
  verifyConsistency,
} from "./proof.js";

const S = JSON.parse(document.getElementById("i18n").textContent);
const cfg = JSON.parse(document.getElementById("config").textContent);
const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "sunshine-draw/supervisor-token";
const out = $("cosign-out");

function fmt(key, vars = {}) {
  return (S[key] || key).replace(/\{(\w+)\}/g, (_, k) => String(vars[k]));
}

function say(text, kind = "info") {
  out.textContent = text;
  out.className = `message ${kind}`;
  out.hidden = false;
}

/** One line of what was checked: ok (✓), bad (✗) or skipped (–, not checked). */
function check(state, text) {
  const li = document.createElement("li");
  li.className = `step ${state}`;
  const mark = document.createElement("span");
  mark.className = "mark";
  mark.setAttribute("aria-hidden", "true");
  mark.textContent = state === "ok" ? "✓" : state === "bad" ? "✗" : "–";
  const span = document.createElement("span");
  span.textContent = text;
  li.append(mark, span);
  $("cosign-checks").append(li);
}

class Refused extends Error {}

function refuse(text) {
  check("bad", text);
  throw new Refused(text);
}

async function get(path, kind = "text") {
  const res = await fetch(cfg.api + path, { cache: "no-store" });
  if (!res.ok) throw new Error(`HTTP ${res.status} ${path}`);
  return kind === "json" ? res.json() : res.text();
}

/** The signed checkpoint note at `path`, opened with the page's log key (§12). */
async function signedCheckpoint(path) {
  const note = await get(path);
  const opened = await openNote(note, cfg.log_key);
  const cp = parseCheckpoint(opened.text);
  if (cp.origin !== ORIGIN_PREFIX + cfg.event) {
    throw new Error(`checkpoint origin ${cp.origin} is not ${ORIGIN_PREFIX + cfg.event}`);
  }
  return { note, text: opened.text, cp };
}

/** Compare with the remembered checkpoint; refuses a shrink or a fork (§12, RFC 9162). */
async function consistency(cp) {
  const old = trustedCheckpoint(localStorage, cfg.event);
  if (old === null) return check("skipped", fmt("w.first_seen"));
  if (cp.size < old.size) refuse(fmt("w.older", { new: cp.size, old: old.size }));
  if (cp.size === old.size) {
    if (cp.root !== old.root) refuse(fmt("w.fork", { size: cp.size }));
    return check("ok", fmt("w.same", { size: cp.size }));
  }
  let before;
  try {
    before = await signedCheckpoint(`/checkpoints/${old.size}`);
  } catch (e) {
    refuse(fmt("w.old_missing", { old: old.size }) + e.message);
  }
  if (before.cp.root !== old.root) refuse(fmt("w.fork", { size: old.size }));
  const proof = JSON.parse(await get(`/checkpoints/${cp.size}/consistency?from=${old.size}`));
  try {
    await verifyConsistency(old.size, cp.size, old.root, cp.root, proof.proof);
  } catch (e) {
    refuse(fmt("w.fork", { size: old.size }) + " " + e.message);
  }
  check("ok", fmt("w.grew", { old: old.size, new: cp.size }));
}

function cosignatureCount(note, logName) {
  const block = note.slice(note.lastIndexOf("\n\n") + 2, -1).split("\n");
  return block.filter((line) => !line.startsWith(`\u2014 ${logName} `)).length;
}

function showCount(size, root, count) {
  let row = document.querySelector(`#checkpoint-table tr[data-size="${size}"]`);
  if (!row) { // a checkpoint signed after this page was rendered
    row = document.createElement("tr");
    row.dataset.size = String(size);
    for (const [cls, text] of [["num", String(size)], ["", root], ["num", ""]]) {
      const td = document.createElement("td");
      if (cls) td.className = cls;
      td.textContent = text;
      row.append(td);
    }
    $("checkpoint-table").querySelector("tbody").prepend(row);
  }
  row.lastElementChild.textContent = String(count);
}

async function cosign() {
  $("cosign-checks").replaceChildren();
  const token = $("cosign-token").value.trim();
  const file = $("witness-key").files[0];
  if (!token || !file) return say(fmt("w.need_fields"), "error");
  say(fmt("w.cosigning"));
  let key;
  try {
    key = await parsePrivateKey(await file.text());
  } catch (e) {
    return say(fmt("w.bad_key") + e.message, "error");
  }
  const keys = await get("/keys", "json");
  const registered = keys.witnesses[key.name];
  if (registered === undefined) return say(fmt("w.not_registered") + key.witnessKey, "error");
  if (registered !== key.witnessKey) return say(fmt("w.other_key") + registered, "error");

  let latest;
  try {
    latest = await signedCheckpoint("/checkpoints/latest");
  } catch (e) {
    refuse(fmt("w.signature_bad") + e.message);
  }
  const { cp } = latest;
  check("ok", fmt("w.signature_ok", { size: cp.size }));
  await consistency(cp);
  rememberCheckpoint(localStorage, cfg.event, { size: cp.size, root: cp.root });

  const line = await cosignatureLine(latest.text, key, Math.floor(Date.now() / 1000));
  const res = await fetch(`${cfg.api}/checkpoints/${cp.size}/cosignatures`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ witness: key.name, signature: line }),
  });
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  if (!res.ok) {
    const detail = data && (typeof data.detail === "string" ? data.detail : JSON.stringify(data));
    return say(`${S.error}HTTP ${res.status} ${detail || ""}`, "error");
  }
  if (!data.note.includes(line)) return say(`${S.error}${fmt("w.missing")}`, "error");
  const count = cosignatureCount(data.note, ORIGIN_PREFIX + cfg.event);
  showCount(cp.size, cp.root, count);
  say(fmt("w.done", { size: cp.size, count }));
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
    say(e instanceof Refused ? e.message : S.error + e.message, "error");
  } finally {
    button.disabled = false;
  }
});
