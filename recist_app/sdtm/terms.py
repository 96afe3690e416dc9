"""THE list of CDISC terms our SDTM exports may write, per variable, from ../shared/docs/CDISC.md.

Every value of a controlled variable written to TU, TR, RS, SUPPTU or SUPPTR must be listed here; the
exporter checks each table with :func:`check_table` before writing it, and the tests check every
exported file again. Terms come from CDISC.md (2024 CT release as transcribed there), including
its **PROPOSAL** terms (marked below), and the sponsor-defined :data:`SPONSOR_QUALIFIERS` with their
definitions; nothing else. Values are case-sensitive (``iCR``, ``mm``).

Variables not listed in :data:`CONTROLLED` are free (identifiers, dates, visit names) or numbers
(:data:`NUMERIC_OR_TERM` says where a result may be a number or a term). A null (empty) value is
always allowed: SDTM flags are ``Y`` or null (CDISC.md §3.5, C66742).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from recist_app.evaluation.trial_profile import TS_EXPORT_PARAMETERS, TS_SPONSOR_PARAMETERS
from recist_app.sdtm.errors import CdiscTermError

CellValue = str | int | float | Decimal | None

# Codelists (CDISC.md section, NCI codelist).

#: TUTESTCD → TUTEST (C96784 / C96783; CDISC.md §2).
TU_TESTS: Mapping[str, str] = {"TUMIDENT": "Tumor Identification", "TUSPLIT": "Tumor Split",
                               "TUMERGE": "Tumor Merged"}
#: Lesion categories, TUORRES / TUSTRESC (C123650; §2, and §6 PROPOSAL NEW TARGET / NEW NON-TARGET).
LESION_CATEGORIES = frozenset({"TARGET", "NON-TARGET", "NEW", "NEW TARGET", "NEW NON-TARGET"})
#: TRTESTCD → TRTEST for the tests whose CT name CDISC.md gives exactly (C96779 / C96778; §3.1).
TR_TESTS: Mapping[str, str] = {
    "LDIAM": "Longest Diameter", "LPERP": "Longest Perpendicular", "DIAMETER": "Diameter",
    "TUMSTATE": "Tumor State", "LNSTATE": "Lymph Node State", "SUMDIAM": "Sum of Diameter",
    "SUMNLNLD": "Sum Diameters of Non Lymph Node Tumors", "ACNSD": "Absolute Change Nadir in Sum of Diam",
    "PCBSD": "Percent Change Baseline in Sum of Diam", "PCNSD": "Percent Change Nadir in Sum of Diam",
    "VOLUME": "Volume", "SUMVOL": "Sum of Volume", "RADIODEN": "Radiodensity", "NEWCONF": "New Tumor Confirmed",
}
#: TR character results (C124309; §3.2) and the special value of §3.3.
TOO_SMALL_TO_MEASURE = "TOO SMALL TO MEASURE"
TR_CHARACTER_RESULTS = frozenset({
    "PRESENT", "ABSENT", "EQUIVOCAL", "UNEQUIVOCAL", "PATHOLOGICAL", "NON-PATHOLOGICAL", "TUMOR MERGED",
    "UNCHANGED", "INCREASED", "DECREASED", "ENLARGEMENT", "FURTHER ENLARGEMENT", "ENLARGEMENT FROM NADIR",
    "FURTHER ENLARGEMENT FROM NADIR",
})
#: TRGRPID: TARGET / NON-TARGET (IG, SUP, PV; §1, §3); NEW TARGET (§6 PROPOSAL); NEW and NEW
#: NON-TARGET: the lesion category of C123650 as group label, as for the others (sponsor label, no CT).
TR_GROUPS = LESION_CATEGORIES
#: TRREASND is free text; we write only the reasons CDISC.md quotes (§1 rule 6).
REASONS_NOT_DONE = frozenset({"SCAN NOT PERFORMED", "NOT EVALUABLE", "NOT ASSESSABLE: Image obscured",
                              "POOR IMAGE QUALITY", "TUMOR MERGED"})
#: Evaluator (C78735; §3.4).
EVALUATORS = frozenset({"INVESTIGATOR", "INDEPENDENT ASSESSOR", "ADJUDICATOR", "ADJUDICATION COMMITTEE",
                        "RADIOLOGIST", "READER", "VENDOR"})
#: Medical evaluator identifier (C96777; §3.4).
EVALUATOR_IDS = frozenset({"RADIOLOGIST 1", "RADIOLOGIST 2", "RADIOLOGIST 3", "READER 1", "READER 2", "READER 3",
                           "ADJUDICATOR 1", "ADJUDICATOR 2", "ADJUDICATOR 3", "ONCOLOGIST 1", "ONCOLOGIST 2"})
#: Method (C85492; §3.5).
METHODS = frozenset({"CT SCAN", "CONTRAST ENHANCED CT SCAN", "CT SCAN WITHOUT CONTRAST", "HIGH RESOLUTION CT",
                     "MRI", "CONTRAST ENHANCED MRI", "PET SCAN", "PET/CT SCAN", "X-RAY", "ULTRASOUND",
                     "PHOTOGRAPHY", "PHYSICAL EXAMINATION", "CLINICAL EVALUATION"})
#: Unit (C71620; §3.5).
UNITS = frozenset({"mm", "cm", "%", "mL", "mm2", "Hounsfield Unit"})
#: Anatomical location (C74456, extensible; only the terms §3.5 lists).
LOCATIONS = frozenset({
    "LUNG", "LUNG, LEFT UPPER LOBE", "LIVER", "LIVER, LEFT LOBE", "LYMPH NODE", "MEDIASTINAL LYMPH NODE",
    "HILAR LYMPH NODE", "AXILLARY LYMPH NODE", "SUBCARINAL LYMPH NODE", "SUPRACLAVICULAR LYMPH NODE",
    "PARA-AORTIC LYMPH NODE", "ADRENAL GLAND", "BONE", "BRAIN", "PLEURA", "PERITONEUM", "PANCREAS", "KIDNEY",
    "SPLEEN", "SKIN", "SOFT TISSUE", "CHEST WALL", "RETROPERITONEUM", "ABDOMINAL CAVITY",
})
#: Laterality (C99073), directionality (C99074), portion/totality (C99075), epoch (C99079); §3.5.
LATERALITY = frozenset({"LEFT", "RIGHT", "BILATERAL", "UNILATERAL", "CONTRALATERAL", "IPSILATERAL", "LATERAL"})
DIRECTIONALITY = frozenset({"UPPER", "LOWER", "ANTERIOR", "POSTERIOR", "MEDIAL", "LATERAL", "PROXIMAL", "DISTAL",
                            "SUPERIOR", "INFERIOR"})
PORTION = frozenset({"ENTIRE", "PARTIAL"})
EPOCHS = frozenset({"SCREENING", "BASELINE", "RUN-IN", "TREATMENT", "BLINDED TREATMENT", "OPEN LABEL TREATMENT",
                    "INDUCTION TREATMENT", "CONTINUATION TREATMENT", "FOLLOW-UP", "LONG-TERM FOLLOW-UP",
                    "OBSERVATION", "WASHOUT"})
#: No Yes Response (C66742; flags are Y or null) and Not Done (C66789); §3.5.
NO_YES = frozenset({"Y", "N", "U", "NA"})
FLAG = frozenset({"Y"})
NOT_DONE = frozenset({"NOT DONE"})
#: RSTESTCD → RSTEST (C96782 / C96781; §4.1; RDIORESP, CLINRESP, METBRESP left out: §4.1 abridges their names).
RS_TESTS: Mapping[str, str] = {
    "TRGRESP": "Target Response", "NTRGRESP": "Non-target Response", "NEWLPROG": "New Lesion Progression",
    "NEWLIND": "New Lesion Indicator", "OVRLRESP": "Overall Response", "BESTRESP": "Best Overall Response",
    "SYMPTDTR": "Symptomatic Deterioration", "NEWLWIND": "New Lesion Worsening Indicator",
    "NTLWIND": "Non-Target Lesion Worsening Indicator", "DRCRIND": "Disease Recurrence Indicator",
}
#: RSCAT (C124298; §4.2).
RS_CATEGORIES = frozenset({
    "RECIST 1.1", "RECIST 1.0", "iRECIST", "WOLCHOK SOLID TUMORS 2009", "MRECIST LENCIONI LIVER CANCER 2010",
    "MRECIST BYRNE MESOTHELIOMA 2004", "MRECIST ARMATO MESOTHELIOMA 2018", "CHOI GIST 2008", "RANO",
    "RANO ELLINGSON 2017", "IRANO 2015", "LUGANO CLASSIFICATION", "PERCIST", "itRECIST GOLDMACHER 2020",
    "PCWG SCHER PROSTATE CANCER 2016", "PROTOCOL DEFINED RESPONSE CRITERIA", "UNSPECIFIED",
})
#: RSSCAT of the irradiated / non-irradiated sub-responses (§7 PROPOSAL 3).
RS_SUBCATEGORIES = frozenset({"IRRADIATED LESIONS", "NON-IRRADIATED LESIONS"})
#: RSORRES / RSSTRESC (C96785; §4.3), with Y / N of the indicators.
RS_RESULTS = frozenset({
    "CR", "PR", "SD", "PD", "NE", "NON-CR/NON-PD", "EQUIVOCAL", "UNEQUIVOCAL", "NED",
    "iCR", "iPR", "iSD", "iUPD", "iCPD", "NON-iCR/NON-iUPD", "Y", "N", "PSEUDOPROGRESSION", "PDu",
    "NOT ALL EVALUATED",
})
#: The results each RSCAT may carry for the per-visit tests we write (§4.3).
RS_RESULTS_BY_CATEGORY: Mapping[str, frozenset[str]] = {
    "RECIST 1.1": frozenset({"CR", "PR", "SD", "PD", "NE", "NON-CR/NON-PD", "Y", "N", "NED", "EQUIVOCAL",
                             "UNEQUIVOCAL"}),
    "iRECIST": frozenset({"iCR", "iPR", "iSD", "iUPD", "iCPD", "NON-iCR/NON-iUPD", "NE", "Y", "N", "EQUIVOCAL",
                          "UNEQUIVOCAL"}),
    "PROTOCOL DEFINED RESPONSE CRITERIA": frozenset({"CR", "PR", "SD", "PD", "NE"}),
}
#: SUPPTU QNAM → QLABEL (§5; TUIRRSTD is the §7 PROPOSAL 2 sponsor-defined flag).
SUPPTU_QUALIFIERS: Mapping[str, str] = {"TUPREVIR": "Previously Irradiated",
                                        "TUPREISP": "Irradiated then Subsequent Progression",
                                        "TUIRRSTD": "Irradiated On Study"}

@dataclass(frozen=True)
class SponsorQualifier:
    """A sponsor-defined supplemental qualifier (not in CDISC.md): its dataset, label and definition, and the
    meaning of each value it may take (none: free text), and whether the export derives it rather than takes it from
    the reader (QORIG ``DERIVED``). What define.xml says of it."""

    dataset: str
    label: str
    definition: str
    values: Mapping[str, str] = field(default_factory=dict)
    derived: bool = False


SPONSOR_QUALIFIERS: Mapping[str, SponsorQualifier] = {
    # Issue 17: who placed a diameter's line; TRMETHOD stays the imaging method (CT SCAN).
    "TRMEASMT": SponsorQualifier("SUPPTR", "Measurement Method", "Who placed the diameter's caliper on the image.", {
        "MANUAL": "Drawn by the reader.",
        "PROPOSED": "Proposed by the workstation's measuring tool from a stroke across the lesion and accepted "
                    "by the reader as it was.",
        "PROPOSED EDITED": "Proposed by the workstation's measuring tool and moved by the reader.",
    }),
    # Issue 18: which of a lesion's diameters RECIST 1.1 uses, where the export keeps both ([sdtm] diameters).
    "TRRECIST": SponsorQualifier("SUPPTR", "Diameter Used by RECIST",
                                 "Whether RECIST 1.1 uses this diameter: the longest diameter of a lesion, the short "
                                 "axis of a lymph node (LDIAM, LPERP with TULOC LYMPH NODE).", {
                                     "Y": "The diameter RECIST 1.1 sums and compares.",
                                     "N": "The other axis, drawn by the reader and exported for reference only.",
                                 }, derived=True),
    # Issue 18: a lymph node's TULOC is LYMPH NODE (the term analysis code tests); its station, and any location
    # finer than TULOC, TULAT and TUDIR say, is kept here.
    "TULOCTXT": SponsorQualifier("SUPPTU", "Location as Recorded",
                                 "The reader's words for the lesion's location where they say more than TULOC, "
                                 "TULAT and TUDIR (a lymph node station, a liver segment)."),
}
#: Supplemental dataset → QNAM → QLABEL.
QUALIFIER_LABELS: Mapping[str, Mapping[str, str]] = {
    dataset: {**(SUPPTU_QUALIFIERS if dataset == "SUPPTU" else {}),
              **{qnam: q.label for qnam, q in SPONSOR_QUALIFIERS.items() if q.dataset == dataset}}
    for dataset in ("SUPPTU", "SUPPTR")}
#: QNAM → the values its QVAL may take (None: free text).
QUALIFIER_VALUES: Mapping[str, frozenset[str] | None] = {
    **{qnam: frozenset({"Y", "N"}) for qnam in SUPPTU_QUALIFIERS},
    **{qnam: frozenset(q.values) or None for qnam, q in SPONSOR_QUALIFIERS.items()}}

#: Trial summary parameters (C66738 / C67152): the export's own and the profile's ``[trial_summary]`` (issue 18).
TS_PARAMETERS = {**TS_EXPORT_PARAMETERS, **TS_SPONSOR_PARAMETERS}
#: Terms of the trial design and procedure domains (issue 18) that CDISC.md does not list: the TS parameters above,
#: the gray (C18063, UNIT C71620) of the SBRT dose and PR's (or EX's) sequence number as RELREC's IDVAR.
BEYOND_CDISC_MD = frozenset({*TS_PARAMETERS, *TS_PARAMETERS.values(), "Gy", "PRSEQ", "EXSEQ"})

#: Allowed terms of every controlled variable we write.
CONTROLLED: Mapping[str, frozenset[str]] = {
    "DOMAIN": frozenset({"DM", "TU", "TR", "RS", "TS", "TV", "SV", "PR", "EX"}),
    "RDOMAIN": frozenset({"TU", "TR", "PR", "EX"}), "TSPARMCD": frozenset(TS_PARAMETERS),
    "TSPARM": frozenset(TS_PARAMETERS.values()), "PRDOSU": frozenset({"Gy"}), "EXDOSU": frozenset({"Gy"}),
    "TUTESTCD": frozenset(TU_TESTS), "TUTEST": frozenset(TU_TESTS.values()),
    "TUORRES": LESION_CATEGORIES, "TUSTRESC": LESION_CATEGORIES, "TULOC": LOCATIONS, "TULAT": LATERALITY,
    "TUDIR": DIRECTIONALITY, "TUPORTOT": PORTION, "TUMETHOD": METHODS, "TUEVAL": EVALUATORS,
    "TUEVALID": EVALUATOR_IDS, "TUACPTFL": FLAG, "TULOBXFL": FLAG, "TUBLFL": FLAG,
    "TRGRPID": TR_GROUPS, "TRTESTCD": frozenset(TR_TESTS), "TRTEST": frozenset(TR_TESTS.values()),
    "TRORRESU": UNITS, "TRSTRESU": UNITS, "TRSTAT": NOT_DONE, "TRREASND": REASONS_NOT_DONE, "TRMETHOD": METHODS,
    "TREVAL": EVALUATORS, "TREVALID": EVALUATOR_IDS, "TRACPTFL": FLAG, "TRLOBXFL": FLAG, "TRBLFL": FLAG,
    "RSTESTCD": frozenset(RS_TESTS), "RSTEST": frozenset(RS_TESTS.values()), "RSCAT": RS_CATEGORIES,
    "RSSCAT": RS_SUBCATEGORIES, "RSORRES": RS_RESULTS, "RSSTRESC": RS_RESULTS, "RSSTAT": NOT_DONE,
    "RSEVAL": EVALUATORS, "RSEVALID": EVALUATOR_IDS, "RSACPTFL": FLAG, "RSLOBXFL": FLAG, "RSBLFL": FLAG,
    "RSDRVFL": FLAG, "EPOCH": EPOCHS,
    "IDVAR": frozenset({"TULNKID", "TRSEQ", "PRSEQ", "EXSEQ"}), "QNAM": frozenset(QUALIFIER_VALUES),
    "QLABEL": frozenset(label for labels in QUALIFIER_LABELS.values() for label in labels.values()),
    "QEVAL": EVALUATORS,
}
#: Result variables that hold a number or one of these terms (§3.2, §3.3).
NUMERIC_OR_TERM: Mapping[str, frozenset[str]] = {
    "TRORRES": TR_CHARACTER_RESULTS | {TOO_SMALL_TO_MEASURE},
    "TRSTRESC": TR_CHARACTER_RESULTS,
}
#: Code → name pairs that must match on one row.
PAIRED: tuple[tuple[str, str, Mapping[str, str]], ...] = (
    ("TUTESTCD", "TUTEST", TU_TESTS), ("TRTESTCD", "TRTEST", TR_TESTS), ("RSTESTCD", "RSTEST", RS_TESTS),
    ("TSPARMCD", "TSPARM", TS_PARAMETERS),
    ("QNAM", "QLABEL", {qnam: label for labels in QUALIFIER_LABELS.values() for qnam, label in labels.items()}),
)
#: Code → the values a variable of the same row may take (a qualifier's QVAL by its QNAM).
VALUES_BY_CODE: tuple[tuple[str, str, Mapping[str, frozenset[str] | None]], ...] = (
    ("QNAM", "QVAL", QUALIFIER_VALUES),)

#: SDTMIG v3.4 variable labels (≤ 40 characters; CDISC.md §2–§5) of every variable we write.
VARIABLE_LABELS: Mapping[str, str] = {
    "STUDYID": "Study Identifier", "DOMAIN": "Domain Abbreviation", "USUBJID": "Unique Subject Identifier",
    "TUSEQ": "Sequence Number", "TUGRPID": "Group ID", "TUREFID": "Reference ID", "TULNKID": "Link ID",
    "TUTESTCD": "Tumor/Lesion ID Short Name", "TUTEST": "Tumor/Lesion ID Test Name",
    "TUORRES": "Tumor/Lesion ID Result", "TUSTRESC": "Tumor/Lesion ID Result Std. Format",
    "TULOC": "Location of the Tumor/Lesion", "TULAT": "Laterality", "TUDIR": "Directionality",
    "TUMETHOD": "Method of Identification", "TUEVAL": "Evaluator", "TUEVALID": "Evaluator Identifier",
    "TUACPTFL": "Accepted Record Flag", "VISITNUM": "Visit Number", "VISIT": "Visit Name",
    "TUDTC": "Date/Time of Tumor/Lesion Identification", "TUDY": "Study Day of Tumor/Lesion Identification",
    "TRSEQ": "Sequence Number", "TRGRPID": "Group ID", "TRREFID": "Reference ID", "TRLNKID": "Link ID",
    "TRLNKGRP": "Link Group", "TRTESTCD": "Tumor/Lesion Assessment Short Name",
    "TRTEST": "Tumor/Lesion Assessment Test Name", "TRORRES": "Result or Finding in Original Units",
    "TRORRESU": "Original Units", "TRSTRESC": "Character Result/Finding in Std Format",
    "TRSTRESN": "Numeric Result/Finding in Standard Units", "TRSTRESU": "Standard Units",
    "TRSTAT": "Completion Status", "TRREASND": "Reason Not Done",
    "TRMETHOD": "Method Used to Identify the Tumor/Lesion", "TREVAL": "Evaluator",
    "TREVALID": "Evaluator Identifier", "TRACPTFL": "Accepted Record Flag",
    "TRDTC": "Date/Time of Tumor/Lesion Measurement", "TRDY": "Study Day of Tumor/Lesion Measurement",
    "RSSEQ": "Sequence Number", "RSLNKGRP": "Link Group ID", "RSTESTCD": "Assessment Short Name",
    "RSTEST": "Assessment Name", "RSCAT": "Category for Assessment", "RSSCAT": "Subcategory",
    "RSORRES": "Result or Finding in Original Units", "RSSTRESC": "Character Result/Finding in Std Format",
    "RSEVAL": "Evaluator", "RSEVALID": "Evaluator Identifier", "RSACPTFL": "Accepted Record Flag",
    "RSDTC": "Date/Time of Assessment", "RSDY": "Study Day of Assessment",
    "RDOMAIN": "Related Domain Abbreviation", "IDVAR": "Identifying Variable",
    "IDVARVAL": "Identifying Variable Value", "QNAM": "Qualifier Variable Name",
    "QLABEL": "Qualifier Variable Label", "QVAL": "Data Value", "QORIG": "Origin", "QEVAL": "Evaluator",
    "TULOBXFL": "Last Observation Before Exposure Flag", "TRLOBXFL": "Last Observation Before Exposure Flag",
    "EPOCH": "Epoch", "SUBJID": "Subject Identifier for the Study", "RFSTDTC": "Subject Reference Start Date/Time",
    "RFXSTDTC": "Date/Time of First Study Treatment", "SITEID": "Study Site Identifier", "SEX": "Sex",
    "ARMCD": "Planned Arm Code", "ARM": "Description of Planned Arm", "ACTARMCD": "Actual Arm Code",
    "ACTARM": "Description of Actual Arm", "ARMNRS": "Reason Arm and/or Actual Arm is Null", "COUNTRY": "Country",
    "TSSEQ": "Sequence Number", "TSPARMCD": "Trial Summary Parameter Short Name",
    "TSPARM": "Trial Summary Parameter", "TSVAL": "Parameter Value", "TVSTRL": "Visit Start Rule",
    "TVENRL": "Visit End Rule", "SVSTDTC": "Start Date/Time of Visit", "SVENDTC": "End Date/Time of Visit",
    "SVSTDY": "Study Day of Start of Visit", "SVENDY": "Study Day of End of Visit",
    "SVUPDES": "Description of Unplanned Visit", "PRSEQ": "Sequence Number",
    "PRTRT": "Reported Name of Procedure", "PRCAT": "Category", "PRLOC": "Location of Procedure",
    "PRDOSE": "Dose", "PRDOSU": "Dose Units", "PRDOSRGM": "Intended Dose Regimen",
    "PRSTDTC": "Start Date/Time of Procedure", "PRENDTC": "End Date/Time of Procedure",
    "PRSTDY": "Study Day of Start of Procedure", "PRENDY": "Study Day of End of Procedure",
    "EXSEQ": "Sequence Number", "EXTRT": "Name of Treatment", "EXCAT": "Category of Treatment",
    "EXLOC": "Location of Dose Administration", "EXDOSE": "Dose", "EXDOSU": "Dose Units",
    "EXDOSRGM": "Intended Dose Regimen", "EXSTDTC": "Start Date/Time of Treatment",
    "EXENDTC": "End Date/Time of Treatment", "EXSTDY": "Study Day of Start of Treatment",
    "EXENDY": "Study Day of End of Treatment",
    "RELTYPE": "Relationship Type", "RELID": "Relationship Identifier",
}
#: Dataset labels (SDTMIG v3.4 domain names; CDISC.md §1).
DATASET_LABELS: Mapping[str, str] = {"DM": "Demographics", "TU": "Tumor/Lesion Identification",
                                     "TR": "Tumor/Lesion Results",
                                     "RS": "Disease Response and Clin Classification",
                                     "SUPPTU": "Supplemental Qualifiers for TU",
                                     "SUPPTR": "Supplemental Qualifiers for TR", "TS": "Trial Summary",
                                     "TV": "Trial Visits", "SV": "Subject Visits", "PR": "Procedures",
                                     "EX": "Exposure",
                                     "RELREC": "Related Records"}

_NODE_FIRST = re.compile(r"^LYMPH NODES?,\s*(?P<station>.+)$")


@dataclass(frozen=True)
class LocationTerms:
    """TULOC / TULAT / TUDIR for a reader's location text; ``exact`` when nothing was dropped."""

    tuloc: str
    tulat: str
    tudir: str
    exact: bool


def location_terms(text: str) -> LocationTerms:
    """The listed C74456 location (with laterality and directionality) that ``text`` names.

    ``LUNG, LEFT UPPER LOBE`` is a listed term as it is; ``LYMPH NODE, SUBCARINAL`` becomes
    ``SUBCARINAL LYMPH NODE``; otherwise the organ before the comma is kept when listed and the words
    after it give TULAT (``RIGHT``) and TUDIR (``LOWER``): ``LUNG, RIGHT LOWER LOBE`` → ``LUNG``,
    ``RIGHT``, ``LOWER`` (not exact: "LOBE" is dropped). An unlisted organ gives an empty TULOC.
    """
    clean = " ".join(text.upper().split())
    if clean in LOCATIONS:
        return LocationTerms(clean, "", "", True)
    node = _NODE_FIRST.match(clean)
    if node and f"{node['station']} LYMPH NODE" in LOCATIONS:
        return LocationTerms(f"{node['station']} LYMPH NODE", "", "", True)
    organ, _, rest = clean.partition(",")
    organ = organ.strip()
    if organ == "LYMPH NODES":
        organ = "LYMPH NODE"
    if organ not in LOCATIONS:
        return LocationTerms("", "", "", not clean)
    words = re.findall(r"[A-Z-]+", rest)
    tulat = next((w for w in words if w in LATERALITY), "")
    tudir = next((w for w in words if w in DIRECTIONALITY and w != tulat), "")
    exact = not [w for w in words if w not in (tulat, tudir)]
    return LocationTerms(organ, tulat, tudir, exact)


def is_number(text: str) -> bool:
    """True for a finite decimal number written as text (``-45.3``, ``5``)."""
    try:
        return Decimal(text).is_finite()
    except InvalidOperation:
        return False


def check_table(dataset: str, columns: Sequence[str], rows: Iterable[Sequence[CellValue]]) -> int:
    """Check every controlled value of a table against the listed terms; return the rows checked.

    Raises
    ------
    CdiscTermError
        At the first value that is not a listed term (or not a number where a number is due), or
        a code whose name does not match it (``TRTESTCD``/``TRTEST``, ``QNAM``/``QLABEL`` …), or an
        RS result outside its category's results (iRECIST values only under ``RSCAT = iRECIST``).
    """
    index = {name: i for i, name in enumerate(columns)}
    terms = [(i, name, CONTROLLED[name]) for name, i in index.items() if name in CONTROLLED]
    numeric = [(i, name, NUMERIC_OR_TERM[name]) for name, i in index.items() if name in NUMERIC_OR_TERM]
    pairs = [(index[c], index[n], n, table) for c, n, table in PAIRED if c in index and n in index]
    values_by_code = [(index[c], index[n], n, table) for c, n, table in VALUES_BY_CODE if c in index and n in index]
    by_category = [(index["RSCAT"], index[name], name) for name in ("RSORRES", "RSSTRESC")
                   if "RSCAT" in index and name in index]
    count = 0
    for count, row in enumerate(rows, start=1):
        for i, name, allowed in terms:
            value = row[i]
            if value not in (None, "") and value not in allowed:
                raise CdiscTermError(dataset, name, str(value), count - 1, tuple(sorted(allowed)))
        for i, name, allowed in numeric:
            value = row[i]
            if value not in (None, "") and value not in allowed and not is_number(str(value)):
                raise CdiscTermError(dataset, name, str(value), count - 1, tuple(sorted(allowed)))
        for code, name_index, name, table in pairs:
            if row[code] not in (None, "") and table.get(str(row[code])) != row[name_index]:
                raise CdiscTermError(dataset, name, str(row[name_index]), count - 1, (table.get(str(row[code]), ""),))
        for code, value_index, name, values in values_by_code:
            listed = values.get(str(row[code]), frozenset())  # None: free text
            if row[code] not in (None, "") and listed is not None and row[value_index] not in listed:
                raise CdiscTermError(dataset, name, str(row[value_index]), count - 1, tuple(sorted(listed)))
        for category, i, name in by_category:
            results = RS_RESULTS_BY_CATEGORY.get(str(row[category]))
            if results is not None and row[i] not in (None, "") and row[i] not in results:
                raise CdiscTermError(dataset, name, str(row[i]), count - 1, tuple(sorted(results)))
    return count
