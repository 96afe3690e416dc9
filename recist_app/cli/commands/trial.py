"""``trial create|info|reader add|disable|enable``: create a trial database, describe one, manage its readers.

    python main.py trial create CODE [--name TEXT] [--profile P.toml] [--blind-visits] [--db DB]
    python main.py trial info [--db DB | --trial CODE] [--json]
    python main.py trial reader add NAME --role ROLE [--db DB] [--password-stdin] [--json]
    python main.py trial reader disable|enable NAME [--db DB]

``create`` makes the schema through the migrations (a new SQLite file by default:
``<user data dir>/trials/CODE.sqlite``) and the trial with its protocol profile. ``info`` prints
the trial, its sites, subjects (with the number of time points that have images), readers, reads
and whether the audit chain verifies. ``reader add`` adds a reader with a role; the password is
never an argument (shell history, process lists): it is read from standard input with
``--password-stdin``, or asked twice at a terminal. ``reader disable`` stops a reader from logging
in (their reads and signatures stay); ``reader enable`` lets them in again. Both are audited.
On PostgreSQL, ``create`` also makes the trial's group roles and ``reader add`` the reader's login
role, which their workstation connects as (``db_role`` with ``--json``; ``recist_app.store.db_roles``).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any, TextIO

from recist_app.cli.store_options import actor, add_db_options, database, open_store
from recist_app.model.errors import InvalidRecordError
from recist_app.model.records import ReaderRole


def add_parser(subparsers: Any) -> None:
    """Register ``trial create`` and ``trial info``."""
    parser = subparsers.add_parser("trial", help="create or describe a trial database",
                                   description="Create a trial database or describe one.")
    actions = parser.add_subparsers(dest="trial_action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a trial (and its database)")
    create.add_argument("code", help="trial code, e.g. STEREOSARC")
    create.add_argument("--name", default="", help="trial name")
    create.add_argument("--profile", help="protocol profile (TOML) over the RULES §7 defaults")
    create.add_argument("--blind-visits", action="store_true",
                        help="central readers see time points as TP1, TP2 … in a randomised order, undated")
    add_db_options(create)
    create.set_defaults(handler=run_create)
    info = actions.add_parser("info", help="describe a trial")
    add_db_options(info)
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(handler=run_info)
    reader = actions.add_parser("reader", help="manage the trial's readers", description="Manage the trial's readers.")
    reader_actions = reader.add_subparsers(dest="reader_action", required=True, metavar="ACTION")
    add = reader_actions.add_parser("add", help="add a reader with a role and a password",
                                    description="Add a reader. The password is read from standard input "
                                                "(--password-stdin) or asked twice at a terminal.")
    add.add_argument("name", help="the reader's name as the log-in dialog lists it")
    add.add_argument("--role", required=True, choices=[role.value for role in ReaderRole], help="the reader's role")
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    add.add_argument("--json", action="store_true",
                     help='print {"reader_id", "name", "role", "db_role"} (db_role: null on SQLite)')
    add_db_options(add)
    add.set_defaults(handler=run_reader_add)
    for action, verb in (("disable", "stop a reader from logging in (reads and signatures stay)"),
                         ("enable", "let a disabled reader log in again")):
        toggle = reader_actions.add_parser(action, help=verb, description=verb[0].upper() + verb[1:] + ".")
        toggle.add_argument("name", help="the reader's name as the log-in dialog lists it")
        add_db_options(toggle)
        toggle.set_defaults(handler=run_reader_toggle, active=action == "enable")


def run_create(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Create the trial ``args.code``."""
    from recist_app.evaluation.profile_file import read_trial_profile
    from recist_app.store import TrialStore

    profile_text = ""
    if args.profile:  # engine keys, [series] and [[visit]] checked: InputFileError names the file and key
        profile_text, _ = read_trial_profile(args.profile)
    args.trial = args.trial or args.code
    target = database(args)
    with TrialStore.create(target, code=args.code, name=args.name, profile_toml=profile_text,
                           blind_visits=args.blind_visits, actor=actor(args)) as store:
        stream = out if out is not None else sys.stdout
        stream.write(f"Created trial {store.trial.code} in {store.db.name}\n")
        if store.db.dialect == "sqlite":
            from recist_app.store.audit_keys import trial_key_path

            stream.write(f"Its audit key is {trial_key_path(store.trial_uid)}: back it up with the database; without "
                         "it nothing more can be written to this trial (README \"Central review on a server\").\n")
    return 0


def run_info(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print the trial's description."""
    stream = out if out is not None else sys.stdout
    with open_store(args) as store:
        info = describe(store)
    if args.json:
        json.dump(info, stream, indent=2)
        stream.write("\n")
    else:
        stream.write(render(info))
    return 0


def run_reader_add(args: argparse.Namespace, out: TextIO | None = None, stdin: TextIO | None = None) -> int:
    """Add the reader ``args.name`` with ``args.role``."""
    stream = out if out is not None else sys.stdout
    from recist_app.store.signoff import check_new_password

    password = check_new_password(read_password(args.password_stdin, stdin if stdin is not None else sys.stdin))
    with open_store(args) as store:
        reader = store.add_reader(args.name, args.role, password, actor=actor(args))
        code = store.trial.code
    if args.json:
        json.dump({"reader_id": reader.uid, "name": reader.name, "role": reader.role.value,
                   "db_role": reader.db_role}, stream)
        stream.write("\n")
    else:
        login = f"; their workstation connects as database role {reader.db_role}" if reader.db_role else ""
        stream.write(f"Added reader {reader.name} ({reader.role.value}) to {code}{login}\n")
    return 0


def run_reader_toggle(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Disable (``args.active`` False) or enable the reader named ``args.name``."""
    from recist_app.store.errors import NotFoundError

    stream = out if out is not None else sys.stdout
    with open_store(args) as store:
        reader = next((r for r in store.readers() if r.name == args.name), None)
        if reader is None:
            raise NotFoundError("reader", args.name)
        was_active = reader.active
        reader = store.set_reader_active(reader.uid, args.active, actor=actor(args))
        code = store.trial.code
    state = "enabled" if reader.active else "disabled"
    already = "already " if was_active == reader.active else ""
    stream.write(f"Reader {reader.name} of {code} is {already}{state}\n")
    return 0


def read_password(from_stdin: bool, stdin: TextIO) -> str:
    """The new reader's password: the first line of ``stdin``, or asked twice at a terminal."""
    if from_stdin:
        return stdin.readline().rstrip("\r\n")
    if not stdin.isatty():
        raise InvalidRecordError("--password-stdin", None, "given when standard input is not a terminal")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise InvalidRecordError("password", "***", "typed the same twice")
    return first


def describe(store: Any) -> dict[str, Any]:
    """The trial as JSON-ready data."""
    trial = store.trial
    chain = store.verify_chain()
    subjects = store.subjects()
    return {
        "code": trial.code, "name": trial.name, "database": store.db.name, "profile": store.profile.name,
        "blind_visits": trial.blind_visits, "adjudicate_on": list(trial.adjudicate_on),
        "sites": [site.code for site in store.sites()],
        "subjects": [{"subject_id": s.subject_id, "site": s.site_code, "arm": s.arm,
                      "timepoints": sum(1 for tp in store.timepoints(s.subject_id) if tp.series)} for s in subjects],
        "readers": [{"name": r.name, "role": r.role.value} for r in store.readers()],
        "reads": len(store.reads()),
        "audit": {"entries": chain.entries, "chain_ok": chain.ok, "problem": chain.problem},
    }


def render(info: dict[str, Any]) -> str:
    """The description as text."""
    audit = info["audit"]
    chain = "verified" if audit["chain_ok"] else f"BROKEN: {audit['problem']}"
    blind = "yes" if info["blind_visits"] else "no"
    lines = [f"Trial {info['code']}: {info['name']}".rstrip(": "), f"  database: {info['database']}",
             (f"  profile: {info['profile']}; blinded visits: {blind}; "
              f"adjudication on: {', '.join(info['adjudicate_on'])}"),
             f"  sites: {', '.join(info['sites']) or 'none'}",
             f"  subjects: {len(info['subjects'])}"]
    lines += [f"    {s['subject_id']} (site {s['site']}{', arm ' + s['arm'] if s['arm'] else ''}): "
              f"{s['timepoints']} time point(s) with images" for s in info["subjects"]]
    lines.append(f"  readers: {len(info['readers'])}")
    lines += [f"    {r['name']} ({r['role']})" for r in info["readers"]]
    lines.append(f"  reads: {info['reads']}")
    lines.append(f"  audit trail: {audit['entries']} entries, hash chain {chain}")
    return "\n".join(lines) + "\n"
