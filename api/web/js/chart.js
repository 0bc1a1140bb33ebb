// An accessible horizontal stacked bar chart in SVG, drawn from counts; a data table mirrors it.
const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== null) node.textContent = String(text);
  return node;
}

/**
 * Draw `rows` ([{label, values: [n per series]}]) for `series` (labels) into `container`,
 * with a title and a text description for screen readers, and a legend.
 */
export function stackedBarChart(container, { title, description, rows, series }) {
  const labelWidth = 330;
  const barArea = 420;
  const rowHeight = 30;
  const height = rows.length * rowHeight + 10;
  const max = Math.max(1, ...rows.map((r) => r.values.reduce((a, b) => a + b, 0)));
  const unit = barArea / max;
  const uid = `grafico-${Math.random().toString(36).slice(2, 8)}`;
  const root = svg("svg", {
    viewBox: `0 0 ${labelWidth + barArea + 40} ${height}`,
    role: "img",
    "aria-labelledby": `${uid}-t ${uid}-d`,
  });
  root.append(svg("title", { id: `${uid}-t` }, title), svg("desc", { id: `${uid}-d` }, description));
  rows.forEach((row, i) => {
    const y = 5 + i * rowHeight;
    const label = row.label.length > 48 ? `${row.label.slice(0, 46)}…` : row.label;
    root.append(svg("text", { x: labelWidth - 8, y: y + rowHeight / 2 + 4, "text-anchor": "end", class: "bar-label" }, label));
    let x = labelWidth;
    row.values.forEach((value, s) => {
      if (!value) return;
      const width = value * unit;
      root.append(svg("rect", { x, y: y + 3, width, height: rowHeight - 8, class: `series-${s}` }));
      const dark = s === 1 ? " bar-value-dark" : "";
      root.append(svg("text", { x: x + width / 2, y: y + rowHeight / 2 + 3, "text-anchor": "middle", class: `bar-value${dark}` }, value));
      x += width;
    });
  });
  const legend = document.createElement("ul");
  legend.className = "chart-legend";
  legend.setAttribute("aria-hidden", "true");
  series.forEach((name, s) => {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = `swatch series-${s}`;
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
