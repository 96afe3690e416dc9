"""Coded concepts of the TID 1500 reports (PS3.16): pydicom's dictionaries, plus the project's own.

Standard concepts come from pydicom's dictionary of PS3.16 codes (``pydicom.sr.codedict.codes``:
``codes.DCM.TrackingIdentifier``, ``codes.SCT.LongAxis``, ``codes.UCUM.Millimeter`` …), never from
string literals. :data:`PROJECT_CODES` is the one table of concepts no dictionary of pydicom holds:
this workstation's private scheme 99RECIST (PS3.3 §8.2: local coding scheme designators begin with
"99") for the reader's statements and flags with no standard code, and UMLS C2348792 "Time Point"
(TID 1502, written by highdicom). A finding site with no SNOMED CT code in :data:`ORGAN_SITES` gets
a 99RECIST free-text code (:func:`finding_site`).

Both :mod:`recist_app.sr.writer` and :mod:`recist_app.sr.reader` use these names, so that what is
written is what is read back.
"""

from __future__ import annotations

import hashlib

from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code

from recist_app.model.records import Axis, LesionRole, MeasurementMethod, MeasurementPlane, ReaderRole, Status

__all__ = ["AXIS_CODES", "BASELINE_CATEGORIES", "IMAGING_PROCEDURE", "NEW_ROLES", "ORGAN_ALIASES", "ORGAN_SITES",
           "PROCEDURE_BY_MODALITY", "PROJECT_CODES", "READER_ROLES", "RECIST_SCHEME", "REPORT_TITLES", "STATUS_CODES",
           "Code", "codes", "finding_site"]

#: This workstation's private coding scheme designator (PS3.3 §8.2).
RECIST_SCHEME = "99RECIST"
#: Prefix of the 99RECIST code of a free-text finding site (then 8 hex digits of its SHA-256).
FREE_TEXT_SITE_PREFIX = "LOC"

#: The project's own codes: keyword → concept, for what no dictionary of pydicom holds.
PROJECT_CODES: dict[str, Code] = {keyword: Code(value, scheme, meaning) for keyword, value, scheme, meaning in (
    # TID 1502 Time Point (highdicom writes it; pydicom has no UMLS entry for it).
    ("TimePoint", "C2348792", "UMLS", "Time Point"),
    # Roles of new lesions (iRECIST; RULES §2.2) and the names of our qualitative evaluations.
    ("LesionRole", "LESROLE", RECIST_SCHEME, "Lesion role"),
    ("NewLesion", "NEW", RECIST_SCHEME, LesionRole.NEW.value),
    ("NewTargetLesion", "NEWTARGET", RECIST_SCHEME, LesionRole.NEW_TARGET.value),
    ("NewNonTargetLesion", "NEWNONTARGET", RECIST_SCHEME, LesionRole.NEW_NON_TARGET.value),
    ("LesionStatus", "LESSTAT", RECIST_SCHEME, "Lesion status"),
    ("RadiationInducedChange", "RADIND", RECIST_SCHEME, "Radiation-induced change"),
    ("IrradiatedOnStudy", "IRRADIATED", RECIST_SCHEME, "Irradiated on study"),
    ("SplitLesionFragment", "FRAGMENT", RECIST_SCHEME, "Split lesion fragment"),
    ("MergedIntoLesion", "MERGEDINTO", RECIST_SCHEME, "Merged into lesion"),
    # Who placed a line (issue 17): the measuring tool's proposal, accepted as it was or moved by the reader.
    ("ProposedByTool", "PROPOSED", RECIST_SCHEME, "Proposed by the measuring tool"),
    ("ProposedThenEdited", "PROPOSEDEDITED", RECIST_SCHEME, "Proposed by the measuring tool, edited by the reader"),
    # The reader's statements with no SNOMED CT code (RULES §1.4, §1.6, §1.7, §2.3).
    ("TooSmallToMeasure", "TOOSMALL", RECIST_SCHEME, Status.TOO_SMALL.value),
    ("Disappeared", "DISAPPEARED", RECIST_SCHEME, Status.DISAPPEARED.value),
    ("NotAssessed", "NOTASSESSED", RECIST_SCHEME, Status.NOT_ASSESSED.value),
    ("Split", "SPLIT", RECIST_SCHEME, Status.SPLIT.value),
    ("TumorMerged", "MERGED", RECIST_SCHEME, Status.MERGED.value),
    ("UnequivocalProgression", "UNEQUIVPROG", RECIST_SCHEME, Status.UNEQUIVOCAL_PROGRESSION.value),
    ("Equivocal", "EQUIVOCAL", RECIST_SCHEME, Status.EQUIVOCAL.value),
    ("FurtherEnlargement", "FURTHERENLARGE", RECIST_SCHEME, Status.FURTHER_ENLARGEMENT.value),
    # The reader's role in the trial (TID 1003 Person Observer's Role in the Organization).
    ("SiteRadiologist", "SITE_RADIOLOGIST", RECIST_SCHEME, "site radiologist"),
    ("CentralReader1", "CENTRAL_READER_1", RECIST_SCHEME, "central reader 1"),
    ("CentralReader2", "CENTRAL_READER_2", RECIST_SCHEME, "central reader 2"),
    ("Adjudicator", "ADJUDICATOR", RECIST_SCHEME, "adjudicator"),
    ("Admin", "ADMIN", RECIST_SCHEME, "admin"),
)}

#: CID 7021 Measurement Report Document Titles (a TID 1500 report has one of them).
REPORT_TITLES: tuple[Code, ...] = (codes.DCM.ImagingMeasurementReport, codes.DCM.OncologyMeasurementReport,
                                   codes.DCM.DynamicContrastMRMeasurementReport, codes.DCM.PETMeasurementReport)
#: The NUM concept of each caliper axis.
AXIS_CODES: dict[Axis, Code] = {Axis.LONG: codes.SCT.LongAxis, Axis.SHORT: codes.SCT.ShortAxis}
#: A line measured on a reformat (VIEWER.md "Reformats"): its NUM's Derivation (DCM 121401) is DCM 113072
#: Multiplanar reformatting and an Image View (DCM 111031) concept modifier names the plane.
REFORMAT_DERIVATION: Code = codes.DCM.MultiplanarReformatting
IMAGE_VIEW: Code = codes.DCM.ImageView
PLANE_CODES: dict[MeasurementPlane, Code] = {MeasurementPlane.CORONAL: codes.SCT.Coronal,
                                             MeasurementPlane.SAGITTAL: codes.SCT.Sagittal}
#: A line the measuring tool proposed: its NUM's Measurement Method (SCT 370129005) says whether the reader moved
#: it, and TID 4019 names the algorithm; a line the reader drew has neither.
MEASUREMENT_METHOD: Code = codes.SCT.MeasurementMethod
METHOD_CODES: dict[MeasurementMethod, Code] = {MeasurementMethod.PROPOSED: PROJECT_CODES["ProposedByTool"],
                                              MeasurementMethod.PROPOSED_EDITED: PROJECT_CODES["ProposedThenEdited"]}
#: TID 4019 Algorithm Name of the measuring tool (recist_app.imaging.segmentation).
MEASURING_TOOL = "RECIST workstation stroke measurement"
#: DCM 112016 Baseline Category of baseline lesions.
BASELINE_CATEGORIES: dict[LesionRole, Code] = {LesionRole.TARGET: codes.DCM.TargetLesionAtBaseline,
                                               LesionRole.NON_TARGET: codes.DCM.NonTargetLesionAtBaseline}
#: 99RECIST Lesion role of new lesions.
NEW_ROLES: dict[LesionRole, Code] = {LesionRole.NEW: PROJECT_CODES["NewLesion"],
                                     LesionRole.NEW_TARGET: PROJECT_CODES["NewTargetLesion"],
                                     LesionRole.NEW_NON_TARGET: PROJECT_CODES["NewNonTargetLesion"]}
#: 99RECIST Lesion status: the reader's statement (SNOMED CT where it has one).
STATUS_CODES: dict[Status, Code] = {
    Status.PRESENT: codes.SCT.Present, Status.ABSENT: codes.SCT.Absent,
    Status.TOO_SMALL: PROJECT_CODES["TooSmallToMeasure"], Status.DISAPPEARED: PROJECT_CODES["Disappeared"],
    Status.NOT_ASSESSED: PROJECT_CODES["NotAssessed"], Status.SPLIT: PROJECT_CODES["Split"],
    Status.MERGED: PROJECT_CODES["TumorMerged"],
    Status.UNEQUIVOCAL_PROGRESSION: PROJECT_CODES["UnequivocalProgression"],
    Status.EQUIVOCAL: PROJECT_CODES["Equivocal"], Status.FURTHER_ENLARGEMENT: PROJECT_CODES["FurtherEnlargement"]}
#: The reader's role in the trial.
READER_ROLES: dict[ReaderRole, Code] = {
    ReaderRole.SITE_RADIOLOGIST: PROJECT_CODES["SiteRadiologist"],
    ReaderRole.CENTRAL_READER_1: PROJECT_CODES["CentralReader1"],
    ReaderRole.CENTRAL_READER_2: PROJECT_CODES["CentralReader2"],
    ReaderRole.ADJUDICATOR: PROJECT_CODES["Adjudicator"], ReaderRole.ADMIN: PROJECT_CODES["Admin"]}

#: Finding sites: SDTM TULOC text → SNOMED CT body structure.
ORGAN_SITES: dict[str, Code] = {
    "LUNG": codes.SCT.Lung, "LIVER": codes.SCT.Liver, "LYMPH NODE": codes.SCT.LymphNode, "BONE": codes.SCT.Bone,
    "ADRENAL GLAND": codes.SCT.AdrenalGland, "BRAIN": codes.SCT.Brain, "SOFT TISSUE": codes.SCT.SoftTissue,
    "KIDNEY": codes.SCT.Kidney, "PLEURA": codes.SCT.Pleura, "SPLEEN": codes.SCT.Spleen,
    "PANCREAS": codes.SCT.Pancreas, "PERITONEUM": codes.SCT.PeritoneumSerousMembraneStructure,
    "RETROPERITONEUM": codes.SCT.Retroperitoneum, "MEDIASTINUM": codes.SCT.Mediastinum,
    "CHEST WALL": codes.SCT.ChestWall, "SKIN": codes.SCT.Skin, "SUBCUTANEOUS TISSUE": codes.SCT.SubcutaneousTissue,
    "SKELETAL MUSCLE": codes.SCT.SkeletalMuscle, "MUSCLE": codes.SCT.Muscle, "BREAST": codes.SCT.Breast,
    "STOMACH": codes.SCT.Stomach, "COLON": codes.SCT.Colon, "HEART": codes.SCT.Heart,
    "PERICARDIUM": codes.SCT.Pericardium, "THYROID GLAND": codes.SCT.Thyroid, "ESOPHAGUS": codes.SCT.Esophagus,
    "URINARY BLADDER": codes.SCT.Bladder, "PROSTATE": codes.SCT.Prostate, "OVARY": codes.SCT.Ovary,
    "UTERUS": codes.SCT.Uterus, "ABDOMEN": codes.SCT.Abdomen, "PELVIS": codes.SCT.Pelvis}
ORGAN_ALIASES = {"ADRENAL": "ADRENAL GLAND", "THYROID": "THYROID GLAND", "BLADDER": "URINARY BLADDER",
                 "LYMPH NODES": "LYMPH NODE", "NODE": "LYMPH NODE", "SOFT TISSUES": "SOFT TISSUE"}
#: CID 100 procedure reported, by (0008,0060) Modality; else :data:`IMAGING_PROCEDURE`.
PROCEDURE_BY_MODALITY: dict[str, Code] = {"CT": codes.LN.CTUnspecifiedBodyRegion,
                                          "MR": codes.LN.MRIUnspecifiedBodyRegion,
                                          "PT": codes.LN.PETUnspecifiedBodyRegion}
IMAGING_PROCEDURE: Code = codes.SCT.ImagingProcedure


def finding_site(organ: str, nodal: bool = False) -> Code | None:
    """SCT 363698007 Finding Site of a lesion: SNOMED CT from :data:`ORGAN_SITES`, else 99RECIST free text."""
    text = " ".join(organ.upper().split())
    text = ORGAN_ALIASES.get(text, text) or ("LYMPH NODE" if nodal else "")
    if not text:
        return None
    if text in ORGAN_SITES:
        return ORGAN_SITES[text]
    code = FREE_TEXT_SITE_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:8].upper()
    return Code(code, RECIST_SCHEME, text[:64])
