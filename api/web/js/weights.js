// Evaluators' view: the per-sector weight table (top of the page) and the other quality findings,
// in words, with the objectives' titles instead of their ids.
import { el } from "./common.js";

function pct(value) {
  return `${String(Math.round(value * 100) / 100).replace(".", ",")}%`;
}

/** Fill the weight table: a row per sector, a column per year; 100% green, anything else flagged. */
export function renderWeights(table, findings, data) {
  const years = data.anni;
  const multiDoc = new Set(data.righe.map((r) => r.documento)).size > 1;
  const head = el("tr", {}, el("th", { scope: "col", text: "Settore" }),
    ...years.map((y) => el("th", { scope: "col", text: String(y) })));
  table.tHead.replaceChildren(head);
  const sectors = [];
  for (const r of data.righe) {
    const key = `${r.documento}|${r.settore}`;
    if (!sectors.some((s) => s.key === key)) sectors.push({ key, label: multiDoc ? `${r.settore} (${r.documento})` : r.settore });
  }
  table.tBodies[0].replaceChildren(...sectors.map((s) => el("tr", {},
    el("th", { scope: "row", text: s.label }),
    ...years.map((y) => {
      const r = data.righe.find((x) => `${x.documento}|${x.settore}` === s.key && x.anno === y);
      if (!r) return el("td", { text: "–" });
      return el("td", { class: r.ok ? "ok" : "ko" }, r.ok ? `${pct(r.totale)} ✓ corretto` : `${pct(r.totale)} ⚠ da verificare`);
    }))));
  const wrong = data.righe.filter((r) => !r.ok);
  findings.replaceChildren(...wrong.map((r) => el("li", { text: r.spiegazione })));
  if (!wrong.length && data.righe.length) findings.replaceChildren(el("li", { text: "Tutti i settori sommano a 100% in ogni anno." }));
  if (!data.righe.length) findings.replaceChildren(el("li", { text: "Il piano non indica pesi." }));
}

const FIELD_WORDS = {
  peso: "peso", indicatore: "indicatore", target: "target", scadenza: "scadenza", baseline: "baseline",
  target_intermedio: "target intermedio", target_raggiunto: "target raggiunto", fonte_verifica: "fonte di verifica",
};

/** "indicatori[0].peso: ..." -> "peso dell'indicatore 1: ...", "stato_attuazione.testo" -> "stato di attuazione". */
export function humanField(text) {
  return String(text)
    .replace(/indicatori\[(\d+)\]\.(\w+)/g, (_, n, f) => `${FIELD_WORDS[f] || f} dell'indicatore ${Number(n) + 1}`)
    .replace(/stato_attuazione\.testo/g, "stato di attuazione")
    .replace(/\b(obiettivo_strategico|personale_coinvolto|settore_cdr)\b/g, (m) => m.replace("_", " "));
}

/** The findings of one document's quality report other than the weights, as sentences. */
export function findings(quality, titles) {
  if (!quality) return [];
  const out = [];
  for (const s of quality.sectors || []) {
    if (!s.ok) out.push(`${s.settore}: trovati ${s.found} obiettivi, dichiarati ${s.declared ?? "nessuno"}.`);
  }
  for (const i of quality.issues || []) {
    const who = titles.get(i.objective_id) || i.objective_id;
    out.push(`«${who}»: ${humanField(i.message)}`);
  }
  for (const w of quality.warnings || []) out.push(humanField(w));
  return out;
}
