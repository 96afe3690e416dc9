"""What a PACS query asks and what it finds (issue 15), the same over DICOMweb (QIDO-RS) and DIMSE (C-FIND).

A :class:`StudyQuery` is matched by the server at study level (PS3.4 C.2.2.2: single-value matching
on Patient ID and Study Instance UID, range matching on Study Date, Modalities in Study) and again
here on what comes back, because a server may ignore a key it does not support: the filter never
silently widens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatchcase


@dataclass(frozen=True)
class SeriesHit:
    """One series a query found: (0020,000E), (0008,0060), (0008,103E), (0020,0011), (0020,1209)."""

    series_uid: str
    modality: str
    description: str
    number: int | None
    instances: int | None
    study_uid: str = ""


@dataclass(frozen=True)
class StudyHit:
    """One study a query found, with its series: (0010,0020), (0020,000D), (0008,0020) as YYYYMMDD."""

    patient_id: str
    study_uid: str
    study_date: str
    series: tuple[SeriesHit, ...]


@dataclass(frozen=True)
class StudyQuery:
    """The studies wanted: of a patient (0010,0020; ``*`` and ``?`` are wildcards, PS3.4 C.2.2.2.4), one study
    (0020,000D), studied between ``since`` and ``until`` inclusive (0008,0020), holding series of ``modality``
    (0008,0061); empty keys match all."""

    patient_id: str = ""
    study_uid: str = ""
    since: date | None = None
    until: date | None = None
    modality: str = ""

    @property
    def study_date(self) -> str:
        """The Study Date range key: ``YYYYMMDD-YYYYMMDD``, open on a side not given; "" for any date."""
        if self.since is None and self.until is None:
            return ""
        return "-".join(day.strftime("%Y%m%d") if day else "" for day in (self.since, self.until))

    def matching(self, studies: list[StudyHit]) -> tuple[StudyHit, ...]:
        """The ``studies`` the query asks for, each keeping the series of its modality, by patient and date."""
        kept = []
        for study in studies:
            if self.patient_id and not fnmatchcase(study.patient_id, self.patient_id.replace("[", "[[]")):
                continue
            if self.study_uid and study.study_uid != self.study_uid:
                continue
            if self.study_date and not self._in_range(study.study_date):
                continue
            series = tuple(hit for hit in study.series if not self.modality or hit.modality == self.modality)
            if self.modality and not series:
                continue
            kept.append(StudyHit(study.patient_id, study.study_uid, study.study_date, series))
        return tuple(sorted(kept, key=lambda hit: (hit.patient_id, hit.study_date, hit.study_uid)))

    def _in_range(self, study_date: str) -> bool:
        since = self.since.strftime("%Y%m%d") if self.since else ""
        until = self.until.strftime("%Y%m%d") if self.until else "99999999"
        return bool(study_date) and since <= study_date <= until
