"""The trial's subjects and reads → SDTM DM, TU, TR, RS, SUPPTU and SUPPTR, as CSV, SAS transport v5 and
Dataset-JSON (CDISC.md §1–§8, §11).

Files (in ``sdtm/`` of the export): ``dm``, ``tu``, ``tr``, ``rs``, ``supptu``, ``supptr`` as ``.csv``, ``.xpt`` and
Dataset-JSON ``.json`` (:mod:`recist_app.sdtm.dataset_json`),
``define.xml`` (Define-XML 2.1 of those datasets, :mod:`recist_app.sdtm.define_xml`), and
``subjects.csv`` (``USUBJID``, ``RANDDT``, ``TRTSDT``, ``PFS_PREV_DAYS``, ``PFS_PREV_CNSR``: the
subject table of ``assess --subjects`` and ``bor --subjects``; not an SDTM domain, CSV only).

- **DM** (SDTMIG v3.4, issue 18): one record per subject exported, from the subject table: SITEID, ARM and
  ARMCD, ACTARM once dosed (else ARMNRS), RFSTDTC and RFXSTDTC the first dose. The workstation holds no sex,
  country or age: SEX is ``U`` and the export says so (:data:`DM_NOTE`).
- **TU** (§2): one ``TUMIDENT`` record per lesion per read at its first time point, ``TUSPLIT``
  records for fragments; ``TUREFID`` the lesion's tracking UID (§2 PROPOSAL, §10).
- **TR** (§3): lesion rows (:mod:`recist_app.sdtm.lesions`), then per time point the
  summary rows the reader saw (``SUMDIAM``, ``SUMNLNLD``, ``PCBSD``, ``PCNSD``, ``ACNSD``; the
  iRECIST new-lesion-target sum as ``SUMDIAM`` under ``TRGRPID = NEW TARGET``, the group of the new lesions it
  adds up, §6 PROPOSAL);
  ``TRLNKGRP`` groups a read's rows of one visit (``A2``; ``R1-A2`` for central reader 1) and equals
  ``RSLNKGRP`` of that visit's ``OVRLRESP`` records (§1). ``TRREFID`` is the measured image's SOP
  Instance UID.
- **RS** (§4, §6, §7): the rows of :func:`recist_app.sdtm.response_tables.rs_rows` (RECIST 1.1 up to
  the first PD, iRECIST up to iCPD, protocol-defined irradiated / non-irradiated ``TRGRESP``) plus
  ``RSLNKGRP`` and ``RSACPTFL``.
- **SUPPTU** (§5, §7): ``TUPREVIR`` and ``TUIRRSTD`` (Y/N) per lesion, ``IDVAR = TULNKID``,
  ``QEVAL`` the read's evaluator; the sponsor-defined ``TULOCTXT``, the reader's location text where it says more
  than TULOC / TULAT / TUDIR (a lymph node's TULOC is ``LYMPH NODE``, its station kept there; issue 18).
- **SUPPTR** (issue 17): ``TRMEASMT`` of each diameter row (``IDVAR = TRSEQ``): ``MANUAL`` for the
  reader's caliper, ``PROPOSED`` for the measuring tool's proposal accepted as it was, ``PROPOSED EDITED``
  once the reader moved it. ``TRMETHOD`` stays the imaging method (``CT SCAN``). ``TRRECIST`` (issue 18) of each
  diameter row: ``Y`` on the diameter RECIST 1.1 uses (the long axis, a node's short axis), ``N`` on the other.
- ``--ACPTFL = Y`` on every record of the read an adjudicator accepted (§1 rule 3), null otherwise;
  ``--DY`` from the profile's reference date (randomisation or first dose).

Every table is checked against the listed terms (:func:`recist_app.sdtm.terms.check_table`)
before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from recist_app.exports.collect import ExportedRead, TrialData
from recist_app.exports.files import ExportedFile, Table, describe, write_table_csv
from recist_app.exports.job import ExportJob
from recist_app.model.records import Timepoint
from recist_app.sdtm import terms as cdisc_terms
from recist_app.sdtm.csv_io import CellValue, format_decimal
from recist_app.sdtm.design import procedure_tables, sv_table, ts_notes, ts_table, tv_table
from recist_app.sdtm.lesions import NEW_TARGET, ReadLesions, recist_diameter, tu_location
from recist_app.sdtm.response_tables import RS_COLUMNS, rs_rows, summary_values

FOLDER = "sdtm"
TU_COLUMNS = ("STUDYID", "DOMAIN", "USUBJID", "TUSEQ", "TUGRPID", "TUREFID", "TULNKID", "TUTESTCD", "TUTEST",
              "TUORRES", "TUSTRESC", "TULOC", "TULAT", "TUDIR", "TUMETHOD", "TULOBXFL", "TUEVAL", "TUEVALID",
              "TUACPTFL", "VISITNUM", "VISIT", "EPOCH", "TUDTC", "TUDY")
TR_COLUMNS = ("STUDYID", "DOMAIN", "USUBJID", "TRSEQ", "TRGRPID", "TRREFID", "TRLNKID", "TRLNKGRP", "TRTESTCD",
              "TRTEST", "TRORRES", "TRORRESU", "TRSTRESC", "TRSTRESN", "TRSTRESU", "TRSTAT", "TRREASND", "TRMETHOD",
              "TRLOBXFL", "TREVAL", "TREVALID", "TRACPTFL", "VISITNUM", "VISIT", "EPOCH", "TRDTC", "TRDY")
RS_EXPORT_COLUMNS = ("STUDYID", "DOMAIN", "USUBJID", "RSSEQ", "RSLNKGRP", "RSTESTCD", "RSTEST", "RSCAT", "RSSCAT",
                     "RSORRES", "RSSTRESC", "RSEVAL", "RSEVALID", "RSACPTFL", "VISITNUM", "VISIT", "EPOCH", "RSDTC",
                     "RSDY")
DM_COLUMNS = ("STUDYID", "DOMAIN", "USUBJID", "SUBJID", "RFSTDTC", "RFXSTDTC", "SITEID", "SEX", "ARMCD", "ARM",
              "ACTARMCD", "ACTARM", "ARMNRS", "COUNTRY")
SUPPTU_COLUMNS = ("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL", "QORIG", "QEVAL")
SUBJECTS_COLUMNS = ("USUBJID", "RANDDT", "TRTSDT", "PFS_PREV_DAYS", "PFS_PREV_CNSR")
NUMERIC = frozenset({"TUSEQ", "TRSEQ", "RSSEQ", "VISITNUM", "TUDY", "TRDY", "RSDY", "TRSTRESN"})
#: QORIG of the SUPPTU flags and SUPPTR TRMEASMT: recorded on the workstation, our data-collection tool (§1 rule 1).
QORIG = "CRF"
TR_QUALIFIER_LABELS = cdisc_terms.QUALIFIER_LABELS["SUPPTR"]


@dataclass(frozen=True)
class SdtmTables:
    """The four SDTM datasets and the subject table of one export, with notes on the mapping."""

    tu: Table
    tr: Table
    rs: Table
    supptu: Table
    supptr: Table
    dm: Table
    subjects: Table
    design: tuple[Table, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def datasets(self) -> tuple[Table, ...]:
        """DM, TU, TR, RS, SUPPTU, SUPPTR, and TS, TV, SV, PR, RELREC."""
        return (self.dm, self.tu, self.tr, self.rs, self.supptu, self.supptr, *self.design)


def sdtm_tables(data: TrialData, step: Callable[[], None] = lambda: None) -> SdtmTables:
    """DM, TU, TR, RS, SUPPTU, SUPPTR, the trial design domains and the subject table of ``data`` (``step`` after
    each read), each checked against the listed CDISC terms; built once per export (:meth:`TrialData.derived`).

    Raises
    ------
    CdiscTermError
        If a controlled value is not a term listed in CDISC.md.
    """
    return data.derived("sdtm", lambda: _build_sdtm_tables(data, step))


def _build_sdtm_tables(data: TrialData, step: Callable[[], None]) -> SdtmTables:
    tu: list[tuple[CellValue, ...]] = []
    tr: list[tuple[CellValue, ...]] = []
    supptu: list[tuple[CellValue, ...]] = []
    supptr: list[tuple[CellValue, ...]] = []
    notes: list[str] = []
    seq: dict[tuple[str, str], int] = {}
    for read in data.reads:
        lesions = ReadLesions(read)
        tu.extend(_tu_rows(read, lesions, seq))
        tr.extend(_tr_rows(read, lesions, seq, supptr))
        supptu.extend(_supptu_rows(read, lesions))
        notes.extend(lesions.notes)
        step()
    tables = SdtmTables(
        Table("TU", TU_COLUMNS, tuple(tu), NUMERIC), Table("TR", TR_COLUMNS, tuple(tr), NUMERIC),
        Table("RS", RS_EXPORT_COLUMNS, tuple(_rs_rows(data)), NUMERIC),
        Table("SUPPTU", SUPPTU_COLUMNS, tuple(supptu)), Table("SUPPTR", SUPPTU_COLUMNS, tuple(supptr)),
        _dm_table(data), _subjects_table(data),
        (ts := ts_table(data), tv_table(data), sv_table(data), *procedure_tables(data)),
        tuple(dict.fromkeys([*notes, DM_NOTE, *ts_notes(ts)])))
    for table in tables.datasets:
        cdisc_terms.check_table(table.name, table.columns, table.rows)
    return tables


def write_sdtm(data: TrialData, job: ExportJob) -> tuple[ExportedFile, ...]:
    """The ``sdtm`` export format: CSV, XPT v5 and Dataset-JSON 1.1 of DM, TU, TR, RS, SUPPTU, SUPPTR, their
    ``define.xml`` and
    ``subjects.csv``."""
    from recist_app.sdtm.dataset_json import write_dataset_json
    from recist_app.sdtm.define_xml import write_define
    from recist_app.sdtm.xpt import write_xpt

    tables = sdtm_tables(data, job.step)
    for note in tables.notes:
        job.note(note)
    folder = job.folder / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for table in tables.datasets:
        stem = table.name.lower()
        write_table_csv(folder / f"{stem}.csv", table)
        files.append(describe(folder / f"{stem}.csv", job.folder, "sdtm-csv", len(table.rows)))
        job.check()
        label = cdisc_terms.DATASET_LABELS[table.name]
        write_xpt(folder / f"{stem}.xpt", table, cdisc_terms.VARIABLE_LABELS, label)
        files.append(describe(folder / f"{stem}.xpt", job.folder, "sdtm-xpt", len(table.rows)))
        write_dataset_json(folder / f"{stem}.json", table, study=data.trial.code, created=data.exported_at,
                           labels=cdisc_terms.VARIABLE_LABELS, dataset_label=label)
        files.append(describe(folder / f"{stem}.json", job.folder, "sdtm-dataset-json", len(table.rows)))
    write_define(folder / "define.xml", tables.datasets, study=data.trial.code, created=data.exported_at)
    files.append(describe(folder / "define.xml", job.folder, "define-xml", len(tables.datasets)))
    write_table_csv(folder / "subjects.csv", tables.subjects)
    files.append(describe(folder / "subjects.csv", job.folder, "subjects-csv", len(tables.subjects.rows)))
    return tuple(files)


def _next(seq: dict[tuple[str, str], int], domain: str, subject: str) -> int:
    """The next --SEQ of ``subject`` in ``domain`` (numbered per subject, 1, 2 …)."""
    seq[(domain, subject)] = number = seq.get((domain, subject), 0) + 1
    return number


def _before_exposure(read: ExportedRead, tp: Timepoint) -> str:
    """--LOBXFL: ``Y`` on the read's baseline time point, its last observation before exposure, unless that scan is
    dated after the first dose (then no observation of the read precedes exposure)."""
    first_dose = read.snapshot.subject.first_dose_on
    if tp.uid != read.timepoints[0].uid:
        return ""
    return "" if first_dose is not None and tp.scan_date is not None and tp.scan_date > first_dose else "Y"


def _iso(when: date | None) -> str:
    return when.isoformat() if when is not None else ""


def _tu_rows(read: ExportedRead, lesions: ReadLesions, seq: dict[tuple[str, str], int]
             ) -> Iterator[tuple[CellValue, ...]]:
    subject, accepted = read.subject_id, "Y" if read.accepted else ""
    for ident in lesions.identifications():
        tp, role = ident.timepoint, lesions.category(ident.lesion)
        yield (read.report.read.study_id, "TU", subject, _next(seq, "TU", subject), ident.group, ident.lesion.uid,
               ident.link, ident.test, cdisc_terms.TU_TESTS[ident.test], role, role, *ident.location, ident.method,
               _before_exposure(read, tp), read.evaluator, read.evaluator_id, accepted,
               format_decimal(read.visit_numbers[tp.uid]), tp.visit, read.epoch(tp.scan_date), _iso(tp.scan_date),
               read.study_day(tp.scan_date) if tp.scan_date else None)


def _tr_rows(read: ExportedRead, lesions: ReadLesions, seq: dict[tuple[str, str], int],
             supptr: list[tuple[CellValue, ...]]) -> Iterator[tuple[CellValue, ...]]:
    """TR rows of ``read``; each diameter row's SUPPTR TRMEASMT and TRRECIST go to ``supptr``."""
    subject, accepted, study = read.subject_id, "Y" if read.accepted else "", read.report.read.study_id
    recist = {tp.visit_id: tp for tp in read.report.recist.timepoints}
    irecist = {tp.visit_id: tp for tp in read.report.irecist.timepoints}
    for tp in lesions.timepoints:
        number = read.visit_numbers[tp.uid]
        group, day = read.link_group(number), read.study_day(tp.scan_date) if tp.scan_date else None
        flag = _before_exposure(read, tp)
        tail = (flag, read.evaluator, read.evaluator_id, accepted, format_decimal(number), tp.visit,
                read.epoch(tp.scan_date))
        for lesion in lesions.lesions:
            if not lesions.appears_by(lesion, tp):
                continue
            for r in lesions.results(lesion, tp):
                trseq = _next(seq, "TR", subject)
                qualifiers = [("TRMEASMT", r.measured_by)] if r.measured_by else []
                if (used := recist_diameter(lesion, r.test)) is not None:
                    qualifiers.append(("TRRECIST", "Y" if used else "N"))
                supptr.extend((study, "TR", subject, "TRSEQ", str(trseq), qnam, TR_QUALIFIER_LABELS[qnam], value,
                               _qorig(qnam), read.evaluator) for qnam, value in qualifiers)
                yield (study, "TR", subject, trseq, lesions.category(lesion, tp), r.image_uid, r.link, group,
                       r.test, cdisc_terms.TR_TESTS[r.test], r.original, r.unit, r.standard_text, r.standard_number,
                       r.unit, r.status, r.reason_not_done, r.method, *tail, _iso(tp.scan_date), day)
        summaries = [("TARGET", code, text, unit) for code, text, unit in summary_values(recist[str(number)])]
        itp = irecist.get(str(number))
        if itp is not None and itp.nlt_sum_mm is not None:
            summaries.append((NEW_TARGET, "SUMDIAM", format_decimal(itp.nlt_sum_mm), "mm"))
        for grpid, code, text, unit in summaries:
            yield (study, "TR", subject, _next(seq, "TR", subject), grpid, "", "", group, code,
                   cdisc_terms.TR_TESTS[code], text, unit, text, text, unit, "", "", "", *tail, "", None)


def _qorig(qnam: str) -> str:
    """QORIG of a qualifier: ``DERIVED`` for the sponsor-defined ones the export derives, else :data:`QORIG`."""
    sponsor = cdisc_terms.SPONSOR_QUALIFIERS.get(qnam)
    return "DERIVED" if sponsor is not None and sponsor.derived else QORIG


def _supptu_rows(read: ExportedRead, lesions: ReadLesions) -> Iterator[tuple[CellValue, ...]]:
    labels = cdisc_terms.QUALIFIER_LABELS["SUPPTU"]
    for lesion in lesions.lesions:
        head = (read.report.read.study_id, "TU", read.subject_id, "TULNKID", read.link_id(lesion.label))
        for qnam, flag in (("TUPREVIR", lesion.previously_irradiated), ("TUIRRSTD", lesion.irradiated)):
            yield (*head, qnam, labels[qnam], "Y" if flag else "N", QORIG, read.evaluator)
        _location, recorded = tu_location(lesion.organ, lesion.nodal)
        if recorded:
            yield (*head, "TULOCTXT", labels["TULOCTXT"], recorded, QORIG, read.evaluator)


def _rs_rows(data: TrialData) -> Iterator[tuple[CellValue, ...]]:
    """RS rows of :func:`rs_rows` (RSSEQ per subject in read order) with RSLNKGRP and RSACPTFL."""
    starts = {read.subject_id: read for read in data.reads}
    reads = {(r.subject_id, r.evaluator, r.evaluator_id): r for r in data.reads}

    def day(subject_id: str, when: date) -> int | None:
        return starts[subject_id].study_day(when)

    for values in rs_rows([read.report for read in data.reads], day):
        row = dict(zip(RS_COLUMNS, values, strict=True))
        read = reads[(str(row["USUBJID"]), str(row["RSEVAL"]), str(row["RSEVALID"]))]
        row["RSLNKGRP"] = read.link_group(str(row["VISITNUM"])) if row["RSTESTCD"] == "OVRLRESP" else ""
        row["RSACPTFL"] = "Y" if read.accepted else ""
        row["VISITNUM"] = int(str(row["VISITNUM"]))
        dated = str(row["RSDTC"])
        row["EPOCH"] = read.epoch(date.fromisoformat(dated) if len(dated) == 10 else None)
        yield tuple(row[name] for name in RS_EXPORT_COLUMNS)


#: What DM cannot say: the workstation holds no sex, country or age (the trial's EDC does).
DM_NOTE = ("sdtm/dm: SEX is U and COUNTRY and AGE are not given: the workstation holds only the subject's site, arm "
           "and dates; merge with the EDC's demographics before submission.")


def arm_code(arm: str) -> str:
    """ARMCD of an arm's name: its words in capitals joined by ``_``, at most 20 characters (SDTMIG v3.4 DM)."""
    return "_".join(re.findall(r"[A-Z0-9]+", arm.upper()))[:20]


def _dm_table(data: TrialData) -> Table:
    """DM (SDTMIG v3.4): one record per subject exported. RFSTDTC and RFXSTDTC are the first dose; ACTARM is the arm
    once dosed; ARMNRS says why an arm is missing (``NOT ASSIGNED``, ``ASSIGNED, NOT TREATED``)."""
    rows = []
    study = data.trial.code
    for s in data.subjects:
        treated = s.first_dose_on is not None
        actual = s.arm if s.arm and treated else ""
        reason = "NOT ASSIGNED" if not s.arm else "" if treated else "ASSIGNED, NOT TREATED"
        rows.append((study, "DM", s.subject_id, s.subject_id, _iso(s.first_dose_on), _iso(s.first_dose_on),
                     s.site_code, "U", arm_code(s.arm), s.arm, arm_code(actual), actual, reason, ""))
    return Table("DM", DM_COLUMNS, tuple(rows))


def _subjects_table(data: TrialData) -> Table:
    rows = tuple((s.subject_id, _iso(s.randomised_on), _iso(s.first_dose_on), s.prev_pfs_days,
                  (1 if s.prev_pfs_censored else 0) if s.prev_pfs_days is not None else None) for s in data.subjects)
    return Table("SUBJECTS", SUBJECTS_COLUMNS, rows, frozenset({"PFS_PREV_DAYS", "PFS_PREV_CNSR"}))
