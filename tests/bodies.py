"""Several bodies' plans, generated (``tests/ingest/layouts.py``) and stored for real: the records of
distinct plans, each tagged with its own body, for the tests of answers across many bodies."""
from __future__ import annotations

import hashlib

from ingest.index import Index
from ingest.settings import Settings
from ingest.store import Store
from ingest.store_rows import DocumentInfo
from ingest.types import Objective
from tests.conftest import FakeEmbedder
from tests.ingest.layouts import expected, generate

TOWNS = ["Abetone", "Bardi", "Carpineti", "Dovadola", "Esine", "Fanano", "Gaiole", "Isola Vicentina", "Lama Mocogno",
         "Montefiorino", "Nonantola", "Ostellato", "Palanzano"]


def plan_records(i: int, town: str) -> list[Objective]:
    """The records of the plan of the ``i``-th generated body, 'Comune di <town>'."""
    ente = f"Comune di {town}"
    documento = f"piao_{town.lower().replace(' ', '_')}_2025"
    return expected(generate(100 + i), documento, f"{documento}.docx", ente=ente)


def generated_bodies(towns: list[str] = TOWNS) -> dict[str, list[Objective]]:
    """Records per body, in body order."""
    return {f"Comune di {t}": plan_records(i, t) for i, t in enumerate(towns)}


def store_bodies(settings: Settings, bodies: dict[str, list[Objective]], with_index: bool = True) -> None:
    """The bodies' plans in the record store and (``with_index``) in the Chroma index (fake embedder)."""
    store = Store(settings)
    index = Index(settings, FakeEmbedder()) if with_index else None
    try:
        for ente, records in bodies.items():
            documento = records[0].documento
            digest = hashlib.sha256(documento.encode()).hexdigest()
            store.upsert_document(DocumentInfo(documento=documento, file=f"{documento}.docx", content_hash=digest,
                                               format="docx", ente=ente, periodo="2025-2027",
                                               n_objectives=len(records)), records)
            if index is not None:
                index.replace_document(documento, records)
    finally:
        store.close()
