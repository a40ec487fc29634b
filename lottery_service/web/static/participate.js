// Ceremony participant's page (PROTOCOL.md §5.3, §5.4): the secret is made here with
// WebCrypto and never leaves this browser except sealed in the escrow. Only
// {commitment, escrow} is sent at commit time; the secret itself is sent at the reveal,
// after it has been checked here against the logged commitment.
//
// The secret is never put on screen unless the participant asks for it: a hall camera
// films the participants' screens. It is kept in localStorage, downloaded as the same
// one-line file the CLI writes, and revealed from that file or from this browser
// without being shown. Each ceremony has its own escrow key, read from that ceremony
// (its `ceremony_opened`, through the event API), never an event-wide key (§5.4).
import { checkOpening, commitment, makeSecret, sealEscrow } from "./ceremony-crypto.js";
import { base64Decode, bytesToHex, hexToBytes } from "./encoding.js";
import { HttpError, el, pageData, request, showChosenFile } from "./page.js";
import {
  commitRefusal, otherEscrowKeys, revealRefusal, roleText, secretKey, secretText, standingKey,
} from "./participate-view.js";

const { S, cfg } = pageData();
const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "sunshine-draw/participant-token";
const out = $("out");
const kept = (ceremony, participant) => secretKey(cfg.event, ceremony, participant);
let downloadUrl = null;
let shown = false; // the participant pressed "show" for the secret on screen now
const who = () => ({ participant: $("participant").value.trim(), ceremony: $("ceremony").value });

function say(text, bad = false) {
  out.textContent = text;
  out.className = `message ${bad ? "error" : "info"}`;
  out.hidden = false;
}

/** The chosen ceremony and the escrow keys of the event's other ceremonies. */
async function fetchCeremony() {
  const { ceremonies } = await request(cfg.api);
  const { ceremony } = who();
  return { c: ceremonies[ceremony], others: otherEscrowKeys(ceremonies, ceremony) };
}

function drawPeople(c) {
  $("participant-list").replaceChildren(...c.participants.map((p) =>
    el("option", { value: p.id, label: `${p.id} · ${roleText(S, p.role)}` })));
  $("people").replaceChildren(...c.participants.map((p) => el("tr", {},
    el("td", {}, el("code", { text: p.id })),
    el("td", { text: roleText(S, p.role) }),
    el("td", { text: S[standingKey(c, p.id)] }))));
  const me = c.participants.find((p) => p.id === who().participant);
  $("role").textContent = me ? roleText(S, me.role) : "—";
}

async function refresh() {
  try {
    const { c, others } = await fetchCeremony();
    $("step").textContent = S[`cstep.${c.step}`] || c.step;
    $("escrow-key").textContent = c.escrow_key || "—";
    drawPeople(c);
    showSecret(c.commitments[who().participant]);
    return { c, others };
  } catch (e) {
    say(S.error + e.message, true);
    return null;
  }
}

/**
 * The kept secret's box for the chosen ceremony and id: its download file and the
 * logged commitment. The secret's text is in the page only while `shown`.
 */
function showSecret(commitmentHex) {
  const { participant, ceremony } = who();
  const secret = participant ? localStorage.getItem(kept(ceremony, participant)) : null;
  $("secret-box").hidden = !secret;
  if (!secret) shown = false;
  drawShown(secret);
  if (!secret) return;
  $("commitment-hex").textContent = commitmentHex || "—";
  if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  // The same one-line hex file as `sunshine participant commit` writes.
  downloadUrl = URL.createObjectURL(new Blob([secret + "\n"], { type: "text/plain" }));
  const link = $("secret-download");
  link.href = downloadUrl;
  link.download = `secret-${cfg.event}-${ceremony}-${participant}.txt`;
}

function drawShown(secret) {
  const toggle = $("secret-toggle");
  toggle.setAttribute("aria-pressed", String(shown));
  toggle.textContent = shown ? S["p.hide_secret"] : S["p.show_secret"];
  $("secret-shown").hidden = !shown;
  $("secret-hex").textContent = shown && secret ? secret : "";
}

function toggleSecret() {
  const { participant, ceremony } = who();
  shown = !shown;
  drawShown(localStorage.getItem(kept(ceremony, participant)));
}

async function post(path, body) {
  try {
    return await request(`${cfg.api}/ceremonies/${$("ceremony").value}/${path}`,
      { method: "POST", json: body, token: $("token").value.trim() });
  } catch (e) {
    if (e instanceof HttpError) throw new Error(e.message); // HTTP <status> <detail>
    throw e;
  }
}

function ready() {
  const { participant } = who();
  if (!$("token").value.trim() || !participant) { say(S["p.need_fields"], true); return false; }
  return true;
}

async function commit() {
  if (!ready()) return;
  const { participant, ceremony } = who();
  const now = await refresh();
  if (!now) return;
  const refused = commitRefusal(now.c, participant, now.others);
  if (refused) return say(S[refused.key] + refused.extra, true);
  say(S["p.committing"]);
  const secret = makeSecret(); // §5.3: made on this device
  const com = await commitment(cfg.event, ceremony, participant, secret);
  // §5.4: sealed to this ceremony's own escrow key, as logged in its ceremony_opened
  const escrow = await sealEscrow(secret, com, base64Decode(now.c.escrow_key, "escrow key", "5.2"));
  // Kept before sending, so a lost response never loses a logged secret.
  localStorage.setItem(kept(ceremony, participant), bytesToHex(secret));
  shown = false;
  showSecret(bytesToHex(com));
  // `participant` is the token's own id: the server refuses a mismatch before logging.
  await post("commitments", { commitment: bytesToHex(com), escrow, participant });
  await refresh();
  say(S["p.committed"]);
  $("secret-download").focus();
}

async function readSecret() {
  const { participant, ceremony } = who();
  const file = $("secret-file").files[0];
  const read = secretText(file ? await file.text() : localStorage.getItem(kept(ceremony, participant)));
  if (read.key) throw new Error(S[read.key]);
  return hexToBytes(read.secret, 32);
}

async function reveal() {
  if (!ready()) return;
  const { participant, ceremony } = who();
  const now = await refresh();
  if (!now) return;
  const refused = revealRefusal(now.c, participant);
  if (refused) return say(S[refused.key] + refused.extra, true);
  const logged = now.c.commitments[participant];
  const secret = await readSecret();
  try {
    await checkOpening(cfg.event, ceremony, participant, secret, hexToBytes(logged, 32));
  } catch {
    return say(S["p.mismatch"], true); // §5.3: never send a secret that cannot open
  }
  await post("reveals", { secret: bytesToHex(secret), participant });
  localStorage.removeItem(kept(ceremony, participant));
  await refresh();
  say(S["p.revealed"]);
}

function guarded(button, action) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    try { await action(); } catch (e) { say(S.error + e.message, true); }
    finally { button.disabled = false; }
  });
}

$("token").value = sessionStorage.getItem(TOKEN_KEY) || "";
$("token").addEventListener("change", () => sessionStorage.setItem(TOKEN_KEY, $("token").value.trim()));
$("who-form").addEventListener("submit", (ev) => ev.preventDefault());
$("ceremony").addEventListener("change", () => { shown = false; refresh(); });
$("participant").addEventListener("change", () => { shown = false; refresh(); });
$("secret-toggle").addEventListener("click", toggleSecret);
showChosenFile($("secret-file"), $("secret-file-name"), S, S["p.no_file"]);
guarded($("commit"), commit);
guarded($("reveal"), reveal);
refresh();
