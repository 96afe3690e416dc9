"""The PDF report per subject × read, and the trial's report with one page set per read (issue 7).

Each page set: a cover (trial, pseudonymised subject id, site, arm, reader, outcome, engine and
rules versions), key images of every target lesion at every time point with the caliper drawn
(:mod:`~recist_app.exports.pdf.key_images`), the lesion table, the response table with the engine's
rationales, the in-field / out-of-field subsets, best response and PFS
(:mod:`~recist_app.exports.pdf.tables`), the subject's plot
(:mod:`~recist_app.exports.plots.subject`) and the reader's signature block. Every page carries the
subject, the reader, the versions and "page i of n" of its set. Rendered without a display.

Library: **ReportLab** (BSD licence, maintained by ReportLab Inc. since 2000 with several releases a
year). The report is mostly text and tables, and ReportLab's Platypus wraps text inside table
cells, splits long tables across pages repeating their header, embeds TrueType fonts (full Unicode:
−, ≤, ≥) and writes bookmarks and document metadata. matplotlib's ``PdfPages`` only stacks figures,
so wrapping and page breaking would have to be hand-made. Pillow draws every picture: the key images and the plots
(:mod:`~recist_app.exports.plots.charts`).

:func:`run_task` draws, in a worker process, one task of the ``pdf`` export format
(:mod:`recist_app.exports.pdf.writer`): a read's PDF, the trial summary's pages (response and PFS by arm; issue 18,
:mod:`~recist_app.exports.pdf.trial_pages`) or one of the summary's plots.
"""

from __future__ import annotations

import functools
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from PIL import Image as PILImage
from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)

from recist_app.exports.collect import ExportedRead, TrialData
from recist_app.exports.job import ExportJob
from recist_app.exports.pdf.key_images import (
    TILES_PER_ROW,
    VolumeCache,
    jpeg_bytes,
    lesion_image,
    lesion_tiles,
    window_for,
)
from recist_app.exports.pdf.style import (
    BOLD,
    BOTTOM_MARGIN_PT,
    CONTENT_HEIGHT_PT,
    CONTENT_WIDTH_PT,
    FONT,
    MARGIN_PT,
    PAGE_SIZE,
    TOP_MARGIN_PT,
    esc,
    heading,
    styles,
)
from recist_app.exports.pdf.tables import (
    cover,
    lesion_tables,
    outcome_table,
    response_table,
    signature_block,
    subset_table,
)
from recist_app.exports.pdf.trial_pages import trial_story
from recist_app.exports.pdf.writer import (
    REPORT_TITLE,
    PdfResult,
    PdfTask,
    SummaryPdfTask,
    TrialPlotTask,
)
from recist_app.exports.plots.charts import TRIAL_PLOTS, trial_plot
from recist_app.exports.plots.data import ReadPlotData, from_exported
from recist_app.exports.plots.subject import subject_png
from recist_app.exports.plots.writer import provenance_of, read_stem
from recist_app.exports.trial_summary import trial_summary
from recist_app.model.records import Lesion
from recist_app.sdtm.response_tables import day_number

#: Width of one key image in the PDF (two lesions of up to five time points fit a page).
TILE_PT = 136.0
#: Resolution of the trial plots in the summary (they fill a landscape page's width).
SUMMARY_PLOT_DPI = 120
#: What ReportLab's page frame keeps of the content box (6 pt padding on each side).
FRAME_PADDING_PT = 12.0
_STATUS_WORDS = {"DISAPPEARED": "disappeared (0 mm)", "TOO SMALL TO MEASURE": "too small to measure (5 mm)",
                 "NOT ASSESSED": "not assessed", "SPLIT": "split", "TUMOR MERGED": "merged (0 mm)"}


@dataclass
class ReadAssets:
    """The pictures of one read, rendered once as PNG files and used by every PDF it appears in."""

    read: ExportedRead
    data: ReadPlotData
    lesion_images: list[tuple[str, str, Path, int]] = field(default_factory=list)
    plot: Path | None = None

    @property
    def stem(self) -> str:
        """File stem of the read: 'STS-001_investigator'."""
        return read_stem(self.data)


def render_assets(read: ExportedRead, folder: Path, job: ExportJob, provenance: str,
                  plot_png: Path | None = None) -> ReadAssets:
    """Key-image rows of every target lesion and the subject plot of ``read``, as JPEGs under ``folder``; the plot
    is ``plot_png`` (the ``plots`` format's picture) when given, else drawn here with ``provenance`` in its footer."""
    assets = ReadAssets(read, from_exported(read))
    snapshot = read.snapshot
    volumes = VolumeCache(snapshot)
    engine = {tp.visit_id: tp for tp in read.report.read.timepoints}
    numbers = read.visit_numbers
    days = {tp.uid: _day_text(read, tp.scan_date) for tp in snapshot.timepoints}
    stem = assets.stem
    targets = sorted((lesion for lesion in snapshot.lesions if lesion.role.value == "TARGET"), key=lambda x: x.label)
    for number, lesion in enumerate(targets, start=1):
        job.check()
        statuses = {}
        for tp in snapshot.timepoints:
            observation = engine[str(numbers[tp.uid])].by_lesion.get(lesion.label)
            if observation is not None and observation.status.value != "MEASURED":
                statuses[tp.uid] = _STATUS_WORDS.get(observation.status.value, observation.status.value.lower())
            elif observation is not None and observation.radiation_induced:
                statuses[tp.uid] = "radiation-induced (A9)"
        tiles = lesion_tiles(snapshot, lesion, volumes, statuses, days)
        for tile in tiles:
            if tile.note:
                job.note(f"PDF report {read.subject_id} {read.evaluator_id or read.evaluator}, "
                         f"{tile.timepoint.visit}: {tile.note[0].lower()}{tile.note[1:]}")
        path = folder / f"{stem}_lesion{number}.jpg"
        path.write_bytes(lesion_image(lesion, tiles))
        name, centre, width = window_for(lesion.organ)
        window = f"{name} window W{width:.0f} L{centre:.0f}".replace("-", "−")
        assets.lesion_images.append((_lesion_heading(lesion), window, path, min(len(tiles), TILES_PER_ROW)))
    job.check()
    assets.plot = folder / f"{stem}_plot.jpg"
    if plot_png is not None:
        assets.plot.write_bytes(_jpeg_of(plot_png))
    else:
        assets.plot.write_bytes(jpeg_bytes(subject_png(assets.data, provenance)))
    return assets


def _day_text(read: ExportedRead, when: date | None) -> str:
    if when is None:
        return ""
    return f"day {day_number(read.start_date, when)}"


def _lesion_heading(lesion: Lesion) -> str:
    where = lesion.organ or "location not given"
    kind = "node, short axis" if lesion.nodal else "long axis"
    field_text = "irradiated (in-field)" if lesion.irradiated else "non-irradiated (out-of-field)"
    return f"{lesion.label} · {where} · {kind} · {field_text}"


#: The watermark of every page of a read not signed at every time point (issue 18: a draft looks like one).
DRAFT_MARK = "DRAFT · not signed"


def draft_mark(read: ExportedRead) -> str:
    """:data:`DRAFT_MARK` while a time point of ``read`` is unsigned, else ``""``."""
    signed = read.signed_timepoint_uids
    return DRAFT_MARK if any(tp.uid not in signed for tp in read.timepoints) else ""


class _SetStart(Flowable):
    """Zero-size marker opening a read's page set: names the set, bookmarks it, and says whether it is a draft."""

    def __init__(self, key: str, header: str, title: str, draft: str = "") -> None:
        super().__init__()
        self.key, self.header, self.title, self.draft = key, header, title, draft

    def wrap(self, *_: float) -> tuple[float, float]:
        return 0.0, 0.0

    def draw(self) -> None:
        canvas: Any = self.canv
        canvas.set_key, canvas.set_header, canvas.set_draft = self.key, self.header, self.draft
        canvas.marks.append((self.key, self.title, 0))


class _Bookmark(Flowable):
    """Zero-size marker adding a section bookmark under the current page set."""

    def __init__(self, key: str, title: str) -> None:
        super().__init__()
        self.key, self.title = key, title

    def wrap(self, *_: float) -> tuple[float, float]:
        return 0.0, 0.0

    def draw(self) -> None:
        canvas: Any = self.canv
        canvas.marks.append((self.key, self.title, 1))


class _PageSetCanvas(Canvas):
    """A canvas that decorates pages at the end, so each knows 'page i of n' within its set.

    Pages are kept until :meth:`save`; bookmarks (``marks``: key, title, level) are added then,
    when each page is really written, so that they point at their own page.
    """

    def __init__(self, *args: Any, footer_text: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_key, self.set_header, self.set_draft, self.footer_text = "", "", "", footer_text
        self.marks: list[tuple[str, str, int]] = []
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self.marks = []
        self._startPage()

    def save(self) -> None:
        totals = Counter(page["set_key"] for page in self._pages)
        seen: Counter[str] = Counter()
        for page in self._pages:
            self.__dict__.update(page)
            seen[self.set_key] += 1
            self._decorate(seen[self.set_key], totals[self.set_key])
            for key, title, level in self.marks:
                self.bookmarkPage(key)
                self.addOutlineEntry(title, key, level=level, closed=False)
            super().showPage()
        super().save()

    def _decorate(self, number: int, total: int) -> None:
        width, height = PAGE_SIZE
        self.saveState()
        self.setStrokeColor(colors.HexColor("#888888"))
        self.setLineWidth(0.5)
        self.line(MARGIN_PT, height - TOP_MARGIN_PT + 12, width - MARGIN_PT, height - TOP_MARGIN_PT + 12)
        self.line(MARGIN_PT, BOTTOM_MARGIN_PT - 10, width - MARGIN_PT, BOTTOM_MARGIN_PT - 10)
        self.setFont(BOLD, 8.5)
        self.drawString(MARGIN_PT, height - TOP_MARGIN_PT + 17, self.set_header)
        self.setFont(FONT, 8)
        self.drawRightString(width - MARGIN_PT, height - TOP_MARGIN_PT + 17, REPORT_TITLE)
        self.setFont(FONT, 7)
        self.setFillColor(colors.HexColor("#555555"))
        self.drawString(MARGIN_PT, BOTTOM_MARGIN_PT - 20, self.footer_text)
        self.drawRightString(width - MARGIN_PT, BOTTOM_MARGIN_PT - 20, f"Page {number} of {total}")
        if self.set_draft:  # across the page, light enough to read through
            self.setFillColor(colors.HexColor("#c62828"))
            self.setFillAlpha(0.13)
            self.setFont(BOLD, 64)
            self.translate(width / 2, height / 2)
            self.rotate(45)
            self.drawCentredString(0, -20, self.set_draft)
        self.restoreState()


def read_story(assets: ReadAssets, data: TrialData, first: bool) -> list[Flowable]:
    """The flowables of one read's page set (starting on a new page unless ``first``)."""
    read, key, who = assets.read, assets.stem, assets.data.reader_label
    header = f"{data.trial.code} · Subject {read.subject_id} · {who}: {read.snapshot.reader.name}"
    story: list[Flowable] = [] if first else [PageBreak()]
    story += [_SetStart(key, header, f"{read.subject_id} · {who}", draft_mark(read)), *cover(read, data, who),
              PageBreak(),
              _Bookmark(f"{key}-images", "Key images"), heading("Key images of the target lesions")]
    if not assets.lesion_images:
        story.append(Paragraph("This read has no target lesion.", styles()["body"]))
    for title, window, path, tiles in assets.lesion_images:
        story.append(KeepTogether([heading(title, "h2"), _image(path, tiles * TILE_PT),
                                   Paragraph(f"Caliper in yellow on the measured slice; {esc(window)}; every image of "
                                             "this lesion shows the same field of view.", styles()["small"]),
                                   Spacer(1, 6)]))
    story += [PageBreak(), _Bookmark(f"{key}-tables", "Tables"), *lesion_tables(read), Spacer(1, 10),
              *response_table(read), Spacer(1, 10), *subset_table(read), Spacer(1, 10), *outcome_table(read),
              PageBreak(), _Bookmark(f"{key}-plots", "Plots and signatures"), heading("Plots")]
    if assets.plot is not None:
        story.append(_image(assets.plot, CONTENT_WIDTH_PT))
    story += [Spacer(1, 8), KeepTogether(signature_block(read))]
    return story


def _image(path: Path, width_pt: float) -> Image:
    image = Image(str(path), hAlign="LEFT")
    scale = width_pt / image.imageWidth
    image.drawWidth, image.drawHeight = width_pt, image.imageHeight * scale
    return image


def build_pdf(path: Path, reads: Sequence[ReadAssets], data: TrialData, title: str,
              opening: Sequence[Flowable] = ()) -> None:
    """Write one PDF with a page set per read in ``reads``, after the ``opening`` page set (the trial summary)."""
    footer_text = (f"{data.trial.code} · engine {data.engine_version} · rules {data.rules_version} · exported "
                   f"{data.exported_at} UTC")
    document = SimpleDocTemplate(str(path), pagesize=PAGE_SIZE, leftMargin=MARGIN_PT, rightMargin=MARGIN_PT,
                                 topMargin=TOP_MARGIN_PT, bottomMargin=BOTTOM_MARGIN_PT, title=title,
                                 author="recist-workstation", subject=f"{data.trial.code} tumour response",
                                 creator=f"recist-workstation (engine {data.engine_version})")
    story: list[Flowable] = list(opening)
    for index, assets in enumerate(reads):
        story += read_story(assets, data, first=index == 0 and not opening)
    document.build(story, canvasmaker=functools.partial(_PageSetCanvas, footer_text=footer_text))


def summary_story(data: TrialData, folder: Path, pictures: Sequence[bytes]) -> list[Flowable]:
    """The trial summary's page set (:mod:`recist_app.exports.pdf.trial_pages`), a draft while a read is: the tables,
    then the spider, waterfall and swimmer plots of the reads analysed (``pictures``: their JPEGs, of
    :func:`~recist_app.exports.pdf.writer.summary_plots` or the ``plots`` format's; written under ``folder``)."""
    draft = next((mark for read in data.reads if (mark := draft_mark(read))), "")
    header = f"{data.trial.code} · Trial summary · {len(data.subjects)} subject(s)"
    story = [_SetStart("trial-summary", header, "Trial summary", draft), *trial_story(trial_summary(data))]
    for name, picture in zip(TRIAL_PLOTS, pictures, strict=True):
        path = folder / f"trial_{name}.jpg"
        path.write_bytes(picture)
        image = _image(path, CONTENT_WIDTH_PT - FRAME_PADDING_PT)
        tallest = CONTENT_HEIGHT_PT - FRAME_PADDING_PT
        if image.drawHeight > tallest:  # a tall swimmer: the page's height bounds it
            image.drawWidth, image.drawHeight = image.drawWidth * tallest / image.drawHeight, tallest
        story += [PageBreak(), _Bookmark(f"trial-{name}", name.capitalize()), image]
    return story


def run_task(task: PdfTask) -> PdfResult:
    """Draw one task of the ``pdf`` format (:func:`recist_app.exports.pdf.writer.write_pdf`), in a worker process."""
    if isinstance(task, TrialPlotTask):
        return jpeg_bytes(trial_plot(task.name, task.reads, task.title, "").png(SUMMARY_PLOT_DPI))
    with tempfile.TemporaryDirectory(prefix="recist-pdf-") as scratch:
        if isinstance(task, SummaryPdfTask):
            pictures = task.pictures or tuple(_jpeg_of(png) for png in task.pngs)
            build_pdf(task.path, [], task.data, "Trial summary", summary_story(task.data, Path(scratch), pictures))
            return task.path
        read = task.read
        job = ExportJob(Path(scratch), 1)
        assets = render_assets(read, Path(scratch), job, provenance_of(task.data), task.plot_png)
        evaluator = read.evaluator_id or read.evaluator
        build_pdf(task.path, [assets], task.data, f"{REPORT_TITLE}: {read.subject_id} ({evaluator})")
        return task.path, tuple(job.notes)


def _jpeg_of(png: Path) -> bytes:
    with PILImage.open(png) as picture:
        return jpeg_bytes(picture)
