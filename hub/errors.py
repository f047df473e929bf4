"""Errors actions raise; the HTTP layer maps each to a status code and a JSON error body."""

from __future__ import annotations

from hub.permissions import Forbidden

__all__ = ["Conflict", "Forbidden", "HubError", "Invalid", "NotFound"]


class HubError(Exception):
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(HubError):
    code = "not_found"


class Invalid(HubError):
    code = "invalid"


class Conflict(HubError):
    code = "conflict"
