// Shared by the three rooms: the API, number formatting, errors with a caret, the URL's state.
"use strict";

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

// the methods' colours (plotly's default cycle, which the legend uses too)
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];
const PLOT_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d"] };

const App = { info: null, rooms: {}, current: "descent" };

// POST a JSON body; a 4xx answer throws an Error carrying the server's payload (err.data)
async function api(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) {
    const err = new Error(data.error || response.statusText);
    err.data = data;
    err.status = response.status;
    throw err;
  }
  return data;
}

// an error box: the message, and under a formula the caret that st.parse's column points at
function showError(box, err) {
  if (!err) { box.hidden = true; box.textContent = ""; return; }
  box.hidden = false;
  box.textContent = err.data && err.data.pointer ? `${err.message}\n${err.data.pointer}` : err.message;
}

// a number as a person reads it (display only: the numbers themselves come from steepest)
function fmt(v, digits = 4) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  if (Array.isArray(v)) return "(" + v.map((x) => fmt(x, digits)).join(", ") + ")";
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  return String(+v.toPrecision(digits));
}

function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

function option(select, value, label) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = label === undefined ? value : label;
  select.appendChild(o);
  return o;
}

function element(tag, attributes = {}, text = "") {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}

// the state of the room in the URL: #room?key=value&..., so that a link reproduces what is shown
const Hash = {
  read() {
    const text = location.hash.slice(1);
    const at = text.indexOf("?");
    const room = at < 0 ? text : text.slice(0, at);
    const params = new URLSearchParams(at < 0 ? "" : text.slice(at + 1));
    return { room, params };
  },
  write(room, params) {
    const query = new URLSearchParams(params).toString();
    history.replaceState(null, "", `#${room}${query ? "?" + query : ""}`);
  },
};

// a room saves its state when it changes (only while it is the room shown)
function saveState(room, params) {
  if (App.current === room) Hash.write(room, params);
}
