"""Batch helpers: chunks of whole subjects, forked workers, and assess's parallel = serial output."""

from __future__ import annotations

import itertools
import pickle
from pathlib import Path

import pytest

from assessment.errors import InvalidInputError, ProfileError
from benchmarks.generate_trial import generate
from recist_app.cli import batch, main
from recist_app.errors import InputFileError
from recist_app.imaging.errors import NotDicomError


@pytest.mark.parametrize("parts", [1, 2, 3, 7])
def test_split_contiguous_keeps_subjects_whole_and_order(parts):
    items = [(subject, read) for subject in "aabbbbcdddeffff" for read in (1,)]
    chunks = batch.split_contiguous(items, parts, key=lambda item: item[0])
    assert [item for chunk in chunks for item in chunk] == items
    assert len(chunks) <= parts
    owners = [{item[0] for item in chunk} for chunk in chunks]
    for left, right in itertools.pairwise(owners):
        assert not left & right  # no subject in two chunks


def test_split_contiguous_of_nothing_is_no_chunk():
    assert batch.split_contiguous([], 2, key=str) == []


def _total(chunk):
    return sum(chunk)


def _fail(chunk):
    raise InvalidInputError("chunk", list(chunk), "something else")


def test_map_in_processes_returns_results_in_order():
    chunks = [[1, 2], [3], [4, 5, 6]]
    assert batch.map_in_processes(_total, chunks) == [3, 3, 15]


def test_worker_errors_come_back_with_their_type_and_values():
    with pytest.raises(InvalidInputError, match='"chunk" must be something else') as caught:
        batch.map_in_processes(_fail, [[1], [2]])
    assert caught.value.argument == "chunk"


@pytest.mark.parametrize("error", [InvalidInputError("x", 1, "2"), ProfileError("k", "bad."),
                                   InputFileError("f.csv", 3, "bad value."),
                                   NotDicomError("no DICOM here.", paths=("a",), unreadable=("a: text",))])
def test_typed_errors_pickle(error):
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error) and str(again) == str(error)


def test_cyclic_gc_is_restored():
    """Restored as it was: enabled, or disabled (the GUI's own policy, widgets/app.py, set by a test before)."""
    import gc
    was_enabled = gc.isenabled()
    try:
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            with batch.cyclic_gc_paused():
                assert not gc.isenabled()
            assert gc.isenabled() == enabled
    finally:
        (gc.enable if was_enabled else gc.disable)()


def test_assess_output_is_the_same_serial_and_parallel(tmp_path: Path, monkeypatch):
    generate(tmp_path / "trial", subjects=240, visits=4, lesions=6, seed=3)
    outputs = {}
    for workers in (1, 2):
        monkeypatch.setattr("recist_app.cli.commands.assess.worker_count", lambda workers=workers: workers)
        out = tmp_path / f"out{workers}"
        assert main(["assess", "--tu", str(tmp_path / "trial" / "TU.csv"), "--tr",
                     str(tmp_path / "trial" / "TR.csv"), "--out", str(out)]) == 0
        outputs[workers] = {name: (out / name).read_bytes() for name in
                            ("rs.csv", "tr_derived.csv", "timeline.csv", "timeline_dictionary.csv")}
    assert outputs[1] == outputs[2]
    assert outputs[1]["rs.csv"].count(b"\n") > 240  # every subject has rows


def test_written_tables_are_readable_by_others(tmp_path: Path):
    """Atomic writes go through mkstemp (mode 0600); the result must have a normal file's mode."""
    import os
    import stat

    from recist_app.sdtm.csv_io import write_table

    target = tmp_path / "t.csv"
    write_table(target, ("A",), [{"A": "x"}])
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert target.read_bytes() == b"A\r\nx\r\n"
