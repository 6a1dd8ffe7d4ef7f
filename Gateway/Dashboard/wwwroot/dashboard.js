// The operator dashboard. Draws /dashboard/api/overview (or, on /status/, the public /api/v1/network), and redraws
// whenever the cluster's event stream (/api/v1/events, a WebSocket) pushes an event; a slow poll covers what has no
// event of its own (heartbeats, token flow). Every text from the cluster goes in as text, never as markup: relay and
// player ids are chosen by clients.
"use strict";

const isPublic = location.pathname.startsWith("/status");
const dataUrl = isPublic ? "/api/v1/network" : "/dashboard/api/overview?windowSeconds=3600&bucketSeconds=60";
const pollMs = 5000;
const charts = {};
let latestEvent = null;
let refreshTimer = null;
let socket = null;
let reconnectMs = 500;

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(child ?? ""));
  return node;
}

function svg(tag, attributes, text) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

const number = new Intl.NumberFormat("en-US");
const fmt = (v, digits = 1) => (v === null || v === undefined ? "–" : typeof v === "number" ? v.toFixed(digits) : String(v));
const time = (iso) => new Date(iso).toLocaleTimeString();
const shortHash = (h) => h.slice(0, 10);

function replaceRows(tbody, rows, emptyText, columns) {
  tbody.replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: columns, class: "empty" }, emptyText))]));
}

function bars(container, entries, testPrefix) {
  const max = Math.max(1, ...entries.map(([, v]) => v));
  container.replaceChildren(...(entries.length ? entries.map(([name, value]) => {
    const fill = el("div", { class: "fill" });
    fill.style.width = `${(100 * value) / max}%`;
    return el("div", { class: "bar", "data-testid": `${testPrefix}-${name}`, "data-value": value },
      el("span", {}, name), el("div", { class: "track" }, fill), el("span", { class: "value" }, number.format(value)));
  }) : [el("div", { class: "empty" }, "none")]));
}

function drawGames(games) {
  document.getElementById("games-active").textContent = number.format(games.active);
  bars(document.getElementById("games-by-class"), Object.entries(games.byClass), "games-class");
  bars(document.getElementById("games-by-relay"), Object.entries(games.byRelay).sort((a, b) => b[1] - a[1]).slice(0, 12), "games-relay");
  replaceRows(document.getElementById("games-recent"), games.recent.map((g) =>
    el("tr", { "data-testid": "game-row", "data-game-id": g.gameId },
      el("td", {}, g.gameId), el("td", {}, g.gameClass), el("td", {}, g.black), el("td", {}, g.white), el("td", {}, `${g.size}×${g.size}`),
      el("td", {}, time(g.startedAt)))), "no active games", 6);
}

// One uPlot chart per container, rebuilt only when its series change shape; otherwise its data are set in place.
function lineChart(id, seriesNames, xs, ys, options) {
  const container = document.getElementById(id);
  if (typeof uPlot === "undefined") {
    container.replaceChildren(el("div", { class: "empty" }, "charts need the uPlot files (scripts/setup.sh installs them)"));
    return;
  }
  const data = [xs, ...ys];
  const key = seriesNames.join("|");
  const width = Math.max(300, container.clientWidth || 600);
  if (charts[id] && charts[id].key === key) {
    charts[id].plot.setData(data);
    if (Math.abs(charts[id].plot.width - width) > 4) charts[id].plot.setSize({ width, height: 220 });
    return;
  }
  if (charts[id]) charts[id].plot.destroy();
  container.replaceChildren();
  const palette = ["#3d7bd9", "#2e9d57", "#e07b00", "#d23c3c", "#7b4fd1", "#1aa3a3"];
  const plot = new uPlot({
    width, height: 220, ...options,
    series: [{}, ...seriesNames.map((label, i) => ({ label, stroke: palette[i % palette.length], width: 2, points: { show: xs.length < 40 } }))],
  }, data, container);
  charts[id] = { key, plot };
}

function drawFlow(flow) {
  document.getElementById("flow-window").textContent = `last ${Math.round(flow.buckets.length * flow.bucketSeconds / 60)} min, per ${flow.bucketSeconds} s`;
  const xs = flow.buckets.map((b) => Date.parse(b.start) / 1000);
  const pick = (f) => flow.buckets.map(f);
  lineChart("flow-chart", ["rewards", "subsidies", "inference revenue", "burns"], xs,
    [pick((b) => b.rewards), pick((b) => b.subsidies), pick((b) => b.inferenceRevenue), pick((b) => b.burns)], { axes: [{}, { size: 70 }] });
  const t = flow.totals;
  const shares = [["data", t.dataShare, "#3d7bd9"], ["relays", t.relayShare, "#2e9d57"], ["trainers", t.trainerShare, "#e07b00"], ["treasury", t.treasuryShare, "#7b4fd1"]];
  const sum = shares.reduce((s, [, v]) => s + v, 0);
  const split = document.getElementById("flow-split");
  split.replaceChildren(...(sum === 0 ? [el("div", { class: "empty" }, "no inference revenue in the window")] : shares.filter(([, v]) => v > 0).map(([name, value, colour]) => {
    const part = el("div", { "data-testid": `split-${name}`, "data-value": value, title: `${name}: ${number.format(value)}` },
      `${name} ${((100 * value) / sum).toFixed(0)} %`);
    part.style.flex = `${value}`;
    part.style.background = colour;
    return part;
  })));
  replaceRows(document.getElementById("flow-totals"), [el("tr", {},
    ...[t.rewards, t.subsidies, t.inferenceRevenue, t.burns, t.deposits, t.depositsReturned].map((v) => el("td", {}, number.format(v))))], "", 6);
}

function drawModels(models, unavailable) {
  replaceRows(document.getElementById("models"), models.map((m) =>
    el("tr", { "data-testid": "model-row", "data-hash": m.modelHash, "data-promoted": m.promoted, class: m.promoted ? "promoted" : "" },
      el("td", {}, `v${m.version}${m.promoted ? " (promoted)" : ""}`), el("td", { title: m.modelHash }, shortHash(m.modelHash)), el("td", {}, m.round ?? "genesis"),
      el("td", {}, fmt(m.top1)), el("td", {}, fmt(m.top5)), el("td", {}, m.winRate == null ? "–" : `${(100 * m.winRate).toFixed(1)} %`),
      el("td", {}, fmt(m.epsilonSpent, 2)), el("td", {}, time(m.createdAt)))), unavailable ?? "no versions", 8);
  const ordered = [...models].sort((a, b) => a.version - b.version);
  lineChart("models-chart", ["top-1 %", "top-5 %"], ordered.map((m) => m.version), [ordered.map((m) => m.top1), ordered.map((m) => m.top5 ?? null)],
    { scales: { x: { time: false } }, axes: [{ label: "version", incrs: [1, 2, 5, 10, 20, 50, 100] }, { label: "%" }] });
}

// An equirectangular map: longitude and latitude straight onto x and y, with a 30° graticule (no coastlines: the
// positions are what an operator reads, not geography).
function drawMap(relays) {
  const map = document.getElementById("map");
  const x = (lon) => ((lon + 180) / 360) * 720;
  const y = (lat) => ((90 - lat) / 180) * 360;
  const nodes = [];
  for (let lon = -150; lon <= 150; lon += 30) nodes.push(svg("line", { class: "grid", x1: x(lon), y1: 0, x2: x(lon), y2: 360 }));
  for (let lat = -60; lat <= 60; lat += 30) {
    nodes.push(svg("line", { class: lat === 0 ? "grid equator" : "grid", x1: 0, y1: y(lat), x2: 720, y2: y(lat) }));
    nodes.push(svg("text", { x: 3, y: y(lat) - 2 }, `${lat}°`));
  }
  for (const r of relays) {
    const radius = 4 + Math.sqrt(Math.min(100, Math.max(0, r.loadPercent))) * 1.2;
    const dot = svg("circle", { cx: x(r.longitude), cy: y(r.latitude), r: radius, class: r.health, "data-testid": "relay-marker", "data-relay-id": r.relayId, "data-health": r.health });
    dot.append(svg("title", {}, `${r.relayId} (${r.region}): ${r.health}, ${r.sessions}/${r.capacity} sessions, ${fmt(r.latencyMs)} ms`));
    nodes.push(dot, svg("text", { x: x(r.longitude) + radius + 2, y: y(r.latitude) + 3 }, r.relayId));
  }
  map.replaceChildren(...nodes);
}

function drawNetwork(network) {
  drawMap(network.relays);
  replaceRows(document.getElementById("relays"), network.relays.map((r) =>
    el("tr", { "data-testid": "relay-row", "data-relay-id": r.relayId, "data-health": r.health },
      el("td", {}, r.relayId), el("td", {}, r.region), el("td", { class: `health-${r.health}` }, r.health), el("td", {}, `${r.sessions} / ${r.capacity}`),
      el("td", {}, fmt(r.loadPercent)), el("td", {}, fmt(r.latencyMs)), el("td", {}, r.reputation))), "no relays registered", 7);
  replaceRows(document.getElementById("silos"), network.silos.map((s) =>
    el("tr", { "data-testid": "silo-row", "data-status": s.status }, el("td", {}, s.siloName), el("td", {}, s.status), el("td", {}, s.address),
      el("td", {}, time(s.heartbeatAt)))), "no silos", 4);
  replaceRows(document.getElementById("failovers"), network.failovers.map((f) =>
    el("tr", { "data-testid": "failover-row", "data-relay-id": f.deadRelayId },
      el("td", {}, time(f.at)), el("td", {}, f.deadRelayId), el("td", {}, f.games), el("td", {}, f.sessionsMoved),
      el("td", {}, Object.entries(f.targets).map(([relay, games]) => `${relay} (${games})`).join(", ")), el("td", {}, fmt(f.durationMs)))), "no failovers", 6);
}

// Relay economics: the relay chosen in the panel, read from the dashboard's copy of its economics route on
// every redraw, so a subsidy or a burn shows up with the next event or poll.
const baseUnitsPerMcp = 1e9;
const mcp = (units) => (units / baseUnitsPerMcp).toLocaleString("en-US", { maximumFractionDigits: 9 });
const mcpTick = (value) => value.toLocaleString("en-US", { maximumSignificantDigits: 3 });

function chooseRelays(relays) {
  const select = document.getElementById("economics-relay");
  const chosen = select.value;
  const ids = relays.map((r) => r.relayId).sort();
  if (ids.join("\n") !== [...select.options].map((o) => o.value).join("\n")) {
    select.replaceChildren(...ids.map((id) => el("option", { value: id }, id)));
    if (ids.includes(chosen)) select.value = chosen;
  }
}

// Every read of the page goes through here: the operator's cookie, and a refusal as an error naming the URL.
class SignInNeeded extends Error {}

async function get(url, accept = "application/json") {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: accept } });
  if (response.status === 401 || response.status === 403) throw new SignInNeeded(url);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${response.statusText}`);
  return response;
}

async function refreshEconomics() {
  const relayId = document.getElementById("economics-relay").value;
  if (!relayId) return;
  const pending = Math.max(0, Math.min(10000, Number(document.getElementById("economics-pending").value) || 0));
  const response = await get(`/dashboard/api/relays/${encodeURIComponent(relayId)}/economics?bucket=minute&buckets=60&pending=${pending}`);
  drawEconomics(await response.json());
}

function drawEconomics(e) {
  const panel = document.getElementById("economics-panel");
  panel.dataset.relayId = e.relayId;
  for (const [id, value] of [["earned", e.earned], ["spent", e.spent], ["net", e.net]]) {
    const cell = document.getElementById(`economics-${id}`);
    cell.textContent = `${mcp(value)} MCP`;
    cell.dataset.value = value;
  }
  document.getElementById("economics-roi").textContent = e.roiBasisPoints === null ? "–" : `${(e.roiBasisPoints / 100).toFixed(1)} %`;
  const xs = e.series.map((b) => Date.parse(b.start) / 1000);
  lineChart("economics-chart", ["earned (MCP)", "spent (MCP)", "cumulative net (MCP)"], xs,
    [e.series.map((b) => b.earned / baseUnitsPerMcp), e.series.map((b) => b.spent / baseUnitsPerMcp), e.series.map((b) => b.cumulativeNet / baseUnitsPerMcp)],
    { axes: [{}, { size: 84, values: (plot, splits) => splits.map(mcpTick) }] });
  replaceRows(document.getElementById("economics-totals"), e.totals.filter((t) => t.transfers > 0).map((t) =>
    el("tr", { "data-testid": "economics-total", "data-category": t.category, "data-value": t.amount },
      el("td", {}, t.category), el("td", {}, t.side), el("td", {}, mcp(t.amount)), el("td", {}, t.transfers))), "nothing moved yet", 4);
  const a = e.advice;
  const advice = document.getElementById("economics-advice");
  advice.dataset.action = a.action;
  advice.replaceChildren(el("span", { class: `action ${a.action}` }, a.action === "wait" ? "wait" : "submit now"),
    ` ${a.pendingGames} pending of ${a.threshold}: submit now ${mcp(a.submitNow)} MCP, wait ${mcp(a.wait)} MCP expected; `,
    `${fmt(a.consensusGamesPerHour, 1)} games/h. `, a.reasons.join(" "));
}

// The gateway's own silo's counters, read from its Prometheus scrape (the cluster-wide figures are the panels
// above; these say how busy the silo serving this page is). Each counter is summed over its label sets.
const siloCounters = [
  ["gorelay_game_moves_total", "moves accepted"],
  ["gorelay_game_consensus_total", "games ended in consensus"],
  ["gorelay_game_disputes_total", "games disputed"],
  ["gorelay_relay_failover_sessions_total", "sessions failed over"],
];
let lastCounters = null;

function parseCounters(text) {
  const totals = Object.fromEntries(siloCounters.map(([name]) => [name, 0]));
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+([0-9.eE+-]+)/.exec(line);
    if (match && match[1] in totals) totals[match[1]] += Number(match[3]);
  }
  return totals;
}

async function refreshSiloMetrics() {
  const response = await get("/metrics", "text/plain");
  const now = { at: Date.now(), totals: parseCounters(await response.text()) };
  const minutes = lastCounters ? (now.at - lastCounters.at) / 60000 : 0;
  replaceRows(document.getElementById("silo-metrics"), siloCounters.map(([name, label]) => {
    const rate = minutes > 0 ? Math.max(0, now.totals[name] - lastCounters.totals[name]) / minutes : null;
    return el("tr", { "data-testid": "silo-metric", "data-metric": name, "data-value": now.totals[name] },
      el("td", { title: name }, label), el("td", {}, number.format(now.totals[name])), el("td", {}, rate === null ? "–" : fmt(rate)));
  }), "no counters", 3);
  lastCounters = now;
}

function describe(event) {
  const d = event.data || {};
  switch (event.type) {
    case "game_started": return `${d.gameId}: ${d.gameClass}, ${d.black} vs ${d.white}`;
    case "game_ended": return `${d.gameId}: ${d.state}${d.result ? " " + d.result : ""} after ${d.moves} moves`;
    case "relay_failover": return `${d.deadRelayId}: ${d.sessionsMoved} sessions of ${d.games} games moved`;
    case "node_joined": case "node_left": return `${d.relayId} ${d.health} (${d.reason})`;
    case "model_updated": return `v${d.version} ${shortHash(d.modelHash || "")} top-1 ${fmt(d.top1)} %${d.promoted ? ", promoted" : ""}`;
    case "rewards_distributed": return `${d.occasion}: ${number.format(d.total || 0)}`;
    default: return event.subject;
  }
}

function addEvent(event, atTop) {
  const list = document.getElementById("events");
  const item = el("li", { "data-testid": "event", "data-type": event.type, "data-sequence": event.sequence },
    el("span", { class: "at" }, time(event.at)), el("span", { class: "type" }, event.type), " ", describe(event));
  if (atTop) list.prepend(item); else list.append(item);
  while (list.children.length > 60) list.lastElementChild.remove();
}

function setConnection(live, text) {
  const badge = document.getElementById("connection");
  badge.textContent = text;
  badge.className = `badge ${live ? "live" : "off"}`;
}

async function refresh() {
  refreshTimer = null;
  try {
    const data = await (await get(dataUrl)).json();
    if (isPublic) {
      drawNetwork(data);
    } else {
      drawGames(data.games);
      drawFlow(data.tokenFlow);
      drawModels(data.models, data.modelsUnavailable);
      drawNetwork(data.network);
      chooseRelays(data.network.relays);
      await Promise.all([refreshEconomics(), refreshSiloMetrics()]);
      if (latestEvent === null) {
        data.recentEvents.forEach((e) => addEvent(e, false));
        latestEvent = data.latestEvent;
        connect();
      }
    }
    document.getElementById("error").hidden = true;
    document.getElementById("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
    document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes || 0) + 1);
  } catch (error) {
    showError(error instanceof SignInNeeded
      ? "Sign in with /dashboard?token=<operator token>, or see the public view at /status/."
      : `Could not read the dashboard's data: ${error.message}`);
  }
}

function showError(text) {
  const box = document.getElementById("error");
  box.textContent = text;
  box.hidden = false;
}

function scheduleRefresh(delayMs) {
  if (refreshTimer === null) refreshTimer = setTimeout(refresh, delayMs);
}

// The event stream: each event is listed at once and brings a redraw shortly after (a burst of moves' worth of
// events costs one read). A dropped socket reconnects after the last sequence seen, so nothing is skipped.
function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/api/v1/events?after=${latestEvent}`);
  socket.onopen = () => { reconnectMs = 500; setConnection(true, "live"); };
  socket.onmessage = (message) => {
    const event = JSON.parse(message.data);
    latestEvent = Math.max(latestEvent, event.sequence);
    addEvent(event, true);
    scheduleRefresh(250);
  };
  socket.onclose = () => {
    setConnection(false, "reconnecting");
    setTimeout(connect, reconnectMs);
    reconnectMs = Math.min(10000, reconnectMs * 2);
  };
}

document.addEventListener("DOMContentLoaded", () => {
  if (isPublic) {
    document.body.classList.add("public");
    document.getElementById("mode").textContent = "· network health";
    document.getElementById("orleans-link").hidden = true;
    setConnection(true, "polling");
  } else {
    document.getElementById("mode").textContent = "· operator dashboard";
  }
  for (const id of ["economics-relay", "economics-pending"]) document.getElementById(id).addEventListener("change", () => scheduleRefresh(0));
  document.getElementById("economics-form").addEventListener("submit", (e) => { e.preventDefault(); scheduleRefresh(0); });
  refresh();
  setInterval(() => scheduleRefresh(0), pollMs);
  window.addEventListener("resize", () => scheduleRefresh(100));
});
