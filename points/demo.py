"""The points part of the demo programme: rules, categories and a year of
purchase history for the demo members, written through the real services so
the demo ledger is as consistent as a live one (verify_ledger passes).

Idempotent: members who already have ledger entries are left alone, and the
history of each member is a deterministic function of the seed and the card
number, so a rerun changes nothing.
"""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from members.demo import DemoOptions
from members.models import Member, Store
from points.exceptions import InsufficientPoints
from points.models import Category, LedgerEntry, ProgrammeRules, Purchase, Refund
from points.selectors import payment_preview, rules_get
from points.services import points_open_balance, purchase_record, refund_record

DEMO_CATEGORIES = [
    # (code, name, excluded)
    ("general", "日用百货", False),
    ("food", "食品饮料", False),
    ("apparel", "服装鞋帽", False),
    ("gift_card", "礼品卡", True),
]


def seed(*, options: DemoOptions) -> dict[str, int]:
    created = seed_programme()
    created.update(seed_history(seed=options.seed))
    return created


def seed_programme() -> dict[str, int]:
    """The demo rules are the model defaults: 1 point per yuan, 100 points pay
    1 yuan on orders of 200 yuan or more, at most half the order, in steps of
    100; points expire 12 months after earning."""
    rules_created = not ProgrammeRules.objects.exists()
    rules_get()
    categories = 0
    for code, name, excluded in DEMO_CATEGORIES:
        _category, was_created = Category.objects.get_or_create(
            code=code, defaults={"name": name, "excluded": excluded}
        )
        categories += was_created
    return {
        str(ProgrammeRules._meta.verbose_name_plural): int(rules_created),
        str(Category._meta.verbose_name_plural): categories,
    }


def seed_history(*, seed: int) -> dict[str, int]:
    stores = list(Store.objects.order_by("code"))
    if not stores:
        return {}
    rules = rules_get()
    now = timezone.now()
    # A member with any ledger entry already has their history: leave them be.
    done = set(LedgerEntry.objects.values_list("member_id", flat=True).distinct())
    members = Member.objects.exclude(pk__in=done).order_by("pk")
    purchases = refunds = 0
    # One outer transaction: on SQLite that is one commit instead of thousands.
    with transaction.atomic():
        for member in members.iterator(chunk_size=500):
            made = _member_history(member, stores, rules, now, seed)
            purchases += made[0]
            refunds += made[1]
    return {
        str(Purchase._meta.verbose_name_plural): purchases,
        str(Refund._meta.verbose_name_plural): refunds,
    }


def _member_history(
    member: Member,
    stores: list[Store],
    rules: ProgrammeRules,
    now: datetime.datetime,
    seed: int,
) -> tuple[int, int]:
    rng = random.Random(f"{seed}:{member.card_no}")
    since = member.joined_at
    span = (now - since).total_seconds()
    if span < 3600:
        return 0, 0
    # Some members bring points from the old system, a few expiring soon.
    if rng.random() < 0.1:
        opened = since + datetime.timedelta(minutes=5)
        expires = now + datetime.timedelta(days=rng.choice([5, 20, 60, 200]))
        points_open_balance(
            member=member,
            points=rng.choice([500, 1200, 3000, 8000]),
            expires_at=expires,
            reference="demo-import",
            now=opened,
        )
    visits = sorted(
        since + datetime.timedelta(seconds=rng.uniform(600, span - 60))
        for _ in range(rng.choice([0, 1, 2, 3, 4, 6, 8, 12]))
    )
    home = member.home_store
    purchases = refunds = 0
    member.refresh_from_db(fields=["balance"])
    balance = member.balance
    for number, at in enumerate(visits, start=1):
        store = home if rng.random() < 0.8 else rng.choice(stores)
        amount = Decimal(str(round(rng.lognormvariate(5, 0.9), 2))).max(Decimal("5.00"))
        points_used = 0
        preview = payment_preview(rules=rules, amount=amount, usable=balance)
        if preview.max_points and rng.random() < 0.3:
            points_used = preview.max_points
        lines = None
        if rng.random() < 0.1:
            card_part = min(amount, Decimal("100.00"))
            lines = [{"sku": "GC100", "category": "gift_card", "amount": card_part}]
            if amount > card_part:
                lines.append(
                    {"sku": "A1", "category": "general", "amount": amount - card_part}
                )
        receipt_no = f"D{member.pk:06d}-{number:03d}"
        try:
            result = purchase_record(
                store=store,
                receipt_no=receipt_no,
                member=member,
                amount=amount,
                points_used=points_used,
                lines=lines,
                occurred_at=at,
                now=at,
            )
        except InsufficientPoints:
            # A lot expired between the preview and the spend: pay in cash.
            result = purchase_record(
                store=store,
                receipt_no=receipt_no,
                member=member,
                amount=amount,
                lines=lines,
                occurred_at=at,
                now=at,
            )
        purchases += 1
        balance = result.purchase.balance_after
        if rng.random() < 0.05:
            refund_at = min(at + datetime.timedelta(days=rng.randint(1, 7)), now)
            part = (
                amount if rng.random() < 0.5 else (amount / 2).quantize(Decimal("0.01"))
            )
            balance = refund_record(
                store=store,
                receipt_no=receipt_no,
                refund_no=f"{receipt_no}-R",
                amount=part,
                now=refund_at,
            ).refund.balance_after
            refunds += 1
    return purchases, refunds
