"""Purchases (earn, pay with points), their refunds, and the payment preview.

Receipts belong to the terminal's store: another store's terminal never sees
them (404, as if they did not exist).
"""

from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import Path, Router

from members.exceptions import MemberInactive
from members.models import Member
from members.selectors import member_find
from points.api.errors import error_responses
from points.api.idempotency import idempotent, reply
from points.api.schemas import (
    DOCUMENT_NO,
    PreviewIn,
    PreviewOut,
    PurchaseDetailOut,
    PurchaseIn,
    PurchaseOut,
    RefundIn,
    RefundOut,
    money,
    purchase_detail_out,
    purchase_out,
    refund_out,
)
from points.exceptions import PurchaseNotFound
from points.models import Terminal
from points.selectors import payment_preview, purchase_get, rules_get, usable_balance
from points.services import purchase_record, refund_record, validate_amount

router = Router(tags=["purchases"])

ReceiptNo = Annotated[str, Path(min_length=1, max_length=64, pattern=DOCUMENT_NO)]


def _terminal(request: HttpRequest) -> Terminal:
    return request.auth  # type: ignore[attr-defined, no-any-return]


@router.post(
    "/points/preview",
    response={200: PreviewOut, **error_responses(400, 401, 404, 409)},
    operation_id="points_preview",
    summary="The most points an order may use",
)
@idempotent
def preview(request: HttpRequest, data: PreviewIn) -> HttpResponse:
    """Under the programme's rules (minimum order, maximum share, step) and
    the member's usable balance. Nothing is reserved."""
    member = member_find(query=data.member)
    if member.status != Member.Status.ACTIVE:
        raise MemberInactive(fields={"member": data.member})
    usable = usable_balance(member=member)
    result = payment_preview(
        rules=rules_get(), amount=validate_amount(data.amount), usable=usable
    )
    return reply(
        200,
        PreviewOut(
            max_points=result.max_points,
            max_value=money(result.max_value),
            usable_points=max(usable, 0),
        ),
    )


@router.post(
    "/purchases",
    response={(200, 201): PurchaseOut, **error_responses(400, 401, 404, 409)},
    operation_id="purchase_create",
    summary="Record a purchase: pay with points, earn on the rest",
)
@idempotent
def purchase_create(request: HttpRequest, data: PurchaseIn) -> HttpResponse:
    """201 with the points earned (and their breakdown) and the new balance.

    Idempotent by receipt number at the terminal's store: the same body
    again answers 200 with the original result and `Idempotent-Replayed:
    true`; a different body under the same receipt is a 409
    `idempotency_conflict` and changes nothing.
    """
    terminal = _terminal(request)
    result = purchase_record(
        store=terminal.store,
        receipt_no=data.receipt_no,
        member=member_find(query=data.member),
        amount=data.amount,
        points_used=data.points_used,
        lines=[line.model_dump() for line in data.lines],
        occurred_at=data.occurred_at,
        terminal=terminal,
    )
    status = 200 if result.replayed else 201
    return reply(status, purchase_out(result.purchase), replayed=result.replayed)


@router.get(
    "/purchases/{receipt_no}",
    response={200: PurchaseDetailOut, **error_responses(400, 401, 404)},
    operation_id="purchase_get",
    summary="A purchase of this store, with its refunds",
)
def purchase_get_view(request: HttpRequest, receipt_no: ReceiptNo) -> HttpResponse:
    purchase = purchase_get(store_id=_terminal(request).store_id, receipt_no=receipt_no)
    if purchase is None:
        raise PurchaseNotFound(fields={"receipt_no": receipt_no})
    refunds = list(purchase.refunds.order_by("id"))
    return reply(200, purchase_detail_out(purchase, refunds))


@router.post(
    "/purchases/{receipt_no}/refunds",
    response={(200, 201): RefundOut, **error_responses(400, 401, 404, 409)},
    operation_id="refund_create",
    summary="Refund part or all of a purchase",
)
@idempotent
def refund_create(
    request: HttpRequest, receipt_no: ReceiptNo, data: RefundIn
) -> HttpResponse:
    """Earned points are reversed and paid points restored in proportion.

    Idempotent by refund number at the terminal's store: the same refund
    again answers 200 with the original result (`Idempotent-Replayed:
    true`); the number reused for another receipt or amount is a 409
    `idempotency_conflict`.
    """
    terminal = _terminal(request)
    result = refund_record(
        store=terminal.store,
        receipt_no=receipt_no,
        refund_no=data.refund_no,
        amount=data.amount,
        terminal=terminal,
    )
    status = 200 if result.replayed else 201
    body = refund_out(result.refund, receipt_no=receipt_no)
    return reply(status, body, replayed=result.replayed)
