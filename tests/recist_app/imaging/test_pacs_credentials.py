"""Issue 15: a PACS that asks for credentials gets them from the owner-only credentials file, never from the
command line (a private Orthanc with HTTP basic authentication, tests/orthanc.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from recist_app.cli import main
from recist_app.imaging.sources.credentials import Credentials
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
