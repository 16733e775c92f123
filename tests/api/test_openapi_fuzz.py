"""Schemathesis against the live API: for every operation, generated requests
(valid and invalid) never get a 5xx, and every answer matches the OpenAPI
document (documented status, content type and body schema).

Half of the generated cases are pointed at a real member and a real receipt,
so the services run, not only the validation in front of them. Bounded
(30 examples per strategy, derandomized) to stay fast and deterministic.
"""

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from members.models import Member
from points.api import api
from points.models import Terminal
from points.services import purchase_record

SCHEMA = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
RECEIPT = "FUZZ-1"


def _aimed(case: Any, *, member: str, phones: Iterator[int]) -> Any:
    """The same case about a member who exists (or, to enrol, a phone who doesn't)."""
    if isinstance(case.body, dict):
        if "member" in case.body:
            case.body["member"] = member
        if "phone" in case.body:
            case.body["phone"] = str(next(phones))
    return case


def _strategies(operation: Any, *, member: Member) -> Any:
    known: dict[str, str] = {}
    names = {parameter.name for parameter in operation.path_parameters}
    if "card_no_or_phone" in names:
        known["card_no_or_phone"] = member.card_no
    if "receipt_no" in names:
        known["receipt_no"] = RECEIPT
    phones = itertools.count(13700000000)
    aimed = operation.as_strategy(path_parameters=known or None).map(
        lambda case: _aimed(
            case, member=member.phone.removeprefix("+86"), phones=phones
        )
    )
    return st.one_of(
        operation.as_strategy(),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        aimed,
    )


@pytest.fixture
def app() -> Iterator[WSGIHandler]:
    """Django's WSGI app, keeping the test's connection (and transaction) open
    between requests, as Django's own test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_generated_requests_get_no_server_error_and_match_the_schema(
    operation: Any,
    app: WSGIHandler,
    terminal: Terminal,
    terminal_and_key: tuple[Terminal, str],
    rich_member: Member,
    rules: Any,
) -> None:
    # given a receipt to look up and refund, and the terminal's key
    purchase_record(
        store=terminal.store,
        receipt_no=RECEIPT,
        member=rich_member,
        amount="300.00",
        points_used=10_000,
        terminal=terminal,
    )
    headers = {"Authorization": f"Bearer {terminal_and_key[1]}"}

    @settings(
        max_examples=30,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategies(operation, member=rich_member))
    def check(case: Any) -> None:
        # when the generated request is sent
        response = case.call(app=app, headers=headers)
        # then it is answered within the schema, and never with a 5xx
        case.validate_response(response, checks=CHECKS, headers=headers)

    check()
