"""Progress of background tasks in the status bar: one bar with a Cancel button per running task."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from widgets.workers import Task, TaskRunner


class TaskProgressWidget(QtWidgets.QWidget):
    """``title``, a progress bar (busy until the first progress report) and a Cancel button."""

    def __init__(self, task: Task, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.task = task
        self.setObjectName("taskProgress")
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(6)
        self.label = QtWidgets.QLabel(task.title)
        self.bar = QtWidgets.QProgressBar()
        self.bar.setRange(0, 0)  # busy until the first report
        self.bar.setFixedWidth(160)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        self.cancel_button = QtWidgets.QToolButton()
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip(f"Cancel: {task.title}")
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        task.signals.progress.connect(self._on_progress_changed)

    @QtCore.Slot(int, int)
    def _on_progress_changed(self, done: int, total: int) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
            self.bar.setToolTip(f"{done} / {total}")

    def _on_cancel_clicked(self) -> None:
        self.task.cancel()
        self.cancel_button.setEnabled(False)
        self.label.setText(f"{self.task.title}: cancelling…")


class TaskProgressArea(QtCore.QObject):
    """Adds a :class:`TaskProgressWidget` to ``status_bar`` for each task ``runner`` starts."""

    def __init__(self, runner: TaskRunner, status_bar: QtWidgets.QStatusBar) -> None:
        super().__init__(status_bar)
        self._status_bar = status_bar
        self._widgets: dict[int, TaskProgressWidget] = {}
        # As tall from the start as with a task's row (its Cancel button is the tallest part), so that a task
        # starting or ending (every series load) does not move the window's content up and down.
        probe = QtWidgets.QToolButton()
        probe.setText("Cancel")
        status_bar.addPermanentWidget(probe)
        status_bar.setMinimumHeight(status_bar.sizeHint().height())
        status_bar.removeWidget(probe)
        probe.deleteLater()
        runner.task_started.connect(self._on_task_started)
        runner.task_ended.connect(self._on_task_ended)

    def _on_task_started(self, task: Task) -> None:
        widget = TaskProgressWidget(task)
        self._widgets[id(task)] = widget
        self._status_bar.insertPermanentWidget(0, widget)

    def _on_task_ended(self, task: Task) -> None:
        widget = self._widgets.pop(id(task), None)
        if widget is not None:
            self._status_bar.removeWidget(widget)
            widget.deleteLater()

    def widgets(self) -> list[TaskProgressWidget]:
        """The progress widgets shown now (tests)."""
        return list(self._widgets.values())
