"""Small text helpers shared by actions: previews, HTML sanitizing, mention handles."""

from __future__ import annotations

import re

import nh3

PREVIEW_CHARS = 140


def preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"


def sanitize_html(html: str | None) -> str | None:
    """Safe HTML for display: scripts, event handlers and dangerous URLs removed (nh3 / ammonia)."""
    if html is None:
        return None
    cleaned = nh3.clean(html, link_rel="noopener noreferrer nofollow")
    return cleaned or None


_MENTION = re.compile(r"(?<![\w@.])@([\w][\w.\-]*[\w]|[\w])", re.UNICODE)


def mention_handles(text: str) -> list[str]:
    """'@agent2 and @sales, ask @Иван' -> ['agent2', 'sales', 'иван'] (lower-case, unique, in order)."""
    seen: dict[str, None] = {}
    for match in _MENTION.finditer(text):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)


def handle_of_email(email: str) -> str:
    return email.split("@", 1)[0].lower()


def handle_of_name(name: str) -> str:
    return re.sub(r"[^\w.\-]+", "-", name.strip().lower()).strip("-")
