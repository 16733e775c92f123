"""Members: enrol, look up (masked profile, tier, usable balance), ledger."""

from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Path, Query, Router

from members.birthdays import parse_birthday
from members.exceptions import CardLost, InvalidInput, MemberNotFound
from members.models import Member
from members.selectors import member_find
from members.services import member_enrol
from points.api.errors import error_responses
from points.api.idempotency import idempotent, reply
from points.api.schemas import (
    PRINTABLE,
    LedgerPageOut,
    MemberIn,
    MemberOut,
    ledger_entry_out,
    member_out,
)
from points.selectors import member_ledger, points_expiring, usable_balance

router = Router(tags=["members"])

CardOrPhone = Annotated[
    str,
    Path(
        min_length=1,
        max_length=32,
        pattern=PRINTABLE,
        description="Card number or mobile phone.",
    ),
]
MAX_ID = 2**63 - 1


def _profile(member: Member) -> MemberOut:
    return member_out(
        member,
        balance=usable_balance(member=member),
        expiring=points_expiring(member=member, within_days=30),
    )


def _referrer(query: str | None) -> Member | None:
    if query is None:
        return None
    try:
        return member_find(query=query)
    except (MemberNotFound, CardLost):
        raise InvalidInput(
            _("No member has that card number or phone."),
            fields={"referrer": query},
        ) from None


@router.post(
    "/members",
    response={201: MemberOut, **error_responses(400, 401, 409)},
    operation_id="member_enrol",
    summary="Enrol a member at the terminal's store",
)
@idempotent
def enrol(request: HttpRequest, data: MemberIn) -> HttpResponse:
    """A new member, home store = the terminal's store, at the entry tier.

    A phone already enrolled is a 400 `invalid` with `fields.phone`: the
    request itself is wrong (look the member up instead), not a state clash.
    """
    month = day = year = None
    if data.birthday is not None:
        try:
            month, day, year = parse_birthday(data.birthday)
        except ValidationError as error:
            raise ValidationError({"birthday": error.messages}) from None
    member = member_enrol(
        phone=data.phone,
        name=data.name,
        home_store=request.auth.store,  # type: ignore[attr-defined]
        birth_month=month,
        birth_day=day,
        birth_year=year,
        referrer=_referrer(data.referrer),
    )
    return reply(201, _profile(member))


@router.get(
    "/members/{card_no_or_phone}",
    response={200: MemberOut, **error_responses(400, 401, 404, 409)},
    operation_id="member_get",
    summary="Look a member up by card number or phone",
)
def member_get(request: HttpRequest, card_no_or_phone: CardOrPhone) -> HttpResponse:
    """Masked profile, tier with its discount, usable balance, points expiring
    in the next 30 days. A merged duplicate answers with the member it was
    merged into; a card reported lost is a 409 `card_lost` (the phone still
    finds the member)."""
    return reply(200, _profile(member_find(query=card_no_or_phone)))


@router.get(
    "/members/{card_no_or_phone}/ledger",
    response={200: LedgerPageOut, **error_responses(400, 401, 404, 409)},
    operation_id="member_ledger",
    summary="A member's ledger, newest first",
)
def ledger(
    request: HttpRequest,
    card_no_or_phone: CardOrPhone,
    cursor: Annotated[
        int | None,
        Query(ge=1, le=MAX_ID, description="`next_cursor` of the previous page."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> HttpResponse:
    """Keyset pages on the entry id: stable while new entries arrive."""
    member = member_find(query=card_no_or_phone)
    entries = member_ledger(member=member)
    if cursor is not None:
        entries = entries.filter(id__lt=cursor)
    page = list(entries[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return reply(
        200,
        LedgerPageOut(
            entries=[ledger_entry_out(entry) for entry in page],
            next_cursor=page[-1].pk if more else None,
        ),
    )
