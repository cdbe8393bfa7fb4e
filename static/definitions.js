/* Definitions: the workflow list, a YAML editor with the graph beside it
 * (validated as you type, problems shown at their line), saving through
 * POST/PUT /v2/workflows, and a start form built from the workflow input. */
"use strict";
(function () {
  const { h, api, get } = Bora;

  const TEMPLATE = `version: '2.0'

my_workflow:
  description: Says hello, then waits a little.
  input:
    - name: world
  tasks:
    hello:
      action: std.echo output="Hello, <% $.name %>!"
      publish:
        greeting: <% task().result %>
      on-success:
        - wait
    wait:
      action: std.sleep seconds=1
`;

  Bora.views.workflows = (main) => {
    Bora.title("Workflows");
    const body = h("div", { class: "empty" }, "Loading…");
    main.append(h("div", { class: "page-head" },
      h("div", null, h("h1", null, "Workflows"), h("div", { class: "sub" }, "Definitions in the workflow language v2.")),
      h("div", { class: "actions" }, h("a", { class: "btn primary", href: "#/workflows/new" }, "New workflow"))),
    h("div", { class: "card" }, body));
    get("/v2/workflows?limit=1000&sort_keys=name&sort_dirs=asc").then((d) => {
      if (!d.workflows.length) { body.textContent = "No workflows yet."; return; }
      body.replaceWith(h("table", null,
        h("thead", null, h("tr", null, ["Name", "Input", "Tags", "Updated", ""].map((x) => h("th", { scope: "col" }, x)))),
        h("tbody", null, d.workflows.map((w) => h("tr", null,
          h("td", null, Bora.wfLink(w.name), w.namespace ? h("span", { class: "tag" }, w.namespace) : null),
          h("td", { class: "mono ellip", title: w.input }, w.input || "—"),
          h("td", null, (w.tags || []).map((t) => h("span", { class: "tag" }, t))),
          h("td", null, Bora.ago(Bora.ts(w.updated_at || w.created_at))),
          h("td", null, h("div", { class: "actions" },
            h("a", { class: "btn small", href: "#/workflows/" + encodeURIComponent(w.name) + "?run=1" }, "▶ Run"),
            h("a", { class: "btn small", href: "#/executions?workflow=" + encodeURIComponent(w.name) }, "Executions"))))))));
    }).catch((e) => body.replaceWith(Bora.errorBanner(e)));
  };

  /* Problems named in a faultstring: "path (line L, column C): msg; ...". */
  function faultDiags(msg) {
    return msg.split(/;\s(?=\S)/).map((part) => {
      /* "(line 7, column 20)" or "(at wf.tasks.t, line 7, column 20)" */
      const m = /[(,] ?line (\d+)(?:, column (\d+))?\)/.exec(part);
      return { message: part, line: m ? +m[1] : null, column: m && m[2] ? +m[2] : null };
    });
  }

  /* A textarea with line numbers and marked problem lines. */
  function codeEditor(text, onInput) {
    const gutter = h("div", { class: "gutter", "aria-hidden": "true" });
    const ta = h("textarea", { spellcheck: "false", "aria-label": "Workflow definition (YAML)", "aria-describedby": "yaml-hint", id: "yaml", wrap: "off" });
    ta.value = text;
    let bad = new Set();
    const paint = () => {
      const n = ta.value.split("\n").length;
      Bora.clear(gutter);
      for (let i = 1; i <= n; i++) {
        gutter.append(bad.has(i) ? h("span", { class: "bad", title: "problem on this line" }, String(i)) : String(i), "\n");
      }
      gutter.scrollTop = ta.scrollTop;
    };
    ta.addEventListener("input", () => { paint(); onInput && onInput(); });
    ta.addEventListener("scroll", () => (gutter.scrollTop = ta.scrollTop));
    ta.addEventListener("keydown", (e) => {
      if (e.key === "Tab" && !e.shiftKey && !e.ctrlKey && !e.metaKey) {
        /* two spaces; Escape then Tab leaves the editor */
        if (ta.dataset.esc) { delete ta.dataset.esc; return; }
        e.preventDefault(); document.execCommand("insertText", false, "  ");
      } else if (e.key === "Escape") ta.dataset.esc = "1";
    });
    paint();
    return {
      el: h("div", null, h("div", { class: "code" }, gutter, ta),
        h("div", { class: "sub", id: "yaml-hint", style: { marginTop: "4px" } }, "Tab indents by two spaces; Esc then Tab leaves the editor.")), ta,
      mark(lines) { bad = new Set(lines.filter(Boolean)); paint(); },
      goto(line, col) {
        const lines = ta.value.split("\n");
        let off = 0;
        for (let i = 0; i < line - 1 && i < lines.length; i++) off += lines[i].length + 1;
        off += Math.max(0, (col || 1) - 1);
        ta.focus(); ta.setSelectionRange(off, off);
        ta.scrollTop = Math.max(0, (line - 5) * 19);
      },
    };
  }

  Bora.views.workflow = (main, args, query) => {
    const isNew = args[0] === "new";
    const name = isNew ? null : args[0];
    Bora.title(isNew ? "New workflow" : name);
    const diagBox = h("ul", { class: "diags", "aria-live": "polite" });
    const graphBox = h("div");
    const runBox = h("div");
    const saveBtn = h("button", { class: "primary", type: "submit", id: "save" }, isNew ? "Create" : "Save");
    let graph = null, wf = null, checkSeq = 0;
    const showDiags = (diags, ok) => {
      Bora.clear(diagBox);
      if (ok) diagBox.append(h("li", { class: "ok" }, "✓ ", ok));
      for (const d of diags) {
        diagBox.append(h("li", null,
          d.line ? h("button", { class: "small", type: "button", onclick: () => editor.goto(d.line, d.column) }, `Line ${d.line}${d.column ? ":" + d.column : ""}`) : null,
          d.path ? h("span", { class: "mono" }, d.path + ": ") : null, d.message));
      }
      editor.mark(diags.map((d) => d.line));
    };
    const check = Bora.throttle(async () => {
      const seq = ++checkSeq;
      let d;
      try { d = await api("POST", "/ui/api/parse", editor.ta.value); } catch (e) { return; }
      if (seq !== checkSeq) return;
      if (d.diagnostics) { showDiags(d.diagnostics); graphBox.classList.add("stale"); return; }
      graphBox.classList.remove("stale");
      showDiags([], d.workflows.length === 1 ? "Valid: 1 workflow" : `Valid: ${d.workflows.length} workflows`);
      const first = d.workflows[0];
      if (first) {
        if (!graph) { Bora.clear(graphBox); graph = new Bora.Graph(graphBox, {}); }
        graph.setGraph(first.graph);
      }
    }, 500);
    const editor = codeEditor(isNew ? TEMPLATE : "", check);
    const form = h("form", { onsubmit: (e) => { e.preventDefault(); save(); } },
      editor.el, diagBox,
      h("div", { class: "actions", style: { marginTop: "10px" } }, saveBtn,
        !isNew ? h("button", { type: "button", onclick: () => showRun() }, "▶ Run…") : null,
        !isNew ? h("a", { class: "btn", href: "#/executions?workflow=" + encodeURIComponent(name) }, "Executions") : null,
        !isNew ? h("button", { class: "danger", type: "button", onclick: () => del() }, "Delete") : null));
    main.append(
      h("div", { class: "page-head" }, h("div", null, h("h1", null, isNew ? "New workflow" : name),
        h("div", { class: "sub" }, isNew ? "Write the definition; it is checked as you type." : "Edit the definition and save; the graph follows the text."))),
      runBox,
      h("div", { class: "editor" },
        h("section", { class: "card", "aria-label": "Definition" }, form),
        h("section", { class: "card", "aria-labelledby": "h-graph" }, h("h2", { id: "h-graph" }, "Graph", h("span", { class: "sub stale-note" }, " (last valid version)")), graphBox)));
    graphBox.append(h("div", { class: "empty" }, "The graph appears once the definition is valid."));

    async function save() {
      saveBtn.disabled = true;
      try {
        const d = await api(isNew ? "POST" : "PUT", "/v2/workflows", editor.ta.value);
        const names = (d.workflows || []).map((w) => w.name);
        Bora.toast((isNew ? "Created " : "Saved ") + names.join(", "));
        showDiags([], "Saved");
        if (isNew && names[0]) Bora.go("#/workflows/" + encodeURIComponent(names[0]));
        else if (names[0]) loadWf();
      } catch (e) {
        const diags = e.status === 400 ? faultDiags(e.message) : [{ message: e.message }];
        showDiags(diags);
        const first = diags.find((x) => x.line);
        if (first) editor.mark(diags.map((x) => x.line));
      } finally { saveBtn.disabled = false; }
    }
    async function del() {
      if (!confirm(`Delete workflow ${name}?`)) return;
      try { await api("DELETE", "/v2/workflows/" + encodeURIComponent(name)); Bora.toast("Deleted " + name); Bora.go("#/workflows"); }
      catch (e) { Bora.toast(e.message, true); }
    }

    /* the start form, from the workflow's interface */
    function showRun() {
      if (!wf) return;
      const iface = Bora.parseJsonField(wf.interface) || {};
      const params = (iface.input || []).map((p) => (typeof p === "string" ? { name: p, required: true } : { name: Object.keys(p)[0], required: false, def: Object.values(p)[0] }));
      const fields = params.map((p) => {
        const inp = h("input", { id: "in-" + p.name, name: p.name, required: p.required, placeholder: p.required ? "required" : "default: " + JSON.stringify(p.def), "aria-describedby": "hint-" + p.name });
        return { p, inp, el: h("div", { class: "form-row" }, h("label", { for: "in-" + p.name }, p.name + (p.required ? " *" : "")), inp,
          h("span", { class: "hint", id: "hint-" + p.name }, "Text, or JSON (numbers, lists, objects, true/false)")) };
      });
      const desc = h("input", { id: "in-description", placeholder: "optional" });
      const err = h("div");
      const f = h("form", { class: "card", style: { marginBottom: "16px" }, "aria-labelledby": "h-run", onsubmit: async (e) => {
        e.preventDefault();
        const input = {};
        for (const { p, inp } of fields) {
          const v = inp.value;
          if (v === "" && !p.required) continue;
          try { input[p.name] = JSON.parse(v); } catch (_) { input[p.name] = v; }
        }
        try {
          const ex = await api("POST", "/v2/executions", { workflow_name: wf.name, workflow_namespace: wf.namespace || "", input, description: desc.value });
          Bora.go("#/executions/" + ex.id);
        } catch (e2) { Bora.clear(err).append(Bora.errorBanner(e2)); }
      } },
      h("h2", { id: "h-run" }, "Start ", wf.name),
      fields.length ? fields.map((x) => x.el) : h("p", { class: "sub" }, "This workflow takes no input."),
      h("div", { class: "form-row" }, h("label", { for: "in-description" }, "Description"), desc), err,
      h("div", { class: "actions" }, h("button", { class: "primary", type: "submit", id: "start" }, "▶ Start"),
        h("button", { type: "button", onclick: () => Bora.clear(runBox) }, "Close")));
      Bora.clear(runBox).append(f);
      (fields[0] ? fields[0].inp : f.querySelector("#start")).focus();
    }

    async function loadWf() {
      try {
        wf = await get("/v2/workflows/" + encodeURIComponent(name));
        if (editor.ta.value !== wf.definition) { editor.ta.value = wf.definition; editor.ta.dispatchEvent(new Event("input")); }
        if (query.get("run")) showRun();
      } catch (e) { Bora.clear(runBox).append(Bora.errorBanner(e)); }
    }
    if (isNew) check(); else loadWf();
    return () => { check.cancel(); if (graph) graph.destroy(); };
  };
})();
