"""The review rules as pure functions: statuses, refusals, blindness, ranking."""

from dataclasses import replace

import pytest

from genkend.errors import InvalidField
from genkend.records import Neighbour
from genkend.review import double_review as rules
from genkend.review.candidates import Candidate, Decision, view
from genkend.review.matching import IdentityMatch, Result, closest_per_identity

AT = "2026-01-02T03:04:05.000000Z"
OPEN = Candidate(
    1,
    "C",
    7,
    "Bob",
    "probe.png",
    None,
    0.3,
    0.6,
    None,
    "fake",
    5,
    "searcher",
    None,
    "open",
    False,
    AT,
)


def _said(*outcomes: str) -> list[Decision]:
    return [Decision(1, f"rev{i}", "reviewer", o, "n", AT) for i, o in enumerate(outcomes, 1)]


@pytest.mark.parametrize(
    ("outcomes", "status"),
    [
        ((), "open"),
        (("potential_candidate",), "open"),
        (("potential_candidate", "potential_candidate"), "identified"),
        (("no_candidate", "no_candidate"), "rejected"),
        (("potential_candidate", "no_candidate"), "disputed"),
        (("no_candidate", "inconclusive"), "disputed"),
    ],
)
def test_two_decisions_close_a_candidate(outcomes: tuple[str, ...], status: str) -> None:
    assert rules.status_after(_said(*outcomes)) == status


def test_refusals_name_the_rule_broken() -> None:
    assert rules.refusal_to_decide(OPEN, [], "rev1") is None
    assert "ran the search" in str(rules.refusal_to_decide(OPEN, [], "searcher"))
    assert "already decided" in str(rules.refusal_to_decide(OPEN, _said("inconclusive"), "rev1"))
    due = replace(OPEN, deletion_due=True)
    assert "due for deletion" in str(rules.refusal_to_decide(due, [], "rev1"))
    assert "is open, not disputed" in str(rules.refusal_to_resolve(OPEN, [], "sup"))
    disputed = replace(OPEN, status="disputed")
    assert rules.refusal_to_resolve(disputed, ["rev1", "rev2"], "sup") is None
    assert "another supervisor" in str(rules.refusal_to_resolve(disputed, ["sup"], "sup"))


def test_errors_name_fields_not_flags() -> None:
    with pytest.raises(InvalidField) as bad:
        rules.check_outcome("yes", rules.OUTCOMES)
    assert bad.value.field == "outcome"
    with pytest.raises(InvalidField) as blank:
        rules.check_note("  ", "decision")
    assert blank.value.field == "note"


def test_a_reviewer_who_may_still_decide_sees_no_decision() -> None:
    given = _said("no_candidate")
    reviewer_and_supervisor = frozenset({"reviewer", "supervisor"})
    assert view(OPEN, given, "rev2", reviewer_and_supervisor).blind
    assert view(OPEN, given, "rev2", reviewer_and_supervisor).decisions == ()
    assert not view(OPEN, given, "rev1", frozenset({"reviewer"})).blind  # decided already
    assert view(OPEN, given, "sup", frozenset({"supervisor"})).decisions == tuple(given)


def test_identities_rank_by_their_closest_face() -> None:
    found = [Neighbour(10, 0.4), Neighbour(11, 0.1), Neighbour(12, 0.2), Neighbour(13, 0.2)]
    owners = {10: 1, 11: 1, 12: 2, 13: 3}
    assert closest_per_identity(found, owners, 2) == [(1, 0.1, 11), (2, 0.2, 12)]


def test_result_json_keeps_its_shape() -> None:
    match = IdentityMatch(1, 7, "Bob", "missing", 11, 0.1, 0.6, candidate_id=3)
    result = Result("search.gallery", "gallery", "1:11", "fake", "ab", (1, 2, 3, 4), AT)
    data = replace(result, candidates=(match,)).as_dict()
    assert list(data) == [
        "kind",
        "reference",
        "reference_version",
        "backend",
        "probe_sha256",
        "probe_box",
        "started_at",
        "cases",
        "ended_at",
        "calibration_id",
        "authorisation_id",
        "candidates",
        "audit_seq",
    ]
    assert data["probe_box"] == [1, 2, 3, 4] and data["cases"] == []
    assert data["candidates"][0]["kind"] == "identity"
    assert data["candidates"][0]["candidate_id"] == 3
