"""Trial set-up in the GUI (``SetupDialog``) as the demo trial's administrator: sites, readers (add with the
password typed twice, disable, enable, new password), subjects, the trial's name; every change audited
with the administrator's name, the tables reloaded and ``changed`` emitted; another role is refused."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6 import QtCore, QtWidgets
from pytestqt.qtbot import QtBot

from recist_app.model.records import Reader
from recist_app.store import TrialStore
from recist_app.store.errors import DuplicateError
from widgets.dialogs.login import LoginDialog
from widgets.dialogs.setup import REFUSAL, SetupDialog, select_uid

ADMIN, ADMIN_PASSWORD = "Demo Admin", "demo-admin"
SCREENSHOT_SIZE = (1000, 650)


@pytest.fixture
def dialog(app: QtWidgets.QApplication, qtbot: QtBot, store: TrialStore) -> SetupDialog:
    shown = SetupDialog(store, store.authenticate(ADMIN, ADMIN_PASSWORD))
    qtbot.addWidget(shown)
    shown.resize(*SCREENSHOT_SIZE)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


def find(dialog: QtWidgets.QDialog, kind: type, name: str) -> object:
    widget = dialog.findChild(kind, name)
    assert widget is not None, name
    return widget


def click(qtbot: QtBot, dialog: QtWidgets.QDialog, name: str) -> None:
    button = find(dialog, QtWidgets.QPushButton, name)
    assert isinstance(button, QtWidgets.QPushButton) and button.isEnabled(), name
    qtbot.mouseClick(button, QtCore.Qt.MouseButton.LeftButton)


def type_into(qtbot: QtBot, dialog: QtWidgets.QDialog, name: str, text: str) -> None:
    edit = find(dialog, QtWidgets.QLineEdit, name)
    assert isinstance(edit, QtWidgets.QLineEdit)
    edit.clear()
    qtbot.keyClicks(edit, text)


def column(table: QtWidgets.QTableWidget, col: int) -> list[str]:
    return [table.item(row, col).text() for row in range(table.rowCount())]


def reader_named(store: TrialStore, name: str) -> Reader:
    return next(r for r in store.readers() if r.name == name)


def last_audit(store: TrialStore) -> tuple[str, str]:
    entry = store.audit_entries()[-1]
    return entry.action, entry.actor_name


def login_names(qtbot: QtBot, store: TrialStore) -> list[str]:
    login = LoginDialog(store)
    qtbot.addWidget(login)
    return [login.reader_box.itemText(i).split("  (")[0] for i in range(login.reader_box.count())]


def test_the_trial_tab_shows_the_trial_and_renames_it(qtbot: QtBot, dialog: SetupDialog, store: TrialStore) -> None:
    trial = store.trial
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == ["Trial", "Sites", "Readers", "Subjects"]
    assert dialog.trial_code.text() == trial.code and dialog.trial_name_edit.text() == trial.name
    assert dialog.profile_text.isReadOnly() and dialog.profile_text.toPlainText() == trial.profile_toml
    assert dialog.profile_summary.text().startswith(store.profile.name)
    assert not dialog.save_name_button.isEnabled()  # nothing changed yet
    type_into(qtbot, dialog, "trialName", "Demo trial, renamed")
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog, "saveTrialName")
    assert store.trial.name == "Demo trial, renamed" and store.trial.code == trial.code
    assert last_audit(store) == ("edit_trial", ADMIN)
    assert not dialog.save_name_button.isEnabled()


def test_add_a_site_and_a_subject_there(qtbot: QtBot, dialog: SetupDialog, store: TrialStore) -> None:
    dialog.tabs.setCurrentIndex(1)
    assert not dialog.add_site_button.isEnabled()  # a code is needed
    type_into(qtbot, dialog, "siteCode", "FR02")
    type_into(qtbot, dialog, "siteName", "Second centre")
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog, "addSite")
    assert "FR02" in column(dialog.sites_table, 0) and "FR02" in {site.code for site in store.sites()}
    assert last_audit(store) == ("add_site", ADMIN)
    assert dialog.status_label.text() == "Added site FR02."
    assert dialog.site_code_edit.text() == ""

    dialog.tabs.setCurrentIndex(3)
    subjects_before = column(dialog.subjects_table, 0)
    site_box = find(dialog, QtWidgets.QComboBox, "subjectSite")
    assert isinstance(site_box, QtWidgets.QComboBox)
    site_box.setCurrentText("FR02")
    type_into(qtbot, dialog, "subjectId", "STS-099")
    type_into(qtbot, dialog, "subjectArm", "SBRT")
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog, "addSubject")
    assert column(dialog.subjects_table, 0) == sorted([*subjects_before, "STS-099"])
    row = column(dialog.subjects_table, 0).index("STS-099")
    assert [dialog.subjects_table.item(row, c).text() for c in range(4)] == ["STS-099", "FR02", "SBRT", "0"]
    subject = store.subject("STS-099")
    assert (subject.site_code, subject.arm) == ("FR02", "SBRT") and last_audit(store) == ("add_subject", ADMIN)
    assert column(dialog.sites_table, 2)[column(dialog.sites_table, 0).index("FR02")] == "1"
    images = [int(n) for n in column(dialog.subjects_table, 3)]
    assert sum(images) > 0  # the demo subjects' time points with images

    assert not dialog.due_group.isEnabled()  # a subject must be selected first
    dialog.subjects_table.selectRow(row)
    assert dialog.due_group.isEnabled()
    dialog.due_edit.setDate(QtCore.QDate(2025, 2, 14))
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog, "setReadsDue")
    assert store.subject("STS-099").reads_due_on == date(2025, 2, 14) and last_audit(store) == ("set_reads_due", ADMIN)
    assert column(dialog.subjects_table, 4)[column(dialog.subjects_table, 0).index("STS-099")] == "2025-02-14"


def test_a_store_refusal_is_shown_in_the_readers_words(qtbot: QtBot, dialog: SetupDialog, store: TrialStore) -> None:
    existing = store.sites()[0].code
    type_into(qtbot, dialog, "siteCode", existing)
    with pytest.raises(DuplicateError, match=f"A site '{existing}' already exists"):
        dialog.add_site()
    boxes = [w for w in QtWidgets.QApplication.topLevelWidgets() if w.objectName() == "errorBox" and w.isVisible()]
    assert boxes and boxes[-1].windowTitle() == "Could not add the site"
    assert "already exists; choose another" in boxes[-1].text()
    for box in boxes:
        box.close()


def test_readers_added_disabled_enabled_and_given_a_new_password(qtbot: QtBot, dialog: SetupDialog,
                                                                store: TrialStore) -> None:
    dialog.tabs.setCurrentIndex(2)
    table = dialog.readers_table
    assert column(table, 0) == [r.name for r in store.readers()] and set(column(table, 2)) == {"yes"}
    type_into(qtbot, dialog, "readerName", "Dr New")
    role_box = find(dialog, QtWidgets.QComboBox, "readerRole")
    assert isinstance(role_box, QtWidgets.QComboBox)
    role_box.setCurrentIndex(role_box.findData("central_reader_2"))
    type_into(qtbot, dialog, "readerPassword", "long secret 1")
    type_into(qtbot, dialog, "readerPasswordAgain", "long secret 2")
    with qtbot.assertNotEmitted(dialog.changed):
        click(qtbot, dialog, "addReader")
    assert dialog.status_label.text() == "The two passwords differ: type the same password twice."
    assert "Dr New" not in {r.name for r in store.readers()} and dialog.reader_again_edit.text() == ""
    for edit in ("readerPassword", "readerPasswordAgain"):
        type_into(qtbot, dialog, edit, "pin-1")
    with qtbot.assertNotEmitted(dialog.changed):
        click(qtbot, dialog, "addReader")
    assert dialog.status_label.text().startswith("A reader's password needs at least 10 characters")
    assert "Dr New" not in {r.name for r in store.readers()}
    for edit in ("readerPassword", "readerPasswordAgain"):
        type_into(qtbot, dialog, edit, "long secret 1")
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog, "addReader")
    added = reader_named(store, "Dr New")
    assert added.role.value == "central_reader_2" and added.active and last_audit(store) == ("add_reader", ADMIN)
    assert dialog.status_label.text() == "Added reader Dr New (central reader 2)."
    assert dialog.selected_reader() == added  # the new reader is selected
    assert store.authenticate("Dr New", "long secret 1") == added
    assert "Dr New" in login_names(qtbot, store)

    assert not dialog.enable_button.isEnabled()
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog, "disableReader")
    assert not reader_named(store, "Dr New").active and last_audit(store) == ("disable_reader", ADMIN)
    row = column(table, 0).index("Dr New")
    assert table.item(row, 2).text() == "no (disabled)"
    assert "Dr New" not in login_names(qtbot, store)  # the log-in dialog lists active readers only
    assert not dialog.disable_button.isEnabled() and dialog.enable_button.isEnabled()
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog, "enableReader")
    assert reader_named(store, "Dr New").active and "Dr New" in login_names(qtbot, store)

    assert dialog.password_group.title() == "New password for Dr New"
    type_into(qtbot, dialog, "newPassword", "long secret 3")
    type_into(qtbot, dialog, "newPasswordAgain", "long secret 3")
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog, "setPassword")
    assert store.authenticate("Dr New", "long secret 3").name == "Dr New"
    assert last_audit(store) == ("set_reader_password", ADMIN)

    select_uid(table, reader_named(store, ADMIN).uid)  # an administrator cannot disable themself here
    assert not dialog.disable_button.isEnabled() and "cannot disable yourself" in dialog.disable_button.toolTip()


def test_a_disabled_reader_is_refused_by_an_open_login_dialog(app: QtWidgets.QApplication, qtbot: QtBot,
                                                              store: TrialStore) -> None:
    login = LoginDialog(store, reader_name="Demo Reader")
    qtbot.addWidget(login)
    store.set_reader_active(reader_named(store, "Demo Reader").uid, False, actor=ADMIN)
    login.password_edit.setText("demo")
    login.accept()
    assert login.reader is None and login.error_label.text() == "This reader is disabled: ask the trial administrator."


@pytest.mark.parametrize("name", ["Demo Reader", "Demo Adjudicator"])
def test_another_role_is_refused(app: QtWidgets.QApplication, qtbot: QtBot, store: TrialStore, name: str) -> None:
    dialog = SetupDialog(store, reader_named(store, name))
    qtbot.addWidget(dialog)
    assert dialog.refused and dialog.findChild(QtWidgets.QTabWidget) is None
    assert dialog.status_label.text() == REFUSAL
    assert not dialog.findChildren(QtWidgets.QLineEdit)


def test_screenshots_of_each_tab(qtbot: QtBot, dialog: SetupDialog, store: TrialStore) -> None:
    """One picture per tab at 1000 × 650 in /tmp (looked at by hand)."""
    store.add_reader("Dr Former", "site_radiologist", "former pin", actor=ADMIN)
    store.set_reader_active(reader_named(store, "Dr Former").uid, False, actor=ADMIN)
    dialog.refresh()
    select_uid(dialog.readers_table, reader_named(store, "Demo Central Reader 2").uid)
    for index in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(index)
        QtWidgets.QApplication.processEvents()
        picture = dialog.grab()
        assert (picture.width(), picture.height()) == SCREENSHOT_SIZE
        assert picture.save(f"/tmp/setup_{dialog.tabs.tabText(index).lower()}.png")
