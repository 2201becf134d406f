"""The journeys of issue 11 in a real browser: facilitator, action owner, viewer.

Each journey acts as its person would (links, buttons, forms) against a live server and
asserts what that person sees. The fixtures in conftest.py fail a journey on any console
error, uncaught exception, CSP violation or 5xx answer.
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.conftest import TEST_DATA, require_services

try:
    from playwright.sync_api import expect
except ImportError:  # outside CI a missing test extra skips; in CI it fails
    if require_services():
        raise
    pytest.skip("playwright is not installed (pip install -e '.[test]')",
                allow_module_level=True)

SLACK_EXPORT = TEST_DATA / "slack" / "export"
TITLE = "Checkout 5xx after payments-api pool exhaustion"
SUMMARY = ("Checkout answered 5xx to about a third of requests for about 31 minutes. The "
           "payments-api connection pool was exhausted; rolling back to v41 restored service.")
IMPACT = "About a third of checkout attempts failed between 00:35 and 01:06 CET."
FACTOR = "The pool size change shipped without a load test"
FACTOR_2 = "The saturation alert fired only after customers were affected"
ACTION = "Alert on payments-api pool saturation above 80%"


def slack_zip(folder: Path, dest: Path) -> Path:
    """Zip a Slack export folder the way Slack's export download is laid out."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    return dest


def test_facilitator_journey(log_in, live_server, tmp_path: Path) -> None:
    """From an empty incident to a published review found by search and read as PDF."""
    s = log_in("facilitator@example.com")
    page = s.page

    # Create the incident from the dashboard. Fatima works in Europe/Berlin: the start
    # time is typed in her zone (00:30 on 2 March = 23:30 UTC on 1 March), and shown in it.
    page.get_by_role("link", name="New incident").first.click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Type").select_option("outage")
    page.get_by_label("Severity").select_option(label="SEV2")
    page.get_by_label("Services").select_option(["checkout-api"])
    page.get_by_label("Started at (your zone)").fill("2024-03-02T00:30")
    page.get_by_label("Summary (Markdown)").fill("Checkout answered 5xx to part of the traffic.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    expect(page.get_by_role("status")).to_contain_text("created")
    incident_url = page.url
    moments = page.locator("#moments table").first
    expect(moments.get_by_role("row", name=re.compile("^Started"))).to_contain_text(
        "2024-03-02 00:30 CET")

    # The first customer report came earlier: correct the start in the edit form.
    page.get_by_role("link", name="Edit incident").click()
    expect(page.get_by_label("Started at (your zone)")).to_have_value("2024-03-02T00:30")
    page.get_by_label("Started at (your zone)").fill("2024-03-02T00:20")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Incident saved.")
    expect(moments.get_by_role("row", name=re.compile("^Started"))).to_contain_text(
        "2024-03-02 00:20 CET")

    # Import the Slack export: upload (progress bar), preview, confirm.
    page.get_by_role("link", name="Import timeline").click()
    page.get_by_label("File (ZIP, JSON, JSONL, CSV or log)").set_input_files(
        slack_zip(SLACK_EXPORT, tmp_path / "slack-export.zip"))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Preview: slack-export.zip")
    confirm = page.get_by_role("button", name=re.compile(r"Import \d+ events"))
    expect(confirm).to_be_enabled()
    kept = int(re.search(r"\d+", confirm.inner_text()).group())
    assert kept >= 5
    confirm.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Imported slack-export.zip")
    expect(page.get_by_role("row", name=re.compile("Events stored"))).to_contain_text(str(kept))
    page.get_by_role("link", name=re.compile("back to the timeline")).click()
    assert page.url.startswith(incident_url)

    # Star the events that tell the story; the star stays after the page reloads.
    for text in ("checkout 5xx above 5%", "Rolled back payments-api", "Error rates back to normal"):
        event = page.locator("li.event", has_text=text).first
        event.get_by_role("button", name="Star", exact=True).click()
        expect(page.locator("li.event.starred", has_text=text).first).to_be_visible()

    # Annotate what the responder saw. The imported time (Slack keeps microseconds) is
    # left as it is: same time shown, not marked as a changed time.
    ack = page.locator("li.event", has_text="checkout is down, see").first
    shown = ack.locator("time").inner_text()
    ack.get_by_role("link", name="Edit or set as moment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit event")
    page.get_by_label("Annotation (what did the responder see here?)").fill(
        "The checkout dashboard showed 5xx at 40%.")
    page.get_by_role("button", name="Save event").click()
    assert page.url.startswith(incident_url)
    ack = page.locator("li.event", has_text="checkout is down, see").first
    expect(ack.locator(".annotation")).to_contain_text("The checkout dashboard showed 5xx")
    expect(ack.locator("time")).to_have_text(shown)
    expect(ack.locator("time.edited")).to_have_count(0)

    # Accept each suggested moment; the lifecycle table then shows it as suggested.
    suggestions = page.locator("#suggestions + table")
    expect(suggestions).to_be_visible()
    accepted = 0
    while (button := suggestions.get_by_role("button", name="Accept", exact=True)).count():
        moment = button.first.locator("xpath=ancestor::tr/th").inner_text()
        button.first.click()
        expect(page.locator("#moments table").first.get_by_role("row").filter(
            has_text=moment.replace("_at", "").replace("_", " "))).to_contain_text("suggested")
        accepted += 1
        assert accepted < 10
    assert accepted >= 2

    # Start the review from the Standard template, suggested for a SEV2 outage.
    page.get_by_role("link", name="Start the review").click()
    standard = page.get_by_role("radio", name=re.compile("Standard review"))
    expect(standard).to_be_checked()
    page.get_by_label(re.compile("^Facilitator")).select_option(label="Sam Okafor")
    page.get_by_label(re.compile("^Attendees")).select_option(label=["Eli Engineer", "Priya Raman"])
    page.get_by_role("button", name="Start the review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Review: {TITLE}")
    expect(page.locator(".review-head")).to_contain_text("template Standard review")

    # Write the summary: blame-laden words get a warning while typing (the editor's live
    # preview asks the checker); a blameless rewrite clears it.
    summary = page.locator("#section-summary")
    editor = summary.get_by_role("textbox")
    editor.fill("The on-call engineer should have noticed the alert sooner.")
    editor.press_sequentially(" Human error.")
    warnings = summary.locator(".findings li")
    expect(warnings.first).to_be_visible()
    expect(summary.locator(".findings")).to_contain_text("Human error")
    expect(summary.locator(".findings")).to_contain_text("should have noticed")
    expect(summary.locator(".preview")).to_contain_text("should have noticed")
    editor.fill(SUMMARY)
    expect(warnings).to_have_count(0)
    expect(summary.locator(".preview")).to_contain_text("about 31 minutes")
    # Autosave keeps the text without pressing Save: it is there after a reload.
    expect(summary.locator(".save-state")).to_have_text(re.compile(r"^Saved "))
    page.reload()
    expect(page.locator("#section-summary").get_by_role("textbox")).to_have_value(SUMMARY)

    impact = page.locator("#section-impact")
    impact.get_by_role("textbox").fill(IMPACT)
    impact.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Section saved.")).to_be_visible()

    # The starred events are the review's timeline.
    timeline = page.locator("#section-timeline")
    expect(timeline.locator("li.event")).to_have_count(3)
    expect(timeline).to_contain_text("Rolled back payments-api")

    # Contributing factors, each backed by an event of the timeline.
    factors = page.locator("#factors")
    factors.get_by_label("Category").select_option("prevention")
    factors.get_by_label("Factor (a condition, not a person)").fill(FACTOR)
    evidence = factors.get_by_label("Supporting events")
    evidence.select_option(evidence.locator("option", has_text="db pool").get_attribute("value"))
    factors.get_by_role("button", name="Add factor").click()
    factor = page.locator("#factors .factor", has_text=FACTOR)
    expect(factor).to_contain_text("prevention")
    expect(factor).to_contain_text(re.compile(r"evidence: 00:59 CET\s+remove"))
    factors.get_by_label("Category").select_option("detection")
    factors.get_by_label("Factor (a condition, not a person)").fill(FACTOR_2)
    factors.get_by_role("button", name="Add factor").click()
    expect(page.locator("#factors .factor")).to_have_count(2)
    expect(page.locator("#factors .factor", has_text=FACTOR_2)).to_contain_text("detection")

    # A follow-up action from the incident page, owned by Eli and addressing the factor.
    page.get_by_role("link", name=re.compile(r"← INC-\d+")).click()
    page.get_by_role("link", name="New action").click()
    page.get_by_label("Title", exact=True).fill(ACTION)
    page.get_by_label("Owner").select_option(label="Eli Engineer <editor@example.com>")
    page.get_by_label("Type").select_option("detect")
    page.get_by_label("Contributing factor it addresses").select_option(
        label=f"prevention: {FACTOR}")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("created, due")
    expect(page.get_by_role("heading", level=1)).to_contain_text(ACTION)
    expect(page.get_by_role("row", name=re.compile("Addresses"))).to_contain_text(FACTOR)
    page.get_by_role("link", name=re.compile(r"INC-\d+ " + re.escape(TITLE))).click()
    page.get_by_role("link", name="Open the review").click()
    expect(page.locator("#actions")).to_contain_text(ACTION)

    # Facilitator mode, with the page's clock under the test's control: a minute passes
    # on the meeting timer without the test sleeping for it.
    page.clock.install()
    page.get_by_role("link", name="Facilitator mode").click()
    expect(page.locator(".purpose")).to_contain_text("We are here to learn, not to blame.")
    expect(page.locator("[data-event]:visible .counter")).to_have_text(re.compile(r"1 / \d+"))
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    page.clock.run_for("01:00")
    expect(page.locator(".timer-total")).to_have_text(re.compile(r"Meeting time 1:0\d"))
    expect(page.locator("[data-phase].current .phase-timer")).to_have_text(
        re.compile(r"1:0\d / 5:00"))
    page.keyboard.press("ArrowRight")  # the facilitator's key for the next event
    expect(page.locator("[data-event]:visible .counter")).to_have_text(re.compile(r"2 / \d+"))
    page.get_by_role("button", name="Let's move on").click()
    expect(page.get_by_role("status").filter(has_text="Let's move on")).to_be_visible()
    page.get_by_role("button", name="Next phase").click()
    page.clock.run_for("00:30")
    expect(page.locator("[data-phase].current")).to_contain_text("Walk the timeline")
    expect(page.locator("[data-phase].current .phase-timer")).to_have_text(
        re.compile(r"0:3\d / 35:00"))
    # "Let's move on" moved to the next event; parking an idea reloads the page, and the
    # meeting carries on where it was: same phase, same event, the clock still running.
    expect(page.locator("[data-event]:visible .counter")).to_have_text(re.compile(r"3 / \d+"))
    page.get_by_label("Idea to park").fill("Load-test pool settings in CI")
    page.get_by_role("button", name="Park").click()
    expect(page.locator(".questions")).to_contain_text("Load-test pool settings in CI")
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    expect(page.locator("[data-phase].current")).to_contain_text("Walk the timeline")
    expect(page.locator("[data-event]:visible .counter")).to_have_text(re.compile(r"3 / \d+"))
    page.clock.run_for("00:10")
    expect(page.locator(".timer-total")).to_have_text(re.compile(r"Meeting time 1:[4-5]\d"))
    page.get_by_role("link", name="Back to the review").click()

    # Publish: the check page confirms the required sections, then the review is v1.
    page.get_by_role("link", name="Check and publish").click()
    expect(page.get_by_text("Every required section has content.")).to_be_visible()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("Review is now published.")
    expect(page.locator(".review-head")).to_contain_text("published v1")

    # Search finds it; the year facet narrows the hits to it.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    page.get_by_label("Did this happen before?").fill("pool exhaustion")
    page.get_by_role("button", name="Search").click()
    hits = page.locator("ol.hits li.hit")
    expect(hits.filter(has_text=TITLE)).to_have_count(1)
    before = hits.count()
    assert before > 1  # the demo data set has earlier pool incidents too
    facets = page.get_by_role("complementary", name="Refine")
    facets.get_by_role("link", name="2024", exact=True).click()
    expect(page.get_by_label("Did this happen before?")).to_have_value(
        re.compile(r"pool exhaustion .*year:2024"))
    expect(hits).to_have_count(1)
    expect(hits.first).to_contain_text(TITLE)
    hits.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)

    # The PDF a leader would read carries the published review.
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF", exact=True).click()
    pdf = tmp_path / download.value.suggested_filename
    download.value.save_as(pdf)
    assert pdf.suffix == ".pdf"
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                                   capture_output=True, text=True).stdout.split())
    for expected in (TITLE, "about 31 minutes", FACTOR, FACTOR_2, ACTION,
                     "Rolled back payments-api"):
        assert expected in text, expected
    assert "Human error" not in text
    log_in.assert_clean()


def test_action_owner_journey(log_in, live_server) -> None:
    """Eli finds his action under My actions, marks it done and is asked if it came back."""
    seed = live_server.seed
    s = log_in("editor@example.com")
    page = s.page

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Actions").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("My actions")
    rows = page.locator("table.data tr:has(td)")
    expect(rows.filter(has_text=seed.owner_action_title)).to_have_count(1)
    owners = rows.locator("td:nth-child(4)").all_inner_texts()
    assert owners and all(o.startswith("Eli Engineer") for o in owners), owners

    rows.filter(has_text=seed.owner_action_title).get_by_role(
        "link", name=re.compile(re.escape(seed.owner_action_title))).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(seed.owner_action_title)
    came_back = page.locator("section", has=page.get_by_role("heading", name="Did it come back?"))
    expect(came_back).to_contain_text("Shown once the action is done")

    page.get_by_label("Status").select_option("done")
    page.get_by_role("button", name="Save status").click()
    expect(page.get_by_role("status")).to_contain_text("Status saved.")
    expect(page.locator("header .badge").first).to_have_text("done")
    expect(page.get_by_role("row", name=re.compile("Closed"))).to_be_visible()
    # The effectiveness question now has an answer: later incidents with the same kind of
    # factor on the same services, or none so far.
    expect(came_back).not_to_contain_text("Shown once the action is done")
    expect(came_back).to_contain_text(re.compile(
        r"Later incidents on the same services|No later incident on the same services"))
    expect(page.locator(".history")).to_contain_text("done")
    log_in.assert_clean()


def test_viewer_journey(log_in, live_server) -> None:
    """Vera reads a published review but cannot change it, and never sees a restricted one."""
    seed = live_server.seed
    s = log_in("viewer@example.com")
    page = s.page
    base = live_server.url

    expect(page.get_by_role("link", name="New incident")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text(seed.restricted_title)  # dashboard
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Incidents").click()
    published_link = page.get_by_role("link", name=f"{seed.published_ref} {seed.published_title}",
                                      exact=True)
    expect(published_link).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(seed.restricted_title)

    # The published review reads as text: no edit controls anywhere on the way.
    published_link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(seed.published_title)
    expect(page.get_by_role("region", name="Similar incidents")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(seed.restricted_title)
    for name in ("Edit incident", "Import timeline", "New action"):
        expect(page.get_by_role("link", name=name)).to_have_count(0)
    for name in ("Star", "Hide", "Set", "Add event", "Accept"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    page.get_by_role("link", name="Open the review").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(seed.published_title)
    expect(page.locator("main")).not_to_contain_text(seed.restricted_title)
    summary = page.locator("#section-summary")
    expect(summary.locator(".md")).not_to_be_empty()
    expect(page.get_by_role("textbox")).to_have_count(0)
    for name in ("Save", "Add factor", "Send for review", "remove"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    for name in ("Facilitator mode", "Check and publish", "History"):
        expect(page.get_by_role("link", name=name)).to_have_count(0)

    # Typing the edit URLs anyway is refused, and nothing changes.
    edit_url = f"{base}/incidents/{seed.published_id}/edit"
    s.log.expect_refusal(edit_url)
    page.goto(edit_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^403"))
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    page.goto(f"{base}/incidents/{seed.published_id}/review")
    summary_text = page.locator("#section-summary .md").inner_text()
    for url, form in (
            (f"{base}/incidents/{seed.published_id}/review/sections/summary",
             {"content": "Rewritten by a viewer", "version": "1"}),
            (f"{base}/incidents/{seed.published_id}/edit",
             {"title": "Renamed by a viewer", "type": "outage", "severity": "1"}),
            (f"{base}/incidents/{seed.published_id}/review/status", {"to": "draft"}),
            (f"{base}/actions/{seed.owner_action_id}/status", {"status": "wont_do"})):
        answer = page.request.post(url, form={**form, "csrf_token": token},
                                   max_redirects=0)
        assert answer.status == 403, (url, answer.status)
    page.reload()
    expect(page.locator("#section-summary .md")).to_have_text(summary_text)
    expect(page.get_by_role("heading", level=1)).to_contain_text(seed.published_title)

    # The restricted incident answers exactly like one that does not exist.
    restricted_url = f"{base}/incidents/{seed.restricted_id}"
    missing_url = f"{base}/incidents/{seed.restricted_id + 10_000}"
    s.log.expect_refusal(restricted_url)
    s.log.expect_refusal(missing_url)
    page.goto(missing_url)
    missing_page = page.locator("main").inner_text()
    answer = page.goto(restricted_url)
    assert answer.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^404"))
    assert page.locator("main").inner_text() == missing_page
    expect(page.locator("main")).not_to_contain_text(seed.restricted_title)

    # Search: the facilitator (a member) finds it; Vera gets nothing for the same words.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    page.get_by_label("Did this happen before?").fill("\"signing key\"")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("ol.hits")).to_contain_text("Nothing found.")
    expect(page.locator("main")).not_to_contain_text(seed.restricted_title)

    # A member sees what Vera was kept from, on the same pages.
    member = log_in("facilitator@example.com").page
    member.goto(f"/incidents/{seed.published_id}")
    expect(member.get_by_role("region", name="Similar incidents")).to_contain_text(
        seed.restricted_title)
    member.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    member.get_by_label("Did this happen before?").fill("\"signing key\"")
    member.get_by_role("button", name="Search").click()
    expect(member.locator("ol.hits li.hit").filter(has_text=seed.restricted_title)).to_have_count(1)
    log_in.assert_clean()
