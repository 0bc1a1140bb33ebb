// Staff chat page (/): the conversation is kept in this browser; follow-up questions drawn from each
// answer; the whole conversation can be downloaded as Markdown or plain text with its sources.
import { conversationText } from "./answer.js";
import { STAFF_LABELS, setupChat } from "./chat.js";
import { announce, el, postJSON, today } from "./common.js";

const TITLE_CHARS = 70;

/** A title short enough for a button: cut at a word before TITLE_CHARS. */
function shortTitle(title) {
  const text = title.replace(/\s+/g, " ").trim();
  return text.length <= TITLE_CHARS ? text : text.slice(0, TITLE_CHARS).replace(/\s+\S*$/, "");
}

const FIELD_QUESTIONS = [
  { fields: ["responsabile"], ask: (t) => `Chi è il responsabile dell'obiettivo «${t}»?` },
  { fields: ["target", "indicatore", "indicatori"], ask: (t) => `Quali sono gli indicatori e i target dell'obiettivo «${t}»?` },
  { fields: ["stato_attuazione", "testo"], ask: (t) => `Qual è lo stato di attuazione dell'obiettivo «${t}»?` },
  { fields: ["peso"], ask: (t) => `Quanto pesa l'obiettivo «${t}»?` },
];

/** Up to three follow-ups: fields of the first cited objective not cited yet, then its sector. */
export function followUps(answer) {
  const first = answer.citations.find((c) => !c.passaggio && c.objective_id);
  if (!first || answer.refused) return [];
  const cited = new Set(answer.citations
    .filter((c) => c.objective_id === first.objective_id)
    .flatMap((c) => String(c.campo).split(".")));
  const title = shortTitle(first.titolo);
  const out = FIELD_QUESTIONS.filter((q) => !q.fields.some((f) => cited.has(f))).slice(0, 2).map((q) => q.ask(title));
  if (first.settore) out.push(`Quali sono tutti gli obiettivi di ${first.settore}?`);
  return out;
}

/** "Utile" / "Non utile" on an answer; the question goes with the vote only if the server logs chats. */
function thumbs(bar, turn) {
  const live = document.getElementById("avviso");
  const group = el("div", { class: "btn-group thumbs", role: "group", "aria-label": "Valuta la risposta" });
  for (const [vote, label] of [["utile", "Utile"], ["non_utile", "Non utile"]]) {
    const button = el("button", { type: "button", class: "btn btn-sm btn-outline-secondary", "aria-pressed": "false" }, label);
    button.addEventListener("click", async () => {
      try {
        await postJSON("/api/feedback/answer", {
          vote, question: turn.question, objective_ids: turn.answer.objective_ids || [], mode: "staff" });
        group.querySelectorAll("button").forEach((b) => { b.disabled = true; });
        button.setAttribute("aria-pressed", "true");
        announce(live, "Grazie: la valutazione è stata registrata.");
      } catch (err) {
        announce(live, err.message);
      }
    });
    group.append(button);
  }
  bar.append(group);
}

function decorate(item, turn, { ask, id, bar }) {
  thumbs(bar, turn);
  const questions = followUps(turn.answer);
  if (!questions.length) return;
  const headingId = `seguiti-${id}`;
  item.append(el("div", { class: "follow-ups" },
    el("h4", { class: "h6", id: headingId, text: "Domande collegate" }),
    el("ul", { class: "list-unstyled d-flex flex-wrap gap-2", "aria-labelledby": headingId },
      ...questions.map((q) => {
        const button = el("button", { type: "button", class: "btn btn-sm btn-outline-secondary" }, q);
        button.addEventListener("click", () => ask(q));
        return el("li", {}, button);
      }))));
}

const chat = setupChat({ mode: "staff", labels: STAFF_LABELS, storageKey: "piao-chat-personale", decorate });

function download(format) {
  const turns = chat.turns();
  if (!turns.length) return;
  const ente = document.getElementById("nome-ente").textContent.trim();
  const text = conversationText(turns, { format, title: `Conversazione con l'Assistente PIAO – ${ente}`, date: today() });
  const blob = new Blob([text], { type: format === "md" ? "text/markdown;charset=utf-8" : "text/plain;charset=utf-8" });
  const link = el("a", { href: URL.createObjectURL(blob), download: `conversazione-piao-${new Date().toISOString().slice(0, 10)}.${format}` });
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

document.getElementById("scarica-md").addEventListener("click", () => download("md"));
document.getElementById("scarica-txt").addEventListener("click", () => download("txt"));
