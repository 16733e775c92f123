"""Admin building blocks for big tables and store-scoped staff."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import PAGE_VAR
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from members.paginators import LookaheadPaginator
from members.selectors import member_lookup_q, scope_to_user, stores_visible_to


class LargeTableAdmin(admin.ModelAdmin):
    """A changelist that never counts or scans the whole table (STYLE.md)."""

    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = LookaheadPaginator
    list_per_page = 50
    ordering = ("-id",)

    def get_paginator(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        per_page: int,
        orphans: int = 0,
        allow_empty_first_page: bool = True,
    ) -> LookaheadPaginator:
        return self.paginator(
            queryset,
            per_page,
            orphans,
            allow_empty_first_page,
            page_number=request.GET.get(PAGE_VAR, 1),
        )


class ReadOnlyAdminMixin:
    """History is written by services only: no add, change or delete here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MemberRecordAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    """Read-only lists of rows that belong to a member, scoped to the user's store.

    The search box takes a card number or a mobile number, matched exactly.
    """

    search_fields = ("=member__card_no",)  # shows the box; see get_search_results
    search_help_text = _("Card number or mobile number of the member, exact.")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        rows = super().get_queryset(request)
        return scope_to_user(rows, user=request.user, store_field="member__home_store")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        if not search_term.strip():
            return queryset, False
        condition = member_lookup_q(search_term, prefix="member__")
        if condition is None:
            return queryset.none(), False
        return queryset.filter(condition), False


class HomeStoreFilter(admin.SimpleListFilter):
    """Home store, offering only the stores the user may see."""

    title = _("home store")
    parameter_name = "home_store"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[Any, str]]:
        return [(store.pk, str(store)) for store in stores_visible_to(request.user)]

    def has_output(self) -> bool:
        # A store's own staff see one store only: nothing to choose.
        return len(self.lookup_choices) > 1

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if not self.value():
            return queryset
        if self.value() not in {str(pk) for pk, _label in self.lookup_choices}:
            return queryset.none()  # a store the user may not see, or garbage
        return queryset.filter(home_store_id=self.value())
