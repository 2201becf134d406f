"""`flask export pdf|report|json` and `flask import json`, and their errors, on real databases.

The JSON round trip goes from this module's SQLite database to a separate PostgreSQL
database, through the files and commands an operator would use.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.db import database
from app.models import Incident

from .conftest import T0, build_review, new_incident, new_user, page_count, pdf_text, standalone_app


@pytest.fixture(scope="module")
def world(shared):
    """A published review, a restricted incident in the same month, both in `shared`."""

    def make():
        w = build_review(shared.db, publish=True)
        secret = new_incident(shared.db, title="Credential leak", type="security",
                              started_at=T0 + timedelta(days=2), actor=new_user(shared.db))
        shared.db.commit()
        return {**w, "secret": secret}

    return shared.once("cli-world", make)


def _cli(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_export_pdf_and_one_pager(shared, world, tmp_path):
    out = tmp_path / "review.pdf"
    result = _cli(shared.app, "export", "pdf", str(world["incident"].id), "-o", str(out),
                  "--zone", "Asia/Tokyo")
    assert result.exit_code == 0, result.output
    text = pdf_text(out.read_bytes(), tmp_path)
    assert "Checkout errors after config push" in text and "PUBLISHED v1" in text
    assert "2025-03-04 19:00 JST" in text and "the command line" in text
    one = tmp_path / "one.pdf"
    result = _cli(shared.app, "export", "pdf", str(world["incident"].id), "-o", str(one),
                  "--one-pager")
    assert result.exit_code == 0, result.output
    assert page_count(one.read_bytes(), tmp_path) == 1
    assert "LEADERSHIP ONE-PAGER" in pdf_text(one.read_bytes(), tmp_path)


def test_export_report_marks_restricted_incidents_for_the_operator(shared, world, tmp_path):
    out = tmp_path / "report.pdf"
    result = _cli(shared.app, "export", "report", "--from", "2025-03-01", "--to",
                  "2025-03-31", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = re.sub(r"\s+", " ", pdf_text(out.read_bytes(), tmp_path))
    assert "Incidents 2025-03-01 – 2025-03-31" in text
    assert re.search(r"Includes \d+ restricted incidents? you may see", text)
    assert f"{world['secret'].ref} restricted" in text  # marked where it is listed
    pages = [p for p in pdf_text(out.read_bytes(), tmp_path).split("\f") if p.strip()]
    assert all("RESTRICTED" in p for p in pages)  # the report itself is restricted material
    assert "Time to recover" in text and "recovered_at − started_at" in text


@pytest.mark.parametrize(("args", "named"), [
    (["export", "pdf", "999999", "-o", "x.pdf"], "INCIDENT_ID: no incident 999999"),
    (["export", "pdf", "abc", "-o", "x.pdf"], "'INCIDENT_ID'"),
    (["export", "pdf", "1"], "'-o' / '--output'"),
    (["export", "json", "999999"], "INCIDENT_ID: no incident 999999"),
    (["export", "report", "--from", "2025-13-01", "--to", "2025-03-31", "-o", "x.pdf"],
     "'--from': not a date"),
    (["export", "report", "--from", "2025-03-01", "--to", "yesterday", "-o", "x.pdf"],
     "'--to': not a date"),
    (["export", "report", "--from", "2025-04-01", "--to", "2025-03-01", "-o", "x.pdf"],
     "'--from': the start date is after the end date"),
    (["export", "report", "--from", "2025-03-01", "--to", "2025-03-31", "--severity", "9",
      "-o", "x.pdf"], "'--severity': must be 1 to 4"),
    (["export", "report", "--from", "2025-03-01", "--to", "2025-03-31", "--zone", "Mars/Base",
      "-o", "x.pdf"], "'--zone': unknown time zone"),
])
def test_bad_arguments_name_the_option_and_write_nothing(shared, world, tmp_path, monkeypatch,
                                                         args, named):
    monkeypatch.chdir(tmp_path)
    result = _cli(shared.app, *args)
    assert result.exit_code != 0 and named in result.output, result.output
    assert "Traceback" not in result.output and not (tmp_path / "x.pdf").exists()


def test_json_round_trip_into_a_separate_postgresql_database(shared, world, pg_server,
                                                             tmp_path_factory, tmp_path):
    source = world["incident"]
    result = _cli(shared.app, "export", "json", str(source.id))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["format"] == "debrief.incident" and doc["incident"]["title"] == source.title
    assert len(doc["timeline"]) == 4 and len(doc["factors"]) == 2 and len(doc["actions"]) == 2
    dump = tmp_path / "incident.json"
    dump.write_text(result.output, encoding="utf-8")

    target = standalone_app(tmp_path_factory, pg_server.create_database("debrief_export_rt"))
    tdb = database(target).sessionmaker()
    try:
        # The people exist on the other side too (matched by e-mail, ids differ).
        for person in (world["owner"], world["facilitator"]):
            new_user(tdb, email=person.email, display_name=person.display_name)
        tdb.commit()
        result = _cli(target, "import", "json", str(dump))
        assert result.exit_code == 0, result.output
        assert re.search(r"imported as INC-\d+", result.output)
        restored = tdb.scalar(select(Incident).where(Incident.title == source.title))
        assert restored is not None and restored.services[0].rto_minutes == 30
        again = _cli(target, "export", "json", str(restored.id))
        assert json.loads(again.output) == doc  # everything came across, nothing changed
        # And the restored incident renders: the published review, its moments and actions.
        out = tmp_path / "restored.pdf"
        assert _cli(target, "export", "pdf", str(restored.id), "-o", str(out)).exit_code == 0
        text = pdf_text(out.read_bytes(), tmp_path)
        assert "PUBLISHED v1" in text and "Alert on config error rate" in text
    finally:
        tdb.close()
        database(target).engine.dispose()


@pytest.mark.parametrize(("content", "named"), [
    ("not json", "not JSON"),
    ('{"format": "something.else", "version": 1}', "format: not a Debrief incident export"),
    ('{"format": "debrief.incident", "version": 99}', "version: 99 is not supported"),
])
def test_import_rejects_files_that_are_not_exports(shared, tmp_path, content, named):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = _cli(shared.app, "import", "json", str(bad))
    assert result.exit_code != 0 and named in result.output and str(bad) in result.output


def test_import_error_names_the_place_and_writes_nothing(shared, world, tmp_path):
    doc = json.loads(_cli(shared.app, "export", "json", str(world["incident"].id)).output)
    doc["incident"]["title"] = "Must not appear"
    doc["timeline"][2]["kind"] = "not-a-kind"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    before = shared.db.scalar(select(func.count(Incident.id)))
    result = _cli(shared.app, "import", "json", str(bad))
    assert result.exit_code != 0 and "timeline[2].kind" in result.output, result.output
    shared.db.expire_all()
    assert shared.db.scalar(select(func.count(Incident.id))) == before
    assert shared.db.scalar(select(Incident).where(Incident.title == "Must not appear")) is None
