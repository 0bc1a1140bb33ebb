// Citizen desk (/sportello): plain-language answers, guided questions drawn from the plan.
import { setupChat } from "./chat.js";
import { el, getJSON } from "./common.js";

const ask = setupChat({ mode: "citizen" });

async function loadGuidedQuestions() {
  const target = document.getElementById("domande-guidate");
  try {
    const data = await getJSON("/api/guided-questions?limit=6");
    for (const q of data.questions) {
      const button = el("button", { type: "button", class: "btn btn-outline-primary" }, q.question);
      button.addEventListener("click", () => {
        document.getElementById("domanda").value = q.question;
        ask(q.question);
      });
      target.append(el("li", {}, button));
    }
  } catch (err) {
    target.replaceWith(el("p", { text: "Le domande frequenti non sono disponibili in questo momento." }));
  }
}

loadGuidedQuestions();
