"""The review PDF and the one-pager: sections in order, durations, zone, stamps, fonts, paper.

The PDFs are rendered once per module (`shared`, see conftest) and checked by several tests.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.actions.service import ActionData, create_action
from app.models import Review
from app.reviews.service import save_section, section

from .conftest import (
    SECTIONS,
    T0,
    build_review,
    new_incident,
    new_user,
    page_count,
    pdf_fonts,
    pdf_info,
    pdf_text,
)

# The Standard template's sections as the body shows them, after the two fixed parts.
ORDER = ["Summary", "Key moments and durations", "Impact", "Timeline", "Contributing factors",
         "Detection", "Response and recovery", "What went well", "What was hard",
         "Where we got lucky", "Actions", "Messaging"]
WORLD_SCRIPTS = "決済サービスが42分間停止しました。 Платежи не проходили. 支付失败 🔥"


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def draft(shared):
    """A draft review in several scripts, earlier actions on its service, and its PDFs."""

    def make():
        db = shared.db
        world = build_review(db, summary=SECTIONS["summary"] + " " + WORLD_SCRIPTS)
        svc = world["service"].name
        earlier = new_incident(db, title="Older checkout outage", services=[svc],
                               started_at=T0 - timedelta(days=60))
        hidden = new_incident(db, title="Older secret incident", type="security",
                              services=[svc], started_at=T0 - timedelta(days=30),
                              actor=new_user(db, "editor"))
        for inc, title in ((earlier, "Add retry budget to checkout"),
                           (hidden, "Rotate the secret store keys")):
            create_action(db, None, ActionData(title=title, incident_id=inc.id,
                                               due_date=date(2025, 1, 10)))
        db.commit()
        client = shared.client_as(world["owner"])  # Europe/Berlin: 10:00 UTC is 11:00 CET
        url = f"/incidents/{world['incident'].id}/export.pdf"
        out = {"world": world, "client": client, "url": url}
        for name, query in (("pdf", ""), ("all", "?timeline=all"), ("one", "?one_pager=1")):
            resp = client.get(url + query)
            assert resp.status_code == 200 and resp.mimetype == "application/pdf"
            assert "attachment" in resp.headers["Content-Disposition"]
            out[name] = resp.data
        return out

    return shared.once("draft", make)


def test_every_section_in_order_with_durations_provenance_and_zone(draft, tmp_path):
    pages = pdf_text(draft["pdf"], tmp_path).split("\f")
    cover, body = _squash(pages[0]), _squash(" ".join(pages[1:]))
    pos = -1
    for title in ORDER:  # each heading after the previous one
        found = body.find(title, pos + 1)
        assert found > pos, (title, body[:300])
        pos = found
    # The cover: the figures first, then the facts, then the contents with page numbers.
    assert "TIME TO RECOVER USERS AFFECTED RECOVERY OBJECTIVE ACTIONS" in cover
    assert "42 min 1,200 missed 2 open DORA band: elite 42 min downtime" in cover
    assert "RTO 30 min, took 42 min 0 done of 2" in cover
    assert re.search(r"Contents Summary \.+ ?2", cover), cover
    assert "Olu Owner" in cover and "Fay Facilitator" in cover and "SEV2" in cover
    assert "DRAFT" in cover and "PUBLISHED" not in cover
    # Times in the reader's zone, named; durations from the recorded moments only.
    assert "2025-03-04 11:00 CET" in body and "Times in Europe/Berlin" in body
    rows = dict(re.findall(r"(Time to \w+) time to \w+ = \w+ − \w+ (\d+ min|unknown)", body))
    assert rows == {"Time to detect": "4 min", "Time to acknowledge": "2 min",
                    "Time to identify": "unknown", "Time to repair": "30 min",
                    "Time to respond": "26 min", "Time to recover": "42 min",
                    "Time to resolve": "unknown"}
    assert "unknown (identified_at missing)" in body  # never guessed
    assert re.search(r"Detected 2025-03-04 11:04 CET imported", body)
    assert "2025-03-04 11:42 CET suggested" in body
    assert re.search(r"Identified — missing", body)
    # Timeline: starred events only, each with its source, in the zone stated.
    assert "Starred events (3), times in Europe/Berlin" in body
    assert "2025-03-04 11:30:00 CET manual Responder 3 Rollback applied" in body
    assert "Looking at dashboards" not in body
    # Factors by category, actions with owner, due date and status, the three lists.
    assert ("Contributing factors Detection • No alert on config errors "
            "Process • Config pushes skip the canary stage") in body
    assert "Alert on config error rate prevent Olu Owner 2025-04-01 open" in body
    assert "Canary for config pushes prevent unassigned 2025-04-15 open" in body
    for part in ("Rollback took two minutes", "Dashboards lagged", "during office hours",
                 "status page updated"):
        assert part in body
    # The impact table once, not again from the pre-filled section text.
    assert body.count("Support tickets") == 1


def test_running_headers_and_page_numbers_on_every_page(draft, tmp_path):
    pages = [p for p in pdf_text(draft["pdf"], tmp_path).split("\f") if p.strip()]
    ref = draft["world"]["incident"].ref
    assert len(pages) >= 3
    for n, page in enumerate(pages, 1):
        assert f"Page {n} of {len(pages)}" in page
        if n > 1:  # the cover carries the title itself
            assert f"{ref} · Checkout errors after config push" in page and "DRAFT" in page


def test_any_script_renders_with_embedded_fonts(draft, tmp_path):
    fonts = pdf_fonts(draft["pdf"], tmp_path)
    # pdffonts columns: name, type, encoding, then "emb" (embedded) yes/no.
    assert re.search(r"^\w+\+Noto-Sans-CJK-JP\s.*Identity-H\s+yes", fonts, re.M), fonts
    assert re.search(r"^\w+\+Noto-Color-Emoji\s.*\s+yes", fonts, re.M), fonts
    assert re.search(r"^\w+\+DejaVu-Sans\s.*\s+yes", fonts, re.M), fonts  # Latin, Cyrillic
    assert not re.search(r"\s+no\s+\S+\s+\S+\s+\d+\s+\d+$", fonts, re.M), fonts  # all embedded
    text = pdf_text(draft["pdf"], tmp_path)
    assert "決済サービスが42分間停止しました" in text and "Платежи не проходили" in text
    assert "支付失败" in text


def test_all_events_on_request(draft, tmp_path):
    text = _squash(pdf_text(draft["all"], tmp_path))
    assert "All visible events (4)" in text and "Looking at dashboards" in text


def test_bad_timeline_argument_is_a_400_naming_it(draft):
    resp = draft["client"].get(draft["url"] + "?timeline=everything")
    assert resp.status_code == 400 and b"timeline" in resp.data


def test_one_pager_is_one_page_with_objectives_and_earlier_actions(draft, tmp_path):
    pdf = draft["one"]
    assert page_count(pdf, tmp_path) == 1
    text = _squash(pdf_text(pdf, tmp_path))
    for part in ("LEADERSHIP ONE-PAGER", "Summary", "Customer impact", "Users affected 1,200",
                 "Key durations (Europe/Berlin)", "Time to recover 42 min",
                 "DORA recovery band elite", "Contributing factors by category",
                 "Alert on config error rate Olu Owner 2025-04-01 open",
                 "Earlier actions on the same services"):
        assert part in text, part
    # Recovered in 42 min against an RTO of 30 min: missed; no data-loss window: unknown.
    assert re.search(r"RTO 30 min 42 min missed", text)
    assert "RPO 5 min — unknown (data-loss window not recorded)" in text
    # Earlier actions on the same service: the visible one, overdue; never the restricted one.
    assert "1 from earlier incidents: 1 open; 1 overdue" in text
    assert re.search(r"Add retry budget to checkout INC-\d+ unassigned 2025-01-10 overdue", text)
    assert "Rotate the secret store keys" not in text


def test_one_pager_shortens_long_lists_to_stay_one_page(shared, tmp_path):
    db = shared.db
    world = build_review(db, summary="A very long summary sentence. " * 80)
    for n in range(25):
        create_action(db, world["owner"], ActionData(
            title=f"Follow-up {n}: " + "make the checkout configuration safer to change " * 2,
            incident_id=world["incident"].id, due_date=date(2025, 5, 1)))
    db.commit()
    client = shared.client_as(world["owner"])
    pdf = client.get(f"/incidents/{world['incident'].id}/export.pdf?one_pager=1").data
    assert page_count(pdf, tmp_path) == 1
    text = _squash(pdf_text(pdf, tmp_path))
    assert "Actions (27)" in text and re.search(r"and \d+ more in the full review", text)
    assert "…" in text  # the summary is cut at a word, visibly


def test_published_restricted_review_on_letter_paper(shared, tmp_path):
    db = shared.db
    world = build_review(db, publish=True, type="security", restricted=True, sections={
        "messaging": "\n\n".join(["Long paragraph of text. " * 40] * 12)})
    review = db.scalar(select(Review).where(Review.incident_id == world["incident"].id))
    save_section(db, world["owner"], review, "went_well", "Edited after publishing.",
                 section(review, "went_well").version)
    db.commit()
    client = shared.client_as(world["owner"])
    shared.app.config["DEBRIEF_PDF_PAGE_SIZE"] = "Letter"
    try:
        pdf = client.get(f"/incidents/{world['incident'].id}/export.pdf").data
    finally:
        shared.app.config["DEBRIEF_PDF_PAGE_SIZE"] = "A4"
    assert "612 x 792 pts (letter)" in pdf_info(pdf, tmp_path)
    pages = [p for p in pdf_text(pdf, tmp_path).split("\f") if p.strip()]
    assert len(pages) >= 4
    assert all("RESTRICTED" in p for p in pages)  # the running banner, every page
    text = _squash(" ".join(pages))
    assert "PUBLISHED v1" in text and "DRAFT" not in text
    assert "Rollback took two minutes" in text and "Edited after publishing" not in text


def test_a4_is_the_default_paper(draft, tmp_path):
    assert "595.276 x 841.89 pts (A4)" in pdf_info(draft["pdf"], tmp_path)


def test_non_member_gets_404_on_every_export(client, login, reviewed, make_user):
    world = reviewed(type="security", restricted=True)
    login(make_user("editor"))
    base = f"/incidents/{world['incident'].id}"
    for url in (f"{base}/export.pdf", f"{base}/export.pdf?one_pager=1", f"{base}/export.md",
                f"{base}/export.json"):
        assert client.get(url).status_code == 404, url
