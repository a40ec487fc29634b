// Ceremony screen logic (docs/PROTOCOL.md §5, §7, §9–§11), as pure functions.
//
// The hall screen shows exactly what the log says: Model.apply() folds each log
// entry (§11.2 bodies) into a model, once, in seq order, and says which parts of
// the screen changed; the other functions decide what those parts show.
// ceremony.js receives the entries over SSE (one listener per entries.js type) and draws.

export const STAGE_ORDER = Object.freeze(["direct", "community", "district", "city"]); // §7.2
/** Participant status word (api/i18n.py key) by how the contribution was settled (§5.3). */
export const OPENING_STATUS = Object.freeze({ reveal: "revealed", escrow_opened: "escrow_opened", void: "void" });

function ceremony() {
  return { participants: [], hash: null, root: null, size: null, commitments: {}, openings: {},
    dice: null, witness: null, beacon: null, seed: null, closed: false };
}

/** The screen's model of the log so far. */
export class Model {
  constructor() {
    this.next = 0; // the seq of the next entry to apply
    this.rulesHash = null;
    this.names = {}; // reg → masked name (applicant and pupil records)
    this.genders = {};
    this.teachers = {}; // "school/id" → masked name
    this.schools = {};
    this.applicants = {}; // school → count
    this.ceremonies = {};
    this.lottery = {}; // school → {summary, records}
    this.grouping = {}; // school → class → [reg]
    this.matching = {}; // school → pairs
  }

  cer(kind) {
    if (!this.ceremonies[kind]) this.ceremonies[kind] = ceremony();
    return this.ceremonies[kind];
  }

  /**
   * Apply one entry; returns the screen parts it changed ("roster", "c:<ceremony>",
   * "l:<school>", "g:<school>", "t:<school>"). An entry already applied (a replay
   * after a reconnect) changes nothing.
   */
  apply(e) {
    const dirty = new Set();
    if (e.seq < this.next) return dirty;
    this.next = e.seq + 1;
    const b = e.body;
    const touch = (kind) => dirty.add("c:" + kind);
    switch (e.type) {
      case "event_created": this.rulesHash = b.rules_hash; break;
      case "ceremony_opened":
        Object.assign(this.cer(b.ceremony), { participants: b.participants, hash: b.participants_hash });
        touch(b.ceremony);
        break;
      case "input_records":
        for (const r of b.records) {
          if (r.type === "school") { this.schools[r.id] = r; dirty.add("roster"); }
          else if (r.type === "applicant") {
            this.names[r.reg] = r.name;
            this.applicants[r.school] = (this.applicants[r.school] || 0) + 1;
            dirty.add("roster");
          } else if (r.type === "pupil") { this.names[r.reg] = r.name; this.genders[r.reg] = r.gender; }
          else if (r.type === "teacher") { this.teachers[r.school + "/" + r.id] = r.name; }
        }
        break;
      case "input_frozen":
        Object.assign(this.cer(b.ceremony), { root: b.root, size: b.size });
        touch(b.ceremony);
        if (b.ceremony === "lottery") dirty.add("roster");
        break;
      case "commitment": this.cer(b.ceremony).commitments[b.participant] = b.commitment; touch(b.ceremony); break;
      case "commitments_closed": this.cer(b.ceremony).closed = true; touch(b.ceremony); break;
      case "reveal": case "escrow_opened":
        this.cer(b.ceremony).openings[b.participant] = { how: e.type, secret: b.secret };
        touch(b.ceremony);
        break;
      case "contribution_void":
        this.cer(b.ceremony).openings[b.participant] = { how: "void", reason: b.reason };
        touch(b.ceremony);
        break;
      case "physical_entropy": Object.assign(this.cer(b.ceremony), { dice: b.values, witness: b.witness }); touch(b.ceremony); break;
      case "beacon": this.cer(b.ceremony).beacon = b.randomness; touch(b.ceremony); break;
      case "seed": this.cer(b.ceremony).seed = b.seed; touch(b.ceremony); break;
      case "lottery_results": {
        const s = this.lottery[b.school] || (this.lottery[b.school] = { summary: null, records: [] });
        if (b.summary) s.summary = b.summary;
        s.records.push(...b.records);
        dirty.add("l:" + b.school);
        break;
      }
      case "grouping_results": {
        const s = this.grouping[b.school] || (this.grouping[b.school] = {});
        for (const r of b.records) (s[r.class] || (s[r.class] = [])).push(r.reg);
        dirty.add("g:" + b.school);
        break;
      }
      case "matching_results": this.matching[b.school] = b.pairs; dirty.add("t:" + b.school); break;
      default: break;
    }
    return dirty;
  }
}

/** A hash as the screen shows it: its first 16 hex digits, or a dash. */
export const short = (hex) => (hex ? hex.slice(0, 16) + "…" : "—");

/** A participant's row: commitment cell, status key (api/i18n.py), status class and reason. */
export function participantRow(c, id) {
  const com = c.commitments[id];
  const o = c.openings[id];
  return {
    commitment: com ? short(com) : (c.closed ? "—" : "…"),
    status: o ? OPENING_STATUS[o.how] : (com ? "committed" : null),
    reason: o?.reason ?? null,
    statusClass: o ? `st-${o.how}` : "",
  };
}

/** The lines under a seed: every input of §5.7, as logged. */
export function seedInputs(c, kind, event, rulesHash) {
  return [
    `event: ${event} · ceremony: ${kind}`,
    `rules: ${short(rulesHash)}`,
    `participants: ${short(c.hash)}`,
    `input_root: ${short(c.root)} · input_size: ${c.size}`,
    ...c.participants.map((p) => {
      const o = c.openings[p.id] || {};
      return `${p.id}: commitment ${short(c.commitments[p.id])} · secret ${o.secret ? short(o.secret) : "null"}`;
    }),
    `physical: [${(c.dice || []).join(", ")}]`,
    `beacon: ${c.beacon ? short(c.beacon) : "null"}`,
  ];
}

/** A school's admitted list (stage order, then rank) and waiting list (waiting order), §7.4. */
export function schoolLists(records) {
  const admitted = records.filter((r) => r.outcome === "admitted")
    .sort((a, b) => STAGE_ORDER.indexOf(a.stage) - STAGE_ORDER.indexOf(b.stage) || a.rank - b.rank);
  const waiting = records.filter((r) => r.waiting !== null).sort((a, b) => a.waiting - b.waiting);
  return { admitted, waiting };
}

/** Classes of a school in label order with sizes and girls/boys counts (§9). */
export function classSizes(classes, genders) {
  return Object.keys(classes).sort().map((k) => {
    const regs = classes[k];
    const girls = regs.filter((r) => genders[r] === "F").length;
    return { class: k, size: regs.length, girls, boys: regs.length - girls };
  });
}
