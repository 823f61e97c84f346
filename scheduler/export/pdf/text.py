"""Text on the page: font registration, Latin and Chinese runs, widths, line breaking and
drawing.

Latin text is set in Helvetica and everything else in Droid Sans Fallback, a TrueType font
shipped in the package (Apache 2.0, see ``scheduler/fonts/README.md``) of which each PDF
embeds the subset it uses, run by run. Text is drawn through :class:`_Text`, one PDF text
object per block of text (a day cell, a list row, a title, a paragraph of the overview),
which writes the PDF operators itself: reportlab's own text object measures and encodes
every string again, which made drawing the ~1,500 strings of a year's calendar the slowest
part of the export.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from types import TracebackType

from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from scheduler.export.pdf.style import BODY, CJK, INK, LATIN, LATIN_BOLD, Ink

CJK_BOLD_STROKE = 0.045
"""Droid Sans Fallback has no bold face: bold Chinese is filled and stroked with a line this
many times the font size wide."""
CJK_FONT_FILE = Path(__file__).resolve().parent.parent.parent / "fonts" / "DroidSansFallbackFull.ttf"


@lru_cache(maxsize=1)
def _cjk_font() -> TTFont:
    """The Chinese font, read and registered on first use (reading it takes about 0.3 s, which
    a plan printed in English alone does not pay)."""
    font = TTFont(CJK, str(CJK_FONT_FILE))
    pdfmetrics.registerFont(font)
    return font




@lru_cache(maxsize=4096)
def _is_latin(text: str) -> bool:
    """True for text Helvetica can print (the WinAnsi set); other text goes to the CJK font."""
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


@lru_cache(maxsize=16384)
def _runs(text: str, bold: bool = False) -> tuple[tuple[str, str], ...]:
    """Split text into (chunk, font) runs: Helvetica for Latin, the CJK font for the rest."""
    latin = LATIN_BOLD if bold else LATIN
    if _is_latin(text):  # the common case: one run, no per-character work
        return ((text, latin),) if text else ()
    runs: list[tuple[str, str]] = []
    for char in text:
        font = latin if _is_latin(char) else CJK
        if runs and runs[-1][1] == font:
            runs[-1] = (runs[-1][0] + char, font)
        else:
            runs.append((char, font))
    return tuple(runs)


@lru_cache(maxsize=16384)
def _run_width(chunk: str, font: str, size: float) -> float:
    """Printed width of one run in one font."""
    if font == CJK:
        return float(_cjk_font().stringWidth(chunk, size))
    return float(pdfmetrics.stringWidth(chunk, font, size))


@lru_cache(maxsize=16384)
def _width(text: str, size: float = BODY, bold: bool = False) -> float:
    """Printed width of ``text`` in points."""
    return sum(_run_width(chunk, font, size) for chunk, font in _runs(text, bold))


@lru_cache(maxsize=16384)
def _encoded(chunk: str, font: str) -> tuple[tuple[str, str], ...]:
    """A Helvetica run as (font, escaped PDF string) pieces, encoded as reportlab encodes it:
    in WinAnsi, with the odd character taken from Symbol or ZapfDingbats, as reportlab's own
    text object does. (Chinese runs are encoded per document: see :meth:`_Text._show`.)"""
    face = pdfmetrics.getFont(font)
    pieces = pdfmetrics.unicode2T1(chunk, [face, *face.substitutionFonts])
    return tuple((piece.fontName, escapePDF(data)) for piece, data in pieces)


@lru_cache(maxsize=256)
def _fill_op(ink: Ink) -> str:
    """The PDF operator that sets the fill colour."""
    return f"{fp_str(ink)} rg"


@lru_cache(maxsize=256)
def _font_op(name: str, size: float) -> str:
    """The PDF operators that set the font and the leading (as reportlab's ``setFont``)."""
    return f"{name} {fp_str(size)} Tf {fp_str(size * 1.2)} TL"


class _Text:
    """One PDF text object: strings placed by their baseline, in Helvetica or the CJK font run
    by run, with the font and the fill colour written only when they change.

    Use it as a context manager; the text object is added to the canvas on leaving, inside
    ``q``/``Q`` so that nothing it sets (colour, font, text render mode) outlives it.
    """

    __slots__ = ("_canv", "_code", "_font", "_ink", "_names")

    def __init__(self, canv: Canvas) -> None:
        self._canv = canv
        self._code: list[str] = []
        self._font: tuple[str, float] | None = None
        self._ink: Ink | None = None
        self._names: dict[str, str] = {}

    def __enter__(self) -> _Text:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._code:
            self._canv.addLiteral(f"q BT {' '.join(self._code)} ET Q")
        self._code = []

    def put(
        self, x: float, y: float, text: str, size: float = BODY, bold: bool = False, ink: Ink = INK
    ) -> float:
        """Draw ``text`` with its baseline at ``y`` from ``x``; returns its width.

        Each run is placed at the width the runs before it take, and the string ends with a
        line break (``T*``, as reportlab's ``drawString`` ends one), so that text extraction
        reads a string of Latin and Chinese runs as one line."""
        code = self._code
        if ink != self._ink:
            code.append(_fill_op(ink))
            self._ink = ink
        start = x
        for chunk, font in _runs(text, bold):
            code.append(f"1 0 0 1 {fp_str(x, y)} Tm")
            if bold and font == CJK:
                code.append(f"{fp_str(ink)} RG {fp_str(size * CJK_BOLD_STROKE)} w 2 Tr")
                self._show(chunk, font, size)
                code.append("0 Tr")
            else:
                self._show(chunk, font, size)
            x += _run_width(chunk, font, size)
        if x > start:
            code.append("T*")
        return x - start

    def _show(self, chunk: str, font: str, size: float) -> None:
        """Show a run at the current position, switching fonts as needed. A Chinese run is
        split into the embedded font's subsets of this document (up to 256 characters each),
        as reportlab's own text object does."""
        if font == CJK:
            cjk, doc = _cjk_font(), self._canv._doc
            for subset, encoded in cjk.splitString(chunk, doc):
                name = cjk.getSubsetInternalName(subset, doc)
                if (name, size) != self._font:
                    self._code.append(_font_op(name, size))
                    self._font = (name, size)
                self._code.append(f"({escapePDF(encoded)}) Tj")
            return
        for piece_font, data in _encoded(chunk, font):
            name = self._name(piece_font)
            if (name, size) != self._font:
                self._code.append(_font_op(name, size))
                self._font = (name, size)
            self._code.append(f"({data}) Tj")

    def _name(self, font: str) -> str:
        """The font's resource name in this document ("/F1"), registering it on first use."""
        name = self._names.get(font)
        if name is None:
            # The document's font resources are shared by all pages; reportlab's own text
            # object asks the document the same way.
            name = self._names[font] = self._canv._doc.getInternalFontName(font)
        return name


def _draw(
    canv: Canvas, x: float, y: float, text: str, size: float = BODY, bold: bool = False, ink: Ink = INK
) -> float:
    """Draw one string on its own (see :class:`_Text` for blocks of text); returns its width."""
    with _Text(canv) as block:
        return block.put(x, y, text, size, bold, ink)


_CJK_CHARS = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_TOKEN = re.compile(rf"\s+|[{_CJK_CHARS}]|[^\s{_CJK_CHARS}]+")
"""Words, single CJK characters (a line may break between any two), and spaces."""
_CJK = re.compile(f"[{_CJK_CHARS}]")
_CANNOT_START = frozenset("）)」』】〕〉》”’，。、；：！？")
"""Chinese closing brackets and punctuation, which never begin a line."""


@lru_cache(maxsize=8192)
def _wrap(
    text: str, width: float, size: float = BODY, bold: bool = False, first: float | None = None
) -> tuple[str, ...]:
    """Greedy line breaking at spaces and between CJK characters; ``first`` is the width of
    the first line when it differs (a word too wide for it alone begins on the second, the
    first staying empty). A word wider than a line is broken between characters; a newline
    starts a new line. Closing punctuation (:data:`_CANNOT_START`) does not begin a line: it
    takes the Chinese character before it along to the next line (see :func:`_carried`), or
    hangs past the end of a line that ends in a Latin word."""
    if "\n" in text:
        head, _, tail = text.partition("\n")
        return (*_wrap(head, width, size, bold, first), *_wrap(tail, width, size, bold))
    lines: list[str] = []
    line, space = "", False

    def limit() -> float:
        return first if first is not None and not lines else width

    for token in _TOKEN.findall(text):
        if token.isspace():
            space = bool(line)
            continue
        spaced, space = space, False
        candidate = f"{line} {token}" if spaced else line + token
        if _width(candidate, size, bold) <= limit():
            line = candidate
            continue
        if token in _CANNOT_START and line and not spaced:
            carried = _carried(line)
            if carried:
                lines.append(line[:-carried].rstrip())
                line = line[-carried:] + token
            else:  # after a Latin word: the mark hangs past the end of the line
                line = candidate
            continue
        if line:
            lines.append(line)
            line = ""
        if _width(token, size, bold) <= limit():
            line = token
            continue
        if first is not None and not lines and _width(token, size, bold) <= width:
            lines.append("")  # too wide for the shorter first line only: begin on the next
            line = token
            continue
        for char in token:
            if line and _width(line + char, size, bold) > limit():
                lines.append(line)
                line = ""
            line += char
    if line or not lines:
        lines.append(line)
    return tuple(lines)


def _carried(line: str) -> int:
    """How many characters at the end of ``line`` move to the next line with a closing mark
    that does not fit: the Chinese character before the marks already there, with them; 0 when
    that character is Latin or nothing would be left (the mark then hangs)."""
    count = 1
    while count < len(line) and line[-count] in _CANNOT_START:
        count += 1
    if count >= len(line) or not _CJK.fullmatch(line[-count]):
        return 0
    return count
