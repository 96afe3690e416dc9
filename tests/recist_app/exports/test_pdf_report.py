"""The PDF report (issue 7): one page set per subject × read, key images with calipers, tables with
rationales, plots and the signature block, rendered without a display.

The demo trial (three subjects, small phantom images) is built once for the module; the site
radiologist signs STS-001's baseline; the ``pdf`` and ``plots`` formats are exported once.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image
from pypdf import PdfReader

from assessment import ENGINE_VERSION
from recist_app.demo.store import DemoTrial, build_demo_trial
from recist_app.exports.collect import ExportedRead, TrialData, evaluate_read
from recist_app.exports.errors import ExportCancelledError
from recist_app.exports.files import ExportedFile
from recist_app.exports.job import ExportJob
from recist_app.exports.pdf.key_images import VolumeCache, lesion_tiles
from recist_app.exports.pdf.report import (
    DRAFT_MARK,
    SUMMARY_PLOT_DPI,
    draft_mark,
    render_assets,
    run_task,
    summary_story,
)
from recist_app.exports.pdf.writer import TRIAL_REPORT, drawn_summary_plots, summary_plots, write_pdf
from recist_app.exports.plots.charts import TRIAL_PLOTS
from recist_app.exports.plots.style import PNG_DPI
from recist_app.exports.plots.writer import trial_plot_png, write_plots
from recist_app.exports.pool import WORKERS_VARIABLE
from recist_app.exports.runner import FORMATS, ExportResult, export_trial
from recist_app.model.records import MeasurementPlane, ReadTimepoint
from recist_app.store import TrialStore, signoff

pytestmark = pytest.mark.slow

SUBJECTS = ("STS-001", "STS-002", "STS-003")
PAGE = re.compile(r"Page (\d+) of (\d+)")
SUBJECT = re.compile(r"Subject (STS-\d{3})")


@dataclass(frozen=True)
class Exported:
    demo: DemoTrial
    result: ExportResult
    reads: dict[str, ExportedRead]
    signed_at: str

    def pdf(self, name: str) -> Path:
        return self.result.out_dir / "pdf" / name


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exported]:
    """The demo trial (128 px, 16 slices), STS-001's baseline signed, exported as ``pdf`` and ``plots`` (asked in that
    order) by two worker processes."""
    folder = tmp_path_factory.mktemp("pdf")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(WORKERS_VARIABLE, "2")
        patch.setattr(signoff, "SCRYPT_N", 2**10)
        patch.setitem(FORMATS, "pdf", write_pdf)
        patch.setitem(FORMATS, "plots", _marked_plots)
        demo = build_demo_trial(folder / "demo.sqlite", folder / "images", size=128, slices=16)
        with TrialStore.open(demo.db) as store:
            session = store.reader_session(demo.demo_reader.uid, "STS-001", password=demo.demo_reader.password)
            baseline = min(session.snapshot().timepoints, key=lambda tp: tp.scan_date or tp.uid)
            signed = session.sign(baseline.uid, demo.demo_reader.password)
            result = export_trial(store, folder / "export", formats=["pdf", "plots"])
            login = store.log_in(demo.demo_reader.uid, demo.demo_reader.password)
            reads = {s: evaluate_read(store.reader_session(login, s).snapshot(), store.profile) for s in SUBJECTS}
        yield Exported(demo, result, reads, signed.signed_at or "")


#: The corner of every subject plot that :func:`_marked_plots` paints black, so that the PDF shows whose picture it is.
MARK_PX = 24


def _marked_plots(data: TrialData, job: ExportJob) -> tuple[ExportedFile, ...]:
    """The ``plots`` format, each subject plot's top-left corner then painted black."""
    files = write_plots(data, job)
    for path in (job.folder / "plots" / "subjects").glob("*.png"):
        with Image.open(path) as png:
            marked = png.convert("RGB")
        marked.paste((0, 0, 0), (0, 0, MARK_PX, MARK_PX))
        marked.save(path)
    return files


def _text(reader: PdfReader) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def test_one_pdf_per_read_and_the_trial_report(exported: Exported) -> None:
    names = sorted(Path(f.path).name for f in exported.result.files if f.format == "pdf")
    assert names == sorted([f"{s}_investigator.pdf" for s in SUBJECTS] + [TRIAL_REPORT])
    metadata = PdfReader(exported.pdf(TRIAL_REPORT)).metadata
    assert metadata is not None and ENGINE_VERSION in (metadata.creator or "")


def test_the_trial_report_has_one_page_set_per_subject(exported: Exported) -> None:
    report = PdfReader(exported.pdf(TRIAL_REPORT))
    sets: list[tuple[str, list[int], int]] = []
    for text in _text(report):
        subject, page = SUBJECT.search(text), PAGE.search(text)
        name = subject.group(1) if subject else "summary" if "Trial summary" in text else None
        assert name and page, text[:200]
        number, total = int(page.group(1)), int(page.group(2))
        if number == 1:
            sets.append((name, [], total))
        assert sets[-1][0] == name and sets[-1][2] == total
        sets[-1][1].append(number)
    assert [s for s, _, _ in sets] == ["summary", *SUBJECTS]  # issue 18: the trial summary opens the report
    for subject, numbers, total in sets[1:]:
        single = PdfReader(exported.pdf(f"{subject}_investigator.pdf"))
        assert numbers == list(range(1, total + 1)) and len(single.pages) == total >= 5, subject
    outline = [item for item in report.outline if not isinstance(item, list)]
    starts = [report.get_destination_page_number(item) for item in outline]
    assert [item.title.split(" · ")[0] for item in outline] == ["Trial summary", *SUBJECTS]
    sizes = [len(sets[0][1]), *(len(PdfReader(exported.pdf(f"{s}_investigator.pdf")).pages) for s in SUBJECTS)]
    assert starts == [sum(sizes[:index]) for index in range(len(sizes))]
    assert len(report.pages) == sum(sizes) and report.metadata.title.endswith(exported.demo.trial_code)


def test_the_report_holds_ids_tables_rationales_and_signatures(exported: Exported) -> None:
    read = exported.reads["STS-001"]
    text = " ".join(_text(PdfReader(exported.pdf("STS-001_investigator.pdf"))))
    for needle in ("Tumour response report", "STS-001", "SBRT + atezolizumab", "Demo Reader", ENGINE_VERSION,
                   "Key images of the target lesions", "Lesion measurements (mm)", "disappeared (0)",
                   "Response by time point, with rationales", "Irradiated (in-field) and non-irradiated",
                   "Best overall response and PFS", "Reader's signatures", "not signed", exported.signed_at):
        assert needle in text, needle
    for tp in read.report.recist.timepoints:  # every rationale, whole (wrapped, never clipped)
        assert " ".join(tp.rationale.split()) in text, tp.rationale
    three = " ".join(_text(PdfReader(exported.pdf("STS-003_investigator.pdf"))))
    assert "iCPD" in three and "<= 1.33" in three and "STS-001" not in three


def test_a_read_not_signed_at_every_time_point_is_marked_draft_on_every_page(exported: Exported) -> None:
    """Issue 18: STS-001's read is signed at baseline only: a draft, on every page; signed throughout, it is not."""
    pages = _text(PdfReader(exported.pdf("STS-001_investigator.pdf")))
    assert pages and all(DRAFT_MARK in page for page in pages)
    read = exported.reads["STS-001"]
    assert draft_mark(read) == DRAFT_MARK
    signed = tuple(dataclasses.replace(rt, signed_at=exported.signed_at) for rt in read.snapshot.read_timepoints)
    missing = {tp.uid for tp in read.timepoints} - {rt.timepoint_uid for rt in signed}
    signed += tuple(ReadTimepoint(uid, signed_at=exported.signed_at) for uid in missing)
    assert draft_mark(dataclasses.replace(read, snapshot=dataclasses.replace(read.snapshot,
                                                                              read_timepoints=signed))) == ""


def test_the_pdf_images_are_not_blank(exported: Exported) -> None:
    report = PdfReader(exported.pdf("STS-001_investigator.pdf"))
    images = [image for page in report.pages for image in page.images]
    assert len(images) == 4 + 1  # a key-image row per target lesion, the subject plot
    for image in images:
        pixels = np.asarray(image.image.convert("L"), dtype=float)
        assert pixels.shape[1] > 600 and pixels.std() > 20, image.name
        assert len(np.unique(pixels)) > 50, image.name


def test_the_pdf_shows_the_subject_plot_the_plots_format_drew(exported: Exported) -> None:
    """Issue 18: asked after the PDF, the plots still run first, and each read's PDF embeds its subject plot as
    drawn for ``plots`` (footer included) instead of drawing it again."""
    assert exported.result.formats == ("plots", "pdf")
    for subject in SUBJECTS:
        plot = PdfReader(exported.pdf(f"{subject}_investigator.pdf")).pages[-1].images[0].image
        with Image.open(exported.result.out_dir / "plots" / "subjects" / f"{subject}_investigator.png") as png:
            drawn = np.asarray(png.convert("L"), dtype=float)
        shown = np.asarray(plot.convert("L"), dtype=float)
        assert shown.shape == drawn.shape, subject
        assert np.abs(shown - drawn).mean() < 2.0, subject  # the same picture, through JPEG
        assert shown[:MARK_PX - 4, :MARK_PX - 4].max() < 40, subject  # with the mark painted after plots drew it


def test_pages_render_with_a_pdf_reader(exported: Exported) -> None:
    """PDFium (Chrome's PDF engine) renders every page at 40 dpi; the key images page is not blank."""
    path = exported.pdf("STS-003_investigator.pdf")
    document = pdfium.PdfDocument(path)
    try:
        greys = [np.asarray(document[number].render(scale=40 / 72).to_pil().convert("L"), dtype=float)
                 for number in range(len(document))]
    finally:
        document.close()
    assert len(greys) == len(PdfReader(path).pages)
    assert all(grey.shape[0] > 100 and grey.shape[1] > 100 for grey in greys)
    assert greys[1].std() > 30  # the key images page


def test_calipers_lie_on_the_lesion(exported: Exported) -> None:
    snapshot = exported.reads["STS-001"].snapshot
    volumes = VolumeCache(snapshot)
    for label in ("T01", "T04"):
        lesion = snapshot.lesion(label)
        tiles = lesion_tiles(snapshot, lesion, volumes, {}, {})
        baseline = tiles[0]
        assert baseline.pixels is not None and baseline.caliper is not None
        assert baseline.label == f"{label} {'32.0' if label == 'T01' else '30.0'} mm"
        (c1, r1), (c2, r2) = baseline.caliper
        left, right, bottom, top = baseline.extent
        assert left < min(c1, c2) <= max(c1, c2) < right and top < min(r1, r2) <= max(r1, r2) < bottom
        col, row = round((c1 + c2) / 2 - left - 0.5), round((r1 + r2) / 2 - top - 0.5)
        background = {"T01": -850, "T04": 60}[label]  # lung, liver parenchyma
        lesion_hu = {"T01": 35, "T04": 20}[label]
        assert abs(int(baseline.pixels[row, col]) - lesion_hu) < abs(int(baseline.pixels[row, col]) - background)
    t02 = lesion_tiles(snapshot, snapshot.lesion("T02"), volumes, {}, {})
    assert t02[2].caliper is None and t02[2].pixels is not None  # disappeared: its place, no caliper


def test_a_line_measured_on_a_reformat_is_flagged_and_not_drawn_as_axial(exported: Exported) -> None:
    """VIEWER.md "Reformats": the tile says the plane; drawn on an axial slice the line would be its projection."""
    snapshot = exported.reads["STS-001"].snapshot
    t01 = snapshot.lesion("T01")
    baseline = snapshot.timepoints[0].uid
    old = next(m for m in snapshot.measurements if m.lesion_uid == t01.uid and m.timepoint_uid == baseline)
    coronal = dataclasses.replace(old, line=dataclasses.replace(old.line, plane=MeasurementPlane.CORONAL))
    changed = dataclasses.replace(snapshot, measurements=tuple(coronal if m is old else m
                                                               for m in snapshot.measurements))
    tiles = lesion_tiles(changed, t01, VolumeCache(changed), {baseline: "measured"}, {})
    assert tiles[0].label == "T01 32.0 mm · COR" and tiles[0].caliper is None and tiles[0].pixels is not None
    assert tiles[0].status == "measured; measured on the coronal reformat"
    assert tiles[1].caliper is not None and not tiles[1].label.endswith("COR")  # the axial ones as before


def test_a_missing_series_gives_a_note_not_a_failure(exported: Exported, tmp_path: Path) -> None:
    read = exported.reads["STS-002"]
    moved = tuple(dataclasses.replace(tp, series=tuple(dataclasses.replace(s, path=str(tmp_path / "gone"))
                                                       for s in tp.series)) for tp in read.snapshot.timepoints)
    read = dataclasses.replace(read, snapshot=dataclasses.replace(read.snapshot, timepoints=moved))
    job = ExportJob(tmp_path, 1)
    assets = render_assets(read, tmp_path, job, "provenance")
    assert len(assets.lesion_images) == 3 and all(path.stat().st_size > 0 for *_, path, _ in assets.lesion_images)
    assert assets.plot is not None  # without the plots format, the PDF draws the subject plot itself
    with Image.open(assets.plot) as plot:
        assert plot.format == "JPEG" and plot.size == (round(11 * PNG_DPI), round(4.4 * PNG_DPI))
    assert job.notes and all("could not be loaded" in note for note in job.notes)


def test_a_cancelled_pdf_export_leaves_nothing(exported: Exported, tmp_path: Path) -> None:
    cancel = threading.Event()
    with pytest.MonkeyPatch.context() as patch, TrialStore.open(exported.demo.db) as store:
        patch.setitem(FORMATS, "pdf", write_pdf)
        patch.setitem(FORMATS, "plots", _marked_plots)
        with pytest.raises(ExportCancelledError):
            export_trial(store, tmp_path / "out", formats=["pdf"], cancel=cancel,
                         on_progress=lambda done, total: cancel.set() if done >= 4 else None)  # 1st PDF written
    assert list(tmp_path.iterdir()) == []


def test_the_trial_summary_gives_rates_with_exact_intervals_and_pfs_by_arm(exported: Exported) -> None:
    """Issue 18: per arm the response and disease control rates with their Clopper–Pearson intervals, Kaplan–Meier
    PFS (STS-003's PD on day 92 halves the two-subject arm), BOR × iBOR, in-field / out-of-field; on the first page
    of the trial report."""
    from recist_app.adam.statistics import clopper_pearson
    from recist_app.exports.collect import build_trial_data, select_subjects
    from recist_app.exports.trial_summary import trial_summary

    with TrialStore.open(exported.demo.db) as store:
        subjects = select_subjects(store.subjects(), None)
        data = build_trial_data(store.trial, store.profile, subjects,
                                store.read_snapshots(s.subject_id for s in subjects), "2026-01-01T00:00:00Z")
    summary = trial_summary(data)
    arms = {arm.arm: arm for arm in summary.arms}
    assert set(arms) == {"SBRT", "SBRT + atezolizumab"} and summary.parameter == "BOR"
    combined, alone = arms["SBRT + atezolizumab"], arms["SBRT"]
    assert (combined.subjects, combined.response.count, combined.disease_control.count) == (2, 1, 2)
    assert combined.response.interval == clopper_pearson(1, 2) and alone.response.count == 0
    three = exported.reads["STS-003"].outcome.pfs
    assert (combined.pfs_events, combined.median_pfs_days, three.censored) == (1, three.days, False)
    assert not combined.pfs.reached  # no subject followed to day 183
    assert summary.cross == {("PR", "iPR"): 1, ("SD", "iSD"): 2}
    assert combined.in_field == {"PR": 2} and sum(alone.out_of_field.values()) == 1
    report = PdfReader(exported.pdf(TRIAL_REPORT))
    first = _text(report)[0]
    low, high = (100 * bound for bound in clopper_pearson(1, 2))
    assert "Trial summary" in first and f"1/2 (50.0 %) [{low:.1f}, {high:.1f}]" in first
    plots = report.outline[1]  # the summary's own bookmarks: a page per trial plot, each one picture
    assert isinstance(plots, list) and [item.title for item in plots] == ["Spider", "Waterfall", "Swimmer"]
    assert all(len(report.pages[report.get_destination_page_number(item)].images) == 1 for item in plots)
    for item in plots:  # the plots format drew the same reads (all the investigator's): the summary shows its PNGs
        (image,) = report.pages[report.get_destination_page_number(item)].images
        png = trial_plot_png(exported.result.out_dir, item.title.lower(), "investigator")
        with Image.open(png) as drawn:
            assert image.image.size == drawn.size, item.title


def test_the_summary_draws_its_plots_when_the_plots_format_did_not(exported: Exported, tmp_path: Path) -> None:
    from recist_app.exports.collect import build_trial_data, select_subjects

    with TrialStore.open(exported.demo.db) as store:
        subjects = select_subjects(store.subjects(), None)
        data = build_trial_data(store.trial, store.profile, subjects,
                                store.read_snapshots(s.subject_id for s in subjects), "2026-01-01T00:00:00Z")
    assert drawn_summary_plots(data, exported.result.out_dir) is not None
    assert drawn_summary_plots(data, tmp_path) is None  # no plots format in this folder
    summary_story(data, tmp_path, [cast(bytes, run_task(task)) for task in summary_plots(data)])
    for name in TRIAL_PLOTS:
        with Image.open(tmp_path / f"trial_{name}.jpg") as picture:
            assert picture.format == "JPEG" and picture.width in (12 * SUMMARY_PLOT_DPI, 14 * SUMMARY_PLOT_DPI), name
            assert np.asarray(picture.convert("L"), dtype=float).std() > 20, name
