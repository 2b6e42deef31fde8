// Two-step sign-in (#/security): the signed-in user's own authenticator app (TOTP), for every role.
// GET /me/mfa says whether it is set up; POST /me/mfa starts (a new secret, shown as text with its otpauth:// link:
// no QR code, no third-party code, nothing leaves the page); POST /me/mfa/confirm checks a code and turns it on.
// Cognito needs the access token of this sign-in for both, which the app keeps beside the id token.

import { $, ACCESS_KEY, api, el, field, focusHeading, notice, unavailable } from "./core.js";

let renders = 0;

function statusText(status) {
  if (status.enabled) return "On: every sign-in asks for the code of your authenticator app.";
  if (status.required) return "Required: set up an authenticator app (your next sign-in will ask you to).";
  return "Off: you sign in with your password only. Add an authenticator app to protect your account.";
}

export async function renderSecurity() {
  const ticket = ++renders;
  const view = $("security-view");
  const heading = el("h2", { id: "security-title", tabindex: "-1" }, "Two-step sign-in");
  const message = el("div", { id: "security-message", testid: "security-message", role: "status", "aria-live": "polite" });
  const body = el("div", {}, el("p", { className: "loading" }, "Loading…"));
  view.replaceChildren(heading, message, body);
  focusHeading(heading);
  let status;
  try {
    status = await api("/me/mfa");
  } catch (error) {
    if (ticket !== renders) return;
    body.replaceChildren(
      unavailable(error)
        ? notice("Two-step sign-in settings are not available on this server yet.", { testid: "security-unavailable" })
        : notice(error.message, { kind: "error" }),
    );
    return;
  }
  if (ticket !== renders) return;
  const state = el("p", { testid: "mfa-status" }, statusText(status));
  if (status.enabled) {
    body.replaceChildren(state);
    return;
  }
  const accessToken = sessionStorage.getItem(ACCESS_KEY);
  if (!accessToken) {
    body.replaceChildren(state, notice("Sign out and sign in again to set up an authenticator app."));
    return;
  }
  const start = el("button", { type: "button", testid: "mfa-start" }, "Set up an authenticator app");
  body.replaceChildren(state, start);
  start.addEventListener("click", async () => {
    start.disabled = true;
    let secret;
    try {
      secret = await api("/me/mfa", { method: "POST", body: { access_token: accessToken } });
    } catch (error) {
      start.disabled = false;
      say(message, error.message, "error");
      return;
    }
    body.replaceChildren(state, confirmForm(secret, accessToken, message, state));
    $("mfa-code").focus();
  });
}

function say(box, text, kind) {
  box.className = `banner ${kind}`;
  box.setAttribute("role", kind === "error" ? "alert" : "status");
  box.textContent = text;
}

function confirmForm(secret, accessToken, message, state) {
  const code = el("input", {
    id: "mfa-code",
    name: "code",
    testid: "mfa-code",
    inputmode: "numeric",
    pattern: "[0-9]{6}",
    maxlength: "6",
    autocomplete: "one-time-code",
    required: true,
  });
  const form = el(
    "form",
    { testid: "mfa-confirm-form", "aria-label": "Confirm the authenticator app", novalidate: true },
    el("p", { className: "hint" }, "In your authenticator app, add an account with this key (or paste the link into an app that accepts otpauth links). Then enter the code it shows."),
    el("p", {}, "Key: ", el("code", { className: "mono", testid: "mfa-secret" }, secret.secret)),
    el("p", { className: "mono break", testid: "mfa-uri" }, secret.otpauth_uri),
    field("6-digit code from the new app", code),
    el("button", { type: "submit", testid: "mfa-confirm" }, "Turn on two-step sign-in"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = code.value.replace(/\s+/g, "");
    if (!/^[0-9]{6}$/.test(value)) {
      say(message, "Enter the 6 digits your authenticator app shows.", "error");
      code.focus();
      return;
    }
    try {
      const status = await api("/me/mfa/confirm", { method: "POST", body: { access_token: accessToken, code: value } });
      state.textContent = statusText(status);
      form.replaceWith(el("p", { className: "hint" }, "Keep the app: you will need its code every time you sign in."));
      say(message, "Two-step sign-in is on.", "ok");
    } catch (error) {
      say(message, error.message, "error");
      code.focus();
    }
  });
  return form;
}
