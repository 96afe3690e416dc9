"""ADSL: one record per subject, the analysis subject's identity, arm, reference dates and previous-line PFS
(ADaMIG v1.3 ADSL; CDISC.md §9).

:class:`AnalysisSubject` is what the other ADaM datasets need of a subject; :func:`adsl_table` writes it. The
workstation holds no death or last-known-alive date: DTHDT and LSTALVDT are empty in its export (merge them from
the EDC), and OS is then not derived. ``PFSPRVDY`` / ``PFSPRVCN`` carry the previous line's PFS for the growth
modulation index (RULES §4.2), so that ``bor --subjects`` takes the ADSL as it takes ``subjects.csv``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from assessment.profile import Profile
from recist_app.exports.files import Table
from recist_app.sdtm.csv_io import Row, parse_date

ADSL_COLUMNS = ("STUDYID", "USUBJID", "SUBJID", "SITEID", "ARM", "ACTARM", "TRT01P", "TRT01A", "RANDDT", "TRTSDT",
                "DTHDT", "DTHFL", "LSTALVDT", "ITTFL", "SAFFL", "PFSPRVDY", "PFSPRVCN")
ADSL_DATES = frozenset({"RANDDT", "TRTSDT", "DTHDT", "LSTALVDT"})


@dataclass(frozen=True)
class AnalysisSubject:
    """A subject as the analysis datasets see it (ADSL).

    ``randdt`` / ``trtsdt`` are the randomisation and first-dose dates (RULES §7 A8 picks one as the reference
    date); ``dthdt`` and ``lstalvdt`` the death and last-known-alive dates when known; ``previous_pfs_days`` and
    ``previous_pfs_censored`` the previous line's PFS (RULES §4.2).
    """

    studyid: str
    usubjid: str
    siteid: str = ""
    arm: str = ""
    actarm: str = ""
    randdt: date | None = None
    trtsdt: date | None = None
    dthdt: date | None = None
    lstalvdt: date | None = None
    previous_pfs_days: int | None = None
    previous_pfs_censored: bool = False

    def identity(self) -> dict[str, str | None]:
        """The subject's columns every BDS dataset repeats: study, subject, site and treatment."""
        return {"STUDYID": self.studyid, "USUBJID": self.usubjid, "SITEID": self.siteid or None,
                "TRT01P": self.arm or None, "TRT01A": self.actarm or None}

    def reference_date(self, profile: Profile) -> date | None:
        """The start of BOR windows and PFS: RANDDT or TRTSDT, as the profile says (RULES §7 A8)."""
        return self.randdt if profile.reference_date == "randomisation" else self.trtsdt


def adsl_table(subjects: Iterable[AnalysisSubject]) -> Table:
    """ADSL of ``subjects``: ITTFL ``Y`` once randomised, SAFFL ``Y`` once dosed, DTHFL ``Y`` with a death date."""
    rows = []
    for s in subjects:
        prev = s.previous_pfs_days
        rows.append((s.studyid, s.usubjid, s.usubjid, s.siteid, s.arm, s.actarm, s.arm, s.actarm, iso_date(s.randdt),
                     iso_date(s.trtsdt), iso_date(s.dthdt), _flag(s.dthdt), iso_date(s.lstalvdt), _flag(s.randdt),
                     _flag(s.trtsdt), prev, None if prev is None else int(s.previous_pfs_censored)))
    return Table("ADSL", ADSL_COLUMNS, tuple(rows), frozenset({"PFSPRVDY", "PFSPRVCN"}), ADSL_DATES)


def subjects_of_rows(rows: Iterable[Row], studyid: str = "") -> list[AnalysisSubject]:
    """Analysis subjects from ADSL-like rows (``USUBJID``; optional ``STUDYID``, ``SITEID``, ``ARM``, ``ACTARM``
    and the dates of :data:`ADSL_DATES`, complete ISO dates).

    Raises
    ------
    InputFileError
        On an empty USUBJID or an invalid or partial date.
    """
    subjects = []
    for row in rows:
        if not row.get("USUBJID"):
            raise row.error("USUBJID is empty; every subject needs an identifier.")
        dates = {name: parse_date(row, name, partial=False).value if row.get(name) else None for name in ADSL_DATES}
        days = row.get("PFSPRVDY")
        subjects.append(AnalysisSubject(
            row.get("STUDYID") or studyid, row.get("USUBJID"), row.get("SITEID"), row.get("ARM"),
            row.get("ACTARM"), dates["RANDDT"], dates["TRTSDT"], dates["DTHDT"], dates["LSTALVDT"],
            int(days) if days.isdigit() else None, row.get("PFSPRVCN") == "1"))
    return subjects


def iso_date(when: date | None) -> str | None:
    """An ADaM date as ISO 8601 text (None when unknown)."""
    return when.isoformat() if when else None


def _flag(when: date | None) -> str | None:
    return "Y" if when else None
