// The demo front end of examples/server.rs: plain JavaScript, no build step.
//
// The tokens are kept in this closure only, never in localStorage, sessionStorage or a
// cookie: a script injected into the page later cannot read them from storage, and they
// are gone when the tab closes. The price: a reload signs the user out.
"use strict";

(() => {
  const api = window.API_BASE || "http://127.0.0.1:3000";
  let accessToken = null;
  let refreshToken = null;

  const $ = (id) => document.getElementById(id);
  $("api").textContent = api;

  // One line per step in the page: what was asked and what the API said.
  function show(step, ok, text) {
    const item = document.createElement("li");
    item.dataset.step = step;
    item.dataset.ok = String(ok);
    item.textContent = `${step}: ${text}`;
    $("log").appendChild(item);
  }

  // Calls the API. A network error (the API is down, or the browser refused the answer
  // because this origin is not allowed by CORS) becomes status 0.
  async function call(method, path, { token, body } = {}) {
    const headers = {};
    if (token) headers["Authorization"] = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    try {
      const response = await fetch(api + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      let json = null;
      try { json = JSON.parse(text); } catch (_) { /* not JSON */ }
      return { status: response.status, json };
    } catch (error) {
      return { status: 0, json: { error: "network", error_description: String(error) } };
    }
  }

  const describe = (reply) =>
    reply.status === 0
      ? "blocked: no answer the page may read (origin not allowed, or API down)"
      : `${reply.status} ${reply.json && reply.json.error ? reply.json.error + ": " + reply.json.error_description : ""}`.trim();

  function keep(reply) {
    accessToken = reply.json.access_token;
    refreshToken = reply.json.refresh_token;
  }

  async function login() {
    const form = new FormData($("login"));
    const reply = await call("POST", "/login", {
      body: { username: form.get("username"), password: form.get("password") },
    });
    if (reply.status === 200) {
      keep(reply);
      show("login", true, `200, access token for ${reply.json.expires_in} s`);
    } else {
      show("login", false, describe(reply));
    }
    return reply.status;
  }

  async function me(step = "me") {
    const reply = await call("GET", "/me", { token: accessToken });
    if (reply.status === 200) {
      $("user").textContent = reply.json.name;
      show(step, true, `200, ${reply.json.sub}`);
    } else {
      $("user").textContent = "nobody";
      show(step, false, describe(reply));
    }
    return reply.status;
  }

  async function refresh(step = "refresh") {
    const reply = await call("POST", "/token", { body: { refresh_token: refreshToken || "" } });
    if (reply.status === 200) {
      const changed = reply.json.refresh_token !== refreshToken;
      keep(reply);
      show(step, true, `200, new pair${changed ? " (refresh token rotated)" : ""}`);
    } else {
      show(step, false, describe(reply));
    }
    return reply.status;
  }

  async function logout() {
    const reply = await call("POST", "/logout", { token: accessToken });
    show("logout", reply.status === 200, reply.status === 200 ? "200, every token revoked" : describe(reply));
    return reply.status;
  }

  // The whole life of a session, each answer shown in the page.
  async function demo() {
    $("status").dataset.done = "false";
    $("log").replaceChildren();
    if ((await login()) === 200) {
      await me("me");
      await refresh("refresh");
      await me("me-after-refresh");
      await logout();
      await me("me-after-logout");
      await refresh("refresh-after-logout");
    }
    const stored = window.localStorage.length + window.sessionStorage.length + document.cookie.length;
    show("storage", stored === 0, stored === 0 ? "nothing stored by the page" : `${stored} stored`);
    $("status").textContent = "done";
    $("status").dataset.done = "true";
  }

  $("login").addEventListener("submit", (event) => { event.preventDefault(); login(); });
  $("me").addEventListener("click", () => me());
  $("refresh").addEventListener("click", () => refresh());
  $("logout").addEventListener("click", () => logout());
  $("demo").addEventListener("click", () => demo());
  if (new URLSearchParams(window.location.search).has("demo")) demo();
})();
