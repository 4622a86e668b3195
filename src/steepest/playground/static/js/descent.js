// The descent lab: a formula, a start, a race of methods; play, pause, step and reset walk through
// the iterates that st.minimize computed, and each run's stop reason appears when its path ends.
"use strict";

const Descent = {
  land: null,       // the landscape from /api/descent/landscape
  runs: null,       // the runs from /api/descent/run (null: not computed for these settings yet)
  i: 0,             // the row of the paths shown
  timer: null,
  carry: 0,
  view: null,       // the view [xmin, xmax(, ymin, ymax)] from a preset, else the default
  maxIter: null,
  runners: [{ method: "gd", lr: 0.1 }],
  surface: false,

  init() {
    const info = App.info;
    info.descent_presets.forEach((p, k) => option($("#d-preset"), k, p.name));
    $("#d-preset").addEventListener("change", (e) => { if (e.target.value !== "") this.preset(+e.target.value); });
    $("#d-formula").addEventListener("input", debounce(() => {
      this.view = null;
      $("#d-preset").value = "";
      this.changed(true);
    }, 300));
    for (const id of ["#d-start", "#d-tol", "#d-maxiter"]) {
      $(id).addEventListener("input", debounce(() => this.changed(false), 250));
    }
    $("#d-add").addEventListener("click", () => {
      if (this.runners.length >= info.limits.runners) return;
      const methods = info.methods.map((m) => m.name);
      this.runners.push({ method: methods[this.runners.length % methods.length], lr: 0.1 });
      this.drawRunners();
      this.changed(false);
    });
    $("#d-speed").addEventListener("input", () => {
      $("#d-speed-out").textContent = `${this.rate()} iterations/s`;
      if (this.timer) { this.pause(); this.play(); }
    });
    $("#d-play").addEventListener("click", () => this.play());
    $("#d-pause").addEventListener("click", () => this.pause());
    $("#d-step").addEventListener("click", () => this.step());
    $("#d-reset").addEventListener("click", () => { this.pause(); this.i = 0; this.draw(); });
    $$("#d-views button").forEach((b) => b.addEventListener("click", () => {
      this.surface = b.dataset.view === "surface";
      $$("#d-views button").forEach((x) => x.classList.toggle("active", x === b));
      this.draw();
    }));
  },

  load(params) {
    if (params.has("formula")) $("#d-formula").value = params.get("formula");
    if (params.has("start")) $("#d-start").value = params.get("start");
    if (params.has("tol")) $("#d-tol").value = params.get("tol");
    if (params.has("max_iter")) $("#d-maxiter").value = params.get("max_iter");
    if (params.has("view")) this.view = params.get("view").split(",").map(Number);
    if (params.has("runners")) {
      try { this.runners = JSON.parse(params.get("runners")); } catch (e) { /* keep the default race */ }
    }
    if (!params.has("formula")) { this.preset(0); return; }
    $("#d-preset").value = "";
    this.drawRunners();
    this.changed(true);
  },

  preset(k) {
    const p = App.info.descent_presets[k];
    $("#d-preset").value = String(k);
    $("#d-formula").value = p.formula;
    $("#d-start").value = p.start.join(", ");
    $("#d-maxiter").value = p.max_iter || 1000;
    $("#d-tol").value = 0.001;
    this.view = p.view;
    this.runners = JSON.parse(JSON.stringify(p.runners));
    this.drawRunners();
    this.changed(true);
  },

  state() {
    return { formula: $("#d-formula").value, start: $("#d-start").value, tol: $("#d-tol").value,
             max_iter: $("#d-maxiter").value, view: (this.view || []).join(","),
             runners: JSON.stringify(this.runners) };
  },

  start() {
    const values = $("#d-start").value.split(/[,\s]+/).filter((s) => s !== "").map(Number);
    return values.every(Number.isFinite) ? values : null;
  },

  // settings changed: the runs are stale; the landscape too when the formula changed
  async changed(formula) {
    this.pause();
    this.runs = null;
    this.i = 0;
    saveState("descent", this.state());
    if (formula || !this.land || this.viewMoved()) await this.fetchLandscape();
    this.draw();
  },

  // without a preset's view: a square around 0 that holds the start with room to spare
  autoView(dims) {
    const start = this.start() || [];
    const r = Math.max(2, ...start.map((v) => Math.ceil(Math.abs(v) * 1.6)));
    return dims === 2 ? [-r, r, -r, r] : [-r, r];
  },

  viewMoved() {
    return !this.view && this.land && this.land.view.join() !== this.autoView(this.land.dims).join();
  },

  async fetchLandscape() {
    const body = { formula: $("#d-formula").value };
    if (this.view) body.view = this.view;
    else {  // the number of variables decides the view's shape: ask for the formula's first
      try {
        body.view = this.autoView((await api("/api/parse", body)).variables.length);
      } catch (err) { /* the landscape request below reports it */ }
    }
    try {
      this.land = await api("/api/descent/landscape", body);
      showError($("#d-error"), null);
      $("#d-views").hidden = this.land.dims !== 2;
      if (this.land.dims !== 2) this.surface = false;
    } catch (err) {
      this.land = null;
      showError($("#d-error"), err);
    }
  },

  async fetchRuns() {
    const start = this.start();
    const body = { formula: $("#d-formula").value, start, tol: +$("#d-tol").value,
                   max_iter: +$("#d-maxiter").value, runners: this.runners };
    try {
      this.runs = (await api("/api/descent/run", body)).runs;
      showError($("#d-error"), null);
      return true;
    } catch (err) {
      showError($("#d-error"), err);
      return false;
    }
  },

  longest() { return this.runs ? Math.max(...this.runs.map((r) => r.path.length)) - 1 : 0; },

  async play() {
    if (this.timer) return;
    if (!this.runs && !(await this.fetchRuns())) return;
    if (this.i >= this.longest()) this.i = 0;
    const rate = this.rate();
    this.carry = 0;
    this.timer = setInterval(() => {
      this.carry += rate / 30;
      const advance = Math.floor(this.carry);
      if (advance < 1) return;
      this.carry -= advance;
      this.i = Math.min(this.i + advance, this.longest());
      this.draw();
      if (this.i >= this.longest()) this.pause();
    }, 1000 / 30);
    $("#d-play").disabled = true;
  },

  rate() { return Math.round(10 ** (+$("#d-speed").value / 20)); },  // iterations a second: 1 to 1000

  pause() {
    clearInterval(this.timer);
    this.timer = null;
    $("#d-play").disabled = false;
  },

  async step() {
    this.pause();
    if (!this.runs && !(await this.fetchRuns())) return;
    this.i = Math.min(this.i + 1, this.longest());
    this.draw();
  },

  draw() {
    this.drawTable();
    const box = $("#d-plot"), surface = $("#d-surface");
    if (!this.land) { Plotly.purge(box); Plotly.purge(surface); return; }
    const start = this.start();
    const figure = this.land.dims === 1 ? DescentPlot.curve(this.land, this.runs, this.i, start)
      : DescentPlot.contour(this.land, this.runs, this.i, start);
    box.hidden = this.surface;
    surface.hidden = !this.surface;
    if (this.surface) {
      const s = DescentPlot.surface(this.land, this.runs, this.i);
      Plotly.react(surface, s.traces, s.layout, PLOT_CONFIG);
      return;
    }
    Plotly.react(box, figure.traces, figure.layout, PLOT_CONFIG);
    if (!box._clickBound) {
      box._clickBound = true;
      box.addEventListener("click", (event) => this.click(event, box));
    }
  },

  click(event, box) {  // choose the start where the plot area was clicked (pixels to the axes' values)
    const L = box._fullLayout;
    if (!L || !this.land || this.surface) return;
    const r = box.getBoundingClientRect();
    const px = event.clientX - r.left - L.xaxis._offset, py = event.clientY - r.top - L.yaxis._offset;
    if (px < 0 || py < 0 || px > L.xaxis._length || py > L.yaxis._length) return;
    const x = L.xaxis.p2c(px), y = L.yaxis.p2c(py);
    $("#d-start").value = this.land.dims === 1 ? fmt(x, 3) : `${fmt(x, 3)}, ${fmt(y, 3)}`;
    this.changed(false);
  },

  // one card per method of the race: its method, step (fixed lr, a line search, an adaptive step) and sliders
  drawRunners() {
    const box = $("#d-runners"), info = App.info;
    box.textContent = "";
    this.runners.forEach((r, k) => {
      const method = info.methods.find((m) => m.name === r.method) || info.methods[0];
      r.method = method.name;
      const card = element("div", { class: "runner", style: `--c:${COLORS[k % COLORS.length]}` });
      const head = element("div", { class: "head" });
      const select = element("select", { class: "method", "aria-label": "method" });
      info.methods.forEach((m) => option(select, m.name));
      select.value = r.method;
      select.addEventListener("change", () => {
        r.method = select.value;
        r.hyper = {};
        this.drawRunners();
        this.changed(false);
      });
      head.appendChild(select);
      const steps = [["", "fixed lr"]];
      if (method.line_search) info.line_searches.forEach((n) => steps.push([`ls:${n}`, `${n} line search`]));
      info.adaptive_steps.forEach((n) => steps.push([`lr:${n}`, `${n} step`]));
      if (steps.length > 1) {
        const how = element("select", { class: "step", "aria-label": "step size" });
        steps.forEach(([v, label]) => option(how, v, label));
        how.value = typeof r.lr === "string" ? `lr:${r.lr}` : r.line_search ? `ls:${r.line_search}` : "";
        how.addEventListener("change", () => {
          delete r.line_search;
          if (typeof r.lr === "string") r.lr = 0.1;
          if (how.value.startsWith("ls:")) r.line_search = how.value.slice(3);
          if (how.value.startsWith("lr:")) r.lr = how.value.slice(3);
          this.drawRunners();
          this.changed(false);
        });
        head.appendChild(how);
      }
      const remove = element("button", { class: "small", title: "remove" }, "×");
      remove.disabled = this.runners.length === 1;
      remove.addEventListener("click", () => { this.runners.splice(k, 1); this.drawRunners(); this.changed(false); });
      head.appendChild(remove);
      card.appendChild(head);
      if (typeof r.lr !== "string") {
        card.appendChild(this.slider(r.line_search ? "first step" : "lr", r.lr, -4, 0.7, 0.01, true, (v) => { r.lr = v; }));
      }
      for (const [name, value] of Object.entries(method.hyperparameters)) {
        const [lo, hi, step] = info.sliders[name];
        const current = r.hyper && r.hyper[name] !== undefined ? r.hyper[name] : value;
        card.appendChild(this.slider(name, current, lo, hi, step, false, (v) => { r.hyper = { ...r.hyper, [name]: v }; }));
      }
      box.appendChild(card);
    });
    $("#d-add").disabled = this.runners.length >= info.limits.runners;
  },

  slider(name, value, lo, hi, step, log, set) {  // a range and a number box that follow each other
    const row = element("div", { class: "slider" });
    row.appendChild(element("span", {}, name));
    const range = element("input", { type: "range", min: lo, max: hi, step, "aria-label": name });
    range.value = log ? Math.log10(value) : value;
    const box = element("input", { type: "number", step: "any", "aria-label": `${name} value` });
    box.value = value;
    const later = debounce(() => this.changed(false), 200);
    range.addEventListener("input", () => {
      const v = log ? +(10 ** +range.value).toPrecision(2) : +range.value;
      box.value = v;
      set(v);
      later();
    });
    box.addEventListener("change", () => {
      const v = +box.value;
      if (!Number.isFinite(v) || (log && v <= 0)) return;
      range.value = log ? Math.log10(v) : v;
      set(v);
      later();
    });
    row.appendChild(range);
    row.appendChild(box);
    return row;
  },

  drawTable() {
    const body = $("#d-results tbody");
    body.textContent = "";
    (this.runs || this.runners.map((r) => ({ label: r.label || `${r.method}, lr ${r.lr}`, pending: true }))).forEach((run, k) => {
      const tr = element("tr");
      const sw = element("span", { class: "swatch", style: `--c:${COLORS[k % COLORS.length]}` });
      const td0 = element("td");
      td0.appendChild(sw);
      tr.appendChild(td0);
      tr.appendChild(element("td", { class: "label" }, run.label));
      if (run.pending) {
        tr.appendChild(element("td", { colspan: 6, class: "pending" }, "press Play or Step"));
      } else {
        const n = Math.min(this.i, run.path.length - 1), done = n >= run.path.length - 1;
        for (const [cls, text] of [["t", run.iters[n]], ["x", fmt(run.path[n])], ["f", fmt(run.values[n])],
          ["g", fmt(run.grad_norms[n], 2)],
          ["tol", done ? (run.converged ? String(run.iterations_to_tol) : "not reached") : ""]]) {
          tr.appendChild(element("td", { class: `num ${cls}` }, String(text)));
        }
        const reason = element("td", { class: `reason ${done ? (run.converged ? "converged" : "stopped") : ""}` },
          done ? run.reason : "running…");
        tr.appendChild(reason);
      }
      body.appendChild(tr);
    });
  },
};
App.rooms.descent = Descent;
