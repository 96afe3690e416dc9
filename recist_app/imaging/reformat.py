"""Coronal and sagittal reformats (MPR) of a loaded axial CT series: pure numpy views, no resampling.

Qt-free. The volume index ``(col, row, k)`` and every pixel ↔ patient convention are those of
:mod:`recist_app.imaging.geometry`; the edge letters are those of :mod:`recist_app.imaging.orientation`.

**Which planes.** A reformat holds one in-plane index fixed and shows every slice ``k`` against
the other in-plane index, so an image is a strided numpy *view* of :attr:`CtVolume.hu` (no copy,
no interpolation): display rows are slices, display columns are columns (or rows) of the axial
images. For an **axial** acquisition (the slice normal, (0020,0037) row × column direction, is
nearest the patient's head–feet axis) the coronal plane fixes the in-plane index whose direction
is nearest anterior–posterior and the sagittal plane the other one.

**Orientation** (what radiologists expect, as OHIF, Weasis and Slicer show it): the patient's
head at the top (rows are flipped when the normal points to the head, i.e. when ``k`` ascends
towards the head, the usual case), the patient's right on the viewer's left in the coronal plane
and anterior on the left in the sagittal plane (columns are flipped when the in-plane direction
of (0020,0037) points the other way, e.g. feet-first or prone series).

**Non-axial acquisitions** (coronal or sagittal slices): the reformats work in *index space*:
"coronal" fixes the row index and "sagittal" the column index, with slices downwards in volume
order and no flips; the :attr:`ReformatPlane.label` says so ("AXIAL · index plane" …) and the
edge letters, computed from the true directions, still name what is on screen.

**Spacing.** A display row is one slice gap (the median distance along the normal between
(0020,0032) *Image Position (Patient)* of consecutive slices); a display column is the matching
(0028,0030) *Pixel Spacing* value. Without Pixel Spacing the spacing is None: the reformat shows
pixels, never millimetres (ARCHITECTURE C6). Uneven spacing or gantry tilt are not resampled
away: the picture uses the median gap, while index mapping (and hence every measurement made
through :meth:`CtVolume.index_to_patient`) stays exact.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from recist_app.imaging import geometry, orientation
from recist_app.imaging.orientation import EdgeLetters
from recist_app.imaging.volume import CtVolume

#: Index axes of a volume index ``(col, row, k)``.
COL_AXIS, ROW_AXIS = 0, 1
#: LPS axes.
_X, _Y, _Z = 0, 1, 2
#: The patient axis each plane is perpendicular to, and the patient direction shown rightwards.
_PLANE_AXIS = {"CORONAL": _Y, "SAGITTAL": _X}
_RIGHTWARDS = {"CORONAL": np.array([1.0, 0.0, 0.0]),   # towards the patient's Left: R on the viewer's left
               "SAGITTAL": np.array([0.0, 1.0, 0.0])}  # towards Posterior: A on the viewer's left
_AXIS_NAMES = {_X: "SAGITTAL", _Y: "CORONAL", _Z: "AXIAL"}
_INDEX_NAMES = {COL_AXIS: "Col", ROW_AXIS: "Row"}

_Scalar = TypeVar("_Scalar", bound=np.generic)


class Plane(enum.Enum):
    """A reformat plane of an axial series."""

    CORONAL = "CORONAL"
    SAGITTAL = "SAGITTAL"


def acquisition_plane(iop: tuple[float, ...]) -> str:
    """``"AXIAL"``, ``"CORONAL"`` or ``"SAGITTAL"``: the patient axis nearest the slice normal.

    The normal is the cross product of the row and column direction cosines of (0020,0037)
    *Image Orientation (Patient)*; ties go to the first of x, y, z.
    """
    normal = geometry.slice_normal(iop)
    return _AXIS_NAMES[int(np.argmax(np.abs(normal)))]


@dataclass(frozen=True)
class ReformatPlane:
    """How one reformat plane of a volume is cut out of :attr:`CtVolume.hu` and shown.

    Build it with :meth:`for_volume`. Display pixel ``(u, v)`` (column, row; integer at the pixel
    centre, as DICOM indices) maps to the volume index by :meth:`to_volume` and back by
    :meth:`from_volume`.

    Attributes
    ----------
    plane : Plane
    label : str
        ``"CORONAL"`` / ``"SAGITTAL"`` for an axial acquisition, else e.g. ``"AXIAL · index plane"``.
    axial : bool
        True when the series was acquired axially (full orientation support).
    fixed_axis : int
        The volume index held fixed: :data:`COL_AXIS` (0) or :data:`ROW_AXIS` (1); the other
        in-plane index runs along the display columns.
    fixed_count : int
        Number of positions of the fixed index (valid values ``0 … fixed_count - 1``).
    shape : tuple of int
        ``(display rows, display columns)`` = ``(slices, length of the other in-plane index)``.
    flip_rows, flip_cols : bool
        Display row 0 is the last slice; display column 0 is the last column (or row).
    spacing_mm : tuple (row spacing, column spacing) or None
        mm between display rows (the slice gap) and columns ((0028,0030)); None when uncalibrated.
    edges : EdgeLetters
        Orientation letters of the display edges (see :mod:`recist_app.imaging.orientation`).
    """

    plane: Plane
    label: str
    axial: bool
    fixed_axis: int
    fixed_count: int
    shape: tuple[int, int]
    flip_rows: bool
    flip_cols: bool
    spacing_mm: tuple[float, float] | None
    edges: EdgeLetters

    @classmethod
    def for_volume(cls, volume: CtVolume, plane: Plane | str) -> ReformatPlane:
        """The ``plane`` reformat of ``volume``, from its (0020,0037), (0020,0032) and (0028,0030).

        Examples
        --------
        >>> import numpy as np
        >>> hu = np.zeros((3, 4, 5), np.int16)
        >>> volume = CtVolume(hu=hu, slice_positions=np.array([[0, 0, z] for z in (0.0, 2.5, 5.0)]),
        ...                   iop=(1, 0, 0, 0, 1, 0), pixel_spacing=(0.5, 0.8), affine=None,
        ...                   frame_of_reference_uid=None, series_uid="1.2", study_uid=None,
        ...                   sop_uids=("1", "2", "3"), frame_numbers=(1, 1, 1))
        >>> coronal = ReformatPlane.for_volume(volume, "CORONAL")
        >>> coronal.shape, coronal.spacing_mm, coronal.flip_rows
        ((3, 5), (2.5, 0.8), True)
        >>> coronal.edges
        EdgeLetters(left='R', right='L', top='H', bottom='F')
        """
        plane = _check_plane(plane)
        row_dir, col_dir = (np.asarray(volume.iop[:3], np.float64), np.asarray(volume.iop[3:6], np.float64))
        normal = geometry.slice_normal(volume.iop)
        directions = (row_dir, col_dir)  # of increasing col, of increasing row
        axial = acquisition_plane(volume.iop) == "AXIAL"
        if axial:
            coronal_fixed = COL_AXIS if abs(row_dir[_Y]) > abs(col_dir[_Y]) else ROW_AXIS
            fixed = coronal_fixed if plane is Plane.CORONAL else 1 - coronal_fixed
            across = directions[1 - fixed]
            flip_rows = bool(normal[_Z] > 0)  # k ascends towards the head: put the last slice on top
            flip_cols = bool(across @ _RIGHTWARDS[plane.value] < 0)
            label = plane.value
        else:
            fixed = ROW_AXIS if plane is Plane.CORONAL else COL_AXIS
            flip_rows = flip_cols = False
            shown = _AXIS_NAMES[int(np.argmax(np.abs(directions[fixed])))]
            label = f"{shown} · index plane"
        slices, rows, cols = volume.shape
        across_count = cols if fixed == ROW_AXIS else rows
        rightwards = directions[1 - fixed] * (-1.0 if flip_cols else 1.0)
        downwards = normal * (-1.0 if flip_rows else 1.0)
        edges = orientation.edge_letters(tuple(float(v) for v in (*rightwards, *downwards)))
        return cls(plane=plane, label=label, axial=axial, fixed_axis=fixed,
                   fixed_count=cols if fixed == COL_AXIS else rows, shape=(slices, across_count),
                   flip_rows=flip_rows, flip_cols=flip_cols, spacing_mm=_spacing(volume, fixed), edges=edges)

    @property
    def fixed_name(self) -> str:
        """``"Row"`` or ``"Col"``: the volume index held fixed (for the overlay)."""
        return _INDEX_NAMES[self.fixed_axis]

    def fixed_of(self, col: float, row: float, k: float) -> float:
        """The fixed index of the plane through volume index ``(col, row, k)``."""
        return col if self.fixed_axis == COL_AXIS else row

    def image(self, array: NDArray[_Scalar], fixed: int) -> NDArray[_Scalar]:
        """The display image (rows = slices) of ``array`` (shaped like :attr:`CtVolume.hu`) at ``fixed``.

        A strided numpy view of ``array`` (basic slicing only: no copy); pass ``hu.view(np.uint16)``
        to index a lookup table with it. Raises ``ValueError`` when ``fixed`` is out of range.
        """
        fixed = _check_index("fixed", fixed, self.fixed_count)
        rows = slice(None, None, -1) if self.flip_rows else slice(None)
        cols = slice(None, None, -1) if self.flip_cols else slice(None)
        if self.fixed_axis == ROW_AXIS:
            return array[rows, fixed, cols]
        return array[rows, cols, fixed]

    def to_volume(self, u: float, v: float, fixed: float) -> tuple[float, float, float]:
        """Volume index ``(col, row, k)`` of display pixel ``(u, v)`` on the plane at ``fixed``.

        Fractional values map linearly (pixel centres to pixel centres).
        """
        slices, across_count = self.shape
        k = (slices - 1 - v) if self.flip_rows else v
        across = (across_count - 1 - u) if self.flip_cols else u
        if self.fixed_axis == ROW_AXIS:
            return across, fixed, k
        return fixed, across, k

    def from_volume(self, col: float, row: float, k: float) -> tuple[float, float, float]:
        """``(u, v, fixed)``: the display pixel of volume index ``(col, row, k)`` and the plane through it."""
        slices, across_count = self.shape
        fixed, across = (row, col) if self.fixed_axis == ROW_AXIS else (col, row)
        u = (across_count - 1 - across) if self.flip_cols else across
        v = (slices - 1 - k) if self.flip_rows else k
        return u, v, fixed


@dataclass(frozen=True, eq=False)
class Reformat:
    """One reformatted image: a numpy view of the volume plus its plane geometry.

    Attributes
    ----------
    image : ndarray of int16, shape ``geometry.shape``
        HU, rows = slices (head at the top for axial series); a view of :attr:`CtVolume.hu`.
    geometry : ReformatPlane
    fixed : int
        The fixed index (row for a standard coronal, column for a standard sagittal).
    """

    image: NDArray[np.int16]
    geometry: ReformatPlane
    fixed: int

    @property
    def spacing_mm(self) -> tuple[float, float] | None:
        """``(row spacing, column spacing)`` of :attr:`image` in mm (None: uncalibrated)."""
        return self.geometry.spacing_mm

    @property
    def edges(self) -> EdgeLetters:
        """Orientation letters of the image edges."""
        return self.geometry.edges


def reformat(volume: CtVolume, plane: Plane | str, voxel: tuple[int, int, int]) -> Reformat:
    """The ``plane`` reformat of ``volume`` through the volume index ``voxel = (col, row, k)``."""
    col, row, k = _check_voxel(volume, voxel)
    geometry_ = ReformatPlane.for_volume(volume, plane)
    fixed = int(geometry_.fixed_of(col, row, k))
    return Reformat(geometry_.image(volume.hu, fixed), geometry_, fixed)


def coronal(volume: CtVolume, voxel: tuple[int, int, int]) -> Reformat:
    """The coronal reformat through ``voxel = (col, row, k)``: head up, patient's right on the left."""
    return reformat(volume, Plane.CORONAL, voxel)


def sagittal(volume: CtVolume, voxel: tuple[int, int, int]) -> Reformat:
    """The sagittal reformat through ``voxel = (col, row, k)``: head up, anterior on the left."""
    return reformat(volume, Plane.SAGITTAL, voxel)


def plane_position_mm(volume: CtVolume, plane: ReformatPlane, fixed: int) -> float | None:
    """Where the plane lies: the LPS position of index ``fixed`` along its (0020,0037) direction (mm).

    The distance from the patient origin along the fixed index's direction cosine (e.g. the
    posterior coordinate of a standard coronal plane), measured at the first slice's
    (0020,0032); None when uncalibrated.
    """
    if not volume.calibrated:
        return None
    voxel = (fixed, 0, 0) if plane.fixed_axis == COL_AXIS else (0, fixed, 0)
    direction = np.asarray(volume.iop[:3] if plane.fixed_axis == COL_AXIS else volume.iop[3:6], np.float64)
    return float(volume.index_to_patient(*voxel) @ (direction / np.linalg.norm(direction)))


def _spacing(volume: CtVolume, fixed: int) -> tuple[float, float] | None:
    """``(slice gap, in-plane spacing across)`` in mm; None without (0028,0030) *Pixel Spacing*.

    A single slice has no gap: its (0018,0050) *Slice Thickness*, else the in-plane spacing.
    """
    if volume.pixel_spacing is None:
        return None
    row_spacing, col_spacing = volume.pixel_spacing
    across = float(col_spacing if fixed == ROW_AXIS else row_spacing)
    gaps = geometry.slice_gaps(volume.slice_positions, volume.iop)
    gap = float(np.median(gaps)) if gaps.size else (volume.slice_thickness_mm or across)
    return gap, across


def _check_plane(plane: Plane | str) -> Plane:
    try:
        return Plane(plane.value if isinstance(plane, Plane) else str(plane).upper())
    except ValueError:
        raise ValueError(f'Argument "plane" must be one of {[p.value for p in Plane]}, got {plane!r}.') from None


def _check_index(name: str, value: int, count: int) -> int:
    index = int(value)
    if not 0 <= index < count:
        raise ValueError(f'Argument "{name}" must be in 0 … {count - 1}, got {value}.')
    return index


def _check_voxel(volume: CtVolume, voxel: tuple[int, int, int]) -> tuple[int, int, int]:
    if len(voxel) != 3:
        raise ValueError(f'Argument "voxel" must be a volume index (col, row, k), got {voxel!r}.')
    slices, rows, cols = volume.shape
    col, row, k = (int(v) for v in voxel)
    if not (0 <= col < cols and 0 <= row < rows and 0 <= k < slices):
        raise ValueError(f'Argument "voxel" must lie inside the volume (cols {cols}, rows {rows}, slices {slices}), '
                         f"got {tuple(voxel)!r}.")
    return col, row, k
