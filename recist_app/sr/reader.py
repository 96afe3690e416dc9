"""Read TID 1500 Measurement Reports (issue 7): ours back to millimetres, and other tools' SRs.

:func:`read_sr` walks the content tree with pydicom (PS3.3 C.17.3 SR Document Content) and
returns an :class:`SrReport` of frozen records: the observer (TID 1001), each Measurement Group
(DCM 125007; TID 1501, 1410 or 1411) as an :class:`SrFinding` with its tracking identifier and
UID (DCM 112039 / 112040), finding type and sites, time point (TID 1502), qualitative
evaluations, and every NUM as an :class:`SrMeasurement` with its unit, image references and
coordinates: SCOORD3D points in patient mm, SCOORD points in image pixels (column, row).

SNOMED codes written with the retired SRT designator (dcmqi, PixelMed) are read as their SCT
equivalents. Concepts are recognised by the codes of :mod:`recist_app.sr.codes` (pydicom's
dictionaries and the project's own 99RECIST table), which give back our lesion role, status and
flags. Content this reader cannot use (a NUM without a value, coordinates of the wrong
length, by-reference items) is skipped and described in :attr:`SrReport.warnings`; a file that is
no DICOM SR raises :class:`SrReadError`, an SR that is no TID 1500 report :class:`SrContentError`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from recist_app.model.records import (
    Axis,
    LesionRole,
    LineMeasurement,
    MeasurementMethod,
    MeasurementPlane,
    Point,
    Status,
)
from recist_app.sr.codes import (
    AXIS_CODES,
    BASELINE_CATEGORIES,
    IMAGE_VIEW,
    MEASUREMENT_METHOD,
    METHOD_CODES,
    NEW_ROLES,
    ORGAN_SITES,
    PLANE_CODES,
    PROJECT_CODES,
    REPORT_TITLES,
    STATUS_CODES,
    Code,
    codes,
)
from recist_app.sr.errors import SrContentError, SrReadError

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

#: Length units (UCUM) → millimetres.
_MM_PER_UNIT = {codes.UCUM.Millimeter.value: 1.0, codes.UCUM.Centimeter.value: 10.0, codes.UCUM.Meter.value: 1000.0,
                codes.UCUM.Micrometer.value: 0.001}
_SITE_ORGANS = {code.value: organ for organ, code in ORGAN_SITES.items()}
_ROLES = {code.value: role for role, code in (*BASELINE_CATEGORIES.items(), *NEW_ROLES.items())}
_STATUSES = {code.value: status for status, code in STATUS_CODES.items()}


@dataclass(frozen=True)
class SrCode:
    """A coded concept (Code Value, Coding Scheme Designator, Code Meaning); SRT read as SCT."""

    value: str
    scheme: str
    meaning: str

    def is_(self, concept: Code) -> bool:
        """True when this is ``concept`` (value and scheme; the meaning may be worded otherwise)."""
        return (self.value, self.scheme) == (concept.value, concept.scheme_designator)


@dataclass(frozen=True)
class SrImageRef:
    """A referenced image: SOP Class and Instance UIDs, frames, and its series and study from the evidence."""

    sop_class_uid: str
    sop_instance_uid: str
    frames: tuple[int, ...] = ()
    series_uid: str = ""
    study_uid: str = ""
    purpose: SrCode | None = None


@dataclass(frozen=True)
class SrCoordinates:
    """A SCOORD (``pixel_points`` (column, row) on ``image``) or SCOORD3D (``points_mm``, patient LPS)."""

    graphic_type: str
    points_mm: tuple[Point, ...] = ()
    frame_of_reference_uid: str = ""
    pixel_points: tuple[tuple[float, float], ...] = ()
    image: SrImageRef | None = None


@dataclass(frozen=True)
class SrMeasurement:
    """A NUM content item (TID 300): name, value and unit, with the images and coordinates it came from."""

    name: SrCode
    value: float
    unit: SrCode
    images: tuple[SrImageRef, ...] = ()
    coordinates: tuple[SrCoordinates, ...] = ()
    derivation: SrCode | None = None
    #: The Image View (DCM 111031) concept modifier: the plane of a line measured on a reformat.
    view: SrCode | None = None
    #: The Measurement Method (SCT 370129005): a line the measuring tool proposed.
    method_code: SrCode | None = None

    @property
    def method(self) -> MeasurementMethod:
        """PROPOSED / PROPOSED EDITED for a line the measuring tool proposed (its Measurement Method), else MANUAL."""
        return next((method for method, code in METHOD_CODES.items()
                     if self.method_code is not None and self.method_code.is_(code)), MeasurementMethod.MANUAL)

    @property
    def plane(self) -> MeasurementPlane:
        """CORONAL / SAGITTAL for a line measured on a reformat (its Image View), else AXIAL."""
        return next((plane for plane, code in PLANE_CODES.items() if self.view is not None and self.view.is_(code)),
                    MeasurementPlane.AXIAL)

    @property
    def value_mm(self) -> float | None:
        """The value in millimetres when the unit is a length (UCUM mm, cm, m, um), else None."""
        factor = _MM_PER_UNIT.get(self.unit.value) if self.unit.scheme == codes.UCUM.Millimeter.scheme_designator \
            else None
        return None if factor is None else self.value * factor

    @property
    def axis(self) -> Axis | None:
        """Long or short axis (SCT 103339001 / 103340004); None for other measurements."""
        return next((axis for axis, code in AXIS_CODES.items() if self.name.is_(code)), None)

    def line(self) -> LineMeasurement:
        """The caliper line: the two SCOORD3D end points with the image and series they were drawn on.

        Raises
        ------
        SrContentError
            If the NUM has no two-point SCOORD3D POLYLINE or no image reference with its series.
        """
        polyline = next((c for c in self.coordinates if c.points_mm and len(c.points_mm) == 2), None)
        image = next((i for i in self.images if i.series_uid), None)
        if polyline is None or image is None:
            raise SrContentError("", f"{self.name.meaning} {self.value} has no two-point SCOORD3D polyline "
                                     "with a referenced image listed in the evidence: it is no caliper line.")
        return LineMeasurement.from_points(polyline.points_mm[0], polyline.points_mm[1],
                                           axis=self.axis or Axis.LONG, sop_uid=image.sop_instance_uid,
                                           series_uid=image.series_uid,
                                           frame_of_reference_uid=polyline.frame_of_reference_uid,
                                           plane=self.plane, method=self.method)


@dataclass(frozen=True)
class SrTimePoint:
    """TID 1502 Time Point Context: label (UMLS C2348792), type (CID 6146), order, subject identifier."""

    label: str
    type: SrCode | None = None
    order: int | None = None
    subject_time_point_id: str = ""
    protocol_time_point_id: str = ""


@dataclass(frozen=True)
class SrFinding:
    """One Measurement Group (DCM 125007): a tracked finding with its measurements and evaluations.

    ``role``, ``status``, ``radiation_induced``, ``irradiated``, ``fragment`` and
    ``merged_into_uid`` come from our 99RECIST and CID 6145 codes; ``organ`` is the SDTM TULOC
    text of the finding site (our SNOMED table, or the site's meaning upper-cased).
    """

    template_id: str
    tracking_label: str
    tracking_uid: str
    finding_type: SrCode | None = None
    finding_sites: tuple[SrCode, ...] = ()
    method: SrCode | None = None
    time_point: SrTimePoint | None = None
    measurements: tuple[SrMeasurement, ...] = ()
    evaluations: tuple[tuple[SrCode, SrCode], ...] = ()
    region: SrCoordinates | None = None
    images: tuple[SrImageRef, ...] = ()
    role: LesionRole | None = None
    status: Status | None = None
    radiation_induced: bool = False
    irradiated: bool = False
    fragment: int = 0
    merged_into_uid: str = ""

    @property
    def organ(self) -> str:
        """SDTM TULOC text of the first finding site ("" when none)."""
        if not self.finding_sites:
            return ""
        site = self.finding_sites[0]
        return _SITE_ORGANS.get(site.value, site.meaning.upper()) if site.scheme == "SCT" else site.meaning.upper()

    @property
    def long_axis_mm(self) -> float | None:
        """The long axis (SCT 103339001) in mm, None when not measured."""
        return next((m.value_mm for m in self.measurements if m.axis is Axis.LONG), None)

    @property
    def short_axis_mm(self) -> float | None:
        """The short axis (SCT 103340004) in mm, None when not measured."""
        return next((m.value_mm for m in self.measurements if m.axis is Axis.SHORT), None)


@dataclass(frozen=True)
class SrReport:
    """A TID 1500 Measurement Report as read by :func:`read_sr`; ``warnings`` lists what was skipped."""

    path: str
    sop_class_uid: str
    sop_instance_uid: str
    study_uid: str
    series_uid: str
    patient_id: str
    title: SrCode
    observer_name: str = ""
    observer_role: SrCode | None = None
    device_observer_name: str = ""
    procedures: tuple[SrCode, ...] = ()
    findings: tuple[SrFinding, ...] = ()
    clinical_trial_subject_id: str = ""
    clinical_trial_protocol_id: str = ""
    final: bool = False
    verified: bool = False
    warnings: tuple[str, ...] = field(default=())

    @property
    def time_points(self) -> tuple[str, ...]:
        """The distinct time point labels of the findings, in order of appearance."""
        return tuple(dict.fromkeys(f.time_point.label for f in self.findings if f.time_point))

    def finding(self, label_or_uid: str, fragment: int = 0) -> SrFinding:
        """The finding with this tracking label or UID (and fragment)."""
        for finding in self.findings:
            if label_or_uid in (finding.tracking_label, finding.tracking_uid) and finding.fragment == fragment:
                return finding
        raise KeyError(label_or_uid)


def read_sr(path: str | Path) -> SrReport:
    """Read a TID 1500 Measurement Report (Enhanced, Comprehensive or Comprehensive 3D SR).

    Raises
    ------
    SrReadError
        If ``path`` is no readable DICOM file or holds no SR document content.
    SrContentError
        If the SR is not a TID 1500 Measurement Report.
    """
    from pydicom import dcmread
    from pydicom.errors import InvalidDicomError

    name = str(path)
    try:
        ds = dcmread(path)
    except (InvalidDicomError, OSError, EOFError, ValueError) as exc:
        raise SrReadError(name, f"not a readable DICOM file ({exc}).") from None
    if str(ds.get("Modality", "")) != "SR" or ds.get("ValueType") != "CONTAINER" or "ContentSequence" not in ds:
        raise SrReadError(name, f"not a DICOM SR document (Modality {ds.get('Modality', '')!r}, no root "
                                "CONTAINER with a Content Sequence (0040,A730)).")
    template = ds.ContentTemplateSequence[0].get("TemplateIdentifier", "") \
        if ds.get("ContentTemplateSequence") else ""
    title = _code(ds.ConceptNameCodeSequence) if ds.get("ConceptNameCodeSequence") else SrCode("", "", "")
    if template != "1500" and not any(title.is_(code) for code in REPORT_TITLES):
        raise SrContentError(name, f"an SR titled {title.meaning!r} (template {template or 'none'}), not a TID 1500 "
                                   "Measurement Report: nothing to import.")
    return _Reader(name, ds).report(title)


def _code(sequence: Iterable[Dataset]) -> SrCode:
    """The first item of a code sequence (e.g. (0040,A043) Concept Name Code Sequence), SRT → SCT."""
    item = next(iter(sequence))
    value, scheme = str(item.get("CodeValue", item.get("LongCodeValue", item.get("URNCodeValue", "")))), \
        str(item.get("CodingSchemeDesignator", ""))
    if scheme == "SRT":
        sct = _snomed().get(value)
        value, scheme = (sct, "SCT") if sct else (value, scheme)
    return SrCode(value, scheme, str(item.get("CodeMeaning", "")))


def _snomed() -> dict[str, str]:
    """pydicom's SNOMED RT → SNOMED CT map (empty when a pydicom version lacks it)."""
    try:
        from pydicom.sr._snomed_dict import mapping
    except ImportError:
        return {}
    return mapping.get("SRT", {})


class _Reader:
    """Walks one document's content tree; collects warnings as it goes."""

    def __init__(self, path: str, ds: Dataset) -> None:
        self.path = path
        self.ds = ds
        self.warnings: list[str] = []
        self.evidence: dict[str, tuple[str, str]] = {}
        for keyword in ("CurrentRequestedProcedureEvidenceSequence", "PertinentOtherEvidenceSequence"):
            for study in ds.get(keyword, []):
                for series in study.get("ReferencedSeriesSequence", []):
                    for sop in series.get("ReferencedSOPSequence", []):
                        self.evidence[str(sop.ReferencedSOPInstanceUID)] = (str(series.SeriesInstanceUID),
                                                                            str(study.StudyInstanceUID))

    def report(self, title: SrCode) -> SrReport:
        """The whole document: observation context (TID 1001), procedure, Imaging Measurements."""
        ds = self.ds
        observer, device, containers = "", "", 0
        role: SrCode | None = None
        procedures: list[SrCode] = []
        findings: list[SrFinding] = []
        for item in ds.ContentSequence:
            name = self.name(item)
            if name is None:
                continue
            if name.is_(codes.DCM.PersonObserverName):  # PNAME (TEXT in some writers)
                observer = str(item.get("PersonName", item.get("TextValue", ""))).rstrip("^")
            elif name.is_(codes.DCM.PersonObserverRoleInThisProcedure) and item.get("ConceptCodeSequence"):
                role = _code(item.ConceptCodeSequence)
            elif name.is_(codes.DCM.DeviceObserverName):
                device = str(item.get("TextValue", ""))
            elif name.is_(codes.DCM.ProcedureReported) and item.get("ConceptCodeSequence"):
                procedures.append(_code(item.ConceptCodeSequence))
            elif name.is_(codes.DCM.ImagingMeasurements):
                containers += 1
                findings.extend(self.groups(item))
        if not containers:
            self.warnings.append("no Imaging Measurements (DCM 126010) container: the report holds no measurement.")
        return SrReport(
            self.path, str(ds.get("SOPClassUID", "")), str(ds.get("SOPInstanceUID", "")),
            str(ds.get("StudyInstanceUID", "")),
            str(ds.get("SeriesInstanceUID", "")), str(ds.get("PatientID", "")), title, observer, role, device,
            tuple(procedures), tuple(findings), str(ds.get("ClinicalTrialSubjectID", "")),
            str(ds.get("ClinicalTrialProtocolID", "")), ds.get("PreliminaryFlag") == "FINAL",
            ds.get("VerificationFlag") == "VERIFIED", tuple(self.warnings))

    def groups(self, container: Dataset) -> Iterator[SrFinding]:
        """The Measurement Groups of Imaging Measurements; other items, or malformed groups, are skipped."""
        for n, item in enumerate(self.children(container), start=1):
            name = self.name(item)
            if name is None or not name.is_(codes.DCM.MeasurementGroup) or item.get("ValueType") != "CONTAINER":
                self.warnings.append(f"Imaging Measurements item {n} ({name.meaning if name else 'by reference'}) "
                                     "is no Measurement Group: skipped.")
                continue
            try:
                yield self.group(n, item)
            except (ArithmeticError, AttributeError, KeyError, IndexError, TypeError, ValueError) as exc:
                self.warnings.append(f"Measurement Group {n} is malformed ({type(exc).__name__}: {exc}): skipped.")

    def group(self, n: int, item: Dataset) -> SrFinding:
        """One Measurement Group → :class:`SrFinding` (unknown items skipped)."""
        parts = _GroupParts(f"Measurement Group {n}")
        for child in self.children(item):
            name = self.name(child)
            if name is None:
                self.warnings.append(f"{parts.where}: a by-reference content item was skipped.")
            elif not self.time_point_item(name, child, parts.time_point):
                self.group_item(name, child, parts)
        if not parts.uid:
            self.warnings.append(f"{parts.where} ({parts.label or 'no label'}) has no Tracking Unique Identifier "
                                 "(DCM 112040).")
        time_point = None
        if "label" in parts.time_point:
            found = parts.time_point
            time_point = SrTimePoint(found["label"], found.get("type"), found.get("order"),
                                     found.get("subject_time_point_id", ""), found.get("protocol_time_point_id", ""))
        elif parts.time_point:
            self.warnings.append(f"{parts.where}: a Time Point Context without Time Point (UMLS C2348792) was "
                                 "skipped.")
        template = item.ContentTemplateSequence[0].get("TemplateIdentifier", "") \
            if item.get("ContentTemplateSequence") else ""
        return SrFinding(str(template), parts.label, parts.uid, parts.finding_type, tuple(parts.finding_sites),
                         parts.method, time_point, tuple(parts.measurements), tuple(parts.evaluations), parts.region,
                         tuple(parts.images), parts.role, parts.status, parts.radiation_induced, parts.irradiated,
                         parts.fragment, parts.merged_into_uid)

    @staticmethod
    def time_point_item(name: SrCode, item: Dataset, time_point: _TimePointParts) -> bool:
        """Collect a TID 1502 item (Time Point, Type, Order, Subject / Protocol identifier); False otherwise."""
        if name.is_(PROJECT_CODES["TimePoint"]):
            time_point["label"] = str(item.get("TextValue", ""))
        elif name.is_(codes.DCM.TimePointType) and item.get("ConceptCodeSequence"):
            time_point["type"] = _code(item.ConceptCodeSequence)
        elif name.is_(codes.DCM.TimePointOrder) and item.get("MeasuredValueSequence"):
            time_point["order"] = int(float(item.MeasuredValueSequence[0].NumericValue))
        elif name.is_(codes.DCM.SubjectTimePointIdentifier):
            time_point["subject_time_point_id"] = str(item.get("TextValue", ""))
        elif name.is_(codes.DCM.ProtocolTimePointIdentifier):
            time_point["protocol_time_point_id"] = str(item.get("TextValue", ""))
        else:
            return False
        return True

    def group_item(self, name: SrCode, item: Dataset, parts: _GroupParts) -> None:
        """Collect one item of a Measurement Group into ``parts``."""
        kind = item.get("ValueType")
        if name.is_(codes.DCM.TrackingIdentifier):
            parts.label = str(item.get("TextValue", ""))
        elif name.is_(codes.DCM.TrackingUniqueIdentifier):
            parts.uid = str(item.get("UID", ""))
        elif kind == "NUM":
            measurement = self.measurement(item, parts.where)
            if measurement is not None:
                parts.measurements.append(measurement)
        elif kind == "CODE" and item.get("ConceptCodeSequence"):
            parts.coded(name, _code(item.ConceptCodeSequence))
        elif kind in ("SCOORD", "SCOORD3D"):
            parts.region = self.coordinates(item, parts.where)
        elif kind == "IMAGE" and item.get("ReferencedSOPSequence"):
            parts.images.append(self.image(item))
        elif name.is_(PROJECT_CODES["SplitLesionFragment"]) and str(item.get("TextValue", "")).isdigit():
            parts.fragment = int(item.TextValue)
        elif name.is_(PROJECT_CODES["MergedIntoLesion"]):
            parts.merged_into_uid = str(item.get("UID", ""))

    def measurement(self, item: Dataset, where: str) -> SrMeasurement | None:
        """A NUM item (TID 300) with its derivation, image references and coordinates."""
        name = self.name(item)
        assert name is not None
        measured = item.get("MeasuredValueSequence")
        if not measured or "NumericValue" not in measured[0] or not measured[0].get("MeasurementUnitsCodeSequence"):
            self.warnings.append(f"{where}: NUM {name.meaning!r} has no measured value (a qualifier only): skipped.")
            return None
        value = float(measured[0].NumericValue)
        if not math.isfinite(value):
            self.warnings.append(f"{where}: NUM {name.meaning!r} is not a finite number: skipped.")
            return None
        images, coordinates, derivation, view, method = [], [], None, None, None
        for child in self.children(item):
            kind, child_name = child.get("ValueType"), self.name(child)
            if kind == "IMAGE" and child.get("ReferencedSOPSequence"):
                images.append(self.image(child))
            elif kind in ("SCOORD", "SCOORD3D"):
                found = self.coordinates(child, f"{where}, NUM {name.meaning!r}")
                if found is not None:
                    coordinates.append(found)
            elif kind == "CODE" and child_name is not None and child_name.is_(codes.DCM.Derivation):
                derivation = _code(child.ConceptCodeSequence)
            elif kind == "CODE" and child_name is not None and child_name.is_(IMAGE_VIEW):
                view = _code(child.ConceptCodeSequence)
            elif kind == "CODE" and child_name is not None and child_name.is_(MEASUREMENT_METHOD):
                method = _code(child.ConceptCodeSequence)
        return SrMeasurement(name, value, _code(measured[0].MeasurementUnitsCodeSequence), tuple(images),
                             tuple(coordinates), derivation, view, method)

    def coordinates(self, item: Dataset, where: str) -> SrCoordinates | None:
        """SCOORD (PS3.3 C.18.6: column/row pairs) or SCOORD3D (C.18.9: x/y/z triplets in mm)."""
        data = [float(v) for v in item.get("GraphicData", [])]
        graphic_type = str(item.get("GraphicType", ""))
        size = 3 if item.get("ValueType") == "SCOORD3D" else 2
        if not data or len(data) % size:
            self.warnings.append(f"{where}: {item.get('ValueType')} {graphic_type} has {len(data)} coordinates, "
                                 f"not a multiple of {size}: skipped.")
            return None
        if size == 3:
            points = tuple((data[i], data[i + 1], data[i + 2]) for i in range(0, len(data), 3))
            return SrCoordinates(graphic_type, points, str(item.get("ReferencedFrameOfReferenceUID", "")))
        image = next((self.image(c) for c in self.children(item)
                      if c.get("ValueType") == "IMAGE" and c.get("ReferencedSOPSequence")), None)
        pixels = tuple((data[i], data[i + 1]) for i in range(0, len(data), 2))
        return SrCoordinates(graphic_type, pixel_points=pixels, image=image)

    def image(self, item: Dataset) -> SrImageRef:
        """An IMAGE item's (0008,1199) Referenced SOP Sequence, with series and study from the evidence."""
        ref = item.ReferencedSOPSequence[0]
        sop = str(ref.ReferencedSOPInstanceUID)
        series, study = self.evidence.get(sop, ("", ""))
        frames = ref.get("ReferencedFrameNumber")
        frames = () if frames is None else tuple(int(f) for f in (frames if isinstance(frames, Iterable) else [frames]))
        return SrImageRef(str(ref.ReferencedSOPClassUID), sop, frames, series, study, self.name(item))

    @staticmethod
    def name(item: Dataset) -> SrCode | None:
        """(0040,A043) Concept Name Code Sequence of an item; None for by-reference items."""
        sequence = item.get("ConceptNameCodeSequence")
        return _code(sequence) if sequence else None

    @staticmethod
    def children(item: Dataset) -> Iterator[Dataset]:
        """The items of (0040,A730) Content Sequence (none for a leaf)."""
        yield from item.get("ContentSequence", [])


class _TimePointParts(TypedDict, total=False):
    """The TID 1502 items of one Measurement Group, as read (:class:`SrTimePoint` once it has a label)."""

    label: str
    type: SrCode
    order: int
    subject_time_point_id: str
    protocol_time_point_id: str


@dataclass
class _GroupParts:
    """What a Measurement Group held so far (mutable while its items are read)."""

    where: str
    label: str = ""
    uid: str = ""
    finding_type: SrCode | None = None
    finding_sites: list[SrCode] = field(default_factory=list)
    method: SrCode | None = None
    time_point: _TimePointParts = field(default_factory=lambda: _TimePointParts())
    measurements: list[SrMeasurement] = field(default_factory=list)
    evaluations: list[tuple[SrCode, SrCode]] = field(default_factory=list)
    region: SrCoordinates | None = None
    images: list[SrImageRef] = field(default_factory=list)
    role: LesionRole | None = None
    status: Status | None = None
    radiation_induced: bool = False
    irradiated: bool = False
    fragment: int = 0
    merged_into_uid: str = ""

    def coded(self, name: SrCode, value: SrCode) -> None:
        """A CODE item: finding (DCM 121071), site (SCT 363698007), method (SCT 370129005) or evaluation."""
        if name.is_(codes.DCM.Finding):
            self.finding_type = value
        elif name.is_(codes.SCT.FindingSite):
            self.finding_sites.append(value)
        elif name.is_(codes.SCT.MeasurementMethod):
            self.method = value
        else:
            self.evaluations.append((name, value))
            if (name.is_(codes.DCM.BaselineCategory) or name.is_(PROJECT_CODES["LesionRole"])) \
                    and value.value in _ROLES:
                self.role = _ROLES[value.value]
            elif name.is_(PROJECT_CODES["LesionStatus"]) and value.value in _STATUSES:
                self.status = _STATUSES[value.value]
            elif name.is_(PROJECT_CODES["RadiationInducedChange"]):
                self.radiation_induced = value.is_(codes.SCT.Yes)
            elif name.is_(PROJECT_CODES["IrradiatedOnStudy"]):
                self.irradiated = value.is_(codes.SCT.Yes)
