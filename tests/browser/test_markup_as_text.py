"""A record whose cells hold <script> and <img onerror>: every page shows the markup as text, runs none."""
from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import XSS_RESPONSABILE, XSS_STATUS, XSS_TITLE, ask

pytestmark = pytest.mark.browser


def assert_inert(page: Any) -> None:
    assert page.evaluate("window.__xss") is None
    assert page.locator("main img, main script, main b").count() == 0


def test_staff_chat_shows_markup_as_text(page: Any) -> None:
    page.goto("/")
    answer = ask(page, "Chi è il responsabile dell'obiettivo Apiari didattici?")
    text = answer.inner_text()
    assert "Anna Rossi" in text
    assert "<script>" in text or "<img" in text  # the markup is visible, literally
    for details in answer.locator(".citations details").all():
        details.locator("summary").click()
        details.get_by_role("button").first.click()
    card_text = answer.locator(".objective-card").first.inner_text()
    assert XSS_TITLE in card_text and XSS_RESPONSABILE in card_text
    assert_inert(page)


def test_citizen_desk_shows_markup_as_text(page: Any) -> None:
    page.goto("/sportello")
    answer = ask(page, "Chi segue gli apiari didattici?")
    assert "Anna Rossi" in answer.inner_text()
    assert_inert(page)


def test_evaluators_view_shows_markup_as_text(page: Any) -> None:
    page.goto("/valutazione")
    page.wait_for_function("() => document.querySelectorAll('#tabella-obiettivi tbody tr').length > 0")
    page.fill("#f-testo", "apiari didattici")
    page.wait_for_function("() => document.getElementById('conteggio').textContent.startsWith('1 ')")
    row = page.locator("#tabella-obiettivi tbody tr").first
    text = row.inner_text()
    assert XSS_TITLE in text and XSS_RESPONSABILE in text and XSS_STATUS in text
    assert_inert(page)
