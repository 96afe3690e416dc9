"""SDTM trial design and subject-level domains of an export (issue 18): TS, TV, SV, PR (or EX) and RELREC.

- **TS** (Trial Summary): what the workstation knows of the trial (its title, the number of subjects exported and
  of planned arms), then what the profile's ``[trial_summary]`` gives (registry id, phase, study start date …;
  :mod:`recist_app.evaluation.trial_profile`). Without SSTDTC the export says so in a note.
- **TV** (Trial Visits): one record per planned visit of the profile's ``[[visit]]`` schedule, VISITNUM its place in
  it (:func:`recist_app.exports.collect.visit_numbers`), its start and end rules the window in days from the
  baseline scan (the schedule counts from the scan, not from RFSTDTC, so VISITDY is not given).
- **SV** (Subject Visits): one record per subject and imaging visit, on the scan date; an unscheduled scan has its
  fractional VISITNUM (SDTMIG v3.4 §4.4.5) and SVUPDES.
- **PR** (Procedures): one record per SBRT course of a subject (CDISC.md §7: the on-study radiotherapy is a
  procedure), from the irradiated lesions' course dates, total dose and fractions: PRDOSE the dose of one fraction
  (Gy), PRDOSRGM the course ("45 Gy in 3 fractions"), PRLOC the lesion's TULOC; EPOCH ``TREATMENT`` from the first
  dose on. A profile whose ``[sdtm] sbrt_domain = "EX"`` holds the SBRT as study treatment writes the same records
  as EX (Exposure: EXSEQ, EXTRT … EXENDY) instead.
- **RELREC**: each irradiated lesion's TU record (``TULNKID``) with its course (``PRSEQ`` or ``EXSEQ``), one RELID per
  course (CDISC.md §5, §7 PROPOSAL 2).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from recist_app.evaluation.trial_profile import stored_trial_profile
from recist_app.exports.collect import ExportedRead, TrialData
from recist_app.exports.files import Table
from recist_app.sdtm.csv_io import CellValue, format_decimal
from recist_app.sdtm.lesions import tu_location
from recist_app.sdtm.terms import TS_PARAMETERS

TS_COLUMNS = ("STUDYID", "DOMAIN", "TSSEQ", "TSPARMCD", "TSPARM", "TSVAL")
TV_COLUMNS = ("STUDYID", "DOMAIN", "VISITNUM", "VISIT", "TVSTRL", "TVENRL")
SV_COLUMNS = ("STUDYID", "DOMAIN", "USUBJID", "VISITNUM", "VISIT", "EPOCH", "SVSTDTC", "SVENDTC", "SVSTDY", "SVENDY",
              "SVUPDES")
PR_COLUMNS = ("STUDYID", "DOMAIN", "USUBJID", "PRSEQ", "PRTRT", "PRCAT", "PRLOC", "PRDOSE", "PRDOSU", "PRDOSRGM",
              "EPOCH", "PRSTDTC", "PRENDTC", "PRSTDY", "PRENDY")
RELREC_COLUMNS = ("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "RELTYPE", "RELID")
NUMERIC = frozenset({"TSSEQ", "VISITNUM", "SVSTDY", "SVENDY", "PRSEQ", "PRDOSE", "PRSTDY", "PRENDY"})
SBRT = "STEREOTACTIC BODY RADIATION THERAPY"
RADIOTHERAPY = "RADIOTHERAPY"
UNSCHEDULED_SCAN = "UNSCHEDULED CT SCAN"


def ts_table(data: TrialData) -> Table:
    """TS: TITLE, ACTSUB and NARMS, then the profile's ``[trial_summary]``; TSSEQ numbers the values of one
    parameter."""
    study = data.trial.code
    arms = {s.arm for s in data.subjects if s.arm}
    own = (("TITLE", (data.trial.name or study,)), ("ACTSUB", (str(len(data.subjects)),)), ("NARMS", (str(len(arms)),)))
    given = stored_trial_profile(data.trial.profile_toml).trial_summary
    rows = tuple((study, "TS", seq, code, TS_PARAMETERS[code], value)
                 for code, values in (*own, *given) for seq, value in enumerate(values, start=1))
    return Table("TS", TS_COLUMNS, rows, NUMERIC)


#: The note of an export whose profile does not give the study start date.
TS_NOTE = ("sdtm/ts: SSTDTC (study start date) is not given: add it to the profile's [trial_summary] (FDA's "
           "technical rejection criteria require it in TS), with REGID, TPHASE and the protocol's other facts.")


def ts_notes(table: Table) -> tuple[str, ...]:
    """What a submission's TS lacks: the study start date (FDA technical rejection criteria)."""
    if any(row[TS_COLUMNS.index("TSPARMCD")] == "SSTDTC" for row in table.rows):
        return ()
    return (TS_NOTE,)


def tv_table(data: TrialData) -> Table:
    """TV: the planned visits of the profile's schedule (empty without one)."""
    schedule = stored_trial_profile(data.trial.profile_toml).visits.visits
    rows = tuple((data.trial.code, "TV", number, visit.name,
                  f"CT scan from day {visit.first_day} to day {visit.last_day} after the baseline scan "
                  f"(planned day {visit.day})", f"Within the window: day {visit.last_day} after the baseline scan")
                 for number, visit in enumerate(schedule, start=1))
    return Table("TV", TV_COLUMNS, rows, NUMERIC)


def sv_table(data: TrialData) -> Table:
    """SV: each subject's imaging visits (from its first read: every read of a subject has its time points)."""
    rows = []
    seen: set[str] = set()
    for read in data.reads:
        if read.subject_id in seen:
            continue
        seen.add(read.subject_id)
        for tp in read.timepoints:
            number = read.visit_numbers[tp.uid]
            day = read.study_day(tp.scan_date) if tp.scan_date else None
            when = tp.scan_date.isoformat() if tp.scan_date else ""
            rows.append((data.trial.code, "SV", read.subject_id, format_decimal(number), tp.visit,
                         read.epoch(tp.scan_date), when, when, day, day,
                         UNSCHEDULED_SCAN if number != number.to_integral_value() else ""))
    return Table("SV", SV_COLUMNS, tuple(rows), NUMERIC)


@dataclass(frozen=True)
class _Course:
    start: date
    end: date
    dose_gy: Decimal | None
    fractions: int | None
    location: str


def procedure_tables(data: TrialData) -> tuple[Table, Table]:
    """PR (or EX, as the profile says: one record per distinct SBRT course of a subject) and RELREC (each irradiated
    lesion ↔ its course)."""
    domain = stored_trial_profile(data.trial.profile_toml).sdtm.sbrt_domain
    pr: list[tuple[CellValue, ...]] = []
    relrec: list[tuple[CellValue, ...]] = []
    study = data.trial.code
    courses: dict[str, dict[_Course, int]] = {}  # per subject: course → PRSEQ, in order of first mention
    first_read: dict[str, ExportedRead] = {}
    for read in data.reads:
        numbers = courses.setdefault(read.subject_id, {})
        first_read.setdefault(read.subject_id, read)
        for lesion, course in _courses(read):
            seq = numbers.setdefault(course, len(numbers) + 1)
            relrec.append((study, "TU", read.subject_id, "TULNKID", read.link_id(lesion), "", f"SBRT{seq}"))
    for subject, numbers in sorted(courses.items()):
        read = first_read[subject]
        for course, seq in numbers.items():
            per_fraction = (format_decimal(course.dose_gy / course.fractions, 2)
                            if course.dose_gy is not None and course.fractions else None)
            pr.append((study, domain, subject, seq, SBRT, RADIOTHERAPY, course.location, per_fraction,
                       "Gy" if per_fraction else "", _regimen(course), _epoch(read, course.start),
                       course.start.isoformat(), course.end.isoformat(), read.study_day(course.start),
                       read.study_day(course.end)))
            relrec.append((study, domain, subject, f"{domain}SEQ", str(seq), "", f"SBRT{seq}"))
    relrec.sort(key=lambda row: (str(row[2]), str(row[6]), str(row[1]), str(row[4])))
    return (Table(domain, _in_domain(PR_COLUMNS, domain), tuple(pr), frozenset(_in_domain(NUMERIC, domain))),
            Table("RELREC", RELREC_COLUMNS, tuple(relrec)))


def _in_domain(names: Iterable[str], domain: str) -> tuple[str, ...]:
    """PR variable names as ``domain``'s (PRSEQ → EXSEQ); the others unchanged."""
    return tuple(domain + name[2:] if name.startswith("PR") else name for name in names)


def _regimen(course: _Course) -> str:
    dose = f"{format_decimal(course.dose_gy)} Gy" if course.dose_gy is not None else ""
    fractions = f"{course.fractions} fraction{'s' if course.fractions != 1 else ''}" if course.fractions else ""
    return " in ".join(part for part in (dose, fractions) if part)


def _epoch(read: ExportedRead, start: date) -> str:
    """A course's EPOCH: ``TREATMENT`` from the first dose on, the scans' epoch before it."""
    first_dose = read.snapshot.subject.first_dose_on
    return "TREATMENT" if first_dose is not None and start >= first_dose else read.epoch(start)


def _courses(read: ExportedRead) -> Iterator[tuple[str, _Course]]:
    """(label, course) of each of the read's lesions irradiated on study with a course start date."""
    for lesion in sorted(read.snapshot.lesions, key=lambda x: x.label):
        if lesion.irradiated and lesion.sbrt_start is not None:
            (tuloc, _, _), _text = tu_location(lesion.organ, lesion.nodal)
            dose = Decimal(str(lesion.sbrt_dose_gy)) if lesion.sbrt_dose_gy is not None else None
            end = lesion.sbrt_end or lesion.sbrt_start
            yield lesion.label, _Course(lesion.sbrt_start, end, dose, lesion.sbrt_fractions, tuloc)
