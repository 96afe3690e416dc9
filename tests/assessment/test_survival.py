"""Progression-free survival: events, censoring variants and durations (RULES §4.1; §7 A11, A12, A19)."""

from __future__ import annotations

import csv
import dataclasses
from datetime import date, timedelta
from pathlib import Path

import pytest

from assessment.best_response import Assessment
from assessment.errors import InvalidInputError
from assessment.profile import Profile
from assessment.survival import SurvivalTime, duration_days, progression_free_survival

START = date(2014, 1, 2)
EVALUABLE = Profile()  # pfs_censor_at = "last_evaluable" (A11)
ANY = dataclasses.replace(EVALUABLE, pfs_censor_at="last_assessment")  # A19


def day(n: int) -> date:
    """The date ``n`` days after the start date."""
    return START + timedelta(days=n)


def seq(*items: tuple[int, str]) -> list[Assessment]:
    return [Assessment(day(n), response) for n, response in items]


def pfs(items: list[Assessment], profile: Profile = EVALUABLE, death: date | None = None) -> tuple:
    result = progression_free_survival(items, START, profile, death_date=death)
    return result.date, result.days, result.censored


def test_duration_counts_both_ends():
    # RULES §4.1: 2014-01-02 → 2014-03-06 is 31 + 28 + 4 = 63 days apart, + 1 = 64 (pharmaverse).
    assert duration_days(date(2014, 1, 2), date(2014, 3, 6)) == 64
    assert duration_days(START, START) == 1


def test_first_pd_is_the_event():
    assert pfs(seq((30, "SD"), (60, "PD"), (90, "PD"))) == (day(60), 61, False)


def test_death_before_pd_is_the_event():
    result = progression_free_survival(seq((30, "SD"), (60, "PD")), START, EVALUABLE, death_date=day(45))
    assert (result.date, result.days, result.censored, result.description) == (day(45), 46, False, "Death")
    assert "death on 2014-02-16 before the first PD on 2014-03-03" in result.rationale


def test_pd_before_death_stays_the_event():
    result = progression_free_survival(seq((30, "SD"), (60, "PD")), START, EVALUABLE, death_date=day(90))
    assert (result.date, result.censored, result.description) == (day(60), False, "Disease Progression")


def test_death_without_pd_is_an_event():
    assert pfs(seq((30, "SD")), death=day(100)) == (day(100), 101, False)


@pytest.mark.parametrize(("profile", "expected_day"), [(EVALUABLE, 30), (ANY, 90)])
def test_censoring_variants(profile, expected_day):
    # A11 ignores the trailing NE and ND; A19 (pharmaverse) takes the last record of any value.
    items = seq((30, "SD"), (60, "NE"), (90, "ND"))
    assert pfs(items, profile) == (day(expected_day), expected_day + 1, True)


def test_non_cr_non_pd_is_evaluable():
    assert pfs(seq((30, "NON-CR/NON-PD"), (60, "NE"))) == (day(30), 31, True)


@pytest.mark.parametrize("profile", [EVALUABLE, ANY])
def test_no_assessment_censors_at_start(profile):
    result = progression_free_survival([], START, profile)
    assert result == SurvivalTime(START, START, 1, True, "Randomization", result.rationale)
    assert "censored at the start date 2014-01-02" in result.rationale


def test_only_unevaluable_assessments_censor_at_start_under_a11():
    assert pfs(seq((30, "NE"), (60, "ND"))) == (START, 1, True)
    assert pfs(seq((30, "NE"), (60, "ND")), ANY) == (day(60), 61, True)


def test_assessments_before_the_start_date_do_not_count():
    # A PD on a pre-randomisation scan is baseline, not a PFS event.
    assert pfs(seq((-10, "PD"), (40, "SD"))) == (day(40), 41, True)


def test_first_dose_start_label():
    profile = dataclasses.replace(EVALUABLE, reference_date="first_dose")
    assert progression_free_survival([], START, profile).description == "First Dose"


def test_death_before_start_is_rejected():
    with pytest.raises(InvalidInputError, match='"death_date" must be on or after the start date'):
        progression_free_survival([], START, EVALUABLE, death_date=day(-1))


def test_unknown_response_is_rejected():
    with pytest.raises(InvalidInputError, match=r'"assessments\[0\].response".*got \'PROGRESSION\''):
        progression_free_survival(seq((30, "PROGRESSION")), START, EVALUABLE)


@pytest.mark.shared_data
def test_pharmaverseadam_pfs(shared_dir: Path):
    """Every PFS row of pharmaverseadam ``adtte_onco`` from its ``adrs_onco`` OVR records (A19)."""
    folder = shared_dir / "conformance" / "pharmaverseadam"
    with open(folder / "adrs_onco_expected.csv", newline="") as handle:
        adrs = list(csv.DictReader(handle))
    starts = {r["USUBJID"]: date.fromisoformat(r["RANDDT"]) for r in adrs}
    responses: dict[str, list[Assessment]] = {s: [] for s in starts}
    for r in adrs:
        if r["PARAMCD"] == "OVR" and r["ANL01FL"] == "Y":
            responses[r["USUBJID"]].append(Assessment(date.fromisoformat(r["ADT"]), r["AVALC"]))
    with open(folder / "adtte_onco_expected.csv", newline="") as handle:
        expected = [r for r in csv.DictReader(handle) if r["PARAMCD"] == "PFS"]
    assert len(expected) == len(starts) == 10
    for row in expected:
        result = progression_free_survival(responses[row["USUBJID"]], starts[row["USUBJID"]], ANY)
        got = (result.date.isoformat(), result.days, int(result.censored))
        assert got == (row["ADT"], int(float(row["AVAL"])), int(float(row["CNSR"]))), row["USUBJID"]
