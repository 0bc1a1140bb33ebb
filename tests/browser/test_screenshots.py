"""Screenshots of the three pages for the README (docs/), desktop and phone, each with content shown."""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ask

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "docs"
UPDATE = os.environ.get("UPDATE_SCREENSHOTS") == "1"  # copy them into docs/ (else they stay in tmp)
SIZES = {"": {"width": 1366, "height": 768}, "-telefono": {"width": 390, "height": 844}}


@pytest.mark.parametrize("suffix", list(SIZES))
def test_screenshots(browser: Any, base_url: str, tmp_path: Path, suffix: str) -> None:
    context = browser.new_context(base_url=base_url, locale="it-IT", viewport=SIZES[suffix])
    try:
        page = context.new_page()
        page.goto("/")
        answer = ask(page, "Chi è responsabile dell'obiettivo \"Potenziare il servizio SOS Computer\"?")
        answer.locator(".citations summary").first.click()
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(tmp_path / f"screenshot-chat{suffix}.png"), full_page=not suffix)

        page.goto("/sportello")
        page.locator("#domande-guidate button").first.wait_for()
        page.screenshot(path=str(tmp_path / f"screenshot-sportello{suffix}.png"))
        ask(page, "In che giorni è aperto lo sportello SOS Computer?")
        page.screenshot(path=str(tmp_path / f"screenshot-sportello-risposta{suffix}.png"))

        page.goto("/valutazione")
        page.locator("#qualita h3").first.wait_for()
        page.wait_for_function("() => document.querySelectorAll('#tabella-obiettivi tbody tr').length > 0")
        page.screenshot(path=str(tmp_path / f"screenshot-valutazione{suffix}.png"))
        page.locator("#titolo-tabella").scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / f"screenshot-valutazione-elenco{suffix}.png"))
    finally:
        context.close()
    for name in ("chat", "sportello", "sportello-risposta", "valutazione", "valutazione-elenco"):
        shot = tmp_path / f"screenshot-{name}{suffix}.png"
        assert shot.stat().st_size > 10_000
        if UPDATE:
            shutil.copyfile(shot, DOCS / shot.name)
