"""Tier upgrades on purchase; qualifying spend and refunds."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from members.models import Member, Store, Tier, TierChange
from points.services import PurchaseResult, refund_record
from tests.points.helpers import local, reload

pytestmark = pytest.mark.usefixtures("english")

Buy = Callable[..., PurchaseResult]


def upgrades(member: Member) -> list[tuple[str, str, str]]:
    return list(
        TierChange.objects.filter(member=member, reason=TierChange.Reason.UPGRADE)
        .order_by("id")
        .values_list("from_tier__code", "to_tier__code", "note")
    )


def test_the_purchase_crossing_the_threshold_earns_at_the_old_tier_the_next_at_the_new(
    member: Member, buy: Buy, tiers: dict[str, Tier], cashier: Any, time_machine: Any
) -> None:
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)
    buy(member, "900.00", receipt_no="R1")
    assert reload(member).tier == tiers["basic"]

    # When a purchase takes the spend to 1,000.00
    crossing = buy(member, "100.00", receipt_no="R2", operator=cashier).purchase

    # Then it earns at ×1, and the member is 银卡 from now on
    assert crossing.points_earned == 100
    assert crossing.breakdown == [{"component": "base", "points": 100}]
    member = reload(member)
    assert member.tier == tiers["silver"]
    assert upgrades(member) == [("basic", "silver", "S001/R2")]
    change = TierChange.objects.get(member=member, reason="upgrade")
    assert (change.changed_by, change.changed_at) == (cashier, local(2026, 6, 1, 10))

    # And the next purchase earns ×1.2
    after = buy(member, "100.00", receipt_no="R3").purchase
    assert after.breakdown == [
        {"component": "base", "points": 100},
        {"component": "tier", "points": 20},
    ]
    assert upgrades(member) == [("basic", "silver", "S001/R2")]


def test_a_purchase_stamped_a_little_later_still_counts_toward_the_next_upgrade(
    member: Member, buy: Buy, tiers: dict[str, Tier], time_machine: Any
) -> None:
    # Two tills at once: the purchase that got the member's lock first was
    # stamped at 10:00:02, the one that waited for it at 10:00:01.
    time_machine.move_to(local(2026, 6, 1, 10, 0, 2), tick=False)
    buy(member, "900.00", receipt_no="R1")
    time_machine.move_to(local(2026, 6, 1, 10, 0, 1), tick=False)

    buy(member, "100.00", receipt_no="R2")

    assert reload(member).tier == tiers["silver"]
    assert upgrades(member) == [("basic", "silver", "S001/R2")]


def test_a_purchase_from_a_till_whose_clock_is_fast_counts_toward_its_upgrade(
    member: Member, buy: Buy, tiers: dict[str, Tier], time_machine: Any
) -> None:
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)
    buy(member, "900.00", receipt_no="R1")

    buy(member, "100.00", receipt_no="R2", occurred_at=local(2026, 6, 1, 10, 5))

    assert reload(member).tier == tiers["silver"]


def test_one_large_purchase_jumps_straight_to_the_highest_tier_it_reaches(
    member: Member, buy: Buy, tiers: dict[str, Tier]
) -> None:
    purchase = buy(member, "5000.00").purchase

    assert purchase.points_earned == 5_000
    assert reload(member).tier == tiers["gold"]
    assert upgrades(member) == [("basic", "gold", "S001/R00001")]


def test_spend_paid_with_points_does_not_qualify(
    member: Member, buy: Buy, give: Callable[..., Any], tiers: dict[str, Tier]
) -> None:
    give(member, 100_000)
    buy(member, "900.00")

    # 300.00 of which 150.00 is paid with points: only 150.00 qualifies
    purchase = buy(member, "300.00", points_used=15_000).purchase

    assert purchase.qualifying_amount == Decimal("150.00")
    member = reload(member)
    assert member.lifetime_spend == Decimal("1050.00")
    assert member.tier == tiers["silver"]


def test_spend_outside_the_rolling_window_does_not_qualify(
    member: Member, buy: Buy, tiers: dict[str, Tier], time_machine: Any
) -> None:
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)
    buy(member, "600.00", occurred_at=local(2025, 5, 31, 10, 0))

    buy(member, "600.00")

    member = reload(member)
    assert member.lifetime_spend == Decimal("1200.00")
    assert member.tier == tiers["basic"]
    assert upgrades(member) == []


def test_refunds_lower_qualifying_spend_but_never_downgrade(
    member: Member, buy: Buy, store: Store, tiers: dict[str, Tier]
) -> None:
    buy(member, "1000.00", receipt_no="R1")
    assert reload(member).tier == tiers["silver"]

    refund_record(store=store, receipt_no="R1", refund_no="F1", amount="400.00")

    purchase = member.purchases.get()
    assert purchase.qualifying_amount == Decimal("600.00")
    member = reload(member)
    assert member.lifetime_spend == Decimal("600.00")
    assert member.tier == tiers["silver"]
    assert TierChange.objects.filter(member=member).count() == 2  # enrol, upgrade

    refund_record(store=store, receipt_no="R1", refund_no="F2", amount="600.00")

    assert member.purchases.get().qualifying_amount == Decimal("0.00")
    member = reload(member)
    assert member.lifetime_spend == Decimal("0.00")
    assert member.tier == tiers["silver"]


def test_a_refund_of_a_purchase_paid_with_points_lowers_only_the_cash_share(
    member: Member, buy: Buy, give: Callable[..., Any], store: Store
) -> None:
    give(member, 20_000)
    buy(member, "300.00", receipt_no="R1", points_used=15_000)

    refund_record(store=store, receipt_no="R1", refund_no="F1", amount="100.00")

    # 150.00 qualified; a third of the receipt comes back → 100.00 still qualifies
    assert member.purchases.get().qualifying_amount == Decimal("100.00")
    assert reload(member).lifetime_spend == Decimal("100.00")


def test_a_refund_brings_the_next_upgrade_later(
    member: Member, buy: Buy, store: Store, tiers: dict[str, Tier]
) -> None:
    buy(member, "900.00", receipt_no="R1")
    refund_record(store=store, receipt_no="R1", refund_no="F1", amount="900.00")

    buy(member, "100.00", receipt_no="R2")

    assert reload(member).tier == tiers["basic"]
    assert upgrades(member) == []
