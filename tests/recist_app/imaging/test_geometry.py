"""Geometry conventions: hand-computed cases, round trips (oblique, anisotropic, tilted), helpers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recist_app.imaging import geometry

AXIAL = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
C30, S30 = math.cos(math.radians(30)), math.sin(math.radians(30))
OBLIQUE = (C30, S30, 0.0, 0.0, 0.0, -1.0)  # rotated coronal-like plane
TILT = math.radians(18.5)
TILTED = (1.0, 0.0, 0.0, 0.0, math.cos(TILT), -math.sin(TILT))  # GE-style gantry tilt


def _stack(first: tuple[float, float, float], step: tuple[float, float, float], count: int) -> np.ndarray:
    return np.array(first) + np.arange(count)[:, None] * np.array(step)


def test_axial_anisotropic_hand_computed() -> None:
    # Pixel Spacing = [row spacing 0.5, column spacing 0.8]: col goes with 0.8, row with 0.5.
    positions = _stack((-100.0, -50.0, 20.0), (0.0, 0.0, 2.5), 4)
    point = geometry.index_to_patient(10, 4, 2, AXIAL, positions, (0.5, 0.8))
    np.testing.assert_allclose(point, (-92.0, -48.0, 25.0))


def test_oblique_hand_computed() -> None:
    positions = _stack((0.0, 0.0, 0.0), (0.0, 1.0, 0.0), 2)
    point = geometry.index_to_patient(3, 4, 0, OBLIQUE, positions, (2.0, 1.0))
    np.testing.assert_allclose(point, (3 * C30, 3 * S30, -8.0), atol=1e-12)


def test_tilted_uses_each_slice_position() -> None:
    positions = _stack((0.0, 0.0, 0.0), (0.0, 0.0, 5.0), 3)
    point = geometry.index_to_patient(0, 10, 1, TILTED, positions, (0.5, 0.5))
    np.testing.assert_allclose(point, (0.0, 5 * math.cos(TILT), 5.0 - 5 * math.sin(TILT)))
    assert geometry.tilt_degrees(TILTED, positions) == pytest.approx(18.5)
    assert geometry.tilt_degrees(AXIAL, positions) == pytest.approx(0.0)


def test_distances_between_voxel_centres_hand_computed() -> None:
    positions = _stack((0.0, 0.0, 0.0), (0.0, 0.0, 2.5), 3)
    p1 = geometry.index_to_patient(0, 0, 0, AXIAL, positions, (0.5, 0.8))
    p2 = geometry.index_to_patient(3, 4, 0, AXIAL, positions, (0.5, 0.8))
    assert geometry.distance_mm(p1, p2) == pytest.approx(math.hypot(3 * 0.8, 4 * 0.5))
    p3 = geometry.index_to_patient(0, 0, 2, AXIAL, positions, (0.5, 0.8))
    assert geometry.distance_mm(p1, p3) == pytest.approx(5.0)
    # Tilted stack: across slices the true distance is the position step (5 mm), not 5·cos(tilt).
    tilted = _stack((0.0, 0.0, 0.0), (0.0, 0.0, 5.0), 3)
    a = geometry.index_to_patient(7, 9, 0, TILTED, tilted, (0.5, 0.5))
    b = geometry.index_to_patient(7, 9, 2, TILTED, tilted, (0.5, 0.5))
    assert geometry.distance_mm(a, b) == pytest.approx(10.0)


def test_affine_matches_per_slice_when_uniform() -> None:
    for iop, step in ((AXIAL, (0, 0, 2.5)), (OBLIQUE, (0, 0.0, 0.0)), (TILTED, (0, 0, 5.0))):
        normal = geometry.slice_normal(iop)
        step_vec = np.array(step, dtype=float) if any(step) else normal * 3.0
        positions = _stack((1.0, -2.0, 3.0), tuple(step_vec), 5)
        affine = geometry.affine_from(iop, positions[0], (0.7, 0.9), step_vec)
        for index in ((0, 0, 0), (12.5, 3.25, 4), (-1, 7, 2)):
            np.testing.assert_allclose(geometry.apply_affine(affine, *index),
                                       geometry.index_to_patient(*index, iop, positions, (0.7, 0.9)))


@settings(max_examples=60, deadline=None)
@given(iop_name=st.sampled_from(["axial", "oblique", "tilted"]),
       col=st.floats(-50, 600), row=st.floats(-50, 600), k=st.floats(0, 6),
       row_spacing=st.floats(0.2, 3.0), col_spacing=st.floats(0.2, 3.0),
       gaps=st.lists(st.floats(0.5, 8.0), min_size=6, max_size=6))
def test_round_trip_index_patient(iop_name: str, col: float, row: float, k: float, row_spacing: float,
                                  col_spacing: float, gaps: list[float]) -> None:
    iop = {"axial": AXIAL, "oblique": OBLIQUE, "tilted": TILTED}[iop_name]
    # Uneven positions; tilted stacks move along z, the others along the normal.
    direction = np.array((0.0, 0.0, 1.0)) if iop_name == "tilted" else geometry.slice_normal(iop)
    positions = np.array((10.0, -20.0, 30.0)) + np.concatenate(([0.0], np.cumsum(gaps)))[:, None] * direction
    point = geometry.index_to_patient(col, row, k, iop, positions, (row_spacing, col_spacing))
    back = geometry.patient_to_index(point, iop, positions, (row_spacing, col_spacing))
    np.testing.assert_allclose(back, (col, row, k), atol=1e-6)


def test_sort_positions_uses_the_normal() -> None:
    positions = np.array([[0, 0, 5.0], [0, 0, -5.0], [0, 0, 0.0]])
    assert geometry.sort_positions(positions, AXIAL).tolist() == [1, 2, 0]
    flipped = (-1.0, 0.0, 0.0, 0.0, 1.0, 0.0)  # normal −z: descending z
    assert geometry.sort_positions(positions, flipped).tolist() == [0, 2, 1]


def test_spacing_checks() -> None:
    assert geometry.is_uniform([2.5, 2.5, 2.51])
    assert not geometry.is_uniform([4.0, 1.1, 7.0])
    assert geometry.missing_slice_gaps([2.5, 2.5, 5.0, 2.5]).tolist() == [2]
    # 4 mm then 7 mm reconstructions: the 7 mm gaps match the 7 mm thickness, nothing is missing.
    gaps = [4.0] * 4 + [7.0] * 3
    assert geometry.missing_slice_gaps(gaps).tolist() == [4, 5, 6]
    assert geometry.missing_slice_gaps(gaps, expected=[4.0] * 4 + [7.0] * 3).tolist() == []
    positions = _stack((0, 0, 0), (0, 0, 5.0), 3)
    np.testing.assert_allclose(geometry.slice_gaps(positions, TILTED), [5 * math.cos(TILT)] * 2)


def test_half_pixel_helpers() -> None:
    # pyqtgraph: pixel (c, r) spans [c, c+1); its centre is item (c + 0.5, r + 0.5) = index (c, r).
    assert geometry.item_to_index(3.5, 7.5) == (3.0, 7.0)
    assert geometry.index_to_item(3.0, 7.0) == (3.5, 7.5)
    assert geometry.item_to_index(*geometry.index_to_item(1.25, 2.75)) == (1.25, 2.75)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match='"iop" must hold 6'):
        geometry.slice_normal((1, 0, 0))
    with pytest.raises(ValueError, match="non-parallel"):
        geometry.slice_normal((1, 0, 0, 1, 0, 0))
    with pytest.raises(ValueError, match="off the only slice"):
        geometry.patient_to_index((0, 0, 3), AXIAL, [(0, 0, 0)], (1, 1))
