"""Terminal authentication: `Authorization: Bearer <terminal API key>`."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from points.models import Terminal
from points.terminals import terminal_authenticate


class TerminalKey(HttpBearer):
    """Sets `request.auth` to the Terminal; its store scopes every receipt."""

    openapi_description = "A terminal API key, created by `manage.py create_terminal`."

    def authenticate(self, request: HttpRequest, token: str) -> Terminal | None:
        return terminal_authenticate(token)
