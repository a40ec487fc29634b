// The shared page bootstrap (lottery_service/web/static/page.js): strings and the fetch helper's
// error mapping, against Node 20's own fetch Response objects.

import assert from "node:assert/strict";
import { test } from "node:test";

import { Failure, HttpError, httpErrorText, request, translator } from "../../lottery_service/web/static/page.js";

function stub(response) {
  const seen = [];
  const fetch = async (url, init) => {
    seen.push({ url, init });
    if (response instanceof Error) throw response;
    return response;
  };
  return { fetch, seen };
}

test("translator fills placeholders and shows an unknown key as itself", () => {
  const t = translator({ a: "第{n}位，共{m}", b: "无" });
  assert.equal(t("a", { n: 3, m: 9 }), "第3位，共9");
  assert.equal(t("b"), "无");
  assert.equal(t("missing"), "missing");
});

test("request sends JSON with a bearer token and returns the parsed body", async () => {
  const s = stub(new Response('{"ok":1}', { status: 200 }));
  const data = await request("/api/x", { method: "POST", json: { reg: "R1" }, token: "tok", fetch: s.fetch });
  assert.deepEqual(data, { ok: 1 });
  assert.equal(s.seen[0].init.method, "POST");
  assert.equal(s.seen[0].init.body, '{"reg":"R1"}');
  assert.equal(s.seen[0].init.headers["Content-Type"], "application/json");
  assert.equal(s.seen[0].init.headers.Authorization, "Bearer tok");
  const text = stub(new Response("note\n", { status: 200 }));
  assert.equal(await request("/n", { as: "text", fetch: text.fetch }), "note\n");
});

test("every failure becomes an HttpError of a closed kind, with Retry-After", async () => {
  const cases = [
    [new Response('{"detail":"nope"}', { status: 404 }), Failure.NOT_FOUND, 404, "nope", null],
    [new Response("{}", { status: 429, headers: { "Retry-After": "3601" } }), Failure.TOO_MANY, 429, "{}", 3601],
    [new Response("not json", { status: 502 }), Failure.SERVER, 502, "", null],
    [new Response('{"detail":{"errors":[1]}}', { status: 422 }), Failure.REFUSED, 422, '{"errors":[1]}', null],
    [new TypeError("Failed to fetch"), Failure.NETWORK, 0, "Failed to fetch", null],
  ];
  for (const [response, kind, status, detail, retryAfter] of cases) {
    await assert.rejects(request("/x", { fetch: stub(response).fetch }), (e) => {
      assert.ok(e instanceof HttpError);
      assert.deepEqual([e.kind, e.status, e.detail, e.retryAfter], [kind, status, detail, retryAfter]);
      return true;
    });
  }
});

test("httpErrorText says each failure in the page's words", () => {
  const t = (key, vars = {}) => `${key}${JSON.stringify(vars)}`;
  assert.equal(httpErrorText(t, new HttpError(Failure.NOT_FOUND, 404)), "not_found{}");
  assert.equal(httpErrorText(t, new HttpError(Failure.TOO_MANY, 429, "", 30)), 'c.too_many_wait{"minutes":1}');
  assert.equal(httpErrorText(t, new HttpError(Failure.TOO_MANY, 429, "", 3601)), 'c.too_many_wait{"minutes":61}');
  assert.equal(httpErrorText(t, new HttpError(Failure.TOO_MANY, 429)), "too_many{}");
  assert.equal(httpErrorText(t, new HttpError(Failure.NETWORK, 0)), "c.network{}");
  assert.equal(httpErrorText(t, new HttpError(Failure.SERVER, 500)), 'c.server{"status":500}');
  // Right credentials before the child's result is logged: said as such (issue 11).
  const notYet = new HttpError(Failure.REFUSED, 409);
  notYet.data = { error: "ResultNotYetError", detail: "…" };
  assert.equal(httpErrorText(t, notYet), "c.not_yet_result{}");
  assert.equal(httpErrorText(t, new HttpError(Failure.REFUSED, 409)), 'c.server{"status":409}');
});
