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
