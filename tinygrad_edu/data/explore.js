// tinygrad_edu explorer: step through a graph's forward and backward pass.
//
// Everything the page shows comes from the JSON block with id "payload", written by
// tinygrad_edu/explore.py. Text reaches the page only through textContent (never parsed as
// HTML), and no string is ever run as code.
//
// Reading order: what each tensor shows at step k (`gradientAt`); drawing the graph once
// (`drawGraph`); `show(k)`, which brings the picture and the side panel to step k; the
// panels; zoom; the controls; the start.
"use strict";

(function () {
  const data = JSON.parse(document.getElementById("payload").textContent);
  const STYLE = data.style;
  const SVG_NS = "http://www.w3.org/2000/svg";
  const tensors = data.tensors;
  const steps = data.steps;
  const LAST = steps.length - 1;

  // Arrays come printed: `lines` (what a box or the panel shows, the numbers rounded as
  // trace_backward's table prints them) and `full` (every value, for a clicked box).
  const arrays = data.arrays;

  // ---------- what each tensor shows at step k ----------

  // The step at which each op's output is computed (leaves hold their value from the start).
  const computedAt = tensors.map((t) => (t.op === null ? 0 : Infinity));
  steps.forEach((st, k) => { if (st.kind === "forward") computedAt[st.t] = k; });

  // Per tensor, the gradient it holds after each backward step that changed it:
  // {step, index (into arrays), count of contributions so far, or complete}. An input
  // receives one contribution per use; an op's output is complete at its own step, where
  // its gradient is the grad_out its op starts from.
  const timeline = tensors.map(() => []);
  const uses = tensors.map(() => 0);
  steps.forEach((st, k) => {
    if (st.kind !== "backward") return;
    timeline[st.t].push({ step: k, index: st.g_out, complete: true });
    st.g_in.forEach((g, i) => {
      if (g === null) return;
      const p = tensors[st.t].parents[i];
      uses[p] += 1;
      timeline[p].push({ step: k, index: st.acc[i] === null ? g : st.acc[i], count: uses[p] });
    });
  });

  // {index, arr, complete, count, total} or null: the gradient tensor i shows at step k.
  function gradientAt(i, k) {
    const t = tensors[i];
    if (k === LAST && t.final_grad !== null) {  // done: what backward left in .grad
      return { index: t.final_grad, arr: arrays[t.final_grad], complete: true };
    }
    let found = null;
    for (const entry of timeline[i]) {
      if (entry.step > k) break;
      found = entry;
    }
    if (found === null) return null;
    const total = uses[i];
    return { index: found.index, arr: arrays[found.index],
             complete: Boolean(found.complete) || found.count === total,
             count: found.count, total: total };
  }

  // ---------- drawing the graph (once) ----------

  function svg(tag, attrs, parent) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    if (parent) parent.appendChild(node);
    return node;
  }

  function clip(text, n) {
    return text.length <= n ? text : text.slice(0, n - 1) + "\u2026";
  }

  const boxViews = [];  // per box: its <g>, its text elements, and what they show now
  const edgeViews = [];

  function drawGraph() {
    const root = document.getElementById("svg");
    const [width, height] = data.size;
    root.setAttribute("viewBox", "0 0 " + width + " " + height);
    const edgeLayer = document.getElementById("edges");
    const labelLayer = document.getElementById("edge-labels");
    for (const e of data.edges) {
      const summed = e.summed ? " summed" : "";
      const path = svg("path", { d: e.d, class: "edge" + summed }, edgeLayer);
      if (e.label) {
        const text = svg("text", { x: e.lx, y: e.ly - 3, "text-anchor": "middle",
                                   class: "edge-label" + summed }, labelLayer);
        text.textContent = e.label;
      }
      edgeViews.push(path);
    }
    const boxLayer = document.createDocumentFragment();  // into the page in one go
    const { pad, line_h: lineH, title_max: titleMax } = STYLE;
    const baseline = (row) => pad + lineH * (row + 1) - 4;
    data.boxes.forEach((b, index) => {
      const first = tensors[b.tensors[0]];
      const chain = b.tensors.length > 1;
      const g = svg("g", { class: "box " + (chain ? "chain" : "role-" + first.role),
                           transform: "translate(" + b.x + "," + b.y + ")", tabindex: "0",
                           "data-box": index }, boxLayer);
      svg("rect", { width: b.w, height: b.h, rx: 4 }, g);
      const line = (row, cls, text) => {
        const el = svg("text", { x: pad, y: baseline(row), class: cls }, g);
        el.textContent = text;
        return el;
      };
      const view = { g: g, vals: [], grads: [], badge: null, key: "" };
      if (chain) {
        const last = tensors[b.tensors[b.tensors.length - 1]];
        line(0, "title", "\u22EF " + b.tensors.length + " tensors (collapsed)");
        line(1, "sub", clip(first.label + " \u2192 \u2026 \u2192 " + last.label, 40));
      } else {
        line(0, "title", clip(first.label, titleMax));
        line(1, "sub", first.subtitle);
        const n = arrays[first.value].lines.length;
        for (let r = 0; r < n; r++) view.vals.push(line(2 + r, "val", ""));
        if (first.requires_grad) {
          for (let r = 0; r < n; r++) view.grads.push(line(2 + n + r, "grad", ""));
          view.badge = svg("text", { x: b.w - pad, y: baseline(0), "text-anchor": "end",
                                     class: "badge" }, g);
        }
      }
      g.addEventListener("click", () => select(index));
      g.addEventListener("keydown", (ev) => { if (ev.key === "Enter") select(index); });
      boxViews.push(view);
    });
    document.getElementById("boxes").appendChild(boxLayer);
  }

  // Bring one box's text to step k; touches the DOM only when what it shows changed.
  function updateBox(index, k) {
    const b = data.boxes[index];
    if (b.tensors.length > 1) return;  // a collapsed chain shows no numbers
    const i = b.tensors[0];
    const t = tensors[i];
    const view = boxViews[index];
    const computed = k >= computedAt[i];
    const grad = view.grads.length ? gradientAt(i, k) : null;
    const key = computed + "|" + (grad ? grad.index + ":" + grad.complete + ":" + grad.count
      : "-");
    if (key === view.key) return;
    view.key = key;
    view.g.classList.toggle("pending", !computed);
    const values = computed ? arrays[t.value].lines
      : view.vals.map(() => "\u00B7");  // not computed yet
    view.vals.forEach((el, r) => { el.textContent = values[r] || ""; });
    if (!view.grads.length) return;
    const lines = grad ? grad.arr.lines : ["\u00B7"];
    view.grads.forEach((el, r) => {
      el.textContent = (r === 0 ? "grad " : "     ") + (lines[r] || "");
      el.setAttribute("class", "grad" + (grad ? (grad.complete ? " known" : " partial") : ""));
    });
    const partial = grad && !grad.complete;
    view.badge.textContent = partial ? "\u03A3 " + grad.count + " of " + grad.total : "";
  }

  // explore.py sizes the boxes for a monospace font whose characters are STYLE.char_w
  // pixels wide at 12 px (most are 7.2). Where the reader's font is wider, the box text
  // shrinks to fit: one measurement, instead of one per line.
  function fitFont() {
    const probe = svg("g", { class: "box" }, document.getElementById("boxes"));
    const text = svg("text", { x: 0, y: -100 }, probe);
    text.textContent = "0".repeat(50);
    const charWidth = text.getComputedTextLength() / 50;
    probe.remove();
    if (charWidth > STYLE.char_w) {
      svgRoot.style.setProperty("--box-font", (12 * STYLE.char_w / charWidth).toFixed(2) + "px");
    }
  }

  // ---------- show step k ----------

  let current = 0;
  let lit = [];  // elements highlighted for the current step
  let selected = null;  // {box, tensor} clicked by the user

  function light(el, classes) {
    el.classList.add(...classes);
    lit.push([el, classes]);
  }

  function show(k) {
    current = Math.max(0, Math.min(LAST, k));
    const st = steps[current];
    for (const [el, classes] of lit) el.classList.remove(...classes);
    lit = [];
    for (let b = 0; b < data.boxes.length; b++) updateBox(b, current);
    if (st.kind === "forward" || st.kind === "backward") {
      const dir = st.kind === "forward" ? "fwd" : "bwd";
      const out = tensors[st.t];
      light(boxViews[out.box].g, ["active", dir]);
      out.in_edges.forEach((e, i) => {
        if (e === null) return;
        if (dir === "bwd" && st.g_in[i] === null) return;  // no gradient went that way
        light(edgeViews[e], ["lit", dir]);
        if (dir === "bwd") light(boxViews[tensors[out.parents[i]].box].g, ["receiving"]);
      });
      scrollIntoView(out.box);
    } else if (current === LAST) {  // done: the tensors whose .grad backward filled
      for (const t of tensors) {
        if (t.final_grad !== null) light(boxViews[t.box].g, ["receiving"]);
      }
    }
    renderPanel(st);
    if (selected !== null) renderDetail();
    slider.value = String(current);
    counter.textContent = "step " + current + " / " + LAST + " \u00B7 " + stepName(st);
    document.getElementById("prev").disabled = current === 0;
    document.getElementById("next").disabled = current === LAST;
    document.documentElement.dataset.step = String(current);
  }

  const nForward = steps.filter((s) => s.kind === "forward").length;
  const nBackward = steps.filter((s) => s.kind === "backward").length;
  const firstBackward = steps.findIndex((s) => s.kind === "backward");

  function stepName(st) {
    if (st.kind === "forward") return "forward " + current + " of " + nForward;
    if (st.kind === "backward") {
      return "backward " + (current - firstBackward + 1) + " of " + nBackward;
    }
    return st.kind === "start" ? "start" : "done";
  }

  // ---------- the side panel ----------

  function el(tag, cls, text, parent) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function arrayBlock(index, cls, parent) {
    const arr = arrays[index];
    const pre = el("pre", cls, arr.lines.join("\n"), parent);
    if (arr.summary) el("div", "hint", "(click the box for every value)", parent);
    return pre;
  }

  const describe = (i) => tensors[i].label + " " + tensors[i].shape;

  function renderPanel(st) {
    const panel = document.getElementById("step");
    panel.replaceChildren();
    el("div", "kind", stepName(st), panel);
    if (st.kind === "start") {
      el("h2", "", "The graph of " + data.title, panel);
      el("p", "", "Leaves (green: parameters, grey: inputs and constants) hold their values. " +
        "Press \u2192 to run the forward pass: " + nForward + " ops compute their values. " +
        (nBackward ? "Then " + nBackward + " backward steps, in the order backward runs " +
          "them, send the gradient from the loss back to every leaf." : ""), panel);
    } else if (st.kind === "forward") {
      const t = tensors[st.t];
      el("h2", "step-op", t.op, panel);
      const inputs = t.parents.map((p) => tensors[p].label).join(", ");
      el("p", "", t.label + " = " + t.op + "(" + inputs + ")", panel);
      t.parents.forEach((p) => {
        el("h3", "", "input " + describe(p), panel);
        arrayBlock(tensors[p].value, "value-in", panel);
      });
      el("h3", "", "output " + describe(st.t), panel);
      arrayBlock(t.value, "value-out", panel);
    } else if (st.kind === "backward") {
      renderBackward(st, panel);
    } else {
      renderDone(panel);
    }
  }

  function renderBackward(st, panel) {
    const out = tensors[st.t];
    el("h2", "step-op", st.op, panel);
    el("div", "step-rule", st.rule, panel);
    el("h3", "", "grad_out = dL/d " + describe(st.t), panel);
    arrayBlock(st.g_out, "grad-out", panel);
    out.parents.forEach((p, i) => {
      const box = el("div", "input", undefined, panel);
      box.dataset.input = String(i);
      el("h3", "input-label", "input " + i + ": " + describe(p), box);
      if (st.g_in[i] === null) {
        el("div", "none grad-in", "\u2014 no gradient needed", box);
        return;
      }
      el("div", "hint", "grad_in = dL/d " + tensors[p].label, box);
      arrayBlock(st.g_in[i], "grad-in", box);
      const axes = st.axes[i];
      if (axes.length) {
        el("div", "summed", "summed over " + (axes.length === 1 ? "axis " : "axes ") +
          axes.join(", ") + ": broadcasting had stretched this input, so its gradient " +
          "adds up every copy", box);
      }
      if (st.acc[i] !== null) {
        el("div", "accumulate", tensors[p].label + " is used more than once: its gradient " +
          "accumulates. The sum so far:", box);
        arrayBlock(st.acc[i], "grad-acc", box);
      }
    });
  }

  function renderDone(panel) {
    const finals = tensors.map((t, i) => i).filter((i) => tensors[i].final_grad !== null);
    if (data.status === "no_grad") {
      el("h2", "", "No backward pass", panel);
      el("p", "", "Nothing here requires grad, so nothing was recorded.", panel);
      return;
    }
    el("h2", "", "Backward done: .grad", panel);
    el("p", "", data.status === "freed"
      ? "The .grad that the earlier backward() left in each tensor:"
      : "What backward leaves in .grad (the sum of everything each tensor received):", panel);
    const table = el("table", "finals", undefined, panel);
    for (const i of finals) {
      const row = el("tr", "final", undefined, table);
      el("td", "final-label", describe(i), row);
      const cell = el("td", "", undefined, row);
      arrayBlock(tensors[i].final_grad, "final-grad", cell);
    }
    if (!finals.length) el("p", "none", "No tensor holds a .grad.", panel);
  }

  // ---------- details of a clicked box ----------

  const ROLE_NAMES = { param: "parameter", const: "input or constant",
                       inner: "intermediate", root: "the loss" };

  function select(box) {
    const members = data.boxes[box].tensors;
    if (selected !== null) boxViews[selected.box].g.classList.remove("selected");
    selected = { box: box, tensor: members.length === 1 ? members[0] : null };
    boxViews[box].g.classList.add("selected");
    renderDetail();
  }

  function renderDetail() {
    const detail = document.getElementById("detail");
    detail.replaceChildren();
    const members = data.boxes[selected.box].tensors;
    if (selected.tensor === null) {
      el("h2", "", members.length + " tensors collapsed into this box", detail);
      el("p", "hint", "A long chain of one-input ops. Pick one to see its values:", detail);
      const list = el("ol", "", undefined, detail);
      for (const i of members) {
        const item = el("li", "", undefined, list);
        const button = el("button", "link", tensors[i].label, item);
        button.type = "button";
        button.addEventListener("click", () => { selected.tensor = i; renderDetail(); });
      }
      return;
    }
    const i = selected.tensor;
    const t = tensors[i];
    el("h2", "detail-label", t.label, detail);
    el("div", "kind", t.subtitle + " \u00B7 " + ROLE_NAMES[t.role], detail);
    const computed = current >= computedAt[i];
    el("h3", "", computed ? "value" : "value (computed at step " + computedAt[i] + ")", detail);
    el("pre", "detail-value", arrays[t.value].full, detail);
    const grad = t.requires_grad ? gradientAt(i, current) : null;
    el("h3", "", grad === null ? "gradient: not known yet at this step"
      : grad.complete ? "gradient dL/d" + t.label
        : "gradient so far (" + grad.count + " of " + grad.total + " contributions)", detail);
    if (grad !== null) el("pre", "detail-grad", grad.arr.full, detail);
    if (t.final_grad !== null && current !== LAST) {
      el("h3", "", ".grad after backward", detail);
      el("pre", "detail-final", arrays[t.final_grad].full, detail);
    }
    if (members.length > 1) {
      const back = el("button", "link", "\u2190 back to the collapsed list", detail);
      back.type = "button";
      back.addEventListener("click", () => { selected.tensor = null; renderDetail(); });
    }
  }

  // ---------- zoom and scrolling ----------

  const graph = document.getElementById("graph");
  const svgRoot = document.getElementById("svg");
  let scale = 1;

  function zoom(s) {
    scale = Math.max(0.1, Math.min(4, s));
    svgRoot.setAttribute("width", String(data.size[0] * scale));
    svgRoot.setAttribute("height", String(data.size[1] * scale));
  }

  const fitScale = () => Math.min((graph.clientWidth - 4) / data.size[0],
                                  (graph.clientHeight - 4) / data.size[1]);

  function scrollIntoView(box) {
    const b = data.boxes[box];
    const left = b.x * scale, top = b.y * scale, w = b.w * scale, h = b.h * scale;
    const seen = left >= graph.scrollLeft && top >= graph.scrollTop &&
      left + w <= graph.scrollLeft + graph.clientWidth &&
      top + h <= graph.scrollTop + graph.clientHeight;
    if (!seen) {
      graph.scrollTo(left + w / 2 - graph.clientWidth / 2, top + h / 2 - graph.clientHeight / 2);
    }
  }

  // ---------- controls ----------

  const slider = document.getElementById("slider");
  const counter = document.getElementById("counter");
  const playButton = document.getElementById("play");
  let timer = null;

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    playButton.textContent = "\u25B6 play";
  }

  function togglePlay() {
    if (timer !== null) { stop(); return; }
    if (current === LAST) show(0);
    playButton.textContent = "\u2016 pause";
    timer = setInterval(() => {
      show(current + 1);
      if (current === LAST) stop();
    }, 900);
  }

  const go = (k) => { stop(); show(k); };
  document.getElementById("next").addEventListener("click", () => go(current + 1));
  document.getElementById("prev").addEventListener("click", () => go(current - 1));
  document.getElementById("reset").addEventListener("click", () => go(0));
  playButton.addEventListener("click", togglePlay);
  slider.addEventListener("input", () => go(Number(slider.value)));
  document.getElementById("zoom-in").addEventListener("click", () => zoom(scale * 1.25));
  document.getElementById("zoom-out").addEventListener("click", () => zoom(scale / 1.25));
  document.getElementById("zoom-fit").addEventListener("click", () => zoom(fitScale()));

  document.addEventListener("keydown", (ev) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const keys = {
      ArrowRight: () => go(current + 1),
      ArrowLeft: () => go(current - 1),
      Home: () => go(0),
      End: () => go(LAST),
      " ": togglePlay,
      "+": () => zoom(scale * 1.25),
      "=": () => zoom(scale * 1.25),
      "-": () => zoom(scale / 1.25),
      "0": () => zoom(fitScale()),
    };
    if (!Object.hasOwn(keys, ev.key)) return;
    if (ev.target === slider && ev.key !== " ") return;  // it moves itself and calls go()
    ev.preventDefault();  // also keeps space from pressing a focused button a second time
    keys[ev.key]();
  });
  // a focused button is pressed on key up: space already did its work on key down
  document.addEventListener("keyup", (ev) => { if (ev.key === " ") ev.preventDefault(); });

  // ---------- start ----------

  document.getElementById("title").textContent = "Backprop explorer: " + data.title;
  const notes = document.getElementById("notes");
  for (const note of data.notes) el("li", "", note, notes);
  document.getElementById("layout-name").textContent =
    "layout: " + (data.layout === "graphviz" ? "Graphviz dot" : "built-in layered");
  slider.max = String(LAST);
  fitFont();
  drawGraph();
  const fit = fitScale();
  zoom(fit >= 0.6 ? Math.min(fit, 1.25) : 1);  // a big graph: readable boxes, scrolled to
  show(0);
  document.documentElement.dataset.readyMs = String(Math.round(performance.now()));
})();
