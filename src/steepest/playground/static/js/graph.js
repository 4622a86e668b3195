// The graph lab: a formula at a point as its computational graph (plotly), stepped backward one
// node at a time. Each step shows the server's numbers: the upstream gradient, the local derivative
// and their product for each input (steepest's own vjp rules), beside steepest's explain() text.
"use strict";

const KIND_FILL = { leaf: "#c6dbef", op: "#fdf0c2", output: "#c7e9c0", constant: "#eeeeee" };

const Graph = {
  g: null,  // the graph from /api/graph
  s: 0,     // steps done

  init() {
    App.info.graph_presets.forEach((p, k) => option($("#g-preset"), k, p.name));
    $("#g-preset").addEventListener("change", (e) => this.preset(+e.target.value));
    $("#g-formula").addEventListener("input", debounce(() => this.build(), 300));
    $("#g-step").addEventListener("click", () => this.go(this.s + 1));
    $("#g-back").addEventListener("click", () => this.go(this.s - 1));
    $("#g-all").addEventListener("click", () => this.go(this.g ? this.g.steps.length : 0));
    $("#g-reset").addEventListener("click", () => this.go(0));
  },

  load(params) {
    if (!params.has("formula")) { this.preset(0); return; }
    $("#g-formula").value = params.get("formula");
    const values = {};
    for (const pair of (params.get("values") || "").split(",")) {
      const [k, v] = pair.split("=");
      if (k && v !== undefined && Number.isFinite(+v)) values[k] = +v;
    }
    this.build(values, +(params.get("step") || 0));
  },

  preset(k) {
    const p = App.info.graph_presets[k];
    $("#g-formula").value = p.formula;
    this.build(p.values);
  },

  values() {
    const out = {};
    $$("#g-values input").forEach((i) => { if (i.value !== "" && Number.isFinite(+i.value)) out[i.dataset.name] = +i.value; });
    return out;
  },

  async build(values, step) {
    const before = this.g && this.g.text;
    try {
      this.g = await api("/api/graph", { formula: $("#g-formula").value, values: values || this.values() });
      showError($("#g-error"), null);
    } catch (err) {
      showError($("#g-error"), err);
      return;
    }
    this.valueInputs();
    $("#g-explain").dataset.text = this.g.explain;
    const svg = $("#g-svg");
    svg.textContent = "";
    if (this.g.svg) {
      const img = element("img", { alt: "the computational graph, drawn by Graphviz" });
      img.src = "data:image/svg+xml;base64," + btoa(unescape(encodeURIComponent(this.g.svg)));
      svg.appendChild(img);
    } else {
      svg.textContent = "Graphviz's dot program is not installed here, so only the drawing above is shown " +
        "(make setup installs Graphviz).";
    }
    if (step === undefined) step = before === this.g.text ? this.s : 0;  // new values, same graph: same step
    this.go(Math.min(step, this.g.steps.length));
  },

  valueInputs() {
    const box = $("#g-values");
    const keep = this.g.variables.map((n, k) => [n, this.g.values[k]]);
    if ($$("input", box).map((i) => i.dataset.name).join() === this.g.variables.join()) return;
    box.textContent = "";
    for (const [name, value] of keep) {
      const l = element("label", { class: "field" }, name + " =");
      const input = element("input", { type: "number", step: "any", "data-name": name });
      input.value = value;
      input.addEventListener("input", debounce(() => this.build(), 300));
      l.appendChild(input);
      box.appendChild(l);
    }
  },

  save() {
    const values = this.g.variables.map((n, k) => `${n}=${this.g.values[k]}`).join(",");
    saveState("graph", { formula: $("#g-formula").value, values, step: this.s });
  },

  // which nodes have their whole gradient after s steps (every path into them processed)
  known(s) {
    const expected = new Map(), got = new Map(), done = new Set();
    this.g.steps.forEach((st) => st.parts.forEach((p) => expected.set(p.input, (expected.get(p.input) || 0) + 1)));
    this.g.steps.slice(0, s).forEach((st) => st.parts.forEach((p) => got.set(p.input, (got.get(p.input) || 0) + 1)));
    if (s > 0) done.add(this.g.nodes.length - 1);  // the output: d f / d f = 1
    for (const [node, n] of expected) if ((got.get(node) || 0) === n) done.add(node);
    return { done, got, expected };
  },

  go(s) {
    if (!this.g) return;
    this.s = Math.max(0, Math.min(s, this.g.steps.length));
    const known = this.known(this.s);
    this.drawGraph(known);
    this.drawStep();
    this.drawGrads(known);
    this.drawExplain();
    $("#g-step").disabled = this.s >= this.g.steps.length;
    $("#g-back").disabled = this.s === 0;
    this.save();
  },

  drawGraph(known) {
    const g = this.g, current = this.s > 0 ? g.steps[this.s - 1] : null;
    const X = (n) => n.col * 3.2, Y = (n) => -n.row * 1.5, W = 1.15, H = 0.55;
    const shapes = [], notes = [];
    g.nodes.forEach((n, k) => {
      const now = current && current.node === k, fed = current && current.parts.some((p) => p.input === k);
      shapes.push({ type: "rect", x0: X(n) - W, x1: X(n) + W, y0: Y(n) - H, y1: Y(n) + H, layer: "below",
                    fillcolor: KIND_FILL[n.kind], line: { color: now ? "#b3261e" : fed ? "#f59322" : "#8a93a3",
                                                          width: now || fed ? 3 : 1 } });
      const grad = n.kind === "constant" ? "" : known.done.has(k) ? `<br>grad <b>${n.grad_text}</b>`
        : known.got.get(k) ? `<br>grad … (${known.got.get(k)} of ${known.expected.get(k)} paths in)` : "<br>grad ?";
      const head = n.op ? `${n.name} = ${n.expression}` : n.name;
      notes.push({ x: X(n), y: Y(n), text: `<b>${head}</b><br>value ${n.value_text}${grad}`, showarrow: false,
                   font: { size: 12, family: "ui-monospace, Menlo, monospace" } });
      n.inputs.forEach((i) => {
        const a = g.nodes[i];
        const flowing = current && current.node === k && current.parts.find((p) => p.input === i);
        notes.push({ x: X(n) - W, y: Y(n), ax: X(a) + W, ay: Y(a), axref: "x", ayref: "y", text: "", showarrow: true,
                     arrowhead: 2, arrowsize: 1, arrowwidth: flowing ? 2.5 : 1.2, arrowcolor: flowing ? "#b3261e" : "#666" });
        if (flowing) {
          notes.push({ x: (X(n) - W + X(a) + W) / 2, y: (Y(n) + Y(a)) / 2, text: `← ${flowing.product_text}`,
                       showarrow: false, yshift: 10, font: { color: "#b3261e", size: 13 }, bgcolor: "rgba(255,255,255,0.85)" });
        }
      });
    });
    const xs = g.nodes.map(X), ys = g.nodes.map(Y);
    const x0 = Math.min(...xs) - 1.6, x1 = Math.max(...xs) + 1.6, extra = Math.max(0, 16 - (x1 - x0)) / 2;
    const rows = Math.round((Math.max(...ys) - Math.min(...ys)) / 1.5) + 1;
    $("#g-graph").style.height = `${Math.min(520, 90 + rows * 95)}px`;  // a small graph is not blown up
    const layout = { shapes, annotations: notes, margin: { l: 5, r: 5, t: 5, b: 5 }, showlegend: false,
                     xaxis: { visible: false, range: [x0 - extra, x1 + extra] },
                     yaxis: { visible: false, range: [Math.min(...ys) - 1.2, Math.max(...ys) + 1.2], scaleanchor: "x" },
                     plot_bgcolor: "#fff", dragmode: "pan" };
    Plotly.react($("#g-graph"), [{ x: xs, y: ys, mode: "markers", marker: { opacity: 0 }, hoverinfo: "skip" }],
                 layout, { displayModeBar: false, responsive: true });
  },

  drawStep() {
    const box = $("#g-stepbox"), g = this.g;
    box.textContent = "";
    const out = g.nodes[g.nodes.length - 1].name;
    if (this.s === 0) {
      box.appendChild(element("div", {}, `Forward pass done: ${out} = ${g.nodes[g.nodes.length - 1].value_text}. ` +
        `Press "Step backward" to send d${out}/d${out} = 1 back through the graph.`));
      return;
    }
    const step = g.steps[this.s - 1], node = g.nodes[step.node];
    box.appendChild(element("div", {}, `Step ${this.s} of ${g.steps.length}: node ${node.name} = ${node.expression}, ` +
      `upstream gradient d${out}/d${node.name} = ${step.upstream_text}; downstream = upstream × local:`));
    for (const p of step.parts) {
      const x = g.nodes[p.input];
      const local = p.local_formula && p.local_formula !== p.local_text ? `${p.local_formula} = ${p.local_text}` : p.local_text;
      const acc = p.accumulates ? "+=" : "=";  // a second path into x adds to its gradient
      box.appendChild(element("div", { class: "product" },
        `d${out}/d${x.name} ${acc} ${step.upstream_text} × (∂${node.name}/∂${x.name} = ${local}) = ${p.product_text}`));
    }
  },

  drawGrads(known) {
    const body = $("#g-grads tbody");
    body.textContent = "";
    const leaves = this.g.nodes.map((n, k) => [n, k]).filter(([n]) => n.kind === "leaf");
    leaves.sort((a, b) => this.g.variables.indexOf(a[0].name) - this.g.variables.indexOf(b[0].name));
    leaves.forEach(([n, k]) => {  // in the variables' order, as the inputs above
      const tr = element("tr");
      tr.appendChild(element("td", {}, n.name));
      tr.appendChild(element("td", { class: "num" }, n.value_text));
      tr.appendChild(element("td", { class: "num grad", "data-name": n.name }, known.done.has(k) ? n.grad_text : "?"));
      body.appendChild(tr);
    });
  },

  drawExplain() {  // steepest's explain() text, the current step's lines marked
    const pre = $("#g-explain"), lines = this.g.explain.split("\n");
    const current = this.s > 0 ? this.g.nodes[this.g.steps[this.s - 1].node].name : null;
    pre.textContent = "";
    let backward = false, marking = false;
    for (const line of lines) {
      if (line.startsWith("Backward pass")) backward = true;
      if (line.startsWith("Gradients")) backward = false;
      const head = line.match(/^ {2}(\S+) = /);
      if (head) marking = backward && head[1] === current;
      else if (!line.startsWith("    ")) marking = false;
      const span = element("span", marking ? { class: "now" } : {}, line);
      pre.appendChild(span);
      pre.appendChild(document.createTextNode("\n"));
    }
  },
};
App.rooms.graph = Graph;
