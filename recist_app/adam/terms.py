"""ADaM names: parameters (PARAMCD → PARAM), the coding of responses in AVAL, dataset and variable labels
(ADaMIG v1.3; the parameter names are admiralonco's, CDISC.md §9; sponsor-defined ones are marked so in
define.xml)."""

from __future__ import annotations

from collections.abc import Mapping

#: AVAL of a RECIST 1.1 response (admiralonco ``aval_resp``); ND has none.
RECIST_AVAL: Mapping[str, int] = {"CR": 1, "PR": 2, "SD": 3, "NON-CR/NON-PD": 4, "PD": 5, "NE": 6, "MISSING": 7}
#: AVAL of an iRECIST response (the order of RULES §2.6).
IRECIST_AVAL: Mapping[str, int] = {"iCR": 1, "iPR": 2, "iSD": 3, "NON-iCR/NON-iUPD": 4, "iUPD": 5, "iCPD": 6,
                                   "NE": 7, "MISSING": 8}
#: AVAL of a Y/N parameter (admiralonco ``yn_to_numeric``).
YES_NO_AVAL: Mapping[str, int] = {"Y": 1, "N": 0}

TUMOR_RESPONSE = "Tumor Response"
REFERENCE_EVENT = "Reference Event"
RECIST11 = "RECIST 1.1"
IRECIST = "iRECIST"
PROTOCOL_DEFINED = "Protocol Defined"

#: ADRS parameters: PARAMCD → (PARAM, PARCAT1, PARCAT2). PARAM never names the evaluator, so that it stays one to
#: one with PARAMCD: RSEVAL / RSEVALID say whose read a record is.
ADRS_PARAMS: Mapping[str, tuple[str, str, str]] = {
    "OVR": ("Overall Response", TUMOR_RESPONSE, RECIST11),
    "PD": ("Disease Progression", TUMOR_RESPONSE, RECIST11),
    "BOR": ("Best Overall Response", TUMOR_RESPONSE, RECIST11),
    "CBOR": ("Best Confirmed Overall Response", TUMOR_RESPONSE, RECIST11),
    "RSP": ("Response", TUMOR_RESPONSE, RECIST11),
    "CRSP": ("Confirmed Response", TUMOR_RESPONSE, RECIST11),
    "BCP": ("Best Overall Response of CR/PR", TUMOR_RESPONSE, RECIST11),
    "CBCP": ("Best Confirmed Overall Response of CR/PR", TUMOR_RESPONSE, RECIST11),
    "CB": ("Clinical Benefit", TUMOR_RESPONSE, RECIST11),
    "CCB": ("Confirmed Clinical Benefit", TUMOR_RESPONSE, RECIST11),
    "LSTA": ("Last Disease Assessment", TUMOR_RESPONSE, RECIST11),
    "MDIS": ("Measurable Disease at Baseline", TUMOR_RESPONSE, RECIST11),
    "DEATH": ("Death", REFERENCE_EVENT, ""),
    "IOVR": ("iRECIST Overall Response", TUMOR_RESPONSE, IRECIST),
    "IBOR": ("iRECIST Best Overall Response", TUMOR_RESPONSE, IRECIST),
    "IUPD": ("iRECIST Unconfirmed Progression", TUMOR_RESPONSE, IRECIST),
    "ICPD": ("iRECIST Confirmed Progression", TUMOR_RESPONSE, IRECIST),
    "TRGIRR": ("Target Response of Irradiated Lesions", TUMOR_RESPONSE, PROTOCOL_DEFINED),
    "TRGNIR": ("Target Response of Non-irradiated Lesions", TUMOR_RESPONSE, PROTOCOL_DEFINED),
    "BORIRR": ("Best Target Response of Irradiated Lesions", TUMOR_RESPONSE, PROTOCOL_DEFINED),
    "BORNIR": ("Best Target Response of Non-irradiated Lesions", TUMOR_RESPONSE, PROTOCOL_DEFINED),
}
#: ADTTE parameters: PARAMCD → PARAM.
ADTTE_PARAMS: Mapping[str, str] = {
    "PFS": "Progression Free Survival",
    "IPFS": "iRECIST Progression Free Survival",
    "RSD": "Duration of Response",
    "OS": "Overall Survival",
    "GMI": "PFS Ratio to Previous Line (GMI)",
}
#: Parameters no CDISC or admiralonco convention names: ours, said so in define.xml.
SPONSOR_PARAMS = frozenset({"TRGIRR", "TRGNIR", "BORIRR", "BORNIR", "GMI", "SDIAMIRR", "SDIAMNIR"})

DATASET_LABELS: Mapping[str, str] = {
    "ADSL": "Subject-Level Analysis Dataset",
    "ADRS": "Response Analysis Dataset",
    "ADTTE": "Time-to-Event Analysis Dataset",
    "ADTR": "Tumor Results Analysis Dataset",
}
STRUCTURES: Mapping[str, str] = {
    "ADSL": "One record per subject",
    "ADRS": "One record per subject per read per parameter per analysis date",
    "ADTTE": "One record per subject per read per parameter",
    "ADTR": "One record per subject per read per parameter per analysis visit",
}
VARIABLE_LABELS: Mapping[str, str] = {
    "STUDYID": "Study Identifier", "USUBJID": "Unique Subject Identifier", "SUBJID": "Subject Identifier for the Study",
    "SITEID": "Study Site Identifier", "ARM": "Description of Planned Arm", "ACTARM": "Description of Actual Arm",
    "TRT01P": "Planned Treatment for Period 01", "TRT01A": "Actual Treatment for Period 01",
    "RANDDT": "Date of Randomization", "TRTSDT": "Date of First Exposure to Treatment", "DTHDT": "Date of Death",
    "DTHFL": "Subject Death Flag", "LSTALVDT": "Date Last Known Alive", "ITTFL": "Intent-To-Treat Population Flag",
    "SAFFL": "Safety Population Flag", "PFSPRVDY": "Previous-Line PFS (days)",
    "PFSPRVCN": "Previous-Line PFS Censoring (1 censored)",
    "RSEVAL": "Evaluator", "RSEVALID": "Evaluator Identifier", "RSACPTFL": "Accepted Record Flag",
    "TREVAL": "Evaluator", "TREVALID": "Evaluator Identifier", "TRACPTFL": "Accepted Record Flag",
    "ASEQ": "Analysis Sequence Number", "PARAMCD": "Parameter Code", "PARAM": "Parameter",
    "PARCAT1": "Parameter Category 1", "PARCAT2": "Parameter Category 2", "AVALC": "Analysis Value (C)",
    "AVAL": "Analysis Value", "AVALU": "Analysis Value Unit", "ADT": "Analysis Date",
    "ADTF": "Analysis Date Imputation Flag", "ADY": "Analysis Relative Day", "AVISIT": "Analysis Visit",
    "AVISITN": "Analysis Visit (N)", "ANL01FL": "Analysis Flag 01", "ANL02FL": "Analysis Flag 02",
    "SRCDOM": "Source Data", "SRCVAR": "Source Variable", "SRCSEQ": "Source Sequence Number",
    "STARTDT": "Time-to-Event Origin Date for Subject", "CNSR": "Censor", "EVNTDESC": "Event or Censoring Description",
    "CNSDTDSC": "Censor Date Description", "ABLFL": "Baseline Record Flag", "BASE": "Baseline Value",
    "CHG": "Change from Baseline", "PCHG": "Percent Change from Baseline", "NADIR": "Nadir Value",
    "CHGNAD": "Change from Nadir", "PCHGNAD": "Percent Change from Nadir", "TRLNKID": "Link ID",
}
