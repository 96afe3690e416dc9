"""Synthetic CT phantom: a DICOM CT series of a chest with lesions of known diameters.

The writer feeds the benchmark, the tests and the demo trial. Every slice is one CT Image
Storage instance (PS3.3 A.3); stored values are unsigned with Rescale Slope (0028,1053) 1 and
Rescale Intercept (0028,1052) −1024, so HU = stored − 1024. Lesions are ellipsoids whose long
and short axes lie in the slice plane, so on the slice through the centre the longest diameter
equals ``long_axis_mm`` and the perpendicular one ``short_axis_mm`` (RECIST 1.1 §3.1). A
``ground_truth.json`` beside the files gives, per lesion, the endpoints of both axes in patient
LPS mm (ARCHITECTURE C4) so a test can measure them.

Transfer syntaxes: Explicit VR Little Endian (default) and Implicit VR Little Endian are written
natively; RLE Lossless and JPEG 2000 Lossless through ``Dataset.compress`` with pydicom's
encoders (``pydicom.pixels.encoders``: RLE by pylibjpeg-rle or pydicom itself, JPEG 2000 by
pylibjpeg-openjpeg); JPEG Lossless SV1 (process 14) by imagecodecs' libjpeg-turbo
(``recist_app.demo.phantom.encoding.jpeg_lossless_sv1``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from recist_app.demo.errors import PhantomSpecError
from recist_app.demo.phantom.encoding import (
    ENCODED_SYNTAXES,
    NATIVE_SYNTAXES,
)
from recist_app.demo.phantom.motion import Motion

AXIAL = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
GROUND_TRUTH_NAME = "ground_truth.json"
Point = tuple[float, float, float]


@dataclass(frozen=True)
class LesionSpec:
    """One ellipsoid lesion; ``centre_mm`` in patient LPS, axes in mm, ``hu`` its density."""

    lesion_id: str
    organ: str
    centre_mm: Point
    long_axis_mm: float
    short_axis_mm: float
    height_mm: float
    angle_deg: float = 0.0
    hu: float = 30.0
    nodal: bool = False

    def __post_init__(self) -> None:
        if not 0 < self.short_axis_mm <= self.long_axis_mm or self.height_mm <= 0:
            raise PhantomSpecError(f'Argument "long_axis_mm" must be ≥ "short_axis_mm" > 0 and "height_mm" > 0, '
                             f"got {self.long_axis_mm}, {self.short_axis_mm}, {self.height_mm} for "
                             f"lesion {self.lesion_id!r}.")


@dataclass(frozen=True)
class PhantomSpec:
    """Geometry, content and identity of one synthetic CT series.

    ``pixel_spacing_mm`` is Pixel Spacing (0028,0030) (row, column); ``orientation`` is
    Image Orientation (Patient) (0020,0037); ``origin_mm`` is Image Position (Patient)
    (0020,0032) of the first slice (``None``: the volume is centred on LPS 0). Empty UIDs are
    derived from ``seed`` with ``generate_uid(entropy_srcs=...)`` so reruns give the same ones.
    ``motion`` moves the body (anatomy and lesions, placed as if unmoved) within the unmoved grid: a follow-up
    scanned with the patient lying otherwise (:mod:`recist_app.demo.phantom.motion`).
    """

    rows: int = 512
    columns: int = 512
    slices: int = 64
    pixel_spacing_mm: tuple[float, float] = (0.78125, 0.78125)
    slice_spacing_mm: float = 2.5
    slice_thickness_mm: float = 2.5
    orientation: tuple[float, ...] = AXIAL
    origin_mm: Point | None = None
    lesions: tuple[LesionSpec, ...] = ()
    noise_hu: float = 12.0
    seed: int = 0
    patient_id: str = "PHANTOM-001"
    study_date: str = "20250101"
    study_instance_uid: str = ""
    series_instance_uid: str = ""
    frame_of_reference_uid: str = ""
    series_description: str = "Synthetic chest CT"
    transfer_syntax: str = ExplicitVRLittleEndian
    motion: Motion | None = None

    def __post_init__(self) -> None:
        if min(self.rows, self.columns, self.slices) < 1:
            raise PhantomSpecError(f'Argument "rows", "columns", "slices" must be ≥ 1, got {self.rows}, '
                             f"{self.columns}, {self.slices}.")
        if min(*self.pixel_spacing_mm, self.slice_spacing_mm, self.slice_thickness_mm) <= 0:
            raise PhantomSpecError('Argument "pixel_spacing_mm", "slice_spacing_mm", "slice_thickness_mm" '
                             "must be > 0.")
        r, c = np.asarray(self.orientation[:3], float), np.asarray(self.orientation[3:], float)
        if len(self.orientation) != 6 or not np.allclose([r @ r, c @ c, r @ c], [1, 1, 0], atol=1e-6):
            raise PhantomSpecError(f'Argument "orientation" must be two orthonormal 3-vectors (0020,0037), '
                             f"got {self.orientation}.")
        if self.transfer_syntax not in NATIVE_SYNTAXES + ENCODED_SYNTAXES:
            raise PhantomSpecError(f'Argument "transfer_syntax" must be one of {NATIVE_SYNTAXES + ENCODED_SYNTAXES}, '
                             f"got {self.transfer_syntax!r}.")
        ids = [lesion.lesion_id for lesion in self.lesions]
        if len(set(ids)) != len(ids):
            raise PhantomSpecError(f'Argument "lesions" must have unique lesion_id values, got {ids}.')
        last = (self.slices - 1) * self.slice_spacing_mm + self.slice_spacing_mm / 2
        for lesion in self.lesions:
            if not -self.slice_spacing_mm / 2 <= lesion_frame(self, lesion)[2] < last:
                raise PhantomSpecError(f'Argument "lesions" must have centres inside the slab of slices, got '
                                 f"{lesion.lesion_id!r} at {lesion.centre_mm}. Move it or add slices.")

    @classmethod
    def chest(cls, slices: int = 64, rows: int = 512, columns: int = 512, fov_mm: float = 400.0,
              slice_spacing_mm: float = 2.5, orientation: tuple[float, ...] = AXIAL,
              **kwargs: Any) -> PhantomSpec:
        """Chest phantom centred on LPS 0 with four default lesions (lung ×2, liver, node).

        Lesion centres sit on a slice plane and a pixel corner, so an axis of n pixel spacings
        covers exactly n pixels. ``kwargs`` go to the constructor (``lesions=...`` overrides).
        """
        spacing = (fov_mm / rows, fov_mm / columns)
        probe = cls(rows=rows, columns=columns, slices=slices, pixel_spacing_mm=spacing,
                    slice_spacing_mm=slice_spacing_mm, orientation=orientation, origin_mm=kwargs.get("origin_mm"))
        half_z = (slices - 1) / 2 * slice_spacing_mm

        def at(u: float, v: float, t: float) -> Point:
            a = (round(u / spacing[1] + (columns - 1) / 2) + 0.5) * spacing[1]
            b = (round(v / spacing[0] + (rows - 1) / 2) + 0.5) * spacing[0]
            z = round((t * half_z + half_z) / slice_spacing_mm) * slice_spacing_mm
            return probe.index_mm_to_patient(a, b, z)

        defaults = (
            LesionSpec("L1", "LUNG", at(85.0, -10.0, 0.4), 30.0, 18.0, 20.0, 0.0, 30.0),
            LesionSpec("L2", "LUNG", at(-75.0, 20.0, 0.6), 16.0, 10.0, 12.0, 30.0, 25.0),
            LesionSpec("L3", "LIVER", at(-80.0, 20.0, -0.6), 45.0, 30.0, 30.0, -20.0, 15.0),
            LesionSpec("N1", "LYMPH NODE", at(-5.0, 25.0, 0.2), 22.0, 16.0, 14.0, 90.0, 40.0, True),
        )
        kwargs.setdefault("lesions", defaults)
        kwargs.setdefault("slice_thickness_mm", slice_spacing_mm)
        return cls(rows=rows, columns=columns, slices=slices, pixel_spacing_mm=spacing,
                   slice_spacing_mm=slice_spacing_mm, orientation=orientation, **kwargs)

    @property
    def axes(self) -> np.ndarray:
        """Rows: row direction, column direction (0020,0037) and their cross product (normal)."""
        r, c = np.asarray(self.orientation[:3], float), np.asarray(self.orientation[3:], float)
        return np.stack([r, c, np.cross(r, c)])

    @property
    def origin(self) -> np.ndarray:
        """Image Position (Patient) (0020,0032) of slice 0; centres the volume on 0 when unset."""
        if self.origin_mm is not None:
            return np.asarray(self.origin_mm, float)
        extent = np.array([(self.columns - 1) * self.pixel_spacing_mm[1],
                           (self.rows - 1) * self.pixel_spacing_mm[0],
                           (self.slices - 1) * self.slice_spacing_mm])
        return -(extent / 2) @ self.axes

    def index_mm_to_patient(self, a: float, b: float, z: float) -> Point:
        """Patient LPS of image-plane mm (``a`` along rows, ``b`` along columns, ``z`` normal)."""
        x, y, w = self.origin + np.array([a, b, z]) @ self.axes
        return float(x), float(y), float(w)

    def uids(self) -> tuple[str, str, str]:
        """Study, Series and Frame of Reference UIDs (0020,000D/000E/0052), explicit or derived."""
        base = [str(self.seed), self.patient_id, self.study_date]
        return (self.study_instance_uid or generate_uid(entropy_srcs=[*base, "study"]),
                self.series_instance_uid or generate_uid(entropy_srcs=[*base, self.series_description, "series"]),
                self.frame_of_reference_uid or generate_uid(entropy_srcs=[*base, "frame of reference"]))


@dataclass(frozen=True)
class LesionTruth:
    """Where a lesion really is: the slice through its centre and its axes' LPS endpoints.

    ``slice_index`` counts along the normal (Instance Number (0020,0013) − 1). The endpoints lie
    on that slice; their distance is ``long_axis_mm`` / ``short_axis_mm`` when the centre lies on
    the slice plane (always so for :meth:`PhantomSpec.chest`), else the smaller section there.
    Under a :class:`~recist_app.demo.phantom.motion.Motion` the centre and endpoints are where the motion
    carries them (then off the slice planes) and ``slice_index`` is the slice nearest the centre.
    """

    lesion_id: str
    organ: str
    nodal: bool
    centre_mm: Point
    long_axis_mm: float
    short_axis_mm: float
    slice_index: int
    sop_instance_uid: str
    long_axis_endpoints_mm: tuple[Point, Point]
    short_axis_endpoints_mm: tuple[Point, Point]


@dataclass(frozen=True)
class GroundTruth:
    """What ``write_series`` wrote; lists are in slice order (along the normal)."""

    folder: str
    study_instance_uid: str
    series_instance_uid: str
    frame_of_reference_uid: str
    transfer_syntax_uid: str
    sop_instance_uids: tuple[str, ...]
    file_names: tuple[str, ...]
    lesions: tuple[LesionTruth, ...] = field(default=())

    @classmethod
    def from_json(cls, path: str | Path) -> GroundTruth:
        """Read a ``ground_truth.json`` written by :func:`write_series`."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        lesions = tuple(LesionTruth(**{k: _tuples(v) for k, v in item.items()}) for item in data.pop("lesions"))
        return cls(**{k: _tuples(v) for k, v in data.items()}, lesions=lesions)


def _tuples(value: Any) -> Any:  # a JSON value: lists become tuples
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def lesion_frame(spec: PhantomSpec, lesion: LesionSpec) -> np.ndarray:
    """Lesion centre in image-plane mm ``(a, b, z)``."""
    return spec.axes @ (np.asarray(lesion.centre_mm, float) - spec.origin)
