"""The evaluators' view (/valutazione) in a real Chromium: weight table, synthetic status beside the
quoted text, filters applied as typed or chosen, search over values, sorting, phone cards, downloads."""
from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.browser.conftest import XSS_TITLE

pytestmark = pytest.mark.browser


def rows(page: Any) -> Any:
    return page.locator("#tabella-obiettivi tbody tr")


def count_is(page: Any, n: int) -> None:
    page.wait_for_function(f"() => document.getElementById('conteggio').textContent.startsWith('{n} ')")


def loaded(page: Any) -> int:
    page.goto("/valutazione")
    page.locator("#tabella-pesi tbody tr").first.wait_for()
    page.wait_for_function("() => document.querySelectorAll('#tabella-obiettivi tbody tr').length > 0")
    return rows(page).count()


def test_weight_table_at_the_top_flags_sectors_not_summing_to_100(page: Any) -> None:
    loaded(page)
    table = page.locator("#tabella-pesi")
    assert table.locator("thead").inner_text().split() == ["Settore", "2023", "2024"]
    flagged = table.locator("td.ko")
    assert flagged.count() >= 2 and all("da verificare" in t for t in flagged.all_inner_texts())
    assert table.locator("td.ok").count() >= 9
    green = table.locator("td.ok").first.evaluate("el => getComputedStyle(el).backgroundColor")
    assert green != "rgba(0, 0, 0, 0)"
    findings = page.locator("#pesi-da-verificare li").all_inner_texts()
    entrate = next(t for t in findings if t.startswith("SETTORE ENTRATE nel 2024"))
    assert "invece di 100%" in entrate and "«Riorganizzazione pagina Tributi Web» 15%" in entrate
    # at the top: before the filters and the list
    weights_y = table.bounding_box()["y"]
    assert weights_y < page.locator("#filtri").bounding_box()["y"] < page.locator("#tabella-obiettivi").bounding_box()["y"]


def test_search_over_values_only_and_filters_applied_as_you_type(page: Any) -> None:
    total = loaded(page)
    assert page.locator("#filtri button[type=submit]").count() == 0  # no "Applica"
    page.fill("#f-testo", "PNRR")
    count_is(page, 2)
    assert all(not t.startswith("No") for t in rows(page).locator("td[data-label=PNRR]").all_inner_texts())
    page.fill("#f-testo", "TARI")
    count_is(page, 1)
    assert "Tari" in rows(page).first.inner_text()
    page.fill("#f-testo", "")
    count_is(page, total)
    page.select_option("#f-pnrr", "true")
    count_is(page, 2)
    assert [t.startswith("Sì – ") for t in rows(page).locator("td[data-label=PNRR]").all_inner_texts()] == [True, True]
    page.select_option("#f-pnrr", "")
    count_is(page, total)
    page.select_option("#f-stato", "non avviato")
    page.wait_for_function("""() => {
      const b = [...document.querySelectorAll('#tabella-obiettivi .status-badge')].map(e => e.textContent);
      return b.length > 0 && b.every(t => t === 'Non avviato');
    }""")
    page.select_option("#f-stato", "non indicato")
    count_is(page, 0)
    page.click("button[type=reset]")
    count_is(page, total)


def test_synthetic_status_beside_the_quoted_text(page: Any) -> None:
    loaded(page)
    for row in rows(page).all()[:10]:
        status = row.locator("td[data-label='Stato di attuazione']")
        assert status.locator(".status-badge").inner_text() in {"Concluso", "In corso", "Non avviato", "Non indicato"}
        assert status.locator(".status-reason").inner_text().startswith("Perché:")
        assert status.locator("blockquote").inner_text().strip()  # the evidence, always shown
    toggle = rows(page).first.get_by_role("button", name="Mostra tutto il testo")  # a long status text
    quote = rows(page).first.locator("blockquote")
    clamped = quote.evaluate("el => el.getBoundingClientRect().height")
    toggle.click()
    assert rows(page).first.locator("button[aria-controls]").get_attribute("aria-expanded") == "true"
    assert quote.evaluate("el => el.getBoundingClientRect().height") > clamped
    page.locator("#regola-stato summary").click()
    assert "non avviato" in page.locator("#regola-stato").inner_text()


def test_sorting_and_sticky_header(page: Any) -> None:
    loaded(page)
    header = page.locator("#tabella-obiettivi th[data-sort=responsabile]")
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    names = rows(page).locator("td[data-label=Responsabile]").all_inner_texts()
    assert names == sorted(names, key=lambda n: (n == "–", n.casefold())) or names[0] <= names[-1]
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    assert page.locator("#tabella-obiettivi thead th").first.evaluate("el => getComputedStyle(el).position") == "sticky"
    page.mouse.wheel(0, 3000)
    page.wait_for_timeout(200)
    top = page.locator("#tabella-obiettivi thead th").first.bounding_box()["y"]
    assert -1 <= top <= 5  # stays on screen while the list scrolls


def test_no_technical_ids_and_no_sideways_scroll(page: Any) -> None:
    loaded(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    text = rows(page).first.inner_text()
    assert "finanziario-1" not in text and "piao_casalgrande" not in text
    assert "tabella" in text


def test_phone_cards_and_readable_chart(browser: Any, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, locale="it-IT", viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        loaded(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing scrolls sideways
        first = rows(page).first
        assert first.evaluate("el => getComputedStyle(el).display") == "block"
        label = first.locator("td").first.evaluate("el => getComputedStyle(el, '::before').content")
        assert label == '"Settore"'
        sizes = page.locator("#grafico text.bar-label").evaluate_all(
            "els => els.map(e => e.getBoundingClientRect().height)")
        assert sizes and min(sizes) >= 12  # rendered at real size, not scaled down
        page.select_option("#ordina", "stato")
        assert page.locator("#tabella-obiettivi th[data-sort=stato]").get_attribute("aria-sort") == "ascending"
    finally:
        context.close()


def test_downloads_follow_the_filters(page: Any) -> None:
    loaded(page)
    page.select_option("#f-settore", "SETTORE ENTRATE")
    count_is(page, 4)
    csv_href = page.get_attribute("#scarica-csv", "href")
    assert csv_href and "settore=SETTORE+ENTRATE" in csv_href
    response = page.request.get(csv_href)
    assert response.ok and response.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.body().decode("utf-8-sig")), delimiter=";"))
    assert len(table) == 4 and all(r["Settore"] == "SETTORE ENTRATE" for r in table)
    xlsx = page.request.get(page.get_attribute("#scarica-xlsx", "href"))
    assert xlsx.ok and xlsx.body()[:2] == b"PK"
    assert "comune-di-casalgrande" in xlsx.headers["content-disposition"]


def test_markup_record_listed_as_text(page: Any) -> None:
    loaded(page)
    page.fill("#f-testo", "apiari")
    count_is(page, 1)
    assert XSS_TITLE in rows(page).first.inner_text()
