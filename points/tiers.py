"""Tier qualification from qualifying spend, kept apart from the balance."""

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from members.models import Member, Tier, TierChange
from points.expiry import add_months
from points.models import Purchase


def qualifying_spend(*, member: Member, tier: Tier, now: datetime.datetime) -> Decimal:
    if tier.basis == Tier.Basis.LIFETIME:
        return member.lifetime_spend
    since = datetime.datetime.combine(
        add_months(now.date(), -tier.window_months), now.timetz()
    )
    # No upper bound at `now`: every purchase recorded so far counts. Under the
    # member's lock a concurrent purchase that committed first may carry a
    # later time (taken before this one waited for the lock), and a till whose
    # clock runs a few minutes fast stamps its own purchase after `now`.
    total = Purchase.objects.filter(
        member_id=member.pk, occurred_at__gt=since
    ).aggregate(total=Sum("qualifying_amount"))["total"]
    return total or Decimal("0.00")


def tier_upgrade_on_purchase(
    *,
    member: Member,
    tiers: list[Tier] | None = None,
    now: datetime.datetime,
    by: Any = None,
    note: str = "",
) -> TierChange | None:
    """Move the (locked) member up at once if their spend crossed a threshold.

    `tiers` is every tier, if the caller has them already. Never moves down:
    downgrades belong to the periodic recalculation. The caller saves
    `member.tier`.
    """
    if tiers is None:
        tiers = list(Tier.objects.all())
    higher = sorted(
        (tier for tier in tiers if tier.rank > member.tier.rank),
        key=lambda tier: -tier.rank,
    )
    # Lifetime spend bounds every window, so most purchases stop here.
    if not higher or member.lifetime_spend < min(t.entry_threshold for t in higher):
        return None
    spend_by_window: dict[tuple[str, int], Decimal] = {}
    for tier in higher:
        window = (tier.basis, tier.window_months)
        if window not in spend_by_window:
            spend_by_window[window] = qualifying_spend(
                member=member, tier=tier, now=now
            )
        if spend_by_window[window] >= tier.entry_threshold:
            change = TierChange.objects.create(
                member=member,
                from_tier=member.tier,
                to_tier=tier,
                reason=TierChange.Reason.UPGRADE,
                note=note,
                changed_at=now,
                changed_by=by,
            )
            member.tier = tier
            return change
    return None
