"""A reader's two waits: launch → first image of the worklist's first read, and a time-point switch.

    python benchmarks/bench_reading.py [--runs 5] [--switches 20] [--quick]

Goals (issue "A benchmark: launch → first image …"): first image ≤ 2.0 s after launch, time-point
switch ≤ 0.2 s. Reformat scrolling (≥ 30 fps) is ``bench_reformat.py``'s.

**Launch → first image.** Each run is a fresh ``python -c`` process started in the repository
(imports, bytecode loading and interpreter start-up count), running :func:`child`, which records
``time.perf_counter()`` on its first line. On Linux ``perf_counter`` is ``CLOCK_MONOTONIC``, one
clock for every process, so the parent also stamps the moment just before it spawns the child:
times are given from spawn. The app contender does what ``widgets.app.run`` does (the same imports,
``start_logging``, ``create_app``, ``open_store``, ``MainWindow``, ``show``, then ``open_as``'s
steps: log in, ``window.login`` and ``open_first_subject``), the window at the app's
1600 × 960 default size, offscreen unless a display is set. An event filter on the viewports of the
slice views stamps the first *paint* of a visible view showing an image ("first image": the one-slice
preview when there is one) and the first paint of the time point's whole series ("complete"). Every
run works on its own copy of the trial database (the first opening of a read creates it), and each
contender runs once untimed first (bytecode, page cache). Bytecode is cached as for an installed app
(``PYTHONPYCACHEPREFIX`` in the benchmark's temporary folder, so the working tree gets no
``__pycache__``), except for one contender. Runs of the contenders are interleaved; the median of
``--runs`` is reported. Cases and contenders:

- demo trial at its real default size (``recist_app.demo.store.DEFAULT_SIZE`` / ``DEFAULT_SLICES``),
  logged in as "Demo Reader": the worklist's first read;
- the real trial of ``tests/widgets/reading_support.build_real_trial`` (Lung-PET-CT-Dx and
  COVID-19-NY-SBU studies imported), logged in as the central reader "Cora Central": the
  worklist's first read (A002304, not A0001: subjects are in order), ours only; then
  Lung_Dx-A0001 opened explicitly through its worklist item (``reading.open_work``), as a click in
  the worklist does;
- contenders: ours; ours with the app's modules compiled at each start (``PYTHONDONTWRITEBYTECODE=1``
  and no ``__pycache__`` in the tree, as in a development environment that sets it); ours without
  the preview slice (``widgets.workers.preview_volume`` replaced by
  ``lambda load: None`` in the child: no one-slice preview is decoded or shown); the floor of a
  viewer (pydicom + numpy in a bare pyqtgraph ``GraphicsView``: read the first file, show it, read
  and stack the rest, show the middle slice); the floor without a GUI (the same pydicom + numpy
  load, no Qt imported).

**Time-point switch** (in this process, offscreen): a main window logged in, two time points of a
subject each loaded once, then ``reading.show_timepoint`` alternating between them until
``reading.is_showing`` and until the slice view has painted; median of ``--switches``. Also the
first (uncached) switch, and a switch in the compare view (current and prior both from the cache).
The alternative, same run: the volume cache off (``widgets.reading.image_loader.CACHE_SIZE = 0``:
every switch re-loads the series from disk, the files in the OS page cache, the headers' summary
kept). On the demo: STS-001 BASELINE ↔ WEEK 8 (compare: WEEK 8 ↔ WEEK 16); on the real data
Lung_Dx-A0001 has a single time point, so a trial of its own attaches its two real series (kernel B
and kernel L, 64 slices of 512² each) to two time points.

Prints the tables, the ratios and PASS/FAIL for the goals; exit status 0 either way.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script: benchmarks/ is sys.path[0], not the repo
    sys.path.insert(0, str(REPO_ROOT))

# Only the standard library above this line: a launch child imports this module before the app.

GOAL_FIRST_IMAGE_S = 2.0
GOAL_SWITCH_S = 0.2
WINDOW_SIZE = (1600, 960)  # widgets.main_window.DEFAULT_SIZE: the app's size on a large enough screen
BARE_VIEW_SIZE = (1024, 768)
LAUNCH_TIMEOUT_S = 120.0
WAIT_TIMEOUT_S = 60.0
QUICK_SIZE, QUICK_SLICES = 128, 16  # widgets.smoke: the smallest demo that builds

SHARED_DATA = REPO_ROOT.parent / "shared" / "data" / "ct"
LUNG_DATA = SHARED_DATA / "lung_pet_ct_dx"
COVID_DATA = SHARED_DATA / "covid19_ny_sbu_A002304_two_timepoints"
A0001 = "Lung_Dx-A0001"
A0001_SERIES = {"BASELINE": "series3_5mm_kernel-B", "FOLLOW-UP": "series2_5mm_kernel-L"}


def central_reader() -> tuple[str, Any, str]:
    """The real trial's central reader, as ``tests/widgets/reading_support.py`` builds it: name, role,
    password (imported when needed: a launch child imports this module before the app)."""
    from tests.widgets.reading_support import REAL_READERS

    name, role, password = REAL_READERS[1]
    return name, role, password


APP = "ours: the app"
NO_BYTECODE = "ours, app's modules compiled at each start"
NO_PREVIEW = "ours without the preview slice"
VIEWER = "floor: pydicom + numpy, bare pyqtgraph view"
PYDICOM = "floor: pydicom + numpy, no GUI"
#: Contender → (what the child runs, whether bytecode is cached).
CONTENDERS = {APP: ("app", True), NO_BYTECODE: ("app", False), NO_PREVIEW: ("no_preview", True),
              VIEWER: ("viewer", True), PYDICOM: ("pydicom", True)}
FIRST, COMPLETE = "first image", "complete"

CACHED = "cached"
RELOAD = "re-load from disk each time (cache off)"
COMPARE = "compare view, cached"
#: Launch stamps of the app, in order, with what happens between the previous stamp and this one.
APP_STEPS = (
    ("top", "interpreter start-up (spawn → driver's first line)"),
    ("imports", "imports (widgets.app, widgets.main_window, store …)"),
    ("app", "QApplication + stylesheet (create_app)"),
    ("store", "open the trial database (open_store)"),
    ("window", "MainWindow built"),
    ("shown", "window.show()"),
    ("logged in", "log_in + window.login (browser, worklist query)"),
    ("read opened", "open the read (open_first_subject / open_work), load started"),
    ("preview delivered", "worker: examine folder + decode first slice, until the preview reaches the GUI"),
    (FIRST, "first paint of the image"),
    ("volume delivered", "worker: decode the rest, until the volume reaches the GUI"),
    (COMPLETE, "paint of the whole series"),
)


# -- in the launch child --------------------------------------------------------------------------------
def child(t0: float) -> None:
    """Entry point of a launch run (``python -c``): ``sys.argv[1]`` holds the parameters as JSON.

    Prints one line ``RESULT {json}`` (the stamps, absolute ``perf_counter`` values, and what was
    shown) and leaves at once with ``os._exit`` (the teardown is not part of the wait).
    """
    params = json.loads(sys.argv[1])
    stamps: dict[str, float] = {"top": t0}
    run = _app_child if params["mode"] in ("app", "no_preview") else _floor_child
    try:
        info = run(params, stamps)
    except Exception as exc:  # reported to the parent, which prints it
        import traceback

        info = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
    print("RESULT " + json.dumps({"stamps": stamps, **info}), flush=True)
    os._exit(0)


def _paint_watch(views: Any, kind: Any) -> Any:
    """An event filter that times the paints of ``views`` (pyqtgraph ``GraphicsView`` or widgets owning one
    as ``canvas``): for a paint showing ``kind(view)`` (e.g. "image", "whole"; None: nothing of interest)
    it paints the view itself (``QGraphicsView.viewportEvent``, what the scroll area's own viewport
    filter would call next) and keeps in ``painted[kind]`` the moment the first such paint ended."""
    from PySide6 import QtCore

    class PaintWatch(QtCore.QObject):
        def __init__(self) -> None:
            super().__init__()
            self.painted: dict[str, float] = {}
            self._owners = {}
            for view in views:
                canvas = getattr(view, "canvas", view)
                self._owners[canvas.viewport()] = (view, canvas)
                canvas.viewport().installEventFilter(self)

        def reset(self) -> None:
            self.painted.clear()

        def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
            if event.type() != QtCore.QEvent.Type.Paint or watched not in self._owners:
                return False
            view, canvas = self._owners[watched]
            what = kind(view)
            if not what:
                return False
            canvas.viewportEvent(event)
            self.painted.setdefault(what, time.perf_counter())
            return True

    return PaintWatch()


def _loop_until(app: Any, done: Any, on_events: Any, timeout_s: float) -> bool:
    """Run the event loop (waking at least every 20 ms) until ``done()``; ``on_events()`` after each pass."""
    from PySide6 import QtCore

    keep_awake = QtCore.QTimer(interval=20)
    keep_awake.start()
    deadline = time.perf_counter() + timeout_s
    flags = QtCore.QEventLoop.ProcessEventsFlag.AllEvents | QtCore.QEventLoop.ProcessEventsFlag.WaitForMoreEvents
    try:
        while not done():
            if time.perf_counter() > deadline:
                return False
            app.processEvents(flags)
            on_events()
        return True
    finally:
        keep_awake.stop()


def _app_child(params: dict[str, Any], stamps: dict[str, float]) -> dict[str, Any]:
    """The app's start-up as ``widgets.app.run`` does it, then open the read; stamps along the way."""
    from recist_app.log_file import start_logging
    from recist_app.read.worklist import next_item
    from widgets import error_display
    from widgets.app import create_app, open_first_subject, open_store
    from widgets.error_display import install_excepthook

    start_logging(Path(params["log"]))
    from widgets.main_window import MainWindow

    stamps["imports"] = time.perf_counter()
    if params["mode"] == "no_preview":
        import widgets.workers

        widgets.workers.preview_volume = lambda _load: None  # the alternative: no one-slice preview
    problems: list[str] = []
    error_display.report_to(lambda title, message: problems.append(f"{title}: {message}"))
    app = create_app([sys.argv[0]])
    stamps["app"] = time.perf_counter()
    store = open_store(params["db"], None)
    if store is None:
        return {"error": f"could not open the trial: {problems}"}
    stamps["store"] = time.perf_counter()
    window = MainWindow(store, params["db"])
    install_excepthook(window)
    sys.excepthook = lambda kind, exc, tb: problems.append(f"uncaught {kind.__name__}: {exc}")
    window.resize(*WINDOW_SIZE)
    window.fit_docks()
    stamps["window"] = time.perf_counter()
    window.show()
    stamps["shown"] = time.perf_counter()
    reader = next(r for r in store.readers() if r.name == params["reader"])  # widgets.app.open_as's steps
    window.login(store.log_in(reader.uid, params["password"]))
    stamps["logged in"] = time.perf_counter()
    reading = window.reading
    work = next_item(window.worklist.items)
    worklist_first = work.subject_id if work is not None else ""
    if params.get("subject"):
        item = next(i for i in window.worklist.items if i.subject_id == params["subject"])
        reading.open_work(item.subject_id, item.open_timepoint_uid or "")
    else:
        open_first_subject(window)
    stamps["read opened"] = time.perf_counter()

    def on_loaded(channel: str, _tp_uid: str, _volume: object, preview: bool) -> None:
        if channel == "current":
            stamps.setdefault("preview delivered" if preview else "volume delivered", time.perf_counter())

    reading.loader.loaded.connect(on_loaded)

    def kind(view: Any) -> str | None:
        if view.volume is None:
            return None
        return "whole" if view.volume is reading.volumes.get("current") else "image"

    watch = _paint_watch(reading.views(), kind)

    def on_events() -> None:
        if watch.painted:
            stamps.setdefault(FIRST, min(watch.painted.values()))
        if "whole" in watch.painted:
            stamps.setdefault(COMPLETE, watch.painted["whole"])

    finished = _loop_until(app, lambda: COMPLETE in stamps or bool(problems), on_events, params["timeout"])
    tp = reading.timepoint(reading.tp_uid)
    link = reading.series_link(tp) if tp is not None else None
    volume = reading.volumes.get("current")
    return {"subject": reading.subject_id, "visit": tp.visit if tp else "", "series_path": link.path if link else "",
            "series_uid": link.series_uid if link else "", "shape": list(volume.shape) if volume is not None else [],
            "compare": reading.comparing, "worklist_first": worklist_first,
            "window": [window.width(), window.height()],
            "error": "; ".join(problems) or ("" if finished else "timed out")}


def _floor_child(params: dict[str, Any], stamps: dict[str, float]) -> dict[str, Any]:
    """pydicom + numpy: read the first file and (GUI) show it; read, sort and stack the rest, show the middle."""
    import numpy as np
    import pydicom
    from pydicom.errors import InvalidDicomError

    gui = params["mode"] == "viewer"
    show: Any = None
    if gui:
        import pyqtgraph as pg
        from PySide6 import QtWidgets

        app = QtWidgets.QApplication([sys.argv[0]])
        pg.setConfigOptions(imageAxisOrder="row-major")
        view = pg.GraphicsView(background="k")
        box = pg.ViewBox(lockAspect=True, invertY=True, enableMenu=False)
        view.setCentralItem(box)
        item = pg.ImageItem()
        box.addItem(item)
        view.resize(*BARE_VIEW_SIZE)
        view.show()
        watch = _paint_watch([view], lambda _view: "image" if item.image is not None else None)

        def show(image: np.ndarray, stamp: str) -> None:
            watch.reset()
            item.setImage(image, autoLevels=False, levels=(-160, 240))

            def on_events() -> None:
                if "image" in watch.painted:
                    stamps.setdefault(stamp, watch.painted["image"])

            _loop_until(app, lambda: stamp in stamps, on_events, params["timeout"])
    stamps["imports"] = time.perf_counter()

    def read(path: Path) -> Any:
        try:
            ds = pydicom.dcmread(path)
        except (InvalidDicomError, OSError):
            return None
        return ds if ds.get("SeriesInstanceUID") == params["series_uid"] else None

    def hu(ds: Any) -> np.ndarray:
        slope, intercept = float(ds.get("RescaleSlope", 1)), float(ds.get("RescaleIntercept", 0))
        return (ds.pixel_array * slope + intercept).astype(np.int16)

    paths = sorted(p for p in Path(params["series_path"]).iterdir() if p.is_file())
    datasets = []
    for index, path in enumerate(paths):
        ds = read(path)
        if ds is not None:
            datasets.append(ds)
            paths = paths[index + 1:]
            break
    first = hu(datasets[0])
    if show is not None:
        show(first, FIRST)
    else:
        stamps[FIRST] = time.perf_counter()
    datasets += [ds for ds in map(read, paths) if ds is not None]
    datasets.sort(key=lambda ds: float(ds.ImagePositionPatient[2]))
    volume = np.empty((len(datasets), *first.shape), np.int16)
    slope, intercept = float(datasets[0].get("RescaleSlope", 1)), float(datasets[0].get("RescaleIntercept", 0))
    for k, ds in enumerate(datasets):
        volume[k] = ds.pixel_array
    if slope == 1 and intercept.is_integer():
        volume += np.int16(intercept)
    else:
        volume[...] = (volume * slope + intercept).astype(np.int16)
    if show is not None:
        show(volume[len(volume) // 2], COMPLETE)
    else:
        stamps[COMPLETE] = time.perf_counter()
    return {"shape": list(volume.shape), "series_path": params["series_path"], "error": ""}


# -- in the parent: trials ------------------------------------------------------------------------------
def build_trials(folder: Path, size: int, slices: int) -> dict[str, Any]:
    """The demo trial, the real trial (None without the shared data) and A0001 on two time points."""
    from recist_app.demo.store import DEMO_READERS, build_demo_trial

    demo = build_demo_trial(folder / "demo" / "demo.sqlite", folder / "demo" / "images", size=size, slices=slices)
    name, _role, password = DEMO_READERS[0]
    trials: dict[str, Any] = {"demo": (demo.db, name, password), "real": None, "a0001x2": None}
    if (LUNG_DATA / A0001).is_dir() and COVID_DATA.is_dir():
        from tests.widgets.reading_support import build_real_trial  # the trial the GUI tests read

        (folder / "real").mkdir(parents=True, exist_ok=True)
        name, _role, password = central_reader()
        trials["real"] = (str(build_real_trial(folder / "real")), name, password)
        trials["a0001x2"] = (str(build_a0001_two_timepoints(folder / "a0001x2")), name, password)
    return trials


def build_a0001_two_timepoints(folder: Path) -> Path:
    """Lung_Dx-A0001's two real series (kernel B, kernel L) attached to two time points of one subject."""
    from datetime import date

    import resources
    from recist_app.imaging.scan import scan
    from recist_app.store import TrialStore

    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "a0001x2.sqlite"
    with TrialStore.create(db, code="A0001X2", profile_toml=resources.read_text("profiles/stereosarc.toml")) as store:
        store.add_reader(*central_reader())
        store.add_site("TCIA")
        store.add_subject(A0001, "TCIA")
        for (visit, sub), day in zip(A0001_SERIES.items(), (date(2007, 4, 4), date(2007, 5, 30)), strict=True):
            tp = store.add_timepoint(A0001, visit, day)
            summary = scan(LUNG_DATA / A0001 / sub, workers=1).series[0]
            store.attach_series(tp.uid, study_uid=summary.study_uid, series_uid=summary.series_uid,
                                path=str(LUNG_DATA / A0001 / sub), modality=summary.modality,
                                description=f"{summary.series_description} kernel {summary.kernel}",
                                frame_of_reference_uid=summary.frame_of_reference_uid or "",
                                slice_thickness_mm=summary.slice_thickness, series_number=summary.series_number)
    return db


def copy_db(db: str, target: Path) -> Path:
    """A private copy of a SQLite trial (its WAL and shared-memory files too)."""
    import shutil

    for suffix in ("", "-wal", "-shm"):
        if Path(f"{db}{suffix}").exists():
            shutil.copy(f"{db}{suffix}", f"{target}{suffix}")
    return target


def warm(folder: str | Path) -> None:
    """Read every file under ``folder`` once: every contender starts from the page cache."""
    for path in Path(folder).rglob("*"):
        if path.is_file():
            path.read_bytes()


# -- in the parent: launches ----------------------------------------------------------------------------
def child_env() -> dict[str, str]:
    """The children's environment: offscreen unless a display is set."""
    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def launch(params: dict[str, Any], pycache: Path | None) -> dict[str, Any]:
    """One fresh process; the result with ``seconds`` (from spawn) per stamp.

    With ``pycache`` the child reads and writes bytecode there (``PYTHONPYCACHEPREFIX``: as an
    installed app, whose ``__pycache__`` is written on first start; the working tree is not
    touched); without, ``PYTHONDONTWRITEBYTECODE=1`` (the app's own modules, which have no
    ``__pycache__`` then, are compiled at every start).
    """
    import subprocess

    code = "import time; t0 = time.perf_counter(); from benchmarks.bench_reading import child; child(t0)"
    params = {"timeout": WAIT_TIMEOUT_S, **params}
    env = child_env()
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    spawn = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-c", code, json.dumps(params)], cwd=REPO_ROOT, env=env,
                              capture_output=True, text=True, timeout=LAUNCH_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"error": f"no result within {LAUNCH_TIMEOUT_S:.0f} s", "seconds": {}}
    line = next((line for line in done.stdout.splitlines() if line.startswith("RESULT ")), None)
    if line is None:
        return {"error": f"exit {done.returncode}: {done.stderr.strip()[-2000:]}", "seconds": {}}
    result = json.loads(line[len("RESULT "):])
    result["seconds"] = {name: stamp - spawn for name, stamp in result.pop("stamps").items()}
    if result.get("error") and result.get("traceback"):
        result["error"] += "\n" + result["traceback"]
    return result


def launch_case(name: str, base: dict[str, Any], contenders: list[str], runs: int, warm_up: bool,
                folder: Path, pycache: Path) -> dict[str, Any]:
    """Interleaved runs of the contenders of one case; the floors load the series the app opened."""
    folder.mkdir(parents=True, exist_ok=True)
    results: dict[str, list[dict[str, Any]]] = {c: [] for c in contenders}
    series: dict[str, Any] = {}
    counter = 0

    def run(contender: str) -> dict[str, Any]:
        nonlocal counter
        counter += 1
        mode, cached = CONTENDERS[contender]
        if mode in ("app", "no_preview"):
            db = copy_db(base["db"], folder / f"run{counter}.sqlite")
            params = {**base, "mode": mode, "db": str(db), "log": str(folder / "app.log")}
        else:
            params = {"mode": mode, **series}
        return launch(params, pycache if cached else None)

    first = run(APP)  # untimed: learns the series for the floors, warms bytecode and page cache
    if first.get("error"):
        return {"name": name, "error": first["error"], "results": results, "info": first}
    series = {"series_path": first["series_path"], "series_uid": first["series_uid"]}
    warm(first["series_path"])
    if warm_up:
        for contender in contenders[1:]:
            run(contender)
    for _ in range(runs):
        for contender in contenders:
            result = run(contender)
            if result.get("error"):
                return {"name": name, "error": f"{contender}: {result['error']}", "results": results, "info": first}
            results[contender].append(result)
    return {"name": name, "error": "", "results": results, "info": first}


def median_seconds(runs: list[dict[str, Any]], stamp: str) -> float | None:
    """Median over the runs of a stamp's seconds from spawn (None if a run lacks it)."""
    import statistics

    values = [run["seconds"].get(stamp) for run in runs]
    return statistics.median(values) if values and None not in values else None


# -- in the parent: time-point switches -----------------------------------------------------------------
def switch_case(db: str, reader: str, password: str, subject: str, single: tuple[str, str],
                compare: tuple[str, str], switches: int) -> dict[str, Any]:
    """Median switch times (s) cached, with the cache off, and in the compare view; the first switch."""
    import statistics

    import widgets.reading.image_loader as image_loader

    out: dict[str, Any] = {}
    saved = image_loader.CACHE_SIZE
    for config, visits, cache in ((CACHED, single, saved), (RELOAD, single, 0), (COMPARE, compare, saved)):
        image_loader.CACHE_SIZE = cache
        try:
            first, times = _switches(db, reader, password, subject, visits, switches, config == COMPARE)
        finally:
            image_loader.CACHE_SIZE = saved
        out[config] = {"first": first, "showing": statistics.median(t["showing"] for t in times),
                       "painted": statistics.median(t["painted"] for t in times),
                       "preview": statistics.median(t["preview"] for t in times) if all(
                           t["preview"] is not None for t in times) else None,
                       "count": len(times)}
    return out


def _switches(db: str, reader_name: str, password: str, subject: str, visits: tuple[str, str], count: int,
              compare: bool) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    from PySide6 import QtWidgets

    from recist_app.store import TrialStore
    from widgets import error_display
    from widgets.app import create_app
    from widgets.main_window import MainWindow

    app = create_app()
    problems: list[str] = []
    error_display.report_to(lambda title, message: problems.append(f"{title}: {message}"))
    store = TrialStore.open(db)
    window = MainWindow(store, db)
    try:
        window.resize(*WINDOW_SIZE)
        window.fit_docks()
        window.show()
        reader = next(r for r in store.readers() if r.name == reader_name)
        window.login(store.log_in(reader.uid, password))
        reading = window.reading
        assert reading.open_subject(subject)
        uids = tuple(next(tp.uid for tp in reading.reader_timepoints() if tp.visit == visit) for visit in visits)
        if compare:
            reading.set_compare(True)
        view = reading.compare_view.right if compare else reading.slice_view
        target = [""]  # the time point switched to

        def kind(v: Any) -> str | None:
            if v.volume is None:
                return None
            if shown(target[0]) and v.volume is reading.volumes.get("current"):
                return "whole"
            preview = v is reading.slice_view and reading.preview and reading.tp_uid == target[0]
            return "preview" if preview else None

        watch = _paint_watch([view], kind)

        def shown(uid: str) -> bool:
            if not compare:
                return reading.is_showing(uid)
            right, left = reading.compare_view.right.volume, reading.compare_view.left.volume
            return (reading.tp_uid == uid and right is not None and right is reading.volumes.get("current")
                    and left is not None and left is reading.volumes.get("prior"))

        times: dict[str, Any] = {}

        def on_loaded(*_args: object) -> None:  # connected after the controller: runs once it has shown the volume
            if "showing" not in times and target[0] and shown(target[0]):
                times["showing"] = time.perf_counter()

        reading.loader.loaded.connect(on_loaded)

        def switch(uid: str) -> dict[str, Any]:
            watch.reset()
            times.clear()
            target[0] = uid
            start = time.perf_counter()
            reading.show_timepoint(subject, uid)  # a cached volume is shown before this returns

            def on_events() -> None:
                if "whole" in watch.painted:
                    times["painted"] = watch.painted["whole"]

            on_events()
            if not _loop_until(app, lambda: "painted" in times or bool(problems), on_events, WAIT_TIMEOUT_S):
                raise RuntimeError(f"switch to {uid} not shown within {WAIT_TIMEOUT_S:.0f} s")
            if problems:
                raise RuntimeError(problems[0])
            settle(app)
            preview = watch.painted.get("preview")
            return {"preview": preview - start if preview is not None else None,
                    "showing": times["showing"] - start, "painted": times["painted"] - start}

        for uid in uids[:1]:  # the first time point once, uncached, and the background checks done
            switch(uid)
        _loop_until(app, lambda: not window.runner.running, lambda: None, WAIT_TIMEOUT_S)
        first = switch(uids[1])
        return first, [switch(uids[k % 2]) for k in range(count)]
    finally:
        error_display.report_to(None)
        window.close()
        window.deleteLater()
        store.close()
        QtWidgets.QApplication.processEvents()


def settle(app: Any) -> None:
    """Let the event loop finish what a switch scheduled (caliper sync, status, timers) for 30 ms."""
    end = time.perf_counter() + 0.03
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.002)


# -- report ---------------------------------------------------------------------------------------------
def _fmt(value: float | None, unit: str = "s") -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if unit == "s" else f"{value * 1000:.0f}"


def _ratio(ours: float | None, other: float | None) -> str:
    return f"{ours / other:.2f}×" if ours and other else "—"


def report_launches(cases: list[dict[str, Any]], runs: int) -> list[tuple[str, bool]]:
    """Print the launch table, the ratios and the breakdown of ours; (goal, met) pairs."""
    window = "offscreen" if child_env().get("QT_QPA_PLATFORM") == "offscreen" else "on screen"
    print(f"\nLaunch → first image: median of {runs} fresh process(es), seconds from spawn "
          f"(window {WINDOW_SIZE[0]}×{WINDOW_SIZE[1]}, {window}; page cache and bytecode warm)")
    print(f"{'case':58} {'contender':44} {FIRST:>11} {COMPLETE:>9}")
    checks: list[tuple[str, bool]] = []
    for case in cases:
        info = case["info"]
        if case.get("skipped"):
            print(f"{case['name']:58} skipped: {case['skipped']}")
            continue
        if case["error"]:
            print(f"{case['name']:58} FAILED: {case['error']}")
            checks.append((f"{case['name']}: launch measured", False))
            continue
        shape = "×".join(str(n) for n in info.get("shape", []))
        label = case["name"]
        for contender, runs_of in case["results"].items():
            print(f"{label:58} {contender:44} {_fmt(median_seconds(runs_of, FIRST)):>11} "
                  f"{_fmt(median_seconds(runs_of, COMPLETE)):>9}")
            label = ""
        if case.get("note"):
            print(f"{'':58}   note: {case['note']}")
        print(f"{'':58}   opened: {info['subject']} {info['visit']} ({shape}, "
              f"{'compare view' if info['compare'] else 'single view'}) from {info['series_path']}")
        results = case["results"]
        ours_first, ours_all = median_seconds(results[APP], FIRST), median_seconds(results[APP], COMPLETE)
        for other in (c for c in results if c != APP):
            print(f"{'':58}   ratio ours / {other}: {_ratio(ours_first, median_seconds(results[other], FIRST))} "
                  f"({FIRST}), {_ratio(ours_all, median_seconds(results[other], COMPLETE))} ({COMPLETE})")
        if ours_first is not None:
            checks.append((f"{case['name']}: first image {ours_first:.2f} s ≤ {GOAL_FIRST_IMAGE_S} s",
                           ours_first <= GOAL_FIRST_IMAGE_S))
    for case in cases:
        if not case.get("skipped") and not case["error"]:
            report_breakdown(case)
    return checks


def report_breakdown(case: dict[str, Any]) -> None:
    """Where the launch time of ours goes: median time of each step (from the previous stamp)."""
    runs = case["results"][APP]
    print(f"\nWhere the time goes, {APP}, {case['name']} (medians; step = since the previous stamp):")
    steps = sorted((at, stamp, what) for stamp, what in APP_STEPS if (at := median_seconds(runs, stamp)) is not None)
    previous = 0.0
    for at, stamp, what in steps:
        print(f"  {at:6.3f} s  +{at - previous:6.3f} s  {stamp:18} {what}")
        previous = at


def report_switches(switches: dict[str, dict[str, Any]], count: int) -> list[tuple[str, bool]]:
    """Print the switch table and ratios; (goal, met) pairs."""
    print(f"\nTime-point switch: median of {count} switches in one process, ms from show_timepoint "
          "(showing = reading.is_showing / compare filled; painted = the view painted it)")
    print(f"{'case':52} {'contender':42} {'showing':>8} {'painted':>8} {'preview':>8}   first (uncached) switch")
    checks: list[tuple[str, bool]] = []
    for name, result in switches.items():
        if "skipped" in result:
            print(f"{name:52} skipped: {result['skipped']}")
            continue
        if "error" in result:
            print(f"{name:52} FAILED: {result['error']}")
            checks.append((f"{name}: switch measured", False))
            continue
        label = name
        for contender in (CACHED, RELOAD, COMPARE):
            row = result[contender]
            first = row["first"]
            first_text = (f"preview {_fmt(first['preview'], 'ms')} ms, " if first["preview"] is not None else "") + \
                f"showing {_fmt(first['showing'], 'ms')} ms, painted {_fmt(first['painted'], 'ms')} ms"
            print(f"{label:52} {contender:42} {_fmt(row['showing'], 'ms'):>8} {_fmt(row['painted'], 'ms'):>8} "
                  f"{_fmt(row['preview'], 'ms'):>8}   {first_text}")
            label = ""
        cached, reload = result[CACHED], result[RELOAD]
        print(f"{'':52}   ratio {RELOAD} / {CACHED}: {_ratio(reload['painted'], cached['painted'])} (painted), "
              f"{_ratio(reload['showing'], cached['showing'])} (showing)")
        for contender in (CACHED, COMPARE):
            painted = result[contender]["painted"]
            checks.append((f"{name}, {contender}: switch {painted * 1000:.0f} ms ≤ {GOAL_SWITCH_S * 1000:.0f} ms",
                           painted <= GOAL_SWITCH_S))
    return checks


# -- main -----------------------------------------------------------------------------------------------
def run(runs: int, switches: int, quick: bool, folder: Path) -> list[tuple[str, bool]]:
    """Build the trials, time the launches and the switches, print everything; (goal, met) pairs."""
    from recist_app.demo.store import DEFAULT_SIZE, DEFAULT_SLICES

    size, slices = (QUICK_SIZE, QUICK_SLICES) if quick else (DEFAULT_SIZE, DEFAULT_SLICES)
    started = time.perf_counter()
    trials = build_trials(folder / "trials", size, slices)
    print(f"trials built in {time.perf_counter() - started:.1f} s (demo {size}²×{slices}"
          f"{', quick' if quick else ', its real default size'}); load average {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores (other work on the machine slows every contender)", flush=True)
    every = list(CONTENDERS)
    cases: list[dict[str, Any]] = []
    demo_db, demo_reader, demo_password = trials["demo"]
    plan: list[tuple[str, dict[str, Any] | None, list[str], str]] = [
        (f"demo: worklist's first read ({demo_reader})",
         {"db": demo_db, "reader": demo_reader, "password": demo_password}, every, "")]
    real = trials["real"]
    missing = f"shared data missing ({LUNG_DATA.parent})"
    central = central_reader()[0]
    plan.append((f"real: worklist's first read ({central})",
                 {"db": real[0], "reader": real[1], "password": real[2]} if real else None, [APP], missing))
    plan.append((f"real: {A0001} opened from the worklist ({central})",
                 {"db": real[0], "reader": real[1], "password": real[2], "subject": A0001} if real else None,
                 [APP, PYDICOM] if quick else every, missing))  # a smoke run launches every contender on the demo
    for index, (name, base, contenders, why) in enumerate(plan):
        if base is None:
            cases.append({"name": name, "skipped": why, "info": {}, "error": ""})
            continue
        print(f"launching: {name} …", flush=True)
        cases.append(launch_case(name, base, contenders, runs, not quick, folder / f"case{index}",
                                 folder / "pycache"))
    worklist_first = cases[1]["info"].get("worklist_first") if not cases[1].get("skipped") else None
    if worklist_first and worklist_first != A0001:
        cases[2]["note"] = f"the worklist's first read is {worklist_first}, not {A0001}: {A0001} opened explicitly"

    print("switching time points …", flush=True)
    switch_results: dict[str, dict[str, Any]] = {}
    demo_name = f"demo STS-001 ({size}²×{slices}), Demo Reader"
    try:
        switch_results[demo_name] = switch_case(demo_db, demo_reader, demo_password, "STS-001",
                                                ("BASELINE", "WEEK 8"), ("WEEK 8", "WEEK 16"), switches)
    except Exception as exc:  # reported in the table
        switch_results[demo_name] = {"error": f"{type(exc).__name__}: {exc}"}
    a0001_name = f"real {A0001} (B / L kernel as 2 time points)"
    if trials["a0001x2"] is None:
        switch_results[a0001_name] = {"skipped": missing}
    else:
        db, reader, password = trials["a0001x2"]
        try:
            switch_results[a0001_name] = switch_case(db, reader, password, A0001, ("BASELINE", "FOLLOW-UP"),
                                                     ("BASELINE", "FOLLOW-UP"), switches)
        except Exception as exc:  # reported in the table
            switch_results[a0001_name] = {"error": f"{type(exc).__name__}: {exc}"}

    print(f"load average after the runs: {os.getloadavg()[0]:.2f}", flush=True)
    checks = report_launches(cases, runs)
    checks += report_switches(switch_results, switches)
    print()
    for goal, met in checks:
        print(f"{'PASS' if met else 'FAIL'}  {goal}")
    return checks


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run, report; 0 whether or not the goals are met."""
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description="Time launch → first image and a time-point switch.")
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per launch contender (median)")
    parser.add_argument("--switches", type=int, default=20, help="time-point switches per configuration (median)")
    parser.add_argument("--quick", action="store_true",
                        help=f"a {QUICK_SIZE}²×{QUICK_SLICES} demo, 1 run, 4 switches, no warm-up, the real study "
                             "against the pydicom floor only (smoke test)")
    args = parser.parse_args(argv)
    runs, switches = (1, 4) if args.quick else (max(args.runs, 1), max(args.switches, 2))
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="bench-reading-") as folder:
        run(runs, switches, args.quick, Path(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
