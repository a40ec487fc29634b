// Ceremony participant's page logic (docs/PROTOCOL.md §5.3, §5.4), as pure functions:
// where the secret is kept, when a commit or a reveal must not be sent, and how the
// participants of a ceremony are named.
// participate.js makes the secret (ceremony-crypto.js), sends and draws.

const SECRET = /^[0-9a-f]{64}$/; // §5.3: 32 bytes, lowercase hex (the secret file's form)

/** The localStorage key of a participant's secret for one ceremony of an event. */
export function secretKey(event, ceremony, participant) {
  return `sunshine-draw/secret/${event}/${ceremony}/${participant}`;
}

/**
 * Why a commitment must not be sent now, as {key (api/i18n.py), extra} or null:
 * the id must be a participant, not committed yet, and the ceremony taking commitments
 * with its own escrow key published (§5.1, §5.4). `otherKeys`: the escrow keys of the
 * event's other ceremonies; a key shared with one of them is refused (§5.4: releasing
 * that ceremony's key would unseal this escrow).
 */
export function commitRefusal(c, participant, otherKeys = []) {
  if (!c.participants.some((p) => p.id === participant)) return { key: "p.not_participant", extra: participant };
  if (c.commitments[participant]) return { key: "p.already_committed", extra: "" };
  if (c.step !== "committing" || !c.escrow_key) return { key: "p.not_committing", extra: "" };
  if (otherKeys.includes(c.escrow_key)) return { key: "p.escrow_key_reused", extra: "" };
  return null;
}

/** The escrow keys of the event's ceremonies other than `ceremony` (those published). */
export function otherEscrowKeys(ceremonies, ceremony) {
  return Object.entries(ceremonies)
    .filter(([name, c]) => name !== ceremony && c.escrow_key)
    .map(([, c]) => c.escrow_key);
}

/** How a participant stands in the ceremony, as an api/i18n.py key (§5.1 steps 4–5). */
export function standingKey(c, participant) {
  const how = c.settled[participant];
  if (how) return { reveal: "revealed", escrow_opened: "escrow_opened" }[how] ?? "void";
  return c.commitments[participant] ? "committed" : "p.not_committed";
}

/** A §5.2 role in words (api/i18n.py `role.*`); an unknown role shows itself. */
export function roleText(S, role) {
  return S[`role.${role}`] ?? role;
}

/** Why a reveal must not be sent now, as {key, extra} or null (§5.3). */
export function revealRefusal(c, participant) {
  if (!c.commitments[participant]) return { key: "p.no_commitment", extra: "" };
  if (c.settled[participant]) return { key: "p.already_settled", extra: c.settled[participant] };
  if (c.step !== "revealing") return { key: "p.not_revealing", extra: "" };
  return null;
}

/** The secret text of a file or of this browser: {secret hex} or {key} saying what is wrong. */
export function secretText(text) {
  const value = (text ?? "").trim();
  if (!value) return { key: "p.no_secret" };
  if (!SECRET.test(value)) return { key: "p.bad_secret" };
  return { secret: value };
}
