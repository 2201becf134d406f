"""XSS payloads in every import format, imported through the real pipeline, shown inert.

Each fixture under tests/data gets the payload appended to every human-readable string
(JSON values, CSV cells, log lines); the Slack export gets it in Slack's own encoding.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import TEST_DATA

from .inert import PAYLOAD, SLACK_PAYLOAD, assert_inert, shows_payload
from .route_rules import call

SINGLE_DB = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
# Fixtures that exist to be refused (a log with no date anywhere).
REFUSED = {"znc_nodate.log"}


def _human(value: object) -> bool:
    # Prose has spaces; ids, enums and times ("2024-03-01 10:00") do not or start with a digit.
    return isinstance(value, str) and " " in value and not value[:1].isdigit()


def _walk(obj: object, payload: str) -> object:
    if isinstance(obj, dict):
        return {k: _walk(v, payload) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_walk(v, payload) for v in obj]
    return f"{obj} {payload}" if _human(obj) else obj


def poison(src: Path, dst: Path, payload: str = PAYLOAD) -> None:
    """Copy `src` to `dst` with `payload` appended to its human-readable text."""
    raw = src.read_bytes()
    try:
        text, enc = raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:  # a fixture deliberately in Latin-1
        text, enc = raw.decode("latin-1"), "latin-1"
    if src.suffix == ".json":
        out = json.dumps(_walk(json.loads(text), payload))
    elif src.suffix == ".jsonl":
        out = "".join(json.dumps(_walk(json.loads(line), payload)) + "\n"
                      for line in text.splitlines() if line.strip())
    elif src.suffix == ".csv":
        dialect = csv.Sniffer().sniff(text[:2000])
        rows = list(csv.reader(io.StringIO(text), dialect))
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=dialect.delimiter)
        writer.writerow(rows[0])
        writer.writerows([[f"{c} {payload}" if _human(c) else c for c in r] for r in rows[1:]])
        out = buf.getvalue()
    else:  # chat logs: one message per line
        out = "".join(f"{line} {payload}\n" if line.strip() else "\n"
                      for line in text.splitlines())
    dst.write_text(out, encoding=enc)


def poisoned_files(tmp_path: Path) -> list[Path]:
    """Every import fixture, poisoned; the Slack export as a ZIP."""
    slack = tmp_path / "slack"
    shutil.copytree(TEST_DATA / "slack" / "export", slack)
    for path in slack.rglob("*.json"):
        poison(path, path, SLACK_PAYLOAD)
    files = [Path(shutil.make_archive(str(tmp_path / "slack-export"), "zip", slack))]
    for path in sorted(TEST_DATA.glob("*/*")):
        if path.parent.name in ("slack", "postmortems", "alerts") or path.name in REFUSED:
            continue
        dst = tmp_path / f"{path.parent.name}-{path.name}"
        poison(path, dst)
        files.append(dst)
    return files


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _import(client, incident_id: int, path: Path) -> tuple[str, str]:
    """Upload, preview, confirm; (preview HTML, result URL)."""
    form = call(client, f"/incidents/{incident_id}/import").get_data(as_text=True)
    resp = call(client, f"/incidents/{incident_id}/import", "POST", data={
        "csrf_token": _token(form), "file": (io.BytesIO(path.read_bytes()), path.name),
        "since": "", "until": "", "tz": "UTC"}, content_type="multipart/form-data")
    assert resp.status_code == 303, (path.name, resp.status_code)
    preview_url = resp.headers["Location"]
    preview = call(client, preview_url).get_data(as_text=True)
    resp = call(client, preview_url, "POST", data={"csrf_token": _token(preview)})
    assert resp.status_code == 302, (path.name, resp.status_code, resp.get_data(as_text=True))
    return preview, resp.headers["Location"]


@SINGLE_DB
def test_every_import_format_is_shown_inert(client, db, make_user, make_incident, login,
                                            tmp_path):
    editor = make_user("editor")
    login(editor)
    formats: dict[str, bool] = {}
    for path in poisoned_files(tmp_path):
        inc = make_incident(title=f"Import of {path.name}", actor=editor, restricted=False)
        preview, result_url = _import(client, inc.id, path)
        assert_inert(preview, f"import preview of {path.name}")
        fmt = re.search(r"format ([\w-]+)", call(client, result_url).get_data(
            as_text=True)).group(1)
        for page in (result_url, f"/incidents/{inc.id}/edit"):
            assert_inert(call(client, page).get_data(as_text=True), f"{page} ({path.name})")
        page = call(client, f"/incidents/{inc.id}").get_data(as_text=True)
        assert_inert(page, f"incident page after importing {path.name}")
        formats[fmt] = formats.get(fmt, False) or (shows_payload(preview)
                                                   and shows_payload(page))
    # Every importer ran at least once (a fixture that stopped parsing would hide one).
    from app.timeline.importers import all_importers

    assert {i.name for i in all_importers()} <= set(formats)
    # ... and in each format the payload reached the page as text, so "inert" was tested.
    assert [fmt for fmt, shown in formats.items() if not shown] == []
    for page in ("/search?q=XSS", "/search?q=alert", "/incidents", "/"):
        assert_inert(call(client, page).get_data(as_text=True), page)


@SINGLE_DB
def test_back_catalogue_postmortem_is_shown_inert(client, db, make_user, login, tmp_path):
    """The Markdown postmortem importer: front matter, sections, timeline, actions."""
    from datetime import UTC

    import yaml

    from app.reviews.backcatalogue import import_file

    front = yaml.safe_dump({"title": f"{PAYLOAD} latency", "date": "2022-11-08",
                            "severity": "SEV2", "services": ["checkout"],
                            "tags": [f"cache {PAYLOAD}"]})
    source = (f"---\n{front}---\n\n## Summary\n\nCheckout slowed down. {PAYLOAD}\n\n"
              f"## Timeline\n\nAll times in UTC.\n\n| Time | Event |\n| --- | --- |\n"
              f"| 2022-11-08 09:12 | Eviction storm {PAYLOAD} |\n\n"
              f"## Root cause(s)\n\n- No alert on the eviction rate {PAYLOAD}\n\n"
              f"## Action items\n\n- [ ] Alert on evictions {PAYLOAD}\n")
    path = tmp_path / "pm.md"
    path.write_text(source)
    admin = make_user("admin")
    report = import_file(db, admin, path, "pm.md", UTC)
    db.commit()
    assert report.incident_id, report
    login(admin)
    for page in (f"/incidents/{report.incident_id}", f"/incidents/{report.incident_id}/review",
                 "/incidents", "/search?q=latency"):
        html = call(client, page).get_data(as_text=True)
        assert_inert(html, page)
    assert shows_payload(call(client, f"/incidents/{report.incident_id}").get_data(
        as_text=True))
