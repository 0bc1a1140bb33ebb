"""Who runs the service: the body's name, optional logo and contact/privacy links, for the pages."""
from __future__ import annotations

from pydantic import BaseModel

from ingest.settings import Settings
from ingest.store import Store


class Identity(BaseModel):
    ente: str | None = None
    logo_url: str | None = None
    contact_url: str | None = None
    privacy_url: str | None = None


def body_name(settings: Settings, store: Store) -> str | None:
    """``PIAO_ENTE`` when set (the deployment's own body), else the one body the documents name."""
    if settings.ente:
        return settings.ente
    names = {d.ente for d in store.documents() if d.ente}
    return names.pop() if len(names) == 1 else None


def identity(settings: Settings, store: Store) -> Identity:
    return Identity(ente=body_name(settings, store), logo_url=settings.logo_url,
                    contact_url=settings.contact_url, privacy_url=settings.privacy_url)
