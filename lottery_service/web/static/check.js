// Parents' page: the DOM side of check-view.js. The family enters the registration
// number and the ID digits; the page fetches the proof, checks it in this browser and
// draws only checkView()'s output (PROTOCOL.md §14).
import { Phase, checkView, credentials, runCheck } from "./check-view.js";
import { el, pageData, request, stepItem, translator } from "./page.js";

const { S, cfg } = pageData();
const t = translator(S);
const $ = (id) => document.getElementById(id);
const post = (path, json) => request(cfg.api + path, { method: "POST", json });
let run = 0; // the latest submission; an older one finishing late draws nothing

function draw(view) {
  const message = $("message");
  message.hidden = !view.message;
  message.textContent = view.message ? view.message.text : "";
  message.className = `message ${view.message ? view.message.kind : ""}`;

  const section = $("check");
  section.hidden = view.status === null;
  const status = $("status");
  status.textContent = view.status ? view.status.text : "";
  status.className = `status ${view.status ? view.status.tone : ""}`;

  const card = view.card;
  $("result").hidden = card === null;
  $("outcome").textContent = card ? card.headline : "";
  $("outcome").className = `outcome ${card ? card.tone : ""}`;
  $("outcome-note").textContent = card ? card.note : "";
  $("details").replaceChildren(...(card ? card.rows.flatMap((r) => [
    el("dt", { text: r.label, class: r.mono ? "wide" : null, "data-key": r.key }),
    el("dd", { text: r.value, class: r.mono ? "hash wide" : null, "data-key": r.key }),
  ]) : []));
  $("number-note").textContent = card?.numberNote ?? "";
  $("number-note").hidden = !card?.numberNote;

  const failure = view.failure;
  $("failure").hidden = failure === null;
  $("failure").className = failure?.loud ? "warning" : "message error";
  $("failure-text").textContent = failure ? failure.text : "";
  $("failure-contact").textContent = failure?.contact ?? "";

  $("mismatch").hidden = view.mismatch === null;
  $("mismatch").textContent = view.mismatch ?? "";

  $("steps").replaceChildren(...view.steps.map(stepItem));
  $("technical").hidden = view.technical.length === 0;
  $("technical-text").textContent = view.technical.join("\n");
  $("announce").textContent = view.announce ?? "";
}

$("lookup-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const mine = ++run;
  const given = credentials($("reg").value, $("id_last4").value);
  if (given === null) {
    draw({ ...checkView({ phase: Phase.IDLE }, t), message: { kind: "error", text: t("c.bad_input") } });
    return;
  }
  const button = $("lookup-button");
  button.disabled = true;
  draw(checkView({ phase: Phase.CHECKING }, t));
  let state;
  try {
    state = await runCheck(given, { post, storage: localStorage, event: cfg.event, logKey: cfg.log_key });
  } catch (e) {
    state = { phase: Phase.FAILED, error: e };
  } finally {
    button.disabled = false;
  }
  if (mine !== run) return;
  draw(checkView(state, t));
  // Bring the verdict into view on a phone (the form is above it); aria-live announces it.
  if (state.phase === Phase.VERIFIED) $("outcome").focus();
  else if (state.phase === Phase.FAILED) $("status").focus();
});
