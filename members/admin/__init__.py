"""The members admin, one module per group of models; importing registers them."""

from members.admin import members, records, stores, users

__all__ = ["members", "records", "stores", "users"]
