"""Synthetic CT images of lesions with known RECIST axes, for the one-stroke measurement (issue 17).

Each image is the phantom's chest anatomy (``recist_app.demo.phantom.anatomy``) with a lesion, drawn at four
times the resolution and averaged over 4 × 4 blocks, so that edge pixels hold the partial volume of what they
cover, then given noise. Lesions are ellipses (round, elongated) or lobulated (three ellipses); their true axes
are measured on the fine drawing: the longest chord inside the lesion and the longest chord inside it
perpendicular to that one, by brute force over the fine boundary (a method independent of the tool's).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from recist_app.demo.phantom.anatomy import chest_slice, fill_ellipse
from recist_app.imaging.volume import CtVolume

FINE = 4
#: One lesion: where (u, v mm from the image centre, +u patient left, +v posterior), its ellipses as
#: (du, dv, semi-axis along, semi-axis across, angle°) relative to (u, v), its HU, and the slab level t.
Ellipse = tuple[float, float, float, float, float]


@dataclass(frozen=True)
class LesionCase:
    name: str
    u_mm: float
    v_mm: float
    parts: tuple[Ellipse, ...]
    hu: float = 35.0
    t: float = 0.3


CASES = (
    LesionCase("round lung", 85.0, -10.0, ((0, 0, 10, 10, 0),)),
    LesionCase("elongated lung", -75.0, 20.0, ((0, 0, 16, 7, 35),)),
    LesionCase("lobulated lung", 80.0, 30.0, ((0, 0, 9, 8, 0), (8, 5, 7, 6, 20), (-6, 8, 6, 5, -10))),
    LesionCase("against the chest wall", 126.0, 0.0, ((0, 0, 12, 8, 90),)),  # touching it: the lung ends at 134 mm
    LesionCase("liver", -80.0, 20.0, ((0, 0, 18, 12, -20),), hu=15.0, t=-0.6),
    LesionCase("node", -5.0, 25.0, ((0, 0, 9, 6, 90),), hu=40.0, t=0.2),
)


@dataclass(frozen=True)
class LesionImage:
    """The image (HU, rows × columns), its pixel spacing, the lesion's centre (column, row) and true axes (mm)."""

    hu: np.ndarray
    spacing_mm: tuple[float, float]
    centre: tuple[float, float]
    long_axis_mm: float
    short_axis_mm: float
    long_direction: tuple[float, float]  # unit (column, row) of the true long axis


def lesion_image(case: LesionCase, size: int = 256, fov_mm: float = 400.0, noise_hu: float = 12.0,
                 seed: int = 0) -> LesionImage:
    """The image of ``case`` (partial volume at the edges, Gaussian noise); without parts, of no lesion."""
    fine_spacing = fov_mm / (size * FINE)
    fine_shape = (size * FINE, size * FINE)
    image = chest_slice(fine_shape, (fine_spacing, fine_spacing), case.t)
    lesion = np.zeros(fine_shape, np.float32)
    centre_mm = ((fine_shape[1] - 1) / 2 * fine_spacing + case.u_mm, (fine_shape[0] - 1) / 2 * fine_spacing + case.v_mm)
    for du, dv, along, across, angle in case.parts:
        fill_ellipse(lesion, (fine_spacing, fine_spacing), (centre_mm[0] + du, centre_mm[1] + dv), (along, across),
                     angle, 1.0)
    image[lesion > 0] = case.hu
    coarse = image.reshape(size, FINE, size, FINE).mean(axis=(1, 3))
    noisy = coarse + np.random.default_rng(seed).standard_normal(coarse.shape) * noise_hu
    spacing = fov_mm / size
    long_mm, short_mm, direction = _true_axes(lesion > 0, fine_spacing) if case.parts else (0.0, 0.0, (1.0, 0.0))
    centre = ((centre_mm[0] / fine_spacing + 0.5) / FINE - 0.5, (centre_mm[1] / fine_spacing + 0.5) / FINE - 0.5)
    return LesionImage(noisy.astype(np.float32), (spacing, spacing), centre, long_mm, short_mm, direction)


def _true_axes(mask: np.ndarray, spacing: float) -> tuple[float, float, tuple[float, float]]:
    """Longest inside chord and longest inside perpendicular chord (mm) of a fine mask, pixel edge to edge."""
    rows, columns = np.nonzero(mask)
    inside = set(zip(rows.tolist(), columns.tolist(), strict=True))
    padded = np.pad(mask, 1)
    edge = mask & ~(padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:])
    er, ec = np.nonzero(edge)
    points = np.column_stack([ec, er]).astype(float)
    if len(points) > 1500:
        points = points[np.linspace(0, len(points) - 1, 1500).astype(int)]
    first, second = np.triu_indices(len(points), 1)
    lengths = np.linalg.norm(points[first] - points[second], axis=1)
    best = None
    for pair in np.argsort(-lengths)[:20000]:
        a, b = points[first[pair]], points[second[pair]]
        samples = a + np.linspace(0, 1, int(lengths[pair]) + 2)[:, None] * (b - a)
        if all((round(r), round(c)) in inside for c, r in samples):
            best = (a, b)
            break
    assert best is not None
    a, b = best
    direction = (b - a) / np.linalg.norm(b - a)
    across = np.array([-direction[1], direction[0]])
    short = 0.0
    for t in np.linspace(0, 1, int(np.linalg.norm(b - a)) + 1):
        centre = a + t * (b - a)
        run = 0
        for sign in (1, -1):
            step = 0
            while (round(centre[1] + sign * (step + 1) * 0.5 * across[1]),
                   round(centre[0] + sign * (step + 1) * 0.5 * across[0])) in inside:
                step += 1
            run += step
        short = max(short, run * 0.5 + 1.0)
    long_mm = (float(np.linalg.norm(b - a)) + 1.0) * spacing  # centre to centre, plus a pixel: edge to edge
    return long_mm, short * spacing, (float(direction[0]), float(direction[1]))


def strokes(image: LesionImage, count: int = 8, seed: int = 1) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Rough strokes across the lesion, as readers draw them: through a point near its centre (up to a fifth of
    its short axis off), at any angle, each end from just inside its edge to a third beyond it."""
    rng = np.random.default_rng(seed)
    spacing = image.spacing_mm[0]
    drawn = []
    for _ in range(count):
        angle = rng.uniform(0, math.pi)
        direction = np.array([math.cos(angle), math.sin(angle)])
        off = rng.uniform(-0.2, 0.2, 2) * image.short_axis_mm / spacing
        centre = np.asarray(image.centre) + off
        reach = image.short_axis_mm / 2 / spacing
        ends = [centre + sign * direction * reach * rng.uniform(0.6, 1.4) for sign in (1, -1)]
        drawn.append(((float(ends[0][0]), float(ends[0][1])), (float(ends[1][0]), float(ends[1][1]))))
    return drawn


def volume_of(image: np.ndarray, spacing_mm: tuple[float, float]) -> CtVolume:
    """A one-slice axial volume of ``image`` (HU), LPS = (column, row, 0) × spacing."""
    return CtVolume(hu=np.round(image).astype(np.int16)[None], slice_positions=np.zeros((1, 3)),
                    iop=(1.0, 0.0, 0.0, 0.0, 1.0, 0.0), pixel_spacing=spacing_mm, affine=None,
                    frame_of_reference_uid="1.2.3.4", series_uid="1.2.3", study_uid="1.2", sop_uids=("1.2.3.5",),
                    frame_numbers=(1,))
