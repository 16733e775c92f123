"""Validation and locking shared by the points services."""

import hashlib
import json
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from members.exceptions import InvalidInput, MemberInactive
from members.models import Member
from points.earning import CENT
from points.exceptions import (
    IdempotencyConflict,
)

MAX_AMOUNT = Decimal("99999999.99")
MAX_POINTS = 1_000_000_000


# --- validation helpers -------------------------------------------------------
def validate_amount(amount: Any, *, field: str = "amount") -> Decimal:
    """A positive money amount with at most two decimals, within range."""
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except (ArithmeticError, ValueError, TypeError):
        raise InvalidInput(
            _("Enter an amount in yuan, such as 258.00."), fields={field: str(amount)}
        ) from None
    if not value.is_finite() or value <= 0:
        raise InvalidInput(
            _("The amount must be greater than zero."), fields={field: str(amount)}
        )
    if value > MAX_AMOUNT:
        raise InvalidInput(_("The amount is too large."), fields={field: str(amount)})
    if value != value.quantize(CENT):
        raise InvalidInput(
            _("The amount can have at most two decimals."), fields={field: str(amount)}
        )
    return value.quantize(CENT)


def validate_points(
    points: Any, *, field: str = "points", allow_zero: bool = False
) -> int:
    if isinstance(points, bool) or not isinstance(points, int):
        raise InvalidInput(_("Points are a whole number."), fields={field: points})
    if points < 0 or (points == 0 and not allow_zero) or points > MAX_POINTS:
        raise InvalidInput(
            _("Points must be a positive whole number."), fields={field: points}
        )
    return points


def _require_active(member: Member) -> None:
    if member.status != Member.Status.ACTIVE:
        raise MemberInactive(fields={"member": member.card_no})


def request_hash(payload: dict[str, Any]) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _lock(member_id: int) -> Member:
    # No select_related("tier"): on PostgreSQL a FOR UPDATE that joins the tier
    # re-checks the join against the row a concurrent transaction committed, so
    # a purchase waiting on the lock while another upgraded the member's tier
    # found no member at all (DoesNotExist, a 500). Callers read the tiers
    # after the lock instead, so they see the committed current one.
    return Member.objects.select_for_update().get(pk=member_id)


def _replay(recorded: QuerySet[Any], payload_hash: str, cls: type) -> Any | None:
    """The original result of a request already recorded under its natural key,
    or None if there is none. The same key for a different request (another
    hash) raises IdempotencyConflict."""
    existing = recorded.first()
    if existing is None:
        return None
    if existing.request_hash != payload_hash:
        raise IdempotencyConflict()
    return cls(existing, True)
