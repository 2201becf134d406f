"""The review, end to end: start from a template, write, conflict, publish, changelog."""

import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.models import ContributingFactor, Review, ReviewRevision, ReviewStatus, TimelineEvent


def _token(client, url):
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"',
                     client.get(url).get_data(as_text=True)).group(1)


@pytest.fixture()
def started(client, db, make_user, make_incident, login):
    """An editor started a Standard review of a SEV2 outage."""
    editor = make_user("editor", display_name="Eli Engineer")
    inc = make_incident(title="Checkout down", severity=2, summary="Checkout failed.",
                        users_affected=1200)
    login(editor)
    url = f"/incidents/{inc.id}/review/start"
    page = client.get(url).get_data(as_text=True)
    assert 'value="standard" checked' in page  # suggested for SEV2
    resp = client.post(url, data={"csrf_token": _token(client, url), "template": "standard",
                                  "owner_id": editor.id})
    assert resp.status_code == 302
    review = db.scalar(select(Review).where(Review.incident_id == inc.id))
    return {"incident": inc, "review": review, "editor": editor}


def _section_version(client, inc_id, key):
    page = client.get(f"/incidents/{inc_id}/review").get_data(as_text=True)
    block = page.split(f'id="section-{key}"')[1]
    return int(re.search(r'name="version" value="(\d+)"', block).group(1))


def test_review_starts_prefilled_from_the_incident(started, db):
    review = started["review"]
    keys = [s.key for s in review.sections]
    assert keys[0] == "summary" and "impact" in keys
    assert review.sections[0].content == "Checkout failed."
    assert "1200" in next(s.content for s in review.sections if s.key == "impact")
    assert len(review.template_hash) >= 8


def test_concurrent_edits_never_lose_text(app, started, db, make_user, login):
    inc = started["incident"]
    url = f"/incidents/{inc.id}/review"
    alice, bob = app.test_client(), app.test_client()
    for client, user in ((alice, started["editor"]), (bob, make_user("editor"))):
        from tests.conftest import PASSWORD

        token = _token(client, "/login")
        client.post("/login", data={"email": user.email, "password": PASSWORD,
                                    "csrf_token": token})
    v_a = _section_version(alice, inc.id, "summary")
    v_b = _section_version(bob, inc.id, "summary")
    assert v_a == v_b
    token_a, token_b = _token(alice, url), _token(bob, url)
    ok = alice.post(f"{url}/sections/summary", data={
        "csrf_token": token_a, "version": v_a, "content": "Alice's summary"},
        headers={"Accept": "application/json"})
    assert ok.status_code == 200 and ok.get_json()["version"] == v_a + 1
    late = bob.post(f"{url}/sections/summary", data={
        "csrf_token": token_b, "version": v_b, "content": "Bob's summary"})
    assert late.status_code == 409
    page = late.get_data(as_text=True)
    assert "Alice&#39;s summary" in page and "Bob&#39;s summary" in page  # both shown
    db.expire_all()
    review = db.scalar(select(Review).where(Review.incident_id == inc.id))
    assert next(s.content for s in review.sections if s.key == "summary") == "Alice's summary"
    merged = bob.post(f"{url}/sections/summary", data={
        "csrf_token": token_b, "version": v_a + 1, "content": "Alice's and Bob's summary"})
    assert merged.status_code == 302
    db.expire_all()
    review = db.scalar(select(Review).where(Review.incident_id == inc.id))
    assert next(s.content for s in review.sections
                if s.key == "summary") == "Alice's and Bob's summary"


def _fill_required(client, db, inc, review):
    url = f"/incidents/{inc.id}/review"
    token = _token(client, url)
    for sec in review.template_snapshot["sections"]:
        if sec.get("required") and sec["holds"] not in ("timeline", "factors", "actions"):
            v = _section_version(client, inc.id, sec["key"])
            client.post(f"{url}/sections/{sec['key']}", data={
                "csrf_token": token, "version": v, "content": f"{sec['title']} text."})
    ev = TimelineEvent(incident_id=inc.id, occurred_at=datetime(2025, 3, 4, 10, 5, tzinfo=UTC),
                       text="pool exhausted", text_original="pool exhausted", source="manual",
                       source_id="m1")
    db.add(ev)
    db.commit()
    client.post(f"{url}/factors", data={"csrf_token": token, "category": "prevention",
                                        "description": "Pool size change had no load test",
                                        "event_ids": [ev.id]})


def test_publish_needs_required_sections_then_freezes_snapshot(client, db, started):
    inc, review = started["incident"], started["review"]
    url = f"/incidents/{inc.id}/review"
    # Empty a required section: publishing is refused with the list of what is missing.
    v = _section_version(client, inc.id, "summary")
    client.post(f"{url}/sections/summary", data={"csrf_token": _token(client, url),
                                                 "version": v, "content": ""})
    page = client.get(f"{url}/publish").get_data(as_text=True)
    assert "required sections are empty" in page and "Summary" in page
    resp = client.post(f"{url}/status", data={"csrf_token": _token(client, url),
                                              "to": "published"})
    assert resp.status_code == 303
    db.refresh(review)
    assert review.status is ReviewStatus.DRAFT
    _fill_required(client, db, inc, review)
    resp = client.post(f"{url}/status", data={"csrf_token": _token(client, url),
                                              "to": "published"})
    db.refresh(review)
    assert review.status is ReviewStatus.PUBLISHED and review.published_version == 1
    snap = review.published_snapshot
    assert snap["sections"][0]["content"] == "Summary text."
    assert snap["factors"] == [{"category": "prevention",
                                "description": "Pool size change had no load test"}]
    # An edit after publishing is a visible changelog entry, never a silent replacement.
    v = _section_version(client, inc.id, "summary")
    client.post(f"{url}/sections/summary", data={"csrf_token": _token(client, url),
                                                 "version": v, "content": "Corrected."})
    db.refresh(review)
    assert review.published_snapshot["sections"][0]["content"] == "Summary text."
    later = db.scalars(select(ReviewRevision).where(ReviewRevision.review_id == review.id,
                                                    ReviewRevision.after_publish)).all()
    assert [r.content for r in later] == ["Corrected."]
    history = client.get(f"{url}/history").get_data(as_text=True)
    assert "changed after publishing" in history and "+Corrected." in history
    client.post(f"{url}/status", data={"csrf_token": _token(client, url), "to": "published"})
    db.refresh(review)
    assert review.published_version == 2
    assert review.published_snapshot["sections"][0]["content"] == "Corrected."


def test_back_to_draft_needs_a_reason(client, db, started):
    inc, review = started["incident"], started["review"]
    url = f"/incidents/{inc.id}/review"
    client.post(f"{url}/status", data={"csrf_token": _token(client, url), "to": "in_review"})
    client.post(f"{url}/status", data={"csrf_token": _token(client, url), "to": "draft"})
    db.refresh(review)
    assert review.status is ReviewStatus.IN_REVIEW
    client.post(f"{url}/status", data={"csrf_token": _token(client, url), "to": "draft",
                                       "reason": "Timeline incomplete"})
    db.refresh(review)
    assert review.status is ReviewStatus.DRAFT and review.status_reason == "Timeline incomplete"


def test_live_preview_flags_blame_and_dismissal_is_recorded(client, db, started):
    inc = started["incident"]
    url = f"/incidents/{inc.id}/review"
    token = _token(client, url)
    resp = client.post(f"{url}/preview", data={
        "csrf_token": token, "key": "summary",
        "content": "It was human error: Eli forgot to check the pool. `human error` in code."})
    data = resp.get_json()
    rules = {f["rule"] for f in data["findings"]}
    assert "human_error" in rules or "human error" in {f["text"].lower() for f in data[
        "findings"]}
    assert any(f["rule"] == "named_culprit" for f in data["findings"])
    assert data["findings"][0]["start"] < data["findings"][0]["end"]
    assert "<code>human error</code>" in data["html"]
    # Code spans are skipped: only one human-error finding.
    assert sum(1 for f in data["findings"] if "error" in f["text"].lower()) == 1
    rule = data["findings"][0]["rule"]
    client.post(f"{url}/dismiss", data={"csrf_token": token, "key": "summary",
                                        "rule": rule, "text": data["findings"][0]["text"],
                                        "reason": "Quoting the vendor's report"})
    again = client.post(f"{url}/preview", data={
        "csrf_token": token, "key": "summary",
        "content": "It was human error: Eli forgot to check the pool."}).get_json()
    assert rule not in {f["rule"] for f in again["findings"]}


def test_viewer_reads_only_published_reviews(client, db, started, make_user, login):
    inc = started["incident"]
    login(make_user("viewer"))
    assert client.get(f"/incidents/{inc.id}/review").status_code == 403
    review = started["review"]
    review.status = ReviewStatus.PUBLISHED
    db.commit()
    page = client.get(f"/incidents/{inc.id}/review").get_data(as_text=True)
    assert "Checkout failed." in page and "<textarea" not in page


@pytest.fixture()
def clean_uploaded_templates(app):
    """Uploaded templates live in the app's instance folder: remove them afterwards."""
    import shutil
    from pathlib import Path

    yield
    shutil.rmtree(Path(app.instance_path) / "review_templates", ignore_errors=True)


def test_template_version_is_kept_when_templates_change(app, client, db, started, make_user,
                                                        login, clean_uploaded_templates):
    review = started["review"]
    old_hash = review.template_hash
    admin = make_user("admin")
    login(admin)
    from app import REPO_ROOT

    text = (REPO_ROOT / "review_templates" / "standard.toml").read_text(
        encoding="utf-8").replace('name = "Standard review"', 'name = "Standard (ours)"', 1)
    assert "Standard (ours)" in text
    token = _token(client, "/admin/review-templates")
    import io

    resp = client.post("/admin/review-templates", data={
        "csrf_token": token, "file": (io.BytesIO(text.encode()), "mine.toml")},
        content_type="multipart/form-data")
    assert resp.status_code == 303
    assert "Standard (ours)" in client.get("/admin/review-templates").get_data(as_text=True)
    db.refresh(review)
    assert review.template_hash == old_hash
    assert review.template_snapshot["name"] == "Standard review"
    bad = client.post("/admin/review-templates", data={
        "csrf_token": token, "file": (io.BytesIO(b'key = "x"\nname = 3\n'), "bad.toml")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "bad.toml" in bad.get_data(as_text=True)


def test_factors_need_a_known_category(client, db, started):
    inc = started["incident"]
    url = f"/incidents/{inc.id}/review"
    resp = client.post(f"{url}/factors", data={"csrf_token": _token(client, url),
                                               "category": "blame", "description": "x"})
    assert resp.status_code == 400
    assert db.scalar(select(ContributingFactor.id)) is None


def test_facilitator_mode_feedback_and_invitation(client, db, started):
    inc, review = started["incident"], started["review"]
    url = f"/incidents/{inc.id}/review"
    page = client.get(f"{url}/meeting").get_data(as_text=True)
    assert "Walk" in page or "timeline" in page.lower()
    assert "Let's move on" in page and "Parking lot" in page
    client.post(f"{url}/parking", data={"csrf_token": _token(client, url),
                                        "text": "Add a pool saturation alert"})
    from app.models import Action, ParkingItem

    item = db.scalar(select(ParkingItem).where(ParkingItem.review_id == review.id))
    resp = client.post(f"{url}/parking/{item.id}/action",
                       data={"csrf_token": _token(client, url)})
    assert resp.status_code in (302, 303)
    action = db.scalar(select(Action).where(Action.review_id == review.id))
    assert action.title == "Add a pool saturation alert" and action.due_date is not None
    db.refresh(item)
    assert item.action_id == action.id
    client.post(f"{url}/notes", data={"csrf_token": _token(client, url), "version": "1",
                                      "content": "Room agreed the pool alert matters."})
    db.expire_all()
    review = db.scalar(select(Review).where(Review.incident_id == inc.id))
    assert any(s.key == "meeting_notes" and "pool alert" in s.content for s in review.sections)
    client.post(f"{url}/feedback", data={"csrf_token": _token(client, url),
                                         "learned": "yes", "would_return": "yes"})
    assert "1 of 1 learned something" in client.get(url).get_data(as_text=True)
    assert client.get(f"{url}/invite.ics").status_code == 400  # no meeting time yet
    review.meeting_at = datetime(2025, 3, 6, 14, 0, tzinfo=UTC)
    db.commit()
    ics = client.get(f"{url}/invite.ics").get_data(as_text=True)
    assert "BEGIN:VEVENT" in ics and "DTSTART" in ics and "Checkout down" in ics


def test_lint_cli_json(app, tmp_path):
    f = tmp_path / "pm.md"
    f.write_text("The root cause was human error.\n\n> Bob: it was human error\n")
    out = app.test_cli_runner().invoke(args=["reviews", "lint", str(f), "--json"])
    data = json.loads(out.output)
    assert {"rule", "severity", "start", "end", "text", "suggestion"} <= set(data[0])
    text = f.read_text()
    assert all(text[d["start"]:d["end"]] == d["text"] for d in data)
    assert all(d["start"] < text.index(">") for d in data)  # the quoted chat is skipped


@pytest.mark.parametrize("template", ["standard", "learning", "quick", "leadership", "near_miss"])
def test_every_built_in_template_goes_from_start_to_published(
        client, db, make_user, make_incident, login, template):
    """The acceptance path, per template: start, write every required section, publish."""
    facilitator = make_user("facilitator", display_name="Fay Facilitator")
    inc = make_incident(title=f"{template} case", severity=3, summary="It broke.",
                        users_affected=10)
    login(facilitator)
    start = f"/incidents/{inc.id}/review/start"
    resp = client.post(start, data={"csrf_token": _token(client, start), "template": template,
                                    "owner_id": facilitator.id})
    assert resp.status_code == 302
    review = db.scalar(select(Review).where(Review.incident_id == inc.id))
    assert review.template_key == template
    _fill_required(client, db, inc, review)
    url = f"/incidents/{inc.id}/review"
    assert "required sections are empty" not in client.get(f"{url}/publish").get_data(
        as_text=True)
    client.post(f"{url}/status", data={"csrf_token": _token(client, url), "to": "published"})
    db.refresh(review)
    assert review.status is ReviewStatus.PUBLISHED, template
    assert [s["key"] for s in review.published_snapshot["sections"]] == [
        s["key"] for s in review.template_snapshot["sections"]]
    assert "published" in client.get(url).get_data(as_text=True).lower()
