"""One key per purpose, derived from HUB_SECRET_KEY, so that no party that is given one key holds another.

HKDF-SHA256 (RFC 5869) with the purpose as `info`. The master key itself signs nothing: a receiver of the API
webhooks (which verifies X-Hub-Signature with its key) cannot mint a login token or a Telegram deep link, and a
web chat visitor token cannot be replayed as anything else.
"""

from __future__ import annotations

import hashlib
import hmac

from hub.config import Settings

# the purposes (HKDF `info`); never reuse one for another signer
LOGIN_TOKENS = "hub login tokens v1"
API_WEBHOOK = "hub api webhook signature v1"
WEBCHAT_VISITORS = "hub webchat visitor tokens v1"
TELEGRAM_LINKS = "hub telegram deep links v1"
EMAIL_CODES = "hub email verification codes v1"  # HMAC of one-time email codes (never the codes)

_SALT = b"omnihub key derivation"


def hkdf_sha256(master: bytes, info: bytes, length: int = 32, salt: bytes = _SALT) -> bytes:
    prk = hmac.new(salt, master, hashlib.sha256).digest()  # extract
    out, block, counter = b"", b"", 1
    while len(out) < length:  # expand
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def derive_key(master: str, purpose: str) -> bytes:
    """32 bytes for `purpose`, derived from the master secret."""
    if not master:
        raise ValueError("an empty master secret")
    return hkdf_sha256(master.encode(), purpose.encode())


def derive_secret(master: str, purpose: str) -> str:
    """The key of `purpose` as 64 hex characters, for signers that take a text secret (itsdangerous, the
    webhook HMAC, hub.links)."""
    return derive_key(master, purpose).hex()


def api_webhook_secret(settings: Settings) -> str:
    """The key of X-Hub-Signature (HMAC-SHA256 of the body, keyed with this text's UTF-8 bytes):
    HUB_API_WEBHOOK_SECRET, or by default a key derived from HUB_SECRET_KEY (`hub` can print it for receivers)."""
    if settings.api_webhook_secret:
        return settings.api_webhook_secret
    return derive_secret(settings.resolved_secret(), API_WEBHOOK)
