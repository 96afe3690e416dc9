"""The demo trial (issue 5): hand-made expectations against the engine, and the phantom images.

The expected categories in :mod:`recist_app.demo.trial` were written by hand from RULES.md; here
the engine (:func:`assessment.read_report.assess_read`, STEREOSARC profile) must give every one of
them from the ground-truth read. The images are written once per module.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from datetime import date
from decimal import Decimal
from importlib.resources import as_file, files
from pathlib import Path

import numpy as np
import pytest

from assessment.best_response import Assessment
from assessment.domain import Read, Status
from assessment.gmi import growth_modulation_index
from assessment.irecist_outcome import irecist_outcome
from assessment.local_control import LocalVerdict
from assessment.outcome import read_outcome
from assessment.profile import Profile
from assessment.read_report import ReadReport, assess_read
from recist_app.demo.design import (
    DemoDesign,
    DemoSubject,
    DemoVisit,
    from_jsonable,
    ground_truth_read,
    recorded_mm,
    to_jsonable,
)
from recist_app.demo.errors import PhantomSpecError
from recist_app.demo.images import (
    DemoImages,
    load_demo_images,
    phantom_spec,
    write_demo_images,
)
from recist_app.demo.phantom import LesionTruth
from recist_app.demo.trial import DEMO_DESIGN, STS_001, mm
from recist_app.errors import InputFileError
from recist_app.evaluation.profile_file import load_profile
from recist_app.imaging.load import load_series_from_paths
from recist_app.imaging.scan import scan
from recist_app.imaging.volume import CtVolume

SUBJECTS = [subject.subject_id for subject in DEMO_DESIGN.subjects]
SIZE, SLICES = 256, 40
PIXEL_MM = 400.0 / SIZE


@pytest.fixture(scope="module")
def profile() -> Profile:
    """The STEREOSARC profile, read from its shipped file."""
    with as_file(files("resources.profiles").joinpath(DEMO_DESIGN.profile)) as path:
        return load_profile(path)


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> DemoImages:
    """Every series of the demo, written once for this module."""
    return write_demo_images(tmp_path_factory.mktemp("demo"), size=SIZE, slices=SLICES)


def report_of(subject_id: str, profile: Profile) -> ReadReport:
    return assess_read(ground_truth_read(DEMO_DESIGN, subject_id), profile)


def follow_ups(subject_id: str) -> tuple[DemoVisit, ...]:
    return DEMO_DESIGN.subject(subject_id).visits[1:]


# --- the engine gives the hand-made categories ---------------------------------------------------


@pytest.mark.parametrize("subject_id", SUBJECTS)
def test_engine_gives_every_expected_recist_and_irecist_category(subject_id: str, profile: Profile) -> None:
    report = report_of(subject_id, profile)
    expected = [(v.visit_id, v.expected.recist, v.expected.irecist) for v in follow_ups(subject_id) if v.expected]
    recist = {tp.visit_id: tp.overall for tp in report.recist.follow_ups}
    irecist = {tp.visit_id: tp.overall for tp in report.irecist.timepoints}
    assert [(visit, recist.get(visit), irecist.get(visit)) for visit, _, _ in expected] == expected
    assert report.recist.baseline_findings == ()


@pytest.mark.parametrize("subject_id", SUBJECTS)
def test_engine_gives_every_expected_subset_result(subject_id: str, profile: Profile) -> None:
    subsets = report_of(subject_id, profile).subsets
    assert subsets is not None
    actual = []
    for tp in subsets.follow_ups:
        local = tuple(c.lesion_id for c in subsets.local_control for v in c.verdicts
                      if v.visit_id == tp.visit_id and v.local_progression)
        actual.append((tp.visit_id, tp.irradiated.response if tp.irradiated else None,
                       tp.non_irradiated.response if tp.non_irradiated else None,
                       tp.abscopal_sum30, tp.abscopal_any_lesion30, local))
    expected = [(v.visit_id, v.expected.irradiated, v.expected.non_irradiated, v.expected.abscopal_sum30,
                 v.expected.abscopal_any_lesion30, v.expected.local_progression)
                for v in follow_ups(subject_id) if v.expected]
    assert actual == expected


def test_abscopal_shrinkage_out_of_field(profile: Profile) -> None:
    """STS-001 week 8: the non-irradiated sum 45 mm is −37.5 % from 72 mm (RULES §3.2)."""
    subsets = report_of("STS-001", profile).subsets
    assert subsets is not None and subsets.non_irradiated_ids == ("T02", "T03", "T04")
    week8 = subsets.follow_ups[0].non_irradiated
    assert week8 is not None
    assert (week8.sum_mm, week8.baseline_mm, week8.pct_change_baseline) == (45, 72, -37.5)


def test_radiation_induced_mark_keeps_local_control(profile: Profile) -> None:
    """STS-002 week 8: T01 +24 %, +6 mm over its nadir is local PD by numbers, overridden by the mark (A9)."""
    read = ground_truth_read(DEMO_DESIGN, "STS-002")
    verdict = _t01_week8(assess_read(read, profile))
    assert (verdict.value_mm, verdict.nadir_mm, verdict.radiation_induced, verdict.local_progression) == (
        31, 25, True, False)
    unmarked = _t01_week8(assess_read(_without_marks(read), profile))
    assert (unmarked.radiation_induced, unmarked.local_progression) == (False, True)
    assert [tp.overall for tp in assess_read(_without_marks(read), profile).recist.follow_ups] == [
        v.expected.recist for v in follow_ups("STS-002") if v.expected]


def _t01_week8(report: ReadReport) -> LocalVerdict:
    assert report.subsets is not None
    control = next(c for c in report.subsets.local_control if c.lesion_id == "T01")
    return next(v for v in control.verdicts if v.visit_id == "V1")


def _without_marks(read: Read) -> Read:
    timepoints = tuple(dataclasses.replace(tp, observations=tuple(
        dataclasses.replace(o, radiation_induced=False) for o in tp.observations)) for tp in read.timepoints)
    return dataclasses.replace(read, timepoints=timepoints)


@pytest.mark.parametrize("subject_id", SUBJECTS)
def test_engine_gives_the_expected_patient_outcome(subject_id: str, profile: Profile) -> None:
    subject = DEMO_DESIGN.subject(subject_id)
    report = report_of(subject_id, profile)
    outcome = read_outcome(report.recist, subject.randomisation, profile)
    iassessments = [Assessment(tp.date, tp.overall.value, tp.visit_id) for tp in report.irecist.timepoints]
    ioutcome = irecist_outcome(iassessments, subject.randomisation, profile)
    gmi = growth_modulation_index(outcome.pfs.days, subject.previous_line_pfs_days, profile.gmi_threshold,
                                  pfs_censored=outcome.pfs.censored)
    expected = subject.outcome
    assert (outcome.best_response.category, outcome.confirmed_best_response.category,
            ioutcome.best_response.category, outcome.pfs.days, outcome.pfs.censored, gmi.category) == (
        expected.bor, expected.confirmed_bor, expected.ibor, expected.pfs_days, expected.pfs_censored,
        expected.gmi)
    if not expected.pfs_censored:
        assert (ioutcome.pfs.days, ioutcome.pfs.censored) == (expected.pfs_days, False)


def test_ground_truth_read_records_the_reader_values() -> None:
    read = ground_truth_read(DEMO_DESIGN, "STS-001")
    assert (read.subject_id, read.evaluator, read.evaluator_id, read.study_id) == (
        "STS-001", "INDEPENDENT ASSESSOR", "RADIOLOGIST 1", "STEREOSARC")
    node = read.timepoints[0].observation("T03")
    assert (node.status, node.diameter_mm) == (Status.MEASURED, 18)  # short axis of the node
    assert read.timepoints[2].observation("T02").status is Status.DISAPPEARED
    t01 = next(lesion for lesion in read.lesions if lesion.lesion_id == "T01")
    assert (t01.irradiated, t01.sbrt_start, t01.sbrt_end) == (True, date(2024, 1, 15), date(2024, 1, 19))
    assert (recorded_mm(mm("X", "12.35", 5).long_axis_mm), recorded_mm(Decimal("12.34"))) == (
        Decimal("12.4"), Decimal("12.3"))


def test_impossible_designs_raise() -> None:
    with pytest.raises(PhantomSpecError, match=r"lesion 'NT01' .* cannot be DISAPPEARED"):
        _bad_state()
    with pytest.raises(PhantomSpecError, match="baseline first"):
        dataclasses.replace(STS_001, visits=STS_001.visits[::-1])
    with pytest.raises(PhantomSpecError, match="V1: a follow-up needs its expected categories"):
        dataclasses.replace(STS_001, visits=(STS_001.visits[0], dataclasses.replace(STS_001.visits[1], expected=None)))
    with pytest.raises(PhantomSpecError, match="lesion ids must be unique"):
        dataclasses.replace(STS_001, lesions=STS_001.lesions * 2)
    with pytest.raises(KeyError, match="STS-999"):
        DEMO_DESIGN.subject("STS-999")


def _bad_state() -> DemoSubject:
    """A non-target recorded as disappeared (a target's state) at baseline: impossible."""
    baseline = STS_001.visits[0]
    sizes = tuple(dataclasses.replace(s, state=Status.DISAPPEARED) if s.lesion_id == "NT01" else s
                  for s in baseline.sizes)
    return dataclasses.replace(STS_001, visits=(dataclasses.replace(baseline, sizes=sizes), *STS_001.visits[1:]))


def test_overlapping_lesions_raise() -> None:
    moved = tuple(dataclasses.replace(lesion, position=STS_001.lesions[0].position)
                  if lesion.lesion_id == "NT01" else lesion for lesion in STS_001.lesions)
    subject = dataclasses.replace(STS_001, lesions=moved)
    with pytest.raises(PhantomSpecError, match="must not overlap, got 'T01' and 'NT01'"):
        phantom_spec(DEMO_DESIGN, subject, subject.visits[0])


def test_design_json_round_trips() -> None:
    text = json.dumps(to_jsonable(DEMO_DESIGN), ensure_ascii=False)
    assert from_jsonable(DemoDesign, json.loads(text)) == DEMO_DESIGN


# --- the images -----------------------------------------------------------------------------------


def test_one_series_per_subject_and_visit_grouped_by_patient_and_study(images: DemoImages) -> None:
    assert len(images.series) == sum(len(subject.visits) for subject in DEMO_DESIGN.subjects) == 11
    tree = scan(images.folder).tree()
    assert sorted(tree) == SUBJECTS
    for subject in DEMO_DESIGN.subjects:
        studies = tree[subject.subject_id]
        assert len(studies) == len(subject.visits)
        for visit in subject.visits:
            written = images.series_of(subject.subject_id, visit.visit_id)
            (summary,) = studies[written.truth.study_instance_uid]
            assert (summary.series_uid, summary.study_date, summary.instance_count, summary.findings) == (
                written.truth.series_instance_uid, visit.date.strftime("%Y%m%d"), SLICES, ())


def test_demo_ground_truth_json_round_trips(images: DemoImages) -> None:
    assert images.ground_truth_path.is_file()
    assert load_demo_images(images.folder) == images


def test_missing_demo_ground_truth_raises(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=re.escape("demo_ground_truth.json: cannot be read as JSON")):
        load_demo_images(tmp_path)
    (tmp_path / "demo_ground_truth.json").write_text('{"format": "other"}', encoding="utf-8")
    with pytest.raises(InputFileError, match='must be a "recist_app demo trial" file of version 1'):
        load_demo_images(tmp_path)


def test_phantom_truth_agrees_with_the_read_within_a_voxel(images: DemoImages) -> None:
    """Every lesion drawn where the design says, at its size; disappeared lesions are not drawn."""
    for subject in DEMO_DESIGN.subjects:
        read = ground_truth_read(DEMO_DESIGN, subject.subject_id)
        for visit, timepoint in zip(subject.visits, read.timepoints, strict=True):
            truths = {t.lesion_id: t for t in images.series_of(subject.subject_id, visit.visit_id).truth.lesions}
            assert sorted(truths) == sorted(s.lesion_id for s in visit.sizes if s.visible)
            for lesion_id, truth in truths.items():
                long_mm, short_mm = _length(truth.long_axis_endpoints_mm), _length(truth.short_axis_endpoints_mm)
                size = visit.size(lesion_id)
                assert size is not None
                assert abs(long_mm - float(size.long_axis_mm)) <= PIXEL_MM
                assert abs(short_mm - float(size.short_axis_mm)) <= PIXEL_MM
                recorded = timepoint.observation(lesion_id).diameter_mm
                if recorded is not None:
                    assert abs(float(recorded) - (short_mm if truth.nodal else long_mm)) <= PIXEL_MM


def _length(ends: tuple[tuple[float, float, float], tuple[float, float, float]]) -> float:
    return math.dist(ends[0], ends[1])


def test_written_series_loads_with_soft_tissue_lesions(images: DemoImages) -> None:
    series = images.series_of("STS-001", "V0")
    volume = load_series_from_paths([series.folder])
    assert (volume.shape, volume.study_uid, volume.series_uid) == (
        (SLICES, SIZE, SIZE), series.truth.study_instance_uid, series.truth.series_instance_uid)
    for truth in series.truth.lesions:
        lesion = STS_001.lesion(truth.lesion_id)
        mean_hu = float(_inner_box(volume, truth).mean())
        assert -100 < mean_hu < 100 and abs(mean_hu - lesion.hu) < 10, truth.lesion_id
    t01 = next(t for t in series.truth.lesions if t.lesion_id == "T01")  # 32 mm, in lung
    assert abs(_extent_mm(volume, t01) - 32.0) <= PIXEL_MM


def test_disappeared_lesion_is_absent_from_the_image(images: DemoImages) -> None:
    before = images.series_of("STS-001", "V0").truth
    t02 = next(t for t in before.lesions if t.lesion_id == "T02")
    after = load_series_from_paths([images.series_of("STS-001", "V2").folder])
    col, row, k = after.patient_to_index(t02.centre_mm)
    assert after.hu[round(k), int(row) - 2:int(row) + 3, int(col) - 2:int(col) + 3].max() < -500  # lung only


def _inner_box(volume: CtVolume, truth: LesionTruth) -> np.ndarray:
    """HU of the central half of the box spanned by the lesion's axes, on its centre slice."""
    ends = [volume.patient_to_index(p) for p in (*truth.long_axis_endpoints_mm, *truth.short_axis_endpoints_mm)]
    cols, rows = [e[0] for e in ends], [e[1] for e in ends]
    col_c, row_c = (min(cols) + max(cols)) / 2, (min(rows) + max(rows)) / 2
    half_c, half_r = (max(cols) - min(cols)) / 4, (max(rows) - min(rows)) / 4
    c0, c1 = math.ceil(col_c - half_c), math.floor(col_c + half_c)
    r0, r1 = math.ceil(row_c - half_r), math.floor(row_c + half_r)
    return volume.hu[truth.slice_index, r0:r1 + 1, c0:c1 + 1]


def _extent_mm(volume: CtVolume, truth: LesionTruth) -> float:
    """Long axis measured on the image: pixels above −400 HU along the row through the centre."""
    col, row, _ = volume.patient_to_index(truth.centre_mm)
    line = volume.hu[truth.slice_index, int(row)] > -400
    start = end = int(col)
    while line[start - 1]:
        start -= 1
    while line[end + 1]:
        end += 1
    return (end - start + 1) * volume.spacing_mm[2]
