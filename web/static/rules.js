// Risk profiles and watch lists for risk managers: list, edit a draft (JSON document with a structured summary),
// the four-eyes lifecycle buttons the role and status allow, a test against the last N days of arrivals, and the
// watch-list entries (add, edit, remove with a reason, bulk import).

import { NEEDS_REASON, profileActions } from "./permissions.js";
import {
  $,
  ApiError,
  api,
  can,
  el,
  field,
  focusHeading,
  formatTime,
  levelBadge,
  notice,
  select,
  state,
  statusBadge,
  unavailable,
  words,
} from "./core.js";

const PROFILE_STATUSES = ["draft", "submitted", "approved", "active", "superseded", "retired"];
const KINDS = ["party", "company", "person", "address", "phone", "email", "container", "vessel", "hs_code", "port", "country"];
const TEMPLATE = {
  id: "new-profile",
  name: "What this profile looks for",
  category: "drugs",
  scope: { modes: ["sea"] },
  threshold: 40,
  indicators: [
    { id: "source-country", description: "loaded in a known source country", fact: "countries", op: "in", values: ["CO"], weight: 30 },
  ],
};

export const canRead = () => can("manage_rules") || can("approve_rules") || can("view_audit");

function unavailableNotice(what) {
  return notice(`${what}: not available on this server yet.`, { testid: "rules-unavailable" });
}

function messageBox(id) {
  return el("div", { id, testid: id, role: "status", "aria-live": "polite" });
}

function say(id, text, { error = false, reload } = {}) {
  const box = $(id);
  if (!box) return;
  box.className = error ? "banner error" : "banner ok";
  box.setAttribute("role", error ? "alert" : "status");
  box.replaceChildren(el("span", {}, text));
  if (reload) {
    const button = el("button", { type: "button", className: "secondary small", testid: "rules-reload", onclick: reload }, "Reload");
    box.append(" ", button);
    button.focus();
  }
}

function conflictText(error) {
  return `Someone else changed this since you opened it: reload and re-apply your change. (${error.message})`;
}

// ------------------------------------------------------------------ profile list

let renders = 0; // the latest render wins when two overlap

export async function renderProfiles() {
  const ticket = ++renders;
  const view = $("profiles-view");
  const heading = el("h2", { id: "profiles-title", tabindex: "-1" }, "Risk profiles");
  const body = el("div", {}, el("p", { className: "loading" }, "Loading profiles…"));
  view.replaceChildren(el("div", { className: "panel-head" }, heading), messageBox("profiles-message"), body);
  focusHeading(heading);
  let data;
  try {
    data = await api("/profiles");
  } catch (error) {
    if (ticket !== renders) return;
    body.replaceChildren(unavailable(error) || error.status === 404 ? unavailableNotice("Risk profiles") : notice(error.message, { kind: "error" }));
    return;
  }
  if (ticket !== renders) return;
  const profiles = data.profiles || [];
  const rows = profiles.map((p) =>
    el(
      "tr",
      { testid: "profile-row", "data-profile-id": p.id },
      el("td", {}, el("a", { href: `#/profiles/${encodeURIComponent(p.id)}`, testid: "open-profile" }, p.id)),
      el("td", {}, p.name),
      el("td", {}, p.category),
      el("td", {}, statusBadge(p.status, "profile-status")),
      el("td", { className: "num" }, p.version),
      el("td", {}, p.author),
    ),
  );
  body.replaceChildren(
    rows.length
      ? el(
          "table",
          { className: "grid", testid: "profile-list" },
          el("caption", { className: "visually-hidden" }, "Risk profiles, latest version of each"),
          el("thead", {}, el("tr", {}, ["Profile", "Name", "Category", "Status", "Version", "Author"].map((h) => el("th", { scope: "col" }, h)))),
          el("tbody", {}, rows),
        )
      : notice("No profiles yet.", { testid: "profiles-empty" }),
  );
  if (can("manage_rules")) body.append(newProfileForm());
}

function newProfileForm() {
  const text = el("textarea", { name: "profile", rows: "14", className: "code", testid: "new-profile-json", spellcheck: "false" });
  text.value = JSON.stringify(TEMPLATE, null, 2);
  const form = el(
    "form",
    { className: "subpanel", testid: "new-profile-form", "aria-label": "New profile" },
    el("h3", {}, "New profile (a draft)"),
    el("p", { className: "hint" }, "The profile document (docs/profiles.md): version, status and author are set by the system."),
    field("Profile document (JSON)", text, { grow: true }),
    el("button", { type: "submit", testid: "new-profile-submit" }, "Create the draft"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const profile = parseJson(text.value, "profiles-message");
    if (!profile) return;
    try {
      const created = await api("/profiles", { method: "POST", body: { profile } });
      location.hash = `#/profiles/${encodeURIComponent(created.id || profile.id)}`;
    } catch (error) {
      say("profiles-message", error.message, { error: true });
    }
  });
  return form;
}

function parseJson(text, box) {
  try {
    const value = JSON.parse(text);
    if (!value || typeof value !== "object" || Array.isArray(value)) throw new Error("the document must be a JSON object");
    return value;
  } catch (error) {
    say(box, `The document is not valid JSON: ${error.message}`, { error: true });
    return null;
  }
}

// ------------------------------------------------------------------ one profile

export async function renderProfile(profileId, { message } = {}) {
  const ticket = ++renders;
  const view = $("profiles-view");
  const heading = el("h2", { id: "profiles-title", tabindex: "-1", testid: "profile-title" }, `Profile ${profileId}`);
  const body = el("div", {}, el("p", { className: "loading" }, "Loading the profile…"));
  view.replaceChildren(
    el("div", { className: "panel-head" }, el("a", { href: "#/profiles" }, "← Risk profiles")),
    heading,
    messageBox("profile-message"),
    body,
  );
  focusHeading(heading);
  let data;
  try {
    data = await api(`/profiles/${encodeURIComponent(profileId)}`);
  } catch (error) {
    if (ticket !== renders) return;
    body.replaceChildren(
      error.status === 404 && !unavailable(error)
        ? notice(`There is no profile ${profileId}.`)
        : unavailable(error)
          ? unavailableNotice("Risk profiles")
          : notice(error.message, { kind: "error" }),
    );
    return;
  }
  if (ticket !== renders) return;
  const versions = data.versions || [];
  const latest = versions[versions.length - 1];
  heading.textContent = `Profile ${latest ? latest.name : profileId}`;
  body.replaceChildren(
    el(
      "p",
      {},
      `Latest version ${data.latest_version}`,
      data.in_force_version ? `, version ${data.in_force_version} in force.` : ", no version in force.",
    ),
    versionsTable(profileId, versions),
  );
  if (latest) {
    body.append(indicatorSummary(latest.profile));
    if (can("manage_rules")) body.append(editor(profileId, latest));
    if (can("manage_rules") || can("approve_rules")) body.append(testPanel(profileId, latest));
  }
  if (message) say("profile-message", message);
}

function versionsTable(profileId, versions) {
  const rows = [...versions].reverse().map((v) => {
    const actions = profileActions(v, state.me).filter((a) => can(a === "approve" || a === "reject" ? "approve_rules" : "manage_rules"));
    return el(
      "tr",
      { testid: "profile-version-row", "data-version": v.version },
      el("td", { className: "num" }, v.version),
      el("td", {}, statusBadge(v.status, "profile-version-status")),
      el("td", {}, v.author),
      el("td", {}, historyList(v.history || [])),
      el("td", {}, actions.length ? stepForm(profileId, v, actions) : "—"),
    );
  });
  return el(
    "table",
    { className: "grid", testid: "profile-versions" },
    el("caption", {}, "Versions, newest first"),
    el("thead", {}, el("tr", {}, ["Version", "Status", "Author", "History", "Lifecycle"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, rows),
  );
}

function historyList(history) {
  if (!history.length) return "—";
  return el(
    "ol",
    { className: "plain small" },
    history.map((t) => el("li", {}, `${formatTime(t.at)} ${t.by}: ${words(t.step)}${t.reason ? ` — ${t.reason}` : ""}`)),
  );
}

const STEP_LABELS = { submit: "Submit for approval", approve: "Approve", reject: "Reject", activate: "Activate", retire: "Retire" };

function stepForm(profileId, version, actions) {
  const reason = el("input", { name: "reason", maxlength: "2000", testid: "profile-step-reason" });
  const form = el("form", { className: "step-form", testid: "profile-steps", "aria-label": `Lifecycle of version ${version.version}` });
  if (actions.some((a) => NEEDS_REASON.has(a))) form.append(field("Reason (needed to reject or retire)", reason));
  for (const action of actions) {
    form.append(
      el(
        "button",
        {
          type: "button",
          className: action === "reject" || action === "retire" ? "secondary small" : "small",
          testid: `profile-${action}`,
          onclick: () => step(profileId, version.version, action, reason.value.trim(), form),
        },
        STEP_LABELS[action],
      ),
      " ",
    );
  }
  return form;
}

async function step(profileId, version, action, reason, form) {
  if (NEEDS_REASON.has(action) && !reason) {
    say("profile-message", `Give a reason to ${action} this version.`, { error: true });
    form.querySelector("input")?.focus();
    return;
  }
  for (const b of form.querySelectorAll("button")) b.disabled = true;
  try {
    const answer = await api(`/profiles/${encodeURIComponent(profileId)}/${action}`, { method: "POST", body: { version, reason } });
    const rescore = answer && answer.rescore ? " Re-scoring has started." : "";
    await renderProfile(profileId, { message: `Version ${version}: ${words(answer?.profile?.status || action)}.${rescore}` });
  } catch (error) {
    for (const b of form.querySelectorAll("button")) b.disabled = false;
    if (error instanceof ApiError && error.status === 409) {
      say("profile-message", conflictText(error), { error: true, reload: () => renderProfile(profileId) });
    } else {
      say("profile-message", error.message, { error: true });
    }
  }
}

function indicatorSummary(profile) {
  const indicators = profile.indicators || [];
  const scope = profile.scope || {};
  const scopeText = Object.entries(scope)
    .filter(([, v]) => v && v.length)
    .map(([k, v]) => `${k}: ${v.join(", ")}`)
    .join("; ");
  return el(
    "div",
    { className: "subpanel", testid: "profile-summary" },
    el("h3", {}, "What the latest version looks for"),
    el(
      "p",
      {},
      `Category ${profile.category}. `,
      profile.threshold ? `Matches when the weights of its fired indicators reach ${profile.threshold}. ` : "",
      profile.match ? "Has a combination rule (match). " : "",
      scopeText ? `Scope: ${scopeText}.` : "Applies to any consignment.",
    ),
    el(
      "table",
      { className: "grid" },
      el("caption", { className: "visually-hidden" }, "Indicators"),
      el("thead", {}, el("tr", {}, ["Indicator", "Description", "Fact", "Test", "Weight"].map((h) => el("th", { scope: "col" }, h)))),
      el(
        "tbody",
        {},
        indicators.map((i) =>
          el(
            "tr",
            { testid: "indicator-row" },
            el("td", { className: "mono" }, i.id),
            el("td", {}, i.description),
            el("td", { className: "mono" }, i.fact || "—"),
            el("td", {}, `${i.op} ${(i.values || []).join(", ")}${i.min !== undefined ? ` min ${i.min}` : ""}${i.max !== undefined ? ` max ${i.max}` : ""}`),
            el("td", { className: "num" }, i.weight),
          ),
        ),
      ),
    ),
  );
}

function editableDocument(profile) {
  const { version, status, author, ...rest } = profile; // the system's to set
  return rest;
}

// Indicators the form edits field by field; others (range, ratio, lead time, country of) stay as they are and are
// edited in the JSON.
const SIMPLE_OPS = ["equals", "in", "prefix", "keyword", "regex", "exists", "missing"];
const MODES = ["sea", "air", "road", "rail"];
const csv = (text) =>
  text
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);

function indicatorRow(indicator, index) {
  const simple = !indicator.op || SIMPLE_OPS.includes(indicator.op);
  const row = el("tr", { testid: "indicator-edit-row" });
  row.indicator = indicator;
  const remove = el(
    "button",
    { type: "button", className: "secondary small", "aria-label": `Remove indicator ${indicator.id || index + 1}`, onclick: () => row.remove() },
    "Remove",
  );
  if (!simple) {
    row.append(
      el("td", { className: "mono" }, indicator.id),
      el("td", { colspan: "4" }, `${indicator.description} (${indicator.op}: edit it in the JSON)`),
      el("td", { className: "num" }, indicator.weight),
      el("td", {}, remove),
    );
    return row;
  }
  const n = index + 1;
  const input = (name, props) => el("input", { name, "aria-label": `Indicator ${n} ${name}`, testid: `indicator-${name}`, ...props });
  const op = select("op", SIMPLE_OPS, { testid: "indicator-op", value: indicator.op || "keyword" });
  op.setAttribute("aria-label", `Indicator ${n} test`);
  row.append(
    el("td", {}, input("id", { value: indicator.id || "", required: true, pattern: "[a-z0-9][a-z0-9_-]*", size: "14" })),
    el("td", {}, input("description", { value: indicator.description || "", required: true })),
    el("td", {}, input("fact", { value: indicator.fact || "", size: "12", placeholder: "goods_text" })),
    el("td", {}, op),
    el("td", {}, input("values", { value: (indicator.values || []).join(", "), placeholder: "comma-separated" })),
    el("td", {}, input("weight", { type: "number", min: "1", max: "1000", value: indicator.weight ?? 10, required: true, className: "narrow" })),
    el("td", {}, remove),
  );
  return row;
}

function readIndicator(row) {
  const get = (name) => row.querySelector(`[name=${name}]`);
  if (!get("id")) return row.indicator; // not edited in the form
  const indicator = { ...row.indicator, id: get("id").value.trim(), description: get("description").value.trim(), op: get("op").value };
  const fact = get("fact").value.trim();
  if (fact) indicator.fact = fact;
  else delete indicator.fact;
  const values = csv(get("values").value);
  if (values.length) indicator.values = values;
  else delete indicator.values;
  indicator.weight = Number(get("weight").value);
  return indicator;
}

function editor(profileId, latest) {
  const base = editableDocument(latest.profile);
  const name = el("input", { name: "name", testid: "profile-name", value: base.name || "", required: true });
  const category = el("input", { name: "category", testid: "profile-category", value: base.category || "", required: true });
  const threshold = el("input", { name: "threshold", type: "number", min: "1", testid: "profile-threshold", value: base.threshold ?? "" });
  const scope = base.scope || {};
  const modes = el(
    "fieldset",
    { className: "checks" },
    el("legend", {}, "Modes (none ticked: any)"),
    MODES.map((m) => el("label", { className: "check" }, el("input", { type: "checkbox", name: "modes", value: m, checked: (scope.modes || []).includes(m) }), ` ${m}`)),
  );
  const ports = el("input", { name: "ports", testid: "profile-ports", value: (scope.ports || []).join(", "), placeholder: "UN/LOCODEs, comma-separated" });
  const rows = el("tbody", {}, (base.indicators || []).map(indicatorRow));
  const addIndicator = el(
    "button",
    {
      type: "button",
      className: "secondary small",
      testid: "indicator-add",
      onclick: () => {
        rows.append(indicatorRow({ op: "keyword", weight: 10 }, rows.children.length));
        rows.lastChild.querySelector("input").focus();
      },
    },
    "Add an indicator",
  );
  const indicators = el(
    "table",
    { className: "grid compact", testid: "indicator-editor" },
    el("caption", {}, "Indicators: each adds its weight when it fires"),
    el("thead", {}, el("tr", {}, ["Id", "Description", "Fact", "Test", "Values", "Weight", ""].map((h) => el("th", { scope: "col" }, h || el("span", { className: "visually-hidden" }, "Remove"))))),
    rows,
  );
  const fromForm = () => {
    const doc = { ...base, name: name.value.trim(), category: category.value.trim() };
    if (threshold.value) doc.threshold = Number(threshold.value);
    else delete doc.threshold;
    doc.scope = { ...scope, modes: [...modes.querySelectorAll("input:checked")].map((i) => i.value), ports: csv(ports.value).map((p) => p.toUpperCase()) };
    doc.indicators = [...rows.children].map(readIndicator);
    return doc;
  };
  const text = el("textarea", { name: "profile", rows: "16", className: "code", testid: "profile-json", spellcheck: "false" });
  const advanced = el(
    "details",
    { testid: "profile-json-details" },
    el("summary", {}, "Edit as JSON (every field: match rules, validity, other tests); when open, the JSON is saved"),
    field("Profile document (JSON)", text, { grow: true }),
  );
  advanced.addEventListener("toggle", () => {
    if (advanced.open) text.value = JSON.stringify(fromForm(), null, 2);
  });
  const reason = el("input", { name: "reason", maxlength: "2000", testid: "profile-edit-reason" });
  const form = el(
    "form",
    { className: "subpanel", testid: "profile-editor", "aria-label": "Edit the profile" },
    el("h3", {}, "Edit (saves a new draft version)"),
    el("p", { className: "hint" }, `Edits version ${latest.version}; if someone saved a newer version meanwhile, you are asked to reload.`),
    el("div", { className: "search" }, field("Name", name, { grow: true }), field("Category", category), field("Threshold (sum of weights)", threshold)),
    el("div", { className: "search" }, modes, field("Ports (empty: any)", ports, { grow: true })),
    indicators,
    addIndicator,
    advanced,
    field("Why the change (kept in the history)", reason, { grow: true }),
    el("button", { type: "submit", testid: "profile-save" }, "Save as a new draft"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const profile = advanced.open ? parseJson(text.value, "profile-message") : fromForm();
    if (!profile) return;
    try {
      const saved = await api(`/profiles/${encodeURIComponent(profileId)}`, {
        method: "PUT",
        body: { profile, version: latest.version, reason: reason.value.trim() },
      });
      await renderProfile(profileId, { message: `Saved as draft version ${saved.version}.` });
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        say("profile-message", conflictText(error), { error: true, reload: () => renderProfile(profileId) });
      } else {
        say("profile-message", error.message, { error: true });
      }
    }
  });
  return form;
}

function testPanel(profileId, latest) {
  const days = el("input", { name: "days", type: "number", min: "1", max: "365", value: "30", testid: "profile-test-days" });
  const result = el("div", { testid: "profile-test-result", "aria-live": "polite" });
  const form = el(
    "form",
    { className: "subpanel search", testid: "profile-test-form", "aria-label": "Test the profile" },
    el("h3", { className: "full" }, `Test version ${latest.version} against recent arrivals`),
    field("Days back (1 to 365)", days),
    el("button", { type: "submit", testid: "profile-test" }, "Test against the last N days"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const n = Number(days.value);
    if (!Number.isInteger(n) || n < 1 || n > 365) {
      result.replaceChildren(notice("Days must be a whole number from 1 to 365.", { kind: "error" }));
      return;
    }
    result.replaceChildren(el("p", { className: "loading" }, "Testing…"));
    try {
      const data = await api(`/profiles/${encodeURIComponent(profileId)}/test`, { method: "POST", body: { days: n, version: latest.version } });
      result.replaceChildren(...testResult(data));
    } catch (error) {
      result.replaceChildren(unavailable(error) ? notice("Testing is not available on this server yet.") : notice(error.message, { kind: "error" }));
    }
  });
  return el("div", {}, form, result);
}

function testResult(data) {
  const levels = Object.entries(data.by_level || {})
    .filter(([, n]) => n)
    .map(([level, n]) => `${n} ${level}`)
    .join(", ");
  const parts = [
    el("p", { testid: "profile-test-summary" }, `${data.selected} of ${data.evaluated} consignments arriving ${data.from} to ${data.to} would have been selected${levels ? ` (${levels})` : ""}.`),
  ];
  if (data.note) parts.push(el("p", { className: "hint" }, data.note));
  const sample = data.sample || [];
  if (sample.length) {
    parts.push(
      el(
        "table",
        { className: "grid", testid: "profile-test-sample" },
        el("caption", {}, "A sample of what it selected"),
        el("thead", {}, el("tr", {}, ["Consignment", "Arrival", "Level", "Score", "Indicators"].map((h) => el("th", { scope: "col" }, h)))),
        el(
          "tbody",
          {},
          sample.map((s) =>
            el(
              "tr",
              {},
              el("td", {}, el("a", { href: `#/consignments/${encodeURIComponent(s.key)}` }, s.key)),
              el("td", {}, formatTime(s.eta)),
              el("td", {}, levelBadge(s.level)),
              el("td", { className: "num" }, s.score),
              el("td", { className: "mono" }, (s.indicators || []).join(", ")),
            ),
          ),
        ),
      ),
    );
  }
  return parts;
}

// ------------------------------------------------------------------ watch lists

export async function renderWatchlists() {
  const view = $("watchlists-view");
  const heading = el("h2", { id: "watchlists-title", tabindex: "-1" }, "Watch lists");
  const q = el("input", { name: "q", type: "search", testid: "watchlist-q" });
  const kind = select("kind", [["", "Any"], ...KINDS.map((k) => [k, words(k)])], { testid: "watchlist-kind" });
  const filter = el("form", { className: "search", role: "search", testid: "watchlist-filter" }, field("Search entries", q, { grow: true }), field("Kind", kind), el("button", { type: "submit" }, "Search"));
  const list = el("div", { testid: "watchlist-body" });
  const entryForm = can("manage_rules") ? entryEditor(() => load(1)) : null;
  view.replaceChildren(
    el("div", { className: "panel-head" }, heading),
    messageBox("watchlists-message"),
    filter,
    list,
    entryForm,
    can("manage_rules") ? importForm(() => load(1)) : null,
  );
  focusHeading(heading);
  const load = async (page) => {
    const params = new URLSearchParams({ page: String(page), page_size: "50" });
    if (q.value.trim()) params.set("q", q.value.trim());
    if (kind.value) params.set("kind", kind.value);
    list.replaceChildren(el("p", { className: "loading" }, "Loading entries…"));
    try {
      const data = await api(`/watchlists?${params}`);
      list.replaceChildren(...entryTable(data, load, entryForm));
    } catch (error) {
      list.replaceChildren(unavailable(error) || error.status === 404 ? unavailableNotice("Watch lists") : notice(error.message, { kind: "error" }));
    }
  };
  filter.addEventListener("submit", (event) => {
    event.preventDefault();
    load(1);
  });
  await load(1);
}

function entryTable(data, load, entryForm) {
  const entries = data.entries || [];
  if (!entries.length) return [notice("No entries match.", { testid: "watchlist-empty" })];
  const rows = entries.map((item) => {
    const e = item.entry || {};
    const actions = el("td");
    if (can("manage_rules")) {
      actions.append(
        el("button", { type: "button", className: "secondary small", testid: "watchlist-edit", onclick: () => entryForm.fill(item) }, "Edit"),
        " ",
        el("button", { type: "button", className: "secondary small", testid: "watchlist-remove", onclick: (event) => removeEntry(item, event.currentTarget.closest("td"), load) }, "Remove"),
      );
    }
    return el(
      "tr",
      { testid: "watchlist-row", "data-entry-id": item.id },
      el("td", { className: "mono" }, item.id),
      el("td", {}, words(e.kind)),
      el("td", {}, e.value, (e.aliases || []).length ? el("span", { className: "hint" }, ` (also ${e.aliases.join(", ")})`) : null),
      el("td", {}, e.category),
      el("td", { className: "num" }, e.weight ?? "—"),
      el("td", {}, item.in_force ? "in force" : "not in force"),
      el("td", { className: "num" }, item.version),
      actions,
    );
  });
  const pages = Math.max(1, Math.ceil((data.total || entries.length) / (data.page_size || 50)));
  const parts = [
    el(
      "table",
      { className: "grid", testid: "watchlist-list" },
      el("caption", { className: "visually-hidden" }, "Watch-list entries"),
      el("thead", {}, el("tr", {}, ["Entry", "Kind", "Value", "Category", "Weight", "Validity", "Version", ""].map((h) => el("th", { scope: "col" }, h || el("span", { className: "visually-hidden" }, "Actions"))))),
      el("tbody", {}, rows),
    ),
  ];
  if (pages > 1) {
    const page = data.page || 1;
    parts.push(
      el(
        "nav",
        { className: "pager", "aria-label": "Entry pages" },
        el("button", { type: "button", className: "secondary", disabled: page <= 1, onclick: () => load(page - 1) }, "Previous"),
        el("span", {}, `Page ${page} of ${pages}`),
        el("button", { type: "button", className: "secondary", disabled: page >= pages, onclick: () => load(page + 1) }, "Next"),
      ),
    );
  }
  return parts;
}

function removeEntry(item, cell, load) {
  const reason = el("input", { name: "reason", required: true, maxlength: "2000", testid: "watchlist-remove-reason" });
  const form = el("form", { className: "step-form" }, field(`Why remove ${item.id}?`, reason), el("button", { type: "submit", className: "small", testid: "watchlist-remove-confirm" }, "Remove"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!reason.value.trim()) return say("watchlists-message", "Give a reason for the removal.", { error: true });
    try {
      await api(`/watchlists/entries/${encodeURIComponent(item.id)}`, { method: "DELETE", body: { version: item.version, reason: reason.value.trim() } });
      say("watchlists-message", `Entry ${item.id} removed (its history stays). Re-scoring has started.`);
      load(1);
    } catch (error) {
      say("watchlists-message", error.status === 409 ? conflictText(error) : error.message, { error: true, reload: error.status === 409 ? () => load(1) : undefined });
    }
  });
  cell.replaceChildren(form);
  reason.focus();
}

function entryEditor(reload) {
  const inputs = {
    id: el("input", { name: "id", required: true, maxlength: "100", testid: "entry-id" }),
    kind: select("kind", KINDS, { testid: "entry-kind" }),
    value: el("input", { name: "value", required: true, maxlength: "500", testid: "entry-value" }),
    aliases: el("input", { name: "aliases", maxlength: "2000", testid: "entry-aliases" }),
    category: el("input", { name: "category", required: true, maxlength: "100", testid: "entry-category" }),
    weight: el("input", { name: "weight", type: "number", min: "1", max: "1000", value: "100", testid: "entry-weight" }),
    reason: el("input", { name: "reason", required: true, maxlength: "2000", testid: "entry-reason" }),
    source: el("input", { name: "source", maxlength: "200", testid: "entry-source" }),
    valid_to: el("input", { name: "valid_to", type: "date", testid: "entry-valid-to" }),
  };
  const title = el("h3", {}, "Add an entry");
  const save = el("button", { type: "submit", testid: "entry-save" }, "Add the entry");
  const cancel = el("button", { type: "button", className: "secondary", hidden: true }, "Cancel the edit");
  let editing = null; // {id, version} of the entry being edited
  const form = el(
    "form",
    { className: "subpanel", testid: "entry-form", "aria-label": "Watch-list entry" },
    title,
    el(
      "div",
      { className: "search" },
      field("Entry id", inputs.id),
      field("Kind", inputs.kind),
      field("Value (name, number, code …)", inputs.value, { grow: true }),
      field("Aliases (comma-separated)", inputs.aliases, { grow: true }),
      field("Category", inputs.category),
      field("Weight (points)", inputs.weight),
      field("Why listed", inputs.reason, { grow: true }),
      field("Source", inputs.source),
      field("Valid until", inputs.valid_to),
    ),
    save,
    " ",
    cancel,
  );
  const reset = () => {
    editing = null;
    form.reset();
    inputs.id.disabled = false;
    title.textContent = "Add an entry";
    save.textContent = "Add the entry";
    cancel.hidden = true;
  };
  cancel.addEventListener("click", reset);
  form.fill = (item) => {
    const e = item.entry || {};
    editing = { id: item.id, version: item.version, entry: e };
    for (const name of ["id", "value", "category", "reason", "source", "valid_to"]) inputs[name].value = e[name] ?? "";
    inputs.kind.value = e.kind;
    inputs.weight.value = e.weight ?? 100;
    inputs.aliases.value = (e.aliases || []).join(", ");
    inputs.id.disabled = true;
    title.textContent = `Edit entry ${item.id} (version ${item.version})`;
    save.textContent = "Save a new version";
    cancel.hidden = false;
    form.scrollIntoView({ block: "start" });
    inputs.value.focus();
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const entry = {
      ...(editing ? editing.entry : {}),
      id: inputs.id.value.trim(),
      kind: inputs.kind.value,
      value: inputs.value.value.trim(),
      aliases: inputs.aliases.value.split(",").map((a) => a.trim()).filter(Boolean),
      category: inputs.category.value.trim(),
      weight: Number(inputs.weight.value || 100),
      reason: inputs.reason.value.trim(),
      source: inputs.source.value.trim(),
    };
    if (inputs.valid_to.value) entry.valid_to = inputs.valid_to.value;
    else delete entry.valid_to;
    if (!entry.id || !entry.value || !entry.category || !entry.reason) {
      return say("watchlists-message", "An entry needs an id, a value, a category and why it is listed.", { error: true });
    }
    try {
      if (editing) {
        await api(`/watchlists/entries/${encodeURIComponent(editing.id)}`, { method: "PUT", body: { entry, version: editing.version } });
      } else {
        await api("/watchlists/entries", { method: "POST", body: { entry } });
      }
      say("watchlists-message", `Entry ${entry.id} saved. Re-scoring has started.`);
      reset();
      reload();
    } catch (error) {
      say("watchlists-message", error.status === 409 ? conflictText(error) : error.message, { error: true, reload: error.status === 409 ? reload : undefined });
    }
  });
  return form;
}

function importForm(reload) {
  const format = select("format", [["csv", "CSV (header line first)"], ["json", "JSON (a list of entries)"]], { testid: "import-format" });
  const content = el("textarea", { name: "content", rows: "6", className: "code", testid: "import-content", spellcheck: "false" });
  const result = el("div", { testid: "import-result", "aria-live": "polite" });
  const form = el(
    "form",
    { className: "subpanel", testid: "import-form", "aria-label": "Import entries" },
    el("h3", {}, "Import entries"),
    field("Format", format),
    field("Entries", content, { grow: true }),
    el("button", { type: "submit", testid: "import-submit" }, "Import"),
    result,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!content.value.trim()) return result.replaceChildren(notice("Paste the entries first.", { kind: "error" }));
    try {
      const data = await api("/watchlists/import", { method: "POST", body: { format: format.value, content: content.value } });
      result.replaceChildren(
        el("p", { testid: "import-summary" }, `Read ${data.read}: ${data.created} created, ${data.updated} updated, ${data.unchanged} unchanged, ${data.rejected} rejected.`),
        (data.errors || []).length
          ? el("ul", { className: "plain" }, data.errors.map((e) => el("li", { className: "issue-error" }, `Line ${e.line}${e.id ? ` (${e.id})` : ""}: ${e.message}`)))
          : null,
      );
      reload();
    } catch (error) {
      result.replaceChildren(notice(error.message, { kind: "error" }));
    }
  });
  return form;
}
