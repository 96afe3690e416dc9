"""Frames per second of the slice view: slice changes and W/L changes, ours against named alternatives.

    python benchmarks/bench_slice_view.py [--size 512] [--slices 300] [--frames 300] [--view 1024 768]

A phantom chest volume (``recist_app.demo.phantom.render_slice``, one shared noise field; built in
memory as a ``CtVolume``, no disk) is shown offscreen at the given viewport size. Each frame is
one change then ``QWidget.grab()``, which runs the whole paint (image, overlay, labels) into a
pixmap, so every frame is really drawn. Timed per contender, best of ``--repeat``:

- ours: ``widgets.viewer.slice_view.SliceView`` (``set_slice`` / ``set_window``) with its overlay
  (four corners, orientation markers, scale bar, HU probe) and one caliper label on screen;
- ours, display path only: the same lookup table (``np.take`` on the int16 bits into opaque 32-bit
  grey pixels) in a bare ``GraphicsView`` + ``ViewBox`` + ``ImageItem``, no overlay;
- pyqtgraph int16 + levels: ``ImageItem.setImage(hu[k], autoLevels=False, levels=(lo, hi))`` and
  ``setLevels`` for W/L (pyqtgraph's general ``makeARGB`` path for int16);
- naive float + autoLevels: ``setImage(hu[k].astype(np.float64))`` with autoLevels on each slice
  (what ``ImageView`` does by default) and ``levels=(lo, hi)`` on each W/L change.

Prints fps per contender and mode, the ratios of our display path to the alternatives (all bare
views), the whole SliceView against the naive view, and whether the whole SliceView meets 60 fps.
Exit status 0 either way.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script: benchmarks/ is sys.path[0], not the repo
    sys.path.insert(0, str(REPO_ROOT))

from recist_app.demo.phantom import PhantomSpec, render_slice
from recist_app.imaging import geometry
from recist_app.imaging.volume import CtVolume

TARGET_FPS = 60.0
WARM_UP_FRAMES = 5


def build_volume(size: int = 512, slices: int = 300) -> CtVolume:
    """An in-memory chest phantom (``size``² × ``slices``, int16 HU) with its true geometry."""
    spec = PhantomSpec.chest(slices=slices, rows=size, columns=size)
    noise = np.random.default_rng(0).standard_normal((size, size), dtype=np.float32) * np.float32(spec.noise_hu)
    hu = np.empty((slices, size, size), np.int16)
    plane = np.empty((size, size), np.float32)
    for k in range(slices):
        np.add(render_slice(spec, k), noise, out=plane)
        hu[k] = np.rint(plane, out=plane)
    normal = spec.axes[2]
    positions = spec.origin + np.arange(slices)[:, None] * spec.slice_spacing_mm * normal
    affine = geometry.affine_from(spec.orientation, positions[0], spec.pixel_spacing_mm, spec.slice_spacing_mm * normal)
    return CtVolume(hu=hu, slice_positions=positions, iop=spec.orientation, pixel_spacing=spec.pixel_spacing_mm,
                    affine=affine, frame_of_reference_uid="1.2.826.0.1.3680043.9.bench.1",
                    series_uid="1.2.826.0.1.3680043.9.bench.2", study_uid="1.2.826.0.1.3680043.9.bench.3",
                    sop_uids=tuple(f"1.2.826.0.1.3680043.9.bench.4.{k}" for k in range(slices)),
                    frame_numbers=(1,) * slices, window_presets=((40.0, 400.0),),
                    slice_thicknesses_mm=(spec.slice_thickness_mm,) * slices)


@dataclass
class Contender:
    """A widget and how it shows a slice or a window."""

    widget: object
    show_slice: Callable[[int], None]
    show_window: Callable[[float, float], None]


def _bare(size: tuple[int, int]) -> tuple[object, object]:
    import pyqtgraph as pg

    view = pg.GraphicsView(background="k")
    box = pg.ViewBox(lockAspect=True, invertY=True, enableMenu=False)
    view.setCentralItem(box)
    item = pg.ImageItem(axisOrder="row-major")
    box.addItem(item)
    view.resize(*size)
    view.show()
    return view, item


def contenders(volume: CtVolume, size: tuple[int, int]) -> dict[str, Contender]:
    """The four contenders, shown at ``size`` with the volume's middle slice and soft-tissue window."""
    from PySide6 import QtCore, QtWidgets

    from recist_app.model.caliper import CaliperRecord
    from widgets.viewer.display import pixel_lut, window_lut
    from widgets.viewer.slice_view import SliceView

    hu, middle = volume.hu, volume.shape[0] // 2
    ours = SliceView()
    ours.resize(*size)
    ours.show()
    ours.set_volume(volume)
    rows, cols = volume.shape[1:]
    ends = ((cols * 0.3, rows * 0.5), (cols * 0.45, rows * 0.55))
    ours.add_measurement("bench", CaliperRecord.from_index(volume, middle, ends), "T1", "TARGET")
    ours.canvas.scene().sigMouseMoved.emit(ours.canvas.mapToScene(QtCore.QPoint(size[0] // 2, size[1] // 2)))

    lut_view, lut_item = _bare(size)
    state = {"k": middle, "lut": pixel_lut(window_lut(400, 40))}
    bits = hu.view(np.uint16)

    def lut_slice(k: int) -> None:
        state["k"] = k
        pixels = np.take(state["lut"], bits[k])
        lut_item.setImage(pixels.view(np.uint8).reshape(*pixels.shape, 4), autoLevels=False,
                          levels=None)

    def lut_window(width: float, level: float) -> None:
        state["lut"] = pixel_lut(window_lut(width, level))
        lut_slice(int(state["k"]))

    int_view, int_item = _bare(size)
    levels = {"now": (40 - 200.0, 40 + 200.0)}

    def int_slice(k: int) -> None:
        int_item.setImage(hu[k], autoLevels=False, levels=levels["now"])

    def int_window(width: float, level: float) -> None:
        levels["now"] = (level - width / 2, level + width / 2)
        int_item.setLevels(levels["now"])

    naive_view, naive_item = _bare(size)
    naive_state = {"k": middle}

    def naive_slice(k: int) -> None:
        naive_state["k"] = k
        naive_item.setImage(hu[k].astype(np.float64), autoLevels=True)

    def naive_window(width: float, level: float) -> None:
        naive_item.setImage(hu[naive_state["k"]].astype(np.float64),
                            levels=(level - width / 2, level + width / 2))

    for show in (lut_slice, int_slice, naive_slice):
        show(middle)
    QtWidgets.QApplication.processEvents()
    return {
        "ours (SliceView, overlay + label)": Contender(ours, ours.set_slice, ours.set_window),
        "ours, display path only": Contender(lut_view, lut_slice, lut_window),
        "pyqtgraph int16 + levels": Contender(int_view, int_slice, int_window),
        "naive float64 + autoLevels": Contender(naive_view, naive_slice, naive_window),
    }


def windows(frames: int) -> list[tuple[float, float]]:
    """``frames`` distinct (width, level) pairs, as a W/L drag produces."""
    t = np.linspace(0.0, 1.0, frames)
    return [(float(w), float(lv)) for w, lv in zip(300 + 1500 * t, 40 - 640 * np.sin(np.pi * t), strict=True)]


def fps(contender: Contender, mode: str, frames: int, slices: int) -> float:
    """Frames per second of ``frames`` changes (``"slice"`` or ``"window"``), each grabbed."""
    grab = contender.widget.grab
    if mode == "slice":
        steps = [lambda k=k: contender.show_slice(k % slices) for k in range(frames)]
    else:
        steps = [lambda w=w, lv=lv: contender.show_window(w, lv) for w, lv in windows(frames)]
    for step in steps[:WARM_UP_FRAMES]:
        step()
        grab()
    contender.show_slice(slices // 2 + 1)
    contender.show_slice(slices // 2)
    start = time.perf_counter()
    for step in steps:
        step()
        grab()
    return frames / (time.perf_counter() - start)


def run(size: int, slices: int, frames: int, view: tuple[int, int], repeat: int) -> dict[str, dict[str, float]]:
    """Build the volume, show the contenders and time both modes; {name: {mode: fps}}."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from widgets.app import create_app

    create_app()
    volume = build_volume(size, slices)
    shown = contenders(volume, view)
    results = {name: {mode: max(fps(c, mode, frames, slices) for _ in range(repeat)) for mode in ("slice", "window")}
               for name, c in shown.items()}
    ours = shown["ours (SliceView, overlay + label)"].widget
    from widgets.viewer.display import window_lut

    k = ours.slice_index
    expected = window_lut(*ours.window_hu)[volume.hu[k].view(np.uint16)]
    shown_grey = ours.image_item.image[..., 0]
    results["_check"] = {"ours shows the windowed slice": float(np.array_equal(shown_grey, expected))}
    for c in shown.values():
        c.widget.close()
    return results


def report(results: dict[str, dict[str, float]], size: int, slices: int, frames: int,
           view: tuple[int, int]) -> list[tuple[str, bool]]:
    """Print the table, ratios and targets; return (target, met) pairs."""
    print(f"slice view: {slices} slices of {size}², viewport {view[0]}×{view[1]}, offscreen, "
          f"{frames} frames per mode, one grab() per frame")
    print(f"{'contender':36} {'slice fps':>10} {'W/L fps':>10}")
    names = [name for name in results if not name.startswith("_")]
    for name in names:
        print(f"{name:36} {results[name]['slice']:10.1f} {results[name]['window']:10.1f}")
    ours, path = results[names[0]], results["ours, display path only"]
    for other in ("naive float64 + autoLevels", "pyqtgraph int16 + levels"):
        print(f"ours (display path) / {other}: {path['slice'] / results[other]['slice']:.2f}× (slices), "
              f"{path['window'] / results[other]['window']:.2f}× (W/L)")
    naive = results["naive float64 + autoLevels"]
    print(f"ours (whole SliceView) / naive bare view: {ours['slice'] / naive['slice']:.2f}× (slices), "
          f"{ours['window'] / naive['window']:.2f}× (W/L): the overlay and labels are the cost")
    checks = [(f"ours ≥ {TARGET_FPS:.0f} fps scrolling slices", ours["slice"] >= TARGET_FPS),
              (f"ours ≥ {TARGET_FPS:.0f} fps changing W/L", ours["window"] >= TARGET_FPS),
              ("ours shows the windowed slice", results["_check"]["ours shows the windowed slice"] == 1.0)]
    for name, met in checks:
        print(f"{'PASS' if met else 'FAIL'}  {name}")
    return checks


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run, report."""
    parser = argparse.ArgumentParser(description="Time slice and W/L changes of the slice view.")
    parser.add_argument("--size", type=int, default=512, help="rows = columns")
    parser.add_argument("--slices", type=int, default=300)
    parser.add_argument("--frames", type=int, default=300, help="changes timed per mode")
    parser.add_argument("--view", type=int, nargs=2, default=(1024, 768), metavar=("W", "H"))
    parser.add_argument("--repeat", type=int, default=1, help="best of this many runs")
    args = parser.parse_args(argv)
    view = (args.view[0], args.view[1])
    results = run(args.size, args.slices, args.frames, view, args.repeat)
    report(results, args.size, args.slices, args.frames, view)
    return 0


if __name__ == "__main__":
    sys.exit(main())
