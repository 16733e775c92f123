"""How many points a purchase earns: base, tier extra, categories, points paid."""

from collections.abc import Callable
from decimal import Decimal

import pytest

from members.exceptions import InvalidInput
from members.models import Member
from points.models import Category, LedgerEntry, Lot, Purchase
from points.services import PurchaseResult
from tests.points.helpers import reload

pytestmark = pytest.mark.usefixtures("english")

Buy = Callable[..., PurchaseResult]


def test_a_basic_member_earns_one_point_per_yuan(member: Member, buy: Buy) -> None:
    # Given a 普通 member; when they spend 258.00
    result = buy(member, "258.00")

    # Then they earn 258 points, recorded as one earn entry and one lot
    purchase = result.purchase
    assert result.replayed is False
    assert purchase.points_earned == 258
    assert purchase.breakdown == [{"component": "base", "points": 258}]
    assert purchase.eligible_amount == Decimal("258.00")
    assert purchase.qualifying_amount == Decimal("258.00")
    assert purchase.balance_after == 258
    entry = LedgerEntry.objects.get(member=member)
    assert (entry.kind, entry.points, entry.balance_after) == ("earn", 258, 258)
    assert entry.purchase_id == purchase.pk
    assert entry.reference == "S001/R00001"
    lot = Lot.objects.get(member=member)
    assert (lot.points, lot.remaining, lot.entry_id) == (258, 258, entry.pk)
    member = reload(member)
    assert (member.balance, member.lifetime_points) == (258, 258)
    assert member.lifetime_spend == Decimal("258.00")


def test_a_gold_member_earns_the_tier_extra_as_its_own_component(
    make_member: Callable[..., Member], buy: Buy
) -> None:
    gold = make_member(tier="gold")

    purchase = buy(gold, "258.00").purchase

    assert purchase.points_earned == 387
    assert purchase.breakdown == [
        {"component": "base", "points": 258},
        {"component": "tier", "points": 129},
    ]
    assert reload(gold).balance == 387


def test_each_component_is_rounded_down_on_its_own(
    make_member: Callable[..., Member], buy: Buy
) -> None:
    # 258.00 at ×1.2: base 258, tier extra 51.6 → 51
    silver = make_member(tier="silver")

    purchase = buy(silver, "258.00").purchase

    assert purchase.breakdown == [
        {"component": "base", "points": 258},
        {"component": "tier", "points": 51},
    ]
    assert purchase.points_earned == 309


def test_rounding_down_per_component_can_cost_a_point_over_the_exact_total(
    make_member: Callable[..., Member], buy: Buy, categories: dict[str, Category]
) -> None:
    # 100.00 of jewellery (1 per 3 yuan) at ×1.5: base 33.33 → 33, tier 16.67 → 16;
    # the exact total would be 50.
    gold = make_member(tier="gold")

    purchase = buy(
        gold, "100.00", lines=[{"sku": "D1", "category": "jewellery", "amount": "100"}]
    ).purchase

    assert purchase.breakdown == [
        {"component": "base", "points": 33},
        {"component": "tier", "points": 16},
    ]
    assert purchase.points_earned == 49


def test_a_category_rate_applies_to_its_lines_only(
    member: Member, buy: Buy, categories: dict[str, Category]
) -> None:
    # 100.00 of groceries (no category row: programme rate) + 100.00 of jewellery
    purchase = buy(
        member,
        "200.00",
        lines=[
            {"sku": "G1", "category": "groceries", "amount": "100.00"},
            {"sku": "D1", "category": "jewellery", "amount": "100.00"},
        ],
    ).purchase

    assert purchase.points_earned == 133  # 100 + floor(33.33)
    assert purchase.lines == [
        {"sku": "G1", "category": "groceries", "amount": "100.00"},
        {"sku": "D1", "category": "jewellery", "amount": "100.00"},
    ]


def test_lines_in_an_excluded_category_earn_nothing(
    member: Member, buy: Buy, categories: dict[str, Category]
) -> None:
    purchase = buy(
        member,
        "300.00",
        lines=[
            {"sku": "A", "category": "food", "amount": "200.00"},
            {"sku": "GC500", "category": "gift_card", "amount": "100.00"},
        ],
    ).purchase

    assert purchase.points_earned == 200
    assert purchase.eligible_amount == Decimal("200.00")
    # Excluded lines still count as spend toward tiers.
    assert purchase.qualifying_amount == Decimal("300.00")


def test_a_receipt_of_excluded_lines_only_earns_nothing_and_writes_no_entry(
    member: Member, buy: Buy, categories: dict[str, Category]
) -> None:
    purchase = buy(
        member, "100.00", lines=[{"category": "gift_card", "amount": "100.00"}]
    ).purchase

    assert purchase.points_earned == 0
    assert purchase.breakdown == [{"component": "base", "points": 0}]
    assert LedgerEntry.objects.filter(member=member).count() == 0
    assert reload(member).balance == 0


def test_points_paid_come_off_the_eligible_lines_pro_rata(
    member: Member,
    buy: Buy,
    give: Callable[..., LedgerEntry],
    categories: dict[str, Category],
) -> None:
    # Given 20,000 points; a receipt of 300.00 food + 300.00 jewellery + 100.00
    # gift card, paying 15,000 points (150.00 yuan)
    give(member, 20_000)

    purchase = buy(
        member,
        "700.00",
        points_used=15_000,
        lines=[
            {"category": "food", "amount": "300.00"},
            {"category": "jewellery", "amount": "300.00"},
            {"category": "gift_card", "amount": "100.00"},
        ],
    ).purchase

    # Then the 150.00 comes off the 600.00 that earns: each line keeps 3/4,
    # food 225.00 → 225, jewellery 225.00 / 3 → 75
    assert purchase.eligible_amount == Decimal("450.00")
    assert purchase.points_value == Decimal("150.00")
    assert purchase.points_earned == 300
    assert purchase.qualifying_amount == Decimal("550.00")
    assert reload(member).balance == 20_000 - 15_000 + 300


def test_lines_that_do_not_add_up_to_the_amount_are_refused(
    member: Member, buy: Buy, unchanged: Callable[[], dict]
) -> None:
    before = unchanged()

    with pytest.raises(InvalidInput) as refused:
        buy(
            member,
            "300.00",
            lines=[{"amount": "200.00"}, {"amount": "99.99"}],
        )

    assert refused.value.code == "invalid"
    assert refused.value.message == "The lines must add up to the amount."
    assert refused.value.fields == {"lines": "sum"}
    assert unchanged() == before
    assert Purchase.objects.count() == 0


def test_a_line_with_a_bad_amount_is_refused_by_its_index(
    member: Member, buy: Buy, unchanged: Callable[[], dict]
) -> None:
    before = unchanged()

    with pytest.raises(InvalidInput) as refused:
        buy(member, "300.00", lines=[{"amount": "300.00"}, {"amount": "-1"}])

    assert refused.value.fields == {"lines[1].amount": "-1"}
    assert str(refused.value.message) == "The amount must be greater than zero."
    assert unchanged() == before
