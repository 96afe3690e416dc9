"""The export's define.xml (issue 17, "Honesty": the sponsor-defined SUPPTR TRMEASMT documented there): valid against
the Define-XML 2.1 schema, every dataset and variable described with its references resolved, every exported value of
a controlled variable in its code list, and TRMEASMT's values decoded by their definitions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from defineutils.validate import DefineSchemaValidator

from recist_app.adam import terms as adam_terms
from recist_app.exports.runner import ExportResult
from recist_app.sdtm import terms as cdisc_terms
from recist_app.sdtm.define_xml import DEF, ODM
from tests.recist_app.exports.double_read import export_once, read_csv

NS = {"odm": ODM, "def": DEF}
DATASETS = ("DM", "TU", "TR", "RS", "SUPPTU", "SUPPTR", "TS", "TV", "SV", "PR", "RELREC")
#: Each package: its folder, datasets and variable labels (issue 18: a define.xml for SDTM and one for ADaM).
PACKAGES = {"sdtm": (DATASETS, cdisc_terms.VARIABLE_LABELS),
            "adam": (("ADSL", "ADRS", "ADTTE", "ADTR"), adam_terms.VARIABLE_LABELS)}
ET_XLINK = "http://www.w3.org/1999/xlink"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExportResult]:
    """The double-read trial exported once for the module (SQLite; the files do not depend on the back end)."""
    yield from export_once(tmp_path_factory.mktemp("export"))


def _define(exported: ExportResult, folder: str = "sdtm") -> tuple[Path, ET.Element]:
    path = exported.out_dir / folder / "define.xml"
    return path, ET.parse(path).getroot()


@pytest.mark.parametrize("folder", PACKAGES)
def test_the_define_xml_is_valid_against_the_define_xml_2_1_schema(exported: ExportResult, folder: str) -> None:
    path, _root = _define(exported, folder)
    assert DefineSchemaValidator(path).validate_define_file().endswith("is valid")
    assert any(f.path == f"{folder}/define.xml" and f.format == "define-xml" for f in exported.files)


@pytest.mark.parametrize("folder", PACKAGES)
def test_every_dataset_and_variable_is_described_and_every_reference_resolves(exported: ExportResult,
                                                                              folder: str) -> None:
    datasets, labels = PACKAGES[folder]
    _path, root = _define(exported, folder)
    mdv = root.find("odm:Study/odm:MetaDataVersion", NS)
    assert mdv is not None
    items = {item.get("OID"): item for item in mdv.findall("odm:ItemDef", NS)}
    code_lists = {cl.get("OID"): cl for cl in mdv.findall("odm:CodeList", NS)}
    value_lists = {vl.get("OID") for vl in mdv.findall("def:ValueListDef", NS)}
    wheres = {wc.get("OID") for wc in mdv.findall("def:WhereClauseDef", NS)}
    groups = {group.get("Name"): group for group in mdv.findall("odm:ItemGroupDef", NS)}
    assert set(groups) == set(datasets)
    for name, group in groups.items():
        rows = read_csv(exported.out_dir / folder / f"{name.lower()}.csv")
        refs = [ref.get("ItemOID") for ref in group.findall("odm:ItemRef", NS)]
        assert refs == [f"IT.{name}.{column}" for column in rows[0]], name
        leaf = group.find("def:leaf", NS)
        assert leaf is not None and (exported.out_dir / folder / leaf.get(f"{{{ET_XLINK}}}href", "")).is_file()
        for column in rows[0]:
            item = items[f"IT.{name}.{column}"]
            text = item.findtext("odm:Description/odm:TranslatedText", namespaces=NS)
            assert text == labels[column]
            longest = max((len(row[column].encode()) for row in rows), default=1)
            assert item.get("DataType") in ("float", "date") or int(item.get("Length", "0")) >= longest, (name, column)
            ref = item.find("odm:CodeListRef", NS)
            if ref is not None:  # every exported value is a term of its code list
                terms = {e.get("CodedValue") for e in code_lists[ref.get("CodeListOID")]}
                assert {row[column] for row in rows} - {""} <= terms, (name, column)
    for ref in mdv.iter(f"{{{ODM}}}CodeListRef"):
        assert ref.get("CodeListOID") in code_lists
    for ref in mdv.iter(f"{{{DEF}}}ValueListRef"):
        assert ref.get("ValueListOID") in value_lists
    for ref in mdv.iter(f"{{{DEF}}}WhereClauseRef"):
        assert ref.get("WhereClauseOID") in wheres
    for value_list in mdv.findall("def:ValueListDef", NS):
        assert all(ref.get("ItemOID") in items for ref in value_list.findall("odm:ItemRef", NS))


def test_trmeasmt_is_documented_as_a_sponsor_defined_qualifier_with_its_values(exported: ExportResult) -> None:
    _path, root = _define(exported)
    mdv = root.find("odm:Study/odm:MetaDataVersion", NS)
    assert mdv is not None
    where = mdv.find("def:WhereClauseDef[@OID='WC.SUPPTR.QNAM.TRMEASMT']/odm:RangeCheck", NS)
    assert where is not None and where.findtext("odm:CheckValue", namespaces=NS) == "TRMEASMT"
    item = mdv.find("odm:ItemDef[@OID='IT.SUPPTR.QVAL.TRMEASMT']", NS)
    assert item is not None
    qualifier = cdisc_terms.SPONSOR_QUALIFIERS["TRMEASMT"]
    label, definition, values = qualifier.label, qualifier.definition, qualifier.values
    description = item.findtext("odm:Description/odm:TranslatedText", namespaces=NS) or ""
    assert label in description and definition in description and "Sponsor-defined" in description
    code_list = mdv.find("odm:CodeList[@OID='CL.TRMEASMT']", NS)
    assert code_list is not None and code_list.get(f"{{{DEF}}}StandardOID") is None  # not a CDISC code list
    decodes = {entry.get("CodedValue"): entry.findtext("odm:Decode/odm:TranslatedText", namespaces=NS)
               for entry in code_list.findall("odm:CodeListItem", NS)}
    assert decodes == dict(values)
    exported_values: dict[str, set[str]] = defaultdict(set)
    for row in read_csv(exported.out_dir / "sdtm" / "supptr.csv"):
        exported_values[row["QNAM"]].add(row["QVAL"])
    assert exported_values["TRMEASMT"] <= set(decodes) and len(exported_values["TRMEASMT"]) == 3


def test_each_adam_parameter_has_its_value_level_metadata_and_method(exported: ExportResult) -> None:
    """Issue 18: ADRS AVALC, ADTTE and ADTR AVAL are described per PARAMCD: where clause, the parameter's own terms
    (ADRS), its unit, and the MethodDef of its derivation."""
    _path, root = _define(exported, "adam")
    mdv = root.find("odm:Study/odm:MetaDataVersion", NS)
    assert mdv is not None
    methods = {m.get("OID"): m.findtext("odm:Description/odm:TranslatedText", namespaces=NS)
               for m in mdv.findall("odm:MethodDef", NS)}
    for dataset, variable in adam_terms.VALUE_VARIABLES.items():
        rows = read_csv(exported.out_dir / "adam" / f"{dataset.lower()}.csv")
        by_parameter: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            by_parameter[row["PARAMCD"]].add(row[variable])
        value_list = mdv.find(f"def:ValueListDef[@OID='VL.{dataset}.{variable}']", NS)
        assert value_list is not None, dataset
        refs = {ref.get("ItemOID"): ref for ref in value_list.findall("odm:ItemRef", NS)}
        assert set(refs) == {f"IT.{dataset}.{variable}.{code}" for code in by_parameter}
        for code, values in by_parameter.items():
            ref = refs[f"IT.{dataset}.{variable}.{code}"]
            check = mdv.find(f"def:WhereClauseDef[@OID='WC.{dataset}.PARAMCD.{code}']/odm:RangeCheck", NS)
            assert check is not None and check.findtext("odm:CheckValue", namespaces=NS) == code
            assert check.get(f"{{{DEF}}}ItemOID") == f"IT.{dataset}.PARAMCD"
            base = code.rstrip("0123456789")
            assert ref.get("MethodOID") == f"MT.{base}" and methods[f"MT.{base}"] == adam_terms.METHODS[base]
            item = mdv.find(f"odm:ItemDef[@OID='IT.{dataset}.{variable}.{code}']", NS)
            assert item is not None
            if variable == "AVALC":
                code_list = mdv.find(f"odm:CodeList[@OID='CL.{dataset}.{variable}.{code}']", NS)
                assert code_list is not None
                assert {e.get("CodedValue") for e in code_list} == values - {""}, code
    bor = mdv.find("odm:ItemDef[@OID='IT.ADTTE.AVAL.PFS']/odm:Description/odm:TranslatedText", NS)
    assert bor is not None and bor.text == "Progression Free Survival in DAYS"


@pytest.mark.parametrize("folder", PACKAGES)
def test_the_declared_keys_identify_every_record(exported: ExportResult, folder: str) -> None:
    """KeySequence: each dataset's keys, in order, and no two records share them (TR's two SUMDIAM rows of a visit
    differ by TRGRPID)."""
    _path, root = _define(exported, folder)
    for group in root.iterfind("odm:Study/odm:MetaDataVersion/odm:ItemGroupDef", NS):
        keyed = sorted((int(ref.get("KeySequence", "0")), str(ref.get("ItemOID")).split(".")[-1])
                       for ref in group.findall("odm:ItemRef", NS) if ref.get("KeySequence"))
        keys = [column for _, column in keyed]
        assert [number for number, _ in keyed] == list(range(1, len(keys) + 1)) and keys[0] == "STUDYID"
        rows = read_csv(exported.out_dir / folder / f"{str(group.get('Name')).lower()}.csv")
        identities = [tuple(row[key] for key in keys) for row in rows]
        assert len(set(identities)) == len(identities), (group.get("Name"), keys)
