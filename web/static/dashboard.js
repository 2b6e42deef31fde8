// The management dashboard (`view_reports`: risk managers, supervisors, auditors, administrators): is targeting
// finding anything, at what cost, and is the team keeping up? Filters (period, port, mode, direction) live in the
// hash (#/dashboard?from=&to=&port=&mode=&direction=&tab=), so a view can be shared and reloaded. Tabs: overview
// (totals, a series per day, alerts by level and category), hit rates by profile, indicator and watch-list entry
// (beside the random-selection baseline), profile review, workload per officer, carriers' data quality.
// Every table has "Export CSV": the report's own CSV (`format=csv`) fetched with the user's token and saved through
// a Blob (a plain link cannot carry the token); small tables drawn from an answer already here are saved from it.
// Numbers link to the consignment search with the matching filters where the search has one (level, profile).

import { $, api, can, el, field, focusHeading, go, notice, request, select, unavailable, words } from "./core.js";
import { barChart, legend, lineChart } from "./charts.js";
import { canRead as canReadRules } from "./rules.js";

const MODES = ["sea", "air", "road", "rail"];
const DIRECTIONS = ["import", "export", "transit", "transshipment"];
const LEVELS = ["red", "amber"];
const MAX_SPAN_DAYS = 366;
const DAY_MS = 86400000;
const UNAVAILABLE = "Reports are not available on this server yet.";

const TABS = [
  ["overview", "Overview"],
  ["profiles", "Profiles by yield"],
  ["indicators", "Indicators"],
  ["watchlist", "Watch-list entries"],
  ["review", "Profile review"],
  ["workload", "Workload"],
  ["carriers", "Carriers"],
];

const SERIES = [
  { key: "received", label: "Received" },
  { key: "alerts", label: "Alerts" },
  { key: "examinations", label: "Examinations" },
];

const isoDay = (date) => date.toISOString().slice(0, 10);
const int = (n) => (n === null || n === undefined ? "—" : Number(n).toLocaleString("en"));
const pct = (r) => (r === null || r === undefined ? "—" : `${(Number(r) * 100).toFixed(1)} %`);
const hours = (h) => (h === null || h === undefined ? "—" : `${Number(h).toFixed(1)} h`);
const money = (v) => (v === null || v === undefined ? "—" : Number(v).toLocaleString("en", { maximumFractionDigits: 2 }));
const counted = (n, one, many) => `${int(n)} ${Number(n) === 1 ? one : many}`;
const times = (r) => (r === null || r === undefined ? "—" : `${Number(r).toFixed(2)} ×`);

/** The filters the hash names, with the API's defaults filled in (the last 30 days up to today, UTC). */
export function readFilters(params) {
  const today = new Date();
  const filters = {
    from: params.get("from") || isoDay(new Date(today.getTime() - 30 * DAY_MS)),
    to: params.get("to") || isoDay(today),
    port: (params.get("port") || "").toUpperCase(),
    mode: MODES.includes(params.get("mode")) ? params.get("mode") : "",
    direction: DIRECTIONS.includes(params.get("direction")) ? params.get("direction") : "",
  };
  const tab = TABS.some(([id]) => id === params.get("tab")) ? params.get("tab") : "overview";
  return { filters, tab };
}

/** What is wrong with a period, or "" (the API checks it again). */
export function periodProblem(from, to) {
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (Number.isNaN(start) || Number.isNaN(end)) return "Enter both dates of the period.";
  if (start > end) return "The period must start on or before its end.";
  if ((end - start) / DAY_MS >= MAX_SPAN_DAYS) return `The period can be at most ${MAX_SPAN_DAYS} days.`;
  return "";
}

function query(filters, extra = {}) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries({ ...filters, ...extra })) if (value) params.set(name, value);
  return params;
}

/** The consignment search with filters (#/consignments?…): the dashboard's port, mode and direction, and `extra`. */
export function searchHash(filters, extra) {
  const params = new URLSearchParams();
  for (const name of ["port", "mode", "direction"]) if (filters[name]) params.set(name, filters[name]);
  for (const [name, value] of Object.entries(extra)) if (value) params.set(name, value);
  return `#/consignments?${params}`;
}

export async function renderDashboard(params) {
  const view = $("dashboard-view");
  const { filters, tab } = readFilters(params);
  const heading = el("h2", { id: "dashboard-title", tabindex: "-1" }, "Dashboard");
  const status = el("p", { className: "status", role: "status", "aria-live": "polite", testid: "dashboard-status" });
  const problem = el("p", { className: "form-error", role: "alert", testid: "dashboard-filter-error", hidden: true });
  view.replaceChildren(
    el("div", { className: "panel-head" }, heading, monthlyForm(filters, status)),
    filterForm(filters, tab, problem),
    problem,
    el("p", { className: "hint", testid: "dashboard-period" }, periodText(filters)),
    status,
  );
  const panels = tabs(filters, tab, status);
  view.append(panels);
  focusHeading(heading);
}

function periodText(filters) {
  const scope = [filters.port, filters.mode, filters.direction].filter(Boolean).map(words).join(", ");
  return `From ${filters.from} to ${filters.to} (UTC, both days included)${scope ? `; ${scope}` : "; every port, mode and direction"}.`;
}

// ------------------------------------------------------------------ filters and the monthly report

function filterForm(filters, tab, problem) {
  const from = el("input", { type: "date", name: "from", value: filters.from, required: true, testid: "dash-from" });
  const to = el("input", { type: "date", name: "to", value: filters.to, required: true, testid: "dash-to" });
  const port = el("input", {
    name: "port",
    value: filters.port,
    testid: "dash-port",
    maxlength: "5",
    pattern: "[A-Za-z]{2}[A-Za-z0-9]{3}",
    placeholder: "e.g. JMKIN",
    className: "port",
  });
  const mode = select("mode", [["", "Any"], ...MODES.map((m) => [m, words(m)])], { testid: "dash-mode", value: filters.mode });
  const direction = select("direction", [["", "Any"], ...DIRECTIONS.map((d) => [d, words(d)])], {
    testid: "dash-direction",
    value: filters.direction,
  });
  const form = el(
    "form",
    { className: "search", testid: "dashboard-filters", "aria-label": "Report filters" },
    field("From", from),
    field("To", to),
    field("Port (UN/LOCODE)", port),
    field("Mode", mode),
    field("Direction", direction),
    el("button", { type: "submit", testid: "dash-apply" }, "Apply"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const wanted = {
      from: from.value,
      to: to.value,
      port: port.value.trim().toUpperCase(),
      mode: mode.value,
      direction: direction.value,
    };
    const wrong = periodProblem(wanted.from, wanted.to) || (wanted.port && !/^[A-Z]{2}[A-Z0-9]{3}$/.test(wanted.port) ? "A port is a 5-character UN/LOCODE, e.g. JMKIN." : "");
    problem.textContent = wrong;
    problem.hidden = !wrong;
    if (wrong) return;
    go(`#/dashboard?${query(wanted, { tab: tab === "overview" ? "" : tab })}`);
  });
  return form;
}

function monthlyForm(filters, status) {
  const month = el("input", { type: "month", name: "month", value: filters.to.slice(0, 7), required: true, testid: "dash-month" });
  const form = el(
    "form",
    { className: "search monthly", testid: "monthly-form", "aria-label": "Monthly report" },
    field("Month", month),
    el("button", { type: "submit", className: "secondary", testid: "monthly-pdf" }, "Monthly report (PDF)"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!/^\d{4}-\d{2}$/.test(month.value)) {
      status.textContent = "Choose a month (YYYY-MM).";
      return;
    }
    const params = query({}, { month: month.value });
    await download(
      `/reports/monthly.pdf?${params}`,
      `cts-monthly-report-${month.value}.pdf`,
      status,
      form.querySelector("button"),
      "application/pdf",
    );
  });
  return form;
}

// ------------------------------------------------------------------ downloads

function filenameOf(disposition) {
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition || "");
  if (!match) return "";
  const name = decodeURIComponent(match[1]).replace(/[\\/]/g, "_");
  return name.trim();
}

/** GET `path` with the user's token and save the answer as a file (the server's file name, else `fallback`);
 * `accept` names the file's media type. */
export async function download(path, fallback, status, button, accept = "*/*") {
  if (button) button.disabled = true;
  status.textContent = `Preparing ${fallback}…`;
  try {
    const response = await request(path, { accept });
    const name = filenameOf(response.headers.get("Content-Disposition")) || fallback;
    saveBlob(await response.blob(), name);
    status.textContent = `Downloaded ${name}.`;
  } catch (error) {
    status.textContent = unavailable(error) ? `${fallback}: ${UNAVAILABLE}` : `Download failed: ${error.message}`;
  } finally {
    if (button) button.disabled = false;
  }
}

function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30000);
}

function csvCell(value) {
  let text = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text) && !/^-?\d/.test(text)) text = `'${text}`; // not a formula in a spreadsheet
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Save rows already on screen as CSV (header row first). */
function saveCsv(header, rows, name, status) {
  const text = [header, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
  saveBlob(new Blob([text], { type: "text/csv" }), name);
  status.textContent = `Downloaded ${name}.`;
}

function exportButton(what, testid, onclick) {
  return el("button", { type: "button", className: "secondary small", testid, "aria-label": `Export CSV: ${what}`, onclick }, "Export CSV");
}

/** A button that saves the report's own CSV (`format=csv` of `path` with the filters). */
function serverCsv(what, testid, path, filters, extra, name, status) {
  const button = exportButton(what, testid, () =>
    download(`${path}?${query(filters, { ...extra, format: "csv" })}`, name, status, button, "text/csv"),
  );
  return button;
}

const fileStem = (filters, report) => `cts-${report}-${filters.from}-to-${filters.to}`;

// ------------------------------------------------------------------ tabs

function tabs(filters, selected, status) {
  const list = el("div", { className: "tabs", role: "tablist", "aria-label": "Reports", testid: "dashboard-tabs" });
  const box = el("div", { className: "tab-panels" });
  const loaded = new Set();
  const buttons = [];
  const panels = new Map();

  const choose = (id, { focus = false } = {}) => {
    for (const button of buttons) {
      const on = button.dataset.tab === id;
      button.setAttribute("aria-selected", on ? "true" : "false");
      button.tabIndex = on ? 0 : -1;
      if (on && focus) button.focus();
    }
    for (const [name, panel] of panels) panel.hidden = name !== id;
    const params = query(filters, { tab: id === "overview" ? "" : id });
    history.replaceState(null, "", `#/dashboard?${params}`);
    if (!loaded.has(id)) {
      loaded.add(id);
      LOADERS[id](panels.get(id), filters, status);
    }
  };

  for (const [id, label] of TABS) {
    const button = el(
      "button",
      { type: "button", role: "tab", id: `tab-${id}`, "aria-controls": `tabpanel-${id}`, testid: `tab-${id}`, "data-tab": id },
      label,
    );
    button.addEventListener("click", () => choose(id));
    button.addEventListener("keydown", (event) => {
      const at = TABS.findIndex(([name]) => name === id);
      const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: TABS.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      choose(TABS[(next + TABS.length) % TABS.length][0], { focus: true });
    });
    buttons.push(button);
    list.append(button);
    const panel = el(
      "section",
      { className: "tab-panel", role: "tabpanel", id: `tabpanel-${id}`, "aria-labelledby": `tab-${id}`, tabindex: "0", testid: `panel-${id}`, hidden: true },
      el("p", { className: "loading" }, "Loading…"),
    );
    panels.set(id, panel);
    box.append(panel);
  }
  choose(selected);
  return el("div", {}, list, box);
}

/** Read a report into `panel`; a failure is written in its place ("not available" for a missing route). */
async function read(panel, path) {
  panel.replaceChildren(el("p", { className: "loading", testid: "report-loading" }, "Loading…"));
  try {
    return await api(path);
  } catch (error) {
    if (unavailable(error)) panel.replaceChildren(notice(UNAVAILABLE, { testid: "reports-unavailable" }));
    else panel.replaceChildren(notice(error.message, { kind: "error", testid: "report-error" }));
    return null;
  }
}

function grid({ caption, columns, rows, testid, rowTestid }) {
  return el(
    "table",
    { className: "grid", testid },
    el("caption", { className: "visually-hidden" }, caption),
    el("thead", {}, el("tr", {}, columns.map(([label, num]) => el("th", { scope: "col", className: num ? "num" : null }, label)))),
    el(
      "tbody",
      {},
      rows.map((cells) =>
        el(
          "tr",
          { testid: rowTestid },
          cells.map((cell, i) => el("td", { className: columns[i][1] ? "num" : null }, cell)),
        ),
      ),
    ),
  );
}

function tableHead(title, ...controls) {
  return el("div", { className: "table-head" }, el("h3", {}, title), ...controls);
}

function drill(text, hash, label) {
  if (!can("view_consignments") || text === "0") return text;
  return el("a", { href: hash, testid: "drill-down", "aria-label": label }, text);
}

// ------------------------------------------------------------------ overview

const TILES = [
  ["received", "Received"],
  ["assessed", "Assessed"],
  ["alerts", "Alerts"],
  ["random_selections", "Randomly selected"],
  ["referrals", "Referrals"],
  ["examinations", "Examinations"],
  ["findings", "Findings"],
  ["seizures", "Seizures"],
  ["seizure_value", "Value seized"],
  ["overdue_cases", "Overdue cases"],
];

async function loadOverview(panel, filters, status) {
  const data = await read(panel, `/reports/overview?${query(filters)}`);
  if (!data) return;
  const totals = data.totals || {};
  const tiles = el(
    "ul",
    { className: "tiles", testid: "totals", "aria-label": "Totals for the period" },
    TILES.map(([key, label]) => {
      const value = key === "seizure_value" ? money(totals[key]) : int(totals[key]);
      const shown = key === "overdue_cases" && can("view_cases") && totals[key] ? el("a", { href: "#/cases", "aria-label": `${value} overdue cases: open the case board` }, value) : value;
      return el("li", { className: `tile${key === "overdue_cases" && totals[key] ? " warn" : ""}`, testid: `total-${key}` }, el("span", { className: "tile-value", testid: "tile-value" }, shown), el("span", { className: "tile-label" }, label));
    }),
  );
  const parts = [tiles];
  if (!totals.received && !totals.alerts && !totals.examinations) {
    parts.push(notice("Nothing was received, alerted or examined in this period with these filters.", { testid: "overview-empty" }));
  }
  parts.push(timing(data), seriesBlock(data.series || [], filters, status), el("div", { className: "two-col" }, levelBlock(data, filters, status), categoryBlock(data, filters, status)));
  if (can("view_consignments")) {
    parts.push(
      el(
        "p",
        { className: "hint" },
        "Numbers that are links open the consignments of that kind in the search, with this port, mode and direction (the search has no filter on the day received, so it shows them whenever they arrived). ",
        el("a", { href: searchHash(filters, { eta_from: filters.from, eta_to: filters.to }), testid: "drill-arrivals" }, "Consignments arriving in this period"),
      ),
    );
  }
  panel.replaceChildren(...parts);
}

function timing(data) {
  const lead = data.lead_time || {};
  const decision = data.decision_time || {};
  return el(
    "dl",
    { className: "facts timing", testid: "timing" },
    el("dt", {}, "Alert lead time before arrival"),
    el(
      "dd",
      {},
      lead.alerts
        ? `median ${hours(lead.median_hours)}, 10th percentile ${hours(lead.p10_hours)} over ${int(lead.alerts)} alerts; ${int(lead.after_arrival)} raised after arrival`
        : "No alerts in this period.",
    ),
    el("dt", {}, "Alert to decision"),
    el(
      "dd",
      {},
      decision.decided ? `median ${hours(decision.median_hours)}, 90th percentile ${hours(decision.p90_hours)} over ${int(decision.decided)} decisions` : "No decisions in this period.",
    ),
  );
}

function seriesBlock(series, filters, status) {
  const title = "Received, alerts and examinations per day";
  const sum = (key) => series.reduce((n, row) => n + (Number(row[key]) || 0), 0);
  const description = `${series.length} days from ${filters.from} to ${filters.to}: ${SERIES.map((s) => `${s.label.toLowerCase()} ${int(sum(s.key))}`).join(", ")} in all.`;
  const csv = serverCsv("received, alerts and examinations per day", "export-series", "/reports/overview", filters, {}, `${fileStem(filters, "daily")}.csv`, status);
  const table = grid({
    caption: "Per day: received, assessed, alerts, examinations, findings",
    columns: [["Day"], ["Received", true], ["Assessed", true], ["Alerts", true], ["Examinations", true], ["Findings", true]],
    rows: series.map((r) => [r.day, int(r.received), int(r.assessed), int(r.alerts), int(r.examinations), int(r.findings)]),
    testid: "series-table",
    rowTestid: "series-row",
  });
  return el(
    "div",
    { className: "chart-block", testid: "series-block" },
    tableHead(title, csv),
    series.length ? lineChart({ rows: series, series: SERIES, title, description, testid: "series-chart" }) : notice("No days in this period."),
    legend(SERIES),
    el("details", {}, el("summary", {}, "The numbers per day"), table),
  );
}

function levelBlock(data, filters, status) {
  const counts = data.alerts_by_level || {};
  const levels = [...LEVELS, ...Object.keys(counts).filter((l) => !LEVELS.includes(l))];
  const items = levels.map((level) => ({ label: words(level), value: counts[level] || 0, kind: level, level }));
  const total = items.reduce((n, i) => n + i.value, 0);
  const title = "Alerts by level";
  const chart = total
    ? barChart({ items, title, description: items.map((i) => `${i.label} ${int(i.value)}`).join(", "), testid: "level-chart" })
    : notice("No alerts in this period.", { testid: "level-empty" });
  const table = grid({
    caption: title,
    columns: [["Level"], ["Alerts", true]],
    rows: items.map((i) => [words(i.level), drill(int(i.value), searchHash(filters, { level: i.level }), `${int(i.value)} ${i.label} alerts: show the consignments`)]),
    testid: "level-table",
    rowTestid: "level-row",
  });
  const csv = exportButton("alerts by level", "export-levels", () =>
    saveCsv(["level", "alerts"], items.map((i) => [i.level, i.value]), `${fileStem(filters, "alerts-by-level")}.csv`, status),
  );
  return el("div", { className: "chart-block", testid: "level-block" }, tableHead(title, csv), chart, table);
}

function categoryBlock(data, filters, status) {
  const counts = data.alerts_by_category || {};
  const items = Object.entries(counts)
    .map(([category, value]) => ({ label: words(category), value: Number(value) || 0, category }))
    .sort((a, b) => b.value - a.value || a.label.localeCompare(b.label));
  const title = "Alerts by category";
  const chart = items.length
    ? barChart({ items, title, description: items.map((i) => `${i.label} ${int(i.value)}`).join(", "), testid: "category-chart" })
    : notice("No alerts in this period.", { testid: "category-empty" });
  const table = grid({
    caption: title,
    columns: [["Category"], ["Alerts", true]],
    rows: items.map((i) => [i.label, int(i.value)]),
    testid: "category-table",
    rowTestid: "category-row",
  });
  const csv = exportButton("alerts by category", "export-categories", () =>
    saveCsv(["category", "alerts"], items.map((i) => [i.category, i.value]), `${fileStem(filters, "alerts-by-category")}.csv`, status),
  );
  return el("div", { className: "chart-block", testid: "category-block" }, tableHead(title, csv), chart, items.length ? table : null);
}

// ------------------------------------------------------------------ hit rates

const BY = {
  profiles: { by: "profile", noun: "Profile", plural: "profiles", report: "hit-rates-profiles" },
  indicators: { by: "indicator", noun: "Indicator", plural: "indicators", report: "hit-rates-indicators" },
  watchlist: { by: "watchlist_entry", noun: "Watch-list entry", plural: "watch-list entries", report: "hit-rates-watchlist" },
};

const REVIEW = { no_hits: "No hits", below_baseline: "Below baseline" };

function reviewBadge(flag) {
  if (!flag) return "—";
  return el("span", { className: "badge review-flag", testid: "review-flag" }, REVIEW[flag] || words(flag));
}

function baselineText(baseline) {
  if (!baseline || !baseline.examinations) return "Random-selection baseline: no randomly selected consignment was examined in this period.";
  return `Random-selection baseline: ${counted(baseline.findings, "finding", "findings")} in ${counted(baseline.examinations, "examination", "examinations")} of randomly selected consignments, a hit rate of ${pct(baseline.hit_rate)}.`;
}

function nameCell(kind, row) {
  const name = row.name && row.name !== row.id ? row.name : "";
  const id = el("span", { className: "mono" }, row.id);
  if (kind === "profile" && canReadRules()) {
    return el("span", {}, el("a", { href: `#/profiles/${encodeURIComponent(row.id)}` }, name || row.id), name ? el("br") : null, name ? id : null);
  }
  return el("span", {}, name, name ? el("br") : null, id);
}

function hitRows(kind, rows, filters) {
  return rows.map((row, i) => [
    String(i + 1),
    nameCell(kind, row),
    kind === "profile" ? drill(int(row.hits), searchHash(filters, { profile: row.id }), `${int(row.hits)} hits of ${row.name || row.id}: show the consignments it matched`) : int(row.hits),
    int(row.examinations),
    int(row.findings),
    int(row.seizures),
    pct(row.hit_rate),
    times(row.vs_baseline),
    reviewBadge(row.review),
  ]);
}

const HIT_COLUMNS = (noun) => [["Rank", true], [noun], ["Hits", true], ["Examinations", true], ["Findings", true], ["Seizures", true], ["Hit rate", true], ["vs. random", true], ["Review"]];

function hitTable(kind, noun, rows, filters, testid) {
  return grid({ caption: `${noun} ranked by yield: findings per examination, then findings`, columns: HIT_COLUMNS(noun), rows: hitRows(kind, rows, filters), testid, rowTestid: "hit-rate-row" });
}

async function loadHitRates(tab, panel, filters, status) {
  const { by, noun, plural, report } = BY[tab];
  const what = `${plural} ranked by yield`;
  const data = await read(panel, `/reports/hit-rates?${query(filters, { by })}`);
  if (!data) return;
  const rows = data.rows || [];
  const csv = serverCsv(what, `export-${tab}`, "/reports/hit-rates", filters, { by }, `${fileStem(filters, report)}.csv`, status);
  panel.replaceChildren(
    tableHead(`${plural[0].toUpperCase()}${plural.slice(1)} ranked by yield`, csv),
    el("p", { className: "baseline-note", testid: "baseline" }, baselineText(data.baseline)),
    el(
      "p",
      { className: "hint" },
      "Hits: closed cases whose alert the rule fired on. Hit rate: findings per examination. “vs. random”: the hit rate divided by the random-selection baseline's. Flagged for review: no finding, or a hit rate below the baseline.",
      by === "profile" && can("view_consignments") ? " A profile's hits link to every consignment it matched in the search." : "",
    ),
    rows.length ? hitTable(by, noun, rows, filters, `hit-rates-${tab}`) : notice(`No ${plural} matched anything in this period.`, { testid: "hit-rates-empty" }),
  );
}

// ------------------------------------------------------------------ profile review

async function loadReview(panel, filters, status, months = 6, refocus = false) {
  const data = await read(panel, `/reports/profile-review?${query({}, { months: String(months) })}`);
  if (!data) return;
  const pick = select("months", [["3", "3 months"], ["6", "6 months"], ["12", "12 months"]], { testid: "review-months", value: String(months) });
  pick.addEventListener("change", () => loadReview(panel, filters, status, Number(pick.value), true));
  const flagged = data.flagged || [];
  const ending = data.ending_soon || [];
  const flaggedCsv = serverCsv("profiles flagged for review", "export-review", "/reports/profile-review", {}, { months: String(months) }, `${fileStem(filters, "profile-review")}.csv`, status);
  const endingCsv = exportButton("profiles ending soon", "export-ending", () =>
    saveCsv(["id", "name", "valid_to", "days_left"], ending.map((r) => [r.id, r.name, r.valid_to, r.days_left]), `${fileStem(filters, "profiles-ending-soon")}.csv`, status),
  );
  panel.replaceChildren(
    el("form", { className: "search", "aria-label": "Review window" }, field("Over the last", pick)),
    tableHead(`Flagged for review (${int(flagged.length)})`, flaggedCsv),
    el("p", { className: "hint" }, `Profiles in force with no finding, or a hit rate below the random-selection baseline, over this month and the ${months - 1} before (whatever the filters above); profiles whose validity ends within 30 days.`),
    flagged.length ? hitTable("profile", "Profile", flagged, filters, "review-flagged") : notice("No profile needs review.", { testid: "review-empty" }),
    tableHead(`Ending soon (${int(ending.length)})`, ending.length ? endingCsv : null),
    ending.length
      ? grid({
          caption: "Profiles near their end date, soonest first",
          columns: [["Profile"], ["Valid to"], ["Days left", true]],
          rows: ending.map((r) => [nameCell("profile", r), r.valid_to || "—", int(r.days_left)]),
          testid: "review-ending",
          rowTestid: "ending-row",
        })
      : notice("No profile ends soon.", { testid: "ending-empty" }),
  );
  if (refocus) pick.focus();
}

// ------------------------------------------------------------------ workload and carriers

async function loadWorkload(panel, filters, status) {
  const data = await read(panel, `/reports/workload?${query(filters)}`);
  if (!data) return;
  const officers = data.officers || [];
  const csv = serverCsv("workload per officer", "export-workload", "/reports/workload", filters, {}, `${fileStem(filters, "workload")}.csv`, status);
  panel.replaceChildren(
    tableHead("Workload per officer", csv),
    officers.length
      ? grid({
          caption: "Cases per officer: open and overdue now; decided and closed in the period, median time from alert to decision",
          columns: [["Officer"], ["Open", true], ["Overdue", true], ["Decided", true], ["Closed", true], ["Median alert to decision", true]],
          rows: officers.map((o) => [
            o.officer,
            int(o.open),
            o.overdue ? el("span", { className: "overdue-text" }, int(o.overdue)) : int(o.overdue),
            int(o.decided),
            int(o.closed),
            hours(o.median_decision_hours),
          ]),
          testid: "workload-table",
          rowTestid: "workload-row",
        })
      : notice("No case was worked in this period.", { testid: "workload-empty" }),
  );
}

async function loadCarriers(panel, filters, status) {
  const data = await read(panel, `/reports/carriers?${query(filters)}`);
  if (!data) return;
  const carriers = data.carriers || [];
  const csv = serverCsv("carriers' data quality", "export-carriers", "/reports/carriers", filters, {}, `${fileStem(filters, "carriers")}.csv`, status);
  panel.replaceChildren(
    tableHead("Carriers' data quality and filing", csv),
    el("p", { className: "hint" }, "Late filings: filed after the deadline before loading or arrival. Vague descriptions: goods described too generally to assess."),
    carriers.length
      ? grid({
          caption: "Per carrier: files, rejected files, consignments, late filings, vague descriptions, share filed on time",
          columns: [["Carrier"], ["Files", true], ["Rejected files", true], ["Consignments", true], ["Late filings", true], ["Vague descriptions", true], ["On time", true]],
          rows: carriers.map((c) => [el("span", { className: "mono" }, c.carrier_id), int(c.files), int(c.rejected_files), int(c.consignments), int(c.late_filings), int(c.vague_descriptions), pct(c.on_time_share)]),
          testid: "carriers-table",
          rowTestid: "carrier-row",
        })
      : notice("No carrier filed in this period.", { testid: "carriers-empty" }),
  );
}

const LOADERS = {
  overview: loadOverview,
  profiles: (panel, filters, status) => loadHitRates("profiles", panel, filters, status),
  indicators: (panel, filters, status) => loadHitRates("indicators", panel, filters, status),
  watchlist: (panel, filters, status) => loadHitRates("watchlist", panel, filters, status),
  review: (panel, filters, status) => loadReview(panel, filters, status),
  workload: loadWorkload,
  carriers: loadCarriers,
};
