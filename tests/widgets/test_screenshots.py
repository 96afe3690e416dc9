"""PNG screenshots of the slice view for a human look (``RECIST_SCREENSHOTS=folder``; default tmp_path).

Each shot is also checked for what a reader would notice first: the right size, an image that is
not blank, the physical aspect kept, labels inside the view.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from tests.widgets.conftest import VIEW_SIZE, Phantom, make_phantom, show_view
from tests.widgets.events import drag, hover
from tests.widgets.viewer.test_calipers import draw_bidirectional, draw_length
from widgets.viewer.calipers import Tool
from widgets.viewer.slice_view import SliceView
from widgets.viewer.window_presets import LUNG, SOFT_TISSUE


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("RECIST_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save(view: SliceView, path: Path) -> np.ndarray:
    """Grab the view, save it as PNG, return it as an (h, w, 4) uint8 array."""
    image = view.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGBA8888)
    assert image.save(str(path), "PNG")
    data = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    return data[:, : image.width()].copy()


def check(pixels: np.ndarray, view: SliceView) -> None:
    ratio = view.devicePixelRatioF()
    assert pixels.shape[:2] == (round(VIEW_SIZE[1] * ratio), round(VIEW_SIZE[0] * ratio))
    assert pixels[..., :3].std() > 20, "the slice is visible"
    viewport = QtCore.QRectF(view.canvas.viewport().rect())
    for _spec, box in view.label_boxes():
        assert viewport.contains(box)


def test_screenshots(app: object, qtbot: object, phantom: Phantom, shots: Path, tmp_path: Path) -> None:
    view = show_view(qtbot, phantom.volume)
    node, lung = phantom.lesion("N1"), phantom.lesion("L1")
    view.set_slice(node.slice_index)
    view.set_pending_label("N1", "TARGET")
    draw_bidirectional(view, node.long_axis_endpoints_mm, node.short_axis_endpoints_mm)
    view.set_pending_label("T2", "NON-TARGET")
    view.set_tool(Tool.LENGTH)
    liver_side = view.index_to_viewport(60, 150)
    drag(view.canvas.viewport(), liver_side, liver_side + QtCore.QPointF(70, -25))
    view.apply_preset(SOFT_TISSUE)
    hover(view.canvas.viewport(), view.index_to_viewport(128, 70))  # off the calipers: role colours, HU probe
    check(save(view, shots / "slice_view_soft_tissue_bidirectional.png"), view)

    view.set_slice(lung.slice_index)
    view.set_pending_label("T1", "TARGET")
    draw_length(view, *lung.long_axis_endpoints_mm)
    view.apply_preset(LUNG)
    hover(view.canvas.viewport(), view.index_to_viewport(150, 110))
    check(save(view, shots / "slice_view_lung_length.png"), view)

    view.view_box.scaleBy((0.4, 0.4), center=view.measurements.caliper(view.measurement_keys()[-1]).ends()[1])
    check(save(view, shots / "slice_view_lung_zoomed.png"), view)

    uncalibrated = show_view(qtbot, dataclasses.replace(phantom.volume, pixel_spacing=None, affine=None))
    check(save(uncalibrated, shots / "slice_view_uncalibrated.png"), uncalibrated)

    aniso = make_phantom(tmp_path / "aniso", columns=160)
    wide = show_view(qtbot, aniso.volume)
    wide.set_slice(aniso.lesion("L1").slice_index)
    draw_length(wide, *aniso.lesion("L1").long_axis_endpoints_mm)
    hover(wide.canvas.viewport(), wide.index_to_viewport(80, 70))
    check(save(wide, shots / "slice_view_anisotropic.png"), wide)
    assert sorted(p.name for p in shots.glob("slice_view_*.png")) == [
        "slice_view_anisotropic.png", "slice_view_lung_length.png", "slice_view_lung_zoomed.png",
        "slice_view_soft_tissue_bidirectional.png", "slice_view_uncalibrated.png"]
