"""Masking of member PII: everything shows masked unless the viewer may reveal."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from members.phones import mask_phone

REVEAL_PERMISSION = "members.reveal_pii"


def mask_name(name: str) -> str:
    """`张三丰` -> `张*`: the first character only, so the length stays hidden."""
    return f"{name[0]}*" if name else ""


def can_reveal(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return bool(user is not None and user.has_perm(REVEAL_PERMISSION))


__all__ = ["REVEAL_PERMISSION", "can_reveal", "mask_name", "mask_phone"]
