// Parents' page: look up a result, then verify it in this browser with proof.js (PROTOCOL.md §14).
import { checkProof, ProofError, rememberCheckpoint, trustedCheckpoint } from "./proof.js";

const S = JSON.parse(document.getElementById("i18n").textContent);
const cfg = JSON.parse(document.getElementById("config").textContent);
const $ = (id) => document.getElementById(id);
const form = $("lookup-form");
const message = $("message");
let current = null; // {reg, id_last4, result}

// The checker's failure steps, grouped into what a family is told (in order).
const STEPS = ["input", "signature", "consistency", "inclusion", "roster", "number", "outcome"];
const STEP_OF = {
  input: "input", reg: "input", key: "signature", signature: "signature",
  checkpoint: "signature", consistency: "consistency", inclusion: "inclusion",
  entry: "inclusion", entries: "inclusion", roster: "roster", number: "number",
  outcome: "outcome",
};

function fmt(key, vars = {}) {
  return (S[key] || key).replace(/\{(\w+)\}/g, (_, k) => String(vars[k]));
}

function show(text, kind = "error") {
  message.textContent = text;
  message.className = `message ${kind}`;
  message.hidden = !text;
}

function outcomeText(r) {
  if (r.outcome === "admitted") return fmt("outcome.admitted");
  if (r.outcome === "not_admitted" && r.waiting) return fmt("outcome.waiting", { n: r.waiting });
  if (r.outcome === "not_admitted") return fmt("outcome.not_drawn");
  return fmt("outcome.none");
}

function row(dl, label, value, mono = false) {
  if (value === null || value === undefined || value === "") return;
  const dt = document.createElement("dt");
  dt.textContent = label;
  const dd = document.createElement("dd");
  dd.textContent = String(value);
  if (mono) { dd.className = "hash wide"; dt.className = "wide"; }
  dl.append(dt, dd);
}

function render(r) {
  const h = $("outcome");
  h.textContent = outcomeText(r);
  h.className = `outcome ${r.outcome === "admitted" ? "good" : "plain"}`;
  const dl = $("details");
  dl.replaceChildren();
  row(dl, S.school || "School", r.school_name || r.school);
  row(dl, S["rank"], r.rank);
  if (r.forfeited) row(dl, "", fmt("forfeited"));
  if (r.promoted_round) row(dl, "", fmt("promoted", { n: r.promoted_round }));
  row(dl, S["class"], r["class"]);
  row(dl, S["teacher"], r.teacher_name || r.teacher);
  row(dl, S["lottery_number"], r.number, true);
  row(dl, S["cutoff"], r.cutoff, true);
  $("result").hidden = false;
  $("steps").replaceChildren();
  $("verdict").textContent = "";
  $("warning").hidden = true;
}

async function post(path, body) {
  const res = await fetch(cfg.api + path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  if (res.status === 404) throw new Error(S.not_found);
  if (res.status === 429) throw new Error(S.too_many);
  if (!res.ok) {
    let detail = "";
    try { detail = JSON.stringify((await res.json()).detail ?? ""); } catch { detail = ""; }
    throw new Error(`${S.error}HTTP ${res.status} ${detail}`);
  }
  return res.json();
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const reg = $("reg").value.trim().toUpperCase();
  const last4 = $("id_last4").value.trim().toUpperCase();
  if (!/^[A-Z0-9]{4,32}$/.test(reg) || !/^[0-9]{3}[0-9X]$/.test(last4)) {
    show(S.not_found);
    return;
  }
  show(S.looking, "info");
  $("result").hidden = true;
  try {
    const result = await post("/lookup", { reg, id_last4: last4 });
    current = { reg, id_last4: last4, result };
    show("");
    render(result);
    $("outcome").focus?.();
  } catch (e) {
    show(e.message);
  }
});

function drawSteps(failedAt) {
  const list = $("steps");
  list.replaceChildren();
  const stop = failedAt === null ? STEPS.length : STEPS.indexOf(failedAt);
  STEPS.forEach((step, i) => {
    const li = document.createElement("li");
    const state = i < stop ? "ok" : i === stop ? "bad" : "skipped";
    li.className = `step ${state}`;
    li.dataset.step = step;
    const mark = document.createElement("span");
    mark.className = "mark";
    mark.setAttribute("aria-hidden", "true");
    mark.textContent = state === "ok" ? "✓" : state === "bad" ? "✗" : "–";
    const text = document.createElement("span");
    text.textContent = `${S["step." + step]} (${S["step." + state]})`;
    li.append(mark, text);
    list.append(li);
  });
}

$("verify").addEventListener("click", async () => {
  if (!current) return;
  const button = $("verify");
  button.disabled = true;
  $("verdict").textContent = S.verifying;
  $("warning").hidden = true;
  const trusted = trustedCheckpoint(localStorage, cfg.event);
  const body = { reg: current.reg, id_last4: current.id_last4 };
  if (trusted) body.trusted_size = trusted.size;
  try {
    const proof = await post("/proof", body);
    const proved = await checkProof(proof, {
      reg: current.reg, pinnedKey: cfg.log_key, trustedCheckpoint: trusted,
    });
    rememberCheckpoint(localStorage, cfg.event,
      { size: proved.checkpointSize, root: proved.checkpointRoot });
    drawSteps(null);
    $("verdict").textContent = S.verified;
    $("verdict").className = "good";
  } catch (e) {
    if (e instanceof ProofError) {
      const step = STEP_OF[e.step] || "input";
      drawSteps(step);
      if (step === "consistency") {
        const w = $("warning");
        w.textContent = S.inconsistent;
        w.hidden = false;
      }
      $("verdict").textContent = S.failed + e.message;
    } else {
      $("verdict").textContent = S.failed + e.message;
    }
    $("verdict").className = "bad";
  } finally {
    button.disabled = false;
  }
});
