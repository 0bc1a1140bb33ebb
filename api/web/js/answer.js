// One answer of the assistant: footnotes numbered in reading order, the text with its [n] links,
// the sources, and the answer as plain text or Markdown (copy, export, print).
import { el, fieldLabel, getJSON, objectiveCard, objectiveUrl } from "./common.js";

const MARKER = /\[(\d+)\]/g;

/**
 * The answer with its citations renumbered by first appearance in the text ([2] before [1] becomes
 * [1] before [2]); citations the text does not mention keep their order, after the others.
 */
export function inReadingOrder(answer) {
  const order = [];
  for (const match of answer.answer.matchAll(MARKER)) {
    const n = Number(match[1]);
    if (!order.includes(n) && answer.citations.some((c) => c.n === n)) order.push(n);
  }
  for (const c of answer.citations) if (!order.includes(c.n)) order.push(c.n);
  const renumber = new Map(order.map((old, i) => [old, i + 1]));
  const text = answer.answer.replace(MARKER, (whole, n) =>
    (renumber.has(Number(n)) ? `[${renumber.get(Number(n))}]` : whole));
  const citations = answer.citations
    .map((c) => ({ ...c, n: renumber.get(c.n) }))
    .sort((a, b) => a.n - b.n);
  return { ...answer, answer: text, citations };
}

/** One source as a line of plain text. */
export function sourceLine(c) {
  const what = c.passaggio ? c.sezione || c.titolo : `${c.titolo} – ${fieldLabel(c.campo)}${c.anno ? ` (${c.anno})` : ""}`;
  return `[${c.n}] ${what}: «${c.citazione}»`;
}

/** The answer and its sources as plain text. */
export function plainText(answer) {
  const sources = answer.citations.map(sourceLine);
  return sources.length ? `${answer.answer}\n\nFonti:\n${sources.join("\n")}` : answer.answer;
}

/** Fill `answerText` with the text; [n] markers become links that open footnote n. */
export function renderText(answerText, answer, turn, labels) {
  const known = new Set(answer.citations.map((c) => c.n));
  answerText.replaceChildren();
  answerText.classList.toggle("answer-refused", Boolean(answer.refused));
  answer.answer.split(/\[(\d+)\]/).forEach((part, i) => {
    if (i % 2 === 0) { answerText.append(document.createTextNode(part)); return; }
    const n = Number(part);
    if (!known.has(n)) { answerText.append(document.createTextNode(`[${part}]`)); return; }
    const link = el("a", { href: `#fonte-${turn}-${n}`, "aria-label": `${labels.sources}: nota ${n}` }, `[${n}]`);
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const details = document.querySelector(`#fonte-${turn}-${n} details`);
      details.open = true;
      details.querySelector("summary").focus();
    });
    answerText.append(el("sup", {}, link));
  });
}

/** The footnotes: each a <details> with the quoted field and, on request, the whole card. */
export function citationList(answer, turn, labels) {
  const list = el("ol", { class: "list-unstyled" });
  for (const c of answer.citations) {
    const details = c.passaggio ? passageFootnote(c, labels) : recordFootnote(c, labels);
    list.append(el("li", { id: `fonte-${turn}-${c.n}` }, details));
  }
  return el("div", { class: "citations" }, el("h4", { class: "h6", text: labels.sources }), list);
}

function recordFootnote(c, labels) {
  const where = [c.settore, c.anno ? `anno ${c.anno}` : null].filter(Boolean).join(", ");
  const slot = el("div", { class: "card-slot" });
  const button = el("button", { type: "button", class: "btn btn-sm btn-outline-primary", "aria-expanded": "false" },
    labels.showCard);
  button.addEventListener("click", () => toggleCard(button, slot, c, labels));
  return el("details", {},
    el("summary", {}, `[${c.n}] ${c.titolo} – ${fieldLabel(c.campo)}`),
    el("p", { class: "mb-0" }, `${labels.quoted} «${fieldLabel(c.campo)}»${where ? ` (${where})` : ""}:`),
    el("blockquote", { text: c.citazione }),
    button,
    slot);
}

function passageFootnote(c, labels) {
  const where = [c.documento, c.pagina ? `pagina ${c.pagina}` : null].filter(Boolean).join(", ");
  return el("details", {},
    el("summary", {}, `[${c.n}] ${c.sezione || c.titolo}`),
    el("p", { class: "mb-0" }, `${labels.quotedPassage} (${where}):`),
    el("blockquote", { text: c.citazione }));
}

async function toggleCard(button, slot, citation, labels) {
  if (slot.firstChild) {
    slot.replaceChildren();
    button.textContent = labels.showCard;
    button.setAttribute("aria-expanded", "false");
    return;
  }
  try {
    const objective = await getJSON(objectiveUrl(citation.documento, citation.objective_id));
    slot.replaceChildren(objectiveCard(objective, 5));
  } catch (err) {
    slot.replaceChildren(el("p", { class: "text-danger", text: err.message }));
  }
  button.textContent = labels.hideCard;
  button.setAttribute("aria-expanded", "true");
}

/** The whole conversation as Markdown (format "md") or plain text ("txt"), sources under each answer. */
export function conversationText(turns, { format, title, date }) {
  const md = format === "md";
  const lines = [md ? `# ${title}` : title, "", `Esportata il ${date}.`, ""];
  turns.forEach((turn, i) => {
    lines.push(md ? `## Domanda ${i + 1}` : `Domanda ${i + 1}:`, "", turn.question, "");
    lines.push(md ? "### Risposta" : "Risposta:", "", turn.answer.answer, "");
    if (turn.answer.citations.length) {
      lines.push(md ? "**Fonti**" : "Fonti:", "");
      for (const c of turn.answer.citations) lines.push(md ? `- ${sourceLine(c)}` : sourceLine(c));
      lines.push("");
    }
  });
  return lines.join("\n");
}
