// Supervisors' read-only page: the DOM side of supervise-view.js. Everything is read from
// the publication directory this page sits in and checked in this browser before it is
// drawn (PROTOCOL.md §18.2); nothing is sent anywhere.
import { CHECKS, runSupervision } from "./supervise-view.js";
import { TileError } from "./tiles.js";
import { el, pageData, stepItem, translator } from "./page.js";

const { S, cfg } = pageData();
const t = translator(S);
const $ = (id) => document.getElementById(id);
const MUTABLE = new Set(["checkpoint", "supervision.json"]); // §18.1: short-lived, revalidated

async function read(path) {
  const response = await fetch(cfg.static_base + path, { cache: MUTABLE.has(path) ? "no-cache" : "default" });
  if (!response.ok) throw new TileError(`${path}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

const num = (n) => (n === null || n === undefined ? "—" : Number(n).toLocaleString(cfg.locale));

// A wide table becomes one card per row on a phone (site.css `table.row-cards`), each cell
// naming its column; a narrow one (`cards: false`) stays a table. Cards carry explicit
// table roles, because a browser may drop a table's semantics once CSS makes it blocks.
const CELL_ROLES = { TD: "cell", TH: "rowheader" };

function table(id, head, rows, { caption, cards = true } = {}) {
  const role = (name) => (cards ? name : null);
  if (cards) {
    for (const row of rows) {
      row.setAttribute("role", "row");
      [...row.children].forEach((c, i) => {
        c.setAttribute("role", CELL_ROLES[c.tagName]);
        if (c.tagName === "TD") c.dataset.label = head[i].text ?? head[i];
      });
    }
  }
  return el("div", { class: cards ? "scroll row-cards-box" : "scroll", tabindex: "0", role: "region", "aria-label": caption ?? head[0] },
    el("table", { id, class: cards ? "row-cards" : "small-table", role: role("table") },
      el("thead", { role: role("rowgroup") }, el("tr", { role: role("row") }, ...head.map((h, i) => el("th", {
        scope: "col", role: role("columnheader"), class: i > 0 && h.num ? "num" : null, text: h.text ?? h })))),
      el("tbody", { role: role("rowgroup") }, ...rows)));
}

const cell = (text, numeric = false) => el("td", { class: numeric ? "num" : null, text });
const rowHead = (text) => el("th", { scope: "row", text });
const H = (key, numeric = false) => ({ text: t(key), num: numeric });

function show(id, ...kids) {
  $(id).querySelector(".body").replaceChildren(...kids);
  $(id).hidden = false;
}

function drawChecks(result) {
  $("checks").replaceChildren(...CHECKS.map((step) => {
    const c = result.checks.find((x) => x.step === step);
    return stepItem({ step, state: c.state, text: t(`v.step.${step}`), stateText: t(`step.${c.state}`),
      why: t(c.key, c.vars) });
  }));
}

function drawCheckpoint({ checkpoint, witnesses }) {
  const names = witnesses.cosigned.map((c) => t("v.witness_at", { name: c.witness,
    time: new Date(c.timestamp * 1000).toISOString().slice(0, 16).replace("T", " ") }));
  show("sec-checkpoint", el("dl", { class: "details" },
    el("dt", { text: t("size") }), el("dd", { id: "cp-size", text: num(checkpoint.size) }),
    el("dt", { class: "wide", text: t("root") }), el("dd", { class: "hash wide", text: checkpoint.root }),
    el("dt", { class: "wide", text: t("cosignatures") }),
    el("dd", { class: "wide", id: "cp-witnesses",
      text: t(witnesses.quorum ? "v.cosigned_quorum" : "v.cosigned_short",
        { n: witnesses.cosigned.length, w: witnesses.total, names: names.join(t("v.list_sep")) || "—" }) })));
}

function drawSchools(view) {
  if (view.schools.length === 0) return show("sec-schools", el("p", { text: t("not_yet") }));
  const rows = view.schools.map((s) => el("tr", { "data-school": s.school },
    rowHead(`${s.school} ${s.name}`), cell(num(s.quota), true), cell(num(s.applicants), true),
    cell(num(s.admitted), true), cell(num(s.returned_to_bureau), true),
    el("td", {}, s.stages.filter((st) => st.seats || st.applicants).map((st) =>
      t("v.stage_line", { stage: t(`stage.${st.stage}`), seats: st.seats, applicants: st.applicants,
        admitted: st.admitted, drawn: st.lottery ? t("v.drawn") : t("v.not_drawn") })).join(t("v.sep")))));
  show("sec-schools", table("school-table", [H("school"), H("quota", true), H("applicants", true),
    H("admitted_n", true), H("returned_n", true), H("stages_h")], rows, { caption: t("per_school") }));
}

function drawFairness(view) {
  if (view.fairness.length === 0) return show("sec-fair", el("p", { text: t("not_yet") }));
  show("sec-fair", el("p", { text: t("fair.intro") }), ...view.fairness.map((c) => {
    const block = el("div", { class: `fair ${c.verdict}`, "data-dimension": c.dimension, "data-verdict": c.verdict },
      el("p", {}, el("span", { class: "verdict", text: t(`fair.${c.verdict}`) }), " ",
        el("span", { class: "say", text: t(`fair.say.${c.verdict}`, { dim: t(`dim.${c.dimension}`), p: c.p }) })));
    if (c.values.length) {
      block.append(el("details", {}, el("summary", { text: `${t(`dim.${c.dimension}`)}: ${c.values.length} ${t("fair.value")}` }),
        table(`fair-${c.dimension}`, [H("fair.value"), H("applicants", true), H("fair.winners", true), H("fair.expected", true)],
          c.values.map((v) => el("tr", {}, rowHead(v.value), cell(num(v.applicants), true), cell(num(v.winners), true),
            cell(v.expected, true))), { caption: t(`dim.${c.dimension}`), cards: false })));
    }
    return block;
  }));
}

function drawPayments(view) {
  if (view.rounds.length === 0) return show("sec-payments", el("p", { text: t("not_yet") }));
  const rows = view.rounds.map((r) => el("tr", { "data-round": r.round },
    rowHead(t("v.round_n", { n: r.round })), cell(num(r.forfeits), true), cell(num(r.locks), true),
    cell(num(r.promotions.reduce((n, p) => n + p.promoted, 0)), true),
    cell(num(r.promotions.reduce((n, p) => n + p.returned_to_bureau, 0)), true)));
  show("sec-payments", table("round-table", [H("v.round"), H("v.forfeits", true), H("v.locks", true),
    H("v.promoted", true), H("returned_n", true)], rows, { caption: t("v.h.payments") }),
  el("p", { id: "payments-closed", text: view.closed === null ? t("v.payments_open") : t("v.payments_closed", { n: view.closed }) }));
}

function drawGrouping(view) {
  if (view.grouping.length === 0) return show("sec-grouping", el("p", { text: t("not_yet") }));
  const rows = view.grouping.map((g) => el("tr", { "data-school": g.school }, rowHead(g.school),
    cell(num(g.classes), true), cell(num(g.pupils), true), cell(num(g.exchanges), true), cell(num(g.teachers), true)));
  show("sec-grouping", table("grouping-table", [H("school"), H("v.classes", true), H("pupils", true),
    H("v.exchanges", true), H("v.teachers", true)], rows, { caption: t("v.h.grouping") }));
}

function drawSeeds(view) {
  if (view.seeds.length === 0) return show("sec-seeds", el("p", { text: t("not_yet") }));
  show("sec-seeds", table("seed-table", [H("v.ceremony"), H("seed"), H("v.records", true), H("v.published")],
    view.seeds.map((s) => el("tr", { "data-ceremony": s.ceremony }, rowHead(t(`ceremony_${s.ceremony}`)),
      el("td", {}, el("code", { class: "hash", text: s.seed })), cell(num(s.records), true),
      cell(view.published.includes(s.ceremony) ? t("yes") : t("no")))),
  { caption: t("v.h.seeds") }));
}

function drawCorrections(view) {
  show("sec-corrections", view.corrections.length === 0 ? el("p", { text: t("v.no_corrections") })
    : el("ul", { id: "corrections" }, ...view.corrections.map((c) =>
      el("li", { text: t("v.correction", { seq: c.seq, refers_to: c.refers_to, reason: c.reason }) }))));
}

async function main() {
  $("status").textContent = t("v.checking");
  const result = await runSupervision({ read, storage: localStorage, policyText: cfg.policy,
    event: cfg.event, label: { ...cfg.districts, F: t("v.female"), M: t("v.male") } });
  drawChecks(result);
  const status = $("status");
  if (!result.ok) {
    status.textContent = t(result.evidence ? "v.status_evidence" : "v.status_failed");
    status.className = "status bad";
    status.setAttribute("role", "alert");
    return;
  }
  status.textContent = t("v.status_ok", { n: result.checks.find((c) => c.step === "entries").vars.n,
    size: result.checkpoint.size });
  status.className = "status good";
  drawCheckpoint(result);
  drawSeeds(result.view);
  drawSchools(result.view);
  drawFairness(result.view);
  drawPayments(result.view);
  drawGrouping(result.view);
  drawCorrections(result.view);
}

main().catch((e) => {
  $("status").textContent = `${t("v.status_failed")} ${e?.message ?? e}`;
  $("status").className = "status bad";
});
