"""Issue 15: a PACS that asks for credentials gets them from the owner-only credentials file or the system
keyring, never from the command line (a private Orthanc with HTTP basic authentication, tests/orthanc.py)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends.fail import Keyring as FailKeyring

from recist_app.cli import main
from recist_app.imaging.sources.credentials import Credentials, keyring_service
from tests import orthanc as harness
from tests.support import require

USERS = {"reader": "correct horse battery"}


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[harness.Orthanc]:
    reason = harness.missing()
    require(not reason, reason)
    server = harness.start(tmp_path_factory.mktemp("orthanc-auth"), USERS)
    try:
        yield server
    finally:
        server.stop()


def echo(capsys: pytest.CaptureFixture[str], server: harness.Orthanc) -> tuple[int, str]:
    status = main(["pacs", "echo", server.dicomweb])
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def write_config(path: Path, url: str, password: str, mode: int = 0o600) -> None:
    path.write_text(f'[[server]]\nurl = "{url}"\nusername = "reader"\npassword = "{password}"\n', encoding="utf-8")
    os.chmod(path, mode)


def test_credentials_come_from_the_owner_only_file(guarded: harness.Orthanc, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "pacs.toml"
    monkeypatch.setenv("RECIST_PACS_CONFIG", str(config))
    status, text = echo(capsys, guarded)
    assert status == 2 and "needs credentials (401" in text and str(config) in text
    write_config(config, guarded.dicomweb, USERS["reader"], 0o644)
    status, text = echo(capsys, guarded)
    assert status == 2 and f"may be read by others: make it yours alone (chmod 600 {config})" in text
    write_config(config, guarded.dicomweb + "/", "wrong password")  # the same server, written with a slash
    status, text = echo(capsys, guarded)
    assert status == 2 and "refused the credentials given (401" in text and "wrong password" not in text
    write_config(config, guarded.dicomweb, USERS["reader"])
    status, text = echo(capsys, guarded)
    assert status == 0 and text.startswith(f"{guarded.dicomweb} answers (")
    assert main(["pacs", "query", guarded.dicomweb]) == 0
    assert capsys.readouterr().out == "no study matches\n"
    config.write_text("[[server]\n", encoding="utf-8")
    status, text = echo(capsys, guarded)
    assert status == 2 and f"The PACS credentials file {config} cannot be read" in text


def test_the_authorization_header_and_no_password_in_a_repr() -> None:
    basic = Credentials("reader", "pa:ss")
    assert basic.authorization == "Basic cmVhZGVyOnBhOnNz" and "pa:ss" not in repr(basic)
    assert Credentials(token="abc.def").authorization == "Bearer abc.def"


@pytest.fixture
def file_keyring(tmp_path: Path) -> Iterator[KeyringBackend]:
    """The system keyring replaced by keyrings.alt's file-backed one, in a temporary folder."""
    from keyrings.alt.file import PlaintextKeyring

    before = keyring.get_keyring()
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(before)


def test_pacs_login_keeps_the_password_in_the_keyring(guarded: harness.Orthanc, file_keyring: KeyringBackend,
                                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """``pacs login`` asks for the password at a prompt, files it in the keyring and points the credentials file
    there: the file holds no secret, and the server accepts what the keyring gives."""
    config = tmp_path / "config" / "pacs.toml"
    monkeypatch.setenv("RECIST_PACS_CONFIG", str(config))
    typed = iter([USERS["reader"], "a wrong one", ""])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(typed))
    assert main(["pacs", "login", guarded.dicomweb, "--username", "reader"]) == 0
    assert "is in the system keyring" in capsys.readouterr().out
    assert stat.S_IMODE(config.stat().st_mode) == 0o600 and USERS["reader"] not in config.read_text()
    assert file_keyring.get_password(keyring_service(guarded.dicomweb), "reader") == USERS["reader"]
    status, text = echo(capsys, guarded)
    assert status == 0 and text.startswith(f"{guarded.dicomweb} answers (")
    assert main(["pacs", "login", guarded.dicomweb, "--username", "reader"]) == 0  # a new password replaces it
    assert config.read_text().count("[[server]]") == 1
    status, text = echo(capsys, guarded)
    assert status == 2 and "refused the credentials given (401" in text
    assert main(["pacs", "login", guarded.dicomweb, "--username", "reader"]) == 2  # nothing typed
    assert "No password of reader given: nothing stored." in capsys.readouterr().err
    file_keyring.delete_password(keyring_service(guarded.dicomweb), "reader")
    status, text = echo(capsys, guarded)
    assert status == 2 and "holds no secret of reader" in text and "pacs login" in text
    keyring.set_keyring(FailKeyring())  # a machine without a keyring
    status, text = echo(capsys, guarded)
    assert status == 2 and "The system keyring cannot be read" in text
    assert main(["pacs", "login", guarded.dimse, "--token"]) == 2
    assert "a DIMSE node has no password" in capsys.readouterr().err


def test_pacs_login_leaves_an_entry_written_by_hand_alone(file_keyring: KeyringBackend, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "pacs.toml"
    monkeypatch.setenv("RECIST_PACS_CONFIG", str(config))
    write_config(config, "http://pacs.example.org/dicom-web", "in the file")
    before = config.read_text()
    monkeypatch.setattr("getpass.getpass", lambda prompt: "a token")
    assert main(["pacs", "login", "http://pacs.example.org/dicom-web", "--token"]) == 2
    assert "already has an entry for http://pacs.example.org/dicom-web" in capsys.readouterr().err
    assert config.read_text() == before
    assert file_keyring.get_password(keyring_service("http://pacs.example.org/dicom-web"), "token") is None
