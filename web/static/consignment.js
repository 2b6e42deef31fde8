// The consignment screen: facts, score explained indicator by indicator, route as an itinerary, parties, goods,
// containers, data quality, version history, and (when the API sends them) the parties' history and similar
// consignments.

import { $, api, el, focusHeading, formatTime, levelBadge, randomBadge, reportError, show, words } from "./core.js";

function fact(list, label, value) {
  list.append(el("dt", {}, label), el("dd", {}, value === null || value === undefined || value === "" ? "—" : value));
}

function placeText(place) {
  if (!place) return "—";
  return [place.locode, place.name].filter(Boolean).join(" ");
}

function table(testid, caption, headings, rows, emptyText) {
  if (!rows.length) return el("p", { className: "empty", testid: `${testid}-empty` }, emptyText);
  return el(
    "table",
    { className: "grid", testid },
    el("caption", { className: "visually-hidden" }, caption),
    el("thead", {}, el("tr", {}, headings.map((h) => el("th", { scope: "col", className: h.endsWith("#") ? "num" : null }, h.replace(/#$/, ""))))),
    el("tbody", {}, rows),
  );
}

function clear() {
  $("detail-facts").replaceChildren();
  $("detail-score").replaceChildren();
  $("hit-list").querySelector("tbody").replaceChildren();
  show($("hit-list"), false);
  show($("hits-empty"), false);
  for (const id of ["detail-itinerary", "detail-parties", "detail-goods", "detail-containers", "detail-quality"]) {
    $(id).replaceChildren();
  }
  $("detail-versions").replaceChildren();
  $("detail-related").replaceChildren();
  show($("detail-body"), false);
}

/** Open a consignment (from an alert when `alertId` is given). */
let renders = 0; // the latest render wins when two overlap

export async function openDetail(key, { alertId } = {}) {
  const ticket = ++renders;
  clear();
  $("detail-title").textContent = alertId ? `Alert for ${key}` : key;
  show($("detail-loading"));
  focusHeading($("detail-title"));
  try {
    const data = await api(`/consignments/${encodeURIComponent(key)}`);
    if (ticket !== renders) return null;
    renderDetail(data, alertId);
    show($("detail-body"));
    return data;
  } catch (error) {
    if (ticket !== renders) return null;
    $("detail-title").textContent = error.status === 404 ? `Consignment ${key} was not found` : key;
    if (error.status !== 404) reportError(error);
    return null;
  } finally {
    show($("detail-loading"), false);
  }
}

function renderDetail(data, alertId) {
  const c = data.latest.consignment;
  const doc = c.transport_document;
  const title = `${words(doc.kind)} ${doc.number}`;
  $("detail-title").textContent = alertId ? `Alert: ${title}` : title;
  const facts = $("detail-facts");
  fact(facts, "Consignment key", data.key);
  fact(facts, "Mode / direction", `${c.mode} / ${c.direction}`);
  fact(facts, "Master document", doc.master_number);
  fact(facts, "Carrier", c.carrier ? [c.carrier.code, c.carrier.name].filter(Boolean).join(" ") : null);
  const conveyance = c.conveyance || {};
  fact(facts, "Vessel / flight", [conveyance.vessel_name, conveyance.journey_id].filter(Boolean).join(" ") || null);
  fact(facts, "Departure (ETD)", formatTime(c.etd));
  fact(facts, "Arrival (ETA)", formatTime(c.eta));
  const party = (role) => (c.parties || []).find((p) => p.role === role);
  const name = (p) => (p ? [p.name, p.country].filter(Boolean).join(", ") : null);
  fact(facts, "Consignor", name(party("consignor")));
  fact(facts, "Consignee", name(party("consignee")));
  fact(facts, "Packages / weight", [c.total_packages, c.total_gross_weight_kg ? `${c.total_gross_weight_kg} kg` : null].filter(Boolean).join(" / ") || null);
  fact(facts, "Version", `${data.latest.version} (${data.latest.status})`);

  renderScore(data.assessment);
  renderItinerary(c);
  renderParties(c.parties || []);
  renderGoods(c.goods || []);
  renderContainers(c.equipment || []);
  renderQuality(c.quality || []);
  $("detail-versions").replaceChildren(
    ...data.versions.map((v) =>
      el(
        "li",
        { testid: "version-row" },
        `v${v.version} — ${words(v.message_function)}, ${v.status}, stored ${formatTime(v.stored_at)}`,
        v.file_id ? ` (file ${v.file_id})` : "",
      ),
    ),
  );
  renderRelated(data);
}

function renderScore(assessment) {
  const scoreBox = $("detail-score");
  if (assessment) {
    scoreBox.append(
      el("p", { className: "score-number", testid: "score-value", "aria-label": `Score ${assessment.score}` }, assessment.score),
      el("p", {}, levelBadge(assessment.level), " ", randomBadge(assessment.random_selection)),
      el("p", { className: "hint" }, `Scored version ${assessment.version} with rule set ${assessment.ruleset_version}`),
    );
  } else {
    scoreBox.append(el("p", { className: "hint" }, "Not scored yet."));
  }
  const hits = assessment ? [...assessment.hits].sort((a, b) => b.points - a.points) : [];
  $("hit-list")
    .querySelector("tbody")
    .replaceChildren(
      ...hits.map((hit) =>
        el(
          "tr",
          { testid: "hit-row" },
          el("td", { className: "num" }, `+${hit.points}`),
          el("td", {}, hit.reason),
          el("td", {}, hit.matched, matchedValues(hit)),
          el("td", {}, hit.category),
          el("td", { className: "mono" }, `${hit.source}: ${hit.ref}`),
        ),
      ),
    );
  $("hit-total").textContent = assessment ? assessment.score : "0";
  show($("hit-list"), hits.length > 0);
  show($("hits-empty"), Boolean(assessment) && hits.length === 0);
  const suppressed = assessment ? assessment.suppressed || [] : [];
  const note = $("hits-suppressed");
  note.replaceChildren(
    ...suppressed.map((s) => el("li", {}, `${s.hit.reason} (${s.hit.matched}): not scored, vouched for by allow-list entry ${s.allow_id}`)),
  );
  show(note, suppressed.length > 0);
}

// The fact values that made an indicator fire, when they say more than the matched text.
function matchedValues(hit) {
  const values = (hit.values || []).filter((v) => v && v !== hit.matched);
  return values.length ? el("span", { className: "hint" }, ` (${values.join(", ")})`) : null;
}

function renderItinerary(c) {
  const it = c.itinerary || {};
  const stops = [];
  if (it.place_of_receipt) stops.push(["Receipt", it.place_of_receipt, null]);
  if (it.place_of_loading) stops.push(["Loading", it.place_of_loading, c.etd ? `ETD ${formatTime(c.etd)}` : null]);
  for (const place of it.transshipment || []) stops.push(["Transshipment", place, null]);
  if (it.place_of_discharge) stops.push(["Discharge", it.place_of_discharge, c.eta ? `ETA ${formatTime(c.eta)}` : null]);
  if (it.place_of_delivery) stops.push(["Delivery", it.place_of_delivery, null]);
  const list = $("detail-itinerary");
  if (!stops.length) {
    list.replaceChildren(el("li", {}, "No route given."));
    return;
  }
  list.replaceChildren(
    ...stops.map(([role, place, when]) =>
      el(
        "li",
        { testid: "itinerary-stop" },
        el("strong", {}, placeText(place)),
        el("span", { className: "hint" }, ` ${role}`),
        when ? el("span", { className: "when" }, ` — ${when}`) : null,
      ),
    ),
  );
  if ((it.routing_countries || []).length) {
    list.append(el("li", { className: "hint" }, `Routed through: ${it.routing_countries.join(", ")}`));
  }
}

function renderParties(parties) {
  $("detail-parties").replaceChildren(
    table(
      "party-list",
      "Parties to the consignment",
      ["Role", "Name", "Address", "Country", "Identifiers"],
      parties.map((p) =>
        el(
          "tr",
          { testid: "party-row" },
          el("td", {}, words(p.role)),
          el("td", {}, p.name),
          el("td", {}, [...(p.address_lines || []), p.postcode, p.city].filter(Boolean).join(", ") || "—"),
          el("td", {}, p.country || "—"),
          el("td", { className: "mono" }, (p.identifiers || []).map((i) => `${i.scheme} ${i.value}`).join("; ") || "—"),
        ),
      ),
      "No parties given.",
    ),
  );
}

function renderGoods(goods) {
  $("detail-goods").replaceChildren(
    table(
      "goods-list",
      "Goods lines",
      ["#", "Description", "HS code", "Packages#", "Gross kg#", "Value#", "Containers"],
      goods.map((g) =>
        el(
          "tr",
          { testid: "goods-row" },
          el("td", {}, g.sequence),
          el("td", {}, g.description || "(no description)"),
          el("td", { className: "mono" }, g.hs_code || "—"),
          el("td", { className: "num" }, g.package_count ?? "—", g.package_kind ? ` ${g.package_kind}` : ""),
          el("td", { className: "num" }, g.gross_weight_kg ?? "—"),
          el("td", { className: "num" }, g.value ? `${g.value} ${g.currency || ""}` : "—"),
          el("td", { className: "mono" }, (g.container_numbers || []).join(", ") || "—"),
        ),
      ),
      "No goods lines.",
    ),
  );
}

function renderContainers(equipment) {
  $("detail-containers").replaceChildren(
    table(
      "container-list",
      "Containers and other equipment",
      ["Number", "Size/type", "Full/empty", "Seals", "Gross kg#"],
      equipment.map((e) =>
        el(
          "tr",
          { testid: "container-row" },
          el("td", { className: "mono" }, e.number),
          el("td", {}, e.size_type || "—"),
          el("td", {}, e.full_empty ? words(e.full_empty) : "—"),
          el("td", { className: "mono" }, (e.seals || []).join(", ") || "—"),
          el("td", { className: "num" }, e.gross_weight_kg ?? "—"),
        ),
      ),
      "No containers.",
    ),
  );
}

function renderQuality(issues) {
  $("detail-quality").replaceChildren(
    ...(issues.length
      ? issues.map((i) => el("li", { className: `issue-${i.severity}` }, `${i.severity.toUpperCase()} ${i.code} — ${i.message}`))
      : [el("li", {}, "No data-quality issues.")]),
  );
}

// Parties' history and similar consignments: shown when the API sends them (older servers do not).
function renderRelated(data) {
  const box = $("detail-related");
  const parts = [];
  if ("party_history" in data) {
    parts.push(el("h3", {}, "Parties' history"));
    const h = data.party_history;
    if (!h) {
      parts.push(el("p", { className: "empty", testid: "party-history-empty" }, "No history for these parties."));
    } else {
      const list = el("dl", { className: "facts", testid: "party-history" });
      const add = (label, value) => list.append(el("dt", {}, label), el("dd", {}, value ?? "—"));
      const link = (key) => (key ? el("a", { href: `#/consignments/${encodeURIComponent(key)}` }, key) : null);
      const since = (date, key) => (date ? el("span", {}, formatTime(date), key ? " (" : "", link(key), key ? ")" : "") : "first time now");
      add("Consignee", h.consignee);
      add("Shipper", h.shipper);
      add("Consignee first seen", since(h.consignee_first_seen, h.consignee_first_key));
      add("This shipper → consignee first seen", since(h.pair_first_seen, h.pair_first_key));
      add("Consignee's consignments", h.consignee_consignments !== undefined ? String(h.consignee_consignments) : null);
      parts.push(list);
    }
  }
  if (Array.isArray(data.similar)) {
    parts.push(el("h3", {}, "Similar consignments"));
    parts.push(
      data.similar.length
        ? table(
            "similar-list",
            "Past consignments of the same consignee (else shipper) and HS heading",
            ["Consignment", "Arrival (ETA)", "Consignor", "Consignee", "HS codes", "Level", "Score#"],
            data.similar.map((doc) =>
              el(
                "tr",
                { testid: "similar-row" },
                el("td", {}, el("a", { href: `#/consignments/${encodeURIComponent(doc.key)}` }, doc.key)),
                el("td", {}, formatTime(doc.eta)),
                el("td", {}, doc.consignor_name || "—"),
                el("td", {}, doc.consignee_name || "—"),
                el("td", { className: "mono" }, (doc.hs_codes || []).join(", ") || "—"),
                el("td", {}, doc.level ? levelBadge(doc.level) : "—"),
                el("td", { className: "num" }, doc.score ?? "—"),
              ),
            ),
            "",
          )
        : el("p", { className: "empty", testid: "similar-empty" }, "No similar consignments."),
    );
  }
  box.replaceChildren(...parts);
}
