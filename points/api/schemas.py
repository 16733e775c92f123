"""What the POS API accepts and returns, and how models are presented.

Inputs are strict where a loose reading would be a money or points bug:
amounts are a JSON number or a decimal string with at most two decimals,
points are JSON integers (no "100", no 100.0, no true), unknown fields are
refused. The services validate again; these types make the OpenAPI
document say what is accepted.
"""

import datetime
import re
from decimal import Decimal
from typing import Annotated, Any

from django.utils import timezone
from ninja import Schema
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from members.models import Member
from points.models import LedgerEntry, Purchase, Refund
from points.services import MAX_AMOUNT, MAX_POINTS

# No control characters (a NUL cannot even be stored in PostgreSQL text).
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
# Receipt and refund numbers appear in URL paths: no slash, no space.
DOCUMENT_NO = r"^[0-9A-Za-z][0-9A-Za-z._:-]*$"
AMOUNT_TEXT = r"^[0-9]{1,8}(\.[0-9]{1,2})?$"
_DECIMAL_RE = re.compile(r"[0-9]+(\.(?P<fraction>[0-9]+))?")


def _amount_shape(value: Any) -> Any:
    # JSON numbers go on to Decimal's own checks; strings must be written as
    # money ("258.00"), not "1e2", " 12 " or ".5"; booleans are not amounts.
    if isinstance(value, bool):
        raise PydanticCustomError("amount_format", "Enter an amount such as 258.00")
    if isinstance(value, str):
        match = _DECIMAL_RE.fullmatch(value)
        if match is None:
            raise PydanticCustomError("amount_format", "Enter an amount such as 258.00")
        if len(match["fraction"] or "") > 2:
            raise PydanticCustomError(
                "decimal_max_places", "At most two decimal places"
            )
    return value


def _not_before_2000(value: datetime.datetime) -> datetime.datetime:
    # Far-off dates overflow local-time arithmetic; no till predates 2000.
    if value.year < 2000:
        raise PydanticCustomError("datetime_too_early", "Not before 2000")
    return value


Amount = Annotated[
    Decimal,
    BeforeValidator(_amount_shape),
    Field(gt=0, le=MAX_AMOUNT, decimal_places=2, allow_inf_nan=False),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "maximum": float(MAX_AMOUNT),
                    "multipleOf": 0.01,
                },
                {"type": "string", "pattern": AMOUNT_TEXT},
            ],
            "description": "Yuan, more than 0, at most two decimals.",
            "examples": ["258.00"],
        },
        mode="validation",
    ),
]
MemberRef = Annotated[
    StrictStr,
    Field(
        min_length=1,
        max_length=32,
        pattern=PRINTABLE,
        description="Card number or mobile phone.",
        examples=["13812345678"],
    ),
]
DocumentNo = Annotated[
    StrictStr, Field(min_length=1, max_length=64, pattern=DOCUMENT_NO)
]
Sku = Annotated[StrictStr, Field(max_length=64, pattern=PRINTABLE)]
CategoryCode = Annotated[
    StrictStr,
    Field(
        max_length=50, pattern=PRINTABLE, description="Category code, e.g. gift_card."
    ),
]
SaleTime = Annotated[AwareDatetime, AfterValidator(_not_before_2000)]
Money = Annotated[
    str, Field(pattern=r"^-?[0-9]+\.[0-9]{2}$", description="Yuan, two decimals.")
]


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def local(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value)


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid")


# --- inputs ---------------------------------------------------------------------
class MemberIn(StrictIn):
    phone: Annotated[
        StrictStr,
        Field(min_length=1, max_length=20, pattern=PRINTABLE, examples=["13812345678"]),
    ]
    name: Annotated[StrictStr, Field(min_length=1, max_length=50, pattern=PRINTABLE)]
    birthday: (
        Annotated[
            StrictStr,
            Field(
                pattern=r"^([0-9]{4}-)?[0-9]{2}-[0-9]{2}$",
                description="MM-DD or YYYY-MM-DD.",
                examples=["08-15"],
            ),
        ]
        | None
    ) = None
    referrer: MemberRef | None = None


class PreviewIn(StrictIn):
    member: MemberRef
    amount: Amount


class LineIn(StrictIn):
    sku: Sku | None = None
    category: CategoryCode | None = None
    amount: Amount


class PurchaseIn(StrictIn):
    receipt_no: DocumentNo
    member: MemberRef
    amount: Amount
    points_used: Annotated[StrictInt, Field(ge=0, le=MAX_POINTS)] = 0
    lines: Annotated[
        list[LineIn],
        Field(
            max_length=200, description="If given, the line amounts add up to amount."
        ),
    ] = []
    occurred_at: SaleTime | None = Field(
        default=None, description="When the sale happened; defaults to now."
    )


class RefundIn(StrictIn):
    refund_no: DocumentNo
    amount: Amount


# --- outputs ----------------------------------------------------------------------
class TierOut(Schema):
    code: str
    name: str
    discount_percent: Money


class ExpiringOut(Schema):
    date: datetime.date = Field(description="The last day the points can be used.")
    points: int


class MemberOut(Schema):
    card_no: str
    phone: str = Field(description="Masked: 138****5678.")
    name: str = Field(description="Masked: 张*.")
    status: Member.Status
    tier: TierOut
    balance: int = Field(description="Usable points (expired lots excluded).")
    expiring: list[ExpiringOut] = Field(description="Points expiring in 30 days.")


class PreviewOut(Schema):
    max_points: int
    max_value: Money
    usable_points: int


class BreakdownOut(Schema):
    component: str
    points: int


class PurchaseOut(Schema):
    receipt_no: str
    member: str = Field(description="The member's card number.")
    amount: Money
    points_used: int
    points_value: Money = Field(description="What the points paid, in yuan.")
    points_earned: int
    breakdown: list[BreakdownOut]
    balance: int = Field(description="The balance right after this purchase.")
    occurred_at: datetime.datetime


class RefundOut(Schema):
    refund_no: str
    receipt_no: str
    amount: Money
    points_reversed: int
    points_restored: int
    points_restored_expired: int = Field(
        description="Restored points already past their expiry (expired at once)."
    )
    balance: int = Field(description="The balance right after this refund.")
    created_at: datetime.datetime


class PurchaseDetailOut(PurchaseOut):
    refunded_amount: Money
    points_reversed: int
    points_restored: int
    refunds: list[RefundOut]


class LedgerEntryOut(Schema):
    id: int
    kind: LedgerEntry.Kind
    points: int
    balance_after: int
    created_at: datetime.datetime
    store: str | None = Field(description="Store code.")
    reference: str


class LedgerPageOut(Schema):
    entries: list[LedgerEntryOut]
    next_cursor: int | None = Field(
        description="Pass as `cursor` for the next (older) page; null at the end."
    )


# --- presenters ---------------------------------------------------------------------
def member_out(
    member: Member, *, balance: int, expiring: list[dict[str, Any]]
) -> MemberOut:
    return MemberOut(
        card_no=member.card_no,
        phone=member.masked_phone,
        name=member.masked_name,
        status=member.status,
        tier=TierOut(
            code=member.tier.code,
            name=member.tier.name,
            discount_percent=money(member.tier.discount_percent),
        ),
        balance=balance,
        expiring=[
            ExpiringOut(date=row["date"], points=row["points"]) for row in expiring
        ],
    )


def purchase_out(purchase: Purchase) -> PurchaseOut:
    return PurchaseOut(**_purchase_fields(purchase))


def _purchase_fields(purchase: Purchase) -> dict[str, Any]:
    return {
        "receipt_no": purchase.receipt_no,
        "member": purchase.member.card_no,
        "amount": money(purchase.amount),
        "points_used": purchase.points_used,
        "points_value": money(purchase.points_value),
        "points_earned": purchase.points_earned,
        "breakdown": [BreakdownOut(**row) for row in purchase.breakdown],
        "balance": purchase.balance_after,
        "occurred_at": local(purchase.occurred_at),
    }


def refund_out(refund: Refund, *, receipt_no: str) -> RefundOut:
    return RefundOut(
        refund_no=refund.refund_no,
        receipt_no=receipt_no,
        amount=money(refund.amount),
        points_reversed=refund.points_reversed,
        points_restored=refund.points_restored,
        points_restored_expired=refund.points_restored_expired,
        balance=refund.balance_after,
        created_at=local(refund.created_at),
    )


def purchase_detail_out(purchase: Purchase, refunds: list[Refund]) -> PurchaseDetailOut:
    return PurchaseDetailOut(
        **_purchase_fields(purchase),
        refunded_amount=money(purchase.refunded_amount),
        points_reversed=purchase.points_reversed,
        points_restored=purchase.points_restored,
        refunds=[refund_out(r, receipt_no=purchase.receipt_no) for r in refunds],
    )


def ledger_entry_out(entry: LedgerEntry) -> LedgerEntryOut:
    return LedgerEntryOut(
        id=entry.pk,
        kind=entry.kind,
        points=entry.points,
        balance_after=entry.balance_after,
        created_at=local(entry.created_at),
        store=entry.store.code if entry.store is not None else None,
        reference=entry.reference,
    )
