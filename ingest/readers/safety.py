"""Checks made before any parser sees a file: existence, size, format by content, zip bombs,
encrypted Office files, binary "text". Each failure is an ``IngestError`` naming the file.

Only the first bytes and the zip directory are read here: a zip bomb is refused from the
sizes its directory declares, before anything is decompressed (``zipfile`` stops a member at
its declared size, so the declared sizes bound what python-docx will inflate later).
"""
from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ingest.errors import EmptyDocument, FileNotFound, UnreadableDocument, UnsafeDocument, UnsupportedFormat
from ingest.settings import Settings

Format = Literal["docx", "txt", "pdf"]
SUPPORTED_EXTENSIONS: dict[str, Format] = {".docx": "docx", ".txt": "txt", ".pdf": "pdf"}
_FORMAT_NAMES = {"docx": "documento Word (.docx)", "txt": "testo (.txt)", "pdf": "PDF (.pdf)"}
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
PDF_MAGIC = b"%PDF-"
# Word XML compresses about 10-30 times; a ratio far above that is a zip bomb.
MAX_COMPRESSION_RATIO = 200.0
_RATIO_CHECK_MIN_BYTES = 1 << 20  # tiny members can have silly ratios harmlessly
_XML_SUFFIXES = (".xml", ".rels")
_ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what Word writes
_ZIP_ENCRYPTED = 0x1  # general-purpose flag bit 0
_MAX_CONTROL_SHARE = 0.01  # of characters in a text file, tabs and newlines excepted
_BYTES_PER_MB = 1024 * 1024
_CONTROL_CHARS = re.compile("[\x01-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_STREAM = re.compile(rb"(?<!end)stream\r?\n")
_IMAGE = re.compile(rb"/Subtype\s*/Image")
_INFLATE_PIECE = 1 << 20


@dataclass(frozen=True)
class Checked:
    """A file that passed the checks, with its format (and its text, for a text file)."""

    path: Path
    format: Format
    text: str | None = None


def check_file(path: Path, settings: Settings) -> Checked:
    """Run every check that needs no parsing; return the format detected from the content."""
    name = path.name
    if not path.exists():
        raise FileNotFound(f"il file non esiste ({path}).", file=name)
    if not path.is_file():
        raise FileNotFound(f"il percorso non è un file ma una cartella ({path}).", file=name)
    size = path.stat().st_size
    if size > settings.max_file_mb * _BYTES_PER_MB:
        raise UnsafeDocument(
            f"il file è troppo grande ({size / _BYTES_PER_MB:.1f} MB; il limite è "
            f"{settings.max_file_mb:g} MB, impostabile con PIAO_MAX_FILE_MB).",
            file=name,
        )
    if size == 0:
        raise EmptyDocument("il file è vuoto (0 byte).", file=name)
    extension = path.suffix.lower()
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(CFB_MAGIC):
        _refuse_ole(path)
    if extension and extension not in SUPPORTED_EXTENSIONS:
        raise UnsupportedFormat(
            f"formato non supportato ({extension}): si possono caricare documenti Word (.docx), "
            "esportazioni di testo (.txt) e PDF (.pdf).",
            file=name,
        )
    expected = SUPPORTED_EXTENSIONS.get(extension)
    if head.startswith(ZIP_MAGICS):
        _check_zip(path, settings)
        return _agree(path, "docx", expected)
    if head.startswith(PDF_MAGIC):
        checked = _agree(path, "pdf", expected)
        check_pdf_streams(path, settings)
        return checked
    if expected in ("docx", "pdf"):
        label = "documento Word" if expected == "docx" else "PDF"
        raise UnreadableDocument(
            f"il file non è un {label} valido: è danneggiato, troncato o di un altro formato.",
            file=name,
        )
    if size > settings.max_text_mb * _BYTES_PER_MB:
        # a text export is parsed by trying row shapes: keep its cost bounded (a whole PIAO is ~1 MB)
        raise UnsafeDocument(
            f"l'esportazione di testo è troppo grande ({size / _BYTES_PER_MB:.1f} MB; il limite è "
            f"{settings.max_text_mb:g} MB, impostabile con PIAO_MAX_TEXT_MB).",
            file=name,
        )
    return Checked(path, "txt", _decode_text(path))


def _agree(path: Path, found: Format, expected: Format | None) -> Checked:
    if expected is not None and expected != found:
        raise UnsupportedFormat(
            f"l'estensione {path.suffix} non corrisponde al contenuto, che è un {_FORMAT_NAMES[found]}: "
            "rinominare il file con l'estensione giusta e riprovare.",
            file=path.name,
        )
    return Checked(path, found)


def _refuse_ole(path: Path) -> None:
    """An OLE2/CFB container: a password-protected Office file, or a legacy .doc/.xls."""
    data = path.read_bytes()
    if "EncryptedPackage".encode("utf-16-le") in data:
        raise UnreadableDocument(
            "il documento è protetto da password (cifrato) e non si può leggere. "
            "Aprirlo in Word, togliere la password e salvarlo di nuovo come .docx.",
            file=path.name,
        )
    raise UnsupportedFormat(
        "è un file Office nel vecchio formato binario (.doc/.xls 97-2003), non supportato: "
        "aprirlo in Word e salvarlo come .docx.",
        file=path.name,
    )


def _check_zip(path: Path, settings: Settings) -> None:
    """Zip directory checks: readable, a Word document, no zip bomb."""
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableDocument(
            "il documento Word è danneggiato o troncato (archivio .docx non leggibile).", file=name
        ) from exc
    names = {info.filename for info in infos}
    limit = settings.max_uncompressed_mb * _BYTES_PER_MB
    xml_total = sum(i.file_size for i in infos if i.filename.lower().endswith(_XML_SUFFIXES))
    all_total = sum(i.file_size for i in infos)
    if xml_total > limit or all_total > 4 * limit:
        raise UnsafeDocument(
            f"il contenuto decompresso sarebbe di {max(xml_total, all_total) / _BYTES_PER_MB:.0f} MB, "
            f"oltre il limite di {settings.max_uncompressed_mb:g} MB (possibile 'zip bomb'): "
            "il file non è stato aperto.",
            file=name,
        )
    if xml_total > settings.max_xml_mb * _BYTES_PER_MB:
        # parsing XML costs ~25 bytes of memory per byte: bound it before python-docx reads a byte
        raise UnsafeDocument(
            f"il testo del documento Word, decompresso, sarebbe di {xml_total / _BYTES_PER_MB:.0f} MB, oltre "
            f"il limite di {settings.max_xml_mb:g} MB (impostabile con PIAO_MAX_XML_MB): il file non è stato "
            "aperto. Un piano reale ne occupa pochi MB: dividerlo in parti o salvarlo di nuovo da Word.",
            file=name,
        )
    for info in infos:
        if info.file_size >= _RATIO_CHECK_MIN_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > MAX_COMPRESSION_RATIO:
                raise UnsafeDocument(
                    f"la parte {info.filename} si espanderebbe {ratio:.0f} volte (possibile 'zip bomb'): "
                    "il file non è stato aperto.",
                    file=name,
                )
    _check_members_readable(infos, name)
    if "word/document.xml" not in names:
        raise UnsupportedFormat(
            "è un archivio o un file Office che non è un documento Word (.docx), ad esempio un foglio "
            "Excel o un documento OpenDocument: salvarlo come .docx.",
            file=name,
        )


def check_pdf_streams(path: Path, settings: Settings) -> None:
    """Refuse a PDF whose compressed streams (images aside) would inflate past ``max_pdf_stream_mb``
    (a "Flate bomb"): each stream is inflated piecewise and counted, never kept."""
    limit = int(settings.max_pdf_stream_mb * _BYTES_PER_MB)
    data = path.read_bytes()
    total = 0
    for match in _STREAM.finditer(data):
        end = data.find(b"endstream", match.end())
        if end < 0:
            break
        if _IMAGE.search(data[max(0, match.start() - 2048):match.start()].rsplit(b" obj", 1)[-1]):
            continue  # images are not decoded to read the text
        total += _inflated_size(data[match.end():end], limit - total + 1)
        if total > limit:
            raise UnsafeDocument(
                f"i contenuti compressi del PDF, decompressi, supererebbero {settings.max_pdf_stream_mb:g} MB "
                "(possibile 'bomba di decompressione'; limite impostabile con PIAO_MAX_PDF_STREAM_MB): "
                "il file non è stato aperto.",
                file=path.name,
            )


def _inflated_size(stream: bytes, budget: int) -> int:
    """Bytes a Flate stream inflates to, counted in pieces and stopped past ``budget``; 0 if not Flate."""
    inflater = zlib.decompressobj()
    size = 0
    pending = stream
    try:
        while pending and size <= budget:
            size += len(inflater.decompress(pending, _INFLATE_PIECE))
            pending = inflater.unconsumed_tail
    except zlib.error:
        return size  # not Flate (or damaged): the parser decides
    return size


def _check_members_readable(infos: list[zipfile.ZipInfo], name: str) -> None:
    """Members that ``zipfile`` cannot open (encrypted, or packed with a method other than store or
    deflate, which Word never uses) would fail deep inside python-docx: refuse them here."""
    for info in infos:
        if info.flag_bits & _ZIP_ENCRYPTED:
            raise UnreadableDocument(
                f"la parte {info.filename} del documento Word è cifrata: aprirlo in Word, togliere la "
                "protezione e salvarlo di nuovo come .docx.",
                file=name,
            )
        if info.compress_type not in _ZIP_METHODS:
            raise UnreadableDocument(
                f"la parte {info.filename} del documento Word è compressa in un modo non previsto per i "
                "file .docx (il file è danneggiato o non è stato salvato da Word): salvarlo di nuovo da "
                "Word come .docx.",
                file=name,
            )


def _decode_text(path: Path) -> str:
    """The text of a text export; binary content is refused."""
    data = path.read_bytes()
    name = path.name
    if b"\x00" in data:
        raise UnreadableDocument(
            "il file di testo contiene dati binari (byte nulli): non è un'esportazione di testo.", file=name
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableDocument(
            f"il file di testo non è in codifica UTF-8 o contiene dati binari (byte {exc.start}).",
            file=name,
        ) from exc
    controls = len(_CONTROL_CHARS.findall(text))
    if text and controls / len(text) > _MAX_CONTROL_SHARE:
        raise UnreadableDocument(
            "il file di testo contiene troppi caratteri di controllo: sembra un file binario.", file=name
        )
    if not text.strip():
        raise EmptyDocument("il file di testo non contiene testo.", file=name)
    return text
