"""Dialogs: log-in (the store checks the password), signature and reopening, export, open folder."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6 import QtCore, QtWidgets
from pytestqt.qtbot import QtBot

from recist_app.demo.phantom import PhantomSpec, write_series
from recist_app.demo.store import DEMO_READERS
from recist_app.store import TrialStore
from recist_app.store.errors import SignatureError
from tests.orthanc import Orthanc
from tests.widgets.reading_support import Demo
from widgets.dialogs.export import FOLDER_KEY, FORMATS_KEY, ExportDialog
from widgets.dialogs.login import LoginDialog
from widgets.dialogs.open_folder import OpenFolderDialog
from widgets.dialogs.pacs_query import SERIES_ROLE, PacsNodes, ticked_series
from widgets.dialogs.sign import ReopenDialog, SignDialog
from widgets.workers import TaskRunner

Buttons = QtWidgets.QDialogButtonBox.StandardButton


def series_rows(tree: QtWidgets.QTreeWidget) -> dict[str, QtWidgets.QTreeWidgetItem]:
    """The open-folder tree's series rows by their patient's row text."""
    rows = {}
    iterator = QtWidgets.QTreeWidgetItemIterator(tree)
    while iterator.value():
        item = iterator.value()
        if item.childCount() == 0:
            rows[item.parent().parent().text(0)] = item
        iterator += 1
    return rows


def ok_button(dialog: QtWidgets.QDialog) -> QtWidgets.QPushButton:
    return dialog.findChild(QtWidgets.QDialogButtonBox).button(Buttons.Ok)


def test_login_checks_the_password_with_the_store(app: QtWidgets.QApplication, qtbot: QtBot,
                                                  store: TrialStore) -> None:
    dialog = LoginDialog(store, reader_name="Demo Central Reader 1")
    qtbot.addWidget(dialog)
    names = [dialog.reader_box.itemText(i).split("  (")[0] for i in range(dialog.reader_box.count())]
    assert sorted(names) == sorted(name for name, _role, _password in DEMO_READERS)  # every role logs in
    assert dialog.reader_box.currentText().startswith("Demo Central Reader 1")
    dialog.open()
    qtbot.keyClicks(dialog.password_edit, "wrong")
    qtbot.mouseClick(ok_button(dialog), QtCore.Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.reader is None
    assert dialog.error_label.text() == "Wrong password for Demo Central Reader 1."
    dialog.password_edit.setText("demo-central-1")
    qtbot.mouseClick(ok_button(dialog), QtCore.Qt.MouseButton.LeftButton)
    assert dialog.result() == QtWidgets.QDialog.DialogCode.Accepted
    assert dialog.reader is not None and dialog.reader.name == "Demo Central Reader 1"


def test_authenticate_refuses_a_wrong_password(store: TrialStore) -> None:
    reader = next(r for r in store.readers() if r.name == "Demo Reader")
    assert store.authenticate(reader.uid, "demo") == reader
    with pytest.raises(SignatureError):
        store.authenticate(reader.uid, "Demo")


def test_sign_dialog_needs_password_and_meaning(app: QtWidgets.QApplication, qtbot: QtBot) -> None:
    dialog = SignDialog("Demo Reader", "STS-001", "WEEK 8", "RECIST 1.1 overall: PR")
    qtbot.addWidget(dialog)
    assert "I have reviewed" in dialog.meaning
    assert not ok_button(dialog).isEnabled()
    qtbot.keyClicks(dialog.password_edit, "demo")
    assert ok_button(dialog).isEnabled() and dialog.password == "demo"
    dialog.meaning_edit.setPlainText("  ")
    assert not ok_button(dialog).isEnabled()
    reopen = ReopenDialog("STS-001", "WEEK 8")
    qtbot.addWidget(reopen)
    assert not ok_button(reopen).isEnabled()
    qtbot.keyClicks(reopen.reason_edit, "query 7")
    assert ok_button(reopen).isEnabled() and reopen.reason == "query 7"


def test_export_dialog_lists_registered_formats(app: QtWidgets.QApplication, qtbot: QtBot, tmp_path: Path) -> None:
    from recist_app.exports import FORMATS

    dialog = ExportDialog(tmp_path / "out")
    qtbot.addWidget(dialog)
    assert set(dialog.checks) == set(FORMATS)
    assert dialog.formats == ("sdtm", "timeline") and dialog.folder == str(tmp_path / "out")
    for check in dialog.checks.values():
        check.setChecked(False)
    assert not ok_button(dialog).isEnabled()
    assert all(dialog.checks[name].text() != name for name in FORMATS)  # every format says what it writes


def test_the_export_dialog_opens_on_the_trial_s_last_export(app: QtWidgets.QApplication, qtbot: QtBot,
                                                           tmp_path: Path) -> None:
    first = ExportDialog(tmp_path / "proposed", trial_code="STS")
    qtbot.addWidget(first)
    for name in ("adam", "pdf"):
        first.checks[name].setChecked(True)
    first.folder_edit.setText(str(tmp_path / "chosen"))
    try:
        ok_button(first).click()
        again = ExportDialog(tmp_path / "proposed", trial_code="STS")
        other = ExportDialog(tmp_path / "elsewhere", trial_code="OTHER")
        qtbot.addWidget(again)
        qtbot.addWidget(other)
        assert again.formats == other.formats == ("sdtm", "adam", "timeline", "pdf")
        assert again.folder == str(tmp_path / "chosen") and other.folder == str(tmp_path / "elsewhere")
    finally:  # the next dialogs of the session open on the defaults
        settings = QtCore.QSettings()
        settings.remove(FORMATS_KEY)
        settings.remove(FOLDER_KEY)


def test_open_folder_scans_shows_findings_and_imports(app: QtWidgets.QApplication, qtbot: QtBot,
                                                      store: TrialStore, tmp_path: Path) -> None:
    folder = tmp_path / "incoming"
    write_series(PhantomSpec.chest(slices=8, rows=64, columns=64, slice_spacing_mm=5.0, patient_id="STS-001",
                                   study_date="20240902", series_description="CT week 32"), folder / "a")
    truth = write_series(PhantomSpec.chest(slices=8, rows=64, columns=64, slice_spacing_mm=5.0,
                                           patient_id="UNKNOWN-9", study_date="20240902"), folder / "b")
    (folder / "b" / truth.file_names[4]).unlink()  # a missing slice: a finding the reader must see
    runner = TaskRunner()
    dialog = OpenFolderDialog(store, runner, "Demo Reader")
    qtbot.addWidget(dialog)
    dialog.show()
    task = dialog.start_scan(str(folder))
    assert task is not None and dialog.busy.isVisible()
    qtbot.waitUntil(lambda: dialog.scan_result is not None, timeout=15_000)
    assert not dialog.busy.isVisible()
    rows = series_rows(dialog.tree)
    assert set(rows) == {"Patient STS-001", "Patient UNKNOWN-9"}
    assert rows["Patient STS-001"].text(3).startswith("attach to a new time point as UNSCHEDULED (day ")
    assert rows["Patient UNKNOWN-9"].text(3).startswith("skip: no subject 'UNKNOWN-9'")
    assert "MISSING_SLICES" in rows["Patient UNKNOWN-9"].text(2)
    assert dialog.import_button.isEnabled()
    with qtbot.waitSignal(dialog.imported) as imported:
        qtbot.mouseClick(dialog.import_button, QtCore.Qt.MouseButton.LeftButton)
    assert imported.args == [1]
    assert date(2024, 9, 2) in [tp.scan_date for tp in store.timepoints("STS-001")]
    assert "UNKNOWN-9" not in {subject.subject_id for subject in store.subjects()}

    dialog.add_subjects.setChecked(True)  # issue 12: the import creates unknown subjects, after showing it
    dialog.site_box.setEditText("NEW-SITE")
    rows = series_rows(dialog.tree)
    assert rows["Patient UNKNOWN-9"].text(3) == ("attach to a new time point as BASELINE (day 0), "
                                                 "new subject at NEW-SITE")
    assert rows["Patient STS-001"].text(3) == "already in the trial"
    with qtbot.waitSignal(dialog.imported) as imported:
        qtbot.mouseClick(dialog.import_button, QtCore.Qt.MouseButton.LeftButton)
    assert imported.args == [1]
    assert store.subject("UNKNOWN-9").site_code == "NEW-SITE"
    assert [(tp.visit, tp.scan_date) for tp in store.timepoints("UNKNOWN-9")] == [("BASELINE", date(2024, 9, 2))]


def test_open_folder_scan_can_be_cancelled(app: QtWidgets.QApplication, qtbot: QtBot, store: TrialStore,
                                           demo: Demo) -> None:
    runner = TaskRunner()
    dialog = OpenFolderDialog(store, runner, "Demo Reader")
    qtbot.addWidget(dialog)
    dialog.show()
    task = dialog.start_scan(str(demo.images.folder))
    dialog.cancel_button.click()
    assert dialog.status_label.text() == f"Cancelled: Scanning {demo.images.folder.name}."
    assert not dialog.busy.isVisible()
    qtbot.waitUntil(lambda: task.done, timeout=15_000)
    assert dialog.scan_result is None and dialog.tree.topLevelItemCount() == 0


def test_a_wrong_password_keeps_the_sign_dialog_open(app: QtWidgets.QApplication, qtbot: QtBot) -> None:
    """Issue 12: a wrong password lets the reader retry instead of closing the dialog."""
    tried: list[str] = []
    dialog = SignDialog("Demo Reader", "STS-001", "WEEK 8", verify=lambda pw: tried.append(pw) or pw == "demo")
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.keyClicks(dialog.password_edit, "dmeo")
    qtbot.mouseClick(ok_button(dialog), QtCore.Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.result() != QtWidgets.QDialog.DialogCode.Accepted
    assert "Wrong password" in dialog.error_label.text() and dialog.password_edit.text() == ""
    qtbot.keyClicks(dialog.password_edit, "demo")
    qtbot.mouseClick(ok_button(dialog), QtCore.Qt.MouseButton.LeftButton)
    assert dialog.result() == QtWidgets.QDialog.DialogCode.Accepted and tried == ["dmeo", "demo"]


def test_open_dialog_queries_a_pacs_and_imports_the_ticked_series(app: QtWidgets.QApplication, qtbot: QtBot,
                                                                   store: TrialStore, orthanc: Orthanc, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15: a PACS address turns Scan into Query (Patient ID, study dates, modality); the answer lists
    the series, nothing retrieved; Retrieve ticked brings the ticked ones and shows the plan; Import links
    them to the server. An address that answers is remembered, and can be forgotten."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("RECIST_SERIES_CACHE", str(cache))
    runner = TaskRunner()
    dialog = OpenFolderDialog(store, runner, "Demo Reader")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.path_edit.setText(orthanc.dimse)
    assert dialog.query_fields.isVisible() and dialog.echo_button.isVisible() and not dialog.browse_button.isVisible()
    assert dialog.scan_button.text() == "Query"
    assert dialog.start_scan(orthanc.dimse) is None and "Give a Patient ID, or a range of study dates" in \
        dialog.status_label.text()
    dialog.test_server()
    qtbot.waitUntil(lambda: "answers (" in dialog.status_label.text(), timeout=15_000)
    assert dialog.nodes.addresses == [orthanc.dimse]  # remembered once it answered
    fields = dialog.query_fields
    fields.patient_edit.setText("Lung_Dx-*")
    fields.since.set_day(date(2007, 4, 10))
    qtbot.mouseClick(dialog.scan_button, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.retrieve_button.isEnabled(), timeout=30_000)
    assert study_rows(dialog.tree) == ["Patient Lung_Dx-A0002 · study 2007-04-25"]
    assert dialog.status_label.text().startswith("1 study found: the series to read are ticked")
    (hit,) = ticked_series(dialog.tree)
    assert hit.modality == "CT" and hit.instances == 30 and not cache.exists()  # listed, not retrieved
    row = dialog.tree.topLevelItem(0).child(0)
    row.setCheckState(0, QtCore.Qt.CheckState.Unchecked)
    assert not dialog.retrieve_button.isEnabled()
    row.setCheckState(0, QtCore.Qt.CheckState.Checked)
    dialog.add_subjects.setChecked(True)
    dialog.site_box.setEditText("TCIA")
    qtbot.mouseClick(dialog.retrieve_button, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.scan_result is not None, timeout=30_000)
    rows = series_rows(dialog.tree)
    assert rows["Patient Lung_Dx-A0002"].text(3) == ("attach to a new time point as BASELINE (day 0), new subject at "
                                                     "TCIA")
    with qtbot.waitSignal(dialog.imported) as imported:
        qtbot.mouseClick(dialog.import_button, QtCore.Qt.MouseButton.LeftButton)
    assert imported.args == [1]
    assert [link.path for tp in store.timepoints("Lung_Dx-A0002") for link in tp.series] == [orthanc.dimse]
    assert series_rows(dialog.tree)["Patient Lung_Dx-A0002"].text(3).startswith("already in the trial")
    fields.since.set_day(None)  # any date
    dialog.start_scan(orthanc.dimse)
    qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() == 2, timeout=30_000)
    assert study_rows(dialog.tree) == ["Patient Lung_Dx-A0001 · study 2007-04-04",
                                       "Patient Lung_Dx-A0002 · study 2007-04-25"]
    imported_row = dialog.tree.topLevelItem(1).child(0)
    assert imported_row.text(3) == "already in the trial"
    assert not imported_row.flags() & QtCore.Qt.ItemFlag.ItemIsEnabled
    first = dialog.tree.topLevelItem(0)
    assert ticked_series(dialog.tree) == [first.child(i).data(0, SERIES_ROLE) for i in range(first.childCount())]
    again = OpenFolderDialog(store, runner, "Demo Reader")
    qtbot.addWidget(again)
    again.path_edit.setText(orthanc.dimse)
    assert again.nodes.addresses == [orthanc.dimse]
    again.forget_button.click()
    assert again.status_label.text() == f"{orthanc.dimse} forgotten." and PacsNodes().addresses == []
    dialog.path_edit.setText(str(tmp_path))
    assert not dialog.query_fields.isVisible() and dialog.scan_button.text() == "Scan"  # a folder needs no query
    assert dialog.tree.topLevelItemCount() == 0  # nothing of the PACS stays listed under a folder's address
    assert dialog.status_label.text() == "Choose a folder and scan it."


def study_rows(tree: QtWidgets.QTreeWidget) -> list[str]:
    return [tree.topLevelItem(index).text(0) for index in range(tree.topLevelItemCount())]


def test_a_series_deleted_between_query_and_retrieval_imports_nothing(app: QtWidgets.QApplication, qtbot: QtBot,
                                                                      store: TrialStore, orthanc: Orthanc,
                                                                      shared_dir: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15: the PACS loses one of the ticked series after the query: the retrieval says which, in the
    dialog, and the trial gains nothing (not even the series that did arrive)."""
    monkeypatch.setenv("RECIST_SERIES_CACHE", str(tmp_path / "cache"))
    scans = sorted((shared_dir / "data" / "ct" / "lung_pet_ct_dx" / "Lung_Dx-A0002").rglob("*.dcm"))
    orthanc.upload_as_study(scans, "HALF-1", "20070425")
    lost = orthanc.upload_as_study(scans, "HALF-1", "20070620")
    dialog = OpenFolderDialog(store, TaskRunner(), "Demo Reader")
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(orthanc.dicomweb)
    dialog.query_fields.patient_edit.setText("HALF-1")
    dialog.start_scan(orthanc.dicomweb)
    qtbot.waitUntil(lambda: dialog.retrieve_button.isEnabled(), timeout=30_000)
    assert len(ticked_series(dialog.tree)) == 2
    orthanc.delete_series(lost)
    dialog.add_subjects.setChecked(True)
    dialog.site_box.setEditText("TCIA")
    dialog.retrieve_ticked()
    qtbot.waitUntil(lambda: dialog.status_label.text().startswith("Nothing to import:"), timeout=30_000)
    assert f"has no series {lost}" in dialog.status_label.text()
    assert not dialog.import_button.isEnabled() and "HALF-1" not in {s.subject_id for s in store.subjects()}
