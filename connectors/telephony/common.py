"""What every provider module shares: the request as a provider signed it, the two ways a webhook is refused,
and phone numbers in E.164."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from multidict import CIMultiDictProxy

from hub.identities import InvalidIdentity, normalize_phone


class SignatureError(Exception):
    """Unsigned, wrongly signed or stale: 403, nothing stored."""


class Malformed(Exception):
    """Signed (or not yet checked) but not what the provider sends: 400."""


class Ignored(Exception):
    """A genuine notification the hub has no use for (an internal call, an IVR event): 200, nothing stored."""


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """A webhook as it arrived: `url` is the full URL the provider called (HUB_PUBLIC_URL + path and query);
    `kind` the tail of the path (Mango's events/call -> "call"), else ""."""

    url: str
    headers: CIMultiDictProxy[str]
    body: bytes
    content_type: str
    kind: str = ""

    def form(self) -> list[tuple[str, str]]:
        """The form-encoded body as (name, value) pairs, in order, repeated names kept."""
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Malformed("the body is not UTF-8") from exc
        try:
            return parse_qsl(text, keep_blank_values=True, strict_parsing=False, max_num_fields=500)
        except ValueError as exc:
            raise Malformed(f"the body is not a form: {exc}") from exc

    def form_dict(self) -> dict[str, str]:
        return dict(self.form())


def body_event_id(request: WebhookRequest) -> str:
    """An event identity from the body itself: a replay (the same bytes) has the same one."""
    return "sha256:" + hashlib.sha256(request.body).hexdigest()


_HIDDEN = {"anonymous", "unknown", "private", "hidden", "restricted", "unavailable"}


def e164(raw: str | None, region: str) -> str:
    """The number in E.164, or "" when there is none (hidden caller) or it is not a phone number. Providers send
    numbers with or without '+' (Mango and Zadarma: '74951234567')."""
    text = (raw or "").strip()
    if not text or text.lower() in _HIDDEN or len(text) > 40:
        return ""
    candidates = [text]
    digits = re.sub(r"\D", "", text)
    if digits and not text.startswith("+") and len(digits) >= 11:
        candidates.append("+" + digits)
    for candidate in candidates:
        try:
            return normalize_phone(candidate, region)
        except InvalidIdentity:
            continue
    return ""


def from_unix(value: object) -> datetime | None:
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not 0 < seconds < 32503680000:  # year 3000
        return None
    return datetime.fromtimestamp(seconds, UTC)


def to_int(value: object, what: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError as exc:
        raise Malformed(f"{what} must be a whole number") from exc
    if number < 0 or number > 10**9:
        raise Malformed(f"{what} is out of range")
    return number
