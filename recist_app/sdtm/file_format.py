"""Why a file is not the comma-separated UTF-8 text the SDTM readers take, in the user's words.

Used by :mod:`recist_app.sdtm.csv_io` before and after parsing, so that the one-line error names
the real cause: an Excel file given where CSV is expected, a UTF-16 or Windows-1252 file (with the
line and the bytes that are not UTF-8), binary data (the line of its first NUL byte), or a header
split by semicolons or tabs rather than commas. SAS transport (XPT) and Dataset-JSON files are
recognised (:func:`table_format`) and read as tables of text (issue 18).
"""

from __future__ import annotations

from pathlib import Path

from recist_app.sdtm.xpt_layout import header_prefix

#: Bytes read from the start of a file to recognise its format (the longest magic has 48).
HEAD_BYTES = 64

#: (magic prefix, what the file is, what to do): checked in order against the file's first bytes.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "is a ZIP archive or Excel workbook (.xlsx), not CSV text: save the sheet as CSV (UTF-8)"),
    (b"\xd0\xcf\x11\xe0", "is an Excel 97-2003 (.xls) file, not CSV text: save the sheet as CSV (UTF-8)"),
    (b"\xff\xfe", "is UTF-16 text; save it as UTF-8 CSV"),
    (b"\xfe\xff", "is UTF-16 text; save it as UTF-8 CSV"),
)
_DELIMITERS = ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars"))


#: The first bytes of a SAS transport file, by version (read by :func:`recist_app.sdtm.table_readers.read_xpt`).
TRANSPORT_MAGIC = {5: header_prefix("LIBRARY"), 8: header_prefix("LIBV8")}


def table_format(path: str | Path, head: bytes) -> str:
    """``"xpt"`` (SAS transport v5 or v8), ``"json"`` (Dataset-JSON: a ``.json`` file or one starting with ``{``) or
    ``"csv"``, what a dataset file starting with ``head`` is."""
    if any(head.startswith(magic) for magic in TRANSPORT_MAGIC.values()):
        return "xpt"
    if Path(path).suffix.lower() == ".json" or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "json"
    return "csv"


def format_problem(head: bytes) -> str | None:
    """What the file starting with ``head`` is, when it is certainly not CSV text; else None."""
    for magic, problem in _MAGIC:
        if head.startswith(magic):
            return problem
    return None  # other binary data shows as a NUL byte: :func:`nul_line`


def read_head(path: str | Path) -> bytes:
    """The first :data:`HEAD_BYTES` of ``path`` (raises OSError as ``open`` does)."""
    with open(path, "rb") as handle:
        return handle.read(HEAD_BYTES)


def nul_line(path: str | Path) -> int | None:
    """The 1-based line of the first NUL byte of ``path`` (binary data in a text file), else None.

    Read in chunks at C speed: cheaper than looking at every line of a large TR table in Python.
    """
    lines = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            at = chunk.find(b"\x00")
            if at >= 0:
                return lines + chunk.count(b"\n", 0, at) + 1
            lines += chunk.count(b"\n")
    return None


def encoding_problem(path: str | Path) -> tuple[int, str] | None:
    """(1-based line, description) of the first line of ``path`` that is not UTF-8; None if all are.

    UTF-8 never uses the newline byte inside a character, so lines can be decoded one by one.
    """
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad = raw[exc.start:exc.end]
                around = raw[max(exc.start - 20, 0):exc.end + 20].decode("cp1252", errors="replace").strip()
                return number, (f"is not UTF-8: byte(s) {bad.hex(' ').upper()} in ...{around}...; it looks like "
                                "Windows-1252 (Latin-1) text: save the file as UTF-8 CSV")
    return None


def delimiter_problem(header: tuple[str, ...], any_field: bool = False) -> str | None:
    """Which delimiter a one-column header is split by, when it is not a comma; else None.

    With ``any_field`` (a header already known to lack required columns), a semicolon, tab or bar
    in any of its fields is enough.
    """
    if len(header) != 1 and not any_field:
        return None
    for delimiter, name in _DELIMITERS:
        if any(delimiter in field for field in header):
            return (f"the header is split by {name}, not commas; the SDTM readers take "
                    "comma-separated CSV: save the file with commas as the delimiter")
    return None
