"""Alignments kept between sessions (issue 16: results are cached per pair of series), so that a reader opening a
follow-up again, today or next week, does not wait for its alignment again.

One small JSON file per pair in ``<user cache>/recist-workstation/alignments/`` (``RECIST_ALIGNMENT_CACHE`` names
another folder), named by the SHA-256 of :data:`METHOD` and each series' fingerprint: its Series Instance UID,
its number of images and the bytes of its middle image, so that a series that gained images, or one rewritten
under the same UIDs, is aligned anew. A file is written to a temporary name and renamed (never half-written);
one that cannot be read is aligned again, never trusted; a cache that cannot be written costs only the time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from pathlib import Path

from recist_app import APP_NAME
from recist_app.imaging.tracking.alignment import Alignment, align
from recist_app.imaging.volume import CtVolume

#: The alignment method's name and version: a change of method makes earlier results stale.
METHOD = "rigid Mattes MI, block means 8/4 mm, v1"
_log = logging.getLogger(__name__)


def alignment_cache_root() -> Path:
    """The folder kept alignments are in."""
    named = os.environ.get("RECIST_ALIGNMENT_CACHE")
    if named:
        return Path(named)
    import platformdirs

    return platformdirs.user_cache_path(APP_NAME) / "alignments"


def fingerprint(volume: CtVolume) -> str:
    """The series' UID, its number of images and the SHA-256 of its middle image's HU."""
    middle = volume.hu[volume.shape[0] // 2]
    return f"{volume.series_uid}/{volume.shape[0]}/{hashlib.sha256(middle.tobytes()).hexdigest()}"


def kept_path(baseline: CtVolume, followup: CtVolume) -> Path:
    """Where the alignment of ``followup`` to ``baseline`` is kept (whether it is there or not)."""
    key = "\n".join((METHOD, fingerprint(baseline), fingerprint(followup)))
    return alignment_cache_root() / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"


def kept_alignment(baseline: CtVolume, followup: CtVolume) -> Alignment | None:
    """The alignment kept for the pair, None when there is none (or it cannot be read)."""
    path = kept_path(baseline, followup)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rotation = tuple(tuple(float(v) for v in row) for row in data["rotation"])
        translation = tuple(float(v) for v in data["translation"])
        if len(rotation) != 3 or any(len(row) != 3 for row in rotation) or len(translation) != 3:
            raise ValueError("not a 3-D rigid map")
        return Alignment(rotation, translation, float(data["metric"]), 0.0)  # type: ignore[arg-type]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        _log.warning("Kept alignment %s cannot be read (%s): aligning again.", path, exc)
        return None


def keep(baseline: CtVolume, followup: CtVolume, alignment: Alignment) -> None:
    """Keep ``alignment`` for the pair (atomically); a failure is logged, not raised."""
    path = kept_path(baseline, followup)
    text = json.dumps({"method": METHOD, "baseline_series_uid": baseline.series_uid,
                       "followup_series_uid": followup.series_uid, "rotation": alignment.rotation,
                       "translation": alignment.translation, "metric": alignment.metric,
                       "seconds": alignment.seconds})
    temporary = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    except OSError as exc:
        _log.warning("Alignment of %s to %s not kept (%s).", followup.series_uid, baseline.series_uid, exc)
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def alignment_of(baseline: CtVolume, followup: CtVolume) -> Alignment:
    """The kept alignment of the pair, else :func:`~recist_app.imaging.tracking.alignment.align` (then kept)."""
    found = kept_alignment(baseline, followup)
    if found is None:
        found = align(baseline, followup)
        keep(baseline, followup, found)
    return found
