// Evaluators' view (/valutazione): table of objectives, filters, quality warnings, chart, downloads.
import { chartTable, stackedBarChart } from "./chart.js";
import { el, getJSON, italianDate } from "./common.js";

const form = document.getElementById("filtri");
const tbody = document.querySelector("#tabella-obiettivi tbody");
const counter = document.getElementById("conteggio");
const errorBox = document.getElementById("errore");

function query() {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form).entries()) {
    if (String(value).trim()) params.set(name, String(value).trim());
  }
  return params.toString();
}

function statusLabel(obj) {
  const s = obj.stato_attuazione;
  if (s && s.testo) return s.data ? `Con stato al ${italianDate(s.data)}` : "Con stato (senza data)";
  return "Senza stato";
}

function weights(obj) {
  if (obj.peso) return [`Obiettivo: ${obj.peso}`];
  return obj.indicatori.filter((i) => i.peso).map((i) => `${i.anno ?? "–"}: ${i.peso}`);
}

function targets(obj) {
  return obj.indicatori.filter((i) => i.target || i.indicatore).map((i) => {
    const what = i.indicatore ? `${i.indicatore} → ` : "";
    return `${i.anno ?? "–"}: ${what}${i.target ?? "target non indicato"}`;
  });
}

function listCell(items) {
  const td = el("td");
  if (!items.length) { td.textContent = "–"; return td; }
  td.append(el("ul", {}, ...items.map((t) => el("li", { text: t }))));
  return td;
}

function statusCell(obj, history) {
  const td = el("td");
  const s = obj.stato_attuazione;
  if (history && history.length > 1) {
    // the status at each monitoring date of the plan (earlier versions kept), oldest first
    const dates = history.map((h) => italianDate(h.data)).join(" → ");
    td.append(el("details", {},
      el("summary", {}, `${statusLabel(obj)} (monitoraggi: ${dates})`),
      el("dl", { class: "mb-0" }, ...history.flatMap((h) => [
        el("dt", { text: `Al ${italianDate(h.data)} (${h.documento})` }),
        el("dd", { text: h.testo })]))));
    return td;
  }
  if (!s || !s.testo) { td.textContent = "Senza stato"; return td; }
  td.append(el("details", {},
    el("summary", {}, statusLabel(obj)),
    el("p", { class: "mb-0", text: s.testo })));
  return td;
}

function renderTable(objectives, storico = {}) {
  tbody.replaceChildren(...objectives.map((o) => el("tr", {},
    el("td", { text: o.settore }),
    el("td", { class: "col-title" }, el("strong", { text: o.titolo }), el("br"), el("small", { text: `${o.documento} · ${o.id}` })),
    el("td", { text: o.classificazione || "–" }),
    el("td", { text: o.responsabile || "–" }),
    listCell(weights(o)),
    listCell(targets(o)),
    statusCell(o, storico[`${o.documento}/${o.id}`]))));
}

function renderChart(objectives) {
  const series = [...new Set(objectives.map(statusLabel))].sort((a, b) =>
    (a === "Senza stato") - (b === "Senza stato") || a.localeCompare(b, "it"));
  const bySector = new Map();
  for (const o of objectives) {
    if (!bySector.has(o.settore)) bySector.set(o.settore, series.map(() => 0));
    bySector.get(o.settore)[series.indexOf(statusLabel(o))] += 1;
  }
  const rows = [...bySector.entries()].map(([label, values]) => ({ label, values }));
  const summary = series.map((name, s) => `${name}: ${rows.reduce((t, r) => t + r.values[s], 0)}`).join("; ");
  stackedBarChart(document.getElementById("grafico"), {
    title: "Obiettivi per settore e stato di attuazione",
    description: `${objectives.length} obiettivi in ${rows.length} settori. ${summary}. I numeri per settore sono nella tabella sotto il grafico.`,
    rows,
    series,
  });
  chartTable(document.getElementById("tabella-grafico"), { rows, series, firstHeader: "Settore" });
}

function fillSelect(id, values) {
  const select = document.getElementById(id);
  const sorted = [...new Set(values.filter(Boolean))].sort((a, b) => a.localeCompare(b, "it"));
  select.append(...sorted.map((v) => el("option", { value: v, text: v })));
}

function updateDownloads(qs) {
  document.getElementById("scarica-csv").href = `/api/objectives.csv${qs ? `?${qs}` : ""}`;
  document.getElementById("scarica-xlsx").href = `/api/objectives.xlsx${qs ? `?${qs}` : ""}`;
}

async function load(qs) {
  errorBox.hidden = true;
  try {
    const data = await getJSON(`/api/objectives${qs ? `?${qs}` : ""}`);
    renderTable(data.objectives, data.stato_storico || {});
    renderChart(data.objectives);
    updateDownloads(qs);
    counter.textContent = data.count === 1 ? "1 obiettivo trovato." : `${data.count} obiettivi trovati.`;
    return data.objectives;
  } catch (err) {
    errorBox.textContent = err.message;
    errorBox.hidden = false;
    return [];
  }
}

/** The findings of one document's quality report, as sentences. */
function findings(quality) {
  if (!quality) return [];
  const out = [];
  for (const s of quality.sectors || []) {
    if (!s.ok) out.push(`${s.settore}: trovati ${s.found} obiettivi, dichiarati ${s.declared ?? "nessuno"}.`);
  }
  for (const w of quality.weights || []) {
    if (!w.ok) out.push(`${w.settore}, ${w.anno ?? "anno non indicato"}: i pesi sommano a ${w.totale}% (${(w.pesi || []).join(", ")}).`);
  }
  for (const i of quality.issues || []) out.push(`${i.objective_id}: ${i.message}`);
  for (const w of quality.warnings || []) out.push(String(w));
  return out;
}

async function loadQuality() {
  const target = document.getElementById("qualita");
  try {
    const report = await getJSON("/api/quality");
    const blocks = report.documents.map((doc) => {
      const items = findings(doc.quality);
      return el("div", { class: "mb-3" },
        el("h3", { class: "h5", text: `Documento ${doc.documento} (${doc.n_objectives} obiettivi)` }),
        items.length
          ? el("ul", { class: "quality-list" }, ...items.map((t) => el("li", { text: t })))
          : el("p", { text: "Nessun avviso: conteggi per settore e pesi corrispondono." }));
    });
    target.replaceChildren(...(blocks.length ? blocks : [el("p", { text: "Nessun documento caricato." })]));
  } catch (err) {
    target.replaceChildren(el("p", { class: "text-danger", text: err.message }));
  }
}

form.addEventListener("submit", (event) => { event.preventDefault(); load(query()); });
form.addEventListener("reset", () => window.setTimeout(() => load(""), 0));

const all = await load("");
fillSelect("f-settore", all.map((o) => o.settore));
fillSelect("f-classificazione", all.map((o) => o.classificazione));
fillSelect("f-responsabile", all.map((o) => o.responsabile));
loadQuality();
