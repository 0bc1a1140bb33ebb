"""Lexical full-text search over the stored objectives, inside the record store (it scales with it).

Each objective is indexed as four fields of Italian stems (``ingest.text.stem``, the project's one
stemmer): title, indicator rows, card and status text, weighted 3 : 2 : 1 : 1. A question's stems are
OR-ed, so a word in another inflection ('rifiuti' for 'rifiuto') finds the record.

A fifth field, ``valori``, holds the words of every value of the record as they are (``ingest.text.tokens``,
not stemmed, not ranked): the objectives list's text filter asks it for the words in order
(``contains_clause``), the last word as a word start when a search is typed halfway.

- SQLite: an FTS5 table ranked by ``bm25()``; a hashed scope token per ente and per document in its
  own column lets the full-text index itself narrow a search (and a delete) to one body or plan.
- PostgreSQL: a stored ``tsvector`` column (``to_tsvector('italian', ...)`` over the same stems, the
  fields weighted A to D) with a GIN index, ranked by ``ts_rank``; ente and documento are indexed.

The rows are written and deleted in the transaction that writes the records (``Store.upsert_document``).
"""
from __future__ import annotations

import hashlib
import logging
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from sqlalchemy import (
    Column,
    Computed,
    Connection,
    Index,
    MetaData,
    String,
    Table,
    Text,
    column,
    delete,
    func,
    insert,
    inspect,
    select,
    table,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Session

from ingest.store_rows import has_pnrr
from ingest.text import stem, tokens
from ingest.types import Objective

logger = logging.getLogger(__name__)

TABLE = "objective_search"
VALUES = "valori"  # the column of the values' words (see the module's docstring)
MAX_TERMS = 32  # of a query: a pasted paragraph costs no more than a long question
_BACKFILL_CHUNK = 1000


def _indicator_texts(o: Objective) -> list[str]:
    return [v for i in o.indicatori for v in (i.indicatore, i.target, i.baseline, i.target_intermedio) if v]


def _card_texts(o: Objective) -> list[str]:
    fonti = [i.fonte_verifica for i in o.indicatori if i.fonte_verifica]
    return [v for v in (o.settore_cdr, o.classificazione, o.destinatari, o.contributor, o.obiettivo_strategico,
                        o.responsabile, o.personale_coinvolto, o.pnrr, o.anticorruzione) if v] + fonti


def _status_texts(o: Objective) -> list[str]:
    return [o.stato_attuazione.testo] if o.stato_attuazione and o.stato_attuazione.testo else []


# field -> (weight, texts): a title word weighs more than a mention in a status text
FIELDS: dict[str, tuple[float, Callable[[Objective], list[str]]]] = {
    "titolo": (3.0, lambda o: [o.titolo]),
    "indicatori": (2.0, _indicator_texts),
    "scheda": (1.0, _card_texts),
    "stato": (1.0, _status_texts),
}


_RECORD_FIELDS = ("settore", "settore_cdr", "classificazione", "titolo", "destinatari", "contributor",
                  "obiettivo_strategico", "responsabile", "personale_coinvolto", "peso", "pnrr", "anticorruzione",
                  "ente")
_ROW_VALUES = ("indicatore", "scadenza", "baseline", "target", "target_intermedio", "target_raggiunto", "peso",
               "fonte_verifica")
PNRR_WORD = "pnrr"  # a word found in every objective linked to the PNRR, as a user searching it expects


def record_values(obj: Objective) -> Iterator[str]:
    """Every value of a record a user may search for (never a field's name), and ``PNRR_WORD`` when the
    objective names a PNRR measure (``has_pnrr``)."""
    for name in _RECORD_FIELDS:
        value = getattr(obj, name)
        if value:
            yield value
    for ind in obj.indicatori:
        for name in _ROW_VALUES:
            value = getattr(ind, name)
            if value:
                yield value
    if obj.stato_attuazione and obj.stato_attuazione.testo:
        yield obj.stato_attuazione.testo
    if has_pnrr(obj):
        yield PNRR_WORD


class Phrase(NamedTuple):
    """Words to find in this order, next to each other; with ``prefix_last`` the last may be a word's start."""

    words: tuple[str, ...]
    prefix_last: bool = False


class TextHit(NamedTuple):
    """An objective found by ``Store.search_text``: its key ``<documento>/<id>`` and its score (higher is
    better; comparable within one search only)."""

    key: str
    score: float


def stemmed(texts: Iterable[str]) -> str:
    """The texts' Italian stems, space separated (what the full-text index holds)."""
    return " ".join(stem(t) for value in texts for t in tokens(value))


def query_terms(query: str) -> list[str]:
    """A query's distinct stems, in order, at most ``MAX_TERMS``."""
    return list(dict.fromkeys(stem(t) for t in tokens(query)))[:MAX_TERMS]


def _scope_token(kind: str, value: str) -> str:
    return kind + hashlib.sha1(value.encode("utf-8")).hexdigest()[:16]


def search_row(obj: Objective) -> dict[str, Any]:
    """The full-text row of one objective (both engines)."""
    row: dict[str, Any] = {"documento": obj.documento, "id": obj.id, "ente": obj.ente}
    row.update({name: stemmed(texts(obj)) for name, (_, texts) in FIELDS.items()})
    row[VALUES] = values_text(obj)
    return row


def values_text(obj: Objective) -> str:
    """The words of a record's values, one value after the other (what ``VALUES`` holds)."""
    return " ".join(t for value in record_values(obj) for t in tokens(value))


# -- PostgreSQL -----------------------------------------------------------------------------------

_pg_metadata = MetaData()
_WEIGHTS = dict(zip(FIELDS, "ABCD", strict=True))
_TSV = " || ".join(f"setweight(to_tsvector('italian', coalesce({name}, '')), '{_WEIGHTS[name]}')"
                   for name in FIELDS)
PG_TABLE = Table(
    TABLE, _pg_metadata,
    Column("documento", String(255), primary_key=True),
    Column("id", String(255), primary_key=True),
    Column("ente", String(255)),
    *(Column(name, Text) for name in FIELDS),
    Column(VALUES, Text),
    Column("tsv", TSVECTOR, Computed(_TSV, persisted=True)),
    Column("tsv_valori", TSVECTOR, Computed(f"to_tsvector('simple', coalesce({VALUES}, ''))", persisted=True)),
    Index(f"ix_{TABLE}_tsv", "tsv", postgresql_using="gin"),
    Index(f"ix_{TABLE}_tsv_valori", "tsv_valori", postgresql_using="gin"),
    Index(f"ix_{TABLE}_ente", "ente"),
)
# ts_rank weighs {D, C, B, A}: the same 3 : 2 : 1 : 1 as bm25 on SQLite
_PG_RANK_WEIGHTS = "{" + ",".join(f"{FIELDS[name][0] / 3:.4f}" for name in reversed(FIELDS)) + "}"


# -- SQLite ---------------------------------------------------------------------------------------

_FTS_COLUMNS = ("documento", "id", "ente", "scope", *FIELDS, VALUES)
_BM25 = ", ".join(["0"] * 4 + [str(weight) for weight, _ in FIELDS.values()] + ["0"])
_TEXT_COLUMNS = "{" + " ".join(FIELDS) + "}"


def _fts_row(obj: Objective) -> dict[str, Any]:
    scope = [_scope_token("d", obj.documento)] + ([_scope_token("e", obj.ente)] if obj.ente else [])
    return {**search_row(obj), "scope": " ".join(scope)}


def _fts_match(terms: Sequence[str], ente: str | None, documento: str | None) -> str:
    scope = [f'scope : "{_scope_token(kind, value)}"' for kind, value in (("e", ente), ("d", documento))
             if value is not None]
    words = " OR ".join(f'"{t}"' for t in terms)  # stems are [a-z0-9]+: nothing to escape
    return " AND ".join([*scope, f"{_TEXT_COLUMNS} : ({words})"])


# -- both -----------------------------------------------------------------------------------------

# what the stored rows depend on: when the stemming or the fields change, the rows are built again
_PROBE = ("Obiettivi strategici dell'ente: orti, buche e targhe; comunità, servizi, efficientamento "
          "energetico degli edifici scolastici entro il 31/12/2024 (PNRR M1C1), con delibere e lettere.")
_META = Table("search_meta", MetaData(), Column("key", String(64), primary_key=True), Column("value", Text))


def fingerprint() -> str:
    """A digest of how the full-text rows are made (layout, fields, tokens and stems of a probe text)."""
    layout = "v2|" + "|".join(_FTS_COLUMNS) + "|" + stemmed([_PROBE]) + "|" + " ".join(tokens(_PROBE))
    return hashlib.sha256(layout.encode("utf-8")).hexdigest()[:16]


def is_current(conn: Connection) -> bool:
    """Whether the full-text table is there, made the way this version makes it (a read only)."""
    found = inspect(conn)
    if not (found.has_table(TABLE) and found.has_table(_META.name)):
        return False
    return conn.scalar(select(_META.c.value).where(_META.c.key == "fingerprint")) == fingerprint()


def ensure_table(conn: Connection) -> bool:
    """Create the full-text table when missing, or again when the stemming or the fields changed since it
    was filled, and fill it from the stored records; ``True`` when (re)built."""
    if conn.dialect.name not in ("sqlite", "postgresql"):
        raise ValueError(f"full-text search is not available on {conn.dialect.name}")
    _META.create(conn, checkfirst=True)
    built = conn.scalar(select(_META.c.value).where(_META.c.key == "fingerprint"))
    exists = inspect(conn).has_table(TABLE)
    if exists and built == fingerprint():
        return False
    if exists:
        logger.info("the stemming or the indexed fields changed: rebuilding the full-text index")
        conn.execute(text(f"DROP TABLE {TABLE}"))
    if conn.dialect.name == "postgresql":
        _pg_metadata.create_all(conn)
    else:
        conn.execute(text(f"CREATE VIRTUAL TABLE {TABLE} USING fts5("
                          + ", ".join(c + (" UNINDEXED" if c in ("documento", "id", "ente") else "")
                                      for c in _FTS_COLUMNS) + ")"))
    _backfill(conn)
    conn.execute(delete(_META).where(_META.c.key == "fingerprint"))
    conn.execute(insert(_META).values(key="fingerprint", value=fingerprint()))
    return True


def _backfill(conn: Connection) -> None:
    from ingest.store_rows import ObjectiveRow  # noqa: PLC0415 - the rows import nothing from here

    batch: list[Objective] = []
    for record in conn.scalars(select(ObjectiveRow.record)):
        batch.append(Objective.model_validate_json(record))
        if len(batch) >= _BACKFILL_CHUNK:
            add(conn, batch)
            batch = []
    add(conn, batch)
    logger.info("full-text index built over the stored records")


def add(conn: Connection | Session, objectives: Sequence[Objective]) -> None:
    """Index objectives (in the caller's transaction)."""
    if not objectives:
        return
    if _dialect(conn) == "postgresql":
        conn.execute(insert(PG_TABLE), [search_row(o) for o in objectives])
    else:
        columns = ", ".join(_FTS_COLUMNS)
        values = ", ".join(f":{c}" for c in _FTS_COLUMNS)
        conn.execute(text(f"INSERT INTO {TABLE} ({columns}) VALUES ({values})"), [_fts_row(o) for o in objectives])


def remove(conn: Connection | Session, documento: str) -> None:
    """Drop a document's rows (in the caller's transaction)."""
    if _dialect(conn) == "postgresql":
        conn.execute(delete(PG_TABLE).where(PG_TABLE.c.documento == documento))
    else:
        conn.execute(text(f"DELETE FROM {TABLE} WHERE rowid IN (SELECT rowid FROM {TABLE} WHERE {TABLE} "
                          f"MATCH :match AND documento = :documento)"),
                     {"match": f'scope : "{_scope_token("d", documento)}"', "documento": documento})


def search(conn: Connection | Session, query: str, *, ente: str | None, documento: str | None,
           limit: int) -> list[TextHit]:
    """The best ``limit`` objectives for a query's stems, within an ente and/or a document."""
    terms = query_terms(query)
    if not terms or limit <= 0:
        return []
    params: dict[str, Any] = {"ente": ente, "documento": documento, "limit": limit}
    scope = "".join(f" AND {name} = :{name}" for name in ("ente", "documento") if params[name] is not None)
    if _dialect(conn) == "postgresql":
        sql = (f"SELECT documento, id, ts_rank('{_PG_RANK_WEIGHTS}', tsv, q, 1) AS score "
               f"FROM {TABLE}, to_tsquery('italian', :q) AS q WHERE tsv @@ q{scope} "
               "ORDER BY score DESC, documento, id LIMIT :limit")
        params["q"] = " | ".join(terms)
    elif scope:
        return _search_scope(conn, terms, params, scope)[:limit]
    else:
        sql = (f"SELECT documento, id, -bm25({TABLE}, {_BM25}) AS score FROM {TABLE} "
               f"WHERE {TABLE} MATCH :q ORDER BY score DESC, documento, id LIMIT :limit")
        params["q"] = _fts_match(terms, None, None)
    rows = conn.execute(text(sql), params)
    return [TextHit(f"{doc}/{obj_id}", float(score)) for doc, obj_id, score in rows]


_K1, _B = 1.2, 0.75  # FTS5's bm25() constants


def _search_scope(conn: Connection | Session, terms: Sequence[str], params: dict[str, Any],
                  scope: str) -> list[TextHit]:
    """SQLite within a scope: the full-text index finds the scope's matches (seeking by its scope token),
    ranked here by FTS5's bm25 formula with the scope's statistics. ``bm25()`` itself would count each
    term's matches over the whole table, a cost that grows with every plan stored."""
    from ingest.store_rows import ObjectiveRow  # noqa: PLC0415 - the rows import nothing from here

    found = conn.execute(text(f"SELECT documento, id, {', '.join(FIELDS)} FROM {TABLE} WHERE {TABLE} MATCH :q"
                              f"{scope}"), {**params, "q": _fts_match(terms, params["ente"], params["documento"])})
    keys, freqs, lengths = [], [], []
    weights = [weight for weight, _ in FIELDS.values()]
    for doc, obj_id, *fields in found:
        words = [field.split() for field in fields]
        counts = [Counter(w) for w in words]
        keys.append(f"{doc}/{obj_id}")
        freqs.append({t: sum(w * c[t] for w, c in zip(weights, counts, strict=True)) for t in terms})
        lengths.append(sum(len(w) for w in words))
    if not keys:
        return []
    count = select(func.count()).select_from(ObjectiveRow)
    for name in ("ente", "documento"):
        if params[name] is not None:
            count = count.where(getattr(ObjectiveRow, name) == params[name])
    total = max(len(keys), int(conn.execute(count).scalar() or 0))
    average = max(1.0, sum(lengths) / len(lengths))
    idf = {}
    for t in terms:
        df = sum(1 for f in freqs if f[t] > 0)
        idf[t] = max(1e-6, math.log((total - df + 0.5) / (df + 0.5))) if df else 0.0
    hits = []
    for key, length, f in zip(keys, lengths, freqs, strict=True):
        norm = _K1 * (1 - _B + _B * length / average)
        hits.append(TextHit(key, sum(idf[t] * f[t] * (_K1 + 1) / (f[t] + norm) for t in terms if f[t])))
    return sorted(hits, key=lambda h: (-h.score, h.key))


def contains_clause(phrase: Phrase, dialect: str) -> Any:
    """A condition on the objectives' rows: the record's values hold ``phrase`` (its words in order, as
    ``values_text`` writes them; the last one as a word start with ``prefix_last``). It may also hold for
    words that run from one value into the next: the caller checks the records it reads, if it cares.
    Every word must be ``[a-z0-9]+`` (``ingest.text.tokens``)."""
    from ingest.store_rows import ObjectiveRow  # noqa: PLC0415 - the rows import nothing from here

    words = [w for w in phrase.words if w.isascii() and w.isalnum()]
    if not words or len(words) != len(phrase.words):
        raise ValueError(f"not words of ingest.text.tokens: {phrase.words!r}")
    found = table(TABLE, column("documento"), column("id"))
    if dialect == "postgresql":
        query = " <-> ".join(words) + (":*" if phrase.prefix_last else "")
        match = text("tsv_valori @@ to_tsquery('simple', :values_query)").bindparams(values_query=query)
    else:
        query = f'{VALUES} : "{" ".join(words)}"' + (" *" if phrase.prefix_last else "")
        match = text(f"{TABLE} MATCH :values_query").bindparams(values_query=query)
    return tuple_(ObjectiveRow.documento, ObjectiveRow.id).in_(select(found.c.documento, found.c.id).where(match))


def _dialect(conn: Connection | Session) -> str:
    return (conn.get_bind() if isinstance(conn, Session) else conn).dialect.name
