"""The bundled resources (``resources/``): the stylesheet's images are found wherever the app is started from."""

from __future__ import annotations

import re
from pathlib import Path

import resources


def test_the_stylesheets_images_are_absolute_paths_to_bundled_files() -> None:
    sheet = resources.stylesheet()
    urls = re.findall(r"url\(([^)]*)\)", sheet)
    assert urls, "the stylesheet draws the table's check mark from a bundled image"
    for url in urls:
        assert Path(url).is_absolute() and Path(url).is_file(), url
    assert "url(check.svg)" in resources.read_text("style.qss")  # the file itself stays relative
