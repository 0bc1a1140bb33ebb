"""The pages: ``/`` staff chat, ``/sportello`` citizen desk, ``/valutazione`` evaluators, ``/accessibilita``.

Pages are plain HTML files in ``api/web``; the shared head, header and footer are included from
``api/web/partials`` when a page is first served (no front-end build step), and the current page's
menu link is marked with ``aria-current``.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
PAGES = {"chat": "index.html", "sportello": "sportello.html", "valutazione": "valutazione.html",
         "accessibilita": "accessibilita.html"}
_INCLUDE = re.compile(r"<!--#include (\w+)-->")

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=len(PAGES))
def render(page: str) -> str:
    """The page's HTML with its partials included and its menu link marked as current."""
    html = (WEB_DIR / PAGES[page]).read_text(encoding="utf-8")
    html = _INCLUDE.sub(lambda m: (WEB_DIR / "partials" / f"{m.group(1)}.html").read_text(encoding="utf-8"), html)
    return html.replace(f'data-nav="{page}"', f'data-nav="{page}" aria-current="page"')


def _page(page: str) -> HTMLResponse:
    return HTMLResponse(render(page), headers={"Cache-Control": "no-cache"})


@router.api_route("/", methods=["GET", "HEAD"])
def chat_page() -> HTMLResponse:
    return _page("chat")


@router.api_route("/sportello", methods=["GET", "HEAD"])
def citizen_page() -> HTMLResponse:
    return _page("sportello")


@router.api_route("/valutazione", methods=["GET", "HEAD"])
def evaluation_page() -> HTMLResponse:
    return _page("valutazione")


@router.api_route("/accessibilita", methods=["GET", "HEAD"])
def accessibility_page() -> HTMLResponse:
    return _page("accessibilita")
