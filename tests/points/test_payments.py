"""Paying with points (积分抵现): preview, the programme's limits, the ledger rows."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from members.models import Member
from points.exceptions import (
    InsufficientPoints,
    OrderBelowMinimum,
    PointsCapExceeded,
    PointsStep,
)
from points.models import LedgerEntry, Lot, LotConsumption, ProgrammeRules
from points.selectors import payment_preview
from points.services import PurchaseResult
from tests.points.helpers import local, reload

pytestmark = pytest.mark.usefixtures("english")

Buy = Callable[..., PurchaseResult]
Give = Callable[..., LedgerEntry]


@pytest.mark.parametrize(
    ("amount", "usable", "points", "value"),
    [
        ("300.00", 100_000, 15_000, "150.00"),
        ("300.00", 12_345, 12_300, "123.00"),
        ("300.00", 99, 0, "0.00"),
        ("300.00", 0, 0, "0.00"),
        ("300.00", -258, 0, "0.00"),
        ("200.00", 100_000, 10_000, "100.00"),
        ("199.99", 100_000, 0, "0.00"),
        ("150.00", 100_000, 0, "0.00"),
        ("333.33", 100_000, 16_600, "166.00"),
    ],
)
def test_the_preview_gives_the_most_points_an_order_may_use(
    rules: ProgrammeRules, amount: str, usable: int, points: int, value: str
) -> None:
    preview = payment_preview(rules=rules, amount=Decimal(amount), usable=usable)

    assert (preview.max_points, preview.max_value) == (points, Decimal(value))


def test_paying_15000_points_on_300_yuan_earns_on_the_other_150(
    member: Member, buy: Buy, give: Give
) -> None:
    # Given 20,000 points
    give(member, 20_000)

    # When 15,000 of them (150.00 yuan) pay half of a 300.00 order
    purchase = buy(member, "300.00", points_used=15_000).purchase

    # Then the pay entry comes first, then the earn on the rest
    assert purchase.points_used == 15_000
    assert purchase.points_value == Decimal("150.00")
    assert purchase.eligible_amount == Decimal("150.00")
    assert purchase.qualifying_amount == Decimal("150.00")
    assert purchase.points_earned == 150
    assert purchase.balance_after == 5_150
    entries = list(
        purchase.entries.order_by("id").values_list("kind", "points", "balance_after")
    )
    assert entries == [("pay", -15_000, 5_000), ("earn", 150, 5_150)]
    member = reload(member)
    assert member.balance == 5_150
    assert member.lifetime_spend == Decimal("150.00")
    pay = purchase.entries.get(kind="pay")
    assert list(pay.consumptions.values_list("points", flat=True)) == [15_000]


@pytest.mark.parametrize(
    ("amount", "points_used", "error", "code", "message"),
    [
        (
            "300.00",
            15_100,
            PointsCapExceeded,
            "points_cap_exceeded",
            "This order can use at most 15000 points.",
        ),
        (
            "300.00",
            10_050,
            PointsStep,
            "points_step",
            "Points are used in multiples of 100.",
        ),
        (
            "150.00",
            5_000,
            OrderBelowMinimum,
            "order_below_minimum",
            "Points can pay only orders of at least 200.00 yuan.",
        ),
        (
            "300.00",
            15_000,
            InsufficientPoints,
            "insufficient_points",
            "The member has only 10000 usable points.",
        ),
    ],
    ids=["cap", "step", "minimum", "short"],
)
def test_a_payment_outside_the_rules_is_refused_and_changes_nothing(
    member: Member,
    buy: Buy,
    give: Give,
    unchanged: Callable[[], dict],
    amount: str,
    points_used: int,
    error: type[Exception],
    code: str,
    message: str,
) -> None:
    give(member, 10_000)
    before = unchanged()

    with pytest.raises(error) as refused:
        buy(member, amount, points_used=points_used)

    assert refused.value.code == code
    assert str(refused.value.message) == message
    assert unchanged() == before


def test_a_payment_takes_the_earliest_expiring_lots_first(
    member: Member, buy: Buy, give: Give, time_machine: Any
) -> None:
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)
    never = give(member, 5_000)
    late = give(member, 5_000, expires_at=local(2027, 3, 1))
    early = give(member, 5_000, expires_at=local(2026, 12, 1))

    purchase = buy(member, "400.00", points_used=12_000).purchase

    pay = purchase.entries.get(kind="pay")
    taken = list(
        LotConsumption.objects.filter(entry=pay)
        .order_by("id")
        .values_list("lot__entry_id", "points")
    )
    assert taken == [(early.pk, 5_000), (late.pk, 5_000), (never.pk, 2_000)]
    remaining = dict(Lot.objects.values_list("entry_id", "remaining"))
    assert remaining[never.pk] == 3_000
    assert remaining[purchase.entries.get(kind="earn").pk] == 280
