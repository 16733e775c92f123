"""The member admin: find, enrol, edit, and the card lifecycle (lost, replace, merge).

Phone and name are shown masked (138****5678, 张*) to everyone; the full
values appear only through the reveal view, which needs members.reveal_pii and
writes an audit entry. The admin parses, checks permissions and calls
members.services; the rules live there.
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from members.admin.base import HomeStoreFilter, LargeTableAdmin
from members.admin.records import AuditEntryInline, CardEventInline, TierChangeInline
from members.exceptions import InvalidInput
from members.forms import MemberAddForm, MemberChangeForm, MergeForm, ReplaceCardForm
from members.models import Member
from members.phones import national_phone
from members.pii import can_reveal
from members.selectors import (
    member_lookup_q,
    members_visible_to,
    staff_store_id,
    stores_visible_to,
)
from members.services import (
    member_merge,
    member_replace_card,
    member_report_card_lost,
    member_reveal_pii,
    member_set_tier,
)

# Card actions run one service call per member; a select-all over a million
# rows is a mistake, not a batch job.
MAX_CARD_ACTION_MEMBERS = 50

ADD_FIELDSETS = [
    (
        None,
        {
            "fields": [
                "phone",
                "name",
                ("birth_month", "birth_day", "birth_year"),
                "home_store",
                "referrer",
                "marketing_opt_out",
            ]
        },
    )
]


@admin.register(Member)
class MemberAdmin(LargeTableAdmin):
    list_display = (
        "card_no",
        "shown_name",
        "shown_phone",
        "tier",
        "home_store",
        "status",
        "card_lost",
        "joined_at",
    )
    list_select_related = ("tier", "home_store")
    list_filter = ("status", "tier", HomeStoreFilter)
    sortable_by = ()
    # The search box; get_search_results turns a term into an exact match.
    search_fields = ("=card_no", "=phone")
    search_help_text = _(
        "Card number, or mobile number as 13812345678 or +86 138 1234 5678. "
        "Exact match only."
    )
    autocomplete_fields = ("referrer",)
    readonly_fields = (
        "card_no",
        "card_lost_at",
        "shown_name",
        "shown_phone",
        "joined_at",
        "merged_into",
        "tier",
        "tier_floor",
        "tier_floor_until",
        "erased_at",
    )
    inlines = (TierChangeInline, CardEventInline, AuditEntryInline)
    actions = ("report_card_lost", "replace_card", "merge_selected")
    change_form_template = "admin/members/member/change_form.html"

    class Media:
        css = {"all": ("members/admin.css",)}

    # --- Display ----------------------------------------------------------

    @admin.display(description=pgettext_lazy("person", "name"))
    def shown_name(self, obj: Member) -> str:
        return obj.masked_name

    @admin.display(description=_("mobile phone"))
    def shown_phone(self, obj: Member) -> str:
        return obj.masked_phone

    @admin.display(description=_("card"), empty_value="")
    def card_lost(self, obj: Member) -> str:
        # Only the exception is marked, so a lost card stands out in the list.
        return _("Lost") if obj.card_lost_at is not None else ""

    # --- Permissions ------------------------------------------------------

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Members are never deleted: erasure keeps the ledger (a service, later).
        return False

    def has_manage_cards_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("members.manage_cards")

    def has_merge_members_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("members.merge_members")

    # --- Queryset and search ----------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Member]:
        return members_visible_to(request.user, queryset=super().get_queryset(request))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Member], search_term: str
    ) -> tuple[QuerySet[Member], bool]:
        if not search_term.strip():
            return queryset, False
        condition = member_lookup_q(search_term)
        if condition is None:
            return queryset.none(), False
        return queryset.filter(condition), False

    # --- Forms ------------------------------------------------------------

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ADD_FIELDSETS
        may_change = self.has_change_permission(request, obj)
        identity = ["card_no", "card_lost_at", "shown_name", "shown_phone"]
        if may_change and can_reveal(request.user):
            identity += ["new_name", "new_phone"]
        profile = [
            ("birth_month", "birth_day", "birth_year"),
            "home_store",
            "referrer",
            "status",
            "marketing_opt_out",
            "joined_at",
            "merged_into",
            "erased_at",
        ]
        tier = ["tier", "tier_floor", "tier_floor_until"]
        if may_change:
            tier += ["grant_tier", "grant_until", "grant_note"]
        return [
            (None, {"fields": identity}),
            (_("Profile"), {"fields": profile}),
            (_("Tier"), {"fields": tier}),
        ]

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        # History (and whatever apps above add) exists only once enrolled.
        return self.inlines if obj is not None else ()

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = MemberAddForm
        else:
            removed: dict[str, None] = {}
            if not can_reveal(request.user):
                # Not merely hidden: a crafted POST cannot set them either.
                removed |= {"new_name": None, "new_phone": None}
            if not self.has_change_permission(request, obj):
                removed |= {"grant_tier": None, "grant_until": None, "grant_note": None}
            kwargs["form"] = type("MemberChangeForm", (MemberChangeForm,), removed)
        return super().get_form(request, obj, change=change, **kwargs)

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "home_store":
            kwargs["queryset"] = stores_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        store_id = staff_store_id(request.user)
        if store_id is not None:
            initial.setdefault("home_store", store_id)
        return initial

    def save_form(self, request: HttpRequest, form: Any, change: bool) -> Any:
        if not change:
            form.enrolled_by = request.user
        return super().save_form(request, form, change)

    def save_model(
        self, request: HttpRequest, obj: Member, form: Any, change: bool
    ) -> None:
        if not change:
            return  # MemberAddForm.save enrolled the member through member_enrol.
        fields = form.changed_model_fields()
        if fields:
            obj.save(update_fields=fields)
        tier = form.cleaned_data.get("grant_tier")
        if tier is not None:
            member_set_tier(
                member=obj,
                tier=tier,
                by=request.user,
                until=form.cleaned_data.get("grant_until"),
                note=form.cleaned_data.get("grant_note", ""),
            )

    def response_post_save_add(self, request: HttpRequest, obj: Member) -> Any:
        # Staff need the new card number (and soon its QR code) at once.
        return HttpResponseRedirect(self._change_url(obj))

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any
    ) -> Any:
        context.update(
            can_reveal_pii=can_reveal(request.user),
            can_manage_cards=self.has_manage_cards_permission(request),
            can_merge_members=self.has_merge_members_permission(request),
            action_checkbox_name=helpers.ACTION_CHECKBOX_NAME,
        )
        return super().render_change_form(request, context, *args, **kwargs)

    # --- Custom views -----------------------------------------------------

    def get_urls(self) -> list[Any]:
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path("merge/", view(self.merge_view), name="{}_{}_merge".format(*info)),
            path(
                "<path:object_id>/reveal/",
                view(self.reveal_view),
                name="{}_{}_reveal".format(*info),
            ),
            *super().get_urls(),
        ]

    def _change_url(self, member: Member) -> str:
        return reverse("admin:members_member_change", args=[member.pk])

    def _context(self, request: HttpRequest, title: Any, **extra: Any) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            **extra,
        }

    def reveal_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Show the full phone and name once, and record that in the audit log."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not can_reveal(request.user):
            raise PermissionDenied
        member = self.get_object(request, unquote(object_id))
        if member is None or not self.has_view_permission(request, member):
            raise Http404
        values = member_reveal_pii(member=member, by=request.user)
        context = self._context(
            request,
            gettext("Phone and name of %(member)s") % {"member": member},
            original=member,
            name=values["name"],
            phone=values["phone"],
            national_phone=national_phone(values["phone"]),
        )
        return TemplateResponse(request, "admin/members/member/reveal.html", context)

    def merge_view(self, request: HttpRequest) -> HttpResponse:
        """Type two card numbers, check the preview, confirm: member_merge."""
        if not self.has_merge_members_permission(request):
            raise PermissionDenied
        members = self.get_queryset(request)
        confirming = False
        if request.method == "POST":
            form = MergeForm(request.POST, members=members)
            if form.is_valid():
                survivor = form.cleaned_data["survivor_card_no"]
                duplicate = form.cleaned_data["duplicate_card_no"]
                if form.cleaned_data["confirm"]:
                    try:
                        member_merge(
                            survivor=survivor, duplicate=duplicate, by=request.user
                        )
                    except InvalidInput as error:
                        form.add_error(None, error.message)
                    else:
                        self.message_user(
                            request,
                            gettext("%(duplicate)s was merged into %(survivor)s.")
                            % {"duplicate": duplicate, "survivor": survivor},
                            messages.SUCCESS,
                        )
                        return HttpResponseRedirect(self._change_url(survivor))
                else:
                    confirming = True
        else:
            form = MergeForm(
                initial={
                    "survivor_card_no": request.GET.get("survivor", ""),
                    "duplicate_card_no": request.GET.get("duplicate", ""),
                },
                members=members,
            )
        context = self._context(
            request,
            _("Merge duplicate members"),
            form=form,
            confirming=confirming,
            survivor=form.cleaned_data.get("survivor_card_no") if confirming else None,
            duplicate=form.cleaned_data.get("duplicate_card_no")
            if confirming
            else None,
        )
        return TemplateResponse(request, "admin/members/member/merge.html", context)

    # --- Actions ----------------------------------------------------------

    def _selected(
        self, request: HttpRequest, queryset: QuerySet[Member]
    ) -> list[Member] | None:
        members = list(
            queryset.select_related("tier", "home_store")[: MAX_CARD_ACTION_MEMBERS + 1]
        )
        if len(members) > MAX_CARD_ACTION_MEMBERS:
            self.message_user(
                request,
                gettext("Select at most %(count)d members for this action.")
                % {"count": MAX_CARD_ACTION_MEMBERS},
                messages.ERROR,
            )
            return None
        return members

    def _done(self, request: HttpRequest, members: list[Member]) -> Any:
        # Buttons on a member's page come back to that page.
        if "_from_change" in request.POST and len(members) == 1:
            return HttpResponseRedirect(self._change_url(members[0]))
        return None

    @admin.action(
        description=_("Report card lost (block the card number)"),
        permissions=["manage_cards"],
    )
    def report_card_lost(self, request: HttpRequest, queryset: QuerySet[Member]) -> Any:
        members = self._selected(request, queryset)
        if members is None:
            return None
        blocked = 0
        for member in members:
            try:
                member_report_card_lost(member=member, by=request.user)
            except InvalidInput as error:
                self.message_user(
                    request,
                    gettext("%(member)s: %(reason)s")
                    % {"member": member, "reason": error.message},
                    messages.WARNING,
                )
            else:
                blocked += 1
        if blocked:
            self.message_user(
                request,
                ngettext(
                    "Card reported lost for %(count)d member: the card number "
                    "no longer works. Find the member by phone to replace the card.",
                    "Cards reported lost for %(count)d members: the card numbers "
                    "no longer work. Find the members by phone to replace the cards.",
                    blocked,
                )
                % {"count": blocked},
                messages.SUCCESS,
            )
        return self._done(request, members)

    @admin.action(
        description=_("Replace card (new card number)"),
        permissions=["manage_cards"],
    )
    def replace_card(self, request: HttpRequest, queryset: QuerySet[Member]) -> Any:
        members = self._selected(request, queryset)
        if members is None:
            return None
        if "apply" in request.POST:
            form = ReplaceCardForm(request.POST)
            if form.is_valid():
                for member in members:
                    old_card_no = member.card_no
                    try:
                        member = member_replace_card(
                            member=member,
                            by=request.user,
                            fee=form.cleaned_data["fee"],
                            note=form.cleaned_data["note"],
                        )
                    except InvalidInput as error:
                        self.message_user(
                            request,
                            gettext("%(member)s: %(reason)s")
                            % {"member": member, "reason": error.message},
                            messages.WARNING,
                        )
                    else:
                        self.message_user(
                            request,
                            gettext(
                                "Card %(old)s replaced by %(new)s; fee %(fee)s yuan "
                                "recorded."
                            )
                            % {
                                "old": old_card_no,
                                "new": member.card_no,
                                "fee": form.cleaned_data["fee"],
                            },
                            messages.SUCCESS,
                        )
                return self._done(request, members)
        else:
            form = ReplaceCardForm()
        context = self._context(
            request,
            _("Replace cards"),
            form=form,
            members=members,
            action="replace_card",
            action_checkbox_name=helpers.ACTION_CHECKBOX_NAME,
            from_change="_from_change" in request.POST,
        )
        return TemplateResponse(
            request, "admin/members/member/replace_card.html", context
        )

    @admin.action(
        description=_("Merge the two selected members"),
        permissions=["merge_members"],
    )
    def merge_selected(self, request: HttpRequest, queryset: QuerySet[Member]) -> Any:
        members = list(queryset.order_by("pk")[:3])
        if len(members) != 2:
            self.message_user(
                request,
                gettext("Select exactly two members to merge."),
                messages.ERROR,
            )
            return None
        # The older member stays by default; the merge page can swap them.
        older, newer = members
        query = urlencode({"survivor": older.card_no, "duplicate": newer.card_no})
        return HttpResponseRedirect(reverse("admin:members_member_merge") + "?" + query)
