"""Dialogs of the workstation, one per module (mnelab shape).

- :mod:`widgets.dialogs.login`: pick a reader and enter the password.
- :mod:`widgets.dialogs.sign`: sign a time point (meaning + password) or reopen it (reason).
- :mod:`widgets.dialogs.open_folder`: scan a folder or DICOMDIR and import its series into the trial.
- :mod:`widgets.dialogs.export`: choose the export folder and formats.
- :mod:`widgets.dialogs.lesion_chooser`: which lesion a caliper drawn at a follow-up measures.
"""
