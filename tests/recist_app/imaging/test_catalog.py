"""``recist_app.imaging.catalog``: every series of a time point with what a reader needs to choose.

Real data: Lung_Dx-A0001 holds two reconstructions of one acquisition, both described "5mm", told
apart only by their series number and (0018,1210) Convolution Kernel (L lung, B soft tissue).
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import pydicom
import pytest

from recist_app.imaging import catalog as catalog_module
from recist_app.imaging.catalog import (
    Orientation,
    SeriesOption,
    catalog,
    catalog_links,
    orientation_of,
)
from tests.recist_app.imaging.test_scan import write_ct
from tests.support import require

A0001 = Path("data", "ct", "lung_pet_ct_dx", "Lung_Dx-A0001")
REIMPORT = "re-import the study"


@dataclasses.dataclass(frozen=True)
class Link:
    """A series link as the trial database records it (the fields ``catalog_links`` reads)."""

    series_uid: str
    path: str
    description: str = ""
    modality: str = "CT"
    slice_thickness_mm: float | None = None
    series_number: int | None = None


@pytest.fixture
def a0001(shared_dir: Path) -> Path:
    folder = shared_dir / A0001
    require(folder.is_dir(), f"shared data {folder} is missing; clone ../shared beside the project")
    return folder


@pytest.mark.shared_data
def test_a0001_lists_both_kernels_headers_only(a0001: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pixels(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the catalog must not decode pixels")

    monkeypatch.setattr(pydicom.dataset.Dataset, "convert_pixel_data", no_pixels)
    start = time.perf_counter()
    lung, soft = catalog(a0001)
    elapsed = time.perf_counter() - start
    assert (lung.series_number, lung.kernel, soft.series_number, soft.kernel) == (2, "L", 3, "B")
    for entry, folder in ((lung, "series2_5mm_kernel-L"), (soft, "series3_5mm_kernel-B")):
        assert (entry.description, entry.modality, entry.thickness_mm, entry.slice_count) == ("5mm", "CT", 5.0, 64)
        assert entry.orientation is Orientation.AXIAL and entry.orientation == "AXIAL"
        assert (entry.usable, entry.reason, entry.findings) == (True, "", ())
        assert entry.path == os.fspath((a0001 / folder).resolve())  # the scan resolves paths
    assert lung.study_uid == soft.study_uid and lung.frame_of_reference_uid == soft.frame_of_reference_uid
    assert lung.series_uid != soft.series_uid
    assert (lung.label, soft.label) == ('series 2 "5mm" (kernel L)', 'series 3 "5mm" (kernel B)')
    assert elapsed < 5.0, f"catalog of 128 headers took {elapsed:.2f} s"  # measured ≈ 0.05 s warm


@pytest.mark.shared_data
def test_a0001_series_folders_and_links(a0001: Path, tmp_path: Path) -> None:
    lung, soft = catalog([a0001 / "series2_5mm_kernel-L", a0001 / "series3_5mm_kernel-B", a0001])
    assert [s.kernel for s in (lung, soft)] == ["L", "B"]  # the parent folder adds nothing twice
    gone = tmp_path / "moved-away"
    links = [Link(soft.series_uid, soft.path, "5mm", series_number=3),
             Link("1.2.3.999", lung.path, "5mm thin", series_number=9),
             Link("1.2.3.4", str(gone), "5mm", slice_thickness_mm=5.0, series_number=2),
             Link(lung.series_uid, lung.path, "5mm", series_number=2)]
    found = catalog_links(links)
    assert [entry.series_uid for entry in found] == [link.series_uid for link in links]
    assert found[0] == soft and found[3] == lung
    assert not found[1].usable and found[1].reason == (f"the folder {lung.path} no longer holds this series: "
                                                       f"{REIMPORT}")
    assert (found[2].usable, found[2].reason) == (False, f"the folder {gone} is missing: {REIMPORT}")
    assert (found[2].description, found[2].series_number, found[2].thickness_mm) == ("5mm", 2, 5.0)
    assert found[2].label == 'series 2 "5mm"' and found[2].orientation is Orientation.UNKNOWN


def test_missing_folder_is_listed_not_usable(tmp_path: Path) -> None:
    gone = tmp_path / "study" / "series2"
    (entry,) = catalog([gone])
    assert entry == SeriesOption(series_uid="", series_number=None, description="", kernel="", thickness_mm=None,
                                  slice_count=0, orientation=Orientation.UNKNOWN, modality="", findings=(),
                                  usable=False, reason=f"the folder {gone} is missing: re-import the study",
                                  path=str(gone))
    (link,) = catalog_links([Link("1.2.3", str(gone), "CHEST 5mm")])
    assert (link.usable, link.series_uid, link.description) == (False, "1.2.3", "CHEST 5mm")
    assert link.reason == f"the folder {gone} is missing: {REIMPORT}"
    (no_path,) = catalog_links([Link("1.2.3", "")])
    assert no_path.reason == f"no folder was recorded for it: {REIMPORT}"


def test_folder_without_images_is_listed_not_usable(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not an image")
    (entry,) = catalog(tmp_path)
    assert not entry.usable and entry.reason == f"the folder {tmp_path} holds no readable DICOM image: {REIMPORT}"


def test_unreadable_folder_is_listed_not_usable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_ct(tmp_path / "locked", [0.0, 2.0])

    def denied(root: Path, workers: int) -> None:
        raise PermissionError(13, "Permission denied", str(root))

    monkeypatch.setattr(catalog_module.dicom_scan, "scan", denied)  # as root, chmod 0 would not stop the scan
    (entry,) = catalog(tmp_path / "locked")
    assert not entry.usable
    assert entry.reason == f"the folder {tmp_path / 'locked'} cannot be read (Permission denied): {REIMPORT}"


def test_usable_and_not_usable_series(tmp_path: Path) -> None:
    write_ct(tmp_path / "a", [0.0, 2.0, 4.0], SeriesNumber=2, SeriesDescription="CHEST", ConvolutionKernel="B31f")
    write_ct(tmp_path / "b", [0.0, 2.0, 4.0], SeriesNumber=3, Modality="PT")
    write_ct(tmp_path / "c", [0.0], SeriesNumber=4)
    write_ct(tmp_path / "d", [0.0, 2.0], SeriesNumber=5, ImageType=["ORIGINAL", "PRIMARY", "LOCALIZER"])
    write_ct(tmp_path / "e", [0.0, 2.0, 4.0, 8.0, 10.0], SeriesNumber=6, ConvolutionKernel=["FC08", "AIDR"])
    write_ct(tmp_path / "f", [0.0, 2.0, 2.0, 4.0], SeriesNumber=7)
    entries = {entry.series_number: entry for entry in catalog(tmp_path)}
    assert set(entries) == {2, 3, 4, 5, 6, 7}
    assert (entries[2].usable, entries[2].kernel, entries[2].description) == (True, "B31f", "CHEST")
    assert entries[3].reason == "not CT (modality PT)"
    assert entries[4].reason == "a single image, not a stack of slices" and entries[4].slice_count == 1
    assert entries[5].reason == "a localizer (scout) image, not a stack of slices"
    assert entries[6].usable and "MISSING_SLICES" in entries[6].finding_codes()  # the loader copes; shown
    assert entries[6].kernel == "FC08\\AIDR" and any("gap" in m for m in entries[6].finding_messages())
    assert not entries[7].usable and "two stacks of slices" in entries[7].reason
    assert all(not e.usable for n, e in entries.items() if n in (3, 4, 5, 7))


def test_a_missing_path_does_not_hide_the_others(tmp_path: Path) -> None:
    write_ct(tmp_path / "ct", [0.0, 2.0, 4.0], SeriesNumber=2)
    gone, ok = catalog([tmp_path / "gone", tmp_path / "ct"])
    assert (gone.usable, ok.usable, ok.series_number, ok.slice_count) == (False, True, 2, 3)


@pytest.mark.parametrize(("iop", "expected"), [
    ((1, 0, 0, 0, 1, 0), Orientation.AXIAL),
    ((1, 0, 0, 0, 0.9483237, -0.3173047), Orientation.AXIAL),  # 18.5° gantry tilt stays axial
    ((1, 0, 0, 0, 0, -1), Orientation.CORONAL),
    ((0.999918, -0.012787, 0, 0, 0, -1), Orientation.CORONAL),
    ((0, 1, 0, 0, 0, -1), Orientation.SAGITTAL),
    ((0.7071, 0.7071, 0, 0, 0, -1), Orientation.OBLIQUE),
    ((1, 0, 0, 0, 0.7071, 0.7071), Orientation.OBLIQUE),
    (None, Orientation.UNKNOWN),
    ((1, 0, 0), Orientation.UNKNOWN),
])
def test_orientation_of(iop: tuple[float, ...] | None, expected: Orientation) -> None:
    assert orientation_of(iop) is expected
