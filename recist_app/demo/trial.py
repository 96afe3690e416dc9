"""The STEREOSARC demo trial (issue 5): three subjects whose lesions shrink, grow, disappear, appear.

Written by hand, categories included: every expected category below was derived from
``RULES.md`` with the arithmetic shown in its ``why`` (percentages truncated toward zero, as the
engine prints them), never copied from the engine. Profile: ``resources/profiles/stereosarc.toml``
(no CR/PR confirmation required for the protocol response, SD window 42 days from randomisation,
confirmation interval 28 days, iRECIST confirmation ≥ 26 days, local PD ≥ 20 % and ≥ 5 mm).

- **STS-001** (SBRT + atezolizumab): PR at week 8 confirmed at week 16; the irradiated lung
  lesion shrinks and the out-of-field lesions shrink ≥ 30 % (abscopal); T02 disappears.
- **STS-002** (SBRT): the irradiated lung lesion swells after SBRT (+24 %, +6 mm), marked
  radiation-induced, so local control holds; overall SD.
- **STS-003** (SBRT + atezolizumab): a new liver lesion at week 12 gives RECIST PD / iRECIST iUPD;
  it grows 7 mm by week 18, which confirms iCPD. The out-of-field liver target reaches +20.0 %
  exactly at week 18 (subset PD on the inclusive boundary, A2) while the overall targets stay SD.

Slices are 5 mm thick (RULES §1.1: measurable ≥ 10 mm; nodes ≥ 15 mm short axis as targets).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from assessment.domain import LesionRole, Response, Status
from assessment.irecist import IResponse
from recist_app.demo.design import (
    DemoDesign,
    DemoLesion,
    DemoSubject,
    DemoVisit,
    Expected,
    ExpectedOutcome,
    Sbrt,
    Size,
)

TARGET, NON_TARGET, NEW = LesionRole.TARGET, LesionRole.NON_TARGET, LesionRole.NEW
PR, SD, PD = Response.PR, Response.SD, Response.PD
IPR, ISD, IUPD, ICPD = IResponse.IPR, IResponse.ISD, IResponse.IUPD, IResponse.ICPD
#: Densities (HU): soft-tissue lesions on lung (−850), liver (60), mediastinal fat and muscle (40).
LUNG_LESION_HU, LIVER_LESION_HU, NODE_HU, SOFT_TISSUE_LESION_HU = 35.0, 20.0, 40.0, 70.0
ARM_COMBINED, ARM_SBRT = "SBRT + atezolizumab", "SBRT"


def mm(lesion_id: str, long_mm: int | str, short_mm: int | str, *, radiation_induced: bool = False) -> Size:
    """A measured lesion (targets and new lesions): long and short axis in mm."""
    return Size(lesion_id, Decimal(long_mm), Decimal(short_mm), Status.MEASURED, radiation_induced)


def gone(lesion_id: str) -> Size:
    """A target judged to have disappeared: 0 mm (RULES §1.4), not drawn."""
    return Size(lesion_id, Decimal(0), Decimal(0), Status.DISAPPEARED)


def seen(lesion_id: str, long_mm: int | str, short_mm: int | str) -> Size:
    """A non-target lesion present (RULES §1.6); its size only shapes the image."""
    return Size(lesion_id, Decimal(long_mm), Decimal(short_mm), Status.PRESENT)


STS_001 = DemoSubject(
    "STS-001", ARM_COMBINED, date(2024, 1, 8), date(2024, 1, 15), 120,
    "PR at week 8 confirmed at week 16; irradiated T01 shrinks; out-of-field targets shrink ≥ 30 % "
    "(abscopal); T02 disappears at week 16.",
    lesions=(
        DemoLesion("T01", TARGET, "LUNG, RIGHT LOWER LOBE", (-85.0, 0.0, 0.1), LUNG_LESION_HU,
                   sbrt=Sbrt(date(2024, 1, 15), date(2024, 1, 19), Decimal(45), 3)),
        DemoLesion("T02", TARGET, "LUNG, LEFT UPPER LOBE", (85.0, 5.0, 0.6), LUNG_LESION_HU),
        DemoLesion("T03", TARGET, "LYMPH NODE, SUBCARINAL", (-5.0, 25.0, 0.3), NODE_HU, nodal=True,
                   angle_deg=90.0),
        DemoLesion("T04", TARGET, "LIVER, SEGMENT VI", (-80.0, 25.0, -0.6), LIVER_LESION_HU),
        DemoLesion("NT01", NON_TARGET, "LUNG, LEFT LOWER LOBE", (70.0, -25.0, 0.1), LUNG_LESION_HU),
    ),
    visits=(
        # Baseline: 32 + 24 + 18 (node short axis) + 30 = 104 mm; in field 32, out of field 72.
        DemoVisit("V0", "BASELINE", date(2024, 1, 10), (
            mm("T01", 32, 20), mm("T02", 24, 16), mm("T03", 26, 18), mm("T04", 30, 22), seen("NT01", 8, 6))),
        DemoVisit("V1", "WEEK 8", date(2024, 3, 11), (
            mm("T01", 21, 14), mm("T02", 14, 10), mm("T03", 19, 12), mm("T04", 19, 14), seen("NT01", 7, 5)),
            Expected(PR, IPR, PR, PR, True, True, (),
                     "21 + 14 + 12 + 19 = 66 mm is −36.5 % from baseline 104 mm (≤ −30 %) → target PR "
                     "(RULES §1.5); NT01 present → NON-CR/NON-PD (§1.6); no new lesion → PR (§1.8 Table 1) "
                     "and iPR (§2.5). In field T01 21 mm −34.3 % → PR. Out of field 45 mm −37.5 % from 72 mm "
                     "→ PR and abscopal by sum; T02 −41.6 % → abscopal by lesion (§3.2).")),
        DemoVisit("V2", "WEEK 16", date(2024, 5, 6), (
            mm("T01", 16, 10), gone("T02"), mm("T03", 14, 9), mm("T04", 15, 11), seen("NT01", 6, 5)),
            Expected(PR, IPR, PR, PR, True, True, (),
                     "16 + 0 + 9 + 15 = 40 mm is −61.5 % from 104 mm → PR; not CR: T01 and T04 are > 0 mm "
                     "although T02 disappeared (0 mm, §1.4) and node T03 is < 10 mm (§1.5); NT01 present "
                     "→ PR (§1.8), iPR. In field 16 mm −50.0 % → PR. Out of field 24 mm −66.6 % → PR, "
                     "abscopal by sum and by lesion (T02 −100 %).")),
        DemoVisit("V3", "WEEK 24", date(2024, 7, 1), (
            mm("T01", 13, 9), gone("T02"), mm("T03", 12, 8), mm("T04", 12, 9), seen("NT01", 6, 5)),
            Expected(PR, IPR, PR, PR, True, True, (),
                     "13 + 0 + 8 + 12 = 33 mm is −68.2 % from 104 mm and below the nadir 40 mm (no PD) → "
                     "PR, iPR. In field 13 mm −59.3 % → PR. Out of field 20 mm −72.2 % → PR, abscopal "
                     "by sum and by lesion.")),
    ),
    outcome=ExpectedOutcome(
        PR, PR, IPR, 176, True, "> 1.33",
        "BOR PR (2024-03-11); confirmed BOR PR: PR again 56 days later (≥ 28, RULES §1.10, A8b); iBOR "
        "iPR (§2.6). No PD: PFS censored at the last evaluable assessment 2024-07-01, 2024-07-01 − "
        "2024-01-08 + 1 = 176 days (A11, A12). GMI 176 / 120 = 1.466, a lower bound already > 1.33 "
        "→ '> 1.33' (A10)."),
)

STS_002 = DemoSubject(
    "STS-002", ARM_SBRT, date(2024, 2, 5), date(2024, 2, 12), 210,
    "SBRT to T01 (lung) and T02 (liver); T01 swells after SBRT (+24 %, +6 mm), marked radiation-induced "
    "(local control holds); overall SD. NT01 lies in a field irradiated before the study.",
    lesions=(
        DemoLesion("T01", TARGET, "LUNG, RIGHT UPPER LOBE", (-80.0, -10.0, 0.6), LUNG_LESION_HU,
                   sbrt=Sbrt(date(2024, 2, 12), date(2024, 2, 16), Decimal(45), 3)),
        DemoLesion("T02", TARGET, "LIVER, SEGMENT VII", (-85.0, 30.0, -0.6), LIVER_LESION_HU,
                   sbrt=Sbrt(date(2024, 2, 19), date(2024, 2, 23), Decimal(50), 5)),
        DemoLesion("T03", TARGET, "LUNG, LEFT LOWER LOBE", (85.0, 10.0, 0.1), LUNG_LESION_HU),
        DemoLesion("NT01", NON_TARGET, "CHEST WALL, ANTERIOR", (0.0, -85.0, 0.6), SOFT_TISSUE_LESION_HU,
                   previously_irradiated=True),
    ),
    visits=(
        # Baseline: 25 + 35 + 20 = 80 mm; in field (T01, T02) 60 mm, out of field (T03) 20 mm.
        DemoVisit("V0", "BASELINE", date(2024, 2, 1), (
            mm("T01", 25, 18), mm("T02", 35, 26), mm("T03", 20, 14), seen("NT01", 14, 10))),
        DemoVisit("V1", "WEEK 8", date(2024, 4, 8), (
            mm("T01", 31, 24, radiation_induced=True), mm("T02", 30, 22), mm("T03", 21, 15),
            seen("NT01", 14, 10)),
            Expected(SD, ISD, SD, SD, False, False, (),
                     "31 + 30 + 21 = 82 mm is +2.5 % from baseline (PR needs ≤ −30 %) and +2.5 %, +2 mm "
                     "over the nadir 80 mm (PD needs ≥ +20 % and ≥ +5 mm) → SD (RULES §1.5); NT01 present → "
                     "SD (§1.8), iSD. In field 61 mm +1.6 % → SD; out of field T03 21 mm +5.0 % → SD, no "
                     "abscopal response. T01 31 mm is +24.0 % and +6 mm over its own nadir 25 mm, local "
                     "PD by numbers, but the reader marked it radiation-induced → locally controlled (A9).")),
        DemoVisit("V2", "WEEK 16", date(2024, 6, 3), (
            mm("T01", 27, 20), mm("T02", 27, 20), mm("T03", 22, 16), seen("NT01", 13, 10)),
            Expected(SD, ISD, SD, SD, False, False, (),
                     "27 + 27 + 22 = 76 mm is −5.0 % from baseline and below the nadir 80 mm → SD, iSD. In "
                     "field 54 mm −10.0 % → SD; out of field T03 22 mm +10.0 %, +2 mm over its nadir 20 mm "
                     "→ SD. T01 27 mm +8.0 % over its nadir 25 mm → locally controlled (A9).")),
    ),
    outcome=ExpectedOutcome(
        SD, SD, ISD, 120, True, "NOT EVALUABLE",
        "BOR SD: SD on 2024-04-08, after randomisation + 42 days = 2024-03-18 (A8); confirmed BOR SD; "
        "iBOR iSD. PFS censored at 2024-06-03: 2024-06-03 − 2024-02-05 + 1 = 120 days (A11, A12). GMI "
        "120 / 210 = 0.571 is a lower bound ≤ 1.33: the true ratio may still exceed it → NOT EVALUABLE "
        "(A10)."),
)

STS_003 = DemoSubject(
    "STS-003", ARM_COMBINED, date(2024, 3, 4), date(2024, 3, 11), 180,
    "SD at week 6; new liver lesion NL01 at week 12 → RECIST PD, iRECIST iUPD; NL01 grows 7 mm by week 18 "
    "→ iCPD. Irradiated T01 responds (in-field PR) while out-of-field T02 progresses.",
    lesions=(
        DemoLesion("T01", TARGET, "LUNG, LEFT UPPER LOBE", (80.0, -15.0, 0.6), LUNG_LESION_HU,
                   sbrt=Sbrt(date(2024, 3, 11), date(2024, 3, 15), Decimal(45), 3)),
        DemoLesion("T02", TARGET, "LIVER, SEGMENT VI", (-80.0, 20.0, -0.6), LIVER_LESION_HU),
        DemoLesion("NT01", NON_TARGET, "LYMPH NODE, RIGHT PARATRACHEAL", (-10.0, 15.0, 0.5), NODE_HU,
                   nodal=True, angle_deg=90.0),
        DemoLesion("NL01", NEW, "LIVER, SEGMENT III", (-25.0, -25.0, -0.85), LIVER_LESION_HU),
    ),
    visits=(
        # Baseline: 22 + 40 = 62 mm; in field (T01) 22 mm, out of field (T02) 40 mm; NT01 node 12 mm
        # short axis (10 to < 15 mm: pathological, non-target, RULES §1.1).
        DemoVisit("V0", "BASELINE", date(2024, 2, 29), (
            mm("T01", 22, 15), mm("T02", 40, 30), seen("NT01", 16, 12))),
        DemoVisit("V1", "WEEK 6", date(2024, 4, 22), (
            mm("T01", 17, 12), mm("T02", 42, 31), seen("NT01", 16, 12)),
            Expected(SD, ISD, SD, SD, False, False, (),
                     "17 + 42 = 59 mm is −4.8 % from baseline 62 mm → SD (RULES §1.5); NT01 present → SD "
                     "(§1.8), iSD. In field T01 −22.7 % → SD; out of field T02 +5.0 % → SD, no abscopal "
                     "response.")),
        DemoVisit("V2", "WEEK 12", date(2024, 6, 3), (
            mm("T01", 15, 11), mm("T02", 45, 33), seen("NT01", 17, 12), mm("NL01", 14, 11)),
            Expected(PD, IUPD, PR, SD, False, False, (),
                     "15 + 45 = 60 mm is −3.2 % from baseline and +1.6 %, +1 mm over the nadir 59 mm → "
                     "target SD, but NL01 is an unequivocal new lesion → PD (RULES §1.7, §1.8 Table 1). "
                     "iRECIST: a new lesion → iUPD, to be confirmed (§2.2); NL01 14 mm ≥ 10 mm is a "
                     "new-lesion target, NLT sum 14 mm. In field T01 15 mm −31.8 % from 22 mm → PR; out "
                     "of field T02 45 mm +12.5 %, +5 mm over its nadir 40 mm (PD needs ≥ +20 %) → SD.")),
        DemoVisit("V3", "WEEK 18", date(2024, 7, 15), (
            mm("T01", 15, 10), mm("T02", 48, 35), seen("NT01", 17, 13), mm("NL01", 21, 16)),
            Expected(PD, ICPD, PR, PD, False, False, (),
                     "15 + 48 = 63 mm is +6.7 %, +4 mm over the nadir 59 mm → target SD; NL01 still present "
                     "→ PD (§1.8 Table 1; after the first PD). iRECIST: 42 days after the iUPD (≥ 26, A14) "
                     "the NLT sum is 21 mm, +7 mm since the iUPD (≥ 5 mm) → iCPD (§2.3). In field T01 15 mm "
                     "→ PR; out of field T02 48 mm is +20.0 % and +8 mm over its nadir 40 mm → PD, exactly "
                     "on the inclusive boundary (A2).")),
    ),
    outcome=ExpectedOutcome(
        SD, SD, ISD, 92, False, "<= 1.33",
        "BOR SD: SD on 2024-04-22, after randomisation + 42 days = 2024-04-15 (A8), then PD; confirmed "
        "BOR SD; iBOR iSD (iSD ranks above iCPD, RULES §2.6 Table 3). PFS event at the first PD "
        "2024-06-03: 2024-06-03 − 2024-03-04 + 1 = 92 days; iPFS the same date, the iUPD confirmed as "
        "iCPD (§2.7). GMI 92 / 180 = 0.511 → '<= 1.33' (A10)."),
)

#: The demo trial: STEREOSARC, 5 mm slices, three subjects.
DEMO_DESIGN = DemoDesign("STEREOSARC", "stereosarc.toml", Decimal(5), (STS_001, STS_002, STS_003))
