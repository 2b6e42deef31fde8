// The audit trail (auditors, supervisors, administrators): who did what, by subject, actor or day, newest first;
// and the user's own alert e-mail subscription (every customs role).

import { $, api, can, el, field, focusHeading, formatTime, notice, select, unavailable, words } from "./core.js";

let renders = 0; // the latest render wins when two overlap

export async function renderAudit(params) {
  const ticket = ++renders;
  const view = $("audit-view");
  const heading = el("h2", { id: "audit-title", tabindex: "-1" }, "Audit trail");
  const by = select("by", [["subject", "Subject (e.g. case:<id>, consignment:<key>)"], ["actor", "User"], ["day", "Day (UTC)"]], {
    testid: "audit-by",
  });
  const value = el("input", { name: "value", testid: "audit-value", required: true, maxlength: "512" });
  for (const name of ["subject", "actor", "day"]) {
    if (params.get(name)) {
      by.value = name;
      value.value = params.get(name);
    }
  }
  if (!value.value) {
    by.value = "day";
    value.value = new Date().toISOString().slice(0, 10);
  }
  const form = el(
    "form",
    { className: "search", role: "search", testid: "audit-filter" },
    field("Look up by", by),
    field("Value", value, { grow: true }),
    el("button", { type: "submit" }, "Show"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!value.value.trim()) return;
    location.hash = `#/audit?${new URLSearchParams({ [by.value]: value.value.trim() })}`;
  });
  const body = el("div", { testid: "audit-body" }, el("p", { className: "loading" }, "Loading…"));
  view.replaceChildren(
    el("div", { className: "panel-head" }, heading, el("p", { className: "hint" }, "Append-only: nothing here can be changed or removed.")),
    form,
    body,
  );
  focusHeading(heading);
  if (ticket === renders) await loadAudit(body, { [by.value]: value.value.trim() }, null, []);
}

async function loadAudit(body, query, cursor, shown) {
  const params = new URLSearchParams({ ...query, limit: "50" });
  if (cursor) params.set("cursor", cursor);
  let data;
  try {
    data = await api(`/audit?${params}`);
  } catch (error) {
    body.replaceChildren(
      unavailable(error) ? notice("The audit trail is not available on this server yet.", { testid: "audit-unavailable" }) : notice(error.message, { kind: "error" }),
    );
    return;
  }
  const entries = [...shown, ...(data.entries || [])];
  if (!entries.length) {
    body.replaceChildren(notice("Nothing recorded for this.", { testid: "audit-empty" }));
    return;
  }
  const table = el(
    "table",
    { className: "grid", testid: "audit-list" },
    el("caption", { className: "visually-hidden" }, "Audit entries, newest first"),
    el("thead", {}, el("tr", {}, ["When", "Who", "Action", "Subject", "Details"].map((h) => el("th", { scope: "col" }, h)))),
    el(
      "tbody",
      {},
      entries.map((e) =>
        el(
          "tr",
          { testid: "audit-row" },
          el("td", {}, formatTime(e.at)),
          el("td", {}, e.actor, (e.roles || []).length ? el("span", { className: "hint" }, ` (${e.roles.map(words).join(", ")})`) : null),
          el("td", {}, words(e.action)),
          el("td", { className: "mono" }, subjectLink(e.subject)),
          el(
            "td",
            { className: "hint" },
            Object.entries(e.details || {})
              .map(([k, v]) => `${words(k)}: ${typeof v === "object" ? JSON.stringify(v) : v}`)
              .join("; "),
          ),
        ),
      ),
    ),
  );
  const parts = [table];
  if (data.cursor) {
    parts.push(el("button", { type: "button", className: "secondary", onclick: () => loadAudit(body, query, data.cursor, entries) }, "Show older"));
  }
  body.replaceChildren(...parts);
}

function subjectLink(subject) {
  const [kind, ...rest] = String(subject || "").split(":");
  const id = rest.join(":");
  if (kind === "case" && can("view_cases")) return el("a", { href: `#/cases/${encodeURIComponent(id)}` }, subject);
  if (kind === "consignment" && can("view_consignments")) return el("a", { href: `#/consignments/${encodeURIComponent(id)}` }, subject);
  if (kind === "profile") return el("a", { href: `#/profiles/${encodeURIComponent(id)}` }, subject);
  return subject;
}

// ------------------------------------------------------------------ my alert e-mails

const MODES = ["sea", "air", "road", "rail"];
const DIRECTIONS = ["import", "export", "transit", "transshipment"];
const list = (text) =>
  text
    .split(/[,\s]+/)
    .map((v) => v.trim())
    .filter(Boolean);

export async function renderSubscriptions() {
  const ticket = ++renders;
  const view = $("settings-view");
  const heading = el("h2", { id: "settings-title", tabindex: "-1" }, "My alert e-mails");
  const body = el("div", {}, el("p", { className: "loading" }, "Loading…"));
  const message = el("div", { id: "settings-message", testid: "settings-message", role: "status", "aria-live": "polite" });
  view.replaceChildren(heading, message, body);
  focusHeading(heading);
  let data;
  try {
    data = await api("/me/subscriptions");
  } catch (error) {
    if (ticket !== renders) return;
    body.replaceChildren(unavailable(error) ? notice("Alert e-mail settings are not available on this server yet.") : notice(error.message, { kind: "error" }));
    return;
  }
  if (ticket !== renders) return;
  const current = (data.subscriptions || [])[0] || { ports: [], modes: [], directions: [], categories: [], min_level: "amber", active: false };
  const ports = el("input", { name: "ports", testid: "sub-ports", value: (current.ports || []).join(", "), placeholder: "e.g. JMKIN, JMMBJ" });
  const categories = el("input", { name: "categories", testid: "sub-categories", value: (current.categories || []).join(", "), placeholder: "e.g. drugs, weapons" });
  const level = select("min_level", [["amber", "Amber and red"], ["red", "Red only"]], { testid: "sub-level", value: current.min_level || "amber" });
  const checks = (name, values, chosen) =>
    el(
      "fieldset",
      { className: "checks" },
      el("legend", {}, `${words(name)} (none ticked: any)`),
      values.map((v) => el("label", { className: "check" }, el("input", { type: "checkbox", name, value: v, checked: (chosen || []).includes(v) }), ` ${words(v)}`)),
    );
  const active = el("input", { type: "checkbox", name: "active", testid: "sub-active", checked: current.active !== false && Boolean(data.subscriptions?.length) });
  const supervisor = can("supervise_cases")
    ? el("label", { className: "check" }, el("input", { type: "checkbox", name: "supervisor", checked: Boolean(current.supervisor) }), " Also e-mail me case escalations")
    : null;
  const form = el(
    "form",
    { testid: "subscription-form", "aria-label": "My alert e-mails" },
    el("p", { className: "hint" }, current.email ? `Alerts are e-mailed to ${current.email}.` : "Alerts are e-mailed to your address in the user directory."),
    el("label", { className: "check" }, active, " E-mail me alerts"),
    field("Ports (UN/LOCODEs, comma-separated; empty: any)", ports, { grow: true }),
    checks("modes", MODES, current.modes),
    checks("directions", DIRECTIONS, current.directions),
    field("Risk categories (comma-separated; empty: any)", categories, { grow: true }),
    field("Level", level),
    supervisor,
    el("button", { type: "submit", testid: "sub-save" }, "Save"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const ticked = (name) => [...form.querySelectorAll(`input[name=${name}]:checked`)].map((i) => i.value);
    const body = {
      subscription_id: current.subscription_id || "main",
      ports: list(ports.value).map((p) => p.toUpperCase()),
      modes: ticked("modes"),
      directions: ticked("directions"),
      categories: list(categories.value).map((c) => c.toLowerCase()),
      min_level: level.value,
      active: active.checked,
    };
    if (supervisor) body.supervisor = supervisor.querySelector("input").checked;
    try {
      await api("/me/subscriptions", { method: "PUT", body });
      message.className = "banner ok";
      message.textContent = "Saved.";
    } catch (error) {
      message.className = "banner error";
      message.setAttribute("role", "alert");
      message.textContent = error.message;
    }
  });
  body.replaceChildren(form);
}
