"""Orientation letters from (0020,0037) (recist_app.imaging.orientation; VIEWER.md "On the image")."""

from __future__ import annotations

import math

import pytest

from recist_app.imaging.orientation import EdgeLetters, direction_letters, edge_letters

AXIAL = (1, 0, 0, 0, 1, 0)
CORONAL = (1, 0, 0, 0, 0, -1)
SAGITTAL = (0, 1, 0, 0, 0, -1)


@pytest.mark.parametrize(("direction", "letters"), [
    ((1, 0, 0), "L"), ((-1, 0, 0), "R"), ((0, 1, 0), "P"), ((0, -1, 0), "A"),
    ((0, 0, 1), "H"), ((0, 0, -1), "F"),
    ((0.8, 0.0, 0.6), "LH"), ((0.6, 0.0, -0.8), "FL"), ((-0.2, 0.9, -0.3), "PFR"),
    ((2.0, 0.0, 0.0), "L"),  # not normalised
    ((1.0, 5e-5, 0.0), "L"),  # header noise below the threshold
    ((0.0, 0.0, 0.0), ""),
])
def test_direction_letters(direction: tuple[float, float, float], letters: str) -> None:
    assert direction_letters(direction) == letters


def test_threshold_hides_small_obliquity() -> None:
    tilt = math.radians(3)
    direction = (math.cos(tilt), 0.0, math.sin(tilt))
    assert direction_letters(direction) == "LH"
    assert direction_letters(direction, threshold=0.1) == "L"


@pytest.mark.parametrize(("iop", "edges"), [
    (AXIAL, EdgeLetters(left="R", right="L", top="A", bottom="P")),
    (CORONAL, EdgeLetters(left="R", right="L", top="H", bottom="F")),
    (SAGITTAL, EdgeLetters(left="A", right="P", top="H", bottom="F")),
    ((-1, 0, 0, 0, -1, 0), EdgeLetters(left="L", right="R", top="P", bottom="A")),  # prone / rotated
])
def test_edge_letters(iop: tuple[float, ...], edges: EdgeLetters) -> None:
    assert edge_letters(iop) == edges


@pytest.mark.parametrize(("call", "message"), [
    (lambda: direction_letters((1, 0)), 'Argument "direction" must have 3 components, got 2'),
    (lambda: edge_letters((1, 0, 0, 0, 1)), 'Argument "iop" must hold 6 direction cosines, got 5'),
])
def test_bad_input_is_rejected(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
