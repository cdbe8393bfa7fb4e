/* Dashboard, execution list and action list. Live: they listen to the
 * shared event stream and reload at most once per interval; no polling. */
"use strict";
(function () {
  const { h, api, get, badge, qs } = Bora;

  /* ---------- execution controls, shared with the execution view ---------- */
  Bora.execControls = (ex, after) => {
    const put = async (state, label) => {
      if (state === "CANCELLED" && !confirm(`Cancel execution ${ex.id}?`)) return;
      try {
        await api("PUT", "/v2/executions/" + ex.id, { state });
        Bora.toast(`${label}: ${ex.workflow_name}`);
        after && after();
      } catch (e) { Bora.toast(e.message, true); }
    };
    const s = ex.state, out = [];
    if (s === "RUNNING") out.push(h("button", { class: "small", type: "button", onclick: () => put("PAUSED", "Paused") }, "❚❚ Pause"));
    if (s === "PAUSED") out.push(h("button", { class: "small", type: "button", onclick: () => put("RUNNING", "Resumed") }, "▶ Resume"));
    if (s === "RUNNING" || s === "PAUSED" || s === "IDLE")
      out.push(h("button", { class: "small danger", type: "button", onclick: () => put("CANCELLED", "Cancelled") }, "⊘ Cancel"));
    return out;
  };

  function execRow(ex, refresh) {
    const created = Bora.ts(ex.created_at), updated = Bora.ts(ex.updated_at);
    const dur = Bora.terminal(ex.state) && updated ? updated - created : Date.now() - created;
    return h("tr", { "data-id": ex.id },
      h("td", null, badge(ex.state)),
      h("td", null, h("a", { href: "#/executions/" + ex.id }, ex.workflow_name),
        ex.task_execution_id ? h("span", { class: "tag", title: "sub-workflow" }, "sub") : null),
      h("td", null, Bora.execLink(ex.id)),
      h("td", { title: Bora.fmtTime(created) }, Bora.ago(created)),
      h("td", { class: "num" }, Bora.fmtDur(dur)),
      h("td", null, h("div", { class: "ellip info" + (ex.state === "ERROR" ? " err-text" : ""), title: ex.state_info || "" }, ex.state_info || "")),
      h("td", null, h("div", { class: "actions" }, Bora.execControls(ex, refresh))));
  }

  function execTable(items, refresh) {
    if (!items.length) return h("div", { class: "empty" }, "No executions match.");
    return h("table", null,
      h("thead", null, h("tr", null, ["State", "Workflow", "ID", "Created", "Duration", "Info", ""].map((t) =>
        h("th", { scope: "col", class: t === "Duration" ? "num" : null }, t)))),
      h("tbody", null, items.map((ex) => execRow(ex, refresh))));
  }

  /* ---------- dashboard ---------- */
  function chart(canvas, data) {
    const r = canvas.getBoundingClientRect(), dpr = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, r.width * dpr); canvas.height = Math.max(1, r.height * dpr);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const w = r.width, hh = r.height, padL = 36, padB = 18;
    const done = data.tasks_finished, fail = data.tasks_failed, n = done.length;
    const max = Math.max(1, ...done);
    ctx.clearRect(0, 0, w, hh);
    ctx.font = "11px system-ui, sans-serif"; ctx.fillStyle = "#5d6b7a"; ctx.strokeStyle = "#e6eaef";
    for (let k = 0; k <= 2; k++) {
      const y = (hh - padB) * (1 - k / 2) + 0.5;
      ctx.beginPath(); ctx.moveTo(padL, y); ctx.lineTo(w, y); ctx.stroke();
      const v = (max * k) / 2 / data.bucket_secs;
      ctx.fillText(v.toFixed(max / data.bucket_secs < 1 ? 2 : max / data.bucket_secs < 10 ? 1 : 0), 4, Math.max(10, y - 2));
    }
    const bw = (w - padL) / n;
    for (let i = 0; i < n; i++) {
      const x = padL + i * bw, bh = ((hh - padB) * done[i]) / max, fh = ((hh - padB) * fail[i]) / max;
      ctx.fillStyle = "#54aeff"; ctx.fillRect(x + 1, hh - padB - bh, Math.max(1, bw - 2), bh);
      ctx.fillStyle = "#cf222e"; ctx.fillRect(x + 1, hh - padB - fh, Math.max(1, bw - 2), fh);
    }
    ctx.fillStyle = "#5d6b7a";
    ctx.fillText(`-${(n * data.bucket_secs) / 60} min`, padL, hh - 4);
    ctx.textAlign = "right"; ctx.fillText("now", w - 2, hh - 4); ctx.textAlign = "left";
  }

  Bora.views.dashboard = (main) => {
    Bora.title("Dashboard");
    const stats = h("div", { class: "stats" });
    const canvas = h("canvas", { class: "chart", role: "img", "aria-label": "Tasks finished per second over the last ten minutes" });
    const rate = h("div", { class: "sub" });
    const recent = h("div"), failures = h("div");
    main.append(
      h("div", { class: "page-head" }, h("div", null, h("h1", null, "Dashboard"), h("div", { class: "sub" }, "What runs now, what failed, and how fast tasks finish.")),
        h("div", { class: "actions" }, h("a", { class: "btn primary", href: "#/workflows/new" }, "New workflow"))),
      stats,
      h("div", { class: "grid dash" },
        h("div", { class: "grid" },
          h("section", { class: "card", "aria-labelledby": "h-thr" }, h("h2", { id: "h-thr" }, "Throughput"), rate, canvas,
            h("div", { class: "chart-legend" }, h("span", null, h("i", { style: { background: "#54aeff" } }), "tasks finished / s"), h("span", null, h("i", { style: { background: "#cf222e" } }), "failed"))),
          h("section", { class: "card", "aria-labelledby": "h-rec" }, h("h2", { id: "h-rec" }, "Recent executions"), recent)),
        h("section", { class: "card", "aria-labelledby": "h-fail" }, h("h2", { id: "h-fail" }, "Failures"), failures)));
    let last = null;
    const load = async () => {
      try {
        const [d, rec, fail] = await Promise.all([
          get("/ui/api/dashboard"),
          get("/v2/executions?limit=10&sort_keys=created_at&sort_dirs=desc"),
          get("/v2/executions?limit=8&state=ERROR&sort_keys=updated_at&sort_dirs=desc"),
        ]);
        last = d;
        Bora.clear(stats).append(...Bora.EXEC_STATES.map((s) => {
          const n = d.counts[s] || 0;
          return h("a", { class: "stat S-" + s, href: "#/executions?state=" + s },
            h("div", { class: "l" }, h("span", { "aria-hidden": "true" }, Bora.icon(s)), s),
            h("div", { class: "n" }, n > d.count_cap ? d.count_cap + "+" : n));
        }));
        const lastMin = d.tasks_finished.slice(-6).reduce((a, b) => a + b, 0) / 60;
        const total = d.tasks_finished.reduce((a, b) => a + b, 0);
        Bora.clear(rate).append(h("strong", null, lastMin.toFixed(lastMin < 10 ? 2 : 0)), " tasks/s over the last minute · ",
          total.toLocaleString(), " tasks finished in 10 minutes");
        chart(canvas, d);
        Bora.clear(recent).append(execTable(rec.executions, load));
        Bora.clear(failures).append(fail.executions.length
          ? h("ul", { class: "diags" }, fail.executions.map((ex) =>
            h("li", null, h("div", null, badge("ERROR"), " ", h("a", { href: "#/executions/" + ex.id }, ex.workflow_name), " ",
              h("span", { class: "sub" }, Bora.ago(Bora.ts(ex.updated_at || ex.created_at)))),
              h("div", { class: "mono", style: { marginTop: "4px", whiteSpace: "pre-wrap" } }, (ex.state_info || "").slice(0, 400)))))
          : h("div", { class: "empty" }, "No failed executions."));
      } catch (e) { Bora.clear(recent).append(Bora.errorBanner(e)); }
    };
    const again = Bora.throttle(load, 5000);
    const off = Bora.live.on(() => again());
    const tick = setInterval(load, 15000); /* slides the throughput window */
    const onResize = () => last && chart(canvas, last);
    window.addEventListener("resize", onResize);
    load();
    return () => { off(); again.cancel(); clearInterval(tick); window.removeEventListener("resize", onResize); };
  };

  /* ---------- executions ---------- */
  const SINCE = { "": "Any time", "1h": "Last hour", "24h": "Last 24 hours", "7d": "Last 7 days" };
  const SINCE_MS = { "1h": 3600e3, "24h": 86400e3, "7d": 7 * 86400e3 };
  const utc = (ms) => new Date(ms).toISOString().slice(0, 19).replace("T", " ");

  Bora.views.executions = (main, _args, query) => {
    Bora.title("Executions");
    const f = { state: query.get("state") || "", workflow: query.get("workflow") || "", since: query.get("since") || "" };
    const PAGE = 25;
    let markers = [null], page = 0, items = [];
    const body = h("div"), pager = h("div", { class: "pager" });
    const stateSel = h("select", { id: "f-state" }, h("option", { value: "" }, "Any state"), Bora.EXEC_STATES.map((s) => h("option", { value: s, selected: f.state === s }, s)));
    const wfIn = h("input", { id: "f-wf", type: "search", placeholder: "workflow name", value: f.workflow, list: "wf-names" });
    const sinceSel = h("select", { id: "f-since" }, Object.entries(SINCE).map(([k, v]) => h("option", { value: k, selected: f.since === k }, v)));
    const names = h("datalist", { id: "wf-names" });
    get("/v2/workflows?fields=name&limit=1000").then((d) => names.append(...d.workflows.map((w) => h("option", { value: w.name })))).catch(() => {});
    const apply = () => {
      f.state = stateSel.value; f.workflow = wfIn.value.trim(); f.since = sinceSel.value;
      Bora.setQuery(f); markers = [null]; page = 0; load();
    };
    stateSel.addEventListener("change", apply); sinceSel.addEventListener("change", apply);
    wfIn.addEventListener("change", apply);
    main.append(
      h("div", { class: "page-head" }, h("div", null, h("h1", null, "Executions"), h("div", { class: "sub" }, "Newest first; updates live."))),
      h("div", { class: "card" },
        h("form", { class: "filters", role: "search", onsubmit: (e) => { e.preventDefault(); apply(); } },
          h("label", { for: "f-state" }, "State", stateSel), h("label", { for: "f-wf" }, "Workflow", wfIn), names,
          h("label", { for: "f-since" }, "Created", sinceSel), h("button", { type: "submit" }, "Apply")),
        body, pager));
    async function load() {
      const q = { limit: PAGE + 1, sort_keys: "created_at", sort_dirs: "desc", state: f.state, workflow_name: f.workflow, marker: markers[page] };
      if (f.since) q.created_at = "gte:" + utc(Date.now() - SINCE_MS[f.since]);
      try {
        const d = await get("/v2/executions" + qs(q));
        const more = d.executions.length > PAGE;
        items = d.executions.slice(0, PAGE);
        markers[page + 1] = more ? items[items.length - 1].id : undefined;
        Bora.clear(body).append(execTable(items, load));
        Bora.clear(pager).append(
          h("span", null, items.length ? `Page ${page + 1} · ${items.length} shown` : ""),
          h("div", { class: "actions" },
            h("button", { type: "button", disabled: page === 0, onclick: () => { page--; load(); } }, "← Newer"),
            h("button", { type: "button", disabled: !more, onclick: () => { page++; load(); } }, "Older →")));
      } catch (e) { Bora.clear(body).append(Bora.errorBanner(e)); }
    }
    const reload = Bora.throttle(load, 1000);
    const off = Bora.live.on((type, c) => {
      if (type === "resync") return reload();
      if (type !== "execution") return;
      if (page === 0 || items.some((x) => x.id === c.id)) reload();
    });
    load();
    return () => { off(); reload.cancel(); };
  };

  /* ---------- actions ---------- */
  Bora.views.actions = (main) => {
    Bora.title("Actions");
    const body = h("div", { class: "empty" }, "Loading…");
    main.append(h("div", { class: "page-head" }, h("div", null, h("h1", null, "Actions"), h("div", { class: "sub" }, "What a task can run."))),
      h("div", { class: "card" }, body));
    get("/v2/actions?limit=1000").then((d) => {
      const t = h("table", null,
        h("thead", null, h("tr", null, ["Name", "Input", "Description", "Kind"].map((x) => h("th", { scope: "col" }, x)))),
        h("tbody", null, d.actions.map((a) => h("tr", null,
          h("td", { class: "mono" }, a.name), h("td", { class: "mono" }, a.input || "—"),
          h("td", null, a.description || ""), h("td", null, h("span", { class: "tag" }, a.is_system ? "system" : "ad-hoc"))))));
      body.replaceWith(t);
    }).catch((e) => body.replaceWith(Bora.errorBanner(e)));
  };
})();
