"""One-time codes that prove an email address: a web chat visitor who types an address some client already has
gets a code mailed to it, and only the right code attaches the visitor to that client (hub.actions.
email_verification). Only an HMAC of the code is stored; a code is single use, expires and allows a few tries."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from hub.domain import Model, new_id


class EmailCode(Model):
    id: str = Field(default_factory=new_id)
    # who asked (the web chat visitor id) and the address the code was mailed to (normalized, lower case)
    visitor_id: str
    address: str
    # HMAC-SHA256 (hex) of the code with a key of its own (hub.keys.EMAIL_CODES), bound to this record's id
    code_hash: str
    created_at: datetime
    expires_at: datetime
    # wrong and right tries so far (counted before the comparison, in one conditional update)
    attempts: int = 0
    # when the right code was taken (once: a second use finds it used)
    used_at: datetime | None = None
