"""The built-in `api` channel: any system pushes messages in over HTTP, and replies go back to a webhook.

Inbound: `POST /api/v1/inbound` (bearer token of a staff user). Outgoing: when HUB_API_WEBHOOK_URL is set, each
reply is POSTed there as JSON, signed `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>`, keyed with
HUB_API_WEBHOOK_SECRET (default: a key derived from HUB_SECRET_KEY for this purpose alone, hub.keys; never the
master key, which signs nothing itself); without it, replies count as sent at once and the other system reads them from the timeline.
"""

from connectors.api.channel import ApiChannelSender, install

__all__ = ["ApiChannelSender", "install"]
