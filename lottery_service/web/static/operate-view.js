// Operator console logic, as pure functions (docs/LIFECYCLE.md "The console").
//
// flow(view) turns what the server says — the public event (GET /events/{id}) and the
// console's read model (GET /events/{id}/console) — into the guided list of steps of
// the season, each done, next, open or not yet (with why), so the page enables only
// the valid next steps. consequence() names what an irreversible step cannot undo;
// answer(), importReport() and previewLines() turn every API answer into Chinese
// sentences (never raw JSON). operate.js wires the page and draws.

/** The phases in their one order (core/season.py Phase, §11.3). */
export const PHASES = Object.freeze(["setup", "registration", "lottery_ceremony", "drawn",
  "confirmed", "grouping_ceremony", "grouped", "teacher_ceremony", "matched", "notified",
  "published"]);

/** The phase each ceremony runs in, and the phase its freeze happens in (§5.1). */
export const CEREMONY_PHASE = Object.freeze({
  lottery: "lottery_ceremony", grouping: "grouping_ceremony", teachers: "teacher_ceremony",
});
const FREEZE = Object.freeze({
  lottery: { step: "freeze-roster", phase: "registration", path: "/roster/freeze",
    needs: ["schools", "applicants"] },
  grouping: { step: "freeze-grouping", phase: "confirmed", path: "/grouping/freeze",
    needs: ["pupils", "class-plans"] },
  teachers: { step: "freeze-teachers", phase: "grouped", path: "/teachers/freeze",
    needs: ["teachers"] },
});
const RUN = Object.freeze({
  lottery: { step: "draw", path: "/draw" },
  grouping: { step: "group", path: "/grouping/run" },
  teachers: { step: "match", path: "/matching/run" },
});

/** The phases each import kind is accepted in (service/imports.py KINDS). */
export const IMPORT_PHASES = Object.freeze({
  schools: ["registration"], applicants: ["registration"], community: ["registration"],
  direct: ["registration"], locks: ["registration", "drawn"], payments: ["drawn"],
  pupils: ["confirmed"], "class-plans": ["confirmed"], teachers: ["grouped"],
});
const OPTIONAL_IMPORTS = new Set(["community", "direct", "locks"]);

/** Steps whose effect is logged for good: each asks for a confirmation naming it. */
export const IRREVERSIBLE = Object.freeze(new Set(["create", "freeze-roster", "close", "escrow",
  "entropy", "beacon", "seed", "release", "draw", "payment-round", "close-payments",
  "freeze-grouping", "group", "freeze-teachers", "match", "notify", "publish"]));

const CEREMONY_STEP_ORDER = ["not_opened", "opened", "committing", "revealing", "entropy",
  "beacon", "seeded"];

export function phaseIndex(phase) {
  return PHASES.indexOf(phase);
}

function atLeast(phase, other) {
  return phaseIndex(phase) >= phaseIndex(other);
}

/**
 * The guided flow: [{id, kind, stage, ceremony?, importKind?, path?, state, why?}] in the
 * order of docs/LIFECYCLE.md. state: "done" | "next" (the first open step not optional)
 * | "open" | "later"; why: {key, vars} saying what is missing, for "later".
 * `view` = {event: the public event or null, status: the console read model or null}.
 */
export function flow({ event, status }) {
  const steps = [];
  const phase = event ? event.phase : "setup";
  const cer = (c) => (event && event.ceremonies && event.ceremonies[c]) || null;
  const setup = (c) => (status && status.ceremonies && status.ceremonies[c]) || null;
  const stored = (k) => (status && status.stored ? status.stored[k] ?? 0 : 0);
  const beacon = Boolean(event && event.rules && event.rules.beacon);
  const add = (step, done, why, extra = {}) => steps.push({ ...step, ...extra, done, why });
  const needEvent = event ? null : { key: "o.why.no_event", vars: {} };
  const phaseWhy = (need) => ({ key: "o.why.phase", vars: { phase, need } });

  add({ id: "create", kind: "create", stage: "setup" }, Boolean(event), null);

  const participants = (c, stage) => {
    const s = setup(c);
    const set = Boolean(s && s.participants.length && s.escrow_key);
    const opened = cer(c) && cer(c).step !== "not_opened";
    add({ id: `participants:${c}`, kind: "participants", stage, ceremony: c }, set,
      needEvent ?? (opened ? { key: "o.why.opened", vars: {} } : null),
      { optionalAfterDone: true, locked: Boolean(opened) });
  };
  const imports = (kind, stage) => {
    const phases = IMPORT_PHASES[kind];
    const open = phases.includes(phase);
    add({ id: `import:${kind}`, kind: "import", stage, importKind: kind }, stored(kind) > 0,
      needEvent ?? (open ? null : phaseWhy(phases[0])),
      { optional: OPTIONAL_IMPORTS.has(kind), repeatable: open });
  };
  const freeze = (c, stage) => {
    const f = FREEZE[c];
    const done = atLeast(phase, CEREMONY_PHASE[c]);
    let why = needEvent ?? (phase === f.phase ? null : phaseWhy(f.phase));
    if (!why) {
      const missing = f.needs.find((k) => stored(k) === 0);
      if (missing) why = { key: "o.why.import", vars: { kind: missing } };
    }
    const s = setup(c);
    if (!why && !(s && s.participants.length && s.escrow_key)) {
      why = { key: "o.why.participants", vars: { ceremony: c } };
    }
    add({ id: f.step, kind: "freeze", stage, ceremony: c, path: f.path }, done, why);
  };
  const ceremony = (c, stage) => {
    const info = cer(c);
    const step = info ? info.step : "not_opened";
    const at = CEREMONY_STEP_ORDER.indexOf(step);
    const live = phase === CEREMONY_PHASE[c];
    const past = atLeast(phase, CEREMONY_PHASE[c]) && !live;
    const stepWhy = () => needEvent ?? (live ? { key: "o.why.ceremony", vars: { ceremony: c, step } }
      : phaseWhy(CEREMONY_PHASE[c]));
    const item = (id, kind, doneAt, openAt, extra = {}) => {
      const done = past || at >= CEREMONY_STEP_ORDER.indexOf(doneAt);
      const open = live && openAt.includes(step);
      add({ id: `${id}:${c}`, kind, stage, ceremony: c, ...extra }, done, open ? null : stepWhy());
    };
    item("close", "close", "revealing", ["committing"],
      { path: `/ceremonies/${c}/commitments/close` });
    item("escrow", "escrow", "entropy", ["revealing"]);
    item("entropy", "entropy", "beacon", ["entropy"], { path: `/ceremonies/${c}/entropy` });
    if (beacon) item("beacon", "beacon", "seeded", ["beacon"]);
    item("seed", "simple", "seeded", ["beacon"], { path: `/ceremonies/${c}/seed`, verb: "seed" });
    const s = setup(c);
    const released = Boolean(s && s.released);
    add({ id: `release:${c}`, kind: "release", stage, ceremony: c }, released,
      needEvent ?? (step === "seeded" ? null : { key: "o.why.seed", vars: { ceremony: c } }));
    const run = RUN[c];
    const ran = atLeast(phase, CEREMONY_PHASE[c]) && phase !== CEREMONY_PHASE[c];
    add({ id: run.step, kind: "simple", stage, ceremony: c, path: run.path, verb: run.step }, ran,
      needEvent ?? (live && step === "seeded" ? null
        : live ? { key: "o.why.seed", vars: { ceremony: c } } : phaseWhy(CEREMONY_PHASE[c])));
  };

  participants("lottery", "setup");
  for (const k of ["schools", "applicants", "community", "direct", "locks"]) imports(k, "registration");
  freeze("lottery", "registration");
  ceremony("lottery", "lottery");

  imports("payments", "payments");
  const drawn = phase === "drawn";
  const offers = status ? status.open_offers : 0;
  add({ id: "payment-round", kind: "simple", stage: "payments", path: "/payments/rounds",
    verb: "payment-round", repeatable: true },
  atLeast(phase, "confirmed") || (drawn && status && status.payment_rounds > 0 && offers === 0),
  needEvent ?? (drawn ? null : phaseWhy("drawn")));
  add({ id: "close-payments", kind: "simple", stage: "payments", path: "/payments/close",
    verb: "close-payments" }, atLeast(phase, "confirmed"),
  needEvent ?? (!drawn ? phaseWhy("drawn") : offers > 0 ? { key: "o.why.offers", vars: { n: offers } } : null));

  for (const k of ["pupils", "class-plans"]) imports(k, "grouping");
  participants("grouping", "grouping");
  freeze("grouping", "grouping");
  ceremony("grouping", "grouping");

  imports("teachers", "teachers");
  participants("teachers", "teachers");
  freeze("teachers", "teachers");
  ceremony("teachers", "teachers");

  add({ id: "notify", kind: "simple", stage: "publish", path: "/notifications/send", verb: "notify" },
    atLeast(phase, "notified"), needEvent ?? (phase === "matched" ? null : phaseWhy("matched")));
  const publishAfter = { lottery: "drawn", grouping: "grouped", teachers: "notified" };
  for (const c of ["lottery", "grouping", "teachers"]) {
    const s = setup(c);
    const published = Boolean(s && s.published);
    const need = publishAfter[c];
    add({ id: `publish:${c}`, kind: "simple", stage: "publish", ceremony: c, path: `/publish/${c}`,
      verb: "publish" }, published,
    needEvent ?? (atLeast(phase, need) ? null
      : c === "teachers" ? { key: "o.why.notified", vars: {} } : phaseWhy(need)));
  }
  add({ id: "export", kind: "export", stage: "publish", path: "/export", repeatable: true, optional: true },
    false, needEvent);

  let next = false;
  for (const s of steps) {
    const available = s.why === null && Boolean(!s.done || s.repeatable || (s.optionalAfterDone && !s.locked));
    if (s.done) s.state = "done";
    else if (!available) s.state = "later";
    else if (!next && !s.optional) { s.state = "next"; next = true; }
    else s.state = "open";
    s.enabled = available;
  }
  return steps;
}

/** The stages in order, each with its steps. */
export function stages(steps) {
  const order = ["setup", "registration", "lottery", "payments", "grouping", "teachers", "publish"];
  return order.map((stage) => ({ stage, steps: steps.filter((s) => s.stage === stage) }));
}

function nameVars(t, step) {
  return {
    ceremony: step.ceremony ? t(`o.cer.${step.ceremony}`) : "",
    kind: step.importKind ? t(`o.kind.${step.importKind}`) : "",
  };
}

/** A step's name in words. */
export function stepName(t, step) {
  const verb = step.kind === "import" ? "import" : step.id.split(":")[0];
  return t(`o.step.${verb}`, nameVars(t, step));
}

/**
 * What the confirmation of an irreversible step says it cannot undo, or null for a step
 * that can be redone. `facts`: {rejected (freeze-roster), pending: [ids], uncommitted: [ids]}.
 */
export function consequence(t, step, facts = {}) {
  const verb = step.kind === "import" ? "import" : step.id.split(":")[0];
  if (!IRREVERSIBLE.has(verb)) return null;
  const list = (ids) => (ids && ids.length ? ids.join("、") : t("o.ceremony.nobody"));
  return t(`o.warn.${verb}`, {
    ...nameVars(t, step), rejected: facts.rejected ?? 0,
    who: verb === "close" ? list(facts.uncommitted) : list(facts.pending),
  });
}

/** Participants of a ceremony who have not committed, and those not yet settled. */
export function ceremonyFacts(event, ceremony) {
  const c = event && event.ceremonies ? event.ceremonies[ceremony] : null;
  if (!c) return { uncommitted: [], pending: [] };
  const committed = new Set(c.committed);
  return {
    uncommitted: c.participants.map((p) => p.id).filter((id) => !committed.has(id)),
    pending: c.participants.map((p) => p.id).filter((id) => !(id in c.settled)),
  };
}

/** The entry types a step logged, counted, in words: "种子 1 条、摇号结果 40 条". */
export function entriesText(t, entries) {
  const counts = new Map();
  for (const e of entries) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
  return [...counts].map(([type, n]) => `${t(`o.entry.${type}`)} ${n}`).join("、");
}

/**
 * The sentence of one API answer {status (null when it succeeded), data} for `name` (a
 * step's name); {text, bad}. A refusal says the server's Chinese message, the rule and
 * section it cites, or what the HTTP status means; never the JSON body.
 */
export function answer(t, name, { status, data }, lang = "zh") {
  if (status === null) {
    const entries = data && Array.isArray(data.entries) ? data.entries : null;
    if (entries === null) return { text: t("o.ok_plain", { step: name }), bad: false };
    if (!entries.length) return { text: t("o.ok_none", { step: name }), bad: false };
    return { text: t("o.ok", { step: name, n: entries.length, types: entriesText(t, entries) }),
      bad: false };
  }
  return { text: t("o.refused", { step: name, message: refusal(t, status, data, lang) }), bad: true };
}

/**
 * Why the server refused, in words: its message (Chinese, or English on the English page),
 * rule and section, or what the status means.
 */
export function refusal(t, status, data, lang = "zh") {
  if (status === 0) return t("o.network");
  const known = [400, 401, 403, 404, 409, 413, 422, 429, 500, 502];
  const generic = t(`o.http.${known.includes(status) ? status : status >= 500 ? 500 : 400}`);
  const field = lang === "en" ? "message_en" : "message_zh";
  let text = data && typeof data[field] === "string" && data[field] ? data[field] : generic;
  if (status === 401 || status === 403) text = `${generic}${text === generic ? "" : ` ${text}`}`;
  if (!/[。！？.!?]$/.test(text)) text += lang === "en" ? "." : "。";
  // The rule and section, unless the message already names them.
  if (data && data.rule && !text.includes(data.rule)) text += t("o.rule_ref", { rule: data.rule });
  if (data && data.section && !text.includes(`§${data.section}`) && !text.includes(`第 ${data.section} 节`)) {
    text += t("o.section_ref", { section: data.section });
  }
  if (data && data.phase) text += t("o.phase_now", { phase: t(`phase.${data.phase}`) });
  return text;
}

/**
 * A refused import's report: {summary, notes, rows: [[row, column, value, problem, hint]],
 * hidden} with at most `cap` rows on screen; null when the answer is not a refused import.
 */
export function importReport(t, kindName, status, data, cap = 50) {
  if (status !== 422 || !data || !Array.isArray(data.errors)) return null;
  const errors = data.errors;
  const rows = errors.slice(0, cap).map((e) => [
    e.row ? String(e.row) : t("o.imp.file_error"),
    e.column || e.field_zh || e.field || "",
    e.value ?? "",
    e.reason_zh || e.reason || "",
    e.hint ?? "",
  ]);
  const n = errors.length;
  // The report's facts about the file (imports/report.py): its encoding, the header row
  // found, title rows skipped — what explains a file refused whole.
  const facts = typeof data.report === "string"
    ? data.report.split("\n").filter((line) => /^(文件|说明)：/.test(line)) : [];
  return {
    summary: t("o.imp.refused", { kind: kindName, n }),
    facts,
    shown: n > cap ? t("o.imp.shown", { shown: cap }) : null,
    rows,
  };
}

/** The lines of a roster freeze preview (GET /console/roster-preview), Chinese. */
export function previewLines(t, p) {
  const rejected = p.rejected.reduce((a, r) => a + r.count, 0);
  const lines = [t("o.pv.summary", { applications: p.applications, eligible: p.eligible, rejected })];
  for (const r of p.rejected) {
    let line = t("o.pv.rule", { code: r.code, meaning: r.meaning, count: r.count });
    if (r.examples.length) line += `；${t("o.pv.examples", { examples: r.examples.join("、") })}`;
    if (p.applications && r.count / p.applications >= 0.5) line += `。${t("o.pv.many", { hint: r.hint })}`;
    lines.push(line);
  }
  if (!p.rejected.length) lines.push(t("o.pv.none"));
  for (const b of p.blocking) lines.push(t("o.pv.blocking", { why: b }));
  return { lines, rejected, blocked: p.blocking.length > 0 };
}

/** The dice values typed (space or comma separated), or null unless exactly `count` of 1–6. */
export function parseDice(text, count) {
  const parts = String(text).trim().split(/[\s,，、]+/).filter(Boolean);
  if (parts.length !== count || parts.some((p) => !/^[1-6]$/.test(p))) return null;
  return parts.map(Number);
}

/** "id:role" lines (or comma separated) → [{id, role}], or null when one is malformed. */
export function parseParticipants(text) {
  const roles = new Set(["notary", "supervisor", "parent-rep", "bureau"]);
  const items = String(text).split(/[\n,，]+/).map((s) => s.trim()).filter(Boolean);
  const out = [];
  for (const item of items) {
    const [id, role, ...rest] = item.split(/[:：]/).map((s) => s.trim());
    if (rest.length || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id ?? "") || !roles.has(role)) return null;
    out.push({ id, role });
  }
  return out.length ? out : null;
}

/** The hex of an escrow private key file (as `sunshine escrow-keygen` writes it), or null. */
export function parseKeyFile(text) {
  const hex = String(text).trim().toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : null;
}
