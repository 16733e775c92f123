"""Opening balances imported from an old system."""

from collections.abc import Callable
from typing import Any

import pytest

from members.exceptions import InvalidInput
from members.models import Member
from points.exceptions import IdempotencyConflict
from points.models import LedgerEntry, Lot
from points.services import points_open_balance
from tests.points.helpers import local, reload

pytestmark = pytest.mark.usefixtures("english")


def test_an_opening_balance_credits_a_lot_with_its_own_expiry(
    member: Member, manager: Any, time_machine: Any
) -> None:
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)

    entry = points_open_balance(
        member=member,
        points=1_234,
        expires_at=local(2026, 12, 31),
        reference="legacy-2026-05",
        by=manager,
    )

    assert (entry.kind, entry.points, entry.balance_after) == ("opening", 1_234, 1_234)
    assert entry.reference == "legacy-2026-05"
    assert entry.operator == manager
    lot = Lot.objects.get(entry=entry)
    assert (lot.points, lot.remaining) == (1_234, 1_234)
    assert (lot.earned_at, lot.expires_at) == (
        local(2026, 6, 1, 10, 0),
        local(2026, 12, 31),
    )
    assert reload(member).balance == 1_234


def test_importing_the_same_reference_twice_credits_once(
    member: Member, unchanged: Callable[[], dict]
) -> None:
    first = points_open_balance(
        member=member, points=500, expires_at=None, reference="legacy"
    )
    before = unchanged()

    again = points_open_balance(
        member=member, points=500, expires_at=None, reference="  legacy "
    )

    assert again.pk == first.pk
    assert unchanged() == before
    assert reload(member).balance == 500


def test_rerunning_an_import_after_its_points_expired_replays_it(
    member: Member, time_machine: Any, unchanged: Callable[[], dict]
) -> None:
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)
    first = points_open_balance(
        member=member, points=500, expires_at=local(2026, 7, 1), reference="legacy"
    )
    time_machine.move_to(local(2026, 8, 1, 10, 0), tick=False)
    before = unchanged()

    again = points_open_balance(
        member=member, points=500, expires_at=local(2026, 7, 1), reference="legacy"
    )

    assert again.pk == first.pk
    assert unchanged() == before


def test_the_same_reference_for_another_member_is_another_import(
    member: Member, other_member: Member
) -> None:
    points_open_balance(member=member, points=500, expires_at=None, reference="legacy")

    points_open_balance(
        member=other_member, points=700, expires_at=None, reference="legacy"
    )

    assert (reload(member).balance, reload(other_member).balance) == (500, 700)


@pytest.mark.parametrize(
    ("points", "expires_at"),
    [(501, None), (500, local(2030, 1, 1))],
    ids=["points", "expiry"],
)
def test_the_same_reference_with_different_figures_is_a_conflict(
    member: Member,
    unchanged: Callable[[], dict],
    points: int,
    expires_at: Any,
) -> None:
    points_open_balance(member=member, points=500, expires_at=None, reference="legacy")
    before = unchanged()

    with pytest.raises(IdempotencyConflict):
        points_open_balance(
            member=member, points=points, expires_at=expires_at, reference="legacy"
        )

    assert unchanged() == before


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"points": 0}, "Points must be a positive whole number."),
        ({"points": -5}, "Points must be a positive whole number."),
        ({"points": 5.0}, "Points are a whole number."),
        ({"reference": "  "}, "Give the import a reference."),
        (
            {"expires_at": local(2026, 6, 1, 10, 0)},
            "These points have already expired.",
        ),
    ],
)
def test_a_bad_opening_balance_is_refused_and_writes_nothing(
    member: Member,
    unchanged: Callable[[], dict],
    time_machine: Any,
    kwargs: dict[str, Any],
    message: str,
) -> None:
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)
    before = unchanged()

    with pytest.raises(InvalidInput) as refused:
        points_open_balance(
            member=member,
            **{"points": 500, "expires_at": None, "reference": "legacy", **kwargs},
        )

    assert str(refused.value.message) == message
    assert unchanged() == before
    assert LedgerEntry.objects.count() == 0
