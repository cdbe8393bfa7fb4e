/* Execution view: header with controls, task counts, the workflow graph
 * coloured by task state, a task panel (input, published, result, error,
 * with-items drill-down, sub-workflows, rerun), and a virtualised task table.
 * Live through its own event stream filtered to this execution. */
"use strict";
(function () {
  const { h, api, get, badge } = Bora;
  const ROW = 32;
  /* task row fields (see /ui/api/executions/{id}/overview) */
  const ID = 0, NAME = 1, STATE = 2, TYPE = 3, CREATED = 4, STARTED = 5, FINISHED = 6, ATTEMPTS = 7, INFO = 8;
  /* execution times come in whole seconds */
  const fmtSecs = (ms) => (ms < 1000 ? "< 1 s" : Bora.fmtDur(Math.round(ms / 1000) * 1000));
  const dur = (t) => (t[STARTED] ? (t[FINISHED] || Date.now()) - t[STARTED] : null);

  /* ---------- virtualised task table ---------- */
  class TaskTable {
    constructor(container, onSelect) {
      this.onSelect = onSelect;
      this.rows = []; this.view = []; this.sel = null;
      this.sort = { key: "created", dir: 1 };
      this.filter = { state: "", text: "" };
      const cols = [["state", "State"], ["name", "Task"], ["type", "Type"], ["started", "Started"], ["duration", "Duration"], ["attempts", "Tries"], ["info", "Info"]];
      this.head = h("div", { class: "vt-head", role: "row" }, cols.map(([k, t]) =>
        h("div", { role: "columnheader", tabindex: k === "info" ? null : "0", "data-k": k,
          onclick: () => this.sortBy(k), onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); this.sortBy(k); } } }, t)));
      this.spacer = h("div", { style: { height: "0px" } });
      this.body = h("div", { class: "vt-body", tabindex: "0", role: "rowgroup", "aria-label": "Tasks. Arrow keys move, Enter opens." }, this.spacer);
      this.body.addEventListener("scroll", () => this.paint());
      this.body.addEventListener("keydown", (e) => this.key(e));
      this.stateSel = h("select", { "aria-label": "Filter tasks by state", onchange: () => { this.filter.state = this.stateSel.value; this.apply(); } },
        h("option", { value: "" }, "All states"), Bora.STATES.map((s) => h("option", { value: s }, s)));
      this.text = h("input", { type: "search", placeholder: "filter by name", "aria-label": "Filter tasks by name",
        oninput: () => { this.filter.text = this.text.value.trim().toLowerCase(); this.apply(); } });
      this.count = h("span", { class: "sub" });
      container.append(h("div", { class: "filters" }, this.stateSel, this.text, this.count),
        h("div", { class: "vt", role: "table", "aria-label": "Task executions" }, this.head, this.body));
      this.pool = [];
    }
    setRows(rows) { this.rows = rows; this.apply(); }
    sortBy(k) {
      this.sort = { key: k, dir: this.sort.key === k ? -this.sort.dir : 1 };
      for (const d of this.head.children) {
        if (d.dataset.k === k) d.setAttribute("aria-sort", this.sort.dir > 0 ? "ascending" : "descending");
        else d.removeAttribute("aria-sort");
      }
      this.apply();
    }
    apply() {
      const { state, text } = this.filter;
      let v = this.rows.filter((t) => (!state || t[STATE] === state) && (!text || t[NAME].toLowerCase().includes(text)));
      const key = { state: (t) => t[STATE], name: (t) => t[NAME], type: (t) => t[TYPE], started: (t) => t[STARTED] || 0,
        duration: (t) => dur(t) || 0, attempts: (t) => t[ATTEMPTS], created: (t) => t[CREATED] }[this.sort.key] || ((t) => t[CREATED]);
      const d = this.sort.dir;
      v.sort((a, b) => { const x = key(a), y = key(b); return x < y ? -d : x > y ? d : 0; });
      this.view = v;
      this.count.textContent = v.length === this.rows.length ? `${v.length.toLocaleString()} tasks` : `${v.length.toLocaleString()} of ${this.rows.length.toLocaleString()} tasks`;
      this.spacer.style.height = v.length * ROW + "px";
      this.body.setAttribute("aria-rowcount", String(v.length));
      this.paint();
    }
    paint() {
      const top = this.body.scrollTop, hgt = this.body.clientHeight || 360;
      const first = Math.max(0, Math.floor(top / ROW) - 3), last = Math.min(this.view.length, Math.ceil((top + hgt) / ROW) + 3);
      const need = last - first;
      while (this.pool.length < need) {
        const r = h("div", { class: "vt-row", role: "row" });
        r.addEventListener("click", () => this.pick(r.dataset.id));
        this.pool.push(r); this.body.append(r);
      }
      for (let k = 0; k < this.pool.length; k++) {
        const r = this.pool[k], t = this.view[first + k];
        if (k >= need || !t) { r.style.display = "none"; continue; }
        r.style.display = ""; r.style.top = (first + k) * ROW + "px";
        r.dataset.id = t[ID];
        r.classList.toggle("sel", t[ID] === this.sel);
        r.setAttribute("aria-rowindex", String(first + k + 1));
        r.setAttribute("aria-selected", t[ID] === this.sel ? "true" : "false");
        const key = [t[STATE], t[NAME], t[STARTED], t[FINISHED], t[ATTEMPTS], t[INFO]].join("|");
        if (r._key === key) continue;
        r._key = key;
        Bora.clear(r).append(
          h("div", { role: "cell" }, badge(t[STATE])),
          h("div", { role: "cell", title: t[NAME] }, t[NAME]),
          h("div", { role: "cell" }, t[TYPE]),
          h("div", { role: "cell" }, t[STARTED] ? Bora.fmtTime(t[STARTED]) : "—"),
          h("div", { role: "cell", class: "n" }, Bora.fmtDur(dur(t))),
          h("div", { role: "cell", class: "n" }, t[ATTEMPTS]),
          h("div", { role: "cell", class: "info" + (t[STATE] === "ERROR" ? " err-text" : ""), title: t[INFO] || "" }, t[INFO] || ""));
      }
    }
    pick(id) { this.sel = id; this.paint(); this.onSelect(id); }
    select(id) {
      this.sel = id;
      const i = this.view.findIndex((t) => t[ID] === id);
      if (i >= 0) {
        const top = i * ROW;
        if (top < this.body.scrollTop || top > this.body.scrollTop + this.body.clientHeight - ROW) this.body.scrollTop = top - 3 * ROW;
      }
      this.paint();
    }
    key(e) {
      if (!this.view.length) return;
      let i = this.view.findIndex((t) => t[ID] === this.sel);
      if (e.key === "ArrowDown") i = Math.min(this.view.length - 1, i + 1);
      else if (e.key === "ArrowUp") i = Math.max(0, i - 1);
      else if (e.key === "PageDown") i = Math.min(this.view.length - 1, i + 10);
      else if (e.key === "PageUp") i = Math.max(0, i - 10);
      else if (e.key === "Enter" && i >= 0) { this.onSelect(this.sel); e.preventDefault(); return; }
      else return;
      e.preventDefault();
      this.select(this.view[Math.max(0, i)][ID]);
      this.onSelect(this.sel, true);
    }
  }

  /* ---------- task panel ---------- */
  Bora.rerun = { supported: null };
  async function taskPanel(panel, taskId, reload, row) {
    Bora.clear(panel).append(h("div", { class: "empty" }, "Loading task…"));
    let t, actions = [], subs = [];
    try {
      t = await get("/v2/tasks/" + taskId);
      const [a, w] = await Promise.all([
        get(`/v2/tasks/${taskId}/action_executions`).catch(() => ({ action_executions: [] })),
        t.type === "WORKFLOW" ? get(`/v2/tasks/${taskId}/workflow_executions`).catch(() => ({ executions: [] })) : { executions: [] },
      ]);
      actions = a.action_executions || []; subs = w.executions || [];
    } catch (e) { Bora.clear(panel).append(Bora.errorBanner(e)); return; }
    if (panel.dataset.task !== taskId) return;
    const rc = Bora.parseJsonField(t.runtime_context) || {};
    /* the row's times are in milliseconds; the REST ones in seconds */
    const started = (row && row[STARTED]) || Bora.ts(t.started_at), finished = (row && row[FINISHED]) || Bora.ts(t.finished_at);
    const attempts = 1 + ((rc.retry_task_policy && rc.retry_task_policy.retry_no) || 0);
    const rerunBtn = h("button", { class: "small", type: "button", hidden: true, onclick: () => doRerun(t, rerunBtn, reload) }, "↻ Rerun");
    const kids = [
      h("h2", null, h("span", null, t.name), badge(t.state)),
      h("dl", { class: "kv" },
        h("dt", null, "ID"), h("dd", { class: "mono" }, t.id),
        h("dt", null, "Type"), h("dd", null, t.type),
        h("dt", null, "Started"), h("dd", null, Bora.fmtTime(started)),
        h("dt", null, "Finished"), h("dd", null, Bora.fmtTime(finished)),
        h("dt", null, "Duration"), h("dd", null, Bora.fmtDur(started ? (finished || Date.now()) - started : null)),
        h("dt", null, "Attempts"), h("dd", null, String(attempts))),
      h("div", { class: "actions" }, rerunBtn),
    ];
    if (t.state_info) kids.push(h("div", { class: "sec" }, t.state === "ERROR" ? "Error" : "State info"), h("pre", { class: "json" + (t.state === "ERROR" ? " err-text" : "") }, t.state_info));
    if (subs.length) kids.push(h("div", { class: "sec" }, "Sub-workflow"), h("ul", null, subs.map((s) => h("li", null, badge(s.state), " ", Bora.execLink(s.id, s.workflow_name + " · " + s.id.slice(0, 8))))));
    if (actions.length > 1) kids.push(...itemsBlock(actions));
    const input = actions.length === 1 ? actions[0].input : actions.length ? null : undefined;
    if (input !== undefined && input !== null) kids.push(h("div", { class: "sec" }, "Input"), h("pre", { class: "json" }, Bora.pretty(input)));
    kids.push(h("div", { class: "sec" }, "Published"), h("pre", { class: "json" }, Bora.pretty(t.published)));
    kids.push(h("div", { class: "sec" }, "Result"), h("pre", { class: "json" }, Bora.pretty(t.result)));
    Bora.clear(panel).append(...kids);
    if (t.state === "ERROR") rerunProbe(t).then((ok) => { rerunBtn.hidden = !ok; });
  }

  /* with-items (several action executions): counts by state, drill-down list */
  function itemsBlock(actions) {
    const counts = {};
    for (const a of actions) counts[a.state] = (counts[a.state] || 0) + 1;
    const list = h("ol", { class: "mono", style: { paddingLeft: "22px", margin: "4px 0 12px" } });
    const show = (state) => {
      const pick = actions.filter((a) => !state || a.state === state);
      Bora.clear(list).append(...pick.slice(0, 200).map((a) =>
        h("li", null, badge(a.state), " ", a.name, a.state_info ? h("div", { class: "err-text" }, a.state_info) : null,
          h("details", null, h("summary", null, "input / output"), h("pre", { class: "json" }, Bora.pretty(a.input)), h("pre", { class: "json" }, Bora.pretty(a.output))))),
        pick.length > 200 ? h("li", { class: "sub" }, `…and ${pick.length - 200} more`) : null);
    };
    const bar = h("div", { class: "counts", role: "group", "aria-label": "Items by state" },
      h("button", { class: "small", type: "button", onclick: () => show("") }, `All ${actions.length}`),
      Object.entries(counts).map(([s, n]) => h("button", { class: "small", type: "button", onclick: () => show(s) }, badge(s, String(n)))));
    show("ERROR" in counts ? "ERROR" : "");
    return [h("div", { class: "sec" }, `Items (${actions.length})`), bar, list];
  }

  /* Whether PUT /v2/tasks/{id} exists: asked once with an empty body, which
   * a server that has it refuses with 400 and one that has not with 404/405. */
  async function rerunProbe(t) {
    if (Bora.rerun.supported !== null) return Bora.rerun.supported;
    try { await api("PUT", "/v2/tasks/" + t.id, {}); Bora.rerun.supported = true; }
    catch (e) { Bora.rerun.supported = !(e.status === 404 || e.status === 405 || e.status === 0); }
    return Bora.rerun.supported;
  }
  async function doRerun(t, btn, reload) {
    try {
      await api("PUT", "/v2/tasks/" + t.id, { state: "RUNNING", reset: true });
      Bora.toast("Rerun started: " + t.name);
      reload();
    } catch (e) {
      if (e.status === 404 || e.status === 405) { Bora.rerun.supported = false; btn.hidden = true; Bora.toast("This server cannot rerun tasks.", true); }
      else Bora.toast(e.message, true);
    }
  }

  /* ---------- the view ---------- */
  Bora.views.execution = (main, args, query) => {
    const id = args[0];
    const t0 = performance.now();
    window.__boraRendered = null;
    Bora.title("Execution " + id.slice(0, 8));
    const head = h("div", { class: "page-head" }, h("div", { class: "empty" }, "Loading execution…"));
    const counts = h("div", { class: "counts", "aria-label": "Tasks by state" });
    const body = h("div", { class: "exec-body nopanel" });
    const graphBox = h("div");
    const panel = h("aside", { class: "panel", "aria-label": "Task details", hidden: true });
    body.append(graphBox, panel);
    const tableBox = h("section", { class: "card", "aria-labelledby": "h-tasks" }, h("h2", { id: "h-tasks" }, "Tasks"));
    const ioBox = h("div");
    main.append(head, counts, body, tableBox, ioBox);
    let ex = null, rows = [], byId = new Map(), byName = new Map(), graph = null, live = null, selected = query.get("task");
    const table = new TaskTable(tableBox, (tid, quiet) => openTask(tid, quiet));

    function indexRows() {
      byId = new Map(); byName = new Map();
      rows.forEach((t) => { byId.set(t[ID], t); addName(t); });
    }
    function addName(t) {
      const cur = byName.get(t[NAME]);
      if (!cur) byName.set(t[NAME], { row: t, count: 1 });
      else { cur.count++; if (t[CREATED] >= cur.row[CREATED]) cur.row = t; }
    }
    const info = (name) => { const n = byName.get(name); return n ? { state: n.row[STATE], count: n.count } : null; };

    function renderHead() {
      const created = Bora.ts(ex.created_at), updated = Bora.ts(ex.updated_at);
      Bora.clear(head).append(
        h("div", null,
          h("h1", null, ex.workflow_name, " ", badge(ex.state)),
          h("div", { class: "sub" }, h("span", { class: "mono" }, ex.id), h("span", { class: "sep" }, "|"),
            "started ", Bora.fmtTime(created), h("span", { class: "sep" }, "|"),
            "duration ", fmtSecs((Bora.terminal(ex.state) && updated ? updated : Date.now()) - created), h("span", { class: "sep" }, "|"),
            Bora.wfLink(ex.workflow_name), ex.task_execution_id ? [h("span", { class: "sep" }, "|"), h("a", { href: "#", id: "parent-link", onclick: (e) => { e.preventDefault(); toParent(); } }, "↑ parent execution")] : null),
          ex.state_info ? h("div", { class: "banner " + (ex.state === "ERROR" ? "error" : "info"), style: { margin: "8px 0 0" } }, ex.state_info) : null),
        h("div", { class: "actions" }, Bora.execControls(ex, load)));
    }
    async function toParent() {
      try { const t = await get("/v2/tasks/" + ex.task_execution_id); Bora.go("#/executions/" + t.workflow_execution_id + "?task=" + t.id); }
      catch (e) { Bora.toast(e.message, true); }
    }
    function renderCounts() {
      const c = {};
      for (const t of rows) c[t[STATE]] = (c[t[STATE]] || 0) + 1;
      Bora.clear(counts).append(h("span", { class: "sub", style: { alignSelf: "center" } }, rows.length.toLocaleString() + " tasks:"),
        ...Bora.STATES.filter((s) => c[s]).map((s) => h("button", { class: "small", type: "button", title: "Show only " + s,
          onclick: () => { table.stateSel.value = s; table.filter.state = s; table.apply(); } }, badge(s, c[s].toLocaleString()))));
    }
    function renderIO() {
      Bora.clear(ioBox).append(h("div", { class: "grid two" },
        h("section", { class: "card" }, h("h2", null, "Input"), h("pre", { class: "json" }, Bora.pretty(ex.input))),
        h("section", { class: "card" }, h("h2", null, "Output"), h("pre", { class: "json" }, Bora.pretty(ex.output)))));
    }
    function openTask(tid, quiet) {
      selected = tid;
      Bora.setQuery(tid ? { task: tid } : {});
      const t = byId.get(tid);
      if (!t) return;
      if (graph && !quiet) graph.select(t[NAME]);
      table.select(tid);
      panel.hidden = false; body.classList.remove("nopanel");
      panel.dataset.task = tid;
      if (graph) graph.resize();
      taskPanel(panel, tid, load, byId.get(tid));
    }
    function selectByName(name) {
      const n = byName.get(name);
      if (n) openTask(n.row[ID], true);
    }
    async function openSub(name) {
      const n = byName.get(name);
      if (!n || n.row[TYPE] !== "WORKFLOW") return;
      const w = await get(`/v2/tasks/${n.row[ID]}/workflow_executions`).catch(() => ({ executions: [] }));
      if (w.executions && w.executions[0]) Bora.go("#/executions/" + w.executions[0].id);
    }

    /* First load: the graph (with the execution) and the task rows, asked
     * for at once. Later loads skip the graph, which never changes. */
    async function load() {
      let exJson, taskJson, graphJson = null;
      try {
        const tasksP = get(`/ui/api/executions/${encodeURIComponent(id)}/tasks`);
        if (!graph) {
          [graphJson, taskJson] = await Promise.all([get(`/ui/api/executions/${encodeURIComponent(id)}/graph`), tasksP]);
          exJson = graphJson.execution;
        } else {
          [exJson, taskJson] = await Promise.all([get("/v2/executions/" + encodeURIComponent(id)), tasksP]);
        }
      } catch (e) { Bora.clear(head).append(Bora.errorBanner(e)); return; }
      const tFetch = performance.now() - t0;
      ex = exJson; rows = taskJson.tasks;
      indexRows();
      renderHead(); renderCounts(); renderIO();
      if (graphJson) {
        if (graphJson.graph && graphJson.graph.nodes) {
          graph = new Bora.Graph(graphBox, { onSelect: selectByName, onOpen: openSub });
          graph.setGraph(graphJson.graph);
        } else graphBox.append(Bora.errorBanner("No graph for this execution."));
      }
      if (graph) graph.setInfo(info);
      table.setRows(rows);
      if (selected && byId.has(selected) && panel.dataset.task !== selected) openTask(selected);
      else if (selected && panel.dataset.task === selected && !panel.hidden) taskPanel(panel, selected, load, byId.get(selected));
      if (!window.__boraRendered) {
        requestAnimationFrame(() => requestAnimationFrame(() => {
          window.__boraRendered = { ms: performance.now() - t0, fetchMs: tFetch, tasks: rows.length, nodes: graph ? graph.graph.nodes.length : 0 };
          main.dataset.rendered = "1";
        }));
      }
    }

    /* live: apply changes in place, repaint once per frame */
    let dirty = false;
    const reload = Bora.throttle(load, 1500);
    const panelAgain = Bora.throttle(() => { if (selected && !panel.hidden) taskPanel(panel, selected, load, byId.get(selected)); }, 1000);
    const flush = () => {
      dirty = false;
      renderCounts();
      if (graph) graph.redraw();
      table.apply();
      if (ex) renderHead();
    };
    const onChange = (type, c) => {
      if (type === "resync") { reload(); return; }
      if (type === "execution" && ex && c.id === ex.id) {
        ex.state = c.state; ex.state_info = c.state_info;
        if (Bora.terminal(c.state)) reload();
      } else if (type === "task") {
        const t = byId.get(c.id);
        if (t) {
          t[STATE] = c.state; t[INFO] = c.state_info;
          const now = Date.now();
          if (c.state === "RUNNING" && !t[STARTED]) t[STARTED] = now;
          if (Bora.terminal(c.state) || c.state === "SKIPPED") t[FINISHED] = t[FINISHED] || now;
          if (c.id === selected && !panel.hidden) panelAgain();
        } else {
          const nt = [c.id, c.name, c.state, "ACTION", Date.now(), c.state === "RUNNING" ? Date.now() : null, null, 1, c.state_info];
          rows.push(nt); byId.set(c.id, nt); addName(nt);
        }
      }
      if (!dirty) { dirty = true; requestAnimationFrame(flush); }
    };
    live = new Bora.Live(id);
    live.on(onChange);
    load();
    return () => { live.close(); reload.cancel(); panelAgain.cancel(); if (graph) graph.destroy(); };
  };
})();
