"""Screenshots of the three pages for the README (docs/), each with content shown."""
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


def test_screenshots(page: Any, tmp_path: Path) -> None:
    page.goto("/")
    answer = ask(page, "Chi è responsabile dell'obiettivo \"Potenziare il servizio SOS Computer\"?")
    answer.locator(".citations summary").first.click()
    page.screenshot(path=str(tmp_path / "screenshot-chat.png"), full_page=True)

    page.goto("/sportello")
    page.locator("#domande-guidate button").first.wait_for()
    ask(page, "In che giorni è aperto lo sportello SOS Computer?")
    page.screenshot(path=str(tmp_path / "screenshot-sportello.png"), full_page=True)

    page.goto("/valutazione")
    page.locator("#qualita h3").first.wait_for()
    page.wait_for_function("() => document.querySelectorAll('#tabella-obiettivi tbody tr').length > 0")
    page.screenshot(path=str(tmp_path / "screenshot-valutazione.png"), full_page=False)
    for name in ("chat", "sportello", "valutazione"):
        shot = tmp_path / f"screenshot-{name}.png"
        assert shot.stat().st_size > 10_000
        if UPDATE:
            shutil.copyfile(shot, DOCS / shot.name)
