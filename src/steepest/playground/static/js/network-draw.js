// The network lab's figures, drawn by plotly from the server's frames: the network as tiles (each
// neuron's output over the plane) joined by links (the weights), the output heatmap with the data,
// and the loss curves. Nothing here computes a model's number; it places and colours them.
"use strict";

const ORANGE = "#f59322", BLUE = "#0877bd";
const CLASS_COLORS = [ORANGE, BLUE, "#2ca02c", "#9467bd", "#d62728", "#8c564b"];
// TF Playground's diverging scale: orange (-1), white (0), blue (+1)
const DIVERGING = [[0, ORANGE], [0.5, "#e8eaeb"], [1, BLUE]];

function mix(hex, t) {  // hex mixed with white: t = 0 white, 1 the colour
  const n = parseInt(hex.slice(1), 16), c = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  return `rgb(${c.map((v) => Math.round(255 + (v - 255) * t)).join(",")})`;
}

const NetworkDraw = {
  // the network: every tile in one mosaic heatmap (null between tiles), links as line traces
  network(div, setup, frame) {
    const g = setup.grids.neuron, colStride = 3 * g, rowStride = g + 6;
    const columns = [setup.inputs, ...frame.neurons, frame.output_tiles];
    const most = Math.max(...columns.map((c) => c.length));
    const height = most * rowStride, width = (columns.length - 1) * colStride + g;
    const z = Array.from({ length: height }, () => new Array(width).fill(null));
    const place = columns.map((tiles, c) => tiles.map((values, r) => {
      const x0 = c * colStride, y0 = Math.round((most - 1 - r - (most - tiles.length) / 2) * rowStride);
      for (let iy = 0; iy < g; iy++) for (let ix = 0; ix < g; ix++) z[y0 + iy][x0 + ix] = values[iy * g + ix];
      return { x0, y0, cx: x0 + g / 2 - 0.5, cy: y0 + g / 2 - 0.5 };
    }));
    const traces = [{ type: "heatmap", z, colorscale: DIVERGING, zmin: -1, zmax: 1, showscale: false,
                      hoverinfo: "skip", xgap: 0, ygap: 0 }];
    traces.push(...this.links(frame.weights, place, g));
    traces.push(this.tileHover(setup, frame, place));
    const notes = setup.features.map((f, r) => ({ x: place[0][r].x0 - 2, y: place[0][r].cy, text: f.label,
                                                  xanchor: "right", showarrow: false, font: { size: 12 } }));
    columns.forEach((tiles, c) => {
      const label = c === 0 ? "features" : c === columns.length - 1 ? "output"
        : `${tiles.length} neuron${tiles.length > 1 ? "s" : ""}`;
      notes.push({ x: c * colStride + g / 2, y: height - 1, text: label, showarrow: false, yanchor: "bottom",
                   font: { size: 11, color: "#5b6474" } });
    });
    const layout = { margin: { l: 70, r: 10, t: 24, b: 5 }, showlegend: false, annotations: notes,
                     xaxis: { visible: false, range: [-1, width], fixedrange: true },
                     yaxis: { visible: false, range: [-2, height + 4], scaleanchor: "x", fixedrange: true },
                     hovermode: "closest", plot_bgcolor: "#fff" };
    Plotly.react(div, traces, layout, { displayModeBar: false, responsive: true });
  },

  // links binned by weight: width |w| (up to 3), colour the sign; one trace per bin
  links(weights, place, g) {
    const bins = new Map(), mids = { x: [], y: [], text: [] };
    weights.forEach((W, l) => W.forEach((row, i) => row.forEach((w, j) => {
      const a = place[l][i], b = place[l + 1][j];
      const k = Math.sign(w) * Math.min(5, Math.round((Math.min(Math.abs(w), 3) / 3) * 5));
      if (!bins.has(k)) bins.set(k, { x: [], y: [] });
      const bin = bins.get(k);
      bin.x.push(a.x0 + g - 0.5, b.x0 - 0.5, null);
      bin.y.push(a.cy, b.cy, null);
      mids.x.push((a.x0 + g + b.x0) / 2);
      mids.y.push((a.cy + b.cy) / 2);
      mids.text.push(`w = ${fmt(w)}`);
    })));
    const traces = [...bins.entries()].map(([k, xy]) => ({
      x: xy.x, y: xy.y, mode: "lines", hoverinfo: "skip",
      line: { width: 0.6 + Math.abs(k) * 1.1, color: mix(k >= 0 ? BLUE : ORANGE, 0.25 + 0.15 * Math.abs(k)) },
    }));
    traces.push({ x: mids.x, y: mids.y, text: mids.text, mode: "markers", marker: { size: 8, opacity: 0 },
                  hovertemplate: "%{text}<extra></extra>" });
    return traces;
  },

  tileHover(setup, frame, place) {
    const x = [], y = [], text = [];
    place.forEach((tiles, c) => tiles.forEach((t, r) => {
      x.push(t.cx);
      y.push(t.cy);
      if (c === 0) text.push(setup.features[r].label);
      else text.push(`${c === place.length - 1 ? "output" : `layer ${c}`}, neuron ${r + 1}: bias ${fmt(frame.biases[c - 1][r])}`);
    }));
    return { x, y, text, mode: "markers", marker: { size: 20, opacity: 0 }, hovertemplate: "%{text}<extra></extra>" };
  },

  // the output over the plane with the points; `show` = {test, discretize}
  output(div, setup, frame, show) {
    const n = setup.grids.output, d = setup.domain;
    const ticks = Array.from({ length: n }, (_, k) => -d + (2 * d * k) / (n - 1));
    const out = frame.output, rows = (f) => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => f(i * n + j)));
    let heat;
    if (out.label) {  // classes: the winning class, paler where it wins by less
      const k = setup.classes, scale = [];
      for (let c = 0; c < k; c++) scale.push([c / k, mix(CLASS_COLORS[c], 0.08)], [(c + 1) / k, mix(CLASS_COLORS[c], 0.75)]);
      const z = rows((m) => out.label[m] + 0.999 * (show.discretize ? 1 : (out.value[m] - 1 / k) / (1 - 1 / k)));
      heat = { type: "heatmap", x: ticks, y: ticks, z, zmin: 0, zmax: k, colorscale: scale, showscale: false,
               hoverinfo: "skip" };
    } else {
      const z = rows((m) => (show.discretize ? (out.value[m] >= 0 ? 1 : -1) : out.value[m]));
      heat = { type: "heatmap", x: ticks, y: ticks, z, zmin: -1, zmax: 1, colorscale: DIVERGING, zsmooth: "fast",
               showscale: false, hovertemplate: "(%{x:.2f}, %{y:.2f})<br>output %{z:.3f}<extra></extra>" };
    }
    const traces = [heat, this.points(setup, setup.train, "training", "#fff")];
    if (show.test) traces.push(this.points(setup, setup.test, "test", "#111"));
    const axis = { range: [-d, d], zeroline: false, showgrid: false, ticks: "outside", dtick: d >= 6 ? 2 : undefined };
    Plotly.react(div, traces, { margin: { l: 30, r: 8, t: 8, b: 26 }, showlegend: false, xaxis: axis,
                                yaxis: { ...axis, scaleanchor: "x" } }, { displayModeBar: false, responsive: true });
  },

  points(setup, part, name, edge) {
    const regression = setup.task === "regression";
    const color = regression ? part.label : part.label.map((c) => CLASS_COLORS[c]);
    return { x: part.x, y: part.y, mode: "markers", name, type: "scatter",
             marker: { size: 6.5, color, colorscale: regression ? DIVERGING : undefined, cmin: -1, cmax: 1,
                       line: { color: edge, width: 1 } },
             hovertemplate: `${name}: (%{x:.2f}, %{y:.2f})<extra></extra>` };
  },

  lossChart(div) {
    const traces = [{ x: [], y: [], mode: "lines", name: "Training loss", line: { color: "#333", width: 1.5 } },
                    { x: [], y: [], mode: "lines", name: "Test loss", line: { color: BLUE, width: 1.5 } }];
    Plotly.react(div, traces, { margin: { l: 40, r: 8, t: 22, b: 24 },
                                legend: { orientation: "h", x: 1, xanchor: "right", y: 1.02, yanchor: "bottom" },
                                xaxis: { title: { text: "" }, zeroline: false }, yaxis: { zeroline: false, rangemode: "tozero" } },
                 { displayModeBar: false, responsive: true });
  },

  extendLoss(div, curve) {
    if (!curve.loss.length) return;
    const epochs = curve.loss.map((_, k) => curve.start + k + 1);
    Plotly.extendTraces(div, { x: [epochs, epochs], y: [curve.loss, curve.test] }, [0, 1]);
  },
};
