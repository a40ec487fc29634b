// Parents' page: the DOM side of check-view.js. The family enters the registration
// number and the ID digits (or picks a saved receipt file); the page gets the receipt,
// checks it in this browser and draws only checkView()'s output (PROTOCOL.md §14).
import { Phase, checkView, credentials, regOnly, runCheck } from "./check-view.js";
import { el, pageData, stepItem, translator } from "./page.js";
import { apiSource, fileSource, staticSource } from "./receipt-source.js";
import encodeQR from "./vendor/paulmillr-qr.js";

const { S, cfg } = pageData();
const t = translator(S);
const $ = (id) => document.getElementById(id);
let run = 0; // the latest submission; an older one finishing late draws nothing
let policyText = cfg.policy;
let download = null; // the object URL of the verified receipt file

function onlineSource() {
  if (cfg.source === "static") return staticSource(cfg.static_base, cfg.origin);
  return apiSource(cfg.api);
}

function drawCard(card) {
  $("result").hidden = card === null;
  $("badge").hidden = !card || card.status === "before-draw";
  $("outcome").textContent = card ? card.headline : "";
  $("outcome").className = `outcome ${card ? card.tone : ""}`;
  $("outcome-lines").replaceChildren(...(card ? card.lines.map((text) => el("li", { text })) : []));
  $("details").replaceChildren(...(card ? card.rows.flatMap((r) => [
    el("dt", { text: r.label, class: r.mono ? "wide" : null, "data-key": r.key }),
    el("dd", { text: r.value, class: r.mono ? "hash wide" : null, "data-key": r.key }),
  ]) : []));
  $("number-note").textContent = card?.numberNote ?? "";
  $("number-note").hidden = !card?.numberNote;
}

function drawReceipt(state) {
  const box = $("receipt");
  if (download) URL.revokeObjectURL(download);
  download = null;
  box.hidden = state.phase !== Phase.VERIFIED;
  if (box.hidden) return;
  const reg = state.result.fields.reg;
  download = URL.createObjectURL(new Blob([state.receiptText], { type: "text/plain" }));
  const link = $("receipt-download");
  link.href = download;
  link.download = `${reg}.tlog-proof`;
  const base = cfg.public_url || `${location.origin}${location.pathname}`;
  const url = `${base}#reg=${encodeURIComponent(reg)}`;
  $("receipt-qr").innerHTML = encodeQR(url, "svg", { ecc: "medium", border: 2 }); // our own SVG
  $("receipt-qr").querySelector("svg")?.setAttribute("aria-hidden", "true");
  $("receipt-url").textContent = url;
}

function draw(view, state) {
  const message = $("message");
  message.hidden = !view.message;
  message.textContent = view.message ? view.message.text : "";
  message.className = `message ${view.message ? view.message.kind : ""}`;

  $("check").hidden = view.status === null;
  $("status").textContent = view.status ? view.status.text : "";
  $("status").className = `status ${view.status ? view.status.tone : ""}`;
  drawCard(view.card);
  $("witnesses").hidden = view.witnesses === null;
  $("witness-count").textContent = view.witnesses?.text ?? "";
  $("witness-quorum").textContent = view.witnesses?.quorum ?? "";
  $("witness-quorum").className = view.witnesses?.met ? "good" : "warn";

  const failure = view.failure;
  $("failure").hidden = failure === null;
  $("failure").className = failure?.loud ? "warning" : "message error";
  $("failure-text").textContent = failure ? failure.text : "";
  $("failure-contact").textContent = failure?.contact ?? "";
  $("card-contact").textContent = view.card ? view.contact : "";

  $("steps-box").hidden = view.steps.length === 0;
  $("steps").replaceChildren(...view.steps.map(stepItem));
  $("technical").hidden = view.technical.length === 0;
  $("technical-text").textContent = view.technical.join("\n");
  $("announce").textContent = view.announce ?? "";
  drawReceipt(state);
}

async function check(given, source) {
  const mine = ++run;
  const button = $("lookup-button");
  button.disabled = true;
  draw(checkView({ phase: Phase.CHECKING }, t, cfg), { phase: Phase.CHECKING });
  const started = performance.now();
  let state;
  try {
    state = await runCheck(given, { source, storage: localStorage, policyText });
  } catch (e) {
    state = { phase: Phase.FAILED, error: e };
  } finally {
    button.disabled = false;
  }
  if (mine !== run) return;
  document.body.dataset.verifyMs = String(Math.round(performance.now() - started));
  draw(checkView(state, t, cfg), state);
  // Bring the verdict into view on a phone (the form is above it); aria-live announces it.
  if (state.phase === Phase.VERIFIED) $("outcome").focus();
  else if (state.phase === Phase.FAILED) $("status").focus();
}

function refuse(key) {
  draw({ ...checkView({ phase: Phase.IDLE }, t, cfg), message: { kind: "error", text: t(key) } },
    { phase: Phase.IDLE });
}

$("lookup-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const given = credentials($("reg").value, $("id_last4").value);
  if (given === null) return refuse("c.bad_input");
  if (cfg.results_published === false) {
    run++;
    const state = { phase: Phase.BEFORE_DRAW };
    return draw(checkView(state, t, cfg), state);
  }
  return check(given, onlineSource());
});

function checkFile(file) {
  const reg = regOnly($("reg").value);
  if (reg === null) return refuse("c.file_need_reg");
  return check({ reg }, fileSource(file));
}

$("receipt-file").addEventListener("change", (ev) => {
  const file = ev.target.files[0];
  if (file) checkFile(file);
  ev.target.value = "";
});
$("policy-file").addEventListener("change", async (ev) => {
  const file = ev.target.files[0];
  if (!file) return;
  policyText = await file.text();
  $("policy-name").textContent = t("c.file_policy_loaded", { name: file.name });
  ev.target.value = "";
});
const drop = $("file-drop");
drop.addEventListener("dragover", (ev) => { ev.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (ev) => {
  ev.preventDefault();
  drop.classList.remove("over");
  const file = ev.dataTransfer.files[0];
  if (file) checkFile(file);
});

// A QR code of a receipt opens this page with the registration number filled in.
const fromHash = new URLSearchParams(location.hash.slice(1)).get("reg");
if (fromHash && regOnly(fromHash)) $("reg").value = regOnly(fromHash);
