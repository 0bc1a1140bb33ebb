"""The citizen desk (/sportello) in a real Chromium: each answer in view and focused, a long series of
questions without an error, guided questions by need, print, read aloud, restart with confirmation."""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ENTE, ask

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "docs"
UPDATE = os.environ.get("UPDATE_SCREENSHOTS") == "1"
QUESTIONS = [
    "Chi segue il servizio SOS Computer?",
    "In che giorni è aperto lo sportello SOS Computer?",
    "Che cosa fa il Comune per la TARI?",
    "Ci sono novità per il nido Cremaschi?",
    "Quando c'è la Notte Bianca?",
    "Come posso avere aiuto con lo SPID?",
    "Che cosa fa il Comune per la biblioteca?",
    "Ci sono lavori al centro culturale?",
    "Come funziona la nuova sezione elettorale di Salvaterra?",
    "Chi si occupa degli orti del Parco Secchia?",
    "Che cosa fa il Comune per i giovani?",
    "Cosa cambia per la mensa scolastica?",
]


def in_view_and_focused(page: Any, answer: Any) -> dict[str, Any]:
    return answer.evaluate("""(li) => {
      const h = li.querySelector('h3');
      const r = h.getBoundingClientRect();
      return {focused: document.activeElement === h, top: r.top, bottom: r.bottom, height: window.innerHeight};
    }""")


def test_twenty_five_questions_each_in_view_and_focused(page: Any) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    page.emulate_media(reduced_motion="reduce")  # no smooth scrolling to wait for at each click (speed)
    page.goto("/sportello")
    page.locator("#domande-guidate button").first.wait_for()
    tops = []
    for i in range(25):
        answer = ask(page, QUESTIONS[i % len(QUESTIONS)])
        state = in_view_and_focused(page, answer)
        assert state["focused"], f"question {i + 1}: focus is not on the answer's heading"
        assert 0 <= state["top"] and state["bottom"] <= state["height"], f"question {i + 1}: {state}"
        tops.append(state["top"])
        assert page.locator("#errore").is_hidden(), page.locator("#errore").inner_text()
    assert max(tops) < 768 / 3  # the newest exchange at the top of the view
    assert page.locator(".message-assistant").count() == 5  # the page keeps the last few
    page.wait_for_function("() => document.getElementById('avviso').textContent.includes('risposta')")


def test_guided_questions_grouped_by_need(page: Any) -> None:
    page.goto("/sportello")
    page.locator("#domande-guidate button").first.wait_for()
    groups = page.locator("#domande-guidate h3").all_inner_texts()
    assert len(groups) >= 4 and "Tasse e tributi" in groups
    buttons = page.locator("#domande-guidate button")
    assert 4 <= buttons.count() <= 12
    assert not any(t.startswith("Che cosa fa il Comune per «") for t in buttons.all_inner_texts())
    buttons.first.click()
    answer = page.locator(".message-assistant").first
    answer.locator(".answer-actions").wait_for()
    assert answer.locator(".answer-text").inner_text().strip()
    assert answer.get_by_role("heading", name="Da dove viene questa risposta").count() == 1


def test_print_one_answer(page: Any, tmp_path: Path) -> None:
    page.add_init_script("window.print = () => { window.__printed = (window.__printed || 0) + 1; };")
    page.goto("/sportello")
    first = ask(page, "Chi segue il servizio SOS Computer?")
    second = ask(page, "Che cosa fa il Comune per la TARI?")
    state = in_view_and_focused(page, second)  # with the browser's smooth scrolling on, too
    assert state["focused"] and 0 <= state["top"] and state["bottom"] <= state["height"]
    first.get_by_role("button", name="Stampa questa risposta").click()
    assert page.evaluate("window.__printed") == 1
    page.emulate_media(media="print")
    assert first.is_visible() and not second.is_visible()
    assert page.locator("header").first.is_hidden() and page.locator("#modulo-domanda").is_hidden()
    assert first.locator(".answer-actions").is_hidden() and first.locator(".citations").is_hidden()
    head = first.locator(".print-head")
    assert ENTE in head.inner_text() and "Domanda: Chi segue il servizio SOS Computer?" in head.inner_text()
    sources = first.locator(".print-sources")
    assert sources.is_visible() and "«" in sources.inner_text()  # the sources as plain text
    size = first.locator(".answer-text").evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert size >= 20  # large type (16pt)
    shot = tmp_path / "screenshot-sportello-stampa.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    if UPDATE:
        shutil.copyfile(shot, DOCS / shot.name)


def test_read_aloud_with_an_italian_voice(page: Any) -> None:
    page.add_init_script("""
      window.__spoken = [];
      if (window.speechSynthesis) {
        window.speechSynthesis.getVoices = () => [{lang: 'it-IT', name: 'Voce di prova'}];
        window.speechSynthesis.speak = (u) => window.__spoken.push({text: u.text, lang: u.lang});
      }
    """)
    page.goto("/sportello")
    answer = ask(page, "Chi segue il servizio SOS Computer?")
    answer.get_by_role("button", name="Leggi ad alta voce").click()
    spoken = page.evaluate("window.__spoken")
    assert spoken and spoken[0]["lang"] == "it-IT" and "[1]" not in spoken[0]["text"]


def test_read_aloud_explained_without_an_italian_voice(page: Any) -> None:
    page.add_init_script("""
      if (window.speechSynthesis) window.speechSynthesis.getVoices = () => [{lang: 'en-US', name: 'English'}];
    """)
    page.goto("/sportello")
    answer = ask(page, "Chi segue il servizio SOS Computer?")
    answer.locator(".read-note").wait_for()
    assert "non ha una voce italiana" in answer.locator(".read-note").inner_text()
    assert answer.get_by_role("button", name="Leggi ad alta voce").count() == 0


def test_restart_asks_for_confirmation(page: Any) -> None:
    page.goto("/sportello")
    ask(page, "Chi segue il servizio SOS Computer?")
    page.get_by_role("button", name="Ricomincia").click()
    page.get_by_role("button", name="No, torna alle risposte").click()
    assert page.locator(".message-assistant").count() == 1
    page.get_by_role("button", name="Ricomincia").click()
    page.get_by_role("button", name="Sì, ricomincia").click()
    assert page.locator(".message-assistant").count() == 0
    page.reload()  # the desk keeps nothing in the browser
    assert page.locator(".message-assistant").count() == 0


def test_large_text_on_the_desk(page: Any) -> None:
    page.goto("/sportello")
    base = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main p')).fontSize)")
    assert base >= 20
