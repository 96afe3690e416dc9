"""``SetupDialog``: the trial administrator sets the trial up: its name, sites, readers and subjects.

Four tabs:

- **Trial**: code, name (editable), blinded visits, adjudication points and the protocol profile,
  read-only (they are fixed when the trial is created).
- **Sites**: the sites with their subjects; add a site.
- **Readers**: name, role, whether the reader may log in; add a reader (name, role, password typed
  twice), disable or enable the selected reader, give the selected reader a new password.
- **Subjects**: subject, site, arm and the number of time points with images; add a subject at a site.

Every change is one call of the store (:class:`~recist_app.store.TrialStore`) made as the
administrator (``actor`` = the administrator's name, so the audit trail says who did it), through
:func:`widgets.error_display.show_errors`: a refused change shows the store's message. After each
change the tables are read again from the store and :attr:`SetupDialog.changed` is emitted (the main
window then reloads its trial browser). Only an administrator may use the dialog; another role sees
a refusal and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from PySide6 import QtCore, QtGui, QtWidgets

from recist_app.evaluation.trial_profile import parse_trial_profile
from recist_app.model.records import Reader, ReaderRole
from recist_app.store import TrialStore
from recist_app.store.errors import RefusedInputError
from recist_app.store.signoff import check_new_password
from widgets.dialogs.login import ROLE_NAMES
from widgets.error_display import show_errors

ERROR_COLOUR, MUTED_COLOUR = "#ff8a65", "#8b9097"
ADJUDICATION_NAMES = {"pd_date": "date of progression", "bor": "best overall response"}
REFUSAL = "Only the trial administrator can set up the trial: log in as an administrator."
UID_ROLE = QtCore.Qt.ItemDataRole.UserRole


def _table(name: str, headers: Sequence[str], stretch: int) -> QtWidgets.QTableWidget:
    """A read-only table of whole rows; column ``stretch`` takes the room the others leave."""
    table = QtWidgets.QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QtWidgets.QHeaderView.ResizeMode.Stretch)
    return table


def _fill(table: QtWidgets.QTableWidget, rows: Sequence[tuple[str, Sequence[str], bool]]) -> None:
    """Replace the rows by ``(uid, cells, muted)``, keeping the selected uid selected."""
    selected = _selected_uid(table)
    table.setRowCount(len(rows))
    for r, (uid, cells, muted) in enumerate(rows):
        for c, text in enumerate(cells):
            item = QtWidgets.QTableWidgetItem(text)
            item.setData(UID_ROLE, uid)
            if muted:
                item.setForeground(QtGui.QBrush(QtGui.QColor(MUTED_COLOUR)))
            table.setItem(r, c, item)
    select_uid(table, selected)


def _uid(table: QtWidgets.QTableWidget, row: int) -> str | None:
    item = table.item(row, 0)
    return None if item is None else item.data(UID_ROLE)


def _selected_uid(table: QtWidgets.QTableWidget) -> str | None:
    rows = table.selectionModel().selectedRows()
    return _uid(table, rows[0].row()) if rows else None


def select_uid(table: QtWidgets.QTableWidget, uid: str | None) -> None:
    """Select the row of ``uid`` (clear the selection when absent)."""
    row = next((r for r in range(table.rowCount()) if uid is not None and _uid(table, r) == uid), None)
    if row is None:
        table.clearSelection()
    else:
        table.selectRow(row)


def _line(name: str, placeholder: str = "", password: bool = False) -> QtWidgets.QLineEdit:
    edit = QtWidgets.QLineEdit()
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    if password:
        edit.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
    return edit


def _button(name: str, text: str, slot: Callable[[], object]) -> QtWidgets.QPushButton:
    button = QtWidgets.QPushButton(text)
    button.setObjectName(name)
    button.setAutoDefault(False)  # Enter in a field never closes the dialog
    button.clicked.connect(lambda _checked=False: slot())
    return button


def _group(title: str, form: QtWidgets.QFormLayout, button: QtWidgets.QPushButton) -> QtWidgets.QGroupBox:
    box = QtWidgets.QGroupBox(title)
    row = QtWidgets.QHBoxLayout()
    row.addStretch(1)
    row.addWidget(button)
    form.addRow(row)
    box.setLayout(form)
    return box


def _split(table: QtWidgets.QWidget, *side: QtWidgets.QWidget) -> QtWidgets.QWidget:
    """A tab: the table on the left, the forms stacked on the right."""
    column = QtWidgets.QVBoxLayout()
    for widget in side:
        column.addWidget(widget)
    column.addStretch(1)
    page = QtWidgets.QWidget()
    layout = QtWidgets.QHBoxLayout(page)
    layout.addWidget(table, 3)
    layout.addLayout(column, 2)
    return page


class SetupDialog(QtWidgets.QDialog):
    """Set the trial up as the administrator ``admin``.

    Parameters
    ----------
    store : TrialStore
    admin : Reader
        The logged-in reader; any other role than administrator is refused with a message.
    parent : QWidget, optional

    Signals
    -------
    changed()
        After every change written to the trial.
    """

    changed = QtCore.Signal()

    def __init__(self, store: TrialStore, admin: Reader, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Trial set-up")
        self.setObjectName("setupDialog")
        self.resize(1000, 650)
        self._store, self._admin = store, admin
        self._trial_name = ""
        self.refused = admin.role is not ReaderRole.ADMIN or not admin.active
        self.status_label = QtWidgets.QLabel()
        self.status_label.setObjectName("setupStatus")
        self.status_label.setWordWrap(True)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        if self.refused:
            self.resize(460, 140)
            self.say(REFUSAL, error=True)
            layout.addWidget(self.status_label, 1)
            layout.addWidget(buttons)
            return
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.setObjectName("setupTabs")
        self.tabs.addTab(self._trial_tab(), "Trial")
        self.tabs.addTab(self._sites_tab(), "Sites")
        self.tabs.addTab(self._readers_tab(), "Readers")
        self.tabs.addTab(self._subjects_tab(), "Subjects")
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status_label)
        layout.addWidget(buttons)
        for edit in self.findChildren(QtWidgets.QLineEdit):
            edit.textChanged.connect(self._update_buttons)
        self.refresh()
        self.say(f"Changes are saved at once and recorded in the audit trail as made by {admin.name}.")

    # -- tabs -------------------------------------------------------------------------------------
    def _trial_tab(self) -> QtWidgets.QWidget:
        self.trial_code = QtWidgets.QLabel()
        self.trial_code.setObjectName("trialCode")
        self.trial_name_edit = _line("trialName", "the trial's full name")
        self.save_name_button = _button("saveTrialName", "Save name", self.save_trial_name)
        self.trial_name_edit.returnPressed.connect(self.save_name_button.click)
        name_row = QtWidgets.QHBoxLayout()
        name_row.addWidget(self.trial_name_edit, 1)
        name_row.addWidget(self.save_name_button)
        self.trial_blinded = QtWidgets.QLabel()
        self.trial_blinded.setObjectName("trialBlinded")
        self.trial_adjudication = QtWidgets.QLabel()
        self.trial_adjudication.setObjectName("trialAdjudication")
        self.profile_summary = QtWidgets.QLabel()
        self.profile_summary.setObjectName("trialProfileSummary")
        self.profile_summary.setWordWrap(True)
        self.profile_text = QtWidgets.QPlainTextEdit()
        self.profile_text.setObjectName("trialProfile")
        self.profile_text.setReadOnly(True)
        self.profile_text.setFont(QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont))
        note = QtWidgets.QLabel("Code, blinded visits, adjudication and profile are fixed when the trial is "
                                "created (main.py trial create); only the name can be changed here.")
        note.setObjectName("placeholderLabel")
        note.setWordWrap(True)
        form = QtWidgets.QFormLayout()
        form.addRow("Code", self.trial_code)
        form.addRow("Name", name_row)
        form.addRow("Blinded visits", self.trial_blinded)
        form.addRow("Adjudication on", self.trial_adjudication)
        form.addRow("Profile", self.profile_summary)
        page = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(self.profile_text, 1)
        layout.addWidget(note)
        return page

    def _sites_tab(self) -> QtWidgets.QWidget:
        self.sites_table = _table("sitesTable", ["Code", "Name", "Subjects"], stretch=1)
        self.site_code_edit = _line("siteCode", "e.g. FR01")
        self.site_name_edit = _line("siteName", "optional, e.g. Centre Léon Bérard")
        form = QtWidgets.QFormLayout()
        form.addRow("Code", self.site_code_edit)
        form.addRow("Name", self.site_name_edit)
        self.add_site_button = _button("addSite", "Add site", self.add_site)
        for edit in (self.site_code_edit, self.site_name_edit):
            edit.returnPressed.connect(self.add_site_button.click)
        return _split(self.sites_table, _group("Add a site", form, self.add_site_button))

    def _readers_tab(self) -> QtWidgets.QWidget:
        self.readers_table = _table("readersTable", ["Name", "Role", "May log in"], stretch=0)
        self.readers_table.itemSelectionChanged.connect(self._on_reader_selection_changed)
        self.disable_button = _button("disableReader", "Disable", lambda: self.set_selected_reader_active(False))
        self.enable_button = _button("enableReader", "Enable", lambda: self.set_selected_reader_active(True))
        toggles = QtWidgets.QHBoxLayout()
        toggles.addWidget(self.disable_button)
        toggles.addWidget(self.enable_button)
        toggles.addStretch(1)
        left = QtWidgets.QWidget()
        left_layout = QtWidgets.QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.readers_table, 1)
        left_layout.addLayout(toggles)
        self.reader_name_edit = _line("readerName", "as the log-in dialog lists it")
        self.reader_role_box = QtWidgets.QComboBox()
        self.reader_role_box.setObjectName("readerRole")
        for role in ReaderRole:
            self.reader_role_box.addItem(ROLE_NAMES.get(role.value, role.value), role.value)
        self.reader_password_edit = _line("readerPassword", "at least 4 characters", password=True)
        self.reader_again_edit = _line("readerPasswordAgain", "the same again", password=True)
        add = QtWidgets.QFormLayout()
        add.addRow("Name", self.reader_name_edit)
        add.addRow("Role", self.reader_role_box)
        add.addRow("Password", self.reader_password_edit)
        add.addRow("Again", self.reader_again_edit)
        self.new_password_edit = _line("newPassword", "at least 4 characters", password=True)
        self.new_again_edit = _line("newPasswordAgain", "the same again", password=True)
        renew = QtWidgets.QFormLayout()
        renew.addRow("Password", self.new_password_edit)
        renew.addRow("Again", self.new_again_edit)
        self.set_password_button = _button("setPassword", "Set password", self.set_selected_reader_password)
        self.password_group = _group("New password for the selected reader", renew, self.set_password_button)
        self.add_reader_button = _button("addReader", "Add reader", self.add_reader)
        self.reader_again_edit.returnPressed.connect(self.add_reader_button.click)
        self.new_again_edit.returnPressed.connect(self.set_password_button.click)
        return _split(left, _group("Add a reader", add, self.add_reader_button), self.password_group)

    def _subjects_tab(self) -> QtWidgets.QWidget:
        self.subjects_table = _table("subjectsTable", ["Subject", "Site", "Arm", "Time points with images",
                                                       "Reads due"], stretch=2)
        self.subject_id_edit = _line("subjectId", "pseudonymised id = DICOM Patient ID")
        self.subject_site_box = QtWidgets.QComboBox()
        self.subject_site_box.setObjectName("subjectSite")
        self.subject_arm_edit = _line("subjectArm", "optional")
        form = QtWidgets.QFormLayout()
        form.addRow("Subject", self.subject_id_edit)
        form.addRow("Site", self.subject_site_box)
        form.addRow("Arm", self.subject_arm_edit)
        self.add_subject_button = _button("addSubject", "Add subject", self.add_subject)
        for edit in (self.subject_id_edit, self.subject_arm_edit):
            edit.returnPressed.connect(self.add_subject_button.click)
        self.due_edit = QtWidgets.QDateEdit(QtCore.QDate.currentDate().addDays(14))
        self.due_edit.setObjectName("readsDue")
        self.due_edit.setCalendarPopup(True)
        self.due_edit.setDisplayFormat("yyyy-MM-dd")
        due_form = QtWidgets.QFormLayout()
        due_form.addRow("Due on", self.due_edit)
        self.set_due_button = _button("setReadsDue", "Set due date", self.set_reads_due)
        self.clear_due_button = _button("clearReadsDue", "No due date", lambda: self.set_reads_due(clear=True))
        due_form.addRow(self.clear_due_button)
        self.due_group = _group("Reads due for the selected subject", due_form, self.set_due_button)
        self.subjects_table.itemSelectionChanged.connect(
            lambda: self.due_group.setEnabled(_selected_uid(self.subjects_table) is not None))
        self.due_group.setEnabled(False)
        return _split(self.subjects_table, _group("Add a subject", form, self.add_subject_button), self.due_group)

    # -- reading the trial ------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the trial, sites, readers and subjects again from the store."""
        store = self._store
        trial = store.trial
        self._trial_name = trial.name
        self.trial_code.setText(trial.code)
        self.trial_name_edit.setText(trial.name)
        self.trial_blinded.setText("yes: central readers see time points as TP1, TP2 …, undated"
                                   if trial.blind_visits else "no")
        self.trial_adjudication.setText(", ".join(ADJUDICATION_NAMES.get(p, p) for p in trial.adjudicate_on)
                                        or "none")
        self.profile_summary.setText(profile_summary(trial.profile_toml))
        self.profile_text.setPlainText(trial.profile_toml or "# no profile: the RULES §7 defaults apply")
        subjects, sites = store.subjects(), store.sites()
        per_site = {site.code: sum(1 for s in subjects if s.site_code == site.code) for site in sites}
        _fill(self.sites_table, [(site.uid, (site.code, site.name, str(per_site[site.code])), False)
                                 for site in sites])
        _fill(self.readers_table, [(r.uid, (r.name, ROLE_NAMES.get(r.role.value, r.role.value),
                                             "yes" if r.active else "no (disabled)"), not r.active)
                                   for r in store.readers()])
        _fill(self.subjects_table, [(s.uid, (s.subject_id, s.site_code, s.arm,
                                             str(sum(1 for tp in store.timepoints(s.subject_id) if tp.series)),
                                             s.reads_due_on.isoformat() if s.reads_due_on else "—"),
                                     False) for s in subjects])
        site = self.subject_site_box.currentText()
        self.subject_site_box.clear()
        self.subject_site_box.addItems(list(per_site))
        self.subject_site_box.setCurrentText(site)
        self._on_reader_selection_changed()

    def selected_reader(self) -> Reader | None:
        """The reader selected in the readers table."""
        uid = _selected_uid(self.readers_table)
        return next((r for r in self._store.readers() if r.uid == uid), None) if uid else None

    def _on_reader_selection_changed(self) -> None:
        reader = self.selected_reader()
        yourself = reader is not None and reader.uid == self._admin.uid
        self.disable_button.setEnabled(reader is not None and reader.active and not yourself)
        self.disable_button.setToolTip("You cannot disable yourself." if yourself else
                                       "The reader can no longer log in; their reads and signatures stay.")
        self.enable_button.setEnabled(reader is not None and not reader.active)
        self.password_group.setEnabled(reader is not None)
        self.password_group.setTitle(f"New password for {reader.name}" if reader is not None
                                     else "New password for the selected reader")
        self._update_buttons()

    def _update_buttons(self) -> None:
        """An add or set button is enabled once its required fields are filled."""
        def filled(*edits: QtWidgets.QLineEdit) -> bool:
            return all(edit.text().strip() for edit in edits)
        self.save_name_button.setEnabled(self.trial_name_edit.text().strip() != self._trial_name)
        self.add_site_button.setEnabled(filled(self.site_code_edit))
        self.add_reader_button.setEnabled(filled(self.reader_name_edit, self.reader_password_edit,
                                                 self.reader_again_edit))
        self.set_password_button.setEnabled(filled(self.new_password_edit, self.new_again_edit))
        self.add_subject_button.setEnabled(filled(self.subject_id_edit) and bool(self.subject_site_box.count()))

    # -- changes ----------------------------------------------------------------------------------
    def say(self, text: str, *, error: bool = False) -> None:
        """Show ``text`` under the tabs (in the error colour when ``error``)."""
        self.status_label.setStyleSheet(f"color: {ERROR_COLOUR};" if error else "")
        self.status_label.setText(text)

    def _apply(self, title: str, change: Callable[[], str]) -> bool:
        """Run ``change`` (a store call returning what to say) as one action; refresh and emit on success."""
        done = ""
        with show_errors(title, self):
            done = change()
        if not done:
            return False
        self.refresh()
        self.say(done)
        self.changed.emit()
        return True

    def _passwords(self, first: QtWidgets.QLineEdit, again: QtWidgets.QLineEdit) -> str | None:
        """The password typed twice, or None (and a message) when the two differ or it is too short."""
        if first.text() != again.text():
            self.say("The two passwords differ: type the same password twice.", error=True)
            again.clear()
            again.setFocus()
            return None
        try:
            return check_new_password(first.text())
        except RefusedInputError as exc:
            self.say(str(exc), error=True)
            first.setFocus()
            return None

    def save_trial_name(self) -> bool:
        """Rename the trial."""
        def change() -> str:
            trial = self._store.edit_trial(name=self.trial_name_edit.text(), actor=self._admin.name)
            return f"Trial {trial.code} is now named “{trial.name}”." if trial.name else "The trial has no name now."
        return self._apply("Could not rename the trial", change)

    def add_site(self) -> bool:
        """Add the site typed in the Sites tab."""
        def change() -> str:
            site = self._store.add_site(self.site_code_edit.text(), self.site_name_edit.text().strip(),
                                        actor=self._admin.name)
            self.site_code_edit.clear()
            self.site_name_edit.clear()
            return f"Added site {site.code}."
        return self._apply("Could not add the site", change)

    def add_reader(self) -> bool:
        """Add the reader typed in the Readers tab (the two passwords must match)."""
        password = self._passwords(self.reader_password_edit, self.reader_again_edit)
        if password is None:
            return False
        added: list[Reader] = []

        def change() -> str:
            reader = self._store.add_reader(self.reader_name_edit.text(), self.reader_role_box.currentData(),
                                            password, actor=self._admin.name)
            added.append(reader)
            for edit in (self.reader_name_edit, self.reader_password_edit, self.reader_again_edit):
                edit.clear()
            return f"Added reader {reader.name} ({ROLE_NAMES.get(reader.role.value, reader.role.value)})."
        done = self._apply("Could not add the reader", change)
        if added:
            select_uid(self.readers_table, added[0].uid)
        return done

    def set_selected_reader_active(self, active: bool) -> bool:
        """Enable or disable the selected reader."""
        reader = self.selected_reader()
        if reader is None:
            return False

        def change() -> str:
            self._store.set_reader_active(reader.uid, active, actor=self._admin.name)
            return (f"{reader.name} may log in again." if active else
                    f"{reader.name} is disabled and can no longer log in; their reads and signatures stay.")
        return self._apply("Could not enable the reader" if active else "Could not disable the reader", change)

    def set_selected_reader_password(self) -> bool:
        """Give the selected reader the new password typed twice."""
        reader = self.selected_reader()
        password = self._passwords(self.new_password_edit, self.new_again_edit)
        if reader is None or password is None:
            return False

        def change() -> str:
            self._store.set_reader_password(reader.uid, password, actor=self._admin.name)
            self.new_password_edit.clear()
            self.new_again_edit.clear()
            return f"New password set for {reader.name}."
        return self._apply("Could not set the password", change)

    def set_reads_due(self, clear: bool = False) -> bool:
        """Set (or clear) the date by which the selected subject's reads are due (the worklists show it)."""
        uid = _selected_uid(self.subjects_table)
        subject = next((s for s in self._store.subjects() if s.uid == uid), None) if uid else None
        if subject is None:
            self.say("Select a subject first.", error=True)
            return False
        picked = self.due_edit.date()
        due = None if clear else date(picked.year(), picked.month(), picked.day())

        def change() -> str:
            self._store.set_reads_due(subject.subject_id, due, actor=self._admin.name)
            return (f"Reads of {subject.subject_id} are due on {due.isoformat()}." if due
                    else f"No due date for the reads of {subject.subject_id}.")
        return self._apply("Could not set the due date", change)

    def add_subject(self) -> bool:
        """Add the subject typed in the Subjects tab at the chosen site."""
        def change() -> str:
            subject = self._store.add_subject(self.subject_id_edit.text(), self.subject_site_box.currentText(),
                                              arm=self.subject_arm_edit.text().strip(), actor=self._admin.name)
            self.subject_id_edit.clear()
            self.subject_arm_edit.clear()
            return f"Added subject {subject.subject_id} at site {subject.site_code}."
        return self._apply("Could not add the subject", change)


def profile_summary(profile_toml: str) -> str:
    """One line on the trial's profile: its name, visit schedule and default series."""
    if not profile_toml.strip():
        return "RULES §7 defaults (no protocol profile)"
    profile = parse_trial_profile(profile_toml)
    visits = profile.visits.visits
    schedule = (f"{len(visits)} planned visits ({', '.join(v.name for v in visits)})" if visits
                else "no visit schedule")
    series = profile.series
    preferred = (f"opens {series.orientation.lower()} series, {series.kernel} kernel, "
                 f"≥\u00a0{series.min_thickness_mm:g}\u00a0mm")  # the value stays with its unit
    return f"{profile.engine.name}; {schedule}; {preferred}"
