"""The trial-level summary of an export (issue 18): per arm, the objective response and disease control rates with
their exact 95 % intervals and PFS at the profile's landmark (STEREOSARC's primary endpoint, PFS at 6 months) by
Kaplan–Meier; the best response cross-tabulated against the iRECIST best response; the in-field and out-of-field
best responses beside the protocol's.

It reads the export's ADaM (:mod:`recist_app.adam.writer`), one read per subject: the read an adjudicator accepted
(``RSACPTFL = Y``), else the site investigator's, else the first central read. Rates count every subject of the arm
(intention to treat): a subject without a response assessment is a non-responder. The response is the confirmed best
response (CBOR) when the profile requires confirmation (RULES §7 A7), else the unconfirmed one (BOR).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from recist_app.adam.statistics import LandmarkEstimate, clopper_pearson, kaplan_meier, median_time, survival_at
from recist_app.adam.writer import adam_tables
from recist_app.exports.collect import TrialData

RESPONSES = frozenset({"CR", "PR"})
DISEASE_CONTROL = frozenset({"CR", "PR", "SD", "NON-CR/NON-PD"})
NO_ARM = "(no arm)"
Record = Mapping[str, object]


@dataclass(frozen=True)
class Rate:
    """``count`` of ``total`` with its exact 95 % interval (None without subjects)."""

    count: int
    total: int
    interval: tuple[float, float] | None

    @property
    def proportion(self) -> float | None:
        return self.count / self.total if self.total else None


@dataclass(frozen=True)
class ArmSummary:
    """One arm's subjects, response and disease control rates, best responses and PFS at the landmark."""

    arm: str
    subjects: int
    response: Rate
    disease_control: Rate
    best: Counter[str]
    pfs: LandmarkEstimate
    pfs_events: int
    median_pfs_days: int | None
    in_field: Counter[str]
    out_of_field: Counter[str]


@dataclass(frozen=True)
class TrialSummary:
    """The summary: ``parameter`` is BOR or CBOR; ``cross`` counts (best response, iRECIST best response) pairs;
    ``analysed`` are the reads counted (USUBJID, evaluator, evaluator id), ``reads`` how many of each kind."""

    parameter: str
    landmark_days: int
    arms: tuple[ArmSummary, ...]
    cross: Counter[tuple[str, str]]
    reads: Counter[str]
    analysed: tuple[tuple[str, str, str], ...] = ()


def trial_summary(data: TrialData) -> TrialSummary:
    """The summary of ``data``, from its ADaM; once per export (the PDF's tables and plots both ask for it)."""
    return data.derived("trial summary", lambda: _summarise(data))


def _summarise(data: TrialData) -> TrialSummary:
    tables = adam_tables(data)
    parameter = "CBOR" if data.profile.confirmation_required else "BOR"
    records = tables.adrs.records()
    chosen = _analysis_reads(records)
    adrs = [r for r in records if _read(r) in chosen]
    adtte = [r for r in tables.adtte.records() if _read(r) in chosen]
    arms = {str(r["USUBJID"]): str(r["TRT01P"] or NO_ARM) for r in tables.adsl.records()}
    by_param = {(str(r["USUBJID"]), str(r["PARAMCD"])): r for r in adrs if r["PARAMCD"] != "OVR"}
    summaries = []
    for arm in sorted(set(arms.values())):
        subjects = sorted(s for s, a in arms.items() if a == arm)
        best = Counter(_value(by_param, s, parameter) or "MISSING" for s in subjects)
        pfs = [r for r in adtte if r["PARAMCD"] == "PFS" and r["USUBJID"] in subjects]
        days = [int(str(r["AVAL"])) for r in pfs]
        censored = [str(r["CNSR"]) == "1" for r in pfs]
        steps = kaplan_meier(days, censored)
        summaries.append(ArmSummary(
            arm, len(subjects), _rate(sum(best[c] for c in RESPONSES), len(subjects)),
            _rate(sum(best[c] for c in DISEASE_CONTROL), len(subjects)), best,
            survival_at(steps, days, data.profile.pfs_landmark_days), censored.count(False), median_time(steps),
            Counter(v for s in subjects if (v := _value(by_param, s, "BORIRR"))),
            Counter(v for s in subjects if (v := _value(by_param, s, "BORNIR")))))
    cross = Counter((_value(by_param, s, parameter) or "MISSING", _value(by_param, s, "IBOR") or "—") for s in arms)
    reads = Counter(_read_kind(read) for read in chosen)
    return TrialSummary(parameter, data.profile.pfs_landmark_days, tuple(summaries), cross, reads,
                        tuple(sorted(chosen)))


def _rate(count: int, total: int) -> Rate:
    return Rate(count, total, clopper_pearson(count, total) if total else None)


def _read(record: Record) -> tuple[str, str, str]:
    return str(record["USUBJID"]), str(record["RSEVAL"] or ""), str(record["RSEVALID"] or "")


def _analysis_reads(records: Sequence[Record]) -> set[tuple[str, str, str]]:
    """The read analysed for each subject: the accepted one, else the investigator's, else the first."""
    reads: dict[str, list[tuple[tuple[str, str, str], bool]]] = {}
    for record in records:
        if record["PARAMCD"] == "BOR":
            reads.setdefault(str(record["USUBJID"]), []).append((_read(record), record["RSACPTFL"] == "Y"))
    return {next((key for key, accepted in found if accepted), None)
            or next((key for key, _ in found if key[1] == "INVESTIGATOR"), found[0][0]) for found in reads.values()}


def _read_kind(read: tuple[str, str, str]) -> str:
    return read[2] or read[1] or "no read"


def _value(by_param: Mapping[tuple[str, str], Record], subject: str, paramcd: str) -> str | None:
    record = by_param.get((subject, paramcd))
    return str(record["AVALC"]) if record is not None and record["AVALC"] else None
