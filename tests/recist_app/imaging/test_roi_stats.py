"""Elliptical ROI statistics on small synthetic slices, checked by hand (recist_app.imaging.roi_stats)."""

from __future__ import annotations

import numpy as np
import pytest

from recist_app.imaging.roi_stats import EmptyRoi, RoiStats, ellipse_stats


def ramp(rows: int = 7, cols: int = 9) -> np.ndarray:
    """HU = 10 × row + col, so every pixel is identifiable."""
    return (10 * np.arange(rows)[:, None] + np.arange(cols)[None, :]).astype(np.int16)


def test_unit_circle_takes_the_centre_and_its_four_neighbours() -> None:
    hu = ramp()
    stats = ellipse_stats(hu, (4, 3), (1, 1), (0.7, 0.7))
    assert isinstance(stats, RoiStats)
    values = np.array([24, 33, 34, 35, 44], dtype=np.float64)  # (col 4, row 2), row 3 cols 3-5, (col 4, row 4)
    assert stats.pixel_count == 5
    assert stats.mean_hu == pytest.approx(values.mean())
    assert stats.sd_hu == pytest.approx(values.std(ddof=0))  # population SD
    assert (stats.min_hu, stats.max_hu) == (24, 44)
    assert isinstance(stats.min_hu, int) and isinstance(stats.max_hu, int)
    assert stats.area_mm2 == pytest.approx(5 * 0.49)


def test_exact_values_of_a_two_valued_region() -> None:
    hu = np.full((5, 5), -1000, dtype=np.int16)
    hu[2, 1:4] = [0, 100, 0]  # the three pixels of a flat ellipse along row 2
    stats = ellipse_stats(hu, (2, 2), (1.5, 0.5), (1.0, 1.0))
    assert isinstance(stats, RoiStats)
    assert stats.pixel_count == 3
    assert stats.mean_hu == pytest.approx(100 / 3)
    assert stats.sd_hu == pytest.approx(np.sqrt(((0 - 100 / 3) ** 2 * 2 + (100 - 100 / 3) ** 2) / 3))
    assert (stats.min_hu, stats.max_hu) == (0, 100)


def test_boundary_pixel_centres_count_as_inside() -> None:
    stats = ellipse_stats(np.zeros((9, 9), dtype=np.int16), (4, 4), (2, 2), None)
    # |dc|² + |dr|² ≤ 4: 13 pixel centres, the four at distance 2 included
    assert isinstance(stats, RoiStats) and stats.pixel_count == 13


def test_ellipse_along_the_columns_counts_by_its_own_axes() -> None:
    stats = ellipse_stats(np.zeros((9, 9), dtype=np.int16), (4, 4), (3, 1), None)
    # row 4: cols 1..7 (7); rows 3 and 5: dc = 0 only (1 each)
    assert isinstance(stats, RoiStats) and stats.pixel_count == 9


def test_anisotropic_spacing_area() -> None:
    stats = ellipse_stats(np.zeros((9, 9), dtype=np.int16), (4, 4), (2, 2), (0.5, 2.0))
    assert isinstance(stats, RoiStats)
    assert stats.area_mm2 == pytest.approx(13 * 0.5 * 2.0)


def test_uncalibrated_image_has_no_area_in_mm() -> None:
    stats = ellipse_stats(ramp(), (4, 3), (1, 1), None)
    assert isinstance(stats, RoiStats)
    assert stats.area_mm2 is None and stats.pixel_count == 5


def test_ellipse_across_the_image_edge_is_clipped_to_the_image() -> None:
    hu = ramp()
    stats = ellipse_stats(hu, (0, 0), (2, 2), (1.0, 1.0))
    assert isinstance(stats, RoiStats)
    # pixels with col, row ≥ 0 and col² + row² ≤ 4: (0,0) (1,0) (2,0) (0,1) (1,1) (0,2)
    expected = [hu[0, 0], hu[0, 1], hu[0, 2], hu[1, 0], hu[1, 1], hu[2, 0]]
    assert stats.pixel_count == 6
    assert stats.mean_hu == pytest.approx(np.mean(expected))
    assert (stats.min_hu, stats.max_hu) == (min(expected), max(expected))
    assert stats.area_mm2 == pytest.approx(6.0)


def test_ellipse_covering_the_whole_image() -> None:
    hu = ramp()
    stats = ellipse_stats(hu, (4, 3), (100, 100), None)
    assert isinstance(stats, RoiStats)
    assert stats.pixel_count == hu.size
    assert stats.mean_hu == pytest.approx(hu.mean()) and stats.sd_hu == pytest.approx(hu.std())


def test_sub_pixel_centre_between_pixels() -> None:
    stats = ellipse_stats(ramp(), (3.5, 2.5), (0.75, 0.75), None)
    # the four pixel centres at (±0.5, ±0.5): distance 0.707 ≤ 0.75
    assert isinstance(stats, RoiStats) and stats.pixel_count == 4
    assert stats.mean_hu == pytest.approx(np.mean([23, 24, 33, 34]))


def test_single_pixel_has_zero_sd() -> None:
    stats = ellipse_stats(ramp(), (2, 2), (0.4, 0.4), (1.0, 1.0))
    assert stats == RoiStats(22.0, 0.0, 22, 22, 1, 1.0)


def test_int16_extremes_do_not_overflow() -> None:
    hu = np.full((3, 3), 32767, dtype=np.int16)
    hu[1, 1] = -32768
    stats = ellipse_stats(hu, (1, 1), (5, 5), None)
    assert isinstance(stats, RoiStats)
    assert stats.mean_hu == pytest.approx((8 * 32767 - 32768) / 9)
    assert (stats.min_hu, stats.max_hu) == (-32768, 32767)


@pytest.mark.parametrize(("centre", "axes"), [((4.5, 3.5), (0.3, 0.3)),  # between pixel centres
                                               ((-5, 3), (2, 2)),  # left of the image
                                               ((4, 30), (2, 2))])  # below it
def test_ellipse_with_no_pixel_centre_is_an_empty_roi(centre: tuple[float, float], axes: tuple[float, float]) -> None:
    result = ellipse_stats(ramp(), centre, axes, (1.0, 1.0))
    assert result == EmptyRoi((float(centre[0]), float(centre[1])), (float(axes[0]), float(axes[1])))
    assert result.pixel_count == 0


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"hu_slice": np.zeros((2, 3, 3), dtype=np.int16)}, 'Argument "hu_slice" must be a 2-D integer array'),
    ({"hu_slice": np.zeros((3, 3), dtype=np.float32)}, 'Argument "hu_slice" must be a 2-D integer array'),
    ({"centre": (1.0, float("nan"))}, 'Argument "centre" must be two finite numbers'),
    ({"centre": (1.0,)}, 'Argument "centre" must be two numbers'),
    ({"semi_axes": (0.0, 1.0)}, r'Argument "semi_axes" must be two finite numbers > 0'),
    ({"semi_axes": (1.0, -2.0)}, r'Argument "semi_axes" must be two finite numbers > 0'),
    ({"pixel_spacing": (0.0, 1.0)}, r'Argument "pixel_spacing" must be two finite numbers > 0'),
])
def test_bad_arguments_are_rejected(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"hu_slice": ramp(), "centre": (2, 2), "semi_axes": (1, 1),
                                    "pixel_spacing": (1.0, 1.0), **kwargs}
    with pytest.raises(ValueError, match=message):
        ellipse_stats(**arguments)  # type: ignore[arg-type]
