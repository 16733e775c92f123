"""Forms of the counter page.

They parse what the cashier typed into types; the rules (amounts, steps, caps,
receipts) are the services' job, so the page and the POS API refuse the same
things with the same messages.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Store

# Cashiers type amounts and points on a numeric keypad; no spell-checking,
# no autocomplete of earlier receipts or amounts.
_TEXT = {"autocomplete": "off", "spellcheck": "false"}


class LookupForm(forms.Form):
    q = forms.CharField(
        label=_("Card number or mobile phone"),
        max_length=40,
        widget=forms.TextInput(
            attrs={**_TEXT, "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_q(self) -> str:
        # People read phone numbers out in groups (138 1234 5678).
        return "".join(self.cleaned_data["q"].split())


class PreviewForm(forms.Form):
    member = forms.IntegerField(label=_("Member"), min_value=1)
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=20)


class PurchaseForm(forms.Form):
    member = forms.IntegerField(
        label=_("Member"), min_value=1, widget=forms.HiddenInput
    )
    receipt_no = forms.CharField(
        label=_("Receipt number"),
        max_length=64,
        widget=forms.TextInput(attrs=_TEXT),
    )
    amount = forms.CharField(
        label=_("Amount (yuan)"),
        max_length=20,
        widget=forms.TextInput(attrs={**_TEXT, "inputmode": "decimal"}),
    )
    points_used = forms.IntegerField(
        label=_("Points to use"),
        required=False,
        min_value=0,
        widget=forms.TextInput(attrs={**_TEXT, "inputmode": "numeric"}),
    )

    def clean_points_used(self) -> int:
        return self.cleaned_data.get("points_used") or 0


class RefundForm(forms.Form):
    receipt_no = forms.CharField(
        label=_("Receipt number"),
        max_length=64,
        widget=forms.TextInput(attrs=_TEXT),
    )
    refund_no = forms.CharField(
        label=_("Refund number"),
        max_length=64,
        widget=forms.TextInput(attrs=_TEXT),
    )
    amount = forms.CharField(
        label=_("Refund amount (yuan)"),
        max_length=20,
        widget=forms.TextInput(attrs={**_TEXT, "inputmode": "decimal"}),
    )


class StoreChoiceForm(forms.Form):
    """Head-office staff have no store of their own: they pick the one they stand in."""

    store = forms.ModelChoiceField(
        label=_("Store"),
        queryset=Store.objects.filter(active=True),
        empty_label=_("Choose a store"),
    )
