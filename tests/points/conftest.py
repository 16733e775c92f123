"""Fixtures for the points ledger tests: the demo programme and its members.

ProgrammeRules' defaults are the demo programme's (1 point per yuan; 100 points
= 1 yuan; orders of at least 200 yuan; at most 50 %; steps of 100; points
expire 12 months after earning), so the rules fixture only creates the row.
"""

import datetime
import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import translation

from members.models import Member, Store, Tier
from members.services import member_enrol
from points.models import Category, LedgerEntry, ProgrammeRules
from points.services import PurchaseResult, points_open_balance, purchase_record
from tests.points.helpers import ledger_state, unique_phone


@pytest.fixture
def english() -> Any:
    """Messages in English (the zh-hans catalogue is filled later).

    Not autouse: other test modules in this folder may test zh-hans.
    """
    with translation.override("en"):
        yield


@pytest.fixture
def rules(db: None) -> ProgrammeRules:
    return ProgrammeRules.objects.create()


@pytest.fixture
def tiers(db: None) -> dict[str, Tier]:
    """The demo tiers: 普通 ×1, 银卡 ≥1,000 ×1.2, 金卡 ≥5,000 ×1.5, 白金 ≥20,000 ×2."""
    specs = [
        ("basic", "普通会员", 0, "0.00", "1.00", "0.00"),
        ("silver", "银卡会员", 1, "1000.00", "1.20", "5.00"),
        ("gold", "金卡会员", 2, "5000.00", "1.50", "10.00"),
        ("platinum", "白金会员", 3, "20000.00", "2.00", "15.00"),
    ]
    return {
        code: Tier.objects.create(
            code=code,
            name=name,
            rank=rank,
            entry_threshold=Decimal(threshold),
            multiplier=Decimal(multiplier),
            discount_percent=Decimal(discount),
        )
        for code, name, rank, threshold, multiplier, discount in specs
    }


@pytest.fixture
def categories(db: None) -> dict[str, Category]:
    """gift_card earns nothing; jewellery earns 1 point per 3 yuan."""
    return {
        "gift_card": Category.objects.create(
            code="gift_card", name="Gift cards", excluded=True
        ),
        "jewellery": Category.objects.create(
            code="jewellery", name="Jewellery", rate_points=1, rate_per=Decimal("3")
        ),
    }


@pytest.fixture
def store(db: None) -> Store:
    return Store.objects.create(code="S001", name="总店")


@pytest.fixture
def other_store(db: None) -> Store:
    return Store.objects.create(code="S002", name="东门店")


@pytest.fixture
def make_member(
    rules: ProgrammeRules, tiers: dict[str, Tier], store: Store
) -> Callable[..., Member]:
    def make(*, tier: str = "basic", name: str = "张三") -> Member:
        member = member_enrol(phone=unique_phone(), name=name, home_store=store)
        if tier != "basic":
            member.tier = tiers[tier]
            member.save(update_fields=["tier"])
        return member

    return make


@pytest.fixture
def member(make_member: Callable[..., Member]) -> Member:
    return make_member()


@pytest.fixture
def other_member(make_member: Callable[..., Member]) -> Member:
    return make_member(name="李四")


@pytest.fixture
def cashier(db: None) -> User:
    return User.objects.create_user(username="cashier", password="x-cashier-pass")


@pytest.fixture
def manager(db: None) -> User:
    return User.objects.create_user(username="manager", password="x-manager-pass")


@pytest.fixture
def buy(store: Store) -> Callable[..., PurchaseResult]:
    """Record a purchase at S001 with a fresh receipt number unless one is given."""
    receipts = itertools.count(1)

    def record(member: Member, amount: str, **kwargs: Any) -> PurchaseResult:
        kwargs.setdefault("receipt_no", f"R{next(receipts):05d}")
        kwargs.setdefault("store", store)
        return purchase_record(member=member, amount=amount, **kwargs)

    return record


@pytest.fixture
def unchanged() -> Callable[[], dict[str, Any]]:
    """`before = unchanged()` … `assert unchanged() == before`."""
    return ledger_state


@pytest.fixture
def give() -> Callable[..., LedgerEntry]:
    """Credit points as an opening balance (the simplest credit with a chosen expiry)."""
    references = itertools.count(1)

    def credit(
        member: Member, points: int, expires_at: datetime.datetime | None = None
    ) -> LedgerEntry:
        return points_open_balance(
            member=member,
            points=points,
            expires_at=expires_at,
            reference=f"import-{next(references)}",
        )

    return credit
