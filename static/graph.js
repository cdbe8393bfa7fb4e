/* Workflow graph on a canvas: a layered layout (ranks by longest path, wide
 * ranks wrapped into rows) and a renderer that draws only what is in view,
 * with a coarse level of detail when zoomed out, so 10,000 tasks stay fast.
 * Colour is never the only signal: nodes carry the state icon and text.
 *
 *   const g = new Bora.Graph(container, { onSelect(name), onOpen(name) });
 *   g.setGraph({nodes, edges}); g.setInfo(name => ({state, count, note}));
 *   g.select(name); g.redraw(); g.destroy();                                  */
"use strict";
(function () {
  const { h } = Bora;
  const W = 176, H = 44, GX = 22, GY = 60, GROW = 16;
  const EDGE = { success: "#6e9f7f", error: "#d1606a", complete: "#5b8bd6", skip: "#b08800", requires: "#8c959f" };

  /* Ranks by longest path from the start nodes; back edges (cycles) ignored. */
  function ranks(n, edges) {
    const out = Array.from({ length: n }, () => []);
    for (const [a, b] of edges) out[a].push(b);
    const color = new Uint8Array(n), back = new Set();
    for (let s = 0; s < n; s++) {
      if (color[s]) continue;
      const stack = [[s, 0]];
      color[s] = 1;
      while (stack.length) {
        const top = stack[stack.length - 1];
        const [v, i] = top;
        if (i < out[v].length) {
          top[1]++;
          const w = out[v][i];
          if (color[w] === 1) back.add(v + ">" + w);
          else if (!color[w]) { color[w] = 1; stack.push([w, 0]); }
        } else { color[v] = 2; stack.pop(); }
      }
    }
    const indeg = new Int32Array(n), fwd = Array.from({ length: n }, () => []);
    for (const [a, b] of edges) if (!back.has(a + ">" + b) && a !== b) { fwd[a].push(b); indeg[b]++; }
    const rank = new Int32Array(n), queue = [];
    for (let v = 0; v < n; v++) if (!indeg[v]) queue.push(v);
    for (let qi = 0; qi < queue.length; qi++) {
      const v = queue[qi];
      for (const w of fwd[v]) { rank[w] = Math.max(rank[w], rank[v] + 1); if (--indeg[w] === 0) queue.push(w); }
    }
    return rank;
  }

  /* Positions {x, y} (top-left) for every node, and the bounds. */
  function layout(graph, aspect) {
    const nodes = graph.nodes, index = new Map(nodes.map((nd, i) => [nd.name, i]));
    const edges = [];
    for (const e of graph.edges) {
      const a = index.get(e.from), b = index.get(e.to);
      if (a !== undefined && b !== undefined) edges.push([a, b, e]);
    }
    const rank = ranks(nodes.length, edges);
    const layers = [];
    nodes.forEach((_, i) => (layers[rank[i]] = layers[rank[i]] || []).push(i));
    const pos = new Array(nodes.length);
    const preds = Array.from({ length: nodes.length }, () => []);
    for (const [a, b] of edges) preds[b].push(a);
    const cols = Math.max(10, Math.ceil(Math.sqrt(nodes.length * aspect * (H + GROW) / (W + GX))));
    let y = 0, maxW = 0;
    const rows = [];
    for (const layer of layers) {
      if (!layer) continue;
      if (layer.length < 400) {
        const bary = (i) => {
          const p = preds[i].filter((q) => pos[q]);
          return p.length ? p.reduce((s, q) => s + pos[q].x, 0) / p.length : Infinity;
        };
        const keyed = layer.map((i, k) => [bary(i), k, i]);
        keyed.sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : a[0] - b[0]));
        layer.splice(0, layer.length, ...keyed.map((k) => k[2]));
      }
      for (let r = 0; r * cols < layer.length; r++) {
        const row = layer.slice(r * cols, (r + 1) * cols);
        row.forEach((i, c) => (pos[i] = { x: c * (W + GX), y, row: rows.length, col: c }));
        rows.push(row);
        maxW = Math.max(maxW, row.length * (W + GX) - GX);
        y += H + GROW;
      }
      y += GY - GROW;
    }
    for (const row of rows) {
      const off = (maxW - (row.length * (W + GX) - GX)) / 2;
      for (const i of row) pos[i].x += off;
    }
    return { pos, edges, rows, index, width: maxW, height: Math.max(0, y - GY + GROW) };
  }

  function trunc(ctx, s, max) {
    if (ctx.measureText(s).width <= max) return s;
    let lo = 0, hi = s.length;
    while (lo < hi) { const m = (lo + hi + 1) >> 1; if (ctx.measureText(s.slice(0, m) + "…").width <= max) lo = m; else hi = m - 1; }
    return s.slice(0, lo) + "…";
  }

  class Graph {
    constructor(container, opts) {
      this.opts = opts || {};
      this.canvas = h("canvas", { tabindex: "0", role: "img", "aria-label": "Workflow graph. Arrow keys move between tasks, Enter opens one, plus and minus zoom, 0 fits." });
      this.note = h("div", { class: "graph-note", "aria-hidden": "true" });
      this.status = h("div", { class: "sr", "aria-live": "polite" });
      const tools = h("div", { class: "graph-tools" },
        h("button", { class: "small", type: "button", title: "Zoom in", "aria-label": "Zoom in", onclick: () => this.zoom(1.4) }, "+"),
        h("button", { class: "small", type: "button", title: "Zoom out", "aria-label": "Zoom out", onclick: () => this.zoom(1 / 1.4) }, "−"),
        h("button", { class: "small", type: "button", title: "Fit to view", onclick: () => this.fit() }, "Fit"));
      const legend = h("div", { class: "legend", "aria-hidden": "true" },
        ["SUCCESS", "RUNNING", "WAITING", "ERROR", "PAUSED", "IDLE"].map((s) => Bora.badge(s)));
      this.wrap = h("div", { class: "graph-wrap" }, this.canvas, this.note, tools, legend, this.status);
      container.append(this.wrap);
      this.info = () => null;
      this.s = 1; this.tx = 0; this.ty = 0;
      this.sel = -1;
      this.L = null;
      this.bind();
      this.ro = new ResizeObserver(() => this.resize());
      this.ro.observe(this.wrap);
    }
    bind() {
      const c = this.canvas;
      let drag = null, moved = false;
      c.addEventListener("mousedown", (e) => { drag = [e.clientX, e.clientY, this.tx, this.ty]; moved = false; c.style.cursor = "grabbing"; });
      this.onMove = (e) => {
        if (!drag) return;
        const dx = e.clientX - drag[0], dy = e.clientY - drag[1];
        if (Math.abs(dx) + Math.abs(dy) > 3) moved = true;
        this.tx = drag[2] + dx; this.ty = drag[3] + dy; this.redraw();
      };
      this.onUp = () => { drag = null; c.style.cursor = ""; };
      window.addEventListener("mousemove", this.onMove);
      window.addEventListener("mouseup", this.onUp);
      c.addEventListener("click", (e) => {
        if (moved) return;
        const i = this.hit(e);
        if (i >= 0) { this.setSel(i); this.opts.onSelect && this.opts.onSelect(this.graph.nodes[i].name); }
      });
      c.addEventListener("dblclick", (e) => {
        const i = this.hit(e);
        if (i >= 0 && this.opts.onOpen) this.opts.onOpen(this.graph.nodes[i].name);
      });
      c.addEventListener("wheel", (e) => {
        e.preventDefault();
        const r = c.getBoundingClientRect();
        this.zoom(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
      }, { passive: false });
      c.addEventListener("keydown", (e) => this.key(e));
    }
    key(e) {
      if (!this.L) return;
      const { rows, pos } = this.L;
      let i = this.sel >= 0 ? this.sel : -1;
      const k = e.key;
      if (k === "+" || k === "=") this.zoom(1.4);
      else if (k === "-") this.zoom(1 / 1.4);
      else if (k === "0") this.fit();
      else if (k === "Enter" && i >= 0) { this.opts.onSelect && this.opts.onSelect(this.graph.nodes[i].name); }
      else if (k.startsWith("Arrow")) {
        if (i < 0) i = rows.length && rows[0].length ? rows[0][0] : -1;
        else {
          const p = pos[i], row = rows[p.row];
          if (k === "ArrowRight" && p.col + 1 < row.length) i = row[p.col + 1];
          else if (k === "ArrowLeft" && p.col > 0) i = row[p.col - 1];
          else if (k === "ArrowDown" || k === "ArrowUp") {
            const nr = rows[p.row + (k === "ArrowDown" ? 1 : -1)];
            if (nr) {
              let best = nr[0], bd = Infinity;
              for (const j of nr) { const d = Math.abs(pos[j].x - p.x); if (d < bd) { bd = d; best = j; } }
              i = best;
            }
          }
        }
        if (i >= 0) { this.setSel(i); this.reveal(i); }
      } else return;
      e.preventDefault();
    }
    setSel(i) {
      this.sel = i;
      if (i >= 0) {
        const nd = this.graph.nodes[i], inf = this.info(nd.name);
        this.status.textContent = nd.name + ", " + (inf && inf.state ? inf.state : "not started");
      }
      this.redraw();
    }
    select(name) {
      const i = this.L ? this.L.index.get(name) : undefined;
      this.setSel(i === undefined ? -1 : i);
      if (i !== undefined) this.reveal(i);
    }
    reveal(i) {
      const p = this.L.pos[i], cw = this.cw, ch = this.ch;
      const x = p.x * this.s + this.tx, y = p.y * this.s + this.ty;
      if (this.s < 0.5) { this.s = 0.9; }
      if (x < 0 || y < 0 || x + W * this.s > cw || y + H * this.s > ch || this.s === 0.9) {
        this.tx = cw / 2 - (p.x + W / 2) * this.s; this.ty = ch / 2 - (p.y + H / 2) * this.s;
      }
      this.redraw();
    }
    hit(e) {
      if (!this.L) return -1;
      const r = this.canvas.getBoundingClientRect();
      const x = (e.clientX - r.left - this.tx) / this.s, y = (e.clientY - r.top - this.ty) / this.s;
      const pos = this.L.pos;
      for (let i = 0; i < pos.length; i++) {
        const p = pos[i];
        if (x >= p.x && x <= p.x + W && y >= p.y && y <= p.y + H) return i;
      }
      return -1;
    }
    setGraph(graph) {
      this.graph = graph;
      const t0 = performance.now();
      const r = this.wrap.getBoundingClientRect();
      this.L = layout(graph, Math.max(1, (r.width || 900) / Math.max(1, (r.height || 460) - 40)));
      this.layoutMs = performance.now() - t0;
      this.note.textContent = graph.nodes.length.toLocaleString() + " nodes · " + graph.edges.length.toLocaleString() + " edges";
      this.resize(true);
    }
    setInfo(fn) { this.info = fn; this.redraw(); }
    resize(refit) {
      const r = this.wrap.getBoundingClientRect(), dpr = window.devicePixelRatio || 1;
      this.cw = Math.max(1, r.width); this.ch = Math.max(1, r.height);
      this.canvas.width = Math.round(this.cw * dpr); this.canvas.height = Math.round(this.ch * dpr);
      this.dpr = dpr;
      if (refit || !this.fitted) this.fit(); else this.draw();
    }
    fit() {
      if (!this.L) return;
      /* room for the note above and the legend below */
      const top = 34, bottom = 38, side = 24, ch = Math.max(40, this.ch - top - bottom);
      this.s = Math.max(0.01, Math.min((this.cw - 2 * side) / Math.max(1, this.L.width), ch / Math.max(1, this.L.height), 1.1));
      this.tx = (this.cw - this.L.width * this.s) / 2;
      this.ty = top + (ch - this.L.height * this.s) / 2;
      this.fitted = true;
      this.redraw();
    }
    zoom(f, cx, cy) {
      if (cx === undefined) { cx = this.cw / 2; cy = this.ch / 2; }
      const ns = Math.max(0.01, Math.min(3, this.s * f));
      this.tx = cx - (cx - this.tx) * (ns / this.s); this.ty = cy - (cy - this.ty) * (ns / this.s);
      this.s = ns; this.redraw();
    }
    redraw() {
      if (this.raf) return;
      this.raf = requestAnimationFrame(() => { this.raf = 0; this.draw(); });
    }
    draw() {
      const ctx = this.canvas.getContext("2d");
      if (!ctx || !this.L) return;
      const t0 = performance.now();
      const { pos, edges } = this.L, nodes = this.graph.nodes, s = this.s;
      ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
      ctx.clearRect(0, 0, this.cw, this.ch);
      ctx.translate(this.tx, this.ty); ctx.scale(s, s);
      const vx0 = -this.tx / s - W, vy0 = -this.ty / s - H, vx1 = (this.cw - this.tx) / s, vy1 = (this.ch - this.ty) / s;
      const vis = (p) => p.x >= vx0 && p.x <= vx1 && p.y >= vy0 && p.y <= vy1;
      const detail = s >= 0.42;
      /* edges, one path per kind */
      if (edges.length <= 20000 || detail) {
        for (const kind of Object.keys(EDGE)) {
          ctx.beginPath();
          let any = false;
          for (const [a, b, e] of edges) {
            if (e.on !== kind) continue;
            const p = pos[a], q = pos[b];
            if (!vis(p) && !vis(q)) continue;
            any = true;
            const x1 = p.x + W / 2, y1 = p.y + H, x2 = q.x + W / 2, y2 = q.y;
            if (y2 > y1) {
              const m = (y2 - y1) / 2;
              ctx.moveTo(x1, y1); ctx.bezierCurveTo(x1, y1 + m, x2, y2 - m, x2, y2);
            } else {
              /* back edge (cycle): loop around the side */
              const side = Math.max(p.x, q.x) + W + 18;
              ctx.moveTo(p.x + W, p.y + H / 2); ctx.bezierCurveTo(side, p.y + H / 2, side, q.y + H / 2, q.x + W, q.y + H / 2);
            }
          }
          if (!any) continue;
          ctx.strokeStyle = EDGE[kind];
          ctx.lineWidth = Math.max(1.2, 1 / s);
          ctx.setLineDash(kind === "error" ? [6, 4] : kind === "complete" || kind === "skip" ? [2, 3] : []);
          ctx.stroke();
          if (detail) {
            ctx.fillStyle = EDGE[kind];
            for (const [a, b, e] of edges) {
              if (e.on !== kind) continue;
              const q = pos[b];
              if (!vis(q) || q.y <= pos[a].y) continue;
              const x = q.x + W / 2, y = q.y;
              ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x - 4.5, y - 8); ctx.lineTo(x + 4.5, y - 8); ctx.closePath(); ctx.fill();
            }
          }
        }
        ctx.setLineDash([]);
      }
      /* nodes */
      if (!detail) {
        const groups = new Map();
        for (let i = 0; i < nodes.length; i++) {
          const p = pos[i];
          if (!vis(p)) continue;
          const inf = this.info(nodes[i].name);
          const st = inf && inf.state ? inf.state : "";
          let g = groups.get(st);
          if (!g) groups.set(st, (g = []));
          g.push(p);
        }
        for (const [st, ps] of groups) {
          ctx.fillStyle = st ? Bora.color(st)[0] : "#c5ced8";
          ctx.beginPath();
          for (const p of ps) ctx.rect(p.x, p.y, W, H);
          ctx.fill();
        }
        if (this.sel >= 0) {
          const p = pos[this.sel];
          ctx.strokeStyle = "#1f6feb"; ctx.lineWidth = 3 / s; ctx.strokeRect(p.x - 6 / s, p.y - 6 / s, W + 12 / s, H + 12 / s);
        }
      } else {
        for (let i = 0; i < nodes.length; i++) {
          const p = pos[i];
          if (vis(p)) this.node(ctx, nodes[i], p, i === this.sel);
        }
      }
      this.drawMs = performance.now() - t0;
    }
    node(ctx, nd, p, selected) {
      const inf = this.info(nd.name) || {};
      const st = inf.state;
      const [fg, bg] = st ? Bora.color(st) : ["#8c959f", "#ffffff"];
      const r = nd.kind === "command" ? H / 2 : 7;
      ctx.beginPath();
      ctx.roundRect(p.x, p.y, W, H, r);
      ctx.fillStyle = nd.kind === "command" ? "#f3f4f6" : bg;
      ctx.fill();
      ctx.lineWidth = selected ? 3 : st ? 1.6 : 1.2;
      ctx.strokeStyle = selected ? "#1f6feb" : st ? fg : "#b7c0ca";
      if (nd.join && !selected) ctx.setLineDash([5, 3]);
      ctx.stroke();
      ctx.setLineDash([]);
      if (st) { ctx.fillStyle = fg; ctx.fillRect(p.x + 1, p.y + 6, 4, H - 12); }
      ctx.textBaseline = "middle";
      if (nd.kind === "command") {
        ctx.fillStyle = "#424a53"; ctx.font = "600 13px system-ui, sans-serif"; ctx.textAlign = "center";
        ctx.fillText(nd.runs, p.x + W / 2, p.y + H / 2); ctx.textAlign = "left";
        return;
      }
      ctx.fillStyle = st ? fg : "#8c959f";
      ctx.font = "600 12px system-ui, sans-serif";
      ctx.fillText(st ? Bora.icon(st) : "○", p.x + 11, p.y + 15);
      ctx.fillStyle = "#1c2733"; ctx.font = "600 12.5px system-ui, sans-serif";
      const tag = (inf.count > 1 ? " ×" + inf.count : "");
      ctx.fillText(trunc(ctx, nd.name, W - 36) + tag, p.x + 26, p.y + 15);
      ctx.font = "11px system-ui, sans-serif"; ctx.fillStyle = "#5d6b7a";
      const bits = [];
      if (st) bits.push(st);
      if (nd.join) bits.push("join " + nd.join);
      if (nd.with_items) bits.push(inf.note || "with-items");
      else if (nd.workflow) bits.push("↳ " + nd.runs);
      else bits.push(nd.runs);
      ctx.fillText(trunc(ctx, bits.join(" · "), W - 36), p.x + 26, p.y + 31);
    }
    destroy() {
      this.ro.disconnect();
      window.removeEventListener("mousemove", this.onMove);
      window.removeEventListener("mouseup", this.onUp);
      if (this.raf) cancelAnimationFrame(this.raf);
    }
  }
  Bora.Graph = Graph;
  Bora.layoutGraph = layout;
})();
