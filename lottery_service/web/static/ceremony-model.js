// Ceremony screen logic (docs/PROTOCOL.md v2 §5, §7.4–§7.5, §9–§11, §18.1), as pure functions.
//
// The hall screen shows exactly what the log says. A screen starts from the compact
// live state the server folded (`state.json`, lottery_service/views/ceremony.py) and
// folds every later entry itself: Model.fromSnapshot(state), then model.apply(entry)
// once per entry in seq order. model.snapshot() is the same JSON the server would
// give at that size (tests compare the two). Names are not in the state: the screen
// fetches each school's lists page by page (PAGE_RECORDS per page) when it shows them.
// slides() decides what the presenter shows, one screenful at a time; ceremony.js draws.

export const FORMAT = "sunshine-draw/ceremony-state/v1";
export const CEREMONIES = Object.freeze(["lottery", "grouping", "teachers"]); // §5.1
export const STAGES = Object.freeze(["direct", "community", "district", "city"]); // §7.2
export const ROLES = Object.freeze(["notary", "supervisor", "parent-rep", "bureau"]); // §5.2
/** A participant's status word (api/i18n.py "h.status.*") by how it was settled (§5.3). */
export const OPENING_STATUS = Object.freeze({ reveal: "revealed", escrow_opened: "escrow_opened", contribution_void: "void" });
const SETTLED = new Set(["revealed", "escrow_opened", "void"]);

/** time(R) = genesis_time + (R − 1)·period (§5.6), as a §1 time. */
export function roundTime(beacon, round) {
  const at = beacon.genesis_time + (round - 1) * beacon.period;
  return new Date(at * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The part of the screen an entry is about: where a correction of it is shown. */
export function partOf(type, body) {
  if ("ceremony" in body) return "c:" + body.ceremony;
  if (["lottery_summary", "lottery_result", "forfeit", "promotion", "promotions"].includes(type)) return "s:" + body.school;
  if (["grouping_summary", "grouping_result", "matching_result"].includes(type)) return "g:" + body.school;
  if (type === "eligibility_rejections") return "c:lottery";
  return "e";
}

function newCeremony() {
  return { participants: [], participants_hash: null, physical_entropy_by: null, beacon_round: null,
    postponements: [], records: 0, withdrawn: [], root: null, size: null, commitments: {},
    closed: false, openings: {}, dice: null, witness: null, beacon: null, seed: null,
    key_released: false, published: false };
}

function newSchool(id) {
  return { id, record: null, applicants: 0, summary: null, results: 0, admitted: 0, waiting: 0,
    forfeited: 0, promoted: 0 };
}

function newClasses() {
  return { plan: [], pupils: 0, summary: null, results: 0, teachers: {} };
}

const schoolName = (s) => (s.record ? s.record.name : s.summary ? s.summary.name : null);
const drawn = (s) => s.summary !== null && s.summary.stages.some((st) => st.lottery);

/** The screen's model of one event's log after entries 0 … size−1. */
export class Model {
  constructor() {
    this.size = 0;
    this.time = null;
    this.rules = null; // {event, title, rehearsal, dice, beacon, waitlist_promotion}
    this.rulesHash = null;
    this.windows = {};
    this.ceremonies = {};
    this.rejections = null;
    this.biasAudit = false;
    this.payments = { round: null, closed: null };
    this.regMax = 0;
    this.schools = {};
    this.classes = {};
    this.corrections = {}; // part → [{seq, time, refers_to, reason}]
    this.spans = []; // [first seq, part] of each run of entries
    this.unreadable = []; // seqs of entries whose body the screen cannot read
  }

  /** A model from the server's compact state (lottery_service/views/ceremony.py snapshot()). */
  static fromSnapshot(s) {
    if (s.format !== FORMAT) throw new Error(`not a ceremony state: ${s.format}`);
    const m = new Model();
    m.size = s.size;
    m.time = s.time;
    if (s.rules_hash !== null) {
      m.rules = { event: s.event, title: s.title, rehearsal: s.rehearsal, dice: s.dice,
        beacon: s.beacon, waitlist_promotion: s.waitlist_promotion };
    }
    m.rulesHash = s.rules_hash;
    m.windows = structuredClone(s.windows);
    m.rejections = s.rejections;
    m.biasAudit = s.bias_audit;
    m.payments = { ...s.payments };
    m.regMax = s.reg_max;
    m.spans = s.spans.map(([seq, part]) => [seq, part]);
    m.unreadable = [...s.unreadable];
    if (s.corrections.length) m.corrections.e = structuredClone(s.corrections);
    for (const [name, c] of Object.entries(s.ceremonies)) {
      const x = newCeremony();
      Object.assign(x, {
        participants: c.participants.map((p) => ({ id: p.id, role: p.role })),
        participants_hash: c.participants_hash, physical_entropy_by: c.physical_entropy_by,
        beacon_round: c.beacon_round, postponements: structuredClone(c.postponements),
        records: c.input.records, withdrawn: [...c.input.withdrawn], root: c.input.root,
        size: c.input.size, closed: c.closed, dice: c.dice && [...c.dice], witness: c.witness,
        beacon: c.beacon && { ...c.beacon }, seed: c.seed, key_released: c.key_released,
        published: c.published });
      for (const p of c.participants) {
        if (p.commitment !== null) x.commitments[p.id] = p.commitment;
        if (SETTLED.has(p.status)) x.openings[p.id] = { status: p.status, secret: p.secret, reason: p.reason };
      }
      m.ceremonies[name] = x;
      if (c.corrections.length) m.corrections["c:" + name] = structuredClone(c.corrections);
    }
    for (const s2 of s.schools) {
      const x = newSchool(s2.id);
      if (s2.input) x.record = { name: s2.name, district: s2.district, authority: s2.authority, quota: s2.quota };
      x.applicants = s2.applicants;
      if (s2.summary) x.summary = { ...structuredClone(s2.summary), name: s2.name };
      Object.assign(x, { results: s2.results, admitted: s2.admitted, waiting: s2.waiting,
        forfeited: s2.forfeited, promoted: s2.promoted });
      m.schools[s2.id] = x;
      if (s2.corrections.length) m.corrections["s:" + s2.id] = structuredClone(s2.corrections);
    }
    for (const k of s.classes) {
      const x = newClasses();
      x.plan = k.classes.map((c) => [c.class, c.capacity]);
      x.pupils = k.pupils;
      x.results = k.results;
      if (k.grouped) x.summary = Object.fromEntries(k.classes.filter((c) => c.pupils !== null).map((c) => [c.class, [c.pupils, c.F, c.M]]));
      for (const c of k.classes) if (c.teacher !== null) x.teachers[c.class] = [c.teacher, c.teacher_name];
      m.classes[k.school] = x;
      if (k.corrections.length) m.corrections["g:" + k.school] = structuredClone(k.corrections);
    }
    return m;
  }

  cer(name) {
    if (!this.ceremonies[name]) this.ceremonies[name] = newCeremony();
    return this.ceremonies[name];
  }

  school(id) {
    if (!this.schools[id]) this.schools[id] = newSchool(id);
    return this.schools[id];
  }

  klass(id) {
    if (!this.classes[id]) this.classes[id] = newClasses();
    return this.classes[id];
  }

  partAt(seq) {
    let found = "e";
    if (seq >= this.size) return found;
    for (let lo = 0, hi = this.spans.length - 1; lo <= hi;) {
      const mid = (lo + hi) >> 1;
      if (this.spans[mid][0] <= seq) { found = this.spans[mid][1]; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }

  /**
   * Fold the next entry. Returns the part it changed ("c:<ceremony>", "s:<school>",
   * "g:<school>", "e"), or null for an entry already folded (a replay after a
   * reconnect). An entry past the next seq throws: the screen reloads its state.
   */
  apply(e) {
    if (e.seq < this.size) return null;
    if (e.seq > this.size) throw new Error(`entry ${e.seq} after ${this.size - 1}: a gap`);
    const b = e.body;
    const part = e.type === "correction" ? this.partAt(b.refers_to) : partOf(e.type, b);
    if (!this.spans.length || this.spans[this.spans.length - 1][1] !== part) this.spans.push([e.seq, part]);
    const handler = HANDLERS[e.type];
    try {
      if (handler) handler.call(this, e, b);
    } catch {
      this.unreadable.push(e.seq); // not a §11.2 body of its type: said, not guessed
    }
    this.size = e.seq + 1;
    this.time = e.time;
    return part;
  }

  /** The last ceremony opened (§5.1 order), or null. */
  current() {
    const opened = CEREMONIES.filter((c) => c in this.ceremonies);
    return opened.length ? opened[opened.length - 1] : null;
  }

  /** The banner: {key, ceremony, done, total, round, at} (views/ceremony.py Step). */
  step() {
    const out = { key: "waiting", ceremony: null, done: null, total: null, round: null, at: null };
    if (this.rules === null) return out;
    const name = this.current();
    if (name === null) {
      const w = this.windows.lottery_ceremony;
      return { ...out, key: "scheduled", at: w ? w.opens : null };
    }
    const c = this.ceremonies[name];
    out.ceremony = name;
    if (c.seed === null) return { ...out, ...this.ceremonyStep(c) };
    const [done, total, complete] = this.results(name);
    if (name === "lottery" && complete) {
      if (this.payments.closed !== null) return { ...out, key: "payments_closed", round: this.payments.closed };
      if (this.payments.round !== null) return { ...out, key: "payment", round: this.payments.round };
      return { ...out, key: "drawn", done };
    }
    if (complete) return { ...out, key: name === "grouping" ? "grouped" : "matched", done };
    if (done) return { ...out, key: "results", done, total };
    return { ...out, key: "seeded" };
  }

  ceremonyStep(c) {
    const settled = Object.keys(c.commitments).filter((p) => p in c.openings).length;
    const committed = Object.keys(c.commitments).length;
    if (c.root === null) return { key: "input", done: c.records };
    if (!c.closed) return { key: "committing", done: committed, total: c.participants.length };
    if (settled < committed) return { key: "revealing", done: settled, total: committed };
    if (c.dice === null) return { key: "dice", total: this.rules.dice ?? null, at: c.physical_entropy_by };
    const beacon = this.rules.beacon;
    if (beacon && c.beacon === null && c.beacon_round !== null) {
      return { key: "beacon", round: c.beacon_round, at: roundTime(beacon, c.beacon_round) };
    }
    return { key: "seeding" };
  }

  results(name) {
    if (name === "lottery") {
      const inputs = Object.values(this.schools).filter((s) => s.record !== null);
      return [inputs.filter((s) => s.summary !== null).length, inputs.length, this.biasAudit];
    }
    const all = Object.values(this.classes);
    if (name === "grouping") {
      const done = all.filter((k) => k.summary !== null).length;
      const complete = all.every((k) => k.summary !== null && k.results === k.pupils);
      return [done, all.length, complete && all.length > 0];
    }
    const total = all.reduce((n, k) => n + k.plan.length, 0);
    const done = all.reduce((n, k) => n + Object.keys(k.teachers).length, 0);
    return [done, total, done === total && total > 0];
  }

  /** The compact live state, as views/ceremony.py CeremonyView.snapshot() gives it. */
  snapshot() {
    const r = this.rules || {};
    const order = Object.values(this.schools).sort((a, b) =>
      Number(!drawn(a)) - Number(!drawn(b)) || Number(a.summary === null) - Number(b.summary === null)
      || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return {
      format: FORMAT, size: this.size, time: this.time,
      event: r.event ?? null, title: r.title ?? null, rehearsal: r.rehearsal ?? null,
      rules_hash: this.rulesHash, dice: r.dice ?? null,
      beacon: r.beacon ? { period: r.beacon.period, genesis_time: r.beacon.genesis_time } : null,
      waitlist_promotion: r.waitlist_promotion ?? null,
      windows: Object.fromEntries(Object.keys(this.windows).sort().map((k) => [k, { ...this.windows[k] }])),
      step: this.step(),
      ceremonies: Object.fromEntries(CEREMONIES.filter((c) => c in this.ceremonies).map((c) => [c, this.ceremonyJSON(c)])),
      rejections: this.rejections, bias_audit: this.biasAudit, payments: { ...this.payments },
      reg_max: this.regMax,
      schools: order.map((s) => this.schoolJSON(s)),
      classes: Object.keys(this.classes).sort().map((id) => this.classesJSON(id)),
      corrections: this.corrections.e || [],
      spans: this.spans.map(([seq, part]) => [seq, part]),
      unreadable: [...this.unreadable],
      page_records: PAGE_RECORDS,
    };
  }

  ceremonyJSON(name) {
    const c = this.ceremonies[name];
    const beacon = this.rules && this.rules.beacon;
    return {
      participants: c.participants.map(({ id, role }) => {
        const o = c.openings[id];
        return { id, role, commitment: c.commitments[id] ?? null,
          status: o ? o.status : id in c.commitments ? "committed" : null,
          secret: o ? o.secret : null, reason: o ? o.reason : null };
      }),
      participants_hash: c.participants_hash,
      input: { records: c.records, root: c.root, size: c.size, withdrawn: [...c.withdrawn] },
      closed: c.closed, physical_entropy_by: c.physical_entropy_by, beacon_round: c.beacon_round,
      beacon_due: beacon && c.beacon_round !== null ? roundTime(beacon, c.beacon_round) : null,
      postponements: c.postponements.map((p) => ({ ...p })), dice: c.dice && [...c.dice],
      witness: c.witness, beacon: c.beacon && { ...c.beacon }, seed: c.seed,
      key_released: c.key_released, published: c.published,
      corrections: this.corrections["c:" + name] || [],
    };
  }

  schoolJSON(s) {
    const rec = s.record || {};
    let summary = null;
    if (s.summary !== null) {
      const { quota, applicants, admitted, returned_to_bureau } = s.summary;
      // Only the stages the school has: a pool nobody is in says nothing (§7.2).
      summary = { quota, applicants, admitted, returned_to_bureau,
        stages: s.summary.stages.filter((st) => st.applicants > 0).map(({ stage, seats, applicants: a, admitted: n, lottery }) =>
          ({ stage, seats, applicants: a, admitted: n, lottery })) };
    }
    return {
      id: s.id, input: s.record !== null, name: schoolName(s), district: rec.district ?? null,
      authority: rec.authority ?? null, quota: rec.quota ?? null, applicants: s.applicants,
      summary, drawn: drawn(s), results: s.results, admitted: s.admitted, waiting: s.waiting,
      forfeited: s.forfeited, promoted: s.promoted, corrections: this.corrections["s:" + s.id] || [],
    };
  }

  classesJSON(id) {
    const k = this.classes[id];
    const named = this.schools[id];
    return {
      school: id, name: named ? schoolName(named) : null, pupils: k.pupils,
      grouped: k.summary !== null, results: k.results,
      classes: k.plan.map(([cls, capacity]) => {
        const [pupils, F, M] = (k.summary && k.summary[cls]) || [null, null, null];
        const [teacher, name] = k.teachers[cls] || [null, null];
        return { class: cls, capacity, pupils, F, M, teacher, teacher_name: name };
      }),
      corrections: this.corrections["g:" + id] || [],
    };
  }
}

export const PAGE_RECORDS = 100; // views/ceremony.py PAGE_RECORDS

// One handler per §11.2 type the screen draws; every other type changes only `size`.
const HANDLERS = {
  event_created(e, b) {
    const r = b.rules;
    this.rules = { event: r.event, title: r.title, rehearsal: r.rehearsal, dice: r.dice,
      beacon: r.beacon, waitlist_promotion: r.waitlist_promotion };
    this.rulesHash = b.rules_hash;
  },
  window_set(e, b) { this.windows[b.phase] = { opens: b.opens, closes: b.closes }; },
  window_removed(e, b) { delete this.windows[b.phase]; },
  ceremony_opened(e, b) {
    Object.assign(this.cer(b.ceremony), {
      participants: b.participants.map(({ id, role }) => ({ id, role })),
      participants_hash: b.participants_hash, physical_entropy_by: b.physical_entropy_by ?? null,
      beacon_round: b.beacon_round ?? null });
  },
  eligibility_rejections(e, b) { this.rejections = b.count; },
  input_records(e, b) {
    this.cer(b.ceremony).records += b.records.length;
    for (const r of b.records) {
      if (r.type === "school") this.school(r.id).record = { name: r.name, district: r.district, authority: r.authority, quota: r.quota };
      else if (r.type === "applicant") { this.school(r.school).applicants += 1; this.regMax = Math.max(this.regMax, r.reg.length); }
      else if (r.type === "class-plan") this.klass(r.school).plan = r.classes.map((k) => [k.id, k.capacity]);
      else if (r.type === "pupil") this.klass(r.school).pupils += 1;
    }
  },
  input_frozen(e, b) { Object.assign(this.cer(b.ceremony), { root: b.root, size: b.size }); },
  input_withdrawn(e, b) {
    const c = this.cer(b.ceremony);
    c.withdrawn.push(b.reason);
    Object.assign(c, { records: 0, root: null, size: null });
    if (b.ceremony === "lottery") { this.schools = {}; this.rejections = null; this.regMax = 0; }
    else if (b.ceremony === "grouping") this.classes = {};
  },
  commitment(e, b) { this.cer(b.ceremony).commitments[b.participant] = b.commitment; },
  commitments_closed(e, b) { this.cer(b.ceremony).closed = true; },
  reveal: opening, escrow_opened: opening, contribution_void: opening,
  physical_entropy(e, b) { Object.assign(this.cer(b.ceremony), { dice: [...b.values], witness: b.witness }); },
  beacon_postponed(e, b) {
    const c = this.cer(b.ceremony);
    c.postponements.push({ time: e.time, reason: b.reason, round: b.round, beacon_round: b.beacon_round,
      physical_entropy_by: b.physical_entropy_by });
    Object.assign(c, { beacon_round: b.beacon_round, physical_entropy_by: b.physical_entropy_by });
  },
  beacon(e, b) { this.cer(b.ceremony).beacon = { round: b.round, randomness: b.randomness }; },
  seed(e, b) { this.cer(b.ceremony).seed = b.seed; },
  escrow_key_released(e, b) { this.cer(b.ceremony).key_released = true; },
  published(e, b) { this.cer(b.ceremony).published = true; },
  lottery_summary(e, b) { this.school(b.school).summary = b; },
  lottery_result(e, b) {
    const s = this.school(b.school);
    s.results += 1;
    if (b.outcome === "admitted") s.admitted += 1;
    if (b.waiting !== null) s.waiting += 1;
  },
  bias_audit() { this.biasAudit = true; },
  forfeit(e, b) { this.school(b.school).forfeited += 1; },
  payment_round(e, b) { this.payments.round = b.round; },
  promotion(e, b) { this.school(b.school).promoted += 1; },
  payments_closed(e, b) { this.payments.closed = b.rounds; },
  grouping_summary(e, b) {
    this.klass(b.school).summary = Object.fromEntries(b.classes.map((c) =>
      [c.class, [c.pupils, c.genders.F ?? 0, c.genders.M ?? 0]]));
  },
  grouping_result(e, b) { this.klass(b.school).results += 1; },
  matching_result(e, b) { this.klass(b.school).teachers[b.class] = [b.teacher, b.name]; },
  correction(e, b) {
    // §11.1: a correction is a new entry, shown where the entry it names is shown.
    const part = this.partAt(b.refers_to);
    (this.corrections[part] || (this.corrections[part] = [])).push(
      { seq: e.seq, time: e.time, refers_to: b.refers_to, reason: b.reason });
  },
};

function opening(e, b) {
  this.cer(b.ceremony).openings[b.participant] = { status: OPENING_STATUS[e.type],
    secret: b.secret ?? null, reason: b.reason ?? null };
}

// ------------------------------------------------------------------ presenting

/**
 * The presenter's slides, in order, for a snapshot and the screen's capacities
 * ({names, rows}: how many name cells and table rows fit one screen). Every
 * admitted and waiting child of a drawn school is on exactly one list slide.
 */
export function slides(snap, cap) {
  const out = [];
  const perNames = Math.max(1, cap.names);
  const perRows = Math.max(1, cap.rows);
  const chunks = (n, per, make) => {
    const pages = Math.max(1, Math.ceil(n / per));
    for (let p = 0; p < pages; p++) out.push(make(p * per, Math.min(n, (p + 1) * per), p + 1, pages));
  };
  const cers = snap.ceremonies;
  if (cers.lottery) out.push({ id: "cer:lottery", kind: "ceremony", ceremony: "lottery" });
  const withResults = snap.schools.filter((s) => s.summary !== null);
  const listed = snap.schools.filter((s) => s.input);
  if (!withResults.length && listed.length) {
    chunks(listed.length, perRows, (from, to, page, pages) =>
      ({ id: `roster:${page}`, kind: "roster", from, to, page, pages }));
  }
  const drawnSchools = withResults.filter((s) => s.drawn);
  drawnSchools.forEach((s, i) => {
    for (const list of ["admitted", "waiting"]) {
      if (!s[list]) continue;
      chunks(s[list], perNames, (from, to, page, pages) => ({ id: `list:${s.id}:${list}:${page}`,
        kind: "list", school: s.id, list, from, to, page, pages, nth: i + 1, of: drawnSchools.length }));
    }
  });
  const others = withResults.filter((s) => !s.drawn);
  if (others.length) {
    chunks(others.length, perRows, (from, to, page, pages) =>
      ({ id: `others:${page}`, kind: "others", from, to, page, pages }));
  }
  if (cers.grouping) out.push({ id: "cer:grouping", kind: "ceremony", ceremony: "grouping" });
  snap.classes.filter((k) => k.grouped).forEach((k, i, all) => {
    chunks(k.classes.length, perRows, (from, to, page, pages) => ({ id: `classes:${k.school}:${page}`,
      kind: "classes", school: k.school, from, to, page, pages, nth: i + 1, of: all.length }));
  });
  if (cers.teachers) out.push({ id: "cer:teachers", kind: "ceremony", ceremony: "teachers" });
  return out;
}

/**
 * The slide a step calls attention to (its id), or null: the ceremony while it runs,
 * its first result slide once results are there. The presenter jumps there when the
 * step changes, never in between, so an operator paging through lists is not pulled away.
 */
export function focusOf(step, list) {
  if (!step.ceremony) return null;
  const results = { results: true, drawn: true, grouped: true, matched: true };
  if (!results[step.key]) return list.some((s) => s.id === "cer:" + step.ceremony) ? "cer:" + step.ceremony : null;
  const kind = step.ceremony === "lottery" ? ["list", "others"] : ["classes"];
  const first = list.find((s) => kind.includes(s.kind));
  return first ? first.id : null;
}

/** The server pages (1-based, PAGE_RECORDS each) that hold records from … to−1 of a list. */
export function pagesFor(from, to, per = PAGE_RECORDS) {
  const out = [];
  for (let p = Math.floor(from / per); p <= Math.floor((to - 1) / per); p++) out.push(p + 1);
  return out;
}

/** How many cells of w×h fit a box of W×H with `gap` between them. */
export function fit(W, H, w, h, gap) {
  const cols = Math.max(1, Math.floor((W + gap) / (w + gap)));
  const rows = Math.max(1, Math.floor((H + gap) / (h + gap)));
  return { cols, rows, cells: cols * rows };
}

/** A role word key (api/i18n.py), and the participant's number when its id is `<role>-<n>`. */
export function participantLabel(p) {
  const m = /^(.*)-(\d+)$/.exec(p.id);
  return { role: ROLES.includes(p.role) ? "h.role." + p.role : null,
    n: m && m[1] === p.role ? m[2] : null };
}

/** A §1 time in Beijing time (UTC+8): {date: "7月1日" | "1 Jul", clock: "09:30"}. */
export function beijing(time, lang) {
  const d = new Date(Date.parse(time) + 8 * 3600 * 1000);
  const clock = `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}`;
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const date = lang === "en" ? `${d.getUTCDate()} ${months[d.getUTCMonth()]}` : `${d.getUTCMonth() + 1}月${d.getUTCDate()}日`;
  return { date, clock };
}

/** A hash as the screen shows it in a table: its first 16 hex digits, or a dash. */
export const short = (hex) => (hex ? hex.slice(0, 16) + "…" : "—");

/** A 64-digit seed in four groups of 16, for a line break that never splits a group. */
export const groups = (hex) => (hex ? hex.match(/.{1,16}/g) : []);
