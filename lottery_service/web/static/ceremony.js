// Ceremony screen: everything below the frame is drawn from log entries received over
// the SSE stream (PROTOCOL.md §11), never from anything else, so the hall sees exactly
// what the log says. A fresh EventSource replays from seq 0, so a refresh rebuilds the
// screen; a reconnect resumes after Last-Event-ID. ceremony-model.js folds the entries
// (once each, in seq order) and decides what each part shows; this file draws.
import {
  Model, classSizes, participantRow, schoolLists, seedInputs,
} from "./ceremony-model.js";
import { ENTRY_TYPES } from "./entries.js";
import { el, pageData } from "./page.js";

const { S, cfg } = pageData();
const stage = document.getElementById("stage");
const calm = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
const m = new Model();
const dirty = new Set();

// ------------------------------------------------------------------ drawing
function keyed(parent, id, make) {
  let n = document.getElementById(id);
  if (!n) { n = make(); n.id = id; parent.append(n); n.classList.add("arrive"); }
  return n;
}

function drawRoster() {
  const lot = m.ceremonies.lottery;
  const ids = Object.keys(m.schools).sort();
  if (!ids.length && !(lot && lot.root)) return;
  document.getElementById("roster-wait").hidden = true;
  const root = document.getElementById("roster-root");
  if (lot && lot.root) { root.hidden = false; root.textContent = `${S.roster_root}: ${lot.root} (${lot.size})`; }
  const table = document.getElementById("roster-counts");
  table.hidden = ids.length === 0;
  table.tBodies[0].replaceChildren(...ids.map((id) => el("tr", {},
    el("th", { scope: "row", text: `${id} ${m.schools[id].name}` }),
    el("td", { class: "num", text: String(m.applicants[id] || 0) }),
    el("td", { class: "num", text: String(m.schools[id].quota) }))));
}

function section(id, title) {
  return keyed(stage, id, () => el("section", { class: "panel" }, el("h2", { text: title })));
}

function drawCeremony(kind) {
  const c = m.ceremonies[kind];
  const sec = section("cer-" + kind, S["ceremony_" + kind]);
  sec.dataset.ceremony = kind;
  const info = keyed(sec, `root-${kind}`, () => el("p", { class: "hash" }));
  info.textContent = c.root ? `${S.roster_root}: ${c.root} (${c.size})` : S.waiting_for_log;
  const table = keyed(sec, `parts-${kind}`, () => el("table", { class: "parts" },
    el("thead", {}, el("tr", {}, ...[S.participant, S.role, S.commitment, S.status].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody")));
  for (const p of c.participants) {
    const tr = keyed(table.tBodies[0], `p-${kind}-${p.id}`, () => el("tr", { "data-participant": p.id },
      el("th", { scope: "row", text: p.id }), el("td", { text: p.role }), el("td", { class: "hash" }), el("td")));
    const row = participantRow(c, p.id);
    tr.cells[2].textContent = row.commitment;
    tr.cells[3].textContent = row.status ? S[row.status] + (row.reason ? ` (${row.reason})` : "") : "";
    tr.cells[3].className = row.statusClass;
  }
  if (c.dice) {
    const dice = keyed(sec, `dice-${kind}`, () => el("div", { class: "dice-row" }, el("h3", { text: `${S.dice} · ${S.witness}: ${c.witness}` }), el("ol", { class: "dice", "aria-label": S.dice })));
    const list = dice.querySelector("ol");
    if (list.children.length !== c.dice.length) {
      list.replaceChildren(...c.dice.map((v, i) => {
        const li = el("li", { class: "die", text: String(v) });
        if (calm) li.style.animationDelay = `${i * 120}ms`;
        return li;
      }));
    }
  }
  if (c.seed) {
    const box = keyed(sec, `seedbox-${kind}`, () => el("div", { class: "seed" }));
    box.replaceChildren(
      el("h3", { text: S.seed }),
      el("p", { class: "seed-hex", id: `seed-${kind}`, text: c.seed }),
      el("p", { class: "muted", text: S.seed_inputs }),
      el("ul", { class: "inputs" }, ...seedInputs(c, kind, cfg.event, m.rulesHash).map((text) => el("li", { text }))));
  }
  return sec;
}

function list(title, rows, cls) {
  const ol = el("ol", { class: "names " + cls, "aria-label": title });
  rows.forEach((r, i) => {
    const li = el("li", { "data-reg": r.reg }, el("span", { class: "reg", text: r.reg }), " ", el("span", { text: m.names[r.reg] || "" }));
    if (calm) li.style.animationDelay = `${Math.min(i * 25, 2500)}ms`;
    ol.append(li);
  });
  return el("div", { class: "list" }, el("h4", { text: `${title} (${rows.length})` }), ol);
}

function drawLottery(school) {
  const sec = section("res-lottery", `${S.ceremony_lottery} · ${S.admitted_list}`);
  const data = m.lottery[school];
  const s = m.schools[school] || { name: "" };
  const card = keyed(sec, "l-" + school, () => el("article", { class: "card school-card", "data-school": school }));
  const stages = (data.summary ? data.summary.stages : []).map((st) => el("tr", {},
    el("th", { scope: "row", text: S["stage." + st.stage] || st.stage }),
    el("td", { class: "num", text: String(st.seats) }), el("td", { class: "num", text: String(st.applicants) }),
    el("td", { class: "num", text: String(st.admitted) }), el("td", { text: st.lottery ? S.yes : S.no })));
  const { admitted, waiting } = schoolLists(data.records);
  card.replaceChildren(
    el("h3", { text: `${school} ${s.name}` }),
    el("table", { class: "stages" },
      el("thead", {}, el("tr", {}, ...[S.stage, S.seats, S.applicants, S.admitted_n, S.drawn].map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, ...stages)),
    el("div", { class: "lists" }, list(S.admitted_list, admitted, "admitted"), list(S.waiting_list, waiting, "waiting")));
  return card;
}

function drawGrouping(school) {
  const sec = section("res-grouping", S.ceremony_grouping);
  const classes = m.grouping[school];
  const card = keyed(sec, "g-" + school, () => el("article", { class: "card", "data-school": school }));
  card.replaceChildren(el("h3", { text: school }), el("ul", { class: "classes" },
    ...classSizes(classes, m.genders).map((k) => el("li", { "data-class": k.class },
      el("strong", { text: `${S.class} ${k.class}` }), el("span", { text: ` ${k.size} (♀${k.girls} ♂${k.boys})` })))));
  return card;
}

function drawMatching(school) {
  const sec = section("res-matching", S.ceremony_teachers);
  const card = keyed(sec, "t-" + school, () => el("article", { class: "card", "data-school": school }));
  card.replaceChildren(el("h3", { text: school }), el("ul", { class: "classes" },
    ...m.matching[school].map((p) => el("li", { "data-class": p.class },
      el("strong", { text: `${S.class} ${p.class}` }),
      el("span", { text: ` ${S.teacher}: ${m.teachers[school + "/" + p.teacher] || ""} (${p.teacher})` })))));
  return card;
}

let scheduled = false;
function flush() {
  scheduled = false;
  let last = null;
  for (const key of dirty) {
    const [kind, id] = [key.slice(0, 1), key.slice(2)];
    if (key === "roster") drawRoster();
    else if (kind === "c") last = drawCeremony(id);
    else if (kind === "l") last = drawLottery(id);
    else if (kind === "g") last = drawGrouping(id);
    else if (kind === "t") last = drawMatching(id);
  }
  dirty.clear();
  if (last) last.scrollIntoView({ behavior: calm ? "smooth" : "auto", block: "nearest" });
}

function receive(ev) {
  const entry = JSON.parse(ev.data);
  const changed = m.apply(entry); // nothing for a replayed entry (seq already applied)
  if (entry.seq + 1 === m.next) document.body.dataset.seq = String(entry.seq);
  for (const key of changed) dirty.add(key);
  if (!scheduled) { scheduled = true; requestAnimationFrame(flush); }
}

// ------------------------------------------------------------------ the stream
const live = document.getElementById("live");
const source = new EventSource(cfg.stream);
for (const type of ENTRY_TYPES) source.addEventListener(type, receive);
source.onmessage = receive;
source.onopen = () => { live.textContent = "● " + (document.documentElement.lang === "en" ? "live" : "实时"); live.className = "live on"; };
source.onerror = () => { live.textContent = S.reconnecting; live.className = "live off"; };
