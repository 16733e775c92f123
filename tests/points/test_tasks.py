"""The ledger's Celery task, inline and through a real worker on Redis."""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection

from members.models import Member
from points.models import LedgerEntry, Lot
from points.tasks import expire_member_points
from tests.points.helpers import local

ROOT = Path(__file__).resolve().parents[2]


def _member_with_a_lot_due(make_member: Callable[..., Member], give) -> Member:  # type: ignore[no-untyped-def]
    member = make_member()
    with time_machine.travel(local(2026, 1, 5, 10), tick=False):
        give(member, 300, expires_at=local(2026, 2, 1))
        give(member, 200)
    return member


@pytest.mark.django_db
def test_expire_task_run_twice_expires_once(make_member, give):
    member = _member_with_a_lot_due(make_member, give)

    first = expire_member_points(member.pk, local(2026, 3, 1).isoformat())
    second = expire_member_points(member.pk, local(2026, 3, 1).isoformat())

    member.refresh_from_db()
    assert (first, second) == (300, 0)
    assert member.balance == 200
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EXPIRE).count() == 1


@pytest.mark.skipif(
    not settings.REDIS_URL, reason="a real worker runs against Redis (REDIS_URL unset)"
)
@pytest.mark.django_db(transaction=True)
def test_expire_task_runs_on_a_real_celery_worker(make_member, give):
    member = _member_with_a_lot_due(make_member, give)
    queue = f"jifen-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "--app",
            "config",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        expire_member_points.apply_async(
            args=[member.pk, local(2026, 3, 1).isoformat()], queue=queue
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and worker.poll() is None:
            if LedgerEntry.objects.filter(member=member, kind="expire").exists():
                break
            time.sleep(0.2)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)

    member.refresh_from_db()
    assert LedgerEntry.objects.filter(member=member, kind="expire").count() == 1, output
    assert member.balance == 200
    assert (
        sum(Lot.objects.filter(member=member).values_list("remaining", flat=True))
        == 200
    )


def _database_url() -> str:
    """The test database, as a URL the worker process can open."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
