from collections.abc import Iterable

from members.models import Member


def lock_members(member_ids: Iterable[int]) -> dict[int, Member]:
    """Lock member rows in ascending id order (the one lock order in Jifen).

    Must run inside ``transaction.atomic``. On SQLite the IMMEDIATE transaction
    already holds the database's write lock; ``select_for_update`` is a no-op.
    """
    ids = sorted(set(member_ids))
    rows = Member.objects.select_for_update().filter(id__in=ids).order_by("id")
    return {member.id: member for member in rows}


def lock_member(member_id: int) -> Member:
    return Member.objects.select_for_update().get(id=member_id)
