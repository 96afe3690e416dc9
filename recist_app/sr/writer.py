"""DICOM SR measurement reports (issue 7): one TID 1500 Comprehensive 3D SR per read × time point.

Each document (PS3.16 templates, written with highdicom) holds::

    TID 1500 Imaging Measurement Report (DCM 126000)
      TID 1001 observation context: person observer = the reader (name; role in procedure
          Reader, NCIt C28747, or Adjudicator), device observer = this workstation
      Procedure reported (CID 100, from the modality of the measured images)
      Imaging Measurements (DCM 126010)
        TID 1501 Measurement Group (DCM 125007), one per lesion (and split fragment) stated at the
        time point:
          DCM 112039 Tracking Identifier (the label, "T01") and DCM 112040 Tracking Unique
              Identifier (the lesion's tracking UID: the same in every time point's SR of the read)
          DCM 121071 Finding = SCT 52988006 Lesion; SCT 370129005 Measurement Method = RECIST 1.1
          SCT 363698007 Finding Site: SNOMED CT (:data:`recist_app.sr.codes.ORGAN_SITES`), else 99RECIST text
          TID 1502 Time Point Context: Time Point (UMLS C2348792) = visit label, Time Point Type
              (CID 6146 Baseline / Posttreatment), Time Point Order, Subject Time Point Identifier
              (DCM 126070) = the time point's uid
          NUM SCT 103339001 Long axis / SCT 103340004 Short axis in UCUM "mm", each INFERRED FROM
              an IMAGE Source of Measurement (DCM 121112, the image the line was drawn on) and a
              SCOORD3D POLYLINE of the two caliper end points (patient LPS mm, Frame of Reference UID);
              a line drawn on a reformat has the Derivation DCM 113072 Multiplanar reformatting and an
              Image View (DCM 111031) of SCT Coronal / Sagittal (its image is the slice nearest its middle)
          CODE qualitative evaluations: DCM 112016 Baseline Category (DCM 112074 target / 112075
              non-target); 99RECIST role of new lesions, lesion status, radiation-induced change,
              irradiated on study; TEXT fragment number and UIDREF merged-into lesion (99RECIST)

Why TID 1501 groups with coordinates on each NUM rather than TID 1410 planar ROI groups: a lesion
at a time point has zero lines (a non-target stated present), one, or two (a node's short and long
axis), while a TID 1410 group has exactly one region. Two NUMs each INFERRED FROM their own
polyline keep both lines of a bidirectional measurement in one group under one tracking UID, the
way PixelMed's and OHIF's (dcmjs) linear and bidirectional SRs do.

Why SCOORD3D: the points stay in patient LPS mm with their Frame of Reference UID (ARCHITECTURE
C4), no image geometry is needed to read them back. Graphic Data (0070,0022) is FL (float32): a
coordinate below 512 mm comes back within 3.1e-5 mm. The NUM's Numeric Value (0040,A30A) is DS
(16 characters), so the length comes back to about 1e-12 mm.

Every concept comes from :mod:`recist_app.sr.codes`: pydicom's dictionaries of PS3.16 codes, and
the one table of the project's own codes (99RECIST, this workstation's private scheme, PS3.3 §8.2)
for concepts with no standard code. Reading them back: :mod:`recist_app.sr.reader`.

API: :func:`build_sr` (a read snapshot and a time point → a highdicom ``Comprehensive3DSR``),
:func:`sr_document` (its dataset, built in half the time), :func:`write_sr` (the document saved as
``<subject>_<role>_<read>_TP<nn>_<visit>.dcm``),
:func:`read_srs` (one read's documents, a worker's task of :func:`recist_app.sr.batch.write_srs`, the one path
for many reads). The patient and study modules
come from the measured images (highdicom copies them from the first one); the pseudonymised
subject id goes into Clinical Trial Subject ID (0012,0040).

Patient data (issue 14, "No patient data where it does not belong"): by default an SR is for the
statistics team, so its patient and study modules are pseudonymised (:func:`pseudonymise`, after
PS3.15 Annex E's basic profile with the longitudinal dates kept): the subject id is the Patient ID
and Patient's Name, and birth date, sex, age, accession number, physicians and institution are
emptied or removed. ``keep_identity=True`` keeps the source images' identity, for an SR sent back to
the site's PACS.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import recist_app
from recist_app.evaluation.lesion_values import LesionValues
from recist_app.model.records import Axis, ReaderRole, ReadSnapshot
from recist_app.sr.codes import (
    AXIS_CODES,
    BASELINE_CATEGORIES,
    IMAGE_VIEW,
    IMAGING_PROCEDURE,
    MEASURING_TOOL,
    METHOD_CODES,
    NEW_ROLES,
    PLANE_CODES,
    PROCEDURE_BY_MODALITY,
    PROJECT_CODES,
    READER_ROLES,
    REFORMAT_DERIVATION,
    STATUS_CODES,
    Code,
    codes,
    finding_site,
)
from recist_app.sr.errors import SrExportError
from recist_app.sr.evidence import SOP_CLASS_BY_MODALITY, Evidence

if TYPE_CHECKING:
    import highdicom as hd
    from pydicom.dataset import Dataset

    from recist_app.model.records import Lesion, LesionState, Measurement, Timepoint

MANUFACTURER = "recist-workstation"
SR_SERIES_NUMBER = 901
_UID = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")


def sr_timepoints(snapshot: ReadSnapshot) -> tuple[Timepoint, ...]:
    """The time points of the read where the reader measured or stated something (one SR each)."""
    used = {m.timepoint_uid for m in snapshot.measurements} | {s.timepoint_uid for s in snapshot.states}
    return tuple(tp for tp in snapshot.timepoints if tp.uid in used)


def write_sr(snapshot: ReadSnapshot, timepoint_uid: str, out_dir: str | Path, *,
             images: Iterable[Dataset | str | Path] = (), keep_identity: bool = False) -> Path:
    """Write the SR of ``snapshot`` at one time point into ``out_dir``; return its path.

    ``images`` are headers (or files) of the measured images; images not given are looked up by
    (0008,0018) SOP Instance UID under the paths of the series attached to the time points, and
    when unreadable described from the UIDs and the series' modality (:func:`build_sr`).
    """
    from pydicom.uid import ExplicitVRLittleEndian

    document = sr_document(snapshot, timepoint_uid, images=images, keep_identity=keep_identity)
    timepoint = snapshot.timepoint(timepoint_uid)
    order = snapshot.timepoints.index(timepoint) + 1
    name = f"{snapshot.subject.subject_id}_{snapshot.reader.role.value}_{snapshot.read.uid[:8]}_TP{order:02d}_" \
           f"{timepoint.visit}"
    path = Path(out_dir) / (re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") + ".dcm")
    path.parent.mkdir(parents=True, exist_ok=True)
    document.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    document.save_as(path, enforce_file_format=True)
    return path


def build_sr(snapshot: ReadSnapshot, timepoint_uid: str, *, images: Iterable[Dataset | str | Path] = (),
             keep_identity: bool = False) -> hd.sr.Comprehensive3DSR:
    """The TID 1500 Comprehensive 3D SR of ``snapshot`` at time point ``timepoint_uid`` (not saved),
    pseudonymised unless ``keep_identity`` (see the module docstring).

    Raises
    ------
    SrExportError
        If the read states nothing at the time point, a lesion's tracking UID is no DICOM UID,
        or a measured image can be neither read nor described (its series is not attached).
    """
    import highdicom as hd

    document = sr_document(snapshot, timepoint_uid, images=images, keep_identity=keep_identity)
    return hd.sr.Comprehensive3DSR.from_dataset(document, copy=False)  # its content read as highdicom objects


def sr_document(snapshot: ReadSnapshot, timepoint_uid: str, *, images: Iterable[Dataset | str | Path] = (),
                keep_identity: bool = False, whole_content_to_highdicom: bool = False) -> Dataset:
    """The dataset of :func:`build_sr` (what :func:`write_sr` saves).

    highdicom's document constructor deep-copies and searches the content it is given (half the time of an SR,
    issue 18). It is given the report with the first lesion group only, which has the same root; the document then
    takes the whole report's content. What the constructor checks of the content holds without it: every image a
    measurement references is in the evidence (:meth:`Evidence.resolve`). ``whole_content_to_highdicom`` gives the
    constructor the whole report instead (the tests show that both documents are the same).
    """
    import highdicom as hd
    from pydicom.uid import generate_uid

    try:
        timepoint = snapshot.timepoint(timepoint_uid)
    except KeyError:
        raise SrExportError(f'Argument "timepoint_uid" must be a time point of the read, got {timepoint_uid!r}.') \
            from None
    content = _lesion_content(snapshot, timepoint)
    if not content:
        raise SrExportError(f"The read of {snapshot.subject.subject_id} by {snapshot.reader.name} states nothing "
                            f"at {timepoint.visit}: there is no SR to write (see sr_timepoints).")
    lines = [m.line for _, ms, _ in content for m in ms]
    evidence = Evidence(snapshot, timepoint, images).resolve(lines)
    sop_classes = {ds.SOPInstanceUID: ds.SOPClassUID for ds in evidence}
    groups = [_group(snapshot, timepoint, lesion, fragment, measurements, state, sop_classes)
              for lesion, by_fragment, state in _fragments(content)
              for fragment, measurements in by_fragment]
    observation, procedure = _observation_context(snapshot), _procedure(evidence)
    report = hd.sr.MeasurementReport(observation, procedure, groups, title=codes.DCM.ImagingMeasurementReport)
    frame = report if whole_content_to_highdicom else \
        hd.sr.MeasurementReport(observation, procedure, groups[:1], title=codes.DCM.ImagingMeasurementReport)
    signed = next((rt for rt in snapshot.read_timepoints if rt.timepoint_uid == timepoint.uid and rt.signed), None)
    digest = hashlib.sha256(repr((snapshot.read.uid, timepoint.uid, snapshot.reader.name, content,
                                  signed.signed_at if signed else None)).encode()).hexdigest()
    sr = hd.sr.Comprehensive3DSR(
        evidence=evidence, content=frame, series_instance_uid=generate_uid(entropy_srcs=[snapshot.read.uid, "SR"]),
        series_number=SR_SERIES_NUMBER, sop_instance_uid=generate_uid(entropy_srcs=[digest]),
        instance_number=snapshot.timepoints.index(timepoint) + 1, manufacturer=MANUFACTURER,
        is_complete=signed is not None, is_final=signed is not None, is_verified=signed is not None,
        verifying_observer_name=_person_name(snapshot.reader.name) if signed else None,
        verifying_organization=snapshot.trial.code if signed else None)
    sr.ContentSequence = report[0].ContentSequence
    if signed is not None and signed.signed_at:
        stamp = re.sub(r"[-:TZ]", "", signed.signed_at)[:21]  # ISO 8601 UTC → DT (PS3.5 §6.2)
        sr.VerifyingObserverSequence[0].VerificationDateTime = f"{stamp}+0000"
    _clinical_trial(sr, snapshot, timepoint)
    if not keep_identity:
        pseudonymise(sr, snapshot.subject.subject_id)
    return sr


def read_srs(task: tuple[ReadSnapshot, Path, bool]) -> tuple[list[Path], list[str]]:
    """The SRs of one read's time points (``task``: the read, the folder, keep the identity), and a note per time
    point skipped: the worker's share of :func:`recist_app.sr.batch.write_srs`."""
    snapshot, out_dir, keep_identity = task
    paths, notes = [], []
    for timepoint in sr_timepoints(snapshot):
        try:
            paths.append(write_sr(snapshot, timepoint.uid, out_dir, keep_identity=keep_identity))
        except SrExportError as exc:
            notes.append(f"SR not written for {snapshot.subject.subject_id} at {timepoint.visit}: {exc}")
    return paths, notes


# Content of one document.

_Content = tuple["Lesion", tuple["Measurement", ...], "LesionState | None"]


def _lesion_content(snapshot: ReadSnapshot, timepoint: Timepoint) -> tuple[_Content, ...]:
    """Per lesion stated at ``timepoint``: its lines (long axis first) and its state."""
    axis_order = {Axis.LONG: 0, Axis.SHORT: 1}
    values = LesionValues(snapshot)
    content = []
    for lesion in snapshot.lesions:
        lines = sorted(values.lines(lesion.uid, timepoint.uid),
                       key=lambda m: (m.fragment, axis_order[m.line.axis], m.recorded_at, m.uid))
        state = values.state(lesion.uid, timepoint.uid)
        if lines or state is not None:
            if not _UID.match(lesion.uid) or len(lesion.uid) > 64:
                raise SrExportError(f'Lesion {lesion.label}: its tracking UID must be a DICOM UID (DCM 112040), '
                                    f"got {lesion.uid!r}. Lesions made by the store have one.")
            content.append((lesion, tuple(lines), state))
    return tuple(content)


def _fragments(content: tuple[_Content, ...]
               ) -> Iterable[tuple[Lesion, list[tuple[int, tuple[Measurement, ...]]], LesionState | None]]:
    for lesion, lines, state in content:
        fragments = sorted({m.fragment for m in lines}) or [0]
        yield lesion, [(f, tuple(m for m in lines if m.fragment == f)) for f in fragments], state


def _group(snapshot: ReadSnapshot, timepoint: Timepoint, lesion: Lesion, fragment: int,
           measurements: tuple[Measurement, ...], state: LesionState | None,
           sop_classes: dict[str, str]) -> hd.sr.MeasurementsAndQualitativeEvaluations:
    """TID 1501 Measurement Group of one lesion (fragment) at one time point."""
    import highdicom as hd
    import numpy as np

    nums = [hd.sr.Measurement(
        name=AXIS_CODES[m.line.axis], value=m.line.length_mm, unit=codes.UCUM.Millimeter,
        derivation=REFORMAT_DERIVATION if m.line.plane.is_reformat else None,
        method=METHOD_CODES.get(m.line.method),
        algorithm_id=hd.sr.AlgorithmIdentification(MEASURING_TOOL, recist_app.__version__)
        if m.line.method.proposed else None,
        referenced_images=[hd.sr.SourceImageForMeasurement(sop_classes[m.line.sop_uid], m.line.sop_uid)],
        referenced_coordinates=[hd.sr.CoordinatesForMeasurement3D(
            hd.sr.GraphicTypeValues3D.POLYLINE, np.array([m.line.p1_mm, m.line.p2_mm], dtype=float),
            m.line.frame_of_reference_uid)]) for m in measurements]
    for num, m in zip(nums, measurements, strict=True):
        if m.line.plane.is_reformat:
            num[0].ContentSequence.append(hd.sr.CodeContentItem(
                name=IMAGE_VIEW, value=PLANE_CODES[m.line.plane],
                relationship_type=hd.sr.RelationshipTypeValues.HAS_CONCEPT_MOD))
    evaluations = [_evaluation(codes.DCM.BaselineCategory, BASELINE_CATEGORIES[lesion.role])
                   if lesion.role in BASELINE_CATEGORIES
                   else _evaluation(PROJECT_CODES["LesionRole"], NEW_ROLES[lesion.role])]
    if state is not None and state.status is not None:
        evaluations.append(_evaluation(PROJECT_CODES["LesionStatus"], STATUS_CODES[state.status]))
    if state is not None and state.radiation_induced:
        evaluations.append(_evaluation(PROJECT_CODES["RadiationInducedChange"], codes.SCT.Yes))
    if lesion.irradiated:
        evaluations.append(_evaluation(PROJECT_CODES["IrradiatedOnStudy"], codes.SCT.Yes))
    site = finding_site(lesion.organ, lesion.nodal)
    order = snapshot.timepoints.index(timepoint) + 1
    time_point = hd.sr.TimePointContext(
        timepoint.visit or f"TP{order}",
        time_point_type=codes.UMLS.Baseline if timepoint.is_baseline else codes.DCM.Posttreatment,
        time_point_order=order, subject_time_point_identifier=timepoint.uid)
    group = hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=lesion.uid, identifier=lesion.label),
        time_point_context=time_point, finding_type=codes.SCT.Lesion, method=codes.DCM.RECIST1Point1,
        finding_sites=[hd.sr.FindingSite(site)] if site else None,
        measurements=nums, qualitative_evaluations=evaluations)
    items = group[0].ContentSequence
    if fragment:
        items.append(hd.sr.TextContentItem(name=PROJECT_CODES["SplitLesionFragment"], value=str(fragment),
                                           relationship_type=hd.sr.RelationshipTypeValues.CONTAINS))
    if state is not None and state.merged_into_uid and _UID.match(state.merged_into_uid):
        items.append(hd.sr.UIDRefContentItem(name=PROJECT_CODES["MergedIntoLesion"], value=state.merged_into_uid,
                                             relationship_type=hd.sr.RelationshipTypeValues.CONTAINS))
    return group


def _evaluation(name: Code, value: Code) -> hd.sr.QualitativeEvaluation:
    import highdicom as hd

    return hd.sr.QualitativeEvaluation(name, value)


def _person_name(name: str) -> str:
    """A display name as (0040,A123) Person Name: one family-name component unless it has carets."""
    return name if "^" in name else f"{name}^"


def _observation_context(snapshot: ReadSnapshot) -> hd.sr.ObservationContext:
    """TID 1001: the reader (TID 1003, role in procedure CID 7453) and this workstation (TID 1004)."""
    import highdicom as hd
    from pydicom.uid import generate_uid

    role = codes.cid7453.Adjudicator if snapshot.reader.role is ReaderRole.ADJUDICATOR else codes.cid7453.Reader
    person = hd.sr.PersonObserverIdentifyingAttributes(
        _person_name(snapshot.reader.name), organization_name=snapshot.trial.code or None,
        role_in_organization=READER_ROLES[snapshot.reader.role],
        role_in_procedure=role)
    device = hd.sr.DeviceObserverIdentifyingAttributes(uid=generate_uid(entropy_srcs=[MANUFACTURER]),
                                                       name=MANUFACTURER, manufacturer_name=MANUFACTURER)
    return hd.sr.ObservationContext(observer_person_context=hd.sr.ObserverContext(codes.cid270.Person, person),
                                    observer_device_context=hd.sr.ObserverContext(codes.cid270.Device, device))


def _procedure(evidence: Sequence[Dataset]) -> Code:
    """CID 100 procedure reported, from (0008,0060) Modality of the first image (SOP Class as fallback)."""
    modality = str(evidence[0].get("Modality", ""))
    if not modality:
        modality = next((m for m, uid in SOP_CLASS_BY_MODALITY.items() if uid == evidence[0].SOPClassUID), "")
    return PROCEDURE_BY_MODALITY.get(modality, IMAGING_PROCEDURE)


#: Type 2 attributes of the patient and study modules that must stay present, emptied (PS3.15 Table E.1-1: Z).
EMPTIED = ("PatientBirthDate", "PatientSex", "AccessionNumber", "ReferringPhysicianName", "StudyID")
#: Identifying attributes removed when present (PS3.15 Table E.1-1: X).
REMOVED = ("OtherPatientIDs", "OtherPatientIDsSequence", "OtherPatientNames", "PatientBirthName", "PatientAge",
           "PatientSize", "PatientWeight", "PatientAddress", "PatientTelephoneNumbers", "PatientMotherBirthName",
           "EthnicGroup", "PatientComments", "MilitaryRank", "IssuerOfPatientID", "PatientBirthTime",
           "InstitutionName", "InstitutionAddress", "InstitutionalDepartmentName", "PhysiciansOfRecord",
           "NameOfPhysiciansReadingStudy", "RequestingPhysician", "PerformingPhysicianName", "OperatorsName",
           "StudyDescription", "AdmittingDiagnosesDescription", "ReferencedPatientSequence",
           "ReferringPhysicianIdentificationSequence", "ReferencedStudySequence")


def pseudonymise(dataset: Dataset, subject_id: str) -> None:
    """Replace the patient's identity of ``dataset`` by the trial's subject id (see the module docstring).

    (0010,0010) Patient's Name and (0010,0020) Patient ID become the subject id; :data:`EMPTIED` are
    emptied, :data:`REMOVED` deleted; (0012,0062) Patient Identity Removed is YES and (0012,0063)
    De-identification Method says how. UIDs and dates stay (the evidence references the source images).
    The source images' own datasets are left unchanged.
    """
    values = {"PatientName": subject_id[:64], "PatientID": subject_id[:64]} | dict.fromkeys(EMPTIED, "")
    for keyword, value in values.items():
        if keyword in dataset:  # a new element: highdicom shares the source image's elements, never change those
            delattr(dataset, keyword)
        setattr(dataset, keyword, value)
    for item in (dataset, *dataset.get("ContributingEquipmentSequence", ())):  # (0018,A001) names the institution
        for keyword in REMOVED:
            if keyword in item:
                delattr(item, keyword)
    dataset.PatientIdentityRemoved = "YES"
    dataset.DeidentificationMethod = "Trial subject id; PS3.15 E.1-1 basic profile, dates retained"


def _clinical_trial(sr: Dataset, snapshot: ReadSnapshot, timepoint: Timepoint) -> None:
    """Clinical Trial Subject (PS3.3 C.7.1.3) and Study (C.7.2.3) modules: the pseudonymised subject id."""
    trial = snapshot.trial
    sr.ClinicalTrialSponsorName = (trial.name or trial.code)[:64]
    sr.ClinicalTrialProtocolID = trial.code[:64]
    sr.ClinicalTrialProtocolName = trial.name[:64]
    sr.ClinicalTrialSiteID = snapshot.subject.site_code[:64]
    sr.ClinicalTrialSiteName = ""
    sr.ClinicalTrialSubjectID = snapshot.subject.subject_id[:64]
    sr.ClinicalTrialTimePointID = timepoint.visit[:64]
    sr.SeriesDescription = f"RECIST 1.1 measurements, {snapshot.reader.role.value.replace('_', ' ')}"[:64]
