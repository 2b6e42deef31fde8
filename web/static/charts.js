// Charts drawn by hand as inline SVG: no library, nothing fetched. Each chart is one <svg role="img"> named by its
// aria-label and <title>, described by its <desc>; the numbers behind it are always in a table beside it too
// (dashboard.js), so nothing is known only from a picture. Series differ by line style as well as colour.

const NS = "http://www.w3.org/2000/svg";

/** An SVG element: attributes as given, children appended (strings as text). */
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

let charts = 0;

function frame(width, height, { title, description, testid }) {
  const id = `chart-${++charts}`;
  return svg(
    "svg",
    {
      viewBox: `0 0 ${width} ${height}`,
      class: "chart",
      role: "img",
      "aria-label": title,
      "aria-describedby": `${id}-desc`,
      "data-testid": testid,
      focusable: "false",
    },
    svg("title", {}, title),
    svg("desc", { id: `${id}-desc` }, description),
  );
}

/** Round ticks from 0 to at least `max` (steps of 1, 2 or 5 times a power of ten; whole numbers). */
export function ticks(max, count = 4) {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw));
  const values = [];
  for (let v = 0; v < max + step; v += step) {
    values.push(v);
    if (v >= max) break;
  }
  return values;
}

const short = (text, limit) => (text.length > limit ? `${text.slice(0, limit - 1)}…` : text);

/**
 * A line per series over days: `rows` [{day, <key>: n}], `series` [{key, label}]. The y axis starts at 0; days
 * are labelled at most eight times. Each point carries a tooltip (<title>) with its day and number.
 */
export function lineChart({ rows, series, title, description, testid }) {
  const width = 760;
  const height = 270;
  const m = { left: 46, right: 14, top: 12, bottom: 36 };
  const innerW = width - m.left - m.right;
  const innerH = height - m.top - m.bottom;
  const max = Math.max(0, ...rows.flatMap((row) => series.map((s) => Number(row[s.key]) || 0)));
  const marks = ticks(max);
  const top = marks[marks.length - 1];
  const x = (i) => m.left + (rows.length <= 1 ? innerW / 2 : (i * innerW) / (rows.length - 1));
  const y = (v) => m.top + innerH - (v / top) * innerH;
  const root = frame(width, height, { title, description, testid });

  const axis = svg("g", { class: "axis", "aria-hidden": "true" });
  for (const mark of marks) {
    axis.append(
      svg("line", { x1: m.left, x2: width - m.right, y1: y(mark), y2: y(mark), class: "gridline" }),
      svg("text", { x: m.left - 6, y: y(mark) + 4, "text-anchor": "end" }, mark.toLocaleString("en")),
    );
  }
  const every = Math.max(1, Math.ceil(rows.length / 8));
  rows.forEach((row, i) => {
    if (i % every !== 0 && i !== rows.length - 1) return;
    if (i !== rows.length - 1 && rows.length - 1 - i < every / 2) return; // no label crowding the last one
    axis.append(
      svg("line", { x1: x(i), x2: x(i), y1: m.top + innerH, y2: m.top + innerH + 4, class: "tick" }),
      svg("text", { x: x(i), y: height - m.bottom + 20, "text-anchor": "middle" }, String(row.day).slice(5)),
    );
  });
  axis.append(svg("line", { x1: m.left, x2: width - m.right, y1: m.top + innerH, y2: m.top + innerH, class: "baseline" }));
  root.append(axis);

  series.forEach((s, index) => {
    const points = rows.map((row, i) => [x(i), y(Number(row[s.key]) || 0)]);
    const d = points.map(([px, py], i) => `${i ? "L" : "M"}${px.toFixed(1)} ${py.toFixed(1)}`).join(" ");
    const group = svg("g", { class: `series s${index}`, "data-key": s.key });
    group.append(svg("path", { d, class: "line", "data-testid": "series-line", "data-key": s.key }));
    if (rows.length <= 62) {
      rows.forEach((row, i) => {
        const [px, py] = points[i];
        group.append(
          svg("circle", { cx: px.toFixed(1), cy: py.toFixed(1), r: 3, class: "point" }, svg("title", {}, `${row.day}: ${s.label} ${row[s.key] ?? 0}`)),
        );
      });
    }
    root.append(group);
  });
  return root;
}

/** The key of a line chart: each series' label beside a sample of its line (same class, so same colour and dash). */
export function legend(series) {
  const list = document.createElement("ul");
  list.className = "legend";
  series.forEach((s, index) => {
    const item = document.createElement("li");
    item.append(
      svg("svg", { viewBox: "0 0 28 10", width: 28, height: 10, "aria-hidden": "true", class: `series s${index}` }, svg("path", { d: "M1 5 L27 5", class: "line" })),
      document.createTextNode(` ${s.label}`),
    );
    list.append(item);
  });
  return list;
}

/**
 * Horizontal bars: `items` [{label, value, kind}] (kind picks the colour class, e.g. a risk level). The value is
 * written at the end of each bar; long labels are shortened with the whole one in a tooltip.
 */
export function barChart({ items, title, description, testid }) {
  const width = 480;
  const row = 30;
  const m = { left: 150, right: 56, top: 6, bottom: 26 };
  const height = m.top + items.length * row + m.bottom;
  const innerW = width - m.left - m.right;
  const max = Math.max(0, ...items.map((item) => Number(item.value) || 0));
  const marks = ticks(max, 4);
  const top = marks[marks.length - 1];
  const root = frame(width, height, { title, description, testid });
  const axis = svg("g", { class: "axis", "aria-hidden": "true" });
  for (const mark of marks) {
    const px = m.left + (mark / top) * innerW;
    axis.append(
      svg("line", { x1: px, x2: px, y1: m.top, y2: height - m.bottom, class: "gridline" }),
      svg("text", { x: px, y: height - m.bottom + 16, "text-anchor": "middle" }, mark.toLocaleString("en")),
    );
  }
  root.append(axis);
  items.forEach((item, i) => {
    const value = Number(item.value) || 0;
    const y = m.top + i * row;
    const barW = Math.max(value > 0 ? 2 : 0, (value / top) * innerW);
    root.append(
      svg(
        "g",
        { class: "bar-row" },
        svg("text", { x: m.left - 8, y: y + row / 2 + 4, "text-anchor": "end", class: "bar-label" }, short(String(item.label), 22)),
        svg(
          "rect",
          {
            x: m.left,
            y: y + 5,
            width: barW.toFixed(1),
            height: row - 10,
            class: `bar bar-${item.kind || "plain"}`,
            "data-testid": "bar",
            "data-label": item.label,
            "data-value": value,
          },
          svg("title", {}, `${item.label}: ${value.toLocaleString("en")}`),
        ),
        svg("text", { x: m.left + barW + 6, y: y + row / 2 + 4, class: "bar-value" }, value.toLocaleString("en")),
      ),
    );
  });
  return root;
}
