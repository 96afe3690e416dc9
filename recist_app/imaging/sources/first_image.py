"""The first image of a series on a PACS (issue 15): the image the view opens on, or the middle one, alone, shown
while the whole series is retrieved (:func:`first_image`)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from recist_app.imaging.errors import PacsError
from recist_app.imaging.load import load_series_from_paths
from recist_app.imaging.sources.retrieve import client_of
from recist_app.imaging.volume import CtVolume


def first_image(address: str, series_uid: str, *, sop_uid: str = "", calling_aet: str | None = None) -> CtVolume:
    """A one-slice volume of the series' image ``sop_uid`` (the one the view opens on: a lesion's caliper), else of
    its middle instance (by Instance Number), fetched alone: what a reader sees while the whole series is
    retrieved (issue 15, "first image")."""
    client = client_of(address, calling_aet)
    hit = client.find_series(series_uid)
    numbered = sorted(client.instances(hit.study_uid, series_uid), key=lambda item: (item[1] is None, item[1] or 0))
    if not numbered:
        raise PacsError(f"The server {client.server.url} lists no instance of series {series_uid}.")
    chosen = sop_uid if any(uid == sop_uid for uid, _number in numbered) else numbered[len(numbered) // 2][0]
    with tempfile.TemporaryDirectory(prefix="recist-first-") as folder:
        path = client.retrieve_instance(hit.study_uid, series_uid, chosen, Path(folder))
        return load_series_from_paths([path], series_uid)
