// Evaluators' view (/valutazione): weight table, filters applied as you type or choose, a synthetic
// status beside the quoted status text, a sortable table (cards on a phone), chart, quality, downloads.
import { chartTable, stackedBarChart } from "./chart.js";
import { el, getJSON, italianDate } from "./common.js";
import { findings, renderWeights } from "./weights.js";

const form = document.getElementById("filtri");
const tbody = document.querySelector("#tabella-obiettivi tbody");
const counter = document.getElementById("conteggio");
const errorBox = document.getElementById("errore");
const STATI = ["concluso", "in corso", "non avviato", "non indicato"];
const STATO_LABELS = { concluso: "Concluso", "in corso": "In corso", "non avviato": "Non avviato", "non indicato": "Non indicato" };
let current = { objectives: [], sintesi: {}, storico: {} };
let sortKey = "";
let sortDir = 1;
let requestId = 0;

const keyOf = (o) => `${o.documento}/${o.id}`;
const sintesiOf = (o) => current.sintesi[keyOf(o)] || { stato: "non indicato", motivo: "" };

function query() {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form).entries()) {
    if (String(value).trim()) params.set(name, String(value).trim());
  }
  return params.toString();
}

function pnrrLinked(o) {
  const v = (o.pnrr || "").trim().toLowerCase();
  return Boolean(v) && !/^(no|non|nessun[oa]?|-|n\/a)\b/.test(v);
}

function weightNumber(text) {
  const m = /^\s*(\d{1,3}(?:[.,]\d+)?)\s*%?\s*$/.exec(text || "");
  return m ? Number(m[1].replace(",", ".")) : null;
}

function weights(obj) {
  if (obj.peso) return [`Obiettivo: ${obj.peso}`];
  return obj.indicatori.filter((i) => i.peso).map((i) => `${i.anno ?? "–"}: ${i.peso}`);
}

function firstWeight(obj) {
  const texts = obj.peso ? [obj.peso] : obj.indicatori.filter((i) => i.peso).map((i) => i.peso);
  const n = texts.map(weightNumber).find((v) => v !== null);
  return n ?? -1;
}

function targets(obj) {
  return obj.indicatori.filter((i) => i.target || i.indicatore).map((i) => {
    const what = i.indicatore ? `${i.indicatore} → ` : "";
    return `${i.anno ?? "–"}: ${what}${i.target ?? "target non indicato"}`;
  });
}

function cell(label, ...children) {
  return el("td", { "data-label": label }, ...children);
}

function listCell(label, items) {
  if (!items.length) return cell(label, "–");
  return cell(label, el("ul", {}, ...items.map((t) => el("li", { text: t }))));
}

function statusCell(obj) {
  const s = obj.stato_attuazione;
  const sintesi = sintesiOf(obj);
  const td = cell("Stato di attuazione",
    el("span", { class: `status-badge status-${sintesi.stato.replace(/\s+/g, "-")}`, text: STATO_LABELS[sintesi.stato] }),
    el("p", { class: "status-reason", text: `Perché: ${sintesi.motivo}` }));
  if (s && s.testo) {
    const quote = el("blockquote", { class: "status-quote", text: s.testo, id: `stato-${obj.documento}-${obj.id}` });
    td.append(el("p", { class: "mb-0 small", text: s.data ? `Testo del piano al ${italianDate(s.data)}:` : "Testo del piano:" }), quote);
    if (s.testo.length > LONG_QUOTE) td.append(clampToggle(quote));
  }
  const history = current.storico[keyOf(obj)];
  if (history && history.length > 1) {
    td.append(el("details", {},
      el("summary", {}, `Monitoraggi precedenti (${history.map((h) => italianDate(h.data)).join(" → ")})`),
      el("dl", { class: "mb-0" }, ...history.flatMap((h) => [
        el("dt", { text: `Al ${italianDate(h.data)}` }), el("dd", { text: h.testo })]))));
  }
  return td;
}

const LONG_QUOTE = 360;

/** A long quote shows its first lines; the whole text stays in the page (screen readers read it all). */
function clampToggle(quote) {
  quote.classList.add("clamped");
  const button = el("button", { type: "button", class: "btn btn-link btn-sm p-0", "aria-expanded": "false",
    "aria-controls": quote.id }, "Mostra tutto il testo");
  button.addEventListener("click", () => {
    const open = quote.classList.toggle("clamped") === false;
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? "Mostra meno" : "Mostra tutto il testo";
  });
  return button;
}

function titleCell(o) {
  const where = [o.classificazione, o.fonte ? `tabella ${o.fonte.tabella} del documento` : null].filter(Boolean).join(" · ");
  return cell("Obiettivo", el("strong", { text: o.titolo }), el("br"), el("small", { text: where }));
}

const SORTERS = {
  settore: (o) => o.settore,
  titolo: (o) => o.titolo,
  responsabile: (o) => o.responsabile || "~",
  pnrr: (o) => (pnrrLinked(o) ? 0 : 1),
  peso: (o) => firstWeight(o),
  stato: (o) => STATI.indexOf(sintesiOf(o).stato),
};

function sorted(objectives) {
  if (!sortKey) return objectives;
  const get = SORTERS[sortKey];
  return [...objectives].sort((a, b) => {
    const x = get(a);
    const y = get(b);
    const c = typeof x === "number" ? x - y : String(x).localeCompare(String(y), "it");
    return c * sortDir;
  });
}

function renderTable() {
  tbody.replaceChildren(...sorted(current.objectives).map((o) => el("tr", {},
    cell("Settore", o.settore),
    titleCell(o),
    cell("Responsabile", o.responsabile || "–"),
    cell("PNRR", pnrrLinked(o) ? `Sì – ${o.pnrr}` : "No"),
    listCell("Pesi", weights(o)),
    listCell("Target per anno", targets(o)),
    statusCell(o))));
}

function renderChart() {
  const objectives = current.objectives;
  const series = STATI.filter((s) => objectives.some((o) => sintesiOf(o).stato === s));
  const bySector = new Map();
  for (const o of objectives) {
    if (!bySector.has(o.settore)) bySector.set(o.settore, series.map(() => 0));
    bySector.get(o.settore)[series.indexOf(sintesiOf(o).stato)] += 1;
  }
  const rows = [...bySector.entries()].map(([label, values]) => ({ label, values }));
  const labels = series.map((s) => STATO_LABELS[s]);
  const summary = labels.map((name, i) => `${name}: ${rows.reduce((t, r) => t + r.values[i], 0)}`).join("; ");
  const chart = {
    title: "Obiettivi per settore e stato sintetico",
    description: `${objectives.length} obiettivi in ${rows.length} settori. ${summary}. I numeri per settore sono nella tabella sotto il grafico.`,
    rows,
    series: labels,
    seriesClass: series.map((s) => STATI.indexOf(s)),
  };
  stackedBarChart(document.getElementById("grafico"), chart);
  chartTable(document.getElementById("tabella-grafico"), { rows, series: labels, firstHeader: "Settore" });
  current.chart = chart;
}

function fillSelect(id, values) {
  const select = document.getElementById(id);
  const sortedValues = [...new Set(values.filter(Boolean))].sort((a, b) => a.localeCompare(b, "it"));
  select.append(...sortedValues.map((v) => el("option", { value: v, text: v })));
}

function updateDownloads(qs) {
  document.getElementById("scarica-csv").href = `/api/objectives.csv${qs ? `?${qs}` : ""}`;
  document.getElementById("scarica-xlsx").href = `/api/objectives.xlsx${qs ? `?${qs}` : ""}`;
}

async function load(qs) {
  const mine = ++requestId;
  try {
    const data = await getJSON(`/api/objectives${qs ? `?${qs}` : ""}`);
    if (mine !== requestId) return current.objectives; // a newer filter is on its way
    errorBox.hidden = true;
    current = { objectives: data.objectives, sintesi: data.stato_sintetico || {}, storico: data.stato_storico || {} };
    renderTable();
    renderChart();
    updateDownloads(qs);
    const found = data.count === 1 ? "1 obiettivo trovato." : `${data.count} obiettivi trovati.`;
    counter.textContent = data.objectives.length < data.count
      ? `${found} Sono mostrati i primi ${data.objectives.length}: restringere i filtri o scaricare il file CSV o Excel per averli tutti.`
      : found;
    return data.objectives;
  } catch (err) {
    if (mine === requestId) {
      errorBox.textContent = err.message;
      errorBox.hidden = false;
    }
    return [];
  }
}

let timer = null;
function reloadSoon(delay) {
  window.clearTimeout(timer);
  timer = window.setTimeout(() => load(query()), delay);
}

form.addEventListener("submit", (event) => { event.preventDefault(); reloadSoon(0); });
form.addEventListener("input", (event) => reloadSoon(event.target.type === "search" ? 250 : 0));
form.addEventListener("change", (event) => { if (event.target.type !== "search") reloadSoon(0); });
form.addEventListener("reset", () => reloadSoon(0));

function setSort(key) {
  sortDir = key === sortKey ? -sortDir : 1;
  sortKey = key;
  for (const th of document.querySelectorAll("#tabella-obiettivi th[data-sort]")) {
    th.setAttribute("aria-sort", th.dataset.sort === sortKey ? (sortDir > 0 ? "ascending" : "descending") : "none");
  }
  document.getElementById("ordina").value = sortKey;
  renderTable();
}
for (const th of document.querySelectorAll("#tabella-obiettivi th[data-sort]")) {
  th.querySelector("button").addEventListener("click", () => setSort(th.dataset.sort));
}
document.getElementById("ordina").addEventListener("change", (event) => {
  sortKey = "";
  if (event.target.value) setSort(event.target.value);
  else renderTable();
});
let resizeTimer = null;
window.addEventListener("resize", () => {
  window.clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => { if (current.chart) stackedBarChart(document.getElementById("grafico"), current.chart); }, 200);
});

async function loadWeights() {
  try {
    renderWeights(document.getElementById("tabella-pesi"), document.getElementById("pesi-da-verificare"),
      await getJSON("/api/weights"));
  } catch (err) {
    document.getElementById("pesi-da-verificare").replaceChildren(el("li", { class: "text-danger", text: err.message }));
  }
}

async function loadQuality(all) {
  const target = document.getElementById("qualita");
  const titles = new Map(all.map((o) => [o.id, o.titolo]));
  try {
    const report = await getJSON("/api/quality");
    const blocks = report.documents.map((doc) => {
      const items = findings(doc.quality, titles);
      return el("div", { class: "mb-3" },
        el("h3", { class: "h5", text: `Documento ${doc.file} (${doc.n_objectives} obiettivi)` }),
        items.length
          ? el("ul", { class: "quality-list" }, ...items.map((t) => el("li", { text: t })))
          : el("p", { text: "Nessun altro avviso." }));
    });
    target.replaceChildren(...(blocks.length ? blocks : [el("p", { text: "Nessun documento caricato." })]));
  } catch (err) {
    target.replaceChildren(el("p", { class: "text-danger", text: err.message }));
  }
}

loadWeights();
const all = await load("");
fillSelect("f-settore", all.map((o) => o.settore));
fillSelect("f-classificazione", all.map((o) => o.classificazione));
fillSelect("f-responsabile", all.map((o) => o.responsabile));
loadQuality(all);
