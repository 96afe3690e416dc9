"""SDTM TU / TR / SUPPTU CSV → engine reads (``recist_app.sdtm.tumor_reader``; RULES §7 A17, A18).

Every test writes its own small CSVs to ``tmp_path`` with :func:`write_csv`.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from assessment.domain import LesionRole, Read, Status
from recist_app.cli import main
from recist_app.errors import InputFileError
from recist_app.sdtm.tumor_reader import read_tumor_tables

TU_COLUMNS = ("STUDYID", "DOMAIN", "USUBJID", "VISITNUM", "VISIT", "TULOC", "TUTESTCD", "TUORRES",
              "TUSTRESC", "TULNKID", "TUEVAL", "TUEVALID")
TR_COLUMNS = ("STUDYID", "DOMAIN", "USUBJID", "TRLNKID", "TRTESTCD", "TRORRES", "TRORRESU", "TRSTRESC",
              "TRSTRESN", "TRSTAT", "TRREASND", "VISITNUM", "VISIT", "TREVAL", "TREVALID", "TRDTC")
SUPPTU_COLUMNS = ("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL", "QEVAL")
SUBJECT = "S-001"


# --- CSV writing -------------------------------------------------------------------------------

def _cell(value: object, quote_all: bool) -> str:
    if value is None:
        return "NA"  # SDTM exports write missing values as a bare NA
    text = str(value)
    if quote_all or any(c in text for c in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_csv(path: Path, columns: Sequence[str], rows: Sequence[dict[str, object]],
              quote_all: bool = True) -> Path:
    """A CSV with ``columns``; a value missing from a row (or None) is written as bare ``NA``;
    ``quote_all`` quotes every other value (pharmaverse style), else only where needed."""
    lines = [",".join(_cell(c, quote_all) for c in columns)]
    lines += [",".join(_cell(row.get(c), quote_all) for c in columns) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def tu(lesion: str, role: str = "TARGET", loc: str = "LIVER", visitnum: object = 1,
       evaluator: str = "INVESTIGATOR", evalid: str | None = None, **extra: object) -> dict[str, object]:
    """One TU row (lesion identification)."""
    return {"STUDYID": "STUDY", "DOMAIN": "TU", "USUBJID": SUBJECT, "VISITNUM": visitnum,
            "VISIT": "SCREENING" if str(visitnum) == "1" else f"VISIT {visitnum}", "TULOC": loc,
            "TUTESTCD": "TUMIDENT", "TUORRES": role, "TUSTRESC": role, "TULNKID": lesion,
            "TUEVAL": evaluator, "TUEVALID": evalid, **extra}


def tr(lesion: str | None, test: str, result: object, visitnum: object, when: str,
       evaluator: str = "INVESTIGATOR", evalid: str | None = None, **extra: object) -> dict[str, object]:
    """One TR row; a numeric ``result`` fills TRSTRESN too."""
    numeric = isinstance(result, (int, float, Decimal)) or (
        isinstance(result, str) and result.replace(".", "", 1).isdigit())
    return {"STUDYID": "STUDY", "DOMAIN": "TR", "USUBJID": SUBJECT, "TRLNKID": lesion, "TRTESTCD": test,
            "TRORRES": result, "TRORRESU": "mm" if numeric else None, "TRSTRESC": result,
            "TRSTRESN": result if numeric else None, "VISITNUM": visitnum,
            "VISIT": "SCREENING" if str(visitnum) == "1" else f"VISIT {visitnum}",
            "TREVAL": evaluator, "TREVALID": evalid, "TRDTC": when, **extra}


def supptu(lesion: str, qnam: str, qval: str, qeval: str | None = None) -> dict[str, object]:
    """One SUPPTU row on TULNKID."""
    return {"STUDYID": "STUDY", "RDOMAIN": "TU", "USUBJID": SUBJECT, "IDVAR": "TULNKID",
            "IDVARVAL": lesion, "QNAM": qnam, "QLABEL": qnam, "QVAL": qval, "QEVAL": qeval}


def paths(tmp_path: Path, tu_rows: Sequence[dict[str, object]], tr_rows: Sequence[dict[str, object]],
          supptu_rows: Sequence[dict[str, object]] | None = None, quote_all: bool = True,
          tr_columns: Sequence[str] = TR_COLUMNS) -> tuple[Path, Path, Path | None]:
    tu_path = write_csv(tmp_path / "tu.csv", TU_COLUMNS, tu_rows, quote_all)
    tr_path = write_csv(tmp_path / "tr.csv", tr_columns, tr_rows, quote_all)
    supp = write_csv(tmp_path / "supptu.csv", SUPPTU_COLUMNS, supptu_rows, quote_all) \
        if supptu_rows is not None else None
    return tu_path, tr_path, supp


def read_all(tmp_path: Path, tu_rows: Sequence[dict[str, object]], tr_rows: Sequence[dict[str, object]],
             supptu_rows: Sequence[dict[str, object]] | None = None, **kwargs: object) -> list[Read]:
    return read_tumor_tables(*paths(tmp_path, tu_rows, tr_rows, supptu_rows, **kwargs))


def only(reads: list[Read]) -> Read:
    assert len(reads) == 1, [r.key for r in reads]
    return reads[0]


def value(read: Read, visit: str, lesion: str) -> Decimal | None:
    tp = next(tp for tp in read.timepoints if tp.visit_id == visit)
    return tp.observation(lesion).value_mm


def status(read: Read, visit: str, lesion: str) -> Status:
    tp = next(tp for tp in read.timepoints if tp.visit_id == visit)
    return tp.observation(lesion).status


# --- field syntax ------------------------------------------------------------------------------

def two_visits() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    tu_rows = [tu("T01", loc="LIVER, LEFT LOBE"), tu("NT01", "NON-TARGET", "BONE")]
    tr_rows = [tr("T01", "LDIAM", "32.5", 1, "2020-01-06"), tr("NT01", "TUMSTATE", "PRESENT", 1, "2020-01-06"),
               tr("T01", "LDIAM", 20, 2, "2020-02-17"), tr("NT01", "TUMSTATE", "ABSENT", 2, "2020-02-17")]
    return tu_rows, tr_rows


@pytest.mark.parametrize("quote_all", [True, False], ids=["quoted", "unquoted"])
def test_quoted_and_unquoted_fields_give_the_same_read(tmp_path: Path, quote_all: bool) -> None:
    read = only(read_all(tmp_path, *two_visits(), quote_all=quote_all))
    assert read.key == (SUBJECT, "INVESTIGATOR", "")
    assert [lesion.lesion_id for lesion in read.lesions] == ["T01", "NT01"]
    assert read.lesions[0].location == "LIVER, LEFT LOBE"  # a quoted comma stays in the field
    assert [lesion.role for lesion in read.lesions] == [LesionRole.TARGET, LesionRole.NON_TARGET]
    assert value(read, "1", "T01") == Decimal("32.5")
    assert value(read, "2", "T01") == Decimal(20)
    assert status(read, "2", "NT01") is Status.ABSENT
    assert [tp.date for tp in read.timepoints] == [date(2020, 1, 6), date(2020, 2, 17)]


def test_quoting_does_not_change_the_read(tmp_path: Path) -> None:
    (tmp_path / "q").mkdir()
    (tmp_path / "u").mkdir()
    quoted = read_all(tmp_path / "q", *two_visits(), quote_all=True)
    unquoted = read_all(tmp_path / "u", *two_visits(), quote_all=False)
    assert quoted == unquoted


def test_na_and_empty_fields_are_missing(tmp_path: Path) -> None:
    tu_rows = [tu("T01", evalid=None)]
    tr_rows = [
        # TRSTRESN is NA: the value comes from TRSTRESC; TREVALID NA matches TU's NA.
        {**tr("T01", "LDIAM", "40", 1, "2020-01-06"), "TRSTRESN": None},
        # TRSTRESC empty and TRSTRESN NA: the value comes from TRORRES; TRSTAT NA is not NOT DONE.
        {**tr("T01", "LDIAM", "25.5", 2, "2020-02-17"), "TRSTRESN": None, "TRSTRESC": "", "TRSTAT": None},
    ]
    read = only(read_all(tmp_path, tu_rows, tr_rows))
    assert read.evaluator_id == ""
    assert value(read, "1", "T01") == Decimal(40)
    assert value(read, "2", "T01") == Decimal("25.5")
    assert status(read, "2", "T01") is Status.MEASURED


# --- time points -------------------------------------------------------------------------------

def test_visitnum_9_2_sorts_between_9_and_10_by_date(tmp_path: Path) -> None:
    tu_rows = [tu("T01")]
    tr_rows = [tr("T01", "LDIAM", 30, 10, "2020-05-01"), tr("T01", "LDIAM", 30, 9.2, "2020-04-01"),
               tr("T01", "LDIAM", 30, 1, "2020-01-01"), tr("T01", "LDIAM", 30, 9, "2020-03-01")]
    read = only(read_all(tmp_path, tu_rows, tr_rows))
    assert [tp.visit_id for tp in read.timepoints] == ["1", "9", "9.2", "10"]


def test_same_date_visits_sort_by_visitnum_as_a_number(tmp_path: Path) -> None:
    # As text "10" < "9.2"; as numbers 9.2 < 10.
    tu_rows = [tu("T01")]
    tr_rows = [tr("T01", "LDIAM", 30, 1, "2020-01-01"), tr("T01", "LDIAM", 30, 10, "2020-04-01"),
               tr("T01", "LDIAM", 30, 9.2, "2020-04-01")]
    read = only(read_all(tmp_path, tu_rows, tr_rows))
    assert [tp.visit_id for tp in read.timepoints] == ["1", "9.2", "10"]


def partial_date_case() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    tu_rows = [tu("T01")]
    tr_rows = [tr("T01", "LDIAM", 40, 1, "2014-01-02"), tr("T01", "LDIAM", 38, 2, "2014-01-23"),
               tr("T01", "LDIAM", 36, 3, "2014-02"), tr("T01", "LDIAM", 35, 4, "2014-03-06")]
    return tu_rows, tr_rows


def test_partial_date_is_imputed_to_the_last_day_of_the_month(tmp_path: Path) -> None:
    read = only(read_all(tmp_path, *partial_date_case()))
    week6 = read.timepoints[2]
    assert week6.visit_id == "3"
    assert week6.date == date(2014, 2, 28)
    assert week6.date_text == "2014-02"


def test_partial_date_orders_by_its_imputed_day(tmp_path: Path) -> None:
    # "2016-02" stands for 2016-02-29 (leap year): after a scan on 2016-02-28 of a later VISITNUM.
    tu_rows = [tu("T01")]
    tr_rows = [tr("T01", "LDIAM", 40, 1, "2016-01-04"), tr("T01", "LDIAM", 38, 3, "2016-02"),
               tr("T01", "LDIAM", 38, 4, "2016-02-28")]
    read = only(read_all(tmp_path, tu_rows, tr_rows))
    assert [(tp.visit_id, tp.date) for tp in read.timepoints] == [
        ("1", date(2016, 1, 4)), ("4", date(2016, 2, 28)), ("3", date(2016, 2, 29))]


def test_partial_date_is_written_back_as_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tu_path, tr_path, _ = paths(tmp_path, *partial_date_case())
    out = tmp_path / "out"
    assert main(["assess", "--tu", str(tu_path), "--tr", str(tr_path), "--out", str(out)]) == 0
    with open(out / "rs.csv", newline="", encoding="utf-8") as handle:
        rs = list(csv.DictReader(handle))
    dates = {row["VISITNUM"]: row["RSDTC"] for row in rs}
    assert dates == {"2": "2014-01-23", "3": "2014-02", "4": "2014-03-06"}
    with open(out / "timeline.csv", newline="", encoding="utf-8") as handle:
        timeline = {row["VISITNUM"]: row["DATE"] for row in csv.DictReader(handle)}
    assert timeline["3"] == "2014-02"


# --- measurements ------------------------------------------------------------------------------

def test_nodal_lesion_uses_the_short_axis(tmp_path: Path) -> None:
    tu_rows = [tu("T01", loc="LYMPH NODE"), tu("T02", loc="LUNG")]
    tr_rows = [tr("T01", "LDIAM", 30, 1, "2020-01-06"), tr("T01", "LPERP", 16, 1, "2020-01-06"),
               tr("T02", "LDIAM", 22, 1, "2020-01-06"), tr("T02", "LPERP", 12, 1, "2020-01-06"),
               tr("T01", "LDIAM", 25, 2, "2020-02-17"), tr("T01", "LPERP", "8.5", 2, "2020-02-17"),
               tr("T02", "LPERP", 9, 2, "2020-02-17"), tr("T02", "LDIAM", 18, 2, "2020-02-17")]
    read = only(read_all(tmp_path, tu_rows, tr_rows))
    assert [lesion.nodal for lesion in read.lesions] == [True, False]
    assert value(read, "1", "T01") == Decimal(16)   # LPERP; the LDIAM row is ignored
    assert value(read, "2", "T01") == Decimal("8.5")
    assert value(read, "1", "T02") == Decimal(22)   # non-nodal: LDIAM; LPERP ignored
    assert value(read, "2", "T02") == Decimal(18)


@pytest.mark.parametrize("stresn", [5, None], ids=["TRSTRESN-5", "TRSTRESN-NA"])
def test_too_small_to_measure_counts_5_mm(tmp_path: Path, stresn: object) -> None:
    tu_rows = [tu("T01")]
    tr_rows = [tr("T01", "LDIAM", 30, 1, "2020-01-06"),
               {**tr("T01", "LDIAM", "TOO SMALL TO MEASURE", 2, "2020-02-17"), "TRSTRESN": stresn,
                "TRSTRESC": 5 if stresn is not None else None}]
    read = only(read_all(tmp_path, tu_rows, tr_rows))
    assert status(read, "2", "T01") is Status.TOO_SMALL
    assert value(read, "2", "T01") == Decimal(5)


def merge_case(merged_rows: list[dict[str, object]]) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    tu_rows = [tu("T01"), tu("T02")]
    tr_rows = [tr("T01", "LDIAM", 30, 1, "2020-01-06"), tr("T02", "LDIAM", 20, 1, "2020-01-06"),
               tr("T01", "LDIAM", 45, 2, "2020-02-17"), *merged_rows]
    return tu_rows, tr_rows


def test_tumstate_tumor_merged_counts_0_mm(tmp_path: Path) -> None:
    read = only(read_all(tmp_path, *merge_case([tr("T02", "TUMSTATE", "TUMOR MERGED", 2, "2020-02-17")])))
    assert status(read, "2", "T02") is Status.MERGED
    assert value(read, "2", "T02") == Decimal(0)


def test_not_done_because_merged_counts_0_mm(tmp_path: Path) -> None:
    row = {**tr("T02", "LDIAM", None, 2, "2020-02-17"), "TRSTAT": "NOT DONE", "TRREASND": "TUMOR MERGED"}
    read = only(read_all(tmp_path, *merge_case([row])))
    assert status(read, "2", "T02") is Status.MERGED
    assert value(read, "2", "T02") == Decimal(0)


def test_not_done_for_another_reason_is_not_assessed(tmp_path: Path) -> None:
    row = {**tr("T02", "LDIAM", None, 2, "2020-02-17"), "TRSTAT": "NOT DONE", "TRREASND": "SCAN NOT READABLE"}
    read = only(read_all(tmp_path, *merge_case([row])))
    assert status(read, "2", "T02") is Status.NOT_ASSESSED
    assert value(read, "2", "T02") is None


@pytest.mark.parametrize("fragments_in_tu", [False, True], ids=["TR-only", "TUSPLIT-in-TU"])
def test_split_fragments_are_summed(tmp_path: Path, fragments_in_tu: bool) -> None:
    tu_rows = [tu("T01"), tu("T02")]
    if fragments_in_tu:
        tu_rows += [tu("T01.1", visitnum=2, TUTESTCD="TUSPLIT"), tu("T01.2", visitnum=2, TUTESTCD="TUSPLIT")]
    tr_rows = [tr("T01", "LDIAM", 30, 1, "2020-01-06"), tr("T02", "LDIAM", 20, 1, "2020-01-06"),
               tr("T01.1", "LDIAM", 12, 2, "2020-02-17"), tr("T01.2", "LDIAM", "8.5", 2, "2020-02-17"),
               tr("T02", "LDIAM", 20, 2, "2020-02-17")]
    read = only(read_all(tmp_path, tu_rows, tr_rows))
    assert [lesion.lesion_id for lesion in read.lesions] == ["T01", "T02"]
    assert status(read, "2", "T01") is Status.SPLIT
    assert value(read, "2", "T01") == Decimal("20.5")


# --- SUPPTU ------------------------------------------------------------------------------------

def two_radiologists() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    tu_rows, tr_rows = [], []
    for reader in ("RADIOLOGIST 1", "RADIOLOGIST 2"):
        who = {"evaluator": "INDEPENDENT ASSESSOR", "evalid": reader}
        tu_rows += [tu("T01", **who), tu("T02", loc="LUNG", **who)]
        tr_rows += [tr("T01", "LDIAM", 30, 1, "2020-01-06", **who), tr("T02", "LDIAM", 20, 1, "2020-01-06", **who),
                    tr("T01", "LDIAM", 25, 2, "2020-02-17", **who), tr("T02", "LDIAM", 20, 2, "2020-02-17", **who)]
    return tu_rows, tr_rows


def flags(read: Read) -> dict[str, tuple[bool, bool]]:
    return {lesion.lesion_id: (lesion.irradiated, lesion.previously_irradiated) for lesion in read.lesions}


def test_supptu_flags_follow_qeval(tmp_path: Path) -> None:
    supp = [supptu("T01", "TUIRRSTD", "Y", qeval="RADIOLOGIST 1"),  # this reader only
            supptu("T02", "TUPREVIR", "Y")]                           # no QEVAL: every reader
    reads = {read.evaluator_id: read for read in read_all(tmp_path, *two_radiologists(), supp)}
    assert flags(reads["RADIOLOGIST 1"]) == {"T01": (True, False), "T02": (False, True)}
    assert flags(reads["RADIOLOGIST 2"]) == {"T01": (False, False), "T02": (False, True)}


def test_supptu_without_file_leaves_flags_off(tmp_path: Path) -> None:
    for read in read_all(tmp_path, *two_radiologists()):
        assert flags(read) == {"T01": (False, False), "T02": (False, False)}


def test_supptu_qval_must_be_y_or_n(tmp_path: Path) -> None:
    supp = [supptu("T01", "TUIRRSTD", "N"), supptu("T01", "TUIRRSTD", "YES")]
    tu_path, tr_path, supp_path = paths(tmp_path, *two_radiologists(), supp)
    with pytest.raises(InputFileError) as info:
        read_tumor_tables(tu_path, tr_path, supp_path)
    assert_names(info.value, supp_path, 3, "YES")


# --- A18 validation ----------------------------------------------------------------------------

def assert_names(error: InputFileError, path: Path | None, line: int, value_text: str) -> None:
    """The message names the file, the 1-based line (header = 1) and the offending value."""
    message = str(error)
    assert str(path) in message
    assert f"line {line}" in message
    assert value_text in message
    assert (error.path, error.line) == (str(path), line)


def base_tu() -> list[dict[str, object]]:
    return [tu("T01"), tu("NT01", "NON-TARGET", "BONE")]


def base_tr() -> list[dict[str, object]]:
    return [tr("T01", "LDIAM", 30, 1, "2020-01-06"), tr("NT01", "TUMSTATE", "PRESENT", 1, "2020-01-06"),
            tr("T01", "LDIAM", 25, 2, "2020-02-17"), tr("NT01", "TUMSTATE", "PRESENT", 2, "2020-02-17")]


def test_the_valid_base_case_reads(tmp_path: Path) -> None:
    read = only(read_all(tmp_path, base_tu(), base_tr()))
    assert [tp.visit_id for tp in read.timepoints] == ["1", "2"]


def test_unknown_tustresc(tmp_path: Path) -> None:
    tu_rows = [*base_tu(), tu("T02", "TARGT")]
    tu_path, tr_path, _ = paths(tmp_path, tu_rows, base_tr())
    with pytest.raises(InputFileError) as info:
        read_tumor_tables(tu_path, tr_path)
    assert_names(info.value, tu_path, 4, "TARGT")


def test_unknown_tumstate_result(tmp_path: Path) -> None:
    tr_rows = base_tr()
    tr_rows[3] = tr("NT01", "TUMSTATE", "PRESNT", 2, "2020-02-17")
    tu_path, tr_path, _ = paths(tmp_path, base_tu(), tr_rows)
    with pytest.raises(InputFileError) as info:
        read_tumor_tables(tu_path, tr_path)
    assert_names(info.value, tr_path, 5, "PRESNT")


def test_missing_required_column(tmp_path: Path) -> None:
    columns = tuple(c for c in TR_COLUMNS if c != "TRDTC")
    tu_path, tr_path, _ = paths(tmp_path, base_tu(), base_tr(), tr_columns=columns)
    with pytest.raises(InputFileError) as info:
        read_tumor_tables(tu_path, tr_path)
    assert_names(info.value, tr_path, 1, "TRDTC")


def test_follow_up_dated_before_baseline(tmp_path: Path) -> None:
    tr_rows = base_tr()
    tr_rows[2] = tr("T01", "LDIAM", 25, 2, "2019-12-30")
    tr_rows[3] = tr("NT01", "TUMSTATE", "PRESENT", 2, "2019-12-30")
    tu_path, tr_path, _ = paths(tmp_path, base_tu(), tr_rows)
    with pytest.raises(InputFileError) as info:
        read_tumor_tables(tu_path, tr_path)
    assert_names(info.value, tr_path, 4, "2019-12-30")


def test_duplicate_lesion_id(tmp_path: Path) -> None:
    tu_rows = [*base_tu(), tu("T01", loc="LUNG")]
    tu_path, tr_path, _ = paths(tmp_path, tu_rows, base_tr())
    with pytest.raises(InputFileError) as info:
        read_tumor_tables(tu_path, tr_path)
    assert_names(info.value, tu_path, 4, "T01")


def test_same_lesion_id_for_two_readers_is_not_a_duplicate(tmp_path: Path) -> None:
    reads = read_all(tmp_path, *two_radiologists())
    assert sorted(read.evaluator_id for read in reads) == ["RADIOLOGIST 1", "RADIOLOGIST 2"]


def test_tr_row_for_a_lesion_not_in_tu(tmp_path: Path) -> None:
    tr_rows = [*base_tr(), tr("T09", "LDIAM", 12, 2, "2020-02-17")]
    tu_path, tr_path, _ = paths(tmp_path, base_tu(), tr_rows)
    with pytest.raises(InputFileError) as info:
        read_tumor_tables(tu_path, tr_path)
    assert_names(info.value, tr_path, 6, "T09")


def test_tr_read_without_tu_records(tmp_path: Path) -> None:
    tr_rows = [*base_tr(), tr("T01", "LDIAM", 12, 2, "2020-02-17", evaluator="INDEPENDENT ASSESSOR",
                              evalid="RADIOLOGIST 3")]
    tu_path, tr_path, _ = paths(tmp_path, base_tu(), tr_rows)
    with pytest.raises(InputFileError) as info:
        read_tumor_tables(tu_path, tr_path)
    assert_names(info.value, tr_path, 6, "RADIOLOGIST 3")
