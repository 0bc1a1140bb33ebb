"""OpenAPI descriptions shared by the routes."""
from __future__ import annotations

from typing import Any

from api.schemas import ErrorBody


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the given error statuses, all with the ErrorBody shape."""
    descriptions = {
        400: "Richiesta non valida",
        401: "Autenticazione mancante o malformata",
        403: "Token errato o caricamento disattivato",
        404: "Risorsa inesistente",
        409: "Identificativo ambiguo",
        413: "Limite superato (lunghezza, numero di messaggi, dimensione del file)",
        415: "Formato non supportato",
        422: "Dati non validi",
        429: "Troppe richieste (con Retry-After)",
        500: "Errore interno",
        503: "Servizio non pronto",
    }
    return {code: {"model": ErrorBody, "description": descriptions[code]} for code in codes}
