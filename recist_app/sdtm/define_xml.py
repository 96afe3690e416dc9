"""Define-XML 2.1 of the SDTM datasets an export writes (``sdtm/define.xml``): what each dataset and variable is,
the terms each controlled variable may take, and value-level metadata for the supplemental qualifiers.

One ``ItemGroupDef`` per dataset (its ``def:leaf`` the ``.xpt`` beside it), one ``ItemDef`` per variable with its
SDTMIG label (:data:`~recist_app.sdtm.terms.VARIABLE_LABELS`), data type, the longest value's length and its
origin, and a ``CodeList`` for every controlled variable (:data:`~recist_app.sdtm.terms.CONTROLLED`). SUPPTU and
SUPPTR ``QVAL`` have a value list per ``QNAM``; the sponsor-defined qualifiers (``TRMEASMT``, who placed a
diameter's caliper; ``TRRECIST``, the diameter RECIST uses; ``TULOCTXT``) are documented there, each value decoded
by its definition
(:data:`~recist_app.sdtm.terms.SPONSOR_QUALIFIERS`). Written with the standard library only, deterministic for
one export (the creation time is the export's).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from recist_app.exports.files import Table
from recist_app.sdtm import terms as cdisc_terms

ODM = "http://www.cdisc.org/ns/odm/v1.3"
DEF = "http://www.cdisc.org/ns/def/v2.1"
XLINK = "http://www.w3.org/1999/xlink"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SDTMIG = ("STD.SDTMIG", "SDTMIG", "IG", "3.4")
ADAMIG = ("STD.ADAMIG", "ADaMIG", "IG", "1.3")
CT = ("STD.CT", "CDISC/NCI", "CT", "2024-03-29")
#: Variables whose values the export derives rather than collects (sequence numbers, study days, the sums and
#: their changes of the TR summary rows, the responses of RS).
DERIVED = frozenset({"TUSEQ", "TRSEQ", "RSSEQ", "TUDY", "TRDY", "RSDY", "RSORRES", "RSSTRESC", "TULOBXFL",
                     "TRLOBXFL", "EPOCH", "TSSEQ", "PRSEQ", "SVSTDY", "SVENDY", "PRSTDY", "PRENDY", "PRDOSE",
                     "VISITNUM"})
#: Variables every record of the dataset has (Define-XML ``Mandatory``): identifiers, keys and the test.
MANDATORY = frozenset({"STUDYID", "DOMAIN", "RDOMAIN", "USUBJID", "SUBJID", "SITEID", "TUSEQ", "TRSEQ", "RSSEQ",
                       "TSSEQ", "TSPARMCD", "TSPARM", "PRSEQ", "PRTRT", "RELID",
                       "TUTESTCD", "TUTEST", "TRTESTCD", "TRTEST", "RSTESTCD", "RSTEST", "IDVAR", "IDVARVAL", "QNAM",
                       "QLABEL", "QVAL", "QORIG", "ASEQ", "PARAMCD", "PARAM"})
STRUCTURES = {
    "DM": "One record per subject",
    "TU": "One record per identified tumor per evaluator",
    "TR": "One record per tumor measurement or assessment per visit per evaluator",
    "RS": "One record per response assessment per visit per evaluator",
    "SUPPTU": "One record per IDVAR, IDVARVAL, and QNAM value per subject",
    "SUPPTR": "One record per IDVAR, IDVARVAL, and QNAM value per subject",
    "TS": "One record per trial summary parameter value",
    "TV": "One record per planned visit per arm",
    "SV": "One record per subject per actual visit",
    "PR": "One record per recorded procedure per occurrence per subject",
    "RELREC": "One record per related record, group of records or dataset",
}
CLASSES = {"DM": "SPECIAL PURPOSE", "SV": "SPECIAL PURPOSE", "SUPPTU": "RELATIONSHIP", "SUPPTR": "RELATIONSHIP",
           "RELREC": "RELATIONSHIP", "TS": "TRIAL DESIGN", "TV": "TRIAL DESIGN", "PR": "INTERVENTIONS"}
QUALIFIERS = cdisc_terms.QUALIFIER_LABELS


@dataclass(frozen=True)
class DefineContent:
    """What one define.xml describes: its standard, dataset and variable labels, structures, classes and the origin
    of each variable. :data:`SDTM` is the tabulation package's; ADaM's is :data:`recist_app.adam.writer.ADAM`.

    ``codes`` are the code lists of the package's own variables (variable → term → decode; decodes may be empty),
    ``copied`` the variables taken from the tabulation datasets (``Predecessor``), ``assigned`` those the export sets.
    """

    name: str
    standard: tuple[str, str, str, str]
    purpose: str
    dataset_labels: Mapping[str, str]
    variable_labels: Mapping[str, str]
    structures: Mapping[str, str]
    classes: Mapping[str, str]
    default_class: str
    derived: frozenset[str]
    assigned: frozenset[str]
    copied: frozenset[str] = frozenset()
    codes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


SDTM = DefineContent(
    "SDTM", SDTMIG, "Tabulation", cdisc_terms.DATASET_LABELS, cdisc_terms.VARIABLE_LABELS, STRUCTURES, CLASSES,
    "FINDINGS", DERIVED, frozenset({"STUDYID", "DOMAIN", "RDOMAIN", "IDVAR", "QNAM", "QLABEL", "QORIG", "ARMCD",
                                    "ACTARMCD", "ACTARM", "ARMNRS", "SEX", "TSPARMCD", "TSPARM", "TSVAL", "TVSTRL",
                                    "TVENRL", "SVUPDES", "PRTRT", "PRCAT", "RELTYPE", "RELID", "IDVARVAL",
                                    "PRDOSRGM"}),
    codes={name: {term: "" for term in sorted(terms)} for name, terms in cdisc_terms.CONTROLLED.items()})


def write_define(path: Path, tables: Iterable[Table], *, study: str, created: str,
                 content: DefineContent = SDTM) -> None:
    """Write ``define.xml`` for ``tables`` (their ``.xpt`` files lie beside it) of study ``study``."""
    tables = tuple(tables)
    ET.register_namespace("", ODM)
    ET.register_namespace("def", DEF)
    ET.register_namespace("xlink", XLINK)
    odm = ET.Element(_odm("ODM"), {"FileType": "Snapshot", "FileOID": f"DEFINE.{content.name}.{study}",
                                   "ODMVersion": "1.3.2", "CreationDateTime": created,
                                   "Originator": "RECIST workstation", _def("Context"): "Submission"})
    study_element = ET.SubElement(odm, _odm("Study"), {"OID": f"STUDY.{study}"})
    variables = ET.SubElement(study_element, _odm("GlobalVariables"))
    for name in ("StudyName", "StudyDescription", "ProtocolName"):
        ET.SubElement(variables, _odm(name)).text = study
    mdv = ET.SubElement(study_element, _odm("MetaDataVersion"), {
        "OID": f"MDV.{content.name}", "Name": f"{study} {content.name}",
        "Description": f"{content.name} tumor response datasets", _def("DefineVersion"): "2.1.0"})
    standards = ET.SubElement(mdv, _def("Standards"))
    for oid, name, kind, version in (content.standard, CT):
        attributes = {"OID": oid, "Name": name, "Type": kind, "Version": version, "Status": "Final"}
        if kind == "CT":
            attributes["PublishingSet"] = content.name
        ET.SubElement(standards, _def("Standard"), attributes)
    used = {name for table in tables for name in table.columns}
    _value_lists(mdv, tables)
    for table in tables:
        _item_group(mdv, table, content)
    for table in tables:
        for name in table.columns:
            _item_def(mdv, table, name, content)
    _value_level_items(mdv, tables)
    for name in sorted(used & set(content.codes)):
        _code_list(mdv, f"CL.{name}", name, content.codes[name], CT[0] if content is SDTM else "")
    for qnam, qualifier in cdisc_terms.SPONSOR_QUALIFIERS.items():
        if qualifier.values and any(table.name in QUALIFIERS for table in tables):  # sponsor-defined: no standard
            _code_list(mdv, f"CL.{qnam}", qnam, qualifier.values)
    ET.indent(odm)  # written into the export's working folder, which is swapped into place whole
    ET.ElementTree(odm).write(path, encoding="UTF-8", xml_declaration=True)


def _odm(tag: str) -> str:
    return f"{{{ODM}}}{tag}"


def _def(tag: str) -> str:
    return f"{{{DEF}}}{tag}"


def _description(parent: ET.Element, text: str) -> None:
    ET.SubElement(ET.SubElement(parent, _odm("Description")), _odm("TranslatedText"), {XML_LANG: "en"}).text = text


def _item_group(mdv: ET.Element, table: Table, content: DefineContent) -> None:
    name = table.name
    attributes = {"OID": f"IG.{name}", "Name": name, "Repeating": "Yes" if name != "ADSL" else "No"}
    if content is SDTM:
        attributes["Domain"] = name.removeprefix("SUPP")
    group = ET.SubElement(mdv, _odm("ItemGroupDef"), {
        **attributes, "SASDatasetName": name, "IsReferenceData": "No", "Purpose": content.purpose,
        _def("Structure"): content.structures[name], _def("StandardOID"): content.standard[0],
        _def("ArchiveLocationID"): f"LF.{name}"})
    _description(group, content.dataset_labels[name])
    for order, column in enumerate(table.columns, start=1):
        ET.SubElement(group, _odm("ItemRef"), {"ItemOID": f"IT.{name}.{column}", "OrderNumber": str(order),
                                               "Mandatory": "Yes" if column in MANDATORY else "No"})
    ET.SubElement(group, _def("Class"), {"Name": content.classes.get(name, content.default_class)})
    leaf = ET.SubElement(group, _def("leaf"), {"ID": f"LF.{name}", _xlink("href"): f"{name.lower()}.xpt"})
    ET.SubElement(leaf, _def("title")).text = f"{name.lower()}.xpt"


def _xlink(tag: str) -> str:
    return f"{{{XLINK}}}{tag}"


def _item_def(mdv: ET.Element, table: Table, name: str, content: DefineContent) -> None:
    if name in table.dates:
        kind = "date"
    elif name in table.numeric:
        kind = "integer" if table.whole(name) else "float"
    else:
        kind = "text"
    attributes = {"OID": f"IT.{table.name}.{name}", "Name": name, "DataType": kind, "SASFieldName": name}
    if kind in ("integer", "text"):
        attributes["Length"] = str(table.text_length(name))
    item = ET.SubElement(mdv, _odm("ItemDef"), attributes)
    if kind == "date":
        item.set(_def("DisplayFormat"), "DATE9.")
    _description(item, content.variable_labels[name])
    if name in content.codes:
        ET.SubElement(item, _odm("CodeListRef"), {"CodeListOID": f"CL.{name}"})
    _origin(item, name, content)
    if name == "QVAL" and table.name in QUALIFIERS:
        ET.SubElement(item, _def("ValueListRef"), {"ValueListOID": f"VL.{table.name}.QVAL"})


def _origin(item: ET.Element, name: str, content: DefineContent) -> None:
    if name in content.derived:
        ET.SubElement(item, _def("Origin"), {"Type": "Derived", "Source": "Sponsor"})
    elif name in content.assigned:
        ET.SubElement(item, _def("Origin"), {"Type": "Assigned", "Source": "Sponsor"})
    elif name in content.copied:
        ET.SubElement(item, _def("Origin"), {"Type": "Predecessor", "Source": "Sponsor"})
    else:
        ET.SubElement(item, _def("Origin"), {"Type": "Collected", "Source": "Investigator"})


def _value_lists(mdv: ET.Element, tables: tuple[Table, ...]) -> None:
    """A value list of QVAL per supplemental dataset, one item per QNAM, each with its where clause."""
    for table in tables:
        qualifiers = QUALIFIERS.get(table.name)
        if qualifiers is None:
            continue
        value_list = ET.SubElement(mdv, _def("ValueListDef"), {"OID": f"VL.{table.name}.QVAL"})
        for order, qnam in enumerate(qualifiers, start=1):
            ref = ET.SubElement(value_list, _odm("ItemRef"), {
                "ItemOID": f"IT.{table.name}.QVAL.{qnam}", "OrderNumber": str(order), "Mandatory": "Yes"})
            ET.SubElement(ref, _def("WhereClauseRef"), {"WhereClauseOID": f"WC.{table.name}.QNAM.{qnam}"})
    for table in tables:
        for qnam in QUALIFIERS.get(table.name, {}):
            where = ET.SubElement(mdv, _def("WhereClauseDef"), {"OID": f"WC.{table.name}.QNAM.{qnam}"})
            check = ET.SubElement(where, _odm("RangeCheck"), {"Comparator": "EQ", "SoftHard": "Soft",
                                                             _def("ItemOID"): f"IT.{table.name}.QNAM"})
            ET.SubElement(check, _odm("CheckValue")).text = qnam


def _value_level_items(mdv: ET.Element, tables: tuple[Table, ...]) -> None:
    """The ItemDef of each qualifier's QVAL: its label (and a sponsor-defined one's definition) and its terms."""
    for table in tables:
        qualifiers = QUALIFIERS.get(table.name)
        if qualifiers is None:
            continue
        pairs = tuple(zip(table.column("QNAM"), table.column("QVAL"), strict=True))
        for qnam, label in qualifiers.items():
            sponsor = cdisc_terms.SPONSOR_QUALIFIERS.get(qnam)
            values = [str(value) for name, value in pairs if name == qnam]
            item = ET.SubElement(mdv, _odm("ItemDef"), {
                "OID": f"IT.{table.name}.QVAL.{qnam}", "Name": "QVAL", "DataType": "text",
                "Length": str(max((len(v) for v in values), default=1)), "SASFieldName": "QVAL"})
            _description(item, f"{label}: {sponsor.definition} Sponsor-defined." if sponsor else label)
            if sponsor is None or sponsor.values:  # free text has no code list
                ET.SubElement(item, _odm("CodeListRef"), {"CodeListOID": f"CL.{qnam}" if sponsor else "CL.FLAG"})
            ET.SubElement(item, _def("Origin"), {"Type": "Collected", "Source": "Investigator"})
    if any(qnam not in cdisc_terms.SPONSOR_QUALIFIERS for table in tables for qnam in QUALIFIERS.get(table.name, {})):
        _code_list(mdv, "CL.FLAG", "No Yes Response", {"N": "", "Y": ""}, CT[0])


def _code_list(mdv: ET.Element, oid: str, name: str, terms: Mapping[str, str], standard: str = "") -> None:
    """A code list of ``terms`` (term → decode; enumerated when no term has a decode), of CDISC ``standard`` or
    sponsor-defined (none)."""
    attributes = {"OID": oid, "Name": name, "DataType": "text"}
    if standard:
        attributes[_def("StandardOID")] = standard
    code_list = ET.SubElement(mdv, _odm("CodeList"), attributes)
    decoded = any(terms.values())
    for order, (term, decode) in enumerate(terms.items(), start=1):
        if decoded:
            item = ET.SubElement(code_list, _odm("CodeListItem"), {"CodedValue": term, "OrderNumber": str(order)})
            text = ET.SubElement(ET.SubElement(item, _odm("Decode")), _odm("TranslatedText"), {XML_LANG: "en"})
            text.text = decode
        else:
            ET.SubElement(code_list, _odm("EnumeratedItem"), {"CodedValue": term, "OrderNumber": str(order)})
