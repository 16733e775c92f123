"""When points expire, under the programme's policy.

Points expire at the end of a local day: `expires_at` is the local midnight
that starts the following day, and a lot is expired once now >= expires_at.
"""

import calendar
import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from points.models import ExpiryPolicy, ProgrammeRules


def _local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def end_of_local_day(day: datetime.date) -> datetime.datetime:
    """The instant the local day `day` ends (the next local midnight)."""
    return datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time.min, tzinfo=_local_zone()
    )


def _month_day(year: int, month: int, day: int) -> datetime.date:
    return datetime.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def last_valid_day(
    rules: ProgrammeRules, earned_at: datetime.datetime
) -> datetime.date | None:
    """The last local day on which points earned at `earned_at` can be used."""
    earned = earned_at.astimezone(_local_zone()).date()
    policy = rules.expiry_policy
    if policy == ExpiryPolicy.NEVER:
        return None
    if policy == ExpiryPolicy.ROLLING:
        return add_months(earned, rules.expiry_months)
    if policy == ExpiryPolicy.NEXT_YEAR_END:
        return datetime.date(earned.year + 1, 12, 31)
    clearing = _month_day(earned.year, rules.expiry_month, rules.expiry_day)
    if policy == ExpiryPolicy.ANNUAL_DATE:
        # Points earned on the clearing date itself survive to next year's.
        if earned >= clearing:
            clearing = _month_day(earned.year + 1, rules.expiry_month, rules.expiry_day)
        return clearing
    # FISCAL_YEAR_END: the fiscal year ends on the configured date.
    if earned > clearing:
        clearing = _month_day(earned.year + 1, rules.expiry_month, rules.expiry_day)
    return clearing


def expires_at_for(
    rules: ProgrammeRules, earned_at: datetime.datetime
) -> datetime.datetime | None:
    day = last_valid_day(rules, earned_at)
    return end_of_local_day(day) if day is not None else None
