"""manage.py create_terminal: a terminal for a store, its key printed once."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from members.models import Store
from points.models import Terminal
from points.terminals import terminal_authenticate


def test_create_terminal_prints_a_key_that_authenticates_the_new_terminal(
    store: Store,
) -> None:
    out = StringIO()

    with translation.override("en"):
        call_command(
            "create_terminal", "--store", "S001", "--name", "Till 3", stdout=out
        )

    lines = out.getvalue().splitlines()
    terminal = Terminal.objects.get()
    assert (terminal.name, terminal.store, terminal.active) == ("Till 3", store, True)
    assert lines[0] == "Terminal Till 3 created for store S001."
    assert lines[1] == "API key (shown only this once; store it in the terminal now):"
    assert len(lines) == 3
    assert terminal_authenticate(lines[2]) == terminal


def test_create_terminal_names_it_pos_by_default(store: Store) -> None:
    call_command("create_terminal", "--store", "S001", stdout=StringIO())

    assert Terminal.objects.get().name == "POS"


def test_create_terminal_refuses_an_unknown_store(store: Store) -> None:
    with translation.override("en"), pytest.raises(CommandError) as raised:
        call_command("create_terminal", "--store", "S999", stdout=StringIO())

    assert str(raised.value) == "No store has the code S999."
    assert Terminal.objects.count() == 0


def test_create_terminal_refuses_an_inactive_store(store: Store) -> None:
    Store.objects.filter(pk=store.pk).update(active=False)

    with translation.override("en"), pytest.raises(CommandError) as raised:
        call_command("create_terminal", "--store", "S001", stdout=StringIO())

    assert str(raised.value) == "Store S001 is not active."
    assert Terminal.objects.count() == 0
