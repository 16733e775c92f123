"""One error shape for every error the POS API returns.

    {"error": {"code": "insufficient_points", "message": "…", "fields": {…}}}

`code` is stable (clients branch on it), `message` is translated per the
request's Accept-Language (LocaleMiddleware), `fields` maps each offending
input (`amount`, `lines[0].amount`, `Idempotency-Key`) to a translated message.
Domain errors (JifenError subclasses) carry their own code; the table below
gives each code its HTTP status.
"""

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from members.exceptions import JifenError

logger = logging.getLogger("django.request")

# Business-rule refusals are 400 like any invalid input: the same request
# will never succeed. 409 is kept for "the state of something else forbids
# it": a frozen member, a blocked card, a reused idempotency key.
STATUS_BY_CODE: dict[str, int] = {
    "invalid": 400,
    "insufficient_points": 400,
    "points_cap_exceeded": 400,
    "order_below_minimum": 400,
    "points_step": 400,
    "refund_exceeds_purchase": 400,
    "unauthorized": 401,
    "member_not_found": 404,
    "purchase_not_found": 404,
    "not_found": 404,
    "method_not_allowed": 405,
    "member_inactive": 409,
    "card_lost": 409,
    "idempotency_conflict": 409,
    "throttled": 429,
    "server_error": 500,
}

MESSAGES: dict[str, Any] = {
    "invalid": _("Some of the values sent are invalid; see fields."),
    "malformed": _("The request body is not valid JSON."),
    "unauthorized": _(
        "Send a valid terminal API key in the header Authorization: Bearer <key>."
    ),
    "not_found": _("There is nothing at this address."),
    "method_not_allowed": _("This address does not accept that method."),
    "throttled": _("Too many requests; wait a moment and try again."),
    "server_error": _("An unexpected error occurred; please try again."),
}

# Pydantic's messages are English only; these are the ones a POS can trigger,
# in words a cashier can read, through gettext.
_FIELD_MESSAGES: dict[str, Any] = {
    "missing": _("This field is required."),
    "extra_forbidden": _("This field is not accepted."),
    "string_type": _("Enter text."),
    "string_unicode": _("Enter text."),
    "string_too_short": _("Enter at least %(min_length)s characters."),
    "string_too_long": _("Enter at most %(max_length)s characters."),
    "string_pattern_mismatch": _("This value has the wrong format."),
    "int_type": _("Enter a whole number."),
    "int_parsing": _("Enter a whole number."),
    "int_from_float": _("Enter a whole number."),
    "greater_than": _("Enter a value greater than %(gt)s."),
    "greater_than_equal": _("Enter a value of at least %(ge)s."),
    "less_than": _("Enter a value less than %(lt)s."),
    "less_than_equal": _("Enter a value of at most %(le)s."),
    "decimal_type": _("Enter an amount in yuan, such as 258.00."),
    "decimal_parsing": _("Enter an amount in yuan, such as 258.00."),
    "finite_number": _("Enter an amount in yuan, such as 258.00."),
    "amount_format": _("Enter an amount in yuan, such as 258.00."),
    "decimal_max_places": _("The amount can have at most two decimals."),
    "decimal_max_digits": _("The amount is too large."),
    "decimal_whole_digits": _("The amount is too large."),
    "too_long": _("Send at most %(max_length)s items."),
    "list_type": _("Send a list."),
    "model_type": _("Send a JSON object."),
    "model_attributes_type": _("Send a JSON object."),
    "dict_type": _("Send a JSON object."),
    "datetime_type": _("Enter a date and time such as 2026-01-31T14:30:00+08:00."),
    "datetime_parsing": _("Enter a date and time such as 2026-01-31T14:30:00+08:00."),
    "datetime_from_date_parsing": _(
        "Enter a date and time such as 2026-01-31T14:30:00+08:00."
    ),
    "timezone_aware": _("Give the time zone, such as +08:00."),
    "datetime_too_early": _("Enter a date in 2000 or later."),
}
_FIELD_DEFAULT = _("This value is invalid.")


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, str]


class ErrorOut(Schema):
    """Every error: a stable code, a translated message, the offending fields."""

    error: ErrorDetail


def error_response(
    status: int, code: str, message: Any, fields: dict[str, Any] | None = None
) -> JsonResponse:
    body = {
        "error": {
            "code": code,
            "message": str(message),
            "fields": {name: str(text) for name, text in (fields or {}).items()},
        }
    }
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _invalid(fields: dict[str, Any]) -> JsonResponse:
    # One bad field: its message says it all; several: point at `fields`.
    message = next(iter(fields.values())) if len(fields) == 1 else MESSAGES["invalid"]
    return error_response(400, "invalid", message, fields)


def _field_name(loc: tuple[Any, ...]) -> str:
    """("body", "data", "lines", 0, "amount") -> "lines[0].amount"."""
    source, *rest = loc
    if source == "body" and rest:
        rest = rest[1:]  # drop the view's body parameter name
    if not rest:
        return str(source)
    name = ""
    for part in rest:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name


def _plain(value: Any) -> Any:
    # Pydantic reports Decimal limits as their repr: Decimal('99999999.99').
    text = str(value)
    if text.startswith("Decimal('") and text.endswith("')"):
        return text[len("Decimal('") : -2]
    return value


def _field_message(error: dict[str, Any]) -> str:
    template = _FIELD_MESSAGES.get(error.get("type", ""), _FIELD_DEFAULT)
    context = {name: _plain(value) for name, value in (error.get("ctx") or {}).items()}
    try:
        return str(template) % context if "%(" in str(template) else str(template)
    except (KeyError, TypeError, ValueError):
        return str(_FIELD_DEFAULT)


def fields_from_ninja(errors: list[dict[str, Any]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in errors:
        fields.setdefault(_field_name(tuple(error["loc"])), _field_message(error))
    return fields


def fields_from_django(error: DjangoValidationError) -> dict[str, str]:
    if hasattr(error, "error_dict"):
        return {
            ("body" if name == "__all__" else name): " ".join(messages)
            for name, messages in error.message_dict.items()
        }
    return {"body": " ".join(error.messages)}


def on_jifen_error(request: HttpRequest, exc: JifenError) -> JsonResponse:
    status = STATUS_BY_CODE.get(exc.code, 400)
    # Services name the offending inputs in `fields` (with the value sent);
    # the API tells the client what is wrong with each.
    fields = {name: exc.message for name in exc.fields}
    return error_response(status, exc.code, exc.message, fields)


def on_django_validation_error(
    request: HttpRequest, exc: DjangoValidationError
) -> JsonResponse:
    return _invalid(fields_from_django(exc))


def on_ninja_validation_error(
    request: HttpRequest, exc: NinjaValidationError
) -> JsonResponse:
    return _invalid(fields_from_ninja(exc.errors))


def on_http_error(request: HttpRequest, exc: HttpError) -> JsonResponse:
    if isinstance(exc, AuthenticationError) or exc.status_code == 401:
        return error_response(401, "unauthorized", MESSAGES["unauthorized"])
    if exc.status_code == 400:
        # ninja raises HttpError(400) only when the body does not parse.
        message = MESSAGES["malformed"]
        return error_response(400, "invalid", message, {"body": message})
    if exc.status_code == 429:
        return error_response(429, "throttled", MESSAGES["throttled"])
    if exc.status_code == 404:
        return error_response(404, "not_found", MESSAGES["not_found"])
    return error_response(exc.status_code, "error", exc.message)


def on_not_found(request: HttpRequest, exc: Exception) -> JsonResponse:
    return error_response(404, "not_found", MESSAGES["not_found"])


def on_unexpected(request: HttpRequest, exc: Exception) -> JsonResponse:
    logger.error(
        "Internal Server Error: %s",
        request.path,
        exc_info=exc,
        extra={"status_code": 500, "request": request},
    )
    response = error_response(500, "server_error", MESSAGES["server_error"])
    # Logged above with the traceback; Django need not log it again without.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def install_error_handlers(api: NinjaAPI) -> None:
    api.add_exception_handler(JifenError, on_jifen_error)
    api.add_exception_handler(DjangoValidationError, on_django_validation_error)
    api.add_exception_handler(NinjaValidationError, on_ninja_validation_error)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(Exception, on_unexpected)


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The `response=` entries documenting an operation's error statuses."""
    return dict.fromkeys(statuses, ErrorOut)
