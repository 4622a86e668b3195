// The descent lab's figures, drawn by plotly from what the server computed: the curve with the
// tangent at each iterate (one variable), the level sets with -grad arrows and the paths (two),
// and the surface. `i` is the row of every path shown so far (the animation's clock).
"use strict";

const TRAIL = 25;  // iterations whose steps are drawn as segments on the curve

const DescentPlot = {
  // finite values only, for the axis range (a diverged path must not stretch the picture away)
  range(values) {
    const finite = values.flat(2).filter((v) => v !== null && Number.isFinite(v));
    if (!finite.length) return [-1, 1];
    let lo = Math.min(...finite), hi = Math.max(...finite);
    if (hi - lo < 1e-9) { lo -= 1; hi += 1; }
    const pad = 0.06 * (hi - lo);
    return [lo - pad, hi + pad];
  },

  curve(land, runs, i, start) {
    const traces = [{ x: land.x, y: land.f, mode: "lines", name: "f(x)", line: { color: "#444", width: 2 },
                      hovertemplate: "x = %{x:.4g}<br>f = %{y:.4g}<extra></extra>" }];
    const span = land.view[1] - land.view[0];
    (runs || []).forEach((run, k) => {
      const n = Math.min(i, run.path.length - 1);
      const color = COLORS[k % COLORS.length];
      const from = Math.max(0, n - TRAIL);  // the last steps joined up; older iterates stay as dots
      traces.push({ x: run.path.slice(0, n + 1), y: run.values.slice(0, n + 1), mode: "markers", name: run.label,
                    legendgroup: run.label, marker: { color, size: 6 }, opacity: 0.85,
                    hovertemplate: "x = %{x:.4g}<br>f = %{y:.4g}<extra>%{fullData.name}</extra>" });
      traces.push({ x: run.path.slice(from, n + 1), y: run.values.slice(from, n + 1), mode: "lines", showlegend: false,
                    legendgroup: run.label, line: { color, width: 1 }, opacity: 0.6, hoverinfo: "skip" });
      const x = run.path[n], y = run.values[n], s = run.slopes[n];
      if (x !== null && y !== null && s !== null) {  // the tangent: f(x_t) + f'(x_t) (x - x_t)
        const h = span / 10;
        traces.push({ x: [x - h, x + h], y: [y - s * h, y + s * h], mode: "lines", showlegend: false,
                      line: { color, width: 2, dash: "dash" }, hoverinfo: "skip" });
      }
    });
    const layout = this.layout(land, land.variables[0], `f(${land.variables[0]})`);
    layout.yaxis.range = this.range([land.f]);
    if (start !== null) {
      layout.shapes = [{ type: "line", x0: start[0], x1: start[0], yref: "paper", y0: 0, y1: 1,
                         line: { color: "#999", width: 1, dash: "dot" } }];
    }
    return { traces, layout };
  },

  // level sets of f; when f spans orders of magnitude they are spaced evenly in log(1 + f - min f),
  // which has the same level sets (a monotone function of f), only more of them near the bottom
  levels(land) {
    const flat = land.z.flat().filter((v) => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
    const lo = flat[0], hi = flat[flat.length - 1], mid = flat[Math.floor(flat.length / 2)];
    const log = flat.length > 0 && hi - lo > 20 * Math.max(mid - lo, 1e-12);
    const z = log ? land.z.map((row) => row.map((v) => (v === null ? null : Math.log1p(v - lo)))) : land.z;
    return { z, log };
  },

  arrows(land) {  // -grad f at a grid of points, every arrow the same length (the direction is the point)
    const a = land.arrows, cell = (land.view[1] - land.view[0]) / 17;
    const xs = [], ys = [];
    for (let k = 0; k < a.x.length; k++) {
      const u = a.u[k], v = a.v[k], norm = Math.hypot(u, v);
      if (!Number.isFinite(norm) || norm === 0) continue;
      const dx = (u / norm) * cell * 0.75, dy = (v / norm) * cell * 0.75;
      const x1 = a.x[k] + dx, y1 = a.y[k] + dy;
      xs.push(a.x[k], x1, null, x1, x1 - 0.35 * (dx * 0.9 - dy * 0.45), null,
              x1, x1 - 0.35 * (dx * 0.9 + dy * 0.45), null);
      ys.push(a.y[k], y1, null, y1, y1 - 0.35 * (dy * 0.9 + dx * 0.45), null,
              y1, y1 - 0.35 * (dy * 0.9 - dx * 0.45), null);
    }
    return { x: xs, y: ys, mode: "lines", name: "−∇f", line: { color: "rgba(60,60,60,0.55)", width: 1 },
             hoverinfo: "skip" };
  },

  contour(land, runs, i, start) {
    const { z, log } = this.levels(land);
    const traces = [{ type: "contour", x: land.x, y: land.y, z, customdata: land.z, ncontours: 24,
                      colorscale: "YlGnBu", reversescale: true, opacity: 0.85, showscale: false,
                      contours: { coloring: "heatmap", showlines: true }, line: { width: 0.6, color: "#fff" },
                      name: log ? "f (levels in log spacing)" : "f",
                      hovertemplate: "(%{x:.3g}, %{y:.3g})<br>f = %{customdata:.4g}<extra></extra>" },
                    this.arrows(land)];
    (runs || []).forEach((run, k) => {
      const n = Math.min(i, run.path.length - 1);
      const color = COLORS[k % COLORS.length];
      const rows = run.path.slice(0, n + 1);
      traces.push({ x: rows.map((p) => p[0]), y: rows.map((p) => p[1]), mode: "lines+markers", name: run.label,
                    line: { color, width: 2 }, marker: { color, size: 5 },
                    hovertemplate: "(%{x:.4g}, %{y:.4g})<extra>%{fullData.name}</extra>" });
    });
    if (start !== null) {
      traces.push({ x: [start[0]], y: [start[1]], mode: "markers", name: "start",
                    marker: { symbol: "x", size: 11, color: "#111" }, hoverinfo: "skip" });
    }
    const layout = this.layout(land, land.variables[0], land.variables[1]);
    layout.xaxis.range = [land.view[0], land.view[1]];
    layout.yaxis.range = [land.view[2], land.view[3]];
    layout.yaxis.scaleanchor = "x";  // equal scales: -grad meets the level sets at right angles
    layout.yaxis.scaleratio = 1;
    return { traces, layout };
  },

  surface(land, runs, i) {
    const traces = [{ type: "surface", x: land.x, y: land.y, z: land.z, colorscale: "YlGnBu", reversescale: true,
                      opacity: 0.7, showscale: false, name: "f", hoverinfo: "skip" }];
    (runs || []).forEach((run, k) => {
      const n = Math.min(i, run.path.length - 1);
      const rows = run.path.slice(0, n + 1);
      traces.push({ type: "scatter3d", x: rows.map((p) => p[0]), y: rows.map((p) => p[1]),
                    z: run.values.slice(0, n + 1), mode: "lines+markers", name: run.label,
                    line: { color: COLORS[k % COLORS.length], width: 7 },
                    marker: { size: 4, color: COLORS[k % COLORS.length], line: { color: "#fff", width: 1 } } });
    });
    const zr = this.range([land.z]);
    const layout = { margin: { l: 0, r: 0, t: 10, b: 0 }, showlegend: true,
                     legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
                     scene: { xaxis: { title: { text: land.variables[0] } }, yaxis: { title: { text: land.variables[1] } },
                              zaxis: { title: { text: "f" }, range: zr }, aspectmode: "cube" } };
    return { traces, layout };
  },

  layout(land, xtitle, ytitle) {
    return { margin: { l: 50, r: 10, t: 30, b: 40 }, hovermode: "closest", showlegend: true,
             legend: { orientation: "h", x: 0, y: 1.01, yanchor: "bottom" }, uirevision: land.text + land.view.join(","),
             xaxis: { title: { text: xtitle }, range: [land.view[0], land.view[1]], zeroline: false, constrain: "domain" },
             yaxis: { title: { text: ytitle }, zeroline: false } };
  },
};
