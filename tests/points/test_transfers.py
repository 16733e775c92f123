"""Transfers between members (转赠)."""

from collections.abc import Callable
from typing import Any

import pytest

from members.exceptions import InvalidInput, MemberInactive
from members.models import Member
from points.exceptions import IdempotencyConflict, InsufficientPoints, TransferRefused
from points.invariants import ledger_mismatches
from points.models import LedgerEntry, Lot, ProgrammeRules
from points.services import points_transfer, refund_record
from tests.points.helpers import local, reload

pytestmark = pytest.mark.usefixtures("english")

Give = Callable[..., LedgerEntry]


def test_the_receiver_gets_lots_that_keep_the_source_expiry(
    member: Member, other_member: Member, give: Give, time_machine: Any
) -> None:
    # Given lots expiring in January (200) and March (300)
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)
    january = give(member, 200, expires_at=local(2027, 1, 1))
    march = give(member, 300, expires_at=local(2027, 3, 1))

    # When 250 points are given away
    result = points_transfer(sender=member, receiver=other_member, points=250)

    # Then the January lot is taken whole, 50 come from March, and the
    # receiver's lots expire as the sender's would have
    assert (result.out_entry.kind, result.out_entry.points) == ("transfer_out", -250)
    assert (result.in_entry.kind, result.in_entry.points) == ("transfer_in", 250)
    assert result.out_entry.balance_after == 250
    assert result.in_entry.balance_after == 250
    received = list(
        Lot.objects.filter(member=other_member)
        .order_by("id")
        .values_list("points", "expires_at", "earned_at")
    )
    assert received == [
        (200, local(2027, 1, 1), january.lots.get().earned_at),
        (50, local(2027, 3, 1), march.lots.get().earned_at),
    ]
    assert Lot.objects.get(entry=march).remaining == 250
    assert Lot.objects.get(entry=january).remaining == 0
    assert result.out_entry.reference == f"transfer/{other_member.card_no}"
    assert result.in_entry.reference == f"transfer/{member.card_no}"
    assert (reload(member).balance, reload(other_member).balance) == (250, 250)
    assert list(ledger_mismatches()) == []


def test_a_transfer_to_oneself_is_refused(
    member: Member, give: Give, unchanged: Callable[[], dict]
) -> None:
    give(member, 500)
    before = unchanged()

    with pytest.raises(TransferRefused) as refused:
        points_transfer(sender=member, receiver=member, points=100)

    assert refused.value.code == "transfer_refused"
    assert str(refused.value.message) == (
        "A member cannot transfer points to themself."
    )
    assert unchanged() == before


def test_a_transfer_is_refused_when_transfers_are_switched_off(
    member: Member,
    other_member: Member,
    give: Give,
    rules: ProgrammeRules,
    unchanged: Callable[[], dict],
) -> None:
    give(member, 500)
    ProgrammeRules.objects.filter(pk=rules.pk).update(transfer_enabled=False)
    before = unchanged()

    with pytest.raises(TransferRefused) as refused:
        points_transfer(sender=member, receiver=other_member, points=100)

    assert str(refused.value.message) == ("Transfers between members are switched off.")
    assert unchanged() == before


def test_a_transfer_below_the_minimum_is_refused(
    member: Member, other_member: Member, give: Give, unchanged: Callable[[], dict]
) -> None:
    give(member, 500)
    before = unchanged()

    with pytest.raises(TransferRefused) as refused:
        points_transfer(sender=member, receiver=other_member, points=99)

    assert str(refused.value.message) == "Transfer at least 100 points."
    assert refused.value.fields == {"points": 99}
    assert unchanged() == before


def test_a_transfer_beyond_the_balance_is_refused(
    member: Member, other_member: Member, give: Give, unchanged: Callable[[], dict]
) -> None:
    give(member, 500)
    before = unchanged()

    with pytest.raises(InsufficientPoints) as short:
        points_transfer(sender=member, receiver=other_member, points=501)

    assert short.value.code == "insufficient_points"
    assert short.value.fields == {"points": 501, "available": 500}
    assert unchanged() == before


def test_expired_points_cannot_be_transferred_even_before_the_job_ran(
    member: Member,
    other_member: Member,
    give: Give,
    time_machine: Any,
    unchanged: Callable[[], dict],
) -> None:
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)
    give(member, 500, expires_at=local(2026, 7, 1))
    give(member, 100)
    time_machine.move_to(local(2026, 7, 1, 0, 0), tick=False)
    before = unchanged()

    with pytest.raises(InsufficientPoints) as short:
        points_transfer(sender=member, receiver=other_member, points=200)

    assert short.value.fields == {"points": 200, "available": 100}
    assert unchanged() == before


@pytest.mark.parametrize("points", [0, -100, 100.0, "100", None])
def test_a_transfer_of_a_bad_number_of_points_is_refused(
    member: Member,
    other_member: Member,
    give: Give,
    unchanged: Callable[[], dict],
    points: Any,
) -> None:
    give(member, 500)
    before = unchanged()

    with pytest.raises(InvalidInput):
        points_transfer(sender=member, receiver=other_member, points=points)

    assert unchanged() == before


@pytest.mark.parametrize("who", ["sender", "receiver"])
def test_a_transfer_from_or_to_a_frozen_member_is_refused(
    member: Member,
    other_member: Member,
    give: Give,
    unchanged: Callable[[], dict],
    who: str,
) -> None:
    give(member, 500)
    frozen = member if who == "sender" else other_member
    Member.objects.filter(pk=frozen.pk).update(status=Member.Status.FROZEN)
    before = unchanged()

    with pytest.raises(MemberInactive):
        points_transfer(sender=member, receiver=other_member, points=100)

    assert unchanged() == before


def test_a_transfer_settles_the_receivers_debt_first(
    member: Member, other_member: Member, give: Give, buy: Callable[..., Any]
) -> None:
    # Given a receiver 258 points in debt
    give(member, 42)
    buy(other_member, "258.00", receipt_no="R1")
    points_transfer(sender=other_member, receiver=member, points=258)
    refund_record(
        store=other_member.home_store,
        receipt_no="R1",
        refund_no="F1",
        amount="258.00",
    )
    assert reload(other_member).balance == -258

    points_transfer(sender=member, receiver=other_member, points=300)

    assert reload(member).balance == 0
    assert reload(other_member).balance == 42
    assert (
        sum(Lot.objects.filter(member=other_member).values_list("remaining", flat=True))
        == 42
    )
    assert list(ledger_mismatches()) == []


def test_a_transfer_with_the_same_key_replays(
    member: Member, other_member: Member, give: Give
) -> None:
    give(member, 500)
    first = points_transfer(
        sender=member, receiver=other_member, points=200, dedupe_key="gift-1"
    )

    again = points_transfer(
        sender=member, receiver=other_member, points=200, dedupe_key="gift-1"
    )

    assert (again.out_entry.pk, again.in_entry.pk) == (
        first.out_entry.pk,
        first.in_entry.pk,
    )
    assert LedgerEntry.objects.filter(kind="transfer_out").count() == 1
    assert (reload(member).balance, reload(other_member).balance) == (300, 200)


@pytest.mark.parametrize("change", ["points", "receiver"])
def test_a_transfer_key_reused_for_another_transfer_is_a_conflict(
    member: Member,
    other_member: Member,
    make_member: Callable[..., Member],
    give: Give,
    unchanged: Callable[[], dict],
    change: str,
) -> None:
    give(member, 500)
    points_transfer(
        sender=member, receiver=other_member, points=200, dedupe_key="gift-1"
    )
    receiver = make_member() if change == "receiver" else other_member
    points = 300 if change == "points" else 200
    before = unchanged()

    with pytest.raises(IdempotencyConflict):
        points_transfer(
            sender=member, receiver=receiver, points=points, dedupe_key="gift-1"
        )

    assert unchanged() == before
