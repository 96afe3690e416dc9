"""``recist_app.evaluation.visits``: scan dates → planned visits (windows, one scan per visit, no schedule)."""

from __future__ import annotations

from datetime import date, timedelta
from importlib.resources import files

import pytest

from recist_app.demo.trial import DEMO_DESIGN
from recist_app.evaluation.trial_profile import PlannedVisit, VisitSchedule, parse_trial_profile
from recist_app.evaluation.visits import VisitMatch, match_visits, match_with_existing

DAY0 = date(2024, 1, 1)
SCHEDULE = VisitSchedule((PlannedVisit("BASELINE", 0, 28, 0), PlannedVisit("WEEK 2", 14, 3, 3),
                          PlannedVisit("WEEK 8", 56, 7, 7)))


def on(*days: int) -> list[date]:
    return [DAY0 + timedelta(days=day) for day in days]


def names(matches: tuple[VisitMatch, ...]) -> list[tuple[int, str]]:
    return [(match.study_day, match.visit) for match in matches]


def test_each_later_date_gets_the_visit_whose_window_holds_it() -> None:
    matches = match_visits(on(60, 0, 13), SCHEDULE)
    assert matches == (VisitMatch(DAY0, 0, "BASELINE", 0, True), VisitMatch(on(13)[0], 13, "WEEK 2", 14, True),
                       VisitMatch(on(60)[0], 60, "WEEK 8", 56, True))


@pytest.mark.parametrize(("day", "visit"), [(10, "UNSCHEDULED"), (11, "WEEK 2"), (17, "WEEK 2"), (18, "UNSCHEDULED"),
                                            (48, "UNSCHEDULED"), (49, "WEEK 8"), (63, "WEEK 8"), (64, "UNSCHEDULED")])
def test_window_edges_are_included(day: int, visit: str) -> None:
    baseline, later = match_visits(on(0, day), SCHEDULE)
    assert (baseline.visit, later.study_day, later.visit) == ("BASELINE", day, visit)
    planned = SCHEDULE.visit(visit)
    assert (later.planned_day, later.scheduled) == ((planned.day, True) if planned else (None, False))


def test_a_second_scan_in_a_window_is_unscheduled_the_earlier_keeps_the_visit() -> None:
    assert names(match_visits(on(0, 12, 14, 16), SCHEDULE)) == [
        (0, "BASELINE"), (12, "WEEK 2"), (14, "UNSCHEDULED"), (16, "UNSCHEDULED")]


def test_a_scan_just_after_baseline_is_unscheduled_even_inside_the_baseline_window() -> None:
    assert names(match_visits(on(0, 1), SCHEDULE)) == [(0, "BASELINE"), (1, "UNSCHEDULED")]
    wide = VisitSchedule((PlannedVisit("SCREENING", 0, 0, 5), PlannedVisit("WEEK 2", 14, 3, 3)))
    assert names(match_visits(on(0, 3, 15), wide)) == [(0, "SCREENING"), (3, "UNSCHEDULED"), (15, "WEEK 2")]


def test_scans_before_a_given_baseline_have_negative_days_and_are_unscheduled() -> None:
    matches = match_visits(on(-20, -1, 14), SCHEDULE, baseline=DAY0, taken=["BASELINE"])
    assert names(matches) == [(-20, "UNSCHEDULED"), (-1, "UNSCHEDULED"), (14, "WEEK 2")]


def test_taken_visits_are_not_given_again() -> None:
    assert names(match_visits(on(0, 14, 56), SCHEDULE, taken=["week 2"])) == [
        (0, "BASELINE"), (14, "UNSCHEDULED"), (56, "WEEK 8")]


def test_without_a_schedule_the_earliest_is_baseline_and_the_others_unscheduled() -> None:
    for schedule in (None, VisitSchedule()):
        matches = match_visits(on(14, 0, 56, 0), schedule)
        assert matches == (VisitMatch(DAY0, 0, "BASELINE", 0, True),
                           VisitMatch(on(14)[0], 14, "UNSCHEDULED", None, False),
                           VisitMatch(on(56)[0], 56, "UNSCHEDULED", None, False))
    assert match_visits([], SCHEDULE) == ()


def test_existing_time_points_keep_their_names_and_take_their_visits() -> None:
    existing = {DAY0: "BASELINE", on(13)[0]: "WEEK 2"}
    matches = match_with_existing(on(15, 13, 57, -3), SCHEDULE, existing)
    assert names(matches) == [(-3, "UNSCHEDULED"), (0, "BASELINE"), (13, "WEEK 2"), (15, "UNSCHEDULED"),
                              (57, "WEEK 8")]
    assert matches[1] == VisitMatch(DAY0, 0, "BASELINE", 0, True)
    renamed = match_with_existing(on(14), SCHEDULE, {DAY0: "Screening", on(5)[0]: "UNSCHEDULED"})
    assert renamed == (VisitMatch(DAY0, 0, "Screening", None, False),  # day 0 = the earliest existing
                       VisitMatch(on(5)[0], 5, "UNSCHEDULED", None, False),
                       VisitMatch(on(14)[0], 14, "WEEK 2", 14, True))


def test_the_existing_baseline_is_day_0_even_after_an_earlier_unscheduled_scan() -> None:
    existing = {on(-10)[0]: "UNSCHEDULED", DAY0: "BASELINE"}
    assert names(match_with_existing(on(14), SCHEDULE, existing)) == [
        (-10, "UNSCHEDULED"), (0, "BASELINE"), (14, "WEEK 2")]


def test_without_existing_time_points_it_is_match_visits() -> None:
    assert match_with_existing(on(0, 14), SCHEDULE, {}) == match_visits(on(0, 14), SCHEDULE)
    assert names(match_with_existing(on(14), None, {DAY0: "BASELINE"})) == [(0, "BASELINE"), (14, "UNSCHEDULED")]


def test_the_stereosarc_schedule_names_every_demo_visit_as_the_demo_does() -> None:
    schedule = parse_trial_profile(files("resources.profiles").joinpath(DEMO_DESIGN.profile).read_text()).visits
    for subject in DEMO_DESIGN.subjects:
        matches = match_visits([visit.date for visit in subject.visits], schedule)
        assert [match.visit for match in matches] == [visit.visit for visit in subject.visits], subject.subject_id
        assert all(match.scheduled for match in matches)
