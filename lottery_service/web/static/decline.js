// Parents' page: giving the place up (放弃; service.declines, PROTOCOL.md §7.5 `declined`).
// A module of its own beside check.js: once the result card is on screen, it asks the
// server whether this family holds an unconfirmed offer inside the payment window
// (second factor, throttled like a look-up) and only then offers the section. Giving
// up needs the typed word 放弃; the server's answer is shown as it says it.
import { Failure, httpErrorText, pageData, request, translator } from "./page.js";

const CONFIRM = "放弃";
const { S, cfg } = pageData();
const t = translator(S);
const $ = (id) => document.getElementById(id);
const chinese = document.documentElement.lang.startsWith("zh");
let asked = ""; // the reg + digits the section was last prepared for

function given() {
  const reg = $("reg").value.trim().toUpperCase();
  const digits = $("id_last4").value.trim().toUpperCase();
  return /^[A-Z0-9]{4,32}$/.test(reg) && /^[0-9]{3}[0-9X]$/.test(digits)
    ? { reg, id_last4: digits } : null;
}

function say(kind, text) {
  const box = $("decline-message");
  box.hidden = !text;
  box.className = `message ${kind}`;
  box.textContent = text;
}

function refusal(error) {
  const data = error.data;
  if (error.kind === Failure.TOO_MANY || error.kind === Failure.NETWORK || !data) {
    return httpErrorText(t, error);
  }
  return chinese ? data.message_zh : data.message_en;
}

/** An ISO UTC time as Beijing time, e.g. 2026-07-02 09:15（北京时间）. */
function beijing(iso) {
  const local = new Date(new Date(iso).getTime() + 8 * 3600 * 1000).toISOString();
  return `${local.slice(0, 10)} ${local.slice(11, 16)}${chinese ? "（北京时间）" : " Beijing time"}`;
}

function reset() {
  $("decline").hidden = true;
  $("decline-confirm").hidden = true;
  $("decline-open").hidden = false;
  $("decline-word").value = "";
  $("decline-submit").disabled = true;
  $("decline-until-round").hidden = true;
  $("decline-hint").hidden = false;
  say("info", "");
}

/** Given up (now or before): no more confirming, and why the card above still says 录取. */
function recorded(text) {
  $("decline-open").hidden = true;
  $("decline-confirm").hidden = true;
  $("decline-until-round").hidden = false;
  $("decline-hint").hidden = true; // "you can give it up here" no longer applies
  say("info", text);
}

async function prepare() {
  const who = given();
  const key = who ? `${who.reg}:${who.id_last4}` : "";
  if ($("result").hidden || who === null || cfg.source !== "api") return reset();
  if (key === asked) return undefined;
  asked = key;
  reset();
  try {
    const options = await request(`${cfg.api}/decline/options`, { method: "POST", json: who });
    if (options.can_decline) {
      $("decline").hidden = false;
    } else if (options.declined_at) {
      $("decline").hidden = false;
      recorded(t("c.decline.already"));
    }
  } catch {
    asked = ""; // the server is unreachable or refused: nothing is offered
  }
  return undefined;
}

$("decline-open").addEventListener("click", () => {
  $("decline-open").hidden = true;
  $("decline-confirm").hidden = false;
  $("decline-word").focus();
});
$("decline-cancel").addEventListener("click", () => {
  $("decline-confirm").hidden = true;
  $("decline-open").hidden = false;
  $("decline-word").value = "";
  $("decline-submit").disabled = true;
});
$("decline-word").addEventListener("input", () => {
  $("decline-submit").disabled = $("decline-word").value.trim() !== CONFIRM;
});
$("decline-submit").addEventListener("click", async () => {
  const who = given();
  if (who === null) return;
  $("decline-submit").disabled = true;
  say("info", t("c.decline.sending"));
  try {
    const done = await request(`${cfg.api}/decline`, {
      method: "POST", json: { ...who, confirm: $("decline-word").value.trim() } });
    const at = beijing(done.declined_at);
    recorded(done.already ? t("c.decline.already") : t("c.decline.done", { at }));
  } catch (error) {
    $("decline-submit").disabled = false;
    say("error", refusal(error));
  }
});

// The result card is drawn by check.js; follow it rather than reach into that module.
// Its subtree changes too when a second look-up draws another family's card.
new MutationObserver(() => { prepare(); }).observe($("result"), {
  attributes: true, attributeFilter: ["hidden"], childList: true, subtree: true });
