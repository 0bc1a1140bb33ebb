"""Check and repair the agreement of the index with the store, over all documents (``piao repair``,
the server's start-up and its ``/readyz``) or over the documents named.

The index's entries of every document are counted in one pass over the entry ids of the whole
collection (not one query per document, nor their metadata), against the number of entries recorded
at the document's last write (``ingest.index_state``) or, failing that, derived from its stored
records. Each document that does not look right is then checked again through its metadata, and
repaired, under its write lock (a running ingest is never undone, nor reported as a disagreement).
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ingest.locks import document_lock
from ingest.prepare import document_entries, embed_texts
from ingest.store import DocumentInfo, records_hash

if TYPE_CHECKING:
    from ingest.pipeline import Ingestor

logger = logging.getLogger(__name__)

Generations = dict[str, int]  # entries per generation of one document
RECORDED, UNRECORDED, WRONG = "recorded", "unrecorded", "wrong"  # how a document looks (``_candidates``)


@dataclass
class RepairReport:
    """What a repair found and fixed."""

    checked: int = 0  # documents checked (stored or indexed)
    removed: int = 0  # index entries removed
    orphans: list[str] = field(default_factory=list)  # indexed documents the store does not hold
    cleaned: list[str] = field(default_factory=list)  # stored documents with entries of other versions
    rebuilt: list[str] = field(default_factory=list)  # stored documents whose entries were rebuilt

    @property
    def fixed(self) -> bool:
        return bool(self.orphans or self.cleaned or self.rebuilt)


def repair(ingestor: Ingestor, documents: Iterable[str] | None = None) -> RepairReport:
    """Make the index hold exactly the stored version of each document (all, or those named).

    Removes the entries of documents the store does not hold and of versions the store does not
    point to; rebuilds from the embedding cache a stored document whose entries are incomplete
    (an index written before generations existed, or damaged by hand)."""
    report = RepairReport()
    for documento, looks in _candidates(ingestor, documents):
        report.checked += 1
        if looks == RECORDED:
            continue
        # the others under the lock, through their metadata; those that agree get recorded as such
        with document_lock(ingestor.settings, documento):
            _repair_one(ingestor, documento, report)
    if report.removed:
        logger.warning("removed %d index entries left by an interrupted ingest", report.removed)
    return report


def disagreements(ingestor: Ingestor) -> list[str]:
    """Where the index does not hold exactly the stored version of a document (Italian, one line
    each); documents being written at this moment are left out."""
    found: list[str] = []
    for documento, looks in _candidates(ingestor, None):
        if looks != WRONG:
            continue
        with document_lock(ingestor.settings, documento, wait=False) as free:
            problem = _disagreement(ingestor, documento) if free else None
        if problem is not None:
            found.append(problem)
    return found


def _candidates(ingestor: Ingestor, documents: Iterable[str] | None) -> list[tuple[str, str]]:
    """Each document to check, and how one pass over the index found it (``RECORDED``: it holds
    exactly the stored version, as recorded at its last write; ``UNRECORDED``: the same, found from its
    stored records; ``WRONG``: to check again under the lock)."""
    if documents is not None:
        return [(d, WRONG) for d in sorted(set(documents))]
    indexed = ingestor.index.generations_by_id()
    stored = {d.documento: d for d in ingestor.store.documents()}
    settled = ingestor.state.settled_documents()
    return [(d, _looks_right(ingestor, stored.get(d), settled.get(d), indexed.get(d, {})))
            for d in sorted(set(indexed) | set(stored))]


def _looks_right(ingestor: Ingestor, info: DocumentInfo | None, settled: tuple[str, int] | None,
                 gens: Generations) -> str:
    """Whether ``gens`` is exactly the stored generation of a document, whole. Its number of entries
    comes from the record of the last write when that names the stored generation, else from the
    stored records."""
    from ingest.pipeline import generation_of

    if info is None or len(gens) != 1 or not info.records_hash:
        return WRONG
    generation = generation_of(info.records_hash)
    if settled is not None and settled[0] == generation:
        return RECORDED if gens == {generation: settled[1]} else WRONG
    expected = _expected(ingestor, info.documento)
    return UNRECORDED if expected is not None and gens == {expected[0]: expected[1]} else WRONG


def _expected(ingestor: Ingestor, documento: str) -> tuple[str, int] | None:
    """The stored generation of a document and its number of index entries (``None``: not stored)."""
    from ingest.pipeline import generation_of

    info = ingestor.store.document(documento)
    if info is None:
        return None
    objectives, passages = ingestor.store.objectives(documento), ingestor.store.passages(documento)
    digest = info.records_hash or records_hash(objectives, passages)
    return generation_of(digest), len(document_entries(objectives, passages))


def _repair_one(ingestor: Ingestor, documento: str, report: RepairReport) -> None:
    """Repair one document (hold its lock)."""
    from ingest.pipeline import generation_of

    index, store = ingestor.index, ingestor.store
    ingestor.state.clear(documento)
    info = store.document(documento)
    gens = index.generations(documento).get(documento, {})
    keep = generation_of(info.records_hash) if info is not None and info.records_hash else None
    if any(g != keep for g in gens):
        report.removed += index.delete_generations(documento, keep)
        (report.orphans if info is None else report.cleaned).append(documento)
    if info is None:
        return
    objectives, passages = store.objectives(documento), store.passages(documento)
    entries = document_entries(objectives, passages)
    generation = generation_of(info.records_hash or records_hash(objectives, passages))
    if gens.get(generation) != len(entries):
        logger.warning("index of %s incomplete: rebuilding it from the stored records", documento)
        index.delete_generation(documento, generation)
        vectors = embed_texts(ingestor.embedder, [e.text for e in entries], None)
        index.write_generation(documento, generation, entries, vectors)
        report.rebuilt.append(documento)
    ingestor.mark_settled(documento, generation, len(entries))


def _disagreement(ingestor: Ingestor, documento: str) -> str | None:
    gens = ingestor.index.generations(documento).get(documento, {})
    expected = _expected(ingestor, documento)
    if expected is None:
        return f"{documento}: {sum(gens.values())} voci nell'indice di un documento non archiviato"
    generation, n_entries = expected
    if gens != {generation: n_entries}:
        return f"{documento}: {sum(gens.values())} voci nell'indice per {n_entries} attese"
    return None
