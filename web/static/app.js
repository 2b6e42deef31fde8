// Cargo Targeting System web app: plain ES module, no build step, no third-party code.
// Talks to the API on the same origin; the id token lives in sessionStorage (gone when the tab closes).
// Everything the API returns is written with textContent, never as HTML.

const TOKEN_KEY = "cts.token";
const PAGE_SIZE = 25;
const POLL_MS = 20000; // live updates: how often the inbox asks for alerts raised since it last asked

const state = {
  me: null,
  page: 1,
  total: 0,
  lastDetailKey: null,
  alertsCursor: null, // where the next live-update poll starts (from the API)
  pollTimer: null,
};

// ------------------------------------------------------------------ helpers

const $ = (id) => document.getElementById(id);

function show(el, visible = true) {
  el.hidden = !visible;
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (name === "className") node.className = value;
    else if (name === "testid") node.dataset.testid = value;
    else if (name === "onclick") node.addEventListener("click", value);
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function formatTime(value) {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function levelBadge(level) {
  const name = level || "none";
  const label = { red: "Red", amber: "Amber", none: "None" }[name] || name;
  return el("span", { className: `badge level-${name}`, testid: "level-badge" }, label);
}

// An alert or assessment drawn by a random selection rate: shown beside the level, whatever the score.
function randomBadge(selection) {
  if (!selection) return null;
  return el(
    "span",
    { className: "badge random-selection", testid: "random-badge", title: `Random selection rate: ${selection}` },
    "Random selection",
  );
}

function statusBadge(status) {
  const label = (status || "").replaceAll("_", " ");
  return el("span", { className: `badge status-${status}` }, label);
}

function can(action) {
  return Boolean(state.me && state.me.actions.includes(action));
}

function showError(message) {
  const banner = $("error-banner");
  banner.textContent = message;
  show(banner, Boolean(message));
}

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "network", "The server cannot be reached. Check your connection and try again.");
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const message = (data && (data.message || data.Message)) || `Request failed (${response.status})`;
    const code = (data && (data.code || data.Code)) || "error";
    if (response.status === 401 && path !== "/auth/login") {
      signOut("Your session has ended. Please sign in again.");
    }
    throw new ApiError(response.status, code, message);
  }
  return data;
}

function reportError(error) {
  if (error instanceof ApiError && error.status === 401) return; // already back at sign-in
  showError(error.message || String(error));
}

// ------------------------------------------------------------------ sign-in / sign-out

async function signIn(event) {
  event.preventDefault();
  const username = $("username").value.trim();
  const password = $("password").value;
  const errorBox = $("sign-in-error");
  show(errorBox, false);
  if (!username || !password) {
    errorBox.textContent = "Enter your username and password.";
    show(errorBox);
    return;
  }
  try {
    const tokens = await api("/auth/login", { method: "POST", body: { username, password } });
    sessionStorage.setItem(TOKEN_KEY, tokens.id_token);
    $("password").value = "";
    await start();
  } catch (error) {
    errorBox.textContent = error.status === 401 ? "Incorrect username or password." : error.message;
    show(errorBox);
    $("password").focus();
  }
}

function signOut(message = "") {
  sessionStorage.removeItem(TOKEN_KEY);
  state.me = null;
  stopPolling();
  for (const id of ["officer-view", "carrier-view", "user-bar", "detail"]) show($(id), false);
  show($("sign-in"));
  showError("");
  const errorBox = $("sign-in-error");
  errorBox.textContent = message;
  show(errorBox, Boolean(message));
  $("username").focus();
}

// ------------------------------------------------------------------ start

async function start() {
  showError("");
  try {
    state.me = await api("/me");
  } catch (error) {
    if (error.status !== 401) signOut(error.message);
    return;
  }
  show($("sign-in"), false);
  $("user-name").textContent = state.me.username;
  $("user-roles").textContent = state.me.roles.length ? state.me.roles.join(", ").replaceAll("_", " ") : "no role";
  show($("user-bar"));

  const officer = can("view_alerts") || can("view_consignments");
  const carrierSide = can("upload_manifest") || can("view_own_receipts") || can("view_receipts_all");
  show($("officer-view"), officer);
  show($("alerts"), can("view_alerts"));
  show($("consignments"), can("view_consignments"));
  show($("carrier-view"), carrierSide);
  show($("upload"), can("upload_manifest"));
  show($("upload-carrier-field"), can("upload_manifest") && !state.me.carrier_id);
  show($("receipts"), can("view_own_receipts") || can("view_receipts_all"));
  show($("receipts-filter"), can("view_receipts_all"));

  if (!officer && !carrierSide) {
    showError("Your account has no role in this system yet. Ask an administrator to add you to a group.");
  }
  const tasks = [];
  if (can("view_alerts")) tasks.push(loadAlerts());
  if (can("view_consignments")) tasks.push(search(1));
  if (state.me.carrier_id && can("view_own_receipts")) tasks.push(loadReceipts());
  await Promise.all(tasks);
  openFromHash();
  $("main").focus();
}

// ------------------------------------------------------------------ alerts

async function loadAlerts() {
  const table = $("alert-inbox");
  const body = table.querySelector("tbody");
  show($("alerts-loading"));
  try {
    const readAt = new Date().toISOString();
    const data = await api("/alerts?status=new");
    body.replaceChildren(...data.alerts.map(alertRow));
    show(table, data.alerts.length > 0);
    show($("alerts-empty"), data.alerts.length === 0);
    setUnread(data.unread);
    state.alertsCursor = state.alertsCursor || readAt;
    startPolling();
  } catch (error) {
    reportError(error);
  } finally {
    show($("alerts-loading"), false);
  }
}

function setUnread(count) {
  const badge = $("alerts-unread");
  badge.textContent = count === 1 ? "1 unread" : `${count} unread`;
  show(badge, count > 0);
}

function startPolling() {
  if (state.pollTimer === null) state.pollTimer = setInterval(pollAlerts, POLL_MS);
}

function stopPolling() {
  if (state.pollTimer !== null) clearInterval(state.pollTimer);
  state.pollTimer = null;
  state.alertsCursor = null;
}

// Live updates: ask only for alerts raised since the last answer; when there are any, read the inbox again so that
// it stays in arrival order with the right unread count.
async function pollAlerts() {
  if (!state.me || !state.alertsCursor) return;
  try {
    const data = await api(`/alerts/updates?since=${encodeURIComponent(state.alertsCursor)}`);
    state.alertsCursor = data.cursor;
    const known = new Set([...document.querySelectorAll("#alert-inbox tbody tr")].map((row) => row.dataset.alertId));
    if (data.alerts.some((alert) => !known.has(alert.alert_id))) await loadAlerts();
  } catch (error) {
    if (error.status === 401) signOut("Your session has ended. Sign in again.");
  }
}

async function markRead(alert, row) {
  if (alert.read) return;
  try {
    await api(`/alerts/${encodeURIComponent(alert.alert_id)}/read`, { method: "POST", body: {} });
    alert.read = true;
    row.classList.remove("unread");
    const unread = document.querySelectorAll("#alert-inbox tbody tr.unread").length;
    setUnread(unread);
  } catch (error) {
    reportError(error);
  }
}

function alertRow(alert) {
  const top = (alert.hits || []).slice().sort((a, b) => b.points - a.points)[0];
  const open = el(
    "button",
    {
      type: "button",
      className: "link",
      testid: "open-consignment",
      onclick: (event) => {
        markRead(alert, event.currentTarget.closest("tr"));
        openDetail(alert.key);
      },
    },
    alert.document_number,
  );
  const actions = el("td");
  if (can("ack_alert")) {
    actions.append(
      el(
        "button",
        {
          type: "button",
          className: "secondary small",
          testid: "ack-alert",
          "aria-label": `Acknowledge alert for ${alert.document_number}`,
          onclick: (event) => acknowledge(alert, event.currentTarget),
        },
        "Acknowledge",
      ),
    );
  }
  return el(
    "tr",
    {
      testid: "alert-row",
      className: `row-${alert.level}${alert.read ? "" : " unread"}`,
      "data-key": alert.key,
      "data-alert-id": alert.alert_id,
    },
    el("td", {}, formatTime(alert.eta)),
    el("td", {}, open),
    el("td", {}, levelBadge(alert.level), " ", randomBadge(alert.random_selection)),
    el("td", { className: "num", testid: "alert-score" }, alert.score),
    el("td", {}, alert.place_of_discharge || "—"),
    el("td", {}, top ? `${top.reason} (+${top.points})` : "—"),
    actions,
  );
}

async function acknowledge(alert, button) {
  button.disabled = true;
  try {
    await api(`/alerts/${encodeURIComponent(alert.alert_id)}/ack`, { method: "POST", body: {} });
    await loadAlerts();
  } catch (error) {
    button.disabled = false;
    reportError(error);
  }
}

// ------------------------------------------------------------------ consignments

async function search(page) {
  const form = $("search-form");
  const params = new URLSearchParams();
  for (const name of ["q", "mode", "level", "sort"]) {
    const value = form.elements[name].value.trim();
    if (value) params.set(name, value);
  }
  params.set("page", String(page));
  params.set("page_size", String(PAGE_SIZE));
  const table = $("consignment-results");
  try {
    const data = await api(`/consignments?${params}`);
    state.page = data.page;
    state.total = data.total;
    table.querySelector("tbody").replaceChildren(...data.hits.map(consignmentRow));
    show(table, data.hits.length > 0);
    show($("consignments-empty"), data.hits.length === 0);
    const pages = Math.max(1, Math.ceil(data.total / data.page_size));
    $("search-summary").textContent = `${data.total} consignment${data.total === 1 ? "" : "s"} found.`;
    $("page-label").textContent = `Page ${data.page} of ${pages}`;
    $("page-prev").disabled = data.page <= 1;
    $("page-next").disabled = data.page >= pages;
    show($("pager"), pages > 1);
  } catch (error) {
    reportError(error);
  }
}

function consignmentRow(doc) {
  const route = [doc.place_of_loading, doc.place_of_discharge].filter(Boolean).join(" → ") || "—";
  return el(
    "tr",
    { testid: "consignment-row", className: `row-${doc.level}`, "data-key": doc.key },
    el(
      "td",
      {},
      el(
        "button",
        { type: "button", className: "link", testid: "open-consignment", onclick: () => openDetail(doc.key) },
        doc.document_number,
      ),
    ),
    el("td", {}, doc.mode),
    el("td", {}, doc.consignee_name || "—"),
    el("td", {}, route),
    el("td", {}, formatTime(doc.eta)),
    el("td", {}, levelBadge(doc.level)),
    el("td", { className: "num" }, doc.score),
  );
}

// ------------------------------------------------------------------ consignment detail

function fact(list, label, value) {
  list.append(el("dt", {}, label), el("dd", {}, value === null || value === undefined || value === "" ? "—" : value));
}

function placeText(place) {
  if (!place) return "—";
  return [place.locode, place.name].filter(Boolean).join(" ");
}

async function openDetail(key) {
  state.lastDetailKey = key;
  const wanted = `#/consignments/${encodeURIComponent(key)}`;
  if (location.hash !== wanted) history.replaceState(null, "", wanted);
  for (const id of ["alerts", "consignments"]) show($(id), false);
  show($("detail"));
  $("detail-title").textContent = key;
  show($("detail-loading"));
  $("detail-facts").replaceChildren();
  $("detail-score").replaceChildren();
  $("hit-list").querySelector("tbody").replaceChildren();
  show($("hit-list"), false);
  show($("hits-empty"), false);
  $("detail-goods").replaceChildren();
  $("detail-versions").replaceChildren();
  $("detail-title").focus();
  try {
    const data = await api(`/consignments/${encodeURIComponent(key)}`);
    renderDetail(data);
  } catch (error) {
    $("detail-title").textContent = error.status === 404 ? `Consignment ${key} was not found` : key;
    if (error.status !== 404) reportError(error);
  } finally {
    show($("detail-loading"), false);
  }
}

function renderDetail(data) {
  const c = data.latest.consignment;
  const doc = c.transport_document;
  $("detail-title").textContent = `${doc.kind.replaceAll("_", " ")} ${doc.number}`;
  const facts = $("detail-facts");
  const party = (role) => (c.parties || []).find((p) => p.role === role);
  const name = (p) => (p ? [p.name, p.country].filter(Boolean).join(", ") : null);
  fact(facts, "Consignment key", data.key);
  fact(facts, "Mode / direction", `${c.mode} / ${c.direction}`);
  fact(facts, "Master document", doc.master_number);
  fact(facts, "Carrier", c.carrier ? [c.carrier.code, c.carrier.name].filter(Boolean).join(" ") : null);
  fact(facts, "Vessel / flight", [c.conveyance.vessel_name, c.conveyance.journey_id].filter(Boolean).join(" ") || null);
  fact(facts, "Loading", placeText(c.itinerary.place_of_loading));
  fact(facts, "Discharge", placeText(c.itinerary.place_of_discharge));
  fact(facts, "Arrival (ETA)", formatTime(c.eta));
  fact(facts, "Consignor", name(party("consignor")));
  fact(facts, "Consignee", name(party("consignee")));
  fact(facts, "Notify party", name(party("notify_party")));
  fact(facts, "Version", `${data.latest.version} (${data.latest.status})`);

  const assessment = data.assessment;
  const scoreBox = $("detail-score");
  if (assessment) {
    scoreBox.append(
      el("p", { className: "score-number", testid: "score-value" }, assessment.score),
      el("p", {}, levelBadge(assessment.level), " ", randomBadge(assessment.random_selection)),
      el("p", { className: "hint" }, `Scored version ${assessment.version} with rule set ${assessment.ruleset_version}`),
    );
  } else {
    scoreBox.append(el("p", { className: "hint" }, "Not scored yet."));
  }

  const hits = assessment ? assessment.hits : [];
  $("hit-list")
    .querySelector("tbody")
    .replaceChildren(
      ...hits.map((hit) =>
        el(
          "tr",
          { testid: "hit-row" },
          el("td", { className: "num" }, `+${hit.points}`),
          el("td", {}, hit.reason),
          el("td", {}, hit.matched),
          el("td", {}, hit.category),
          el("td", { className: "mono" }, `${hit.source}: ${hit.ref}`),
        ),
      ),
    );
  $("hit-total").textContent = assessment ? assessment.score : "0";
  show($("hit-list"), hits.length > 0);
  show($("hits-empty"), Boolean(assessment) && hits.length === 0);

  const goods = (c.goods || []).map((g) =>
    el(
      "li",
      {},
      `${g.sequence}. ${g.description || "(no description)"}`,
      g.hs_code ? ` — HS ${g.hs_code}` : "",
      g.gross_weight_kg ? ` — ${g.gross_weight_kg} kg` : "",
    ),
  );
  $("detail-goods").replaceChildren(...(goods.length ? goods : [el("li", {}, "No goods lines.")]));
  $("detail-versions").replaceChildren(
    ...data.versions.map((v) =>
      el("li", { testid: "version-row" }, `v${v.version} — ${v.message_function}, ${v.status}, stored ${formatTime(v.stored_at)}`),
    ),
  );
}

function closeDetail() {
  state.lastDetailKey = null;
  history.replaceState(null, "", location.pathname);
  show($("detail"), false);
  show($("alerts"), can("view_alerts"));
  show($("consignments"), can("view_consignments"));
  $("main").focus();
}

function openFromHash() {
  const match = location.hash.match(/^#\/consignments\/(.+)$/);
  if (match && can("view_consignments")) openDetail(decodeURIComponent(match[1]));
}

// ------------------------------------------------------------------ uploads and receipts

async function upload(event) {
  event.preventDefault();
  const status = $("upload-status");
  const file = $("upload-file").files[0];
  if (!file) {
    status.textContent = "Choose a file first.";
    return;
  }
  const body = { filename: file.name };
  const carrier = $("upload-carrier").value.trim();
  if (!state.me.carrier_id) {
    if (!carrier) {
      status.textContent = "Enter the carrier id you are uploading for.";
      return;
    }
    body.carrier_id = carrier;
  }
  status.textContent = `Uploading ${file.name}…`;
  try {
    const slot = await api("/uploads", { method: "POST", body });
    const put = await fetch(slot.url, { method: slot.method || "PUT", body: file });
    if (!put.ok) throw new Error(`The upload was refused (${put.status}).`);
    status.textContent = `Uploaded ${file.name}. Its receipt appears below once the file is processed.`;
    $("upload-form").reset();
    setTimeout(() => loadReceipts(body.carrier_id), 3000);
  } catch (error) {
    status.textContent = `Upload failed: ${error.message}`;
  }
}

async function loadReceipts(carrierId) {
  const params = new URLSearchParams();
  const asked = carrierId || $("receipts-carrier").value.trim();
  if (asked) params.set("carrier_id", asked);
  if (!state.me.carrier_id && !asked) return;
  const table = $("receipts-list");
  try {
    const data = await api(`/receipts?${params}`);
    table.querySelector("tbody").replaceChildren(...data.receipts.map(receiptRow));
    show(table, data.receipts.length > 0);
    show($("receipts-empty"), data.receipts.length === 0);
  } catch (error) {
    reportError(error);
  }
}

function receiptRow(receipt) {
  const file = receipt.object_key.split("/").pop();
  return el(
    "tr",
    { testid: "receipt-row" },
    el("td", {}, formatTime(receipt.processed_at)),
    el("td", { className: "mono" }, file),
    el("td", {}, receipt.source_format || "—"),
    el("td", {}, statusBadge(receipt.status)),
    el("td", { className: "num" }, (receipt.consignments || []).length),
    el(
      "td",
      {},
      el(
        "button",
        { type: "button", className: "secondary small", testid: "open-receipt", onclick: () => showReceipt(receipt) },
        "Details",
      ),
    ),
  );
}

function showReceipt(receipt) {
  const title = $("receipt-title");
  title.textContent = `Receipt ${receipt.file_id}: ${receipt.status.replaceAll("_", " ")}`;
  const items = [];
  for (const issue of receipt.issues || []) items.push(issueItem("File", issue));
  for (const outcome of receipt.consignments || []) {
    const label = `${outcome.document_number || "unknown document"} (${outcome.status.replaceAll("_", " ")})`;
    if (!(outcome.issues || []).length) items.push(el("li", {}, `${label}: no issues.`));
    for (const issue of outcome.issues || []) items.push(issueItem(label, issue));
  }
  $("receipt-issues").replaceChildren(...(items.length ? items : [el("li", {}, "No issues.")]));
  show($("receipt-detail"));
  title.focus();
}

function issueItem(where, issue) {
  const at = issue.line ? ` (line ${issue.line})` : issue.segment ? ` (segment ${issue.segment})` : "";
  return el(
    "li",
    { className: `issue-${issue.severity}` },
    `${where}: ${issue.severity.toUpperCase()} ${issue.code}${at} — ${issue.message}`,
  );
}

// ------------------------------------------------------------------ wiring

async function showCountry() {
  try {
    const health = await fetch("/health").then((r) => r.json());
    if (health && health.country) $("country").textContent = `· ${health.country}`;
  } catch {
    // the badge is cosmetic
  }
}

function wire() {
  $("sign-in-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", () => signOut());
  $("alerts-refresh").addEventListener("click", loadAlerts);
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    search(1);
  });
  $("page-prev").addEventListener("click", () => search(Math.max(1, state.page - 1)));
  $("page-next").addEventListener("click", () => search(state.page + 1));
  $("detail-back").addEventListener("click", closeDetail);
  $("upload-form").addEventListener("submit", upload);
  $("receipts-refresh").addEventListener("click", () => loadReceipts());
  $("receipts-filter").addEventListener("submit", (event) => {
    event.preventDefault();
    loadReceipts();
  });
  window.addEventListener("hashchange", () => {
    if (state.me) openFromHash();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !$("detail").hidden) closeDetail();
  });
}

wire();
showCountry();
if (sessionStorage.getItem(TOKEN_KEY)) {
  start();
} else {
  signOut();
}
