"""Receiving an uploaded document: multipart parsed while it streams, size-limited, name sanitised.

The body is never held in memory: the file part goes straight to a temporary file and the upload
is refused (413) as soon as it passes ``settings.max_file_mb``.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from api.errors import ApiError

logger = logging.getLogger(__name__)

FILE_FIELD = "file"
TEMP_PREFIX = "piao-upload-"
TEXT_FIELDS = ("ente", "documento", "sostituisci")
MAX_FIELD_BYTES = 1000
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str) -> str:
    """A file name safe to write: no directories, ASCII letters, digits, ``._-`` only, at most 120 chars.

    Names differ after this as they differed before: where the name had to change (accents, other
    scripts, spaces, symbols), a short hash of the original stem is added, so that ``файл.docx`` and
    ``文件.docx``, or ``città.docx`` and ``citta.docx``, never become the same document key."""
    base = re.split(r"[\\/]", name)[-1]
    stem, dot, ext = base.rpartition(".")
    if not dot or not stem:
        stem, ext = base.lstrip("."), ""
    ascii_stem = _ascii(stem)[:100]
    ext = _ascii(ext).lower()[:10]
    if ascii_stem != stem:
        digest = hashlib.sha256(stem.encode("utf-8", "replace")).hexdigest()[:8]
        ascii_stem = f"{ascii_stem or 'documento'}-{digest}"
    return f"{ascii_stem}.{ext}" if ext else ascii_stem


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _ascii(text: str) -> str:
    """Latin letters without their accents; anything else outside ``[A-Za-z0-9._-]`` becomes ``_``."""
    return _UNSAFE.sub("_", _strip_accents(text)).strip("._-")


@contextmanager
def upload_dir() -> Iterator[Path]:
    """A temporary folder for one upload, removed when the block ends (whatever happens in it).

    Its name carries this process's id, so that :func:`remove_stale_uploads` can tell the folders
    of a server that was killed (``SIGKILL``: no block ends) from those of a live one."""
    with tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}{os.getpid()}-") as tmp:
        yield Path(tmp)


def remove_stale_uploads(root: Path | None = None) -> int:
    """Remove the upload folders of processes that no longer run; how many were removed."""
    root = Path(root or tempfile.gettempdir())
    removed = 0
    for folder in root.glob(f"{TEMP_PREFIX}*-*"):
        pid = folder.name[len(TEMP_PREFIX):].split("-", 1)[0]
        if folder.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    if removed:
        logger.warning("removed %d upload folders left by a server that was stopped abruptly", removed)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


@dataclass
class Upload:
    """The received file (in ``directory``) and the text fields sent with it."""

    path: Path | None = None
    fields: dict[str, str] = field(default_factory=dict)


class _Receiver:
    """python-multipart callbacks writing the file part to disk and keeping the small text fields."""

    def __init__(self, directory: Path, max_bytes: int, max_mb: float) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.max_mb = max_mb
        self.upload = Upload()
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._name = ""
        self._file: IO[bytes] | None = None
        self._size = 0
        self._text = bytearray()

    def on_part_begin(self) -> None:
        self._disposition, self._name, self._text = b"", "", bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name, self._header_value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        if self._name == FILE_FIELD and b"filename" in options:
            if self.upload.path is not None:
                raise ApiError(422, "too_many_files", "Caricare un solo documento per volta.")
            filename = safe_filename(options[b"filename"].decode("utf-8", "replace"))
            self.upload.path = self.directory / filename
            self._file = self.upload.path.open("wb")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._file is not None:
            self._size += len(chunk)
            if self._size > self.max_bytes:
                raise ApiError(413, "file_too_large",
                               f"Il file supera il limite di {self.max_mb:g} MB: caricarne uno più piccolo.")
            self._file.write(chunk)
        elif self._name in TEXT_FIELDS:
            self._text += chunk
            if len(self._text) > MAX_FIELD_BYTES:
                raise ApiError(422, "field_too_long", f"Il campo «{self._name}» è troppo lungo.")

    def on_part_end(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        elif self._name in TEXT_FIELDS:
            value = self._text.decode("utf-8", "replace").strip()
            if value:
                self.upload.fields[self._name] = value

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


async def receive(request: Request, directory: Path, max_mb: float) -> Upload:
    """Parse a ``multipart/form-data`` upload (field ``file``, optional ``ente``, ``documento``)."""
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or b"boundary" not in params:
        raise ApiError(415, "unsupported_media_type",
                       "Inviare il documento come multipart/form-data nel campo «file».")
    max_bytes = int(max_mb * 1024 * 1024)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + 64 * 1024:
        raise ApiError(413, "file_too_large", f"Il file supera il limite di {max_mb:g} MB: caricarne uno più piccolo.")
    receiver = _Receiver(directory, max_bytes, max_mb)
    callbacks = {name: getattr(receiver, name) for name in (
        "on_part_begin", "on_part_data", "on_part_end", "on_header_field", "on_header_value",
        "on_header_end", "on_headers_finished")}
    parser = MultipartParser(params[b"boundary"], callbacks)  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except FormParserError as exc:
        raise ApiError(400, "bad_multipart", "Il caricamento non è leggibile: riprovare.") from exc
    finally:
        receiver.close()
    if receiver.upload.path is None:
        raise ApiError(422, "missing_file", "Manca il documento: inviarlo nel campo «file».")
    return receiver.upload
