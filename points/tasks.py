"""Celery tasks of the ledger: take ids and ISO dates, call one service, log."""

import datetime
import logging

from celery import shared_task

from members.models import Member
from points.services import points_expire_due

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def expire_member_points(member_id: int, as_of: str | None = None) -> int:
    """Expire one member's lots due by `as_of` (ISO 8601; default now).

    Idempotent: an expired lot has nothing left, so a rerun expires nothing.
    """
    member = Member.objects.get(pk=member_id)
    moment = datetime.datetime.fromisoformat(as_of) if as_of else None
    expired = points_expire_due(member=member, as_of=moment)
    logger.info("expired %d points of member %d", expired, member_id)
    return expired
