"""Replies, and the Idempotency-Key header that replays them.

Every operation answers through `reply()`, so a POST's answer is a plain JSON
response that `idempotent` can store and replay byte for byte.

A POST sent with `Idempotency-Key: <key>` is recorded per terminal: the same
key with the same request (method, path and canonical JSON body) gets the
stored status and body again, with `Idempotent-Replayed: true`; the same key
with a different request is refused with 409 `idempotency_conflict`. Only
successes are stored: a refusal changed nothing, so retrying it is safe.
"""

import functools
import inspect
import json
from collections.abc import Callable
from typing import Annotated, Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Header, Schema

from points.exceptions import IdempotencyConflict
from points.models import IdempotencyRecord, Terminal
from points.services import request_hash

REPLAYED_HEADER = "Idempotent-Replayed"
KEY_HEADER = "Idempotency-Key"
_JSON = {"ensure_ascii": False}

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=KEY_HEADER,
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description=(
            "Optional. The same key with the same request replays the first "
            "answer; with a different request it is a 409 idempotency_conflict."
        ),
    ),
]


def reply(status: int, body: Schema, *, replayed: bool = False) -> JsonResponse:
    response = JsonResponse(
        body.model_dump(mode="json"), status=status, json_dumps_params=_JSON
    )
    if replayed:
        response[REPLAYED_HEADER] = "true"
    return response


def _fingerprint(request: HttpRequest) -> str:
    try:
        body: Any = json.loads(request.body)
    except ValueError:
        body = request.body.decode("utf-8", "replace")
    return request_hash({"method": request.method, "path": request.path, "body": body})


def _replay(record: IdempotencyRecord, fingerprint: str) -> JsonResponse:
    if record.request_hash != fingerprint:
        raise IdempotencyConflict(fields={KEY_HEADER: record.key})
    response = JsonResponse(
        record.response, status=record.status_code, json_dumps_params=_JSON
    )
    response[REPLAYED_HEADER] = "true"
    return response


def _stored(terminal: Terminal, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(terminal=terminal, key=key).first()


def idempotent(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Honour an Idempotency-Key header on a POST operation.

    Adds the optional header to the operation's signature (so ninja parses,
    validates and documents it). The record is written in the same
    transaction as the view's writes: both commit or neither does. A
    concurrent twin with the same key loses on the unique constraint, rolls
    its own writes back and replays the winner's answer.
    """

    @functools.wraps(view)
    def wrapper(
        request: HttpRequest,
        *args: Any,
        idempotency_key: str | None = None,
        **kwargs: Any,
    ) -> HttpResponse:
        if idempotency_key is None:
            return view(request, *args, **kwargs)
        terminal: Terminal = request.auth  # type: ignore[attr-defined]
        fingerprint = _fingerprint(request)
        record = _stored(terminal, idempotency_key)
        if record is not None:
            return _replay(record, fingerprint)
        try:
            with transaction.atomic():
                response = view(request, *args, **kwargs)
                if 200 <= response.status_code < 300:
                    IdempotencyRecord.objects.create(
                        terminal=terminal,
                        key=idempotency_key,
                        method_path=f"{request.method} {request.path}"[:300],
                        request_hash=fingerprint,
                        status_code=response.status_code,
                        response=json.loads(response.content),
                    )
        except IntegrityError:
            record = _stored(terminal, idempotency_key)
            if record is None:
                raise
            return _replay(record, fingerprint)
        return response

    signature = inspect.signature(view)
    parameters = [
        *signature.parameters.values(),
        inspect.Parameter(
            "idempotency_key",
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=IdempotencyKey,
        ),
    ]
    wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    return wrapper
