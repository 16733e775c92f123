"""Manual adjustments: posted at once up to the threshold, else a second approver."""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from members.exceptions import InvalidInput, MemberInactive
from members.models import Member
from points.exceptions import ApprovalRefused, InsufficientPoints
from points.models import Adjustment, LedgerEntry, Lot
from points.services import adjustment_approve, adjustment_reject, adjustment_request
from tests.points.helpers import local, reload

pytestmark = pytest.mark.usefixtures("english")

Give = Callable[..., LedgerEntry]


@pytest.fixture
def approver(db: None) -> User:
    return User.objects.create_user(username="supervisor", password="x-super-pass")


def request(member: Member, points: int, by: User, **kw: Any) -> Adjustment:
    kw.setdefault("reason_code", Adjustment.Reason.GOODWILL)
    kw.setdefault("note", "Complaint #17")
    return adjustment_request(member=member, points=points, by=by, **kw)


def test_an_adjustment_up_to_the_threshold_posts_at_once(
    member: Member, manager: User, time_machine: Any
) -> None:
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)

    adjustment = request(member, 1_000, manager)

    assert adjustment.status == Adjustment.Status.POSTED
    assert adjustment.decided_by is None
    entry = adjustment.entry
    assert (entry.kind, entry.points, entry.balance_after) == ("adjust", 1_000, 1_000)
    assert entry.operator == manager
    assert entry.reason == "Goodwill / complaint: Complaint #17"
    assert entry.reference == f"adjustment/{adjustment.pk}"
    # A credit is a lot like any other, expiring under the programme's policy.
    lot = Lot.objects.get(entry=entry)
    assert (lot.remaining, lot.expires_at) == (1_000, local(2027, 6, 2))
    assert reload(member).balance == 1_000


def test_a_negative_adjustment_takes_points_from_the_lots(
    member: Member, manager: User, give: Give
) -> None:
    give(member, 500)

    adjustment = request(member, -200, manager, reason_code="correction")

    assert adjustment.entry.points == -200
    assert adjustment.entry.balance_after == 300
    assert list(adjustment.entry.consumptions.values_list("points", flat=True)) == [200]
    assert reload(member).balance == 300


def test_an_adjustment_above_the_threshold_waits_for_approval(
    member: Member, manager: User, unchanged: Callable[[], dict]
) -> None:
    before = unchanged()

    adjustment = request(member, 1_001, manager)

    assert adjustment.status == Adjustment.Status.PENDING
    assert adjustment.entry is None
    after = unchanged()
    assert after["adjustments"] == [(adjustment.pk, "pending")]
    assert {**after, "adjustments": []} == {**before, "adjustments": []}


def test_the_requester_cannot_approve_their_own_adjustment(
    member: Member, manager: User, unchanged: Callable[[], dict]
) -> None:
    adjustment = request(member, 5_000, manager)
    before = unchanged()

    with pytest.raises(ApprovalRefused) as refused:
        adjustment_approve(adjustment=adjustment, by=manager)

    assert refused.value.code == "approval_refused"
    assert str(refused.value.message) == (
        "A second person must approve an adjustment you requested."
    )
    assert unchanged() == before


def test_another_user_approves_and_the_adjustment_posts(
    member: Member, manager: User, approver: User, time_machine: Any
) -> None:
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)
    adjustment = request(member, 5_000, manager)
    time_machine.move_to(local(2026, 6, 1, 11, 0), tick=False)

    approved = adjustment_approve(adjustment=adjustment, by=approver)

    assert approved.status == Adjustment.Status.POSTED
    assert approved.decided_by == approver
    assert approved.decided_at == local(2026, 6, 1, 11, 0)
    assert (approved.entry.points, approved.entry.operator) == (5_000, approver)
    assert reload(member).balance == 5_000
    # Deciding twice is refused.
    with pytest.raises(ApprovalRefused):
        adjustment_approve(adjustment=adjustment, by=approver)
    assert LedgerEntry.objects.count() == 1


def test_a_rejected_adjustment_writes_nothing_to_the_ledger(
    member: Member, manager: User, approver: User, unchanged: Callable[[], dict]
) -> None:
    adjustment = request(member, 5_000, manager)
    before = unchanged()

    rejected = adjustment_reject(adjustment=adjustment, by=approver)

    assert rejected.status == Adjustment.Status.REJECTED
    assert rejected.decided_by == approver
    assert rejected.entry is None
    assert unchanged() == {**before, "adjustments": [(adjustment.pk, "rejected")]}
    with pytest.raises(ApprovalRefused) as refused:
        adjustment_approve(adjustment=adjustment, by=approver)
    assert str(refused.value.message) == "This adjustment was already decided."
    assert reload(member).balance == 0


def test_a_debit_beyond_the_usable_points_is_refused_with_no_trace(
    member: Member, manager: User, give: Give, unchanged: Callable[[], dict]
) -> None:
    give(member, 100)
    before = unchanged()

    with pytest.raises(InsufficientPoints) as short:
        request(member, -101, manager, reason_code="correction")

    assert short.value.fields == {"points": 101, "available": 100}
    assert unchanged() == before


def test_approving_a_debit_the_member_can_no_longer_cover_leaves_it_pending(
    member: Member,
    manager: User,
    approver: User,
    give: Give,
    unchanged: Callable[[], dict],
) -> None:
    give(member, 2_000)
    adjustment = request(member, -1_500, manager, reason_code="fraud")
    request(member, -1_000, manager, reason_code="fraud")
    before = unchanged()

    with pytest.raises(InsufficientPoints):
        adjustment_approve(adjustment=adjustment, by=approver)

    assert unchanged() == before
    assert Adjustment.objects.get(pk=adjustment.pk).status == "pending"


@pytest.mark.parametrize(
    ("points", "reason_code", "note", "message"),
    [
        (0, "goodwill", "n", "Enter a non-zero whole number of points."),
        (True, "goodwill", "n", "Enter a non-zero whole number of points."),
        (10.0, "goodwill", "n", "Enter a non-zero whole number of points."),
        ("10", "goodwill", "n", "Enter a non-zero whole number of points."),
        (1_000_000_001, "goodwill", "n", "That is too many points."),
        (-1_000_000_001, "goodwill", "n", "That is too many points."),
        (10, "bribe", "n", "Choose a reason."),
        (10, "goodwill", "   ", "Write a note saying why."),
    ],
)
def test_a_bad_adjustment_request_is_refused_and_writes_nothing(
    member: Member,
    manager: User,
    unchanged: Callable[[], dict],
    points: Any,
    reason_code: str,
    note: str,
    message: str,
) -> None:
    before = unchanged()

    with pytest.raises(InvalidInput) as refused:
        request(member, points, manager, reason_code=reason_code, note=note)

    assert str(refused.value.message) == message
    assert unchanged() == before


def test_a_frozen_member_cannot_be_adjusted(
    member: Member, manager: User, unchanged: Callable[[], dict]
) -> None:
    Member.objects.filter(pk=member.pk).update(status=Member.Status.FROZEN)
    before = unchanged()

    with pytest.raises(MemberInactive):
        request(member, 100, manager)

    assert unchanged() == before
