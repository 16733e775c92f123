"""Fixtures for the POS API tests: the demo programme, a terminal of S001 and
an HTTP client that speaks to /api/v1/ with its key, in English.

ProgrammeRules' defaults are the demo programme's (1 point per yuan; 100
points = 1 yuan; orders of at least 200 yuan; at most 50 %; steps of 100).
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from members.models import Member, Store, Tier
from members.services import member_enrol
from points.models import (
    IdempotencyRecord,
    LedgerEntry,
    ProgrammeRules,
    Purchase,
    Refund,
    Terminal,
)
from points.services import points_open_balance
from points.terminals import terminal_create

BASE = "/api/v1"


class ApiClient:
    """The test client with the terminal's key, JSON bodies and /api/v1 prefixed."""

    def __init__(self, key: str | None, language: str | None = "en") -> None:
        headers = {}
        if language is not None:
            headers["accept-language"] = language
        if key is not None:
            headers["authorization"] = f"Bearer {key}"
        self.client = Client(headers=headers)

    def get(self, path: str, query: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.client.get(BASE + path, query, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.client.post(
            BASE + path, body, content_type="application/json", **kwargs
        )

    def post_raw(self, path: str, raw: bytes | str, **kwargs: Any) -> Any:
        return self.client.generic(
            "POST", BASE + path, raw, content_type="application/json", **kwargs
        )


def written() -> dict[str, int]:
    """Row counts of everything an API call may write, to assert nothing changed."""
    return {
        "entries": LedgerEntry.objects.count(),
        "purchases": Purchase.objects.count(),
        "refunds": Refund.objects.count(),
        "members": Member.objects.count(),
        "idempotency": IdempotencyRecord.objects.count(),
    }


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


@pytest.fixture
def rules(db: None) -> ProgrammeRules:
    return ProgrammeRules.objects.create()


@pytest.fixture
def store(db: None) -> Store:
    return Store.objects.create(code="S001", name="总店")


@pytest.fixture
def other_store(db: None) -> Store:
    return Store.objects.create(code="S002", name="东门店")


@pytest.fixture
def tiers(db: None) -> dict[str, Tier]:
    """普通会员 (rank 0, ×1) and 金卡会员 (rank 2, ≥5,000 yuan, ×1.5, 10 % off)."""
    return {
        "basic": Tier.objects.create(code="basic", name="普通会员", rank=0),
        "gold": Tier.objects.create(
            code="gold",
            name="金卡会员",
            rank=2,
            entry_threshold=Decimal("5000.00"),
            multiplier=Decimal("1.50"),
            discount_percent=Decimal("10.00"),
        ),
    }


@pytest.fixture
def terminal_and_key(store: Store) -> tuple[Terminal, str]:
    return terminal_create(store=store, name="POS 1")


@pytest.fixture
def terminal(terminal_and_key: tuple[Terminal, str]) -> Terminal:
    return terminal_and_key[0]


@pytest.fixture
def api(
    terminal_and_key: tuple[Terminal, str],
    rules: ProgrammeRules,
    tiers: dict[str, Tier],
) -> ApiClient:
    """A terminal of S001, asking for English, under the demo programme."""
    return ApiClient(terminal_and_key[1])


@pytest.fixture
def other_api(
    other_store: Store, rules: ProgrammeRules, tiers: dict[str, Tier]
) -> ApiClient:
    """A terminal of S002."""
    return ApiClient(terminal_create(store=other_store, name="POS 9")[1])


@pytest.fixture
def make_member(
    store: Store, tiers: dict[str, Tier], rules: ProgrammeRules
) -> Callable[..., Member]:
    def make(
        *, phone: str, name: str = "张三丰", tier: str = "basic", points: int = 0
    ) -> Member:
        member = member_enrol(phone=phone, name=name, home_store=store)
        if tier != "basic":
            member.tier = tiers[tier]
            member.save(update_fields=["tier"])
        if points:
            points_open_balance(
                member=member, points=points, expires_at=None, reference="test"
            )
            member.refresh_from_db()
        return member

    return make


@pytest.fixture
def member(make_member: Callable[..., Member]) -> Member:
    """普通会员 张三丰, 138 1234 5678, no points."""
    return make_member(phone="13812345678")


@pytest.fixture
def rich_member(make_member: Callable[..., Member]) -> Member:
    """普通会员 with 20,000 never-expiring points, to pay with."""
    return make_member(phone="13900001111", name="李四", points=20_000)
