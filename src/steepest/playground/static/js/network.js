// The network lab: TF Playground's controls, a WebSocket to this tab's training session on the
// server (st.fit in a thread), and the frames it streams drawn as they come.
"use strict";

const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const REG_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const PATIENCE = [[0, "off"], [10, "10 epochs"], [20, "20 epochs"], [50, "50 epochs"], [100, "100 epochs"],
                  [200, "200 epochs"]];
const DATASET_NAMES = { circle: "Circle", xor: "Exclusive or", gauss: "Gaussian", spiral: "Spiral",
                        moons: "Moons", plane: "Plane (regression)", gauss_regression: "Gaussians (regression)" };

const Network = {
  state: { dataset: "circle", upload: null, noise: 0, train_pct: 50, batch_size: 10, seed: 0, classes: 2,
           features: ["x1", "x2"], hidden: [4, 2], activation: "tanh", optimizer: "gd", lr: 0.03,
           regularization: "none", reg_rate: 0, patience: 0, max_epochs: 5000, show_test: false, discretize: false },
  socket: null, setup: null, frame: null, running: false, started: false,

  init() {
    const info = App.info;
    LEARNING_RATES.forEach((v) => option($("#n-lr"), v));
    info.activations.forEach((v) => option($("#n-activation"), v, v === "relu" ? "ReLU" : v));
    info.regularizers.forEach((v) => option($("#n-regularization"), v, v === "none" ? "None" : v.toUpperCase()));
    REG_RATES.forEach((v) => option($("#n-reg-rate"), v));
    info.optimizers.forEach((v) => option($("#n-optimizer"), v));
    PATIENCE.forEach(([v, label]) => option($("#n-patience"), v, label));
    for (const name of Object.keys(info.datasets)) {
      const b = element("button", { "data-dataset": name }, DATASET_NAMES[name] || name);
      b.addEventListener("click", () => { this.state.dataset = name; this.state.upload = null; this.reconfigure(); });
      $("#n-datasets").appendChild(b);
    }
    for (const [name, label] of Object.entries(info.features)) {
      const box = element("input", { type: "checkbox", "data-feature": name });
      const l = element("label");
      l.appendChild(box);
      l.appendChild(document.createTextNode(" " + label));
      box.addEventListener("change", () => {
        const chosen = $$("#n-features input:checked").map((b) => b.dataset.feature);
        if (!chosen.length) { box.checked = true; return; }  // a network needs an input
        this.state.features = chosen;
        this.reconfigure();
      });
      $("#n-features").appendChild(l);
    }
    const bind = (id, key, parse, live) => $(id).addEventListener("change", () => {
      this.state[key] = parse($(id).value);
      if (live) live(); else this.reconfigure();
    });
    bind("#n-lr", "lr", Number, () => { this.send({ type: "lr", lr: this.state.lr }); this.save(); });
    bind("#n-activation", "activation", String);
    bind("#n-regularization", "regularization", String);
    bind("#n-reg-rate", "reg_rate", Number);
    bind("#n-optimizer", "optimizer", String);
    bind("#n-patience", "patience", Number);
    bind("#n-max-epochs", "max_epochs", (v) => Math.max(1, Math.round(+v) || 1));
    bind("#n-seed", "seed", (v) => Math.max(0, Math.round(+v) || 0));
    for (const [id, key, suffix] of [["#n-train", "train_pct", "%"], ["#n-noise", "noise", ""],
                                     ["#n-batch", "batch_size", ""], ["#n-classes", "classes", ""]]) {
      $(id).addEventListener("input", () => { $(`${id}-out`).textContent = $(id).value + suffix; });
      bind(id, key, Number);
    }
    $("#n-regenerate").addEventListener("click", () => { this.state.seed += 1; this.reconfigure(); });
    $("#n-show-test").addEventListener("change", (e) => { this.state.show_test = e.target.checked; this.redraw(); });
    $("#n-discretize").addEventListener("change", (e) => { this.state.discretize = e.target.checked; this.redraw(); });
    $("#n-add-layer").addEventListener("click", () => this.layers(this.state.hidden.length + 1));
    $("#n-remove-layer").addEventListener("click", () => this.layers(this.state.hidden.length - 1));
    $("#n-play").addEventListener("click", () => this.toggle());
    $("#n-step").addEventListener("click", () => { this.running = false; this.send({ type: "step" }); this.buttons(); });
    $("#n-reset").addEventListener("click", () => this.reconfigure());
    $("#n-csv").addEventListener("change", (e) => this.upload(e.target.files[0]));
  },

  load(params) {
    const s = this.state;
    for (const key of Object.keys(s)) {
      if (!params.has(key)) continue;
      const v = params.get(key);
      if (key === "features") s.features = v ? v.split(",") : s.features;
      else if (key === "hidden") s.hidden = v ? v.split(",").map(Number) : [];
      else if (["dataset", "activation", "optimizer", "regularization", "upload"].includes(key)) s[key] = v;
      else if (["show_test", "discretize"].includes(key)) s[key] = v === "1" || v === "true";
      else s[key] = Number(v);
    }
    this.controls();
    if (!this.socket) this.connect(); else this.reconfigure();
  },

  save() {
    const s = this.state, out = {};
    for (const [k, v] of Object.entries(s)) {
      if (v === null) continue;
      out[k] = Array.isArray(v) ? v.join(",") : typeof v === "boolean" ? (v ? "1" : "0") : String(v);
    }
    saveState("network", out);
  },

  controls() {  // the controls show the state
    const s = this.state;
    $("#n-lr").value = s.lr;
    $("#n-activation").value = s.activation;
    $("#n-regularization").value = s.regularization;
    $("#n-reg-rate").value = s.reg_rate;
    $("#n-optimizer").value = s.optimizer;
    $("#n-patience").value = s.patience;
    $("#n-max-epochs").value = s.max_epochs;
    $("#n-seed").value = s.seed;
    for (const [id, key, suffix] of [["#n-train", "train_pct", "%"], ["#n-noise", "noise", ""],
                                     ["#n-batch", "batch_size", ""], ["#n-classes", "classes", ""]]) {
      $(id).value = s[key];
      $(`${id}-out`).textContent = s[key] + suffix;
    }
    $$("#n-datasets button").forEach((b) => b.classList.toggle("active", b.dataset.dataset === s.dataset));
    $$("#n-features input").forEach((b) => { b.checked = s.features.includes(b.dataset.feature); });
    $("#n-show-test").checked = s.show_test;
    $("#n-discretize").checked = s.discretize;
    const info = App.info.datasets[s.dataset];
    $("#n-classes-field").hidden = !info || info.max_classes < 3;
    this.layerButtons();
  },

  layers(n) {
    const limits = App.info.limits;
    if (n < 0 || n > limits.layers) return;
    while (this.state.hidden.length < n) this.state.hidden.push(2);
    this.state.hidden.length = n;
    this.reconfigure();
  },

  layerButtons() {
    const box = $("#n-layer-buttons"), hidden = this.state.hidden;
    box.textContent = "";
    $("#n-layer-count").textContent = `${hidden.length} hidden layer${hidden.length === 1 ? "" : "s"}`;
    hidden.forEach((width, l) => {
      const span = element("span", { class: "layer" }, `${l + 1}: `);
      for (const [text, delta] of [["−", -1], ["+", 1]]) {
        const b = element("button", { class: "small", "data-layer": l, "data-delta": delta }, text);
        b.addEventListener("click", () => {
          const w = hidden[l] + delta;
          if (w < 1 || w > App.info.limits.neurons) return;
          hidden[l] = w;
          this.reconfigure();
        });
        span.appendChild(b);
      }
      span.insertBefore(document.createTextNode(`${width} `), span.children[0]);
      box.appendChild(span);
    });
  },

  connect() {
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/network`;
    this.socket = new WebSocket(url);
    this.socket.addEventListener("open", () => this.reconfigure());
    this.socket.addEventListener("message", (e) => this.receive(JSON.parse(e.data)));
    this.socket.addEventListener("close", () => { this.running = false; this.buttons(); });
  },

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  },

  reconfigure() {  // a new configuration: the server stops the run and builds a fresh network
    this.running = false;
    this.controls();
    this.save();
    const config = { ...this.state };
    delete config.show_test;
    delete config.discretize;
    if (config.upload === null) delete config.upload;
    this.send({ type: "config", config });
    this.buttons();
  },

  toggle() {
    this.running = !this.running;
    this.send({ type: this.running ? "play" : "pause" });
    this.buttons();
  },

  buttons() {
    $("#n-play").innerHTML = this.running ? "&#10074;&#10074;" : "&#9654;";
    $("#n-play").title = this.running ? "pause" : "play";
    $("#n-room-state") && ($("#n-room-state").textContent = this.running ? "running" : "paused");
  },

  receive(m) {
    if (m.type === "error") { showError($("#n-error"), { message: m.error }); this.running = false; this.buttons(); return; }
    showError($("#n-error"), null);
    if (m.type === "setup") {
      this.setup = m;
      $("#n-reason").textContent = "";
      NetworkDraw.lossChart($("#n-loss"));
    }
    this.frame = m;
    if (m.type === "done" || m.type === "paused") { this.running = false; this.buttons(); }
    if (m.type === "done") $("#n-reason").textContent = `Stopped: ${m.reason}`;
    NetworkDraw.extendLoss($("#n-loss"), m.curve);
    this.schedule(m.type !== "frame");
  },

  // draw the latest frame, at most every DRAW_MS while training (a slow machine skips frames, never lags)
  schedule(now) {
    const DRAW_MS = 150;
    if (this.drawTimer && !now) return;
    clearTimeout(this.drawTimer);
    const wait = now ? 0 : Math.max(0, DRAW_MS - (performance.now() - (this.drawnAt || 0)));
    this.drawTimer = setTimeout(() => {
      this.drawTimer = null;
      this.drawnAt = performance.now();
      this.redraw();
    }, wait);
  },

  redraw() {
    if (!this.setup || !this.frame) return;
    const f = this.frame, met = f.metrics;
    $("#n-epoch").textContent = String(f.epoch).padStart(6, "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    $("#n-train-loss").textContent = fmt(met.train_loss, 3);
    $("#n-test-loss").textContent = fmt(met.test_loss, 3);
    NetworkDraw.network($("#n-network"), this.setup, f);
    NetworkDraw.output($("#n-output"), this.setup, f, { test: this.state.show_test, discretize: this.state.discretize });
    this.accuracy(met);
  },

  accuracy(met) {
    const box = $("#n-accuracy"), table = $("#n-confusion");
    table.textContent = "";
    if (met.test_accuracy === undefined) { box.textContent = "Regression: no accuracy (see the losses)."; return; }
    const pct = (v) => `${(100 * v).toFixed(1)}%`;
    box.innerHTML = `Accuracy: training <b id="n-train-acc">${pct(met.train_accuracy)}</b>, ` +
      `test <b id="n-test-acc">${pct(met.test_accuracy)}</b>` +
      (met.penalty ? ` · penalty ${fmt(met.penalty, 3)}` : "");
    const k = met.confusion.length, head = element("tr");
    head.appendChild(element("th", {}, "test: true \\ predicted"));
    for (let c = 0; c < k; c++) head.appendChild(element("th", {}, String(c)));
    table.appendChild(head);
    const total = met.confusion.flat().reduce((a, b) => a + b, 0) || 1;
    met.confusion.forEach((row, r) => {
      const tr = element("tr");
      tr.appendChild(element("th", { style: `color:${CLASS_COLORS[r]}` }, `class ${r}`));
      row.forEach((count, c) => {
        const alpha = Math.min(1, (count / total) * k * 0.9);
        const tint = r === c ? `rgba(26,127,55,${alpha * 0.5})` : `rgba(179,38,30,${alpha * 0.6})`;
        tr.appendChild(element("td", { style: `background:${tint}` }, String(count)));
      });
      table.appendChild(tr);
    });
  },

  async upload(file) {
    if (!file) return;
    const box = $("#n-csv-error");
    const response = await fetch("/api/network/csv", { method: "POST", headers: { "Content-Type": "text/csv" }, body: file });
    const data = await response.json();
    if (!response.ok) { showError(box, { message: data.error }); return; }
    showError(box, null);
    this.state.dataset = "csv";
    this.state.upload = data.id;
    this.reconfigure();
  },
};
App.rooms.network = Network;
