// Cases: the case box on an alert, the case screen (status, owner, timeline, the workflow actions the user may
// take now, each sent with the case's revision) and the case board (by status, "mine", soonest arrival first).

import { caseActions } from "./permissions.js";
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
  reportError,
  select,
  state,
  statusBadge,
  unavailable,
  words,
} from "./core.js";

const DECISIONS = [
  ["release", "Release"],
  ["document_check", "Document check"],
  ["physical_examination", "Physical examination"],
  ["non_intrusive_scan", "Non-intrusive scan (X-ray)"],
  ["refer_to_agency", "Refer to another agency"],
];
const RESULTS = [
  ["no_finding", "No finding"],
  ["finding", "Finding"],
  ["seizure", "Seizure"],
];
const STATUSES = ["new", "triaged", "decided", "examined", "closed"];
const MIN_JUSTIFICATION = 20; // cts.domain.case_workflow.MIN_JUSTIFICATION

/** The document number of a consignment key (``<mode>:<issuer>:<number>[...]``). */
const documentOf = (key) => String(key || "").split(":").slice(2).join(":") || key;
const casePath = (id) => `/cases/${encodeURIComponent(id)}`;
export const caseHash = (id) => `#/cases/${encodeURIComponent(id)}`;

// ------------------------------------------------------------------ the case box on an alert

/** On an alert's screen: its case (status, owner) and the way to it; cases open shortly after their alert. */
let boxRenders = 0;

export async function renderAlertCase(alertId) {
  const ticket = ++boxRenders;
  const box = $("detail-case");
  box.hidden = !alertId || !can("view_cases");
  if (box.hidden) return;
  box.replaceChildren(el("p", { className: "loading" }, "Looking for this alert's case…"));
  try {
    const data = await api(casePath(alertId));
    if (ticket !== boxRenders) return;
    const c = data.case;
    box.replaceChildren(
      el("h3", {}, "Case"),
      el(
        "p",
        {},
        statusBadge(c.status, "alert-case-status"),
        " ",
        c.assignee ? `Owner: ${c.assignee}` : "Nobody owns it yet.",
        " ",
        el("a", { href: caseHash(alertId), className: "button", testid: "open-case" }, "Open the case"),
      ),
    );
  } catch (error) {
    if (ticket !== boxRenders) return;
    const retry = el("button", { type: "button", className: "secondary small", testid: "case-retry", onclick: () => renderAlertCase(alertId) }, "Check again");
    if (error.status === 404 && !unavailable(error)) {
      box.replaceChildren(
        el("h3", {}, "Case"),
        el("p", { testid: "alert-case-missing" }, "No case is open for this alert yet: cases open a few seconds after the alert is raised. ", retry),
      );
    } else if (unavailable(error)) {
      box.replaceChildren(el("h3", {}, "Case"), notice("Case work is not available on this server.", { testid: "cases-unavailable" }));
    } else {
      box.replaceChildren(el("h3", {}, "Case"), notice(error.message, { kind: "error" }), retry);
    }
  }
}

// ------------------------------------------------------------------ the case screen

let current = null; // {caseId, data, consignment}
let renders = 0; // the latest render wins when two overlap (a hash change while the previous one still loads)

export async function renderCase(caseId, { message } = {}) {
  const ticket = ++renders;
  const view = $("case-view");
  const heading = el("h2", { id: "case-title", tabindex: "-1", testid: "case-title" }, `Case ${caseId}`);
  const back = can("view_cases") ? el("a", { href: "#/cases", testid: "back-to-board" }, "← Case board") : null;
  view.replaceChildren(el("div", { className: "panel-head" }, back), heading, el("p", { className: "loading" }, "Loading case…"));
  focusHeading(heading);
  let data;
  try {
    data = await api(casePath(caseId));
  } catch (error) {
    if (ticket !== renders) return;
    view.lastChild.replaceWith(
      error.status === 404 && !unavailable(error)
        ? notice(`There is no case ${caseId} (yet): cases open a few seconds after their alert.`, { testid: "case-missing" })
        : unavailable(error)
          ? notice("Case work is not available on this server.", { testid: "cases-unavailable" })
          : notice(error.message, { kind: "error" }),
    );
    return;
  }
  let consignment = null;
  try {
    consignment = await api(`/consignments/${encodeURIComponent(data.case.consignment_key)}`);
  } catch {
    consignment = null; // the case stands on its own
  }
  if (ticket !== renders) return;
  current = { caseId, data, consignment };
  const c = data.case;
  const doc = consignment ? consignment.latest.consignment.transport_document.number : c.consignment_key;
  heading.textContent = `Case for ${doc}`;
  view.lastChild.remove();
  const messageBox = el("div", { id: "case-message", testid: "case-message", role: "status", "aria-live": "polite" });
  view.append(messageBox, caseFacts(c, consignment), actionsPanel(c, data.allowed_actions || []), timeline(data.audit || []));
  view.append(attachmentsPanel(caseId));
  if (message) say(message);
}

function say(text, { conflict = false, error = false } = {}) {
  const box = $("case-message");
  if (!box) return;
  box.className = conflict || error ? "banner error" : "banner ok";
  box.setAttribute("role", conflict || error ? "alert" : "status");
  const parts = [el("span", {}, text)];
  if (conflict) {
    parts.push(
      " ",
      el(
        "button",
        { type: "button", className: "secondary small", testid: "case-reload", onclick: () => renderCase(current.caseId) },
        "Reload the case",
      ),
    );
  }
  box.replaceChildren(...parts);
  if (conflict || error) box.querySelector("button")?.focus();
}

function caseFacts(c, consignment) {
  const list = el("dl", { className: "facts", testid: "case-facts" });
  const add = (label, value, testid) => list.append(el("dt", {}, label), el("dd", { testid }, value ?? "—"));
  const cons = consignment ? consignment.latest.consignment : null;
  add("Status", statusBadge(c.status), "case-status");
  add("Owner", c.assignee || "nobody yet", "case-owner");
  add("Level", levelBadge(c.level));
  if (cons) add("Arrival (ETA)", formatTime(cons.eta));
  const assessment = consignment ? consignment.assessment : null;
  if (assessment) {
    const hits = [...assessment.hits].sort((a, b) => b.points - a.points);
    add(
      "Why it was flagged",
      el(
        "span",
        { testid: "case-reasons" },
        `score ${assessment.score}: `,
        hits.map((h) => `${h.reason} (+${h.points})`).join("; ") || (assessment.random_selection ? "random selection" : "—"),
      ),
    );
  }
  add("Decision", c.decision ? words(c.decision) : null, "case-decision");
  if (c.override) {
    add("Override", `${words(c.override.replaced)} replaced by ${c.override.by} on ${formatTime(c.override.at)}: ${c.override.justification}`);
  }
  if (c.examination) add("Examination", examinationText(c.examination), "case-examination");
  if (c.closed_at) add("Closed", formatTime(c.closed_at));
  if (c.escalations) add("Escalations", String(c.escalations));
  add(
    "Alert and consignment",
    el(
      "span",
      {},
      el("a", { href: `#/alerts/${encodeURIComponent(c.alert_id)}` }, "the alert"),
      " · ",
      el("a", { href: `#/consignments/${encodeURIComponent(c.consignment_key)}` }, c.consignment_key),
    ),
  );
  add("Revision", String(c.revision), "case-revision");
  if (can("view_audit")) {
    add("Audit trail", el("a", { href: `#/audit?${new URLSearchParams({ subject: `case:${c.case_id}` })}` }, "everything recorded on this case"));
  }
  return list;
}

function examinationText(exam) {
  const findings = (exam.findings || []).map(
    (f) => `${f.category}: ${f.quantity} ${f.unit}${Number(f.value) ? `, ${f.value} ${f.currency}` : ""}${f.description ? ` (${f.description})` : ""}`,
  );
  return [words(exam.result), findings.join("; "), exam.remarks].filter(Boolean).join(" — ");
}

// The actions the API says the user may take now, further limited by the mirrored tables (never offer a step the
// role cannot take). report_blocked has no route for people yet.
function offered(c, serverActions) {
  const mirror = new Set(caseActions(c, state.me));
  const needs = { assign: "supervise_cases", override: "supervise_cases" };
  return serverActions.filter((a) => a !== "report_blocked" && mirror.has(a) && can(needs[a] || "work_cases"));
}

function actionsPanel(c, serverActions) {
  const actions = offered(c, serverActions);
  const panel = el("div", { className: "subpanel", testid: "case-actions" }, el("h3", {}, "What you can do"));
  if (!actions.length) {
    panel.append(notice(can("work_cases") ? "Nothing for you to do on this case in its current status." : "You can read this case; your roles do not change cases.", { testid: "case-no-actions" }));
    return panel;
  }
  const builders = { claim: claimForm, assign: assignForm, decide: decideForm, override: overrideForm, record_examination: examinationForm, close: closeForm, note: noteForm };
  for (const action of ["claim", "decide", "record_examination", "close", "assign", "override", "note"]) {
    if (actions.includes(action)) panel.append(builders[action](c));
  }
  return panel;
}

async function send(c, path, body, done, form) {
  const buttons = form ? [...form.querySelectorAll("button")] : [];
  for (const b of buttons) b.disabled = true;
  try {
    await api(`${casePath(c.case_id)}/${path}`, { method: "POST", body: { revision: c.revision, ...body } });
    await renderCase(c.case_id, { message: done });
  } catch (error) {
    for (const b of buttons) b.disabled = false;
    if (error instanceof ApiError && error.status === 409) {
      say(`Someone else changed this case (or it moved on) since you opened it: reload to see the latest. (${error.message})`, { conflict: true });
    } else if (error instanceof ApiError && error.status === 401) {
      // back at sign-in
    } else {
      say(error.message || String(error), { error: true });
    }
  }
}

function actionForm(testid, title, controls, buttonLabel, onsubmit) {
  const form = el("form", { className: "action-form", testid: `${testid}-form`, "aria-label": title });
  form.append(el("h4", {}, title), ...controls, el("button", { type: "submit", testid }, buttonLabel));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    onsubmit(form);
  });
  return form;
}

function claimForm(c) {
  return actionForm("case-claim", "Take the case", [el("p", { className: "hint" }, "You become its owner; it moves to triaged.")], "Claim this case", (form) =>
    send(c, "claim", {}, "You own this case now.", form),
  );
}

function assignForm(c) {
  const input = el("input", { name: "officer", testid: "assign-officer", required: true, maxlength: "128", list: "case-officers", autocomplete: "off" });
  const options = el("datalist", { id: "case-officers" });
  if (can("manage_users")) {
    api("/users?limit=60")
      .then((data) => {
        const officers = (data.users || []).filter((u) => (u.groups || []).some((g) => ["examination_officer", "targeting_analyst", "supervisor"].includes(g)));
        for (const user of officers) options.append(el("option", { value: user.username }));
      })
      .catch(() => {}); // no user directory here: type the name
  }
  return actionForm("case-assign", "Assign to an officer", [field("Officer's user name", input), options], "Assign", (form) => {
    const officer = input.value.trim();
    if (!officer) return say("Name the officer who takes the case.", { error: true });
    return send(c, "assign", { officer }, `Assigned to ${officer}.`, form);
  });
}

function decideForm(c) {
  const choice = select("decision", DECISIONS, { testid: "decide-choice" });
  return actionForm("case-decide", "Decide", [field("Decision", choice)], "Record the decision", (form) =>
    send(c, "decide", { decision: choice.value }, `Decision recorded: ${words(choice.value)}.`, form),
  );
}

function overrideForm(c) {
  const choice = select("decision", DECISIONS.filter(([v]) => v !== c.decision), { testid: "override-choice" });
  const why = el("textarea", { name: "justification", testid: "override-justification", rows: "3", maxlength: "2000", minlength: String(MIN_JUSTIFICATION), required: true });
  return actionForm(
    "case-override",
    "Override the decision (supervisor)",
    [field("New decision", choice), field(`Justification (at least ${MIN_JUSTIFICATION} characters, kept in the override report)`, why, { grow: true })],
    "Override",
    (form) => {
      if (why.value.trim().length < MIN_JUSTIFICATION) return say(`Write a justification of at least ${MIN_JUSTIFICATION} characters.`, { error: true });
      return send(c, "decide", { decision: choice.value, justification: why.value.trim() }, "Decision overridden.", form);
    },
  );
}

function findingRow(index) {
  const row = el("fieldset", { className: "finding", testid: "finding-row" }, el("legend", {}, `Finding ${index}`));
  const input = (name, props = {}) => el("input", { name, testid: `finding-${name}`, ...props });
  row.append(
    field("Category", input("category", { required: true, maxlength: "100", placeholder: "e.g. drugs, undeclared goods" })),
    field("Description", input("description", { maxlength: "2000" }), { grow: true }),
    field("Quantity", input("quantity", { type: "number", min: "0", step: "any", required: true })),
    field("Unit", input("unit", { required: true, maxlength: "20", placeholder: "kg, pcs" })),
    field("Value", input("value", { type: "number", min: "0", step: "any", value: "0" })),
    field("Currency", input("currency", { maxlength: "3", value: "USD", pattern: "[A-Za-z]{3}" })),
  );
  return row;
}

function examinationForm(c) {
  const result = select("result", RESULTS, { testid: "exam-result" });
  const findings = el("div", { className: "findings", testid: "exam-findings" });
  const add = el("button", { type: "button", className: "secondary small", testid: "exam-add-finding" }, "Add a finding");
  const remarks = el("textarea", { name: "remarks", testid: "exam-remarks", rows: "2", maxlength: "2000" });
  const sync = () => {
    const needs = result.value !== "no_finding";
    findings.hidden = !needs;
    add.hidden = !needs;
    if (needs && !findings.children.length) findings.append(findingRow(1));
  };
  result.addEventListener("change", sync);
  add.addEventListener("click", () => {
    findings.append(findingRow(findings.children.length + 1));
    findings.lastChild.querySelector("input").focus();
  });
  sync();
  return actionForm(
    "case-examine",
    `Record the ${words(c.decision || "examination")} result`,
    [field("Result", result), findings, add, field("Remarks", remarks, { grow: true })],
    "Record the examination",
    (form) => {
      const rows = result.value === "no_finding" ? [] : [...findings.querySelectorAll("fieldset")];
      const list = [];
      for (const row of rows) {
        const v = (name) => row.querySelector(`[name=${name}]`).value.trim();
        if (!v("category") || !v("quantity") || !v("unit")) {
          return say("Each finding needs a category, a quantity and a unit.", { error: true });
        }
        list.push({
          category: v("category"),
          description: v("description"),
          quantity: v("quantity"),
          unit: v("unit"),
          value: v("value") || "0",
          currency: (v("currency") || "USD").toUpperCase(),
        });
      }
      return send(c, "examination", { result: result.value, findings: list, remarks: remarks.value.trim() }, "Examination recorded.", form);
    },
  );
}

function closeForm(c) {
  const reason = el("input", { name: "reason", testid: "close-reason", maxlength: "2000" });
  return actionForm("case-close", "Close the case", [field("Reason (optional)", reason, { grow: true })], "Close the case", (form) =>
    send(c, "close", { reason: reason.value.trim() }, "Case closed.", form),
  );
}

function noteForm(c) {
  const text = el("textarea", { name: "text", testid: "note-text", rows: "2", maxlength: "2000", required: true });
  return actionForm("case-note", "Add a note", [field("Note (kept in the timeline)", text, { grow: true })], "Add the note", (form) => {
    if (!text.value.trim()) return say("Write the note first.", { error: true });
    return send(c, "notes", { text: text.value.trim() }, "Note added.", form);
  });
}

function timeline(audit) {
  const box = el("div", { className: "subpanel" }, el("h3", {}, "Timeline"));
  if (!audit.length) {
    box.append(notice("Nothing recorded yet."));
    return box;
  }
  box.append(
    el(
      "ol",
      { className: "timeline", testid: "case-timeline" },
      audit.map((entry) =>
        el(
          "li",
          { testid: "timeline-entry" },
          el("span", { className: "when" }, formatTime(entry.at)),
          " ",
          el("strong", {}, entry.actor),
          ` ${words(entry.action)}`,
          entry.from_status !== entry.to_status ? ` (${words(entry.from_status)} → ${words(entry.to_status)})` : "",
          Object.keys(entry.details || {}).length
            ? el("span", { className: "hint" }, ` ${Object.entries(entry.details).filter(([, v]) => v).map(([k, v]) => `${words(k)}: ${words(v)}`).join(", ")}`)
            : null,
          entry.reason ? el("blockquote", {}, entry.reason) : null,
        ),
      ),
    ),
  );
  return box;
}

// Attachments (photos, reports): listed and uploaded through presigned URLs when the server has the route.
function attachmentsPanel(caseId) {
  const box = el("div", { className: "subpanel", testid: "case-attachments", hidden: true }, el("h3", {}, "Attachments"));
  const list = el("ul", { className: "plain" });
  box.append(list);
  const load = async () => {
    try {
      const data = await api(`${casePath(caseId)}/attachments`);
      const items = data.attachments || data.items || [];
      list.replaceChildren(
        ...(items.length
          ? items.map((a) =>
              el(
                "li",
                { testid: "attachment-row" },
                a.download_url ? el("a", { href: a.download_url, rel: "noopener noreferrer", target: "_blank" }, a.filename) : a.filename,
                a.size ? ` (${formatSize(a.size)})` : "",
                a.uploaded_at ? ` — ${formatTime(a.uploaded_at)}` : "",
              ),
            )
          : [el("li", {}, "No attachments.")]),
      );
      box.hidden = false;
    } catch {
      box.hidden = true; // no attachments on this server (yet)
    }
  };
  if (can("work_cases")) {
    const file = el("input", { type: "file", name: "file", testid: "attachment-file" });
    const status = el("p", { className: "status", role: "status" });
    const form = el("form", { className: "search" }, field("Attach a file", file), el("button", { type: "submit", testid: "attachment-upload" }, "Upload"), status);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const chosen = file.files[0];
      if (!chosen) return (status.textContent = "Choose a file first.");
      status.textContent = `Uploading ${chosen.name}…`;
      try {
        const slot = await api(`${casePath(caseId)}/attachments`, {
          method: "POST",
          body: { filename: chosen.name, content_type: chosen.type || "application/octet-stream", size: chosen.size },
        });
        const put = await fetch(slot.upload_url, { method: slot.method || "PUT", body: chosen, headers: slot.headers || {} });
        if (!put.ok) throw new Error(`the upload was refused (${put.status})`);
        status.textContent = `Attached ${chosen.name}.`;
        form.reset();
        load();
      } catch (error) {
        status.textContent = `Upload failed: ${error.message}`;
      }
    });
    box.append(form);
  }
  load();
  return box;
}

function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

// ------------------------------------------------------------------ the case board

export async function renderCaseBoard(params) {
  const ticket = ++renders;
  const view = $("case-board");
  const heading = el("h2", { id: "case-board-title", tabindex: "-1" }, "Cases");
  const status = select("status", [["", "Open (not closed)"], ["all", "All"], ...STATUSES.map((s) => [s, words(s)])], {
    testid: "board-status",
    value: params.get("status") || "",
  });
  const mine = el("input", { type: "checkbox", name: "mine", testid: "board-mine", checked: params.get("owner") === "me" });
  const mineLabel = el("label", { className: "check" }, mine, " Only my cases");
  const form = el("form", { className: "search", testid: "board-filter", role: "search" }, field("Status", status), mineLabel, el("button", { type: "submit" }, "Show"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if (status.value) next.set("status", status.value);
    if (mine.checked) next.set("owner", "me");
    location.hash = `#/cases${next.toString() ? `?${next}` : ""}`;
  });
  const body = el("div", { testid: "board-body" }, el("p", { className: "loading" }, "Loading cases…"));
  view.replaceChildren(el("div", { className: "panel-head" }, heading, el("p", { className: "hint" }, "Soonest arrival first.")), form, body);
  focusHeading(heading);
  if (ticket === renders) await loadBoard(body, params, null, []);
}

async function loadBoard(body, params, cursor, shown) {
  const query = new URLSearchParams();
  if (params.get("status")) query.set("status", params.get("status"));
  if (params.get("owner")) query.set("owner", params.get("owner"));
  if (cursor) query.set("cursor", cursor);
  let data;
  try {
    data = await api(`/cases${query.toString() ? `?${query}` : ""}`);
  } catch (error) {
    if (unavailable(error) || error.status === 404) {
      body.replaceChildren(notice("The case board is not available on this server yet. Open a case from its alert.", { testid: "board-unavailable" }));
    } else {
      body.replaceChildren(notice(error.message, { kind: "error" }));
      reportError(error);
    }
    return;
  }
  const cases = [...shown, ...(data.cases || [])]; // the API orders by ETA, no ETA last
  if (!cases.length) {
    body.replaceChildren(notice("No cases match.", { testid: "board-empty" }));
    return;
  }
  const me = state.me.username;
  const rows = cases.map((c) =>
    el(
      "tr",
      { testid: "board-row", className: `row-${c.level}${c.overdue ? " overdue" : ""}`, "data-case-id": c.case_id },
      el("td", {}, formatTime(c.eta)),
      el(
        "td",
        {},
        el("a", { href: caseHash(c.case_id), testid: "board-open", "aria-label": `Open the case of ${documentOf(c.consignment_key)}` }, documentOf(c.consignment_key)),
        el("div", { className: "hint mono" }, c.consignment_key),
      ),
      el("td", {}, levelBadge(c.level), c.score !== null && c.score !== undefined ? ` ${c.score}` : ""),
      el("td", {}, statusBadge(c.status, "board-status-badge")),
      el("td", { testid: "board-owner" }, c.owner ? (c.owner === me ? `${c.owner} (you)` : c.owner) : "—"),
      el("td", {}, c.overdue ? el("strong", { className: "overdue-text" }, `overdue since ${formatTime(c.due_at)}`) : formatTime(c.due_at)),
      el("td", { className: "num" }, c.escalations || 0),
    ),
  );
  const tableNode = el(
    "table",
    { className: "grid", testid: "board-list" },
    el("caption", { className: "visually-hidden" }, "Cases, soonest arrival first"),
    el("thead", {}, el("tr", {}, ["Arrival (ETA)", "Document", "Level / score", "Status", "Owner", "Step due", "Escalations"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, rows),
  );
  const parts = [tableNode];
  if (data.cursor) {
    parts.push(
      el("button", { type: "button", className: "secondary", testid: "board-more", onclick: () => loadBoard(body, params, data.cursor, cases) }, "Show more"),
    );
  }
  body.replaceChildren(...parts);
}
