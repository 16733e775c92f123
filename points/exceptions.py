"""Errors of the points ledger, each with the API's stable code."""

from django.utils.translation import gettext_lazy as _

from members.exceptions import JifenError


class InsufficientPoints(JifenError):
    code = "insufficient_points"
    default_message = _("The member does not have enough points.")


class PointsCapExceeded(JifenError):
    code = "points_cap_exceeded"
    default_message = _("That is more points than this order allows.")


class OrderBelowMinimum(JifenError):
    code = "order_below_minimum"
    default_message = _(
        "This order is below the minimum amount for paying with points."
    )


class PointsStep(JifenError):
    code = "points_step"
    default_message = _("Points must be used in whole steps.")


class PurchaseNotFound(JifenError):
    code = "purchase_not_found"
    default_message = _("No purchase has that receipt number at this store.")


class RefundExceedsPurchase(JifenError):
    code = "refund_exceeds_purchase"
    default_message = _("The refunds would exceed what was paid on this receipt.")


class IdempotencyConflict(JifenError):
    code = "idempotency_conflict"
    default_message = _(
        "This key was already used for a different request; nothing was changed."
    )


class TransferRefused(JifenError):
    code = "transfer_refused"
    default_message = _("This transfer is not allowed.")


class ApprovalRefused(JifenError):
    code = "approval_refused"
    default_message = _("This adjustment cannot be approved by you.")
