// Cargo Targeting System web app: plain ES modules, no build step, no third-party code.
// Talks to the API on the same origin; the id token lives in sessionStorage (gone when the tab closes).
// Everything the API returns is written with textContent, never as HTML. Screens are hash routes (router below):
//   #/                      home: alert inbox and search (officers), uploads and receipts (carriers)
//   #/alerts/<alert id>     an alert: its consignment, and its case
//   #/consignments/<key>    a consignment
//   #/cases, #/cases/<id>   the case board, a case
//   #/profiles[/<id>]       risk profiles (risk managers)
//   #/watchlists            watch-list entries (risk managers)
//   #/dashboard?from=&to=…  the management dashboard (view_reports)

import {
  $,
  ACCESS_KEY,
  TOKEN_KEY,
  api,
  can,
  el,
  formatTime,
  go,
  levelBadge,
  randomBadge,
  reportError,
  show,
  showError,
  state,
  statusBadge,
  whenUnauthorized,
} from "./core.js";
import { renderAudit, renderSubscriptions } from "./audit.js";
import { renderAlertCase, renderCase, renderCaseBoard } from "./cases.js";
import { renderDashboard } from "./dashboard.js";
import { openDetail } from "./consignment.js";
import { renderUsers } from "./users.js";
import { renderSecurity } from "./security.js";
import { canRead as canReadRules, renderProfile, renderProfiles, renderWatchlists } from "./rules.js";

const PAGE_SIZE = 25;
const POLL_MS = 20000; // live updates: how often the inbox asks for alerts raised since it last asked

// ------------------------------------------------------------------ sign-in / sign-out

// Sign-in may stop at a challenge (POST /auth/login answers {challenge, session, username, ...}): choose a new
// password (a temporary one was given), enter the authenticator app's code, or set the app up first. Each answer
// goes to POST /auth/challenge with the session, and brings tokens or the next challenge. The password is never kept.
let pending = null; // the challenge being answered: {challenge, session, username, secret, otpauth_uri}
const STEPS = ["sign-in-form", "new-password-form", "code-form"];

function showStep(id) {
  for (const step of STEPS) show($(step), step === id);
  for (const box of ["sign-in-error", "new-password-error", "code-error"]) show($(box), false);
}

function stepError(id, message) {
  const box = $(id);
  box.textContent = message;
  show(box, Boolean(message));
}

async function signedIn(answer) {
  if (answer.challenge) return askChallenge(answer);
  pending = null;
  sessionStorage.setItem(TOKEN_KEY, answer.id_token);
  sessionStorage.setItem(ACCESS_KEY, answer.access_token);
  for (const id of ["password", "new-password", "new-password-again", "totp-code"]) $(id).value = "";
  showStep("sign-in-form");
  await start();
}

function askChallenge(answer) {
  pending = answer;
  if (answer.challenge === "new_password") {
    showStep("new-password-form");
    $("new-password-username").value = answer.username;
    $("new-password").focus();
    return;
  }
  const setup = answer.challenge === "mfa_setup";
  $("code-title").textContent = setup ? "Set up two-step sign-in" : "Enter your code";
  $("mfa-setup-secret").textContent = setup ? answer.secret : "";
  $("mfa-setup-uri").textContent = setup ? answer.otpauth_uri : "";
  show($("mfa-setup"), setup);
  $("totp-code").value = "";
  showStep("code-form");
  $("totp-code").focus();
}

/** Back to the first step (the session expired, or the user chose to), with a message. */
function restartSignIn(message = "") {
  pending = null;
  for (const id of ["password", "new-password", "new-password-again", "totp-code"]) $(id).value = "";
  showStep("sign-in-form");
  stepError("sign-in-error", message);
  $("password").focus();
}

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
    const answer = await api("/auth/login", { method: "POST", body: { username, password } });
    $("password").value = "";
    await signedIn(answer);
  } catch (error) {
    errorBox.textContent = error.status === 401 ? "Incorrect username or password." : error.message;
    show(errorBox);
    $("password").focus();
  }
}

async function answerChallenge(answer, errorBoxId, focusId) {
  stepError(errorBoxId, "");
  try {
    const body = { challenge: pending.challenge, username: pending.username, session: pending.session, ...answer };
    await signedIn(await api("/auth/challenge", { method: "POST", body }));
  } catch (error) {
    if (error.code === "session_expired" || error.code === "too_many_attempts") {
      restartSignIn(`${error.message}`);
      return;
    }
    stepError(errorBoxId, error.message);
    $(focusId).focus();
  }
}

async function chooseNewPassword(event) {
  event.preventDefault();
  const first = $("new-password").value;
  const again = $("new-password-again").value;
  if (!first) return stepError("new-password-error", "Enter a new password.");
  if (first !== again) {
    stepError("new-password-error", "The two passwords are not the same.");
    return $("new-password-again").focus();
  }
  await answerChallenge({ new_password: first }, "new-password-error", "new-password");
}

async function enterCode(event) {
  event.preventDefault();
  const code = $("totp-code").value.replace(/\s+/g, "");
  if (!/^[0-9]{6}$/.test(code)) {
    stepError("code-error", "Enter the 6 digits your authenticator app shows.");
    return $("totp-code").focus();
  }
  await answerChallenge({ code }, "code-error", "totp-code");
}

whenUnauthorized(() => signOut("Your session has ended. Please sign in again."));

function signOut(message = "") {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(ACCESS_KEY);
  pending = null;
  showStep("sign-in-form");
  state.me = null;
  stopPolling();
  for (const id of ["officer-view", "carrier-view", "user-bar", "nav", ...SCREENS]) show($(id), false);
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

  const officer = can("view_alerts") || can("view_consignments");
  const carrierSide = can("upload_manifest") || can("view_own_receipts") || can("view_receipts_all");
  buildNav();
  show($("upload"), can("upload_manifest"));
  show($("upload-carrier-field"), can("upload_manifest") && !state.me.carrier_id);
  show($("receipts"), can("view_own_receipts") || can("view_receipts_all"));
  show($("receipts-filter"), can("view_receipts_all"));

  // The screen first (the router renders it once; a later hash change renders the next one), then the home lists.
  const tasks = [route()];
  if (can("view_alerts")) tasks.push(loadAlerts());
  if (can("view_consignments")) tasks.push(search(1));
  if (state.me.carrier_id && can("view_own_receipts")) tasks.push(loadReceipts());
  show($("user-bar"));
  if (!officer && !carrierSide) {
    showError("Your account has no role in this system yet. Ask an administrator to add you to a group.");
  }
  await Promise.all(tasks);
}

// ------------------------------------------------------------------ navigation and the router

// Top-level screens the router shows one at a time (the home screen is the officer and carrier views).
const SCREENS = [
  "alerts",
  "consignments",
  "detail",
  "case-view",
  "case-board",
  "profiles-view",
  "watchlists-view",
  "audit-view",
  "settings-view",
  "users-view",
  "dashboard-view",
  "security-view",
];

function buildNav() {
  const links = [["#/", "Home", true]];
  links.push(["#/cases", "Cases", can("view_cases")]);
  links.push(["#/dashboard", "Dashboard", can("view_reports")]);
  links.push(["#/profiles", "Risk profiles", canReadRules()]);
  links.push(["#/watchlists", "Watch lists", canReadRules()]);
  links.push(["#/audit", "Audit trail", can("view_audit")]);
  links.push(["#/users", "Users", can("manage_users")]);
  links.push(["#/settings", "Alert e-mails", can("manage_own_subscriptions")]);
  links.push(["#/security", "Two-step sign-in", true]);
  const list = $("nav-links");
  list.replaceChildren(
    ...links
      .filter(([, , shown]) => shown)
      .map(([href, label]) => el("li", {}, el("a", { href, testid: `nav-${label.toLowerCase().replaceAll(" ", "-")}` }, label))),
  );
  show($("nav"), links.filter(([, , shown]) => shown).length > 1);
}

function markCurrentLink(hash) {
  for (const link of document.querySelectorAll("#nav-links a")) {
    const href = link.getAttribute("href");
    const current = href === "#/" ? hash === "#/" : hash.startsWith(href);
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function showOnly(...ids) {
  const officer = can("view_alerts") || can("view_consignments");
  const carrierSide = can("upload_manifest") || can("view_own_receipts") || can("view_receipts_all");
  const home = ids.includes("home");
  for (const id of SCREENS) show($(id), ids.includes(id));
  if (home) {
    show($("alerts"), can("view_alerts"));
    show($("consignments"), can("view_consignments"));
  }
  show($("officer-view"), officer && (home || ids.some((id) => ["alerts", "consignments", "detail"].includes(id))));
  show($("carrier-view"), carrierSide && home);
}

function notAllowed(what) {
  showOnly();
  showError(`Your roles do not allow ${what}.`);
}

// Render the screen the hash names; every screen moves focus to its heading.
async function route() {
  if (!state.me) return;
  const hash = location.hash && location.hash !== "#" ? location.hash : "#/";
  if (state.currentHash && state.currentHash !== hash) state.previousHash = state.currentHash;
  state.currentHash = hash;
  showError("");
  markCurrentLink(hash);
  let match;
  if ((match = hash.match(/^#\/alerts\/(.+)$/))) {
    if (!can("view_alerts")) return notAllowed("alerts");
    const alertId = decodeURIComponent(match[1]);
    const alert = state.alerts.get(alertId);
    const key = alert ? alert.key : alertId.replace(/#v\d+$/, "");
    showOnly("detail");
    await Promise.all([openDetail(key, { alert, alertId }), renderAlertCase(alertId)]);
  } else if ((match = hash.match(/^#\/consignments\/(.+)$/))) {
    if (!can("view_consignments")) return notAllowed("consignments");
    showOnly("detail");
    await Promise.all([openDetail(decodeURIComponent(match[1])), renderAlertCase(null)]);
  } else if (hash.startsWith("#/consignments")) {
    if (!can("view_consignments")) return notAllowed("consignments");
    showOnly("consignments");
    fillSearchForm(new URLSearchParams(hash.split("?")[1] || ""));
    $("consignments-title").focus();
    await search(1);
  } else if ((match = hash.match(/^#\/cases\/(.+)$/))) {
    if (!can("view_cases")) return notAllowed("cases");
    showOnly("case-view");
    await renderCase(decodeURIComponent(match[1]));
  } else if (hash.startsWith("#/cases")) {
    if (!can("view_cases")) return notAllowed("cases");
    showOnly("case-board");
    await renderCaseBoard(new URLSearchParams(hash.split("?")[1] || ""));
  } else if ((match = hash.match(/^#\/profiles\/(.+)$/))) {
    if (!canReadRules()) return notAllowed("risk profiles");
    showOnly("profiles-view");
    await renderProfile(decodeURIComponent(match[1]));
  } else if (hash.startsWith("#/profiles")) {
    if (!canReadRules()) return notAllowed("risk profiles");
    showOnly("profiles-view");
    await renderProfiles();
  } else if (hash.startsWith("#/audit")) {
    if (!can("view_audit")) return notAllowed("the audit trail");
    showOnly("audit-view");
    await renderAudit(new URLSearchParams(hash.split("?")[1] || ""));
  } else if (hash.startsWith("#/users")) {
    if (!can("manage_users")) return notAllowed("user management");
    showOnly("users-view");
    await renderUsers();
  } else if (hash.startsWith("#/settings")) {
    if (!can("manage_own_subscriptions")) return notAllowed("alert e-mail settings");
    showOnly("settings-view");
    await renderSubscriptions();
  } else if (hash.startsWith("#/security")) {
    showOnly("security-view");
    await renderSecurity();
  } else if (hash.startsWith("#/dashboard")) {
    if (!can("view_reports")) return notAllowed("the dashboard");
    showOnly("dashboard-view");
    await renderDashboard(new URLSearchParams(hash.split("?")[1] || ""));
  } else if (hash.startsWith("#/watchlists")) {
    if (!canReadRules()) return notAllowed("watch lists");
    showOnly("watchlists-view");
    await renderWatchlists();
  } else {
    showOnly("home");
    if (!(can("view_alerts") || can("view_consignments") || can("upload_manifest") || can("view_own_receipts"))) {
      if (!can("view_receipts_all")) {
        showError("Your account has no role in this system yet. Ask an administrator to add you to a group.");
      }
    }
    $("main").focus();
  }
}

// ------------------------------------------------------------------ alerts

async function loadAlerts() {
  const table = $("alert-inbox");
  const body = table.querySelector("tbody");
  show($("alerts-loading"));
  try {
    const readAt = new Date().toISOString();
    const data = await api("/alerts?status=new");
    for (const alert of data.alerts) state.alerts.set(alert.alert_id, alert);
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
      "aria-label": `Open alert for ${alert.document_number}`,
      onclick: (event) => {
        markRead(alert, event.currentTarget.closest("tr"));
        go(`#/alerts/${encodeURIComponent(alert.alert_id)}`);
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

// Every named field of the search form is a parameter of GET /consignments (same names), so a link such as
// #/consignments?level=red&port=JMKIN (the dashboard's drill-down) fills the form and runs the search.
function searchParams(form) {
  const params = new URLSearchParams();
  for (const field of form.elements) {
    const value = field.name ? String(field.value || "").trim() : "";
    if (value && !(field.name === "sort" && value === "relevance")) params.set(field.name, value);
  }
  return params;
}

function fillSearchForm(params) {
  const form = $("search-form");
  form.reset();
  let more = false;
  for (const [name, value] of params) {
    const field = form.elements[name];
    if (!field || !("value" in field)) continue;
    if (field instanceof HTMLSelectElement && ![...field.options].some((o) => o.value === value)) {
      field.append(el("option", { value }, value.replaceAll("_", " ")));
    }
    field.value = value;
    if (field.closest("#search-more")) more = true;
  }
  if (more) $("search-more").open = true;
}

async function search(page) {
  const form = $("search-form");
  const params = searchParams(form);
  params.set("page", String(page));
  params.set("page_size", String(PAGE_SIZE));
  params.set("facets", FACETS.map(([name]) => name).join(","));
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
    renderFacets(data.facets || {});
  } catch (error) {
    reportError(error);
  }
}

// Facet counts over all matches (when the API returns them): a count per value; values of a field the form can
// filter on are buttons that apply the filter.
const FACETS = [
  ["level", "Level"],
  ["mode", "Mode"],
  ["direction", "Direction"],
  ["alert_status", "Alert"],
  ["case_status", "Case status"],
  ["place_of_discharge", "Discharge port"],
  ["countries", "Countries"],
];

// Facets counted on one field and filtered on another (the route's ports and countries hold every place on it).
const FACET_FILTERS = { place_of_discharge: "port", countries: "country" };

function renderFacets(facets) {
  const box = $("search-facets");
  const groups = FACETS.filter(([name]) => facets[name] && Object.keys(facets[name]).length).map(([name, label]) => {
    const form = $("search-form");
    const filter = form.elements[FACET_FILTERS[name] || name] || null;
    const items = Object.entries(facets[name]).map(([value, count]) => {
      const text = `${value.replaceAll("_", " ")} (${count})`;
      const selectable = filter instanceof HTMLSelectElement ? [...filter.options].some((o) => o.value === value) : !!filter;
      if (!selectable) return el("li", {}, text);
      return el(
        "li",
        {},
        el(
          "button",
          {
            type: "button",
            className: "link",
            testid: "facet-value",
            "aria-pressed": filter.value === value ? "true" : "false",
            onclick: () => {
              filter.value = filter.value === value ? "" : value;
              search(1);
            },
          },
          text,
        ),
      );
    });
    return el("div", { className: "facet", testid: `facet-${name}` }, el("h3", {}, label), el("ul", { className: "plain" }, items));
  });
  box.replaceChildren(...groups);
  show(box, groups.length > 0);
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
        {
          type: "button",
          className: "link",
          testid: "open-consignment",
          onclick: () => go(`#/consignments/${encodeURIComponent(doc.key)}`),
        },
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
    el("td", { className: "num" }, receipt.consignments_total ?? (receipt.consignments || []).length),
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
  // A large file's receipt is kept as its summary: say what it leaves out (the receipt object has it all).
  if (receipt.issues_total != null) {
    const first = (receipt.issues || []).length;
    items.push(el("li", { testid: "receipt-summary" }, `The first ${first} of ${receipt.issues_total} file issues.`));
  }
  if (receipt.consignments_total != null) {
    const listed = (receipt.consignments || []).length;
    items.push(
      el(
        "li",
        { testid: "receipt-summary" },
        `${listed} of ${receipt.consignments_total} consignments listed (only those rejected or with issues, as many as the record holds); the file's receipt object lists every one.`,
      ),
    );
  }
  $("receipt-issues").replaceChildren(...(items.length ? items : [el("li", {}, "No issues.")]));
  $("receipt-stored").replaceChildren();
  show($("receipt-detail"));
  title.focus();
  showStored(receipt.file_id);
}

// The consignment versions the file stored (GET /manifests/{file_id}), linked for customs users.
async function showStored(fileId) {
  const box = $("receipt-stored");
  try {
    const data = await api(`/manifests/${encodeURIComponent(fileId)}?limit=200`);
    const items = (data.consignments || []).map((c) =>
      el(
        "li",
        { testid: "stored-consignment" },
        can("view_consignments") ? el("a", { href: `#/consignments/${encodeURIComponent(c.key)}` }, c.key) : c.key,
        ` (version ${c.version})`,
      ),
    );
    box.replaceChildren(
      el("h4", {}, "Consignments stored from this file"),
      items.length ? el("ul", { className: "plain" }, items) : el("p", { className: "empty" }, "None."),
      data.cursor ? el("p", { className: "hint" }, "The first 200 are shown.") : null,
    );
  } catch {
    box.replaceChildren(); // older servers have no manifest view
  }
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
  $("new-password-form").addEventListener("submit", chooseNewPassword);
  $("code-form").addEventListener("submit", enterCode);
  $("new-password-restart").addEventListener("click", () => restartSignIn());
  $("code-restart").addEventListener("click", () => restartSignIn());
  $("sign-out").addEventListener("click", () => signOut());
  $("alerts-refresh").addEventListener("click", loadAlerts);
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    search(1);
  });
  $("search-clear").addEventListener("click", () => {
    $("search-form").reset();
    search(1);
  });
  $("page-prev").addEventListener("click", () => search(Math.max(1, state.page - 1)));
  $("page-next").addEventListener("click", () => search(state.page + 1));
  $("detail-back").addEventListener("click", () => (state.previousHash ? history.back() : go("#/")));
  $("upload-form").addEventListener("submit", upload);
  $("receipts-refresh").addEventListener("click", () => loadReceipts());
  $("receipts-filter").addEventListener("submit", (event) => {
    event.preventDefault();
    loadReceipts();
  });
  window.addEventListener("hashchange", () => {
    if (state.me) route();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !$("detail").hidden && !event.target.closest("form")) go("#/");
  });
}

wire();
showCountry();
if (sessionStorage.getItem(TOKEN_KEY)) {
  start();
} else {
  signOut();
}
