// Sunshine Draw: the one error of the in-browser checkers (docs/PROTOCOL.md).
//
// Every failure of encoding.js, merkle.js, note.js, entries.js, proof.js and
// trust.js throws ProofError with `.step` (what was being checked) and `.section`
// (the PROTOCOL.md section that defines it); nothing returns false. Pages map the
// step to plain words (check-view.js); the English `.message` is for the
// technical-details disclosure only.

export class ProofError extends Error {
  constructor(step, section, message) {
    super(`${step}: ${message} (PROTOCOL.md §${section})`);
    this.name = "ProofError";
    this.step = step;
    this.section = section;
    this.detail = message;
  }
}

/** Throw ProofError(step, section, message). */
export function fail(step, section, message) {
  throw new ProofError(step, section, message);
}
