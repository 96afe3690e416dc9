"""A series from a PACS decoded while it arrives (issue 15): retrieval and decoding overlap.

Each compressed instance is decoded as soon as it is whole on disk
(:func:`~recist_app.imaging.series_plan.decode_file`, in one background thread: the other core
receives), into a slice of its own, while the rest is still being retrieved. Once the series is whole
in the cache, the folder loader checks and sorts it exactly as it would a folder
(:class:`~recist_app.imaging.load.SeriesLoad`: same geometry, findings and errors), moves the slices
decoded already into the volume and decodes the others in its threads. An image that would not decode
here is simply decoded again there, which raises the error a folder load gives. Uncompressed images
are left to the folder load (reading them from the page cache is as fast as copying a decoded slice,
and decoding them during the retrieval slowed it down: ``benchmarks/bench_pacs.py``). A series already
in the cache is a folder load.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from recist_app.imaging.errors import DicomError
from recist_app.imaging.header import NATIVE_LE
from recist_app.imaging.load import Predecoded, ProgressCallback, SeriesLoad
from recist_app.imaging.scan import find_series, scan
from recist_app.imaging.series_plan import decode_file, read_headers
from recist_app.imaging.sources.retrieve import series_folder
from recist_app.imaging.volume import CtVolume


class ArrivalDecoder:
    """Decodes the files handed to :meth:`arrived` in a background thread, into :attr:`slices`."""

    def __init__(self) -> None:
        self.slices: Predecoded = {}
        self._ambiguous: set[tuple[str, int]] = set()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="arrival-decode")
        #: Set by the first uncompressed image: the series is left to the folder load (a series has one syntax
        #: as a rule; an image missed here is decoded there anyway).
        self._uncompressed = threading.Event()

    def arrived(self, path: Path) -> None:
        """``path`` is whole: decode it (in the background)."""
        if not self._uncompressed.is_set():
            self._pool.submit(self._decode, path)

    def _decode(self, path: Path) -> None:
        if self._uncompressed.is_set():
            return
        try:
            header = read_headers([path])[0]
            layout = header[2]
            if layout.fast and layout.syntax in NATIVE_LE:  # the folder load reads it as fast as a copy
                self._uncompressed.set()
                return
            decoded = decode_file(header)
        except BaseException:  # the folder load decodes it again and says what is wrong (a decoder may panic)
            return
        with self._lock:
            for sop_uid, index, pixels, clipped in decoded:
                key = (sop_uid, index)
                if not sop_uid or key in self._ambiguous:
                    continue
                if key in self.slices:  # two files of one SOP Instance UID: let the folder load decide
                    del self.slices[key]
                    self._ambiguous.add(key)
                    continue
                self.slices[key] = (pixels, clipped)

    def finish(self, *, drop: bool = False) -> Predecoded:
        """The slices decoded so far, once the one being decoded is done; the files not started are left to the
        folder load, which decodes in as many threads as it has (``drop``: forget everything)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        if drop:
            self.slices.clear()
        return self.slices


def retrieve_decoding(address: str, series_uid: str, *, calling_aet: str | None = None,
                      cancel: threading.Event | None = None,
                      on_file: Callable[[Path, int, int], None] | None = None) -> tuple[Path, Predecoded]:
    """The cached folder of the series (retrieved now when not there) and the slices decoded while it arrived
    (none when it came from the cache)."""
    decoder = ArrivalDecoder()

    def arrived(path: Path, done: int, total: int) -> None:
        decoder.arrived(path)
        if on_file is not None:
            on_file(path, done, total)

    try:
        folder, _cached = series_folder(address, series_uid, calling_aet=calling_aet, cancel=cancel, on_file=arrived)
    except BaseException:
        decoder.finish(drop=True)
        raise
    return folder, decoder.finish()


def load_from_server(address: str, series_uid: str, *, calling_aet: str | None = None,
                     cancel: threading.Event | None = None, on_progress: ProgressCallback | None = None) -> CtVolume:
    """Series ``series_uid`` of the PACS at ``address`` as a volume, decoded while it arrives.

    The cached folder holds what the server gave for that one series, so its files are loaded without the
    folder scan; should that fail, the scan picks the series' images as in a folder and the load says why."""
    folder, slices = retrieve_decoding(address, series_uid, calling_aet=calling_aet, cancel=cancel)
    try:
        return SeriesLoad(sorted(folder.iterdir()), on_progress=on_progress, cancel=cancel, predecoded=slices).run()
    except DicomError:
        pass
    summary = find_series(scan([folder]), series_uid, folder)
    return SeriesLoad(summary.files, on_progress=on_progress, cancel=cancel).run()
