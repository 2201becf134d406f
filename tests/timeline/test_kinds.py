"""Kind guessing: the first matching rule wins; negated or questioned outcomes do not."""

from __future__ import annotations

import pytest

from app.timeline.importers.base import KINDS
from app.timeline.kinds import guess_kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("we rolled back the deploy", "mitigation"),
        ("All clear", "recovery"),
        ("hello", "other"),
        ("", "other"),
        ("Root cause: connection pool exhausted", "diagnosis"),
        ("Acknowledged by Priya Raman", "acknowledgement"),
        ("Triggered through the API", "detection"),
        ("Paging the DBA on-call", "escalation"),
        ("Updated the status page", "communication"),
        ("We decided to keep the feature flag off", "decision"),
        # Recovery outranks the diagnosis words in the same message.
        ("Resolved: the root cause was an expired certificate", "recovery"),
    ],
)
def test_rules(text: str, kind: str) -> None:
    assert guess_kind(text) == kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("not resolved yet", "other"),
        ("Is it resolved?", "other"),
        ("not yet fully recovered, still rolling back", "mitigation"),
        ("we have not rolled back, investigating", "diagnosis"),
        ("resolved? no. but we rolled back", "mitigation"),
        ("Did we find the root cause?", "other"),
        # A question about a symptom is still a report of it.
        ("anyone else seeing errors on checkout?", "detection"),
    ],
)
def test_negations_and_questions_do_not_count_as_outcomes(text: str, kind: str) -> None:
    assert guess_kind(text) == kind


def test_every_guess_is_a_known_kind() -> None:
    samples = ["failover done", "the alert fired", "statement to customers", "xyz"]
    assert {guess_kind(s) for s in samples} <= set(KINDS)
