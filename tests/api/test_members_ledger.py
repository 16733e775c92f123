"""GET /members/{card_no_or_phone}/ledger: keyset pages, newest first."""

from members.models import Member
from points.models import LedgerEntry
from tests.api.conftest import ApiClient, error_of


def _buy(api: ApiClient, member: Member, receipt_no: str, amount: str) -> None:
    response = api.post(
        "/purchases",
        {"receipt_no": receipt_no, "member": member.card_no, "amount": amount},
    )
    assert response.status_code == 201


def test_the_ledger_pages_newest_first_with_a_cursor(
    api: ApiClient, member: Member
) -> None:
    # given three purchases: 258, 100 and 42 points
    _buy(api, member, "R1", "258.00")
    _buy(api, member, "R2", "100.00")
    _buy(api, member, "R3", "42.00")
    first, second, third = LedgerEntry.objects.filter(member=member).order_by("id")

    # when the ledger is read two entries at a time
    page_one = api.get(f"/members/{member.card_no}/ledger", {"limit": 2})
    page_two = api.get(
        f"/members/{member.card_no}/ledger",
        {"limit": 2, "cursor": page_one.json()["next_cursor"]},
    )

    # then the pages hold the newest two, then the oldest, and end there
    assert page_one.status_code == 200
    body = page_one.json()
    assert body["next_cursor"] == second.pk
    assert [entry["id"] for entry in body["entries"]] == [third.pk, second.pk]
    assert body["entries"][0] == {
        "id": third.pk,
        "kind": "earn",
        "points": 42,
        "balance_after": 400,
        "created_at": body["entries"][0]["created_at"],
        "store": "S001",
        "reference": "S001/R3",
    }
    assert page_two.json()["next_cursor"] is None
    assert [entry["id"] for entry in page_two.json()["entries"]] == [first.pk]
    assert page_two.json()["entries"][0]["balance_after"] == 258


def test_a_page_exactly_at_the_end_has_no_next_cursor(
    api: ApiClient, member: Member
) -> None:
    _buy(api, member, "R1", "258.00")
    _buy(api, member, "R2", "100.00")

    response = api.get(f"/members/{member.card_no}/ledger", {"limit": 2})

    assert len(response.json()["entries"]) == 2
    assert response.json()["next_cursor"] is None


def test_the_ledger_is_found_by_phone_and_defaults_to_twenty_entries(
    api: ApiClient, member: Member
) -> None:
    for number in range(21):
        _buy(api, member, f"R{number}", "1.00")

    response = api.get("/members/13812345678/ledger")

    assert response.status_code == 200
    assert len(response.json()["entries"]) == 20
    assert response.json()["next_cursor"] is not None


def test_a_limit_above_one_hundred_is_invalid(api: ApiClient, member: Member) -> None:
    response = api.get(f"/members/{member.card_no}/ledger", {"limit": 101})

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"limit": "Enter a value of at most 100."}


def test_a_cursor_that_is_not_a_number_is_invalid(
    api: ApiClient, member: Member
) -> None:
    response = api.get(f"/members/{member.card_no}/ledger", {"cursor": "abc"})

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"cursor": "Enter a whole number."}


def test_the_ledger_of_an_unknown_member_is_not_found(api: ApiClient) -> None:
    response = api.get("/members/13900000000/ledger")

    assert response.status_code == 404
    assert error_of(response)["code"] == "member_not_found"
