"""The review PDF: sections in order, durations, the viewer's zone, snapshot, stamps, fonts."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from app.actions.service import ActionData, create_action

from app.models import Review
from app.reviews.service import save_section, section

from .conftest import T0, page_count, pdf_fonts, pdf_text

ORDER = ["Contents", "Summary", "Key moments and durations", "Impact", "Timeline",
         "Contributing factors", "Detection", "Response and recovery", "What went well",
         "What was hard", "Where we got lucky", "Actions", "Messaging"]


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_pdf_has_every_section_in_order_with_durations_and_zone(client, login, reviewed,
                                                                  tmp_path):
    world = reviewed()
    login(world["owner"])  # Europe/Berlin: 10:00 UTC is 11:00 CET
    resp = client.get(f"/incidents/{world['incident'].id}/export.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = _squash(pdf_text(resp.data, tmp_path))
    body = text.split("Contents", 1)[1]
    # Each heading appears after the previous one (TOC first, then the body in order).
    pos = 0
    for title in ORDER[1:]:
        found = body.find(title, body.find("Summary", body.find("Messaging")) if pos == 0
                          else pos)
        assert found >= pos, (title, pos)
        pos = found
    assert "DRAFT" in text
    assert "2025-03-04 11:00 CET" in text  # started, shown in the viewer's zone
    assert "Times in Europe/Berlin" in text or "Times are shown in Europe/Berlin" in text
    assert "42 min" in text and "4 min" in text and "2 min" in text  # recover, detect, ack
    assert "time to acknowledge = acknowledged_at − detected_at" in text
    assert "unknown (identified_at missing)" in text  # never guessed
    assert "imported" in text and "suggested" in text and "manual" in text  # provenance
    assert "Config push to checkout" in text and "Looking at dashboards" not in text
    assert "No alert on config errors" in text and "Canary for config pushes" in text
    assert "Olu Owner" in text and "Fay Facilitator" in text
    assert re.search(r"Page 2 of \d+", text)


def test_timeline_all_and_bad_argument(client, login, reviewed, tmp_path):
    world = reviewed()
    login(world["owner"])
    url = f"/incidents/{world['incident'].id}/export.pdf"
    text = pdf_text(client.get(url + "?timeline=all").data, tmp_path)
    assert "Looking at dashboards" in text and "All visible events" in text
    resp = client.get(url + "?timeline=everything")
    assert resp.status_code == 400 and b"timeline" in resp.data


def test_published_review_renders_its_snapshot_not_later_edits(client, login, reviewed, db,
                                                                tmp_path):
    world = reviewed(publish=True)
    review = db.scalar(select(Review).where(Review.incident_id == world["incident"].id))
    sec = section(review, "messaging")
    save_section(db, world["owner"], review, "messaging", "Edited after publishing.",
                 sec.version)
    db.commit()
    login(world["owner"])
    text = _squash(pdf_text(client.get(f"/incidents/{world['incident'].id}/export.pdf").data,
                            tmp_path))
    assert "PUBLISHED v1" in text and "DRAFT" not in text
    assert "status page updated" in text and "Edited after publishing" not in text


def test_restricted_banner_on_every_page(client, login, reviewed, tmp_path):
    world = reviewed(type="security", restricted=True,
                     sections={"messaging": "\n\n".join(["Long paragraph of text. " * 40] * 12)})
    login(world["owner"])
    pdf = client.get(f"/incidents/{world['incident'].id}/export.pdf").data
    pages = pdf_text(pdf, tmp_path).split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 4
    assert all("RESTRICTED" in p for p in pages)


def test_one_pager_is_exactly_one_page(client, db, login, reviewed, make_incident, make_user,
                                       tmp_path):
    world = reviewed(publish=True)
    svc = world["service"].name
    earlier = make_incident(title="Older checkout outage", services=[svc],
                            started_at=T0 - timedelta(days=60))
    hidden = make_incident(title="Older secret incident", type="security", services=[svc],
                           started_at=T0 - timedelta(days=30), actor=make_user("editor"))
    for inc, title in ((earlier, "Add retry budget to checkout"),
                       (hidden, "Rotate the secret store keys")):
        create_action(db, None, ActionData(title=title, incident_id=inc.id,
                                           due_date=date(2025, 1, 10)))
    db.commit()
    login(world["owner"])
    pdf = client.get(f"/incidents/{world['incident'].id}/export.pdf?one_pager=1").data
    assert page_count(pdf, tmp_path) == 1
    text = _squash(pdf_text(pdf, tmp_path))
    for part in ("Summary", "Customer impact", "Key durations", "Objectives", "RTO 30 min",
                 "Contributing factors by category", "Alert on config error rate",
                 "2025-04-01", "Earlier actions on the same services"):
        assert part in text, part
    # Recovered in 42 min against an RTO of 30 min: missed; no data-loss window: unknown.
    assert "missed" in text and "data-loss window not recorded" in text
    # Earlier actions on the same service: the visible one, overdue; never the restricted one.
    assert "Add retry budget to checkout" in text and "overdue" in text
    assert "Rotate the secret store keys" not in text


def test_japanese_review_embeds_a_noto_cjk_font(client, login, reviewed, tmp_path):
    world = reviewed(title="決済エラー 障害", summary="決済サービスが42分間停止しました。"
                     " Платежи не проходили. 支付失败 🔥")
    login(world["owner"])
    pdf = client.get(f"/incidents/{world['incident'].id}/export.pdf").data
    fonts = pdf_fonts(pdf, tmp_path)
    # pdffonts columns: name, type, encoding, then "emb" (embedded) yes/no.
    assert re.search(r"^\w+\+Noto-Sans-CJK-JP\s.*Identity-H\s+yes", fonts, re.M), fonts
    assert re.search(r"^\w+\+Noto-Color-Emoji\s.*\s+yes", fonts, re.M), fonts
    text = pdf_text(pdf, tmp_path)
    assert "決済サービスが42分間停止しました" in text and "Платежи" in text


def test_letter_paper(app, client, login, reviewed, tmp_path):
    world = reviewed()
    login(world["owner"])
    app.config["DEBRIEF_PDF_PAGE_SIZE"] = "Letter"
    try:
        pdf = client.get(f"/incidents/{world['incident'].id}/export.pdf").data
    finally:
        app.config["DEBRIEF_PDF_PAGE_SIZE"] = "A4"
    src = tmp_path / "l.pdf"
    src.write_bytes(pdf)
    import subprocess

    info = subprocess.run(["pdfinfo", str(src)], capture_output=True, check=True).stdout
    assert b"612 x 792 pts (letter)" in info


def test_non_member_gets_404_on_every_export(client, login, reviewed, make_user):
    world = reviewed(type="security", restricted=True)
    login(make_user("editor"))
    base = f"/incidents/{world['incident'].id}"
    for url in (f"{base}/export.pdf", f"{base}/export.pdf?one_pager=1", f"{base}/export.md",
                f"{base}/export.json"):
        assert client.get(url).status_code == 404, url
