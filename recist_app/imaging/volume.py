"""``CtVolume``: one loaded CT series in Hounsfield units with its true geometry.

The per-slice positions are the truth; the affine is exact only where the slice step is uniform
(see :mod:`recist_app.imaging.geometry` for every pixel ↔ patient convention).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike, NDArray

from assessment.domain import Finding
from recist_app.imaging import geometry
from recist_app.imaging.errors import UncalibratedImageError

#: Finding codes (the :class:`~assessment.domain.Finding`'s message says what was seen).
GANTRY_TILT = "GANTRY_TILT"
UNEVEN_SPACING = "UNEVEN_SPACING"
MISSING_SLICES = "MISSING_SLICES"
VARYING_THICKNESS = "VARYING_THICKNESS"
UNCALIBRATED = "UNCALIBRATED"
HU_CLIPPED = "HU_CLIPPED"
INVALID_SLICE_THICKNESS = "INVALID_SLICE_THICKNESS"


@dataclass(frozen=True, eq=False)
class CtVolume:
    """A CT series as one int16 HU array plus the geometry needed to measure in mm.

    Attributes
    ----------
    hu : ndarray of int16, shape (z, y, x)
        Hounsfield units (Rescale Slope/Intercept (0028,1053)/(0028,1052) applied), slices
        ascending along the slice normal; read-only.
    slice_positions : ndarray, shape (z, 3)
        (0020,0032) *Image Position (Patient)* of each slice, LPS mm, in volume order.
    iop : tuple of 6 float
        (0020,0037) *Image Orientation (Patient)*, row then column direction cosines.
    pixel_spacing : tuple (row spacing, column spacing) or None
        (0028,0030) *Pixel Spacing* in mm; None when absent (uncalibrated: no mm at all).
    affine : ndarray (4, 4) or None
        Index ``(col, row, k, 1)`` → LPS mm; exact where the slice step is uniform; None when
        uncalibrated.
    frame_of_reference_uid, series_uid, study_uid : str or None
        (0020,0052), (0020,000E), (0020,000D).
    sop_uids : tuple of str
        (0008,0018) *SOP Instance UID* of each slice (repeated for the frames of a multi-frame
        object).
    frame_numbers : tuple of int
        1-based frame number of each slice within its SOP instance (1 for single-frame files).
    instance_numbers : tuple of int or None
        (0020,0013) *Instance Number* of each slice's SOP instance (None when absent).
    window_presets : tuple of (center, width)
        Each distinct (0028,1050) *Window Center* / (0028,1051) *Window Width* pair, header order.
    slice_thicknesses_mm : tuple of float or None
        (0018,0050) *Slice Thickness* of each slice.
    findings : tuple of Finding
        What the load noticed, as data (C8): code (GANTRY_TILT, UNEVEN_SPACING, MISSING_SLICES, …)
        and message.
    """

    hu: NDArray[np.int16]
    slice_positions: NDArray[np.float64]
    iop: tuple[float, ...]
    pixel_spacing: tuple[float, float] | None
    affine: NDArray[np.float64] | None
    frame_of_reference_uid: str | None
    series_uid: str
    study_uid: str | None
    sop_uids: tuple[str, ...]
    frame_numbers: tuple[int, ...]
    instance_numbers: tuple[int | None, ...] = ()
    window_presets: tuple[tuple[float, float], ...] = ()
    slice_thicknesses_mm: tuple[float | None, ...] = ()
    findings: tuple[Finding, ...] = ()

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(slices, rows, columns)``."""
        z, y, x = self.hu.shape
        return z, y, x

    @property
    def calibrated(self) -> bool:
        """True when (0028,0030) *Pixel Spacing* was present, so millimetres exist."""
        return self.pixel_spacing is not None

    @property
    def finding_codes(self) -> tuple[str, ...]:
        """The codes of :attr:`findings`, in order."""
        return tuple(finding.code for finding in self.findings)

    @property
    def slice_thickness_mm(self) -> float | None:
        """(0018,0050) *Slice Thickness* of the first slice (see :attr:`slice_thicknesses_mm`)."""
        return self.slice_thicknesses_mm[0] if self.slice_thicknesses_mm else None

    @property
    def image_numbers(self) -> tuple[int, ...]:
        """The number a PACS labels each slice with, in volume order (VIEWER.md "Numbering").

        (0020,0013) *Instance Number* for single-frame images, the frame number for the frames of
        one multi-frame instance; when neither tells every slice apart, the 1-based place in
        viewing order (see :attr:`next_image_step`).
        """
        return self._pacs_numbering[0]

    @property
    def next_image_step(self) -> int:
        """Slice-index step of the PACS's "next image" (+1 or −1): towards increasing image number.

        Without usable numbers, next goes from head to feet, as scanners number axial images.
        """
        return self._pacs_numbering[1]

    @cached_property
    def _pacs_numbering(self) -> tuple[tuple[int, ...], int]:
        count = self.shape[0]
        one_instance = len(set(self.sop_uids)) == 1 and count > 1
        numbers = self.frame_numbers if one_instance else self.instance_numbers
        if len(numbers) == count and None not in numbers and len(set(numbers)) == count:
            known = tuple(int(n) for n in numbers if n is not None)
            return known, 1 if count < 2 or known[-1] > known[0] else -1
        step = -1 if geometry.slice_normal(self.iop)[2] > 0 else 1
        return tuple(range(1, count + 1)) if step == 1 else tuple(range(count, 0, -1)), step

    def _spacing(self) -> tuple[float, float]:
        if self.pixel_spacing is None:
            raise UncalibratedImageError(
                "This series has no Pixel Spacing (0028,0030), so it has no millimetres. Measure on a "
                "calibrated series instead.")
        return self.pixel_spacing

    @property
    def spacing_mm(self) -> tuple[float, float, float]:
        """``(slice gap, row spacing, column spacing)`` in mm, in the (z, y, x) order of :attr:`hu`.

        The slice gap is the median distance along the normal. Raises
        :class:`UncalibratedImageError` without (0028,0030).
        """
        row_spacing, col_spacing = self._spacing()
        gaps = geometry.slice_gaps(self.slice_positions, self.iop)
        gap = float(np.median(gaps)) if gaps.size else 0.0
        return gap, row_spacing, col_spacing

    def index_to_patient(self, col: float, row: float, k: float) -> NDArray[np.float64]:
        """LPS mm of index ``(col, row, k)`` via slice ``k``'s own position (exact for tilt)."""
        return geometry.index_to_patient(col, row, k, self.iop, self.slice_positions, self._spacing())

    def patient_to_index(self, point: ArrayLike) -> tuple[float, float, float]:
        """Index ``(col, row, k)`` of an LPS point; inverse of :meth:`index_to_patient`."""
        return geometry.patient_to_index(point, self.iop, self.slice_positions, self._spacing())
