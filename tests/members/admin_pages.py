"""Resubmitting an admin change form as a browser would, with some values changed."""

from typing import Any


def _field_values(form: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue  # an empty input or an unticked checkbox is not posted
        data[form.add_prefix(name)] = "on" if value is True else value
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
