// Users and their roles, for administrators: list, add (Cognito e-mails a temporary password; the app never sees
// one), change a user's roles, disable a user. Not oneself: the API refuses it and the app does not offer it.

import { $, api, el, field, focusHeading, notice, state, unavailable, words } from "./core.js";
import { PERMISSIONS } from "./permissions.js";

// Every role the permission table knows (the Cognito groups).
const ROLES = [...new Set(Object.values(PERMISSIONS).flat())].sort();

let renders = 0;

function say(text, error = false) {
  const box = $("users-message");
  box.className = error ? "banner error" : "banner ok";
  box.setAttribute("role", error ? "alert" : "status");
  box.textContent = text;
}

function roleChecks(name, chosen, testid) {
  return el(
    "fieldset",
    { className: "checks", testid },
    el("legend", {}, "Roles"),
    ROLES.map((role) =>
      el("label", { className: "check" }, el("input", { type: "checkbox", name, value: role, checked: chosen.includes(role) }), ` ${words(role)}`),
    ),
  );
}

const ticked = (node) => [...node.querySelectorAll("input[type=checkbox]:checked")].map((i) => i.value);

export async function renderUsers() {
  const ticket = ++renders;
  const view = $("users-view");
  const heading = el("h2", { id: "users-title", tabindex: "-1" }, "Users and roles");
  const body = el("div", { testid: "users-body" }, el("p", { className: "loading" }, "Loading users…"));
  view.replaceChildren(
    el("div", { className: "panel-head" }, heading),
    el("div", { id: "users-message", testid: "users-message", role: "status", "aria-live": "polite" }),
    body,
    newUserForm(),
  );
  focusHeading(heading);
  const users = [];
  let cursor = null;
  try {
    do {
      const data = await api(`/users?limit=60${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      users.push(...(data.users || []));
      cursor = data.cursor;
    } while (cursor && users.length < 600);
  } catch (error) {
    if (ticket !== renders) return;
    body.replaceChildren(unavailable(error) ? notice("User management is not available on this server yet.") : notice(error.message, { kind: "error" }));
    return;
  }
  if (ticket !== renders) return;
  users.sort((a, b) => a.username.localeCompare(b.username));
  body.replaceChildren(
    users.length
      ? el(
          "table",
          { className: "grid", testid: "user-list" },
          el("caption", { className: "visually-hidden" }, "Users, by name"),
          el("thead", {}, el("tr", {}, ["User", "E-mail", "Roles", "Status", ""].map((h) => el("th", { scope: "col" }, h || el("span", { className: "visually-hidden" }, "Actions"))))),
          el("tbody", {}, users.map(userRow)),
        )
      : notice("No users."),
  );
}

function userRow(user) {
  const me = user.username === state.me.username;
  const status = `${user.enabled === false ? "disabled" : "enabled"}${user.status ? `, ${words(user.status).toLowerCase()}` : ""}`;
  const actions = el("td");
  if (!me && user.enabled !== false) {
    actions.append(
      el("button", { type: "button", className: "secondary small", testid: "user-edit-roles", onclick: () => editRoles(user, actions) }, "Change roles"),
      " ",
      el("button", { type: "button", className: "secondary small", testid: "user-disable", onclick: () => disable(user, actions) }, "Disable"),
    );
  } else if (me) {
    actions.append(el("span", { className: "hint" }, "you"));
  }
  return el(
    "tr",
    { testid: "user-row", "data-username": user.username },
    el("td", {}, user.username, user.carrier_id ? el("span", { className: "hint" }, ` (carrier ${user.carrier_id})`) : null),
    el("td", {}, user.email || "—"),
    el("td", { testid: "user-roles" }, (user.groups || []).map(words).join(", ") || "none"),
    el("td", { testid: "user-status" }, status),
    actions,
  );
}

function editRoles(user, cell) {
  const checks = roleChecks("groups", user.groups || [], "user-role-checks");
  const form = el("form", { className: "step-form", "aria-label": `Roles of ${user.username}` }, checks, el("button", { type: "submit", className: "small", testid: "user-save-roles" }, "Save roles"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const groups = ticked(checks);
    if (!groups.length) return say("A user needs at least one role; disable it instead.", true);
    try {
      await api(`/users/${encodeURIComponent(user.username)}/groups`, { method: "PUT", body: { groups } });
      await renderUsers();
      say(`${user.username}: ${groups.map(words).join(", ")}.`);
    } catch (error) {
      say(error.message, true);
    }
  });
  cell.replaceChildren(form);
  checks.querySelector("input").focus();
}

function disable(user, cell) {
  const confirm = el("button", { type: "button", className: "small", testid: "user-disable-confirm" }, `Disable ${user.username}`);
  const cancel = el("button", { type: "button", className: "secondary small", onclick: () => renderUsers() }, "Cancel");
  confirm.addEventListener("click", async () => {
    try {
      await api(`/users/${encodeURIComponent(user.username)}/disable`, { method: "POST", body: {} });
      await renderUsers();
      say(`${user.username} can no longer sign in.`);
    } catch (error) {
      say(error.message, true);
    }
  });
  cell.replaceChildren(el("span", {}, "They can no longer sign in. "), confirm, " ", cancel);
  confirm.focus();
}

function newUserForm() {
  const username = el("input", { name: "username", testid: "new-user-name", required: true, pattern: "[a-z0-9][a-z0-9._\\-]{2,63}", autocomplete: "off" });
  const email = el("input", { name: "email", type: "email", testid: "new-user-email", required: true, autocomplete: "off" });
  const carrier = el("input", { name: "carrier_id", testid: "new-user-carrier", pattern: "[A-Za-z0-9_\\-]{1,64}" });
  const checks = roleChecks("groups", [], "new-user-roles");
  const form = el(
    "form",
    { className: "subpanel", testid: "new-user-form", "aria-label": "Add a user" },
    el("h3", {}, "Add a user"),
    el("p", { className: "hint" }, "Cognito e-mails a temporary password; the user chooses its own at first sign-in."),
    el("div", { className: "search" }, field("User name (lower case)", username), field("E-mail", email, { grow: true }), field("Carrier id (carrier users only)", carrier)),
    checks,
    el("button", { type: "submit", testid: "new-user-submit" }, "Add the user"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { username: username.value.trim(), email: email.value.trim(), groups: ticked(checks) };
    if (carrier.value.trim()) body.carrier_id = carrier.value.trim();
    if (!body.username || !body.email || !body.groups.length) return say("A user needs a name, an e-mail and at least one role.", true);
    try {
      await api("/users", { method: "POST", body });
      await renderUsers();
      say(`${body.username} added; Cognito has e-mailed a temporary password.`);
    } catch (error) {
      say(error.message, true);
    }
  });
  return form;
}
