"""The demo trial in a trial database (issue 5): phantom series, subjects, readers, one pre-filled read.

:func:`build_demo_trial` writes (or reuses) the phantom CT series of :mod:`recist_app.demo.images`
and makes a STEREOSARC-profiled trial ``<study>-DEMO`` from :data:`~recist_app.demo.trial.DEMO_DESIGN`:
a site, the subjects (arm, randomisation and first-dose dates, previous-line PFS), one time point
per visit with its series attached, five readers (:data:`DEMO_READERS`, passwords documented
there) and ONE complete, unsigned read per subject by the site radiologist "Demo Reader", made from
the phantom ground truth: both axes of every measured lesion as drawn (end points in patient LPS
mm on the slice through its centre), disappeared targets, non-target states, radiation-induced
marks, new lesions from the visit they appear. The central reads are left to the viewer.

Building again without ``force`` adds only what is missing and never changes what a read holds (so
the viewer's edits stay): a pre-filled read that a killed build left half done (each store command is
its own transaction) is completed, since everything in it is still what the demo wrote; a read that
holds anything else is the viewer's and is left alone. ``force`` rewrites the images and, for a
SQLite file holding the demo, starts the database afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import resources
from recist_app import APP_NAME
from recist_app.demo.design import DemoDesign, DemoLesion, DemoSubject
from recist_app.demo.images import (
    DemoImages,
    load_demo_images,
    phantom_spec,
    write_demo_images,
)
from recist_app.demo.phantom import GROUND_TRUTH_NAME, GroundTruth, LesionTruth
from recist_app.demo.trial import DEMO_DESIGN
from recist_app.errors import InputFileError, RecistAppError
from recist_app.model.records import (
    Axis,
    Lesion,
    LineMeasurement,
    ReaderRole,
    Status,
    Timepoint,
)
from recist_app.store import ReadSession, TrialStore
from recist_app.store.db import database_url
from recist_app.store.errors import DatabaseError

#: Image size of the demo series (Rows = Columns; 400 mm field of view) and number of 5 mm slices.
DEFAULT_SIZE, DEFAULT_SLICES = 256, 40
DEMO_SITE, DEMO_SITE_NAME = "DEMO01", "Demo site (synthetic phantom data)"
MODALITY = "CT"
#: The demo's readers: name, role, password (documented: this is synthetic data, never a real trial).
DEMO_READERS: tuple[tuple[str, ReaderRole, str], ...] = (
    ("Demo Reader", ReaderRole.SITE_RADIOLOGIST, "demo"),
    ("Demo Central Reader 1", ReaderRole.CENTRAL_READER_1, "demo-central-1"),
    ("Demo Central Reader 2", ReaderRole.CENTRAL_READER_2, "demo-central-2"),
    ("Demo Adjudicator", ReaderRole.ADJUDICATOR, "demo-adjudicator"),
    ("Demo Admin", ReaderRole.ADMIN, "demo-admin"),
)
ACTOR = "demo"


@dataclass(frozen=True)
class DemoReader:
    """A reader of the demo trial with its (documented) password."""

    name: str
    role: ReaderRole
    uid: str
    password: str


@dataclass(frozen=True)
class DemoTrial:
    """What :func:`build_demo_trial` built: where, which trial, who reads, which subjects."""

    db: str
    db_name: str
    images: Path
    trial_code: str
    readers: tuple[DemoReader, ...]
    subject_ids: tuple[str, ...]
    trial_created: bool
    images_written: bool

    @property
    def demo_reader(self) -> DemoReader:
        """The site radiologist who owns the pre-filled reads."""
        return next(r for r in self.readers if r.role is ReaderRole.SITE_RADIOLOGIST)


def demo_code(design: DemoDesign = DEMO_DESIGN) -> str:
    """The demo trial's code: the study id with ``-DEMO`` (never a real trial's code)."""
    return f"{design.study_id}-DEMO"


def demo_name(design: DemoDesign = DEMO_DESIGN) -> str:
    """The demo trial's name, which also marks a database as holding the demo."""
    return f"{design.study_id} demo trial (synthetic phantom data)"


def default_images_dir() -> Path:
    """Default folder of the demo series: ``<user data dir>/demo_images`` (platformdirs)."""
    import platformdirs

    return platformdirs.user_data_path(APP_NAME) / "demo_images"


def build_demo_trial(db: str | Path, images_dir: str | Path, *, design: DemoDesign = DEMO_DESIGN,
                     size: int = DEFAULT_SIZE, slices: int = DEFAULT_SLICES, force: bool = False) -> DemoTrial:
    """Write or reuse the demo series under ``images_dir`` and build the demo trial in ``db``.

    Raises
    ------
    DatabaseError
        If ``db`` cannot be opened, holds another trial (SQLite), or a trial of the demo's code
        that is not the demo; with ``force``, if ``db`` is not a SQLite file holding the demo.
    InputFileError
        If the series cannot be written under ``images_dir``.
    """
    if force:
        _remove_demo_database(db, design)
    store, created = _open_or_create(db, design)  # first: a bad --db fails before the images are written
    with store:
        images, written = demo_images(images_dir, design=design, size=size, slices=slices, force=force)
        readers = _fill(store, images)
        name = store.db.name
    target = db if "://" in str(db) else Path(db).expanduser().resolve()
    return DemoTrial(str(target), name, images.folder, demo_code(design), readers,
                     tuple(s.subject_id for s in design.subjects), created, written)


def demo_images(folder: str | Path, *, design: DemoDesign = DEMO_DESIGN, size: int = DEFAULT_SIZE,
                slices: int = DEFAULT_SLICES, force: bool = False) -> tuple[DemoImages, bool]:
    """The demo series under ``folder``: reused when complete and of these settings, else written.

    Returns the images and whether they were written now.
    """
    old = _existing_images(folder)
    if old is not None and not force and (old.design, old.size, old.slices) == (design, size, slices) \
            and _complete(old):
        return old, False
    try:
        if old is not None:  # stale slices of other settings would join the new series
            for series in old.series:
                for name in (*series.truth.file_names, GROUND_TRUTH_NAME):
                    (series.folder / name).unlink(missing_ok=True)
        return write_demo_images(folder, design=design, size=size, slices=slices), True
    except OSError as exc:
        raise InputFileError(str(folder), None, f"cannot hold the demo images ({exc.strerror or exc}). "
                             "Give another --images folder.") from exc


def _existing_images(folder: str | Path) -> DemoImages | None:
    try:
        return load_demo_images(folder)
    except (RecistAppError, OSError, KeyError, TypeError, ValueError):
        return None  # absent, another format or damaged: write again


def _complete(images: DemoImages) -> bool:
    return all((s.folder / name).is_file() for s in images.series for name in s.truth.file_names)


def _remove_demo_database(db: str | Path, design: DemoDesign) -> None:
    """Delete the SQLite file of ``db`` if it holds the demo trial (``--force``); refuse otherwise."""
    url = database_url(db)
    if url.get_backend_name() != "sqlite":
        raise DatabaseError("--force starts afresh only a SQLite demo database; on a server, give a new "
                            "database or schema.")
    path = Path(url.database or "")
    if not path.exists():
        return
    try:
        with TrialStore.open(path) as store:
            trial = store.trial
    except DatabaseError as exc:
        raise DatabaseError(f"--force deletes only a demo database, and {path} is not one ({exc})") from exc
    if (trial.code, trial.name) != (demo_code(design), demo_name(design)):
        raise DatabaseError(f"--force deletes only a demo database, and {path} holds trial {trial.code}.")
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _open_or_create(db: str | Path, design: DemoDesign) -> tuple[TrialStore, bool]:
    code = demo_code(design)
    try:
        store = TrialStore.open(db, code)
    except DatabaseError:
        profile = resources.read_text(f"profiles/{design.profile}")
        return TrialStore.create(db, code=code, name=demo_name(design), profile_toml=profile, actor=ACTOR), True
    if store.trial.name != demo_name(design):
        store.close()
        raise DatabaseError(f"{db} holds a trial {code} that is not the demo trial; give another --db.")
    return store, False


def _fill(store: TrialStore, images: DemoImages) -> tuple[DemoReader, ...]:
    """Add whatever of the demo is missing: site, subjects, time points, series, readers, reads."""
    design = images.design
    if not any(site.code == DEMO_SITE for site in store.sites()):
        store.add_site(DEMO_SITE, DEMO_SITE_NAME, actor=ACTOR)
    known = {s.subject_id for s in store.subjects()}
    timepoints = {}
    for subject in design.subjects:
        if subject.subject_id not in known:
            store.add_subject(subject.subject_id, DEMO_SITE, arm=subject.arm, randomised_on=subject.randomisation,
                              first_dose_on=subject.first_dose, prev_pfs_days=subject.previous_line_pfs_days,
                              actor=ACTOR)
        timepoints[subject.subject_id] = _timepoints(store, images, subject)
    existing = {r.name: r for r in store.readers()}
    readers = []
    for name, role, password in DEMO_READERS:
        reader = existing.get(name) or store.add_reader(name, role, password, actor=ACTOR)
        readers.append(DemoReader(reader.name, reader.role, reader.uid, password))
    site_reader = readers[0]
    login = store.log_in(site_reader.uid, site_reader.password)
    viewed = _reads_changed_by_the_viewer(store)
    for subject in design.subjects:
        session = store.reader_session(login, subject.subject_id)
        if session.read_uid not in viewed:
            _prefill(session, images, subject, timepoints[subject.subject_id])
    return tuple(readers)


def _timepoints(store: TrialStore, images: DemoImages, subject: DemoSubject) -> dict[str, Timepoint]:
    """The subject's time point of every visit (added if missing, with its series attached), by visit id."""
    by_date = {tp.scan_date: tp for tp in store.timepoints(subject.subject_id)}
    result = {}
    for visit in subject.visits:
        tp = by_date.get(visit.date) or store.add_timepoint(subject.subject_id, visit.visit, visit.date, actor=ACTOR)
        series = images.series_of(subject.subject_id, visit.visit_id)
        truth = series.truth
        if not any(link.series_uid == truth.series_instance_uid for link in tp.series):
            description = phantom_spec(images.design, subject, visit, size=images.size,
                                       slices=images.slices).series_description
            store.attach_series(tp.uid, study_uid=truth.study_instance_uid, series_uid=truth.series_instance_uid,
                                path=str(series.folder), modality=MODALITY, description=description,
                                frame_of_reference_uid=truth.frame_of_reference_uid,
                                slice_thickness_mm=float(images.design.slice_thickness_mm), actor=ACTOR)
        result[visit.visit_id] = tp
    return result


def _prefill(session: ReadSession, images: DemoImages, subject: DemoSubject, timepoints: dict[str, Timepoint]) -> None:
    """Record the ground truth as the read: lesions, SBRT, lines of both axes, states and marks.

    What the read already holds is kept; when it holds only what this would write (a build killed
    half-way), the rest is added; anything else in it means the viewer has read: left alone.
    """
    lesions, lines, states = _ground_truth(images, subject, timepoints)
    snapshot = session.snapshot()
    have = {lesion.label: lesion for lesion in snapshot.lesions}
    labels = {lesion.uid: lesion.label for lesion in snapshot.lesions}
    have_lines = {(labels[m.lesion_uid], m.timepoint_uid, m.line.axis): m.line for m in snapshot.measurements}
    have_states = {(labels[st.lesion_uid], st.timepoint_uid): (st.status, st.radiation_induced)
                   for st in snapshot.states}
    ours = (all(label in lesions and _same_lesion(lesion, lesions[label]) for label, lesion in have.items())
            and all(lines.get(key) == line for key, line in have_lines.items())
            and all(states.get(key) == state for key, state in have_states.items()))
    if not ours:
        return
    for label, demo in lesions.items():
        if label not in have:
            lesion = session.add_lesion(label, demo.role.value, organ=demo.location, nodal=demo.nodal,
                                        first_timepoint_uid=_first_seen(subject, timepoints, label),
                                        previously_irradiated=demo.previously_irradiated)
            have[label] = lesion
        if demo.sbrt is not None and not have[label].irradiated:
            session.flag_irradiated(have[label], sbrt_start=demo.sbrt.start, sbrt_end=demo.sbrt.end,
                                    dose_gy=float(demo.sbrt.dose_gy), fractions=demo.sbrt.fractions)
    for (label, tp_uid, _axis), line in lines.items():
        if (label, tp_uid, line.axis) not in have_lines:
            session.record_measurement(have[label].uid, tp_uid, line)
    for (label, tp_uid), (status, induced) in states.items():
        if (label, tp_uid) not in have_states:
            session.set_status(have[label].uid, tp_uid, status, radiation_induced=induced)


#: Store commands the pre-fill issues: a read whose audit holds any other was changed by the viewer.
PREFILL_ACTIONS = frozenset({"create_read", "add_lesion", "flag_irradiated", "record_measurement", "set_status"})


def _reads_changed_by_the_viewer(store: TrialStore) -> set[str]:
    """The reads with an audited change the pre-fill does not make (the audit trail read once)."""
    return {entry.read_uid for entry in store.audit_entries() if entry.read_uid and entry.action not in PREFILL_ACTIONS}


def _first_seen(subject: DemoSubject, timepoints: dict[str, Timepoint], label: str) -> str:
    """The uid of the time point of the first visit where the demo lesion ``label`` has a size."""
    visit = next(v for v in subject.visits if any(size.lesion_id == label for size in v.sizes))
    return timepoints[visit.visit_id].uid


def _ground_truth(images: DemoImages, subject: DemoSubject, timepoints: dict[str, Timepoint]
                  ) -> tuple[dict[str, DemoLesion], dict[tuple[str, str, Axis], LineMeasurement],
                             dict[tuple[str, str], tuple[Status | None, bool]]]:
    """The pre-filled read of ``subject``: lesions by label, lines by (label, time point, axis), and
    statements by (label, time point)."""
    lesions = {demo.lesion_id: demo for demo in subject.lesions}
    lines: dict[tuple[str, str, Axis], LineMeasurement] = {}
    states: dict[tuple[str, str], tuple[Status | None, bool]] = {}
    for visit in subject.visits:
        tp_uid = timepoints[visit.visit_id].uid
        truth = images.series_of(subject.subject_id, visit.visit_id).truth
        drawn = {t.lesion_id: t for t in truth.lesions}
        for size in visit.sizes:
            measured = size.state is Status.MEASURED
            if measured:
                for line in axis_lines(truth, drawn[size.lesion_id]):
                    lines[(size.lesion_id, tp_uid, line.axis)] = line
            if not measured or size.radiation_induced:
                states[(size.lesion_id, tp_uid)] = (None if measured else size.state, size.radiation_induced)
    return lesions, lines, states


def _same_lesion(lesion: Lesion, demo: DemoLesion) -> bool:
    """True when a stored lesion is still the demo's (role, organ, node; SBRT set by the demo or not yet)."""
    return (lesion.role.value, lesion.organ, lesion.nodal) == (demo.role.value, demo.location, demo.nodal) \
        and (demo.sbrt is not None or not lesion.irradiated)


def axis_lines(series: GroundTruth, lesion: LesionTruth) -> tuple[LineMeasurement, LineMeasurement]:
    """The long- and short-axis caliper lines of a phantom lesion, on the slice through its centre."""
    def line(axis: Axis, ends: tuple[tuple[float, float, float], tuple[float, float, float]]) -> LineMeasurement:
        return LineMeasurement.from_points(*ends, axis=axis, sop_uid=lesion.sop_instance_uid,
                                           series_uid=series.series_instance_uid,
                                           frame_of_reference_uid=series.frame_of_reference_uid)

    return line(Axis.LONG, lesion.long_axis_endpoints_mm), line(Axis.SHORT, lesion.short_axis_endpoints_mm)
