"""Refunds (退货): reversal of earned points, restore of paid points, debt, keys."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum

from members.exceptions import InvalidInput
from members.models import Member, Store
from points.exceptions import (
    IdempotencyConflict,
    InsufficientPoints,
    PurchaseNotFound,
    RefundExceedsPurchase,
)
from points.invariants import ledger_mismatches
from points.models import LedgerEntry, Lot, Purchase, Refund
from points.services import (
    PurchaseResult,
    RefundResult,
    adjustment_request,
    points_transfer,
    refund_record,
)
from tests.points.helpers import local, reload

pytestmark = pytest.mark.usefixtures("english")

Buy = Callable[..., PurchaseResult]
Give = Callable[..., LedgerEntry]


@pytest.fixture
def refund(store: Store) -> Callable[..., RefundResult]:
    def record(receipt_no: str, refund_no: str, amount: Any, **kw: Any) -> RefundResult:
        return refund_record(
            store=store, receipt_no=receipt_no, refund_no=refund_no, amount=amount, **kw
        )

    return record


def entries_of(member: Member) -> list[tuple[str, int, int]]:
    return list(
        LedgerEntry.objects.filter(member=member)
        .order_by("id")
        .values_list("kind", "points", "balance_after")
    )


def test_partial_then_full_refund_reverses_exactly_what_the_receipt_earned(
    member: Member, buy: Buy, refund: Callable[..., RefundResult]
) -> None:
    # Given 258 points earned on 258.00
    buy(member, "258.00", receipt_no="R1")

    # When 100.00 comes back, then the other 158.00
    first = refund("R1", "F1", "100.00").refund
    second = refund("R1", "F2", "158.00").refund

    # Then 100 and then exactly the 158 left are reversed
    assert (first.points_reversed, first.balance_after) == (100, 158)
    assert (second.points_reversed, second.balance_after) == (158, 0)
    assert entries_of(member) == [
        ("earn", 258, 258),
        ("refund_reversal", -100, 158),
        ("refund_reversal", -158, 0),
    ]
    purchase = Purchase.objects.get()
    assert purchase.refunded_amount == Decimal("258.00")
    assert purchase.points_reversed == 258
    earn = purchase.entries.get(kind="earn")
    assert set(
        purchase.entries.filter(kind="refund_reversal").values_list(
            "corrects_id", flat=True
        )
    ) == {earn.pk}
    assert Lot.objects.get(entry=earn).remaining == 0
    assert list(ledger_mismatches()) == []


def test_a_refund_beyond_what_is_left_is_refused_and_changes_nothing(
    member: Member,
    buy: Buy,
    refund: Callable[..., RefundResult],
    unchanged: Callable[[], dict],
) -> None:
    buy(member, "258.00", receipt_no="R1")
    refund("R1", "F1", "100.00")
    refund("R1", "F2", "158.00")
    before = unchanged()

    with pytest.raises(RefundExceedsPurchase) as refused:
        refund("R1", "F3", "0.01")

    assert refused.value.code == "refund_exceeds_purchase"
    assert str(refused.value.message) == (
        "At most 0.00 yuan of this receipt is left to refund."
    )
    assert unchanged() == before


def test_a_single_refund_larger_than_the_receipt_is_refused(
    member: Member,
    buy: Buy,
    refund: Callable[..., RefundResult],
    unchanged: Callable[[], dict],
) -> None:
    buy(member, "258.00", receipt_no="R1")
    before = unchanged()

    with pytest.raises(RefundExceedsPurchase) as refused:
        refund("R1", "F1", "258.01")

    assert str(refused.value.message) == (
        "At most 258.00 yuan of this receipt is left to refund."
    )
    assert unchanged() == before


def test_cumulative_partial_refunds_round_down_and_a_full_refund_is_exact(
    member: Member, buy: Buy, refund: Callable[..., RefundResult]
) -> None:
    # 333.33 earns 333; 100.00 of it is worth 99.9 points
    buy(member, "333.33", receipt_no="R1")

    reversed_points = [
        refund("R1", f"F{n}", amount).refund.points_reversed
        for n, amount in enumerate(["100.00", "100.00", "133.33"])
    ]

    # floor(99.9) = 99, floor(199.8) = 199 → 100, then all 333 → 134
    assert reversed_points == [99, 100, 134]
    assert reload(member).balance == 0


def test_a_refund_restores_paid_points_in_proportion_keeping_their_lots_expiry(
    member: Member,
    buy: Buy,
    give: Give,
    refund: Callable[..., RefundResult],
    time_machine: Any,
) -> None:
    # Given lots expiring in December and March, and a 400.00 order paid with
    # 15,000 points: 10,000 from the December lot, 5,000 from the March lot
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)
    december = give(member, 10_000, expires_at=local(2026, 12, 1))
    march = give(member, 10_000, expires_at=local(2027, 3, 1))
    buy(member, "400.00", receipt_no="R1", points_used=15_000)  # earns 250
    assert reload(member).balance == 5_250

    # When half the order is refunded
    half = refund("R1", "F1", "200.00").refund

    # Then half the paid points come back (the latest-expiring first), each
    # as a lot with its source lot's expiry and earned_at, and half the earn
    # is reversed
    assert (half.points_restored, half.points_reversed) == (7_500, 125)
    assert half.points_restored_expired == 0
    restore = LedgerEntry.objects.get(refund=half, kind="restore")
    assert restore.points == 7_500
    restored = sorted(
        Lot.objects.filter(entry=restore).values_list(
            "points", "remaining", "expires_at", "earned_at"
        )
    )
    assert restored == [
        (2_500, 2_500, local(2026, 12, 1), december.lots.get().earned_at),
        (5_000, 5_000, local(2027, 3, 1), march.lots.get().earned_at),
    ]
    assert half.balance_after == 5_250 + 7_500 - 125

    # When the rest is refunded, then exactly 15,000 are restored and 250 reversed
    rest = refund("R1", "F2", "200.00").refund
    assert (rest.points_restored, rest.points_reversed) == (7_500, 125)
    purchase = Purchase.objects.get(receipt_no="R1")
    assert (purchase.points_restored, purchase.points_reversed) == (15_000, 250)
    assert reload(member).balance == 20_000
    open_by_expiry = (
        Lot.objects.filter(member=member, remaining__gt=0)
        .values("expires_at")
        .annotate(points=Sum("remaining"))
        .order_by("expires_at")
    )
    assert [(row["expires_at"], row["points"]) for row in open_by_expiry] == [
        (local(2026, 12, 1), 10_000),
        (local(2027, 3, 1), 10_000),
    ]
    assert list(ledger_mismatches()) == []


def test_restored_points_already_past_their_expiry_are_recorded_as_expired(
    member: Member,
    buy: Buy,
    give: Give,
    refund: Callable[..., RefundResult],
    time_machine: Any,
) -> None:
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)
    give(member, 10_000, expires_at=local(2026, 12, 1))
    give(member, 10_000, expires_at=local(2027, 3, 1))
    buy(member, "400.00", receipt_no="R1", points_used=15_000)  # earns 250

    # When the order is refunded after the December lot's expiry
    time_machine.move_to(local(2027, 1, 10, 10, 0), tick=False)
    result = refund("R1", "F1", "400.00").refund

    # Then all 15,000 are restored, the December 10,000 expire at once
    assert result.points_restored == 15_000
    assert result.points_restored_expired == 10_000
    assert result.points_reversed == 250
    assert entries_of(member)[-3:] == [
        ("restore", 15_000, 20_250),
        ("expire", -10_000, 10_250),
        ("refund_reversal", -250, 10_000),
    ]
    expire = LedgerEntry.objects.get(member=member, kind="expire")
    assert expire.reason == "Restored points already past their expiry"
    assert reload(member).balance == 10_000
    assert list(ledger_mismatches()) == []


def test_restored_points_past_their_expiry_do_not_pay_off_a_debt(
    member: Member,
    other_member: Member,
    buy: Buy,
    give: Give,
    refund: Callable[..., RefundResult],
    time_machine: Any,
) -> None:
    # Given 10,000 points (expiring 1 Dec) paying R1, 300 + 258 earned and
    # given away
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)
    give(member, 10_000, expires_at=local(2026, 12, 1))
    buy(member, "400.00", receipt_no="R1", points_used=10_000)  # earns 300
    buy(member, "258.00", receipt_no="R2")
    points_transfer(sender=member, receiver=other_member, points=558)
    # and, in January, a debt of 258 from refunding R2
    time_machine.move_to(local(2027, 1, 10, 10, 0), tick=False)
    refund("R2", "F2", "258.00")
    assert reload(member).balance == -258

    # When R1 is refunded: its 10,000 paid points come back already expired
    result = refund("R1", "F1", "400.00").refund

    # Then all 10,000 expire, the debt stands and the 300 earned add to it
    assert result.points_restored == 10_000
    assert result.points_restored_expired == 10_000
    assert result.balance_after == -558
    assert entries_of(member)[-3:] == [
        ("restore", 10_000, 9_742),
        ("expire", -10_000, -258),
        ("refund_reversal", -300, -558),
    ]
    assert reload(member).balance == -558
    assert list(ledger_mismatches()) == []


def test_live_restored_points_pay_a_debt_and_expired_ones_do_not(
    member: Member,
    other_member: Member,
    buy: Buy,
    give: Give,
    refund: Callable[..., RefundResult],
    time_machine: Any,
) -> None:
    # Given R1 paid with 10,000 points expiring 1 Dec and 5,000 expiring 1 March
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)
    give(member, 10_000, expires_at=local(2026, 12, 1))
    give(member, 5_000, expires_at=local(2027, 3, 1))
    buy(member, "400.00", receipt_no="R1", points_used=15_000)  # earns 250
    buy(member, "258.00", receipt_no="R2")
    points_transfer(sender=member, receiver=other_member, points=508)
    time_machine.move_to(local(2027, 1, 10, 10, 0), tick=False)
    refund("R2", "F2", "258.00")
    assert reload(member).balance == -258

    result = refund("R1", "F1", "400.00").refund

    # The 5,000 still valid settle the 258 owed; the 10,000 expire in full
    assert result.points_restored_expired == 10_000
    assert result.balance_after == 5_000 - 258 - 250
    assert reload(member).balance == 4_492
    open_lots = list(
        Lot.objects.filter(member=member, remaining__gt=0).values_list(
            "expires_at", "remaining"
        )
    )
    assert open_lots == [(local(2027, 3, 1), 4_492)]
    assert list(ledger_mismatches()) == []


def test_a_refund_expires_other_due_lots_under_their_own_entry(
    member: Member,
    buy: Buy,
    give: Give,
    refund: Callable[..., RefundResult],
    time_machine: Any,
) -> None:
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)
    give(member, 10_000, expires_at=local(2026, 12, 1))
    give(member, 700, expires_at=local(2026, 12, 1))
    buy(member, "400.00", receipt_no="R1", points_used=10_000)  # earns 300
    time_machine.move_to(local(2027, 1, 10, 10, 0), tick=False)

    result = refund("R1", "F1", "400.00").refund

    assert result.points_restored_expired == 10_000
    expiries = list(
        LedgerEntry.objects.filter(member=member, kind="expire")
        .order_by("id")
        .values_list("points", "reason")
    )
    assert expiries == [
        (-700, ""),
        (-10_000, "Restored points already past their expiry"),
    ]
    assert reload(member).balance == 0
    assert list(ledger_mismatches()) == []


def test_a_reversal_takes_its_own_receipts_points_before_earlier_expiring_ones(
    member: Member,
    buy: Buy,
    give: Give,
    refund: Callable[..., RefundResult],
    time_machine: Any,
) -> None:
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)
    soon = give(member, 1_000, expires_at=local(2026, 7, 1))
    earn = buy(member, "258.00", receipt_no="R1").purchase.entries.get()

    refund("R1", "F1", "100.00")

    assert Lot.objects.get(entry=soon).remaining == 1_000
    assert Lot.objects.get(entry=earn).remaining == 158


def test_a_refund_of_spent_points_drives_the_balance_into_debt(
    member: Member,
    other_member: Member,
    buy: Buy,
    refund: Callable[..., RefundResult],
    manager: Any,
    unchanged: Callable[[], dict],
) -> None:
    # Given 258 earned and then given away
    buy(member, "258.00", receipt_no="R1")
    points_transfer(sender=member, receiver=other_member, points=258)

    # When the purchase is refunded
    result = refund("R1", "F1", "258.00").refund

    # Then the balance is −258 and no lot holds anything
    assert (result.points_reversed, result.balance_after) == (258, -258)
    assert reload(member).balance == -258
    assert Lot.objects.filter(member=member, remaining__gt=0).count() == 0
    reversal = LedgerEntry.objects.get(kind="refund_reversal")
    assert reversal.consumptions.count() == 0
    assert list(ledger_mismatches()) == []

    # And while in debt the member can neither give points away nor be debited
    before = unchanged()
    with pytest.raises(InsufficientPoints) as short:
        points_transfer(sender=member, receiver=other_member, points=100)
    assert short.value.fields == {"points": 100, "available": 0}
    with pytest.raises(InsufficientPoints):
        adjustment_request(
            member=member, points=-10, reason_code="correction", note="x", by=manager
        )
    assert unchanged() == before


def test_the_next_purchase_settles_the_debt_first(
    member: Member,
    other_member: Member,
    buy: Buy,
    refund: Callable[..., RefundResult],
) -> None:
    buy(member, "258.00", receipt_no="R1")
    points_transfer(sender=member, receiver=other_member, points=258)
    refund("R1", "F1", "258.00")

    # A purchase too small to clear the debt leaves it smaller and no lot open
    buy(member, "100.00", receipt_no="R2")
    assert reload(member).balance == -158
    assert Lot.objects.filter(member=member, remaining__gt=0).count() == 0

    # The next one clears it; only what is left over stays in its lot
    r3 = buy(member, "300.00", receipt_no="R3").purchase
    assert r3.balance_after == 142
    assert reload(member).balance == 142
    open_lots = list(
        Lot.objects.filter(member=member, remaining__gt=0).values_list(
            "entry__purchase__receipt_no", "points", "remaining"
        )
    )
    assert open_lots == [("R3", 300, 142)]
    assert entries_of(member) == [
        ("earn", 258, 258),
        ("transfer_out", -258, 0),
        ("refund_reversal", -258, -258),
        ("earn", 100, -158),
        ("earn", 300, 142),
    ]
    assert list(ledger_mismatches()) == []


def test_a_reversal_takes_what_is_left_and_only_the_rest_becomes_debt(
    member: Member,
    other_member: Member,
    buy: Buy,
    refund: Callable[..., RefundResult],
) -> None:
    buy(member, "258.00", receipt_no="R1")
    points_transfer(sender=member, receiver=other_member, points=200)

    result = refund("R1", "F1", "258.00").refund

    assert result.balance_after == -200
    reversal = LedgerEntry.objects.get(kind="refund_reversal")
    assert list(reversal.consumptions.values_list("points", flat=True)) == [58]
    assert list(ledger_mismatches()) == []


def test_the_same_refund_again_replays_with_one_ledger_write(
    member: Member, buy: Buy, refund: Callable[..., RefundResult]
) -> None:
    buy(member, "258.00", receipt_no="R1")
    first = refund("R1", "F1", "100.00")

    again = refund("R1", "F1", "100.00")

    assert (first.replayed, again.replayed) == (False, True)
    assert again.refund.pk == first.refund.pk
    assert Refund.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="refund_reversal").count() == 1
    assert reload(member).balance == 158


def test_a_refund_number_reused_for_another_receipt_is_a_conflict(
    member: Member,
    buy: Buy,
    refund: Callable[..., RefundResult],
    unchanged: Callable[[], dict],
) -> None:
    buy(member, "258.00", receipt_no="R1")
    buy(member, "300.00", receipt_no="R2")
    refund("R1", "F1", "100.00")
    before = unchanged()

    with pytest.raises(IdempotencyConflict) as conflict:
        refund("R2", "F1", "100.00")

    assert conflict.value.code == "idempotency_conflict"
    assert unchanged() == before


def test_a_refund_number_reused_with_another_amount_is_a_conflict(
    member: Member,
    buy: Buy,
    refund: Callable[..., RefundResult],
    unchanged: Callable[[], dict],
) -> None:
    buy(member, "258.00", receipt_no="R1")
    refund("R1", "F1", "100.00")
    before = unchanged()

    with pytest.raises(IdempotencyConflict):
        refund("R1", "F1", "100.01")

    assert unchanged() == before


def test_a_refund_of_an_unknown_receipt_is_refused(
    member: Member,
    buy: Buy,
    refund: Callable[..., RefundResult],
    other_store: Store,
    unchanged: Callable[[], dict],
) -> None:
    buy(member, "258.00", receipt_no="R1")
    before = unchanged()

    with pytest.raises(PurchaseNotFound) as missing:
        refund("R2", "F1", "100.00")
    # The receipt is known only at the store that issued it.
    with pytest.raises(PurchaseNotFound):
        refund_record(
            store=other_store, receipt_no="R1", refund_no="F1", amount="100.00"
        )

    assert missing.value.code == "purchase_not_found"
    assert missing.value.fields == {"receipt_no": "R2"}
    assert unchanged() == before


@pytest.mark.parametrize("amount", ["0", "-100.00", "100.001", "1e20", "NaN"])
def test_a_bad_refund_amount_is_refused_and_changes_nothing(
    member: Member,
    buy: Buy,
    refund: Callable[..., RefundResult],
    unchanged: Callable[[], dict],
    amount: str,
) -> None:
    buy(member, "258.00", receipt_no="R1")
    before = unchanged()

    with pytest.raises(InvalidInput):
        refund("R1", "F1", amount)

    assert unchanged() == before


def test_a_refund_of_a_receipt_that_earned_nothing_writes_no_entry(
    member: Member, buy: Buy, refund: Callable[..., RefundResult], categories: Any
) -> None:
    buy(
        member,
        "100.00",
        receipt_no="R1",
        lines=[{"category": "gift_card", "amount": "100.00"}],
    )

    result = refund("R1", "F1", "100.00").refund

    assert (result.points_reversed, result.points_restored) == (0, 0)
    assert LedgerEntry.objects.count() == 0
    assert Purchase.objects.get().refunded_amount == Decimal("100.00")
