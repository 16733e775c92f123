"""The Idempotency-Key header, on any POST: replay the same, refuse a different."""

import threading
from typing import Any

import pytest
from django.db import connection

from members.models import Member
from points.models import IdempotencyRecord, Purchase, Terminal
from points.terminals import terminal_create
from tests.api.conftest import ApiClient, error_of, written

KEY = {"Idempotency-Key": "0f5c2a7e-enrol-1"}
NEW_MEMBER = {"phone": "13700000001", "name": "赵六"}


def test_the_same_key_and_body_replays_the_first_answer(api: ApiClient) -> None:
    first = api.post("/members", NEW_MEMBER, headers=KEY)
    after_first = written()

    again = api.post("/members", NEW_MEMBER, headers=KEY)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert again.json() == first.json()
    assert written() == after_first
    assert Member.objects.filter(phone="+8613700000001").count() == 1


def test_the_record_keeps_what_was_answered(api: ApiClient, terminal: Terminal) -> None:
    first = api.post("/members", NEW_MEMBER, headers=KEY)

    record = IdempotencyRecord.objects.get()
    assert (record.terminal, record.key, record.method_path, record.status_code) == (
        terminal,
        "0f5c2a7e-enrol-1",
        "POST /api/v1/members",
        201,
    )
    assert record.response == first.json()


def test_key_order_and_spacing_of_the_json_do_not_matter(api: ApiClient) -> None:
    api.post_raw(
        "/members", b'{"phone": "13700000001", "name": "\\u8d75\\u516d"}', headers=KEY
    )

    again = api.post_raw(
        "/members", '{"name":"赵六","phone":"13700000001"}'.encode(), headers=KEY
    )

    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"


def test_the_same_key_with_another_body_is_a_conflict(api: ApiClient) -> None:
    api.post("/members", NEW_MEMBER, headers=KEY)
    before = written()

    response = api.post(
        "/members", {"phone": "13700000002", "name": "孙七"}, headers=KEY
    )

    assert response.status_code == 409
    assert error_of(response) == {
        "code": "idempotency_conflict",
        "message": (
            "This key was already used for a different request; nothing was changed."
        ),
        "fields": {
            "Idempotency-Key": (
                "This key was already used for a different request; "
                "nothing was changed."
            )
        },
    }
    assert written() == before


def test_the_same_key_on_another_operation_is_a_conflict(
    api: ApiClient, member: Member
) -> None:
    api.post("/members", NEW_MEMBER, headers=KEY)
    before = written()

    response = api.post(
        "/purchases",
        {"receipt_no": "R1", "member": member.card_no, "amount": "10.00"},
        headers=KEY,
    )

    assert response.status_code == 409
    assert error_of(response)["code"] == "idempotency_conflict"
    assert written() == before


def test_keys_belong_to_their_terminal(
    api: ApiClient, store: Any, rules: Any, tiers: Any
) -> None:
    api.post("/members", NEW_MEMBER, headers=KEY)
    second_terminal = ApiClient(terminal_create(store=store, name="POS 2")[1])

    response = second_terminal.post(
        "/members", {"phone": "13700000002", "name": "孙七"}, headers=KEY
    )

    assert response.status_code == 201
    assert IdempotencyRecord.objects.count() == 2


def test_a_refused_request_is_not_stored_so_the_corrected_one_goes_through(
    api: ApiClient,
) -> None:
    refused = api.post("/members", {"phone": "123", "name": "赵六"}, headers=KEY)

    corrected = api.post("/members", NEW_MEMBER, headers=KEY)

    assert refused.status_code == 400
    assert corrected.status_code == 201
    assert "Idempotent-Replayed" not in corrected
    assert IdempotencyRecord.objects.count() == 1


def test_a_purchase_sent_twice_under_one_key_is_recorded_once(
    api: ApiClient, member: Member
) -> None:
    body = {"receipt_no": "R1", "member": member.card_no, "amount": "258.00"}
    first = api.post("/purchases", body, headers=KEY)

    again = api.post("/purchases", body, headers=KEY)

    # the stored 201 answers, not the receipt's own 200 replay
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Purchase.objects.count() == 1


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "Enter at least 1 characters."),
        ("has space", "This value has the wrong format."),
        ("k" * 201, "Enter at most 200 characters."),
    ],
)
def test_a_badly_formed_key_is_invalid(api: ApiClient, key: str, message: str) -> None:
    before = written()

    response = api.post("/members", NEW_MEMBER, headers={"Idempotency-Key": key})

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"Idempotency-Key": message}
    assert written() == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_under_one_key_record_one_purchase(
    terminal_and_key: tuple[Terminal, str], rules: Any, tiers: Any, member: Member
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks and concurrent writers")
    # given two tills retrying the same purchase under the same key at once
    body = {"receipt_no": "R1", "member": member.card_no, "amount": "258.00"}
    barrier = threading.Barrier(2)
    answers: list[tuple[int, dict[str, Any]]] = []

    def post() -> None:
        client = ApiClient(terminal_and_key[1])
        barrier.wait()
        try:
            response = client.post("/purchases", body, headers=KEY)
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then one purchase, one record, and both answered with the same result
    assert Purchase.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    assert [status for status, _body in answers] == [201, 201]
    assert answers[0][1] == answers[1][1]
    member.refresh_from_db()
    assert member.balance == 258
