"""Stores and tiers: small tables, ordinary admins."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from members.forms import StoreForm
from members.models import Store, Tier
from members.selectors import stores_visible_to


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    form = StoreForm
    list_display = ("code", "name", "active", "separate_points")
    list_filter = ("active", "separate_points")
    search_fields = ("code", "name")
    ordering = ("code",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Store]:
        # A store's own staff see their store only.
        return stores_visible_to(request.user)


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = (
        "rank",
        "code",
        "name",
        "entry_threshold",
        "retain_threshold",
        "basis",
        "multiplier",
        "discount_percent",
        "birthday_bonus",
    )
    list_display_links = ("rank", "code", "name")
    ordering = ("rank",)
    fieldsets = (
        (None, {"fields": ("code", "name", "rank")}),
        (
            _("Qualification"),
            {
                "fields": (
                    "basis",
                    "window_months",
                    "entry_threshold",
                    "retain_threshold",
                )
            },
        ),
        (
            _("Benefits"),
            {
                "fields": (
                    "multiplier",
                    "discount_percent",
                    "birthday_bonus",
                    "benefits",
                )
            },
        ),
    )
