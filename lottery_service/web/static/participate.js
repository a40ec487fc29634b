// Ceremony participant's page (PROTOCOL.md §5.3, §5.4): the secret is made here with
// WebCrypto and never leaves this browser except sealed in the escrow. Only
// {commitment, escrow} is sent at commit time; the secret itself is sent at the reveal,
// after it has been checked here against the logged commitment.
import { checkOpening, commitment, makeSecret, sealEscrow } from "./ceremony-crypto.js";
import { base64Decode, bytesToHex, hexToBytes } from "./encoding.js";
import { HttpError, pageData, request } from "./page.js";
import { commitRefusal, revealRefusal, secretKey, secretText } from "./participate-view.js";

const { S, cfg } = pageData();
const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "sunshine-draw/participant-token";
const out = $("out");
const kept = (ceremony, participant) => secretKey(cfg.event, ceremony, participant);
let downloadUrl = null;
const who = () => ({ participant: $("participant").value.trim(), ceremony: $("ceremony").value });

function say(text, bad = false) {
  out.textContent = text;
  out.className = `message ${bad ? "error" : "info"}`;
  out.hidden = false;
}

async function fetchCeremony() {
  return (await request(cfg.api)).ceremonies[$("ceremony").value];
}

async function refresh() {
  try {
    const c = await fetchCeremony();
    $("step").textContent = S[`cstep.${c.step}`] || c.step;
    $("escrow-key").textContent = c.escrow_key || "—";
    $("participant-list").replaceChildren(...c.participants.map((p) => {
      const o = document.createElement("option");
      o.value = p.id;
      return o;
    }));
    showSecret(c.commitments[who().participant]);
    return c;
  } catch (e) {
    say(S.error + e.message, true);
    return null;
  }
}

/** Show the kept secret, with its download file, for the chosen ceremony and id. */
function showSecret(commitmentHex) {
  const { participant, ceremony } = who();
  const secret = participant ? localStorage.getItem(kept(ceremony, participant)) : null;
  $("secret-box").hidden = !secret;
  if (!secret) return;
  $("secret-hex").textContent = secret;
  $("commitment-hex").textContent = commitmentHex || "—";
  if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  // The same one-line hex file as `sunshine participant commit` writes.
  downloadUrl = URL.createObjectURL(new Blob([secret + "\n"], { type: "text/plain" }));
  const link = $("secret-download");
  link.href = downloadUrl;
  link.download = `secret-${cfg.event}-${ceremony}-${participant}.txt`;
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
  const c = await refresh();
  if (!c) return;
  const refused = commitRefusal(c, participant);
  if (refused) return say(S[refused.key] + refused.extra, true);
  say(S["p.committing"]);
  const secret = makeSecret(); // §5.3: made on this device
  const com = await commitment(cfg.event, ceremony, participant, secret);
  const escrow = await sealEscrow(secret, com, base64Decode(c.escrow_key, "escrow key", "5.2"));
  // Kept before sending, so a lost response never loses a logged secret.
  localStorage.setItem(kept(ceremony, participant), bytesToHex(secret));
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
  const c = await refresh();
  if (!c) return;
  const refused = revealRefusal(c, participant);
  if (refused) return say(S[refused.key] + refused.extra, true);
  const logged = c.commitments[participant];
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
$("ceremony").addEventListener("change", refresh);
$("participant").addEventListener("change", () => showSecret());
guarded($("commit"), commit);
guarded($("reveal"), reveal);
refresh();
