"""Key images of a target lesion for the PDF report: the measured slice at each time point, cropped
around the lesion, windowed for its organ, with the caliper drawn and labelled ("T01 32.0 mm").

The caliper's stored end points (patient LPS mm) are placed on the image with
:meth:`recist_app.imaging.volume.CtVolume.patient_to_index` (:mod:`recist_app.imaging.geometry` conventions: the
DICOM index has its integer at the pixel centre, so the image extent runs from −0.5 to n − 0.5).
The slice is the one the line was drawn on ((0008,0018) SOP Instance UID). Every tile of a lesion
shows the same field of view in mm, so that shrinkage and growth are visible. A time point without
a line (disappeared, too small, not assessed) shows the place of the nearest measurement, without
caliper, with the reader's status. A line measured on a coronal or sagittal reformat is flagged in
the label ("T01 32.0 mm · COR") and its tile shows the axial slice through its middle without a
caliper: drawn there, the line would be its projection, not what was measured.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from recist_app.errors import RecistAppError
from recist_app.evaluation.lesion_values import LesionValues, diameter_mm
from recist_app.exports.plots.vector import font
from recist_app.imaging.load import SeriesSlices
from recist_app.imaging.orientation import edge_letters
from recist_app.model.records import (
    Lesion,
    LineMeasurement,
    Measurement,
    ReadSnapshot,
    Timepoint,
)

#: (name, centre HU, width HU) of the display windows.
LUNG_WINDOW = ("lung", -600.0, 1500.0)
SOFT_TISSUE_WINDOW = ("soft tissue", 40.0, 400.0)
LIVER_WINDOW = ("liver", 60.0, 160.0)
CALIPER_COLOUR = "#FFE040"
TILES_PER_ROW = 5
TILE_IN = 1.95
#: Field of view of a tile: ``FOV_FACTOR`` × the lesion's largest diameter + ``FOV_MARGIN_MM``, at least ``FOV_MIN_MM``.
FOV_FACTOR, FOV_MARGIN_MM, FOV_MIN_MM = 1.7, 16.0, 50.0
#: Air (HU) outside the scanned field when a crop reaches the image edge.
OUTSIDE_HU = -1024


def window_for(organ: str) -> tuple[str, float, float]:
    """Lung window for lung lesions, liver window for liver lesions, soft tissue for the others."""
    text = organ.upper()
    if "LUNG" in text or "PULMON" in text:
        return LUNG_WINDOW
    return LIVER_WINDOW if "LIVER" in text or "HEPAT" in text else SOFT_TISSUE_WINDOW


@dataclass(frozen=True)
class KeyTile:
    """One time point of a lesion: the cropped slice (HU), its index extent and the caliper (index).

    ``pixels`` is None when no image could be shown; ``note`` then says why.
    """

    timepoint: Timepoint
    day_text: str
    label: str
    status: str
    pixels: NDArray[np.int16] | None = None
    extent: tuple[float, float, float, float] = (0.0, 1.0, 1.0, 0.0)
    caliper: tuple[tuple[float, float], tuple[float, float]] | None = None
    aspect: float = 1.0
    col_spacing_mm: float = 1.0
    letters: tuple[str, str] = ("", "")
    note: str = ""


class VolumeCache:
    """The CT series of one read: each one's geometry read once, its slices decoded as the tiles ask for them
    (:class:`recist_app.imaging.load.SeriesSlices`; errors kept as text)."""

    def __init__(self, snapshot: ReadSnapshot) -> None:
        self._paths = {link.series_uid: link.path for tp in snapshot.timepoints for link in tp.series}
        self._loaded: dict[str, SeriesSlices | str] = {}

    def get(self, series_uid: str) -> SeriesSlices | str:
        """The slices of ``series_uid``, or why they cannot be shown."""
        if series_uid not in self._loaded:
            self._loaded[series_uid] = self._load(series_uid)
        return self._loaded[series_uid]

    def _load(self, series_uid: str) -> SeriesSlices | str:
        from recist_app.imaging.scan import scan
        from recist_app.imaging.sources.retrieve import local_folder

        path = self._paths.get(series_uid)
        if not path:
            return "the series is not linked to a folder"
        try:
            found = next((series for series in scan([local_folder(path, series_uid)]).series
                          if series.series_uid == series_uid), None)
            if found is None:
                return f"the series could not be loaded: series {series_uid} is not in {path}"
            series = SeriesSlices(found.files)
        except (RecistAppError, OSError) as exc:
            return f"the series could not be loaded: {exc}"
        return series if series.geometry.calibrated else "the series has no Pixel Spacing (uncalibrated)"


def lesion_tiles(snapshot: ReadSnapshot, lesion: Lesion, volumes: VolumeCache, statuses: dict[str, str],
                 days: dict[str, str]) -> list[KeyTile]:
    """The key-image tiles of ``lesion`` at every time point of the read (by scan date).

    ``statuses`` maps time-point uids to the reader's status text, ``days`` to 'day 63'.
    """
    timepoints = sorted(snapshot.timepoints, key=lambda tp: (tp.scan_date is None, tp.scan_date, tp.uid))
    values = LesionValues(snapshot)
    lines = {tp.uid: _line(values.recist_line(lesion, tp.uid)) for tp in timepoints}
    drawn = [line for line in lines.values() if line is not None]
    largest = max((line.length_mm for line in drawn), default=20.0)
    half_mm = max(FOV_MIN_MM, FOV_FACTOR * largest + FOV_MARGIN_MM) / 2
    tiles = []
    for index, tp in enumerate(timepoints):
        line = lines[tp.uid]
        status = statuses.get(tp.uid, "")
        axis = " (short axis)" if lesion.nodal else ""
        plane = ""
        if line is not None and line.plane.is_reformat:
            plane = f" · {line.plane.mark}"
            status = "; ".join(filter(None, (status, f"measured on the {line.plane.value.lower()} reformat")))
        label = f"{lesion.label} {diameter_mm(line):.1f} mm{axis}{plane}" if line is not None else lesion.label
        nearest = line or _nearest(lines, timepoints, index)
        series_uid = line.series_uid if line is not None else (tp.series[0].series_uid if tp.series else "")
        tile = KeyTile(tp, days.get(tp.uid, ""), label, status)
        if nearest is None or not series_uid:
            tiles.append(_note(tile, "no measurement of this lesion" if nearest is None else "no series"))
            continue
        series = volumes.get(series_uid)
        if isinstance(series, str):
            tiles.append(_note(tile, series))
            continue
        drawn_here = line is not None and not line.plane.is_reformat
        try:
            tiles.append(_crop(tile, series, nearest, drawn_here, half_mm))
        except (RecistAppError, OSError) as exc:  # the slice's pixels cannot be decoded
            tiles.append(_note(tile, f"the series could not be loaded: {exc}"))
    return tiles


def _line(measurement: Measurement | None) -> LineMeasurement | None:
    return measurement.line if measurement is not None else None


def _nearest(lines: dict[str, LineMeasurement | None], timepoints: Sequence[Timepoint],
             index: int) -> LineMeasurement | None:
    order = sorted(range(len(timepoints)), key=lambda i: (abs(i - index), i > index))
    return next((lines[timepoints[i].uid] for i in order if lines[timepoints[i].uid] is not None), None)


def _note(tile: KeyTile, note: str) -> KeyTile:
    return KeyTile(tile.timepoint, tile.day_text, tile.label, tile.status, note=f"No image: {note}")


def _crop(tile: KeyTile, series: SeriesSlices, line: LineMeasurement, measured: bool, half_mm: float) -> KeyTile:
    """The slice of ``line`` cropped to ±``half_mm`` around its midpoint, padded with air."""
    volume = series.geometry
    ends = [volume.patient_to_index(point) for point in (line.p1_mm, line.p2_mm)]
    if line.sop_uid in volume.sop_uids and measured:
        k = volume.sop_uids.index(line.sop_uid)
    else:
        k = round((ends[0][2] + ends[1][2]) / 2)
    if not 0 <= k < volume.shape[0]:
        return _note(tile, "the measured slice is outside this series")
    _, row_mm, col_mm = volume.spacing_mm
    centre_col, centre_row = (ends[0][0] + ends[1][0]) / 2, (ends[0][1] + ends[1][1]) / 2
    half_cols, half_rows = int(np.ceil(half_mm / col_mm)), int(np.ceil(half_mm / row_mm))
    c0, r0 = round(centre_col) - half_cols, round(centre_row) - half_rows
    pixels = np.full((2 * half_rows + 1, 2 * half_cols + 1), OUTSIDE_HU, dtype=np.int16)
    rows, cols = volume.shape[1:]
    src_r = slice(max(r0, 0), min(r0 + pixels.shape[0], rows))
    src_c = slice(max(c0, 0), min(c0 + pixels.shape[1], cols))
    if src_r.start < src_r.stop and src_c.start < src_c.stop:
        pixels[src_r.start - r0:src_r.stop - r0, src_c.start - c0:src_c.stop - c0] = series.slice_hu(k)[src_r, src_c]
    extent = (c0 - 0.5, c0 + pixels.shape[1] - 0.5, r0 + pixels.shape[0] - 0.5, r0 - 0.5)
    caliper = ((ends[0][0], ends[0][1]), (ends[1][0], ends[1][1])) if measured else None
    letters = edge_letters(volume.iop)
    return KeyTile(tile.timepoint, tile.day_text, tile.label, tile.status, pixels, extent, caliper, row_mm / col_mm,
                   col_mm, (letters.left, letters.right))


#: Pixels per inch of the key-image rows (the PDF shows a tile about 1.9 inches wide).
KEY_IMAGE_DPI = 200


def _font(bold: bool, points: float) -> ImageFont.FreeTypeFont:
    """DejaVu Sans at ``points`` for :data:`KEY_IMAGE_DPI` (the face of the plots, bundled in ``resources/fonts``)."""
    return font(bold, round(points * KEY_IMAGE_DPI / 72))


def lesion_image(lesion: Lesion, tiles: Sequence[KeyTile]) -> bytes:
    """The tiles of one lesion in rows of :data:`TILES_PER_ROW`, each titled with visit, date and day, as a JPEG.

    Drawn with Pillow straight from the windowed pixels (bilinear), the caliper and its texts outlined in black;
    matplotlib took ten times as long for the same picture (issue 18).
    """
    _, centre, width = window_for(lesion.organ)
    side = round(TILE_IN * 0.86 * KEY_IMAGE_DPI)
    pad, title_px = round(0.07 * KEY_IMAGE_DPI), round(0.42 * KEY_IMAGE_DPI)
    rows = max(1, -(-len(tiles) // TILES_PER_ROW))
    columns = max(1, min(len(tiles), TILES_PER_ROW))
    sheet = Image.new("RGB", (columns * (side + 2 * pad), rows * (side + title_px + pad)), "white")
    draw = ImageDraw.Draw(sheet)
    for index, tile in enumerate(tiles):
        left = (index % TILES_PER_ROW) * (side + 2 * pad) + pad
        top = (index // TILES_PER_ROW) * (side + title_px + pad) + title_px
        title = f"{tile.timepoint.visit}\n{tile.timepoint.scan_date} · {tile.day_text}"
        draw.multiline_text((left + side / 2, top - 4), title, fill="black", font=_font(False, 8), anchor="md",
                            align="center")
        sheet.paste(_tile_image(tile, side, centre, width), (left, top))
        draw.rectangle((left - 1, top - 1, left + side, top + side), outline="black", width=2)
    return jpeg_bytes(sheet)


def _tile_image(tile: KeyTile, side: int, centre: float, width: float) -> Image.Image:
    """One tile, ``side`` pixels square: the slice, caliper, label, 10 mm bar and edge letters, or the note."""
    label_font = _font(True, 7.5)
    if tile.pixels is None:
        image = Image.new("RGB", (side, side), "#EEEEEE")
        short = ":".join(tile.note.split(":")[:2])  # the reason, without the loader's details
        text = "\n".join([tile.label, *textwrap.wrap(tile.status, 26), *textwrap.wrap(short, 26)])
        ImageDraw.Draw(image).multiline_text((side / 2, side / 2), text, fill="black", font=_font(False, 7),
                                             anchor="mm", align="center")
        return image
    low = centre - width / 2
    grey = np.clip((tile.pixels.astype(np.float32) - low) * (255.0 / width), 0, 255).astype(np.uint8)
    left, right, bottom, top = tile.extent
    image = Image.fromarray(grey, "L").resize((side, side), Image.Resampling.BILINEAR).convert("RGB")
    draw = ImageDraw.Draw(image)
    scale_x, scale_y = side / (right - left), side / (bottom - top)

    def at(column: float, row: float) -> tuple[float, float]:
        return (column - left) * scale_x, (row - top) * scale_y

    if tile.caliper is not None:
        (x1, y1), (x2, y2) = (at(*end) for end in tile.caliper)
        length = float(np.hypot(x2 - x1, y2 - y1)) or 1.0
        cap = 0.035 * side
        dx, dy = -(y2 - y1) / length * cap, (x2 - x1) / length * cap
        segments = [((x1, y1), (x2, y2)), ((x1 - dx, y1 - dy), (x1 + dx, y1 + dy)),
                    ((x2 - dx, y2 - dy), (x2 + dx, y2 + dy))]
        for colour, thickness in (("black", 7), (CALIPER_COLOUR, 3)):
            for segment in segments:
                draw.line(segment, fill=colour, width=thickness)
        text = f"{tile.label}\n{tile.status}" if tile.status else tile.label
    else:
        text = f"{tile.label}: {tile.status or 'not measured'}"
    draw.multiline_text((side / 2, 0.04 * side), text, fill=CALIPER_COLOUR, font=label_font, anchor="ma",
                        align="center", stroke_width=2, stroke_fill="black")
    bar, gap = 10.0 / tile.col_spacing_mm * scale_x, 0.05 * side
    y = side - gap
    for colour, thickness in (("black", 6), ("white", 3)):
        draw.line(((side - gap - bar, y), (side - gap, y)), fill=colour, width=thickness)
    texts = [((side - gap - bar / 2, y - 6), "10 mm", _font(False, 5.5), "md"),
             ((0.02 * side, side / 2), tile.letters[0], _font(False, 7), "lm"),
             ((0.98 * side, side / 2), tile.letters[1], _font(False, 7), "rm")]
    for xy, text, face_at, anchor in texts:
        draw.text(xy, text, fill="white", font=face_at, anchor=anchor, stroke_width=2, stroke_fill="black")
    return image


#: JPEG quality of the report's pictures: no visible artefact on CT or the caliper at 200 dpi, and ReportLab embeds a
#: JPEG as it is, where a PNG is decoded and compressed again (issue 18: that took most of the PDF's time).
JPEG_QUALITY = 92


def jpeg_bytes(picture: Image.Image) -> bytes:
    """``picture`` as JPEG bytes (quality :data:`JPEG_QUALITY`, no chroma subsampling: coloured lines stay sharp)."""
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, format="JPEG", quality=JPEG_QUALITY, subsampling=0)
    return buffer.getvalue()
