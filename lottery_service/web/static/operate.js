// Operator console: each button calls one JSON API step; the admin token stays in this tab.
const S = JSON.parse(document.getElementById("i18n").textContent);
const cfg = JSON.parse(document.getElementById("config").textContent);
const $ = (id) => document.getElementById(id);
const KEY = "sunshine-draw/operator-token";
const out = $("out");

$("token").value = sessionStorage.getItem(KEY) || "";
$("token-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  sessionStorage.setItem(KEY, $("token").value.trim());
  say(S.done);
});

function say(text, bad = false) {
  out.textContent = text;
  out.className = `message ${bad ? "error" : "info"}`;
  out.hidden = false;
}

function headers() {
  const token = sessionStorage.getItem(KEY) || $("token").value.trim();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function call(path, body, isForm = false) {
  const init = { method: "POST", headers: headers() };
  if (isForm) init.body = body;
  else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(cfg.api + path, init);
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  return { res, data };
}

function report({ res, data }) {
  const text = data ? JSON.stringify(data) : "";
  say(`HTTP ${res.status} ${text}`, !res.ok);
}

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
  const values = $("dice").value.trim().split(/[\s,]+/).filter(Boolean).map(Number);
  const want = Number($("dice").dataset.count);
  if (values.length !== want || values.some((v) => !Number.isInteger(v) || v < 1 || v > 6)) {
    say(`${S.dice}: ${want} × 1–6`, true);
    return;
  }
  report(await call(`/ceremonies/${$("ceremony").value}/entropy`, { witness: $("witness").value.trim(), values }));
});

$("import-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const box = $("import-errors");
  box.hidden = true;
  const file = $("import-file").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  const result = await call(`/imports/${$("kind").value}`, form, true);
  report(result);
  if (result.res.status === 422 && result.data && Array.isArray(result.data.errors)) {
    const rows = result.data.errors.map((e) => {
      const tr = document.createElement("tr");
      for (const v of [e.row, e.field, e.reason]) {
        const td = document.createElement("td");
        td.textContent = String(v);
        tr.append(td);
      }
      return tr;
    });
    const table = document.createElement("table");
    table.innerHTML = "<thead><tr><th scope=col></th><th scope=col></th><th scope=col></th></tr></thead><tbody></tbody>";
    [S.row, S.field, S.reason].forEach((h, i) => { table.tHead.rows[0].cells[i].textContent = h; });
    table.tBodies[0].append(...rows);
    const p = document.createElement("p");
    p.textContent = S.import_errors;
    box.replaceChildren(p, table);
    box.hidden = false;
  }
});
