"""Reads of the ledger shaped for their callers."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.db.models import F, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from members.models import Member
from points.earning import points_value
from points.models import Category, LedgerEntry, Lot, ProgrammeRules, Purchase


def rules_get() -> ProgrammeRules:
    rules = ProgrammeRules.objects.order_by("pk").first()
    return rules if rules is not None else ProgrammeRules.objects.create()


def categories_by_code() -> dict[str, Category]:
    return {category.code: category for category in Category.objects.all()}


def usable_balance(*, member: Member, now: datetime.datetime | None = None) -> int:
    """The balance less points already past expiry that no job has expired yet."""
    if member.balance <= 0:
        return member.balance
    due = Lot.objects.filter(
        member_id=member.pk, remaining__gt=0, expires_at__lte=now or timezone.now()
    ).aggregate(due=Sum("remaining"))["due"]
    return member.balance - (due or 0)


def points_expiring(
    *, member: Member, within_days: int = 30, now: datetime.datetime | None = None
) -> list[dict[str, object]]:
    """Open points expiring in the next `within_days`, summed per local day."""
    now = now or timezone.now()
    rows = (
        Lot.objects.filter(
            member_id=member.pk,
            remaining__gt=0,
            expires_at__gt=now,
            expires_at__lte=now + datetime.timedelta(days=within_days),
        )
        # expires_at is the midnight after the last usable day.
        .annotate(day=TruncDate("expires_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(points=Sum("remaining"))
        .order_by("day")
    )
    return [
        {"date": row["day"] - datetime.timedelta(days=1), "points": row["points"]}
        for row in rows
    ]


@dataclass(frozen=True)
class PaymentPreview:
    max_points: int
    max_value: Decimal


def payment_preview(
    *, rules: ProgrammeRules, amount: Decimal, usable: int
) -> PaymentPreview:
    """The most points an order of `amount` may use, given the usable balance."""
    if amount < rules.pay_min_order or usable <= 0:
        return PaymentPreview(0, Decimal("0.00"))
    cap_value = (amount * rules.pay_max_share).quantize(
        Decimal("0.01"), rounding=ROUND_FLOOR
    )
    cap_points = int(cap_value * rules.pay_points_per_yuan)
    most = min(cap_points, usable)
    most -= most % rules.pay_step
    return PaymentPreview(most, points_value(rules, most))


def member_ledger(*, member: Member) -> QuerySet[LedgerEntry]:
    return (
        LedgerEntry.objects.filter(member_id=member.pk)
        .select_related("store")
        .order_by("-id")
    )


def member_open_lots(*, member: Member) -> QuerySet[Lot]:
    return Lot.objects.filter(member_id=member.pk, remaining__gt=0).order_by(
        F("expires_at").asc(nulls_last=True), "earned_at", "id"
    )


def purchase_get(*, store_id: int, receipt_no: str) -> Purchase | None:
    return (
        Purchase.objects.filter(store_id=store_id, receipt_no=receipt_no)
        .select_related("member", "store")
        .first()
    )
