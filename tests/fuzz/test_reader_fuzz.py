"""Fuzzing the readers: whatever the bytes, ``read_document`` gives a DocumentModel or one of our
own ``IngestError`` subclasses, in bounded time and memory.

Every file is read in a worker process capped at 1 GiB of extra address space
(``evals.fuzz.BoundedReader``), so a memory blow-up shows up as a ``MemoryError`` (an "other"
outcome) or a crash instead of taking the test run down. Inputs: random bytes under .docx, .txt
and .pdf names (with and without a real magic number), .docx zips mutated inside
``word/document.xml`` and at the zip level (parts dropped, bytes flipped, truncated, huge declared
sizes, unknown compression, encryption flag), XML attacks, and random text exports built from the
export's own syntax. ``FUZZ_SCALE`` multiplies the examples (``make fuzz``).
"""
from __future__ import annotations

import io
import os
import struct
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evals.fuzz import BoundedReader, ReadOutcome
from ingest.errors import IngestError
from tests.conftest import ROOT, SAMPLE_DOCX, SAMPLE_TXT

SCALE = max(1, int(os.environ.get("FUZZ_SCALE", "1")))
MAX_SECONDS = 10.0  # one read, on 2 shared cores (the sample itself takes well under a second)
MAX_RSS_MB = 1024.0
INGEST_ERRORS = {cls.__name__ for cls in [IngestError, *IngestError.__subclasses__()]} | {
    sub.__name__ for cls in IngestError.__subclasses__() for sub in cls.__subclasses__()
}
FUZZ = settings(
    max_examples=60 * SCALE, deadline=None, derandomize=SCALE == 1,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
OUTCOMES: Counter[str] = Counter()
LABELS_YAML = ROOT / "ingest" / "labels.yaml"


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoundedReader]:
    """One capped worker for the module (settings: default limits, a private data dir)."""
    data_dir = tmp_path_factory.mktemp("fuzz-readers") / "data"
    with BoundedReader({"data_dir": str(data_dir)}, memory_mb=int(MAX_RSS_MB)) as bounded:
        yield bounded
    print(f"\nreader fuzz: {sum(OUTCOMES.values())} files, outcomes {dict(OUTCOMES.most_common())}, "
          f"worker restarts {bounded.restarts}")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-files")


def small_docx() -> bytes:
    """A small Word file with a heading, a paragraph and an objective-like table (merged cells)."""
    document = docx.Document()
    document.add_heading("SETTORE ENTRATE (1 OBIETTIVI)", level=2)
    document.add_paragraph("Obiettivi di performance del Comune.")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([["Titolo", "Regolamento TARI", ""], ["Peso", "30%", "2023"],
                             ["Dirigente/posizione responsabile", "Natascia Giomo", ""]]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    table.cell(0, 1).merge(table.cell(0, 2))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


SMALL_DOCX = small_docx()
SAMPLE_DOCX_BYTES = SAMPLE_DOCX.read_bytes()


def assert_bounded(outcome: ReadOutcome, what: str) -> None:
    """Only a DocumentModel or our own errors; within the time and memory bounds."""
    OUTCOMES[outcome.kind if outcome.kind != "ingest_error" else f"ingest_error:{outcome.error}"] += 1
    assert outcome.kind in ("ok", "ingest_error"), f"{what}: {outcome.kind} {outcome.error}\n{outcome.detail}"
    if outcome.kind == "ingest_error":
        assert outcome.error in INGEST_ERRORS, outcome
        assert outcome.detail.strip(), "an error without a message"
    assert outcome.seconds < MAX_SECONDS, f"{what}: {outcome.seconds:.1f}s"
    assert outcome.peak_rss_mb < MAX_RSS_MB + 800, f"{what}: {outcome.peak_rss_mb:.0f} MB"


def read(reader: BoundedReader, workdir: Path, name: str, data: bytes) -> ReadOutcome:
    path = workdir / name
    path.write_bytes(data)
    try:
        return reader.read(path)
    finally:
        path.unlink()


# --- zip helpers -----------------------------------------------------------------------------


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def patch_central_directory(data: bytes, member: str, *, size: int | None = None, method: int | None = None,
                            flags: int | None = None) -> bytes:
    """Rewrite one central-directory entry (and its local header) of a zip: declared uncompressed
    size, compression method or general-purpose flags."""
    buf = bytearray(data)
    name = member.encode()
    pos = buf.find(b"PK\x01\x02" + b"")
    while pos != -1:
        name_len = struct.unpack_from("<H", buf, pos + 28)[0]
        if bytes(buf[pos + 46 : pos + 46 + name_len]) == name:
            local = struct.unpack_from("<I", buf, pos + 42)[0]
            if size is not None:
                struct.pack_into("<I", buf, pos + 24, size)
                struct.pack_into("<I", buf, local + 22, size)
            if method is not None:
                struct.pack_into("<H", buf, pos + 10, method)
                struct.pack_into("<H", buf, local + 8, method)
            if flags is not None:
                struct.pack_into("<H", buf, pos + 8, flags)
                struct.pack_into("<H", buf, local + 6, flags)
            return bytes(buf)
        pos = buf.find(b"PK\x01\x02", pos + 4)
    raise AssertionError(f"{member} not in the zip")


# --- strategies ------------------------------------------------------------------------------

NAMES = st.sampled_from(["f.docx", "f.txt", "f.pdf", "f", "f.DOCX", "f.doc", "f.tar.gz"])
MAGICS = st.sampled_from([b"", b"PK\x03\x04", b"PK\x05\x06", b"%PDF-1.7\n", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
                          b"\xef\xbb\xbf", b"<?xml version='1.0'?>"])


@st.composite
def mutated_document_xml(draw: st.DrawFn) -> bytes:
    """A .docx whose ``word/document.xml`` has bytes flipped, a slice replaced, or is truncated."""
    base = draw(st.sampled_from([SMALL_DOCX, SMALL_DOCX, SAMPLE_DOCX_BYTES]))
    parts = members(base)
    xml = bytearray(parts["word/document.xml"])
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["flip", "replace", "truncate", "insert"]))
        at = draw(st.integers(0, max(len(xml) - 1, 0)))
        if kind == "flip":
            xml[at] ^= draw(st.integers(1, 255))
        elif kind == "replace":
            xml[at : at + draw(st.integers(1, 64))] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "truncate":
            del xml[at:]
        else:
            xml[at:at] = draw(st.sampled_from(XML_SNIPPETS))
    parts["word/document.xml"] = bytes(xml)
    return rezip(parts)


XML_SNIPPETS = [
    b"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>x</w:t></w:r></w:p></w:tc></w:tr></w:tbl>",
    b"<w:tc><w:tcPr><w:gridSpan w:val='-5'/><w:vMerge/></w:tcPr></w:tc>",
    b"<w:tc><w:tcPr><w:gridSpan w:val='99999999'/></w:tcPr></w:tc>",
    b"<w:tr><w:trPr><w:gridBefore w:val='abc'/></w:trPr></w:tr>",
    b"<w:p><w:pPr><w:pStyle w:val='\x00'/><w:outlineLvl w:val='x'/></w:pPr></w:p>",
    b"<w:sdt><w:sdtContent><w:sdt><w:sdtContent></w:sdtContent></w:sdt></w:sdtContent></w:sdt>",
    b"&amp;&lt;&#0;&#xFFFF;&undefined;",
    b"]]><![CDATA[",
    "\u202e\u200b\ufeff".encode(),
]


@st.composite
def mutated_zip(draw: st.DrawFn) -> bytes:
    """A .docx damaged at the zip level."""
    base = draw(st.sampled_from([SMALL_DOCX, SAMPLE_DOCX_BYTES]))
    kind = draw(st.sampled_from(["drop", "flip", "truncate", "size", "method", "encrypted", "extra"]))
    if kind == "drop":
        parts = members(base)
        for name in draw(st.lists(st.sampled_from(sorted(parts)), min_size=1, max_size=3, unique=True)):
            del parts[name]
        return rezip(parts)
    if kind == "flip":
        data = bytearray(base)
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] ^= draw(st.integers(1, 255))
        return bytes(data)
    if kind == "truncate":
        return base[: draw(st.integers(1, len(base) - 1))]
    member = draw(st.sampled_from(["word/document.xml", "word/styles.xml", "[Content_Types].xml"]))
    if kind == "size":
        return patch_central_directory(base, member, size=draw(st.sampled_from([0, 1, 2**31, 2**32 - 1])))
    if kind == "method":
        return patch_central_directory(base, member, method=draw(st.sampled_from([1, 6, 12, 14, 93, 99, 65535])))
    if kind == "encrypted":
        return patch_central_directory(base, member, flags=1)
    parts = members(base)
    parts[draw(st.sampled_from(["word/media/x.bin", "../../evil.xml", "word/document2.xml"]))] = draw(
        st.binary(max_size=2048))
    return rezip(parts)


def _labels() -> list[str]:
    """Every header label variant of ``ingest/labels.yaml`` (the words the table finder looks for)."""
    data = yaml.safe_load(LABELS_YAML.read_text(encoding="utf-8"))
    found: set[str] = set()
    for scope in data.values():
        if isinstance(scope, dict):
            for spec in scope.values():
                if isinstance(spec, dict):
                    found.update(str(v) for v in spec.get("labels", []) + spec.get("prefixes", []))
    return sorted(found)


WORDS = st.sampled_from(
    [*_labels(), "Titolo", "Peso", "SETTORE ENTRATE (3 OBIETTIVI)", "2023", "30%",
     "[bookmark: _Toc1]", "[bookmark:", "]", "Natascia Giomo", "PNRR", "SI", "NO", "—", "\u200b", "\u202e",
     "ＴＡＲＩ", "", " ", "\xa0", "\x0c"]
)
LINE = st.one_of(
    st.lists(WORDS, min_size=0, max_size=5).map(" ".join),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
)


@st.composite
def text_export(draw: st.DrawFn) -> bytes:
    """Lines in the export's syntax: tab-started cells, blank-line row and table ends, bookmarks."""
    lines = []
    for _ in range(draw(st.integers(1, 120))):
        prefix = draw(st.sampled_from(["", "\t", "\t", "\t\t", "", "\n", "\n\n"]))
        lines.append(prefix + draw(LINE))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return newline.join(lines).encode("utf-8")


# --- tests -----------------------------------------------------------------------------------


@FUZZ
@given(name=NAMES, magic=MAGICS, body=st.binary(max_size=4096))
def test_random_bytes_give_only_our_errors(reader: BoundedReader, workdir: Path, name: str, magic: bytes,
                                           body: bytes) -> None:
    assert_bounded(read(reader, workdir, name, magic + body), f"{name} {magic!r}+{len(body)} bytes")


@FUZZ
@given(data=mutated_document_xml())
def test_mutated_document_xml_gives_a_model_or_our_errors(reader: BoundedReader, workdir: Path, data: bytes) -> None:
    assert_bounded(read(reader, workdir, "f.docx", data), "mutated document.xml")


@FUZZ
@given(data=mutated_zip())
def test_damaged_zips_give_a_model_or_our_errors(reader: BoundedReader, workdir: Path, data: bytes) -> None:
    assert_bounded(read(reader, workdir, "f.docx", data), "damaged zip")


@FUZZ
@given(data=text_export())
def test_random_text_exports_give_a_model_or_our_errors(reader: BoundedReader, workdir: Path, data: bytes) -> None:
    assert_bounded(read(reader, workdir, "f.txt", data), "text export")


@FUZZ
@given(cut=st.integers(1, len(SAMPLE_TXT.read_bytes()) - 1), flips=st.lists(st.integers(0, 69_000), max_size=6))
def test_damaged_sample_text_export_gives_a_model_or_our_errors(reader: BoundedReader, workdir: Path, cut: int,
                                                                flips: list[int]) -> None:
    data = bytearray(SAMPLE_TXT.read_bytes()[:cut])
    for at in flips:
        if at < len(data):
            data[at] = ord("\t") if data[at] != ord("\t") else ord("\n")
    assert_bounded(read(reader, workdir, "f.txt", bytes(data)), f"sample text cut at {cut}")


XML_ATTACKS = {
    "billion_laughs": b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(b'<!ENTITY %s "%s">' % (chr(98 + i).encode(), (b"&" + chr(97 + i).encode() + b";") * 10)
               for i in range(9))
    + b']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>'
    b"<w:r><w:t>&j;</w:t></w:r></w:p></w:body></w:document>",
    "external_entity": b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>'
    b"<w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>",
    "deep_nesting": b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    + b"<w:sdt><w:sdtContent>" * 5000 + b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" + b"</w:sdtContent></w:sdt>" * 5000
    + b"</w:body></w:document>",
    "nested_tables": b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    + b"<w:tbl><w:tr><w:tc>" * 300 + b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" + b"</w:tc></w:tr></w:tbl>" * 300
    + b"</w:body></w:document>",
    "wide_table": b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    b"<w:tbl>" + b"<w:tr>" + b"<w:tc><w:tcPr><w:gridSpan w:val='60000'/></w:tcPr><w:p/></w:tc>" * 2000
    + b"</w:tr>" * 1 + b"</w:tbl></w:body></w:document>",
}


@pytest.mark.parametrize("attack", sorted(XML_ATTACKS))
def test_xml_attacks_in_document_xml_are_refused_or_read_safely(reader: BoundedReader, workdir: Path,
                                                                attack: str) -> None:
    parts = members(SMALL_DOCX)
    parts["word/document.xml"] = XML_ATTACKS[attack]
    outcome = read(reader, workdir, "f.docx", rezip(parts))
    assert_bounded(outcome, attack)
    if outcome.kind == "ok":
        assert "root:" not in outcome.detail


def test_zip_bomb_declared_sizes_are_refused_before_inflating(workdir: Path, tmp_path: Path) -> None:
    parts = members(SMALL_DOCX)
    parts["word/document.xml"] = parts["word/document.xml"].replace(b"</w:body>", b" " * (300 << 20) + b"</w:body>")
    # a worker of its own, measured after a small document: the bomb's own cost, not the worker's start-up
    with BoundedReader({"data_dir": str(tmp_path / "data")}, memory_mb=int(MAX_RSS_MB)) as fresh:
        baseline = read(fresh, workdir, "small.docx", SMALL_DOCX)
        outcome = read(fresh, workdir, "f.docx", rezip(parts))
    assert (outcome.kind, outcome.error) == ("ingest_error", "UnsafeDocument"), outcome
    assert outcome.peak_rss_mb - baseline.peak_rss_mb < 50, (baseline, outcome)


def test_the_untouched_fixtures_still_read(reader: BoundedReader, workdir: Path) -> None:
    """The harness itself: good files come back as models (a fuzz that only sees errors proves nothing)."""
    for name, data in [("a.docx", SMALL_DOCX), ("b.docx", SAMPLE_DOCX_BYTES), ("c.txt", SAMPLE_TXT.read_bytes())]:
        outcome = read(reader, workdir, name, data)
        assert outcome.kind == "ok" and outcome.blocks > 0, outcome


LONG_EXPORTS = {  # pathological shapes for the text reader's row search, each about 60-230 KB
    "one_blank_between_5000_cells": "\n".join(f"\tcell {i}\n" for i in range(5000)),
    "20000_cells_without_blank_lines": "\n".join(f"\tc{i}" for i in range(20000)),
    "one_cell_with_20000_lines": "\tTitolo\n" + "\n".join(f"riga {i}\n" for i in range(20000)),
    "3000_cells_with_continuations": "".join(f"\tcell {i}\n\ncont {i}\n" for i in range(3000)),
    "2000_label_value_tables": "\n".join(f"\tTitolo\n\tx{i}\n\n\nparagrafo {i}" for i in range(2000)),
}


@pytest.mark.parametrize("shape", sorted(LONG_EXPORTS))
def test_long_text_exports_read_in_bounded_time(reader: BoundedReader, workdir: Path, shape: str) -> None:
    outcome = read(reader, workdir, "f.txt", LONG_EXPORTS[shape].encode())
    assert outcome.kind == "ok", outcome
    assert_bounded(outcome, shape)


def test_a_workers_peak_memory_is_its_own_not_the_parents(workdir: Path, tmp_path: Path) -> None:
    """The worker's peak is measured from its own pages: Linux keeps ``ru_maxrss`` across ``execve``, so a
    worker started by a test process grown large would report the parent's size and fail every bound."""
    ballast = bytearray(600 << 20)  # the parent holds 600 MB resident when it starts the worker
    ballast[::4096] = b"\x01" * len(ballast[::4096])
    with BoundedReader({"data_dir": str(tmp_path / "data")}, memory_mb=int(MAX_RSS_MB)) as fresh:
        outcome = read(fresh, workdir, "small.docx", SMALL_DOCX)
    del ballast
    assert outcome.kind == "ok" and outcome.peak_rss_mb < 500, outcome
