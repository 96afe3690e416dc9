"""Mutants of real DICOM files from ``../shared/data`` for issue 13's contract (DICOM half).

Shared by the property tests (``test_dicom_fuzz.py``) and the campaign outside the suite
(``benchmarks/fuzz_dicom.py``). :func:`mutant` applies one to a few mutations to a base series
(:data:`BASES`: native, implicit, big-endian, deflated, JPEG lossless, JPEG-LS, JPEG 2000, RLE,
Enhanced multi-frame, and a three-file series) and returns the files' bytes and what was done:

* a header value the loader reads (:data:`TARGETS`, at the top level or inside the functional groups
  of an Enhanced image) set to a hostile value of its VR (zero, negative, huge, NaN, infinite,
  not a number, wrong multiplicity, parallel or scaled direction cosines, …) or deleted;
* the (0002,0010) *Transfer Syntax UID* swapped for another;
* the pixel data cut, lengthened, or its codestream header (SOF, SIZ, RLE header) corrupted;
* random bytes flipped or inserted, or the file truncated.

Hostile text values are written as raw element bytes (pydicom refuses to encode them), so the
loader meets them exactly as a corrupt file would give them. Same ``random.Random`` seed, same
mutant.
"""

from __future__ import annotations

import io
import random
import struct
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pydicom
from pydicom.datadict import dictionary_VR
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate, generate_frames
from pydicom.tag import Tag
from pydicom.uid import RLELossless

from tests.support import SHARED_DIR

DATA = SHARED_DIR / "data"
TS_DIR = "compressed/cornerstone_ctimage_all_ts/CTImage.dcm_"
#: Base series: name → files under ``../shared/data``.
BASES: dict[str, tuple[str, ...]] = {
    "native": ("ct/slicer_ct_head_64x64/CTHead1.dcm",),
    "series3": tuple(f"ct/slicer_ct_head_64x64/CTHead{i}.dcm" for i in (1, 2, 3)),
    "implicit": (TS_DIR + "LittleEndianImplicitTransferSyntax_1.2.840.10008.1.2.dcm",),
    "big_endian": (TS_DIR + "BigEndianExplicitTransferSyntax_1.2.840.10008.1.2.2.dcm",),
    "deflated": (TS_DIR + "DeflatedExplicitVRLittleEndianTransferSyntax_1.2.840.10008.1.2.1.99.dcm",),
    "jpeg_lossless": (TS_DIR + "JPEGProcess14SV1TransferSyntax_1.2.840.10008.1.2.4.70.dcm",),
    "jpeg_ls": (TS_DIR + "JPEGLSLosslessTransferSyntax_1.2.840.10008.1.2.4.80.dcm",),
    "j2k": (TS_DIR + "JPEG2000LosslessOnlyTransferSyntax_1.2.840.10008.1.2.4.90.dcm",),
    "rle": (TS_DIR + "RLELosslessTransferSyntax_1.2.840.10008.1.2.5.dcm",),
    "rle_multiframe": ("compressed/pydicom/emri_small_RLE.dcm",),
    "enhanced": ("multiframe/eCT_Supplemental.dcm",),
    "enhanced_rle": ("multiframe/eCT_Supplemental.dcm",),  # re-encoded as RLE Lossless (see base_files)
    "enhanced_jpeg": ("multiframe/CT0012.fragmented_no_bot_jpeg_baseline.51.dcm",),
}

#: Header values the loader or the scan reads: keyword → how many values a hostile value has (0: any).
TARGETS: dict[str, int] = {
    "Rows": 1, "Columns": 1, "BitsAllocated": 1, "BitsStored": 1, "HighBit": 1, "PixelRepresentation": 1,
    "SamplesPerPixel": 1, "PlanarConfiguration": 1, "NumberOfFrames": 1, "PhotometricInterpretation": 1,
    "RescaleSlope": 1, "RescaleIntercept": 1, "PixelSpacing": 2, "SliceThickness": 1, "SpacingBetweenSlices": 1,
    "ImagePositionPatient": 3, "ImageOrientationPatient": 6, "WindowCenter": 0, "WindowWidth": 0,
    "GantryDetectorTilt": 1, "InstanceNumber": 1, "SeriesNumber": 1, "Modality": 1, "SeriesInstanceUID": 1,
    "StudyInstanceUID": 1, "SOPClassUID": 1, "ImageType": 0, "FrameType": 0,
}
US_VALUES = (0, 1, 2, 3, 7, 8, 9, 12, 15, 16, 17, 24, 31, 32, 33, 63, 64, 65, 255, 256, 511, 512, 513, 4096,
             32767, 32768, 65534, 65535)
IS_VALUES = ("-1", "0", "1", "2", "3", "8", "100", "99999", "100000", "100001", "1000000000", "2147483647",
             "2147483648", "-2147483649", "1A", "", "1e3", " 7 ", "1\\2", "99999999999999999999")
DS_VALUES = ("nan", "NaN", "-nan", "inf", "-inf", "Infinity", "0", "-0", "-1", "1", "0.5", "1e-30", "1e20", "-1e20",
             "1e308", "1e400", "abc", "", "3.2", "-1024", "1e6", "1000001", "0.001", "65535", "4.9E-324")
ORIENTATIONS = tuple("\\".join(values.split()) for values in (
    "1 0 0 1 0 0", "0 0 0 0 0 0", "2 0 0 0 2 0", "1 0 0 0.5 0.866 0", "1 0 0 0 0 -1", "-1 0 0 0 -1 0", "1 0 0 0 1",
    "nan 0 0 0 1 0", "1 0 0 0 1 0 0", "0.7071 0.7071 0 0 0 1", "1e300 0 0 0 1 0"))
CS_VALUES = ("MONOCHROME1", "MONOCHROME2", "RGB", "PALETTE COLOR", "YBR_FULL", "YBR_FULL_422", "", "XYZ",
             "LOCALIZER", "ORIGINAL\\PRIMARY\\LOCALIZER", "CT", "MR", "SR")
UI_VALUES = ("", "1.2.3", "1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.2.1", "1.2.840.10008.1.3.10",
             "9" * 64, "not a uid")
SYNTAXES = ("1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99",
            "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80",
            "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.100",
            "1.2.3.4", "")


@dataclass(frozen=True)
class Mutant:
    """The files of one mutated series (name → bytes) and the mutations, in words."""

    files: dict[str, bytes]
    mutations: tuple[str, ...]

    def write(self, folder: Path) -> list[Path]:
        """Write the files into ``folder`` (created); their paths."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, data in self.files.items():
            (folder / name).write_bytes(data)
            paths.append(folder / name)
        return paths


@cache
def base_files(name: str) -> dict[str, bytes]:
    """The bytes of base series ``name`` (file name → bytes); ``enhanced_rle`` is the Enhanced CT
    re-encoded as RLE Lossless by pydicom (no multi-frame RLE CT is in ../shared)."""
    files = {Path(rel).name: (DATA / rel).read_bytes() for rel in BASES[name]}
    if name == "enhanced_rle":
        (file_name, data), = files.items()
        ds = pydicom.dcmread(io.BytesIO(data))
        ds.compress(RLELossless, encoding_plugin="pydicom")
        files = {file_name: _write(ds)}
    return files


def _text(value: str, vr: str) -> bytes:
    raw = value.encode("latin-1")
    return raw + (b"\0" if vr == "UI" else b" ") * (len(raw) % 2)


def _hostile(rng: random.Random, keyword: str, vr: str, little: bool) -> bytes:
    """A hostile value of ``keyword`` (VR ``vr``) as element bytes."""
    multiplicity = TARGETS[keyword]
    if vr == "US":
        if rng.random() < 0.05:  # a US of the wrong length
            return rng.choice((b"", b"\x01", b"\x01\x00\x02\x00"))
        return struct.pack("<H" if little else ">H", rng.choice(US_VALUES))
    if vr == "IS":
        return _text(rng.choice(IS_VALUES), vr)
    if vr == "DS":
        if keyword == "ImageOrientationPatient" and rng.random() < 0.6:
            return _text(rng.choice(ORIENTATIONS), vr)
        count = multiplicity if multiplicity and rng.random() < 0.8 else rng.choice((1, 2, 3, 6))
        return _text("\\".join(rng.choice(DS_VALUES) for _ in range(count)), vr)
    if vr == "CS":
        return _text(rng.choice(CS_VALUES), vr)
    if vr == "UI":
        return _text(rng.choice(UI_VALUES), vr)
    return _text(rng.choice(DS_VALUES), "LO")


def _elements(ds: Dataset) -> Iterator[tuple[Dataset, int]]:
    """(dataset, tag) of every :data:`TARGETS` element, nested sequences included."""
    stack = [ds]
    while stack:
        current = stack.pop()
        for tag in list(current.keys()):
            elem = current.get_item(tag)
            keyword = pydicom.datadict.keyword_for_tag(tag)
            if keyword in TARGETS:
                yield current, int(tag)
            if elem.VR == "SQ":
                items = current[tag].value or []
                stack.extend(item for item in list(items)[:3] if isinstance(item, Dataset))  # enough, and fast


def _set_or_delete(rng: random.Random, ds: Dataset) -> str:
    """Set a :data:`TARGETS` value (present, or added at the top level) to a hostile value, or delete it."""
    found = list(_elements(ds))
    if found and rng.random() < 0.85:
        parent, tag = rng.choice(found)
    else:
        parent, tag = ds, int(Tag(pydicom.datadict.tag_for_keyword(rng.choice(sorted(TARGETS))) or 0))
    keyword = pydicom.datadict.keyword_for_tag(tag)
    if tag in parent and rng.random() < 0.15:
        del parent[tag]
        return f"delete {keyword}"
    vr = dictionary_VR(tag)
    little = ds.original_encoding[1] if ds.original_encoding[1] is not None else True
    implicit = bool(ds.original_encoding[0])
    value = _hostile(rng, keyword, vr, little)
    parent[tag] = RawDataElement(Tag(tag), vr, len(value), value, 0, implicit, little)
    return f"{keyword} = {value!r}"


def _pixel_data(rng: random.Random, ds: Dataset) -> str:
    """Cut or lengthen (7FE0,0010), or corrupt the header of its first compressed frame."""
    if "PixelData" not in ds:
        return "no pixel data"
    data = ds.PixelData
    syntax = str(ds.file_meta.get("TransferSyntaxUID", ""))
    encapsulated = syntax not in ("1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2",
                                  "1.2.840.10008.1.2.1.99")
    if encapsulated:
        frames = list(generate_frames(data, number_of_frames=int(ds.get("NumberOfFrames", 1) or 1)))
        choice = rng.randrange(4)
        if choice == 0:  # corrupt the codestream header (SOF / SIZ / RLE offsets)
            first = bytearray(frames[0])
            for _ in range(rng.randint(1, 4)):
                first[rng.randrange(min(len(first), 96))] = rng.randrange(256)
            frames[0] = bytes(first)
        elif choice == 1:
            frames[0] = frames[0][:rng.randrange(len(frames[0]) + 1)]
        elif choice == 2:
            frames = frames[:-1] or frames
        else:
            frames.append(frames[-1])
        ds.PixelData = encapsulate(frames)
        return f"encapsulated frames changed ({choice})"
    cut = rng.choice((0, 1, 2, len(data) // 2, len(data) - 2, len(data) + 2, 2 * len(data)))
    ds.PixelData = data[:cut] if cut <= len(data) else data + bytes(cut - len(data))
    return f"Pixel Data length {len(data)} → {cut}"


def _write(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer)
    return buffer.getvalue()


def set_transfer_syntax(data: bytes, uid: str) -> bytes:
    """``data`` with its (0002,0010) *Transfer Syntax UID* replaced (file meta rewritten byte by byte,
    (0002,0000) *Group Length* fixed); ``data`` unchanged when the file meta cannot be walked."""
    if data[128:132] != b"DICM":
        return data
    pos, group_length_at, found = 132, None, None
    while pos + 8 <= len(data) and data[pos:pos + 2] == b"\x02\x00":
        tag = struct.unpack_from("<HH", data, pos)
        vr = data[pos + 4:pos + 6]
        if vr in (b"OB", b"OW", b"UN", b"SQ", b"UT", b"UC", b"UR"):
            length, start = struct.unpack_from("<I", data, pos + 8)[0], pos + 12
        else:
            length, start = struct.unpack_from("<H", data, pos + 6)[0], pos + 8
        if tag == (2, 0):
            group_length_at = start
        if tag == (2, 0x10):
            found = (pos, start, length)
        pos = start + length
    if found is None:
        return data
    head, start, length = found
    value = _text(uid, "UI")
    out = data[:head + 6] + struct.pack("<H", len(value)) + value + data[start + length:]
    if group_length_at is not None:
        old = struct.unpack_from("<I", out, group_length_at)[0]
        out = out[:group_length_at] + struct.pack("<I", old + len(value) - length) + out[group_length_at + 4:]
    return out


def _flip(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _insert(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data))
    return data[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 16))) + data[at:]


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[:rng.randrange(len(data))]


DATASET_MUTATIONS: tuple[Callable[[random.Random, Dataset], str], ...] = (_set_or_delete,) * 6 + (_pixel_data,)
BYTE_MUTATIONS: dict[str, Callable[[random.Random, bytes], bytes]] = {
    "flip bytes": _flip, "insert bytes": _insert, "truncate": _truncate,
    "transfer syntax": lambda rng, data: set_transfer_syntax(data, rng.choice(SYNTAXES)),
}


def mutant(rng: random.Random, base: str | None = None, count: int | None = None) -> Mutant:
    """One mutant of ``base`` (default: a random :data:`BASES` entry) with ``count`` (default 1–3)
    mutations; for a several-file base only one file (chosen at random) is mutated."""
    name = base or rng.choice(sorted(BASES))
    files = dict(base_files(name))
    target = rng.choice(sorted(files))
    count = count or rng.randint(1, 3)
    done: list[str] = [f"{name}/{target}"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(io.BytesIO(files[target]))
        byte_steps = []
        for _ in range(count):
            if rng.random() < 0.7:
                done.append(rng.choice(DATASET_MUTATIONS)(rng, ds))
            else:
                byte_steps.append(rng.choice(sorted(BYTE_MUTATIONS)))
        try:
            data = _write(ds)
        except Exception as exc:  # pydicom cannot write it: keep the original bytes, say so
            data, done = files[target], [*done, f"(not written: {type(exc).__name__})"]
    for step in byte_steps:
        data = BYTE_MUTATIONS[step](rng, data)
        done.append(step)
    files[target] = data
    return Mutant(files, tuple(done))


#: Seconds one command may take on one mutant (issue 13: "answer any single bad file within 5 s").
SECONDS = 5.0


def _strict_json(text: str) -> object:
    """``text`` parsed as JSON that a strict reader accepts (no NaN or Infinity)."""
    import json

    def refuse(constant: str) -> object:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def contract_violations(command: str, code: object, out: str, err: str, seconds: float, names: list[str],
                        limit: float = SECONDS) -> list[str]:
    """How one ``main.py <command> … --json`` run on a mutant breaks issue 13's contract (empty: it
    keeps it): exit 0 or 2; on 2 exactly one stderr line ``error: …`` naming a file or folder of
    ``names``; on 0 nothing on stderr, strict JSON out and no implausible millimetres; no
    traceback; at most ``limit`` seconds."""
    found = []
    if seconds > limit:
        found.append(f"took {seconds:.1f} s")
    if not isinstance(code, int):
        return [*found, f"raised {code}"]
    if code not in (0, 2):
        found.append(f"exit status {code}")
    if "Traceback" in out + err:
        found.append("traceback")
    lines = err.splitlines()
    if code == 2 and (len(lines) != 1 or not lines[0].startswith("error: ")):
        found.append(f"stderr is not one error line: {err[:300]!r}")
    elif code == 2 and not any(name in lines[0] for name in names):
        found.append(f"error names no file: {lines[0][:200]!r}")
    if code == 0 and err:
        found.append(f"stderr on success: {err[:300]!r}")
    if code == 0:
        try:
            found.extend(_implausible(command, _strict_json(out)))
        except ValueError as exc:
            found.append(f"invalid JSON: {exc}")
    return found


def _implausible(command: str, summary: object) -> list[str]:
    """Millimetres that are not positive and finite in a successful ``scan`` / ``load`` JSON."""
    found = []
    if command == "load" and isinstance(summary, dict) and summary.get("calibrated"):
        gap, *pixel = summary["spacing_mm_zyx"]
        if not all(0 < v < 1e4 for v in pixel) or not 0 <= gap < 1e7:
            found.append(f"calibrated with spacing {summary['spacing_mm_zyx']}")
    if command == "scan" and isinstance(summary, dict):
        for series in summary["series"]:
            spacing, thickness = series["pixel_spacing"], series["slice_thickness"]
            if spacing is not None and not all(0 < v <= 1000 for v in spacing):
                found.append(f"scan pixel spacing {spacing}")
            if thickness is not None and not 0 < thickness <= 1000:
                found.append(f"scan slice thickness {thickness}")
    return found
