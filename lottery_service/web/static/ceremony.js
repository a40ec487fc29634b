// Ceremony screen: everything below the frame is drawn from log entries received over
// the SSE stream (PROTOCOL.md §11), never from anything else, so the hall sees exactly
// what the log says. A fresh EventSource replays from seq 0, so a refresh rebuilds the
// screen; a reconnect resumes after Last-Event-ID. Entries are applied once, in seq order.

const S = JSON.parse(document.getElementById("i18n").textContent);
const cfg = JSON.parse(document.getElementById("config").textContent);
const stage = document.getElementById("stage");
const CEREMONIES = ["lottery", "grouping", "teachers"];
const STAGE_ORDER = ["direct", "community", "district", "city"];
const TYPES = [
  "event_created", "ceremony_opened", "eligibility_rejections", "input_records", "input_frozen",
  "commitment", "commitments_closed", "reveal", "escrow_opened", "contribution_void",
  "physical_entropy", "beacon", "seed", "lottery_results", "bias_audit", "payment_round",
  "promotions", "payments_closed", "grouping_results", "matching_results",
  "notifications_sent", "correction", "published", "escrow_key_released",
];
const calm = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;

// ------------------------------------------------------------------ the model
const m = {
  next: 0, rulesHash: null, names: {}, genders: {}, teachers: {},
  schools: {}, applicants: {}, ceremonies: {}, lottery: {}, grouping: {}, matching: {},
};
const dirty = new Set();

function cer(kind) {
  if (!m.ceremonies[kind]) {
    m.ceremonies[kind] = { participants: [], hash: null, root: null, size: null, commitments: {},
      openings: {}, dice: null, witness: null, beacon: null, seed: null, closed: false };
  }
  return m.ceremonies[kind];
}

function apply(e) {
  const b = e.body;
  switch (e.type) {
    case "event_created": m.rulesHash = b.rules_hash; break;
    case "ceremony_opened": Object.assign(cer(b.ceremony), { participants: b.participants, hash: b.participants_hash }); dirty.add("c:" + b.ceremony); break;
    case "input_records":
      for (const r of b.records) {
        if (r.type === "school") { m.schools[r.id] = r; dirty.add("roster"); }
        else if (r.type === "applicant") { m.names[r.reg] = r.name; m.applicants[r.school] = (m.applicants[r.school] || 0) + 1; dirty.add("roster"); }
        else if (r.type === "pupil") { m.names[r.reg] = r.name; m.genders[r.reg] = r.gender; }
        else if (r.type === "teacher") { m.teachers[r.school + "/" + r.id] = r.name; }
      }
      break;
    case "input_frozen": Object.assign(cer(b.ceremony), { root: b.root, size: b.size }); dirty.add("c:" + b.ceremony); if (b.ceremony === "lottery") dirty.add("roster"); break;
    case "commitment": cer(b.ceremony).commitments[b.participant] = b.commitment; dirty.add("c:" + b.ceremony); break;
    case "commitments_closed": cer(b.ceremony).closed = true; dirty.add("c:" + b.ceremony); break;
    case "reveal": case "escrow_opened": cer(b.ceremony).openings[b.participant] = { how: e.type, secret: b.secret }; dirty.add("c:" + b.ceremony); break;
    case "contribution_void": cer(b.ceremony).openings[b.participant] = { how: "void", reason: b.reason }; dirty.add("c:" + b.ceremony); break;
    case "physical_entropy": Object.assign(cer(b.ceremony), { dice: b.values, witness: b.witness }); dirty.add("c:" + b.ceremony); break;
    case "beacon": cer(b.ceremony).beacon = b.randomness; dirty.add("c:" + b.ceremony); break;
    case "seed": cer(b.ceremony).seed = b.seed; dirty.add("c:" + b.ceremony); break;
    case "lottery_results": {
      const s = m.lottery[b.school] || (m.lottery[b.school] = { summary: null, records: [] });
      if (b.summary) s.summary = b.summary;
      s.records.push(...b.records);
      dirty.add("l:" + b.school);
      break;
    }
    case "grouping_results": {
      const s = m.grouping[b.school] || (m.grouping[b.school] = {});
      for (const r of b.records) (s[r.class] || (s[r.class] = [])).push(r.reg);
      dirty.add("g:" + b.school);
      break;
    }
    case "matching_results": m.matching[b.school] = b.pairs; dirty.add("t:" + b.school); break;
    default: break;
  }
}

// ------------------------------------------------------------------ drawing
function el(tag, attrs = {}, ...kids) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") n.textContent = v;
    else if (k === "class") n.className = v;
    else n.setAttribute(k, v);
  }
  n.append(...kids);
  return n;
}

function keyed(parent, id, make) {
  let n = document.getElementById(id);
  if (!n) { n = make(); n.id = id; parent.append(n); n.classList.add("arrive"); }
  return n;
}

const short = (hex) => (hex ? hex.slice(0, 16) + "…" : "—");

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

const STATUS = { reveal: "revealed", escrow_opened: "escrow_opened", void: "void" };

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
    const com = c.commitments[p.id];
    tr.cells[2].textContent = com ? short(com) : (c.closed ? "—" : "…");
    const o = c.openings[p.id];
    const status = o ? S[STATUS[o.how]] + (o.reason ? ` (${o.reason})` : "") : (com ? S.committed : "");
    tr.cells[3].textContent = status;
    tr.cells[3].className = o ? `st-${o.how}` : "";
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
      el("ul", { class: "inputs" },
        el("li", { text: `event: ${cfg.event} · ceremony: ${kind}` }),
        el("li", { text: `rules: ${short(m.rulesHash)}` }),
        el("li", { text: `participants: ${short(c.hash)}` }),
        el("li", { text: `input_root: ${short(c.root)} · input_size: ${c.size}` }),
        ...c.participants.map((p) => {
          const o = c.openings[p.id] || {};
          return el("li", { text: `${p.id}: commitment ${short(c.commitments[p.id])} · secret ${o.secret ? short(o.secret) : "null"}` });
        }),
        el("li", { text: `physical: [${(c.dice || []).join(", ")}]` }),
        el("li", { text: `beacon: ${c.beacon ? short(c.beacon) : "null"}` })));
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
  const admitted = data.records.filter((r) => r.outcome === "admitted")
    .sort((a, b) => STAGE_ORDER.indexOf(a.stage) - STAGE_ORDER.indexOf(b.stage) || a.rank - b.rank);
  const waiting = data.records.filter((r) => r.waiting !== null).sort((a, b) => a.waiting - b.waiting);
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
    ...Object.keys(classes).sort().map((k) => {
      const regs = classes[k];
      const f = regs.filter((r) => m.genders[r] === "F").length;
      return el("li", { "data-class": k }, el("strong", { text: `${S.class} ${k}` }),
        el("span", { text: ` ${regs.length} (♀${f} ♂${regs.length - f})` }));
    })));
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
  if (entry.seq < m.next) return; // already applied (replay after reconnect)
  m.next = entry.seq + 1;
  apply(entry);
  document.body.dataset.seq = String(entry.seq);
  if (!scheduled) { scheduled = true; requestAnimationFrame(flush); }
}

// ------------------------------------------------------------------ the stream
const live = document.getElementById("live");
const source = new EventSource(cfg.stream);
for (const type of TYPES) source.addEventListener(type, receive);
source.onmessage = receive;
source.onopen = () => { live.textContent = "● " + (document.documentElement.lang === "en" ? "live" : "实时"); live.className = "live on"; };
source.onerror = () => { live.textContent = S.reconnecting; live.className = "live off"; };
