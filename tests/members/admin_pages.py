"""Resubmitting an admin change form as a browser would, with some values changed."""

from typing import Any

from django.forms import MultiWidget


def _field_values(form: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        key = form.add_prefix(name)
        if isinstance(field.widget, MultiWidget):
            # e.g. a date and a time input: posted as key_0, key_1
            parts = field.widget.decompress(value)
            data |= {f"{key}_{i}": part for i, part in enumerate(parts) if part}
        elif value is not None and value is not False:
            # (an empty input or an unticked checkbox is not posted)
            data[key] = "on" if value is True else value
    return data


def change_form_data(response: Any, **changes: Any) -> dict[str, Any]:
    """The POST data of the change form in `response` (a GET of the page),
    every inline's management form included, with `changes` applied."""
    data = _field_values(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data |= _field_values(formset.management_form)
        for form in formset.initial_forms:
            data |= _field_values(form)
    data |= changes
    return {key: value for key, value in data.items() if value is not None}
