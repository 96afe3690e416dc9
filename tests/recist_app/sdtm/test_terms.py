"""The one list of CDISC terms (recist_app/sdtm/terms.py): validators reject what CDISC.md
does not list, and the location mapping keeps to listed C74456 terms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from recist_app.sdtm import terms as cdisc_terms
from recist_app.sdtm.errors import CdiscTermError
from recist_app.sdtm.terms import check_table, location_terms

#: Terms CDISC.md prints in a shortened form, with that form.
SHORTENED = {"ADJUDICATOR 2": "`ADJUDICATOR 1`/`2`/`3`", "ADJUDICATOR 3": "`ADJUDICATOR 1`/`2`/`3`",
             "ONCOLOGIST 2": "`ONCOLOGIST 1`/`2`", "NEW TARGET": "`TUSTRESC = NEW TARGET`"}
RS = ("DOMAIN", "RSTESTCD", "RSTEST", "RSCAT", "RSSCAT", "RSSTRESC", "RSACPTFL")
GOOD_RS = ("RS", "OVRLRESP", "Overall Response", "iRECIST", "", "iUPD", "Y")


def test_a_table_of_listed_terms_passes() -> None:
    assert check_table("RS", RS, [GOOD_RS, ("RS", "TRGRESP", "Target Response", "PROTOCOL DEFINED RESPONSE CRITERIA",
                                            "IRRADIATED LESIONS", "PR", None)]) == 2


@pytest.mark.parametrize(("index", "value", "variable"), [
    (1, "OVRRESP", "RSTESTCD"),  # the old IG spelling, not CT (CDISC.md §4.1)
    (2, "Overall response", "RSTEST"),  # CT values are case-sensitive
    (3, "IRECIST", "RSCAT"),
    (4, "ABSCOPAL LESIONS", "RSSCAT"),
    (5, "ICR", "RSSTRESC"),
    (5, "PR", "RSSTRESC"),  # a RECIST 1.1 value under RSCAT iRECIST
    (6, "N", "RSACPTFL"),  # flags are Y or null
])
def test_an_unlisted_value_is_rejected_with_variable_and_row(index: int, value: str, variable: str) -> None:
    row = list(GOOD_RS)
    row[index] = value
    with pytest.raises(CdiscTermError, match=rf'RS row 2: variable "{variable}" must be .*, got {value!r}') as info:
        check_table("RS", RS, [GOOD_RS, tuple(row)])
    assert (info.value.variable, info.value.value, info.value.row) == (variable, value, 1)


def test_code_and_name_must_match() -> None:
    with pytest.raises(CdiscTermError, match='variable "TRTEST" must be one of Longest Perpendicular'):
        check_table("TR", ("TRTESTCD", "TRTEST"), [("LPERP", "Longest Diameter")])
    with pytest.raises(CdiscTermError, match='"QLABEL" must be one of Irradiated On Study'):
        check_table("SUPPTU", ("QNAM", "QLABEL"), [("TUIRRSTD", "Previously Irradiated")])


def test_results_are_numbers_or_listed_terms() -> None:
    columns = ("TRORRES", "TRSTRESC", "TRORRESU")
    assert check_table("TR", columns, [("32", "32", "mm"), ("-45.3", "-45.3", "%"), ("TOO SMALL TO MEASURE", "5", "mm"),
                                       ("NON-PATHOLOGICAL", "NON-PATHOLOGICAL", "")]) == 4
    for bad in (("32 mm", "32", "mm"), ("NONPATHOLOGICAL", "", ""), ("5", "TOO SMALL TO MEASURE", "mm"),
                ("5", "5", "MM")):
        with pytest.raises(CdiscTermError):
            check_table("TR", columns, [bad])


@pytest.mark.parametrize(("text", "expected"), [
    ("LUNG", ("LUNG", "", "", True)),
    ("lung,  left upper lobe", ("LUNG, LEFT UPPER LOBE", "", "", True)),
    ("LYMPH NODE, SUBCARINAL", ("SUBCARINAL LYMPH NODE", "", "", True)),
    ("LUNG, RIGHT LOWER LOBE", ("LUNG", "RIGHT", "LOWER", False)),
    ("CHEST WALL, ANTERIOR", ("CHEST WALL", "", "ANTERIOR", True)),
    ("LIVER, SEGMENT VI", ("LIVER", "", "", False)),
    ("LYMPH NODE, RIGHT PARATRACHEAL", ("LYMPH NODE", "RIGHT", "", False)),
    ("PARASPINAL REGION", ("", "", "", False)),
    ("", ("", "", "", True)),
])
def test_location_terms(text: str, expected: tuple[str, str, str, bool]) -> None:
    terms = location_terms(text)
    assert (terms.tuloc, terms.tulat, terms.tudir, terms.exact) == expected


def test_every_listed_term_appears_in_cdisc_md(shared_dir: Path) -> None:
    """The list is CDISC.md's: each term is quoted there in backticks (or is a TESTCD/TEST pair name), unless it
    is sponsor-defined, with a definition of the qualifier and of each value."""
    text = (shared_dir / "docs" / "CDISC.md").read_text(encoding="utf-8")
    sponsor = {term for qnam, q in cdisc_terms.SPONSOR_QUALIFIERS.items() for term in (qnam, q.label, *q.values)}
    assert all(q.definition and all(q.values.values()) for q in cdisc_terms.SPONSOR_QUALIFIERS.values())
    quoted = set(re.findall(r"`([^`]+)`", text)) | sponsor | cdisc_terms.BEYOND_CDISC_MD
    names = set(cdisc_terms.TU_TESTS.values()) | set(cdisc_terms.TR_TESTS.values()) | \
        set(cdisc_terms.RS_TESTS.values()) | set(cdisc_terms.SUPPTU_QUALIFIERS.values()) | \
        set(cdisc_terms.DATASET_LABELS)  # DOMAIN values: the datasets' own names
    missing = {term for terms in cdisc_terms.CONTROLLED.values() for term in terms
               if term not in quoted and term not in names and SHORTENED.get(term, "`?`") not in text}
    assert not missing, sorted(missing)
    for name in names:
        assert name in text, name
    assert all(len(label) <= 40 for label in cdisc_terms.VARIABLE_LABELS.values())
