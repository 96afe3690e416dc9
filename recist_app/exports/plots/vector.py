"""A small vector picture (issue 18): lines, boxes, markers and text placed in points, written as SVG and drawn as PNG.

matplotlib laid out and drew each plot through its artists, about a second a plot on the export's machines, for
pictures whose layout does not change from one read to the next. A plot made of these few shapes is written as SVG
text and drawn by Pillow in a small fraction of that (``benchmarks/bench_export.py``). The text is DejaVu Sans,
matplotlib's face, so that the plots look as they did; the SVG keeps it as text (searchable, editable in a
journal's figure).

Coordinates are points (1/72 inch) from the picture's top-left corner, y going down. The PNG is drawn at
:data:`SUPERSAMPLING` times its resolution and reduced, which smooths the edges of lines, markers and text.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

from PIL import Image, ImageColor, ImageDraw, ImageFont

import resources

Point = tuple[float, float]
Align = Literal["start", "middle", "end"]
#: Where ``y`` is on a text: its baseline, the middle of its capitals, their top, or the bottom of its descenders.
VerticalAlign = Literal["baseline", "middle", "top", "bottom"]
#: matplotlib's marker names: circle, square, triangles up and right, diamond, star, filled cross.
Shape = Literal["o", "s", "^", ">", "D", "*", "X"]
#: Drawing at this many times the PNG's resolution, then reducing, gives the edges their anti-aliasing.
SUPERSAMPLING = 2
FONT_FAMILY = "DejaVu Sans"
#: DejaVu Sans's capital height and descender depth, in ems (its OS/2 table: 1493 and 483 of 2048 units).
CAP_HEIGHT_EM = 0.729
DESCENT_EM = 0.236
_PIXELS_ALIGN = {"start": "l", "middle": "m", "end": "r"}


def face(bold: bool = False) -> Path:
    """The file of DejaVu Sans (bold), bundled with the app (``resources/fonts``): the face of every plot, of the key
    images and of the PDF reports."""
    return font_file("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")


def font_file(name: str) -> Path:
    """A bundled font file (``resources/fonts/<name>``)."""
    return Path(str(resources.path(f"fonts/{name}")))


@cache
def font(bold: bool, pixels: int) -> ImageFont.FreeTypeFont:
    """DejaVu Sans (bold) at ``pixels`` per em."""
    return ImageFont.truetype(str(face(bold)), pixels)


def text_width(text: str, size_pt: float, bold: bool = False) -> float:
    """The advance width of ``text`` in points at ``size_pt``."""
    return font(bold, 200).getlength(text) * size_pt / 200


def baseline(y: float, size_pt: float, align: VerticalAlign) -> float:
    """The baseline of a text of ``size_pt`` whose ``align`` edge is at ``y``."""
    shift = {"baseline": 0.0, "middle": CAP_HEIGHT_EM / 2, "top": CAP_HEIGHT_EM, "bottom": -DESCENT_EM}[align]
    return y + shift * size_pt


@dataclass(frozen=True)
class Stroke:
    """How a line is drawn: colour, width (points), dash pattern (on, off, … in points), opacity."""

    colour: str
    width: float = 1.0
    dash: tuple[float, ...] = ()
    alpha: float = 1.0


@dataclass(frozen=True)
class _Line:
    points: tuple[Point, ...]
    stroke: Stroke
    note: str = ""


@dataclass(frozen=True)
class _Box:
    x: float
    y: float
    width: float
    height: float
    fill: str | None
    alpha: float
    radius: float
    edge: Stroke | None = None
    hatch: str | None = None
    note: str = ""


@dataclass(frozen=True)
class _Marker:
    x: float
    y: float
    shape: Shape
    size: float
    colour: str
    edge: Stroke | None = None
    note: str = ""


@dataclass(frozen=True)
class _Text:
    x: float
    y: float  # the baseline
    text: str
    size: float
    colour: str
    align: Align
    bold: bool
    upward: bool  # turned a quarter anticlockwise, read from bottom to top


_Item = _Line | _Box | _Marker | _Text


class Picture:
    """Shapes in drawing order, in named groups (the SVG's ``<g id>``)."""

    def __init__(self, width_pt: float, height_pt: float, background: str = "#ffffff") -> None:
        self.width_pt, self.height_pt, self.background = width_pt, height_pt, background
        self._groups: list[tuple[str, list[_Item]]] = [("background", [])]

    def group(self, name: str) -> None:
        """Put the next shapes in a new group ``name``."""
        self._groups.append((name, []))

    def _add(self, item: _Item) -> None:
        self._groups[-1][1].append(item)

    def line(self, points: Sequence[Point], stroke: Stroke, *, note: str = "") -> None:
        """An open polyline through ``points``; ``note`` is its tooltip in the SVG (what it shows, in words)."""
        self._add(_Line(tuple(points), stroke, note))

    def box(self, x: float, y: float, width: float, height: float, fill: str | None, *, alpha: float = 1.0,
            radius: float = 0.0, edge: Stroke | None = None, hatch: str | None = None, note: str = "") -> None:
        """A rectangle from its top-left corner (a negative ``width`` or ``height`` extends it left or up): filled
        (``alpha``: its fill's opacity), its corners rounded by ``radius``, outlined by ``edge``, hatched with 45°
        lines of colour ``hatch``."""
        x, width = (x + width, -width) if width < 0 else (x, width)
        y, height = (y + height, -height) if height < 0 else (y, height)
        self._add(_Box(x, y, width, height, fill, alpha, radius, edge, hatch, note))

    def marker(self, x: float, y: float, shape: Shape, size: float, colour: str, *, edge: Stroke | None = None,
               note: str = "") -> None:
        """A filled marker centred on (x, y), ``size`` points across (a circle's diameter), as matplotlib draws one of
        that ``markersize`` with its 1-point edge (or with ``edge``)."""
        self._add(_Marker(x, y, shape, size, colour, edge, note))

    def text(self, x: float, y: float, text: str, size: float, colour: str = "#000000", *, align: Align = "start",
             vertical: VerticalAlign = "baseline", bold: bool = False, upward: bool = False) -> None:
        """One line of text; ``align`` is about ``x``, ``vertical`` about ``y`` (about x for ``upward`` text)."""
        if upward:
            self._add(_Text(baseline(x, size, vertical), y, text, size, colour, align, bold, True))
        else:
            self._add(_Text(x, baseline(y, size, vertical), text, size, colour, align, bold, False))

    def _items(self) -> Iterator[_Item]:
        for _, items in self._groups:
            yield from items

    # SVG

    def svg(self, title: str, description: str) -> str:
        """The picture as an SVG 1.1 document, its size in points; ``title`` and ``description`` in its metadata."""
        parts = ['<?xml version="1.0" encoding="utf-8"?>',
                 f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_n(self.width_pt)}pt" '
                 f'height="{_n(self.height_pt)}pt" viewBox="0 0 {_n(self.width_pt)} {_n(self.height_pt)}" '
                 f'font-family="{FONT_FAMILY}, sans-serif">',
                 f"<title>{escape(title)}</title>", f"<desc>{escape(description)}</desc>",
                 f'<rect width="100%" height="100%" fill="{self.background}"/>']
        for name, items in self._groups:
            if items:
                parts.append(f"<g id={quoteattr(name)}>")
                parts += [_svg_item(item) for item in items]
                parts.append("</g>")
        parts.append("</svg>\n")
        return "\n".join(parts)

    # PNG

    def png(self, dpi: float) -> Image.Image:
        """The picture drawn at ``dpi`` as an RGB image."""
        scale = dpi / 72 * SUPERSAMPLING
        size = (round(self.width_pt * scale), round(self.height_pt * scale))
        image = Image.new("RGB", size, self.background)
        draw = ImageDraw.Draw(image)
        for item in self._items():
            _draw_item(image, draw, item, scale)
        return image.reduce(SUPERSAMPLING)


def _n(value: float) -> str:
    """A coordinate for the SVG: two decimals at most."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _points_attr(points: Sequence[Point]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in points)


def _svg_item(item: _Item) -> str:
    if isinstance(item, _Line):
        return _svg_line(item.points, item.stroke, item.note)
    if isinstance(item, _Box):
        extra = f' rx="{_n(item.radius)}"' if item.radius else ""
        extra += f' fill-opacity="{_n(item.alpha)}"' if item.alpha < 1 and item.fill else ""
        place = f'x="{_n(item.x)}" y="{_n(item.y)}" width="{_n(item.width)}" height="{_n(item.height)}"'
        body = _element("rect", f'{place} fill="{item.fill or "none"}"{extra}{_svg_stroke(item.edge)}', item.note)
        hatches = [_svg_line(segment, _hatch_stroke(item.hatch)) for segment in _hatching(item)] if item.hatch else []
        return "\n".join([body, *hatches])
    if isinstance(item, _Marker):
        paint = f'fill="{item.colour}"{_svg_stroke(item.edge)}'
        if item.shape == "o":
            return _element("circle", f'cx="{_n(item.x)}" cy="{_n(item.y)}" r="{_n(_half(item))}" {paint}', item.note)
        return _element("polygon", f'points="{_points_attr(_marker_outline(item))}" {paint}', item.note)
    anchor = f' text-anchor="{item.align}"' if item.align != "start" else ""
    weight = ' font-weight="bold"' if item.bold else ""
    place = f'transform="translate({_n(item.x)} {_n(item.y)}) rotate(-90)"' if item.upward \
        else f'x="{_n(item.x)}" y="{_n(item.y)}"'
    return f'<text {place} font-size="{_n(item.size)}" fill="{item.colour}"{anchor}{weight}>{escape(item.text)}</text>'


def _element(tag: str, attributes: str, note: str) -> str:
    """An SVG element; ``note`` becomes its ``<title>``, the tooltip a browser shows over it."""
    return f"<{tag} {attributes}><title>{escape(note)}</title></{tag}>" if note else f"<{tag} {attributes}/>"


def _svg_line(points: Sequence[Point], stroke: Stroke, note: str = "") -> str:
    extra = f' stroke-dasharray="{",".join(_n(d) for d in stroke.dash)}"' if stroke.dash else ""
    extra += f' stroke-opacity="{_n(stroke.alpha)}"' if stroke.alpha < 1 else ""
    return _element("polyline", f'points="{_points_attr(points)}" fill="none" stroke="{stroke.colour}" '
                                f'stroke-width="{_n(stroke.width)}" stroke-linejoin="round"{extra}', note)


def _svg_stroke(edge: Stroke | None) -> str:
    if edge is None:
        return ""
    opacity = f' stroke-opacity="{_n(edge.alpha)}"' if edge.alpha < 1 else ""
    return f' stroke="{edge.colour}" stroke-width="{_n(edge.width)}"{opacity}'


#: Hatching: 45° lines this far apart (points), this wide, as matplotlib's "////".
HATCH_SPACING_PT, HATCH_WIDTH_PT = 3.6, 1.0


def _hatch_stroke(colour: str) -> Stroke:
    return Stroke(colour, HATCH_WIDTH_PT)


def _hatching(box: _Box) -> Iterator[tuple[Point, Point]]:
    """The 45° lines (rising to the right) of a hatched box, cut at its edges; each line goes through (c, bottom)
    for c a multiple of :data:`HATCH_SPACING_PT`, so that neighbouring boxes' hatching lines up."""
    left, right, bottom = box.x, box.x + box.width, box.y + box.height
    c = math.ceil((left - box.height) / HATCH_SPACING_PT) * HATCH_SPACING_PT
    while c < right:
        start_x, end_x = max(c, left), min(c + box.height, right)
        if end_x > start_x:
            yield (start_x, bottom - (start_x - c)), (end_x, bottom - (end_x - c))
        c += HATCH_SPACING_PT


def _half(marker: _Marker) -> float:
    """Half a marker's extent: half its size, and half of matplotlib's 1-point edge of the marker's own colour when
    it has no edge of its own (an edge is drawn on the outline)."""
    return marker.size / 2 + (0.0 if marker.edge else 0.5)


def _star(points: int = 5, inner: float = 0.381966) -> tuple[Point, ...]:
    """The corners of matplotlib's star, its tips upward: ``points`` tips on the unit circle, the corners between them
    at ``inner``."""
    corners = []
    for k in range(2 * points):
        radius, angle = (1.0 if k % 2 == 0 else inner), math.radians(90 + 180 / points * k)
        corners.append((radius * math.cos(angle), -radius * math.sin(angle)))
    return tuple(corners)


#: Outlines of the polygon markers, in half-extents around the centre, y going down (matplotlib's shapes).
_OUTLINES: dict[str, tuple[Point, ...]] = {
    "s": ((-1, -1), (1, -1), (1, 1), (-1, 1)),
    "^": ((0, -1), (1, 1), (-1, 1)),
    ">": ((1, 0), (-1, 1), (-1, -1)),
    "D": ((0, -math.sqrt(2)), (math.sqrt(2), 0), (0, math.sqrt(2)), (-math.sqrt(2), 0)),
    "X": ((-0.5, -1), (0, -0.5), (0.5, -1), (1, -0.5), (0.5, 0), (1, 0.5), (0.5, 1), (0, 0.5), (-0.5, 1), (-1, 0.5),
          (-0.5, 0), (-1, -0.5)),
    "*": _star(),
}


def _marker_outline(marker: _Marker) -> list[Point]:
    """The corners of a polygon marker around its centre."""
    half = _half(marker)
    return [(marker.x + dx * half, marker.y + dy * half) for dx, dy in _OUTLINES[marker.shape]]


def _draw_item(image: Image.Image, draw: ImageDraw.ImageDraw, item: _Item, scale: float) -> None:
    if isinstance(item, _Line):
        _draw_line(draw, item.points, item.stroke, scale)
    elif isinstance(item, _Box):
        _draw_box(image, draw, item, scale)
    elif isinstance(item, _Marker):
        outline = None if item.edge is None else item.edge.colour
        width = 0 if item.edge is None else max(1, round(item.edge.width * scale))
        if item.shape == "o":
            r = _half(item) * scale
            draw.ellipse((item.x * scale - r, item.y * scale - r, item.x * scale + r, item.y * scale + r),
                         fill=item.colour, outline=outline, width=width)
        else:
            corners = [(x * scale, y * scale) for x, y in _marker_outline(item)]
            draw.polygon(corners, fill=item.colour)
            if outline:
                draw.line([*corners, corners[0]], fill=outline, width=width, joint="curve")
    else:
        _draw_text(image, draw, item, scale)


def _draw_line(draw: ImageDraw.ImageDraw, points: Sequence[Point], stroke: Stroke, scale: float) -> None:
    colour = over_white(stroke.colour, stroke.alpha)
    width = max(1, round(stroke.width * scale))
    scaled = [(x * scale, y * scale) for x, y in points]
    if stroke.dash:
        for dash in _dashes(scaled, [d * scale for d in stroke.dash]):
            draw.line(dash, fill=colour, width=width)
    else:
        draw.line(scaled, fill=colour, width=width, joint="curve")


def _draw_box(image: Image.Image, draw: ImageDraw.ImageDraw, box: _Box, scale: float) -> None:
    width, height = image.size
    corners = (max(round(box.x * scale), 0), max(round(box.y * scale), 0),
               min(round((box.x + box.width) * scale), width), min(round((box.y + box.height) * scale), height))
    if box.fill is not None and box.alpha < 1:  # blended with what lies under it (a grid line shows through)
        if corners[2] > corners[0] and corners[3] > corners[1]:
            region = image.crop(corners)
            image.paste(Image.blend(region, Image.new("RGB", region.size, box.fill), box.alpha), corners[:2])
    elif box.fill is not None:
        draw.rounded_rectangle(corners, radius=round(box.radius * scale), fill=box.fill)
    if box.hatch:
        for segment in _hatching(box):
            _draw_line(draw, segment, _hatch_stroke(box.hatch), scale)
    if box.edge is not None:
        left, top, right, bottom = (box.x, box.y, box.x + box.width, box.y + box.height)
        _draw_line(draw, [(left, top), (right, top), (right, bottom), (left, bottom), (left, top)], box.edge, scale)


def _draw_text(image: Image.Image, draw: ImageDraw.ImageDraw, item: _Text, scale: float) -> None:
    face_at = font(item.bold, max(1, round(item.size * scale)))
    anchor = _PIXELS_ALIGN[item.align] + "s"
    if not item.upward:
        draw.text((item.x * scale, item.y * scale), item.text, fill=item.colour, font=face_at, anchor=anchor)
        return
    # Upward text: drawn level into a mask, turned a quarter anticlockwise, then stamped in its colour.
    left, top, right, bottom = (round(edge) for edge in face_at.getbbox(item.text, anchor=anchor))
    mask = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(mask).text((-left, -top), item.text, fill=255, font=face_at, anchor=anchor)
    turned = mask.transpose(Image.Transpose.ROTATE_90)
    x, y = item.x * scale, item.y * scale  # the baseline's anchor point; after the turn, x is the baseline
    image.paste(ImageColor.getrgb(item.colour), (round(x + top), round(y - right)), turned)


def over_white(colour: str, alpha: float) -> str:
    """``colour`` at opacity ``alpha`` over white, as an opaque '#rrggbb' (a translucent stroke; a faded marker)."""
    if alpha >= 1:
        return colour
    return "#" + "".join(f"{round(255 * (1 - alpha) + channel * alpha):02x}"
                         for channel in ImageColor.getrgb(colour)[:3])


def _dashes(points: Sequence[Point], pattern: Sequence[float]) -> Iterator[list[Point]]:
    """The drawn pieces of a dashed polyline (``pattern``: on, off, … lengths), the pattern running on at corners."""
    index, left, on = 0, pattern[0], True
    piece: list[Point] = [points[0]]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        length = math.hypot(x1 - x0, y1 - y0)
        done = 0.0
        while length - done > left:
            done += left
            point = (x0 + (x1 - x0) * done / length, y0 + (y1 - y0) * done / length)
            if on:
                yield [*piece, point]
            piece = [point]
            index = (index + 1) % len(pattern)
            left, on = pattern[index], not on
        left -= length - done
        if on:
            piece.append((x1, y1))
        else:
            piece = [(x1, y1)]
    if on and len(piece) > 1:
        yield piece
