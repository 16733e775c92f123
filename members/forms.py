"""Forms for members, stores and the card lifecycle (admin now, the counter later).

Forms parse and validate what staff type; the writes go through members.services.
"""

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from members.birthdays import validate_birthday
from members.cards import validate_card_no
from members.models import Member, Store, Tier
from members.phones import normalize_phone
from members.selectors import phone_taken
from members.services import member_enrol

BIRTHDAY_FIELDS = ("birth_month", "birth_day", "birth_year")
DUPLICATE_PHONE = _("A member with this phone number already exists.")


class CardNumberField(forms.CharField):
    """A typed or scanned card number: spaces dropped, digits and check digit verified."""

    default_validators = [validate_card_no]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        return "".join(str(super().to_python(value)).split())


class BirthdayMixin:
    """Month and day (year optional) checked together: 02-29 yes, 02-30 no."""

    def clean_birthday(self: Any) -> None:
        if any(field in self.errors for field in BIRTHDAY_FIELDS):
            return
        data = self.cleaned_data
        try:
            validate_birthday(
                data.get("birth_month"), data.get("birth_day"), data.get("birth_year")
            )
        except ValidationError as error:
            # On birth_day, so model validation skips the month/day constraint
            # and the user sees one message, not two.
            self.add_error("birth_day", error)


class MemberAddForm(BirthdayMixin, forms.ModelForm):
    """Enrols through member_enrol: card number, entry tier and history rows."""

    phone = forms.CharField(
        label=capfirst(Member._meta.get_field("phone").verbose_name),
        max_length=32,
        help_text=_("Mainland China mobile, e.g. 13812345678 or +86 138 1234 5678."),
    )

    # The staff user enrolling the member; the admin sets it before save().
    enrolled_by: Any = None

    class Meta:
        model = Member
        fields = [
            "phone",
            "name",
            "birth_month",
            "birth_day",
            "birth_year",
            "home_store",
            "referrer",
            "marketing_opt_out",
        ]

    def clean_phone(self) -> str:
        phone = normalize_phone(self.cleaned_data["phone"])
        if phone_taken(phone):
            raise ValidationError(DUPLICATE_PHONE, code="duplicate_phone")
        return phone

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("Enter the member's name."), code="required")
        return name

    def clean_referrer(self) -> Member | None:
        referrer = self.cleaned_data.get("referrer")
        if referrer is not None and referrer.status != Member.Status.ACTIVE:
            raise ValidationError(
                _("The referrer is not an active member."), code="inactive_referrer"
            )
        return referrer

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.clean_birthday()
        return cleaned

    def save(self, commit: bool = True) -> Member:
        # The service writes the member and its first history rows in one
        # transaction, so `commit=False` cannot defer anything here.
        data = self.cleaned_data
        self.instance = member_enrol(
            phone=data["phone"],
            name=data["name"],
            home_store=data["home_store"],
            birth_month=data.get("birth_month"),
            birth_day=data.get("birth_day"),
            birth_year=data.get("birth_year"),
            referrer=data.get("referrer"),
            marketing_opt_out=data.get("marketing_opt_out", False),
            by=self.enrolled_by,
        )
        self.save_m2m = self._save_m2m
        return self.instance


class MemberChangeForm(BirthdayMixin, forms.ModelForm):
    """Edits a member without ever rendering the full phone or name.

    New values are typed into empty fields; the admin removes those fields for
    users without the reveal permission. A tier set here goes through
    member_set_tier (history row and audit entry), in the admin's save_model.
    """

    new_name = forms.CharField(
        label=_("New name"),
        max_length=50,
        required=False,
        help_text=_("Leave empty to keep the current name."),
    )
    new_phone = forms.CharField(
        label=_("New mobile phone"),
        max_length=32,
        required=False,
        help_text=_("Leave empty to keep the current number."),
    )
    grant_tier = forms.ModelChoiceField(
        label=_("Set tier"),
        queryset=Tier.objects.all(),
        required=False,
        help_text=_("Set the member's tier by hand. Leave empty to keep it."),
    )
    grant_until = forms.DateField(
        label=_("Granted until"),
        required=False,
        help_text=_(
            "Until this date the tier recalculation never lowers the member "
            "below the tier set here. Empty: a one-off change."
        ),
    )
    grant_note = forms.CharField(
        label=_("Reason for the tier change"), max_length=200, required=False
    )

    class Meta:
        model = Member
        fields = [
            "birth_month",
            "birth_day",
            "birth_year",
            "home_store",
            "referrer",
            "status",
            "marketing_opt_out",
        ]

    def clean_new_phone(self) -> str:
        raw = self.cleaned_data["new_phone"].strip()
        if not raw:
            return ""
        phone = normalize_phone(raw)
        if phone_taken(phone, exclude_member_id=self.instance.pk):
            raise ValidationError(DUPLICATE_PHONE, code="duplicate_phone")
        return phone

    def clean_new_name(self) -> str:
        return self.cleaned_data["new_name"].strip()

    def clean_referrer(self) -> Member | None:
        referrer = self.cleaned_data.get("referrer")
        if referrer is not None and referrer.pk == self.instance.pk:
            raise ValidationError(
                _("A member cannot refer themselves."), code="self_referral"
            )
        return referrer

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.clean_birthday()
        until = cleaned.get("grant_until")
        if until is not None and cleaned.get("grant_tier") is None:
            self.add_error("grant_tier", _("Choose the tier to grant until that date."))
        if until is not None and until < timezone.localdate():
            self.add_error("grant_until", _("The date is in the past."))
        return cleaned

    def save(self, commit: bool = True) -> Member:
        if self.cleaned_data.get("new_phone"):
            self.instance.phone = self.cleaned_data["new_phone"]
        if self.cleaned_data.get("new_name"):
            self.instance.name = self.cleaned_data["new_name"]
        return super().save(commit)

    def changed_model_fields(self) -> list[str]:
        """The columns this form changed: saving only those never overwrites
        figures (balance, tier, card number) other services changed meanwhile."""
        names = {field.name for field in Member._meta.concrete_fields}
        changed = [name for name in self.changed_data if name in names]
        if self.cleaned_data.get("new_phone"):
            changed.append("phone")
        if self.cleaned_data.get("new_name"):
            changed.append("name")
        return changed


class StoreForm(forms.ModelForm):
    class Meta:
        model = Store
        fields = ["code", "name", "active", "separate_points"]
        error_messages = {
            "code": {"unique": _("A store with this code already exists.")},
        }

    def clean_code(self) -> str:
        # Codes are compared as staff read them: "s001 " is S001.
        return self.cleaned_data["code"].strip().upper()


class ReplaceCardForm(forms.Form):
    fee = forms.DecimalField(
        label=_("Replacement fee (yuan)"),
        min_value=Decimal("0"),
        max_digits=8,
        decimal_places=2,
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fee"].initial = Decimal(settings.JIFEN_CARD_REPLACEMENT_FEE)


class MergeForm(forms.Form):
    """Two card numbers: the member who stays and the duplicate folded into it."""

    survivor_card_no = CardNumberField(
        label=_("Card number of the member to keep"),
        help_text=_("This member keeps its card, phone and history."),
    )
    duplicate_card_no = CardNumberField(
        label=_("Duplicate card number"),
        help_text=_(
            "This member is closed; its points, referrals and history move to "
            "the member above, and its card and phone find that member from now on."
        ),
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, members: QuerySet[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = members.select_related("tier", "home_store")

    def _member(self, card_no: str) -> Member:
        member = self.members.filter(card_no=card_no).first()
        if member is None:
            raise ValidationError(
                _("No member you can see has this card number."), code="not_found"
            )
        if member.merged_into_id is not None:
            raise ValidationError(
                _("This member was already merged into another."), code="merged"
            )
        return member

    def clean_survivor_card_no(self) -> Member:
        return self._member(self.cleaned_data["survivor_card_no"])

    def clean_duplicate_card_no(self) -> Member:
        return self._member(self.cleaned_data["duplicate_card_no"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        survivor = cleaned.get("survivor_card_no")
        duplicate = cleaned.get("duplicate_card_no")
        if survivor is not None and duplicate is not None and survivor == duplicate:
            raise ValidationError(
                _("A member cannot be merged into itself."), code="same_member"
            )
        return cleaned
