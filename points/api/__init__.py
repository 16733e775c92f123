"""The POS JSON API, v1 (django-ninja), mounted at /api/v1/.

Thin by design: parse and validate (schemas), authenticate the terminal,
call a service or selector, present the result. Business rules live in
points.services / points.selectors and members.services / members.selectors.
"""

import functools
from collections.abc import Callable
from typing import Any

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
)
from django.urls import URLPattern, URLResolver, re_path
from ninja import NinjaAPI, Swagger

from points.api import members, purchases
from points.api.auth import TerminalKey
from points.api.errors import (
    MESSAGES,
    error_response,
    install_error_handlers,
)

DESCRIPTION = """
The API a POS terminal uses to enrol and look up members, record purchases
(earning points, optionally paying with points) and refunds, and read a
member's ledger. Members are brand-wide; receipts and refunds belong to the
terminal's store.

**Authentication.** `Authorization: Bearer <terminal API key>`; keys are
created with `manage.py create_terminal --store S001` (or in the admin) and
shown once.

**Money and points.** Amounts are yuan, sent as a JSON number or a decimal
string with at most two decimals (`"258.00"`), returned as strings with two
decimals. Points are integers.

**Idempotency.** A purchase is keyed by its receipt number and a refund by
its refund number (per store): sending the same request again answers 200
with the original result and the header `Idempotent-Replayed: true`; a
different request under the same number is a 409 `idempotency_conflict`.
Any POST may also carry an `Idempotency-Key` header (per terminal, any
printable ASCII up to 200 characters) with the same semantics.

**Errors.** Every error, including malformed JSON, authentication failures
and unknown addresses, has one shape:
`{"error": {"code": "…", "message": "…", "fields": {"amount": "…"}}}`.
`message` (and each `fields` entry) follows `Accept-Language`
(`zh-hans` by default, `en`).

| status | code | when |
|---|---|---|
| 400 | `invalid` | malformed JSON, a missing or badly formed field, a phone already enrolled |
| 400 | `insufficient_points` | paying with more points than the member's usable balance |
| 400 | `points_cap_exceeded` | more points than the order allows (share cap) |
| 400 | `order_below_minimum` | paying with points on an order below the minimum |
| 400 | `points_step` | points not in whole steps (e.g. multiples of 100) |
| 400 | `refund_exceeds_purchase` | refunds would exceed the receipt |
| 401 | `unauthorized` | no, unknown or inactive terminal key |
| 404 | `member_not_found` | no member has that card number or phone |
| 404 | `purchase_not_found` | no purchase has that receipt number at this store |
| 404 | `not_found` | no such address under /api/v1/ |
| 405 | `method_not_allowed` | the address exists, the method does not |
| 409 | `member_inactive` | the member is frozen or closed |
| 409 | `card_lost` | the card was reported lost (look the member up by phone) |
| 409 | `idempotency_conflict` | a receipt, refund number or Idempotency-Key reused for a different request |
| 500 | `server_error` | a bug on our side |

Business-rule refusals are 400 because the same request can never succeed;
409 means the state of something else (the member, the card, an earlier
request) stands in the way.
"""


def _errors_in_shape(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Give Django-level answers inside the API (405, the root's 404) the error shape."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return error_response(404, "not_found", MESSAGES["not_found"])
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = error_response(
                405, "method_not_allowed", MESSAGES["method_not_allowed"]
            )
            response["Allow"] = allowed
        return response

    return wrapper


def _not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error_response(404, "not_found", MESSAGES["not_found"])


class PosAPI(NinjaAPI):
    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _errors_in_shape(pattern.callback)
        # Last: any other address under the prefix is a JSON 404, not Django's page.
        patterns.append(re_path(r"^(?P<rest>.*)$", _not_found, name="not-found"))
        return patterns, app_name, namespace


api = PosAPI(
    title="Jifen POS API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=TerminalKey(),
    # Swagger UI from django-ninja's own static files: no CDN (mainland
    # China, offline shops). No validator badge: it would call out to the web.
    docs=Swagger(settings={"validatorUrl": None}),
)
install_error_handlers(api)
api.add_router("", members.router)
api.add_router("", purchases.router)
