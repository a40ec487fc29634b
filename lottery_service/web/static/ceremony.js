// Ceremony screen, presenter mode (docs/CEREMONY_SCREEN.md). Everything below the
// frame is drawn from the log: the compact state the server folded (state.json,
// carrying the checkpoint size it reflects), then every later entry from the SSE
// stream, folded by ceremony-model.js. A reload costs the state plus the entries since
// its size; a reconnect resumes after Last-Event-ID. The screen shows one screenful
// (a slide) at a time; slides() lists them and every admitted and waiting child of a
// drawn school is on one. The operator turns pages with a clicker or the keyboard
// (→ space PageDown / ← PageUp), or the page turns itself every `?auto=` seconds.
// Name lists come page by page from the server (PAGE_RECORDS names per request).
// Published as a static file (api/site.py) the screen is read-only: there is no stream,
// so it reads state.json and the name pages beside it again every cfg.poll seconds.
import {
  Model, beijing, fit, focusOf, groups, pagesFor, participantLabel, short, slides,
} from "./ceremony-model.js";
import { el, pageData, request, translator } from "./page.js";

const { S, cfg } = pageData();
const t = translator(S);
const $ = (id) => document.getElementById(id);
const box = $("slide");
const side = $("side");
const pos = $("pos");
const live = $("live");
const NEXT = new Set(["ArrowRight", "ArrowDown", "PageDown", " ", "Enter"]);
const PREV = new Set(["ArrowLeft", "ArrowUp", "PageUp", "Backspace"]);

let model = null;
let snap = null;
let deck = [];
let cursor = 0;
let shown = null; // id of the slide on screen
let cap = null;
let capKey = "";
let lastStep = "";
let timer = null;
let source = null;
let token = 0; // the render in progress; an older one stops drawing
let queued = false;
const pages = new Map(); // "school/list/page" → Promise of a name page

// ------------------------------------------------------------------ words

const when = (time) => beijing(time, cfg.lang);
const ceremonyName = (c) => S["ceremony_" + c] || c;
const schoolOf = (id) => snap.schools.find((s) => s.id === id);
const schoolName = (id, name) => name || id;

function who(p) {
  const { role, n } = participantLabel(p);
  return role ? `${S[role]}${n ? " " + n : ""}` : p.id;
}

/** The dice witness (§5.5, a role id): named as the participant it is, else by its id. */
function witness(c) {
  const p = c.participants.find((x) => x.id === c.witness);
  return p ? who(p) : c.witness;
}

function stepText(step) {
  const at = step.at ? when(step.at) : {};
  const vars = { ...step, ...at };
  if (step.key === "scheduled" && step.at) return t("h.step.scheduled_at", vars);
  if (step.key === "dice" && step.at) return t("h.step.dice_by", vars);
  return t("h.step." + step.key, vars);
}

function correctionList(items) {
  if (!items.length) return null;
  return el("ul", { class: "hall-corrections" }, ...items.map((c) =>
    el("li", { "data-correction": c.seq, text: t("h.correction", c) })));
}

// ------------------------------------------------------------------ banner

function drawBanner() {
  const step = snap.step;
  const during = !["drawn", "payment", "payments_closed", "grouped", "matched"].includes(step.key);
  $("banner-ceremony").textContent = step.ceremony && during ? ceremonyName(step.ceremony) + " · " : "";
  $("banner-text").textContent = stepText(step);
  document.body.dataset.step = step.key;
  document.body.dataset.size = String(snap.size);
  const general = $("general-corrections");
  if (general) general.remove();
  const list = correctionList(snap.corrections) || (snap.unreadable.length ? el("ul", { class: "hall-corrections" }) : null);
  if (list && snap.unreadable.length) {
    list.append(el("li", { id: "unreadable", text: t("h.unreadable", { n: snap.unreadable.length, first: snap.unreadable[0] }) }));
  }
  if (list) { list.id = "general-corrections"; $("banner").after(list); }
}

// ------------------------------------------------------------------ measuring

function cell(r, listKind) {
  const where = listKind === "waiting" ? String(r.waiting) : `${S["stage." + r.stage] || r.stage} ${r.rank}`;
  const li = el("li", { "data-reg": r.reg },
    el("span", { class: "pos", text: where }),
    el("span", { class: "nm", text: r.name || "—" }),
    el("span", { class: "reg", text: r.reg }));
  if (r.corrections.length) li.classList.add("corrected");
  if (r.mark || r.corrections.length) {
    li.append(el("span", { class: "mark" + (r.mark ? " mark-" + r.mark : ""),
      text: [r.mark ? S["h.mark." + r.mark] : "", r.corrections.length ? "※" : ""].join(" ").trim() }));
  }
  return li;
}

function heading(title, sub) {
  return [el("h2", { id: "slide-title", text: title }), el("p", { class: "hall-sub", text: sub || " " })];
}

/**
 * How many name cells and table rows fit one slide, measured on probes drawn with
 * the widest content the state holds (longest school name and registration number):
 * every slide then fits, whatever the resolution, language or font.
 */
function measure() {
  const longest = snap.schools.concat(snap.classes.map((k) => ({ name: k.name, id: k.school })))
    .map((s) => schoolName(s.id, s.name)).reduce((a, b) => (b.length > a.length ? b : a), "");
  const top = document.querySelector(".hall-top").offsetHeight; // the banner may wrap
  const key = [longest, snap.reg_max, innerWidth, innerHeight, top].join("|");
  if (key === capKey && cap) return;
  capKey = key;
  const most = Math.max(1, ...snap.schools.map((s) => Math.max(s.admitted, s.waiting)));
  const probe = el("div", { class: "hall-probe", "aria-hidden": "true" },
    ...heading(longest || "—", t("h.range", { from: most, to: most, total: most })));
  const ol = el("ol", { class: "names" }, cell({ reg: "0".repeat(Math.max(4, snap.reg_max)), name: "欧*华",
    stage: "community", rank: most, waiting: most, mark: null, corrections: [] }, "admitted"));
  probe.append(ol);
  box.append(probe);
  const li = ol.firstChild;
  const gap = parseFloat(getComputedStyle(ol).columnGap) || 0;
  const names = fit(ol.clientWidth, ol.clientHeight, li.offsetWidth, li.offsetHeight, gap);
  box.style.setProperty("--cell-w", `${li.offsetWidth}px`);
  box.style.setProperty("--cell-h", `${li.offsetHeight}px`);
  box.style.setProperty("--cols", String(names.cols));
  probe.remove();
  const titles = [t("h.roster"), t("h.others"), t("h.classes", { school: longest || "—" })];
  const tprobe = el("div", { class: "hall-probe", "aria-hidden": "true" },
    ...heading(titles.reduce((a, b) => (b.length > a.length ? b : a)), " "),
    // the tightest table: the other schools' (five columns, the longest name in the first)
    table([t("h.school"), t("h.applicants"), t("h.quota"), t("h.admitted"), t("h.outcome")],
      [el("tr", {}, el("th", { scope: "row", text: longest || "—" }), num(88888), num(88888), num(88888),
        td(t("h.all_admitted")))]));
  box.append(tprobe);
  const tb = tprobe.querySelector(".table-box");
  const head = tprobe.querySelector("thead").offsetHeight;
  const row = tprobe.querySelector("tbody tr").offsetHeight;
  const rows = Math.max(1, Math.floor((tb.clientHeight - head) / row));
  tprobe.remove();
  cap = { names: names.cells, rows };
}

// ------------------------------------------------------------------ name pages

function fetchPage(school, list, n) {
  const key = `${school}/${list}/${n}`;
  let p = pages.get(key);
  if (!p) {
    const url = cfg.page.replace("{school}", encodeURIComponent(school)).replace("{list}", list).replace("{page}", String(n));
    p = request(url).catch((e) => { pages.delete(key); throw e; });
    pages.set(key, p);
  }
  return p;
}

async function namesOf(slide) {
  const total = schoolOf(slide.school)[slide.list];
  const got = await Promise.all(pagesFor(slide.from, slide.to, snap.page_records).map(async (n) => {
    let page = await fetchPage(slide.school, slide.list, n);
    if (page.total !== total) { // the list grew since: fetch the page again
      pages.delete(`${slide.school}/${slide.list}/${n}`);
      page = await fetchPage(slide.school, slide.list, n);
    }
    return page;
  }));
  const first = got.length ? (got[0].page - 1) * snap.page_records : 0;
  return got.flatMap((p) => p.records).slice(slide.from - first, slide.to - first);
}

function dropPages(school) {
  for (const key of [...pages.keys()]) if (key.startsWith(school + "/")) pages.delete(key);
}

// ------------------------------------------------------------------ slides

function table(headers, rows, cls = "") {
  return el("div", { class: "table-box" }, el("table", { class: "hall-table " + cls },
    el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col", class: h.num ? "num" : "", text: h.text || h })))),
    el("tbody", {}, ...rows)));
}

const td = (text, cls = "") => el("td", { class: cls, text: String(text) });
const num = (n) => td(n, "num");

function drawRules() {
  return { main: [...heading(t("h.rules"), snap.title || ""),
    el("ul", { class: "hall-rules" }, ...cfg.rules.map(([code, text]) =>
      el("li", {}, el("strong", { text: code }), " ", text)))], info: [] };
}

function drawCeremony(slide) {
  const name = slide.ceremony;
  const c = snap.ceremonies[name];
  const parts = table([t("h.participant"), t("h.commitment"), t("h.reveal")], c.participants.map((p) => {
    const status = p.status === "void" ? t("h.void_reason", { reason: S["h.void." + p.reason] || p.reason })
      : p.status === "committed" ? (c.closed ? S["h.status.committed"] : "")
        : p.status ? S["h.status." + p.status] : "";
    return el("tr", { id: `p-${name}-${p.id}`, "data-participant": p.id },
      // The logged id stays visible only when the role word and number do not say it.
      el("th", { scope: "row" }, el("span", { class: "who", text: who(p) }),
        participantLabel(p).n ? "" : el("code", { class: "pid", text: p.id })),
      td(p.commitment ? short(p.commitment) : c.closed ? "—" : S["h.status.waiting"], "hash"),
      el("td", { class: "st-" + (p.status || "none") }, el("span", { text: status }),
        p.secret ? el("code", { class: "secret", text: " " + short(p.secret) }) : ""));
  }), "parts");
  const dice = el("div", { class: "hall-row", id: `dice-${name}` },
    el("h3", { text: t("h.dice") + (c.witness ? " · " + t("h.witness", { who: witness(c) }) : "") }),
    c.dice ? el("ol", { class: "dice", "aria-label": t("h.dice") }, ...c.dice.map((v) => el("li", { class: "die", text: String(v) })))
      : el("p", { class: "muted", text: t("h.not_yet") }));
  const beaconLine = !snap.beacon ? t("h.no_beacon")
    : c.beacon_round === null ? t("h.not_yet")
      : t("h.beacon_due", { round: c.beacon_round, ...when(c.beacon_due) });
  const beacon = el("div", { class: "hall-row", id: `beacon-${name}` }, el("h3", { text: t("h.beacon") }),
    el("p", { text: beaconLine }),
    c.beacon ? el("p", { class: "hash", text: short(c.beacon.randomness) }) : "");
  const seed = el("div", { class: "hall-seed", id: `seedbox-${name}` }, el("h3", { text: t("h.seed") }),
    c.seed ? el("p", { class: "seed-hex", id: `seed-${name}` }, ...groups(c.seed).map((g) => el("span", { text: g })))
      : el("p", { class: "muted", text: t("h.not_yet") }));
  const input = c.input;
  const info = [
    el("h3", { text: t("h.input") }),
    el("p", { text: input.root !== null ? t("h.input_sealed", input) : t("h.input_open", input) }),
    input.root !== null ? el("p", { class: "hash", id: `root-${name}`, text: `${t("h.root")} ${short(input.root)}` }) : "",
    el("p", { class: "hash", text: `${t("h.participants_hash")} ${short(c.participants_hash)}` }),
    el("p", { class: "hash", text: `${t("h.rules_hash")} ${short(snap.rules_hash)}` }),
    name === "lottery" && snap.rejections !== null ? el("p", { text: t("h.rejections", { n: snap.rejections }) }) : "",
    ...input.withdrawn.map((reason) => el("p", { class: "note", text: t("h.withdrawn", { reason }) })),
    ...c.postponements.map((p) => el("p", { class: "note", text: t("h.postponed." + p.reason, { old: p.round, round: p.beacon_round }) })),
    c.key_released ? el("p", { text: t("h.key_released") }) : "",
    correctionList(c.corrections) || "",
  ];
  return { main: [...heading(t("h.seed_title", { ceremony: ceremonyName(name) }), ""), parts, dice, beacon, seed], info,
    cls: c.participants.length > 4 ? "cer many" : "cer" };
}

/** A school's stages (only those it has, §7.2) as lines: they wrap, never overflow. */
function stageLines(s) {
  if (!s.summary) return "";
  return el("ul", { class: "hall-stages" }, ...s.summary.stages.map((st) => el("li", { "data-stage": st.stage },
    el("strong", { text: S["stage." + st.stage] || st.stage }),
    t("h.stage_line", { ...st, drawn: st.lottery ? t("h.drawn") : t("h.no_draw") }))));
}

async function drawList(slide, mine) {
  const s = schoolOf(slide.school);
  const title = slide.list === "admitted" ? t("h.admitted_list") : t("h.waiting_list");
  const records = await namesOf(slide);
  if (mine !== token) return null;
  const info = [stageLines(s),
    s.summary && s.summary.returned_to_bureau ? el("p", { text: t("h.returned", { n: s.summary.returned_to_bureau }) }) : "",
    s.forfeited ? el("p", { text: t("h.forfeited", { n: s.forfeited }) }) : "",
    s.promoted ? el("p", { text: t("h.promoted", { n: s.promoted }) }) : "",
    records.some((r) => r.mark) ? el("p", { class: "note", text: t("h.marks") }) : "",
    correctionList(s.corrections) || ""];
  const ol = el("ol", { class: "names " + slide.list, "aria-label": title }, ...records.map((r) => cell(r, slide.list)));
  return { main: [...heading(schoolName(s.id, s.name), `${title} · ${t("h.range", { from: slide.from + 1, to: slide.to, total: s[slide.list] })}`), ol],
    info, cls: "list", where: [t("h.school_n", { n: slide.nth, of: slide.of }), t("h.page", slide)] };
}

function drawRoster(slide) {
  const listed = snap.schools.filter((s) => s.input).slice(slide.from, slide.to);
  return { main: [...heading(t("h.roster"), ""), table([t("h.school"), { text: t("h.applicants"), num: true }, { text: t("h.quota"), num: true }],
    listed.map((s) => el("tr", { "data-school": s.id }, el("th", { scope: "row", text: schoolName(s.id, s.name) }), num(s.applicants), num(s.quota ?? "—"))))],
  info: [] };
}

function drawOthers(slide) {
  const others = snap.schools.filter((s) => s.summary !== null && !s.drawn).slice(slide.from, slide.to);
  return { main: [...heading(t("h.others"), ""), table([t("h.school"), { text: t("h.applicants"), num: true },
    { text: t("h.quota"), num: true }, { text: t("h.admitted"), num: true }, t("h.outcome")],
  others.map((s) => el("tr", { "data-school": s.id }, el("th", { scope: "row", text: schoolName(s.id, s.name) }),
    num(s.summary.applicants), num(s.summary.quota), num(s.summary.admitted),
    td(s.summary.applicants ? t("h.all_admitted") : t("h.nobody")))))],
  info: others.flatMap((s) => s.corrections.length ? [el("p", { text: schoolName(s.id, s.name) }), correctionList(s.corrections)] : []) };
}

function drawClasses(slide) {
  const k = snap.classes.find((x) => x.school === slide.school);
  return { main: [...heading(t("h.classes", { school: schoolName(k.school, k.name) }), t("h.pupils_total", { n: k.pupils })),
    table([t("h.class"), { text: t("h.pupils"), num: true }, { text: t("h.girls"), num: true }, { text: t("h.boys"), num: true }, t("h.head_teacher")],
      k.classes.slice(slide.from, slide.to).map((c) => el("tr", { "data-class": c.class }, el("th", { scope: "row", text: c.class }),
        num(c.pupils ?? "—"), num(c.F ?? "—"), num(c.M ?? "—"), td(c.teacher_name ?? "—"))))],
  info: [correctionList(k.corrections) || ""], where: [t("h.school_n", { n: slide.nth, of: slide.of }), t("h.page", slide)] };
}

async function render() {
  const slide = deck[cursor];
  const mine = ++token;
  box.dataset.ready = "0";
  if (!slide) {
    box.replaceChildren(...heading(t("h.step.waiting"), ""));
    box.dataset.ready = "1";
    return;
  }
  const fresh = shown !== slide.id;
  let drawn;
  if (slide.kind === "list") {
    if (fresh) box.replaceChildren(...heading(schoolName(slide.school, schoolOf(slide.school).name), t("h.loading")));
    drawn = await drawList(slide, mine);
    if (drawn === null) return;
  } else {
    drawn = { rules: drawRules, ceremony: drawCeremony, roster: drawRoster, others: drawOthers, classes: drawClasses }[slide.kind](slide);
  }
  if (mine !== token) return;
  box.replaceChildren(...drawn.main);
  box.className = `hall-slide kind-${drawn.cls || slide.kind}` + (fresh ? " arrive" : "");
  box.dataset.slide = slide.id;
  side.replaceChildren(...drawn.info);
  pos.replaceChildren(...(drawn.where || []).map((text) => el("span", { text })),
    el("span", { class: "deck", text: `${cursor + 1}/${deck.length}` }),
    cfg.auto ? el("span", { text: t("h.auto", { n: cfg.auto }) }) : "");
  shown = slide.id;
  history.replaceState(null, "", "#" + slide.id);
  box.dataset.ready = "1";
  if (!performance.getEntriesByName("hall:first-render").length) performance.mark("hall:first-render");
  schedule();
  prefetch();
}

function prefetch() {
  const next = deck[(cursor + 1) % deck.length];
  if (next && next.kind === "list") namesOf(next).catch(() => {});
}

// ------------------------------------------------------------------ the deck

function rebuild() {
  snap = model.snapshot();
  drawBanner();
  measure();
  const at = deck[cursor] ? deck[cursor].id : null;
  deck = slides(snap, cap);
  if (cfg.rules.length && snap.ceremonies.lottery) deck.unshift({ id: "rules", kind: "rules" });
  const found = deck.findIndex((s) => s.id === at);
  cursor = found >= 0 ? found : Math.min(cursor, Math.max(0, deck.length - 1));
  const step = JSON.stringify([snap.step.key, snap.step.ceremony]);
  const linked = lastStep === "" ? deck.findIndex((s) => "#" + s.id === location.hash) : -1;
  if (linked >= 0) { // a reload stays on the slide it showed (its id is the URL's fragment)
    cursor = linked;
    lastStep = step;
  } else if (step !== lastStep) { // a new step: show what it calls attention to
    lastStep = step;
    const focus = focusOf(snap.step, deck);
    if (focus) cursor = deck.findIndex((s) => s.id === focus);
  }
  render();
}

function go(delta) {
  if (!deck.length) return;
  cursor = (cursor + delta + deck.length) % deck.length;
  render();
}

function schedule() {
  clearTimeout(timer);
  if (cfg.auto > 0) timer = setTimeout(() => go(1), cfg.auto * 1000);
}

document.addEventListener("keydown", (ev) => {
  if (ev.altKey || ev.ctrlKey || ev.metaKey || ev.target.closest("a, button, input")) return;
  if (NEXT.has(ev.key)) go(1);
  else if (PREV.has(ev.key)) go(-1);
  else if (ev.key === "Home") { cursor = 0; render(); } else if (ev.key === "End") { cursor = deck.length - 1; render(); } else return;
  ev.preventDefault();
});
addEventListener("resize", () => { capKey = ""; if (model) rebuild(); });

// ------------------------------------------------------------------ the stream

function redrawSoon() {
  if (queued) return;
  queued = true;
  requestAnimationFrame(() => { queued = false; rebuild(); });
}

function connect() {
  source = new EventSource(`${cfg.stream}?from=${model.size}`);
  source.onmessage = (ev) => {
    const entry = JSON.parse(ev.data);
    let part;
    try {
      part = model.apply(entry);
    } catch {
      reload(); // a gap: start again from the server's state
      return;
    }
    if (part === null) return; // already folded (a replay after a reconnect)
    if (part.startsWith("s:") && entry.type !== "lottery_result") dropPages(part.slice(2));
    redrawSoon();
  };
  source.onopen = () => { live.textContent = t("h.live"); live.className = "live on"; };
  source.onerror = () => { live.textContent = t("h.reconnecting"); live.className = "live off"; };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The static publication has no stream (§18.1): its state.json again every cfg.poll s. */
async function poll() {
  for (;;) {
    await sleep(cfg.poll * 1000);
    let next;
    try {
      next = await request(cfg.state);
    } catch {
      live.textContent = t("h.reconnecting");
      live.className = "live off";
      continue;
    }
    live.textContent = t("h.published", { n: cfg.poll });
    live.className = "live on";
    if (next.size === model.size) continue;
    model = Model.fromSnapshot(next);
    pages.clear(); // the name pages are rewritten with the state
    redrawSoon();
  }
}

async function reload() {
  if (source) source.close();
  pages.clear();
  for (;;) {
    try {
      model = Model.fromSnapshot(await request(cfg.state));
      break;
    } catch {
      live.textContent = t("h.reconnecting");
      live.className = "live off";
      await sleep(2000);
    }
  }
  rebuild();
  if (cfg.stream) {
    connect();
  } else {
    live.textContent = t("h.published", { n: cfg.poll });
    poll();
  }
}

reload();
