"""``import-dicom`` names new time points by the trial profile's ``[[visit]]`` schedule (README "Profile keys
for the workstation"): the real two-date covid study and synthetic imports spread over several runs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from recist_app.cli import main
from recist_app.demo.phantom import PhantomSpec, write_series
from recist_app.imaging.scan import scan
from recist_app.store import TrialStore
from recist_app.store.dicom_import import apply_import, plan_import
from tests.support import SHARED_DIR, require

COVID = SHARED_DIR / "data" / "ct" / "covid19_ny_sbu_A002304_two_timepoints"  # 1900-12-31 and 1901-01-12
BASELINE = '[[visit]]\nname = "BASELINE"\nday = 0\nwindow_before_days = 28\n'


def schedule(day: int, window: int) -> str:
    return f'name = "T"\n{BASELINE}\n[[visit]]\nname = "WEEK 2"\nday = {day}\n' \
           f"window_before_days = {window}\nwindow_after_days = {window}\n"


def create(tmp_path: Path, profile: str, capsys: pytest.CaptureFixture[str]) -> str:
    """A trial made by ``trial create --profile`` (which checks the tables), as users make one."""
    path, db = tmp_path / "profile.toml", str(tmp_path / "trial.sqlite")
    path.write_text(profile, encoding="utf-8")
    assert main(["trial", "create", "T", "--profile", str(path), "--db", db]) == 0
    capsys.readouterr()
    return db


def visits(db: str, subject: str) -> list[tuple[str, str]]:
    with TrialStore.open(db) as store:
        return [(tp.visit, tp.scan_date.isoformat()) for tp in store.timepoints(subject) if tp.scan_date]


@pytest.mark.shared_data
@pytest.mark.parametrize(("day", "window", "second"), [(14, 3, "WEEK 2"), (14, 1, "UNSCHEDULED"),
                                                       (28, 7, "UNSCHEDULED")])
def test_the_second_covid_study_takes_the_visit_whose_window_holds_day_12(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], day: int, window: int, second: str) -> None:
    require(COVID.is_dir(), f"shared data {COVID} is missing; clone ../shared beside the project")
    db = create(tmp_path, schedule(day, window), capsys)
    assert main(["import-dicom", str(COVID), "--add-subjects", "--site", "TCIA", "--db", db, "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    planned = f", planned {day}" if second != "UNSCHEDULED" else ""
    assert sum(line.startswith("A002304  1900-12-31  BASELINE (day 0)  CT ") for line in lines) == 3
    assert sum(line.startswith(f"A002304  1901-01-12  {second} (day 12{planned})  CT ") for line in lines) == 3
    assert sum(f"→ attach (new time point {second})," in line for line in lines) == 1
    assert sum("→ attach, new subject at TCIA" in line for line in lines) == 4  # the other series of each date
    assert main(["import-dicom", str(COVID), "--add-subjects", "--site", "TCIA", "--db", db]) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("6 series attached.")
    assert visits(db, "A002304") == [("BASELINE", "1900-12-31"), (second, "1901-01-12")]
    assert main(["import-dicom", str(COVID), "--db", db, "--dry-run"]) == 0  # again: already there, same names
    again = capsys.readouterr().out.splitlines()
    assert sum(f"1901-01-12  {second} (day 12{planned})" in line and "already attached" in line for line in again) == 3


def _phantom(folder: Path, study_date: str, description: str) -> None:
    write_series(PhantomSpec.chest(slices=4, rows=32, columns=32, slice_spacing_mm=5.0, patient_id="S-1",
                                   study_date=study_date, series_description=description), folder)


def _import(db: str, folder: Path) -> dict[str, tuple[str, str, int | None]]:
    """Plan and apply the import of ``folder``: {series description: (action, visit, study day)}."""
    with TrialStore.open(db) as store:
        plan = plan_import(store, scan(folder))
        apply_import(store, plan, "importer")
    return {item.series.series_description: (item.action, item.match.visit if item.match else "",
                                             item.match.study_day if item.match else None) for item in plan}


def test_studies_imported_over_several_runs_are_matched_to_the_subjects_baseline(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = create(tmp_path, schedule(14, 3), capsys)
    with TrialStore.open(db) as store:
        store.add_site("FR01")
        store.add_subject("S-1", "FR01")
    _phantom(tmp_path / "run1" / "a", "20240110", "baseline")
    assert _import(db, tmp_path / "run1") == {"baseline": ("attach-new", "BASELINE", 0)}

    _phantom(tmp_path / "run2" / "a", "20240122", "day 12")  # the first scan in the WEEK 2 window
    _phantom(tmp_path / "run2" / "b", "20240124", "day 14")  # a second scan in it
    _phantom(tmp_path / "run2" / "c", "20240105", "before")  # before the baseline
    _phantom(tmp_path / "run2" / "d", "20240110", "baseline, another series")  # attaches to the baseline
    assert _import(db, tmp_path / "run2") == {
        "day 12": ("attach-new", "WEEK 2", 12), "day 14": ("attach-new", "UNSCHEDULED", 14),
        "before": ("attach-new", "UNSCHEDULED", -5), "baseline, another series": ("attach", "BASELINE", 0)}
    assert visits(db, "S-1") == [("UNSCHEDULED", "2024-01-05"), ("BASELINE", "2024-01-10"),
                                 ("WEEK 2", "2024-01-22"), ("UNSCHEDULED", "2024-01-24")]
    with TrialStore.open(db) as store:
        baseline = next(tp for tp in store.timepoints("S-1") if tp.scan_date == date(2024, 1, 10))
        assert len(baseline.series) == 2


def test_without_a_schedule_the_import_names_baseline_and_unscheduled_as_before(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = create(tmp_path, 'name = "T"\n', capsys)
    with TrialStore.open(db) as store:
        store.add_site("FR01")
        store.add_subject("S-1", "FR01")
    _phantom(tmp_path / "run" / "a", "20240110", "baseline")
    _phantom(tmp_path / "run" / "b", "20240124", "day 14")
    assert _import(db, tmp_path / "run") == {"baseline": ("attach-new", "BASELINE", 0),
                                             "day 14": ("attach-new", "UNSCHEDULED", 14)}
