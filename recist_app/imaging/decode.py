"""Fast per-frame decoding of (7FE0,0010) *Pixel Data*, bit-identical to pydicom's ``pixel_array``.

Where the bytes are comes from the header pass (:mod:`recist_app.imaging.header`).

How a frame is decoded
----------------------
* Native little-endian (Implicit / Explicit VR Little Endian), 8 or 16 bits allocated, 1 sample:
  the frame is read with ``readinto`` at its offset (no copy of the whole file), reinterpreted
  with the dtype of (0028,0100)/(0028,0103), and the unused bits above (0028,0101) *Bits Stored*
  are corrected like pydicom (shift left then right).
* Encapsulated JPEG Lossless, JPEG-LS and JPEG 2000: the frame's fragments come from
  :func:`pydicom.encaps.get_frame` and are decoded by imagecodecs, which releases the GIL, with
  pydicom's sign and unused-bit corrections.
* Anything else (deflate, big endian, RLE, lossy JPEG, colour, odd layouts) and any failure of the
  fast path goes through pydicom (``pixel_array``). RLE is decoded by pydicom's own numpy decoder,
  never by pylibjpeg-rle, whose Rust code panics on corrupt segments (a ``PanicException``, which
  derives from ``BaseException``, after printing a backtrace on standard error).

Before any encapsulated frame is decoded, the size its codestream declares is compared with the
header (:mod:`recist_app.imaging.codestream`). Whatever a decoder raises (including
``BaseException`` subclasses of Rust/C extensions and ``MemoryError``, but not ``KeyboardInterrupt``
or ``SystemExit``) becomes a :class:`~recist_app.imaging.errors.DicomError` naming the file.
"""

from __future__ import annotations

import threading
from pathlib import Path

import imagecodecs
import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.encaps import get_frame
from pydicom.errors import InvalidDicomError
from pydicom.pixels import pixel_array
from pydicom.pixels.utils import _get_jpg_parameters, get_j2k_parameters
from pydicom.uid import UID

from recist_app.imaging import codestream
from recist_app.imaging.errors import (
    DicomError,
    NotDicomError,
    NotEnoughMemoryError,
    UnsupportedTransferSyntaxError,
)
from recist_app.imaging.header import (
    JPEG_2000,
    JPEG_LOSSLESS,
    JPEG_LS,
    NATIVE_LE,
    FastPathUnavailable,
    PixelLayout,
    one_line,
)
from recist_app.imaging.header_checks import raise_problem

#: Errors that end the program or the thread on purpose: never turned into a file's error.
_NOT_DECODER_FAILURES = (KeyboardInterrupt, SystemExit, GeneratorExit)
#: pydicom's pure numpy RLE decoder (pylibjpeg-rle panics on corrupt data, see the module docstring).
_PLUGINS = {codestream.RLE_LOSSLESS: "pydicom"}
#: How pydicom starts the message listing each plugin's failure (left out of ours).
_ALL_PLUGINS_FAILED = "Unable to decode as exceptions were raised by all available plugins:"


def _reason(exc: BaseException) -> str:
    """A decoder failure in one line, without pydicom's preamble about its plugins."""
    return one_line(exc).replace(_ALL_PLUGINS_FAILED, "").strip()


def _frame_view(layout: PixelLayout, buffer: np.ndarray | None) -> np.ndarray | None:
    """``buffer`` as one frame of stored values (dtype and shape of ``layout``), or None when it is
    not a writeable, C-contiguous array of exactly the frame's bytes."""
    dtype, shape = layout.dtype, (layout.rows, layout.columns)
    nbytes = layout.rows * layout.columns * dtype.itemsize
    if buffer is not None and buffer.nbytes == nbytes and buffer.flags.c_contiguous and buffer.flags.writeable:
        return buffer.view(dtype).reshape(shape)
    return None


def _read_native(layout: PixelLayout, index: int, buffer: np.ndarray | None = None) -> np.ndarray:
    """Stored values of native frame ``index``, read at its offset (``readinto``, GIL released)
    into ``buffer`` when it is a C-contiguous array of the frame's bytes."""
    out = _frame_view(layout, buffer)
    if out is None:
        out = np.empty((layout.rows, layout.columns), dtype=layout.dtype)
    assert layout.value_offset is not None
    with open(layout.path, "rb", buffering=0) as fp:
        fp.seek(layout.value_offset + index * out.nbytes)
        if fp.readinto(out.data.cast("B")) != out.nbytes:
            raise FastPathUnavailable("short read")
    return out


def _codec(syntax: str, frame: bytes, out: np.ndarray | None) -> np.ndarray:
    """Decode one encapsulated frame with imagecodecs (releases the GIL), into ``out`` if given."""
    if syntax in JPEG_LOSSLESS:
        return imagecodecs.jpeg8_decode(frame, out=out)
    if syntax in JPEG_LS:
        return imagecodecs.jpegls_decode(frame, out=out)
    return imagecodecs.jpeg2k_decode(frame, out=out)


class _BufferCache:
    """Encapsulated Pixel Data values of the last few files, shared by the decoding threads."""

    def __init__(self, size: int = 2) -> None:
        self._size, self._lock = size, threading.Lock()
        self._items: dict[Path, bytes] = {}

    def get(self, layout: PixelLayout) -> bytes:
        """Bytes from the Pixel Data value to the end of the file (fragments end at a delimiter)."""
        with self._lock:
            if layout.path in self._items:
                return self._items[layout.path]
        assert layout.value_offset is not None
        with open(layout.path, "rb", buffering=0) as fp:
            fp.seek(layout.value_offset)
            data = fp.read()
        if layout.frames > 1:  # single-frame files are read once: do not keep them
            with self._lock:
                while len(self._items) >= self._size:
                    self._items.pop(next(iter(self._items)))
                self._items[layout.path] = data
        return data


_CACHE = _BufferCache()


def _shift(arr: np.ndarray, bits: int) -> None:
    """Keep the low ``itemsize·8 − bits`` bits, sign-extending signed dtypes (pydicom's correction)."""
    if bits > 0 and arr.dtype.kind == "u":
        np.bitwise_and(arr, (1 << (8 * arr.dtype.itemsize - bits)) - 1, out=arr, casting="unsafe")
    elif bits > 0:
        np.left_shift(arr, bits, out=arr)
        np.right_shift(arr, bits, out=arr)


def encapsulated_frame(layout: PixelLayout, index: int) -> bytes:
    """The codestream of encapsulated frame ``index`` (0-based), checked against the header.

    Raises
    ------
    DicomError
        When the frame cannot be found among the fragments of (7FE0,0010).
    InvalidHeaderError
        When the codestream's own size disagrees with Rows, Columns or Samples per Pixel
        (:func:`recist_app.imaging.codestream.frame_problem`).
    """
    try:
        frame = get_frame(_CACHE.get(layout), index, number_of_frames=layout.frames,
                          extended_offsets=layout.extended_offsets)
    except _NOT_DECODER_FAILURES:
        raise
    except BaseException as exc:
        raise DicomError(f"{layout.path}: frame {index + 1} is not found in the encapsulated Pixel Data "
                         f"(7FE0,0010) ({one_line(exc)}). The file is corrupt; export it again.") from exc
    problem = codestream.frame_problem(layout, frame)
    if problem is not None:
        raise_problem(layout.path, problem, index + 1 if layout.frames > 1 else None)
    return frame


def is_encapsulated(layout: PixelLayout) -> bool:
    """True when (7FE0,0010) was located and holds fragments (undefined length)."""
    return layout.value_offset is not None and layout.value_length is None


def _decode_encapsulated(layout: PixelLayout, frame: bytes, buffer: np.ndarray | None = None) -> np.ndarray:
    """Stored values of the encapsulated ``frame`` via imagecodecs (decoded straight into
    ``buffer`` when it fits, as in :func:`_read_native`), corrected like pydicom."""
    dtype = layout.dtype
    info = get_j2k_parameters(frame) if layout.syntax in JPEG_2000 else _get_jpg_parameters(frame)
    if info.get("precision", layout.bits_stored) != layout.bits_stored:  # pydicom would shift otherwise
        raise FastPathUnavailable("codestream precision differs from Bits Stored (0028,0101)")
    target = _frame_view(layout, buffer)
    arr = _codec(layout.syntax, frame, None if target is None else target.view(f"<u{dtype.itemsize}"))
    if arr.shape != (layout.rows, layout.columns) or arr.dtype.itemsize != dtype.itemsize:
        raise FastPathUnavailable(f"codec gave {arr.shape} {arr.dtype}")
    arr = np.ascontiguousarray(arr).view(dtype)
    if not arr.flags.writeable:
        arr = arr.copy()
    # J2K signedness mismatch and JPEG-LS signed data are fixed by the same shift as unused bits
    # when the codestream precision equals Bits Stored (checked above).
    _shift(arr, layout.bits_allocated - layout.bits_stored)
    return arr


def decode_pydicom(path: Path, index: int, ds: Dataset | None = None) -> np.ndarray:
    """Frame ``index`` of ``path`` through ``pydicom.pixels.pixel_array`` (the reference).

    Raises
    ------
    NotDicomError
        When pydicom cannot read the file.
    UnsupportedTransferSyntaxError
        When no installed plugin decodes the syntax (the message names it).
    NotEnoughMemoryError
        When the decoder runs out of memory.
    DicomError
        When the pixel data are corrupt, whatever the decoder raised (one line, naming the file).
    """
    try:
        ds = pydicom.dcmread(path) if ds is None else ds
    except (InvalidDicomError, OSError, EOFError) as exc:
        raise NotDicomError(f"{path} is not a readable DICOM file ({one_line(exc)}). Remove it from the "
                            "selection.") from exc
    except _NOT_DECODER_FAILURES:
        raise
    except BaseException as exc:
        raise DicomError(f"{path}: pixel data cannot be decoded ({one_line(exc)}).") from exc
    syntax = ds.file_meta.get("TransferSyntaxUID") if hasattr(ds, "file_meta") else None
    try:
        return pixel_array(ds, index=index, decoding_plugin=_PLUGINS.get(str(syntax), ""))
    except NotImplementedError as exc:
        name = f"{UID(syntax).name} ({syntax})" if syntax is not None else "unknown transfer syntax"
        raise UnsupportedTransferSyntaxError(
            f"{path}: transfer syntax {name} cannot be decoded by the installed pydicom plugins. "
            "Convert the series to an uncompressed syntax (e.g. dcmtk dcmdjpeg) and load it again.") from exc
    except MemoryError as exc:
        raise NotEnoughMemoryError(f"{path}: decoding frame {index + 1} ran out of memory. Free memory, or load a "
                                   "smaller series.") from exc
    except _NOT_DECODER_FAILURES:
        raise
    except BaseException as exc:  # decoders in Rust/C raise anything, PanicException included
        raise DicomError(f"{path}: pixel data cannot be decoded ({_reason(exc)}).") from exc


def decode_fast(layout: PixelLayout, index: int, buffer: np.ndarray | None = None,
                frame: bytes | None = None) -> np.ndarray:
    """Frame ``index`` through the fast path only; its values fit in (0028,0101) *Bits Stored*.

    The frame is read or decoded into ``buffer`` when given (same byte size): the result is then a
    view of it, valid until the buffer is reused. ``frame`` is the encapsulated codestream when the
    caller has it already (:func:`encapsulated_frame`).

    Raises
    ------
    FastPathUnavailable
        When the fast path does not handle the file or fails on it (pydicom must decide).
    DicomError
        When the encapsulated frame is missing or disagrees with the header (:func:`encapsulated_frame`).
    """
    if not (layout.fast and 0 <= index < layout.frames):
        raise FastPathUnavailable(f"{layout.path}: {layout.syntax} {layout.photometric} is not on the fast path")
    if layout.syntax not in NATIVE_LE and frame is None:
        frame = encapsulated_frame(layout, index)
    try:
        if layout.syntax in NATIVE_LE:
            arr = _read_native(layout, index, buffer)
            _shift(arr, layout.bits_allocated - layout.bits_stored)
            return arr
        assert frame is not None
        return _decode_encapsulated(layout, frame, buffer)
    except _NOT_DECODER_FAILURES:
        raise
    except FastPathUnavailable:
        raise
    except BaseException as exc:  # any failure: pydicom decides (and gives the typed error)
        raise FastPathUnavailable(f"{layout.path}: {one_line(exc)}") from exc


def decode_frame(layout: PixelLayout, index: int, buffer: np.ndarray | None = None) -> np.ndarray:
    """Stored values of frame ``index`` (0-based), equal to ``pixel_array(ds, index=index)``.

    An encapsulated frame's codestream is checked against the header first; then the fast path,
    else pydicom (into ``buffer`` when given and the fast path takes it, see :func:`decode_fast`).

    Raises
    ------
    UnsupportedTransferSyntaxError, InvalidHeaderError, NotEnoughMemoryError, DicomError
        As :func:`encapsulated_frame` and :func:`decode_pydicom`.
    """
    frame = encapsulated_frame(layout, index) if is_encapsulated(layout) else None
    try:
        return decode_fast(layout, index, buffer, frame)
    except FastPathUnavailable:
        return decode_pydicom(layout.path, index)
