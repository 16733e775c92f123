"""Staff users: Django's user admin with the staff profile (home store) inline."""

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from members.models import StaffProfile

User = get_user_model()


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    fields = ("store",)
    can_delete = False
    max_num = 1
    min_num = 0
    extra = 1
    verbose_name_plural = _("staff profile")


if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = (StaffProfileInline,)
    list_display = (*UserAdmin.list_display, "staff_store")
    list_select_related = ("staff_profile__store",)

    @admin.display(description=_("home store"))
    def staff_store(self, obj: Any) -> str:
        try:
            store = obj.staff_profile.store
        except ObjectDoesNotExist:
            store = None
        return str(store) if store else _("All stores (head office)")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Only a superuser makes superusers.
            readonly += ("is_superuser",)
        return readonly
