"""A trial and a full read (baseline + 3 follow-ups) shared by the store tests.

The read, by hand (RECIST 1.1, STEREOSARC profile): targets T01 (lung), T02 (node, short axis) and
T03 (liver, SBRT on study); non-target NT01 present throughout; new lesion N01 at the third
follow-up. Sums 90 → 63 (−30.0 %: PR) → 58 (PR) → 65 (+12 % over the nadir: no target PD), and
the unequivocal new lesion makes the last follow-up PD.
"""

from __future__ import annotations

import dataclasses
import getpass
from dataclasses import dataclass
from datetime import date

from sqlalchemy import make_url

from recist_app.model.records import (
    Axis,
    Lesion,
    LesionRole,
    LesionState,
    LineMeasurement,
    Measurement,
    Read,
    Reader,
    ReaderRole,
    ReadSnapshot,
    Status,
    Timepoint,
)
from recist_app.store import ReadSession, TrialStore
from tests.support import REPO_ROOT

PROFILE_TEXT = (REPO_ROOT / "resources" / "profiles" / "stereosarc.toml").read_text()
SUBJECT = "S-001"
VISITS = (("Baseline", date(2024, 1, 5)), ("Week 8", date(2024, 3, 1)), ("Week 16", date(2024, 4, 26)),
          ("Week 24", date(2024, 6, 21)))
#: SDTM VISITNUM of each visit: its place in the STEREOSARC profile's schedule (BASELINE 1, WEEK 6 2, WEEK 8 3 …).
VISITNUMS = ("1", "3", "5", "7")
PASSWORDS = {role: f"pin-{role.value}" for role in ReaderRole}
SERIES_UID, SOP_UID, FOR_UID = (f"1.2.826.0.1.3680043.8.498.{n}" for n in (1, 2, 3))
SBRT = (date(2024, 1, 10), date(2024, 1, 19), 45.0, 3)


@dataclass(frozen=True)
class LesionSpec:
    label: str
    role: LesionRole
    organ: str
    nodal: bool = False
    first_visit: int = 0
    irradiated: bool = False


LESIONS = (
    LesionSpec("T01", LesionRole.TARGET, "LUNG"),
    LesionSpec("T02", LesionRole.TARGET, "LYMPH NODE", nodal=True),
    LesionSpec("T03", LesionRole.TARGET, "LIVER", irradiated=True),
    LesionSpec("NT01", LesionRole.NON_TARGET, "BONE"),
    LesionSpec("N01", LesionRole.NEW, "LIVER", first_visit=3),
)
#: (label, visit index) → (axis, length in mm) of each line.
LINES = {
    ("T01", 0): [(Axis.LONG, 40.0)], ("T01", 1): [(Axis.LONG, 28.0)], ("T01", 2): [(Axis.LONG, 26.0)],
    ("T01", 3): [(Axis.LONG, 30.0)],
    ("T02", 0): [(Axis.SHORT, 20.0), (Axis.LONG, 31.0)], ("T02", 1): [(Axis.SHORT, 15.0)],
    ("T02", 2): [(Axis.SHORT, 14.0)], ("T02", 3): [(Axis.SHORT, 16.0)],
    ("T03", 0): [(Axis.LONG, 30.0)], ("T03", 1): [(Axis.LONG, 20.0)], ("T03", 2): [(Axis.LONG, 18.0)],
    ("T03", 3): [(Axis.LONG, 19.0)],
}
#: (label, visit index) → (status, radiation induced).
STATES = {
    ("NT01", 0): (Status.PRESENT, False), ("NT01", 1): (Status.PRESENT, False), ("NT01", 2): (Status.PRESENT, False),
    ("NT01", 3): (Status.PRESENT, False), ("N01", 3): (Status.PRESENT, False), ("T03", 2): (None, True),
}


def line(length_mm: float, axis: Axis = Axis.LONG, origin: tuple[float, float, float] = (-12.5, 30.25, -101.0)
         ) -> LineMeasurement:
    """An oblique line of ``length_mm`` in patient mm (direction 0.6, 0.8, 0)."""
    x, y, z = origin
    return LineMeasurement.from_points((x, y, z), (x + 0.6 * length_mm, y + 0.8 * length_mm, z), axis=axis,
                                       sop_uid=SOP_UID, series_uid=SERIES_UID, frame_of_reference_uid=FOR_UID)


@dataclass
class Trial:
    """A created trial: the store, the subject's time points and one reader per role."""

    store: TrialStore
    timepoints: tuple[Timepoint, ...]
    readers: dict[ReaderRole, Reader]

    def session(self, role: ReaderRole = ReaderRole.CENTRAL_READER_1) -> ReadSession:
        """The read of the subject by the reader with ``role``."""
        return self.store.reader_session(self.readers[role].uid, SUBJECT, password=PASSWORDS[role])


def make_trial(db_url: str, *, blind_visits: bool = False, profile_toml: str = PROFILE_TEXT) -> Trial:
    """Create the trial with site FR01, subject S-001 (4 time points) and one reader per role."""
    store = TrialStore.create(db_url, code="STEREOSARC", name="SBRT ± atezolizumab", profile_toml=profile_toml,
                              blind_visits=blind_visits, actor="test-admin")
    try:
        store.add_site("FR01", "Centre one")
        store.add_subject(SUBJECT, "FR01", arm="SBRT+ATEZO", randomised_on=date(2024, 1, 2),
                          first_dose_on=date(2024, 1, 9), prev_pfs_days=120)
        timepoints = tuple(store.add_timepoint(SUBJECT, visit, day) for visit, day in VISITS)
        readers = {role: store.add_reader(f"Reader {role.value}", role, PASSWORDS[role]) for role in ReaderRole}
    except BaseException:
        store.close()
        raise
    return Trial(store, timepoints, readers)


def apply_full_read(session: ReadSession, timepoints: tuple[Timepoint, ...]) -> dict[str, Lesion]:
    """Record the scenario's read through the session's commands; return the lesions by label."""
    lesions = {}
    for spec in LESIONS:
        lesion = session.add_lesion(spec.label, spec.role, organ=spec.organ, nodal=spec.nodal,
                                    first_timepoint_uid=timepoints[spec.first_visit].uid)
        if spec.irradiated:
            start, end, dose, fractions = SBRT
            lesion = session.flag_irradiated(lesion, sbrt_start=start, sbrt_end=end, dose_gy=dose, fractions=fractions)
        lesions[spec.label] = lesion
    for (label, visit), lines in LINES.items():
        for axis, length in lines:
            session.record_measurement(lesions[label].uid, timepoints[visit].uid, line(length, axis))
    for (label, visit), (status, induced) in STATES.items():
        session.set_status(lesions[label].uid, timepoints[visit].uid, status, radiation_induced=induced)
    return lesions


def in_memory_snapshot(store: TrialStore, reader: Reader, timepoints: tuple[Timepoint, ...]) -> ReadSnapshot:
    """The same read built directly as records, without the store."""
    lesions = []
    for spec in LESIONS:
        start, end, dose, fractions = SBRT if spec.irradiated else (None, None, None, None)
        lesions.append(Lesion(f"mem-{spec.label}", "mem-read", spec.label, spec.role, timepoints[spec.first_visit].uid,
                              spec.organ, spec.nodal, spec.irradiated, start, end, dose, fractions))
    uid = {lesion.label: lesion.uid for lesion in lesions}
    measurements = [Measurement(f"m{n}", uid[label], timepoints[visit].uid, line(length, axis))
                    for n, ((label, visit), lines) in enumerate(LINES.items()) for axis, length in lines]
    states = [LesionState(f"s{n}", uid[label], timepoints[visit].uid, status, None, induced)
              for n, ((label, visit), (status, induced)) in enumerate(STATES.items())]
    return ReadSnapshot(store.trial, store.subject(SUBJECT), reader, Read("mem-read", "", reader.uid),
                        timepoints, tuple(lesions), tuple(measurements), tuple(states))


def content(snapshot: ReadSnapshot) -> ReadSnapshot:
    """``snapshot`` with time-stamps blanked (to compare what a reader recorded)."""
    return dataclasses.replace(snapshot, measurements=tuple(dataclasses.replace(m, recorded_at="")
                                                            for m in snapshot.measurements))


def database_login(db_url: str) -> str:
    """Who the audit names for a command-line change (issue 14): the URL's user on PostgreSQL, the
    account running the tests on SQLite."""
    url = make_url(db_url) if "://" in db_url else None
    return (url.username if url is not None and url.username else None) or getpass.getuser()
