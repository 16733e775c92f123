"""How many points a purchase earns, component by component.

Every component is computed exactly (fractions of integers and Decimals, no
floats) and rounded down on its own; the total is their sum:

    base        = Σ line eligible × category rate × programme rate
    tier        = exact base × (tier multiplier − 1)
    extra ...   = components from registered providers (campaigns)

Points paid with never earn: their value comes off the eligible lines. The
campaigns app plugs in through `register_component_provider` (dependencies run
campaigns → points, never back).
"""

import datetime
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from members.models import Member, Store, Tier
from points.models import Category, ProgrammeRules

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Line:
    amount: Decimal
    category: str = ""
    sku: str = ""


@dataclass(frozen=True)
class Component:
    code: str
    exact: Fraction

    @property
    def points(self) -> int:
        return math.floor(self.exact) if self.exact > 0 else 0


@dataclass(frozen=True)
class EarnContext:
    """What a component provider sees of the purchase being earned."""

    member: Member
    tier: Tier
    store: Store
    occurred_at: datetime.datetime
    amount: Decimal
    eligible_lines: Sequence[tuple[Line, Fraction]]
    base: Fraction
    tier_extra: Fraction


ComponentProvider = Callable[[EarnContext], Sequence[Component]]
_providers: list[ComponentProvider] = []


def register_component_provider(provider: ComponentProvider) -> ComponentProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


@dataclass(frozen=True)
class Earning:
    components: tuple[Component, ...]
    eligible_amount: Decimal

    @property
    def total(self) -> int:
        return sum(component.points for component in self.components)

    def breakdown(self) -> list[dict[str, Any]]:
        return [
            {"component": component.code, "points": component.points}
            for component in self.components
        ]


def points_value(rules: ProgrammeRules, points: int) -> Decimal:
    """Money value of `points` when paying with them, to the cent (half up)."""
    return (Decimal(points) / Decimal(rules.pay_points_per_yuan)).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


def compute_earning(
    *,
    rules: ProgrammeRules,
    categories: dict[str, Category],
    member: Member,
    tier: Tier,
    store: Store,
    occurred_at: datetime.datetime,
    amount: Decimal,
    lines: Sequence[Line],
    paid_value: Decimal,
) -> Earning:
    if not lines:
        lines = [Line(amount=amount)]
    earning_lines = [
        line
        for line in lines
        if not (line.category in categories and categories[line.category].excluded)
    ]
    earning_total = sum((line.amount for line in earning_lines), Decimal("0"))
    eligible_total = max(earning_total - paid_value, Decimal("0"))
    # Points paid come off the earning lines pro rata, so each line keeps its rate.
    share = (
        Fraction(eligible_total) / Fraction(earning_total)
        if earning_total
        else Fraction(0)
    )
    programme_rate = Fraction(rules.earn_points) / Fraction(rules.earn_per_yuan)
    eligible_lines: list[tuple[Line, Fraction]] = []
    base = Fraction(0)
    for line in earning_lines:
        eligible = Fraction(line.amount) * share
        eligible_lines.append((line, eligible))
        category = categories.get(line.category)
        rate = (
            Fraction(category.rate_points) / Fraction(category.rate_per)
            if category is not None
            else Fraction(1)
        )
        base += eligible * rate * programme_rate
    tier_extra = base * (Fraction(tier.multiplier) - 1)
    components = [Component("base", base)]
    if tier_extra > 0:
        components.append(Component("tier", tier_extra))
    context = EarnContext(
        member=member,
        tier=tier,
        store=store,
        occurred_at=occurred_at,
        amount=amount,
        eligible_lines=eligible_lines,
        base=base,
        tier_extra=tier_extra,
    )
    for provider in _providers:
        components.extend(provider(context))
    return Earning(
        components=tuple(components),
        eligible_amount=eligible_total.quantize(CENT, rounding=ROUND_HALF_UP),
    )
