"""The slice view numbers and steps through images as the PACS does (issue: "Numbering and direction")."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6 import QtCore
from PySide6.QtTest import QTest

from recist_app.imaging.load import load_series_from_folder
from tests.widgets.conftest import show_view
from tests.widgets.events import wheel

A0001_LUNG_KERNEL = "data/ct/lung_pet_ct_dx/Lung_Dx-A0001/series2_5mm_kernel-L"
Key = QtCore.Qt.Key


@pytest.mark.shared_data
def test_a0001_labels_and_next_image_follow_instance_number(qtbot: object, app: object, shared_dir: Path) -> None:
    volume = load_series_from_folder(shared_dir / A0001_LUNG_KERNEL)
    view = show_view(qtbot, volume)
    view.set_slice(volume.image_numbers.index(18))
    assert view.image_number == 18
    assert view.overlay_content().top_right[0] == "Im 18 / 64"
    centre = QtCore.QPointF(view.canvas.viewport().rect().center())
    wheel(view.canvas.viewport(), centre, -1)  # towards the user: next image
    assert view.image_number == 19
    QTest.keyClick(view, Key.Key_Down)
    assert view.image_number == 20
    wheel(view.canvas.viewport(), centre, 3)  # away from the user: back three
    assert view.image_number == 17
    QTest.keyClick(view, Key.Key_Home)
    assert view.image_number == 1
    QTest.keyClick(view, Key.Key_End)
    assert view.image_number == 64
