// Accessibility statement page: the feedback form posts to /api/feedback.
import { postJSON } from "./common.js";

const form = document.getElementById("modulo-commento");
const result = document.getElementById("esito-commento");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const message = document.getElementById("commento").value.trim();
  if (!message) {
    result.textContent = "Scrivi un messaggio prima di inviarlo.";
    document.getElementById("commento").focus();
    return;
  }
  try {
    await postJSON("/api/feedback", {
      message,
      contact: document.getElementById("contatto").value.trim() || null,
      page: document.referrer ? new URL(document.referrer).pathname : null,
    });
    form.reset();
    result.textContent = "Grazie: il tuo messaggio è stato inviato.";
  } catch (err) {
    result.textContent = err.message;
  }
});
