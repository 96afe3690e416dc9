"""``OpenFolderDialog``: scan a folder or DICOMDIR, or a patient on a PACS, show the series with their
findings, import them.

The scan (:func:`recist_app.imaging.scan.scan`, headers only) runs in a worker with a busy bar and a
Cancel button; cancelling stops waiting at once (the header pass, which cannot be interrupted,
finishes in the background and its result is dropped). Each series is listed with its size,
spacing and the findings a reader should know (gantry tilt, missing slices, uneven spacing, no
pixel spacing …), and with what the import will do with it
(:func:`recist_app.store.dicom_import.plan_import`: attach to the subject whose id is the Patient
ID, at the time point of its Study Date, named BASELINE or UNSCHEDULED when the import creates it).
With "Add unknown patients as subjects" ticked, the plan shows which patients become subjects at
the chosen site before anything is written. Import writes the plan
(:func:`~recist_app.store.dicom_import.apply_import`, audited).

A PACS address (``http://host:port/dicom-web`` or ``dimse://AET@host:port``) turns Scan into Query:
the patient's studies (or those of a date range), narrowed by modality (:mod:`widgets.dialogs.pacs_query`),
are listed with a check box per series, nothing retrieved yet. "Retrieve ticked" brings the ticked
series into the series cache and plans them as a folder's, each link naming the server
(:mod:`recist_app.pacs.patient_import`); Import writes that plan. "Test" asks the server for an echo.
An address that answers is remembered and offered as the field is typed in; "Forget" drops it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from recist_app.errors import RecistAppError
from recist_app.imaging.scan import ScanResult, SeriesSummary, scan
from recist_app.imaging.sources.query import StudyHit, StudyQuery
from recist_app.imaging.sources.retrieve import client_of
from recist_app.imaging.sources.servers import is_server_address
from recist_app.pacs.patient_import import plan_patient_import, scan_series
from recist_app.store import TrialStore
from recist_app.store.dicom_import import PlannedSeries, apply_import, plan_import, study_date
from widgets.dialogs.pacs_query import PacsNodes, QueryFields, show_studies, ticked_series
from widgets.error_display import show_error
from widgets.workers import Progress, Task, TaskRunner

ACTIONS = {"attach": "attach to its time point", "attach-new": "attach to a new time point",
           "attached": "already in the trial", "skip": "skip"}
WARNING_COLOUR = "#ffb74d"


def series_text(summary: SeriesSummary) -> str:
    """``"40 images · 256×256 · 1.56 mm · 5 mm"`` (what is known)."""
    parts = [f"{summary.frame_count} images"]
    if summary.rows and summary.columns:
        parts.append(f"{summary.columns}×{summary.rows}")
    if summary.pixel_spacing:
        parts.append(f"{summary.pixel_spacing[1]:.2f} mm pixels")
    if summary.spacing_between_slices:
        parts.append(f"step {summary.spacing_between_slices:.2f} mm")
    return " · ".join(parts)


class OpenFolderDialog(QtWidgets.QDialog):
    """Scan → review → import.

    Parameters
    ----------
    store : TrialStore
    runner : TaskRunner
        Runs the scan off the GUI thread (its progress also shows in the status bar).
    actor : str
        Who imports (audit trail).
    parent : QWidget, optional

    Signals
    -------
    imported(int)
        Series attached by an import.
    """

    imported = QtCore.Signal(int)

    def __init__(self, store: TrialStore, runner: TaskRunner, actor: str,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open DICOM folder or PACS")
        self.setObjectName("openFolderDialog")
        self.resize(1100, 560)
        self._store, self._runner, self._actor = store, runner, actor
        self._task: Task | None = None
        self._server = self._scanned = ""  # the PACS queried, the folder scanned
        self.scan_result: ScanResult | None = None
        self.plan: tuple[PlannedSeries, ...] = ()
        self.path_edit = QtWidgets.QLineEdit()
        self.path_edit.setPlaceholderText("a folder (searched recursively), a DICOMDIR or a file; or a PACS: "
                                          "http://host:port/dicom-web, dimse://AET@host:port")
        self.nodes = PacsNodes()
        self.path_edit.setCompleter(QtWidgets.QCompleter(self.nodes.model, self))
        self.query_fields = QueryFields()
        self.echo_button = QtWidgets.QPushButton("Test")
        self.echo_button.setToolTip("Ask the PACS for an echo (an address that answers is remembered)")
        self.echo_button.clicked.connect(self.test_server)
        self.forget_button = QtWidgets.QPushButton("Forget")
        self.forget_button.setToolTip("Stop offering this PACS address")
        self.forget_button.clicked.connect(self.forget_server)
        self.browse_button = QtWidgets.QPushButton("Browse…")
        self.browse_button.clicked.connect(self._on_browse_clicked)
        self.scan_button = QtWidgets.QPushButton("Scan")
        self.scan_button.clicked.connect(lambda: self.start_scan(self.path_edit.text()))
        top = QtWidgets.QHBoxLayout()
        for widget in (self.path_edit, self.echo_button, self.forget_button, self.browse_button, self.scan_button):
            top.addWidget(widget, 1 if widget is self.path_edit else 0)
        self.query_fields.patient_edit.returnPressed.connect(self.scan_button.click)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumHeight(14)
        self.progress.setTextVisible(False)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_scan)
        busy = QtWidgets.QHBoxLayout()
        busy.addWidget(self.progress, 1)
        busy.addWidget(self.cancel_button)
        self.busy = QtWidgets.QWidget()
        self.busy.setLayout(busy)
        self.busy.hide()
        self.tree = QtWidgets.QTreeWidget()
        self.tree.setHeaderLabels(["Patient / study / series", "Images", "Findings", "Import"])
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.add_subjects = QtWidgets.QCheckBox("Add unknown patients as subjects (subject ID = Patient ID) at site")
        self.add_subjects.setObjectName("addSubjects")
        self.site_box = QtWidgets.QComboBox()
        self.site_box.setEditable(True)
        self.site_box.setMinimumWidth(140)  # room for a site code typed in
        self.site_box.addItems([site.code for site in store.sites()])
        self.site_box.setToolTip("An existing site, or a new site code (created by the import)")
        self.add_subjects.toggled.connect(lambda _on: self._replan())
        self.site_box.currentTextChanged.connect(lambda _text: self._replan())
        new_subjects = QtWidgets.QHBoxLayout()
        new_subjects.addWidget(self.add_subjects)
        new_subjects.addWidget(self.site_box)
        new_subjects.addStretch(1)
        self.status_label = QtWidgets.QLabel("Choose a folder and scan it.")
        self.status_label.setWordWrap(True)
        self.buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        self.retrieve_button = self.buttons.addButton("Retrieve ticked",
                                                      QtWidgets.QDialogButtonBox.ButtonRole.ActionRole)
        self.retrieve_button.setToolTip("Bring the ticked series into the local cache and show what the import does")
        self.retrieve_button.clicked.connect(self.retrieve_ticked)
        self.import_button = self.buttons.addButton("Import", QtWidgets.QDialogButtonBox.ButtonRole.ApplyRole)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.import_series)
        self.buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.query_fields)
        layout.addWidget(self.busy)
        layout.addWidget(self.tree, 1)
        layout.addLayout(new_subjects)
        layout.addWidget(self.status_label)
        layout.addWidget(self.buttons)
        self.path_edit.textChanged.connect(self._show_server_fields)
        self._show_server_fields(self.path_edit.text())
        self.tree.itemChanged.connect(lambda _item, _column: self._count_ticked())

    def _on_browse_clicked(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(self, "DICOM folder", self.path_edit.text())
        if folder:
            self.path_edit.setText(folder)
            self.start_scan(folder)

    def _show_server_fields(self, text: str) -> None:
        """Folder or PACS fields for the address typed; what was listed for another address is cleared."""
        address = text.strip()
        on_server = is_server_address(address)
        for widget in (self.query_fields, self.echo_button, self.forget_button, self.retrieve_button):
            widget.setVisible(on_server)
        self.browse_button.setVisible(not on_server)
        self.scan_button.setText("Query" if on_server else "Scan")
        if self._task is None and (self.tree.topLevelItemCount() or self.scan_result is not None) and \
                address != (self._server or self._scanned):
            self.tree.clear()
            self.scan_result, self.plan = None, ()
            self.import_button.setEnabled(False)
            self.retrieve_button.setEnabled(False)
        if self.tree.topLevelItemCount() == 0 and self._task is None:
            self.status_label.setText("Query the PACS by Patient ID or study dates." if on_server else
                                      "Choose a folder and scan it.")

    def forget_server(self) -> None:
        """Stop offering the PACS address in the field."""
        address = self.path_edit.text().strip()
        self.status_label.setText(f"{address} forgotten." if self.nodes.forget(address) else
                                  f"{address} was not remembered.")

    def test_server(self) -> Task | None:
        """Ask the PACS in the field for an echo (in a worker); the answer shows below."""
        address = self.path_edit.text().strip()
        if not is_server_address(address):
            return None

        def run(_progress: Progress, _cancel: threading.Event) -> float:
            return client_of(address).echo()

        def answered(seconds: float) -> None:
            self.nodes.remember(address)
            self.status_label.setText(f"{address} answers ({seconds * 1000:.0f} ms).")

        task = Task(run, f"Testing {address}")
        task.signals.finished.connect(answered)
        task.signals.failed.connect(lambda error: self.status_label.setText(str(error)))
        self.status_label.setText(f"Asking {address} for an echo…")
        self._runner.start(task)
        return task

    # -- scanning, querying, retrieving ----------------------------------------------------------
    def start_scan(self, path: str) -> Task | None:
        """Scan ``path`` in a worker (the tree fills when it is done); for a PACS address, query it with the
        query fields (:meth:`start_query`)."""
        address = path.strip()
        if not address:
            self.status_label.setText("Give a folder, a DICOMDIR or a file to scan, or a PACS and a Patient ID.")
            return None
        self.path_edit.setText(path)
        if is_server_address(address):
            return self.start_query(address, self.query_fields.query())
        target = Path(address).expanduser()
        self._server, self._scanned = "", address
        return self._start(lambda _progress, _cancel: scan(target), f"Scanning {target.name or target}",
                           self._on_scan_finished, " (headers only)")

    def start_query(self, address: str, query: StudyQuery) -> Task | None:
        """List the studies ``query`` finds on the PACS at ``address`` (nothing retrieved yet)."""
        if not (query.patient_id or query.since or query.until):
            self.status_label.setText("Give a Patient ID, or a range of study dates, to query the PACS.")
            return None
        self._server, self._scanned = address, ""

        def run(_progress: Progress, _cancel: threading.Event) -> tuple[StudyHit, ...]:
            return client_of(address).studies(query)

        who = f"patient {query.patient_id}" if query.patient_id else "studies"
        return self._start(run, f"Querying {address} for {who}", self._on_query_finished)

    def retrieve_ticked(self) -> Task | None:
        """Retrieve the ticked series into the cache, scan them and show what the import does."""
        wanted = ticked_series(self.tree)
        if not self._server or not wanted:
            self.status_label.setText("Tick the series to retrieve.")
            return None
        address = self._server

        def run(progress: Progress, cancel: threading.Event) -> ScanResult:
            return scan_series(address, wanted, cancel=cancel, on_series=progress)

        return self._start(run, f"Retrieving {len(wanted)} series from {address}", self._on_scan_finished)

    def _start(self, run: Callable[[Progress, threading.Event], object], title: str,
               on_finished: Callable[[object], None], detail: str = "") -> Task:
        self.cancel_scan()
        self.tree.clear()
        self.import_button.setEnabled(False)
        self.retrieve_button.setEnabled(False)
        task = Task(run, title)

        def finished(result: object) -> None:
            if self._finish_scan(task):
                on_finished(result)

        def failed(error: BaseException) -> None:
            if self._finish_scan(task):
                self._on_scan_failed(error)

        task.signals.finished.connect(finished)
        task.signals.failed.connect(failed)
        task.signals.progress.connect(lambda done, total: self.status_label.setText(
            f"{title}: {done} of {total} done…"))
        self._task = task
        self.busy.show()
        self.scan_button.setEnabled(False)
        self.status_label.setText(f"{title}{detail}…")
        self._runner.start(task)
        return task

    def cancel_scan(self) -> None:
        """Stop waiting for the running scan, query or retrieval (its result will be ignored)."""
        if self._task is not None and not self._task.done:
            self._task.cancel()
            self.status_label.setText(f"Cancelled: {self._task.title}.")
            self._task = None
            self.busy.hide()
            self.scan_button.setEnabled(True)

    def _finish_scan(self, task: Task) -> bool:
        """True if ``task`` is the one still wanted (a cancelled one reports nothing)."""
        if task is not self._task:
            return False
        self._task = None
        self.busy.hide()
        self.scan_button.setEnabled(True)
        return True

    def _on_scan_failed(self, error: BaseException) -> None:
        if not isinstance(error, RecistAppError):  # a bug: the error boundary says so and logs the details
            self.status_label.setText("Nothing to import.")
            show_error("Could not scan the folder", error, self)
            return
        self.status_label.setText(f"Nothing to import: {error}")

    def _on_scan_finished(self, result: object) -> None:
        assert isinstance(result, ScanResult)
        self.show_result(result)

    def _on_query_finished(self, studies: object) -> None:
        assert isinstance(studies, tuple)
        self.nodes.remember(self._server)
        self.scan_result, self.plan = None, ()
        linked = {link.series_uid for subject in self._store.subjects()
                  for tp in self._store.timepoints(subject.subject_id) for link in tp.series}
        ticked = show_studies(self.tree, studies, linked)
        found = f"{len(studies)} {'study' if len(studies) == 1 else 'studies'} found"
        self.status_label.setText(f"{found}: the series to read are ticked; Retrieve ticked brings them to plan "
                                  "the import." if studies else "No study matches.")
        self.retrieve_button.setEnabled(ticked > 0)

    def _count_ticked(self) -> None:
        if self.scan_result is None and self._server:
            self.retrieve_button.setEnabled(bool(ticked_series(self.tree)))

    # -- review and import ------------------------------------------------------------------------
    def show_result(self, result: ScanResult) -> None:
        """List the series of ``result`` with their findings and what the import does."""
        self.scan_result = result
        self.plan = plan_patient_import(self._store, result, self._server, add_subjects_at=self.new_subject_site()) \
            if self._server else plan_import(self._store, result, add_subjects_at=self.new_subject_site())
        actions = {item.series.series_uid: item for item in self.plan}
        self.tree.clear()
        warning = self.style().standardIcon(QtWidgets.QStyle.StandardPixmap.SP_MessageBoxWarning)
        for patient, studies in result.tree().items():
            patient_item = QtWidgets.QTreeWidgetItem([f"Patient {patient or '(no id)'}"])
            self.tree.addTopLevelItem(patient_item)
            for series_list in studies.values():
                first = series_list[0]
                day = study_date(first.study_date)
                study_item = QtWidgets.QTreeWidgetItem([f"Study {day.isoformat() if day else '(no date)'} "
                                                        f"{first.study_description}".rstrip()])
                patient_item.addChild(study_item)
                for summary in series_list:
                    item = actions.get(summary.series_uid)
                    action = ACTIONS.get(item.action, item.action) if item else ""
                    if item is not None and item.reason:
                        action = f"{action}: {item.reason}"
                    if item is not None and item.visit and item.match is not None:
                        action = f"{action} as {item.match.text}"
                    if item is not None and item.new_subject_site:
                        action = f"{action}, new subject at {item.new_subject_site}"
                    codes = ", ".join(f.code for f in summary.findings)
                    row = QtWidgets.QTreeWidgetItem([
                        f"{summary.series_number or ''} {summary.modality} {summary.series_description}".strip(),
                        series_text(summary), codes, action])
                    if summary.findings:
                        row.setIcon(2, warning)
                        row.setForeground(2, QtGui.QBrush(QtGui.QColor(WARNING_COLOUR)))
                        row.setToolTip(2, "\n".join(f"{f.code}: {f.message}" for f in summary.findings))
                    row.setToolTip(3, action)
                    study_item.addChild(row)
        self.tree.expandAll()
        for column in (1, 2, 3):
            self.tree.resizeColumnToContents(column)
        attachable = sum(1 for item in self.plan if item.action in ("attach", "attach-new"))
        unreadable = f"; {len(result.unreadable)} file(s) not usable" if result.unreadable else ""
        self.status_label.setText(f"{len(result.series)} series found{unreadable}; {attachable} can be imported.")
        self.import_button.setEnabled(attachable > 0)

    def new_subject_site(self) -> str:
        """The site of subjects the import creates ("" when unknown patients are skipped)."""
        return self.site_box.currentText().strip() if self.add_subjects.isChecked() else ""

    def _replan(self) -> None:
        if self.scan_result is not None:
            self.show_result(self.scan_result)

    def import_series(self) -> int:
        """Attach the planned series to the trial; emits :attr:`imported`."""
        from widgets.error_display import show_errors

        count = 0
        with show_errors("Could not import the series", self):
            count = apply_import(self._store, self.plan, self._actor)
        self._replan()  # the rows now say "already in the trial"
        self.status_label.setText(f"{count} series imported into {self._store.trial.code}.")
        self.import_button.setEnabled(False)
        self.imported.emit(count)
        return count
