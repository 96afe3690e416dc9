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
#: How each parameter is derived (define.xml MethodDef), by PARAMCD without its lesion number (LDIAM1 → LDIAM).
METHODS: Mapping[str, str] = {
    "OVR": "The read's RECIST 1.1 time-point response (RS OVRLRESP, RSCAT RECIST 1.1; RULES §1.8), one record per "
           "assessment.",
    "PD": "Y, dated, at the read's first assessment with overall response PD; N, undated, when it has none.",
    "BOR": "Best overall response without confirmation (RULES §1.10; admiralonco event_bor): the best assessment up "
           "to the first PD, SD counting only from the profile's minimum SD duration after the start date.",
    "CBOR": "Best overall response with confirmation (RULES §1.10; admiralonco confirmed BOR): CR and PR need a "
            "confirming assessment at least the profile's confirmation interval later.",
    "RSP": "Y, dated, at the first CR or PR up to the first PD (admiralonco rsp_y); N otherwise.",
    "CRSP": "Y, dated, at the first CR or PR confirmed as for CBOR; N otherwise.",
    "BCP": "Y when BOR is CR or PR, N otherwise.",
    "CBCP": "Y when CBOR is CR or PR, N otherwise.",
    "CB": "Clinical benefit (admiralonco derive_param_clinbenefit): Y, dated, at the earlier of the first response and "
          "the first CR, PR, SD or NON-CR/NON-PD at least the profile's minimum SD duration after the start date; "
          "N otherwise.",
    "CCB": "As CB, with the first confirmed response.",
    "LSTA": "The read's last assessment with a response, also after PD.",
    "MDIS": "Y when the read has a target lesion (TU TUSTRESC TARGET), N otherwise.",
    "DEATH": "Y with the date of death when ADSL has one; N otherwise.",
    "IOVR": "The read's iRECIST time-point response (RS OVRLRESP, RSCAT iRECIST; RULES §2.5), one record per "
            "assessment up to iCPD.",
    "IBOR": "iRECIST best overall response (RULES §2.6, iRECIST Table 3).",
    "IUPD": "Y, dated at the first iUPD of the last block, when the read ends in an iUPD never confirmed (RULES §2.7, "
            "A13); N otherwise.",
    "ICPD": "Y, dated at the iUPD that iCPD confirmed (RULES §2.7; admiralonco iCPD), N otherwise.",
    "TRGIRR": "Target response of the irradiated lesions alone (RS TRGRESP, RSSCAT IRRADIATED LESIONS; RULES §3), "
              "one record per assessment up to the first PD. Sponsor-defined.",
    "TRGNIR": "Target response of the non-irradiated lesions alone (RS TRGRESP, RSSCAT NON-IRRADIATED LESIONS; RULES "
              "§3), one record per assessment up to the first PD. Sponsor-defined.",
    "BORIRR": "Best of TRGIRR, by the BOR rule. Sponsor-defined.",
    "BORNIR": "Best of TRGNIR, by the BOR rule. Sponsor-defined.",
    "PFS": "Days from STARTDT to the first PD or death, + 1 (RULES §4.1, A12); censored (CNSR 1) at the last "
           "evaluable assessment, or at STARTDT without one.",
    "IPFS": "As PFS, the event the iUPD later confirmed as iCPD, or an iUPD never confirmed (RULES §2.7, A13).",
    "RSD": "Duration of response, for responders: days from the first response (confirmed when the profile requires "
           "confirmation, A7) to PD or death, + 1; censored as PFS.",
    "OS": "Days from STARTDT to death, + 1; censored at the date last known alive.",
    "GMI": "Growth modulation index (RULES §4.2, A10): this line's PFS over the previous line's PFS (AVALU RATIO); "
           "CNSR 0 when both are events, 1 when only this line's PFS is censored (a lower bound), else null. "
           "Sponsor-defined.",
    "LDIAM": "The target's diameter at the visit in mm (TR LDIAM), its number the target's order at baseline.",
    "NLDIAM": "The target lymph node's short axis at the visit in mm (TR LPERP), numbered as LDIAM.",
    "SDIAM": "Sum of the targets' RECIST diameters at the visit in mm (RULES §1.3); ANL01FL Y when every baseline "
             "target has one.",
    "SDIAMIRR": "SDIAM over the irradiated targets (SUPPTU TUIRRSTD Y). Sponsor-defined.",
    "SDIAMNIR": "SDIAM over the non-irradiated targets. Sponsor-defined.",
}
#: The variable each BDS dataset's value-level metadata describes per PARAMCD (define.xml).
VALUE_VARIABLES: Mapping[str, str] = {"ADRS": "AVALC", "ADTTE": "AVAL", "ADTR": "AVAL"}
#: Each dataset's keys (define.xml KeySequence); unique on every export (tested).
KEYS: Mapping[str, tuple[str, ...]] = {
    "ADSL": ("STUDYID", "USUBJID"),
    "ADRS": ("STUDYID", "USUBJID", "RSEVAL", "RSEVALID", "PARAMCD", "ADT", "ASEQ"),
    "ADTTE": ("STUDYID", "USUBJID", "RSEVAL", "RSEVALID", "PARAMCD"),
    "ADTR": ("STUDYID", "USUBJID", "TREVAL", "TREVALID", "PARAMCD", "AVISITN"),
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
