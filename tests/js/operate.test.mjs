// The operator console's pure logic (operate-view.js): the guided flow of
// docs/LIFECYCLE.md driven by the phase, confirmations naming consequences, and every
// answer as words (never JSON). `t` echoes the key and its values, so each test says
// which sentence is chosen with what; tests/js/test_js_strings.py checks the sentences.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  IRREVERSIBLE, PHASES, answer, ceremonyFacts, consequence, flow, importReport, parseDice,
  parseKeyFile, parseParticipants, previewLines, refusal, stages, stepName,
} from "../../lottery_service/web/static/operate-view.js";

const t = (key, vars = {}) => `${key}${Object.keys(vars).length ? JSON.stringify(vars) : ""}`;

const ceremony = (step, extra = {}) => ({
  step, participants: [{ id: "notary-1", role: "notary" }, { id: "sup-1", role: "supervisor" }],
  committed: [], settled: {}, pending: [], ...extra,
});
const event = (phase, ceremonies = {}, rules = { beacon: null }) => ({
  phase, rules, ceremonies: { lottery: ceremony("not_opened"), grouping: ceremony("not_opened"),
    teachers: ceremony("not_opened"), ...ceremonies } });
const setup = (set = ["lottery"], extra = {}) => Object.fromEntries(["lottery", "grouping", "teachers"]
  .map((c) => [c, { participants: set.includes(c) ? [{ id: "notary-1", role: "notary" }] : [],
    escrow_key: set.includes(c) ? "K" : null, released: false, published: false, ...(extra[c] ?? {}) }]));
const status = (stored = {}, ceremonies = setup(), more = {}) => ({
  stored: { schools: 0, applicants: 0, community: 0, direct: 0, locks: 0, payments: 0, pupils: 0,
    "class-plans": 0, teachers: 0, ...stored }, ceremonies, payment_rounds: 0, open_offers: 0, ...more });

const byId = (steps) => Object.fromEntries(steps.map((s) => [s.id, s]));
const next = (steps) => steps.filter((s) => s.state === "next").map((s) => s.id);
const enabled = (steps) => steps.filter((s) => s.enabled).map((s) => s.id);

test("before the event exists only its creation is possible, and it is the next step", () => {
  const steps = flow({ event: null, status: null });
  assert.deepEqual(enabled(steps), ["create"]);
  assert.deepEqual(next(steps), ["create"]);
  assert.equal(byId(steps)["draw"].why.key, "o.why.no_event");
});

test("registration: imports first, the freeze waits for schools, applicants and the lottery's setup", () => {
  let steps = flow({ event: event("registration"), status: status({}, setup([])) });
  assert.equal(byId(steps).create.state, "done");
  assert.equal(byId(steps).create.enabled, false);
  assert.deepEqual(next(steps), ["participants:lottery"]);
  assert.deepEqual(byId(steps)["freeze-roster"].why, { key: "o.why.import", vars: { kind: "schools" } });
  steps = flow({ event: event("registration"), status: status({ schools: 2, applicants: 9 }, setup([])) });
  assert.deepEqual(byId(steps)["freeze-roster"].why, { key: "o.why.participants", vars: { ceremony: "lottery" } });
  steps = flow({ event: event("registration"), status: status({ schools: 2, applicants: 9 }) });
  assert.deepEqual(next(steps), ["freeze-roster"]);
  // optional lists stay open but are never "the" next step; ceremony steps wait for their phase
  assert.equal(byId(steps)["import:community"].state, "open");
  assert.equal(byId(steps)["close:lottery"].enabled, false);
  assert.deepEqual(byId(steps)["close:lottery"].why.key, "o.why.phase");
  assert.equal(byId(steps)["import:payments"].enabled, false);
  // a stored import may be sent again while its phase lasts
  assert.equal(byId(steps)["import:schools"].state, "done");
  assert.equal(byId(steps)["import:schools"].enabled, true);
});

test("a ceremony goes close → escrow → dice → seed → release, one step at a time (§5)", () => {
  const order = [["committing", "close:lottery"], ["revealing", "escrow:lottery"],
    ["entropy", "entropy:lottery"], ["beacon", "seed:lottery"], ["seeded", "release:lottery"]];
  for (const [step, want] of order) {
    const steps = flow({ event: event("lottery_ceremony", { lottery: ceremony(step) }), status: status() });
    const ceremonySteps = steps.filter((s) => s.ceremony === "lottery" && s.stage === "lottery" && s.enabled);
    assert.deepEqual(ceremonySteps.map((s) => s.id), step === "seeded" ? ["release:lottery", "draw"] : [want], step);
    assert.deepEqual(next(steps), [want], step);
    assert.equal(byId(steps)["freeze-roster"].state, "done");
    assert.equal(byId(steps)["participants:lottery"].enabled, false); // opened: fixed
  }
  // a beacon adds its step between the dice and the seed (§5.6)
  const withBeacon = flow({ event: event("lottery_ceremony", { lottery: ceremony("beacon") }, { beacon: { chain: "x" } }),
    status: status() });
  assert.deepEqual(enabled(withBeacon).filter((id) => id.endsWith(":lottery")), ["beacon:lottery", "seed:lottery"]);
  // released: draw is next
  const released = flow({ event: event("lottery_ceremony", { lottery: ceremony("seeded") }),
    status: status({}, setup(["lottery"], { lottery: { released: true } })) });
  assert.deepEqual(next(released), ["draw"]);
});

test("payments: rounds until no offer is open, then close; then the cohort", () => {
  const drawn = event("drawn", { lottery: ceremony("seeded") });
  const released = setup(["lottery"], { lottery: { released: true } });
  let steps = flow({ event: drawn, status: status({}, setup(), { open_offers: 7 }) });
  assert.deepEqual(next(steps), ["release:lottery"]); // the key may still be released
  steps = flow({ event: drawn, status: status({}, released, { open_offers: 7 }) });
  assert.deepEqual(next(steps), ["import:payments"]);
  assert.deepEqual(byId(steps)["close-payments"].why, { key: "o.why.offers", vars: { n: 7 } });
  assert.equal(byId(steps)["payment-round"].enabled, true);
  assert.equal(byId(steps)["publish:lottery"].enabled, true); // results are logged
  steps = flow({ event: drawn, status: status({ payments: 5 }, released, { open_offers: 0, payment_rounds: 2 }) });
  assert.deepEqual(next(steps), ["close-payments"]);
  steps = flow({ event: event("confirmed", { lottery: ceremony("seeded") }), status: status({}, released) });
  assert.deepEqual(next(steps), ["import:pupils"]);
  assert.equal(byId(steps)["payment-round"].enabled, false);
});

test("the end of the season: match, notify, publish the teachers last, export any time", () => {
  const all = { lottery: ceremony("seeded"), grouping: ceremony("seeded"), teachers: ceremony("seeded") };
  let steps = flow({ event: event("matched", all), status: status({}, setup(["lottery", "grouping", "teachers"])) });
  assert.equal(byId(steps).match.state, "done");
  assert.equal(byId(steps).notify.enabled, true);
  assert.deepEqual(byId(steps)["publish:teachers"].why, { key: "o.why.notified", vars: {} });
  steps = flow({ event: event("notified", all), status: status({}, setup(["lottery", "grouping", "teachers"])) });
  assert.equal(byId(steps).notify.state, "done");
  assert.equal(byId(steps).notify.enabled, false); // S6: never sent twice
  assert.equal(byId(steps)["publish:teachers"].enabled, true);
  assert.equal(byId(steps).export.enabled, true);
  for (const phase of PHASES.slice(1)) {
    const s = flow({ event: event(phase, all), status: status() });
    assert.equal(byId(s).export.enabled, true, phase);
    assert.ok(next(s).length <= 1, phase);
  }
  assert.deepEqual(stages(steps).map((s) => s.stage),
    ["setup", "registration", "lottery", "payments", "grouping", "teachers", "publish"]);
});

test("every irreversible step names its consequence; the others ask nothing", () => {
  const steps = flow({ event: null, status: null });
  for (const s of steps) {
    const verb = s.kind === "import" ? "import" : s.id.split(":")[0];
    const text = consequence(t, s, { rejected: 3, uncommitted: ["sup-1"], pending: ["notary-1"] });
    assert.equal(text !== null, IRREVERSIBLE.has(verb), s.id);
    if (text) assert.ok(text.startsWith(`o.warn.${verb}`), s.id);
  }
  const close = steps.find((s) => s.id === "close:lottery");
  assert.match(consequence(t, close, { uncommitted: ["sup-1", "p-2"] }), /"who":"sup-1、p-2"/);
  assert.match(consequence(t, close, { uncommitted: [] }), /"who":"o.ceremony.nobody"/);
  const freeze = steps.find((s) => s.id === "freeze-roster");
  assert.match(consequence(t, freeze, { rejected: 259 }), /"rejected":259/);
  assert.match(stepName(t, steps.find((s) => s.id === "import:class-plans")), /"kind":"o.kind.class-plans"/);
  const facts = ceremonyFacts(event("lottery_ceremony", { lottery: ceremony("revealing",
    { committed: ["notary-1"], settled: { "sup-1": "contribution_void" } }) }), "lottery");
  assert.deepEqual(facts, { uncommitted: ["sup-1"], pending: ["notary-1"] });
});

test("answers are sentences: what was logged, or the server's Chinese reason with rule and section", () => {
  const ok = answer(t, "摇号", { status: null, data: { entries: [{ seq: 9, type: "lottery_result" },
    { seq: 10, type: "lottery_result" }, { seq: 11, type: "bias_audit" }] } });
  assert.equal(ok.bad, false);
  assert.equal(ok.text, 'o.ok{"step":"摇号","n":3,"types":"o.entry.lottery_result 2、o.entry.bias_audit 1"}');
  assert.equal(answer(t, "x", { status: null, data: { entries: [] } }).text, 'o.ok_none{"step":"x"}');
  assert.equal(answer(t, "x", { status: null, data: { token: "secret" } }).text, 'o.ok_plain{"step":"x"}');
  const refused = answer(t, "摇号", { status: 409, data: { message_zh: "当前阶段不能执行这一步", rule: "G3", section: "11.4" } });
  assert.equal(refused.bad, true);
  assert.ok(!refused.text.includes("{\"message_zh\""));
  assert.equal(refusal(t, 409, { message_zh: "当前阶段不能执行这一步", rule: "G3", section: "11.4" }),
    '当前阶段不能执行这一步。o.rule_ref{"rule":"G3"}o.section_ref{"section":"11.4"}');
  assert.equal(refusal(t, 409, { message_zh: "当前阶段不能执行这一步（PROTOCOL.md §11.3）", section: "11.3", phase: "drawn" }),
    '当前阶段不能执行这一步（PROTOCOL.md §11.3）。o.phase_now{"phase":"phase.drawn"}');
  assert.equal(refusal(t, 422, { message_zh: "缴费日期在窗口外（P7）", rule: "P7" }), "缴费日期在窗口外（P7）。");
  assert.equal(refusal(t, 500, { message_zh: "" }), "o.http.500。");
  assert.equal(refusal(t, 0, null), "o.network");
  assert.equal(refusal(t, 401, { message_zh: "需要有效的令牌" }), "o.http.401 需要有效的令牌。");
  assert.equal(refusal(t, 418, null), "o.http.400。");
  assert.equal(refusal(t, 409, { message_zh: "顺序不对", message_en: "out of order" }, "en"), "out of order.");
  assert.match(answer(t, "Draw", { status: 409, data: { message_zh: "顺序不对", message_en: "out of order" } }, "en").text,
    /out of order\./);
});

test("an import's row report: the file's row, the column as written, the value, the hint, capped", () => {
  const errors = Array.from({ length: 70 }, (_, i) => ({ row: i + 3, field: "birth_date", field_zh: "出生日期",
    column: "出生年月", value: "2019-02-30", reason: "no such day", reason_zh: "日期不存在", hint: "请写成 2019-02-28" }));
  const r = importReport(t, "报名名单", 422, { errors: [{ row: 0, field: "file", reason_zh: "缺少表头" }, ...errors] });
  assert.equal(r.rows.length, 50);
  assert.deepEqual(r.rows[0], ["o.imp.file_error", "file", "", "缺少表头", ""]);
  assert.deepEqual(r.rows[1], ["3", "出生年月", "2019-02-30", "日期不存在", "请写成 2019-02-28"]);
  assert.equal(r.summary, 'o.imp.refused{"kind":"报名名单","n":71}');
  assert.equal(r.shown, 'o.imp.shown{"shown":50}');
  assert.deepEqual(r.facts, []);
  const withReport = importReport(t, "x", 422, { errors: errors.slice(0, 2),
    report: "共 2 处错误，整个文件未导入 / 2 error(s)\n文件：编码 GB18030，表头在第 4 行\n说明：第 1–2 行（标题）已跳过\n第 6 行「出生日期」：…" });
  assert.deepEqual(withReport.facts, ["文件：编码 GB18030，表头在第 4 行", "说明：第 1–2 行（标题）已跳过"]);
  assert.equal(withReport.shown, null);
  assert.equal(importReport(t, "x", 200, { errors: [] }), null);
  assert.equal(importReport(t, "x", 422, { message_zh: "x" }), null);
});

test("the freeze preview by rule, with counts, examples and a warning when most are rejected", () => {
  const p = { applications: 260, eligible: 1, confirm: "abc", blocking: [],
    rejected: [{ code: "P1-graduation", rule: "P1", count: 259, examples: ["2026001（第 2 行）"],
      meaning: "不是本年小学毕业生", hint: "请检查「小学毕业」列" }] };
  const { lines, rejected, blocked } = previewLines(t, p);
  assert.equal(rejected, 259);
  assert.equal(blocked, false);
  assert.equal(lines[0], 'o.pv.summary{"applications":260,"eligible":1,"rejected":259}');
  assert.match(lines[1], /P1-graduation/);
  assert.match(lines[1], /2026001（第 2 行）/);
  assert.match(lines[1], /o\.pv\.many/);
  assert.deepEqual(previewLines(t, { ...p, rejected: [], blocking: ["学校未导入"] }).lines.slice(1),
    ["o.pv.none", 'o.pv.blocking{"why":"学校未导入"}']);
});

test("what the operator types: dice, participants and the escrow key file", () => {
  assert.deepEqual(parseDice("1 2, 6", 3), [1, 2, 6]);
  assert.deepEqual(parseDice("1，2、6", 3), [1, 2, 6]);
  for (const bad of ["1 2", "1 2 7", "1 2 x", "1 2 3 4", "1.0 2 3", "0 1 2"]) assert.equal(parseDice(bad, 3), null, bad);
  assert.deepEqual(parseParticipants("notary-1:notary\nsup-1：supervisor, rep-1:parent-rep"),
    [{ id: "notary-1", role: "notary" }, { id: "sup-1", role: "supervisor" }, { id: "rep-1", role: "parent-rep" }]);
  for (const bad of ["", "notary-1", "notary-1:judge", "公证员:notary", "a:notary:x"]) assert.equal(parseParticipants(bad), null, bad);
  assert.equal(parseKeyFile(` ${"AB".repeat(32)}\n`), "ab".repeat(32));
  assert.equal(parseKeyFile("ab".repeat(31)), null);
});
