"""Documents that are small on disk and dear to read, generated on the fly (for ``evals.bench_bounds``
and the resilience tests): none of them is stored in the repository.

- :func:`heavy_docx`: the sample .docx with its body repeated until ``word/document.xml`` holds
  ``xml_mb`` MB (a few MB zipped);
- :func:`flate_bomb_pdf`: a one-page PDF whose content stream inflates to ``inflated_mb`` MB;
- :func:`one_line_txt`: a text "export" of ``mb`` MB on a single line;
- :func:`many_pages_pdf`: a PDF of ``pages`` pages with a line of text each.
"""
from __future__ import annotations

import random
import re
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DOCX = ROOT / "samples" / "piao_casalgrande_2023_performance.docx"
_WORDS = ("obiettivo settore responsabile indicatore target anno peso stato attuazione servizi comune "
          "piano digitalizzazione entrate tributi scuola cittadini performance").split()
_ZLIB_HEADER = b"\x78\xda"  # zlib stream, best compression
_BODY = re.compile(rb"(<w:body>)(.*?)(<w:sectPr.*</w:body>)", re.S)


def heavy_docx(path: Path, xml_mb: float, source: Path = SAMPLE_DOCX) -> Path:
    """The sample's body repeated until its XML reaches ``xml_mb`` MB; the other parts unchanged."""
    with zipfile.ZipFile(source) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    xml = parts["word/document.xml"]
    match = _BODY.search(xml)
    if match is None:
        raise ValueError(f"{source.name}: no <w:body> with a section at its end")
    head, body, tail = xml[:match.end(1)], match.group(2), xml[match.start(3):]
    copies = max(1, int(xml_mb * 1024 * 1024 / max(1, len(body))))
    parts["word/document.xml"] = head + body * copies + tail
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def _pdf(path: Path, pages: list[bytes], compress: bool) -> Path:
    """A minimal PDF: one content stream per page (Flate-compressed here when ``compress``), Helvetica.
    A page's bytes may also come compressed already: see :func:`flate_bomb_pdf`."""
    n = len(pages)
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>",
                            b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(n))
                            + b"] /Count %d >>" % n,
                            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for i, content in enumerate(pages):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R "
                       b">> >> /Contents %d 0 R >>" % (5 + 2 * i))
        data = content if not compress else zlib.compress(content, 9)
        flt = b" /Filter /FlateDecode" if compress or content.startswith(_ZLIB_HEADER) else b""
        objects.append(b"<< /Length %d%s >>\nstream\n" % (len(data), flt) + data + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def flate_bomb_pdf(path: Path, inflated_mb: float) -> Path:
    """One page whose content stream is a line of text then ``inflated_mb`` MB of spaces (~1000x smaller zipped)."""
    inflater_input = b"BT /F1 12 Tf 72 720 Td (Piano della performance) Tj ET\n"
    compressor = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    data = compressor.compress(inflater_input)
    for _ in range(int(inflated_mb)):
        data += compressor.compress(chunk)
    data += compressor.flush()
    return _pdf(path, [data], compress=False)  # already compressed: marked Flate by its zlib header


def one_line_txt(path: Path, mb: float, seed: int = 1) -> Path:
    """``mb`` MB of domain words on one line, no full stop: one "paragraph" with no sentence to cut at."""
    rng = random.Random(seed)
    size = int(mb * 1_000_000)
    words: list[str] = []
    total = 0
    while total < size:
        word = rng.choice(_WORDS)
        words.append(word)
        total += len(word) + 1
    path.write_text(" ".join(words)[:size], encoding="utf-8")
    return path


def many_pages_pdf(path: Path, pages: int) -> Path:
    """``pages`` pages, each with its own line of text (compressed streams, as word processors write)."""
    contents = [b"BT /F1 12 Tf 72 720 Td (Pagina %d: obiettivo di performance del settore %d) Tj ET" % (i, i % 9)
                for i in range(1, pages + 1)]
    return _pdf(path, contents, compress=True)
