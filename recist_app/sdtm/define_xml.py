"""Define-XML 2.1 of the SDTM datasets an export writes (``sdtm/define.xml``), and of the ADaM ones
(``adam/define.xml``): what each dataset and variable is, each dataset's keys (``KeySequence``), the terms each
controlled variable may take, and value-level metadata: per QNAM for the supplemental qualifiers, per PARAMCD for the
analysis value of ADRS, ADTTE and ADTR, with a ``MethodDef`` saying how each parameter is derived.

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
                     "EXSEQ", "EXSTDY", "EXENDY", "EXDOSE", "VISITNUM"})
#: Variables every record of the dataset has (Define-XML ``Mandatory``): identifiers, keys and the test.
MANDATORY = frozenset({"STUDYID", "DOMAIN", "RDOMAIN", "USUBJID", "SUBJID", "SITEID", "TUSEQ", "TRSEQ", "RSSEQ",
                       "TSSEQ", "TSPARMCD", "TSPARM", "PRSEQ", "PRTRT", "EXSEQ", "EXTRT", "RELID",
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
    "EX": "One record per constant dosing interval per subject",
    "RELREC": "One record per related record, group of records or dataset",
}
#: Each SDTM dataset's keys (Define-XML KeySequence; CDISC.md §1–§4): unique on every export (tested). TR's two
#: SUMDIAM rows of a visit (the targets', the new-lesion targets') differ by TRGRPID.
KEYS: Mapping[str, tuple[str, ...]] = {
    "DM": ("STUDYID", "USUBJID"),
    "TU": ("STUDYID", "USUBJID", "TUEVAL", "TUEVALID", "TULNKID"),
    "TR": ("STUDYID", "USUBJID", "TREVAL", "TREVALID", "VISITNUM", "TRGRPID", "TRLNKID", "TRTESTCD"),
    "RS": ("STUDYID", "USUBJID", "RSEVAL", "RSEVALID", "VISITNUM", "RSCAT", "RSSCAT", "RSTESTCD"),
    "SUPPTU": ("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM"),
    "SUPPTR": ("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM"),
    "TS": ("STUDYID", "TSPARMCD", "TSSEQ"),
    "TV": ("STUDYID", "VISITNUM"),
    "SV": ("STUDYID", "USUBJID", "VISITNUM"),
    "PR": ("STUDYID", "USUBJID", "PRSEQ"),
    "EX": ("STUDYID", "USUBJID", "EXSEQ"),
    "RELREC": ("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "RELID"),
}
CLASSES = {"DM": "SPECIAL PURPOSE", "SV": "SPECIAL PURPOSE", "SUPPTU": "RELATIONSHIP", "SUPPTR": "RELATIONSHIP",
           "RELREC": "RELATIONSHIP", "TS": "TRIAL DESIGN", "TV": "TRIAL DESIGN", "PR": "INTERVENTIONS",
           "EX": "INTERVENTIONS"}
QUALIFIERS = cdisc_terms.QUALIFIER_LABELS


@dataclass(frozen=True)
class DefineContent:
    """What one define.xml describes: its standard, dataset and variable labels, structures, classes and the origin
    of each variable. :data:`SDTM` is the tabulation package's; ADaM's is :data:`recist_app.adam.writer.ADAM`.

    ``codes`` are the code lists of the package's own variables (variable → term → decode; decodes may be empty),
    ``copied`` the variables taken from the tabulation datasets (``Predecessor``), ``assigned`` those the export sets.
    ``keys`` are each dataset's keys in order. ``value_variables`` name, per dataset, the variable described per
    ``PARAMCD`` (value-level metadata), and ``methods`` how each parameter is derived (by PARAMCD without its
    trailing number).
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
    keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    value_variables: Mapping[str, str] = field(default_factory=dict)
    methods: Mapping[str, str] = field(default_factory=dict)

    def method(self, paramcd: str) -> str | None:
        """The MethodDef OID of a parameter (``LDIAM3`` → ``MT.LDIAM``); None when no method is described."""
        base = paramcd.rstrip("0123456789")
        return f"MT.{base}" if base in self.methods else None


SDTM = DefineContent(
    "SDTM", SDTMIG, "Tabulation", cdisc_terms.DATASET_LABELS, cdisc_terms.VARIABLE_LABELS, STRUCTURES, CLASSES,
    "FINDINGS", DERIVED, frozenset({"STUDYID", "DOMAIN", "RDOMAIN", "IDVAR", "QNAM", "QLABEL", "QORIG", "ARMCD",
                                    "ACTARMCD", "ACTARM", "ARMNRS", "SEX", "TSPARMCD", "TSPARM", "TSVAL", "TVSTRL",
                                    "TVENRL", "SVUPDES", "PRTRT", "PRCAT", "RELTYPE", "RELID", "IDVARVAL",
                                    "PRDOSRGM", "EXTRT", "EXCAT", "EXDOSRGM"}),
    codes={name: {term: "" for term in sorted(terms)} for name, terms in cdisc_terms.CONTROLLED.items()}, keys=KEYS)


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
    levels = [level for table in tables for level in _levels(table, content)]
    _value_lists(mdv, levels)
    for table in tables:
        _item_group(mdv, table, content)
    for table in tables:
        for name in table.columns:
            _item_def(mdv, table, name, content)
    for level in levels:
        _value_level_item(mdv, level)
    for name in sorted(used & set(content.codes)):
        _code_list(mdv, f"CL.{name}", name, content.codes[name], CT[0] if content is SDTM else "")
    if any(level.terms is FLAG_TERMS for level in levels):
        _code_list(mdv, "CL.FLAG", "No Yes Response", FLAG_TERMS, CT[0])
    for level in levels:  # sponsor-defined qualifiers and analysis values: no standard
        if level.terms and level.terms is not FLAG_TERMS:
            _code_list(mdv, level.code_list, f"{level.value} {level.variable}" if level.variable != "QVAL"
                       else level.value, level.terms)
    for base in sorted({m.removeprefix("MT.") for level in levels if (m := level.method) is not None}):
        method = ET.SubElement(mdv, _odm("MethodDef"), {"OID": f"MT.{base}", "Name": f"Algorithm to derive {base}",
                                                        "Type": "Computation"})
        _description(method, content.methods[base])
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
    keys = content.keys.get(name, ())
    for order, column in enumerate(table.columns, start=1):
        ref = {"ItemOID": f"IT.{name}.{column}", "OrderNumber": str(order),
               "Mandatory": "Yes" if column in MANDATORY else "No"}
        if column in keys:
            ref["KeySequence"] = str(keys.index(column) + 1)
        ET.SubElement(group, _odm("ItemRef"), ref)
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
    if (name == "QVAL" and table.name in QUALIFIERS) or content.value_variables.get(table.name) == name:
        ET.SubElement(item, _def("ValueListRef"), {"ValueListOID": f"VL.{table.name}.{name}"})


def _origin(item: ET.Element, name: str, content: DefineContent) -> None:
    if name in content.derived:
        ET.SubElement(item, _def("Origin"), {"Type": "Derived", "Source": "Sponsor"})
    elif name in content.assigned:
        ET.SubElement(item, _def("Origin"), {"Type": "Assigned", "Source": "Sponsor"})
    elif name in content.copied:
        ET.SubElement(item, _def("Origin"), {"Type": "Predecessor", "Source": "Sponsor"})
    else:
        ET.SubElement(item, _def("Origin"), {"Type": "Collected", "Source": "Investigator"})


@dataclass(frozen=True)
class ValueLevel:
    """One value-level ItemDef: ``variable`` of ``dataset`` where ``key`` equals ``value`` (a SUPP QVAL by QNAM, an
    ADaM analysis value by PARAMCD), with its description, data type, length, origin, terms and method."""

    dataset: str
    variable: str
    key: str
    value: str
    description: str
    data_type: str
    length: int | None
    origin: str
    terms: Mapping[str, str] = field(default_factory=dict)
    method: str | None = None
    mandatory: bool = True

    @property
    def oid(self) -> str:
        return f"IT.{self.dataset}.{self.variable}.{self.value}"

    @property
    def where(self) -> str:
        return f"WC.{self.dataset}.{self.key}.{self.value}"

    @property
    def code_list(self) -> str:
        """The OID of its code list: ``CL.FLAG``, ``CL.<QNAM>`` of a sponsor-defined qualifier,
        ``CL.<dataset>.<variable>.<PARAMCD>`` of an analysis value."""
        if self.terms is FLAG_TERMS:
            return "CL.FLAG"
        return f"CL.{self.value}" if self.variable == "QVAL" else f"CL.{self.dataset}.{self.variable}.{self.value}"


#: The No Yes Response terms of the CDISC qualifiers (C66742).
FLAG_TERMS: Mapping[str, str] = {"N": "", "Y": ""}


def _levels(table: Table, content: DefineContent) -> list[ValueLevel]:
    """The value-level items of ``table``: one per qualifier of a SUPP dataset, one per parameter of a BDS dataset."""
    if table.name in QUALIFIERS:
        return _qualifier_levels(table)
    variable = content.value_variables.get(table.name)
    return [] if variable is None else _parameter_levels(table, variable, content)


def _qualifier_levels(table: Table) -> list[ValueLevel]:
    """QVAL per QNAM: the label (and a sponsor-defined qualifier's definition, origin and terms)."""
    pairs = tuple(zip(table.column("QNAM"), table.column("QVAL"), strict=True))
    levels = []
    for qnam, label in QUALIFIERS[table.name].items():
        sponsor = cdisc_terms.SPONSOR_QUALIFIERS.get(qnam)
        values = [str(value) for name, value in pairs if name == qnam]
        levels.append(ValueLevel(
            table.name, "QVAL", "QNAM", qnam, f"{label}: {sponsor.definition} Sponsor-defined." if sponsor
            else label, "text", max((len(v) for v in values), default=1),
            "Derived" if sponsor and sponsor.derived else "Collected",
            sponsor.values if sponsor else FLAG_TERMS))  # a free-text qualifier has no terms
    return levels


def _parameter_levels(table: Table, variable: str, content: DefineContent) -> list[ValueLevel]:
    """``variable`` (AVALC or AVAL) per PARAMCD: the parameter and its unit, the values found, its method."""
    names: dict[str, str] = {}
    records: dict[str, int] = {}
    found: dict[str, list[str]] = {}
    units: dict[str, set[str]] = {}
    for record in table.records():
        code = str(record["PARAMCD"])
        names.setdefault(code, str(record["PARAM"]))
        records[code] = records.get(code, 0) + 1
        if record[variable] not in (None, ""):
            found.setdefault(code, []).append(str(record[variable]))
        if record.get("AVALU"):
            units.setdefault(code, set()).add(str(record["AVALU"]))
    numeric = variable in table.numeric
    levels = []
    for code, name in names.items():
        texts = found.get(code, [])
        kind = "text" if not numeric else "integer" if all(t.lstrip("-").isdigit() for t in texts) else "float"
        unit = f" in {', '.join(sorted(units[code]))}" if code in units else ""
        levels.append(ValueLevel(table.name, variable, "PARAMCD", code, f"{name}{unit}", kind,
                                 None if kind == "float" else max((len(t) for t in texts), default=1), "Derived",
                                 {} if numeric else dict.fromkeys(texts, ""), content.method(code),
                                 len(texts) == records[code]))
    return levels


def _value_lists(mdv: ET.Element, levels: list[ValueLevel]) -> None:
    """A value list per described variable (SUPP QVAL, ADaM AVALC / AVAL), one item per key value with its where
    clause (and its method), then the where clauses (Define-XML puts every ValueListDef first)."""
    lists: dict[str, ET.Element] = {}
    for level in levels:
        oid = f"VL.{level.dataset}.{level.variable}"
        if oid not in lists:
            lists[oid] = ET.SubElement(mdv, _def("ValueListDef"), {"OID": oid})
        ref = {"ItemOID": level.oid, "OrderNumber": str(len(lists[oid]) + 1),
               "Mandatory": "Yes" if level.mandatory else "No"}
        if level.method:
            ref["MethodOID"] = level.method
        ET.SubElement(ET.SubElement(lists[oid], _odm("ItemRef"), ref), _def("WhereClauseRef"),
                      {"WhereClauseOID": level.where})
    for level in levels:
        where = ET.SubElement(mdv, _def("WhereClauseDef"), {"OID": level.where})
        check = ET.SubElement(where, _odm("RangeCheck"), {"Comparator": "EQ", "SoftHard": "Soft",
                                                         _def("ItemOID"): f"IT.{level.dataset}.{level.key}"})
        ET.SubElement(check, _odm("CheckValue")).text = level.value


def _value_level_item(mdv: ET.Element, level: ValueLevel) -> None:
    """The ItemDef of one value level: its description, type, terms and origin."""
    attributes = {"OID": level.oid, "Name": level.variable, "DataType": level.data_type,
                  "SASFieldName": level.variable}
    if level.length is not None:
        attributes["Length"] = str(level.length)
    item = ET.SubElement(mdv, _odm("ItemDef"), attributes)
    _description(item, level.description)
    if level.terms:
        ET.SubElement(item, _odm("CodeListRef"), {"CodeListOID": level.code_list})
    ET.SubElement(item, _def("Origin"), {"Type": level.origin, "Source": "Sponsor" if level.origin == "Derived"
                                         else "Investigator"})


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
