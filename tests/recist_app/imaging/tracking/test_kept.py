"""Issue 16: an alignment is kept per pair of series between sessions (``recist_app.imaging.tracking.kept``)."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import numpy as np
import pytest

from recist_app.demo.phantom import PhantomSpec, write_series
from recist_app.imaging.load import load_series_from_folder
from recist_app.imaging.tracking import kept
from recist_app.imaging.tracking.alignment import Alignment
from recist_app.imaging.volume import CtVolume
from tests.recist_app.imaging.tracking.truth import PHANTOM_MOTION


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[CtVolume, CtVolume]:
    folder = tmp_path_factory.mktemp("kept")
    spec = PhantomSpec.chest(slices=32, rows=128, columns=128, slice_spacing_mm=5.0)
    write_series(spec, folder / "baseline")
    write_series(dataclasses.replace(spec, seed=1, motion=dataclasses.replace(PHANTOM_MOTION, wave_mm=0.0)),
                 folder / "followup")
    return load_series_from_folder(folder / "baseline"), load_series_from_folder(folder / "followup")


def test_an_alignment_is_made_once_per_pair(pair: tuple[CtVolume, CtVolume], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Made and kept the first time; read back (the same map, no registration) the next; aligned anew for a
    series rewritten under the same UIDs, and for a kept file that cannot be read (said in the log)."""
    monkeypatch.setenv("RECIST_ALIGNMENT_CACHE", str(tmp_path / "kept"))
    baseline, followup = pair
    made = kept.alignment_of(baseline, followup)
    assert made.angle_degrees > 3.0 and kept.kept_path(baseline, followup).is_file()
    calls: list[str] = []
    real_align = kept.align

    def counting(one: CtVolume, two: CtVolume) -> Alignment:
        calls.append(two.series_uid)
        return real_align(one, two)

    monkeypatch.setattr(kept, "align", counting)
    again = kept.alignment_of(baseline, followup)
    assert calls == [] and again.rotation == made.rotation and again.translation == made.translation
    np.testing.assert_allclose(again.map((10.0, 20.0, 30.0)), made.map((10.0, 20.0, 30.0)))
    rewritten = dataclasses.replace(followup, hu=np.roll(followup.hu, 3, axis=2))  # same UIDs, other pixels
    assert kept.kept_path(baseline, rewritten) != kept.kept_path(baseline, followup)
    kept.kept_path(baseline, followup).write_text('{"rotation": [[1, 0]], "translation": "x"}', encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        repaired = kept.alignment_of(baseline, followup)
    assert calls == [followup.series_uid] and "cannot be read" in caplog.text
    np.testing.assert_allclose(repaired.rotation, made.rotation, atol=1e-9)


def test_a_cache_that_cannot_be_written_costs_only_time(pair: tuple[CtVolume, CtVolume], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("RECIST_ALIGNMENT_CACHE", str(blocker / "kept"))
    baseline, followup = pair
    with caplog.at_level(logging.WARNING):
        made = kept.alignment_of(baseline, followup)
    assert made.angle_degrees > 3.0 and "not kept" in caplog.text
    assert kept.kept_alignment(baseline, followup) is None

