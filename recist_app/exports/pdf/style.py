"""Page geometry, fonts and paragraph styles of the PDF report.

Text is set in DejaVu Sans, bundled with the app (``resources/fonts``, the same face as the plots) and
embedded in the PDF: unlike the PDF base fonts it has every glyph the rationales use
(−, ≤, ≥, →, †). Pages are A4 landscape, which gives the key-image rows and the rationale column
room.
"""

from __future__ import annotations

from functools import cache
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph

from recist_app.exports.plots.vector import font_file

#: Binary (Flate only) streams: ReportLab's pure-Python ASCII85 filter took half of the PDF export's time without its C
#: accelerator, and every current PDF reader takes binary streams (issue 18).
rl_config.useA85 = 0

PAGE_SIZE = landscape(A4)
MARGIN_PT = 14 * mm
TOP_MARGIN_PT = 20 * mm
BOTTOM_MARGIN_PT = 16 * mm
CONTENT_WIDTH_PT = PAGE_SIZE[0] - 2 * MARGIN_PT
CONTENT_HEIGHT_PT = PAGE_SIZE[1] - TOP_MARGIN_PT - BOTTOM_MARGIN_PT
FONT, BOLD, ITALIC = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"


@cache
def register_fonts() -> None:
    """Register DejaVu Sans (regular, bold, oblique) with ReportLab, once."""
    for name in (FONT, BOLD, ITALIC):
        pdfmetrics.registerFont(TTFont(name, str(font_file(f"{name}.ttf"))))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=ITALIC, boldItalic=BOLD)


@cache
def styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles: title, h1, h2, body, cell, small."""
    register_fonts()
    base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, alignment=TA_LEFT)
    return {
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=20, leading=25, spaceAfter=6),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=12, leading=16, spaceAfter=12,
                                   textColor=colors.HexColor("#444444")),
        "h1": ParagraphStyle("h1", parent=base, fontName=BOLD, fontSize=13, leading=17, spaceBefore=4, spaceAfter=6,
                             keepWithNext=1),
        "h2": ParagraphStyle("h2", parent=base, fontName=BOLD, fontSize=10, leading=13, spaceBefore=6, spaceAfter=3,
                             keepWithNext=1),
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9.4),
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5, textColor=colors.HexColor("#444444")),
    }


def esc(value: object) -> str:
    """Text of a value, escaped for a Paragraph ('<= 1.33' stays text, not markup)."""
    return escape("" if value is None else str(value))


def cell(markup: str) -> Paragraph:
    """A table cell (wraps within its column); ``markup`` must already be escaped (:func:`esc`)."""
    return Paragraph(markup, styles()["cell"])


def heading(text: str, level: str = "h1") -> Paragraph:
    """A section heading (plain text)."""
    return Paragraph(esc(text), styles()[level])


def tint(hex_colour: str, strength: float = 0.35) -> colors.Color:
    """A light tint of a category colour, for a cell background that keeps black text readable."""
    colour = colors.HexColor(hex_colour)
    return colors.Color(1 - strength * (1 - colour.red), 1 - strength * (1 - colour.green),
                        1 - strength * (1 - colour.blue))
