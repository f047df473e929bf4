"""The built-in `api` channel: any system pushes messages in over HTTP, and replies go back to a webhook.

Inbound: `POST /api/v1/inbound` (bearer token of a staff user). Outgoing: when HUB_API_WEBHOOK_URL is set, each
reply is POSTed there as JSON, signed with HMAC-SHA256 of the body under HUB_SECRET_KEY in `X-Hub-Signature`;
without it, replies count as sent at once and the other system reads them from the timeline.
"""

from connectors.api.channel import ApiChannelSender, install

__all__ = ["ApiChannelSender", "install"]
