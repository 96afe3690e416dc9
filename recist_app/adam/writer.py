"""The trial's SDTM → ADaM ADSL, ADRS, ADTTE and ADTR, as CSV, SAS transport v5 and Dataset-JSON, with their
``define.xml`` (issue 18; CDISC.md §9).

The ADaM datasets derive from the SDTM datasets of the same export (:func:`recist_app.sdtm.writer.sdtm_tables`), as a
statistical programmer derives them, so that every ADaM value traces to an SDTM record (``SRCDOM`` / ``SRCVAR`` /
``SRCSEQ``) and the same derivations run on any SDTM given to them (the CDISC pilot's, in the tests). Dates are ADaM
numeric dates (SAS ``DATE9.`` in XPT, ISO 8601 text in CSV and Dataset-JSON).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from recist_app.adam import terms
from recist_app.adam.events import adtte_table
from recist_app.adam.reads import analysis_reads
from recist_app.adam.responses import adrs_table
from recist_app.adam.subjects import AnalysisSubject, adsl_table
from recist_app.adam.sums import adtr_table
from recist_app.exports.collect import TrialData
from recist_app.exports.files import ExportedFile, Table, describe, write_table_csv
from recist_app.exports.job import ExportJob
from recist_app.sdtm.csv_io import Row
from recist_app.sdtm.define_xml import ADAMIG, DefineContent

FOLDER = "adam"
#: Define-XML content of the ADaM package.
ADAM = DefineContent(
    "ADaM", ADAMIG, "Analysis", terms.DATASET_LABELS, terms.VARIABLE_LABELS, terms.STRUCTURES,
    {"ADSL": "SUBJECT LEVEL ANALYSIS DATASET"}, "BASIC DATA STRUCTURE",
    derived=frozenset({"ASEQ", "AVALC", "AVAL", "ADT", "ADTF", "ADY", "ANL01FL", "ANL02FL", "STARTDT", "CNSR",
                       "EVNTDESC", "CNSDTDSC", "ABLFL", "BASE", "CHG", "PCHG", "NADIR", "CHGNAD", "PCHGNAD", "DTHFL",
                       "ITTFL", "SAFFL", "SRCSEQ"}),
    assigned=frozenset({"PARAMCD", "PARAM", "PARCAT1", "PARCAT2", "AVALU", "SRCDOM", "SRCVAR"}),
    copied=frozenset({"STUDYID", "USUBJID", "SUBJID", "SITEID", "ARM", "ACTARM", "TRT01P", "TRT01A", "RANDDT",
                      "TRTSDT", "DTHDT", "LSTALVDT", "PFSPRVDY", "PFSPRVCN", "RSEVAL", "RSEVALID", "RSACPTFL",
                      "TREVAL", "TREVALID", "TRACPTFL", "TRLNKID", "AVISIT", "AVISITN"}),
    codes={"CNSR": {"0": "Event", "1": "Censored"},
           **{flag: {"Y": "Yes"} for flag in ("ANL01FL", "ANL02FL", "ABLFL", "DTHFL", "ITTFL", "SAFFL", "RSACPTFL",
                                             "TRACPTFL")}},
    keys=terms.KEYS, value_variables=terms.VALUE_VARIABLES, methods=terms.METHODS)


@dataclass(frozen=True)
class AdamTables:
    """ADSL, ADRS, ADTTE and ADTR of one export."""

    adsl: Table
    adrs: Table
    adtte: Table
    adtr: Table

    @property
    def datasets(self) -> tuple[Table, ...]:
        """ADSL, ADRS, ADTTE, ADTR."""
        return (self.adsl, self.adrs, self.adtte, self.adtr)


def analysis_subjects(data: TrialData) -> list[AnalysisSubject]:
    """The exported subjects as ADSL sees them (the actual arm once dosed; no death or last-alive date)."""
    return [AnalysisSubject(data.trial.code, s.subject_id, s.site_code, s.arm, s.arm if s.first_dose_on else "",
                            s.randomised_on, s.first_dose_on, previous_pfs_days=s.prev_pfs_days,
                            previous_pfs_censored=s.prev_pfs_censored) for s in data.subjects]


def adam_tables(data: TrialData) -> AdamTables:
    """ADSL, ADRS, ADTTE and ADTR of ``data``, derived from its SDTM datasets; once per export
    (:meth:`TrialData.derived`)."""
    return data.derived("adam", lambda: _build_adam_tables(data))


def _build_adam_tables(data: TrialData) -> AdamTables:
    from recist_app.sdtm.writer import sdtm_tables

    sdtm = sdtm_tables(data)
    subjects = analysis_subjects(data)
    rs, tu = _rows(sdtm.rs), _rows(sdtm.tu)
    reads = analysis_reads(subjects, rs, tu, data.profile, "sdtm/rs")
    adrs = adrs_table(reads, data.profile)
    return AdamTables(adsl_table(subjects), adrs, adtte_table(reads, data.profile, adrs),
                      adtr_table(subjects, tu, _rows(sdtm.tr), _rows(sdtm.supptu)))


def write_adam(data: TrialData, job: ExportJob) -> tuple[ExportedFile, ...]:
    """The ``adam`` export format: CSV, XPT v5 and Dataset-JSON 1.1 of ADSL, ADRS, ADTTE and ADTR, and their
    ``define.xml``."""
    from recist_app.sdtm.dataset_json import write_dataset_json
    from recist_app.sdtm.define_xml import write_define
    from recist_app.sdtm.xpt import write_xpt

    tables = adam_tables(data)
    folder = job.folder / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for table in tables.datasets:
        stem = table.name.lower()
        label = terms.DATASET_LABELS[table.name]
        write_table_csv(folder / f"{stem}.csv", table)
        write_xpt(folder / f"{stem}.xpt", table, terms.VARIABLE_LABELS, label)
        write_dataset_json(folder / f"{stem}.json", table, study=data.trial.code, created=data.exported_at,
                           labels=terms.VARIABLE_LABELS, dataset_label=label, metadata_version="MDV.ADaM")
        for suffix, kind in (("csv", "adam-csv"), ("xpt", "adam-xpt"), ("json", "adam-dataset-json")):
            files.append(describe(folder / f"{stem}.{suffix}", job.folder, kind, len(table.rows)))
        job.check()
    content = dataclasses.replace(ADAM, codes={**ADAM.codes, "PARAMCD": parameters(tables.datasets)})
    write_define(folder / "define.xml", tables.datasets, study=data.trial.code, created=data.exported_at,
                 content=content)
    files.append(describe(folder / "define.xml", job.folder, "define-xml", len(tables.datasets)))
    return tuple(files)


def parameters(tables: Sequence[Table]) -> dict[str, str]:
    """PARAMCD → PARAM of every parameter in ``tables`` (the define.xml code list), sponsor-defined ones said so."""
    found = {}
    for table in tables:
        if "PARAMCD" in table.columns:
            for code, param in zip(table.column("PARAMCD"), table.column("PARAM"), strict=True):
                mark = " (sponsor-defined)" if code in terms.SPONSOR_PARAMS else ""
                found[str(code)] = f"{param}{mark}"
    return dict(sorted(found.items()))


def _rows(table: Table) -> Sequence[Row]:
    """``table``'s records as the text rows the SDTM readers take (None → '')."""
    source = f"sdtm/{table.name.lower()}"
    return [Row(source, line, {name: "" if value is None else str(value)
                               for name, value in zip(table.columns, values, strict=True)})
            for line, values in enumerate(table.rows, start=2)]
