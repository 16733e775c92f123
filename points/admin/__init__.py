"""The points admin; importing registers it."""

from points.admin import ledger, member, programme, purchases

__all__ = ["ledger", "member", "programme", "purchases"]
