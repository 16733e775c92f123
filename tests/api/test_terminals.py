"""Terminal keys: created once, stored hashed, checked in constant time."""

import hashlib

import pytest

from members.exceptions import InvalidInput
from members.models import Store
from points.models import Terminal
from points.terminals import terminal_authenticate, terminal_create


def test_create_returns_a_key_of_which_only_the_hash_and_prefix_are_stored(
    store: Store,
) -> None:
    terminal, key = terminal_create(store=store, name="  POS 1 ")

    scheme, prefix, secret = key.split("_", 2)
    assert (scheme, len(prefix), terminal.key_prefix) == ("jf", 8, prefix)
    assert len(secret) >= 43  # 32 random bytes, base64url
    assert terminal.key_hash == hashlib.sha256(key.encode()).hexdigest()
    stored = Terminal.objects.values().get(pk=terminal.pk)
    assert key not in {str(value) for value in stored.values()}
    assert secret not in {str(value) for value in stored.values()}
    assert (stored["name"], stored["store_id"], stored["active"]) == (
        "POS 1",
        store.pk,
        True,
    )


def test_two_terminals_get_different_keys(store: Store) -> None:
    _first, first_key = terminal_create(store=store, name="POS 1")
    _second, second_key = terminal_create(store=store, name="POS 2")

    assert first_key != second_key
    assert first_key.split("_")[1] != second_key.split("_")[1]


def test_the_key_authenticates_its_terminal(store: Store) -> None:
    terminal, key = terminal_create(store=store, name="POS 1")

    assert terminal_authenticate(key) == terminal


@pytest.mark.parametrize(
    "mangle",
    [
        lambda key: key[:-1] + ("A" if key[-1] != "A" else "B"),  # wrong secret
        lambda key: "jf_00000000_" + key.split("_", 2)[2],  # unknown prefix
        lambda key: key.replace("jf_", "xx_", 1),  # wrong scheme
        lambda key: key.split("_", 2)[2],  # secret alone
        lambda key: "",
        lambda key: "jf__",
        lambda key: "jf_\x00\x00\x00\x00\x00\x00\x00\x00_secret",
    ],
    ids=["secret", "prefix", "scheme", "bare", "empty", "parts", "nul"],
)
def test_a_wrong_key_authenticates_nothing(store: Store, mangle) -> None:
    _terminal, key = terminal_create(store=store, name="POS 1")

    assert terminal_authenticate(mangle(key)) is None


def test_an_inactive_terminal_is_refused(store: Store) -> None:
    terminal, key = terminal_create(store=store, name="POS 1")
    Terminal.objects.filter(pk=terminal.pk).update(active=False)

    assert terminal_authenticate(key) is None


def test_a_terminal_of_an_inactive_store_is_refused(store: Store) -> None:
    _terminal, key = terminal_create(store=store, name="POS 1")
    Store.objects.filter(pk=store.pk).update(active=False)

    assert terminal_authenticate(key) is None


def test_a_terminal_needs_a_name(store: Store) -> None:
    with pytest.raises(InvalidInput) as raised:
        terminal_create(store=store, name="   ")

    assert raised.value.fields == {"name": ""}
    assert Terminal.objects.count() == 0
