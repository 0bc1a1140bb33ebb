"""Errors of the ingest layer, each with a message a municipal clerk understands (Italian).

    IngestError
     ├── FileNotFound             the path does not exist
     ├── UnsupportedFormat        extension / content is not .docx, .txt or .pdf
     ├── UnreadableDocument       corrupt, truncated, encrypted, binary text
     │    └── UnsafeDocument      zip bomb, file over the size limit
     ├── EmptyDocument            no text at all
     ├── NoObjectiveTables        tables, but none is a PIAO objective table
     ├── DocumentKeyTaken         the key belongs to a document from another file (409)
     └── StoreError               database or index failed; nothing was changed

The CLI maps every IngestError to exit code 2; the API maps it to a 4xx/5xx with
``{"error": <class name>, "message": <message>}``.
"""
from __future__ import annotations


class IngestError(Exception):
    """Base of every error raised while ingesting a document."""

    status_code = 400

    def __init__(self, message: str, *, file: str | None = None) -> None:
        self.file = file
        self.message = f"{file}: {message}" if file else message
        super().__init__(self.message)


class FileNotFound(IngestError):
    status_code = 404


class UnsupportedFormat(IngestError):
    status_code = 415


class UnreadableDocument(IngestError):
    status_code = 422


class UnsafeDocument(UnreadableDocument):
    status_code = 413


class EmptyDocument(IngestError):
    status_code = 422


class NoObjectiveTables(IngestError):
    status_code = 422


class DocumentKeyTaken(IngestError):
    status_code = 409


class StoreError(IngestError):
    status_code = 500
