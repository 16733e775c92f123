"""Every change of points: purchases, refunds, adjustments, transfers, opening
balances and expiry. Each service is atomic, locks the member rows it changes
(ascending id), writes the ledger through a `Book`, and raises a JifenError
subclass (with the API's code) when it refuses; a refusal changes nothing.
"""

from points.services.adjustments import (
    adjustment_approve,
    adjustment_reject,
    adjustment_request,
)
from points.services.balances import points_expire_due, points_open_balance
from points.services.common import (
    MAX_AMOUNT,
    MAX_POINTS,
    request_hash,
    validate_amount,
    validate_points,
)
from points.services.purchases import PurchaseResult, check_payment, purchase_record
from points.services.refunds import RefundResult, refund_record
from points.services.transfers import TransferResult, points_transfer

__all__ = [
    "MAX_AMOUNT",
    "MAX_POINTS",
    "PurchaseResult",
    "RefundResult",
    "TransferResult",
    "adjustment_approve",
    "adjustment_reject",
    "adjustment_request",
    "check_payment",
    "points_expire_due",
    "points_open_balance",
    "points_transfer",
    "purchase_record",
    "refund_record",
    "request_hash",
    "validate_amount",
    "validate_points",
]
