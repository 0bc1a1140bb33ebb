"""The pages name the body and show its optional logo and contact/privacy links, escaped."""
from __future__ import annotations

from fastapi.testclient import TestClient

from api.app import create_app
from ingest.settings import Settings


def test_body_logo_and_links_from_settings(api_settings: Settings) -> None:
    settings = api_settings.model_copy(update={
        "ente": "Comune di <Prova> & Co", "logo_url": "/static/logo.svg",
        "contact_url": "https://comune.example/contatti", "privacy_url": "https://comune.example/privacy?a=1&b=2"})
    with TestClient(create_app(settings)) as client:
        for path in ("/", "/sportello", "/valutazione", "/accessibilita"):
            html = client.get(path).text
            assert '<span class="navbar-brand" id="nome-ente">Comune di &lt;Prova&gt; &amp; Co</span>' in html
            assert '<img class="brand-logo" src="/static/logo.svg" alt="">' in html
            assert 'href="https://comune.example/privacy?a=1&amp;b=2">Informativa sulla privacy</a>' in html
            assert html.count(">Contatti</a>") == 2  # header and footer
            assert "{{" not in html
        assert 'aria-current="page"' in client.get("/sportello").text


def test_default_header_without_a_body(client: TestClient) -> None:
    html = client.get("/").text  # the sample names no body and PIAO_ENTE is unset
    assert "Piano integrato di attività e organizzazione (PIAO)" in html
    assert "brand-logo" not in html and "Informativa sulla privacy" not in html and "{{" not in html
    assert 'data-max-chars="2000"' in html
