"""From time points to a read's BOR, CBOR and PFS, with the A6 back-dating (RULES §1.10, §4.1, §7)."""

from __future__ import annotations

from datetime import timedelta

from assessment import Profile, Status, assess_recist11
from assessment.outcome import read_outcome, response_assessments
from tests.assessment.builders import BASELINE_DAY, make_read, new, target

START = BASELINE_DAY  # randomised on the day of the baseline scan


def test_outcome_of_a_responding_read_without_progression():
    visits = [{"T1": 50}, {"T1": 30}, {"T1": 30}, {"T1": 28}]
    result = assess_recist11(make_read([target("T1")], visits))
    outcome = read_outcome(result, START, Profile())
    assert (outcome.best_response.category, outcome.best_response.date) == ("PR", result.follow_ups[0].date)
    assert outcome.confirmed_best_response.category == "PR"  # confirmed 42 days later (≥ 28)
    assert outcome.pfs.censored and outcome.pfs.date == result.follow_ups[-1].date
    assert outcome.pfs.days == 126 + 1


def test_equivocal_new_lesion_back_dates_pd_for_bor_and_pfs():
    visits = [{"T1": 50}, {"T1": 30}, {"T1": 30, "NEW01": Status.EQUIVOCAL}, {"T1": 30, "NEW01": Status.PRESENT}]
    result = assess_recist11(make_read([target("T1"), new("NEW01")], visits))
    first_seen = result.follow_ups[1].date
    assert [a.response for a in response_assessments(result)] == ["PR", "PD"]
    assert response_assessments(result)[-1].date == first_seen
    outcome = read_outcome(result, START, Profile())
    assert outcome.best_response.category == "PR"
    assert outcome.confirmed_best_response.category == "SD"  # PR never confirmed before PD
    assert not outcome.pfs.censored and outcome.pfs.date == first_seen
    assert outcome.pfs.days == (first_seen - START).days + 1


def test_death_before_progression_is_the_pfs_event():
    result = assess_recist11(make_read([target("T1")], [{"T1": 50}, {"T1": 48}]))
    death = BASELINE_DAY + timedelta(days=60)
    outcome = read_outcome(result, START, Profile(), death_date=death)
    assert not outcome.pfs.censored and outcome.pfs.date == death


def test_engine_outcome_agrees_with_the_bor_command_on_the_pilot(shared_dir, tmp_path):
    """The same reads through `assess` then `bor` give what the engine derives in memory."""
    import csv

    from recist_app.cli import main
    from recist_app.sdtm.rs_reader import read_subjects
    from recist_app.sdtm.tumor_reader import read_tumor_tables

    sdtm = shared_dir / "conformance" / "pharmaversesdtm"
    subjects_csv = shared_dir / "conformance" / "pharmaverseadam" / "adsl_onco_subset.csv"
    assert main(["assess", "--tu", str(sdtm / "tu_onco_recist.csv"), "--tr", str(sdtm / "tr_onco_recist.csv"),
                 "--out", str(tmp_path)]) == 0
    assert main(["bor", "--rs", str(tmp_path / "rs.csv"), "--subjects", str(subjects_csv),
                 "--out", str(tmp_path / "bor.csv")]) == 0
    with open(tmp_path / "bor.csv", newline="") as handle:
        cli = {(r["USUBJID"], r["RSEVAL"], r["RSEVALID"], r["PARAMCD"]): (r["AVALC"], r["ADT"])
               for r in csv.DictReader(handle)}
    starts = {s.usubjid: s.start_date for s in read_subjects(subjects_csv, "randomisation")}
    compared = 0
    for read in read_tumor_tables(sdtm / "tu_onco_recist.csv", sdtm / "tr_onco_recist.csv"):
        if read.subject_id not in starts:
            continue
        outcome = read_outcome(assess_recist11(read), starts[read.subject_id], Profile())
        key = read.key
        best, confirmed = outcome.best_response, outcome.confirmed_best_response
        assert cli[(*key, "BOR")] == (best.category, best.date.isoformat() if best.date else "")
        assert cli[(*key, "CBOR")] == (confirmed.category, confirmed.date.isoformat() if confirmed.date else "")
        assert cli[(*key, "PFS")][1] == outcome.pfs.date.isoformat()
        compared += 1
    assert compared >= 10
