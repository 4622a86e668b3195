// The page: fetch what this steepest offers, set up the rooms, show the room the URL names.
"use strict";

function showRoom(room, params) {
  if (!App.rooms[room]) room = "descent";
  App.current = room;
  $$("#rooms button").forEach((b) => b.classList.toggle("active", b.dataset.room === room));
  for (const name of Object.keys(App.rooms)) $(`#room-${name}`).hidden = name !== room;
  const r = App.rooms[room];
  if (!r.loaded) { r.loaded = true; r.load(params || new URLSearchParams()); }
  else if (r.save) r.save();
  else if (r.state) saveState(room, r.state());
  window.dispatchEvent(new Event("resize"));  // plotly sizes a plot that was hidden when drawn
}

async function main() {
  const response = await fetch("/api/info");
  App.info = await response.json();
  $("#version").textContent = `steepest ${App.info.version}`;
  for (const room of Object.values(App.rooms)) room.init();
  $$("#rooms button").forEach((b) => b.addEventListener("click", () => showRoom(b.dataset.room)));
  const { room, params } = Hash.read();
  showRoom(room || "descent", params);
  window.addEventListener("hashchange", () => {  // a link pasted or edited: load the state it holds
    const next = Hash.read();
    const r = App.rooms[next.room] || App.rooms.descent;
    r.loaded = false;
    showRoom(next.room, next.params);
  });
  document.body.dataset.ready = "1";
}

main();
