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
          SCT 363698007 Finding Site: :data:`ORGAN_SITES` (SNOMED CT), else a 99RECIST free text
          TID 1502 Time Point Context: Time Point (UMLS C2348792) = visit label, Time Point Type
              (CID 6146 Baseline / Posttreatment), Time Point Order, Subject Time Point Identifier
              (DCM 126070) = the time point's uid
          NUM SCT 103339001 Long axis / SCT 103340004 Short axis in UCUM "mm", each INFERRED FROM
              an IMAGE Source of Measurement (DCM 121112, the image the line was drawn on) and a
              SCOORD3D POLYLINE of the two caliper end points (patient LPS mm, Frame of Reference UID)
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

99RECIST is this workstation's private coding scheme (PS3.3 §8.2: local designators begin with
"99") for concepts with no standard code: :data:`RECIST_SCHEME` and the ``*_NAME`` / ``*_CODES``
constants below. Reading them back: :mod:`recist_app.sr.reader`.

API: :func:`build_sr` (a read snapshot and a time point → a highdicom ``Comprehensive3DSR``),
:func:`write_sr` (the same, saved as ``<subject>_<role>_<read>_TP<nn>_<visit>.dcm``),
:func:`export_sr` (a whole trial, one file per read × time point with content),
:func:`write_sr_format` (the ``"sr"`` format of :func:`recist_app.exports.runner.export_trial`).
The patient and study modules come from the measured images (highdicom copies them from the
first one); the pseudonymised subject id goes into Clinical Trial Subject ID (0012,0040).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from recist_app.exports.errors import ExportCancelledError, SrExportError
from recist_app.model.records import Axis, LesionRole, ReadSnapshot, Status
from recist_app.sr.evidence import SOP_CLASS_BY_MODALITY, Evidence

if TYPE_CHECKING:
    import highdicom as hd
    from pydicom.dataset import Dataset

    from recist_app.exports.collect import TrialData
    from recist_app.exports.files import ExportedFile
    from recist_app.exports.job import ExportJob
    from recist_app.model.records import Lesion, LesionState, Measurement, Timepoint
    from recist_app.store.trial_store import TrialStore

#: A coded concept as plain data: (code value, coding scheme designator, code meaning).
Concept = tuple[str, str, str]

RECIST_SCHEME = "99RECIST"
MANUFACTURER = "recist-workstation"
SR_SERIES_NUMBER = 901

LESION_FINDING: Concept = ("52988006", "SCT", "Lesion")
RECIST_11: Concept = ("126081", "DCM", "RECIST 1.1")
AXIS_CODES: dict[Axis, Concept] = {Axis.LONG: ("103339001", "SCT", "Long axis"),
                                   Axis.SHORT: ("103340004", "SCT", "Short axis")}
MILLIMETRE: Concept = ("mm", "UCUM", "millimeter")
BASELINE_CATEGORY_NAME: Concept = ("112016", "DCM", "Baseline Category")
BASELINE_CATEGORIES: dict[LesionRole, Concept] = {
    LesionRole.TARGET: ("112074", "DCM", "Target Lesion at Baseline"),
    LesionRole.NON_TARGET: ("112075", "DCM", "Non-Target Lesion at Baseline")}
ROLE_NAME: Concept = ("LESROLE", RECIST_SCHEME, "Lesion role")
NEW_ROLES: dict[LesionRole, Concept] = {role: (role.value.replace(" ", "").replace("-", ""), RECIST_SCHEME, role.value)
                                        for role in LesionRole if role.is_new}
STATUS_NAME: Concept = ("LESSTAT", RECIST_SCHEME, "Lesion status")
STATUS_CODES: dict[Status, Concept] = {
    Status.PRESENT: ("52101004", "SCT", "Present"), Status.ABSENT: ("272519000", "SCT", "Absent"),
    Status.TOO_SMALL: ("TOOSMALL", RECIST_SCHEME, Status.TOO_SMALL.value),
    Status.DISAPPEARED: ("DISAPPEARED", RECIST_SCHEME, Status.DISAPPEARED.value),
    Status.NOT_ASSESSED: ("NOTASSESSED", RECIST_SCHEME, Status.NOT_ASSESSED.value),
    Status.SPLIT: ("SPLIT", RECIST_SCHEME, Status.SPLIT.value),
    Status.MERGED: ("MERGED", RECIST_SCHEME, Status.MERGED.value),
    Status.UNEQUIVOCAL_PROGRESSION: ("UNEQUIVPROG", RECIST_SCHEME, Status.UNEQUIVOCAL_PROGRESSION.value),
    Status.EQUIVOCAL: ("EQUIVOCAL", RECIST_SCHEME, Status.EQUIVOCAL.value),
    Status.FURTHER_ENLARGEMENT: ("FURTHERENLARGE", RECIST_SCHEME, Status.FURTHER_ENLARGEMENT.value)}
RADIATION_INDUCED_NAME: Concept = ("RADIND", RECIST_SCHEME, "Radiation-induced change")
IRRADIATED_NAME: Concept = ("IRRADIATED", RECIST_SCHEME, "Irradiated on study")
YES: Concept = ("373066001", "SCT", "Yes")
FRAGMENT_NAME: Concept = ("FRAGMENT", RECIST_SCHEME, "Split lesion fragment")
MERGED_INTO_NAME: Concept = ("MERGEDINTO", RECIST_SCHEME, "Merged into lesion")
FREE_TEXT_SITE_PREFIX = "LOC"

#: Finding sites (SDTM TULOC text → SNOMED CT body structure), codes as pydicom's dictionary has them.
ORGAN_SITES: dict[str, Concept] = {organ: (value, "SCT", meaning) for organ, value, meaning in (
    ("LUNG", "39607008", "Lung"), ("LIVER", "10200004", "Liver"), ("LYMPH NODE", "59441001", "Lymph Node"),
    ("BONE", "272673000", "Bone"), ("ADRENAL GLAND", "23451007", "Adrenal gland"), ("BRAIN", "12738006", "Brain"),
    ("SOFT TISSUE", "87784001", "Soft tissue"), ("KIDNEY", "64033007", "Kidney"), ("PLEURA", "3120008", "Pleura"),
    ("SPLEEN", "78961009", "Spleen"), ("PANCREAS", "15776009", "Pancreas"),
    ("PERITONEUM", "15425007", "Peritoneum (serous membrane) structure (body structure)"),
    ("RETROPERITONEUM", "82849001", "Retroperitoneum"), ("MEDIASTINUM", "72410000", "Mediastinum"),
    ("CHEST WALL", "78904004", "Chest wall"), ("SKIN", "39937001", "Skin"),
    ("SUBCUTANEOUS TISSUE", "71966008", "Subcutaneous tissue"), ("SKELETAL MUSCLE", "127954009", "Skeletal muscle"),
    ("MUSCLE", "71616004", "Muscle"), ("BREAST", "76752008", "Breast"), ("STOMACH", "69695003", "Stomach"),
    ("COLON", "71854001", "Colon"), ("HEART", "80891009", "Heart"), ("PERICARDIUM", "76848001", "Pericardium"),
    ("THYROID GLAND", "69748006", "Thyroid"), ("ESOPHAGUS", "32849002", "Esophagus"),
    ("URINARY BLADDER", "89837001", "Bladder"), ("PROSTATE", "41216001", "Prostate"), ("OVARY", "15497006", "Ovary"),
    ("UTERUS", "35039007", "Uterus"), ("ABDOMEN", "818981001", "Abdomen"), ("PELVIS", "816092008", "Pelvis"))}
ORGAN_ALIASES = {"ADRENAL": "ADRENAL GLAND", "THYROID": "THYROID GLAND", "BLADDER": "URINARY BLADDER",
                 "LYMPH NODES": "LYMPH NODE", "NODE": "LYMPH NODE", "SOFT TISSUES": "SOFT TISSUE"}
PROCEDURE_BY_MODALITY: dict[str, Concept] = {"CT": ("25045-6", "LN", "CT unspecified body region"),
                                              "MR": ("25056-3", "LN", "MRI unspecified body region"),
                                              "PT": ("44136-0", "LN", "PET unspecified body region")}
IMAGING_PROCEDURE: Concept = ("363679005", "SCT", "Imaging procedure")
_UID = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")


class Cancel(Protocol):
    """What ``cancel`` must offer (a :class:`threading.Event` does)."""

    def is_set(self) -> bool: ...


def finding_site(organ: str, nodal: bool = False) -> Concept | None:
    """SCT 363698007 Finding Site of a lesion: SNOMED CT from :data:`ORGAN_SITES`, else 99RECIST free text."""
    text = " ".join(organ.upper().split())
    text = ORGAN_ALIASES.get(text, text) or ("LYMPH NODE" if nodal else "")
    if not text:
        return None
    if text in ORGAN_SITES:
        return ORGAN_SITES[text]
    code = FREE_TEXT_SITE_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:8].upper()
    return (code, RECIST_SCHEME, text[:64])


def sr_timepoints(snapshot: ReadSnapshot) -> tuple[Timepoint, ...]:
    """The time points of the read where the reader measured or stated something (one SR each)."""
    used = {m.timepoint_uid for m in snapshot.measurements} | {s.timepoint_uid for s in snapshot.states}
    return tuple(tp for tp in snapshot.timepoints if tp.uid in used)


def write_sr(snapshot: ReadSnapshot, timepoint_uid: str, out_dir: str | Path, *,
             images: Iterable[Dataset | str | Path] = ()) -> Path:
    """Write the SR of ``snapshot`` at one time point into ``out_dir``; return its path.

    ``images`` are headers (or files) of the measured images; images not given are looked up by
    (0008,0018) SOP Instance UID under the paths of the series attached to the time points, and
    when unreadable described from the UIDs and the series' modality (:func:`build_sr`).
    """
    from pydicom.uid import ExplicitVRLittleEndian

    document = build_sr(snapshot, timepoint_uid, images=images)
    timepoint = snapshot.timepoint(timepoint_uid)
    order = snapshot.timepoints.index(timepoint) + 1
    name = f"{snapshot.subject.subject_id}_{snapshot.reader.role.value}_{snapshot.read.uid[:8]}_TP{order:02d}_" \
           f"{timepoint.visit}"
    path = Path(out_dir) / (re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") + ".dcm")
    path.parent.mkdir(parents=True, exist_ok=True)
    document.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    document.save_as(path, enforce_file_format=True)
    return path


def build_sr(snapshot: ReadSnapshot, timepoint_uid: str, *,
             images: Iterable[Dataset | str | Path] = ()) -> hd.sr.Comprehensive3DSR:
    """The TID 1500 Comprehensive 3D SR of ``snapshot`` at time point ``timepoint_uid`` (not saved).

    Raises
    ------
    SrExportError
        If the read states nothing at the time point, a lesion's tracking UID is no DICOM UID,
        or a measured image can be neither read nor described (its series is not attached).
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
    report = hd.sr.MeasurementReport(_observation_context(snapshot), _code(_procedure(evidence)), groups,
                                     title=_code(("126000", "DCM", "Imaging Measurement Report")))
    signed = next((rt for rt in snapshot.read_timepoints if rt.timepoint_uid == timepoint.uid and rt.signed), None)
    digest = hashlib.sha256(repr((snapshot.read.uid, timepoint.uid, snapshot.reader.name, content,
                                  signed.signed_at if signed else None)).encode()).hexdigest()
    sr = hd.sr.Comprehensive3DSR(
        evidence=evidence, content=report, series_instance_uid=generate_uid(entropy_srcs=[snapshot.read.uid, "SR"]),
        series_number=SR_SERIES_NUMBER, sop_instance_uid=generate_uid(entropy_srcs=[digest]),
        instance_number=snapshot.timepoints.index(timepoint) + 1, manufacturer=MANUFACTURER,
        is_complete=signed is not None, is_final=signed is not None, is_verified=signed is not None,
        verifying_observer_name=_person_name(snapshot.reader.name) if signed else None,
        verifying_organization=snapshot.trial.code if signed else None)
    if signed is not None and signed.signed_at:
        stamp = re.sub(r"[-:TZ]", "", signed.signed_at)[:21]  # ISO 8601 UTC → DT (PS3.5 §6.2)
        sr.VerifyingObserverSequence[0].VerificationDateTime = f"{stamp}+0000"
    _clinical_trial(sr, snapshot, timepoint)
    return sr


def export_sr(store: TrialStore | str | Path, out_dir: str | Path, subjects: Sequence[str] | None = None,
              on_progress: Callable[[int, int], None] | None = None, cancel: Cancel | None = None) -> list[Path]:
    """Write one SR per read × time point with content into ``out_dir`` (``FORMATS["sr"]``).

    ``store`` is an open trial or its database (opened and closed here). Reads are taken
    unblinded (visit labels and dates as the trial records them); ``subjects`` limits the
    export; ``on_progress(done, total)`` follows each file. Once ``cancel`` is set, or when a
    document cannot be written (:class:`SrExportError`), the files written so far are removed:
    cancelling raises :class:`~recist_app.exports.errors.ExportCancelledError`.
    """
    if isinstance(store, (str, Path)):
        from recist_app.store import TrialStore

        with TrialStore.open(store) as opened:
            return export_sr(opened, out_dir, subjects, on_progress, cancel)
    wanted = None if subjects is None else set(subjects)
    jobs = [(snapshot, tp.uid) for snapshot in _snapshots(store, wanted) for tp in sr_timepoints(snapshot)]
    written: list[Path] = []
    try:
        for snapshot, timepoint_uid in jobs:
            if cancel is not None and cancel.is_set():
                raise ExportCancelledError(f"DICOM SR export cancelled after {len(written)} of {len(jobs)} files; "
                                           "the files written were removed.")
            written.append(write_sr(snapshot, timepoint_uid, out_dir))
            if on_progress is not None:
                on_progress(len(written), len(jobs))
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return written


def write_sr_format(data: TrialData, job: ExportJob) -> tuple[ExportedFile, ...]:
    """The ``"sr"`` format of :func:`recist_app.exports.runner.export_trial`: ``sr/`` in the export folder.

    One SR per read × time point with content, from the runner's unblinded snapshots; one
    progress step per read, a cancel honoured before each document. A time point whose images
    cannot be referenced (series not attached, files unreadable) is skipped with a note in the
    manifest, so that the other formats and documents are still written.
    """
    from recist_app.exports.files import describe

    folder = job.folder / "sr"
    files = []
    for read in data.reads:
        for timepoint in sr_timepoints(read.snapshot):
            job.check()
            try:
                path = write_sr(read.snapshot, timepoint.uid, folder)
            except SrExportError as exc:
                job.note(f"SR not written for {read.snapshot.subject.subject_id} at {timepoint.visit}: {exc}")
                continue
            files.append(describe(path, job.folder, "sr", None))
        job.step()
    return tuple(files)


# Content of one document.

_Content = tuple["Lesion", tuple["Measurement", ...], "LesionState | None"]


def _lesion_content(snapshot: ReadSnapshot, timepoint: Timepoint) -> tuple[_Content, ...]:
    """Per lesion stated at ``timepoint``: its lines (long axis first) and its state."""
    axis_order = {Axis.LONG: 0, Axis.SHORT: 1}
    content = []
    for lesion in snapshot.lesions:
        lines = sorted((m for m in snapshot.measurements if m.lesion_uid == lesion.uid
                        and m.timepoint_uid == timepoint.uid),
                       key=lambda m: (m.fragment, axis_order[m.line.axis], m.recorded_at, m.uid))
        state = next((s for s in snapshot.states if s.lesion_uid == lesion.uid and s.timepoint_uid == timepoint.uid),
                     None)
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
        name=_code(AXIS_CODES[m.line.axis]), value=m.line.length_mm, unit=_code(MILLIMETRE),
        referenced_images=[hd.sr.SourceImageForMeasurement(sop_classes[m.line.sop_uid], m.line.sop_uid)],
        referenced_coordinates=[hd.sr.CoordinatesForMeasurement3D(
            hd.sr.GraphicTypeValues3D.POLYLINE, np.array([m.line.p1_mm, m.line.p2_mm], dtype=float),
            m.line.frame_of_reference_uid)]) for m in measurements]
    evaluations = [_evaluation(BASELINE_CATEGORY_NAME, BASELINE_CATEGORIES[lesion.role])
                   if lesion.role in BASELINE_CATEGORIES else _evaluation(ROLE_NAME, NEW_ROLES[lesion.role])]
    if state is not None and state.status is not None:
        evaluations.append(_evaluation(STATUS_NAME, STATUS_CODES[state.status]))
    if state is not None and state.radiation_induced:
        evaluations.append(_evaluation(RADIATION_INDUCED_NAME, YES))
    if lesion.irradiated:
        evaluations.append(_evaluation(IRRADIATED_NAME, YES))
    site = finding_site(lesion.organ, lesion.nodal)
    order = snapshot.timepoints.index(timepoint) + 1
    time_point = hd.sr.TimePointContext(
        timepoint.visit or f"TP{order}", time_point_type=_code(
            ("C1442488", "UMLS", "Baseline") if timepoint.is_baseline else ("126074", "DCM", "Posttreatment")),
        time_point_order=order, subject_time_point_identifier=timepoint.uid)
    group = hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=lesion.uid, identifier=lesion.label),
        time_point_context=time_point, finding_type=_code(LESION_FINDING), method=_code(RECIST_11),
        finding_sites=[hd.sr.FindingSite(_code(site))] if site else None,
        measurements=nums, qualitative_evaluations=evaluations)
    items = group[0].ContentSequence
    if fragment:
        items.append(hd.sr.TextContentItem(name=_code(FRAGMENT_NAME), value=str(fragment),
                                           relationship_type=hd.sr.RelationshipTypeValues.CONTAINS))
    if state is not None and state.merged_into_uid and _UID.match(state.merged_into_uid):
        items.append(hd.sr.UIDRefContentItem(name=_code(MERGED_INTO_NAME), value=state.merged_into_uid,
                                             relationship_type=hd.sr.RelationshipTypeValues.CONTAINS))
    return group


def _evaluation(name: Concept, value: Concept) -> hd.sr.QualitativeEvaluation:
    import highdicom as hd

    return hd.sr.QualitativeEvaluation(_code(name), _code(value))


def _code(concept: Concept) -> hd.sr.CodedConcept:
    import highdicom as hd

    return hd.sr.CodedConcept(value=concept[0], scheme_designator=concept[1], meaning=concept[2])


def _person_name(name: str) -> str:
    """A display name as (0040,A123) Person Name: one family-name component unless it has carets."""
    return name if "^" in name else f"{name}^"


def _observation_context(snapshot: ReadSnapshot) -> hd.sr.ObservationContext:
    """TID 1001: the reader (TID 1003, role in procedure CID 7453) and this workstation (TID 1004)."""
    import highdicom as hd
    from pydicom.sr.codedict import codes
    from pydicom.uid import generate_uid

    from recist_app.model.records import ReaderRole

    role = codes.cid7453.Adjudicator if snapshot.reader.role is ReaderRole.ADJUDICATOR else codes.cid7453.Reader
    person = hd.sr.PersonObserverIdentifyingAttributes(
        _person_name(snapshot.reader.name), organization_name=snapshot.trial.code or None,
        role_in_organization=_code((snapshot.reader.role.value.upper()[:16], RECIST_SCHEME,
                                    snapshot.reader.role.value.replace("_", " "))),
        role_in_procedure=role)
    device = hd.sr.DeviceObserverIdentifyingAttributes(uid=generate_uid(entropy_srcs=[MANUFACTURER]),
                                                       name=MANUFACTURER, manufacturer_name=MANUFACTURER)
    return hd.sr.ObservationContext(observer_person_context=hd.sr.ObserverContext(codes.cid270.Person, person),
                                    observer_device_context=hd.sr.ObserverContext(codes.cid270.Device, device))


def _procedure(evidence: Sequence[Dataset]) -> Concept:
    """CID 100 procedure reported, from (0008,0060) Modality of the first image (SOP Class as fallback)."""
    modality = str(evidence[0].get("Modality", ""))
    if not modality:
        modality = next((m for m, uid in SOP_CLASS_BY_MODALITY.items() if uid == evidence[0].SOPClassUID), "")
    return PROCEDURE_BY_MODALITY.get(modality, IMAGING_PROCEDURE)


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


def _snapshots(store: TrialStore, subjects: set[str] | None) -> Iterable[ReadSnapshot]:
    """Every read of the trial (or of ``subjects``), with the trial's real visit labels and dates."""
    import dataclasses

    for summary in store.reads():
        if subjects is not None and summary.subject_id not in subjects:
            continue
        snapshot = store.reader_session(summary.read.reader_uid, summary.subject_id).snapshot()
        if any(tp.blinded for tp in snapshot.timepoints):
            snapshot = dataclasses.replace(snapshot, timepoints=store.timepoints(summary.subject_id))
        yield snapshot
