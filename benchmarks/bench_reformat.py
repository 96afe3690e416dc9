"""Frames per second of the coronal and sagittal reformats while scrolling, ours against named alternatives.

    python benchmarks/bench_reformat.py [--size 512] [--slices 300] [--frames 300] [--view 1024 768]
                                        [--mpr-view 1400 800] [--repeat 1]

The in-memory chest phantom of ``bench_slice_view.build_volume`` (``size``² × ``slices``, int16
HU, 2.5 mm slices) is shown offscreen. Each frame moves the reformat plane by one index (scrolling
through the coronal rows, or the sagittal columns) then calls ``QWidget.grab()``, which runs the
whole paint into a pixmap, so every frame is really drawn. Timed per contender, best of ``--repeat``:

- ours (MprView): ``widgets.viewer.mpr_view.MprView.set_crosshair`` moving the plane, the whole
  three-pane view grabbed (the reformat re-rendered, the crosshair redrawn in the other two panes,
  the axial overlay and both reformat overlays painted);
- ours (ReformatPane): ``widgets.viewer.reformat_pane.ReformatPane.set_crosshair`` with its overlay
  (plane label, position, W/L, edge letters, scale bar) and crosshair;
- ours, display path only: the same lookup table (``np.take`` of the window LUT on a strided
  uint16 *view* of the volume, no copy) into opaque 32-bit pixels in a bare ``GraphicsView`` +
  ``ViewBox`` + ``ImageItem``;
- pyqtgraph int16 + levels: ``ImageItem.setImage(view, levels=(lo, hi))`` on the same strided
  int16 view (pyqtgraph's general ``makeARGB`` path);
- naive contiguous float64 + levels: ``np.ascontiguousarray(view).astype(np.float64)`` then
  ``setImage(..., levels=(lo, hi))``: the copy-and-convert a first version would write.

Also timed: a crosshair drag in the MprView's coronal pane, each frame moving both the column and
the slice (the axial view and the sagittal reformat re-rendered, the whole view grabbed).

Every bare view has the reformat's item transform (column spacing, slice gap) and bilinear
magnification, as ours, so only the pixel path differs. Prints fps per contender and plane, the
ratios of our display path to the alternatives, and whether ours meets 30 fps. Exit status 0 either way.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script: benchmarks/ is sys.path[0], not the repo
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.bench_slice_view import build_volume
from recist_app.imaging.reformat import Plane, ReformatPlane
from recist_app.imaging.volume import CtVolume

TARGET_FPS = 30.0
WARM_UP_FRAMES = 5
WINDOW = (400.0, 40.0)  # soft tissue: width, level
PLANES = ("coronal", "sagittal")
MPR = "ours (MprView, 3 panes)"
PANE = "ours (ReformatPane)"
PATH = "ours, display path only"
INT16 = "pyqtgraph int16 + levels"
NAIVE = "naive contiguous float64 + levels"


@dataclass
class Contender:
    """A widget and how it shows the plane at a fixed index, per plane."""

    widget: Any
    show: dict[str, Callable[[int], None]]


def _bare(size: tuple[int, int], plane: ReformatPlane) -> tuple[Any, Any]:
    import pyqtgraph as pg
    from PySide6 import QtGui

    view = pg.GraphicsView(background="k")
    view.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, True)
    box = pg.ViewBox(lockAspect=True, invertY=True, enableMenu=False)
    view.setCentralItem(box)
    item = pg.ImageItem(axisOrder="row-major")
    spacing = plane.spacing_mm or (1.0, 1.0)
    item.setTransform(QtGui.QTransform.fromScale(spacing[1], spacing[0]))
    box.addItem(item)
    view.resize(*size)
    view.show()
    return view, item


def contenders(volume: CtVolume, size: tuple[int, int], mpr_size: tuple[int, int]) -> dict[str, Contender]:
    """The five contenders, shown at their sizes through the volume's centre with a soft-tissue window."""
    from PySide6 import QtWidgets

    from widgets.viewer.display import pixel_lut, window_lut
    from widgets.viewer.mpr_view import MprView
    from widgets.viewer.reformat_pane import ReformatPane

    slices, rows, cols = volume.shape
    centre = (cols // 2, rows // 2, slices // 2)
    mpr = MprView()
    mpr.resize(*mpr_size)
    mpr.show()
    mpr.set_volume(volume)
    mpr.axial.set_window(*WINDOW)

    def mpr_show(plane: str) -> Callable[[int], None]:
        if plane == "coronal":
            return lambda index: mpr.set_crosshair(centre[0], index, centre[2])
        return lambda index: mpr.set_crosshair(index, centre[1], centre[2])

    panes = {plane: ReformatPane(Plane(plane.upper())) for plane in PLANES}
    for pane in panes.values():
        pane.resize(*size)
        pane.show()
        pane.set_volume(volume, centre)
        pane.set_window(*WINDOW)

    def pane_show(plane: str) -> Callable[[int], None]:
        pane = panes[plane]
        if plane == "coronal":
            return lambda index: pane.set_crosshair(centre[0], index, centre[2])
        return lambda index: pane.set_crosshair(index, centre[1], centre[2])

    geometry = {plane: ReformatPlane.for_volume(volume, Plane(plane.upper())) for plane in PLANES}
    bits, hu = volume.hu.view(np.uint16), volume.hu
    lut = pixel_lut(window_lut(*WINDOW))
    width, level = WINDOW
    levels = (level - width / 2, level + width / 2)
    bare = {name: {plane: _bare(size, geometry[plane]) for plane in PLANES} for name in (PATH, INT16, NAIVE)}

    def path_show(plane: str) -> Callable[[int], None]:
        item, geo = bare[PATH][plane][1], geometry[plane]

        def show(index: int) -> None:
            pixels = np.take(lut, geo.image(bits, index))
            item.setImage(pixels.view(np.uint8).reshape(*pixels.shape, 4), autoLevels=False, levels=None)
        return show

    def int16_show(plane: str) -> Callable[[int], None]:
        item, geo = bare[INT16][plane][1], geometry[plane]
        return lambda index: item.setImage(geo.image(hu, index), autoLevels=False, levels=levels)

    def naive_show(plane: str) -> Callable[[int], None]:
        item, geo = bare[NAIVE][plane][1], geometry[plane]
        return lambda index: item.setImage(np.ascontiguousarray(geo.image(hu, index)).astype(np.float64),
                                           autoLevels=False, levels=levels)

    shown = {
        MPR: Contender(mpr, {plane: mpr_show(plane) for plane in PLANES}),
        PANE: Contender(panes, {plane: pane_show(plane) for plane in PLANES}),
        PATH: Contender(bare[PATH], {plane: path_show(plane) for plane in PLANES}),
        INT16: Contender(bare[INT16], {plane: int16_show(plane) for plane in PLANES}),
        NAIVE: Contender(bare[NAIVE], {plane: naive_show(plane) for plane in PLANES}),
    }
    for name in (PATH, INT16, NAIVE):
        for plane in PLANES:
            shown[name].show[plane](geometry[plane].fixed_count // 2)
    QtWidgets.QApplication.processEvents()
    return shown


def _widget(contender: Contender, plane: str) -> Any:
    widget = contender.widget
    if isinstance(widget, dict):
        widget = widget[plane]
        return widget[0] if isinstance(widget, tuple) else widget
    return widget


def fps(contender: Contender, plane: str, frames: int, count: int) -> float:
    """Frames per second of ``frames`` one-index moves of the plane (bouncing within ``count``), each grabbed."""
    grab = _widget(contender, plane).grab
    show = contender.show[plane]
    period = 2 * (count - 1)
    indices = [i % period if i % period < count else period - i % period for i in range(frames + WARM_UP_FRAMES)]
    for index in indices[:WARM_UP_FRAMES]:
        show(index)
        grab()
    start = time.perf_counter()
    for index in indices[WARM_UP_FRAMES:]:
        show(index)
        grab()
    return frames / (time.perf_counter() - start)


def drag_fps(mpr: Any, frames: int) -> float:
    """Frames per second of crosshair moves along a diagonal of the coronal plane (column and slice change)."""
    slices, rows, cols = mpr.volume.shape
    path = [(round(cols * (0.2 + 0.6 * t)), rows // 2, round((slices - 1) * (1 - t)))
            for t in np.abs(np.linspace(-1.0, 1.0, frames + WARM_UP_FRAMES))]
    for voxel in path[:WARM_UP_FRAMES]:
        mpr.set_crosshair(*voxel)
        mpr.grab()
    start = time.perf_counter()
    for voxel in path[WARM_UP_FRAMES:]:
        mpr.set_crosshair(*voxel)
        mpr.grab()
    return frames / (time.perf_counter() - start)


def run(size: int, slices: int, frames: int, view: tuple[int, int], mpr_view: tuple[int, int],
        repeat: int) -> dict[str, dict[str, float]]:
    """Build the volume, show the contenders and time both planes; {name: {plane: fps}}."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from widgets.app import create_app
    from widgets.viewer.display import window_lut

    create_app()
    volume = build_volume(size, slices)
    shown = contenders(volume, view, mpr_view)
    counts = {"coronal": volume.shape[1], "sagittal": volume.shape[2]}
    results = {name: {plane: max(fps(c, plane, frames, counts[plane]) for _ in range(repeat)) for plane in PLANES}
               for name, c in shown.items()}
    mpr = shown[MPR].widget
    results["_drag"] = {"fps": max(drag_fps(mpr, frames) for _ in range(repeat))}
    row = mpr.coronal.fixed_index
    expected = window_lut(*mpr.axial.window_hu)[volume.hu[::-1, row, :].view(np.uint16)]
    grey = mpr.coronal.image_item.image[..., 0]
    results["_check"] = {"ours shows the windowed reformat": float(np.array_equal(grey, expected))}
    for contender in shown.values():
        for plane in PLANES:
            _widget(contender, plane).close()
    return results


def report(results: dict[str, dict[str, float]], size: int, slices: int, frames: int, view: tuple[int, int],
           mpr_view: tuple[int, int]) -> list[tuple[str, bool]]:
    """Print the table, ratios and targets; return (target, met) pairs."""
    print(f"reformat scroll: {slices} slices of {size}², pane {view[0]}×{view[1]}, MprView "
          f"{mpr_view[0]}×{mpr_view[1]}, offscreen, {frames} frames per plane, one grab() per frame")
    print(f"{'contender':36} {'coronal fps':>12} {'sagittal fps':>13}")
    names = [name for name in results if not name.startswith("_")]
    for name in names:
        print(f"{name:36} {results[name]['coronal']:12.1f} {results[name]['sagittal']:13.1f}")
    path = results[PATH]
    for other in (NAIVE, INT16):
        print(f"ours (display path) / {other}: {path['coronal'] / results[other]['coronal']:.2f}× (coronal), "
              f"{path['sagittal'] / results[other]['sagittal']:.2f}× (sagittal)")
    print(f"ours (ReformatPane) / {NAIVE}: {results[PANE]['coronal'] / results[NAIVE]['coronal']:.2f}× (coronal), "
          f"{results[PANE]['sagittal'] / results[NAIVE]['sagittal']:.2f}× (sagittal): overlay and crosshair included")
    drag = results["_drag"]["fps"]
    print(f"{MPR}, crosshair drag in the coronal pane (axial + sagittal re-rendered): {drag:.1f} fps")
    checks = [(f"{name} ≥ {TARGET_FPS:.0f} fps scrolling the {plane}", results[name][plane] >= TARGET_FPS)
              for name in (MPR, PANE) for plane in PLANES]
    checks.append((f"{MPR} ≥ {TARGET_FPS:.0f} fps dragging the crosshair", drag >= TARGET_FPS))
    checks.append(("ours shows the windowed reformat", results["_check"]["ours shows the windowed reformat"] == 1.0))
    for name, met in checks:
        print(f"{'PASS' if met else 'FAIL'}  {name}")
    return checks


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run, report."""
    parser = argparse.ArgumentParser(description="Time scrolling the coronal and sagittal reformats.")
    parser.add_argument("--size", type=int, default=512, help="rows = columns")
    parser.add_argument("--slices", type=int, default=300)
    parser.add_argument("--frames", type=int, default=300, help="plane moves timed per plane")
    parser.add_argument("--view", type=int, nargs=2, default=(1024, 768), metavar=("W", "H"),
                        help="size of the single-pane contenders")
    parser.add_argument("--mpr-view", type=int, nargs=2, default=(1400, 800), metavar=("W", "H"))
    parser.add_argument("--repeat", type=int, default=1, help="best of this many runs")
    args = parser.parse_args(argv)
    view, mpr_view = (args.view[0], args.view[1]), (args.mpr_view[0], args.mpr_view[1])
    results = run(args.size, args.slices, args.frames, view, mpr_view, args.repeat)
    report(results, args.size, args.slices, args.frames, view, mpr_view)
    return 0


if __name__ == "__main__":
    sys.exit(main())
