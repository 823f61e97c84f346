"""Text on the page: font registration, Latin and Chinese runs, widths, line breaking,
drawing and paragraph markup.

Latin text is set in Helvetica and everything else in the built-in CID font STSong-Light,
run by run.
"""

from __future__ import annotations

import re
from functools import lru_cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from scheduler.export.pdf.style import BODY, CJK, INK, LATIN, LATIN_BOLD


@lru_cache(maxsize=1)
def _register_fonts() -> None:
    """Register the built-in Chinese CID font (no font file) once per process."""
    pdfmetrics.registerFont(UnicodeCIDFont(CJK))
    pdfmetrics.registerFontFamily(CJK, normal=CJK, bold=CJK, italic=CJK, boldItalic=CJK)


@lru_cache(maxsize=4096)
def _is_latin(text: str) -> bool:
    """True for text Helvetica can print (the WinAnsi set); other text goes to STSong-Light."""
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


@lru_cache(maxsize=16384)
def _runs(text: str, bold: bool = False) -> tuple[tuple[str, str], ...]:
    """Split text into (chunk, font) runs: Helvetica for Latin, STSong-Light for the rest."""
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
def _width(text: str, size: float = BODY, bold: bool = False) -> float:
    """Printed width of ``text`` in points."""
    return sum(pdfmetrics.stringWidth(chunk, font, size) for chunk, font in _runs(text, bold))


def _draw(
    canv: Canvas, x: float, y: float, text: str, size: float = BODY, bold: bool = False,
    ink: colors.Color = INK,
) -> float:
    """Draw ``text`` with its baseline at ``y``, switching fonts by run; returns its width."""
    canv.setFillColor(ink)
    start = x
    for chunk, font in _runs(text, bold):
        if bold and font == CJK:
            _draw_cjk_bold(canv, x, y, chunk, size, ink)
        else:
            canv.setFont(font, size)
            canv.drawString(x, y, chunk)
        x += pdfmetrics.stringWidth(chunk, font, size)
    return x - start


def _draw_cjk_bold(canv: Canvas, x: float, y: float, text: str, size: float, ink: colors.Color) -> None:
    """STSong-Light has no bold face: fill and stroke the glyphs to embolden them."""
    canv.saveState()
    canv.setStrokeColor(ink)
    canv.setLineWidth(size * 0.045)
    text_object = canv.beginText(x, y)
    text_object.setFont(CJK, size)
    text_object.setTextRenderMode(2)
    text_object.textOut(text)
    canv.drawText(text_object)
    canv.restoreState()


_CJK_CHARS = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_TOKEN = re.compile(rf"\s+|[{_CJK_CHARS}]|[^\s{_CJK_CHARS}]+")
"""Words, single CJK characters (a line may break between any two), and spaces."""


def _wrap(
    text: str, width: float, size: float = BODY, bold: bool = False, first: float | None = None
) -> list[str]:
    """Greedy line breaking at spaces and between CJK characters; ``first`` is the width of
    the first line when it differs. A word wider than a line is broken between characters;
    a newline starts a new line."""
    if "\n" in text:
        head, _, tail = text.partition("\n")
        return [*_wrap(head, width, size, bold, first), *_wrap(tail, width, size, bold)]
    lines: list[str] = []
    line, space = "", False

    def limit() -> float:
        return first if first is not None and not lines else width

    for token in _TOKEN.findall(text):
        if token.isspace():
            space = bool(line)
            continue
        candidate = f"{line} {token}" if space else line + token
        space = False
        if _width(candidate, size, bold) <= limit():
            line = candidate
            continue
        if line:
            lines.append(line)
            line = ""
        if _width(token, size, bold) <= limit():
            line = token
            continue
        for char in token:
            if line and _width(line + char, size, bold) > limit():
                lines.append(line)
                line = ""
            line += char
    if line or not lines:
        lines.append(line)
    return lines


def _markup(text: str, bold: bool = False) -> str:
    """Paragraph markup for plain text: escaped, with non-Latin runs in the CJK font."""
    parts = []
    for chunk, font in _runs(text):
        safe = escape(chunk)
        parts.append(safe if font == LATIN else f'<font face="{CJK}">{safe}</font>')
    joined = "".join(parts).replace("\n", "<br/>")
    return f"<b>{joined}</b>" if bold else joined
