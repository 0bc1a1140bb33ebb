"""Which generation of each document the index holds whole and alone, kept in the store's database.

The pipeline clears a document's row before it writes to the index, and writes it again once the
index holds exactly the stored version (its generation whole, no other). A row naming the stored
generation therefore shows that index and store agree for that document without reading the index:
an unchanged re-ingest costs a few indexed database reads, whatever the number of documents. A crash
mid-ingest leaves no row, so the next ingest of that document reads the index and repairs it.
Damage done to the index by other means (entries deleted by hand, a wiped index folder) is not seen
here: ``piao repair`` reads the index itself.

Rows are per index (collection and where it lives): switching the embedding model or the Chroma
server starts with no row, and every document is checked against the index it now uses.
"""
from __future__ import annotations

import hashlib
import logging

from sqlalchemy import Engine, Integer, String, delete, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ingest.errors import StoreError

logger = logging.getLogger(__name__)


class _Base(DeclarativeBase):
    pass


class IndexStateRow(_Base):
    __tablename__ = "index_state"

    index_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    documento: Mapped[str] = mapped_column(String(255), primary_key=True)
    generation: Mapped[str] = mapped_column(String(64))
    entries: Mapped[int] = mapped_column(Integer)  # how many entries that generation has


def index_id(collection: str, location: str) -> str:
    """A short id of one index: its collection name and where it lives (server or folder)."""
    return hashlib.sha256(f"{collection}\n{location}".encode()).hexdigest()[:32]


class IndexState:
    """The settled generation of each document in one index (see the module docstring)."""

    def __init__(self, engine: Engine, index: str) -> None:
        self.engine = engine
        self.index = index
        try:
            _Base.metadata.create_all(engine)
        except SQLAlchemyError as exc:
            raise StoreError(f"impossibile preparare l'archivio dei dati: {exc.__class__.__name__}") from exc

    def settled(self, documento: str) -> str | None:
        """The generation the index holds whole and alone for ``documento``, if recorded."""
        query = select(IndexStateRow.generation).where(IndexStateRow.index_id == self.index,
                                                       IndexStateRow.documento == documento)
        try:
            with self.engine.connect() as conn:
                return conn.scalar(query)
        except SQLAlchemyError as exc:
            raise StoreError(f"errore dell'archivio dei dati durante la lettura dello stato dell'indice: "
                             f"{exc.__class__.__name__}") from exc

    def settled_documents(self) -> dict[str, tuple[str, int]]:
        """Every recorded document of this index: its settled generation and number of entries."""
        query = select(IndexStateRow.documento, IndexStateRow.generation, IndexStateRow.entries).where(
            IndexStateRow.index_id == self.index)
        try:
            with self.engine.connect() as conn:
                return {str(d): (str(g), int(n)) for d, g, n in conn.execute(query)}
        except SQLAlchemyError as exc:
            raise StoreError(f"errore dell'archivio dei dati durante la lettura dello stato dell'indice: "
                             f"{exc.__class__.__name__}") from exc

    def mark(self, documento: str, generation: str, entries: int) -> None:
        """Record that the index holds ``generation`` of ``documento`` whole (``entries``) and alone."""
        self._write(documento, generation, entries)

    def clear(self, documento: str) -> None:
        """Forget what the index holds for ``documento`` (before writing to it)."""
        self._write(documento, None, 0)

    def _write(self, documento: str, generation: str | None, entries: int) -> None:
        where = (IndexStateRow.index_id == self.index, IndexStateRow.documento == documento)
        try:
            with self.engine.begin() as conn:
                conn.execute(delete(IndexStateRow).where(*where))
                if generation is not None:
                    conn.execute(insert(IndexStateRow).values(index_id=self.index, documento=documento,
                                                              generation=generation, entries=entries))
        except SQLAlchemyError as exc:
            # clearing comes before any change to the index: then nothing was changed
            consequence = "nulla è stato modificato" if generation is None else "«piao repair» lo ricostruisce"
            raise StoreError(f"errore dell'archivio dei dati durante la scrittura dello stato dell'indice; "
                             f"{consequence}: {exc.__class__.__name__}") from exc
