"""One slice in Hounsfield units: decode a frame and write ``stored × slope + intercept`` into int16.

(0028,1053) *Rescale Slope* and (0028,1052) *Rescale Intercept* are applied into the int16 slice of
the preallocated volume, with no second frame-sized buffer:

* 16-bit frames on the fast path are read or decoded straight into the slice's own memory (the
  stored values reinterpreted), then rescaled in place;
* when slope is 1 and the intercept integral and nothing can leave int16, the rescale is one
  integer addition;
* otherwise values go through float64 :data:`CHUNK_PIXELS` at a time, so temporaries stay at a
  few megabytes per decoding thread whatever the frame size; values outside int16 are clipped
  and reported.

The header values were checked before (:mod:`recist_app.imaging.header_checks`): slope and
intercept are finite, Bits Stored is 1 to Bits Allocated.
"""

from __future__ import annotations

import numpy as np

from recist_app.imaging import decode as pixel_decode
from recist_app.imaging.errors import DicomError
from recist_app.imaging.header import FastPathUnavailable, PixelLayout

INT16_MIN, INT16_MAX = -32768, 32767
#: Pixels rescaled at a time through float64 (8 MiB of temporaries).
CHUNK_PIXELS = 1 << 20


def stored_bounds(layout: PixelLayout) -> tuple[int, int]:
    """Smallest and largest value that fits in (0028,0101) *Bits Stored* (signed when (0028,0103) is 1)."""
    bits = layout.bits_stored
    if layout.pixel_representation:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


def decode_into(layout: PixelLayout, index: int, slope: float, intercept: float, out: np.ndarray) -> bool:
    """Decode frame ``index`` of ``layout`` and write its rescaled values into the int16 slice ``out``;
    True when values were clipped to int16.

    Raises
    ------
    UnsupportedTransferSyntaxError, InvalidHeaderError, NotEnoughMemoryError, DicomError
        As :func:`recist_app.imaging.decode.decode_frame`.
    """
    codestream = pixel_decode.encapsulated_frame(layout, index) if pixel_decode.is_encapsulated(layout) else None
    buffer = out if layout.dtype.itemsize == 2 else None  # decode 16-bit values straight into the slice
    try:
        raw = pixel_decode.decode_fast(layout, index, buffer, codestream)
        bounds: tuple[int, int] | None = stored_bounds(layout)  # the fast path keeps values within Bits Stored
    except FastPathUnavailable:
        raw, bounds = pixel_decode.decode_pydicom(layout.path, index), None
    if raw.shape != out.shape:
        raise DicomError(f"{layout.path}: frame {index + 1} decodes to an array of shape {raw.shape}, but Rows × "
                         f"Columns (0028,0010/0011) say {out.shape[0]} × {out.shape[1]}. The file is corrupt; export "
                         "it again.")
    return rescale_into(raw, slope, intercept, out, bounds)


def rescale_into(raw: np.ndarray, slope: float, intercept: float, out: np.ndarray,
                 bounds: tuple[int, int] | None = None) -> bool:
    """Write ``raw × slope + intercept`` into the int16 ``out`` (``raw`` may share its memory); True
    when clipped. ``bounds`` are known limits of ``raw`` (else min/max are computed when needed)."""
    if slope == 1.0 and float(intercept).is_integer() and raw.dtype.kind in "iu" and raw.dtype.itemsize <= 2:
        shift = int(intercept)
        low, high = bounds if bounds is not None else (int(raw.min()), int(raw.max()))
        if low + shift >= INT16_MIN and high + shift <= INT16_MAX:
            if raw.dtype.itemsize == 2 and raw.dtype.isnative and high <= INT16_MAX:
                np.add(raw.view(np.int16), np.int16(shift), out=out)  # exact: no sum leaves int16
            else:
                np.add(raw, np.int32(shift), out=out, casting="unsafe")
            return False
    flat_raw, flat_out = raw.reshape(-1), out.reshape(-1)
    chunk = np.empty(min(flat_raw.size, CHUNK_PIXELS), dtype=np.float64)  # reused: one chunk alive at a time
    clipped = False
    for start in range(0, flat_raw.size, CHUNK_PIXELS):
        part = flat_raw[start:start + CHUNK_PIXELS]
        values = chunk[:part.size]
        np.multiply(part, float(slope), out=values)  # a float64 copy: safe when ``raw`` shares ``out``'s memory
        values += float(intercept)
        np.rint(values, out=values)
        clipped = clipped or bool(values.min() < INT16_MIN or values.max() > INT16_MAX)
        np.clip(values, INT16_MIN, INT16_MAX, out=values)
        flat_out[start:start + part.size] = values
    return clipped
