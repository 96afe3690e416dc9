"""SDTM rows → the reads ADaM derives from: per subject and evaluator, the overall responses (RECIST 1.1 and
iRECIST), the protocol-defined subset responses, and whether the read found measurable disease at baseline.

A read is ``USUBJID`` + ``RSEVAL`` + ``RSEVALID`` (CDISC.md §3.4), as ``bor`` reads them
(:mod:`recist_app.sdtm.rs_reader`); a subject with no read gets one empty read, so that every subject of ADSL has
its BOR (``MISSING``) and PFS (censored at the start), as admiralonco's templates give.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from assessment.best_response import Assessment
from assessment.profile import Profile
from recist_app.adam.subjects import AnalysisSubject
from recist_app.sdtm.csv_io import Row, parse_date
from recist_app.sdtm.response_tables import IRRADIATED, NON_IRRADIATED, PROTOCOL_DEFINED
from recist_app.sdtm.rs_reader import (
    IRECIST_CATEGORY,
    OVERALL_RESPONSE,
    RECIST11_CATEGORY,
    OverallResponses,
    ReadKey,
    responses_of_rows,
)

#: RS ``RSSCAT`` of each protocol-defined subset (CDISC.md §7 PROPOSAL 3) → its ADRS time-point PARAMCD.
SUBSETS = {IRRADIATED: "TRGIRR", NON_IRRADIATED: "TRGNIR"}


@dataclass(frozen=True)
class Dated:
    """One RS result of a read: the assessment (date, result, visit) and the RS row it comes from."""

    assessment: Assessment
    row: Row
    imputed: bool = False

    @property
    def date(self) -> date:
        """The analysis date (``YYYY-MM`` imputed to the month's last day, RULES §7 A17)."""
        return self.assessment.date


@dataclass(frozen=True)
class AnalysisRead:
    """One read of one subject, as ADaM derives from it.

    ``start`` is the reference date of BOR windows and PFS (RULES §7 A8): the subject's RANDDT or TRTSDT, else the
    read's baseline scan (``start_is_baseline``); None with neither. ``recist`` and ``irecist`` are the OVRLRESP
    results by date; ``subsets`` the protocol-defined ``TRGRESP`` per ADRS PARAMCD; ``measurable`` says whether
    the read has a target lesion (ADRS ``MDIS``).
    """

    subject: AnalysisSubject
    key: ReadKey
    start: date | None
    start_is_baseline: bool = False
    accepted: bool = False
    measurable: bool = False
    recist: tuple[Dated, ...] = ()
    irecist: tuple[Dated, ...] = ()
    subsets: dict[str, tuple[Dated, ...]] = field(default_factory=dict)

    @staticmethod
    def assessments(results: Sequence[Dated]) -> tuple[Assessment, ...]:
        """The engine's view of ``results``."""
        return tuple(r.assessment for r in results)


def evaluator_columns(key: ReadKey, accepted: bool, domain: str) -> dict[str, str | None]:
    """``--EVAL``, ``--EVALID`` and ``--ACPTFL`` of a read, named for ``domain`` (RS, TR), as the ADaM datasets carry
    them from SDTM."""
    return {f"{domain}EVAL": key.evaluator or None, f"{domain}EVALID": key.evaluator_id or None,
            f"{domain}ACPTFL": "Y" if accepted else None}


def analysis_reads(subjects: Sequence[AnalysisSubject], rs: Sequence[Row], tu: Sequence[Row], profile: Profile,
                   source: str = "rs") -> list[AnalysisRead]:
    """The reads of ``subjects`` in subject order, each subject's reads sorted by evaluator.

    Raises
    ------
    InputFileError
        On an RS row of an unknown subject, an invalid result or date, or two results of one read on one date.
    """
    known = {s.usubjid for s in subjects}
    overall = [row for row in rs if row.get("RSTESTCD").upper() == OVERALL_RESPONSE]
    responses = (responses_of_rows(overall, source, known, (RECIST11_CATEGORY, IRECIST_CATEGORY)) if overall
                 else OverallResponses({RECIST11_CATEGORY: {}, IRECIST_CATEGORY: {}}))
    subsets = _subset_results(rs)
    accepted = {_key(row, "RS") for row in rs if row.get("RSACPTFL") == "Y"}
    baseline: dict[ReadKey, date] = {}
    targets: set[ReadKey] = set()
    for row in tu:
        key = _key(row, "TU")
        if row.get("TUSTRESC").upper() == "TARGET":
            targets.add(key)
        if row.get("TUDTC") and row.get("TULOBXFL") in ("Y", ""):
            day = parse_date(row, "TUDTC").value
            baseline[key] = min(day, baseline.get(key, day))
    keys = {*responses.assessments[RECIST11_CATEGORY], *responses.assessments[IRECIST_CATEGORY], *targets,
            *baseline, *(key for by_key in subsets.values() for key in by_key)}
    reads = []
    for subject in subjects:
        own = sorted((k for k in keys if k.usubjid == subject.usubjid), key=lambda k: (k.evaluator, k.evaluator_id))
        for key in own or [ReadKey(subject.usubjid)]:
            recist = _dated(responses, RECIST11_CATEGORY, key)
            reference = subject.reference_date(profile)
            start = reference or baseline.get(key) or (recist[0].date if recist else None)
            reads.append(AnalysisRead(
                subject, key, start, reference is None and start is not None, key in accepted, key in targets,
                recist, _dated(responses, IRECIST_CATEGORY, key),
                {code: tuple(by_key[key]) for code, by_key in subsets.items() if key in by_key}))
    return reads


def _key(row: Row, domain: str) -> ReadKey:
    return ReadKey(row.get("USUBJID"), row.get(f"{domain}EVAL"), row.get(f"{domain}EVALID"))


def _dated(responses: OverallResponses, category: str, key: ReadKey) -> tuple[Dated, ...]:
    assessments = responses.assessments.get(category, {}).get(key, ())
    rows = responses.rows.get(category, {}).get(key, ())
    imputed = responses.imputed_dates(category, key)
    return tuple(Dated(a, row, a.date in imputed) for a, row in zip(assessments, rows, strict=True))


def _subset_results(rs: Iterable[Row]) -> dict[str, dict[ReadKey, list[Dated]]]:
    """Protocol-defined ``TRGRESP`` rows per ADRS PARAMCD and read, by date."""
    found: dict[str, dict[ReadKey, list[Dated]]] = defaultdict(lambda: defaultdict(list))
    for row in rs:
        code = SUBSETS.get(row.get("RSSCAT").upper())
        if code is None or row.get("RSTESTCD").upper() != "TRGRESP" or row.get("RSCAT").upper() != PROTOCOL_DEFINED:
            continue
        day, imputed = parse_date(row, "RSDTC")
        value = row.get("RSSTRESC") or row.get("RSORRES")
        found[code][_key(row, "RS")].append(Dated(Assessment(day, value, row.get("VISITNUM")), row, imputed))
    return {code: {key: sorted(items, key=lambda d: d.date) for key, items in by_key.items()}
            for code, by_key in found.items()}
