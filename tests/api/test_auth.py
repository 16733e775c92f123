"""Every operation needs `Authorization: Bearer <active terminal key>`."""

import pytest

from members.models import Member, Store
from points.models import Terminal
from tests.api.conftest import ApiClient, error_of, written

UNAUTHORIZED = (
    "Send a valid terminal API key in the header Authorization: Bearer <key>."
)


def _purchase(member: Member) -> dict[str, str]:
    return {"receipt_no": "R1", "member": member.card_no, "amount": "258.00"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"authorization": "Bearer jf_00000000_not-a-real-secret"},
        {"authorization": "Bearer "},
        {"authorization": "Basic dXNlcjpwYXNz"},
    ],
    ids=["missing", "unknown", "empty", "basic"],
)
def test_a_purchase_without_a_valid_key_is_unauthorized_and_writes_nothing(
    api: ApiClient, member: Member, headers: dict[str, str]
) -> None:
    client = ApiClient(None)
    before = written()

    response = client.post("/purchases", _purchase(member), headers=headers)

    assert response.status_code == 401
    assert error_of(response) == {
        "code": "unauthorized",
        "message": UNAUTHORIZED,
        "fields": {},
    }
    assert written() == before


def test_the_key_of_an_inactive_terminal_is_unauthorized(
    api: ApiClient, terminal: Terminal, member: Member
) -> None:
    Terminal.objects.filter(pk=terminal.pk).update(active=False)
    before = written()

    response = api.post("/purchases", _purchase(member))

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    assert written() == before


def test_the_key_of_a_closed_store_is_unauthorized(
    api: ApiClient, store: Store, member: Member
) -> None:
    Store.objects.filter(pk=store.pk).update(active=False)

    response = api.get(f"/members/{member.card_no}")

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


def test_reads_need_a_key_too(api: ApiClient, member: Member) -> None:
    response = ApiClient(None).get(f"/members/{member.card_no}")

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
