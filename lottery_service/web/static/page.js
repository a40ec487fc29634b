// Sunshine Draw: the one page bootstrap every page script shares.
//
// Each page renders two JSON blocks: `#i18n` (its strings, api/i18n.py js_strings)
// and `#config` (event, API base, pinned log key). pageData() reads them;
// translator() formats a string; request() fetches JSON or text and maps every
// failure to an HttpError of a closed kind, which httpErrorText() says in words.
// el() and stepItem() are the DOM helpers the page scripts draw with.

/** HttpError kinds: what went wrong, not how. */
export const Failure = Object.freeze({
  NOT_FOUND: "not_found", TOO_MANY: "too_many", REFUSED: "refused", SERVER: "server",
  NETWORK: "network",
});

/** A failed request: `kind` (Failure), `status` (0 without a response), `retryAfter` s, `detail`. */
export class HttpError extends Error {
  constructor(kind, status, detail = "", retryAfter = null) {
    super(status ? `HTTP ${status}${detail ? " " + detail : ""}` : detail || "network error");
    this.name = "HttpError";
    this.kind = kind;
    this.status = status;
    this.detail = detail;
    this.retryAfter = retryAfter;
  }
}

/** {S: strings, cfg: page config} from the page's two JSON blocks. */
export function pageData(doc = globalThis.document) {
  return {
    S: JSON.parse(doc.getElementById("i18n").textContent),
    cfg: JSON.parse(doc.getElementById("config").textContent),
  };
}

/** t(key, vars): the page string with {name} placeholders filled; an unknown key shows itself. */
export function translator(S) {
  return (key, vars = {}) => (S[key] ?? key).replace(/\{(\w+)\}/g, (_, k) => String(vars[k]));
}

function kindOf(status) {
  if (status === 404) return Failure.NOT_FOUND;
  if (status === 429) return Failure.TOO_MANY;
  if (status >= 500) return Failure.SERVER;
  return Failure.REFUSED;
}

function detailOf(data) {
  if (data === null || data === undefined) return "";
  if (typeof data.detail === "string") return data.detail;
  return JSON.stringify(data.detail ?? data);
}

/**
 * Fetch `url` and return the parsed body: JSON (default) or text (`as: "text"`).
 * `json` is sent as a JSON body, `form` as FormData; `token` as a bearer token.
 * Every failure is an HttpError; the response of a refusal is in `.data` when JSON.
 */
export async function request(url, { method = "GET", json, form, token, as = "json",
  fetch: fetchImpl = globalThis.fetch } = {}) {
  const init = { method, headers: {}, cache: "no-store" };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    init.body = form;
  }
  let res;
  try {
    res = await fetchImpl(url, init);
  } catch (e) {
    throw new HttpError(Failure.NETWORK, 0, String(e?.message ?? e));
  }
  if (!res.ok) {
    let data = null;
    try { data = await res.json(); } catch { data = null; }
    const wait = Number.parseInt(res.headers.get("Retry-After") ?? "", 10);
    const error = new HttpError(kindOf(res.status), res.status, detailOf(data),
      Number.isSafeInteger(wait) && wait >= 0 ? wait : null);
    error.data = data;
    throw error;
  }
  return as === "text" ? res.text() : res.json();
}

/** A family-readable sentence for an HttpError (keys of api/i18n.py). */
export function httpErrorText(t, error) {
  switch (error.kind) {
    case Failure.NOT_FOUND: return t("not_found");
    case Failure.TOO_MANY:
      return error.retryAfter === null ? t("too_many")
        : t("c.too_many_wait", { minutes: Math.max(1, Math.ceil(error.retryAfter / 60)) });
    case Failure.NETWORK: return t("c.network");
    default:
      // Right credentials, no result in the signed log yet (service/lookup.py, issue 11).
      if (error.data?.error === "ResultNotYetError") return t("c.not_yet_result");
      return t("c.server", { status: error.status });
  }
}

// ------------------------------------------------------------------ DOM helpers

/** An element with attributes (`text` → textContent, `class` → className) and children. */
export function el(tag, attrs = {}, ...kids) {
  const n = globalThis.document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") n.textContent = v;
    else if (k === "class") n.className = v;
    else n.setAttribute(k, v === true ? "" : String(v));
  }
  n.append(...kids);
  return n;
}

/** Keep `name` saying which file `input` holds (`S.file_chosen` + its name, or `none`). */
export function showChosenFile(input, name, S, none = S.file_none) {
  input.addEventListener("change", () => {
    const file = input.files[0];
    name.textContent = file ? S.file_chosen + file.name : none;
  });
}

/**
 * A file input as a button in the page's language, with the chosen file's name beside
 * it. The browser draws its own "Choose File / No file chosen" in the browser's
 * language, not the page's, so the input itself is visually hidden (still focusable and
 * labelled: `.file-input`). `input` must have its id; returns the row to place it in.
 */
export function filePicker(input, S) {
  input.classList.add("file-input");
  const name = el("span", { class: "muted", "aria-live": "polite", text: S.file_none });
  showChosenFile(input, name, S);
  return el("div", { class: "file-pick" }, input,
    el("label", { for: input.id, class: "button secondary", text: S.file_pick }), name);
}

/** The mark of each step state: ✓ 通过, – 未检查, ✗ 未通过. */
export const MARK = Object.freeze({ ok: "✓", skipped: "–", bad: "✗" });

/** One checked step `{step?, state, text, stateText, why?}` as an <li class="step STATE">. */
export function stepItem({ step, state, text, stateText, why }) {
  const li = el("li", { class: `step ${state}`, "data-step": step },
    el("span", { class: "mark", "aria-hidden": "true", text: MARK[state] }),
    el("span", { class: "what", text }),
    el("span", { class: "state", text: stateText }));
  if (why) li.append(el("span", { class: "why", text: why }));
  return li;
}
