// An accessible horizontal stacked bar chart in SVG, drawn from counts; a data table mirrors it.
const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== null) node.textContent = String(text);
  return node;
}

/**
 * Draw `rows` ([{label, values: [n per series]}]) for `series` (labels) into `container`, with a title
 * and a text description for screen readers, and a legend. `seriesClass` (optional) gives each series
 * its colour class. The drawing is as wide as the container, so its text keeps its real size; on a
 * narrow container each label goes on its own line above its bar.
 */
export function stackedBarChart(container, { title, description, rows, series, seriesClass = null }) {
  const width = Math.max(280, Math.round(container.clientWidth || 800));
  const narrow = width < 600;
  const labelWidth = narrow ? 0 : Math.min(330, Math.round(width * 0.38));
  const barArea = width - labelWidth - (narrow ? 10 : 40);
  const rowHeight = narrow ? 52 : 30;
  const height = rows.length * rowHeight + 10;
  const max = Math.max(1, ...rows.map((r) => r.values.reduce((a, b) => a + b, 0)));
  const unit = barArea / max;
  const maxChars = Math.floor((narrow ? width : labelWidth) / 7.5);
  const uid = `grafico-${Math.random().toString(36).slice(2, 8)}`;
  const root = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "img",
    "aria-labelledby": `${uid}-t ${uid}-d`,
  });
  root.append(svg("title", { id: `${uid}-t` }, title), svg("desc", { id: `${uid}-d` }, description));
  const cls = (s) => (seriesClass ? seriesClass[s] : s);
  rows.forEach((row, i) => {
    const y = 5 + i * rowHeight;
    const label = row.label.length > maxChars ? `${row.label.slice(0, maxChars - 1)}…` : row.label;
    if (narrow) root.append(svg("text", { x: 0, y: y + 15, class: "bar-label" }, label));
    else root.append(svg("text", { x: labelWidth - 8, y: y + rowHeight / 2 + 4, "text-anchor": "end", class: "bar-label" }, label));
    const barY = narrow ? y + 21 : y + 3;
    const barHeight = narrow ? 24 : rowHeight - 8;
    let x = labelWidth;
    row.values.forEach((value, s) => {
      if (!value) return;
      const w = value * unit;
      root.append(svg("rect", { x, y: barY, width: w, height: barHeight, class: `series-${cls(s)}` }));
      const dark = cls(s) === 3 ? " bar-value-dark" : "";
      root.append(svg("text", { x: x + w / 2, y: barY + barHeight / 2 + 5, "text-anchor": "middle", class: `bar-value${dark}` }, value));
      x += w;
    });
  });
  const legend = document.createElement("ul");
  legend.className = "chart-legend";
  legend.setAttribute("aria-hidden", "true");
  series.forEach((name, s) => {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = `swatch series-${seriesClass ? seriesClass[s] : s}`;
    item.append(swatch, document.createTextNode(name));
    legend.append(item);
  });
  container.replaceChildren(root, legend);
}

/** Fill a <table> (thead/tbody present) with the same data as the chart. */
export function chartTable(table, { rows, series, firstHeader }) {
  const head = table.tHead;
  const body = table.tBodies[0];
  const tr = document.createElement("tr");
  for (const name of [firstHeader, ...series, "Totale"]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = name;
    tr.append(th);
  }
  head.replaceChildren(tr);
  body.replaceChildren(...rows.map((row) => {
    const line = document.createElement("tr");
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = row.label;
    line.append(th);
    for (const v of [...row.values, row.values.reduce((a, b) => a + b, 0)]) {
      const td = document.createElement("td");
      td.textContent = String(v);
      line.append(td);
    }
    return line;
  }));
}
