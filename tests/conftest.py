"""Fixtures shared by the whole suite. Keep it small; app fixtures live beside their tests."""

from collections.abc import Iterator

import pytest
from django.test import override_settings


@pytest.fixture(scope="session", autouse=True)
def _test_settings() -> Iterator[None]:
    """Plain HTTP and a fast password hasher for every test.

    With DEBUG off (as in tests) the settings default to HTTPS redirects and
    secure-only cookies, which the test client and the live server don't speak.
    Session-scoped and autouse so it is in place before the live server builds
    its middleware. Deploy settings are checked in a subprocess instead
    (test_settings_deploy.py).
    """
    with override_settings(
        SECURE_SSL_REDIRECT=False,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ):
        yield


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """On SQLite, put the test database in a file instead of memory.

    The concurrency tests (tests/points/test_concurrency.py) run writers in
    threads, each with its own connection. Connections share an in-memory
    database only through SQLite's shared cache, whose table locks fail at once
    ("database table is locked") instead of waiting on the busy timeout, so
    writers could not queue as they do in production. A file in WAL mode with
    IMMEDIATE transactions behaves like the real thing. (pytest-django's hook;
    the per-worker temporary directory keeps xdist workers apart.)
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        test_name = tmp_path_factory.mktemp("sqlite") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(test_name)
        # Fifty writer threads on a loaded 2-core CI machine can queue longer
        # than production's 30 s busy timeout; a lock error there would be the
        # machine's, not the ledger's.
        database.setdefault("OPTIONS", {})["timeout"] = 120


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give every transactional test the database as the migrations left it.

    A transactional test (live server, threads) ends with a flush that also
    empties what data migrations wrote: the staff role groups and their
    permissions. The next test would find groups without permissions. With
    serialized_rollback, Django reloads that data before each of them. It must be
    all of them: a flush without it recreates content types under new ids, which
    the reload then collides with.
    """
    from pytest_django.fixtures import validate_django_db

    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker:
            transaction, reset_sequences, databases, _serialized, available_apps = (
                validate_django_db(marker)
            )
        else:
            transaction = bool(
                {"transactional_db", "live_server"} & set(item.fixturenames)
            )
            reset_sequences, databases, available_apps = False, None, None
        if transaction:
            item.add_marker(
                pytest.mark.django_db(
                    transaction=True,
                    reset_sequences=reset_sequences,
                    databases=databases,
                    serialized_rollback=True,
                    available_apps=available_apps,
                ),
                append=False,
            )
