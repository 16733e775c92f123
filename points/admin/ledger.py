"""The ledger, lots and adjustments: read-only history, approvals by action."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from members.admin.base import MemberRecordAdmin, ReadOnlyAdminMixin
from members.admin.records import MemberHistoryInline, RecentRowsFormSet
from members.exceptions import JifenError
from points.models import Adjustment, LedgerEntry, Lot
from points.services import adjustment_approve, adjustment_reject


@admin.register(LedgerEntry)
class LedgerEntryAdmin(MemberRecordAdmin):
    list_display = (
        "id",
        "created_at",
        "member",
        "kind",
        "points",
        "balance_after",
        "store",
        "reference",
        "reason",
    )
    list_filter = ("kind", "store")
    list_select_related = ("member", "store")
    sortable_by = ()
    raw_id_fields = ("member",)
    actions = None  # no bulk delete, no bulk anything

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in LedgerEntry._meta.fields]


class LedgerEntryInline(MemberHistoryInline):
    model = LedgerEntry
    fk_name = "member"
    verbose_name_plural = _("latest ledger entries")
    fields = ("created_at", "kind", "points", "balance_after", "store", "reference")
    readonly_fields = fields
    related = ("store",)
    ordering = ("-id",)


class OpenLotsFormSet(RecentRowsFormSet):
    limit = 50


class OpenLotInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Lot
    formset = OpenLotsFormSet
    verbose_name_plural = _("open lots (spent earliest expiry first)")
    fields = ("remaining", "points", "earned_at", "expires_at")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Lot]:
        from django.db.models import F

        return (
            super()
            .get_queryset(request)
            .filter(remaining__gt=0)
            .order_by(F("expires_at").asc(nulls_last=True), "earned_at", "id")
        )


@admin.register(Adjustment)
class AdjustmentAdmin(MemberRecordAdmin):
    list_display = (
        "id",
        "created_at",
        "member",
        "points",
        "reason_code",
        "note",
        "status",
        "requested_by",
        "decided_by",
    )
    list_filter = ("status", "reason_code")
    list_select_related = ("member", "requested_by", "decided_by")
    sortable_by = ()
    actions = ("approve", "reject")

    @admin.action(
        description=_("Approve and post the selected adjustments"),
        permissions=["approve"],
    )
    def approve(self, request: HttpRequest, queryset: QuerySet[Adjustment]) -> None:
        self._decide(request, queryset, adjustment_approve)

    @admin.action(
        description=_("Reject the selected adjustments"), permissions=["approve"]
    )
    def reject(self, request: HttpRequest, queryset: QuerySet[Adjustment]) -> None:
        self._decide(request, queryset, adjustment_reject)

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("points.approve_adjustment")

    def _decide(
        self, request: HttpRequest, queryset: QuerySet[Adjustment], decide: Any
    ) -> None:
        done = 0
        for adjustment in queryset.filter(status=Adjustment.Status.PENDING)[:100]:
            try:
                decide(adjustment=adjustment, by=request.user)
            except JifenError as error:
                self.message_user(
                    request,
                    gettext("Adjustment %(id)s: %(error)s")
                    % {"id": adjustment.pk, "error": error.message},
                    messages.ERROR,
                )
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)d adjustment decided.",
                    "%(count)d adjustments decided.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )
