"""On-image overlay of the slice view (VIEWER.md "On the image"): everything drawn in viewport pixels.

Four corners (subject id, study date, series description · slice n / total, position along the
normal, thickness · W/L, zoom · HU probe), orientation markers from (0020,0037) (letters from
:mod:`recist_app.imaging.orientation`), a scale bar in mm and, for an image without (0028,0030) *Pixel
Spacing*, a banner saying there are no millimetres (ARCHITECTURE C6); and the caliper labels,
placed so that they never cover a caliper end. The text is built by small pure functions (tested
without painting); :func:`paint_overlay` and :func:`paint_labels` draw in viewport pixels, so
text stays the same size whatever the zoom.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6 import QtCore, QtGui

from recist_app.imaging.orientation import EdgeLetters

UNCALIBRATED_BANNER = "UNCALIBRATED — no mm"
TEXT_COLOUR = QtGui.QColor("#e8eaed")
MARKER_COLOUR = QtGui.QColor("#ffd166")
BANNER_FILL = QtGui.QColor(150, 70, 0, 220)
OUTLINE = QtGui.QColor(0, 0, 0, 230)
MARGIN_PX = 8.0
TEXT_PIXEL_SIZE = 13
#: Nice scale-bar lengths (mm); the longest that fits in :data:`SCALE_BAR_MAX_FRACTION` is used.
SCALE_BAR_STEPS_MM = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0)
SCALE_BAR_MAX_FRACTION = 0.22
#: A shorter bar is not drawn (too small to read).
SCALE_BAR_MIN_PX = 30.0
LABEL_GAP_PX = 10.0
LABEL_PADDING_PX = 3.0
#: A label box keeps this far from any caliper end (a handle's radius).
LABEL_CLEARANCE_PX = 4.0


@dataclass(frozen=True)
class OverlayInfo:
    """What the main window knows about the series (the view never reads DICOM, C3).

    ``subject_id`` is the pseudonymised id in blinded reads; ``study_date`` a DICOM DA
    (``YYYYMMDD``) or ISO date.
    """

    subject_id: str = ""
    study_date: str = ""
    series_description: str = ""


@dataclass(frozen=True)
class ProbeReading:
    """HU under the cursor: pixel ``(col, row)`` on slice ``k`` and its LPS position (None: no mm)."""

    hu: int
    col: int
    row: int
    position_mm: tuple[float, float, float] | None


@dataclass(frozen=True)
class ScaleBar:
    """A horizontal bar of ``length_mm`` drawn ``length_px`` viewport pixels long."""

    length_mm: float
    length_px: float


@dataclass(frozen=True)
class OverlayContent:
    """Everything :func:`paint_overlay` draws."""

    top_left: tuple[str, ...] = ()
    top_right: tuple[str, ...] = ()
    bottom_left: tuple[str, ...] = ()
    bottom_right: tuple[str, ...] = ()
    edges: EdgeLetters | None = None
    scale_bar: ScaleBar | None = None
    banner: str | None = None


def signed(value: float, digits: int = 0) -> str:
    """``value`` with a typographic minus (−600, not -600)."""
    text = f"{value:.{digits}f}"
    if text.startswith("-") and float(text) == 0.0:
        text = text[1:]
    return text.replace("-", "−")


def format_date(value: str) -> str:
    """A DICOM DA ``YYYYMMDD`` as ``YYYY-MM-DD``; anything else unchanged."""
    if len(value) == 8 and value.isdigit():
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return value


def top_left_lines(info: OverlayInfo) -> tuple[str, ...]:
    """Subject id, study date, series description (the ones known)."""
    lines = [info.subject_id, format_date(info.study_date), info.series_description]
    return tuple(line for line in lines if line)


def top_right_lines(image_number: int, slice_count: int, position_mm: float | None,
                    thickness_mm: float | None) -> tuple[str, ...]:
    """``Im n / total`` (n the PACS's image number), position along the slice normal and thickness in mm."""
    lines = [f"Im {image_number} / {slice_count}"]
    if position_mm is not None:
        lines.append(f"Loc {signed(position_mm, 2)} mm")
    if thickness_mm is not None:
        lines.append(f"Thk {thickness_mm:.2f} mm")
    return tuple(lines)


def bottom_left_lines(width_hu: float, level_hu: float, preset: str | None, zoom: float,
                      inverted: bool, cine_fps: float | None = None) -> tuple[str, ...]:
    """Window width / level (with the preset's name when it matches one), zoom, inversion, and
    ``"Cine 10 fps"`` while cine plays (``cine_fps`` not None)."""
    window = f"W {signed(width_hu)}  L {signed(level_hu)}"
    if preset:
        window += f"  ({preset})"
    lines = [window, f"Zoom {zoom:.2f}×"]
    if inverted:
        lines.append("Inverted")
    if cine_fps is not None:
        lines.append(f"Cine {cine_fps:g} fps")
    return tuple(lines)


def bottom_right_lines(probe: ProbeReading | None) -> tuple[str, ...]:
    """The HU probe: value, LPS position in mm (calibrated images only) and pixel."""
    if probe is None:
        return ()
    lines = [f"HU {signed(probe.hu)}"]
    if probe.position_mm is not None:
        x, y, z = probe.position_mm
        lines.append(f"LPS {signed(x, 1)}, {signed(y, 1)}, {signed(z, 1)} mm")
    lines.append(f"Pixel {probe.col}, {probe.row}")
    return tuple(lines)


def scale_bar(mm_per_px: float, viewport_width_px: float) -> ScaleBar | None:
    """The longest nice length of :data:`SCALE_BAR_STEPS_MM` within about a fifth of the viewport
    (None when even that is under :data:`SCALE_BAR_MIN_PX`)."""
    if not (mm_per_px > 0 and math.isfinite(mm_per_px)) or viewport_width_px <= 0:
        return None
    limit_px = viewport_width_px * SCALE_BAR_MAX_FRACTION
    fitting = [step for step in SCALE_BAR_STEPS_MM if step / mm_per_px <= limit_px]
    if not fitting or fitting[-1] / mm_per_px < SCALE_BAR_MIN_PX:
        return None
    return ScaleBar(fitting[-1], fitting[-1] / mm_per_px)


def overlay_font(pixel_size: int = TEXT_PIXEL_SIZE, bold: bool = False) -> QtGui.QFont:
    """The overlay font: the application's family at a fixed pixel size."""
    font = QtGui.QFont()
    font.setPixelSize(pixel_size)
    font.setBold(bold)
    return font


#: Outlined text rendered once per (text, font, colour, pixel ratio); the outline stroke costs
#: about 1.5 ms a line, so the overlay's ~13 lines would cap the frame rate near 50 fps.
_TEXT_CACHE: OrderedDict[tuple[str, str, int, float], QtGui.QImage] = OrderedDict()
_TEXT_CACHE_SIZE = 512
_TEXT_PAD_PX = 2.0


def _outlined(text: str, font: QtGui.QFont, colour: QtGui.QColor, ratio: float) -> QtGui.QImage:
    key = (text, font.key(), colour.rgba(), ratio)
    image = _TEXT_CACHE.get(key)
    if image is not None:
        _TEXT_CACHE.move_to_end(key)
        return image
    metrics = QtGui.QFontMetricsF(font)
    width = metrics.horizontalAdvance(text) + 2 * _TEXT_PAD_PX
    height = metrics.height() + 2 * _TEXT_PAD_PX
    image = QtGui.QImage(math.ceil(width * ratio), math.ceil(height * ratio),
                         QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(ratio)
    image.fill(QtCore.Qt.GlobalColor.transparent)
    path = QtGui.QPainterPath()
    path.addText(QtCore.QPointF(_TEXT_PAD_PX, _TEXT_PAD_PX + metrics.ascent()), font, text)
    painter = QtGui.QPainter(image)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
    painter.strokePath(path, QtGui.QPen(OUTLINE, 3.0, QtCore.Qt.PenStyle.SolidLine,
                                        QtCore.Qt.PenCapStyle.RoundCap, QtCore.Qt.PenJoinStyle.RoundJoin))
    painter.fillPath(path, colour)
    painter.end()
    _TEXT_CACHE[key] = image
    if len(_TEXT_CACHE) > _TEXT_CACHE_SIZE:
        _TEXT_CACHE.popitem(last=False)
    return image


def draw_outlined_text(painter: QtGui.QPainter, baseline: QtCore.QPointF, text: str,
                       font: QtGui.QFont, colour: QtGui.QColor, ratio: float = 1.0) -> None:
    """Text with a dark outline, readable on bright bone and dark lung alike (cached per text).

    ``ratio`` is the device pixel ratio of the target (not read from ``painter.device()``: wrapping
    that pointer leaves shiboken a stale entry once the grab's pixmap is gone, then a crash).
    """
    image = _outlined(text, font, colour, ratio)
    ascent = QtGui.QFontMetricsF(font).ascent()
    painter.drawImage(QtCore.QPointF(baseline.x() - _TEXT_PAD_PX, baseline.y() - ascent - _TEXT_PAD_PX), image)


#: Least gap in pixels between a left and a right corner block (the left one is cut with "…" to keep it).
CORNER_GAP_PX = 12.0


def _block(painter: QtGui.QPainter, rect: QtCore.QRectF, lines: tuple[str, ...], font: QtGui.QFont,
           right: bool, bottom: bool, ratio: float, max_width: float | None = None) -> QtCore.QRectF:
    """Draw a corner block of lines (each cut with "…" to ``max_width`` pixels when given); return the
    rectangle it covers."""
    metrics = QtGui.QFontMetricsF(font)
    step = metrics.lineSpacing()
    if max_width is not None:
        lines = tuple(metrics.elidedText(line, QtCore.Qt.TextElideMode.ElideRight, max(max_width, 0.0))
                      for line in lines)
    widths = [metrics.horizontalAdvance(line) for line in lines]
    height = step * len(lines)
    top = rect.bottom() - MARGIN_PX - height if bottom else rect.top() + MARGIN_PX
    for i, (line, width) in enumerate(zip(lines, widths, strict=True)):
        x = rect.right() - MARGIN_PX - width if right else rect.left() + MARGIN_PX
        draw_outlined_text(painter, QtCore.QPointF(x, top + i * step + metrics.ascent()), line, font, TEXT_COLOUR,
                           ratio)
    width = max(widths, default=0.0)
    left = rect.right() - MARGIN_PX - width if right else rect.left() + MARGIN_PX
    return QtCore.QRectF(left, top, width, height)


def _edges(painter: QtGui.QPainter, rect: QtCore.QRectF, edges: EdgeLetters, ratio: float) -> None:
    font = overlay_font(TEXT_PIXEL_SIZE + 3, bold=True)
    metrics = QtGui.QFontMetricsF(font)
    centre = rect.center()
    half_height = (metrics.ascent() - metrics.descent()) / 2
    spots = (
        (edges.left, QtCore.QPointF(rect.left() + MARGIN_PX, centre.y() + half_height), 0.0),
        (edges.right, QtCore.QPointF(rect.right() - MARGIN_PX, centre.y() + half_height), 1.0),
        (edges.top, QtCore.QPointF(centre.x(), rect.top() + MARGIN_PX + metrics.ascent()), 0.5),
        (edges.bottom, QtCore.QPointF(centre.x(), rect.bottom() - MARGIN_PX - metrics.descent()), 0.5),
    )
    for text, point, shift in spots:
        if text:
            point.setX(point.x() - shift * metrics.horizontalAdvance(text))
            draw_outlined_text(painter, point, text, font, MARKER_COLOUR, ratio)


def _scale_bar(painter: QtGui.QPainter, above: QtCore.QRectF, rect: QtCore.QRectF, bar: ScaleBar,
               ratio: float) -> None:
    font = overlay_font()
    metrics = QtGui.QFontMetricsF(font)
    right = rect.right() - MARGIN_PX
    y = (above.top() if above.height() > 0 else rect.bottom() - MARGIN_PX) - 8.0
    left = right - bar.length_px
    for pen in (QtGui.QPen(OUTLINE, 4.0), QtGui.QPen(TEXT_COLOUR, 1.6)):
        painter.setPen(pen)
        painter.drawLine(QtCore.QLineF(left, y, right, y))
        painter.drawLine(QtCore.QLineF(left, y - 5, left, y + 1))
        painter.drawLine(QtCore.QLineF(right, y - 5, right, y + 1))
    label = f"{bar.length_mm:g} mm"
    draw_outlined_text(painter, QtCore.QPointF(right - metrics.horizontalAdvance(label), y - 8), label,
                       font, TEXT_COLOUR, ratio)


def _banner(painter: QtGui.QPainter, rect: QtCore.QRectF, text: str) -> None:
    font = overlay_font(TEXT_PIXEL_SIZE + 1, bold=True)
    metrics = QtGui.QFontMetricsF(font)
    width, height = metrics.horizontalAdvance(text) + 20, metrics.height() + 8
    top = rect.top() + MARGIN_PX + QtGui.QFontMetricsF(overlay_font(TEXT_PIXEL_SIZE + 3, True)).height() + 4
    box = QtCore.QRectF(rect.center().x() - width / 2, top, width, height)
    painter.setPen(QtGui.QPen(QtGui.QColor("#ffb74d"), 1.0))
    painter.setBrush(BANNER_FILL)
    painter.drawRoundedRect(box, 4, 4)
    painter.setFont(font)
    painter.setPen(QtGui.QColor("#fff8e1"))
    painter.drawText(box, QtCore.Qt.AlignmentFlag.AlignCenter, text)


def paint_overlay(painter: QtGui.QPainter, rect: QtCore.QRectF, content: OverlayContent,
                  ratio: float = 1.0) -> None:
    """Draw ``content`` into ``rect`` (viewport pixels; the painter must have no scene transform);
    ``ratio`` is the target's device pixel ratio."""
    painter.save()
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
    font = overlay_font()
    top_right = _block(painter, rect, content.top_right, font, True, False, ratio)
    bottom_right = _block(painter, rect, content.bottom_right, font, True, True, ratio)
    room = rect.width() - 2 * MARGIN_PX - CORNER_GAP_PX  # the left blocks are cut short of the right ones
    _block(painter, rect, content.top_left, font, False, False, ratio, room - top_right.width())
    _block(painter, rect, content.bottom_left, font, False, True, ratio, room - bottom_right.width())
    if content.edges is not None:
        _edges(painter, rect, content.edges, ratio)
    if content.scale_bar is not None:
        _scale_bar(painter, bottom_right, rect, content.scale_bar, ratio)
    if content.banner:
        _banner(painter, rect, content.banner)
    painter.restore()


@dataclass(frozen=True)
class LabelSpec:
    """A caliper label to paint: text, colour and the caliper ends (view coordinates)."""

    text: str
    colour: QtGui.QColor
    ends: tuple[QtCore.QPointF, ...]
    selected: bool = False


def place_label(ends_px: Sequence[QtCore.QPointF], size: QtCore.QSizeF, bounds: QtCore.QRectF,
                gap_px: float = LABEL_GAP_PX, avoid: Sequence[QtCore.QPointF] = (),
                taken: Sequence[QtCore.QRectF] = ()) -> QtCore.QRectF:
    """Where a label box goes (viewport pixels) so that it never covers a caliper end (VIEWER.md).

    Candidates, in order: right of the rightmost end, left of the leftmost, above the topmost,
    below the lowest. The first inside ``bounds`` that covers none of ``avoid`` (the ends of the
    other calipers) and overlaps no box in ``taken`` wins; failing that the first inside
    ``bounds``; failing that the side with more room. The caliper's own ends are never covered:
    every candidate lies wholly beyond them.
    """
    w, h = size.width(), size.height()
    right = max(ends_px, key=lambda p: p.x())
    left = min(ends_px, key=lambda p: p.x())
    top = min(ends_px, key=lambda p: p.y())
    low = max(ends_px, key=lambda p: p.y())

    def clamp(value: float, lo: float, hi: float) -> float:
        return min(max(value, lo), hi) if hi >= lo else lo

    candidates = [
        QtCore.QRectF(right.x() + gap_px, clamp(right.y() - h / 2, bounds.top(), bounds.bottom() - h), w, h),
        QtCore.QRectF(left.x() - gap_px - w, clamp(left.y() - h / 2, bounds.top(), bounds.bottom() - h), w, h),
        QtCore.QRectF(clamp(top.x() - w / 2, bounds.left(), bounds.right() - w), top.y() - gap_px - h, w, h),
        QtCore.QRectF(clamp(low.x() - w / 2, bounds.left(), bounds.right() - w), low.y() + gap_px, w, h),
    ]
    inside = [box for box in candidates if bounds.contains(box)]
    for box in inside:
        margin = box.adjusted(-LABEL_CLEARANCE_PX, -LABEL_CLEARANCE_PX, LABEL_CLEARANCE_PX, LABEL_CLEARANCE_PX)
        if not any(margin.contains(p) for p in avoid) and not any(box.intersects(t) for t in taken):
            return box
    if inside:
        return inside[0]
    room_right = bounds.right() - (right.x() + gap_px)
    room_left = (left.x() - gap_px) - bounds.left()
    return candidates[0] if room_right >= room_left else candidates[1]


def label_size(text: str, font: QtGui.QFont) -> QtCore.QSizeF:
    """Size of a (possibly multi-line) label box with padding, in pixels."""
    metrics = QtGui.QFontMetricsF(font)
    lines = text.split("\n")
    width = max(metrics.horizontalAdvance(line) for line in lines)
    return QtCore.QSizeF(width + 2 * LABEL_PADDING_PX, metrics.lineSpacing() * len(lines) + 2 * LABEL_PADDING_PX)


def layout_labels(labels: Sequence[LabelSpec], to_px: Callable[[QtCore.QPointF], QtCore.QPointF],
                  bounds: QtCore.QRectF) -> list[QtCore.QRectF]:
    """Boxes (viewport pixels) of ``labels``, each clear of every caliper end and earlier box."""
    font = overlay_font(bold=True)
    ends = [[to_px(end) for end in spec.ends] for spec in labels]
    everything = [point for group in ends for point in group]
    boxes: list[QtCore.QRectF] = []
    for spec, own in zip(labels, ends, strict=True):
        others = [p for p in everything if not any(p is q for q in own)]
        boxes.append(place_label(own, label_size(spec.text, font), bounds, avoid=others, taken=boxes))
    return boxes


def paint_labels(painter: QtGui.QPainter, labels: Sequence[LabelSpec],
                 to_px: Callable[[QtCore.QPointF], QtCore.QPointF], bounds: QtCore.QRectF) -> list[QtCore.QRectF]:
    """Paint each label in a dark box in its role colour; return the boxes (viewport pixels)."""
    font = overlay_font(bold=True)
    metrics = QtGui.QFontMetricsF(font)
    boxes = layout_labels(labels, to_px, bounds)
    painter.save()
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
    painter.setFont(font)
    for spec, box in zip(labels, boxes, strict=True):
        painter.setPen(QtGui.QPen(spec.colour if spec.selected else QtGui.QColor(0, 0, 0, 0), 1.0))
        painter.setBrush(QtGui.QColor(0, 0, 0, 175))
        painter.drawRoundedRect(box, 3, 3)
        painter.setPen(spec.colour)
        for i, line in enumerate(spec.text.split("\n")):
            baseline = box.top() + LABEL_PADDING_PX + i * metrics.lineSpacing() + metrics.ascent()
            painter.drawText(QtCore.QPointF(box.left() + LABEL_PADDING_PX, baseline), line)
    painter.restore()
    return boxes
