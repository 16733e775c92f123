"""One error shape for every error under /api/v1/, translated per Accept-Language."""

import pytest

from members.models import Member
from tests.api.conftest import ApiClient, error_of, written

NOT_FOUND = {
    "code": "not_found",
    "message": "There is nothing at this address.",
    "fields": {},
}


@pytest.mark.parametrize(
    "path", ["/nothing-here", "/members/", "/purchases/R1/refunds/F1", "/"]
)
def test_an_unknown_address_is_a_not_found_error(api: ApiClient, path: str) -> None:
    response = api.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_of(response) == NOT_FOUND


def test_an_unknown_address_needs_no_key_to_be_told_so() -> None:
    response = ApiClient(None).post("/nothing-here", {})

    assert response.status_code == 404
    assert error_of(response) == NOT_FOUND


def test_a_method_the_address_does_not_take_is_method_not_allowed(
    api: ApiClient,
) -> None:
    response = api.client.delete("/api/v1/purchases")

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert error_of(response) == {
        "code": "method_not_allowed",
        "message": "This address does not accept that method.",
        "fields": {},
    }


@pytest.mark.parametrize(
    "raw",
    [b"{bad json", b'{"receipt_no": "R1",}', b"\xff\xfe"],
)
def test_malformed_json_is_invalid_and_writes_nothing(
    api: ApiClient, member: Member, raw: bytes
) -> None:
    before = written()

    response = api.post_raw("/purchases", raw)

    assert response.status_code == 400
    message = "The request body is not valid JSON."
    assert error_of(response) == {
        "code": "invalid",
        "message": message,
        "fields": {"body": message},
    }
    assert written() == before


def test_a_lone_surrogate_in_text_is_invalid(api: ApiClient) -> None:
    raw = b'{"phone": "13812345678", "name": "\\ud800"}'

    response = api.post_raw("/members", raw)

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"name": "Enter text."}


@pytest.mark.parametrize("raw", [b"[]", b'"R1"', b"258", b"null"])
def test_a_body_that_is_not_an_object_is_invalid(api: ApiClient, raw: bytes) -> None:
    response = api.post_raw("/purchases", raw)

    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"


def test_an_empty_body_is_invalid(api: ApiClient) -> None:
    response = api.post_raw("/purchases", b"")

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "invalid",
        "message": "This field is required.",
        "fields": {"body": "This field is required."},
    }


def test_several_bad_fields_are_all_named(api: ApiClient) -> None:
    response = api.post("/purchases", {"amount": "0", "points_used": -1})

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "invalid",
        "message": "Some of the values sent are invalid; see fields.",
        "fields": {
            "receipt_no": "This field is required.",
            "member": "This field is required.",
            "amount": "Enter a value greater than 0.",
            "points_used": "Enter a value of at least 0.",
        },
    }


def test_an_unknown_field_is_refused(api: ApiClient, member: Member) -> None:
    response = api.post(
        "/purchases",
        {"receipt_no": "R1", "member": member.card_no, "amount": 1, "discount": 5},
    )

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"discount": "This field is not accepted."}


def test_messages_follow_accept_language(terminal_and_key, rules) -> None:
    key = terminal_and_key[1]
    body = {"phone": "13812345678"}

    english = ApiClient(key, language="en").post("/members", body)
    chinese = ApiClient(key, language="zh-hans").post("/members", body)

    assert (english.status_code, chinese.status_code) == (400, 400)
    assert english["Content-Language"] == "en"
    assert chinese["Content-Language"] == "zh-hans"
    assert error_of(english)["fields"] == {"name": "This field is required."}
    chinese_message = error_of(chinese)["fields"]["name"]
    assert chinese_message
    assert chinese_message != "This field is required."
    assert error_of(chinese)["code"] == "invalid"


def test_chinese_is_the_default_language(terminal_and_key, rules) -> None:
    client = ApiClient(terminal_and_key[1], language=None)

    response = client.post("/members", {"phone": "13812345678"})

    assert response["Content-Language"] == "zh-hans"
    assert error_of(response)["fields"]["name"] != "This field is required."


def test_an_unexpected_failure_is_a_server_error_in_the_same_shape(
    api: ApiClient, member: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr("points.api.members.usable_balance", broken)

    response = api.get(f"/members/{member.card_no}")

    assert response.status_code == 500
    assert error_of(response) == {
        "code": "server_error",
        "message": "An unexpected error occurred; please try again.",
        "fields": {},
    }
