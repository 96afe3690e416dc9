"""DICOM SR TID 1500 export and import (issue 7): validity, round trip in mm, other tools' reports."""

from __future__ import annotations

import copy
import dataclasses
import math
import threading
from collections.abc import Iterator
from pathlib import Path

import highdicom as hd
import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.sr._concepts_dict import concepts
from pydicom.sr.codedict import codes
from pydicom.uid import Comprehensive3DSRStorage, EnhancedSRStorage

from recist_app.exports.errors import ExportCancelledError
from recist_app.exports.job import ExportJob
from recist_app.exports.runner import export_trial
from recist_app.model.records import (
    Axis,
    LesionRole,
    LesionState,
    Measurement,
    MeasurementMethod,
    MeasurementPlane,
    ReaderRole,
    ReadSnapshot,
    SeriesLink,
    Status,
)
from recist_app.sr.batch import write_srs
from recist_app.sr.codes import ORGAN_SITES, PROJECT_CODES, RECIST_SCHEME, finding_site
from recist_app.sr.errors import SrContentError, SrExportError, SrReadError
from recist_app.sr.reader import SrReport, read_sr
from recist_app.sr.writer import build_sr, sr_document, sr_timepoints, write_sr
from tests.recist_app.sr.fixtures import (
    READER2_ORGAN,
    SrTrial,
    make_sr_trial,
    phantom_series,
)
from tests.recist_app.store.scenario import SUBJECT, in_memory_snapshot, make_trial
from tests.support import SHARED_DIR, require

SHARED_SR = SHARED_DIR / "data" / "sr"
FLOAT32_MM = 1e-4  # SCOORD3D Graphic Data is FL: coordinates below 512 mm come back within 3.1e-5 mm


@pytest.fixture(scope="module")
def sr_trial(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SrTrial]:
    """The trial of tests/recist_app/sr/fixtures.py (cheap password hashing while it is built)."""
    from recist_app.store import signoff

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(signoff, "SCRYPT_N", 2**10)
        built = make_sr_trial(tmp_path_factory.mktemp("sr_trial"))
    try:
        yield built
    finally:
        built.trial.store.close()


def export_sr(db: object, out: Path, subjects: list[str] | None = None) -> list[Path]:
    """The SRs of a trial through the one SR path: ``export_trial(formats=("sr",))``."""
    result = export_trial(db, out, subjects=subjects, formats=("sr",))
    return [out / f.path for f in result.files if f.format == "sr"]


@pytest.fixture(scope="module")
def sr_files(sr_trial: SrTrial, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Every SR of the trial, written once for the module."""
    return export_sr(sr_trial.trial.store, tmp_path_factory.mktemp("sr_out") / "export")


def snapshot_of(sr_trial: SrTrial, role: ReaderRole = ReaderRole.CENTRAL_READER_1) -> ReadSnapshot:
    return sr_trial.trial.session(role).snapshot()


def sr_path(sr_files: list[Path], role: ReaderRole, visit_order: int) -> Path:
    (path,) = [p for p in sr_files if f"_{role.value}_" in p.name and f"_TP{visit_order:02d}_" in p.name]
    return path


def report_at(sr_files: list[Path], role: ReaderRole, visit_order: int) -> SrReport:
    return read_sr(sr_path(sr_files, role, visit_order))


# Export: one valid document per read × time point.


def test_export_writes_one_sr_per_read_and_timepoint_with_content(sr_trial: SrTrial, sr_files: list[Path]) -> None:
    names = sorted(p.name for p in sr_files)
    assert len(names) == 4 + 2 == len(set(names))
    reader1 = [n for n in names if "central_reader_1" in n]
    assert [n.split("_TP")[1] for n in reader1] == ["01_Baseline.dcm", "02_Week-8.dcm", "03_Week-16.dcm",
                                                     "04_Week-24.dcm"]
    assert len(sr_timepoints(snapshot_of(sr_trial, ReaderRole.CENTRAL_READER_2))) == 2


def test_every_sr_validates_with_pydicom_and_highdicom(sr_trial: SrTrial, sr_files: list[Path]) -> None:
    sops = {sop: truth for truth in sr_trial.series for sop in truth.sop_instance_uids}
    for path in sr_files:
        ds = dcmread(path)
        assert ds.SOPClassUID == Comprehensive3DSRStorage and ds.Modality == "SR"
        assert ds.ContentTemplateSequence[0].TemplateIdentifier == "1500"
        document = hd.sr.srread(path)
        assert isinstance(document, hd.sr.Comprehensive3DSR)
        assert isinstance(hd.sr.Comprehensive3DSR.from_dataset(ds).content, hd.sr.MeasurementReport)
        groups = document.content.get_image_measurement_groups()
        assert groups and all(g.tracking_uid and g.tracking_identifier for g in groups)
        (person,) = document.content.get_observer_contexts(observer_type=hd.sr.CodedConcept(
            "121006", "DCM", "Person"))
        assert str(person.observer_identifying_attributes[0].value).startswith("Reader central_reader_")
        evidence = document.get_evidence()
        assert evidence and all(sop in sops and sops[sop].series_instance_uid == series
                                and sops[sop].study_instance_uid == study for study, series, sop, _ in evidence)
        assert ds.StudyInstanceUID == evidence[0][0]  # the SR belongs to the measured study
        assert ds.PatientID == ds.ClinicalTrialSubjectID == SUBJECT
        assert ds.ClinicalTrialProtocolID == "STEREOSARC" and ds.ClinicalTrialSiteID == "FR01"


def test_the_document_is_the_one_highdicom_builds_from_the_whole_content(sr_trial: SrTrial) -> None:
    """Issue 18: highdicom's constructor is given the report's first lesion group only (it deep-copies and searches
    what it is given), the document then the whole content; element for element, that is the document highdicom
    builds and checks from the whole report."""
    groups = []
    for role in (ReaderRole.CENTRAL_READER_1, ReaderRole.CENTRAL_READER_2):
        snapshot = snapshot_of(sr_trial, role)
        for timepoint in sr_timepoints(snapshot):
            quick, whole = (sr_document(snapshot, timepoint.uid, whole_content_to_highdicom=flag)
                            for flag in (False, True))
            for document in (quick, whole):  # the creation time stamps differ by construction
                for keyword in ("ContentDate", "ContentTime", "InstanceCreationDate", "InstanceCreationTime"):
                    document.pop(keyword, None)
                for equipment in document.ContributingEquipmentSequence:
                    equipment.pop("ContributionDateTime", None)
            assert quick == whole, (role, timepoint.visit)
            groups.append(len(hd.sr.Comprehensive3DSR.from_dataset(quick).content.get_image_measurement_groups()))
    assert len(groups) == 6 and max(groups) >= 3  # documents with several lesion groups, not only the first


def test_signed_timepoint_is_complete_final_and_verified(sr_files: list[Path]) -> None:
    baseline = dcmread(sr_path(sr_files, ReaderRole.CENTRAL_READER_1, 1))
    week8 = dcmread(sr_path(sr_files, ReaderRole.CENTRAL_READER_1, 2))
    assert (baseline.CompletionFlag, baseline.PreliminaryFlag, baseline.VerificationFlag) == \
        ("COMPLETE", "FINAL", "VERIFIED")
    assert baseline.VerifyingObserverSequence[0].VerifyingOrganization == "STEREOSARC"
    assert (week8.CompletionFlag, week8.PreliminaryFlag, week8.VerificationFlag) == \
        ("PARTIAL", "PRELIMINARY", "UNVERIFIED")
    assert report_at(sr_files, ReaderRole.CENTRAL_READER_1, 1).verified


def test_export_is_idempotent_and_filters_subjects(sr_trial: SrTrial, sr_files: list[Path], tmp_path: Path) -> None:
    again = export_sr(sr_trial.folder / "trial.sqlite", tmp_path / "again", subjects=[SUBJECT])  # a database path
    assert sorted(dcmread(p).SOPInstanceUID for p in again) == sorted(dcmread(p).SOPInstanceUID for p in sr_files)


# Round trip: the same measurements in mm.


def test_round_trip_gives_back_every_line_in_mm(sr_trial: SrTrial, sr_files: list[Path]) -> None:
    compared = 0
    for role in (ReaderRole.CENTRAL_READER_1, ReaderRole.CENTRAL_READER_2):
        snapshot = snapshot_of(sr_trial, role)
        for tp in sr_timepoints(snapshot):
            stored = [m for m in snapshot.measurements if m.timepoint_uid == tp.uid]
            report = report_at(sr_files, role, snapshot.timepoints.index(tp) + 1)
            assert report.time_points == (tp.visit,) and report.observer_name == snapshot.reader.name
            assert report.warnings == () and sum(len(f.measurements) for f in report.findings) == len(stored)
            compared += len(stored)
            for measurement in stored:
                lesion = next(les for les in snapshot.lesions if les.uid == measurement.lesion_uid)
                finding = report.finding(lesion.uid)
                assert finding.tracking_label == lesion.label and finding.tracking_uid == lesion.uid
                (num,) = [n for n in finding.measurements if n.axis is measurement.line.axis]
                assert num.value_mm == pytest.approx(measurement.line.length_mm, abs=0.01)
                line = num.line()
                assert line.length_mm == pytest.approx(measurement.line.length_mm, abs=0.01)
                assert (line.sop_uid, line.series_uid, line.frame_of_reference_uid, line.axis) == \
                    (measurement.line.sop_uid, measurement.line.series_uid,
                     measurement.line.frame_of_reference_uid, measurement.line.axis)
                for got, want in zip((line.p1_mm, line.p2_mm), (measurement.line.p1_mm, measurement.line.p2_mm),
                                     strict=True):
                    assert math.dist(got, want) < FLOAT32_MM
    assert compared == 14 + 2


def test_tracking_uids_are_stable_across_timepoints_and_differ_between_reads(sr_trial: SrTrial,
                                                                           sr_files: list[Path]) -> None:
    reports = [report_at(sr_files, ReaderRole.CENTRAL_READER_1, order) for order in range(1, 5)]
    for label in ("T01", "T02", "T03", "NT01"):
        assert {r.finding(label).tracking_uid for r in reports} == {sr_trial.lesions[label].uid}
    assert [len(r.findings) for r in reports] == [4, 4, 4, 5]
    other = report_at(sr_files, ReaderRole.CENTRAL_READER_2, 1).finding("T01")
    assert other.tracking_uid == sr_trial.reader2_lesion.uid != sr_trial.lesions["T01"].uid


def test_roles_statuses_sites_and_flags_round_trip(sr_files: list[Path]) -> None:
    baseline, week16, week24 = (report_at(sr_files, ReaderRole.CENTRAL_READER_1, n) for n in (1, 3, 4))
    t02 = baseline.finding("T02")
    assert (t02.long_axis_mm, t02.short_axis_mm) == (pytest.approx(31.0), pytest.approx(20.0))
    assert [(f.tracking_label, f.role, f.organ, f.status) for f in week24.findings] == [
        ("N01", LesionRole.NEW, "LIVER", Status.PRESENT), ("NT01", LesionRole.NON_TARGET, "BONE", Status.PRESENT),
        ("T01", LesionRole.TARGET, "LUNG", None), ("T02", LesionRole.TARGET, "LYMPH NODE", None),
        ("T03", LesionRole.TARGET, "LIVER", None)]
    assert [f.finding_sites[0].value for f in week24.findings] == ["10200004", "272673000", "39607008", "59441001",
                                                                    "10200004"]
    assert week16.finding("T03").radiation_induced and not baseline.finding("T03").radiation_induced
    assert all(r.finding("T03").irradiated for r in (baseline, week16, week24))
    assert baseline.finding("T01").method.value == "126081"  # RECIST 1.1
    assert baseline.finding("T01").finding_type.meaning == "Lesion"
    other = report_at(sr_files, ReaderRole.CENTRAL_READER_2, 1).finding("T01")
    assert (other.organ, other.finding_sites[0].scheme) == (READER2_ORGAN, RECIST_SCHEME)


def test_time_point_context(sr_trial: SrTrial, sr_files: list[Path]) -> None:
    for order, tp in enumerate(sr_trial.trial.timepoints, start=1):
        time_point = report_at(sr_files, ReaderRole.CENTRAL_READER_1, order).findings[0].time_point
        assert time_point is not None
        assert (time_point.label, time_point.order, time_point.subject_time_point_id) == (tp.visit, order, tp.uid)
        assert time_point.type.meaning == ("Baseline" if order == 1 else "Posttreatment")


def test_split_fragments_and_merged_lesions_round_trip(sr_trial: SrTrial, tmp_path: Path) -> None:
    snapshot = snapshot_of(sr_trial)
    week16 = snapshot.timepoints[2]
    t01, t03 = snapshot.lesion("T01"), snapshot.lesion("T03")
    line = next(m for m in snapshot.measurements if m.lesion_uid == t03.uid and m.timepoint_uid == week16.uid).line
    fragments = tuple(Measurement(f"frag{n}", t03.uid, week16.uid, line, fragment=n) for n in (1, 2))
    others = tuple(m for m in snapshot.measurements if not (m.lesion_uid == t03.uid and m.timepoint_uid == week16.uid))
    states = (*(s for s in snapshot.states if s.timepoint_uid != week16.uid),
              LesionState("s-split", t03.uid, week16.uid, Status.SPLIT),
              LesionState("s-merge", snapshot.lesion("T02").uid, week16.uid, Status.MERGED, merged_into_uid=t01.uid))
    changed = dataclasses.replace(snapshot, measurements=others + fragments, states=states)
    report = read_sr(write_sr(changed, week16.uid, tmp_path))
    assert [f.fragment for f in report.findings if f.tracking_uid == t03.uid] == [1, 2]
    assert report.finding("T03", fragment=2).status is Status.SPLIT
    assert report.finding("T03", fragment=1).long_axis_mm == pytest.approx(line.length_mm)
    assert report.finding("T02").merged_into_uid == t01.uid
    assert report.finding("T02").status is Status.MERGED


def test_unreadable_images_are_described_from_their_uids(sr_trial: SrTrial, tmp_path: Path) -> None:
    snapshot = snapshot_of(sr_trial)
    unreadable = tuple(dataclasses.replace(tp, series=tuple(dataclasses.replace(s, path="") for s in tp.series))
                       for tp in snapshot.timepoints)
    ds = build_sr(dataclasses.replace(snapshot, timepoints=unreadable), snapshot.timepoints[1].uid)
    assert ds.PatientID == SUBJECT and str(ds.PatientName) == SUBJECT and ds.StudyDate == "20240301"
    assert {sop_class for *_, sop_class in ds.get_evidence()} == {"1.2.840.10008.5.1.4.1.1.2"}
    assert ds.StudyInstanceUID == sr_trial.series[1].study_instance_uid


def test_images_can_be_given_as_files(sr_trial: SrTrial, tmp_path: Path) -> None:
    snapshot = snapshot_of(sr_trial)
    unattached = dataclasses.replace(snapshot, timepoints=tuple(dataclasses.replace(tp, series=())
                                                                for tp in snapshot.timepoints))
    truth = sr_trial.series[2]
    files = [Path(truth.folder) / name for name in truth.file_names]
    path = write_sr(unattached, snapshot.timepoints[2].uid, tmp_path, images=files, keep_identity=True)
    assert dcmread(path).PatientName == "Phantom^S-001"  # from the images, nothing added
    (tmp_path / "notes.txt").write_text("not DICOM")
    with pytest.raises(SrExportError, match=r'Argument "images" must hold DICOM images, got .*notes\.txt'):
        write_sr(unattached, snapshot.timepoints[2].uid, tmp_path, images=[tmp_path / "notes.txt"])


def test_blinded_reads_are_exported_with_the_real_visit_labels(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from recist_app.store import signoff

    monkeypatch.setattr(signoff, "SCRYPT_N", 2**10)
    trial = make_trial(str(tmp_path / "blind.sqlite"), blind_visits=True)
    try:
        week8 = trial.timepoints[1]
        spec, truth = phantom_series(tmp_path / "img", 1, "20240301")
        trial.store.attach_series(week8.uid, study_uid=truth.study_instance_uid, series_uid=truth.series_instance_uid,
                                  path=truth.folder, modality="CT")
        from tests.recist_app.sr.fixtures import drawn_line

        session = trial.session()
        lesion = session.add_lesion("T01", "TARGET", organ="LUNG", first_timepoint_uid=trial.timepoints[0].uid)
        session.record_measurement(lesion.uid, week8.uid, drawn_line(spec, truth, "T01", 25.0, Axis.LONG))
        assert {tp.visit for tp in session.snapshot().timepoints} == {"Baseline", "TP1", "TP2", "TP3"}
        (path,) = export_sr(trial.store, tmp_path / "out")  # the runner's reads are unblinded
        assert read_sr(path).time_points == ("Week 8",) and path.name.endswith("_TP02_Week-8.dcm")
    finally:
        trial.store.close()


def test_progress_and_cancel(sr_trial: SrTrial, tmp_path: Path) -> None:
    """One step per read; a cancel stops before the next document and leaves no file behind."""
    seen: list[tuple[int, int]] = []
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done == 3:  # two reads collected, the first read's SRs written
            cancel.set()

    with pytest.raises(ExportCancelledError, match="cancelled; nothing was written"):
        export_trial(sr_trial.trial.store, tmp_path / "out", formats=("sr",), on_progress=progress, cancel=cancel)
    assert seen == [(1, 5), (2, 5), (3, 5)] and list(tmp_path.iterdir()) == []


def test_write_srs_notes_a_timepoint_it_cannot_write(sr_trial: SrTrial, tmp_path: Path) -> None:
    snapshot = snapshot_of(sr_trial)
    bare = dataclasses.replace(snapshot, timepoints=tuple(dataclasses.replace(tp, series=())
                                                          for tp in snapshot.timepoints))
    job = ExportJob(tmp_path, 1)
    assert write_srs([bare], tmp_path / "sr", job) == [] and job.done == 1
    assert len(job.notes) == len(sr_timepoints(bare)) == 4
    assert job.notes[0].startswith(f"SR not written for {SUBJECT} at Baseline: A series measured at Baseline ")


# Export errors.


def test_write_sr_rejects_a_timepoint_outside_the_read(sr_trial: SrTrial, tmp_path: Path) -> None:
    with pytest.raises(SrExportError, match='Argument "timepoint_uid" must be a time point of the read'):
        write_sr(snapshot_of(sr_trial), "nope", tmp_path)


def test_write_sr_refuses_a_timepoint_without_content(sr_trial: SrTrial, tmp_path: Path) -> None:
    snapshot = snapshot_of(sr_trial, ReaderRole.CENTRAL_READER_2)
    with pytest.raises(SrExportError, match="states nothing at Week 16: there is no SR to write"):
        write_sr(snapshot, snapshot.timepoints[2].uid, tmp_path)


def test_write_sr_needs_dicom_tracking_uids(sr_trial: SrTrial, tmp_path: Path) -> None:
    reader = sr_trial.trial.readers[ReaderRole.CENTRAL_READER_1]
    snapshot = in_memory_snapshot(sr_trial.trial.store, reader, sr_trial.trial.timepoints)
    with pytest.raises(SrExportError, match=r"its tracking UID must be a DICOM UID .* got 'mem-"):
        write_sr(snapshot, snapshot.timepoints[0].uid, tmp_path)


def test_write_sr_needs_the_measured_series_attached(sr_trial: SrTrial, tmp_path: Path) -> None:
    snapshot = snapshot_of(sr_trial)
    bare = dataclasses.replace(snapshot, timepoints=tuple(dataclasses.replace(tp, series=())
                                                          for tp in snapshot.timepoints))
    with pytest.raises(SrExportError, match=f"A series measured at Baseline of {SUBJECT} is not attached") as info:
        write_sr(bare, snapshot.timepoints[0].uid, tmp_path)
    assert sr_trial.series[0].series_instance_uid not in str(info.value)  # the reader's words, no UID


def test_write_sr_cannot_guess_the_sop_class_of_an_unknown_modality(sr_trial: SrTrial, tmp_path: Path) -> None:
    snapshot = snapshot_of(sr_trial)
    odd = tuple(dataclasses.replace(tp, series=tuple(dataclasses.replace(s, path="", modality="OT")
                                                     for s in tp.series)) for tp in snapshot.timepoints)
    with pytest.raises(SrExportError, match=r"modality \(OT\) does not tell its SOP Class"):
        write_sr(dataclasses.replace(snapshot, timepoints=odd), snapshot.timepoints[0].uid, tmp_path)


def test_status_only_timepoint_needs_a_readable_image(sr_trial: SrTrial, tmp_path: Path) -> None:
    snapshot = snapshot_of(sr_trial)
    nt01 = snapshot.lesion("NT01").uid
    only_states = dataclasses.replace(snapshot, measurements=())
    path = write_sr(only_states, snapshot.timepoints[1].uid, tmp_path)  # the series' first image is the evidence
    assert read_sr(path).finding(nt01).status is Status.PRESENT
    link: SeriesLink = snapshot.timepoints[1].series[0]
    no_files = tuple(dataclasses.replace(tp, series=(dataclasses.replace(link, path=str(tmp_path / "gone")),))
                     for tp in snapshot.timepoints)
    with pytest.raises(SrExportError, match="Week 8 of subject S-001 has no measured line and no readable image"):
        write_sr(dataclasses.replace(only_states, timepoints=no_files), snapshot.timepoints[1].uid, tmp_path)


def test_finding_site_table_uses_snomed_codes_known_to_pydicom() -> None:
    known = {value for entries in concepts["SCT"].values() for value in entries}
    assert all(code.scheme_designator == "SCT" and code.value in known for code in ORGAN_SITES.values())
    assert finding_site("lung") == ORGAN_SITES["LUNG"] and finding_site("Adrenal") == ORGAN_SITES["ADRENAL GLAND"]
    assert finding_site("", nodal=True) == ORGAN_SITES["LYMPH NODE"] and finding_site("") is None
    site = finding_site("Left paraspinal gutter")
    assert site is not None
    assert (site.scheme_designator, site.meaning, len(site.value) <= 16) == (RECIST_SCHEME,
                                                                           "LEFT PARASPINAL GUTTER", True)


def test_project_codes_are_only_those_pydicom_lacks() -> None:
    """The one table of the project's own codes holds no concept of pydicom's dictionaries."""
    known = {(scheme, value) for scheme, entries in concepts.items() for values in entries.values()
             for value in values}
    assert not [code for code in PROJECT_CODES.values() if (code.scheme_designator, code.value) in known]
    assert len({(code.scheme_designator, code.value) for code in PROJECT_CODES.values()}) == len(PROJECT_CODES)


# Import: robustness and errors.


def test_unusable_content_is_skipped_with_warnings(sr_files: list[Path], tmp_path: Path) -> None:
    ds = dcmread(sr_path(sr_files, ReaderRole.CENTRAL_READER_1, 1))
    measurements = next(i for i in ds.ContentSequence if i.ConceptNameCodeSequence[0].CodeValue == "126010")
    first, second = measurements.ContentSequence[0], measurements.ContentSequence[1]
    first.ContentSequence = [i for i in first.ContentSequence if i.ConceptNameCodeSequence[0].CodeValue != "112040"]
    by_reference = Dataset()
    by_reference.RelationshipType, by_reference.ReferencedContentItemIdentifier = "CONTAINS", [1, 1]
    first.ContentSequence.append(by_reference)
    num = next(i for i in second.ContentSequence if i.ConceptNameCodeSequence[0].CodeValue == "103339001")
    del num.MeasuredValueSequence
    other = next(i for i in measurements.ContentSequence[2].ContentSequence
                 if i.ConceptNameCodeSequence[0].CodeValue == "103340004")
    scoord = next(i for i in other.ContentSequence if i.ValueType == "SCOORD3D")
    scoord.GraphicData = [1.0, 2.0, 3.0, 4.0]
    stray = copy.deepcopy(ds.ContentSequence[0])
    measurements.ContentSequence.append(stray)
    last = next(i for i in measurements.ContentSequence[3].ContentSequence if i.ValueType == "NUM"
                and i.ConceptNameCodeSequence[0].CodeValue == "103339001")
    del next(i for i in last.ContentSequence if i.ValueType == "IMAGE").ReferencedSOPSequence[0].ReferencedSOPClassUID
    ds.save_as(tmp_path / "damaged.dcm")
    report = read_sr(tmp_path / "damaged.dcm")
    assert [f.tracking_label for f in report.findings] == ["NT01", "T01", "T02"] and len(report.warnings) == 6
    assert "Measurement Group 4 is malformed (AttributeError: " in report.warnings[4]
    assert "Measurement Group 1 (NT01) has no Tracking Unique Identifier (DCM 112040)" in report.warnings[1]
    assert "a by-reference content item was skipped" in report.warnings[0]
    assert "NUM 'Long axis' has no measured value (a qualifier only): skipped" in report.warnings[2]
    assert "SCOORD3D POLYLINE has 4 coordinates, not a multiple of 3: skipped" in report.warnings[3]
    assert "Imaging Measurements item 5 (Language of Content Item and Descendants) is no Measurement Group" \
        in report.warnings[5]
    assert report.findings[1].measurements == ()


def test_read_sr_rejects_files_that_are_not_sr(tmp_path: Path, sr_trial: SrTrial) -> None:
    (tmp_path / "notes.txt").write_text("not DICOM")
    with pytest.raises(SrReadError, match=r"notes.txt: not a readable DICOM file"):
        read_sr(tmp_path / "notes.txt")
    image = Path(sr_trial.series[0].folder) / sr_trial.series[0].file_names[0]
    with pytest.raises(SrReadError, match="not a DICOM SR document \\(Modality 'CT'") as caught:
        read_sr(image)
    assert caught.value.path == str(image)


def test_a_line_needs_3d_points_with_an_image_of_known_series() -> None:
    require(SHARED_SR.is_dir(), f"{SHARED_SR} is missing")
    (finding,) = read_sr(SHARED_SR / "tid1500_fhir_examples" / "rsna2018_dataset4" / "1.dcm").findings
    with pytest.raises(SrContentError, match=r"^Length 66\.43856134 has no two-point SCOORD3D polyline"):
        finding.measurements[0].line()


# The TID 1500 examples of other tools (../shared/data/sr, MANIFEST.md).


def shared(*parts: str) -> Path:
    path = SHARED_SR.joinpath(*parts)
    require(path.is_file(), f"{path} is missing (../shared/data/sr)")
    return path


def count_num_items(path: Path) -> int:
    """NUM content items anywhere in the document (MANIFEST.md counts them so)."""
    def walk(items: list[Dataset]) -> int:
        return sum((item.get("ValueType") == "NUM") + walk(item.get("ContentSequence", [])) for item in items)
    return walk(dcmread(path).ContentSequence)


def test_pixelmed_linear_measurement_of_crowds_cure_cancer() -> None:
    report = read_sr(shared("tid1500_fhir_examples", "rsna2018_dataset4", "1.dcm"))
    (finding,) = report.findings
    (length,) = finding.measurements
    assert report.sop_class_uid == EnhancedSRStorage and report.patient_id == "TCGA-BP-4343"
    assert report.observer_name == "accomplished_peafowl"
    assert (length.name.value, length.name.scheme, length.unit.value) == ("410668003", "SCT", "mm")  # SRT G-D7FE
    assert round(length.value_mm, 2) == 66.44 and length.axis is None
    (polyline,) = length.coordinates
    assert polyline.graphic_type == "POLYLINE" and len(polyline.pixel_points) == 2 and polyline.points_mm == ()
    assert polyline.image.sop_instance_uid == "1.3.6.1.4.1.14519.5.2.1.9203.4004.268018422288818573226516023762"
    assert [v for point in polyline.pixel_points for v in point] == pytest.approx(
        [172.8354, 270.0641, 133.7989, 343.0453], abs=1e-4)  # (column, row) in pixels
    assert (finding.organ, finding.tracking_label) == ("KIDNEY", "5b6eb4301d3175942d29985a3d0fbb00")


def test_highdicom_example_with_multiple_groups() -> None:
    report = read_sr(shared("highdicom", "sr_document_with_multiple_groups.dcm"))
    assert [f.tracking_label for f in report.findings] == ["Image0001", "LungNodule0001", "Aorta0001",
                                                           "Vertebra0001"]
    values = {(m.name.meaning, m.unit.value): m.value for f in report.findings for m in f.measurements}
    assert values[("Diameter", "mm")] == 20.0 and report.findings[1].measurements[0].value_mm == 10.0
    assert values[("Volume", "mm3")] == 200.0 and ("Intensity Histogram Mean", "[hnsf'U]") in values
    assert [f.region.graphic_type if f.region else None for f in report.findings] == [None, "CIRCLE", "POLYLINE",
                                                                                      "POINT"]
    assert report.findings[3].region.points_mm == ((123.5, pytest.approx(234.1), pytest.approx(-23.7)),)
    assert report.findings[1].organ == "LUNG" and report.observer_name == "Doe^John"
    assert report.warnings == ()


def test_highdicom_planar_roi_example() -> None:
    report = read_sr(shared("highdicom", "sr_document.dcm"))
    (finding,) = report.findings
    (area,) = finding.measurements
    assert (area.name.meaning, area.value, area.unit.value, area.value_mm) == ("Area of defined region", 1.7,
                                                                              "cm2", None)
    assert finding.region.graphic_type == "CIRCLE" and finding.region.pixel_points == ((58.0, 52.0), (58.0, 41.0))
    assert finding.region.image.sop_instance_uid == "1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322"
    assert report.observer_name == "Foo"  # written as TEXT, not PNAME, by that example


@pytest.mark.parametrize("parts, lesions, nums_in_file", [
    (("dcmqi_sr_example", "sr.dcm"), 1, 24),
    (("tid1500_fhir_examples", "rsna2018_dataset2", "Measurements_User2_SemiAuto_Trial2.dcm"), 11, 240),
])
def test_dcmqi_pet_reports(parts: tuple[str, ...], lesions: int, nums_in_file: int) -> None:
    path = shared(*parts)
    report = read_sr(path)
    assert len(report.findings) == lesions and report.observer_name == "User2"
    assert len({f.tracking_uid for f in report.findings}) == lesions
    assert report.time_points == ("1",) and report.findings[0].tracking_label == "primary tumor"
    measured = sum(len(f.measurements) for f in report.findings)
    assert count_num_items(path) == nums_in_file == measured + 2  # + Image Library rows and columns
    assert any(m.unit.value == "{SUVbw}g/ml" for m in report.findings[0].measurements)


@pytest.mark.parametrize("parts", [("tid1500_fhir_examples", "dcmqi", "result.dcm"),
                                   ("tid1500_fhir_examples", "rsna2018_dataset1",
                                    "sr-tid1500-ct-liver-example.dcm")])
def test_dcmqi_liver_segmentation_measurements(parts: tuple[str, ...]) -> None:
    report = read_sr(shared(*parts))
    (finding,) = report.findings
    assert finding.organ == "LIVER" and len(finding.measurements) == 6
    volumes = {m.unit.value: m.value for m in finding.measurements if m.name.meaning == "Volume"}
    assert volumes == {"mm3": 70361.9, "cm3": 70.3619}
    (segment,) = [i for i in finding.images if i.sop_class_uid == "1.2.840.10008.5.1.4.1.1.66.4"]
    assert segment.purpose.meaning == "Referenced Segment"


def test_pyradiomics_report() -> None:
    path = shared("tid1500_fhir_examples", "rsna2018_dataset3", "radiomics_sr.dcm")
    report = read_sr(path)
    (finding,) = report.findings
    assert finding.tracking_label == "Mass" and report.device_observer_name == "pyradiomics"
    assert len(finding.measurements) == 1561  # features; MANIFEST's "about 2100" counts every NUM item
    diameter = next(m for m in finding.measurements if m.name.meaning == "Maximum 3D diameter")
    assert diameter.value == pytest.approx(21.90890)


@pytest.mark.parametrize("parts, error, message", [
    (("pydicom", "test-SR.dcm"), SrContentError, "an SR titled 'Diagnosis' .template none., not a TID 1500"),
    (("pydicom", "reportsi.dcm"), SrContentError, "not a TID 1500 Measurement Report"),
    (("dcmqi_sr_example", "seg.dcm"), SrReadError, "not a DICOM SR document .Modality 'SEG'"),
])
def test_non_tid1500_examples_raise_typed_errors(parts: tuple[str, ...], error: type[Exception],
                                                 message: str) -> None:
    with pytest.raises(error, match=message):
        read_sr(shared(*parts))


def test_sr_format_of_the_export_runner_is_write_srs(sr_trial: SrTrial, sr_files: list[Path],
                                                     tmp_path: Path) -> None:
    snapshots = [snapshot_of(sr_trial, role) for role in (ReaderRole.CENTRAL_READER_1, ReaderRole.CENTRAL_READER_2)]
    job = ExportJob(tmp_path, 2)
    direct = write_srs(snapshots, tmp_path / "direct", job)
    assert sorted(p.name for p in direct) == sorted(p.name for p in sr_files) and job.done == 2 and not job.notes
    assert all(read_sr(path).findings for path in sr_files)


def test_a_line_measured_on_a_reformat_keeps_its_plane(sr_trial: SrTrial, tmp_path: Path) -> None:
    """VIEWER.md "Reformats": the NUM says Multiplanar reformatting and its Image View; read back, the plane."""
    snapshot = snapshot_of(sr_trial)
    week16 = snapshot.timepoints[2]
    t01 = snapshot.lesion("T01")
    old = next(m for m in snapshot.measurements if m.lesion_uid == t01.uid and m.timepoint_uid == week16.uid)
    coronal = dataclasses.replace(old, line=dataclasses.replace(old.line, plane=MeasurementPlane.CORONAL))
    changed = dataclasses.replace(snapshot, measurements=tuple(coronal if m is old else m
                                                               for m in snapshot.measurements))
    path = write_sr(changed, week16.uid, tmp_path)
    report = read_sr(path)
    (num,) = report.finding("T01").measurements
    assert num.plane is MeasurementPlane.CORONAL and num.line().plane is MeasurementPlane.CORONAL
    assert num.derivation is not None and num.derivation.is_(codes.DCM.MultiplanarReformatting)
    assert num.view is not None and num.view.is_(codes.SCT.Coronal)
    others = [n for f in report.findings if f.tracking_uid != t01.uid for n in f.measurements]
    assert others and all(n.plane is MeasurementPlane.AXIAL and n.view is None for n in others)


@pytest.mark.parametrize("method", [MeasurementMethod.PROPOSED, MeasurementMethod.PROPOSED_EDITED])
def test_a_line_the_measuring_tool_proposed_says_so(sr_trial: SrTrial, tmp_path: Path,
                                                   method: MeasurementMethod) -> None:
    """Issue 17, "Honesty": the NUM's Measurement Method names the proposal (edited or not) and TID 4019 the
    algorithm; read back, the method; the reader's own lines carry neither."""
    snapshot = snapshot_of(sr_trial)
    week16 = snapshot.timepoints[2]
    t01 = snapshot.lesion("T01")
    old = next(m for m in snapshot.measurements if m.lesion_uid == t01.uid and m.timepoint_uid == week16.uid)
    proposed = dataclasses.replace(old, line=dataclasses.replace(old.line, method=method))
    changed = dataclasses.replace(snapshot, measurements=tuple(proposed if m is old else m
                                                               for m in snapshot.measurements))
    path = write_sr(changed, week16.uid, tmp_path)
    (num,) = read_sr(path).finding("T01").measurements
    assert num.method is method and num.line().method is method
    dataset = dcmread(path)
    names = {item.ConceptNameCodeSequence[0].CodeMeaning for item in _walk(dataset)}
    assert {"Measurement Method", "Algorithm Name", "Algorithm Version"} <= names
    others = [n for f in read_sr(path).findings if f.tracking_uid != t01.uid for n in f.measurements]
    assert others and all(n.method is MeasurementMethod.MANUAL and n.method_code is None for n in others)


def _walk(item: Dataset) -> Iterator[Dataset]:
    for child in item.get("ContentSequence", []):
        yield child
        yield from _walk(child)


def test_an_sr_for_the_statistics_team_carries_no_patient_identity(sr_trial: SrTrial, tmp_path: Path) -> None:
    """Issue 14: the patient and study modules are pseudonymised; ``keep_identity`` is for the site's PACS."""
    snapshot = snapshot_of(sr_trial)
    truth = sr_trial.series[2]
    images = []
    for name in truth.file_names:
        ds = dcmread(Path(truth.folder) / name)
        ds.PatientName, ds.PatientBirthDate, ds.PatientSex = "Doe^Jane", "19600101", "F"
        ds.AccessionNumber, ds.ReferringPhysicianName, ds.OtherPatientIDs = "ACC123", "House^Greg", "MRN-77"
        ds.InstitutionName, ds.PatientAge = "Hôpital Nord", "064Y"
        images.append(ds)
    tp = snapshot.timepoints[2].uid
    sr = dcmread(write_sr(snapshot, tp, tmp_path / "stats", images=images))
    assert (str(sr.PatientName), sr.PatientID, sr.ClinicalTrialSubjectID) == (SUBJECT, SUBJECT, SUBJECT)
    assert (sr.PatientBirthDate, sr.PatientSex, sr.AccessionNumber, str(sr.ReferringPhysicianName)) == ("",) * 4
    assert not {"OtherPatientIDs", "InstitutionName", "PatientAge"} & set(sr.dir())
    assert sr.PatientIdentityRemoved == "YES" and sr.StudyInstanceUID == truth.study_instance_uid
    text = sr.to_json()
    assert not any(secret in text for secret in ("Doe", "19600101", "ACC123", "House", "MRN-77", "Nord"))
    assert all((str(ds.PatientName), ds.InstitutionName) == ("Doe^Jane", "Hôpital Nord") for ds in images)  # unchanged
    kept = dcmread(write_sr(snapshot, tp, tmp_path / "pacs", images=images, keep_identity=True))
    assert (str(kept.PatientName), kept.PatientBirthDate, kept.AccessionNumber) == ("Doe^Jane", "19600101", "ACC123")
    assert "PatientIdentityRemoved" not in kept
