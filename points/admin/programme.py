"""Programme rules (one row), categories and POS terminals."""

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from points.models import Category, ProgrammeRules, Terminal
from points.selectors import rules_get
from points.terminals import terminal_create


@admin.register(ProgrammeRules)
class ProgrammeRulesAdmin(admin.ModelAdmin):
    """One row; every save lands in the admin log, which is its change history."""

    fieldsets = [
        (_("Earning"), {"fields": [("earn_points", "earn_per_yuan")]}),
        (
            _("Paying with points"),
            {
                "fields": [
                    "pay_points_per_yuan",
                    "pay_min_order",
                    "pay_max_share",
                    "pay_step",
                ]
            },
        ),
        (
            _("Expiry"),
            {
                "fields": [
                    "expiry_policy",
                    "expiry_months",
                    ("expiry_month", "expiry_day"),
                ]
            },
        ),
        (
            _("Transfers and adjustments"),
            {
                "fields": [
                    "transfer_enabled",
                    "transfer_minimum",
                    "adjustment_approval_threshold",
                ]
            },
        ),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        rules = rules_get()
        return HttpResponseRedirect(
            reverse("admin:points_programmerules_change", args=[rules.pk])
        )


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "excluded", "rate_points", "rate_per")
    list_filter = ("excluded",)
    search_fields = ("=code", "name")


@admin.register(Terminal)
class TerminalAdmin(admin.ModelAdmin):
    list_display = ("name", "store", "key_prefix", "active", "created_at")
    list_filter = ("active", "store")
    list_select_related = ("store",)
    fields = ("name", "store", "active", "key_prefix", "created_at")
    readonly_fields = ("key_prefix", "created_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A terminal stays with its store: a key moved to another store would
        # post receipts under the wrong store's numbering.
        return (*self.readonly_fields, "store") if obj else self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: purchases point at their terminal

    def save_model(
        self, request: HttpRequest, obj: Terminal, form: Any, change: bool
    ) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        terminal, key = terminal_create(store=obj.store, name=obj.name)
        obj.pk = terminal.pk
        obj.key_prefix = terminal.key_prefix
        obj.created_at = terminal.created_at
        messages.warning(
            request,
            gettext(
                "The terminal's API key is %(key)s — copy it now; it is shown only once."
            )
            % {"key": key},
        )
