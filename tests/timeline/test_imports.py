"""Timeline import end to end: upload, preview, confirm, idempotence, zones, no partial writes."""

import io
import re
import shutil
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.models import TimelineEvent, TimelineImport
from tests.conftest import TEST_DATA


def _token(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture()
def slack_zip(tmp_path):
    return shutil.make_archive(str(tmp_path / "export"), "zip", TEST_DATA / "slack" / "export")


def _upload(client, incident_id, path, **fields):
    token = _token(client, f"/incidents/{incident_id}/import")
    with open(path, "rb") as fh:
        data = {"csrf_token": token, "file": (io.BytesIO(fh.read()), path.split("/")[-1]),
                "since": "", "until": "", **fields}
    return client.post(f"/incidents/{incident_id}/import", data=data,
                       content_type="multipart/form-data")


def _count(db, incident_id):
    return db.scalar(select(func.count(TimelineEvent.id)).where(
        TimelineEvent.incident_id == incident_id))


def test_upload_preview_confirm_then_reimport_adds_nothing(client, db, make_user,
                                                           make_incident, login, slack_zip):
    inc = make_incident()
    login(make_user("editor"))
    resp = _upload(client, inc.id, slack_zip)
    assert resp.status_code == 303
    preview_url = resp.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    kept = int(re.search(r"Events to keep</th><td><strong>(\d+)", page).group(1))
    assert kept > 5 and "slack" in page
    assert _count(db, inc.id) == 0  # the preview wrote nothing
    resp = client.post(preview_url, data={"csrf_token": _token(client, preview_url)})
    assert resp.status_code == 302
    assert _count(db, inc.id) == kept
    record = db.scalar(select(TimelineImport).where(TimelineImport.incident_id == inc.id))
    assert record.format == "slack" and record.report["kept"] == kept
    sources = set(db.scalars(select(TimelineEvent.source).where(
        TimelineEvent.incident_id == inc.id)))
    assert sources == {"slack"}
    # Same file again: everything is recognised as already present.
    resp = _upload(client, inc.id, slack_zip)
    preview_url = resp.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert re.search(r"Already in the timeline</th><td>(\d+)", page).group(1) == str(kept)
    client.post(preview_url, data={"csrf_token": _token(client, preview_url)})
    assert _count(db, inc.id) == kept


def test_upload_refused_for_non_member_of_restricted_incident(client, make_user,
                                                              make_incident, login, slack_zip):
    owner = make_user("editor")
    inc = make_incident(type="security", actor=owner)
    login(make_user("editor"))
    assert client.get(f"/incidents/{inc.id}/import").status_code == 404
    with open(slack_zip, "rb") as fh:
        resp = client.post(f"/incidents/{inc.id}/import", data={
            "csrf_token": _token(client, "/incidents"), "file": (fh, "x.zip")},
            content_type="multipart/form-data")
    assert resp.status_code in (400, 404)  # CSRF token from another page still gets 404 first


def test_upload_without_csrf_is_refused(client, make_user, make_incident, login, slack_zip):
    inc = make_incident()
    login(make_user("editor"))
    with open(slack_zip, "rb") as fh:
        resp = client.post(f"/incidents/{inc.id}/import", data={"file": (fh, "x.zip")},
                           content_type="multipart/form-data")
    assert resp.status_code == 400


def test_unknown_file_lists_formats_and_writes_nothing(client, db, make_user, make_incident,
                                                       login, tmp_path):
    inc = make_incident()
    login(make_user("editor"))
    junk = tmp_path / "notes.bin"
    junk.write_bytes(b"\x00\x01 this is not an export \xff")
    resp = _upload(client, inc.id, str(junk))
    resp = client.get(resp.headers["Location"])
    text = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "Formats understood" in text and "slack" in text and "mattermost" in text
    assert _count(db, inc.id) == 0


def test_zone_is_required_for_irc_and_recorded(client, db, make_user, make_incident, login):
    inc = make_incident()
    login(make_user("editor"))
    resp = _upload(client, inc.id, str(TEST_DATA / "irc" / "irssi.log"), tz="")
    page = client.get(resp.headers["Location"])
    assert page.status_code == 400 and "zone" in page.get_data(as_text=True)
    resp = _upload(client, inc.id, str(TEST_DATA / "irc" / "irssi.log"), tz="Europe/Berlin")
    url = resp.headers["Location"]
    assert "Europe/Berlin" in client.get(url).get_data(as_text=True)
    client.post(url, data={"csrf_token": _token(client, url)})
    record = db.scalar(select(TimelineImport).where(TimelineImport.incident_id == inc.id))
    assert record.zone_assumed == "Europe/Berlin"
    page = client.get(f"/incidents/{inc.id}").get_data(as_text=True)
    assert "zone assumed Europe/Berlin" in page


def test_bad_line_fails_whole_import(app, db, make_incident, tmp_path):
    inc = make_incident()
    bad = tmp_path / "t.csv"
    rows = ["timestamp,author,text"] + [
        f"2024-03-01T10:{i:02d}:00Z,Ann,step {i}" for i in range(40)]
    rows.insert(30, "2024-03-01T10:99:00Z,Ann,broken time")
    bad.write_text("\n".join(rows) + "\n")
    result = app.test_cli_runner().invoke(args=["timeline", "import", str(inc.id), str(bad)])
    assert result.exit_code != 0
    assert "t.csv line 31" in result.output and "nothing was imported" in result.output
    assert _count(db, inc.id) == 0
    assert db.scalar(select(func.count(TimelineImport.id)).where(
        TimelineImport.incident_id == inc.id)) == 0


def test_cli_dry_run_then_import_and_merge_sources(app, db, make_incident, tmp_path):
    inc = make_incident(started_at=datetime(2024, 3, 1, 8, 0, tzinfo=UTC))
    runner = app.test_cli_runner()
    csv_path = str(TEST_DATA / "generic" / "timeline.csv")
    dry = runner.invoke(args=["timeline", "import", str(inc.id), csv_path, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would import" in dry.output and _count(db, inc.id) == 0
    real = runner.invoke(args=["timeline", "import", str(inc.id), csv_path])
    assert real.exit_code == 0 and "imported" in real.output
    n_csv = _count(db, inc.id)
    assert n_csv > 0
    irc = runner.invoke(args=["timeline", "import", str(inc.id),
                              str(TEST_DATA / "irc" / "irssi.log"), "--tz", "UTC"])
    assert irc.exit_code == 0, irc.output
    events = list(db.scalars(select(TimelineEvent).where(TimelineEvent.incident_id == inc.id)
                             .order_by(TimelineEvent.occurred_at)))
    assert {e.source for e in events} == {"csv", "irc"}
    times = [e.occurred_at for e in events]
    assert times == sorted(times) and all(t.tzinfo is not None for t in times)
    again = runner.invoke(args=["timeline", "import", str(inc.id), csv_path])
    assert "imported 0 events" in again.output


def test_secrets_are_redacted_before_storage(app, db, make_incident, tmp_path):
    inc = make_incident()
    f = tmp_path / "s.csv"
    f.write_text("timestamp,author,text\n"
                 "2024-03-01T10:00:00Z,Ann,token xoxb-1234567890-abcdefghijkl leaked\n")
    out = app.test_cli_runner().invoke(args=["timeline", "import", str(inc.id), str(f)])
    assert "redacted" in out.output and "xoxb-1234567890" not in out.output
    ev = db.scalar(select(TimelineEvent).where(TimelineEvent.incident_id == inc.id))
    assert "xoxb-1234567890" not in ev.text and "xoxb-1234567890" not in ev.text_original
    assert "xoxb-1234567890" not in str(ev.raw)
    assert "[redacted:" in ev.text


def test_default_window_skips_far_events(client, db, make_user, make_incident, login):
    inc = make_incident(started_at=datetime(2024, 3, 1, 10, 0, tzinfo=UTC))
    login(make_user("editor"))
    page = client.get(f"/incidents/{inc.id}/import").get_data(as_text=True)
    assert 'value="2024-03-01T09:00"' in page  # one hour before the start, in the user zone


def test_zip_limits_follow_the_settings(app, db, make_incident, tmp_path):
    """DEBRIEF_ZIP_MAX_UNCOMPRESSED_MB applies to uploads: a ZIP over it is refused."""
    from app.timeline.import_options import source_for
    from app.timeline.importers import ImportFormatError, Source
    from app.timeline.imports import run_import

    inc = make_incident()
    archive = tmp_path / "export.zip"
    shutil.make_archive(str(archive.with_suffix("")), "zip", TEST_DATA / "slack" / "export")
    big = tmp_path / "big.zip"
    import zipfile
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("padding/2024-03-01.json", "[" + " " * (2 * 1024 * 1024) + "]")
    with app.app_context():
        app.config["DEBRIEF_ZIP_MAX_UNCOMPRESSED_MB"] = 1
        try:
            fmt, tz, sel = source_for({})
            with pytest.raises(ImportFormatError, match="inflate past 1048576 bytes"):
                run_import(db, None, inc, Source.from_path(big), "slack", tz, sel)
        finally:
            app.config["DEBRIEF_ZIP_MAX_UNCOMPRESSED_MB"] = 1024
    db.rollback()
    assert _count(db, inc.id) == 0
