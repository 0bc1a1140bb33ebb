"""The three pages in a real Chromium: ask or filter, see the answer and its citations."""
from __future__ import annotations

import csv as csv_module
import io
import re
from typing import Any

import pytest

from tests.browser.conftest import ask

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
    answer.get_by_role("button", name="Copia la risposta").click()
    page.wait_for_function("() => document.getElementById('avviso').textContent.includes('copiata')")
    assert "Jessica Curti" in page.evaluate("navigator.clipboard.readText()")
    page.get_by_role("button", name="Nuova conversazione").click()
    assert page.locator("#conversazione > li").count() == 0


def test_staff_chat_follow_up_keeps_the_conversation(page: Any) -> None:
    page.goto("/")
    ask(page, "Parlami dell'obiettivo sul servizio SOS Computer")
    follow_up = ask(page, "Chi ne è responsabile?")
    assert "Jessica Curti" in follow_up.locator(".answer-text").inner_text()
    assert page.locator(".message-user").count() == 2


def test_answer_is_streamed(page: Any) -> None:
    page.goto("/")
    page.evaluate("""() => {
      window.__pieces = 0;
      const target = document.getElementById('conversazione');
      new MutationObserver((records) => { window.__pieces += records.length; })
        .observe(target, {childList: true, subtree: true, characterData: true});
    }""")
    ask(page, SOS)
    assert page.evaluate("window.__pieces") > 4  # the text grew piece by piece before the final render


def test_citizen_desk_large_text_guided_questions_and_read_aloud(page: Any) -> None:
    page.add_init_script("""
      window.__spoken = [];
      if (window.speechSynthesis) {
        window.speechSynthesis.speak = (u) => window.__spoken.push({text: u.text, lang: u.lang});
      }
    """)
    page.goto("/sportello")
    base = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main p')).fontSize)")
    assert base >= 20
    buttons = page.locator("#domande-guidate button")
    buttons.first.wait_for()
    assert 1 <= buttons.count() <= 6
    buttons.first.click()
    answer = page.locator(".message-assistant").first
    answer.locator(".answer-actions").wait_for()
    assert answer.locator(".answer-text").inner_text().strip()
    assert answer.locator(".citations details").count() >= 1
    assert answer.get_by_role("heading", name="Da dove viene questa risposta").count() == 1
    answer.get_by_role("button", name="Leggi ad alta voce").click()
    spoken = page.evaluate("window.__spoken")
    assert spoken and spoken[0]["lang"] == "it-IT" and "[1]" not in spoken[0]["text"]


def test_citizen_desk_typed_question(page: Any) -> None:
    page.goto("/sportello")
    answer = ask(page, "Chi segue il servizio SOS Computer?")
    assert "Jessica Curti" in answer.locator(".answer-text").inner_text()


def rows(page: Any) -> Any:
    return page.locator("#tabella-obiettivi tbody tr")


def test_evaluators_table_filters_chart_quality_downloads(page: Any) -> None:
    page.goto("/valutazione")
    page.wait_for_function("() => document.querySelectorAll('#tabella-obiettivi tbody tr').length > 0")
    total = rows(page).count()
    assert total >= 35
    assert page.locator("#grafico svg[role=img] rect").count() >= 9
    assert page.locator("#tabella-grafico tbody tr").count() >= 9
    assert "Con stato al 30/06/2023" in page.locator("#tabella-grafico thead").text_content()
    page.locator("#qualita h3").first.wait_for()

    page.select_option("#f-settore", "SETTORE ENTRATE")
    page.click("button[type=submit]")
    page.wait_for_function("() => document.getElementById('conteggio').textContent.startsWith('4 ')")
    assert rows(page).count() == 4
    assert all("ENTRATE" in t for t in rows(page).locator("td:first-child").all_inner_texts())
    csv_href = page.get_attribute("#scarica-csv", "href")
    assert csv_href and "settore=SETTORE+ENTRATE" in csv_href
    csv = page.request.get(csv_href)
    assert csv.ok and csv.headers["content-type"].startswith("text/csv")
    assert len(list(csv_module.reader(io.StringIO(csv.text())))) == 5

    page.click("button[type=reset]")
    page.wait_for_function(f"() => document.querySelectorAll('#tabella-obiettivi tbody tr').length === {total}")
    page.click("label[for=f-pnrr]")
    assert page.is_checked("#f-pnrr")
    page.fill("#f-testo", "energetico")
    page.click("button[type=submit]")
    page.wait_for_function("() => document.getElementById('conteggio').textContent.startsWith('1 ')")
    assert "Efficientamento energetico" in rows(page).first.inner_text()
    xlsx = page.request.get(page.get_attribute("#scarica-xlsx", "href"))
    assert xlsx.ok and xlsx.body()[:2] == b"PK"


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
