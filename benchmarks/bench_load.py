"""In-process benchmark of CT series loading against named alternatives and the floors.

    python benchmarks/bench_load.py [--quick] [--slices 300 1000] [--size 512] [--repeat 3]
                                    [--syntax native jpegls j2k] [--keep DIR]

For each series written by the phantom writer (shuffled file names and write order; 300 and
1,000 slices of 512² by default, 100 with ``--quick``) in Explicit VR Little Endian, JPEG
Lossless SV1 (process 14) and JPEG 2000 Lossless, every file is read once (page cache warm),
then each contender is timed in this process, best of ``--repeat`` (a contender whose first run
takes more than ``SLOW_SECONDS`` runs once):

- ours: ``recist_app.imaging.load.load_series(files)`` → int16 HU volume; when
  ``recist_app.imaging.load`` imports, also ``SeriesLoad(files).run()`` and the time to
  ``SeriesLoad(files).first_slice()`` (the first slice shown);
- SimpleITK: ``ImageSeriesReader`` on ``GetGDCMSeriesFileNames(folder)``, ``Execute()`` and
  ``GetArrayFromImage`` (int16 HU);
- pydicom: a plain ``dcmread`` loop, sorted by Image Position (Patient) z, ``pixel_array``
  stacked into a preallocated int16 array, rescaled in place;
- floor, uncompressed: ``Path.read_bytes`` of every file and one copy of its pixel region into a
  preallocated array (stored values; sorting and header parsing not counted);
- floor, compressed: the codec alone (imagecodecs: libjpeg-turbo for JPEG Lossless, OpenJPEG for
  JPEG 2000) decoding the pre-extracted frames (extraction not timed) on a 2-thread pool.

Peak memory of ours is measured with ``tracemalloc`` (Python and NumPy allocations) and as the
growth of the peak RSS of a fresh process, both relative to the int16 volume. Every contender's
array is checked equal to ours. Exit status 0 whether or not the targets are met.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script: benchmarks/ is sys.path[0], not the repo
    sys.path.insert(0, str(REPO_ROOT))

import pydicom
from pydicom.encaps import generate_frames
from pydicom.uid import ExplicitVRLittleEndian, JPEG2000Lossless, JPEGLosslessSV1

from recist_app.demo.phantom import PhantomSpec, write_series

#: Short name → (transfer syntax UID, label).
SYNTAXES = {
    "native": (ExplicitVRLittleEndian, "uncompressed"),
    "jpegls": (JPEGLosslessSV1, "JPEG lossless SV1"),
    "j2k": (JPEG2000Lossless, "JPEG 2000 lossless"),
}
SLOW_SECONDS = 10.0
FLOOR_THREADS = 2
#: Targets of the issue: (minimum SimpleITK / ours, maximum ours / floor) per syntax.
TARGETS = {"native": (5.0, 3.0), "jpegls": (5.0, None), "j2k": (1.5, 1.2)}
FIRST_SLICE_SECONDS = 0.15
PEAK_MEMORY_RATIO = 1.2


@dataclass(frozen=True)
class Prepared:
    """What the floors need, computed untimed: files in volume order and their pixel bytes."""

    files: tuple[Path, ...]
    rows: int
    columns: int
    slope: float
    intercept: float
    syntax: str
    pixel_offsets: tuple[int, ...]  # uncompressed: byte offset of the pixel data in each file
    frames: tuple[bytes, ...]  # compressed: the encapsulated frame of each file

    @property
    def volume_bytes(self) -> int:
        """Size of the int16 volume."""
        return len(self.files) * self.rows * self.columns * 2


def generate(folder: Path, slices: int, size: int, syntax: str) -> list[Path]:
    """Write a shuffled phantom series into ``folder`` (reused if complete) and list its files."""
    truth_file = folder / "ground_truth.json"
    if not (truth_file.is_file() and json.loads(truth_file.read_text())["transfer_syntax_uid"] == syntax
            and len(list(folder.glob("*.dcm"))) == slices):
        write_series(PhantomSpec.chest(slices, size, size, transfer_syntax=syntax, seed=1), folder, shuffle=True)
    return sorted(folder.glob("*.dcm"))  # sorted by (random UUID) name: random slice order


def warm(files: Sequence[Path]) -> int:
    """Read every file once so all contenders start from the page cache; total bytes."""
    return sum(len(path.read_bytes()) for path in files)


def prepare(files: Sequence[Path]) -> Prepared:
    """Sort by Image Position (Patient) z and pre-extract pixel offsets or frames (untimed)."""
    datasets = sorted(((pydicom.dcmread(path), path) for path in files),
                      key=lambda item: float(item[0].ImagePositionPatient[2]))
    first = datasets[0][0]
    rows, columns, syntax = int(first.Rows), int(first.Columns), str(first.file_meta.TransferSyntaxUID)
    offsets: list[int] = []
    frames: list[bytes] = []
    for ds, path in datasets:
        if syntax in (ExplicitVRLittleEndian,):
            size = path.stat().st_size
            offset = size - rows * columns * 2
            with path.open("rb") as handle:
                handle.seek(offset - 12)
                if handle.read(4) != b"\xe0\x7f\x10\x00":  # (7FE0,0010) OW, 4-byte length
                    raise ValueError(f"{path}: Pixel Data is not the last element")
            offsets.append(offset)
        else:
            frames.append(next(generate_frames(ds.PixelData, number_of_frames=1)))
    return Prepared(tuple(path for _, path in datasets), rows, columns, float(first.get("RescaleSlope", 1)),
                    float(first.get("RescaleIntercept", 0)), syntax, tuple(offsets), tuple(frames))


def load_ours(files: Sequence[Path]) -> np.ndarray:
    """Our loader: int16 HU, slices ascending along the normal."""
    from recist_app.imaging.load import load_series

    return load_series(list(files)).hu


def load_simpleitk(folder: Path) -> np.ndarray:
    """SimpleITK: GDCM sorts the folder's files; int16 HU array (copied out of the image)."""
    import SimpleITK as sitk

    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(sitk.ImageSeriesReader.GetGDCMSeriesFileNames(str(folder)))
    return sitk.GetArrayFromImage(reader.Execute())


def load_pydicom(files: Sequence[Path]) -> np.ndarray:
    """Plain pydicom: dcmread each file, sort by z, stack pixel_array, rescale to int16 HU."""
    datasets = sorted((pydicom.dcmread(path) for path in files), key=lambda ds: float(ds.ImagePositionPatient[2]))
    first = datasets[0]
    out = np.empty((len(datasets), int(first.Rows), int(first.Columns)), np.int16)
    for k, ds in enumerate(datasets):
        out[k] = ds.pixel_array
    slope, intercept = float(first.get("RescaleSlope", 1)), float(first.get("RescaleIntercept", 0))
    if slope == 1 and intercept.is_integer():
        out += np.int16(intercept)
    else:
        out[...] = np.rint(out * slope + intercept)
    return out


def floor_native(prep: Prepared) -> np.ndarray:
    """Read each file's bytes from the page cache and copy its pixels once (stored values)."""
    out = np.empty((len(prep.files), prep.rows, prep.columns), np.uint16)
    count = prep.rows * prep.columns
    for k, (path, offset) in enumerate(zip(prep.files, prep.pixel_offsets, strict=True)):
        out[k].reshape(-1)[:] = np.frombuffer(path.read_bytes(), "<u2", count, offset)
    return out


def _frame_decoder(syntax: str) -> Callable[..., np.ndarray]:
    """The imagecodecs function that decodes one frame of ``syntax`` (``out=`` supported)."""
    import imagecodecs

    if syntax == JPEG2000Lossless:
        return lambda data, out: imagecodecs.jpeg2k_decode(data, numthreads=1, out=out)
    if syntax == JPEGLosslessSV1:
        return lambda data, out: imagecodecs.jpeg8_decode(data, out=out)
    raise ValueError(f"no codec floor for {syntax}")


def floor_codec(prep: Prepared, threads: int = FLOOR_THREADS) -> np.ndarray:
    """The codec alone: decode the pre-extracted frames into one array on ``threads`` threads."""
    decode = _frame_decoder(prep.syntax)
    out = np.empty((len(prep.frames), prep.rows, prep.columns), np.uint16)
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda k: decode(prep.frames[k], out[k]), range(len(prep.frames))))
    return out


def floor(prep: Prepared) -> np.ndarray:
    """The floor of ``prep``'s transfer syntax (stored values, volume order)."""
    return floor_native(prep) if prep.pixel_offsets else floor_codec(prep)


def stored_to_hu(stored: np.ndarray, prep: Prepared) -> np.ndarray:
    """Rescale a floor's stored values to HU for comparison (untimed)."""
    return np.rint(stored * prep.slope + prep.intercept).astype(np.int16)


def best_of(run: Callable[[], object], repeat: int) -> float:
    """Best wall-clock seconds of ``repeat`` calls; once only if the first is slower than SLOW_SECONDS."""
    best = float("inf")
    for i in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
        if i == 0 and best > SLOW_SECONDS:
            break
    return best


def tracemalloc_peak(files: Sequence[Path]) -> int:
    """Peak bytes traced by tracemalloc while our loader runs (the result stays alive)."""
    tracemalloc.start()
    try:
        volume = load_ours(files)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del volume
    return peak


RSS_CODE = """
import json, sys
from pathlib import Path
from recist_app.imaging.load import load_series

def peak_rss():  # VmHWM: this process image's own peak (ru_maxrss would include the parent's at fork)
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")

files = [Path(line) for line in Path(sys.argv[1]).read_text().splitlines()]
before = peak_rss()
volume = load_series(files)
print(json.dumps(peak_rss() - before))
"""


def rss_growth(files: Sequence[Path], scratch: Path) -> int:
    """Growth (bytes) of the peak RSS (VmHWM, Linux) of a fresh process across one load (imports excluded)."""
    listing = scratch / "files.txt"
    listing.write_text("\n".join(str(path) for path in files))
    proc = subprocess.run([sys.executable, "-c", RSS_CODE, str(listing)], cwd=REPO_ROOT,
                          capture_output=True, text=True, check=True)
    return int(json.loads(proc.stdout.strip().splitlines()[-1]))


def progressive_loader() -> type | None:
    """``recist_app.imaging.load.SeriesLoad`` if that module exists and imports, else None."""
    if importlib.util.find_spec("recist_app.imaging.load") is None:
        return None
    try:
        from recist_app.imaging.load import SeriesLoad
    except ImportError:  # the module is being written and does not import yet
        return None
    return SeriesLoad


def load_ours_progressive(files: Sequence[Path]) -> np.ndarray:
    """Our progressive loader: first (middle) slice, then the rest on its thread pool."""
    loader = progressive_loader()
    assert loader is not None
    return loader(list(files)).run().hu


def first_slice_seconds(files: Sequence[Path], repeat: int) -> float | None:
    """Best seconds from the file list to the first displayable slice (``SeriesLoad.first_slice``)."""
    loader = progressive_loader()
    if loader is None:
        return None
    return best_of(lambda: loader(list(files)).first_slice(), repeat)


def contenders(folder: Path, files: Sequence[Path], prep: Prepared) -> dict[str, Callable[[], np.ndarray]]:
    """Name → zero-argument loader returning int16 HU in volume order (floors rescaled untimed)."""
    runs: dict[str, Callable[[], np.ndarray]] = {"ours": lambda: load_ours(files)}
    if progressive_loader() is not None:
        runs["ours, progressive"] = lambda: load_ours_progressive(files)
    runs.update({"SimpleITK": lambda: load_simpleitk(folder), "pydicom": lambda: load_pydicom(files),
                 "floor": lambda: floor(prep)})
    return runs


def same_volumes(arrays: dict[str, np.ndarray], prep: Prepared) -> dict[str, bool]:
    """Whether each contender's array equals ours (the floor's stored values are rescaled first)."""
    reference = arrays["ours"]
    return {name: bool(np.array_equal(stored_to_hu(array, prep) if name == "floor" else array, reference))
            for name, array in arrays.items()}


def bench_series(folder: Path, files: list[Path], key: str, repeat: int) -> dict[str, object]:
    """Warm the cache, check the contenders agree, time them and measure our memory."""
    total = warm(files)
    prep = prepare(files)
    runs = contenders(folder, files, prep)
    agree = same_volumes({name: run() for name, run in runs.items()}, prep)  # also a second warm-up
    seconds = {name: best_of(run, repeat) for name, run in runs.items()}
    with tempfile.TemporaryDirectory(prefix="bench_load_rss_") as scratch:
        rss = rss_growth(files, Path(scratch))
    return {"key": key, "slices": len(files), "bytes": total, "seconds": seconds, "agree": agree,
            "traced": tracemalloc_peak(files) / prep.volume_bytes, "rss": rss / prep.volume_bytes,
            "first": first_slice_seconds(files, repeat)}


def report(result: dict[str, object], size: int, repeat: int) -> list[tuple[str, bool]]:
    """Print one series' table and target lines; return (target, met) pairs."""
    key, seconds = str(result["key"]), result["seconds"]
    assert isinstance(seconds, dict)
    ours, sitk, plain, flo = seconds["ours"], seconds["SimpleITK"], seconds["pydicom"], seconds["floor"]
    floor_name = ("floor: read_bytes + one copy" if key == "native"
                  else f"floor: codec, {FLOOR_THREADS} threads")
    print(f"\n{SYNTAXES[key][1]}, {result['slices']} slices of {size}x{size} "
          f"({int(result['bytes']) / 1e6:.0f} MB on disk, best of {repeat})")
    print(f"{'contender':<36}{'seconds':>9}{'/ ours':>9}{'/ floor':>9}  same as ours")
    agree = result["agree"]
    assert isinstance(agree, dict)
    labels = {"ours": "ours: imaging.load.load_series", "ours, progressive": "ours: SeriesLoad(files).run()",
              "SimpleITK": "SimpleITK ImageSeriesReader", "pydicom": "pydicom dcmread loop", "floor": floor_name}
    for name, value in seconds.items():
        label = labels[name]
        print(f"{label:<36}{value:>9.3f}{value / ours:>8.2f}x{value / flo:>8.2f}x  "
              f"{'yes' if agree[name] else 'NO'}")
    print(f"ratios: SimpleITK / ours {sitk / ours:.2f}x, ours / floor {ours / flo:.2f}x, "
          f"pydicom / ours {plain / ours:.2f}x")
    print(f"peak memory of ours / int16 volume: tracemalloc {result['traced']:.2f}x, "
          f"peak RSS growth {result['rss']:.2f}x")
    min_speedup, max_floor = TARGETS[key]
    checks = [(f"SimpleITK / ours >= {min_speedup}x", sitk / ours >= min_speedup)]
    if max_floor is not None:
        checks.append((f"ours / floor <= {max_floor}x", ours / flo <= max_floor))
    checks.append((f"peak memory (tracemalloc) <= {PEAK_MEMORY_RATIO}x volume",
                   float(result["traced"]) <= PEAK_MEMORY_RATIO))
    first = result["first"]
    if first is None:
        print(f"first slice: no progressive API; whole load {ours:.3f} s is the upper bound")
        checks.append((f"first slice < {FIRST_SLICE_SECONDS} s (whole load as upper bound)",
                       ours < FIRST_SLICE_SECONDS))
    else:
        first_seconds = float(first)
        label = f"first slice < {FIRST_SLICE_SECONDS} s (SeriesLoad(files).first_slice(): {first_seconds:.3f} s)"
        checks.append((label, first_seconds < FIRST_SLICE_SECONDS))
    checks.append(("all contenders return the same volume", all(agree.values())))
    for name, met in checks:
        print(f"{'PASS' if met else 'FAIL'}  {SYNTAXES[key][1]}, {result['slices']} slices: {name}")
    return checks


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the series, time the contenders, print one table per series."""
    parser = argparse.ArgumentParser(description="Time CT series loading against SimpleITK, pydicom and floors.")
    parser.add_argument("--quick", action="store_true", help="one 100-slice series per syntax")
    parser.add_argument("--slices", type=int, nargs="+", default=[300, 1000])
    parser.add_argument("--size", type=int, default=512, help="rows = columns")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--syntax", nargs="+", choices=list(SYNTAXES), default=list(SYNTAXES))
    parser.add_argument("--keep", type=Path, help="write (and reuse) the series here instead of a temp dir")
    args = parser.parse_args(argv)
    slice_counts = [100] if args.quick else args.slices
    print(f"python {sys.version.split()[0]}, pydicom {pydicom.__version__}, "
          f"{len(__import__('os').sched_getaffinity(0))} CPUs")
    with tempfile.TemporaryDirectory(prefix="bench_load_") as tmp:
        root = args.keep or Path(tmp)
        failed = 0
        for slices in slice_counts:
            for key in args.syntax:
                folder = root / f"{key}_{slices}_{args.size}"
                start = time.perf_counter()
                files = generate(folder, slices, args.size, SYNTAXES[key][0])
                print(f"\n[{folder.name}: {len(files)} files ready in {time.perf_counter() - start:.1f} s]")
                result = bench_series(folder, files, key, args.repeat)
                failed += sum(not met for _, met in report(result, args.size, args.repeat))
        print(f"\n{failed} target(s) not met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
