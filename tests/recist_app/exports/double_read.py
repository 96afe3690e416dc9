"""Fixtures of the export, SDTM and SR tests: the store tests' trial (SQLite and PostgreSQL) read by three readers.

The database fixtures are those of ``tests/recist_app/conftest.py`` (every ``db_url`` test runs on
both back ends, and password hashing stays cheap), which also registers the two fixtures here.
:func:`double_read_trial` adds to the scenario subject: the site radiologist's and central reader 1's
full read (PR, then PD on a new lesion), central reader 2's stable read (SD, no PD; two of its lines proposed by
the measuring tool, one of them moved), both central
reads signed and the adjudicator's acceptance of reader 1.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from recist_app.exports.runner import ExportResult, export_trial
from recist_app.model.records import MeasurementMethod, ReaderRole
from recist_app.store import ReadSession
from tests.recist_app.store.scenario import (
    PASSWORDS,
    PROFILE_TEXT,
    SUBJECT,
    Trial,
    apply_full_read,
    line,
    make_trial,
)

R1, R2, SITE, ADJ = (ReaderRole.CENTRAL_READER_1, ReaderRole.CENTRAL_READER_2, ReaderRole.SITE_RADIOLOGIST,
                     ReaderRole.ADJUDICATOR)


def stable_read(trial: Trial, session: ReadSession) -> None:
    """Reader 2's read: no new lesion, and T01 barely shrinks (SD throughout, no PD); the measuring tool proposed
    T01's line at the first follow-up and the reader moved its proposal at the second."""
    lesions = apply_full_read(session, trial.timepoints)
    session.delete_lesion(session.snapshot().lesion("N01"))
    methods = (MeasurementMethod.PROPOSED, MeasurementMethod.PROPOSED_EDITED)
    for tp, method in zip(trial.timepoints[1:3], methods, strict=True):
        measurement = next(m for m in session.snapshot().measurements
                           if m.lesion_uid == lesions["T01"].uid and m.timepoint_uid == tp.uid)
        session.edit_measurement(measurement, dataclasses.replace(line(38.0), method=method))


@dataclass
class DoubleRead:
    """The trial with its three reads; ``sessions`` by role."""

    trial: Trial
    sessions: dict[ReaderRole, ReadSession]


@pytest.fixture
def double_read(trial: Trial) -> DoubleRead:
    """Site, reader 1 and reader 2 reads; both central reads signed; the adjudicator accepts reader 1."""
    return build_double_read(trial)


def build_double_read(trial: Trial) -> DoubleRead:
    """The reads of :func:`double_read` recorded on ``trial``."""
    sessions = {role: trial.session(role) for role in (SITE, R1, R2)}
    apply_full_read(sessions[SITE], trial.timepoints)
    apply_full_read(sessions[R1], trial.timepoints)
    stable_read(trial, sessions[R2])
    for role in (R1, R2):
        for tp in trial.timepoints:
            sessions[role].sign(tp.uid, PASSWORDS[role])
    adjudicator = trial.store.adjudicator_session(trial.readers[ADJ].uid)
    (task,) = adjudicator.tasks()
    adjudicator.resolve(task.uid, sessions[R1].read_uid, "the new liver lesion is real", PASSWORDS[ADJ])
    return DoubleRead(trial, sessions)


@pytest.fixture
def exported(double_read: DoubleRead, tmp_path: Path) -> Iterator[ExportResult]:
    """The double-read trial exported (SDTM and timeline) to ``tmp_path / "export"``."""
    yield export_trial(double_read.trial.store, tmp_path / "export")


def export_once(folder: Path) -> Iterator[ExportResult]:
    """The double-read trial on SQLite, exported once into ``folder`` (for a module-scoped fixture: the CDISC files
    do not depend on the database back end, which the store tests cover)."""
    from recist_app.store import signoff

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(signoff, "SCRYPT_N", 2**10)
        trial = make_trial(str(folder / "trial.sqlite"))
        try:
            build_double_read(trial)
            yield export_trial(trial.store, folder / "export")
        finally:
            trial.store.close()


def export_full_read(folder: Path, sdtm_table: str) -> ExportResult:
    """Central reader 1's full read of the scenario exported as SDTM, under the scenario profile plus ``[sdtm]``
    ``sdtm_table`` (its keys, e.g. ``diameters = "recist"``)."""
    trial = make_trial(str(folder / "trial.sqlite"), profile_toml=f"{PROFILE_TEXT}\n[sdtm]\n{sdtm_table}\n")
    try:
        apply_full_read(trial.session(ReaderRole.CENTRAL_READER_1), trial.timepoints)
        return export_trial(trial.store, folder / "export", formats=["sdtm"])
    finally:
        trial.store.close()


def assess_again(sdtm: Path, folder: Path) -> list[dict[str, str]]:
    """The RS rows of ``assess`` on the exported TU / TR / SUPPTU in ``sdtm`` (scenario profile, exported subjects),
    written under ``folder``."""
    from recist_app.cli import main

    profile = folder / "p.toml"
    profile.write_text(PROFILE_TEXT, encoding="utf-8")
    status = main(["assess", "--tu", str(sdtm / "tu.csv"), "--tr", str(sdtm / "tr.csv"), "--supptu",
                   str(sdtm / "supptu.csv"), "--profile", str(profile), "--subjects", str(sdtm / "subjects.csv"),
                   "--out", str(folder / "again")])
    assert status == 0, "assess refused the exported SDTM"
    return read_csv(folder / "again" / "rs.csv")


def exported_rs(sdtm: Path) -> list[dict[str, str]]:
    """The exported RS rows in ``sdtm``, with the columns ``assess`` writes."""
    from recist_app.sdtm.response_tables import RS_COLUMNS

    return [{name: row[name] for name in (*RS_COLUMNS, "RSLNKGRP", "RSACPTFL")} for row in read_csv(sdtm / "rs.csv")]


def read_csv(path: Path) -> list[dict[str, str]]:
    """A CSV file as dictionaries (every value text)."""
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


__all__ = ["SUBJECT", "DoubleRead", "read_csv", "stable_read"]
