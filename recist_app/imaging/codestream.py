"""The size a compressed frame declares in its own header, compared with (0028,0010) *Rows*,
(0028,0011) *Columns* and (0028,0002) *Samples per Pixel* before the frame is decoded.

A decoder allocates what the codestream declares; a codestream that disagrees with the DICOM
header is refused here, so a corrupt or hostile file never makes a decoder allocate gigabytes or
write past the frame. Parsed (PS3.5 §8.2, Annex A.4, G):

* JPEG (ISO/IEC 10918-1) and JPEG-LS (ISO/IEC 14495-1): the SOF segment (height, width,
  components), through pydicom's parser;
* JPEG 2000 (ISO/IEC 15444-1 §A.5.1): the SIZ segment (Xsiz − XOsiz, Ysiz − YOsiz, Csiz), also
  inside a JP2 file's ``jp2c`` box;
* for both, the end marker (EOI / EOC, FF D9) as the last two bytes before at most one byte of
  padding (PS3.5 §A.4): a cut stream is refused, as decoders either fill the missing part silently
  (libjpeg) or take seconds to fail (CharLS took 3 s on half a 512 × 512 JPEG-LS frame);
* RLE Lossless (PS3.5 Annex G): the 64-byte header (number of segments = Samples per Pixel ×
  bytes per sample, first offset 64, offsets increasing and inside the frame).

Other encapsulated syntaxes (video, JPEG XL, retired JPEG processes) are not checked here.
"""

from __future__ import annotations

import itertools
import struct

from pydicom.pixels.utils import _get_jpg_parameters

from recist_app.imaging.header import JPEG_2000, PixelLayout
from recist_app.imaging.header_checks import HeaderProblem

#: (0002,0010) of RLE Lossless.
RLE_LOSSLESS = "1.2.840.10008.1.2.5"
#: JPEG family syntaxes pydicom's plugins decode (each frame starts with an SOI marker): baseline,
#: extended, lossless, lossless SV1, JPEG-LS lossless and near-lossless.
JPEG_FAMILY = frozenset({"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57",
                         "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81"})
_JP2_SIGNATURE = b"\x00\x00\x00\x0c\x6a\x50\x20\x20"
#: EOI (JPEG, JPEG-LS) and EOC (JPEG 2000) share these two bytes.
_END_MARKER = b"\xff\xd9"
#: SOC, SIZ, Lsiz, Rsiz, Xsiz, Ysiz, XOsiz, YOsiz, XTsiz, YTsiz, XTOsiz, YTOsiz, Csiz (15444-1 §A.5.1).
_SIZ = struct.Struct(">2s2sH2sIIIIIIIIH")


def _j2k_codestream(frame: bytes) -> bytes:
    """The J2K codestream of ``frame`` (inside the ``jp2c`` box of a JP2 file)."""
    if not frame.startswith(_JP2_SIGNATURE):
        return frame
    offset = 12
    while offset + 8 <= len(frame):
        length = int.from_bytes(frame[offset:offset + 4], "big")
        if frame[offset + 4:offset + 8] == b"jp2c":
            return frame[offset + 8:]
        if length < 8:
            break
        offset += length
    return b""


def j2k_size(frame: bytes) -> tuple[int, int, int] | None:
    """``(rows, columns, components)`` of a JPEG 2000 frame's SIZ segment; None when unreadable."""
    stream = _j2k_codestream(frame)
    if len(stream) < _SIZ.size:
        return None
    soc, siz, _, _, xsiz, ysiz, xosiz, yosiz, *_, csiz = _SIZ.unpack_from(stream)
    if soc != b"\xff\x4f" or siz != b"\xff\x51":
        return None
    return ysiz - yosiz, xsiz - xosiz, csiz


def jpeg_size(frame: bytes) -> tuple[int, int, int] | None:
    """``(rows, columns, components)`` of a JPEG or JPEG-LS frame's SOF segment; None when unreadable."""
    info = _get_jpg_parameters(frame)
    if "height" not in info:
        return None
    return int(info["height"]), int(info["width"]), int(info["components"])


def rle_problem(layout: PixelLayout, frame: bytes) -> str | None:
    """Why the RLE header of ``frame`` disagrees with the image, or None (PS3.5 Annex G.5)."""
    if len(frame) < 64:
        return f"the RLE frame is {len(frame)} bytes, shorter than its 64-byte header"
    count, *offsets = struct.unpack_from("<16I", frame)
    expected = layout.samples_per_pixel * -(-layout.bits_allocated // 8)
    if count != expected:
        return (f"the RLE header has {count} segments, but Samples per Pixel × Bits Allocated (0028,0002/0100) "
                f"need {expected}")
    used = offsets[:count]
    if used[0] != 64 or any(b <= a for a, b in itertools.pairwise(used)) or used[-1] >= len(frame):
        return f"the RLE segment offsets {used} do not lie in order inside the {len(frame):,}-byte frame"
    return None


def frame_problem(layout: PixelLayout, frame: bytes) -> HeaderProblem | None:
    """How encapsulated ``frame`` disagrees with Rows, Columns and Samples per Pixel of ``layout``."""
    if layout.syntax == RLE_LOSSLESS:
        text = rle_problem(layout, frame)
        return None if text is None else HeaderProblem("Pixel Data (7FE0,0010)", len(frame), text)
    if layout.syntax in JPEG_2000:
        size, kind = j2k_size(frame), "JPEG 2000"
    elif layout.syntax in JPEG_FAMILY:
        size, kind = jpeg_size(frame), "JPEG"
    else:
        return None
    if size is None:
        return HeaderProblem("Pixel Data (7FE0,0010)", len(frame),
                             f"the compressed frame is not a {kind} codestream (no readable size header)")
    if _END_MARKER not in (frame[-2:], frame[-3:-1]):
        return HeaderProblem("Pixel Data (7FE0,0010)", len(frame),
                             f"the {kind} codestream of {len(frame):,} bytes is cut short (it does not end with the "
                             "end-of-image marker FF D9)")
    expected = (layout.rows, layout.columns, layout.samples_per_pixel)
    if size != expected:
        return HeaderProblem("Rows (0028,0010)", layout.rows,
                             f"the {kind} codestream is {size[0]} × {size[1]} pixels with {size[2]} component(s), "
                             f"but Rows × Columns (0028,0010/0011) say {layout.rows} × {layout.columns} with "
                             f"{layout.samples_per_pixel} (Samples per Pixel (0028,0002))")
    return None
