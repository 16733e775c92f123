"""Member history: tier changes, card events and audit entries (read-only)."""

from django.contrib import admin
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from members.admin.base import MemberRecordAdmin, ReadOnlyAdminMixin
from members.models import AuditEntry, CardEvent, Member, TierChange
from members.selectors import member_lookup_q


class RecentRowsFormSet(BaseInlineFormSet):
    """Only the latest rows: a member's page stays small however long the history.

    The full history is one click away in the record's own changelist.
    """

    limit = 20

    def get_queryset(self) -> QuerySet:
        if not hasattr(self, "_recent_rows"):
            self._recent_rows = super().get_queryset()[: self.limit]
        return self._recent_rows


class MemberHistoryInline(ReadOnlyAdminMixin, admin.TabularInline):
    formset = RecentRowsFormSet
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False
    related: tuple[str, ...] = ()

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related(*self.related)


class TierChangeInline(MemberHistoryInline):
    model = TierChange
    fk_name = "member"
    fields = readonly_fields = (
        "changed_at",
        "from_tier",
        "to_tier",
        "reason",
        "note",
        "changed_by",
    )
    related = ("from_tier", "to_tier", "changed_by")


class CardEventInline(MemberHistoryInline):
    model = CardEvent
    fields = readonly_fields = (
        "created_at",
        "kind",
        "card_no",
        "new_card_no",
        "fee",
        "note",
        "created_by",
    )
    related = ("created_by",)


class AuditEntryInline(MemberHistoryInline):
    model = AuditEntry
    fields = readonly_fields = ("created_at", "action", "detail", "actor")
    related = ("actor",)


@admin.register(TierChange)
class TierChangeAdmin(MemberRecordAdmin):
    list_display = (
        "changed_at",
        "member",
        "from_tier",
        "to_tier",
        "reason",
        "note",
        "changed_by",
    )
    list_filter = ("reason", "to_tier")
    list_select_related = ("member", "from_tier", "to_tier", "changed_by")
    fields = (
        "member",
        "from_tier",
        "to_tier",
        "reason",
        "note",
        "changed_at",
        "changed_by",
    )


@admin.register(CardEvent)
class CardEventAdmin(MemberRecordAdmin):
    list_display = (
        "created_at",
        "kind",
        "card_no",
        "new_card_no",
        "member",
        "fee",
        "created_by",
    )
    list_filter = ("kind",)
    list_select_related = ("member", "created_by")
    fields = (
        "member",
        "kind",
        "card_no",
        "new_card_no",
        "fee",
        "note",
        "created_at",
        "created_by",
    )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        # A card number also finds the events of numbers since retired
        # ("whose card was this?").
        condition = member_lookup_q(search_term)
        if condition is not None and "card_no" in dict(condition.children):
            card_no = dict(condition.children)["card_no"]
            holders = Member.objects.filter(card_no=card_no).values("pk")
            return queryset.filter(card_no=card_no) | queryset.filter(
                member_id__in=holders
            ), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(AuditEntry)
class AuditEntryAdmin(MemberRecordAdmin):
    list_display = ("created_at", "action", "member", "actor", "detail")
    list_filter = ("action",)
    list_select_related = ("member", "actor")
    fields = ("member", "action", "detail", "actor", "created_at")
