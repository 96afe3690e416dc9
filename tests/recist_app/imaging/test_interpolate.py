"""``recist_app.imaging.interpolate``: the sampler the tracking's refinement and the moved phantom read through."""

from __future__ import annotations

import numpy as np

from recist_app.imaging.interpolate import trilinear


def test_trilinear_is_exact_on_a_linear_field_and_air_outside() -> None:
    """``trilinear`` (the refinement's and the moved phantom's sampler): exact at voxel centres and on a field
    linear in each axis, ``outside`` beyond the outermost centres, and a single slice reads as a plane."""
    k, r, c = np.meshgrid(np.arange(4), np.arange(5), np.arange(6), indexing="ij")
    field = (3.0 * c - 2.0 * r + 5.0 * k).astype(np.int16)
    points = np.array([[0.0, 0.0, 0.0], [5.0, 4.0, 3.0], [2.25, 1.5, 0.75], [5.5, 0.0, 0.0], [1.0, 1.0, -0.1]])
    np.testing.assert_allclose(trilinear(field, points, -1000.0),
                               [0.0, 15.0 - 8.0 + 15.0, 6.75 - 3.0 + 3.75, -1000.0, -1000.0])
    np.testing.assert_allclose(trilinear(field[:1], np.array([[2.5, 3.5, 0.0]]), 0.0), [7.5 - 7.0])
