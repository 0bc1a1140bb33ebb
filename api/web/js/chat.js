// The conversation widget shared by the staff chat (/) and the citizen desk (/sportello).
// The page keeps the whole message list and sends it with every question (follow-ups work);
// answers are streamed from /api/chat/stream and rendered as text, citations as footnotes.
import { announce, el, fieldLabel, getJSON, objectiveCard, objectiveUrl, streamChat } from "./common.js";

const STAFF_LABELS = {
  you: "Domanda",
  assistant: "Risposta",
  sources: "Fonti",
  quoted: "Testo del campo",
  quotedPassage: "Testo del documento",
  showCard: "Mostra la scheda dell'obiettivo",
  hideCard: "Nascondi la scheda dell'obiettivo",
  copy: "Copia la risposta",
  copied: "Risposta copiata negli appunti.",
  waiting: "Sto cercando nel piano…",
  received: "Nuova risposta: ",
  cleared: "Nuova conversazione iniziata.",
  empty: "Scrivi una domanda prima di inviare.",
};

const CITIZEN_LABELS = {
  ...STAFF_LABELS,
  you: "La tua domanda",
  assistant: "La risposta del Comune",
  sources: "Da dove viene questa risposta",
  quoted: "Testo scritto nel piano",
  quotedPassage: "Testo scritto nel piano",
  showCard: "Mostra tutte le informazioni",
  hideCard: "Nascondi le informazioni",
  copy: "Copia il testo",
  copied: "Testo copiato.",
  waiting: "Sto cercando la risposta…",
  read: "Leggi ad alta voce",
  stop: "Ferma la lettura",
  cleared: "Puoi fare una nuova domanda.",
};

let turnCounter = 0;

/** Wire the chat form of the page; returns ask(question) for the guided buttons. */
export function setupChat({ mode }) {
  const labels = mode === "citizen" ? CITIZEN_LABELS : STAFF_LABELS;
  const form = document.getElementById("modulo-domanda");
  const input = document.getElementById("domanda");
  const send = document.getElementById("invia");
  const list = document.getElementById("conversazione");
  const emptyNote = document.getElementById("conversazione-vuota");
  const live = document.getElementById("avviso");
  const errorBox = document.getElementById("errore");
  let messages = [];
  let busy = false;

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = !text;
  }

  async function ask(question) {
    const text = question.trim();
    if (!text) { showError(labels.empty); input.focus(); return; }
    if (busy) return;
    busy = true;
    send.disabled = true;
    showError("");
    emptyNote.hidden = true;
    const turn = ++turnCounter;
    list.append(el("li", { class: "message message-user" },
      el("p", { class: "message-role", text: labels.you }), el("p", { class: "mb-0", text })));
    const answerText = el("p", { class: "answer-text", text: labels.waiting });
    const item = el("li", { class: "message message-assistant", "data-turn": turn },
      el("p", { class: "message-role", text: labels.assistant }), answerText);
    list.append(item);
    list.setAttribute("aria-busy", "true");
    const outgoing = [...messages, { role: "user", content: text }];
    let first = true;
    try {
      const answer = await streamChat("/api/chat/stream", { messages: outgoing, mode }, (piece) => {
        if (first) { answerText.textContent = ""; first = false; }
        answerText.append(document.createTextNode(piece));
      });
      renderAnswer(item, answerText, answer, turn, labels);
      messages = [...outgoing, { role: "assistant", content: answer.answer }];
      input.value = "";
      announce(live, labels.received + answer.answer);
    } catch (err) {
      item.previousElementSibling.remove();
      item.remove();
      emptyNote.hidden = list.children.length > 0;
      showError(err.message);
    } finally {
      busy = false;
      send.disabled = false;
      list.setAttribute("aria-busy", "false");
      input.focus();
    }
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); ask(input.value); });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ask(input.value);
    }
  });
  document.getElementById("nuova-conversazione").addEventListener("click", () => {
    messages = [];
    list.replaceChildren();
    emptyNote.hidden = false;
    showError("");
    input.value = "";
    if ("speechSynthesis" in window) window.speechSynthesis.cancel();
    announce(live, labels.cleared);
    input.focus();
  });
  return ask;
}

/** Replace the streamed text with the final one: [n] markers become links to the footnotes. */
function renderAnswer(item, answerText, answer, turn, labels) {
  const known = new Set(answer.citations.map((c) => c.n));
  answerText.replaceChildren();
  if (answer.refused) answerText.classList.add("answer-refused");
  const parts = answer.answer.split(/\[(\d+)\]/);
  parts.forEach((part, i) => {
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
  if (answer.citations.length) item.append(citationList(answer, turn, labels));
  item.append(actions(answer, labels));
}

function citationList(answer, turn, labels) {
  const list = el("ol", { class: "list-unstyled" });
  for (const c of answer.citations) {
    const details = c.passaggio ? passageFootnote(c, labels) : recordFootnote(c, labels);
    list.append(el("li", { id: `fonte-${turn}-${c.n}` }, details));
  }
  return el("div", { class: "citations" }, el("h3", { text: labels.sources }), list);
}

/** A quote from a field of an objective record: the field, then the whole card on request. */
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

/** A quote from the document's prose (outside the objective tables): section and page. */
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
    slot.replaceChildren(objectiveCard(objective));
  } catch (err) {
    slot.replaceChildren(el("p", { class: "text-danger", text: err.message }));
  }
  button.textContent = labels.hideCard;
  button.setAttribute("aria-expanded", "true");
}

function plainText(answer) {
  const sources = answer.citations.map((c) =>
    `[${c.n}] ${c.passaggio ? c.sezione || c.titolo : `${c.titolo} – ${fieldLabel(c.campo)}`}: «${c.citazione}»`);
  return sources.length ? `${answer.answer}\n\nFonti:\n${sources.join("\n")}` : answer.answer;
}

function actions(answer, labels) {
  const bar = el("div", { class: "answer-actions" });
  const live = document.getElementById("avviso");
  const copy = el("button", { type: "button", class: "btn btn-sm btn-outline-primary" }, labels.copy);
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(plainText(answer));
      announce(live, labels.copied);
    } catch (_) {
      announce(live, "Copia non riuscita: selezionare il testo e copiarlo.");
    }
  });
  bar.append(copy);
  if (labels.read && "speechSynthesis" in window) bar.append(readAloudButton(answer, labels));
  return bar;
}

function readAloudButton(answer, labels) {
  const button = el("button", { type: "button", class: "btn btn-sm btn-primary read-aloud" },
    labels.read);
  button.addEventListener("click", () => {
    const synth = window.speechSynthesis;
    if (button.dataset.speaking === "true") {
      synth.cancel();
      return;
    }
    synth.cancel();
    const utterance = new SpeechSynthesisUtterance(answer.answer.replace(/\s*\[\d+\]/g, ""));
    utterance.lang = "it-IT";
    const voice = synth.getVoices().find((v) => v.lang && v.lang.toLowerCase().startsWith("it"));
    if (voice) utterance.voice = voice;
    const reset = () => { button.textContent = labels.read; button.dataset.speaking = "false"; };
    utterance.addEventListener("end", reset);
    utterance.addEventListener("error", reset);
    button.textContent = labels.stop;
    button.dataset.speaking = "true";
    synth.speak(utterance);
  });
  return button;
}
