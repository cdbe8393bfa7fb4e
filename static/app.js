/* bora UI core: DOM helpers, the REST client, state badges, the live event
 * stream and the hash router. Plain browser JavaScript, no build step.
 * Views register themselves in Bora.views; each returns a cleanup function. */
"use strict";
(function () {
  const Bora = (window.Bora = { views: {} });
  /* Script errors are kept for the browser test to report. */
  window.__boraErrors = [];
  window.addEventListener("error", (e) => window.__boraErrors.push(`${e.message} @${e.filename}:${e.lineno}`));
  window.addEventListener("unhandledrejection", (e) => window.__boraErrors.push("unhandled: " + (e.reason && e.reason.stack || e.reason)));

  /* ---------- DOM ---------- */
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === null || v === undefined || v === false) continue;
        if (k === "class") el.className = v;
        else if (k === "text") el.textContent = v;
        else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
        else if (k === "style" && typeof v === "object") Object.assign(el.style, v);
        else el.setAttribute(k, v === true ? "" : v);
      }
    }
    for (const kid of kids.flat(Infinity)) {
      if (kid === null || kid === undefined || kid === false) continue;
      el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
    }
    return el;
  }
  Bora.h = h;
  Bora.clear = (el) => { while (el.firstChild) el.removeChild(el.firstChild); return el; };

  /* ---------- REST ---------- */
  class ApiError extends Error {
    constructor(status, message, body) { super(message); this.status = status; this.body = body; }
  }
  Bora.ApiError = ApiError;
  /* Authentication (when the server has it on): a 401 makes the UI ask for
   * a token once, keep it in sessionStorage (gone with the tab) and send it
   * as `Authorization: Bearer`; the event stream, which cannot set headers,
   * gets it as `?token=` (the server accepts that on /v2/events only). */
  const TOKEN_KEY = "bora.token";
  const token = () => sessionStorage.getItem(TOKEN_KEY) || "";
  Bora.token = token;
  let asking = null;
  function askToken(message) {
    if (!asking) {
      asking = Promise.resolve().then(() => {
        const t = window.prompt(message + "\nAPI token:", "");
        if (t) sessionStorage.setItem(TOKEN_KEY, t.trim());
        else sessionStorage.removeItem(TOKEN_KEY);
        return !!t;
      }).finally(() => { asking = null; });
    }
    return asking;
  }
  async function api(method, path, body, opts, retried) {
    const init = { method, headers: { Accept: "application/json" } };
    if (token()) init.headers.Authorization = "Bearer " + token();
    if (body !== undefined) {
      if (typeof body === "string") { init.body = body; init.headers["Content-Type"] = "text/plain"; }
      else { init.body = JSON.stringify(body); init.headers["Content-Type"] = "application/json"; }
    }
    let resp;
    try { resp = await fetch(path, init); }
    catch (e) { throw new ApiError(0, "The server cannot be reached: " + e.message); }
    if (resp.status === 401 && !retried) {
      const sent = init.headers.Authorization;
      const msg = sent ? "The token was refused." : "This server requires a token.";
      if (token() !== (sent || "").replace("Bearer ", "") || (await askToken(msg))) {
        return api(method, path, body, opts, true);
      }
    }
    const text = await resp.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = text; }
    if (!resp.ok) {
      const msg = (data && data.faultstring) || (typeof data === "string" && data) || resp.statusText;
      throw new ApiError(resp.status, msg, data);
    }
    return data;
  }
  Bora.api = api;
  Bora.get = (p) => api("GET", p);
  /* A Mistral JSON-text field ("{...}") as a value. */
  Bora.parseJsonField = (v) => {
    if (typeof v !== "string") return v;
    try { return JSON.parse(v); } catch (_) { return v; }
  };
  Bora.qs = (o) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(o)) if (v !== "" && v !== null && v !== undefined) p.set(k, v);
    const s = p.toString();
    return s ? "?" + s : "";
  };

  /* ---------- states ---------- */
  const ICONS = { SUCCESS: "✓", ERROR: "✕", RUNNING: "▶", DELAYED: "◷", WAITING: "⋯", PAUSED: "❚❚", IDLE: "○", CANCELLED: "⊘", SKIPPED: "↷" };
  const COLORS = {
    SUCCESS: ["#1a7f37", "#dafbe1"], ERROR: ["#cf222e", "#ffebe9"], RUNNING: ["#0969da", "#ddf4ff"],
    DELAYED: ["#9a6700", "#fff8c5"], WAITING: ["#9a6700", "#fff8c5"], PAUSED: ["#8250df", "#fbefff"],
    IDLE: ["#57606a", "#eaeef2"], CANCELLED: ["#6e7781", "#f0f0f0"], SKIPPED: ["#6e7781", "#f0f0f0"],
  };
  Bora.STATES = ["RUNNING", "WAITING", "DELAYED", "PAUSED", "IDLE", "SUCCESS", "ERROR", "CANCELLED", "SKIPPED"];
  Bora.EXEC_STATES = ["RUNNING", "PAUSED", "IDLE", "SUCCESS", "ERROR", "CANCELLED"];
  Bora.icon = (s) => ICONS[s] || "•";
  Bora.color = (s) => COLORS[s] || ["#57606a", "#eaeef2"];
  Bora.badge = (s, extra) =>
    h("span", { class: "st S-" + s, title: s }, h("span", { class: "i", "aria-hidden": "true" }, Bora.icon(s)), s, extra ? " " + extra : "");
  Bora.terminal = (s) => s === "SUCCESS" || s === "ERROR" || s === "CANCELLED";

  /* ---------- time ---------- */
  /* Mistral timestamps are UTC "YYYY-MM-DD HH:MM:SS". */
  Bora.ts = (s) => (s ? Date.parse(s.replace(" ", "T") + "Z") : null);
  Bora.fmtTime = (ms) => {
    if (ms === null || ms === undefined || isNaN(ms)) return "—";
    const d = new Date(ms);
    const p = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  };
  Bora.fmtDur = (ms) => {
    if (ms === null || ms === undefined || isNaN(ms)) return "—";
    if (ms < 1000) return ms + " ms";
    const s = ms / 1000;
    if (s < 60) return s.toFixed(s < 10 ? 2 : 1) + " s";
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m ${Math.round(s % 60)}s`;
    return `${Math.floor(m / 60)}h ${m % 60}m`;
  };
  Bora.ago = (ms) => {
    if (!ms) return "—";
    const s = Math.round((Date.now() - ms) / 1000);
    if (s < 5) return "just now";
    if (s < 60) return s + "s ago";
    if (s < 3600) return Math.floor(s / 60) + "m ago";
    if (s < 86400) return Math.floor(s / 3600) + "h ago";
    return Math.floor(s / 86400) + "d ago";
  };
  Bora.pretty = (v) => {
    v = Bora.parseJsonField(v);
    if (v === null || v === undefined) return "null";
    return typeof v === "string" ? v : JSON.stringify(v, null, 2);
  };

  /* ---------- toasts ---------- */
  Bora.toast = (msg, isErr) => {
    const box = document.getElementById("toast");
    const t = h("div", { class: "t" + (isErr ? " err" : "") }, msg);
    box.append(t);
    setTimeout(() => t.remove(), isErr ? 8000 : 3500);
  };

  /* ---------- live events ---------- */
  /* One EventSource per filter; listeners get (type, change). A `resync`
   * means changes were missed: listeners reload what they show. */
  class Live {
    constructor(filter) {
      this.filter = filter || "";
      this.listeners = new Set();
      this.open();
    }
    open() {
      this.token = token();
      const url = "/v2/events" + Bora.qs({ execution_id: this.filter, token: this.token });
      this.es = new EventSource(url);
      const fire = (type) => (ev) => {
        let data = {};
        try { data = JSON.parse(ev.data); } catch (_) {}
        for (const l of this.listeners) l(type, data);
      };
      for (const t of ["execution", "task", "resync"]) this.es.addEventListener(t, fire(t));
      this.es.addEventListener("hello", () => {
        if (this.wasDown) fire("resync")({ data: "{}" });
        this.wasDown = false;
        if (!this.filter) setLive(true);
      });
      this.es.onerror = () => {
        this.wasDown = true;
        if (!this.filter) setLive(false);
        /* A token given since: reconnect with it. */
        if (this.token !== token()) { this.es.close(); this.open(); }
      };
    }
    on(fn) { this.listeners.add(fn); return () => this.listeners.delete(fn); }
    close() { this.es.close(); this.listeners.clear(); }
  }
  Bora.Live = Live;
  function setLive(on) {
    const el = document.getElementById("live");
    el.className = "live " + (on ? "on" : "off");
    el.querySelector(".txt").textContent = on ? "Live" : "Reconnecting…";
  }

  /* Calls fn at most once per `ms`, trailing. */
  Bora.throttle = (fn, ms) => {
    let timer = null, last = 0;
    const run = () => { timer = null; last = Date.now(); fn(); };
    const t = () => {
      if (timer) return;
      const wait = Math.max(0, last + ms - Date.now());
      timer = setTimeout(run, wait);
    };
    t.cancel = () => { clearTimeout(timer); timer = null; };
    return t;
  };

  /* ---------- router ---------- */
  /* Routes: #/  #/executions  #/executions/ID  #/workflows  #/workflows/new
   * #/workflows/NAME  #/actions ; query after "?" */
  function parseHash() {
    const raw = location.hash.replace(/^#/, "") || "/";
    const [path, query] = raw.split("?");
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    return { parts, query: new URLSearchParams(query || "") };
  }
  Bora.go = (hash) => { if (location.hash !== hash) location.hash = hash; else route(); };
  /* Replaces the query of the current route without a new render. */
  Bora.setQuery = (obj) => {
    const { parts } = parseHash();
    const hash = "#/" + parts.map(encodeURIComponent).join("/") + Bora.qs(obj);
    history.replaceState(null, "", hash);
  };
  let cleanup = null;
  function route() {
    if (cleanup) { try { cleanup(); } catch (e) { console.error(e); } cleanup = null; }
    const { parts, query } = parseHash();
    const main = Bora.clear(document.getElementById("main"));
    let view = "dashboard", args = [];
    if (parts[0] === "executions") { view = parts[1] ? "execution" : "executions"; args = parts.slice(1); }
    else if (parts[0] === "workflows") { view = parts[1] ? "workflow" : "workflows"; args = parts.slice(1); }
    else if (parts[0] === "actions") view = "actions";
    const navKey = { execution: "executions", workflow: "workflows" }[view] || view;
    for (const a of document.querySelectorAll("[data-nav]")) {
      const on = a.dataset.nav === navKey;
      a.classList.toggle("on", on);
      if (on) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    }
    const fn = Bora.views[view];
    try { cleanup = fn ? fn(main, args, query) : null; }
    catch (e) { main.append(h("div", { class: "banner error" }, String(e))); }
  }
  Bora.route = route;
  Bora.title = (t) => { document.title = t ? t + " · bora" : "bora"; };

  Bora.start = () => {
    Bora.live = new Live("");
    window.addEventListener("hashchange", () => { route(); document.getElementById("main").focus({ preventScroll: true }); });
    route();
  };

  /* ---------- small shared widgets ---------- */
  Bora.errorBanner = (e) => h("div", { class: "banner error", role: "alert" }, e && e.message ? e.message : String(e));
  Bora.execLink = (id, text) => h("a", { href: "#/executions/" + encodeURIComponent(id), class: "mono" }, text || id.slice(0, 8));
  Bora.wfLink = (name) => h("a", { href: "#/workflows/" + encodeURIComponent(name) }, name);
})();
