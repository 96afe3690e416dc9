"""Issue 13, DICOM half: bad input never crashes, hangs, exhausts memory or gives a silently wrong answer.

One test per class of the issue, each on a real file of ``../shared/data`` with one header value
changed, run through the command line in process (``recist_app.cli.main`` with captured streams):
``main.py scan`` / ``load`` end with exit 2 and one stderr line naming the file and the value (no
traceback), or exit 0 with the image uncalibrated or the problem reported as a finding; for the
silent classes the corrected result is checked too. The mutation campaign is ``test_dicom_fuzz.py``.
"""

from __future__ import annotations

import json
import os
import resource
import struct
import subprocess
import sys
import time
import tracemalloc
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pytest
from pydicom.dataelem import RawDataElement
from pydicom.encaps import encapsulate, generate_frames
from pydicom.tag import Tag

from recist_app.cli import EXIT_BROKEN_PIPE, main
from recist_app.imaging import decode as pixel_decode
from recist_app.imaging import memory_budget
from recist_app.imaging.errors import (
    DicomError,
    InvalidHeaderError,
    NotEnoughMemoryError,
    UncalibratedImageError,
)
from recist_app.imaging.header import read_header
from recist_app.imaging.load import SeriesLoad, load_series
from tests.recist_app.imaging import dicom_mutants
from tests.support import REPO_ROOT, SHARED_DIR, require

HEAD = SHARED_DIR / "data/ct/slicer_ct_head_64x64"
TS_DIR = SHARED_DIR / "data/compressed/cornerstone_ctimage_all_ts"
JPEG_LS = TS_DIR / "CTImage.dcm_JPEGLSLosslessTransferSyntax_1.2.840.10008.1.2.4.80.dcm"
J2K = TS_DIR / "CTImage.dcm_JPEG2000LosslessOnlyTransferSyntax_1.2.840.10008.1.2.4.90.dcm"
RLE = TS_DIR / "CTImage.dcm_RLELosslessTransferSyntax_1.2.840.10008.1.2.5.dcm"
ENHANCED_JPEG = SHARED_DIR / "data/multiframe/CT0012.fragmented_no_bot_jpeg_baseline.51.dcm"
DELETE = object()
#: Environment of the memory-limited subprocesses: OpenBLAS reserves address space per core (tens of MiB
#: each on a many-core CI machine), which RLIMIT_AS counts; one BLAS thread keeps the baseline small.
SMALL_PROCESS = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}

pytestmark = pytest.mark.shared_data


@pytest.fixture(autouse=True)
def _shared_data() -> None:
    require(HEAD.is_dir() and TS_DIR.is_dir(), f"{SHARED_DIR / 'data'} is missing; clone ../shared beside the project")


def mutated(folder: Path, source: Path, name: str = "bad.dcm", **values: Any) -> Path:
    """``source`` with ``values`` set (``DELETE`` removes; ``bytes`` are written raw, as a corrupt file
    holds them) saved as ``folder / name``."""
    folder.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns on the invalid values we write on purpose
        ds = pydicom.dcmread(source)
        for keyword, value in values.items():
            tag = Tag(pydicom.datadict.tag_for_keyword(keyword))
            if value is DELETE:
                del ds[tag]
            elif isinstance(value, bytes):
                ds[tag] = RawDataElement(tag, pydicom.datadict.dictionary_VR(tag), len(value), value, 0, False, True)
            else:
                setattr(ds, keyword, value)
        ds.save_as(folder / name)
    return folder / name


def head_series(folder: Path, count: int = 3, **values: Any) -> list[Path]:
    """The first ``count`` slices of the 64 × 64 head CT, each with ``values`` set."""
    return [mutated(folder, HEAD / f"CTHead{i}.dcm", f"CTHead{i}.dcm", **values) for i in range(1, count + 1)]


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    """``main.py <argv>`` in process: (exit status, stdout, stderr); an exception escaping ``main``
    (a traceback on the console) fails the test."""
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err


def refused(result: tuple[int, str, str], path: Path, *values: str) -> str:
    """Exit 2, nothing on stdout and ONE stderr line ``error: …`` naming ``path`` and ``values``."""
    code, out, err = result
    assert code == 2, (code, out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert path.name in lines[0], lines[0]
    for value in values:
        assert value in lines[0], (value, lines[0])
    assert "Traceback" not in err and out == ""
    return lines[0]


def strict_json(text: str) -> Any:
    """JSON that a strict reader accepts: NaN and Infinity fail."""
    return json.loads(text, parse_constant=lambda constant: pytest.fail(f"{constant} in JSON output"))


def scanned(capsys: pytest.CaptureFixture[str], folder: Path) -> dict[str, Any]:
    """``scan --json`` of ``folder`` (exit 0, nothing on stderr): the only series."""
    code, out, err = run(capsys, "scan", folder, "--json")
    assert (code, err) == (0, ""), err
    (series,) = strict_json(out)["series"]
    return dict(series)


def finding(summary: dict[str, Any], code: str) -> str:
    """The message of finding ``code`` of a ``scan`` series or a ``load`` summary."""
    messages = [f["message"] for f in summary["findings"] if f["code"] == code]
    assert messages, (code, summary["findings"])
    return str(messages[0])


# --- tracebacks ----------------------------------------------------------------------------------


def test_negative_number_of_frames(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = mutated(tmp_path, HEAD / "CTHead1.dcm", NumberOfFrames=-1)
    refused(run(capsys, "load", path), path, "Number of Frames (0028,0008) is -1")
    assert "'-1'" in finding(scanned(capsys, tmp_path), "INVALID_NUMBER_OF_FRAMES")


@pytest.mark.parametrize("bits_stored", [0, DELETE])
def test_bits_stored_zero_or_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str], bits_stored: object) -> None:
    path = mutated(tmp_path, HEAD / "CTHead1.dcm", BitsStored=bits_stored)
    refused(run(capsys, "load", path), path, "Bits Stored (0028,0101) is missing or 0")
    assert "Bits Stored (0028,0101)" in finding(scanned(capsys, tmp_path), "INVALID_PIXEL_DATA")


@pytest.mark.parametrize(("keyword", "tag"), [("Rows", "(0028,0010)"), ("Columns", "(0028,0011)")])
def test_rows_or_columns_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str], keyword: str, tag: str) -> None:
    path = mutated(tmp_path, HEAD / "CTHead1.dcm", **{keyword: 0})
    refused(run(capsys, "load", path), path, f"{keyword} {tag} is 0")
    assert f"{keyword} {tag} is 0" in finding(scanned(capsys, tmp_path), "INVALID_PIXEL_DATA")


def test_huge_rescale_intercept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = mutated(tmp_path, HEAD / "CTHead1.dcm", RescaleIntercept=b"1e20")
    refused(run(capsys, "load", path), path, "Rescale Intercept (0028,1052) is 1e+20")
    assert "1e+20" in finding(scanned(capsys, tmp_path), "INVALID_RESCALE")


def test_parallel_orientation_vectors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = head_series(tmp_path, ImageOrientationPatient=[1, 0, 0, 1, 0, 0])
    line = refused(run(capsys, "load", tmp_path), paths[0],
                   "Image Orientation (Patient) (0020,0037) is 1\\0\\0\\1\\0\\0")
    assert "parallel" in line
    series = scanned(capsys, tmp_path)
    assert "parallel" in finding(series, "INVALID_GEOMETRY") and series["orientation"] is None
    assert "NO_GEOMETRY" in {f["code"] for f in series["findings"]}


def _rle_with_segment_offset(folder: Path, offset: int) -> Path:
    """The RLE CT with its second segment's offset moved (pylibjpeg-rle 2.2 panics on offset 26919:
    "index out of bounds: the len is 524288 but the index is 524288", a ``PanicException``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(RLE)
        frame = bytearray(next(generate_frames(ds.PixelData, number_of_frames=1)))
        frame[8:12] = struct.pack("<I", offset)
        ds.PixelData = encapsulate([bytes(frame)])
    folder.mkdir(parents=True, exist_ok=True)
    ds.save_as(folder / "rle.dcm")
    return folder / "rle.dcm"


def test_corrupt_rle_is_the_file_error_not_a_rust_panic(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    path = _rle_with_segment_offset(tmp_path, 26919)
    assert main(["load", str(path)]) == 2
    out, err = capfd.readouterr()  # file descriptors: a Rust panic would print there before raising
    assert out == "" and len(err.splitlines()) == 1 and "panicked" not in err
    assert err.startswith(f"error: {path}: pixel data cannot be decoded") and "RLE segment" in err


class _Panic(BaseException):
    """Like pyo3's ``PanicException``: derives from BaseException, so ``except Exception`` misses it."""


@pytest.mark.parametrize(("raised", "expected", "words"), [
    (_Panic("index out of bounds: the len is 524288 but the index is 524288"), DicomError, "index out of bounds"),
    (MemoryError(), NotEnoughMemoryError, "ran out of memory")])
def test_any_decoder_failure_is_the_typed_error_of_the_file(monkeypatch: pytest.MonkeyPatch, raised: BaseException,
                                                            expected: type[DicomError], words: str) -> None:
    def decoder(*args: object, **kwargs: object) -> np.ndarray:
        raise raised

    monkeypatch.setattr(pixel_decode, "pixel_array", decoder)
    with pytest.raises(expected, match=words) as caught:
        pixel_decode.decode_pydicom(RLE, 0)
    assert str(RLE) in str(caught.value)


def test_codestream_size_must_match_rows_and_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = mutated(tmp_path, JPEG_LS, Rows=256, Columns=256)
    refused(run(capsys, "load", path), path, "JPEG codestream is 512 × 512 pixels",
            "Rows × Columns (0028,0010/0011) say 256 × 256")


def test_cut_codestream_is_refused_before_decoding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(JPEG_LS)
        frame = next(generate_frames(ds.PixelData, number_of_frames=1))
        ds.PixelData = encapsulate([frame[: len(frame) // 2]])
    ds.save_as(tmp_path / "cut.dcm")
    began = time.perf_counter()
    refused(run(capsys, "load", tmp_path / "cut.dcm"), tmp_path / "cut.dcm", "is cut short", "FF D9")
    assert time.perf_counter() - began < 2.5  # CharLS took 3 s to fail on this stream (bound loose for a busy CI)


# --- memory and time ------------------------------------------------------------------------------


def test_65535_square_in_three_native_files_refused_by_length(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    paths = head_series(tmp_path, Rows=65535, Columns=65535)
    refused(run(capsys, "load", tmp_path), paths[0], "65535 × 65535", "need 8,589,672,450 bytes", "holds 8,192")


def test_65535_square_compressed_refused_before_allocating(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Compressed data cannot be checked by length: the memory budget refuses the 24 GiB volume."""
    for z in range(3):
        mutated(tmp_path, JPEG_LS, f"big{z}.dcm", Rows=65535, Columns=65535, ImagePositionPatient=[0, 0, z],
                SOPInstanceUID=f"1.2.3.{z}")
    monkeypatch.setattr(memory_budget, "available_bytes", lambda **roots: (2 * 1024**3, "RLIMIT_AS"))
    tracemalloc.start()
    try:
        line = refused(run(capsys, "load", tmp_path), tmp_path, "needs 24.0 GiB of memory",
                       "only 2.0 GiB more (RLIMIT_AS)")
        assert "3 slice(s) of 65535 × 65535 pixels" in line
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000  # nothing volume-sized was allocated


def test_load_needs_no_second_frame_sized_buffer(tmp_path: Path) -> None:
    """A rescale with a fractional slope goes through float64 in chunks into the volume itself; no
    per-thread scratch frame is allocated, and none is kept after the load."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(HEAD / "CTHead1.dcm")
        ds.Rows = ds.Columns = 2048
        ds.PixelData = np.arange(2048 * 2048, dtype=np.int16).tobytes()
        ds.RescaleSlope, ds.RescaleIntercept = 0.5, -1024.5
        ds.save_as(tmp_path / "big.dcm")
    tracemalloc.start()
    try:
        volume = load_series([tmp_path / "big.dcm"])
        _, peak = tracemalloc.get_traced_memory()
        volume_bytes = volume.hu.nbytes
        assert volume.hu[0, 0, 3] == round(3 * 0.5 - 1024.5)  # -1023 (rounded half to even)
        del volume
        kept, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < volume_bytes + 9 * 2**20  # the volume + one 8 MiB float64 chunk (was + 8 + 2 × 32 MiB)
    assert kept < 2**20


def test_memory_budget_reads_rlimit_cgroup_and_meminfo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proc, cgroup = tmp_path / "proc", tmp_path / "cgroup"
    (proc / "self").mkdir(parents=True)
    (proc / "self" / "status").write_text("Name:\tpython\nVmSize:\t  1048576 kB\n")
    (proc / "meminfo").write_text("MemTotal: 8000000 kB\nMemAvailable:    6291456 kB\n")
    (proc / "self" / "cgroup").write_text("0::/user.slice/job\n")
    roots = {"proc": proc, "cgroup": cgroup}
    monkeypatch.setattr(memory_budget.resource, "getrlimit", lambda which: (resource.RLIM_INFINITY,) * 2)
    assert memory_budget.available_bytes(**roots) == (6 * 1024**3, "MemAvailable")
    (cgroup / "user.slice" / "job").mkdir(parents=True)  # cgroup v2: own group's memory.max − memory.current
    (cgroup / "user.slice" / "job" / "memory.max").write_text(f"{4 * 1024**3}\n")
    (cgroup / "user.slice" / "job" / "memory.current").write_text(f"{1024**3}\n")
    assert memory_budget.available_bytes(**roots) == (3 * 1024**3, "cgroup memory limit")
    monkeypatch.setattr(memory_budget.resource, "getrlimit", lambda which: (3 * 1024**3, resource.RLIM_INFINITY))
    assert memory_budget.available_bytes(**roots) == (2 * 1024**3, "RLIMIT_AS")  # 3 GiB − 1 GiB mapped
    with pytest.raises(NotEnoughMemoryError, match=r"^Loading X needs 2\.0 GiB of memory, but this process may "
                                                   r"allocate only 2\.0 GiB more \(RLIMIT_AS\)") as caught:
        memory_budget.check_memory(2 * 1024**3, "Loading X", **roots)
    assert (caught.value.needed, caught.value.limit) == (2 * 1024**3, "RLIMIT_AS")
    memory_budget.check_memory(1024**3, "Loading X", **roots)  # fits, with the headroom


def test_memory_budget_cgroup_v1_and_unlimited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proc, cgroup = tmp_path / "proc", tmp_path / "cgroup"
    (proc / "self").mkdir(parents=True)
    (proc / "self" / "cgroup").write_text("4:memory:/docker/abc\n")
    monkeypatch.setattr(memory_budget.resource, "getrlimit", lambda which: (resource.RLIM_INFINITY,) * 2)
    assert memory_budget.available_bytes(proc=proc, cgroup=cgroup) is None  # nothing known: allowed
    memory_budget.check_memory(10**15, "Loading X", proc=proc, cgroup=cgroup)
    v1 = cgroup / "memory"
    v1.mkdir(parents=True)
    (v1 / "memory.limit_in_bytes").write_text("9223372036854771712\n")  # v1's "no limit"
    assert memory_budget.available_bytes(proc=proc, cgroup=cgroup) is None
    (v1 / "memory.limit_in_bytes").write_text(f"{2 * 1024**3}\n")  # the mount's root (no own group folder)
    (v1 / "memory.usage_in_bytes").write_text(f"{1024**3}\n")
    assert memory_budget.available_bytes(proc=proc, cgroup=cgroup) == (1024**3, "cgroup memory limit")


@pytest.mark.parametrize(("source", "frames", "words"), [
    (HEAD / "CTHead1.dcm", 10**9, "Number of Frames (0028,0008) is 1000000000, not a count from 1 to 100,000"),
    (HEAD / "CTHead1.dcm", 99_999, "need 819,191,808 bytes, but Pixel Data (7FE0,0010) holds 8,192"),
    (J2K, 99_999, "bytes of encapsulated Pixel Data (7FE0,0010) hold at most")])
def test_huge_number_of_frames_answers_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str], source: Path,
                                               frames: int, words: str) -> None:
    path = mutated(tmp_path, source, NumberOfFrames=frames)
    began = time.perf_counter()
    refused(run(capsys, "load", path), path, words)
    series = scanned(capsys, tmp_path)
    assert time.perf_counter() - began < 4.0  # was minutes (10⁹) and 35 s + 14 s (99,999)
    assert series["frame_count"] == 1
    assert {"INVALID_NUMBER_OF_FRAMES", "INVALID_PIXEL_DATA"} & {f["code"] for f in series["findings"]}


def test_frame_count_beyond_the_per_frame_groups_answers_at_once(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Found by benchmarks/fuzz_dicom.py (seed 15, mutant 4444): an Enhanced CT claiming 99,999 frames
    under an unknown transfer syntax (so no pixel data length to check) took 6 s to scan, walking
    99,999 frames through the functional groups of 2."""
    path = mutated(tmp_path, ENHANCED_JPEG, NumberOfFrames=99_999)
    path.write_bytes(dicom_mutants.set_transfer_syntax(path.read_bytes(), "1.2.3.4"))
    began = time.perf_counter()
    series = scanned(capsys, tmp_path)
    assert time.perf_counter() - began < 2.5 and series["frame_count"] == 1
    assert "is 99,999, but Per-frame Functional Groups (5200,9230) describe 2 frames" in finding(
        series, "INVALID_PIXEL_DATA")
    refused(run(capsys, "load", path), path, "Number of Frames (0028,0008) is 99,999",
            "Per-frame Functional Groups (5200,9230) describe 2 frames")


def test_broken_pipe_ends_quietly(tmp_path: Path) -> None:
    """``main.py load … --json | head``: the reader leaves; no BrokenPipeError traceback."""
    for argv in (["load", str(HEAD), "--json"], ["scan", str(HEAD)]):
        process = subprocess.Popen([sys.executable, str(REPO_ROOT / "main.py"), *argv], cwd=REPO_ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # the reader is gone before anything is written
        with process.stderr:
            err = process.stderr.read().decode()
        assert process.wait(timeout=60) == EXIT_BROKEN_PIPE and err == "", err


# --- silently wrong ------------------------------------------------------------------------------


def test_nan_rescale_slope_is_refused_not_zero_hu(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = head_series(tmp_path, RescaleSlope=b"NaN ")
    refused(run(capsys, "load", tmp_path), paths[0], "Rescale Slope (0028,1053) is nan")
    with pytest.raises(InvalidHeaderError, match=r"Rescale Slope \(0028,1053\) is nan") as caught:
        load_series(paths)
    assert caught.value.attribute == "Rescale Slope (0028,1053)" and caught.value.path == paths[0]
    assert "Rescale Slope (0028,1053) is nan" in finding(scanned(capsys, tmp_path), "INVALID_RESCALE")


@pytest.mark.parametrize(("spacing", "shown"), [(b"0\\0 ", "0\\0"), (b"-1\\-1 ", "-1\\-1"), (b"nan\\3.2 ", "nan\\3.2")])
def test_implausible_pixel_spacing_is_uncalibrated(tmp_path: Path, capsys: pytest.CaptureFixture[str], spacing: bytes,
                                                   shown: str) -> None:
    paths = head_series(tmp_path, PixelSpacing=spacing)
    code, out, err = run(capsys, "load", tmp_path, "--json")
    assert (code, err) == (0, "")
    summary = strict_json(out)
    assert summary["calibrated"] is False and summary["spacing_mm_zyx"] is None and summary["affine"] is None
    assert f"Pixel Spacing (0028,0030) is {shown}" in finding(summary, "UNCALIBRATED")
    volume = load_series(paths)
    with pytest.raises(UncalibratedImageError, match="no Pixel Spacing"):
        volume.index_to_patient(1, 1, 0)
    series = scanned(capsys, tmp_path)
    assert series["pixel_spacing"] is None and shown in finding(series, "INVALID_PIXEL_SPACING")
    assert "NO_PIXEL_SPACING" not in {f["code"] for f in series["findings"]}


def test_nan_slice_thickness_is_ignored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = head_series(tmp_path, SliceThickness=b"NaN ")
    code, out, err = run(capsys, "load", tmp_path, "--json")
    assert (code, err) == (0, "")
    summary = strict_json(out)
    assert summary["calibrated"] is True and summary["spacing_mm_zyx"] == [1.5, 3.2, 3.2]  # from the positions
    assert "Slice Thickness (0018,0050) is nan" in finding(summary, "INVALID_SLICE_THICKNESS")
    assert load_series(paths).slice_thicknesses_mm == (None, None, None)
    series = scanned(capsys, tmp_path)  # was "slice_thickness": NaN, which is not JSON
    assert series["slice_thickness"] is None and "nan" in finding(series, "INVALID_SLICE_THICKNESS")


# --- output --------------------------------------------------------------------------------------


def test_pydicom_warnings_are_not_printed(capsys: pytest.CaptureFixture[str]) -> None:
    bad_vr = SHARED_DIR / "data/malformed/badVR.dcm"  # pydicom warns on Number of Frames '1A', then we refuse
    refused(run(capsys, "load", bad_vr), bad_vr, "Number of Frames (0028,0008) is '1A'")
    code, _, err = run(capsys, "load", SHARED_DIR / "data/malformed/MR_small_padded.dcm")  # warns on the padding
    assert (code, err) == (0, "")


def test_the_gui_loader_gets_the_same_typed_errors(tmp_path: Path) -> None:
    """The viewer's worker runs :class:`SeriesLoad`: the first slice already refuses the bad file."""
    path = mutated(tmp_path, HEAD / "CTHead1.dcm", BitsStored=0)
    with pytest.raises(InvalidHeaderError, match=r"Bits Stored \(0028,0101\)"):
        SeriesLoad([path]).first_slice()


def test_single_file_under_a_memory_limit_in_a_subprocess(tmp_path: Path) -> None:
    """The real limit, not a patched one: under RLIMIT_AS = 1.5 GiB the 3 × 65535² compressed
    series is refused with one line, and a good series still loads."""
    for z in range(3):
        mutated(tmp_path / "big", JPEG_LS, f"big{z}.dcm", Rows=65535, Columns=65535, ImagePositionPatient=[0, 0, z],
                SOPInstanceUID=f"1.2.3.{z}")
    limit = int(1.5 * 1024**3)

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))

    for folder, expected in ((tmp_path / "big", 2), (HEAD, 0)):
        done = subprocess.run([sys.executable, str(REPO_ROOT / "main.py"), "load", str(folder), "--json"],
                              cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, preexec_fn=limited,
                              env=SMALL_PROCESS)
        assert done.returncode == expected, done.stderr
        if expected:
            assert done.stderr.count("\n") == 1 and "(RLIMIT_AS)" in done.stderr and "24.0 GiB" in done.stderr
        else:
            assert done.stderr == "" and strict_json(done.stdout)["shape_zyx"] == [93, 64, 64]


def test_layout_keeps_the_number_of_frames_as_written(tmp_path: Path) -> None:
    """A negative (0028,0008) reaches the checks as written (it was silently taken as 1)."""
    _, layout = read_header(mutated(tmp_path, HEAD / "CTHead1.dcm", NumberOfFrames=-3))
    assert layout.frames == -3 and not layout.fast


ENHANCED_NATIVE = SHARED_DIR / "data/multiframe/eCT_Supplemental.dcm"


def test_a_frame_count_the_file_cannot_hold_is_refused_before_the_whole_header_is_parsed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """99,999 per-frame functional group items took pydicom 11 s (scan) and 13 s (load) to parse before
    the frame count could be checked: the image pixel module (group 0028) is read first, alone."""
    path = mutated(tmp_path, ENHANCED_NATIVE, NumberOfFrames=99_999)
    ds = pydicom.dcmread(path)
    groups = ds.PerFrameFunctionalGroupsSequence
    groups.extend(groups[0] for _ in range(30_000))  # a header big enough to take pydicom seconds
    ds.save_as(path)
    assert path.stat().st_size > 4 << 20
    whole = pydicom.dcmread

    def no_whole_header(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("stop_before_pixels"):
            raise AssertionError("the whole header was parsed")
        return whole(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(pydicom, "dcmread", no_whole_header)
        with pytest.raises(InvalidHeaderError, match=r"Number of Frames \(0028,0008\) is 99,999, but 99,999 frames "
                                                     r"need at least [\d,]+ bytes and the file holds") as info:
            read_header(path)
    assert (info.value.attribute, info.value.value) == ("Number of Frames (0028,0008)", 99_999)
    refused(run(capsys, "load", path), path, "Number of Frames (0028,0008) is 99,999", "the file is corrupt")
    plain = mutated(tmp_path, ENHANCED_NATIVE, name="fine.dcm")  # a frame count the file holds reads as before
    ds, layout = read_header(plain)
    assert layout.frames == int(ds.NumberOfFrames) == 2
