"""Plain helpers for the points tests (fixtures live in conftest.py)."""

import datetime
import itertools
from typing import Any
from zoneinfo import ZoneInfo

from members.models import Member, TierChange
from points.models import (
    Adjustment,
    LedgerEntry,
    Lot,
    LotConsumption,
    Purchase,
    Refund,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")

_phones = itertools.count(10_000_000)


def local(*args: int) -> datetime.datetime:
    """An aware datetime in the programme's time zone (Asia/Shanghai)."""
    return datetime.datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


def unique_phone() -> str:
    return f"+86138{next(_phones):08d}"


def ledger_state() -> dict[str, Any]:
    """Everything a refused request must leave untouched."""
    return {
        "entries": list(LedgerEntry.objects.order_by("id").values_list("id", "points")),
        "lots": list(Lot.objects.order_by("id").values_list("id", "remaining")),
        "consumptions": list(
            LotConsumption.objects.order_by("id").values_list("id", "restored")
        ),
        "members": list(
            Member.objects.order_by("id").values_list(
                "id", "balance", "lifetime_points", "lifetime_spend", "tier_id"
            )
        ),
        "purchases": list(
            Purchase.objects.order_by("id").values_list(
                "id", "refunded_amount", "qualifying_amount"
            )
        ),
        "refunds": Refund.objects.count(),
        "adjustments": list(
            Adjustment.objects.order_by("id").values_list("id", "status")
        ),
        "tier_changes": TierChange.objects.count(),
    }


def reload(member: Member) -> Member:
    return Member.objects.select_related("tier").get(pk=member.pk)
