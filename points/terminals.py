"""POS terminal API keys: created once, stored only as a SHA-256 hash.

A key reads ``jf_<prefix>_<secret>``: the prefix (8 hex digits, stored in
clear and unique) finds the terminal in one indexed lookup, the secret
(256 random bits) is what proves possession. The key has enough entropy that
a plain SHA-256 is safe to store; a slow password hash would only cost every
API request a few hundred milliseconds.
"""

import hashlib
import hmac
import secrets

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from members.exceptions import InvalidInput
from members.models import Store
from points.models import Terminal

KEY_SCHEME = "jf"
PREFIX_BYTES = 4  # 8 hex digits
SECRET_BYTES = 32
_HEX_DIGITS = "0123456789abcdef"
# Compared against when the prefix matches nothing, so an unknown prefix costs
# the same hash-and-compare as a known one.
_DUMMY_HASH = hashlib.sha256(b"jifen-no-such-terminal").hexdigest()


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def _key_prefix(key: str) -> str | None:
    """The prefix of a well-formed key; None for anything else."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_SCHEME or not parts[2]:
        return None
    prefix = parts[1]
    if len(prefix) != PREFIX_BYTES * 2 or prefix.strip(_HEX_DIGITS):
        return None
    return prefix


def terminal_create(*, store: Store, name: str) -> tuple[Terminal, str]:
    """Create a terminal for `store`; return it with its key.

    The key is returned once and never stored: show it to whoever installs
    the terminal, then it is gone (a lost key means a new terminal).
    """
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give the terminal a name."), fields={"name": name})
    if len(name) > 100:
        raise InvalidInput(
            _("A terminal name has at most 100 characters."), fields={"name": name}
        )
    for _attempt in range(5):
        prefix = secrets.token_hex(PREFIX_BYTES)
        key = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
        try:
            with transaction.atomic():
                terminal = Terminal.objects.create(
                    store=store, name=name, key_prefix=prefix, key_hash=key_hash(key)
                )
        except IntegrityError:
            # A prefix collision (1 in 4 billion per pair): draw again.
            continue
        return terminal, key
    raise RuntimeError("could not find a free terminal key prefix")


def terminal_authenticate(key: str) -> Terminal | None:
    """The active terminal (of an active store) holding `key`, or None."""
    key = key or ""
    prefix = _key_prefix(key)
    terminal = None
    if prefix is not None:
        terminal = (
            Terminal.objects.select_related("store").filter(key_prefix=prefix).first()
        )
    stored = terminal.key_hash if terminal is not None else _DUMMY_HASH
    matches = hmac.compare_digest(stored, key_hash(key))
    if terminal is None or not matches:
        return None
    if not terminal.active or not terminal.store.active:
        return None
    return terminal
