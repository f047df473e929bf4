"""Signed client links: a short token that says "this is client X", e.g. the payload of a Telegram deep link
(`t.me/<bot>?start=<token>`) a web chat offers, so the Telegram user joins the same client.

Telegram allows 64 characters of [A-Za-z0-9_-] in a start payload: 24 hex id + '-' + 22 chars of HMAC = 47.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Protocol

_TOKEN = re.compile(r"^([0-9a-f]{24})-([A-Za-z0-9_-]{22})$")


def _mac(secret: str, client_id: str) -> str:
    digest = hmac.new(secret.encode(), f"client-link:{client_id}".encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign_client_link(secret: str, client_id: str) -> str:
    return f"{client_id}-{_mac(secret, client_id)}"


def verify_client_link(secret: str, token: str) -> str | None:
    """The client id the token was signed for, or None when it is malformed or forged."""
    match = _TOKEN.match(token or "")
    if not match:
        return None
    client_id, mac = match.groups()
    return client_id if hmac.compare_digest(mac, _mac(secret, client_id)) else None


class ContinueLinkProvider(Protocol):
    """A channel a client can continue the conversation in (Telegram): connectors register one on
    Hub.continue_links, the web chat offers each to its visitor."""

    channel: str
    title: str  # what the link is called, e.g. "Telegram"

    def url_for(self, client_id: str) -> str:
        """The link that joins whoever opens it to this client (a signed payload: sign_client_link)."""
