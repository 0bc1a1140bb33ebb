"""The pages: ``/`` staff chat, ``/sportello`` citizen desk, ``/valutazione`` evaluators, ``/accessibilita``.

Pages are plain HTML files in ``api/web``; the shared head, header and footer are included from
``api/web/partials`` when a page is first served (no front-end build step), and the current page's
menu link is marked with ``aria-current`` (and styled as current). The body's name, logo and
contact/privacy links (``api/identity.py``) fill the ``{{...}}`` slots of the header and footer on
each request, escaped.
"""
from __future__ import annotations

import re
from functools import lru_cache
from html import escape
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.deps import SettingsDep, StoreDep
from api.identity import Identity, identity

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
PAGES = {"chat": "index.html", "sportello": "sportello.html", "valutazione": "valutazione.html",
         "accessibilita": "accessibilita.html"}
_INCLUDE = re.compile(r"<!--#include (\w+)-->")
DEFAULT_SLIM = "Piano integrato di attività e organizzazione (PIAO)"

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=len(PAGES))
def render(page: str) -> str:
    """The page's HTML with its partials included and its menu link marked as current."""
    html = (WEB_DIR / PAGES[page]).read_text(encoding="utf-8")
    html = _INCLUDE.sub(lambda m: (WEB_DIR / "partials" / f"{m.group(1)}.html").read_text(encoding="utf-8"), html)
    return html.replace(f'class="nav-link" data-nav="{page}"', f'class="nav-link active" data-nav="{page}" aria-current="page"')


def _link(url: str, text: str, css: str = "") -> str:
    css_attr = f' class="{css}"' if css else ""
    return f'<a href="{escape(url)}"{css_attr}>{escape(text)}</a>'


def slots(who: Identity, max_chars: int) -> dict[str, str]:
    """The HTML of each ``{{SLOT}}`` for this body (every value escaped)."""
    ente = escape(who.ente) if who.ente else ""
    footer_links = []
    if who.contact_url:
        footer_links.append(f'<li class="list-inline-item">{_link(who.contact_url, "Contatti")}</li>')
    if who.privacy_url:
        footer_links.append(f'<li class="list-inline-item">{_link(who.privacy_url, "Informativa sulla privacy")}</li>')
    return {
        "ENTE": ente or DEFAULT_SLIM,
        "CONTACT_SLIM": _link(who.contact_url, "Contatti", "slim-link") if who.contact_url else "",
        "LOGO": f'<img class="brand-logo" src="{escape(who.logo_url)}" alt="">' if who.logo_url else "",
        "TAGLINE": f"{ente}: risposte sugli obiettivi del piano, con le fonti" if ente
        else "Risposte sugli obiettivi del piano, con le fonti",
        "FOOTER_TITLE": f"Assistente PIAO – {ente}" if ente else "Assistente PIAO",
        "FOOTER_LINKS": "\n        ".join(footer_links),
        "MAX_CHARS": str(max_chars),
    }


def _page(page: str, settings: SettingsDep, store: StoreDep) -> HTMLResponse:
    values = slots(identity(settings, store), settings.max_message_chars)
    html = re.sub(r"\{\{([A-Z_]+)\}\}", lambda m: values.get(m.group(1), ""), render(page))
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})


@router.api_route("/", methods=["GET", "HEAD"])
def chat_page(settings: SettingsDep, store: StoreDep) -> HTMLResponse:
    return _page("chat", settings, store)


@router.api_route("/sportello", methods=["GET", "HEAD"])
def citizen_page(settings: SettingsDep, store: StoreDep) -> HTMLResponse:
    return _page("sportello", settings, store)


@router.api_route("/valutazione", methods=["GET", "HEAD"])
def evaluation_page(settings: SettingsDep, store: StoreDep) -> HTMLResponse:
    return _page("valutazione", settings, store)


@router.api_route("/accessibilita", methods=["GET", "HEAD"])
def accessibility_page(settings: SettingsDep, store: StoreDep) -> HTMLResponse:
    return _page("accessibilita", settings, store)
