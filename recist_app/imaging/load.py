"""Progressive loading of one CT series: the requested slice first, the rest in 2 threads.

``SeriesLoad`` reads every header once (:func:`recist_app.imaging.series_plan.read_headers`: header plus
(7FE0,0010) *Pixel Data* offset), checks and sorts the frames, allocates the int16 volume, decodes
the requested slice (default: the middle one) so that it can be shown at once, then decodes the
others outward from it: compressed series in a :class:`~concurrent.futures.ThreadPoolExecutor`
(the imagecodecs decoders release the GIL), uncompressed ones serially (memory-bound). Peak
memory is the int16 volume plus a few per-slice temporaries (:func:`memory_needed`), checked
against what the process may allocate (:mod:`recist_app.imaging.memory_budget`) before the volume
is allocated. Qt-free: widgets wrap :meth:`run` in a ``QRunnable`` and forward ``on_progress`` as a
signal.

Example
-------
>>> load = SeriesLoad(paths, on_progress=print, cancel=stop_event)   # doctest: +SKIP
>>> show(load.first_slice())                                          # doctest: +SKIP
>>> volume = load.run()                                               # doctest: +SKIP
"""

from __future__ import annotations

import threading
from collections.abc import Callable, MutableMapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from pathlib import Path

import numpy as np

from recist_app.imaging import memory_budget
from recist_app.imaging.errors import DicomError, LoadCancelled, NotDicomError, NotEnoughMemoryError
from recist_app.imaging.header import NATIVE_LE
from recist_app.imaging.rescale import CHUNK_PIXELS
from recist_app.imaging.scan import SeriesSummary, scan
from recist_app.imaging.series_plan import (
    Header,
    SeriesPlan,
    build_volume,
    decode_slice,
    plan_series,
    read_headers,
)
from recist_app.imaging.volume import CtVolume

#: Decoding threads for compressed series: the machine has 2 cores and the codecs release the GIL.
DEFAULT_WORKERS = 2

#: ``on_progress(done, total)``: slices decoded so far (increasing, ending at ``total``).
ProgressCallback = Callable[[int, int], None]
#: Slices decoded before the load (:func:`recist_app.imaging.series_plan.decode_file`), by (SOP Instance UID,
#: frame index): the slice and whether it was clipped.
Predecoded = MutableMapping[tuple[str, int], tuple[np.ndarray, bool]]


class SeriesLoad:
    """One progressive load of the files of ONE series.

    Parameters
    ----------
    paths
        The files of one series (any order; sorted along the normal of (0020,0037)).
    first_index
        Volume index (0 = first along the normal) decoded first; default: the middle slice.
    on_progress
        ``on_progress(done, total)`` after each decoded slice, called in the thread running
        :meth:`first_slice` / :meth:`run`.
    cancel
        A :class:`threading.Event`; once set, :meth:`run` stops and raises :class:`LoadCancelled`.
    workers
        Decoding threads (1: decode serially in the calling thread). Default: 1 when every frame
        is uncompressed on the fast path (reading and rescaling are memory-bound: for 300 × 512²
        2 threads took 0.107 s against 0.093 s serially), else :data:`DEFAULT_WORKERS`.
    predecoded
        Slices already decoded from these files while they arrived from a PACS
        (:mod:`recist_app.imaging.sources.streaming`): each is moved into the volume (and dropped from
        the mapping) instead of being decoded again; a frame missing there is decoded as usual.
    """

    def __init__(self, paths: Sequence[Path], *, first_index: int | None = None,
                 on_progress: ProgressCallback | None = None, cancel: threading.Event | None = None,
                 workers: int | None = None, predecoded: Predecoded | None = None) -> None:
        if workers is not None and workers < 1:
            raise ValueError(f'Argument "workers" must be ≥ 1, got {workers}.')
        self._paths = [Path(path) for path in paths]
        self._requested = first_index
        self._on_progress = on_progress
        self._cancel = cancel or threading.Event()
        self._workers = workers
        self._predecoded: Predecoded = predecoded if predecoded is not None else {}
        self._plan: SeriesPlan | None = None
        self._hu: np.ndarray | None = None
        self._first: int | None = None
        self._done = 0
        self._clipped = False
        self._volume: CtVolume | None = None

    @property
    def total(self) -> int:
        """Number of slices (frames) of the series; reads the headers if not yet done."""
        return len(self._prepare().frames)

    @property
    def first_index(self) -> int:
        """Volume index of the slice decoded first."""
        self._prepare()
        assert self._first is not None
        return self._first

    @property
    def plan(self) -> SeriesPlan:
        """Checked, sorted frames (geometry is known before any pixel is decoded)."""
        return self._prepare()

    def _check_cancel(self) -> None:
        """Drop the volume and raise :class:`LoadCancelled` when cancellation was asked."""
        if self._cancel.is_set():
            self._hu = None
            raise LoadCancelled(f"Loading {len(self._paths)} file(s) was cancelled after {self._done} "
                                "slice(s); no volume was built.")

    def _prepare(self) -> SeriesPlan:
        """Read the headers, check the memory budget, check and sort the frames, allocate the int16
        volume (once)."""
        if self._plan is None:
            self._check_cancel()
            headers = read_headers(self._paths)
            if headers:  # the budget before the frames' geometry is built (100,000 frames take seconds)
                layout, total = headers[0][2], sum(max(header[2].frames, 1) for header in headers)
                what = f"Loading {total:,} slice(s) of {layout.rows} × {layout.columns} pixels ({headers[0][0]})"
                memory_budget.check_memory(memory_needed(headers, self._workers or DEFAULT_WORKERS), what)
            plan = plan_series(headers)
            total = len(plan.frames)
            first = total // 2 if self._requested is None else self._requested
            if not 0 <= first < total:
                raise ValueError(f'Argument "first_index" must be in 0…{total - 1}, got {first}.')
            try:
                self._hu = np.empty((total, plan.rows, plan.columns), dtype=np.int16)
            except MemoryError as exc:
                raise NotEnoughMemoryError(f"Loading {total:,} slice(s) of {plan.rows} × {plan.columns} pixels "
                                           f"({plan.frames[0].path}) needs more memory than the system gives. Load a "
                                           "smaller series, or free memory and try again.") from exc
            self._plan, self._first = plan, first
        return self._plan

    def _report(self) -> None:
        """One more slice is decoded: tell ``on_progress``."""
        self._done += 1
        if self._on_progress is not None:
            self._on_progress(self._done, len(self._prepare().frames))

    def first_slice(self) -> np.ndarray:
        """The requested (default middle) slice in HU, decoded before any other (read-only view).

        Raises
        ------
        LoadCancelled, NotDicomError, MixedSeriesError, MissingGeometryError, DicomError
        """
        self._prepare()
        assert self._first is not None
        if self._hu is None:
            self._check_cancel()
            raise RuntimeError("The load failed earlier; start a new SeriesLoad.")
        if self._done == 0:
            try:
                self._clipped |= self._fill(self._first)
            except BaseException:
                self._hu = None  # a failed load keeps no partial volume
                raise
            self._report()
        view = self._hu[self._first].view()
        view.flags.writeable = False
        return view

    def _fill(self, k: int) -> bool:
        """Decode volume slice ``k`` (or move it from ``predecoded``); True when clipped."""
        assert self._hu is not None
        frame = self._prepare().frames[k]
        ready = self._predecoded.pop((frame.sop_uid, frame.index), None)
        if ready is not None and ready[0].shape == self._hu[k].shape:
            self._hu[k] = ready[0]
            return ready[1]
        return decode_slice(frame, self._hu[k])

    def _decode_task(self, k: int) -> bool:
        """Worker: decode volume slice ``k`` unless cancelled (then do nothing)."""
        if self._cancel.is_set() or self._hu is None:
            return False
        return self._fill(k)

    def _order(self) -> list[int]:
        """The other slices, outward from the first one (neighbours become visible first)."""
        total, first = len(self._prepare().frames), self.first_index
        return sorted((k for k in range(total) if k != first), key=lambda k: (abs(k - first), k))

    def run(self) -> CtVolume:
        """Decode every slice and return the :class:`CtVolume` (same as before on a second call).

        Raises
        ------
        LoadCancelled
            When ``cancel`` was set; the partly filled array is dropped.
        NotDicomError, MixedSeriesError, MissingGeometryError, UnsupportedTransferSyntaxError, DicomError
            As :func:`recist_app.imaging.load.load_series`; on a decoding error in several slices,
            the one first along the normal is raised.
        """
        if self._volume is not None:
            return self._volume
        self.first_slice()
        order = self._order()
        workers = self._workers
        if workers is None:
            native = all(f.layout is not None and f.layout.fast and f.layout.syntax in NATIVE_LE
                         for f in self._prepare().frames)
            workers = 1 if native else DEFAULT_WORKERS
        if workers == 1 or len(order) < 2:
            for k in order:
                self._check_cancel()
                try:
                    self._clipped |= self._decode_task(k)
                except BaseException:
                    self._hu = None  # a failed load keeps no partial volume
                    raise
                self._report()
        else:
            self._run_threads(order, workers)
        self._check_cancel()
        assert self._hu is not None
        self._volume = build_volume(self._prepare(), self._hu, self._clipped)
        return self._volume

    def _run_threads(self, order: list[int], workers: int) -> None:
        """Decode ``order`` in the thread pool, reporting progress in this thread."""
        errors: dict[int, BaseException] = {}
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="series-load") as pool:
            futures: dict[Future[bool], int] = {pool.submit(self._decode_task, k): k for k in order}
            for future in as_completed(futures):
                error = future.exception()
                if error is not None:
                    errors[futures[future]] = error
                else:
                    self._clipped |= future.result()
                    if not self._cancel.is_set():
                        self._report()
                if errors or self._cancel.is_set():
                    for pending in futures:
                        pending.cancel()
                    break
        if errors and not self._cancel.is_set():
            self._hu = None
            raise errors[min(errors)]


class SeriesSlices:
    """One series' geometry and any of its slices, decoded one at a time: what a key image needs (one slice per
    lesion and time point), where :func:`load_series` decodes every slice of the series (issue 18: a PDF of real
    studies loaded hundreds of slices to show a few).

    ``geometry`` is a :class:`CtVolume` whose ``hu`` holds no pixels (zeros of the series' shape, no memory): use
    its geometry (``patient_to_index``, ``sop_uids``, ``shape``, ``spacing_mm`` …) and :meth:`slice_hu` for pixels.

    Raises
    ------
    NotDicomError, MixedSeriesError, MissingGeometryError, DicomError
        As :func:`load_series`, from the headers (the constructor) or from a slice's pixels (:meth:`slice_hu`).
    """

    def __init__(self, paths: Sequence[Path]) -> None:
        self._plan = plan_series(read_headers([Path(path) for path in paths]))
        no_pixels = np.broadcast_to(np.int16(0), (len(self._plan.frames), self._plan.rows, self._plan.columns))
        self.geometry = build_volume(self._plan, no_pixels, clipped=False)
        self._slices: dict[int, np.ndarray] = {}

    def slice_hu(self, k: int) -> np.ndarray:
        """Slice ``k`` (0 … n − 1 along the normal, as in :attr:`geometry`) in HU, decoded once; read-only."""
        if k not in self._slices:
            frames = self._plan.frames
            if not 0 <= k < len(frames):
                raise ValueError(f'Argument "k" must be in 0…{len(frames) - 1}, got {k}.')
            pixels = np.empty((self._plan.rows, self._plan.columns), dtype=np.int16)
            decode_slice(frames[k], pixels)
            pixels.flags.writeable = False
            self._slices[k] = pixels
        return self._slices[k]


def memory_needed(headers: Sequence[Header], workers: int) -> int:
    """Bytes a load of ``headers`` (checked by :func:`read_headers`) may hold at its peak: the int16
    volume of every frame at the first file's Rows × Columns; per decoding thread the float64 rescale
    chunk and, unless every frame is 16-bit on the fast path (decoded straight into the volume), one
    decoded frame of at most 4 bytes a pixel; and twice the largest file read whole (compressed
    files are read whole by the codecs' cache, files off the fast path by pydicom)."""
    layouts = [layout for _, _, layout in headers]
    pixels = layouts[0].rows * layouts[0].columns
    frames = sum(max(layout.frames, 1) for layout in layouts)
    into_volume = all(layout.fast and layout.dtype.itemsize == 2 for layout in layouts)
    per_thread = min(pixels, CHUNK_PIXELS) * 8 + (0 if into_volume else pixels * 4)
    read_whole = {path for path, _, layout in headers if not (layout.fast and layout.syntax in NATIVE_LE)}
    largest = max((path.stat().st_size for path in read_whole if path.exists()), default=0)
    return frames * pixels * 2 + max(workers, 1) * per_thread + 2 * largest


def load_series_progressively(paths: Sequence[Path], *, first_index: int | None = None,
                              on_first: Callable[[int, np.ndarray], None] | None = None,
                              on_progress: ProgressCallback | None = None,
                              cancel: threading.Event | None = None) -> CtVolume:
    """Load one series, calling ``on_first(index, slice_hu)`` as soon as the first slice is decoded.

    Raises
    ------
    LoadCancelled, NotDicomError, MixedSeriesError, MissingGeometryError, DicomError
    """
    load = SeriesLoad(paths, first_index=first_index, on_progress=on_progress, cancel=cancel)
    first = load.first_slice()
    if on_first is not None:
        on_first(load.first_index, first)
    return load.run()


def load_series(paths: Sequence[Path]) -> CtVolume:
    """Load the files of ONE series into a :class:`CtVolume` (int16 HU, sorted along the normal).

    Same as ``SeriesLoad(paths).run()`` (2 decoding threads).

    Raises
    ------
    NotDicomError, MixedSeriesError, MissingGeometryError, UnsupportedTransferSyntaxError, DicomError
    """
    return SeriesLoad(paths).run()


def load_series_from_paths(paths: Sequence[Path], series_uid: str | None = None) -> CtVolume:
    """Scan ``paths`` (:func:`recist_app.imaging.scan.scan`: folders, DICOMDIRs, files) and load series
    ``series_uid``, by default the one with the most images.

    Raises
    ------
    NotDicomError
        When ``paths`` hold no readable DICOM image.
    DicomError
        When ``series_uid`` is not among the series found (the message lists them).
    """
    found = scan(paths).series
    if not found:
        raise NotDicomError(f"No DICOM image under {', '.join(str(p) for p in paths)}.")
    chosen: SeriesSummary | None
    if series_uid is None:
        chosen = max(found, key=lambda series: series.frame_count)
    else:
        chosen = next((series for series in found if series.series_uid == series_uid), None)
        if chosen is None:
            choices = ", ".join(sorted(series.series_uid for series in found))
            raise DicomError(f"Series {series_uid} is not there; the series found are {choices}.")
    return load_series(chosen.files)


def load_series_from_folder(folder: Path, series_uid: str | None = None) -> CtVolume:
    """:func:`load_series_from_paths` on one folder (searched recursively)."""
    return load_series_from_paths([Path(folder)], series_uid)
