"""Purchases and refunds: read-only records; refunds are made through a form
that calls points.services.refund_record."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.admin.base import MemberRecordAdmin
from members.exceptions import JifenError
from members.selectors import member_lookup_q, scope_to_user
from points.models import Purchase, Refund
from points.services import refund_record


class RefundForm(forms.Form):
    refund_no = forms.CharField(label=_("refund number"), max_length=64)
    amount = forms.DecimalField(
        label=_("amount (yuan)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )


class ReceiptOrMemberSearch:
    """Search by an exact receipt number, card number or mobile number."""

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        condition = member_lookup_q(term, prefix=self.member_prefix)
        if condition is not None:
            return queryset.filter(condition), False
        return queryset.filter(**{self.receipt_field: term}), False


@admin.register(Purchase)
class PurchaseAdmin(ReceiptOrMemberSearch, MemberRecordAdmin):
    member_prefix = "member__"
    receipt_field = "receipt_no"
    search_help_text = _("Receipt number, card number or mobile number, exact.")
    list_display = (
        "receipt_no",
        "store",
        "member",
        "amount",
        "points_used",
        "points_earned",
        "refunded_amount",
        "occurred_at",
        "refund_link",
    )
    list_filter = ("store",)
    list_select_related = ("store", "member")
    sortable_by = ()
    actions = None

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [
            field.name
            for field in Purchase._meta.fields
            if field.name != "request_hash"
        ]

    @admin.display(description=_("refund"))
    def refund_link(self, obj: Purchase) -> str:
        if obj.refunded_amount >= obj.amount:
            return gettext("refunded")
        url = reverse("admin:points_purchase_refund", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Refund…"))

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/refund/",
                self.admin_site.admin_view(self.refund_view),
                name="points_purchase_refund",
            ),
            *super().get_urls(),
        ]

    def refund_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not request.user.has_perm("points.add_refund"):
            raise PermissionDenied
        purchase = self.get_queryset(request).filter(pk=unquote(object_id)).first()
        if purchase is None:
            raise Http404
        form = RefundForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = refund_record(
                    store=purchase.store,
                    receipt_no=purchase.receipt_no,
                    refund_no=form.cleaned_data["refund_no"],
                    amount=form.cleaned_data["amount"],
                    operator=request.user,
                )
            except JifenError as error:
                form.add_error(None, error.message)
            else:
                refund = result.refund
                self.message_user(
                    request,
                    gettext(
                        "Refund %(refund_no)s: %(reversed)d points reversed, "
                        "%(restored)d points restored, balance %(balance)d."
                    )
                    % {
                        "refund_no": refund.refund_no,
                        "reversed": refund.points_reversed,
                        "restored": refund.points_restored,
                        "balance": refund.balance_after,
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:points_purchase_change", args=[purchase.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Refund receipt %(receipt)s") % {"receipt": purchase},
            "purchase": purchase,
            "left": purchase.amount - purchase.refunded_amount,
            "form": form,
        }
        return TemplateResponse(request, "admin/points/purchase/refund.html", context)


@admin.register(Refund)
class RefundAdmin(ReceiptOrMemberSearch, MemberRecordAdmin):
    member_prefix = "purchase__member__"
    receipt_field = "refund_no"
    search_help_text = _("Refund number, card number or mobile number, exact.")
    list_display = (
        "refund_no",
        "store",
        "purchase",
        "amount",
        "points_reversed",
        "points_restored",
        "points_restored_expired",
        "created_at",
    )
    list_filter = ("store",)
    list_select_related = ("store", "purchase__store")
    sortable_by = ()
    actions = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[Refund]:
        rows = super(MemberRecordAdmin, self).get_queryset(request)
        return scope_to_user(
            rows, user=request.user, store_field="purchase__member__home_store"
        )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [
            field.name for field in Refund._meta.fields if field.name != "request_hash"
        ]
