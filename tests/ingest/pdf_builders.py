"""A small PDF writer for the PDF reader's tests: a word processor in miniature.

Lays out paragraphs and ruled tables on small pages, breaking lines greedily as a word
processor does, cutting table rows at the page end (or moving them whole) and repeating the
header row; writes a running header and a page number on every page. Fonts: the standard
Helvetica and Helvetica-Bold (no embedding), so pdfminer knows their widths.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pdfminer.fontmetrics import FONT_METRICS

_WIDTHS = {False: FONT_METRICS["Helvetica"][1], True: FONT_METRICS["Helvetica-Bold"][1]}


def _width(text: str, size: float, bold: bool) -> float:
    return sum(_WIDTHS[bold].get(ch, 556) for ch in text) * size / 1000


def _escape(text: str) -> bytes:
    return text.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


@dataclass
class PdfDoc:
    """A document being laid out: call ``paragraph`` and ``table`` in order, then ``build``."""

    trailing_spaces: bool = True  # keep the space at the end of a wrapped line, if it fits
    width: float = 500
    height: float = 300
    margin: float = 25
    pages: list[list[bytes]] = field(default_factory=list)
    split_rows: list[int] = field(default_factory=list)  # rows cut by a page break
    moved_rows: list[int] = field(default_factory=list)  # rows that start a page whole
    y: float = 0.0

    def __post_init__(self) -> None:
        self._new_page()

    def _new_page(self) -> None:
        self.pages.append([])
        n = len(self.pages)
        self._text(self.margin, 8, "Comune di Prova - PIAO 2024-2026", 7, False)
        self._text(self.width - 60, self.height - 16, f"Pagina {n}", 7, False)
        self.y = self.margin + 10

    def _text(self, x: float, top: float, text: str, size: float, bold: bool) -> None:
        baseline = self.height - top - 0.8 * size
        font = "F2" if bold else "F1"
        self.pages[-1].append(b"BT /%s %g Tf %.2f %.2f Td (%s) Tj ET" % (
            font.encode(), size, x, baseline, _escape(text)))

    def _rule(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self.pages[-1].append(b"%.2f %.2f m %.2f %.2f l S" % (
            x0, self.height - y0, x1, self.height - y1))

    def _wrap(self, text: str, width: float, size: float, bold: bool) -> list[str]:
        lines: list[str] = []
        for para in text.split("\n"):
            line = ""
            for word in para.split():
                candidate = f"{line} {word}" if line else word
                if line and _width(candidate, size, bold) > width:
                    fits = _width(line + " ", size, bold) <= width
                    lines.append(line + (" " if self.trailing_spaces and fits else ""))
                    line = word
                else:
                    line = candidate
            lines.append(line)
        return lines

    def paragraph(self, text: str, size: float = 10, bold: bool = False) -> None:
        for line in self._wrap(text, self.width - 2 * self.margin, size, bold):
            if self.y + 1.2 * size > self.height - self.margin:
                self._new_page()
            self._text(self.margin, self.y, line, size, bold)
            self.y += 1.2 * size
        self.y += 0.6 * size  # paragraph spacing

    def table(self, widths: list[float], header: list[str], rows: list[list[str | None]],
              merged_down: set[tuple[int, int]] = frozenset(), size: float = 8,
              split: bool = True, header_bold: bool = True, repeat_header: bool = True) -> None:
        """``merged_down``: (row, column) of cells merged with the cell above (text None);
        ``split``: rows may be cut by a page break (else a row that does not fit moves whole);
        ``repeat_header``: the header row is repeated at the top of each new page."""
        xs = [self.margin + sum(widths[:i]) for i in range(len(widths) + 1)]
        lead, pad = 1.2 * size, 3.0

        def cells(values: list[str | None], bold: bool) -> list[list[str]]:
            return [self._wrap(v or "", w - 2 * pad, size, bold) if v is not None else []
                    for v, w in zip(values, widths, strict=True)]

        def draw_row(lines: list[list[str]], n: int, bold: bool, open_columns: set[int]) -> None:
            top, height = self.y, n * lead + 2 * pad
            for c, cell in enumerate(lines):
                for i, line in enumerate(cell[:n]):
                    self._text(xs[c] + pad, top + pad + i * lead, line, size, bold)
                self._rule(xs[c], top, xs[c], top + height)
                if c not in open_columns:
                    self._rule(xs[c], top, xs[c + 1], top)
            self._rule(xs[-1], top, xs[-1], top + height)
            self.y += height

        head = cells(header, header_bold)
        if self.y + (max(map(len, head)) + 1) * lead + 4 * pad > self.height - self.margin:
            self._new_page()  # no room for the header row and a line
        draw_row(head, max(map(len, head)), header_bold, set())
        for r, values in enumerate(rows):
            lines = cells(values, False)
            open_columns = {c for (row, c) in merged_down if row == r}
            while True:
                room = int((self.height - self.margin - self.y - 2 * pad) // lead)
                n = max(map(len, lines))
                if n <= room:
                    draw_row(lines, n, False, open_columns)
                    break
                if room >= 1 and split:  # cut the row: what fits here, the rest on the next page
                    self.split_rows.append(r)
                    draw_row(lines, room, False, open_columns)
                    lines = [cell[room:] for cell in lines]
                else:
                    self.moved_rows.append(r)
                self._rule(xs[0], self.y, xs[-1], self.y)
                self._new_page()
                if repeat_header:
                    draw_row(head, max(map(len, head)), header_bold, set())
                open_columns = set()
        self._rule(xs[0], self.y, xs[-1], self.y)
        self.y += 8

    def build(self, encrypted: bool = False) -> bytes:
        fonts = [b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>" % name
                 for name in (b"Helvetica", b"Helvetica-Bold")]
        objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", *fonts]
        kids = []
        for ops in self.pages:
            stream = b"\n".join(ops)
            objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
            objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] /Contents %d 0 R "
                           b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>"
                           % (self.width, self.height, len(objects)))
            kids.append(b"%d 0 R" % len(objects))
        objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
        trailer = b""
        if encrypted:  # standard security handler, RC4 40 bit; the user password is not empty
            objects.append(b"<< /Filter /Standard /V 1 /R 2 /P -4 /O <%s> /U <%s> >>"
                           % (b"ab" * 32, b"cd" * 32))
            trailer = b" /Encrypt %d 0 R /ID [<%s> <%s>]" % (len(objects), b"01" * 16, b"01" * 16)
        out = bytearray(b"%PDF-1.4\n")
        offsets = []
        for number, body in enumerate(objects, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
        out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (
            len(objects) + 1, trailer, xref)
        return bytes(out)
