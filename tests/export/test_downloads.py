"""Markdown, JSON and CSV downloads, and where users find every download button."""

from __future__ import annotations

import csv
import io
import json

from app.actions.service import ActionData, create_action

DANGEROUS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "-2+3",
             "@SUM(A1:A2)"]


def _rows(resp) -> list[dict[str, str]]:
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))


def test_markdown_export_for_wikis(client, login, reviewed):
    world = reviewed(title="Checkout | config push", type="security", restricted=True)
    login(world["owner"])
    resp = client.get(f"/incidents/{world['incident'].id}/export.md")
    assert resp.status_code == 200 and resp.mimetype == "text/markdown"
    md = resp.get_data(as_text=True)
    assert md.startswith(f"# {world['incident'].ref}: Checkout | config push")
    assert "> **RESTRICTED**" in md and "- Times in Europe/Berlin" in md
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings[:4] == ["## Summary", "## Key moments and durations", "## Impact",
                            "## Timeline"]
    assert headings[-2:] == ["## Actions", "## Messaging"]
    assert "| Time to recover | time to recover = recovered_at − started_at | 42 min |" in md
    assert "| Identified | — | missing |" in md
    assert "| Alert on config error rate | prevent | Olu Owner | 2025-04-01 | open |" in md
    assert "### Detection" in md and "- No alert on config errors" in md


def test_json_download_is_the_complete_export(client, login, reviewed):
    world = reviewed(publish=True)
    login(world["owner"])
    resp = client.get(f"/incidents/{world['incident'].id}/export.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    doc = json.loads(resp.data)
    assert doc["format"] == "debrief.incident" and doc["version"] == 1
    assert doc["incident"]["detected_at_source"] == "imported"
    assert doc["incident"]["services"][0]["rto_minutes"] == 30
    assert [e["text"] for e in doc["timeline"]][:2] == ["Config push to checkout",
                                                       "Synthetic check failed"]
    assert doc["review"]["status"] == "published" and doc["review"]["published_snapshot"]
    assert doc["review"]["owner_email"] == world["owner"].email
    assert {f["category"] for f in doc["factors"]} == {"detection", "process"}
    assert doc["factors"][0]["events"] == [1]  # linked to the second event, by position
    assert doc["actions"][0]["factor"] == 0 and doc["actions"][0]["owner_email"]
    assert "password" not in resp.get_data(as_text=True)


def test_incident_csv_neutralises_formulas_and_hides_restricted(client, login, make_user,
                                                                  make_incident):
    viewer = make_user("viewer")
    for title in DANGEROUS:
        make_incident(title=title, services=[], summary="")
    make_incident(title="Credential leak", type="security", actor=make_user("editor"))
    login(viewer)
    rows = _rows(client.get("/incidents.csv"))
    titles = [r["title"] for r in rows]
    for title in DANGEROUS:
        assert "'" + title in titles  # a spreadsheet shows it as text, never runs it
    assert "Credential leak" not in titles
    assert all(not r["title"].startswith(("=", "+", "-", "@")) for r in rows)
    assert {"time_to_recover_minutes", "detected_at (UTC)", "detected_at_source"} <= set(rows[0])


def test_incident_csv_bad_filter_is_a_400_naming_it(client, login, make_user):
    login(make_user("viewer"))
    resp = client.get("/incidents.csv?from=soon")
    assert resp.status_code == 400 and b"from" in resp.data


def test_action_csv_neutralises_formulas(client, db, login, make_user, make_incident):
    owner = make_user("editor")
    inc = make_incident(actor=owner)
    for title in DANGEROUS:
        create_action(db, owner, ActionData(title=title, incident_id=inc.id))
    db.commit()
    login(owner)
    titles = [r["title"] for r in _rows(client.get("/actions/export.csv"))]
    assert sorted(titles) == sorted("'" + t for t in DANGEROUS)


def test_download_buttons_where_users_look(client, login, reviewed):
    world = reviewed()
    login(world["owner"])
    iid = world["incident"].id
    pages = {
        f"/incidents/{iid}": [f"/incidents/{iid}/export.pdf", "one_pager=1", "export.md",
                              "export.json"],
        f"/incidents/{iid}/review": [f"/incidents/{iid}/export.pdf", "one_pager=1",
                                     "export.md"],
        "/reports?from=2025-03-01&to=2025-03-31": ["/reports/export.pdf?from=2025-03-01",
                                                   "/incidents.csv?"],
        "/incidents?severity=2": ["/incidents.csv?severity=2"],
    }
    for url, wanted in pages.items():
        html = client.get(url).get_data(as_text=True)
        for href in wanted:
            assert href in html, (url, href)
