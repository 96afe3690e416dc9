"""DICOM encoding for the synthetic CT phantom: header tags, encoders and one-slice writing.

Encoders (checked with ``pydicom.pixels.encoders``; pydicom 3 cannot encode JPEG Lossless):

* Explicit / Implicit VR Little Endian: native, always available.
* RLE Lossless (1.2.840.10008.1.2.5): pylibjpeg-rle (preferred, fast) or pydicom's own encoder.
* JPEG 2000 Lossless (1.2.840.10008.1.2.4.90): pylibjpeg-openjpeg.
* JPEG Lossless SV1 (1.2.840.10008.1.2.4.70, process 14, first-order prediction): imagecodecs'
  libjpeg-turbo (``jpeg8_encode(lossless=True, predictor=1)``, a SOF3 stream), encapsulated
  with ``pydicom.encaps.encapsulate``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import (
    UID,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGLosslessSV1,
    RLELossless,
)
from pydicom.valuerep import format_number_as_ds

from recist_app.imaging.errors import UnsupportedTransferSyntaxError

INTERCEPT = -1024  # Rescale Intercept (0028,1052); Rescale Slope (0028,1053) is 1
MAX_STORED = 4095  # Bits Stored (0028,0101) 12, Pixel Representation (0028,0103) 0
NATIVE_SYNTAXES = (ExplicitVRLittleEndian, ImplicitVRLittleEndian)
ENCODED_SYNTAXES = (RLELossless, JPEG2000Lossless, JPEGLosslessSV1)


def ds_text(values: float | list[float] | tuple[float, ...] | np.ndarray) -> list[str] | str:
    """Decimal String (DS) text of at most 16 characters (PS3.5 §6.2) for a number or sequence."""
    if isinstance(values, (list, tuple, np.ndarray)):
        return [format_number_as_ds(float(v)) for v in values]
    return format_number_as_ds(float(values))


def encode_stored(hu: np.ndarray) -> np.ndarray:
    """HU → unsigned 12-bit stored values (``hu − INTERCEPT``, rounded and clipped), uint16."""
    return np.clip(np.rint(hu) - INTERCEPT, 0, MAX_STORED).astype(np.uint16)


def jpeg_lossless_sv1(stored: np.ndarray, bits_stored: int) -> bytes:
    """One JPEG Lossless process 14 SV1 frame (SOF3, predictor 1, point transform 0).

    Encoded by imagecodecs' libjpeg-turbo; its JFIF APP0 segment is dropped (JFIF is an 8-bit
    interchange format; the DICOM header already describes the pixels), as GDCM's output has none.
    """
    import imagecodecs

    stream = bytes(imagecodecs.jpeg8_encode(stored, lossless=True, predictor=1, bitspersample=bits_stored))
    if stream[2:4] == b"\xff\xe0":  # SOI, then APP0 (JFIF): skip its length-prefixed payload
        stream = stream[:2] + stream[4 + int.from_bytes(stream[4:6], "big"):]
    return stream


def check_encoder(syntax: str) -> str:
    """Return the encoding plugin for ``syntax`` ('' when native), or raise.

    Raises
    ------
    UnsupportedTransferSyntaxError
        If the encoder is not installed (imagecodecs with libjpeg-turbo for JPEG Lossless SV1,
        a pydicom encoder for RLE and JPEG 2000).
    """
    if syntax in NATIVE_SYNTAXES:
        return ""
    if syntax == JPEGLosslessSV1:
        try:
            import imagecodecs
        except ImportError:
            available = False
        else:
            available = bool(imagecodecs.JPEG8.available)
        if not available:
            raise UnsupportedTransferSyntaxError(
                f"JPEG Lossless SV1 ({syntax}) needs imagecodecs built with libjpeg-turbo (JPEG8), which "
                "is missing. Install imagecodecs or choose RLE or JPEG 2000 Lossless.")
        return "imagecodecs"
    from pydicom.pixels.encoders import JPEG2000LosslessEncoder, RLELosslessEncoder

    encoder = RLELosslessEncoder if syntax == RLELossless else JPEG2000LosslessEncoder
    if not encoder.is_available:
        raise UnsupportedTransferSyntaxError(
            f"No pydicom encoder for {syntax} is installed ({encoder.missing_dependencies}). Install "
            "pylibjpeg-rle / pylibjpeg-openjpeg or write Explicit VR Little Endian.")
    plugins = encoder.available_plugins
    return "pylibjpeg" if "pylibjpeg" in plugins else plugins[0]


def write_slice(path: Path, header: dict[str, object], stored: np.ndarray, sop_uid: str, number: int,
                position: np.ndarray, normal: np.ndarray, syntax: str, plugin: str) -> None:
    """Write one CT Image Storage file; the pixel bytes are encoded and written once.

    Sets SOP Instance UID (0008,0018), Instance Number (0020,0013), Image Position (Patient)
    (0020,0032) and Slice Location (0020,1041) = position · normal on top of ``header``.
    """
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = UID(syntax) if syntax in NATIVE_SYNTAXES else ExplicitVRLittleEndian
    for keyword, value in header.items():
        setattr(ds, keyword, value)
    ds.SOPInstanceUID, ds.InstanceNumber = sop_uid, number
    ds.ImagePositionPatient = ds_text(position)
    ds.SliceLocation = ds_text(float(position @ normal))
    if syntax == JPEGLosslessSV1:  # as compress() does: encapsulated, OB, undefined length
        ds.file_meta.TransferSyntaxUID = UID(syntax)
        ds.PixelData = encapsulate([jpeg_lossless_sv1(stored, int(str(header["BitsStored"])))])
        ds["PixelData"].VR = "OB"
        ds["PixelData"].is_undefined_length = True
    elif plugin:  # compress() would otherwise replace the deterministic SOP Instance UID
        ds.compress(syntax, stored, encoding_plugin=plugin, generate_instance_uid=False)
    else:
        ds.PixelData = stored.tobytes()
    ds.save_as(path, enforce_file_format=True)
