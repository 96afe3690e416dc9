"""Workers report a series that cannot be loaded in the reader's words (issue 12, "Messages").

A series moved or deleted after import fails its load with a :class:`NotDicomError` that names the
series as the reader knows it (number, description, visit) and its folder, never its UID.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6 import QtWidgets
from pytestqt.qtbot import QtBot

from recist_app.imaging.errors import NotDicomError
from recist_app.model.records import SeriesLink, Timepoint
from widgets.reading.image_loader import ImageLoader
from widgets.workers import TaskRunner, examine_series

SERIES_UID = "1.2.826.0.1.3680043.8.498.77"


def test_examine_series_names_the_series_and_the_folder(tmp_path: Path) -> None:
    try:
        examine_series(str(tmp_path / "gone"), SERIES_UID, 'series 3 "5mm" of Week 8')
    except NotDicomError as error:
        message = str(error)
    assert message.startswith('Series 3 "5mm" of Week 8 cannot be opened: its folder ')
    assert str(tmp_path / "gone") in message and SERIES_UID not in message and "File > Open folder" in message


def test_a_moved_series_fails_its_load_with_the_visit_and_series(app: QtWidgets.QApplication, qtbot: QtBot,
                                                                 tmp_path: Path) -> None:
    link = SeriesLink(uid="link", timepoint_uid="tp", study_uid="1.2.3", series_uid=SERIES_UID,
                      path=str(tmp_path / "moved"), modality="CT", description="5mm", series_number=3)
    tp = Timepoint(uid="tp", subject_uid="s", visit="Week 8", scan_date=date(2024, 3, 1), series=(link,))
    runner = TaskRunner()
    loader = ImageLoader(runner)
    with qtbot.waitSignal(loader.failed, timeout=15_000) as failed:
        loader.load("current", tp, link, "Loading Week 8")
    channel, tp_uid, error = failed.args
    assert (channel, tp_uid, type(error)) == ("current", "tp", NotDicomError)
    assert str(error).startswith('Series 3 "5mm" of Week 8 cannot be opened: its folder ')
    assert SERIES_UID not in str(error) and error.problem == "missing"
    runner.wait()
