"""``recist_app.evaluation.trial_profile``: the engine's flat keys, ``[series]`` and ``[[visit]]`` in one profile."""

from __future__ import annotations

import re
from datetime import date
from importlib.resources import files
from pathlib import Path

import pytest

from assessment.errors import ProfileError
from assessment.profile import Profile
from recist_app.cli import main
from recist_app.errors import InputFileError
from recist_app.evaluation.engine import evaluate, irecist_outcome, outcome, trial_profile
from recist_app.evaluation.profile_file import load_profile, read_trial_profile
from recist_app.evaluation.trial_profile import (
    PlannedVisit,
    SeriesPreference,
    TrialProfile,
    VisitSchedule,
    kernel_family,
    parse_trial_profile,
)
from recist_app.imaging.catalog import Orientation, SeriesOption, option_of
from recist_app.model.records import (
    Lesion,
    LesionRole,
    Measurement,
    Read,
    Reader,
    ReaderRole,
    ReadSnapshot,
    Subject,
    Timepoint,
    Trial,
)
from tests.recist_app.store.scenario import line
from tests.support import SHARED_DIR, require

COVID = SHARED_DIR / "data" / "ct" / "covid19_ny_sbu_A002304_two_timepoints"

FLAT = 'name = "T"\nsd_min_days = 28\nconfirmation_required = true\nreference_date = "first_dose"\n'
TABLES = """
[series]
orientation = "axial"
kernel = "SOFT"
min_thickness_mm = 2

[[visit]]
name = "BASELINE"
day = 0
window_before_days = 28

[[visit]]
name = "WEEK 8"
day = 56
window_before_days = 7
window_after_days = 7
"""
BASELINE = '[[visit]]\nname = "BASELINE"\nday = 0\n'


def stereosarc_text() -> str:
    return files("resources.profiles").joinpath("stereosarc.toml").read_text(encoding="utf-8")


def test_a_profile_with_tables_parses_into_engine_series_and_visits() -> None:
    profile = parse_trial_profile(FLAT + TABLES)
    assert profile.engine == Profile.from_toml(FLAT) != Profile()
    assert profile.series == SeriesPreference("AXIAL", "soft", 2.0)
    assert profile.visits == VisitSchedule((PlannedVisit("BASELINE", 0, 28, 0), PlannedVisit("WEEK 8", 56, 7, 7)))
    assert profile.visits.baseline == PlannedVisit("BASELINE", 0, 28, 0)
    assert profile.visits.visit("week 8") == PlannedVisit("WEEK 8", 56, 7, 7) and profile.visits.visit("X") is None


def test_without_tables_the_defaults_are_any_series_and_no_schedule() -> None:
    assert parse_trial_profile(FLAT) == TrialProfile(Profile.from_toml(FLAT))
    assert parse_trial_profile("") == TrialProfile()
    assert parse_trial_profile("").series == SeriesPreference("ANY", "any", 0.0)
    assert parse_trial_profile("").visits.visits == () and parse_trial_profile("").visits.baseline is None


def test_the_shipped_stereosarc_profile_has_series_and_the_demo_visits() -> None:
    profile = parse_trial_profile(stereosarc_text())
    assert profile.engine.name == "STEREOSARC" and profile.engine.confirmation_required is False
    assert profile.series == SeriesPreference("AXIAL", "soft", 2.0)
    assert [visit.name for visit in profile.visits.visits] == [
        "BASELINE", "WEEK 6", "WEEK 8", "WEEK 12", "WEEK 16", "WEEK 18", "WEEK 24"]
    flat = stereosarc_text().split("[series]")[0]
    assert profile.engine == Profile.from_toml(flat)


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ("name = [", "<file>", "not valid TOML"),
        ("sd_min_dayz = 1", "sd_min_dayz", "unknown key"),  # the engine's own checks still apply
        ("[rules]\nsd_min_days = 1", "rules", "unknown table"),
        ("[[extra]]\na = 1", "extra", "unknown table"),
        ('series = "AXIAL"', "series", "must be a table"),
        ("[series]\nplane = 'AXIAL'", "series.plane", "unknown key"),
        ("[series]\nsd_min_days = 1", "series.sd_min_days", "flat keys go before the first table"),
        ("[series]\norientation = 'OBLIQUE'", "series.orientation", "must be one of AXIAL, CORONAL, SAGITTAL, ANY"),
        ("[series]\norientation = 1", "series.orientation", "must be a string"),
        ("[series]\nkernel = 'sharp'", "series.kernel", "must be one of soft, lung, bone, any"),
        ("[series]\nmin_thickness_mm = -1.0", "series.min_thickness_mm", "non-negative number"),
        ("[series]\nmin_thickness_mm = '2'", "series.min_thickness_mm", "non-negative number"),
        ("[series]\nmin_thickness_mm = nan", "series.min_thickness_mm", "non-negative number"),
        ("[visit]\nname = 'BASELINE'\nday = 0", "visit", "array of tables"),
        ("visit = [1, 2]", "visit", "array of tables"),
        ("[[visit]]\nday = 0", "visit[1].name", "missing"),
        ("[[visit]]\nname = 'BASELINE'", "visit[1].day", "missing"),
        (BASELINE + "window = 3", "visit[1].window", "unknown key"),
        ("[[visit]]\nname = 8\nday = 0", "visit[1].name", "must be a string"),
        ("[[visit]]\nname = ' '\nday = 0", "visit[1].name", "non-empty"),
        ("[[visit]]\nname = 'BASELINE'\nday = 0.5", "visit[1].day", "whole number of days"),
        ("[[visit]]\nname = 'BASELINE'\nday = true", "visit[1].day", "whole number of days"),
        (BASELINE + "window_before_days = -1", "visit[1].window_before_days", "non-negative whole number"),
        (BASELINE + "[[visit]]\nname = 'W2'\nday = 14\nwindow_after_days = -3", "visit[2].window_after_days",
         "non-negative whole number"),
        ("[[visit]]\nname = 'WEEK 8'\nday = 56", "visit[1].day", "baseline at day 0"),
        (BASELINE + "[[visit]]\nname = 'W1'\nday = -7", "visit[2].day", "non-negative whole number"),
        (BASELINE + "[[visit]]\nname = 'baseline'\nday = 14", "visit[2].name", "also the name of visit[1]"),
        (BASELINE + "[[visit]]\nname = 'Unscheduled'\nday = 14", "visit[2].name", "outside every window"),
        (BASELINE + "[[visit]]\nname = 'W2'\nday = 14\n[[visit]]\nname = 'W3'\nday = 14", "visit[3].day",
         "also the day of 'W2'"),
        (BASELINE + "[[visit]]\nname = 'W8'\nday = 56\n[[visit]]\nname = 'W4'\nday = 28", "visit[3].day",
         "listed in day order"),
        (BASELINE + "[[visit]]\nname = 'W6'\nday = 42\nwindow_after_days = 7\n"
                    "[[visit]]\nname = 'W8'\nday = 56\nwindow_before_days = 7", "visit[3].window_before_days",
         "overlaps that of 'W6' (days 42 to 49)"),
        (BASELINE + "window_after_days = 3\n[[visit]]\nname = 'W1'\nday = 7\nwindow_before_days = 4",
         "visit[2].window_before_days", "overlaps that of 'BASELINE'"),
        ('trial_summary = "NCT03548428"', "trial_summary", "must be a table"),
        ('[trial_summary]\nNCTID = "NCT03548428"', "trial_summary.NCTID", "unknown key"),
        ('[trial_summary]\nACTSUB = "40"', "trial_summary.ACTSUB", "the export's own"),
        ('[trial_summary]\nSSTDTC = "01/06/2018"', "trial_summary.SSTDTC", "ISO 8601 date"),
        ('[trial_summary]\nRANDOM = "yes"', "trial_summary.RANDOM", "must be Y or N"),
        ('[trial_summary]\nAGEMIN = "18"', "trial_summary.AGEMIN", "ISO 8601 duration"),
        ('[trial_summary]\nTPHASE = "PHASE 2"', "trial_summary.TPHASE", "must be a CDISC trial phase"),
        ('[trial_summary]\nPLANSUB = "forty"', "trial_summary.PLANSUB", "whole number of subjects"),
        ("[trial_summary]\nRANDOM = true", "trial_summary.RANDOM", "a string or a list of strings"),
        ("[trial_summary]\nOBJSEC = []", "trial_summary.OBJSEC", "a string or a list of strings"),
        (f'[trial_summary]\nOBJPRIM = "{"x" * 201}"', "trial_summary.OBJPRIM", "1 to 200 characters"),
    ],
)
def test_each_bad_value_is_a_profile_error_naming_its_key(text: str, key: str, message: str) -> None:
    with pytest.raises(ProfileError, match=re.escape(message)) as raised:
        parse_trial_profile(text)
    assert raised.value.key == key and str(raised.value).startswith(f'Profile key "{key}"')


def test_schedules_and_preferences_built_in_code_are_checked_too() -> None:
    with pytest.raises(ProfileError, match="baseline at day 0"):
        VisitSchedule((PlannedVisit("WEEK 8", 56),))
    with pytest.raises(ProfileError, match=re.escape('"visit[2].window_before_days"')):
        VisitSchedule((PlannedVisit("BASELINE", 0, 0, 5), PlannedVisit("W1", 7, 2)))
    with pytest.raises(ProfileError, match=re.escape('"series.kernel"')):
        SeriesPreference(kernel="SOFT")


def test_windows_that_touch_without_sharing_a_day_are_accepted() -> None:
    schedule = parse_trial_profile(BASELINE + "window_after_days = 3\n[[visit]]\nname = 'W1'\nday = 7\n"
                                             "window_before_days = 3").visits
    assert [(v.first_day, v.last_day) for v in schedule.visits] == [(0, 3), (4, 7)]


def test_profile_files_name_the_file_and_the_key(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(FLAT + TABLES, encoding="utf-8")
    assert load_profile(path) == Profile.from_toml(FLAT)
    text, profile = read_trial_profile(path)
    assert text == FLAT + TABLES and profile.visits.visit("WEEK 8") is not None
    path.write_text(FLAT + TABLES.replace("day = 56", "day = -56"), encoding="utf-8")
    with pytest.raises(InputFileError, match=re.escape('p.toml: Profile key "visit[2].day"')) as raised:
        load_profile(path)
    assert raised.value.path == str(path)
    with pytest.raises(InputFileError, match="cannot be read"):
        read_trial_profile(tmp_path / "missing.toml")


def test_trial_create_checks_the_tables_of_its_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.toml"
    path.write_text(FLAT + TABLES.replace('kernel = "SOFT"', 'kernel = "sharp"'), encoding="utf-8")
    db = tmp_path / "t.sqlite"
    assert main(["trial", "create", "T", "--profile", str(path), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert 'Profile key "series.kernel": must be one of soft, lung, bone, any' in err and str(path) in err
    assert len(err.strip().splitlines()) == 1 and not db.exists()


def _snapshot(profile_toml: str) -> ReadSnapshot:
    timepoints = (Timepoint("bl", "s", "BASELINE", date(2024, 1, 5), True),
                  Timepoint("w8", "s", "WEEK 8", date(2024, 3, 1)), Timepoint("w16", "s", "WEEK 16", date(2024, 4, 26)))
    lesions = (Lesion("u-T01", "read", "T01", LesionRole.TARGET, "bl"),)
    measurements = (Measurement("m1", "u-T01", "bl", line(40.0)), Measurement("m2", "u-T01", "w8", line(26.0)),
                    Measurement("m3", "u-T01", "w16", line(27.0)))
    return ReadSnapshot(Trial("t", "T", "trial", profile_toml),
                        Subject("s", "S-1", "FR01", randomised_on=date(2024, 1, 2), first_dose_on=date(2024, 1, 9)),
                        Reader("r", "Dr", ReaderRole.CENTRAL_READER_1), Read("read", "s", "r"), timepoints, lesions,
                        measurements, ())


def test_the_engine_reads_the_same_with_and_without_the_tables() -> None:
    with_tables, flat = _snapshot(FLAT + TABLES), _snapshot(FLAT)
    assert trial_profile(with_tables) == trial_profile(flat) == Profile.from_toml(FLAT)
    report = evaluate(with_tables)
    assert report == evaluate(flat)
    assert outcome(with_tables, report) == outcome(flat, report)
    assert irecist_outcome(with_tables, report) == irecist_outcome(flat, report)
    assert trial_profile(_snapshot("")) == Profile()


def test_kernel_families_follow_the_keyword_table() -> None:
    assert [kernel_family(kernel) for kernel in ("STANDARD", "SOFT", "B", "B30f", "Br40d\\3", "I31f", "FC03",
                                                 "FC13")] == ["soft"] * 8
    assert [kernel_family(kernel) for kernel in ("LUNG", "L", "FC52", "FC86")] == ["lung"] * 4
    assert [kernel_family(kernel) for kernel in ("BONE", "BONEPLUS", "H70h")] == ["bone"] * 3
    assert kernel_family("B70f") is None and kernel_family("") is None and kernel_family("DETAIL") is None
    assert kernel_family("B70f", "Thorax 1.0 B70f LUNG") == "lung"  # a sharp kernel: the description decides
    assert kernel_family("STANDARD", "Lung window") == "soft"  # the kernel decides first
    assert kernel_family("", "CT ABD-PELVIS soft tissue") == "soft"


def option(orientation: str = "AXIAL", kernel: str = "", description: str = "", thickness_mm: float | None = None,
           usable: bool = True) -> SeriesOption:
    return SeriesOption("1.2", None, description, kernel, thickness_mm, 64, Orientation(orientation), "CT", (),
                        usable, "" if usable else "a single image", "/x")


def test_the_preferred_series_is_the_thinnest_usable_one_that_fits() -> None:
    candidates = [
        option("AXIAL", "B30f", "", 1.0),  # too thin
        option("AXIAL", "B70f", "LUNG", 2.0),  # lung
        option("CORONAL", "B30f", "", 2.0),
        option("AXIAL", "B30f", "", 5.0),
        option("AXIAL", "STANDARD", "", 3.0),
        option("AXIAL", "SOFT", "", None),
        option("AXIAL", "SOFT", "", 2.5, usable=False),  # would win, but cannot be measured on
    ]
    preference = SeriesPreference("AXIAL", "soft", 2.0)
    assert preference.choose(candidates) == 4
    assert SeriesPreference("ANY", "lung", 2.0).choose(candidates) == 1
    assert SeriesPreference("CORONAL", "any", 0.0).choose(candidates) == 2
    assert SeriesPreference().choose(candidates) == 0  # no preference: the thinnest, unknown thickness last
    assert SeriesPreference().choose([option("UNKNOWN"), option(thickness_mm=5.0)]) == 1
    assert SeriesPreference("SAGITTAL", "any", 0.0).choose(candidates) is None and preference.choose([]) is None


@pytest.mark.shared_data
def test_the_preference_picks_among_the_real_covid_series_of_each_date() -> None:
    """GE ``STANDARD`` kernel; date 1: 2.5 mm axial, 3 mm coronal and sagittal; date 2: all 1.25 mm."""
    from recist_app.imaging.scan import scan

    require(COVID.is_dir(), f"shared data {COVID} is missing; clone ../shared beside the project")
    by_date: dict[str, list[tuple[str, SeriesOption]]] = {}
    for summary in scan(COVID).series:
        by_date.setdefault(summary.study_date, []).append((summary.series_description, option_of(summary)))

    def fitting(preference: SeriesPreference, study_date: str) -> list[str]:
        return [description for description, option in by_date[study_date] if preference.fits(option)]

    stereosarc = parse_trial_profile(stereosarc_text()).series
    assert fitting(stereosarc, "19001231") == ["CHEST 2.5 MM/ABD.PEL 2.5MM"]
    assert fitting(stereosarc, "19010112") == []  # only 1.25 mm series: the reader's default stays
    assert fitting(SeriesPreference("CORONAL", "soft", 1.0), "19010112") == ["1 25 MM CORONAL"]  # slightly oblique
    assert fitting(SeriesPreference("SAGITTAL", "any", 2.0), "19001231") == ["CHEST SAGITTAL"]
    assert fitting(SeriesPreference("AXIAL", "lung", 0.0), "19001231") == []
    # each series is one image here: none may be measured on, so none is chosen by default
    assert all(stereosarc.choose([option for _, option in series]) is None for series in by_date.values())


def test_the_trial_summary_table_gives_ts_values_in_order() -> None:
    text = ('[trial_summary]\nREGID = "NCT03548428"\nTPHASE = "PHASE II TRIAL"\nPLANSUB = 103\n'
            'OBJSEC = ["iRECIST PFS", " Objective response "]\n')
    assert parse_trial_profile(text).trial_summary == (
        ("REGID", ("NCT03548428",)), ("TPHASE", ("PHASE II TRIAL",)), ("PLANSUB", ("103",)),
        ("OBJSEC", ("iRECIST PFS", "Objective response")))
    assert parse_trial_profile("").trial_summary == ()


def test_the_sdtm_table_chooses_the_diameters_exported() -> None:
    assert parse_trial_profile("").sdtm.diameters == "both"
    assert parse_trial_profile('[sdtm]\ndiameters = "RECIST"\n').sdtm.diameters == "recist"
    with pytest.raises(ProfileError, match=r"sdtm\.diameters.*both, recist"):
        parse_trial_profile('[sdtm]\ndiameters = "long"\n')
    with pytest.raises(ProfileError, match=r"sdtm\.axis.*unknown key"):
        parse_trial_profile('[sdtm]\naxis = "long"\n')
    assert parse_trial_profile('[sdtm]\nsbrt_domain = "ex"\n').sdtm.sbrt_domain == "EX"
    with pytest.raises(ProfileError, match=r"sdtm\.sbrt_domain.*PR, EX"):
        parse_trial_profile('[sdtm]\nsbrt_domain = "EC"\n')
