"""The usual RAG pipeline, side by side with the assistant: how often are the facts even retrieved?

The LangChain tutorial recipe: the document's text, ``RecursiveCharacterTextSplitter(1000, 200)``,
a Chroma collection (in memory, our embedder, no Chroma default model), the top 4 chunks for each
question. Scored by context recall: an answerable case counts when ALL its ``must_contain`` items
occur (normalised, as score.py matches them) in the retrieved context. Unanswerable cases and cases
with nothing to find are left out. The tutorial keeps no conversation: only the last question is
asked. Chunk vectors are cached by text hash in the store (``ingest.embed.CachedEmbedder``).
"""
from __future__ import annotations

import io
import logging
import re
import statistics
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field
from rich.console import Console
from rich.table import Table as RichTable

from evals.metrics import contains, load_cases
from ingest.settings import Settings, get_settings
from ingest.types import DocumentModel, Paragraph, Table

if TYPE_CHECKING:
    from ingest.embed import Embedder

log = logging.getLogger(__name__)

SAMPLE_DOCUMENT = Path(__file__).resolve().parents[1] / "samples" / "piao_casalgrande_2023_performance.docx"
_BOOKMARK = re.compile(r"\[bookmark: [^\]]*\]")


class BaselineRow(BaseModel):
    id: str
    kind: str | None
    hit: bool
    missing: list[str] = Field(default_factory=list)


class BaselineReport(BaseModel):
    """Context recall of the tutorial pipeline on a question set."""

    set: str
    documents: list[str]
    sources: list[str]  # what text each document gave: 'reader' or 'text export'
    embedder: str
    chunk_size: int
    chunk_overlap: int
    k: int
    chunks: int
    cases: int  # cases counted (answerable, with must_contain)
    hits: int
    context_recall: float | None
    by_kind: dict[str, str]
    rows: list[BaselineRow]
    index_s: float  # embedding the chunks (cached vectors make it fast) and filling Chroma
    query_p50_s: float | None

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def summary(self) -> str:
        """One line for the terminal."""
        return (
            f"Baseline (LangChain: splitter {self.chunk_size}/{self.chunk_overlap}, Chroma, {self.embedder}, "
            f"top {self.k} di {self.chunks} chunk): context recall {self.hits}/{self.cases} = "
            f"{self.context_recall if self.context_recall is not None else '—'}"
        )


def flatten(model: DocumentModel) -> str:
    """Document text in reading order: paragraphs as they are, tables row by row, cells joined by ' | '."""
    parts: list[str] = []
    for block in model.blocks:
        if isinstance(block, Paragraph):
            parts.append(block.text)
        elif isinstance(block, Table):
            rows = (" | ".join(" ".join(cell.split()) for cell in row) for row in block.rows)
            parts.append("\n".join(rows))
    return "\n\n".join(p for p in parts if p.strip())


def document_text(path: Path) -> tuple[str, str]:
    """(text, source) of a document: a .txt export is read as it is (bookmark marks dropped), any
    other format through the project's reader and :func:`flatten`."""
    if path.suffix.lower() == ".txt":
        return _BOOKMARK.sub("", path.read_text(encoding="utf-8")), "text export"
    from ingest.readers import read_document

    return flatten(read_document(path)), "reader"


def split(text: str, chunk_size: int = 1000, chunk_overlap: int = 200) -> list[str]:
    """The tutorial's splitter."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap).split_text(text)


def _cached_embedder(settings: Settings) -> Embedder:
    from ingest.embed import CachedEmbedder, get_embedder
    from ingest.store import Store

    return CachedEmbedder(get_embedder(settings), Store(settings))


def _collection(chunks: list[str], embedder: Embedder) -> tuple[Any, Any]:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.create_collection(f"baseline-{uuid.uuid4().hex}", embedding_function=None)
    vectors = embedder.embed_documents(chunks)
    collection.add(ids=[f"chunk-{i}" for i in range(len(chunks))], documents=chunks, embeddings=vectors)
    return client, collection


def run_baseline(
    set_path: Path,
    documents: Sequence[Path] | None = None,
    *,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    k: int = 4,
    chunk_size: int = 1000,
    chunk_overlap: int = 200,
) -> BaselineReport:
    """Score the tutorial pipeline on a question set (default document: the bundled sample).

    ``embedder`` defaults to the configured one behind the store's embedding cache.
    """
    settings = settings or get_settings()
    documents = list(documents or [SAMPLE_DOCUMENT])
    embedder = embedder or _cached_embedder(settings)
    texts_sources = [document_text(p) for p in documents]
    chunks = [c for text, _ in texts_sources for c in split(text, chunk_size, chunk_overlap)]
    start = time.perf_counter()
    client, collection = _collection(chunks, embedder)
    index_s = round(time.perf_counter() - start, 3)
    rows: list[BaselineRow] = []
    query_s: list[float] = []
    try:
        for case in load_cases(set_path):
            must = case.get("must_contain") or []
            if not case.get("answerable", True) or not must:
                continue
            start = time.perf_counter()
            found = collection.query(query_embeddings=[embedder.embed_query(case["question"])], n_results=k)
            query_s.append(time.perf_counter() - start)
            context = "\n\n".join(found["documents"][0])
            missing = [m for m in must if not contains(context, m)]
            rows.append(BaselineRow(id=case["id"], kind=case.get("kind"), hit=not missing, missing=missing))
    finally:
        client.delete_collection(collection.name)
    return _report(set_path, documents, texts_sources, embedder, chunks, rows, k, chunk_size, chunk_overlap,
                   index_s, query_s)


def _report(set_path: Path, documents: Sequence[Path], texts_sources: list[tuple[str, str]], embedder: Embedder,
            chunks: list[str], rows: list[BaselineRow], k: int, chunk_size: int, chunk_overlap: int,
            index_s: float, query_s: list[float]) -> BaselineReport:
    kinds: dict[str, list[bool]] = {}
    for r in rows:
        kinds.setdefault(str(r.kind), []).append(r.hit)
    hits = sum(r.hit for r in rows)
    return BaselineReport(
        set=str(set_path), documents=[str(p) for p in documents], sources=[s for _, s in texts_sources],
        embedder=str(getattr(embedder, "name", type(embedder).__name__)),
        chunk_size=chunk_size, chunk_overlap=chunk_overlap, k=k, chunks=len(chunks),
        cases=len(rows), hits=hits, context_recall=round(hits / len(rows), 3) if rows else None,
        by_kind={kind: f"{sum(v)}/{len(v)}" for kind, v in sorted(kinds.items())},
        rows=rows, index_s=index_s,
        query_p50_s=round(statistics.median(query_s), 4) if query_s else None,
    )


def render_baseline(report: BaselineReport) -> str:
    """The baseline alone, as a table by kind (the harness shows it beside the assistant)."""
    out = io.StringIO()
    console = Console(file=out, width=110, force_terminal=False, color_system=None)
    console.print(report.summary())
    table = RichTable(title="Baseline per tipo di domanda")
    table.add_column("kind")
    table.add_column("contesto con tutti i fatti", justify="right")
    for kind, value in report.by_kind.items():
        table.add_row(kind, value)
    console.print(table)
    return out.getvalue()
