"""CompareView: prior and current side by side, synchronised by patient position (VIEWER.md).

Two volumes built directly with known geometry: the prior has 5 mm slices from z = −40 mm, the
current 2.5 mm slices from z = −20 mm in a different frame of reference, so slice indices differ
for the same anatomy and only positions along the normal can pair them.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from recist_app.imaging import geometry
from recist_app.imaging.volume import CtVolume
from tests.widgets.events import wheel
from widgets.viewer.compare_view import CompareView
from widgets.viewer.overlay import OverlayInfo
from widgets.viewer.window_presets import LUNG

AXIAL = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
FEET_FIRST = (1.0, 0.0, 0.0, 0.0, -1.0, 0.0)  # normal −z: the stack runs the other way
SAGITTAL = (0.0, 1.0, 0.0, 0.0, 0.0, -1.0)


def volume(first_z: float, step: float, slices: int, *, iop: tuple[float, ...] = AXIAL, size: int = 96,
           spacing: float = 4.0, uid: str = "1.2.3") -> CtVolume:
    """A phantom: a disc of soft tissue in air whose radius changes with z, so slices differ."""
    normal = geometry.slice_normal(iop)
    z = first_z + step * np.arange(slices)
    positions = np.stack([np.array([-size * spacing / 2, -size * spacing / 2, 0.0]) + normal * p for p in z])
    yy, xx = np.mgrid[:size, :size]
    radius = np.hypot(xx - size / 2, yy - size / 2) * spacing
    hu = np.where(radius[None] < 60 + 0.5 * np.abs(z)[:, None, None], 40, -1000).astype(np.int16)
    hu[:, size // 2 - 3: size // 2 + 3, size // 4: size // 4 + 6] = 300  # a bright mark off centre
    affine = geometry.affine_from(iop, positions[0], (spacing, spacing), positions[1] - positions[0])
    return CtVolume(hu, positions, iop, (spacing, spacing), affine, f"{uid}.9", f"{uid}.1", f"{uid}.2",
                    tuple(f"{uid}.{k}" for k in range(slices)), (1,) * slices,
                    slice_thicknesses_mm=(abs(step),) * slices)


PRIOR = {"first_z": -40.0, "step": 5.0, "slices": 17}  # −40 … +40 mm
CURRENT = {"first_z": -20.0, "step": 2.5, "slices": 21}  # −20 … +30 mm


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("RECIST_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def compare(app: QtWidgets.QApplication, qtbot: object) -> CompareView:
    view = CompareView()
    qtbot.addWidget(view)
    view.resize(1100, 520)
    view.show()
    qtbot.waitExposed(view)
    view.set_volumes(volume(**PRIOR), volume(**CURRENT, uid="4.5.6"),
                     OverlayInfo("STS-001", "2024-01-10", "Baseline CT"),
                     OverlayInfo("STS-001", "2024-05-06", "Week 16 CT"))
    return view


def test_scrolling_one_side_moves_the_other_to_the_same_position(compare: CompareView) -> None:
    assert compare.left.slice_index == 8 and compare.left_position_mm() == 0.0
    assert compare.right_position_mm() == 0.0  # set_volumes already paired the middle of the prior
    left, right = [], []
    compare.left_slice_changed.connect(left.append)
    compare.right_slice_changed.connect(right.append)
    compare.left.set_slice(10)  # +10 mm
    assert (left, right) == ([10], [12])
    assert compare.right.slice_index == 12 and compare.right_position_mm() == 10.0
    compare.right.set_slice(20)  # +30 mm: the prior's nearest slice is +30 mm
    assert compare.left_position_mm() == 30.0 and compare.left.slice_index == 14
    compare.left.set_slice(0)  # −40 mm is below the current stack: its first slice (−20 mm)
    assert compare.right.slice_index == 0
    compare.right.set_slice(5)  # −7.5 mm: halfway between −10 and −5, the first nearest wins
    assert compare.left_position_mm() == -10.0
    compare.right.set_slice(6)  # −5 mm
    assert compare.left_position_mm() == -5.0


def test_wheel_on_the_right_scrolls_both(compare: CompareView) -> None:
    compare.left.set_slice(8)
    compare.right.setFocus()
    viewport = compare.right.canvas.viewport()
    wheel(viewport, QtCore.QPointF(viewport.rect().center()), -1)
    assert compare.right_position_mm() in (-2.5, 2.5)  # one notch, one 2.5 mm slice
    for _ in range(2):
        wheel(viewport, QtCore.QPointF(viewport.rect().center()), -1)
    assert abs(compare.right_position_mm()) == 7.5
    assert compare.left_position_mm() == pytest.approx(compare.right_position_mm(), abs=2.5)


def test_each_side_keeps_its_own_window(compare: CompareView) -> None:
    compare.left.apply_preset(LUNG)
    assert compare.left.window_hu == (LUNG.width_hu, LUNG.level_hu)
    assert compare.right.window_hu != compare.left.window_hu


def test_offset_and_align_on(compare: CompareView, qtbot: object) -> None:
    compare.left.set_slice(8)  # 0 mm
    with qtbot.waitSignal(compare.offset_changed, check_params_cb=lambda v: v == 7.5):
        compare.set_offset_mm(7.5)
    assert compare.offset_mm == 7.5 and compare.right_position_mm() == 7.5
    assert compare.offset_label.text() == "Offset +7.5 mm" and compare.reset_button.isEnabled()
    compare.right.set_slice(2)  # −15 mm on the right is −22.5 mm on the left: nearest −25 or −20
    assert compare.left_position_mm() in (-25.0, -20.0)
    # the reader points at the same lesion: left (10, 20, 5) mm, right (12, 18, 17.5) mm → +12.5 mm
    compare.align_on((10.0, 20.0, 5.0), (12.0, 18.0, 17.5))
    assert compare.offset_mm == pytest.approx(12.5)
    compare.left.set_slice(9)  # +5 mm
    assert compare.right_position_mm() == pytest.approx(17.5)
    compare.reset_button.click()
    assert compare.offset_mm == 0.0 and compare.right_position_mm() == 5.0


def test_sync_toggle(compare: CompareView) -> None:
    compare.sync_enabled = False
    assert not compare.sync_box.isChecked()
    before = compare.right.slice_index
    compare.left.set_slice(12)
    assert compare.right.slice_index == before
    compare.set_sync_enabled(True)  # issue 12: what the reader lined up by hand stays lined up
    offset = compare.right_position_mm() - compare.left_position_mm()
    assert compare.right.slice_index == before and compare.offset_mm == pytest.approx(offset)
    compare.left.set_slice(14)
    assert compare.right_position_mm() - compare.left_position_mm() == pytest.approx(offset)


def test_series_stacked_the_other_way(app: QtWidgets.QApplication, qtbot: object) -> None:
    """A feet-first current series (normal −z, slices ascending along it) still pairs by position."""
    view = CompareView()
    qtbot.addWidget(view)
    flipped = volume(-20.0, 2.5, 21, iop=FEET_FIRST)  # along its normal −20 … +30 mm: patient z +20 … −30 mm
    view.set_volumes(volume(**PRIOR), flipped)
    view.left.set_slice(10)  # z = +10 mm
    k = view.right.slice_index
    assert float(flipped.slice_positions[k][2]) == pytest.approx(10.0)


def test_no_position_sync_across_orientations(app: QtWidgets.QApplication, qtbot: object) -> None:
    """A sagittal current series has no position along the axial normal to pair with: no sync."""
    view = CompareView()
    qtbot.addWidget(view)
    view.set_volumes(volume(**PRIOR), volume(-20.0, 2.5, 21, iop=SAGITTAL),
                     right_info=OverlayInfo(study_date="20240506"))
    assert not view.sync_box.isEnabled() and "not in the same orientation" in view.sync_box.toolTip()
    before = view.right.slice_index
    view.left.set_slice(3)
    assert view.right.slice_index == before
    assert view.right_title.text() == "Current · 2024-05-06"  # DICOM DA shown as ISO


def test_screenshot(compare: CompareView, shots: Path) -> None:
    compare.left.set_slice(12)
    compare.right.apply_preset(LUNG)
    QtWidgets.QApplication.processEvents()
    pixmap = compare.grab()
    assert pixmap.save(str(shots / "compare_view.png"), "PNG")
    assert compare.left_title.text() == "Prior · 2024-01-10 · Baseline CT"
    assert not compare.left_title.geometry().intersects(compare.sync_box.geometry())
    assert QtCore.QRect(QtCore.QPoint(0, 0), compare.size()).contains(compare.right_title.geometry())


def test_double_click_maximises_a_side_and_links_window_and_zoom(compare: CompareView, qtbot: object) -> None:
    viewport = compare.right.canvas.viewport()
    qtbot.mouseDClick(viewport, QtCore.Qt.MouseButton.LeftButton, pos=viewport.rect().center())
    assert compare.maximised is compare.right and not compare.left.isVisible()
    qtbot.mouseDClick(viewport, QtCore.Qt.MouseButton.LeftButton, pos=viewport.rect().center())
    assert compare.maximised is None and compare.left.isVisible()
    compare.right.set_window(1500, -600)
    assert compare.left.window_hu != (1500, -600)  # not linked by default
    compare.link_box.setChecked(True)
    compare.right.set_window(350, 50)
    assert compare.left.window_hu == (350, 50)
    compare.left.view_box.scaleBy(x=0.5, y=0.5)
    assert compare.right.view_box.viewRange()[0][1] - compare.right.view_box.viewRange()[0][0] == pytest.approx(
        compare.left.view_box.viewRange()[0][1] - compare.left.view_box.viewRange()[0][0], rel=1e-3)
