"""The cashier's counter page, `/counter/`.

One HTML page, driven by the keyboard and a barcode scanner; its script calls
small JSON endpoints under `/counter/api/` with the session and the CSRF
token. The views parse, authorise and call the members/points selectors and
services, nothing more: every write is `purchase_record` or `refund_record`,
idempotent by the store's receipt or refund number, so a repeated post
replays the original result instead of recording twice.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from members.exceptions import JifenError, MemberNotFound
from members.models import Member, StaffProfile, Store
from members.selectors import member_find
from points.forms import (
    LookupForm,
    PreviewForm,
    PurchaseForm,
    RefundForm,
    StoreChoiceForm,
)
from points.models import Purchase
from points.selectors import (
    payment_preview,
    points_expiring,
    rules_get,
    usable_balance,
)
from points.services import purchase_record, refund_record, validate_amount

COUNTER_PERMISSION = "points.use_counter"
SESSION_STORE_KEY = "counter_store_id"
EXPIRING_WITHIN_DAYS = 30

# HTTP status per service error code; the rest are 400 (the POS API's mapping).
_STATUS_BY_CODE = {
    "member_not_found": 404,
    "purchase_not_found": 404,
    "card_lost": 409,
    "idempotency_conflict": 409,
}


# --- who may use the counter, and at which store ------------------------------
@dataclass(frozen=True)
class Counter:
    """The store the counter records at; `chooses_store` for head office."""

    store: Store | None
    chooses_store: bool


def _counter_for(request: HttpRequest) -> Counter:
    """Store staff work at their profile's store; staff without one (head
    office) stand in at the store they picked, kept in the session."""
    # One query for the profile and its store: this runs on every call.
    profile = (
        StaffProfile.objects.select_related("store")
        .filter(user_id=request.user.pk)
        .first()
    )
    if profile is not None and profile.store is not None:
        store = profile.store if profile.store.active else None
        return Counter(store=store, chooses_store=False)
    picked = request.session.get(SESSION_STORE_KEY)
    store = Store.objects.filter(pk=picked, active=True).first() if picked else None
    return Counter(store=store, chooses_store=True)


def _forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "counter/forbidden.html", {"reason": reason}, status=403)


def _no_permission_reason() -> str:
    return _(
        "You do not have permission to use the counter. Ask a store manager "
        "to add you to the cashiers."
    )


def _no_store_reason() -> str:
    return _(
        "Your account is not linked to an open store, so the counter cannot "
        "record anything. Ask head office to set your store."
    )


def _error(
    status: int, code: str, message: Any, fields: dict[str, Any] | None = None
) -> JsonResponse:
    """The POS API's error shape, so the page's script reads one format."""
    return JsonResponse(
        {"error": {"code": code, "message": str(message), "fields": fields or {}}},
        status=status,
    )


def _service_error(exc: JifenError) -> JsonResponse:
    return _error(
        _STATUS_BY_CODE.get(exc.code, 400), exc.code, exc.message, dict(exc.fields)
    )


def _form_error(form: Any) -> JsonResponse:
    fields = {
        name: [str(message) for message in errors]
        for name, errors in form.errors.items()
    }
    name, messages = next(iter(fields.items()))
    label = form.fields[name].label if name in form.fields else None
    message = f"{label}: {messages[0]}" if label else messages[0]
    return _error(400, "invalid", message, fields)


CounterApiView = Callable[[HttpRequest, Store], HttpResponse]


def counter_api(view: CounterApiView) -> Callable[[HttpRequest], HttpResponse]:
    """Session auth, the counter permission and a usable store, answered in JSON
    (a fetch cannot follow a redirect to the login page)."""

    @wraps(view)
    @never_cache
    def wrapper(request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            return _error(
                401, "not_authenticated", _("Your session has ended: log in again.")
            )
        if not request.user.has_perm(COUNTER_PERMISSION):
            return _error(403, "permission_denied", _no_permission_reason())
        counter = _counter_for(request)
        if counter.store is None:
            message = (
                _("Choose the store you are working at first.")
                if counter.chooses_store
                else _no_store_reason()
            )
            return _error(403, "no_store", message)
        return view(request, counter.store)

    return wrapper


# --- the page ---------------------------------------------------------------------
@never_cache
@login_required
@require_GET
def counter_page(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(COUNTER_PERMISSION):
        return _forbidden(request, _no_permission_reason())
    counter = _counter_for(request)
    store_form = None
    if counter.chooses_store:
        store_form = StoreChoiceForm(
            initial={"store": counter.store.pk if counter.store else None}
        )
        if not store_form.fields["store"].queryset.exists():
            return _forbidden(request, _("No store is open, so the counter is closed."))
        if counter.store is None:
            store_form.fields["store"].widget.attrs["autofocus"] = True
    elif counter.store is None:
        return _forbidden(request, _no_store_reason())
    rules = rules_get()
    return render(
        request,
        "counter/counter.html",
        {
            "store": counter.store,
            "store_form": store_form,
            "lookup_form": LookupForm(),
            # Both forms have a receipt number and an amount: distinct ids.
            "purchase_form": PurchaseForm(auto_id="sale_%s"),
            "refund_form": RefundForm(auto_id="refund_%s"),
            "rules": rules,
            "max_share_percent": _plain_decimal(rules.pay_max_share * 100),
            "expiring_days": EXPIRING_WITHIN_DAYS,
            "strings": _script_strings(),
        },
    )


def _script_strings() -> dict[str, str]:
    """The messages the page's script shows, translated here (one catalogue)."""
    return {
        "looking_up": _("Looking up…"),
        "saving": _("Saving…"),
        "scan_first": _("Scan a card or type a phone number first."),
        "amount_first": _("Enter the amount first."),
        "network": _(
            "No answer from the server. Press Enter again: the same receipt is "
            "never recorded twice."
        ),
        "replayed": _("Already recorded: this is the original result."),
        "card_lost_warning": _(
            "This member's card was reported lost: replace it in the admin."
        ),
        "none": _("None"),
    }


@login_required
@require_POST
def store_choose(request: HttpRequest) -> HttpResponse:
    """Head office picks the store it stands in at (POST, then back to the page)."""
    if not request.user.has_perm(COUNTER_PERMISSION):
        return _forbidden(request, _no_permission_reason())
    if not _counter_for(request).chooses_store:
        return _forbidden(request, _("Store staff work at their own store only."))
    form = StoreChoiceForm(request.POST)
    if form.is_valid():
        request.session[SESSION_STORE_KEY] = form.cleaned_data["store"].pk
    return redirect("counter:page")


# --- JSON endpoints ------------------------------------------------------------------
def _member_json(member: Member) -> dict[str, Any]:
    now = timezone.now()
    expiring = points_expiring(member=member, within_days=EXPIRING_WITHIN_DAYS, now=now)
    return {
        "id": member.pk,
        "card_no": member.card_no,
        "name": member.masked_name,
        "phone": member.masked_phone,
        "tier": member.tier.name,
        "discount_percent": _plain_decimal(member.tier.discount_percent),
        "status": member.status,
        "status_display": str(member.get_status_display()),
        "active": member.status == Member.Status.ACTIVE,
        "card_lost": member.card_lost_at is not None,
        "balance": member.balance,
        "usable": usable_balance(member=member, now=now),
        "expiring_total": sum(int(row["points"]) for row in expiring),
        "expiring": [
            {"date": row["date"].isoformat(), "points": row["points"]}
            for row in expiring
        ],
    }


def _plain_decimal(value: Decimal) -> str:
    """10.00 -> "10", 7.50 -> "7.5"."""
    return f"{value.normalize():f}"


def _member_by_id(member_id: int) -> Member:
    member = Member.objects.select_related("tier").filter(pk=member_id).first()
    if member is None:
        raise MemberNotFound()
    return member


@require_GET
@counter_api
def api_member(request: HttpRequest, store: Store) -> HttpResponse:
    form = LookupForm(request.GET)
    if not form.is_valid():
        return _form_error(form)
    try:
        member = member_find(query=form.cleaned_data["q"])
    except JifenError as exc:
        return _service_error(exc)
    return JsonResponse({"member": _member_json(member)})


@require_GET
@counter_api
def api_preview(request: HttpRequest, store: Store) -> HttpResponse:
    form = PreviewForm(request.GET)
    if not form.is_valid():
        return _form_error(form)
    try:
        member = _member_by_id(form.cleaned_data["member"])
        amount = validate_amount(form.cleaned_data["amount"])
    except JifenError as exc:
        return _service_error(exc)
    rules = rules_get()
    usable = usable_balance(member=member)
    preview = payment_preview(rules=rules, amount=amount, usable=usable)
    if preview.max_points:
        text = _("Up to %(points)d points usable (worth %(value)s yuan)") % {
            "points": preview.max_points,
            "value": preview.max_value,
        }
    elif amount < rules.pay_min_order:
        text = _("Points can pay only orders of at least %(minimum)s yuan.") % {
            "minimum": rules.pay_min_order
        }
    elif usable <= 0:
        text = _("The member has no usable points.")
    else:
        text = _("Too few points: points are used in multiples of %(step)d.") % {
            "step": rules.pay_step
        }
    return JsonResponse(
        {
            "amount": str(amount),
            "max_points": preview.max_points,
            "max_value": str(preview.max_value),
            "usable": usable,
            "text": text,
        }
    )


@require_POST
@counter_api
def api_purchase(request: HttpRequest, store: Store) -> HttpResponse:
    form = PurchaseForm(request.POST)
    if not form.is_valid():
        return _form_error(form)
    data = form.cleaned_data
    try:
        member = _member_by_id(data["member"])
        result = purchase_record(
            store=store,
            receipt_no=data["receipt_no"],
            member=member,
            amount=data["amount"],
            points_used=data["points_used"],
            operator=request.user,
        )
    except JifenError as exc:
        return _service_error(exc)
    purchase = result.purchase
    return JsonResponse(
        {
            "replayed": result.replayed,
            "receipt_no": purchase.receipt_no,
            "amount": str(purchase.amount),
            "points_used": purchase.points_used,
            "points_value": str(purchase.points_value),
            "points_earned": purchase.points_earned,
            "balance": purchase.balance_after,
            "member": {"card_no": member.card_no, "name": member.masked_name},
        },
        status=200 if result.replayed else 201,
    )


@require_POST
@counter_api
def api_refund(request: HttpRequest, store: Store) -> HttpResponse:
    form = RefundForm(request.POST)
    if not form.is_valid():
        return _form_error(form)
    data = form.cleaned_data
    try:
        result = refund_record(
            store=store,
            receipt_no=data["receipt_no"],
            refund_no=data["refund_no"],
            amount=data["amount"],
            operator=request.user,
        )
    except JifenError as exc:
        return _service_error(exc)
    refund = result.refund
    purchase = Purchase.objects.select_related("member").get(pk=refund.purchase_id)
    member = purchase.member
    return JsonResponse(
        {
            "replayed": result.replayed,
            "receipt_no": purchase.receipt_no,
            "refund_no": refund.refund_no,
            "amount": str(refund.amount),
            "points_reversed": refund.points_reversed,
            "points_restored": refund.points_restored,
            "points_restored_expired": refund.points_restored_expired,
            "balance": refund.balance_after,
            "member": {"card_no": member.card_no, "name": member.masked_name},
        },
        status=200 if result.replayed else 201,
    )
