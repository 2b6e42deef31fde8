// Shared pieces of the web app: DOM helpers, the API client, the signed-in user and what it may do.
// Everything the API returns is written with textContent (el() below), never as HTML.

import { allowed } from "./permissions.js";

export const TOKEN_KEY = "cts.token";
// The access token of the same sign-in: only for the user's own MFA settings (Cognito needs it there).
export const ACCESS_KEY = "cts.access";

export const state = {
  me: null,
  page: 1,
  total: 0,
  alertsCursor: null, // where the next live-update poll starts (from the API)
  pollTimer: null,
  alerts: new Map(), // alert id -> alert, as last read from the inbox
};

export const $ = (id) => document.getElementById(id);

export function show(node, visible = true) {
  node.hidden = !visible;
}

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "className") node.className = value;
    else if (name === "testid") node.dataset.testid = value;
    else if (name === "onclick") node.addEventListener("click", value);
    else if (name === "onsubmit") node.addEventListener("submit", value);
    else if (name === "onchange") node.addEventListener("change", value);
    else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function formatTime(value) {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function words(value) {
  return String(value ?? "").replaceAll("_", " ");
}

export function levelBadge(level) {
  const name = level || "none";
  const label = { red: "Red", amber: "Amber", none: "None" }[name] || name;
  return el("span", { className: `badge level-${name}`, testid: "level-badge" }, label);
}

// An alert or assessment drawn by a random selection rate: shown beside the level, whatever the score.
export function randomBadge(selection) {
  if (!selection) return null;
  return el(
    "span",
    { className: "badge random-selection", testid: "random-badge", title: `Random selection rate: ${selection}` },
    "Random selection",
  );
}

export function statusBadge(status, testid) {
  return el("span", { className: `badge status-${status}`, testid }, words(status));
}

/** Whether the signed-in user may do `action`: /me's actions (the API's table), else the mirrored table. */
export function can(action) {
  if (!state.me) return false;
  if (Array.isArray(state.me.actions)) return state.me.actions.includes(action);
  return allowed(state.me.roles || [], action);
}

export function showError(message) {
  const banner = $("error-banner");
  banner.textContent = message;
  show(banner, Boolean(message));
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let onUnauthorized = () => {};

export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

export async function api(path, { method = "GET", body } = {}) {
  const response = await request(path, { method, body });
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/**
 * The API's answer to `path` with the user's token, any error thrown as an ApiError (a 401 signs out) — what `api`
 * reads as JSON and downloads read as a file. `accept` names the media type wanted (API Gateway answers a binary
 * body as bytes only when the request's Accept header names it).
 */
export async function request(path, { method = "GET", body, accept = "application/json" } = {}) {
  const headers = { Accept: accept };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "network", "The server cannot be reached. Check your connection and try again.");
  }
  if (!response.ok) {
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    const message = (data && (data.message || data.Message)) || `Request failed (${response.status})`;
    const code = (data && (data.code || data.Code)) || "error";
    if (response.status === 401 && !path.startsWith("/auth/")) onUnauthorized(); // sign-in steps say why themselves
    throw new ApiError(response.status, code, message);
  }
  return response;
}

/**
 * A route the server does not have (yet): API Gateway (and Chalice's local server) answer an unknown path with 403
 * "Missing Authentication Token" and no `code`; also 404 without a domain code, 405, or 503 "not configured".
 */
export function unavailable(error) {
  if (!(error instanceof ApiError)) return false;
  if ((error.status === 403 || error.status === 404) && error.code === "error") return true;
  if (error.status === 404 && error.code !== "not_found") return true;
  return error.status === 405 || error.status === 503 || error.status === 501;
}

export function reportError(error) {
  if (error instanceof ApiError && error.status === 401) return; // already back at sign-in
  showError(error.message || String(error));
}

/** Go to a screen (hash route); the router renders it. */
export function go(hash) {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
}

/** Move focus to a screen's heading, so keyboard and screen-reader users start there. */
export function focusHeading(node) {
  if (!node) return;
  if (!node.hasAttribute("tabindex")) node.setAttribute("tabindex", "-1");
  node.focus();
}

/** A labelled form field: <div class=field><label for=id>…</label><control id=id></div>. */
export function field(label, control, { grow = false, hint } = {}) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 10)}`;
  control.id = id;
  return el(
    "div",
    { className: grow ? "field grow" : "field" },
    el("label", { for: id }, label),
    control,
    hint ? el("span", { className: "hint" }, hint) : null,
  );
}

export function select(name, options, { testid, value } = {}) {
  const node = el("select", { name, testid });
  for (const option of options) {
    const [v, label] = Array.isArray(option) ? option : [option, words(option)];
    node.append(el("option", { value: v }, label));
  }
  if (value !== undefined) node.value = value;
  return node;
}

/** A notice in place of a screen's content: empty, unavailable or failed. */
export function notice(text, { kind = "empty", testid } = {}) {
  return el("p", { className: kind, testid, role: kind === "error" ? "alert" : null }, text);
}
