// Operator console: the season's steps as a guided flow (operate-view.js decides what is
// valid and what every answer says; this file draws and calls the API). The admin token
// stays in this tab; an escrow private key stays in this page's memory (the notary's
// browser, §5.4) and leaves it only with the release step.
import { escrowPublicKey, openEscrow } from "./ceremony-crypto.js";
import { bytesToHex, hexToBytes } from "./encoding.js";
import {
  IRREVERSIBLE, answer, ceremonyFacts, consequence, flow, importReport, parseDice, parseKeyFile,
  parseParticipants, previewLines, refusal, stages, stepName,
} from "./operate-view.js";
import { HttpError, el, filePicker, pageData, request, translator } from "./page.js";

const { S, cfg } = pageData();
const t = translator(S);
const $ = (id) => document.getElementById(id);
const KEY = "sunshine-draw/operator-token";
const MARKS = { done: "✓", next: "→", open: "·", later: "–" };
const answers = new Map(); // step id → {text, bad, extra: () => Node | null}
const escrowKeys = new Map(); // ceremony → private key hex, in memory only
let view = { event: null, status: null };

function say(text, bad = false) {
  const out = $("out");
  out.textContent = text;
  out.className = `message ${bad ? "error" : "info"}`;
  out.hidden = false;
}

const token = () => sessionStorage.getItem(KEY) || $("token").value.trim();

/** One API call: {status: null, data} when it succeeded, {status, data} when refused. */
async function call(path, { method = "POST", json, form, root = false, as } = {}) {
  try {
    const url = (root ? cfg.root : cfg.api) + path;
    return { status: null, data: await request(url, { method, json, form, token: token(), as }) };
  } catch (e) {
    if (e instanceof HttpError) return { status: e.status, data: e.data ?? null };
    throw e;
  }
}

/** Fetch a file with the token and hand it to the browser as a download. */
async function download(path, name, { form, method = "GET" } = {}) {
  const init = { method, headers: { Authorization: `Bearer ${token()}` }, body: form };
  const res = await fetch(cfg.api + path, init);
  if (!res.ok) {
    let data = null;
    try { data = await res.json(); } catch { data = null; }
    return { status: res.status, data };
  }
  saveBlob(await res.blob(), name);
  return { status: null, data: null };
}

function saveBlob(blob, name) {
  const a = el("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

async function refresh() {
  const ev = await call("", { method: "GET" });
  const event = ev.status === null ? ev.data : null;
  let status = null;
  if (event && token()) {
    const st = await call("/console", { method: "GET" });
    status = st.status === null ? st.data : null;
    if (st.status === 401 || st.status === 403) say(refusal(t, st.status, st.data, cfg.lang), true);
  }
  view = { event, status };
  $("phase").textContent = t(`phase.${event ? event.phase : "setup"}`);
  redraw();
}

let drawn = "";
/** Redraw only when something changed, so a file chosen in a card is not lost. */
function redraw() {
  const seen = JSON.stringify([view, [...answers.entries()].map(([k, a]) => [k, a.text])]);
  if (seen !== drawn) draw();
  drawn = seen;
}

/** Run one step: confirm it when irreversible, call it, say the answer, redraw. */
async function act(step, run, { facts = {}, code = null } = {}) {
  const name = stepName(t, step);
  const verb = step.kind === "import" ? "import" : step.id.split(":")[0];
  if (IRREVERSIBLE.has(verb) && !await confirmStep(name, consequence(t, step, facts), code)) return;
  answers.delete(step.id); // the card shows no stale answer while this one runs
  $("out").hidden = true;
  redraw();
  let result;
  try { result = await run(); } catch (e) { result = { status: 0, data: { message_zh: String(e.message ?? e) } }; }
  await refresh(); // the phase the step met, for a refusal; then the answer on its card
  const { text, bad } = result.say ?? answer(t, name, withPhase(result), cfg.lang);
  answers.set(step.id, { text, bad, extra: result.extra ?? null });
  say(text, bad);
  redraw();
  if (result.after) await result.after();
}

/** A step refused as out of order says the phase it met (as the log now tells it). */
function withPhase(result) {
  if (result.status !== 409 || !result.data || result.data.phase || !view.event) return result;
  if (!/Phase|Frozen/.test(result.data.error ?? "")) return result;
  return { ...result, data: { ...result.data, phase: view.event.phase } };
}

function confirmStep(name, text, code) {
  const dialog = $("confirm");
  $("confirm-title").textContent = t("o.confirm.title", { step: name });
  const body = $("confirm-text");
  body.replaceChildren(...(Array.isArray(text) ? text : [text]).map((line) =>
    typeof line === "string" ? el("p", { text: line }) : line));
  const codeBox = $("confirm-code");
  const input = $("confirm-code-input");
  codeBox.hidden = code === null;
  input.value = "";
  if (code !== null) $("confirm-code-label").textContent = t("o.confirm.code", { code });
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      const confirmed = dialog.returnValue === "ok";
      const ok = confirmed && (code === null || input.value.trim() === code);
      if (confirmed && !ok) say(t("o.confirm.code_bad", { code }), true);
      resolve(ok);
    }, { once: true });
    dialog.showModal();
    (code === null ? $("confirm-cancel") : input).focus();
  });
}

// ---------------------------------------------------------------- drawing

function field(id, label, input, hint) {
  input.id = id;
  const kids = [el("label", { for: id, id: `${id}-label`, text: label })];
  if (input.type === "file") {  // named by the field's label alone, not the button's too
    input.setAttribute("aria-labelledby", `${id}-label`);
    kids.push(filePicker(input, S));
  } else kids.push(input);
  if (hint) {
    input.setAttribute("aria-describedby", `${id}-hint`);
    kids.push(el("p", { class: "hint", id: `${id}-hint`, text: hint }));
  }
  return el("div", { class: "field" }, ...kids);
}

function button(text, onClick, { primary = false, disabled = false } = {}) {
  const b = el("button", { type: "button", class: primary ? "primary" : "", text, disabled });
  b.addEventListener("click", async () => {
    b.disabled = true;
    try { await onClick(); } finally { b.disabled = false; }
  });
  return b;
}

function draw() {
  const steps = flow(view);
  const list = $("flow-list");
  const cards = [];
  list.replaceChildren();
  for (const { stage, steps: items } of stages(steps)) {
    list.append(el("li", { class: "stage", text: t(`o.stage.${stage}`) }));
    const block = el("section", { class: "stage-block", "aria-labelledby": `h-${stage}` },
      el("h2", { id: `h-${stage}`, text: t(`o.stage.${stage}`) }));
    for (const s of items) {
      const id = `step-${s.id.replace(/[^a-z0-9-]/gi, "-")}`;
      list.append(el("li", { class: `item ${s.state}` },
        el("span", { class: "mark", "aria-hidden": "true", text: MARKS[s.state] }),
        el("a", { href: `#${id}`, text: stepName(t, s) }),
        el("span", { class: "sr-only", text: `（${t(`o.state.${s.state}`)}）` })));
      block.append(card(s, id));
    }
    cards.push(block);
  }
  $("flow").replaceChildren(...cards);
  const upcoming = steps.find((s) => s.state === "next");
  const banner = $("next");
  banner.replaceChildren(upcoming
    ? el("span", {}, t("o.next"), el("a", { href: `#step-${upcoming.id.replace(/[^a-z0-9-]/gi, "-")}`, text: stepName(t, upcoming) }))
    : el("span", { text: t("o.next_none") }));
}

function card(s, id) {
  const name = stepName(t, s);
  const badge = s.optional && s.state !== "done" ? "optional" : s.state;
  const box = el("article", { class: `step-card ${s.state}`, id, "data-step": s.id, "aria-labelledby": `${id}-h` },
    el("h3", { id: `${id}-h` }, el("span", { text: name }),
      el("span", { class: `badge ${badge}`, text: t(`o.state.${badge}`) })));
  if (s.why && s.state !== "done") box.append(el("p", { class: "why hint", text: t(s.why.key, whyVars(s.why.vars)) }));
  if (s.enabled) {
    const body = BODIES[s.kind]?.(s, name);
    if (body) box.append(body);
  }
  const a = answers.get(s.id);
  if (a) {
    box.append(el("p", { class: `answer message ${a.bad ? "error" : "info"}`, role: a.bad ? "alert" : null, text: a.text }));
    if (a.extra) box.append(a.extra());
  }
  return box;
}

function whyVars(vars) {
  const out = { ...vars };
  if (vars.phase) out.phase = t(`phase.${vars.phase}`);
  if (vars.need) out.need = t(`phase.${vars.need}`);
  if (vars.kind) out.kind = t(`o.kind.${vars.kind}`);
  if (vars.ceremony) out.ceremony = t(`o.cer.${vars.ceremony}`);
  if (vars.step) out.step = t(`o.cstep.${vars.step}`);
  return out;
}

function form(kids, submitText, onSubmit) {
  const f = el("form", { class: "inline-form fields-top" }, ...kids,
    el("button", { type: "submit", class: "primary", text: submitText }));
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const b = f.querySelector("button[type=submit]");
    b.disabled = true;
    try { await onSubmit(f); } finally { b.disabled = false; }
  });
  return f;
}

const input = (attrs = {}) => el("input", { autocomplete: "off", spellcheck: "false", ...attrs });

async function readKeyFile(file) {
  const hex = parseKeyFile(await file.text());
  if (hex === null) throw new Error(t("o.key.bad"));
  return hex;
}

/** The ceremony's escrow key from this browser's memory, checked against the logged one. */
async function keyFor(ceremony, fileInput) {
  let hex = escrowKeys.get(ceremony);
  if (fileInput && fileInput.files[0]) hex = await readKeyFile(fileInput.files[0]);
  if (!hex) return { error: t("o.why.key") };
  const pub = await escrowPublicKey(hexToBytes(hex));
  const logged = view.event?.ceremonies?.[ceremony]?.escrow_key ?? view.status?.ceremonies?.[ceremony]?.escrow_key;
  if (logged && logged !== pub) return { error: t("o.key.mismatch", { ceremony: t(`o.cer.${ceremony}`) }) };
  escrowKeys.set(ceremony, hex);
  return { hex, pub };
}

function keyInput(s, id) {
  const loaded = escrowKeys.has(s.ceremony);
  return field(id, loaded ? t("o.key.loaded") : t("o.key.file"),
    input({ type: "file", accept: ".key,.txt,text/plain" }));
}

const BODIES = {
  create(s) {
    const grade = el("select", {}, el("option", { value: "1", text: t("o.grade.1") }),
      el("option", { value: "7", text: t("o.grade.7") }));
    return form([
      field("c-event", t("o.f.event"), input({ value: cfg.event, required: true, pattern: "[a-z0-9][a-z0-9\\-]{0,62}" }), t("o.f.event_hint")),
      field("c-title", t("o.f.title"), input({ required: true })),
      field("c-year", t("o.f.year"), input({ type: "number", value: cfg.year, min: 2000, max: 2100, required: true })),
      field("c-grade", t("o.f.grade"), grade),
      field("c-dice", t("o.f.dice"), input({ type: "number", value: 20, min: 1, max: 1000, required: true }), t("o.f.dice_hint")),
      field("c-fee", t("o.f.fee"), input({ type: "number", value: 6000, min: 0, required: true }), t("o.f.fee_hint")),
      field("c-wait", t("o.f.waitlist"), el("select", {}, el("option", { value: "1", text: t("o.f.yes") }),
        el("option", { value: "0", text: t("o.f.no") }))),
      field("c-beacon", t("o.f.beacon"), el("select", {}, el("option", { value: "", text: t("o.f.beacon_none") }),
        el("option", { value: "quicknet", text: t("o.f.beacon_quicknet") })), t("o.f.beacon_hint")),
    ], t("o.step.create"), async () => {
      const event = $("c-event").value.trim();
      const rules = { event, title: $("c-title").value.trim(), year: Number($("c-year").value),
        grade: Number($("c-grade").value), dice: Number($("c-dice").value),
        high_fee_threshold: Number($("c-fee").value), waitlist_promotion: $("c-wait").value === "1",
        beacon: $("c-beacon").value || null };
      await act(s, async () => {
        const r = await call("/events", { json: { rules }, root: true });
        if (r.status === null && event !== cfg.event) {
          r.after = () => { location.href = `/events/${encodeURIComponent(event)}/operate${location.search}`; };
        }
        return r;
      });
    });
  },

  participants(s) {
    const c = s.ceremony;
    const known = view.status?.ceremonies?.[c];
    const people = el("textarea", { required: true, spellcheck: "false" });
    people.value = known?.participants?.map((p) => `${p.id}:${p.role}`).join("\n") || "";
    const key = input({ required: true, value: known?.escrow_key ?? "" });
    const kids = [
      field(`p-${c}-people`, t("o.f.people"), people, t("o.f.people_hint")),
      field(`p-${c}-key`, t("o.f.escrow_key"), key, t("o.f.escrow_key_hint")),
    ];
    const beacon = Boolean(view.event?.rules?.beacon);
    if (beacon) kids.push(field(`p-${c}-by`, t("o.f.dice_by"), input({ required: true, placeholder: "2026-07-23T10:30+08:00" })));
    const f = form(kids, t("o.f.save_setup"), async () => {
      const list = parseParticipants(people.value);
      if (list === null) return say(t("o.f.people_bad"), true);
      const body = { participants: list, escrow_key: key.value.trim() };
      if (beacon) body.physical_entropy_by = $(`p-${c}-by`).value.trim();
      await act(s, async () => {
        const r = await call(`/participants/${c}`, { json: body });
        if (r.status === null) r.say = { text: t("o.participants.done", { ceremony: t(`o.cer.${c}`), n: list.length }), bad: false };
        return r;
      });
    });
    const make = button(t("o.f.keygen"), async () => {
      const pair = await crypto.subtle.generateKey({ name: "X25519" }, true, ["deriveBits"]);
      const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
      const raw = Uint8Array.from(atob(jwk.d.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - jwk.d.length % 4) % 4)), (ch) => ch.charCodeAt(0));
      const hex = bytesToHex(raw);
      escrowKeys.set(c, hex);
      key.value = await escrowPublicKey(raw);
      saveBlob(new Blob([`${hex}\n`], { type: "text/plain" }), `escrow-${cfg.event}-${c}.key`);
      say(t("o.key.made"));
    });
    return el("div", {}, f, el("p", { class: "hint", text: t("o.f.keygen_hint") }), make);
  },

  import(s, name) {
    const kind = s.importKind;
    const file = input({ type: "file", accept: ".csv,.xlsx", required: true });
    const f = form([field(`i-${kind}`, t("o.f.file"), file, t("o.f.file_hint"))], t("o.f.upload"), async () => {
      const chosen = file.files[0];
      if (!chosen) return say(t("o.need.file"), true);
      const data = new FormData();
      data.append("file", chosen);
      await act(s, async () => {
        const r = await call(`/imports/${kind}`, { form: data });
        const kindName = t(`o.kind.${kind}`);
        if (r.status === null) {
          const lines = [t("o.imp.ok", { kind: kindName, rows: r.data.rows }),
            ...(r.data.notes ?? []).map((note) => t("o.imp.note", { note }))];
          const rejected = r.data.rejections?.length ?? 0;
          r.say = { text: lines.join(" "), bad: false };
          if (r.data.preview) {
            r.extra = () => el("div", { class: "report" }, el("p", { text: t("o.imp.preview") }),
              el("ul", { class: "preview-lines" }, ...r.data.preview.split("\n").map((l) => el("li", { text: l.replace(/^· /, "") }))));
          } else if (rejected) r.say.text += ` ${t("o.imp.rejections", { n: rejected })}`;
          return r;
        }
        const report = importReport(t, kindName, r.status, r.data);
        if (report) {
          r.say = { text: report.summary, bad: true };
          r.extra = () => importTable(report, kind, chosen);
        }
        return r;
      });
    });
    return el("div", {}, f, el("p", { class: "templates" },
      el("a", { href: `${cfg.root}/imports/templates/${kind}.xlsx`, download: `template-${kind}.xlsx`,
        text: t("o.imp.template", { kind: t(`o.kind.${kind}`) }) })));
  },

  freeze(s, name) {
    if (s.ceremony !== "lottery") {
      return button(name, () => act(s, () => call(s.path)), { primary: true });
    }
    const box = el("div", { class: "report" });
    const show = button(t("o.pv.load"), async () => {
      const r = await call("/console/roster-preview", { method: "GET" });
      if (r.status !== null) return say(refusal(t, r.status, r.data, cfg.lang), true);
      const { lines, rejected, blocked } = previewLines(t, r.data);
      box.replaceChildren(el("h4", { text: t("o.pv.title") }),
        el("ul", { class: "preview-lines" }, ...lines.map((l) => el("li", { text: l }))),
        button(name, () => act(s, () => call(s.path, { json: { confirm: r.data.confirm } }), {
          facts: { rejected }, code: r.data.confirm,
        }), { primary: true, disabled: blocked }));
    }, { primary: true });
    return el("div", {}, show, box);
  },

  close(s, name) {
    const facts = ceremonyFacts(view.event, s.ceremony);
    const c = view.event.ceremonies[s.ceremony];
    return el("div", {}, el("p", { text: t("o.ceremony.committed", { n: c.committed.length, total: c.participants.length }) }),
      button(name, () => act(s, () => call(s.path), { facts }), { primary: true }));
  },

  escrow(s, name) {
    const c = s.ceremony;
    const facts = ceremonyFacts(view.event, c);
    const key = keyInput(s, `e-${c}-key`);
    const open = button(t("o.f.open_here"), () => act(s, async () => {
      const k = await keyFor(c, key.querySelector("input"));
      if (k.error) return { status: 0, say: { text: k.error, bad: true } };
      const got = await call(`/ceremonies/${c}/escrows`, { method: "GET" });
      if (got.status !== null) return got;
      const opened = [], invalid = [];
      for (const [participant, e] of Object.entries(got.data)) {
        let secret = null;
        try {
          secret = await openEscrow(e.escrow, hexToBytes(e.commitment), hexToBytes(k.hex),
            { event: cfg.event, ceremony: c, participant });
        } catch { secret = null; }
        const r = secret === null
          ? await call(`/ceremonies/${c}/voids`, { json: { participant, reason: "escrow-invalid" } })
          : await call(`/ceremonies/${c}/escrow-openings`, { json: { participant, secret: bytesToHex(secret) } });
        if (r.status !== null) return r;
        (secret === null ? invalid : opened).push(participant);
      }
      const uncommitted = facts.pending.filter((p) => !(p in got.data));
      for (const participant of uncommitted) {
        const r = await call(`/ceremonies/${c}/voids`, { json: { participant, reason: "escrow-holder-absent" } });
        if (r.status !== null) return r;
      }
      const parts = [];
      if (opened.length) parts.push(t("o.escrow.opened", { who: opened.join("、") }));
      if (invalid.length) parts.push(t("o.escrow.invalid", { who: invalid.join("、") }));
      if (!parts.length) parts.push(t("o.escrow.none"));
      return { status: null, say: { text: parts.join(" "), bad: false } };
    }, { facts }), { primary: true });
    const absent = button(t("o.f.holder_absent"), () => act(s, async () => {
      for (const participant of facts.pending) {
        const r = await call(`/ceremonies/${c}/voids`, { json: { participant, reason: "escrow-holder-absent" } });
        if (r.status !== null) return r;
      }
      return { status: null, data: null };
    }, { facts }));
    return el("div", {}, el("p", { text: t("o.ceremony.pending", { who: facts.pending.join("、") || t("o.ceremony.nobody") }) }),
      el("p", { class: "hint", text: t("o.f.escrow_hint") }), key, el("div", { class: "inline-form" }, open, absent));
  },

  entropy(s, name) {
    const n = view.event?.rules?.dice ?? 20;
    const c = s.ceremony;
    return form([
      field(`d-${c}-w`, t("o.f.witness"), input({ required: true, value: "notary-1", pattern: "[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}" }), t("o.f.witness_hint")),
      field(`d-${c}-v`, t("o.f.dice_values", { n }), input({ required: true, inputmode: "numeric" })),
    ], name, async () => {
      const values = parseDice($(`d-${c}-v`).value, n);
      if (values === null) return say(t("o.dice.bad", { n }), true);
      await act(s, () => call(s.path, { json: { witness: $(`d-${c}-w`).value.trim(), values } }));
    });
  },

  beacon(s, name) {
    const c = s.ceremony;
    const json = el("textarea", { spellcheck: "false" });
    const info = view.event.ceremonies[c];
    const due = info.beacon_round_time ? new Date(info.beacon_round_time * 1000).toISOString() : "";
    return el("div", {},
      el("p", { text: t("o.beacon.plan", { round: info.beacon_round ?? "", due, by: info.physical_entropy_by ?? "" }) }),
      form([field(`b-${c}-json`, t("o.f.round_json"), json)], name,
        () => act(s, () => call(`/ceremonies/${c}/beacon`, { json: { round_json: json.value } }))),
      form([field(`b-${c}-relay`, t("o.f.relay"), input({ value: "https://api.drand.sh" }))], t("o.f.fetch"),
        () => act(s, () => call(`/ceremonies/${c}/beacon/fetch`, { json: { relay: $(`b-${c}-relay`).value.trim() } }))));
  },

  simple(s, name) {
    return button(name, () => act(s, () => call(s.path)), { primary: true });
  },

  release(s, name) {
    const c = s.ceremony;
    const key = keyInput(s, `r-${c}-key`);
    return el("div", {}, el("p", { class: "hint", text: t("o.f.release_hint") }), key,
      button(name, () => act(s, async () => {
        const k = await keyFor(c, key.querySelector("input"));
        if (k.error) return { status: 0, say: { text: k.error, bad: true } };
        return call(`/ceremonies/${c}/escrow-key`, { json: { private_key: k.hex } });
      }), { primary: true }));
  },

  export(s, name) {
    return button(name, () => act(s, async () => {
      const r = await call(s.path);
      if (r.status === null) r.say = { text: t("o.export.done", { path: r.data.path }), bad: false };
      return r;
    }), { primary: true });
  },
};

function importTable(report, kind, file) {
  const head = el("tr", {}, ...["row", "column", "value", "problem", "hint"].map((h) =>
    el("th", { scope: "col", text: t(`o.imp.col.${h}`) })));
  const kids = report.facts.map((line) => el("p", { class: "hint", text: line }));
  if (report.shown) kids.push(el("p", { text: report.shown }));
  kids.push(el("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": report.summary },
    el("table", {}, el("thead", {}, head),
    el("tbody", {}, ...report.rows.map((r) => el("tr", {}, ...r.map((v) => el("td", { text: v }))))))));
  kids.push(button(t("o.imp.download"), async () => {
    const data = new FormData();
    data.append("file", file);
    const r = await download(`/imports/${kind}/errors.xlsx`, `errors-${kind}.xlsx`, { form: data, method: "POST" });
    if (r.status !== null) say(refusal(t, r.status, r.data, cfg.lang), true);
  }));
  return el("div", { class: "report" }, ...kids);
}

// ---------------------------------------------------------------- tools

const windowList = el("ul", { class: "windows" });

/** The windows in force (G3, §11.4), each removable before it opens. */
async function listWindows() {
  const r = await call("/windows", { method: "GET" });
  if (r.status !== null) return say(refusal(t, r.status, r.data, cfg.lang), true);
  if (!r.data.length) {
    windowList.replaceChildren(el("li", { text: t("o.window.none") }));
    return;
  }
  windowList.replaceChildren(...r.data.map((w) => el("li", {},
    el("span", { text: t("o.window.line", { phase: t(`o.window.${w.phase}`), opens: w.opens, closes: w.closes,
      daily: w.daily ? t("o.window.daily", { daily: w.daily }) : "" }) }), " ",
    button(t("o.f.window_remove"), () => toolCall(t("o.f.window_remove"),
      async () => {
        const done = await call(`/windows/${w.phase}`, { method: "DELETE" });
        await listWindows();
        return done;
      })))));
}

let tools = 0;
function tool(title, body) {
  tools += 1;
  const id = `tool-${tools}`;
  return el("article", { class: "tool", "aria-labelledby": id }, el("h3", { id, text: title }), body);
}

async function toolCall(name, run) {
  let r;
  try { r = await run(); } catch (e) { r = { status: 0, data: null }; }
  await refresh();
  const { text, bad } = r.say ?? answer(t, name, withPhase(r), cfg.lang);
  say(text, bad);
  return r;
}

function drawTools() {
  const out = [];
  const roles = ["admin", "school", "participant", "supervisor"];
  const tokenOut = el("p", { class: "secret-out", hidden: true });
  out.push(tool(t("o.tool.token"), el("div", {}, form([
    field("t-role", t("o.f.role"), el("select", {}, ...roles.map((r) => el("option", { value: r, text: t(`o.token.${r}`) })))),
    field("t-subject", t("o.f.subject"), input(), t("o.f.subject_hint")),
    field("t-label", t("o.f.label"), input()),
  ], t("o.tool.token"), async () => {
    const body = { role: $("t-role").value, subject: $("t-subject").value.trim(), label: $("t-label").value.trim() };
    const r = await toolCall(t("o.tool.token"), async () => {
      const got = await call("/tokens", { json: body });
      if (got.status === null) got.say = { text: t("o.token.made", { who: body.subject || t(`o.token.${body.role}`) }), bad: false };
      return got;
    });
    tokenOut.hidden = r.status !== null;
    tokenOut.textContent = r.status === null ? r.data.token : "";
  }), tokenOut)));

  const phases = ["registration", "lottery_ceremony", "payment", "cohort", "grouping_ceremony", "teachers", "teacher_ceremony"];
  out.push(tool(t("o.tool.window"), form([
    field("w-phase", t("o.f.window_phase"), el("select", {}, ...phases.map((p) => el("option", { value: p, text: t(`o.window.${p}`) })))),
    field("w-opens", t("o.f.opens"), input({ required: true, placeholder: "2026-06-11T08:00+08:00" })),
    field("w-closes", t("o.f.closes"), input({ required: true, placeholder: "2026-06-21T00:00+08:00" })),
    field("w-daily", t("o.f.daily"), input({ placeholder: "08:00-24:00" })),
  ], t("o.tool.window"), () => toolCall(t("o.tool.window"), async () => {
    const body = { phase: $("w-phase").value, opens: $("w-opens").value.trim(), closes: $("w-closes").value.trim() };
    if ($("w-daily").value.trim()) body.daily = $("w-daily").value.trim();
    const r = await call("/windows", { json: body });
    if (r.status === null) r.say = { text: t("o.window.done", { phase: t(`o.window.${body.phase}`) }), bad: false };
    return r;
  }))));

  out.push(tool(t("o.tool.windows"), el("div", {}, windowList,
    button(t("o.f.windows_load"), listWindows))));

  out.push(tool(t("o.tool.witness"), form([
    field("k-name", t("o.f.witness_name"), input({ required: true, placeholder: "witness.example.com/w1" })),
    field("k-vkey", t("o.f.vkey"), input({ required: true })),
  ], t("o.tool.witness"), () => toolCall(t("o.tool.witness"), async () => {
    const body = { name: $("k-name").value.trim(), vkey: $("k-vkey").value.trim() };
    const r = await call("/witnesses", { json: body });
    if (r.status === null) r.say = { text: t("o.witness.done", { name: body.name }), bad: false };
    return r;
  }))));

  out.push(tool(t("o.tool.correct"), form([
    field("x-seq", t("o.f.seq"), input({ type: "number", min: 0, required: true })),
    field("x-reason", t("o.f.reason"), input({ required: true }), t("o.f.reason_hint")),
  ], t("o.tool.correct"), async () => {
    const name = t("o.tool.correct");
    if (!await confirmStep(name, t("o.warn.correct"), null)) return;
    await toolCall(name, () => call("/corrections", { json: { refers_to: Number($("x-seq").value), reason: $("x-reason").value.trim() } }));
  })));

  const ceremonies = ["lottery", "grouping", "teachers"];
  const ceremonySelect = (id) => el("select", { id }, ...ceremonies.map((c) => el("option", { value: c, text: t(`o.cer.${c}`) })));
  out.push(tool(t("o.tool.withdraw"), form([
    field("y-ceremony", t("o.f.ceremony"), ceremonySelect("y-ceremony")),
    field("y-reason", t("o.f.reason"), input({ required: true }), t("o.f.reason_hint")),
  ], t("o.tool.withdraw"), async () => {
    const name = t("o.tool.withdraw");
    if (!await confirmStep(name, t("o.warn.withdraw-input"), null)) return;
    await toolCall(name, () => call(`/inputs/${$("y-ceremony").value}/withdraw`, { json: { reason: $("y-reason").value.trim() } }));
  })));

  out.push(tool(t("o.tool.receipt"), form([
    field("z-reg", t("o.f.reg"), input({ required: true, pattern: "[A-Z0-9]{4,32}" })),
  ], t("o.tool.receipt"), () => toolCall(t("o.tool.receipt"), async () => {
    const reg = $("z-reg").value.trim();
    const r = await call(`/payments/${encodeURIComponent(reg)}`, { method: "DELETE" });
    if (r.status === null) r.say = { text: t("o.receipt.done", { reg }), bad: false };
    return r;
  }))));

  out.push(tool(t("o.tool.postpone"), form([
    field("q-ceremony", t("o.f.ceremony"), ceremonySelect("q-ceremony")),
    field("q-reason", t("o.f.reason"), el("select", {},
      el("option", { value: "physical-entropy-late", text: t("o.postpone.physical-entropy-late") }),
      el("option", { value: "round-not-published", text: t("o.postpone.round-not-published") }))),
    field("q-by", t("o.f.dice_by"), input({ placeholder: "2026-07-23T11:30+08:00" })),
  ], t("o.tool.postpone"), () => toolCall(t("o.tool.postpone"), () => {
    const body = { reason: $("q-reason").value };
    if ($("q-by").value.trim()) body.physical_entropy_by = $("q-by").value.trim();
    return call(`/ceremonies/${$("q-ceremony").value}/beacon/postpone`, { json: body });
  }))));

  out.push(tool(t("o.tool.openings"), el("div", {}, el("p", { class: "hint", text: t("o.f.openings_hint") }),
    button(t("o.tool.openings"), async () => {
      const r = await download("/openings.jsonl", `openings-${cfg.event}.jsonl`);
      say(r.status === null ? t("o.ok_plain", { step: t("o.tool.openings") }) : refusal(t, r.status, r.data, cfg.lang), r.status !== null);
    }))));

  const s9out = el("div", {});
  out.push(tool(t("o.tool.s9"), el("div", {}, form([
    field("s-school", t("o.f.school"), input({ required: true })),
    field("s-file", t("o.f.register"), input({ type: "file", accept: ".csv", required: true }), t("o.f.register_hint")),
  ], t("o.tool.s9"), async () => {
    const file = $("s-file").files[0];
    if (!file) return say(t("o.need.file"), true);
    const data = new FormData();
    data.append("file", file);
    data.append("school", $("s-school").value.trim());
    const r = await call("/register-check", { form: data });
    if (r.status !== null) { s9out.replaceChildren(); return say(refusal(t, r.status, r.data, cfg.lang), true); }
    const d = r.data;
    const text = d.clean ? t("o.s9.clean", { school: d.school, rows: d.rows })
      : t("o.s9.diff", { school: d.school, moved: d.moved.length, missing: d.missing_from_register.length, extra: d.not_in_grouping.length });
    say(text, !d.clean);
    s9out.replaceChildren(el("ul", {}, ...d.moved.slice(0, 50).map((m) => el("li", { text: t("o.s9.moved", m) }))));
  }), s9out)));

  $("tools").replaceChildren(...out);
}

// ---------------------------------------------------------------- start

$("token").value = sessionStorage.getItem(KEY) || "";
$("token-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  sessionStorage.setItem(KEY, $("token").value.trim());
  say(t("o.saved"));
  await refresh();
});
drawTools();
refresh();
