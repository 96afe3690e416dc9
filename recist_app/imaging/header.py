"""The header pass over one DICOM file: what it is and where its (7FE0,0010) *Pixel Data* lies.

How the pixel bytes are found
-----------------------------
:func:`read_header` opens the file itself and calls ``pydicom.dcmread(fp, stop_before_pixels=True)``.
pydicom stops at the top-level (7FE0,0010) element and *rewinds the file to the start of that
element* (``filereader.data_element_generator``), so ``fp.tell()`` is the element's offset as
pydicom parsed it: no second parser decides where the pixels are. The 8- or 12-byte element
header is then read and checked (tag, VR, length) to give the value offset and length. One
header pass thus yields both the :class:`~pydicom.dataset.Dataset` and the :class:`PixelLayout`.

The lean header
---------------
:func:`read_lean_header` (``read_header(path, lean=True)``) reads the first 64 KB once and walks
the top-level elements of Implicit/Explicit VR Little Endian Part 10 files itself, keeping only
:data:`LEAN_TAGS` and the Pixel Data position (about 10 × faster than pydicom). Anything unusual
(no preamble, other syntaxes, Enhanced functional groups, multi-frame, empty or odd values, a
header longer than 64 KB) goes to pydicom. ``tests/recist_app/imaging/test_decode.py`` checks that
both agree, value by value, on every file in ``../shared/data``.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.uid import AllTransferSyntaxes, DeflatedExplicitVRLittleEndian

from recist_app.imaging.errors import InvalidHeaderError, NotDicomError

NATIVE_LE = frozenset({"1.2.840.10008.1.2", "1.2.840.10008.1.2.1"})
JPEG_LOSSLESS = frozenset({"1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70"})
JPEG_LS = frozenset({"1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81"})
JPEG_2000 = frozenset({"1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.201",
                       "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203"})
EXPLICIT_BIG_ENDIAN = "1.2.840.10008.1.2.2"
_UNDEFINED = 0xFFFFFFFF


class FastPathUnavailable(Exception):
    """The fast path does not handle this frame; pydicom decodes it instead (internal)."""


@dataclass(frozen=True)
class PixelLayout:
    """Where and how the pixels of one file are stored.

    ``value_offset`` is the file offset of the (7FE0,0010) value (None when pydicom must read the
    file: deflated syntax, no top-level Pixel Data); ``value_length`` is None for undefined length
    (encapsulated). The rest are (0002,0010), (0028,0010/0011/0008/0100/0101/0103/0002/0004).
    """

    path: Path
    syntax: str
    rows: int
    columns: int
    frames: int
    bits_allocated: int
    bits_stored: int
    pixel_representation: int
    samples_per_pixel: int
    photometric: str
    value_offset: int | None
    value_length: int | None
    extended_offsets: tuple[bytes, bytes] | None = None

    @property
    def dtype(self) -> np.dtype:
        """The dtype pydicom gives the stored values (signed when (0028,0103) is 1)."""
        return np.dtype(f"<{'i' if self.pixel_representation else 'u'}{max(self.bits_allocated // 8, 1)}")

    @property
    def frame_bytes(self) -> float:
        """Bytes of one native frame: Rows × Columns × Samples per Pixel × Bits Allocated / 8."""
        return self.rows * self.columns * self.samples_per_pixel * self.bits_allocated / 8

    @property
    def fast(self) -> bool:
        """True when :func:`decode_frame` may bypass pydicom for this file."""
        simple = (self.samples_per_pixel == 1 and self.bits_allocated in (8, 16) and self.frames >= 1
                  and 0 < self.bits_stored <= self.bits_allocated and self.value_offset is not None
                  and self.photometric in ("MONOCHROME1", "MONOCHROME2"))
        if self.syntax in NATIVE_LE:
            need = self.frames * self.rows * self.columns * self.bits_allocated // 8
            return simple and self.value_length is not None and self.value_length >= need
        return simple and self.value_length is None and self.syntax in JPEG_LOSSLESS | JPEG_LS | JPEG_2000


def _int(ds: Dataset | LeanHeader, keyword: str, default: int) -> int:
    """Integer value of ``keyword`` (``default`` when absent or not an integer)."""
    try:
        return int(ds.get(keyword, default) if ds.get(keyword) not in (None, "") else default)
    except (TypeError, ValueError):
        return default


def _element_value(fp: BinaryIO, syntax: str) -> tuple[int | None, int | None, bool]:
    """(value offset, length or None if undefined, found) of the element at ``fp.tell()``; Explicit
    VR Big Endian (retired) is read with its byte order, every other syntax as little endian."""
    start = fp.tell()
    head = fp.read(12)
    order = ">" if syntax == EXPLICIT_BIG_ENDIAN else "<"
    if len(head) < 8 or head[:4] != struct.pack(f"{order}HH", 0x7FE0, 0x0010):
        return None, None, False
    if syntax == "1.2.840.10008.1.2":  # implicit VR: tag, 4-byte length
        length, offset = struct.unpack("<I", head[4:8])[0], start + 8
    elif head[4:6] in (b"OB", b"OW", b"UN", b"OV", b"OF", b"OD") and len(head) == 12:
        length, offset = struct.unpack(f"{order}I", head[8:12])[0], start + 12
    else:
        return None, None, False
    return offset, (None if length == _UNDEFINED else length), True


def has_pixel_offsets(syntax: str) -> bool:
    """True when (7FE0,0010) can be located in the file as stored: every transfer syntax but the
    deflated one (whose dataset is compressed) and unknown ones."""
    return syntax in AllTransferSyntaxes and syntax != DeflatedExplicitVRLittleEndian


def frame_value(ds: Any, frame: int, sequence: str, keyword: str, top_level: bool = True) -> Any:
    """``keyword`` in ``sequence`` of item ``frame`` of the Per-frame Functional Groups (5200,9230),
    then of the Shared Functional Groups (5200,9229) of an Enhanced image, else (with ``top_level``)
    the top-level attribute; None when absent. The one lookup the scan and the loader share."""
    for groups, item in (("PerFrameFunctionalGroupsSequence", frame), ("SharedFunctionalGroupsSequence", 0)):
        seq = ds.get(groups)
        inner = seq[item].get(sequence) if seq is not None and len(seq) > item else None
        if inner and keyword in inner[0]:
            return inner[0].get(keyword)
    return ds.get(keyword) if top_level else None


def frame_values(ds: Any, count: int, sequence: str, keyword: str, top_level: bool = True) -> list[Any]:
    """:func:`frame_value` of frames 0 … ``count`` − 1 in one pass: the Shared Functional Groups
    (5200,9229) and top-level fallback is looked up once and the Per-frame Functional Groups
    (5200,9230) sequence fetched once (a per-frame call costs about 25 µs, so 100,000 frames took
    seconds per attribute)."""
    fallback = frame_value(ds, 0, sequence, keyword, top_level) if count else None
    per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    if per_frame is None:
        return [fallback] * count
    shared = ds.get("SharedFunctionalGroupsSequence")
    inner0 = shared[0].get(sequence) if shared is not None and len(shared) > 0 else None
    if not (inner0 and keyword in inner0[0]):
        fallback = ds.get(keyword) if top_level else None
    values = []
    for index in range(count):
        inner = per_frame[index].get(sequence) if index < len(per_frame) else None
        values.append(inner[0].get(keyword) if inner and keyword in inner[0] else fallback)
    return values


def layout_of(path: Path, ds: Dataset | LeanHeader, value_offset: int | None, value_length: int | None) -> PixelLayout:
    """:class:`PixelLayout` of ``path`` from its header and the Pixel Data value position."""
    meta = getattr(ds, "file_meta", None)
    syntax = str(meta.get("TransferSyntaxUID", "")) if meta is not None else ""
    ext = None
    if "ExtendedOffsetTable" in ds and "ExtendedOffsetTableLengths" in ds:
        ext = (bytes(ds.ExtendedOffsetTable), bytes(ds.ExtendedOffsetTableLengths))
    return PixelLayout(
        path=path, syntax=syntax, rows=_int(ds, "Rows", 0), columns=_int(ds, "Columns", 0),
        frames=_int(ds, "NumberOfFrames", 1) or 1, bits_allocated=_int(ds, "BitsAllocated", 0),
        bits_stored=_int(ds, "BitsStored", 0), pixel_representation=_int(ds, "PixelRepresentation", 0),
        samples_per_pixel=_int(ds, "SamplesPerPixel", 1), photometric=str(ds.get("PhotometricInterpretation", "")),
        value_offset=value_offset, value_length=value_length, extended_offsets=ext)


def read_header(path: Path, lean: bool = False) -> tuple[Dataset | LeanHeader, PixelLayout]:
    """Header of ``path`` (``stop_before_pixels``) and its :class:`PixelLayout`, in one read.

    With ``lean`` a :class:`LeanHeader` (only :data:`LEAN_TAGS`, about 10 × faster) is returned
    when :func:`read_lean_header` handles the file, else the pydicom Dataset.

    Raises
    ------
    NotDicomError
        If pydicom cannot read the file as DICOM (whatever it raises: a corrupt header is the file's
        error, never a traceback).
    """
    if lean:
        try:
            return read_lean_header(path)
        except Exception:  # _NotLean, OSError, or a parse the lean reader got wrong (deep nesting): pydicom decides
            pass
    try:
        with open(path, "rb") as fp:
            _frames_fit_the_file(fp, path)
            ds = pydicom.dcmread(fp, stop_before_pixels=True)
            meta = getattr(ds, "file_meta", None)
            syntax = str(meta.get("TransferSyntaxUID", "")) if meta is not None else ""
            offset = length = None
            if has_pixel_offsets(syntax):  # not deflated
                offset, length, _ = _element_value(fp, syntax)
        return ds, layout_of(Path(path), ds, offset, length)
    except (KeyboardInterrupt, SystemExit, InvalidHeaderError):
        raise
    except BaseException as exc:  # InvalidDicomError, OSError, EOFError, whatever a corrupt header makes pydicom raise
        raise NotDicomError(f"{path} is not a readable DICOM file ({one_line(exc)}). Remove it from the "
                            "selection.") from exc


#: Bytes a frame needs at the least: native, Rows × Columns × Samples × Bits Allocated / 8; encapsulated, an
#: 8-byte item header and 2 bytes of data (PS3.5 §A.4).
MIN_ENCAPSULATED_FRAME_BYTES = 10
#: Files smaller than this parse in well under a second whatever they hold: the pre-check is for the rest.
_PRECHECK_MIN_BYTES = 4 << 20


def _frames_fit_the_file(fp: BinaryIO, path: Path) -> None:
    """Refuse a (0028,0008) *Number of Frames* the file is too small to hold, before the whole header
    is parsed: 99,999 items of (5200,9230) Per-frame Functional Groups take pydicom seconds, while
    the image pixel module (group 0028) comes before them and reads in a millisecond. Small files
    (:data:`_PRECHECK_MIN_BYTES`) and anything unusual here are left to the full parse and the checks
    after it (:mod:`recist_app.imaging.header_checks`), which say more."""
    size = os.fstat(fp.fileno()).st_size
    if size < _PRECHECK_MIN_BYTES:
        return
    try:
        head = pydicom.filereader.read_partial(fp, stop_when=lambda tag, _vr, _length: tag.group > 0x0028)
        layout = layout_of(path, head, None, None)
        frames = layout.frames
        native = layout.syntax in NATIVE_LE or layout.syntax == EXPLICIT_BIG_ENDIAN
        per_frame = layout.frame_bytes if native else MIN_ENCAPSULATED_FRAME_BYTES
    except Exception:  # a header the partial read does not understand: the full parse decides
        return
    finally:
        fp.seek(0)
    if frames > 1 and frames * per_frame > size:
        raise InvalidHeaderError(
            f"{path}: Number of Frames (0028,0008) is {frames:,}, but {frames:,} frames need at least "
            f"{frames * per_frame:,.0f} bytes and the file holds {size:,}: the file is corrupt",
            path=path, attribute="Number of Frames (0028,0008)", value=frames)


def one_line(exc: BaseException, limit: int = 200) -> str:
    """``exc``'s text on one line (whitespace runs collapsed), at most ``limit`` characters; its
    class name when it has no text. For messages that must stay one line."""
    text = " ".join(str(exc).split())
    if len(text) > limit:
        text = text[:limit - 1] + "…"
    return text or type(exc).__name__


#: Top-level attributes the lean header parser keeps: tag → (keyword, VR).
LEAN_TAGS: dict[int, tuple[str, str]] = {
    0x00080018: ("SOPInstanceUID", "UI"), 0x00080060: ("Modality", "CS"), 0x0020000D: ("StudyInstanceUID", "UI"),
    0x0020000E: ("SeriesInstanceUID", "UI"), 0x00200052: ("FrameOfReferenceUID", "UI"),
    0x00200032: ("ImagePositionPatient", "DS"), 0x00200037: ("ImageOrientationPatient", "DS"),
    0x00180050: ("SliceThickness", "DS"), 0x00280030: ("PixelSpacing", "DS"), 0x00281050: ("WindowCenter", "DS"),
    0x00281051: ("WindowWidth", "DS"), 0x00281052: ("RescaleIntercept", "DS"), 0x00281053: ("RescaleSlope", "DS"),
    0x00280002: ("SamplesPerPixel", "US"), 0x00280004: ("PhotometricInterpretation", "CS"),
    0x00280008: ("NumberOfFrames", "IS"), 0x00280010: ("Rows", "US"), 0x00280011: ("Columns", "US"),
    0x00280100: ("BitsAllocated", "US"), 0x00280101: ("BitsStored", "US"), 0x00280103: ("PixelRepresentation", "US"),
    # For the scan (recist_app.imaging.scan_headers): SOP class, numbers, tilt and spacing.
    0x00080016: ("SOPClassUID", "UI"), 0x00200011: ("SeriesNumber", "IS"), 0x00200013: ("InstanceNumber", "IS"),
    0x00181120: ("GantryDetectorTilt", "DS"), 0x00180088: ("SpacingBetweenSlices", "DS"),
    # Text for the scan: one ASCII value, trailing NUL/space stripped as pydicom does; a backslash
    # (multi-valued) or a non-ASCII byte sends the file to pydicom. The scan re-reads with pydicom the
    # files whose text holds an ESC byte (ISO 2022 code extensions of (0008,0005) Specific Character Set).
    0x00080020: ("StudyDate", "DA"), 0x00081030: ("StudyDescription", "LO"), 0x0008103E: ("SeriesDescription", "LO"),
    0x00100010: ("PatientName", "PN"), 0x00100020: ("PatientID", "LO"),
    # For the series catalog (recist_app.imaging.catalog): the reconstruction kernel.
    0x00181210: ("ConvolutionKernel", "SH"),
}
#: Explicit VRs with a 2-byte reserved field and a 4-byte length (PS3.5 §7.1.2).
_LONG_VRS = frozenset({b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"})
_TAG_LONG, _TAG_VR_SHORT, _ULONG = struct.Struct("<HHI"), struct.Struct("<HH2sH"), struct.Struct("<I")
#: Bytes read for the lean header; a Pixel Data element further in sends the file to pydicom.
LEAN_READ_BYTES = 65536


class LeanHeader:
    """The :data:`LEAN_TAGS` of one file, read with ``dict``-like access as on a pydicom Dataset."""

    __slots__ = ("file_meta", "values")

    def __init__(self, values: dict[str, Any], syntax: str) -> None:
        self.values, self.file_meta = values, {"TransferSyntaxUID": syntax}

    def get(self, keyword: str, default: Any = None) -> Any:  # values as pydicom converts them, as Dataset.get
        """Value of ``keyword`` (as pydicom converts it), ``default`` when absent."""
        return self.values.get(keyword, default)

    def __contains__(self, keyword: object) -> bool:
        return keyword in self.values

    def __getattr__(self, keyword: str) -> Any:
        try:
            return self.values[keyword]
        except KeyError:
            raise AttributeError(keyword) from None


class _NotLean(Exception):
    """The lean parser does not handle this file: pydicom reads it (internal)."""


def _lean_value(raw: bytes, vr: str) -> object:
    """``raw`` converted like pydicom: US → int, DS → float or list, IS → int; text (UI, CS, LO, PN,
    DA, …) → one str with trailing NUL/space stripped (CS also leading spaces)."""
    if vr == "US":
        if len(raw) != 2:
            raise _NotLean("multi-valued or short US")
        return raw[0] | raw[1] << 8
    if vr == "DS" or vr == "IS":  # float() and int() take ASCII bytes and ignore surrounding blanks
        convert = float if vr == "DS" else int
        values = [convert(part) for part in raw.split(b"\\")]  # '' or a blank part raises ValueError
        return values if len(values) > 1 else values[0]
    text = raw.decode("ascii").rstrip("\x00 ")
    if vr == "CS":
        text = text.lstrip(" ")
    if "\\" in text:
        raise _NotLean("multi-valued text")
    return text


def _skip_undefined(buf: bytes, pos: int, implicit: bool) -> int:
    """Position after the (FFFE,E0DD) delimiter of an undefined-length sequence starting at ``pos``."""
    while True:
        group, elem, length = struct.unpack_from("<HHI", buf, pos)
        pos += 8
        if (group, elem) == (0xFFFE, 0xE0DD):
            return pos
        if (group, elem) != (0xFFFE, 0xE000):
            raise _NotLean("unexpected tag in a sequence")
        if length != _UNDEFINED:
            pos += length
            continue
        while True:  # undefined-length item: elements up to (FFFE,E00D)
            if struct.unpack_from("<HH", buf, pos) == (0xFFFE, 0xE00D):
                pos += 8
                break
            pos, _, _, _ = _next_element(buf, pos, implicit)


def _next_element(buf: bytes, pos: int, implicit: bool) -> tuple[int, int, int, int]:
    """(position after the element, tag, value offset, value length or -1 if undefined)."""
    if implicit:
        group, elem, length = _TAG_LONG.unpack_from(buf, pos)
        start = pos + 8
    else:
        group, elem, vr, length = _TAG_VR_SHORT.unpack_from(buf, pos)
        start = pos + 8
        if group == 0xFFFE:  # item and delimiters: tag and 4-byte length, no VR
            length = _ULONG.unpack_from(buf, pos + 4)[0]
        elif vr in _LONG_VRS:
            length, start = _ULONG.unpack_from(buf, pos + 8)[0], pos + 12
    tag = group << 16 | elem
    if length == _UNDEFINED:
        if tag == 0x7FE00010:
            return start, tag, start, -1
        return _skip_undefined(buf, start, implicit), tag, start, -1
    if start + length > len(buf) and tag != 0x7FE00010:
        raise _NotLean("header longer than the bytes read")
    return start + length, tag, start, length


def read_lean_header(path: Path) -> tuple[LeanHeader, PixelLayout]:
    """Parse only :data:`LEAN_TAGS` and the Pixel Data position from the first bytes of ``path``.

    Handles Part 10 files in Implicit / Explicit VR Little Endian (and encapsulated syntaxes, which
    are explicit little endian) with single-frame top-level attributes. Anything else raises
    ``_NotLean`` and :func:`read_header` uses pydicom; a test checks both agree on every file.
    """
    with open(path, "rb", buffering=0) as fp:
        buf = fp.read(LEAN_READ_BYTES)
    if buf[128:132] != b"DICM":
        raise _NotLean("no Part 10 preamble")
    try:
        pos, syntax = 132, ""
        while struct.unpack_from("<H", buf, pos)[0] == 0x0002:  # file meta: always explicit LE
            pos, tag, start, length = _next_element(buf, pos, False)
            if tag == 0x00020010:
                syntax = buf[start:start + length].decode("ascii").rstrip("\x00 ")
        if syntax not in NATIVE_LE and syntax not in JPEG_LOSSLESS | JPEG_LS | JPEG_2000:
            raise _NotLean(f"transfer syntax {syntax!r}")
        implicit, values, end = syntax == "1.2.840.10008.1.2", {}, len(buf)
        unpack = _TAG_LONG.unpack_from if implicit else _TAG_VR_SHORT.unpack_from
        while True:
            # Inline fast path for the usual element (defined length, short explicit VR); items,
            # sequences and long VRs go through _next_element.
            fields = unpack(buf, pos)
            group, length = fields[0], fields[-1]
            if group == 0xFFFE or length == _UNDEFINED or (not implicit and fields[2] in _LONG_VRS):
                pos, tag, start, length = _next_element(buf, pos, implicit)
            else:
                tag, start = group << 16 | fields[1], pos + 8
                pos = start + length
                if pos > end and tag != 0x7FE00010:
                    raise _NotLean("header longer than the bytes read")
            if tag >= 0x7FE00008:
                break
            item = LEAN_TAGS.get(tag)
            if item is not None and length >= 0:
                values[item[0]] = _lean_value(buf[start:pos], item[1])
            elif tag == 0x52009229 or tag == 0x52009230:
                raise _NotLean("Enhanced image: functional groups")
    except (struct.error, UnicodeDecodeError, ValueError) as exc:
        raise _NotLean(str(exc)) from exc
    if tag != 0x7FE00010 or values.get("NumberOfFrames", 1) != 1:  # float pixels, multi-frame, odd count
        raise _NotLean("not a single-frame image with Pixel Data")
    header = LeanHeader(values, syntax)
    return header, layout_of(path, header, start, None if length < 0 else length)
