"""The "Which lesion?" chooser: the lesion a caliper drawn at a follow-up measures, when none is selected (VIEWER.md).

Lesions not yet measured at the time point come first; a measured one says "(replace)"; the last
choice is a new lesion with the next free label.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

from recist_app.model.records import ReadSnapshot


def ask_lesion(parent: QtWidgets.QWidget, snapshot: ReadSnapshot, timepoint_uid: str, new_label: str,
               chosen: Callable[[str | None], None], cancelled: Callable[[], None]) -> QtWidgets.QInputDialog:
    """Open the chooser (window-modal, not blocking); ``chosen(lesion_uid)`` gets the lesion, or None
    for a new lesion labelled ``new_label``; ``cancelled()`` when the reader closes it."""
    measured = {m.lesion_uid for m in snapshot.measurements if m.timepoint_uid == timepoint_uid}
    lesions = sorted(snapshot.lesions, key=lambda lesion: (lesion.uid in measured, lesion.label))
    choices = {f"{lesion.label} · {lesion.role.value.lower()}" + (" (replace)" if lesion.uid in measured else ""):
               lesion.uid for lesion in lesions}
    new_text = f"New lesion {new_label}"
    dialog = QtWidgets.QInputDialog(parent)
    dialog.setObjectName("lesionChooser")
    dialog.setWindowTitle("Which lesion?")
    dialog.setLabelText("This caliper measures:")
    dialog.setComboBoxItems([*choices, new_text])
    dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)

    def on_selected(text: str) -> None:
        if text == new_text:
            chosen(None)
        elif text in choices:
            chosen(choices[text])

    dialog.textValueSelected.connect(on_selected)
    dialog.rejected.connect(cancelled)
    dialog.open()
    return dialog
