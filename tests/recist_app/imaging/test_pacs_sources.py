"""Issue 15, first part: query and load straight from a PACS over DICOMweb and DIMSE, against a real
Orthanc (tests/orthanc.py), with the failure paths a reader meets: server down, wrong AE title,
unknown or deleted series, an answer cut short, an address the workstation cannot use."""

from __future__ import annotations

import dataclasses
import io
import json
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np
import pydicom
import pytest

from recist_app.cli import main
from recist_app.imaging.errors import PacsError
from recist_app.imaging.load import SeriesLoad, load_series_from_folder
from recist_app.imaging.sources import cache
from recist_app.imaging.sources.dicomweb import DicomWebClient
from recist_app.imaging.sources.first_image import first_image
from recist_app.imaging.sources.multipart import write_parts
from recist_app.imaging.sources.query import SeriesHit, StudyHit, StudyQuery
from recist_app.imaging.sources.retrieve import is_cached, series_folder
from recist_app.imaging.sources.servers import DicomWebServer, DimseServer, parse_server
from recist_app.imaging.sources.streaming import load_from_server, retrieve_decoding
from tests.orthanc import AET, Orthanc

PATIENT = "Lung_Dx-A0002"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture(scope="module")
def lung(shared_dir: Path) -> Path:
    return shared_dir / "data" / "ct" / "lung_pet_ct_dx"


def series_in(folder: Path) -> Counter[str]:
    """Instances per Series Instance UID of the files under ``folder``."""
    return Counter(str(pydicom.dcmread(path, stop_before_pixels=True).SeriesInstanceUID)
                   for path in folder.rglob("*.dcm"))


PROTOCOLS = ("dicomweb", "dimse")


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_echo_and_query_a_patient(orthanc: Orthanc, lung: Path, capsys: pytest.CaptureFixture[str],
                                  protocol: str) -> None:
    server = orthanc.address(protocol)
    status, out, _ = run(capsys, "pacs", "echo", server)
    assert status == 0 and out.startswith(f"{server} answers (")
    status, out, err = run(capsys, "pacs", "query", server, "--patient", PATIENT, "--json")
    assert (status, err) == (0, "")
    studies = json.loads(out)
    expected = series_in(lung / PATIENT)
    assert [study["patient_id"] for study in studies] == [PATIENT]
    assert studies[0]["study_date"] == "20070425"  # (0008,0020) as stored
    found = {series["series_uid"]: series["instances"] for series in studies[0]["series"]}
    assert found == dict(expected) and all(isinstance(n, int) for n in found.values())
    assert {series["modality"] for series in studies[0]["series"]} == {"CT"}
    status, out, _ = run(capsys, "pacs", "query", server, "--patient", "nobody")
    assert (status, out) == (0, "no study matches\n")


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_query_narrows_by_study_date_and_modality(orthanc: Orthanc, capsys: pytest.CaptureFixture[str],
                                                     protocol: str) -> None:
    """Range matching on (0008,0020) and Modalities in Study: the two patients were scanned on 4 and 25 April."""
    server = orthanc.address(protocol)

    def patients(*options: str) -> list[str]:
        status, out, err = run(capsys, "pacs", "query", server, "--patient", "Lung_Dx-*", *options, "--json")
        assert (status, err) == (0, "")
        return [study["patient_id"] for study in json.loads(out)]

    assert patients() == ["Lung_Dx-A0001", "Lung_Dx-A0002"]
    assert patients("--since", "2007-04-05") == ["Lung_Dx-A0002"]
    assert patients("--until", "2007-04-24") == ["Lung_Dx-A0001"]
    assert patients("--since", "2007-04-04", "--until", "2007-04-04") == ["Lung_Dx-A0001"]
    assert patients("--since", "2007-04-26") == []
    assert patients("--modality", "CT") == ["Lung_Dx-A0001", "Lung_Dx-A0002"]
    assert patients("--modality", "MR") == []
    with pytest.raises(SystemExit) as stopped:
        main(["pacs", "query", server, "--since", "25/04/2007"])
    assert stopped.value.code == 2 and "'25/04/2007' is not a date written YYYY-MM-DD" in capsys.readouterr().err


def test_a_query_keeps_what_it_asks_for_when_the_server_ignores_a_key() -> None:
    """The server's answer is filtered again: a PACS that ignores ModalitiesInStudy or a date range never
    widens what is listed or imported."""
    ct, sr = SeriesHit("1.1", "CT", "", 1, 10), SeriesHit("1.2", "SR", "", 2, 1)
    studies = [StudyHit("P1", "1", "20070404", (ct, sr)), StudyHit("P2", "2", "20070425", (sr,)),
               StudyHit("P3", "3", "", (ct,))]
    only_ct = StudyQuery(modality="CT").matching(studies)
    assert [(study.patient_id, study.series) for study in only_ct] == [("P1", (ct,)), ("P3", (ct,))]
    april = StudyQuery(since=date(2007, 4, 10), until=date(2007, 4, 30)).matching(studies)
    assert [study.patient_id for study in april] == ["P2"]
    assert [study.patient_id for study in StudyQuery(patient_id="P[12]").matching(studies)] == []
    assert StudyQuery(since=date(2007, 4, 1)).study_date == "20070401-"
    assert StudyQuery(until=date(2007, 4, 1)).study_date == "-20070401"


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_series_loads_from_the_server_as_from_its_folder(orthanc: Orthanc, lung: Path, protocol: str,
                                                           capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RECIST_SERIES_CACHE", str(tmp_path))  # each protocol retrieves for itself
    series_uid = series_in(lung / PATIENT).most_common(1)[0][0]
    status, out, _ = run(capsys, "load", orthanc.address(protocol), "--series", series_uid, "--json")
    assert status == 0
    from_server = json.loads(out)
    status, out, _ = run(capsys, "load", str(lung / PATIENT), "--series", series_uid, "--json")
    from_folder = json.loads(out)
    for summary in (from_server, from_folder):
        summary.pop("load_seconds")
    assert from_server == from_folder and from_server["shape_zyx"][0] == 30


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_the_first_image_comes_alone_before_the_series(orthanc: Orthanc, lung: Path, protocol: str,
                                                        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RECIST_SERIES_CACHE", str(tmp_path))
    series_uid = series_in(lung / PATIENT).most_common(1)[0][0]
    preview = first_image(orthanc.address(protocol), series_uid)
    whole = load_series_from_folder(lung / PATIENT, series_uid)
    k = whole.sop_uids.index(preview.sop_uids[0])
    assert preview.shape == (1, 512, 512) and 10 <= k <= 20  # the middle of 30
    assert (preview.hu[0] == whole.hu[k]).all() and preview.spacing_mm[1:] == whole.spacing_mm[1:]
    assert not is_cached(orthanc.address(protocol), series_uid) and not any(tmp_path.iterdir())  # one image only
    at_lesion = first_image(orthanc.address(protocol), series_uid, sop_uid=whole.sop_uids[3])  # a caliper's image
    assert at_lesion.sop_uids == (whole.sop_uids[3],) and (at_lesion.hu[0] == whole.hu[3]).all()
    assert first_image(orthanc.address(protocol), series_uid, sop_uid="1.2.3.4").sop_uids == preview.sop_uids


def test_c_move_to_the_workstations_storage_scp(orthanc: Orthanc, lung: Path, monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    """For a PACS offering C-MOVE only: the workstation listens on RECIST_MOVE_PORT while the PACS sends."""
    monkeypatch.setenv("RECIST_SERIES_CACHE", str(tmp_path))
    monkeypatch.setenv("RECIST_MOVE_PORT", str(orthanc.move_port))
    series_uid = series_in(lung / PATIENT).most_common(1)[0][0]
    folder, cached = series_folder(orthanc.dimse, series_uid)
    assert not cached and len(list(folder.glob("*.dcm"))) == 30
    whole = load_series_from_folder(lung / PATIENT, series_uid)
    assert (load_series_from_folder(folder, series_uid).hu == whole.hu).all()
    monkeypatch.setenv("RECIST_CALLING_AET", "STRANGER")  # a destination the PACS does not know
    with pytest.raises(PacsError):
        series_folder(orthanc.dimse, series_in(lung / "Lung_Dx-A0001").most_common(1)[0][0])


def test_a_second_open_comes_from_the_cache(orthanc: Orthanc, lung: Path, monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.setenv("RECIST_SERIES_CACHE", str(tmp_path / "cache"))
    series_uid = series_in(lung / "Lung_Dx-A0001").most_common(1)[0][0]
    folder, cached = series_folder(orthanc.dicomweb, series_uid)
    assert not cached and len(list(folder.glob("*.dcm"))) == series_in(lung / "Lung_Dx-A0001")[series_uid]

    def no_network(*_args: object, **_kwargs: object) -> int:
        raise AssertionError("fetched again")

    monkeypatch.setattr(DicomWebClient, "retrieve_series", no_network)
    assert series_folder(orthanc.dicomweb, series_uid) == (folder, True)


def test_the_cache_keeps_to_its_limit_and_never_a_partial_series(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    monkeypatch.setenv("RECIST_SERIES_CACHE", str(tmp_path))
    monkeypatch.setenv("RECIST_SERIES_CACHE_MB", "1")

    def fill(size: int):
        return lambda folder: (folder / "00000.dcm").write_bytes(b"\0" * size)

    first, _ = cache.cached_series("http://pacs/dicom-web", "1.2.3", fill(700_000))
    second, _ = cache.cached_series("http://pacs/dicom-web", "1.2.4", fill(700_000))
    assert second.is_dir() and not first.exists()  # 1.4 MB > 1 MB: the least recently used went

    def broken(folder: Path) -> None:
        (folder / "00000.dcm").write_bytes(b"half")
        raise PacsError("cut short")

    with pytest.raises(PacsError):
        cache.cached_series("http://pacs/dicom-web", "1.2.5", broken)
    assert sorted(path.name for path in tmp_path.iterdir()) == [second.name]  # no .partial left


def test_two_threads_asking_for_one_series_retrieve_it_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An open and a prefetch of the same series at once (the GUI does both); a dead process's partial goes."""
    monkeypatch.setenv("RECIST_SERIES_CACHE", str(tmp_path))
    dead = tmp_path / f".{'0' * 32}.999999999.abcd.partial"  # no such process id
    dead.mkdir()
    calls = []

    def slow(folder: Path) -> None:
        calls.append(folder)
        time.sleep(0.2)
        (folder / "00000.dcm").write_bytes(b"DICM")

    results: list[tuple[Path, bool]] = []
    threads = [threading.Thread(target=lambda: results.append(cache.cached_series("http://p/dw", "1.2", slow)))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and sorted(cached for _, cached in results) == [False, True]
    assert results[0][0] == results[1][0] and not dead.exists()


def test_failures_are_one_clear_line(orthanc: Orthanc, lung: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = [
        (("pacs", "query", "http://127.0.0.1:1/dicom-web"), "Cannot reach the DICOMweb server http://127.0.0.1:1"),
        (("load", orthanc.dicomweb, "--series", "1.2.3.4"), "has no series 1.2.3.4"),
        (("load", orthanc.dicomweb), "SERVER --series UID"),
        (("pacs", "echo", orthanc.dimse.replace(AET, "WRONGAET")), "rejected the association: check the called AE"),
        (("pacs", "query", orthanc.dimse, "--calling-aet", "STRANGER"), "refused the C-FIND"),
        (("pacs", "echo", f"dimse://{AET}@127.0.0.1:1"), "Cannot reach the DIMSE node dimse://RECISTPACS@127.0.0.1:1"),
        (("load", orthanc.dimse, "--series", "1.2.3.4"), "has no series 1.2.3.4"),
        (("pacs", "echo", "http://user:secret@127.0.0.1/dicom-web"), "no user name or password in a PACS address"),
        (("pacs", "echo", "ftp://pacs"), "is not a PACS address"),
    ]
    for argv, message in cases:
        status, out, err = run(capsys, *argv)
        assert (status, out) == (2, ""), argv
        assert err.startswith("error: ") and message in err and err.count("\n") == 1, err
        assert "secret" not in err


def test_a_series_deleted_after_the_query_is_a_clear_error(orthanc: Orthanc, shared_dir: Path) -> None:
    extra = sorted((shared_dir / "data" / "ct" / "slicer_ct_head_64x64").rglob("*.dcm"))
    orthanc.upload(extra)
    series_uid = str(pydicom.dcmread(extra[0], stop_before_pixels=True).SeriesInstanceUID)
    client = DicomWebClient(DicomWebServer(orthanc.dicomweb))
    study_uid = client.find_series(series_uid).study_uid
    orthanc.delete_series(series_uid)
    with pytest.raises(PacsError, match=r"has no series \S+ \(any more\)"):
        client.retrieve_series(study_uid, series_uid, Path("/nonexistent"))


def test_a_multipart_answer_cut_short_or_malformed_is_refused(tmp_path: Path) -> None:
    part = b"--b\r\nContent-Type: application/dicom\r\nContent-Length: 4\r\n\r\nDICM\r\n"
    assert write_parts(io.BytesIO(part + b"--b--\r\n"), "b", tmp_path) == 1
    assert (tmp_path / "00000.dcm").read_bytes() == b"DICM"
    no_length = b"--b\r\nContent-Type: application/dicom\r\n\r\nAB\r\n--BCD\r\n--b--"
    assert write_parts(io.BytesIO(no_length), "b", tmp_path) == 1
    assert (tmp_path / "00000.dcm").read_bytes() == b"AB\r\n--BCD"
    for body, message in ((part[:-4], "ended inside instance 1"), (part, "without its closing boundary"),
                          (b"no parts here", "holds no part"), (b"--b\r\n" + b"x" * 20_000, "longer than 16 KiB")):
        with pytest.raises(PacsError, match=message):
            write_parts(io.BytesIO(body), "b", tmp_path)


def test_addresses() -> None:
    assert parse_server("http://pacs:8042/dicom-web/") == DicomWebServer("http://pacs:8042/dicom-web")
    assert parse_server("dimse://ORTHANC@pacs.example:104") == DimseServer("ORTHANC", "pacs.example", 104)
    with pytest.raises(PacsError, match="port must be"):
        parse_server("dimse://ORTHANC@pacs:70000")


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_patient_imported_from_the_server_is_read_from_it(orthanc: Orthanc, lung: Path, protocol: str,
                                                            capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Import by Patient ID: the links name the server, and a reader measures on the series it retrieves."""
    from recist_app.imaging.catalog import catalog_links
    from recist_app.model.records import LesionRole, LineMeasurement, ReaderRole
    from recist_app.store import TrialStore

    monkeypatch.setenv("RECIST_SERIES_CACHE", str(tmp_path / "cache"))
    server, db = orthanc.address(protocol), str(tmp_path / "trial.sqlite")
    with TrialStore.create(db, code="PACS") as store:
        store.add_reader("Dr Site", ReaderRole.SITE_RADIOLOGIST, "site password")
    argv = ("import-dicom", server, "--patient", PATIENT, "--add-subjects", "--site", "FR01", "--db", db)
    status, out, err = run(capsys, *argv)
    assert (status, err) == (0, "") and "1 series attached" in out
    status, out, _ = run(capsys, *argv)
    assert status == 0 and "1 already attached" in out and "0 series attached" in out  # never twice
    with TrialStore.open(db) as store:
        (timepoint,) = store.timepoints(PATIENT)
        (link,) = timepoint.series
        assert (timepoint.scan_date.isoformat(), link.path) == ("2007-04-25", server)  # a reference, not a copy
        (option,) = catalog_links([link])
        assert option.usable and option.slice_count == 30 and option.path.startswith(str(tmp_path / "cache"))
        session = store.reader_session(store.log_in("Dr Site", "site password"), PATIENT)
        lesion = session.add_lesion("T01", LesionRole.TARGET, organ="LUNG")
        volume = load_series_from_folder(Path(option.path), link.series_uid)
        first, last = volume.index_to_patient(200.0, 250.0, 15), volume.index_to_patient(260.0, 250.0, 15)
        line = LineMeasurement.from_points(tuple(first), tuple(last), sop_uid=volume.sop_uids[15],
                                           series_uid=link.series_uid,
                                           frame_of_reference_uid=volume.frame_of_reference_uid)
        session.record_measurement(lesion.uid, timepoint.uid, line)
        assert session.snapshot().measurements[0].line.length_mm == pytest.approx(60 * volume.spacing_mm[2])
    monkeypatch.setenv("RECIST_SERIES_CACHE", str(tmp_path / "empty"))
    orthanc_down = server.replace(str(orthanc.http_port), "1").replace(str(orthanc.dicom_port), "1")
    (gone,) = catalog_links([dataclasses.replace(link, path=orthanc_down)])
    assert not gone.usable and "Cannot reach" in gone.reason  # listed as not usable, with why; nothing raised


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_compressed_images_are_decoded_as_they_arrive(orthanc: Orthanc, tmp_path: Path, protocol: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """JPEG lossless images are decoded while the series arrives; the load moves those slices into the volume
    (none is decoded twice) and equals the folder load of the same files. An uncompressed series is left to
    the folder load."""
    from recist_app.demo.phantom import PhantomSpec, write_series
    from recist_app.imaging.series_plan import decode_slice

    monkeypatch.setenv("RECIST_SERIES_CACHE", str(tmp_path / "cache"))
    spec = PhantomSpec.chest(slices=8, rows=64, columns=64, patient_id=f"STREAM-{protocol}", study_date="20240902",
                             transfer_syntax="1.2.840.10008.1.2.4.70")
    truth = write_series(spec, tmp_path / "jpeg")
    orthanc.upload(sorted((tmp_path / "jpeg").glob("*.dcm")))
    server = orthanc.address(protocol)
    # 0.1 s between images, as over a slow link: the decoder (under 1 ms an image) keeps up with the arrivals
    folder, slices = retrieve_decoding(server, truth.series_instance_uid, on_file=lambda *_: time.sleep(0.1))
    ready = len(slices)
    assert ready >= 1  # one not started when the last image arrived is left to the load's own threads
    decoded = []

    def counting(frame: object, out: np.ndarray) -> bool:
        decoded.append(frame)
        return decode_slice(frame, out)  # type: ignore[arg-type]

    monkeypatch.setattr("recist_app.imaging.load.decode_slice", counting)
    volume = SeriesLoad(sorted(folder.glob("*.dcm")), predecoded=slices).run()
    assert slices == {} and len(decoded) == 8 - ready  # every slice moved into the volume, none decoded twice
    monkeypatch.setattr("recist_app.imaging.load.decode_slice", decode_slice)
    expected = load_series_from_folder(tmp_path / "jpeg")
    assert np.array_equal(volume.hu, expected.hu) and volume.findings == expected.findings
    assert np.array_equal(load_from_server(server, truth.series_instance_uid).hu, expected.hu)  # from the cache
    plain = write_series(dataclasses.replace(spec, patient_id=f"PLAIN-{protocol}",
                                             transfer_syntax="1.2.840.10008.1.2.1"), tmp_path / "plain")
    orthanc.upload(sorted((tmp_path / "plain").glob("*.dcm")))
    assert retrieve_decoding(server, plain.series_instance_uid)[1] == {}


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_corrupt_frame_on_the_server_is_a_clear_error(orthanc: Orthanc, tmp_path: Path, protocol: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """As stored over both protocols (the server does not convert it, and so does not fail on it): the message
    names the image on the server, not the cache file."""
    series_uid, broken = orthanc.upload_corrupt_series(tmp_path / "corrupt", "CORRUPT-1")
    header = pydicom.dcmread(broken, stop_before_pixels=True)
    server = orthanc.address(protocol)
    status, out, err = run(capsys, "load", server, "--series", series_uid)
    assert (status, out) == (2, "") and err.startswith("error: ") and err.count("\n") == 1, err
    assert err.startswith(f"error: Image {header.InstanceNumber} (SOP Instance UID {header.SOPInstanceUID}) of series "
                          f"{series_uid} on {server}: the JPEG codestream")
    assert "is cut short" in err and "ask its administrator to store the series again" in err
    assert not is_cached(server, series_uid)  # fetched again once the PACS holds it whole
