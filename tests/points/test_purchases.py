"""Recording purchases: idempotency by store + receipt, bad input, inactive members."""

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from members.exceptions import InvalidInput, MemberInactive
from members.models import Member, Store
from points.exceptions import IdempotencyConflict
from points.models import LedgerEntry, Lot, Purchase
from points.services import PurchaseResult
from tests.points.helpers import local, reload

pytestmark = pytest.mark.usefixtures("english")

Buy = Callable[..., PurchaseResult]


def test_the_same_receipt_posted_again_replays_the_original(
    member: Member, buy: Buy
) -> None:
    first = buy(member, "258.00", receipt_no="R1")

    again = buy(member, "258.00", receipt_no="R1")

    assert again.replayed is True
    assert again.purchase.pk == first.purchase.pk
    assert again.purchase.points_earned == 258
    assert Purchase.objects.count() == 1
    assert LedgerEntry.objects.count() == 1
    assert reload(member).balance == 258


def test_the_same_receipt_number_at_another_store_is_another_purchase(
    member: Member, buy: Buy, other_store: Store
) -> None:
    buy(member, "258.00", receipt_no="R1")

    other = buy(member, "100.00", receipt_no="R1", store=other_store)

    assert other.replayed is False
    assert Purchase.objects.count() == 2
    assert reload(member).balance == 358


@pytest.mark.parametrize(
    "change",
    [
        {"amount": "258.01"},
        {"lines": [{"sku": "X", "amount": "258.00"}]},
        {"occurred_at": local(2026, 1, 1, 9, 0)},
    ],
    ids=["amount", "lines", "occurred_at"],
)
def test_the_same_receipt_with_a_different_body_is_a_conflict_and_changes_nothing(
    member: Member, buy: Buy, unchanged: Callable[[], dict], change: dict[str, Any]
) -> None:
    buy(member, "258.00", receipt_no="R1")
    before = unchanged()

    with pytest.raises(IdempotencyConflict) as refused:
        buy(member, **{"amount": "258.00", "receipt_no": "R1", **change})

    assert refused.value.code == "idempotency_conflict"
    assert unchanged() == before


def test_the_same_receipt_for_another_member_is_a_conflict(
    member: Member, other_member: Member, buy: Buy, unchanged: Callable[[], dict]
) -> None:
    buy(member, "258.00", receipt_no="R1")
    before = unchanged()

    with pytest.raises(IdempotencyConflict):
        buy(other_member, "258.00", receipt_no="R1")

    assert unchanged() == before
    assert reload(other_member).balance == 0


def test_an_amount_given_as_a_decimal_or_int_replays_the_string_form(
    member: Member, buy: Buy
) -> None:
    buy(member, "258.00", receipt_no="R1")

    assert buy(member, Decimal("258"), receipt_no="R1").replayed is True
    assert buy(member, 258, receipt_no="R1").replayed is True


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "The amount must be greater than zero."),
        ("0.00", "The amount must be greater than zero."),
        ("-1.00", "The amount must be greater than zero."),
        ("258.001", "The amount can have at most two decimals."),
        ("1e20", "The amount is too large."),
        ("100000000.00", "The amount is too large."),
        ("NaN", "The amount must be greater than zero."),
        (float("nan"), "The amount must be greater than zero."),
        ("Infinity", "The amount must be greater than zero."),
        ("12,00", "Enter an amount in yuan, such as 258.00."),
        ("", "Enter an amount in yuan, such as 258.00."),
        (None, "Enter an amount in yuan, such as 258.00."),
    ],
)
def test_a_bad_amount_is_refused_and_nothing_is_written(
    member: Member, buy: Buy, unchanged: Callable[[], dict], amount: Any, message: str
) -> None:
    before = unchanged()

    with pytest.raises(InvalidInput) as refused:
        buy(member, amount)

    assert refused.value.code == "invalid"
    assert str(refused.value.message) == message
    assert refused.value.fields == {"amount": str(amount)}
    assert unchanged() == before


def test_the_largest_amount_is_accepted(member: Member, buy: Buy) -> None:
    purchase = buy(member, "99999999.99").purchase

    assert purchase.points_earned == 99_999_999


@pytest.mark.parametrize("points_used", [-100, 1.5, "100", True, 1_000_000_001])
def test_bad_points_used_are_refused_and_nothing_is_written(
    member: Member, buy: Buy, unchanged: Callable[[], dict], points_used: Any
) -> None:
    before = unchanged()

    with pytest.raises(InvalidInput) as refused:
        buy(member, "300.00", points_used=points_used)

    assert refused.value.fields == {"points_used": points_used}
    assert unchanged() == before


@pytest.mark.parametrize("receipt_no", ["", "   ", "R" * 65])
def test_a_missing_or_overlong_receipt_number_is_refused(
    member: Member, buy: Buy, unchanged: Callable[[], dict], receipt_no: str
) -> None:
    before = unchanged()

    with pytest.raises(InvalidInput) as refused:
        buy(member, "258.00", receipt_no=receipt_no)

    assert str(refused.value.message) == (
        "Enter a receipt number of 1 to 64 characters."
    )
    assert unchanged() == before


def test_a_purchase_in_the_future_is_refused(
    member: Member, buy: Buy, unchanged: Callable[[], dict], time_machine: Any
) -> None:
    time_machine.move_to(local(2026, 5, 1, 12, 0), tick=False)
    before = unchanged()

    with pytest.raises(InvalidInput) as refused:
        buy(member, "258.00", occurred_at=local(2026, 5, 1, 12, 11))

    assert str(refused.value.message) == "The purchase cannot be in the future."
    assert unchanged() == before
    # A till clock a few minutes fast is tolerated.
    assert buy(member, "258.00", occurred_at=local(2026, 5, 1, 12, 9)).replayed is False


@pytest.mark.parametrize("status", [Member.Status.FROZEN, Member.Status.CLOSED])
def test_a_frozen_or_closed_member_cannot_earn(
    member: Member, buy: Buy, unchanged: Callable[[], dict], status: str
) -> None:
    Member.objects.filter(pk=member.pk).update(status=status)
    before = unchanged()

    with pytest.raises(MemberInactive) as refused:
        buy(member, "258.00")

    assert refused.value.code == "member_inactive"
    assert refused.value.fields == {"member": member.card_no}
    assert unchanged() == before
    assert Purchase.objects.count() == 0


def test_earned_points_expire_at_the_end_of_the_local_day_twelve_months_on(
    member: Member, buy: Buy, time_machine: Any
) -> None:
    # 23:30 in Shanghai is already the next day in UTC; the local date counts.
    time_machine.move_to(local(2026, 3, 15, 23, 30), tick=False)

    entry = buy(member, "258.00").purchase.entries.get()

    lot = Lot.objects.get(entry=entry)
    assert lot.earned_at == local(2026, 3, 15, 23, 30)
    assert lot.expires_at == local(2027, 3, 16, 0, 0)


def test_a_back_dated_purchase_earns_lots_dated_when_it_happened(
    member: Member, buy: Buy, time_machine: Any
) -> None:
    time_machine.move_to(local(2026, 5, 1, 12, 0), tick=False)

    purchase = buy(member, "258.00", occurred_at=local(2026, 4, 30, 20, 0)).purchase

    lot = Lot.objects.get(entry__purchase=purchase)
    assert lot.earned_at == local(2026, 4, 30, 20, 0)
    assert lot.expires_at == local(2027, 5, 1, 0, 0)
    assert purchase.occurred_at == local(2026, 4, 30, 20, 0)
    assert purchase.created_at == local(2026, 5, 1, 12, 0)
    assert purchase.entries.get().created_at == datetime.datetime(
        2026, 5, 1, 4, 0, tzinfo=datetime.UTC
    )
