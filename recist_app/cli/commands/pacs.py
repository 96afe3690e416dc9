"""``pacs echo|query|send``: is a PACS there, what does it hold; send the signed reports back (issue 15).

    python main.py pacs echo SERVER [--calling-aet AET]
    python main.py pacs query SERVER [--patient ID] [--study UID] [--since DATE] [--until DATE] [--modality CT]
                              [--calling-aet AET] [--json]
    python main.py pacs send SERVER [--subject ID] [--calling-aet AET] [--db DB | --trial CODE]
    python main.py pacs login SERVER (--username NAME | --token)

SERVER is a DICOMweb root (``http://host:port/dicom-web``: QIDO-RS) or a DIMSE node
(``dimse://AET@host:port``: C-ECHO, C-FIND, called as AET, calling as ``--calling-aet``, default
RECIST). ``query`` prints each study with its series (``--since``/``--until``: study dates, ISO
8601, inclusive; ``--modality``: studies holding such series, with those series only);
``--json`` prints ``[{"patient_id", "study_uid", "study_date", "series": [{"series_uid",
"modality", "description", "number", "instances"}]}]``. ``send`` stores the DICOM SR of every
signed time point of every read (of ``--subject``) in its source study, with the source patient
identity (``recist_app.pacs.send``): one line per report, sent or already on the server; a report
that cannot be made is listed with why and the others are still sent. ``login`` asks for the password
of NAME (or the token) at a prompt that does not echo it, files it in the system keyring and points
the credentials file there (``recist_app.imaging.sources.credentials``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import date
from typing import Any, TextIO

from recist_app.cli.store_options import add_db_options, open_store
from recist_app.imaging.errors import PacsError
from recist_app.imaging.sources.dimse import DEFAULT_CALLING_AET
from recist_app.imaging.sources.query import StudyQuery
from recist_app.imaging.sources.retrieve import client_of

SERVER_HELP = "http(s)://host:port/dicom-web (DICOMweb) or dimse://AET@host:port (DIMSE)"


def add_calling_aet(parser: argparse.ArgumentParser) -> None:
    """``--calling-aet``: this workstation's AE title towards a DIMSE node."""
    parser.add_argument("--calling-aet", default=DEFAULT_CALLING_AET, metavar="AET",
                        help=f"this workstation's AE title for a dimse:// node (default {DEFAULT_CALLING_AET})")


def iso_date(text: str) -> date:
    """A date given as YYYY-MM-DD (argparse's error, exit 2, for anything else)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD") from None


def add_parser(subparsers: Any) -> None:
    """Register ``pacs echo`` and ``pacs query``."""
    parser = subparsers.add_parser("pacs", help="query a PACS (DICOMweb or DIMSE)",
                                   description="Query a PACS over DICOMweb or DIMSE.")
    actions = parser.add_subparsers(dest="pacs_action", required=True, metavar="ACTION")
    echo = actions.add_parser("echo", help="check that the server answers a query")
    echo.add_argument("server", metavar="SERVER", help=SERVER_HELP)
    add_calling_aet(echo)
    echo.set_defaults(handler=run_echo)
    query = actions.add_parser("query", help="list the studies and series of a patient (or of every patient)")
    query.add_argument("server", metavar="SERVER", help=SERVER_HELP)
    add_calling_aet(query)
    query.add_argument("--patient", help="Patient ID (0010,0020)")
    query.add_argument("--study", help="Study Instance UID (0020,000D)")
    query.add_argument("--since", type=iso_date, metavar="YYYY-MM-DD", help="studies on or after this date")
    query.add_argument("--until", type=iso_date, metavar="YYYY-MM-DD", help="studies on or before this date")
    query.add_argument("--modality", default="", help="only studies with series of this modality (e.g. CT), "
                                                      "listing those series")
    query.add_argument("--json", action="store_true", help="print JSON")
    query.set_defaults(handler=run_query)
    send = actions.add_parser("send", help="store the SR of every signed time point on the PACS")
    send.add_argument("server", metavar="SERVER", help=SERVER_HELP)
    send.add_argument("--subject", help="only this subject's reads")
    add_calling_aet(send)
    add_db_options(send)
    send.set_defaults(handler=run_send)
    login = actions.add_parser("login", help="keep a DICOMweb server's password or token in the system keyring")
    login.add_argument("server", metavar="SERVER", help="http(s)://host:port/dicom-web")
    who = login.add_mutually_exclusive_group(required=True)
    who.add_argument("--username", help="the user name (HTTP basic); its password is asked for")
    who.add_argument("--token", action="store_true", help="a bearer token, asked for")
    login.set_defaults(handler=run_login)


def run_echo(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print how long the server took to answer a minimal query."""
    stream = out if out is not None else sys.stdout
    client = client_of(args.server, args.calling_aet)
    seconds = client.echo()
    stream.write(f"{client.server.url} answers ({seconds * 1000:.0f} ms)\n")
    return 0


def run_query(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print the matching studies with their series."""
    stream = out if out is not None else sys.stdout
    query = StudyQuery(args.patient or "", args.study or "", args.since, args.until, args.modality.strip().upper())
    studies = client_of(args.server, args.calling_aet).studies(query)
    rows: list[dict[str, Any]] = [
        {"patient_id": study.patient_id, "study_uid": study.study_uid, "study_date": study.study_date,
         "series": [{"series_uid": s.series_uid, "modality": s.modality, "description": s.description,
                     "number": s.number, "instances": s.instances} for s in study.series]}
        for study in studies]
    if args.json:
        json.dump(rows, stream, indent=2)
        stream.write("\n")
        return 0
    for row in rows:
        stream.write(f"{row['patient_id']}  {row['study_date']}  study {row['study_uid']}\n")
        for series in row["series"]:
            stream.write(f"  #{series['number'] if series['number'] is not None else '-'}  {series['modality']}  "
                         f"{series['instances']} images  {series['description']}  {series['series_uid']}\n")
    if not rows:
        stream.write("no study matches\n")
    return 0


def run_send(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Send the signed reports; one line each, then the counts."""
    from recist_app.pacs.send import SentReport, send_reports

    stream = out if out is not None else sys.stdout

    def say(report: SentReport) -> None:
        stream.write(f"{report.subject_id}  {report.visit}  {report.reader}  → {report.outcome}\n")

    with open_store(args) as store:
        snapshots = store.read_snapshots([args.subject] if args.subject else None)
        reports = send_reports(snapshots, args.server, calling_aet=args.calling_aet, on_report=say)
    counts = Counter(report.outcome.split(":")[0] for report in reports)
    stream.write(f"{counts['sent']} report(s) sent, {counts['already on the server']} already on the server, "
                 f"{counts['not sent']} not sent.\n")
    return 0


def run_login(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Ask for the secret (not echoed), keep it in the keyring, say where the credentials file points."""
    import getpass

    from recist_app.imaging.sources.credentials import store_in_keyring
    from recist_app.imaging.sources.servers import DicomWebServer, parse_server

    stream = out if out is not None else sys.stdout
    server = parse_server(args.server)
    if not isinstance(server, DicomWebServer):
        raise PacsError(f"{server.url}: a DIMSE node has no password (its AE titles are its access control).")
    what = "token" if args.token else f"password of {args.username}"
    secret = getpass.getpass(f"The {what} at {server.url}: ")
    if not secret:
        raise PacsError(f"No {what} given: nothing stored.")
    path = store_in_keyring(server.url, "" if args.token else args.username, secret)
    stream.write(f"The {what} at {server.url} is in the system keyring; {path} points there.\n")
    return 0
