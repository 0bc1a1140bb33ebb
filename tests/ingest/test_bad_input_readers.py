"""Bad input: each file is refused with the right error and an Italian message naming the file."""
from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest

from ingest.errors import (
    EmptyDocument,
    FileNotFound,
    IngestError,
    NoObjectiveTables,
    UnreadableDocument,
    UnsafeDocument,
    UnsupportedFormat,
)
from ingest.objectives import extract
from ingest.readers import read_document
from ingest.settings import Settings
from tests.conftest import SAMPLE_DOCX, SAMPLE_TXT
from tests.ingest import docx_builders as b


def refused(path: Path, error: type[IngestError], *words: str, settings: Settings | None = None) -> str:
    """Read ``path``; assert exactly ``error`` is raised, naming the file, with ``words`` in it."""
    with pytest.raises(IngestError) as info:
        extract(read_document(path, settings or Settings()), path.stem)
    assert type(info.value) is error, f"{type(info.value).__name__}: {info.value.message}"
    message = info.value.message
    assert message.startswith(f"{path.name}: "), message
    assert info.value.file == path.name
    for word in words:
        assert word in message, message
    return message


def cfb(stream_names: list[str]) -> bytes:
    """A minimal OLE2/CFB container (header, FAT, one directory sector) with these streams."""
    end, free, fat_sect = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack(
        "<HHHHH6sIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, bytes(6), 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108
    fat = struct.pack("<II", fat_sect, end) + struct.pack("<I", free) * 126

    def entry(name: str, kind: int, child: int = free, right: int = free) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (encoded.ljust(64, b"\0") + struct.pack("<HBBIII", len(encoded), kind, 1, free, right, child)
                + bytes(16) + struct.pack("<IQQIQ", 0, 0, 0, end, 0))

    entries = [entry("Root Entry", 5, child=1)]
    for n, name in enumerate(stream_names):
        entries.append(entry(name, 2, right=n + 2 if n + 1 < len(stream_names) else free))
    directory = b"".join(entries).ljust(512, b"\0")
    return header + fat + directory


def test_path_that_does_not_exist(tmp_path: Path) -> None:
    refused(tmp_path / "manca.docx", FileNotFound, "non esiste")


def test_directory_instead_of_file(tmp_path: Path) -> None:
    folder = tmp_path / "cartella.docx"
    folder.mkdir()
    refused(folder, FileNotFound, "cartella")


@pytest.mark.parametrize("name", ["piano.xlsx", "foto.png", "piano.odt"])
def test_unsupported_extension(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith(".xlsx"):
        openpyxl.Workbook().save(path)
    else:
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    refused(path, UnsupportedFormat, "formato non supportato", path.suffix)


def test_extension_that_disagrees_with_the_content(tmp_path: Path) -> None:
    path = tmp_path / "piano.txt"
    path.write_bytes(SAMPLE_DOCX.read_bytes())
    refused(path, UnsupportedFormat, "non corrisponde al contenuto", "Word")


def test_other_office_zip_named_docx(tmp_path: Path) -> None:
    path = tmp_path / "foglio.docx"
    openpyxl.Workbook().save(path)
    refused(path, UnsupportedFormat, "non è un documento Word")


def test_legacy_binary_word_file(tmp_path: Path) -> None:
    path = tmp_path / "vecchio.doc"
    path.write_bytes(cfb(["WordDocument"]))
    refused(path, UnsupportedFormat, "97-2003")


@pytest.mark.parametrize("how", ["garbage", "truncated", "bad_xml"])
def test_corrupt_or_truncated_docx(tmp_path: Path, how: str) -> None:
    path = tmp_path / f"rotto_{how}.docx"
    original = SAMPLE_DOCX.read_bytes()
    if how == "garbage":
        path.write_bytes(b"questo non e' un documento word " * 20)
    elif how == "truncated":
        path.write_bytes(original[: len(original) // 2])
    else:
        with zipfile.ZipFile(SAMPLE_DOCX) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                data = src.read(item.filename)
                dst.writestr(item, data[: len(data) // 2] if item.filename == "word/document.xml" else data)
    refused(path, UnreadableDocument, "Word")


def test_encrypted_office_file(tmp_path: Path) -> None:
    path = tmp_path / "protetto.docx"
    path.write_bytes(cfb(["EncryptionInfo", "EncryptedPackage"]))
    refused(path, UnreadableDocument, "protetto da password")


def _docx_with_document_xml(path: Path, xml: bytes) -> Path:
    with zipfile.ZipFile(SAMPLE_DOCX) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item.filename, xml if item.filename == "word/document.xml" else src.read(item.filename))
    return path


def test_zip_bomb_by_compression_ratio(tmp_path: Path) -> None:
    path = _docx_with_document_xml(tmp_path / "bomba.docx", b"<w:document>" + b" " * (16 << 20) + b"</w:document>")
    assert path.stat().st_size < 1 << 20
    refused(path, UnsafeDocument, "zip bomb")


def test_zip_bomb_by_total_size(tmp_path: Path) -> None:
    with zipfile.ZipFile(SAMPLE_DOCX) as src:
        xml = src.read("word/document.xml")
    path = _docx_with_document_xml(tmp_path / "grande.docx", xml * 3)  # about 1.3 MB of XML
    refused(path, UnsafeDocument, "oltre il limite di 1 MB", settings=Settings(max_uncompressed_mb=1))


def test_file_over_the_size_limit() -> None:
    refused(SAMPLE_DOCX, UnsafeDocument, "troppo grande", "PIAO_MAX_FILE_MB", settings=Settings(max_file_mb=0.05))


def test_text_export_over_its_own_size_limit() -> None:
    # a text export's parse cost grows with its size: it has a lower limit than Word or PDF files
    refused(SAMPLE_TXT, UnsafeDocument, "troppo grande", "PIAO_MAX_TEXT_MB", settings=Settings(max_text_mb=0.05))
    assert read_document(SAMPLE_TXT, Settings(max_text_mb=1.0)).tables  # the real export is well under 1 MB


@pytest.mark.parametrize("content", [b"", b"   \n\n\t\n"])
def test_empty_text_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "vuoto.txt"
    path.write_bytes(content)
    refused(path, EmptyDocument, "vuoto" if not content else "non contiene testo")


def test_empty_word_document(tmp_path: Path) -> None:
    doc = b.new_document()
    b.paragraph(doc, "   ")
    b.table(doc, [["", ""], ["", ""]])
    refused(b.save(doc, tmp_path / "vuoto.docx"), EmptyDocument, "non contiene testo")


def test_word_document_with_tables_but_no_objective_table(tmp_path: Path) -> None:
    doc = b.new_document()
    b.heading(doc, "Organigramma")
    b.table(doc, [["Ufficio", "Telefono"], ["Protocollo", "0522 000000"]])
    refused(b.save(doc, tmp_path / "organigramma.docx"), NoObjectiveTables,
            "non sembra una sottosezione Performance di un PIAO")


def test_word_document_without_tables(tmp_path: Path) -> None:
    doc = b.new_document()
    b.paragraph(doc, "Solo testo, nessuna tabella.")
    refused(b.save(doc, tmp_path / "lettera.docx"), NoObjectiveTables, "non ha tabelle")


@pytest.mark.parametrize("content,words", [
    (b"Classificazione\x00\x00\x01\x02 dati", ("dati binari",)),
    (b"\tTitolo\n\t\xff\xfe\xfa obiettivo\n", ("UTF-8",)),
    (bytes(range(1, 9)) * 50 + b"testo", ("caratteri di controllo",)),
])
def test_text_file_with_binary_content(tmp_path: Path, content: bytes, words: tuple[str, ...]) -> None:
    path = tmp_path / "binario.txt"
    path.write_bytes(content)
    refused(path, UnreadableDocument, *words)
