"""The store's schema on a database: the engine, and the tables, columns, indexes and full-text index
created or upgraded when a store opens (``ingest/store.py``)."""
from __future__ import annotations

import sqlite3
import time
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text

from ingest import store_search
from ingest.settings import Settings
from ingest.store_rows import DocumentRow, _Base

_SCHEMA_LOCK = 0x5049414F  # 'PIAO': the advisory lock taken while creating or upgrading the schema
BUSY_SECONDS = 30.0  # how long a connection waits for another process's lock


def _enable_sqlite_wal(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
        _wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _wal(cursor: Any) -> None:
    """Switch to WAL. On a database another connection is creating at the same moment SQLite answers
    'locked' at once, without waiting on the busy timeout: try again until the timeout."""
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def make_engine(settings: Settings) -> Engine:
    """The engine for the settings' database (SQLite in WAL mode; PostgreSQL pings its pooled connections)."""
    url = settings.sqlalchemy_url
    if url.startswith("sqlite") and not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        _enable_sqlite_wal(engine)
    return engine


def create_schema(engine: Engine) -> None:
    """Create what is missing (tables, columns and indexes of newer versions, the full-text index) in one
    transaction, holding a lock, so that workers starting together on a new database do it once. An
    up-to-date schema is only read: opening the store never waits for another process's write."""
    with engine.connect() as conn:
        if _schema_current(conn):
            return
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
        elif conn.dialect.name == "sqlite":  # the write lock at once (the driver would begin deferred)
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        _Base.metadata.create_all(conn)
        _add_missing_columns(conn)
        for table in _Base.metadata.sorted_tables:
            for index in table.indexes:
                index.create(conn, checkfirst=True)
        store_search.ensure_table(conn)


def _schema_current(conn: Connection) -> bool:
    """Whether every table, column and index of this version is there, and the full-text rows too."""
    found = inspect(conn)
    tables = set(found.get_table_names())
    if any(table.name not in tables for table in _Base.metadata.sorted_tables):
        return False
    if {"periodo", "data_monitoraggio"} - {c["name"] for c in found.get_columns(DocumentRow.__tablename__)}:
        return False
    for table in _Base.metadata.sorted_tables:
        indexes = {index["name"] for index in found.get_indexes(table.name)}
        if any(index.name not in indexes for index in table.indexes):
            return False
    return store_search.is_current(conn)


def _add_missing_columns(conn: Connection) -> None:
    """Add the nullable columns of newer versions to tables created by older ones (portable DDL)."""
    existing = {c["name"] for c in inspect(conn).get_columns(DocumentRow.__tablename__)}
    for name in ("periodo", "data_monitoraggio"):
        if name not in existing:
            column = DocumentRow.__table__.c[name]
            conn.execute(text(f"ALTER TABLE {DocumentRow.__tablename__} ADD COLUMN {name} "
                              f"{column.type.compile(conn.dialect)}"))
