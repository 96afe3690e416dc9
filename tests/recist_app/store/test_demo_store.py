"""The demo trial in the trial database (issue 5), on SQLite and PostgreSQL.

The engine, run on each STORED pre-filled read, must give every category the design states by
hand (RECIST 1.1, iRECIST, subsets, abscopal, local control, BOR / PFS); the stored lines are the
phantom's axes; building again duplicates nothing; ``main.py demo`` works and fails with exit 2.
Small images (128 px, 16 slices) are written once for the module and reused by every build.
"""

from __future__ import annotations

import math
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from recist_app.cli import main
from recist_app.demo import store as demo_store
from recist_app.demo.design import DemoVisit
from recist_app.demo.images import DemoImages, write_demo_images
from recist_app.demo.store import DemoTrial, build_demo_trial
from recist_app.demo.trial import DEMO_DESIGN
from recist_app.evaluation.engine import outcome
from recist_app.model.records import Axis, ReaderRole, Status
from recist_app.store import TrialStore
from tests.recist_app.store.scenario import PROFILE_TEXT
from tests.support import REPO_ROOT

SIZE, SLICES = 128, 16
SUBJECTS = tuple(subject.subject_id for subject in DEMO_DESIGN.subjects)


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> DemoImages:
    """The demo series, written once; every build below finds and reuses them."""
    return write_demo_images(tmp_path_factory.mktemp("demo_images"), size=SIZE, slices=SLICES)


def build(db_url: str, images: DemoImages, **kwargs: object) -> DemoTrial:
    return build_demo_trial(db_url, images.folder, size=SIZE, slices=SLICES, **kwargs)


def visit_ids(store: TrialStore, subject_id: str) -> dict[str, str]:
    """Store time-point uid → design visit id (matched by scan date)."""
    by_date = {visit.date: visit.visit_id for visit in DEMO_DESIGN.subject(subject_id).visits}
    return {tp.uid: by_date[tp.scan_date] for tp in store.timepoints(subject_id) if tp.scan_date}


def follow_ups(subject_id: str) -> tuple[DemoVisit, ...]:
    return DEMO_DESIGN.subject(subject_id).visits[1:]


def test_stored_reads_give_every_expected_category(db_url: str, images: DemoImages) -> None:
    trial = build(db_url, images)
    assert not trial.images_written and trial.trial_created
    with TrialStore.open(db_url, trial.trial_code) as store:
        for subject_id in SUBJECTS:
            session = store.reader_session(trial.demo_reader.uid, subject_id, password=trial.demo_reader.password)
            report = session.evaluate()
            visit = visit_ids(store, subject_id)
            expected = [(v.visit_id, v.expected.recist, v.expected.irecist) for v in follow_ups(subject_id)
                        if v.expected]
            recist = {visit[tp.visit_id]: tp.overall for tp in report.recist.follow_ups}
            irecist = {visit[tp.visit_id]: tp.overall for tp in report.irecist.timepoints}
            assert [(v, recist.get(v), irecist.get(v)) for v, _, _ in expected] == expected, subject_id
            assert report.recist.baseline_findings == ()
            subsets = report.subsets
            assert subsets is not None
            actual = [(visit[tp.visit_id], tp.irradiated.response if tp.irradiated else None,
                       tp.non_irradiated.response if tp.non_irradiated else None, tp.abscopal_sum30,
                       tp.abscopal_any_lesion30,
                       tuple(c.lesion_id for c in subsets.local_control for v in c.verdicts
                             if v.visit_id == tp.visit_id and v.local_progression))
                      for tp in subsets.follow_ups]
            assert actual == [(v.visit_id, v.expected.irradiated, v.expected.non_irradiated,
                               v.expected.abscopal_sum30, v.expected.abscopal_any_lesion30,
                               v.expected.local_progression) for v in follow_ups(subject_id) if v.expected]
            result = outcome(session.snapshot(), report)
            wanted = DEMO_DESIGN.subject(subject_id).outcome
            assert (result.best_response.category, result.confirmed_best_response.category, result.pfs.days,
                    result.pfs.censored) == (wanted.bor, wanted.confirmed_bor, wanted.pfs_days, wanted.pfs_censored)


def test_read_series_and_measurements_follow_the_ground_truth(db_url: str, images: DemoImages) -> None:
    trial = build(db_url, images)
    with TrialStore.open(db_url, trial.trial_code) as store:
        assert store.trial.profile_toml == PROFILE_TEXT
        assert {(r.name, r.role) for r in store.readers()} == {(r.name, r.role) for r in trial.readers}
        summaries = store.reads()
        assert [(s.subject_id, s.reader_role, s.signed_timepoints) for s in summaries] == [
            (subject_id, ReaderRole.SITE_RADIOLOGIST, 0) for subject_id in SUBJECTS]  # no central read, unsigned
        for subject in DEMO_DESIGN.subjects:
            stored = store.subject(subject.subject_id)
            assert (stored.arm, stored.randomised_on, stored.first_dose_on, stored.prev_pfs_days) == (
                subject.arm, subject.randomisation, subject.first_dose, subject.previous_line_pfs_days)
            visit = visit_ids(store, subject.subject_id)
            for tp in store.timepoints(subject.subject_id):
                truth = images.series_of(subject.subject_id, visit[tp.uid]).truth
                (link,) = tp.series
                assert (link.study_uid, link.series_uid, link.frame_of_reference_uid, link.modality,
                        Path(link.path), link.slice_thickness_mm) == (
                    truth.study_instance_uid, truth.series_instance_uid, truth.frame_of_reference_uid, "CT",
                    Path(truth.folder), 5.0)
            snapshot = store.reader_session(trial.demo_reader.uid, subject.subject_id,
                                            password=trial.demo_reader.password).snapshot()
            _check_lesions_and_lines(snapshot, subject.subject_id, visit, images)


def _check_lesions_and_lines(snapshot: object, subject_id: str, visit: dict[str, str], images: DemoImages) -> None:
    subject = DEMO_DESIGN.subject(subject_id)
    lesions = {lesion.label: lesion for lesion in snapshot.lesions}
    assert sorted(lesions) == sorted(lesion.lesion_id for lesion in subject.lesions)
    for demo in subject.lesions:
        lesion = lesions[demo.lesion_id]
        sbrt = demo.sbrt
        assert (lesion.role.value, lesion.organ, lesion.nodal, lesion.irradiated, lesion.previously_irradiated,
                lesion.sbrt_start, lesion.sbrt_end, lesion.sbrt_dose_gy, lesion.sbrt_fractions) == (
            demo.role.value, demo.location, demo.nodal, sbrt is not None, demo.previously_irradiated,
            sbrt and sbrt.start, sbrt and sbrt.end, sbrt and float(sbrt.dose_gy), sbrt and sbrt.fractions)
        first = next(v for v in subject.visits if v.size(demo.lesion_id) is not None)
        assert visit[lesion.first_timepoint_uid] == first.visit_id
    lines = {(m.lesion_uid, visit[m.timepoint_uid], m.line.axis): m.line
             for m in snapshot.measurements}
    states = {(s.lesion_uid, visit[s.timepoint_uid]): s for s in snapshot.states}
    expected_lines, expected_states = 0, 0
    for demo_visit in subject.visits:
        truth = images.series_of(subject_id, demo_visit.visit_id).truth
        drawn = {t.lesion_id: t for t in truth.lesions}
        for size in demo_visit.sizes:
            uid = lesions[size.lesion_id].uid
            if size.state is Status.MEASURED:
                expected_lines += 2
                lesion_truth = drawn[size.lesion_id]
                for axis, design_mm, ends in ((Axis.LONG, size.long_axis_mm, lesion_truth.long_axis_endpoints_mm),
                                              (Axis.SHORT, size.short_axis_mm, lesion_truth.short_axis_endpoints_mm)):
                    line = lines[(uid, demo_visit.visit_id, axis)]
                    assert abs(line.length_mm - math.dist(*ends)) <= 0.1
                    assert abs(line.length_mm - float(design_mm)) <= 0.1
                    assert (line.sop_uid, line.series_uid, line.frame_of_reference_uid) == (
                        lesion_truth.sop_instance_uid, truth.series_instance_uid,
                        truth.frame_of_reference_uid)
            if size.state is not Status.MEASURED or size.radiation_induced:
                expected_states += 1
                state = states[(uid, demo_visit.visit_id)]
                assert (state.status, state.radiation_induced) == (
                    None if size.state is Status.MEASURED else size.state, size.radiation_induced)
    assert (len(lines), len(states)) == (expected_lines, expected_states)


def test_building_again_duplicates_nothing(db_url: str, images: DemoImages) -> None:
    first = build(db_url, images)
    with TrialStore.open(db_url, first.trial_code) as store:
        entries = len(store.audit_entries())
    again = build(db_url, images)
    assert (again.trial_created, again.images_written) == (False, False)
    assert (again.readers, again.subject_ids) == (first.readers, first.subject_ids)
    with TrialStore.open(db_url, first.trial_code) as store:
        assert len(store.audit_entries()) == entries  # nothing added, nothing changed
        assert len(store.subjects()) == 3 and len(store.reads()) == 3 and len(store.readers()) == 5
        assert sum(len(store.timepoints(s)) for s in SUBJECTS) == 11
        assert store.verify_chain().ok


def test_building_again_keeps_the_readers_edits_and_completes_the_rest(db_url: str, images: DemoImages) -> None:
    trial = build(db_url, images)
    with TrialStore.open(db_url, trial.trial_code) as store:
        session = store.reader_session(trial.demo_reader.uid, "STS-001", password=trial.demo_reader.password)
        session.delete_lesion(session.snapshot().lesion("NT01"))
        store.add_subject("OTHER-1", demo_store.DEMO_SITE)
    build(db_url, images)
    with TrialStore.open(db_url, trial.trial_code) as store:
        labels = {lesion.label for lesion in store.reader_session(trial.demo_reader.uid, "STS-001",
                                                                 password=trial.demo_reader.password).snapshot().lesions}
        assert labels == {"T01", "T02", "T03", "T04"}
        assert len(store.subjects()) == 4


#: A demo build killed (``os._exit``: no clean-up of ours runs) after its 30th stored line.
KILLED_BUILD = """
import os, sys
from recist_app.demo.store import build_demo_trial
from recist_app.store import ReadSession, signoff

signoff.SCRYPT_N = 2 ** 10
real, calls = ReadSession.record_measurement, []

def record_measurement(self, *args, **kwargs):
    calls.append(1)
    if len(calls) > 30:
        os._exit(9)
    return real(self, *args, **kwargs)

ReadSession.record_measurement = record_measurement
build_demo_trial(sys.argv[1], sys.argv[2], size=int(sys.argv[3]), slices=int(sys.argv[4]))
"""


def read_content(db_url: str, trial: DemoTrial) -> dict[str, tuple[object, ...]]:
    """Per subject: the Demo Reader's lesions, lines and statements (uids and time-stamps left out)."""
    with TrialStore.open(db_url, trial.trial_code) as store:
        content = {}
        for subject in SUBJECTS:
            snapshot = store.reader_session(trial.demo_reader.uid, subject,
                                            password=trial.demo_reader.password).snapshot()
            labels = {lesion.uid: lesion.label for lesion in snapshot.lesions}
            dates = {tp.uid: tp.scan_date for tp in snapshot.timepoints}
            content[subject] = (
                sorted((les.label, les.role, les.organ, les.irradiated) for les in snapshot.lesions),
                sorted((labels[m.lesion_uid], dates[m.timepoint_uid], m.line.axis, m.line.p1_mm, m.line.p2_mm)
                       for m in snapshot.measurements),
                sorted((labels[st.lesion_uid], dates[st.timepoint_uid], str(st.status), st.radiation_induced)
                       for st in snapshot.states))
        return content


def test_a_build_killed_half_way_is_completed_by_the_next(db_url: str, images: DemoImages, tmp_path: Path) -> None:
    """Issue 14: each store command is its own transaction, so a killed build leaves a half pre-filled read."""
    child = subprocess.run([sys.executable, "-c", KILLED_BUILD, db_url, str(images.folder), str(SIZE), str(SLICES)],
                           cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert child.returncode == 9, child.stderr
    again = build(db_url, images)
    assert not again.trial_created
    complete = build(str(tmp_path / "fresh.sqlite"), images)
    assert read_content(db_url, again) == read_content(str(tmp_path / "fresh.sqlite"), complete)
    with TrialStore.open(db_url, again.trial_code) as store:
        assert store.verify_chain().ok


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def small_images(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command writes the module's small images (its defaults are 256 px, 40 slices)."""
    monkeypatch.setattr(demo_store, "DEFAULT_SIZE", SIZE)
    monkeypatch.setattr(demo_store, "DEFAULT_SLICES", SLICES)


@pytest.mark.usefixtures("small_images")
def test_demo_command(db_url: str, images: DemoImages, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "demo", "--db", db_url, "--images", str(images.folder))
    assert (status, err) == (0, "")
    assert out.startswith("Demo trial STEREOSARC-DEMO created: ")
    assert "3 subjects, 11 time points, 11 series" in out and "images: " in out and "(reused;" in out
    assert "STS-003 (SBRT + atezolizumab): 4 time points, 4 CT series: BASELINE 2024-02-29" in out
    assert 'Log in as "Demo Reader" with password "demo".' in out
    status, out, _ = run(capsys, "demo", "--db", db_url, "--images", str(images.folder))
    assert status == 0 and "already built" in out and "3 subjects, 11 time points, 11 series" in out
    with TrialStore.open(db_url, "STEREOSARC-DEMO") as store:
        reader = next(r for r in store.readers() if r.name == "Demo Reader")
        session = store.reader_session(reader.uid, "STS-002", password="demo")
        baseline = store.timepoints("STS-002")[0]
        assert session.sign(baseline.uid, "demo").signed  # the documented password works
        assert session.snapshot().subject.first_dose_on == date(2024, 2, 12)


@pytest.mark.usefixtures("small_images")
def test_demo_command_defaults_and_force(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    status, out, err = run(capsys, "demo")
    data = tmp_path / "data" / "recist-workstation"
    assert (status, err) == (0, "") and f"created: {data / 'trials' / 'STEREOSARC-DEMO.sqlite'}" in out
    assert f"images: {data / 'demo_images'} (written;" in out
    with TrialStore.open(data / "trials" / "STEREOSARC-DEMO.sqlite") as store:
        reader = next(r for r in store.readers() if r.name == "Demo Reader")
        session = store.reader_session(reader.uid, "STS-001", password="demo")
        session.delete_lesion(session.snapshot().lesion("T01"))
    status, out, _ = run(capsys, "demo", "--force")
    assert status == 0 and "created:" in out and "(written;" in out
    with TrialStore.open(data / "trials" / "STEREOSARC-DEMO.sqlite") as store:
        reader = next(r for r in store.readers() if r.name == "Demo Reader")
        assert len(store.reader_session(reader.uid, "STS-001", password="demo").snapshot().lesions) == 5  # afresh


def test_demo_command_bad_input_exits_2(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other.sqlite"
    TrialStore.create(other, code="STEREOSARC").close()
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x", encoding="utf-8")
    cases = [
        (("demo", "--db", "mysql://x@y/z", "--images", str(tmp_path)), "give a SQLite file path or a postgresql://"),
        (("demo", "--db", str(other), "--images", str(tmp_path)), "already holds trial STEREOSARC"),
        (("demo", "--db", str(other), "--force", "--images", str(tmp_path)),
         "--force deletes only a demo database"),
        (("demo", "--db", str(tmp_path / "new.sqlite"), "--images", str(not_a_folder)), "cannot hold the demo images"),
    ]
    if "://" in db_url:
        cases.append((("demo", "--db", db_url, "--force", "--images", str(tmp_path)), "only a SQLite demo database"))
    for argv, message in cases:
        status, _, err = run(capsys, *argv)
        assert status == 2, argv
        assert err.startswith("error: ") and err.count("\n") == 1 and message in err, (argv, err)
    assert not any(tmp_path.glob("STS-*"))  # no image written for a bad --db
