"""The staff chat and the shared look in a real Chromium: ask, see the answer and its citations, keep
the conversation, recover from errors."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ENTE, ask

pytestmark = pytest.mark.browser

SOS = "Chi è responsabile dell'obiettivo \"Potenziare il servizio SOS Computer\"?"


def test_staff_chat_answer_citations_card_copy_and_new_conversation(page: Any) -> None:
    page.goto("/")
    answer = ask(page, SOS)
    assert "Jessica Curti" in answer.locator(".answer-text").inner_text()
    footnotes = answer.locator(".citations details")
    assert footnotes.count() >= 1
    answer.locator(".answer-text sup a").first.click()  # the [1] marker opens its footnote
    first = footnotes.first
    assert first.get_attribute("open") is not None
    assert first.locator("blockquote").inner_text().strip()
    first.get_by_role("button", name="Mostra la scheda dell'obiettivo").click()
    card = first.locator(".objective-card")
    card.wait_for()
    assert "SOS Computer" in card.inner_text() and "Jessica Curti" in card.inner_text()
    assert "affari-generali" not in card.inner_text()  # human labels, not ids
    answer.get_by_role("button", name="Copia la risposta").click()
    page.wait_for_function("() => document.getElementById('avviso').textContent.includes('copiata')")
    assert "Jessica Curti" in page.evaluate("navigator.clipboard.readText()")
    page.get_by_role("button", name="Nuova conversazione").click()
    page.get_by_role("button", name="No, continua").click()  # asked first: nothing lost
    assert page.locator("#conversazione > li").count() == 2
    page.get_by_role("button", name="Nuova conversazione").click()
    page.get_by_role("button", name="Sì, nuova conversazione").click()
    assert page.locator("#conversazione > li").count() == 0


def test_staff_chat_follow_up_keeps_the_conversation_and_survives_a_reload(page: Any) -> None:
    page.goto("/")
    ask(page, "Parlami dell'obiettivo sul servizio SOS Computer")
    follow_up = ask(page, "Chi ne è responsabile?")
    assert "Jessica Curti" in follow_up.locator(".answer-text").inner_text()
    assert page.locator(".message-user").count() == 2
    page.reload()
    page.locator(".message-assistant").nth(1).locator(".answer-actions").wait_for()
    assert page.locator(".message-user").count() == 2
    assert "Jessica Curti" in page.locator(".message-assistant").nth(1).inner_text()
    again = ask(page, "E qual è il suo stato di attuazione?")  # the thread goes on after the reload
    assert "SOS" in again.inner_text() or "sportello" in again.inner_text().lower()


def test_footnotes_are_numbered_in_reading_order(page: Any) -> None:
    page.goto("/")
    for question in (SOS, "Quali obiettivi sono collegati al PNRR?", "Quali sono i target dell'obiettivo sul nuovo sito web?"):
        answer = ask(page, question)
        markers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.locator(".answer-text").inner_text())]
        first_seen = list(dict.fromkeys(markers))
        assert first_seen == list(range(1, len(first_seen) + 1)), markers
        notes = answer.locator(".citations summary").all_inner_texts()
        assert [int(re.match(r"\[(\d+)\]", t).group(1)) for t in notes] == list(range(1, len(notes) + 1))


def test_network_error_in_italian_with_retry(page: Any, problems: Any) -> None:
    page.goto("/")
    page.route("**/api/chat", lambda route: route.abort())
    page.fill("#domanda", SOS)
    page.click("#invia")
    error = page.locator("#errore")
    error.get_by_role("button", name="Riprova").wait_for()
    assert "Failed to fetch" not in error.inner_text() and "connessione" in error.inner_text()
    assert page.input_value("#domanda") == SOS  # the question is not lost
    problems.errors.remove("Failed to load resource: net::ERR_FAILED")
    page.unroute("**/api/chat")
    error.get_by_role("button", name="Riprova").click()
    page.locator(".message-assistant .answer-actions").wait_for()
    assert error.is_hidden()


def test_character_counter_and_no_silent_cut(page: Any) -> None:
    page.goto("/")
    assert page.locator("#contatore").inner_text() == "0 caratteri su 2000"
    page.fill("#domanda", "x" * 1850)
    assert "1850 caratteri su 2000" in page.locator("#contatore").inner_text()
    assert "counter-near" in page.get_attribute("#contatore", "class")
    page.fill("#domanda", "x" * 2100)
    assert page.input_value("#domanda") == "x" * 2100  # never cut silently
    page.click("#invia")
    assert "troppo lunga" in page.locator("#errore").inner_text()
    assert page.locator(".message-assistant").count() == 0


def test_follow_ups_and_markdown_export(page: Any, tmp_path: Path) -> None:
    page.goto("/")
    answer = ask(page, SOS)
    follow_ups = answer.locator(".follow-ups button")
    assert 1 <= follow_ups.count() <= 3
    texts = follow_ups.all_inner_texts()
    assert not any(t.startswith("Chi è il responsabile") for t in texts)  # already answered
    assert any("SETTORE AFFARI GENERALI" in t for t in texts)
    answer.get_by_role("button", name="Utile", exact=True).click()
    page.wait_for_function("() => document.getElementById('avviso').textContent.includes('valutazione')")
    assert answer.get_by_role("button", name="Utile", exact=True).get_attribute("aria-pressed") == "true"
    follow_ups.first.click()
    page.locator(".message-assistant").nth(1).locator(".answer-actions").wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="Scarica la conversazione (Markdown)").click()
    path = tmp_path / "conversazione.md"
    download.value.save_as(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"# Conversazione con l'Assistente PIAO – {ENTE}")
    assert "## Domanda 1" in text and "## Domanda 2" in text and "**Fonti**" in text and "Jessica Curti" in text


def test_body_named_and_current_page_marked(page: Any) -> None:
    for path, name in (("/", "Chat del personale"), ("/valutazione", "Valutazione degli obiettivi")):
        page.goto(path)
        assert page.locator("#nome-ente").inner_text() == ENTE
        current = page.locator("nav a[aria-current=page]")
        assert current.inner_text().strip() == name
        other = page.locator("nav a.nav-link:not([aria-current])").first
        style = "el => [getComputedStyle(el).borderBottomColor, getComputedStyle(el).fontWeight].join(' ')"
        assert current.evaluate(style) != other.evaluate(style)  # visible, not only to screen readers


def test_fonts_and_styles_are_self_hosted(page: Any) -> None:
    page.goto("/")
    page.wait_for_function("() => document.fonts.status === 'loaded'")
    loaded = page.evaluate("[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
    assert any("Titillium Web" in family for family in loaded), loaded
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert re.search("Titillium", family)


def test_menu_on_a_phone_opens_and_closes(browser: Any, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, locale="it-IT", viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto("/sportello")
        link = page.get_by_role("link", name="Valutazione degli obiettivi")
        assert not link.is_visible()
        page.get_by_role("button", name="Mostra o nascondi il menu").click()
        link.wait_for(state="visible")
        page.wait_for_timeout(500)  # the panel slides in; Bootstrap Italia ignores a close meanwhile
        page.get_by_role("button", name="Chiudi il menu").click()
        link.wait_for(state="hidden")
    finally:
        context.close()
