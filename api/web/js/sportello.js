// Citizen desk (/sportello): plain-language answers, guided questions grouped by need, each answer
// focused and scrolled to the top when it arrives, printable on its own, read aloud where the device
// has an Italian voice. The page keeps the last five exchanges.
import { sourceLine } from "./answer.js";
import { CITIZEN_LABELS, setupChat } from "./chat.js";
import { el, getJSON, today } from "./common.js";

const LABELS = {
  ...CITIZEN_LABELS,
  print: "Stampa questa risposta",
  read: "Leggi ad alta voce",
  stop: "Ferma la lettura",
  another: "Fai un'altra domanda",
  noVoice: "La lettura ad alta voce non è disponibile: questo dispositivo non ha una voce italiana. "
    + "Puoi usare il lettore di schermo del dispositivo.",
};

/** The Italian voice of the device, once the browser has listed its voices (null when none). */
function italianVoice() {
  if (!("speechSynthesis" in window)) return Promise.resolve(null);
  const pick = () => window.speechSynthesis.getVoices().find((v) => v.lang && v.lang.toLowerCase().startsWith("it")) || null;
  if (window.speechSynthesis.getVoices().length) return Promise.resolve(pick());
  return new Promise((resolve) => {
    const done = () => resolve(pick());
    window.speechSynthesis.addEventListener("voiceschanged", done, { once: true });
    window.setTimeout(done, 1500);
  });
}

function readAloud(slot, answer) {
  italianVoice().then((voice) => {
    if (!voice) { slot.replaceChildren(el("p", { class: "small mb-0 read-note", text: LABELS.noVoice })); return; }
    const button = el("button", { type: "button", class: "btn btn-sm btn-primary read-aloud" }, LABELS.read);
    button.addEventListener("click", () => {
      const synth = window.speechSynthesis;
      if (button.dataset.speaking === "true") { synth.cancel(); return; }
      synth.cancel();
      const utterance = new SpeechSynthesisUtterance(answer.answer.replace(/\s*\[\d+\]/g, ""));
      utterance.lang = "it-IT";
      if (typeof SpeechSynthesisVoice !== "undefined" && voice instanceof SpeechSynthesisVoice) utterance.voice = voice;
      const reset = () => { button.textContent = LABELS.read; button.dataset.speaking = "false"; };
      utterance.addEventListener("end", reset);
      utterance.addEventListener("error", reset);
      button.textContent = LABELS.stop;
      button.dataset.speaking = "true";
      synth.speak(utterance);
    });
    slot.replaceChildren(button);
  });
}

/** What only the printed page shows: the body, the date, the question and the sources as text. */
function printBlocks(turn) {
  const ente = document.getElementById("nome-ente").textContent.trim();
  const head = el("div", { class: "print-only print-head" },
    el("p", { class: "print-ente", text: ente }),
    el("p", { text: `Risposta dello sportello del ${today()}` }),
    el("p", { class: "print-question", text: `Domanda: ${turn.question}` }));
  const sources = turn.answer.citations.length
    ? el("div", { class: "print-only print-sources" },
      el("p", { class: "fw-semibold", text: "Fonti (dal piano del Comune):" }),
      el("ol", { class: "list-unstyled" }, ...turn.answer.citations.map((c) => el("li", { text: sourceLine(c) }))))
    : null;
  return [head, sources];
}

function printAnswer(item) {
  document.querySelectorAll(".da-stampare").forEach((node) => node.classList.remove("da-stampare"));
  item.classList.add("da-stampare");
  document.body.classList.add("stampa-una");
  window.print();
}

window.addEventListener("afterprint", () => {
  document.body.classList.remove("stampa-una");
  document.querySelectorAll(".da-stampare").forEach((node) => node.classList.remove("da-stampare"));
});

function decorate(item, turn, { bar }) {
  const [head, sources] = printBlocks(turn);
  item.prepend(head);
  if (sources) item.append(sources);
  const print = el("button", { type: "button", class: "btn btn-sm btn-outline-primary" }, LABELS.print);
  print.addEventListener("click", () => printAnswer(item));
  const another = el("button", { type: "button", class: "btn btn-sm btn-outline-primary" }, LABELS.another);
  another.addEventListener("click", () => {
    const input = document.getElementById("domanda");
    input.scrollIntoView({ block: "center" });
    input.focus();
  });
  const voiceSlot = el("div", { class: "voice-slot" });
  bar.append(print, another, voiceSlot);
  if ("speechSynthesis" in window) readAloud(voiceSlot, turn.answer);
  else voiceSlot.append(el("p", { class: "small mb-0 read-note", text: LABELS.noVoice }));
}

const { ask } = setupChat({ mode: "citizen", labels: LABELS, keepShown: 5, focusAnswer: true, decorate });

async function loadGuidedQuestions() {
  const target = document.getElementById("domande-guidate");
  try {
    const data = await getJSON("/api/guided-questions?limit=12");
    const groups = data.groups.map((group, i) => {
      const headingId = `bisogno-${i}`;
      return el("div", { class: "col-md-6 col-lg-4" },
        el("h3", { class: "h5", id: headingId, text: group.gruppo }),
        el("ul", { class: "list-unstyled d-flex flex-column gap-2", "aria-labelledby": headingId },
          ...group.questions.map((q) => {
            const button = el("button", { type: "button", class: "btn btn-outline-primary" }, q.question);
            button.addEventListener("click", () => {
              document.getElementById("domanda").value = q.question;
              ask(q.question);
            });
            return el("li", {}, button);
          })));
    });
    if (groups.length) target.replaceChildren(...groups);
    else target.replaceWith(el("p", { text: "Non ci sono domande frequenti per questo piano: scrivi la tua domanda." }));
  } catch (err) {
    target.replaceWith(el("p", { text: "Le domande frequenti non sono disponibili in questo momento." }));
  }
}

loadGuidedQuestions();
