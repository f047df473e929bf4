"""Errors actions, queries and the access policy raise; the HTTP layer maps each to a status and a JSON body."""

from __future__ import annotations

from typing import Any

__all__ = ["ChannelNotConnected", "Conflict", "Forbidden", "HubError", "Invalid", "NotFound"]


class HubError(Exception):
    code = "error"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        # what the JSON error carries as `details` (e.g. each problem of a rule file with its line), or None
        self.details = details


class NotFound(HubError):
    """Missing, or hidden from the actor: the two are never told apart."""

    code = "not_found"


class Invalid(HubError):
    code = "invalid"


class Conflict(HubError):
    code = "conflict"


class ChannelNotConnected(Conflict):
    """A reply the conversation's channel cannot carry now (HTTP 409; `details`: the problem's code, params, text)."""

    code = "channel_not_connected"


class Forbidden(Exception):
    """The actor may see the record but not do this to it (HTTP 403)."""
