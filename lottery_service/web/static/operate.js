// Operator console: each button calls one JSON API step; the admin token stays in this tab.
// The decisions are operate-view.js's; this file wires the page.
import { answer, importErrors, parseDice } from "./operate-view.js";
import { HttpError, el, pageData, request } from "./page.js";

const { S, cfg } = pageData();
const $ = (id) => document.getElementById(id);
const KEY = "sunshine-draw/operator-token";
const out = $("out");

function say(text, bad = false) {
  out.textContent = text;
  out.className = `message ${bad ? "error" : "info"}`;
  out.hidden = false;
}

/** POST to the event API: {status: null, data} when it succeeded, {status, data} when refused. */
async function call(path, { json, form } = {}) {
  const token = sessionStorage.getItem(KEY) || $("token").value.trim();
  try {
    return { status: null, data: await request(cfg.api + path, { method: "POST", json, form, token }) };
  } catch (e) {
    if (e instanceof HttpError && e.status) return { status: e.status, data: e.data ?? null };
    throw e;
  }
}

function report(result) {
  const { text, bad } = answer(result);
  say(text, bad);
}

$("token").value = sessionStorage.getItem(KEY) || "";
$("token-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  sessionStorage.setItem(KEY, $("token").value.trim());
  say(S.done);
});

for (const button of document.querySelectorAll("button[data-path]")) {
  button.addEventListener("click", async () => {
    const path = button.dataset.path.replace("{c}", $("ceremony").value);
    button.disabled = true;
    try { report(await call(path)); } catch (e) { say(S.error + e.message, true); }
    finally { button.disabled = false; }
  });
}

$("entropy-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const want = Number($("dice").dataset.count);
  const values = parseDice($("dice").value, want);
  if (values === null) return say(`${S.dice}: ${want} × 1–6`, true);
  try {
    report(await call(`/ceremonies/${$("ceremony").value}/entropy`,
      { json: { witness: $("witness").value.trim(), values } }));
  } catch (e) { say(S.error + e.message, true); }
});

$("import-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const box = $("import-errors");
  box.hidden = true;
  const file = $("import-file").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  let result;
  try { result = await call(`/imports/${$("kind").value}`, { form }); } catch (e) { return say(S.error + e.message, true); }
  report(result);
  const rows = importErrors(result.status, result.data);
  if (rows === null) return;
  const head = el("tr", {}, ...[S.row, S.field, S.reason].map((h) => el("th", { scope: "col", text: h })));
  box.replaceChildren(el("p", { text: S.import_errors }), el("table", {}, el("thead", {}, head),
    el("tbody", {}, ...rows.map((r) => el("tr", {}, ...r.map((v) => el("td", { text: v })))))));
  box.hidden = false;
});
