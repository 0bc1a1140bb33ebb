// Shared helpers of the pages. Every text coming from the server or the documents is put in the page
// with textContent / createTextNode: never as HTML.

/** Create an element with attributes and children (strings become text nodes). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") node.textContent = String(value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** An error carrying the server's Italian message. */
export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || (status >= 500
      ? "Il servizio ha avuto un problema. Riprova tra qualche istante."
      : `La richiesta non è andata a buon fine (errore ${status}).`));
    this.status = status;
    this.code = body && body.error;
  }
}

const OFFLINE = "Il servizio non risponde: controlla la connessione a internet e riprova.";

async function failure(response) {
  let body = null;
  try { body = await response.json(); } catch (_) { body = null; }
  return new ApiError(response.status, body);
}

/** fetch, with a network failure turned into an Italian message (never "Failed to fetch"). */
async function request(url, options) {
  try {
    return await fetch(url, options);
  } catch (_) {
    throw new ApiError(0, { error: "offline", message: OFFLINE });
  }
}

/** GET a JSON resource. */
export async function getJSON(url) {
  const response = await request(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw await failure(response);
  return response.json();
}

/** POST a JSON body, return the JSON answer. */
export async function postJSON(url, body) {
  const response = await request(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw await failure(response);
  return response.json();
}

/**
 * Ask for confirmation inside the page (no browser dialog): a question with "yes" and "no" buttons
 * placed after `anchor`, focused; resolves true or false and removes itself.
 */
export function confirmInline(anchor, { question, yes, no }) {
  document.querySelectorAll(".confirm-box").forEach((box) => box.remove());
  return new Promise((resolve) => {
    const yesButton = el("button", { type: "button", class: "btn btn-primary" }, yes);
    const noButton = el("button", { type: "button", class: "btn btn-outline-primary" }, no);
    const text = el("p", { class: "mb-2 fw-semibold", id: "conferma-testo", text: question });
    const box = el("div", { class: "confirm-box alert alert-warning mt-3", role: "alertdialog",
      "aria-labelledby": "conferma-testo" }, text, el("div", { class: "d-flex flex-wrap gap-2" }, yesButton, noButton));
    const close = (answer) => { box.remove(); resolve(answer); };
    yesButton.addEventListener("click", () => close(true));
    noButton.addEventListener("click", () => { close(false); anchor.focus(); });
    box.addEventListener("keydown", (event) => { if (event.key === "Escape") { close(false); anchor.focus(); } });
    anchor.after(box);
    noButton.focus();
  });
}

const FIELD_LABELS = {
  settore: "Settore",
  settore_cdr: "Settore/Cdr",
  classificazione: "Classificazione",
  titolo: "Titolo",
  destinatari: "Destinatari",
  contributor: "Contributor",
  obiettivo_strategico: "Obiettivo strategico",
  responsabile: "Responsabile",
  personale_coinvolto: "Personale coinvolto",
  peso: "Peso",
  pnrr: "PNRR",
  anticorruzione: "Anticorruzione",
  indicatori: "Indicatori",
  indicatore: "Indicatore",
  scadenza: "Scadenza",
  baseline: "Baseline",
  target: "Target",
  target_intermedio: "Target intermedio",
  target_raggiunto: "Target raggiunto",
  fonte_verifica: "Fonte di verifica",
  stato_attuazione: "Stato di attuazione",
  "stato_attuazione.data": "Data dello stato di attuazione",
};

/** A human label for a record field name ("responsabile", "indicatori.target", "stato_attuazione.testo"). */
export function fieldLabel(name) {
  const parts = String(name).split(".");
  const label = FIELD_LABELS[name] || FIELD_LABELS[parts[parts.length - 1]] || FIELD_LABELS[parts[0]];
  return label || String(name).replace(/[._]/g, " ");
}

/** Today as 30/11/2026. */
export function today() {
  return new Date().toLocaleDateString("it-IT", { day: "2-digit", month: "2-digit", year: "numeric" });
}

/** Format an ISO date (2023-06-30) as 30/06/2023; other text is returned as it is. */
export function italianDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso || "";
}

function indicatorText(ind) {
  const parts = [];
  for (const key of ["indicatore", "scadenza", "baseline", "target", "target_intermedio", "target_raggiunto", "peso", "fonte_verifica"]) {
    if (ind[key]) parts.push(`${fieldLabel(key)}: ${ind[key]}`);
  }
  return `${ind.anno ?? "Anno non indicato"} – ${parts.join("; ")}`;
}

/** The objective card: every field of the record as a definition list (text only). */
export function objectiveCard(obj, headingLevel = 4) {
  const card = el("div", { class: "objective-card" });
  card.append(el(`h${headingLevel}`, { class: "h6", text: obj.titolo }));
  const dl = el("dl");
  const plain = ["settore", "classificazione", "responsabile", "destinatari", "contributor", "obiettivo_strategico",
    "personale_coinvolto", "peso", "pnrr", "anticorruzione"];
  for (const key of plain) {
    if (obj[key]) dl.append(el("dt", { text: fieldLabel(key) }), el("dd", { text: obj[key] }));
  }
  if (obj.indicatori && obj.indicatori.length) {
    const list = el("ul");
    for (const ind of obj.indicatori) list.append(el("li", { text: indicatorText(ind) }));
    dl.append(el("dt", { text: "Indicatori" }), el("dd", {}, list));
  }
  if (obj.stato_attuazione && (obj.stato_attuazione.testo || obj.stato_attuazione.data)) {
    const label = obj.stato_attuazione.data
      ? `Stato di attuazione al ${italianDate(obj.stato_attuazione.data)}` : "Stato di attuazione";
    dl.append(el("dt", { text: label }), el("dd", { text: obj.stato_attuazione.testo || "" }));
  }
  const source = obj.fonte ? `${obj.fonte.file}, tabella ${obj.fonte.tabella}` : obj.documento;
  dl.append(el("dt", { text: "Fonte" }), el("dd", { text: source }));
  card.append(dl);
  return card;
}

/** The URL of one objective, by document and id. */
export function objectiveUrl(documento, id) {
  return `/api/objectives/${encodeURIComponent(documento)}/${encodeURIComponent(id)}`;
}

/** Put a message in a live region (cleared first so that the same text is announced again). */
export function announce(region, text) {
  region.textContent = "";
  window.setTimeout(() => { region.textContent = text; }, 50);
}
