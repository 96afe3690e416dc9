"""What the calipers and the elliptical ROIs of one slice view share: items by key, one selection.

:class:`KeyedLayer` holds the pyqtgraph ROIs of one kind on a view box, each under the view's key,
and at most one selected (its ``style`` shows it). Subclasses draw, edit and label their items.
"""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar

import pyqtgraph as pg
from PySide6 import QtCore

from recist_app.imaging.volume import CtVolume


class Selectable(Protocol):
    """An item of one slice that the layer can show as selected or not."""

    slice_index: int

    def style(self, selected: bool) -> None: ...
    def setVisible(self, visible: bool) -> None: ...


ItemT = TypeVar("ItemT", bound=Selectable)


class KeyedLayer(QtCore.QObject, Generic[ItemT]):
    """Items of one kind on one view, by key, with one selection.

    Signals: ``deleted(key)`` when the reader deletes one, ``selected(key)`` (``""`` for none) and
    ``changed()`` whenever a label must be repainted.
    """

    deleted = QtCore.Signal(str)
    selected = QtCore.Signal(str)
    changed = QtCore.Signal()

    def __init__(self, view_box: pg.ViewBox, image_item: pg.ImageItem,
                 parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._view_box = view_box
        self._image = image_item
        self._volume: CtVolume | None = None
        self._slice = 0
        self._items: dict[str, ItemT] = {}
        self._selected = ""
        self._counter = 0

    def set_volume(self, volume: CtVolume | None) -> None:
        """Show ``volume``: every item of the previous one is removed."""
        self.cancel()
        self.clear()
        self._volume = volume
        self._slice = 0

    def set_slice(self, k: int) -> None:
        """Show only the items of slice ``k``; an item being drawn is cancelled."""
        self.cancel()
        self._slice = k
        for item in self._items.values():
            item.setVisible(item.slice_index == k)
        self.changed.emit()

    def cancel(self) -> bool:
        """Drop an item being drawn; True when there was one (subclasses that draw override it)."""
        return False

    def keys(self) -> list[str]:
        """Keys of every item (all slices)."""
        return list(self._items)

    def remove(self, key: str) -> bool:
        """Remove one item without emitting ``deleted`` (the selection follows)."""
        item = self._items.pop(key, None)
        if item is None:
            return False
        self._view_box.removeItem(item)
        if self._selected == key:
            self.select("")
        self.changed.emit()
        return True

    def clear(self) -> None:
        """Remove every item (no signals but ``selected`` / ``changed``)."""
        for key in list(self._items):
            self.remove(key)

    @property
    def selected_key(self) -> str:
        """Key of the selected item, ``""`` when none."""
        return self._selected

    def select(self, key: str) -> None:
        """Select one item (``""``: none); emits ``selected`` when it changes."""
        key = key if key in self._items else ""
        if key == self._selected:
            return
        for name, item in self._items.items():
            item.style(name == key)
        self._selected = key
        self.selected.emit(key)
        self.changed.emit()
