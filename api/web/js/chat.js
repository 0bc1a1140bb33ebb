// The conversation widget shared by the staff chat (/) and the citizen desk (/sportello).
// Each question is sent with the last few exchanges (so follow-ups work), each trimmed to the
// message limit: a long conversation never fails on length. The answer arrives whole from /api/chat
// (it is composed from the documents in one go: no pretend streaming); its footnotes are numbered in
// reading order. The staff chat keeps the conversation in the browser (localStorage) across reloads.
import { citationList, inReadingOrder, plainText, renderText } from "./answer.js";
import { announce, confirmInline, el, postJSON } from "./common.js";

const HISTORY_MESSAGES = 6; // the last three exchanges go with each question
const STORED_TURNS = 30;

export const STAFF_LABELS = {
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
  confirmClear: "Vuoi cancellare questa conversazione e iniziarne una nuova?",
  confirmYes: "Sì, nuova conversazione",
  confirmNo: "No, continua",
  retry: "Riprova",
};

export const CITIZEN_LABELS = {
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
  received: "È arrivata la risposta. ",
  cleared: "Puoi fare una nuova domanda.",
  confirmClear: "Vuoi cancellare le risposte e ricominciare?",
  confirmYes: "Sì, ricomincia",
  confirmNo: "No, torna alle risposte",
};

let turnCounter = 0;

/** The messages sent with a question: the last exchanges, each cut to `limit` characters. */
export function history(turns, limit) {
  const messages = turns.flatMap((t) => [
    { role: "user", content: t.question },
    { role: "assistant", content: t.answer.answer },
  ]);
  return messages.slice(-HISTORY_MESSAGES).map((m) => ({ ...m, content: m.content.slice(0, limit) }));
}

function loadTurns(key) {
  if (!key) return [];
  try {
    const stored = JSON.parse(window.localStorage.getItem(key) || "[]");
    return Array.isArray(stored) ? stored.filter((t) => t && t.question && t.answer && t.answer.citations) : [];
  } catch (_) {
    return [];
  }
}

function saveTurns(key, turns) {
  if (!key) return;
  try {
    window.localStorage.setItem(key, JSON.stringify(turns.slice(-STORED_TURNS)));
  } catch (_) {
    // storage full or disabled: the conversation still works, it is just not kept
  }
}

/**
 * Wire the chat form of the page. Options: mode ("staff" | "citizen"), labels, storageKey (keep the
 * conversation), keepShown (exchanges kept on the page), focusAnswer (move focus to each new answer),
 * decorate(item, answer, ctx) (page-specific actions). Returns { ask, turns }.
 */
export function setupChat({ mode, labels, storageKey = null, keepShown = 50, focusAnswer = false, decorate = null }) {
  const form = document.getElementById("modulo-domanda");
  const input = document.getElementById("domanda");
  const send = document.getElementById("invia");
  const list = document.getElementById("conversazione");
  const emptyNote = document.getElementById("conversazione-vuota");
  const live = document.getElementById("avviso");
  const errorBox = document.getElementById("errore");
  const limit = Number(input.dataset.maxChars || 2000);
  let turns = loadTurns(storageKey);
  let busy = false;

  function showError(text, retry = null) {
    errorBox.replaceChildren();
    errorBox.hidden = !text;
    if (!text) return;
    errorBox.append(el("span", { text }));
    if (retry) {
      const button = el("button", { type: "button", class: "btn btn-sm btn-outline-danger ms-2" }, labels.retry);
      button.addEventListener("click", retry);
      errorBox.append(button);
    }
  }

  const counter = setupCounter(input, limit, live);

  function renderTurn(turn) {
    const id = ++turnCounter;
    const userItem = el("li", { class: "message message-user" },
      el("p", { class: "message-role", text: labels.you }), el("p", { class: "mb-0 question-text", text: turn.question }));
    const heading = el("h3", { class: "message-role h5", id: `risposta-${id}`, tabindex: "-1" }, labels.assistant);
    const answerText = el("p", { class: "answer-text" });
    renderText(answerText, turn.answer, id, labels);
    const item = el("li", { class: "message message-assistant", "data-turn": id, "aria-labelledby": `risposta-${id}` },
      heading, answerText);
    if (turn.answer.citations.length) item.append(citationList(turn.answer, id, labels));
    const bar = el("div", { class: "answer-actions" });
    bar.append(copyButton(turn.answer, labels, live));
    item.append(bar);
    if (decorate) decorate(item, turn, { bar, ask, labels, id });
    return [userItem, item];
  }

  function trimShown() {
    while (list.querySelectorAll(".message-assistant").length > keepShown) {
      list.firstElementChild.remove();
      if (list.firstElementChild && !list.firstElementChild.classList.contains("message-user")) {
        list.firstElementChild.remove();
      }
    }
  }

  async function ask(question) {
    const text = question.trim();
    if (!text) { showError(labels.empty); input.focus(); return; }
    if (text.length > limit) {
      showError(`La domanda è troppo lunga: ${text.length} caratteri, massimo ${limit}. Accorciala e invia di nuovo.`);
      input.focus();
      return;
    }
    if (busy) return;
    busy = true;
    send.disabled = true;
    showError("");
    emptyNote.hidden = true;
    const waiting = el("li", { class: "message message-waiting" }, el("span", { role: "status" }, labels.waiting));
    list.append(waiting);
    list.setAttribute("aria-busy", "true");
    try {
      const outgoing = [...history(turns, limit), { role: "user", content: text }];
      const answer = inReadingOrder(await postJSON("/api/chat", { messages: outgoing, mode }));
      const turn = { question: text, answer };
      turns = [...turns, turn].slice(-STORED_TURNS);
      saveTurns(storageKey, turns);
      waiting.remove();
      const [userItem, item] = renderTurn(turn);
      list.append(userItem, item);
      trimShown();
      input.value = "";
      counter();
      announce(live, labels.received + (focusAnswer ? "" : answer.answer));
      if (focusAnswer) {
        // the question and its answer at the top of the view, focus on the answer's heading
        item.querySelector("h3").focus({ preventScroll: true });
        userItem.scrollIntoView({ block: "start", behavior: "instant" });
      } else {
        item.scrollIntoView({ block: "nearest", behavior: "instant" });
        input.focus({ preventScroll: true });
      }
    } catch (err) {
      waiting.remove();
      emptyNote.hidden = list.children.length > 0;
      showError(err.message, () => ask(text));
      input.value = text;
      input.focus();
    } finally {
      busy = false;
      send.disabled = false;
      list.setAttribute("aria-busy", "false");
    }
  }

  for (const turn of turns.slice(-keepShown)) list.append(...renderTurn(turn));
  emptyNote.hidden = list.children.length > 0;

  form.addEventListener("submit", (event) => { event.preventDefault(); ask(input.value); });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ask(input.value);
    }
  });
  const clear = document.getElementById("nuova-conversazione");
  clear.addEventListener("click", async () => {
    if (!turns.length && !list.children.length) { input.focus(); return; }
    const ok = await confirmInline(clear.parentElement, {
      question: labels.confirmClear, yes: labels.confirmYes, no: labels.confirmNo });
    if (!ok) return;
    turns = [];
    saveTurns(storageKey, turns);
    list.replaceChildren();
    emptyNote.hidden = false;
    showError("");
    input.value = "";
    counter();
    if ("speechSynthesis" in window) window.speechSynthesis.cancel();
    announce(live, labels.cleared);
    input.focus();
  });
  return { ask, turns: () => turns };
}

/** The character counter under the question box; warns (once) when the limit is near or passed. */
function setupCounter(input, limit, live) {
  const output = document.getElementById("contatore");
  let warned = "";
  function update() {
    const n = input.value.length;
    if (!output) return;
    output.textContent = `${n} caratteri su ${limit}`;
    const state = n > limit ? "over" : n >= limit * 0.9 ? "near" : "";
    output.classList.toggle("counter-near", state === "near");
    output.classList.toggle("counter-over", state === "over");
    if (state && state !== warned) {
      announce(live, state === "over"
        ? `La domanda supera di ${n - limit} caratteri il massimo di ${limit}: accorciala.`
        : `Restano ${limit - n} caratteri.`);
    }
    warned = state;
  }
  input.addEventListener("input", update);
  update();
  return update;
}

function copyButton(answer, labels, live) {
  const copy = el("button", { type: "button", class: "btn btn-sm btn-outline-primary" }, labels.copy);
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(plainText(answer));
      announce(live, labels.copied);
    } catch (_) {
      announce(live, "Copia non riuscita: seleziona il testo e copialo.");
    }
  });
  return copy;
}
