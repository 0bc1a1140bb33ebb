"""Browser fixtures: a real uvicorn server over the ingested sample (plus a record full of markup)
and a real headless Chromium driven by Playwright. Skipped with a reason when Chromium is absent."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from ingest.pipeline import Ingestor
from ingest.settings import Settings
from ingest.types import Fonte, Objective, StatoAttuazione
from tests.api.conftest import copy_data_dir
from tests.conftest import SAMPLE_DOCUMENTO, SAMPLE_DOCX
from tests.live_server import live_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
NO_CHROMIUM = f"{CHROMIUM} not installed (apt-get install chromium): browser tests need a real Chromium"

ENTE = "Comune di Casalgrande"
XSS_TITLE = 'Apiari didattici <img src=x onerror="window.__xss=1">'
XSS_RESPONSABILE = "<script>window.__xss=2</script>Anna Rossi"
XSS_STATUS = "<b>In corso</b><script>window.__xss=3</script>"


def markup_record() -> Objective:
    """A record whose cells hold HTML: every page must show it as text and run none of it."""
    return Objective(
        id="prova-1", documento=SAMPLE_DOCUMENTO, settore="SETTORE PROVA", titolo=XSS_TITLE,
        classificazione="Sviluppo <i>", destinatari="Cittadini <img src=y onerror=window.__xss=4>",
        responsabile=XSS_RESPONSABILE, stato_attuazione=StatoAttuazione(data="2023-06-30", testo=XSS_STATUS),
        fonte=Fonte(file=SAMPLE_DOCX.name, tabella=99),
    )


@pytest.fixture(scope="session")
def web_settings(ingested_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A copy of the ingested sample with one more record full of markup in it, stored and indexed by
    the real pipeline (same document, so that it is answered like any other objective)."""
    settings = Settings(data_dir=copy_data_dir(ingested_dir, tmp_path_factory.mktemp("web")),
                        rate_limit_per_minute=10_000)
    ingestor = Ingestor(settings)
    try:
        info = ingestor.store.document(SAMPLE_DOCUMENTO)
        assert info is not None
        # the body named, as `piao ingest --ente` does (the sample's extract names it only in its text)
        records = [o.model_copy(update={"ente": ENTE})
                   for o in [*ingestor.store.objectives(SAMPLE_DOCUMENTO), markup_record()]]
        ingestor.ingest_records(info.model_copy(update={"content_hash": "0" * 64, "ente": ENTE}), records)
    finally:
        ingestor.close()
    return settings


@pytest.fixture(scope="session")
def base_url(web_settings: Settings) -> Iterator[str]:
    with live_server(create_app(web_settings)) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageProblems:
    """Console errors, page errors and requests that left the server, collected during a test."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.errors: list[str] = []
        self.foreign_requests: list[str] = []

    def attach(self, page: Any) -> None:
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", self._request)

    def _request(self, request: Any) -> None:
        if not request.url.startswith((self.base_url, "data:", "about:")):
            self.foreign_requests.append(request.url)


@pytest.fixture
def problems(base_url: str) -> PageProblems:
    return PageProblems(base_url)


@pytest.fixture
def page(browser: Any, base_url: str, problems: PageProblems) -> Iterator[Any]:
    """A fresh page (Italian locale, desktop size); after the test: no JS error, nothing fetched elsewhere."""
    context = browser.new_context(base_url=base_url, locale="it-IT", viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    context.set_default_timeout(60_000)
    page = context.new_page()
    problems.attach(page)
    yield page
    context.close()
    assert problems.errors == [], problems.errors
    assert problems.foreign_requests == [], problems.foreign_requests


LAST_TURN = "() => { const a = document.querySelectorAll('.message-assistant'); return a.length ? a[a.length - 1].dataset.turn : null; }"


def ask(page: Any, question: str) -> Any:
    """Type a question in the page's chat form, send it, wait for the finished answer; return its <li>."""
    last = page.evaluate(LAST_TURN)
    page.fill("#domanda", question)
    page.click("#invia")
    page.wait_for_function(f"(last) => ({LAST_TURN})() !== last", arg=last)
    answer = page.locator(f".message-assistant[data-turn=\"{page.evaluate(LAST_TURN)}\"]")
    answer.locator(".answer-actions").wait_for()
    return answer
