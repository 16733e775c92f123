"""The member page, with points: balance, open lots, latest entries and an
"adjust points" view. Points extends the members admin (points → members),
so the members app never imports the ledger."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.admin.members import MemberAdmin
from members.exceptions import JifenError
from members.models import Member, Store
from members.selectors import staff_store_id
from points.admin.ledger import LedgerEntryInline, OpenLotInline
from points.models import Adjustment
from points.selectors import points_expiring, usable_balance
from points.services import adjustment_request


class AdjustForm(forms.Form):
    points = forms.IntegerField(
        label=_("points"),
        help_text=_("Positive to add, negative to deduct."),
        min_value=-1_000_000_000,
        max_value=1_000_000_000,
    )
    reason_code = forms.ChoiceField(
        label=_("reason"), choices=Adjustment.Reason.choices
    )
    note = forms.CharField(label=_("note"), max_length=200)

    def clean_points(self) -> int:
        points: int = self.cleaned_data["points"]
        if points == 0:
            raise forms.ValidationError(_("Enter a non-zero number of points."))
        return points


class MemberWithPointsAdmin(MemberAdmin):
    change_form_template = "admin/points/member/change_form.html"
    inlines = (OpenLotInline, LedgerEntryInline, *MemberAdmin.inlines)
    readonly_fields = (*MemberAdmin.readonly_fields, "points_summary")

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None:
            fieldsets.insert(1, (_("Points"), {"fields": ["points_summary"]}))
        return fieldsets

    @admin.display(description=_("points"))
    def points_summary(self, obj: Member) -> str:
        expiring = points_expiring(member=obj, within_days=30)
        rows = format_html_join(
            "",
            "<li>{}: {}</li>",
            ((row["date"].isoformat(), row["points"]) for row in expiring),
        )
        return format_html(
            "<strong>{}</strong> {} &nbsp; ({}: {}, {}: {}, {}: {})"
            "<div>{}</div><ul>{}</ul>",
            usable_balance(member=obj),
            gettext("usable points"),
            gettext("ledger balance"),
            obj.balance,
            gettext("lifetime points"),
            obj.lifetime_points,
            gettext("lifetime qualifying spend"),
            obj.lifetime_spend,
            gettext("Expiring in the next 30 days:") if expiring else "",
            rows,
        )

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any
    ) -> Any:
        context["can_adjust_points"] = request.user.has_perm("points.add_adjustment")
        return super().render_change_form(request, context, *args, **kwargs)

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/adjust-points/",
                self.admin_site.admin_view(self.adjust_view),
                name="members_member_adjust_points",
            ),
            *super().get_urls(),
        ]

    def adjust_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not request.user.has_perm("points.add_adjustment"):
            raise PermissionDenied
        member = self.get_queryset(request).filter(pk=unquote(object_id)).first()
        if member is None:
            raise Http404
        form = AdjustForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                adjustment = adjustment_request(
                    member=member,
                    points=form.cleaned_data["points"],
                    reason_code=form.cleaned_data["reason_code"],
                    note=form.cleaned_data["note"],
                    by=request.user,
                    store=Store.objects.filter(pk=staff_store_id(request.user)).first(),
                )
            except JifenError as error:
                form.add_error(None, error.message)
            else:
                if adjustment.status == Adjustment.Status.POSTED:
                    text = gettext("%(points)+d points posted.")
                else:
                    text = gettext(
                        "%(points)+d points are waiting for a second person's approval."
                    )
                self.message_user(
                    request, text % {"points": adjustment.points}, messages.SUCCESS
                )
                return HttpResponseRedirect(
                    reverse("admin:members_member_change", args=[member.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Adjust points of %(member)s") % {"member": member},
            "member": member,
            "usable": usable_balance(member=member),
            "form": form,
        }
        return TemplateResponse(request, "admin/points/member/adjust.html", context)


admin.site.unregister(Member)
admin.site.register(Member, MemberWithPointsAdmin)
