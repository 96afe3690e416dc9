"""``CompareView``: prior and current side by side (1×2), or baseline | prior | current (1×3), scrolled together.

VIEWER.md "Comparing timepoints": the prior (previous time point, nadir, baseline or any) on the
left, current on the right, each with its own window / level, scrolling synchronised by the slice
location along the normal, with an offset the reader sets by pointing at the same lesion in both
(different frames of reference). In 1×3 the baseline pane (:attr:`CompareView.first`) follows the
prior by position.

Position of a slice: its (0020,0032) *Image Position (Patient)* projected on the left series'
slice normal (the cross product of the (0020,0037) direction cosines, ``recist_app.imaging.geometry``).
Both series are projected on that one axis, so a series stacked the other way round (feet first)
still lines up. Synchronisation maps left position ``z`` to the right slice nearest ``z + offset``
and back; the views hold no domain state (C12) and the offset is view state only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6 import QtCore, QtWidgets

from recist_app.imaging import geometry
from recist_app.imaging.volume import CtVolume
from widgets.viewer.overlay import OverlayInfo, format_date
from widgets.viewer.slice_view import SliceView

SYNC_TIP = "Scroll both series together by patient position along the slice normal"
#: Slice normals closer than this angle count as the same orientation (else no position sync).
PARALLEL_COS = float(np.cos(np.radians(30.0)))


class CompareView(QtWidgets.QWidget):
    """Two :class:`SliceView` s (``left`` = prior, ``right`` = current) kept on the same anatomy.

    A double click on a side's image maximises it (the other side hides) and back; with "Link W/L
    and zoom" a window or zoom change of one side is copied to the other.

    Signals
    -------
    left_slice_changed(int), right_slice_changed(int)
        Slice index shown on each side (by the reader or by synchronisation).
    offset_changed(float offset_mm)
    """

    left_slice_changed = QtCore.Signal(int)
    right_slice_changed = QtCore.Signal(int)
    offset_changed = QtCore.Signal(float)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.first = SliceView(self)
        self.first.hide()
        self.left = SliceView(self)
        self.right = SliceView(self)
        self.left_title = QtWidgets.QLabel("Prior", self)
        self.right_title = QtWidgets.QLabel("Current", self)
        for title in (self.left_title, self.right_title):  # long titles are cut, never widen the window
            title.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        self.sync_box = QtWidgets.QCheckBox("Sync by position", self)
        self.sync_box.setChecked(True)
        self.sync_box.setToolTip(SYNC_TIP)
        self.offset_label = QtWidgets.QLabel(self)
        self.reset_button = QtWidgets.QPushButton("Reset offset", self)
        self.reset_button.clicked.connect(lambda: self.set_offset_mm(0.0))
        self.link_box = QtWidgets.QCheckBox("Link W/L and zoom", self)
        self.link_box.setToolTip("Window / level and zoom of one side follow the other")
        bar = QtWidgets.QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.addWidget(self.left_title, 1)
        bar.addWidget(self.sync_box)
        bar.addWidget(self.offset_label)
        bar.addWidget(self.reset_button)
        bar.addWidget(self.link_box)
        bar.addWidget(self.right_title, 1, QtCore.Qt.AlignmentFlag.AlignRight)
        splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.first)
        splitter.addWidget(self.left)
        splitter.addWidget(self.right)
        splitter.setChildrenCollapsible(False)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        self._offset_mm = 0.0
        self._syncing = False
        self._normal: np.ndarray | None = None
        self._parallel = True
        self._left_z = np.zeros(0)
        self._right_z = np.zeros(0)
        self._first_z = np.zeros(0)
        self.left.slice_changed.connect(self._on_left_slice_changed)
        self.right.slice_changed.connect(self._on_right_slice_changed)
        self._linking = False
        self._maximised: SliceView | None = None
        for view in (self.first, self.left, self.right):
            view.canvas.viewport().installEventFilter(self)
        for one, other in ((self.left, self.right), (self.right, self.left)):
            one.window_changed.connect(lambda width, level, o=other: self._link_window(o, width, level))
            one.view_box.sigRangeChanged.connect(lambda *_args, a=one, o=other: self._link_zoom(a, o))
        self.sync_box.toggled.connect(self._on_sync_toggled)
        self._show_offset()

    # -- content ------------------------------------------------------------------------------
    def set_volumes(self, left: CtVolume, right: CtVolume, left_info: OverlayInfo | None = None,
                    right_info: OverlayInfo | None = None) -> None:
        """Show ``left`` (prior) and ``right`` (current); the right follows the left's slice."""
        self._normal = geometry.slice_normal(left.iop)
        self._left_z = _positions(left, self._normal)
        self._right_z = _positions(right, self._normal)
        self._parallel = abs(float(geometry.slice_normal(right.iop) @ self._normal)) >= PARALLEL_COS
        self.sync_box.setEnabled(self._parallel)
        self.sync_box.setToolTip(SYNC_TIP if self._parallel else
                                 "The two series are not in the same orientation: scroll each on its own")
        self._syncing = True
        try:
            self.left.set_volume(left, left_info)
            self.right.set_volume(right, right_info)
        finally:
            self._syncing = False
        self.set_titles(_title("Prior", left_info), _title("Current", right_info))
        self._follow(self.left.slice_index, from_left=True)

    def set_first(self, volume: CtVolume | None, info: OverlayInfo | None = None, title: str = "") -> None:
        """The baseline pane of the 1×3 layout (None: back to 1×2); it follows the prior by position."""
        if volume is None or self._normal is None:
            self.first.hide()
            self._first_z = np.zeros(0)
            return
        parallel = abs(float(geometry.slice_normal(volume.iop) @ self._normal)) >= PARALLEL_COS
        self._first_z = _positions(volume, self._normal) if parallel else np.zeros(0)
        self.first.set_volume(volume, info)
        self.first.show()
        self.first.setToolTip(title)
        self._follow(self.left.slice_index, from_left=True)

    @property
    def panes(self) -> int:
        """2 (prior | current) or 3 (baseline | prior | current)."""
        return 3 if not self.first.isHidden() else 2

    def set_titles(self, left: str, right: str) -> None:
        """Text above each side (e.g. "Nadir · WEEK 16", "Current · WEEK 24"); the whole text is the tooltip."""
        for label, text in ((self.left_title, left), (self.right_title, right)):
            label.setText(text)
            label.setToolTip(text)

    # -- synchronisation ------------------------------------------------------------------------
    @property
    def sync_enabled(self) -> bool:
        """True when scrolling one side moves the other."""
        return self.sync_box.isChecked()

    @sync_enabled.setter
    def sync_enabled(self, enabled: bool) -> None:
        self.set_sync_enabled(enabled)

    def set_sync_enabled(self, enabled: bool) -> None:
        """Turn synchronised scrolling on (the right side catches up with the left) or off."""
        self.sync_box.setChecked(enabled)

    @property
    def offset_mm(self) -> float:
        """Right position minus left position of the same anatomy, along the left slice normal (mm)."""
        return self._offset_mm

    def set_offset_mm(self, offset_mm: float) -> None:
        """Set the offset; the right side moves to match the left."""
        offset_mm = float(offset_mm)
        if offset_mm == self._offset_mm:
            return
        self._offset_mm = offset_mm
        self._show_offset()
        self.offset_changed.emit(offset_mm)
        self._follow(self.left.slice_index, from_left=True)

    def align_on(self, left_point_mm: Sequence[float], right_point_mm: Sequence[float]) -> None:
        """Set the offset so that two patient points (LPS mm) the reader says are the same lesion line up."""
        if self._normal is None:
            return
        offset = float(np.dot(np.asarray(right_point_mm, float), self._normal)
                       - np.dot(np.asarray(left_point_mm, float), self._normal))
        self.set_offset_mm(offset)

    def left_position_mm(self, k: int | None = None) -> float:
        """Position of a left slice (the shown one by default) along the left slice normal."""
        return float(self._left_z[self.left.slice_index if k is None else k])

    def right_position_mm(self, k: int | None = None) -> float:
        """Position of a right slice (the shown one by default) along the left slice normal."""
        return float(self._right_z[self.right.slice_index if k is None else k])

    def _on_left_slice_changed(self, k: int) -> None:
        self.left_slice_changed.emit(k)
        self._follow(k, from_left=True)

    def _on_right_slice_changed(self, k: int) -> None:
        self.right_slice_changed.emit(k)
        self._follow(k, from_left=False)

    def _on_sync_toggled(self, enabled: bool) -> None:
        """Sync back on keeps what the reader lined up by hand while it was off: the offset becomes the
        distance between the two slices shown (nothing moves)."""
        if enabled and self._parallel and self._left_z.size and self._right_z.size:
            self.set_offset_mm(self.right_position_mm() - self.left_position_mm())

    def _follow(self, k: int, *, from_left: bool) -> None:
        """Move the other side to the slice nearest the same position (guarded against echo)."""
        if self._syncing or not self.sync_enabled or not self._parallel or not self._left_z.size \
                or not self._right_z.size:
            return
        if from_left:
            other, positions, wanted = self.right, self._right_z, self._left_z[k] + self._offset_mm
        else:
            other, positions, wanted = self.left, self._left_z, self._right_z[k] - self._offset_mm
        self._syncing = True
        try:
            other.set_slice(int(np.argmin(np.abs(positions - wanted))))
            if self._first_z.size:
                prior_z = self._left_z[self.left.slice_index]
                self.first.set_slice(int(np.argmin(np.abs(self._first_z - prior_z))))
        finally:
            self._syncing = False

    # -- maximise and linking ------------------------------------------------------------------
    @property
    def maximised(self) -> SliceView | None:
        """The pane shown alone after a double click, or None."""
        return self._maximised

    def toggle_maximised(self, pane: SliceView) -> None:
        """Show ``pane`` alone, or every pane of the layout again."""
        self._maximised = None if self._maximised is pane else pane
        panes = [self.left, self.right] + ([self.first] if self._first_z.size or self.first.volume else [])
        for view in panes:
            view.setVisible(self._maximised is None or view is self._maximised)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.MouseButtonDblClick:
            pane = next(view for view in (self.first, self.left, self.right) if watched is view.canvas.viewport())
            self.toggle_maximised(pane)
            return True
        return False

    def _link_window(self, other: SliceView, width_hu: float, level_hu: float) -> None:
        if self.link_box.isChecked() and not self._linking:
            self._linking = True
            try:
                other.set_window(width_hu, level_hu)
            finally:
                self._linking = False

    def _link_zoom(self, source: SliceView, other: SliceView) -> None:
        """The other side shows the same field of view (mm) around its own centre."""
        if not self.link_box.isChecked() or self._linking:
            return
        self._linking = True
        try:
            (x0, x1), (y0, y1) = source.view_box.viewRange()
            centre = other.view_box.viewRect().center()
            half_w, half_h = (x1 - x0) / 2, (y1 - y0) / 2
            other.view_box.setRange(xRange=(centre.x() - half_w, centre.x() + half_w),
                                    yRange=(centre.y() - half_h, centre.y() + half_h), padding=0.0)
        finally:
            self._linking = False

    def _show_offset(self) -> None:
        self.offset_label.setText(f"Offset {self._offset_mm:+.1f} mm")
        self.reset_button.setEnabled(self._offset_mm != 0.0)


def _positions(volume: CtVolume, normal: np.ndarray) -> np.ndarray:
    """Each slice's (0020,0032) position projected on ``normal`` (mm)."""
    return np.asarray(volume.slice_positions, float) @ normal


def _title(side: str, info: OverlayInfo | None) -> str:
    if info is None or not (info.series_description or info.study_date):
        return side
    date = format_date(info.study_date) if info.study_date else ""
    return " · ".join(part for part in (side, date, info.series_description) if part)
