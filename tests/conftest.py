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
